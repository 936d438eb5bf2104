"""The command line a person meets: real subcommands, hostile input answered with a message that
names what is wrong and what to do (exit 2 for usage and config errors), words for people."""

from __future__ import annotations

import json

import numpy as np
import pytest

from device.__main__ import build_parser, main
from device.config import Config
from device.core.types import ProximitySample
from device.io.frames import Frame
from device.recording import RecordingWriter, open_recording


def small_recording(folder):
    w = RecordingWriter(folder, 10.0, (160, 120), meta={"wall_side": "left"})
    for i in range(12):
        w.add_frame(Frame(i, i / 10, np.full((120, 160, 3), 40 + i, np.uint8)))
        w.add_proximity(ProximitySample(i / 10, 0.3))
    w.close()
    return folder


def snapshot(folder):
    return {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("argv, command", [
    (["analyze", "export"], "analyze"),
    (["simulate", "--record", "export"], "simulate"),
    (["run", "--label", "export"], "run"),
    (["--config", "x.toml", "export", "--list"], "export"),
    (["export", "--config", "x.toml", "--list"], "export"),
])
def test_a_word_equal_to_a_command_is_just_a_value(argv, command):
    args = build_parser().parse_args(argv)
    assert args.command == command
    if command == "export":
        assert str(args.config) == "x.toml"


def test_analyze_of_a_path_called_export_never_runs_the_exporter(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["analyze", "export"]) == 1
    err = capsys.readouterr().err
    assert "export: no such file or folder" in err
    assert not (tmp_path / "wallhinge-export").exists()


def test_a_bad_config_exits_2_naming_file_and_key_before_any_command(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[sensor]\ncontact_threshold_m = 7\n")
    for argv in (["--config", str(bad), "export"], ["export", "--config", str(bad)], ["config", str(bad)]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert str(bad) in err and "sensor.contact_threshold_m" in err


def test_config_file_checks_that_file(tmp_path, capsys):
    good = tmp_path / "good.toml"
    good.write_text("[station]\nplace = \"clinic\"\n")
    assert main(["config", str(good)]) == 0
    out = capsys.readouterr()
    assert 'place = "clinic"' in out.out and "config OK" in out.err


def test_a_log_level_that_does_not_exist_is_named(monkeypatch, capsys):
    monkeypatch.setenv("WALLHINGE_LOG_LEVEL", "verbose")
    assert main(["config", "--defaults"]) == 2
    err = capsys.readouterr().err
    assert "WALLHINGE_LOG_LEVEL='verbose'" in err and "debug, info, warning, error" in err


@pytest.mark.parametrize("argv, needle", [
    (["simulate", "--fps", "1e6"], "--fps must be from 5 to 120, not 1e6"),
    (["simulate", "--shading", "2"], "--shading must be from 0 to 0.8, not 2"),
    (["simulate", "--speed", "-5"], "--speed must be from 0 to 1000, not -5"),
    (["simulate", "--speed", "nan"], "--speed must be from 0 to 1000, not nan"),
    (["simulate", "--size", "99999x2"], "size must be from 160x120 to 1920x1080"),
    (["simulate", "--reps", "0"], "--reps must be from 1 to 200, not 0"),
])
def test_values_that_cannot_work_are_refused_before_anything_runs(argv, needle, capsys):
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    assert needle in capsys.readouterr().err


def test_export_of_a_folder_says_it_is_a_folder_not_that_the_card_fails(tmp_path, capsys):
    (tmp_path / "sessions.db").write_bytes(b"")
    assert main(["export", "--db", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "is a folder, not a session log" in err and f"--db {tmp_path / 'sessions.db'}" in err
    assert "failing" not in err


def test_simulate_never_records_over_an_existing_recording(tmp_path, capsys):
    rec = small_recording(tmp_path / "rec")
    before = snapshot(rec)
    assert main(["simulate", "--posture", "truth", "--record", str(rec)]) == 2
    assert "already exists and is not empty" in capsys.readouterr().err
    assert snapshot(rec) == before


def test_a_disk_that_fills_during_a_session_stops_the_recording_not_the_counting(small_fs, capsys, caplog):
    """A real full disk (256 KiB tmpfs) part-way through a recorded session: every rep is still counted
    and judged, the command ends normally and says the recording stopped part-way, not "saved"
    (before, the full disk's error ended the command after the last rep: "error: OSError: [Errno 28]")."""
    rec = small_fs / "rec"
    assert main(["simulate", "--scenario", "clean", "--reps", "2", "--fps", "5", "--record", str(rec)]) == 0
    cap = capsys.readouterr()
    out = cap.out + cap.err + caplog.text  # the station's error goes through logging (stderr when run)
    assert "2 good reps counted out of" in out
    assert "the disk is full" in out and "The recording stopped part-way" in out
    assert "Recording saved" not in out and "Errno" not in out
    assert len(list(open_recording(rec).frames())) >= 1  # what was written before reads back


def test_annotate_never_writes_over_an_input(tmp_path, capsys):
    rec = small_recording(tmp_path / "rec")
    before = snapshot(rec)
    seg = rec / "video" / "00000.avi"
    for target in (seg, rec / "annotated.mp4"):  # over the video, or anywhere inside the recording
        assert main(["analyze", str(rec), "--annotate", str(target)]) == 2
        assert "would write over the input" in capsys.readouterr().err
    assert main(["analyze", str(seg), "--annotate", str(seg)]) == 2  # a bare video over itself
    assert snapshot(rec) == before
    # an existing file elsewhere is not overwritten either
    other = tmp_path / "out.mp4"
    other.write_bytes(b"keep me")
    assert main(["analyze", str(rec), "--annotate", str(other)]) == 2
    assert other.read_bytes() == b"keep me"
    # a new file is written whole, and nothing half-written is left beside it
    new = tmp_path / "new.mp4"
    assert main(["analyze", str(rec), "--annotate", str(new)]) == 0
    assert new.stat().st_size > 0 and [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_bad_recording_file_is_named_with_what_to_do(tmp_path, capsys):
    rec = small_recording(tmp_path / "rec")
    meta = json.loads((rec / "recording.json").read_text())
    (rec / "recording.json").write_text(json.dumps({**meta, "contact_threshold_m": 0.6}))
    assert main(["analyze", str(rec)]) == 1
    err = capsys.readouterr().err
    assert "recording.json: contact_threshold_m must be a number above 0 and at most 0.5" in err
    assert "Traceback" not in err and "pydantic" not in err


def test_a_station_without_a_bar_graph_runs(factory):
    from device.core.types import Rep, RepFinished, SetStarted, TargetReached, Verdict
    from device.io.gpio import Feedback

    cfg = Config.model_validate({"leds": {"bargraph_pins": []}})
    fb = Feedback(cfg, pin_factory=factory)
    rep = Rep(1, 0.0, 1.0, 2.0, True, Verdict.GOOD)
    for e in (SetStarted(0, 1), RepFinished(2.0, rep, 1, 1), TargetReached(2.0, 1)):
        fb.handle(e)
    assert factory.pin(cfg.leds.good_pin).state
    fb.close()


def test_feedback_that_cannot_open_its_pins_says_why(factory):
    from gpiozero import LED

    from device.io.gpio import Feedback

    cfg = Config()
    busy = LED(cfg.leds.bargraph_pins[0], pin_factory=factory)
    with pytest.raises(Exception) as e:
        Feedback(cfg, pin_factory=factory)
    assert not isinstance(e.value, AttributeError)
    busy.close()


def test_selftest_off_a_pi_says_so_and_how_to_try_it(capsys, monkeypatch):
    monkeypatch.setattr("device.__main__.on_raspberry_pi", lambda: False)
    monkeypatch.delenv("WALLHINGE_COMMAND", raising=False)  # set by scripts/run
    assert main(["selftest"]) == 2
    err = capsys.readouterr().err
    assert "not a Raspberry Pi" in err and "selftest --mock" in err


def test_simulation_ends_in_words_for_people_and_details_only_with_verbose(capsys):
    assert main(["simulate", "--scenario", "mixed", "--reps", "6", "--posture", "truth"]) == 0
    out = capsys.readouterr().out
    assert "good reps counted out of 6" in out or "good rep counted out of 6" in out
    assert "Not counted:" in out and "cue:" in out
    for dev in ("fps", "MATCHES GROUND TRUTH", "bar ", "knee_lock", "heel_lift", "-0°"):
        assert dev not in out, dev
    assert main(["simulate", "--scenario", "mixed", "--reps", "2", "--posture", "truth", "--verbose"]) == 0
    assert " fps)" in capsys.readouterr().out


def test_selftest_mock_says_mock_waits_for_nobody_and_leaves_nothing_behind(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["selftest", "--mock"]) == 0
    out = capsys.readouterr().out
    assert "PASS" not in out and "MOCK  LED good/green" in out
    # On mock pins nobody can press the button: it is skipped, never waited for.
    assert "SKIP  button" in out and "press the button now" not in out
    assert "snapshot not kept" in out and list(tmp_path.iterdir()) == []


def test_analyze_reports_progress_as_it_goes(tmp_path):
    from device.analyze import analyze

    w = RecordingWriter(tmp_path / "rec", 10.0, (160, 120))
    for i in range(95):
        w.add_frame(Frame(i, i / 10, np.full((120, 160, 3), 40, np.uint8)))
    w.close()
    seen = []
    analyze(tmp_path / "rec", progress=lambda done, total: seen.append((done, total)))
    assert seen == [(30, 95), (60, 95), (90, 95)]


def test_a_rounding_just_below_zero_never_reads_minus_zero():
    from device.core.types import Rep, Verdict
    from device.report import rep_line

    line = rep_line(Rep(1, 0.0, 1.0, 2.0, True, Verdict.GOOD, trunk_inclination_deg=41.0, rounding_deg=-0.3))
    assert "-0" not in line and "rounding   0°" in line


def test_the_text_summary_names_each_reps_own_cue_with_the_stations_thresholds():
    # The summary a gym owner reads after `simulate` says what the speaker said: a rep whose trunk
    # hinged but whose back was not seen gets the hint about the top, not "step into view".
    from device.__main__ import _summary
    from device.config import ThresholdsConfig
    from device.core.types import Rep, Verdict
    from device.messages import BACK_UNSEEN_HINT, CUES

    def rep(i, trunk, seen):
        return Rep(index=i, start_s=i, bottom_s=i + 0.5, end_s=i + 1, contact=True, verdict=Verdict.UNCHECKED,
                   trunk_inclination_deg=trunk, seen_fraction=seen)

    reps = [rep(1, 45.0, 0.2), rep(2, 45.0, 0.2), rep(3, None, 0.0)]
    text = " ".join(_summary(reps, 10, thresholds=ThresholdsConfig()))
    assert f'2 not seen by the camera (cue: "{BACK_UNSEEN_HINT}")' in text
    assert f'1 not seen by the camera (cue: "{CUES["unchecked"]}")' in text
    # The station's own thresholds decide: with a hinge threshold above 45 deg, neither rep is a back-unseen case.
    strict = ThresholdsConfig(hinge_min_deg=50)
    assert BACK_UNSEEN_HINT not in " ".join(_summary(reps, 10, thresholds=strict))


def test_simulation_tells_an_unseen_back_from_a_wrong_verdict():
    """A rep the camera could not judge is reported as such, not as a bug in the station."""
    from device.__main__ import truth_line
    from device.report import Comparison

    unseen = Comparison(expected_counted=7, counted=5, matched=8, verdicts_right=6, missed=[], extra=[],
                        wrong=[(2, "good", "unchecked"), (5, "rounded", "unchecked")])
    line = truth_line(unseen)
    assert "could not see the back well enough on 2 rep(s)" in line and "bug" not in line
    assert "every other rep was judged" in line
    none_seen = Comparison(expected_counted=2, counted=0, matched=2, verdicts_right=0, missed=[], extra=[],
                           wrong=[(0, "good", "unchecked"), (1, "good", "unchecked")])
    assert "no rep of this set could be judged" in truth_line(none_seen)
    assert "every other rep" not in truth_line(none_seen)
    wrong = Comparison(expected_counted=7, counted=7, matched=8, verdicts_right=7, missed=[], extra=[],
                       wrong=[(2, "rounded", "good")])
    assert "this is a bug" in truth_line(wrong)
    # An unseen rep beside a missed one is still a disagreement to report.
    missed = Comparison(expected_counted=7, counted=6, matched=7, verdicts_right=6, missed=[3], extra=[],
                        wrong=[(2, "good", "unchecked")])
    assert "this is a bug" in truth_line(missed)
    exact = Comparison(expected_counted=7, counted=7, matched=8, verdicts_right=8, missed=[], extra=[], wrong=[])
    assert truth_line(exact).startswith("The station judged every rep")


def test_messages_name_the_command_the_user_typed(monkeypatch, capsys):
    """On an installed Pi the command is `wallhinge` (python -m device is not one there); in a checkout
    it is `python -m device`. A message that names what to type next uses the one that was typed."""
    monkeypatch.setattr("device.__main__.on_raspberry_pi", lambda: False)
    monkeypatch.delenv("WALLHINGE_COMMAND", raising=False)  # set by scripts/run
    monkeypatch.setattr("sys.argv", ["/usr/local/bin/wallhinge", "selftest"])
    assert main(["selftest"]) == 2
    assert "`wallhinge selftest --mock`" in capsys.readouterr().err
    monkeypatch.setattr("sys.argv", ["/home/me/wallhinge/device/__main__.py", "selftest"])
    assert main(["selftest"]) == 2
    assert "`python -m device selftest --mock`" in capsys.readouterr().err


def test_a_second_station_on_the_pi_says_the_first_is_running(monkeypatch, capsys, tmp_path):
    """`wallhinge run` by hand beside the service: a clear message before any pin or camera is opened."""
    import socket

    path = tmp_path / "st.sock"
    conf = tmp_path / "station.toml"
    conf.write_text(f'[bus]\nsocket = "{path}"\n', encoding="utf-8")
    monkeypatch.setattr("device.__main__.on_raspberry_pi", lambda: True)
    monkeypatch.setattr("device.live.run_station", lambda *a, **k: pytest.fail("a second station was started"))
    monkeypatch.setattr("sys.argv", ["/usr/local/bin/wallhinge", "run"])
    station = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    station.bind(str(path))
    station.listen(1)
    try:
        assert main(["run", "--config", str(conf)]) == 2
    finally:
        station.close()
    err = capsys.readouterr().err
    assert "already running" in err and str(path) in err and "sudo systemctl stop wallhinge" in err
    assert "`wallhinge run`" in err
