#!/usr/bin/env python3
"""How far two runs of the development set's ``score.py`` read the same reps apart (docs/real-footage.md round 16).

Takes two saved outputs of ``../shared/realset/score.py`` (for example the clips as filmed and the same clips
mirrored by ``scripts/realset_variants.py --mirror``) and prints, over the reps both runs found in a clip (a
clip whose rep count differs is left out and named), the spread of the per-rep rounding difference and every
rep whose verdict changed:

    python ../shared/realset/score.py /work/clips --python .venv/bin/python > filmed.txt
    python ../shared/realset/score.py /tmp/clips_mirror --python .venv/bin/python > mirrored.txt
    python scripts/realset_spread.py filmed.txt mirrored.txt

This is where the 3 deg of ``device.report.NEAR_LIMIT_DEG`` comes from.
"""

from __future__ import annotations

import argparse
import ast
import re
import statistics
import sys
from pathlib import Path

LINE = re.compile(r"(\S+\.mp4): .*verdicts=(\[.*?\]) labels=(\[.*?\]) rounding=(\[.*?\])")


def parse(text: str) -> dict[str, tuple[list, list]]:
    """Per clip, (verdicts, roundings) from score.py's per-clip lines."""
    out = {}
    for line in text.splitlines():
        m = LINE.match(line.strip())
        if m:
            out[m.group(1)] = (ast.literal_eval(m.group(2)), ast.literal_eval(m.group(4)))
    return out


def spread(a: dict, b: dict) -> tuple[list[float], list[tuple], list[str]]:
    """(|rounding difference| per rep read in both, verdict changes, clips left out)."""
    diffs, flips, left_out = [], [], []
    for clip in sorted(a.keys() & b.keys()):
        (va, ra), (vb, rb) = a[clip], b[clip]
        if len(va) != len(vb):
            left_out.append(clip)
            continue
        for i, (x, y, rx, ry) in enumerate(zip(va, vb, ra, rb), 1):
            if rx is not None and ry is not None:
                diffs.append(abs(rx - ry))
            if x != y:
                flips.append((clip, i, x, rx, y, ry))
    return diffs, flips, left_out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("first", type=Path, help="a saved score.py output")
    ap.add_argument("second", type=Path, help="another, of the same clips read differently")
    args = ap.parse_args(argv)
    try:
        a, b = parse(args.first.read_text()), parse(args.second.read_text())
    except OSError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    diffs, flips, left_out = spread(a, b)
    if not diffs:
        print("error: no rep was given a rounding in both files (are they score.py outputs of the same clips?)",
              file=sys.stderr)
        return 2
    d = sorted(diffs)

    def q(p: float) -> float:
        return d[min(len(d) - 1, int(p * len(d)))]

    print(f"{len(d)} reps read in both: rounding difference median {statistics.median(d):.1f} deg, "
          f"p75 {q(0.75):.1f}, p90 {q(0.9):.1f}, largest {d[-1]:.1f}")
    print(f"clips left out (a different number of reps): {', '.join(left_out) or 'none'}")
    for clip, i, x, rx, y, ry in flips:
        print(f"  {clip} rep {i}: {x} ({rx}) -> {y} ({ry})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
