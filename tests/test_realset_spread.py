"""scripts/realset_spread.py: the spread between two score.py runs, from their saved text (no clips needed)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import realset_spread  # noqa: E402

FILMED = """\
a.mp4: reps=1 labelled=1 matched=1 count ok verdicts=['good'] labels=['not'] rounding=[8.0]
b.mp4: reps=2 labelled=2 matched=2 count ok verdicts=['rounded', 'good'] labels=['rounded', 'not'] rounding=[20.0, None]
c.mp4: reps=1 labelled=1 matched=1 verdicts=['good'] labels=['not'] rounding=[1.0]
DEV: counts=3/3 matched=4/4 rounded_BA=1.000
"""
MIRRORED = """\
a.mp4: reps=1 labelled=1 matched=1 count ok verdicts=['rounded'] labels=['not'] rounding=[11.0]
b.mp4: reps=2 labelled=2 matched=2 count ok verdicts=['rounded', 'unchecked'] labels=['rounded', 'not'] rounding=[19.0, None]
c.mp4: reps=2 labelled=1 matched=1 verdicts=['good', 'good'] labels=['not'] rounding=[1.0, 2.0]
"""


def test_the_spread_counts_reps_read_both_ways_and_names_verdict_changes_and_clips_left_out(tmp_path, capsys):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(FILMED)
    b.write_text(MIRRORED)
    assert realset_spread.main([str(a), str(b)]) == 0
    out = capsys.readouterr().out
    assert "2 reps read in both: rounding difference median 2.0 deg" in out  # |8-11| and |20-19|; b's 2nd unread
    assert "largest 3.0" in out
    assert "left out (a different number of reps): c.mp4" in out
    assert "a.mp4 rep 1: good (8.0) -> rounded (11.0)" in out and "b.mp4 rep 2: good (None) -> unchecked (None)" in out


def test_files_that_are_not_score_outputs_are_named_not_a_traceback(tmp_path, capsys):
    a = tmp_path / "a.txt"
    a.write_text("nothing here\n")
    assert realset_spread.main([str(a), str(a)]) == 2
    assert "are they score.py outputs" in capsys.readouterr().err
    assert realset_spread.main([str(tmp_path / "missing.txt"), str(a)]) == 2
    assert "missing.txt" in capsys.readouterr().err
