"""End to end: the whole station on the synthetic athlete, against its ground truth.

Two layers, so a failure says where it is:
- posture from ground truth: engine + proximity path + gpiozero mock pins;
- posture from the camera: real vision on rendered frames, the real thing.
Counts and verdicts must match the ground truth exactly.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from device.analyze import analyze
from device.core.types import Verdict
from device.simulate import run_simulation

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ["clean", "mixed", "noisy_sensor", "passerby", "walk_in_out", "blind"]
LED_FOR = {"good": ["green"], "rounded": ["red"]}


def check_exact(res):
    c = res.comparison
    detail = json.dumps(c.to_dict(), indent=1)
    assert c.counted == c.expected_counted, detail
    assert not c.missed and not c.extra and not c.wrong, detail


def check_leds(res):
    contacts = [e for e in res.feedback_log if e["event"] == "ContactMade"]
    assert contacts, "no hip contact reached the LEDs"
    for e in contacts:
        assert e["leds"] == LED_FOR.get(e["verdict"], ["amber"]), e


@pytest.mark.parametrize("name", SCENARIOS)
def test_station_on_ground_truth_posture(name, simulation):
    res = simulation(name, posture="truth")
    check_exact(res)
    check_leds(res)


# Known vision failures, kept visible: strict, so a fix makes them fail until the mark goes.
# Scenarios the camera-driven station does not yet get right, with the cause; each is a strict
# xfail so that fixing it forces its removal from here. (passerby and blind were fixed by the
# auto segmenter's evidence-based distrust and its memory of the scene before a knock.)
VISION_GAPS: dict[str, str] = {
    "passerby": "seed 0 wears a white hoodie on a white wall in bright light: in the picture the hoodie's back "
                "and the wall both read about 218 of 255, so the background model cannot find the back, and "
                "the learned mask's outline of the hoodie is notched at the waist and the hood; every rep is "
                "unchecked with the hint to wear a top that contrasts with the wall, which is the honest "
                "answer, while the truth expects verdicts (the renderer's truth has no notion of contrast)",
}


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=pytest.mark.xfail(reason=VISION_GAPS[n], strict=True)) if n in VISION_GAPS else n
     for n in SCENARIOS],
)
def test_whole_station_on_rendered_frames(name, simulation):
    # mixed is recorded too: test_recording_replays_through_the_same_core replays that recording
    res = simulation(name, posture="camera", record=name == "mixed")
    check_exact(res)
    check_leds(res)


def test_reps_whose_back_the_camera_cannot_see_say_so(simulation):
    # passerby seed 0 (the strict xfail above, the same shared run): a white hoodie on a white wall, of
    # the same brightness in the picture. Its reps are unchecked because the back cannot be measured
    # while the trunk is seen; the rep message (MQTT, dashboard) then carries the hint, not "step into
    # view" (device/messages.py).
    from device.messages import BACK_UNSEEN_HINT, back_unseen, rep_message

    res = simulation("passerby", posture="camera")
    unchecked = [r for r in res.reps if r.verdict is Verdict.UNCHECKED]
    assert len(unchecked) >= 5, [r.to_dict() for r in res.reps]
    # The hint needs the trunk seen hinging: on some reps here the broken back outline takes the trunk's
    # confidence too (its axis lies on that outline), and those stay "step into view". The hint is said
    # once a set, so it is enough that it comes in the first reps.
    hinted = [r for r in unchecked if back_unseen(r)]
    assert len(hinted) >= len(unchecked) // 2, [r.to_dict() for r in unchecked]
    assert hinted[0].index <= 2, [r.to_dict() for r in unchecked]
    assert {rep_message(r, station_id="s", set_id="1")["cue"] for r in hinted} == {BACK_UNSEEN_HINT}
    assert not any(back_unseen(r) for r in res.reps if r.verdict is not Verdict.UNCHECKED)


# The conditions the station must hold under (issue 9): a person already in view at start-up, dim and
# flickering light, 320x240, 20 deg of yaw, a hoodie with a ponytail on a kyphotic back, a shirt the
# colour of the wall with a passer-by behind. Three reps each (good and rounded among them) keep it quick;
# the full sets run with ``python -m device simulate --scenario NAME`` at the default 30 fps.
NEW_CONDITIONS = ["standing_start", "dim", "lowres", "yaw", "hoodie", "camouflage"]
# (lowres was a strict xfail until round 6: at 15 fps the back's steadiness window held 3-4 bends, too
# few to show their scatter, and two good reps read rounded; the window now reaches back for 7.)
CONDITION_GAPS: dict[str, str] = {}


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=pytest.mark.xfail(reason=CONDITION_GAPS[n], strict=True)) if n in CONDITION_GAPS else n
     for n in NEW_CONDITIONS],
)
def test_station_holds_under_harder_conditions(name):
    res = run_simulation(name, posture="camera", fps=15, n_reps=3)
    check_exact(res)




@pytest.mark.parametrize("name,seed", [("standing_start", 2), ("camouflage", 1)])
def test_a_person_the_learned_mask_sees_small_or_in_a_dim_room_is_judged(name, seed):
    # The learned mask ran on the whole frame squeezed onto 256x256. standing_start seed 2 (dim room, in
    # view from power-on, so the learned mask outlines the whole set): its outline bulged 9-17 px behind
    # the back, no standing back was confident and every rep was unchecked. camouflage seed 1 (a shirt
    # the colour of the wall): the rounded rep was unchecked. Brightened and run on a crop around the
    # person, the outline is 1-4 px off (tests/test_segmentation.py). About 6 s of CPU each.
    res = run_simulation(name, posture="camera", fps=15, n_reps=3, seed=seed)
    check_exact(res)


def test_a_back_outlined_by_the_learned_mask_is_fitted_from_its_middle():
    # camouflage seed 0: a shirt the colour of the wall, so the back's outline is the learned model's (fused
    # with the background model's). Since round 15 the back's first parabola spans the whole back on the
    # background model's outline (a kyphotic back's curl), but a learned outline's ends wobble by a pixel or
    # two, and fitted whole from the start its good reps read 16-20 deg `rounded` (EstimatorParams.fit_core_learned).
    res = run_simulation("camouflage", posture="camera", fps=15, n_reps=3, seed=0)
    check_exact(res)


def test_a_hinged_person_near_the_side_of_the_picture_in_a_shirt_the_colour_of_the_wall_is_judged():
    # camouflage seed 2 (in view from power-on, a shirt the colour of the wall, 40 px from the frame's left
    # edge, a passer-by behind): the learned mask's crop around the person was cut to the frame and squeezed
    # out of square onto the model's input, and it lost the hinged trunk; later a passer-by larger in the
    # picture took the crop. Its second rep (good) was unchecked at 15 fps, two reps at 30 fps
    # (tests/test_segmentation.py has the masks themselves). About 10 s of CPU.
    res = run_simulation("camouflage", posture="camera", fps=15, n_reps=3, seed=2)
    check_exact(res)


def test_a_rep_during_which_the_mask_source_changes_is_still_judged():
    # camouflage seed 1 at the default 30 fps, its first rep: the person has been in view since power-on, and
    # mid-rep the background model takes over the back from the learned mask. That source had never been
    # seen standing, so its bends were doubted for the rest of the rep and the good rep was `unchecked`
    # (not counted). Its scale now comes from the hand-over (PostureEstimator._same_scale). 8 s of CPU.
    res = run_simulation("camouflage", posture="camera", fps=30, n_reps=1, seed=1)
    check_exact(res)


@pytest.mark.parametrize("name,seed,standing_t,hinge_ts", [
    ("noisy_sensor", 1, 16.0, (19.0, 19.8, 30.2)),
    ("hoodie", 2, 10.5, (13.8, 14.2, 29.4)),
])
def test_a_trouser_corner_below_the_buttocks_does_not_lower_the_hip(name, seed, standing_t, hinge_ts):
    # Under a hinged pelvis the top corner of a trouser leg sticks out behind the buttocks, below their
    # middle. Taken for the buttock, it put the hip joint 7-9 px low: the trunk read 5-6 deg too upright
    # and the whole-back window slid below a kyphotic back's bend, so these two seeds' rounded reps read
    # good and were counted. On the exact silhouette (no segmenter), at the bottom of rounded reps:
    from device.sim.scenarios import get_scenario
    from device.vision.silhouette import BodyModel, measure_silhouette

    sc = get_scenario(name, seed)
    rows = sc.render_mask(standing_t).any(axis=1).nonzero()[0]
    H = float(rows[-1] - rows[0] + 1)
    for t in hinge_ts:
        mask, truth = sc.render_mask(t), sc.truth_at(t).image_trunk_inclination_deg
        now = measure_silhouette(mask, sc.wall_side, H).trunk_inclination_deg - truth
        rearmost = measure_silhouette(mask, sc.wall_side, H, BodyModel(buttock_circle=False)).trunk_inclination_deg - truth
        assert abs(now) <= 3.5, (t, now)
        assert abs(now) <= abs(rearmost) - 2.0, (t, now, rearmost)


def test_rounded_rep_under_a_hoodie_on_a_kyphotic_back_is_not_counted():
    # noisy_sensor seed 1: a hoodie on a kyphotic back; its rounded rep read `good` and was counted
    # until the trouser corner above stopped lowering the hip (3.5 s of CPU at 15 fps, three reps).
    res = run_simulation("noisy_sensor", posture="camera", fps=15, n_reps=3, seed=1)
    check_exact(res)


def test_mixed_set_has_every_verdict_and_bar_follows_count(simulation):
    res = simulation("mixed", posture="truth")
    got = {r.verdict for r in res.reps}
    assert {Verdict.GOOD, Verdict.ROUNDED, Verdict.SHALLOW, Verdict.KNEE_LOCK, Verdict.HEEL_LIFT,
            Verdict.TOO_FAST, Verdict.SQUAT} <= got
    finished = [e for e in res.feedback_log if e["event"] == "RepFinished"]
    counted = 0
    for e, r in zip(finished, res.reps):
        counted += r.counted
        assert e["bar"] == int(8 * counted / 20), e  # 8 LEDs for 20 reps


@pytest.fixture(scope="module")
def mixed_replay(simulation, tmp_path_factory):
    """The shared ``mixed`` recording analysed once, with an annotated video: (live run, report, video).
    Each analysis of it takes ~10 s; the tests that only read the default report share this one."""
    live = simulation("mixed", posture="camera", record=True)
    annotated = tmp_path_factory.mktemp("mixed-annotated") / "annotated.mp4"
    return live, analyze(live.recording, annotate=annotated), annotated


def test_recording_replays_through_the_same_core(mixed_replay):
    live, report, annotated = mixed_replay
    rec = live.recording
    assert {p.name for p in rec.iterdir()} >= {"video", "proximity.csv", "frames.csv", "faults.csv", "recording.json"}
    assert report["contact_known"] is True
    # the annotated video has every frame, with the measures drawn on it
    import cv2
    import numpy as np

    from device.recording import open_recording

    a = cv2.VideoCapture(str(annotated))
    assert int(a.get(cv2.CAP_PROP_FRAME_COUNT)) == report["frames"]
    a.set(cv2.CAP_PROP_POS_FRAMES, 100)
    original = next(f.image for f in open_recording(rec).frames() if f.index == 100)
    assert np.abs(a.read()[1].astype(int) - original.astype(int)).mean() > 1.0
    assert [r["verdict"] for r in report["reps"]] == [r.verdict.value for r in live.reps]
    assert report["counted"] == live.comparison.counted


def test_a_recording_with_a_segment_lost_mid_set_judges_the_rest_on_their_own_video(tmp_path, capsys, simulation):
    """Segment files lost in the middle of a recording (a damaged card, a partial copy): the reps there
    are found by the hip sensor and reported unseen, every later rep is judged on its own frames as the
    live station judged it, and the report and the text say which seconds of video are missing."""
    import math
    import shutil

    from device.__main__ import main

    live = simulation("mixed", posture="camera", record=True)
    rec = tmp_path / "copy"
    shutil.copytree(live.recording, rec)
    lost = live.reps[1]
    first, last = int(math.floor(lost.start_s)) - 1, int(math.ceil(lost.end_s))
    for k in range(first, last + 1):
        (rec / "video" / f"{k:05d}.avi").unlink()
    report = analyze(rec)
    assert len(report["reps"]) == len(live.reps)
    assert report["reps"][1]["verdict"] == "unchecked"
    later = [i for i, r in enumerate(live.reps) if r.start_s > last + 3]
    assert len(later) >= 3
    assert [report["reps"][i]["verdict"] for i in later] == [live.reps[i].verdict.value for i in later]
    assert report["reps"][0]["verdict"] == live.reps[0].verdict.value
    [(a, b)] = report["video_gaps"]
    assert a == pytest.approx(first, abs=0.1) and b == pytest.approx(last + 1, abs=0.1)
    assert report["cut_short"] is False
    assert main(["analyze", str(rec)]) == 0
    err = capsys.readouterr().err
    assert f"{rec} has no readable video for {b - a:.1f} s ({a:.1f}-{b:.1f} s)" in err
    assert "cut short" not in err


@pytest.fixture(scope="module")
def short_clean_recording(tmp_path_factory):
    """Three reps of ``clean`` at 10 fps, recorded: (result, folder). Tests change only their own copy."""
    rec = tmp_path_factory.mktemp("short-clean") / "rec"
    return run_simulation("clean", posture="camera", fps=10, n_reps=3, record_dir=str(rec)), rec


@pytest.mark.parametrize("trace", ["deleted", "silent"])
def test_video_without_proximity_finds_reps_from_the_hinge(tmp_path, trace, capsys, short_clean_recording):
    """The station's video alone, as a phone video would be: without its proximity trace, or with a trace in
    which the hip sensor never gave a reading (unplugged all session: replayed as it was, no rep could start,
    and the report said "0 reps found" with no word why)."""
    import shutil

    from device.__main__ import main

    res, shared = short_clean_recording
    rec = tmp_path / "rec"
    shutil.copytree(shared, rec)
    prox = rec / "proximity.csv"
    if trace == "deleted":
        prox.unlink()
    else:
        lines = prox.read_text().splitlines()
        # every distance blanked: the sensor gave no reading (its other columns stay as written)
        prox.write_text("\n".join([lines[0]] + [",".join(c if k != 1 else "" for k, c in enumerate(ln.split(",")))
                                                 for ln in lines[1:]]) + "\n")
    report = analyze(rec)
    assert report["contact_known"] is False
    assert report["sensor_silent"] is (trace == "silent")
    assert len(report["reps"]) == 3
    assert all(r["contact"] is None and r["verdict"] != "shallow" for r in report["reps"])
    assert report["counted"] == res.comparison.expected_counted
    if trace == "silent":
        assert report["exercise"] == "wall-drill" and report["estimator"] == "silhouette"
        assert main(["analyze", str(rec)]) == 0
        assert "from the video alone: the hip sensor recorded no reading" in capsys.readouterr().out


def test_a_rounding_read_close_to_the_limit_is_flagged_for_the_physio_to_look_at(tmp_path, capsys, mixed_replay):
    """A rep whose back rounding reads within a few degrees of the limit is flagged ``near_limit``: its
    verdict rests on a reading that much can move (the same real clip mirrored moves it by a few degrees).
    The text names those reps and says how to look; reps far from the limit are not flagged; the limit is
    the one in the config."""
    from device.__main__ import main
    from device.report import NEAR_LIMIT_DEG

    live, report, _ = mixed_replay
    rec = live.recording
    assert report["near_limit_deg"] == NEAR_LIMIT_DEG == 3.0
    judged = {d["index"]: d["rounding_deg"] for d in report["reps"]
              if d["verdict"] != "unchecked" and d["rounding_deg"] is not None}
    assert judged
    for d in report["reps"]:  # the default limit (10 deg): flagged exactly where the reading is within 3 deg
        near = d["index"] in judged and abs(judged[d["index"]] - 10.0) <= 3.0
        assert d["near_limit"] == (["rounding"] if near else []), d
    # A limit from the config set 2 deg above the roundest rep: that rep is flagged, and exactly the reps
    # within 3 deg of it (the rounding read does not depend on the limit; verdicts may).
    top = max(judged, key=judged.get)
    limit = round(max(judged[top], 1.0) + 2.0, 1)
    cfg = tmp_path / "near.toml"
    cfg.write_text(f"[thresholds]\nrounding_deg = {limit}\n")
    assert main(["analyze", str(rec), "--config", str(cfg)]) == 0
    out = capsys.readouterr().out
    lines = [ln for ln in out.splitlines() if ln.startswith("  rep ")]
    assert len(lines) == len(report["reps"])
    near = [i for i, r in sorted(judged.items()) if abs(r - limit) <= 3.0]
    assert top in near and len(near) < len(judged)
    for d, ln in zip(report["reps"], lines):
        assert ("(near the limit)" in ln) == (d["index"] in near), ln
    assert f"within 3 deg of the {limit:g}-deg limit" in out and "--annotate OUT.mp4 draws the back" in out
    names = ", ".join(str(i) for i in near[:-1]) + f" and {near[-1]}'s" if len(near) > 1 else f"Rep {near[0]}'s"
    assert names in out


def test_near_limit_flags_nothing_unjudged_or_switched_off():
    from device.report import near_limits

    assert near_limits({"verdict": "good", "rounding_deg": 8.0}, 10.0) == ["rounding"]
    assert near_limits({"verdict": "rounded", "rounding_deg": 12.9}, 10.0) == ["rounding"]
    assert near_limits({"verdict": "rounded", "rounding_deg": 13.1}, 10.0) == []
    assert near_limits({"verdict": "unchecked", "rounding_deg": 9.0}, 10.0) == []  # not judged: no verdict to doubt
    assert near_limits({"verdict": "good", "rounding_deg": None}, 10.0) == []
    assert near_limits({"verdict": "good", "rounding_deg": 10.0}, None) == []  # the rounding check is off


def test_analyze_tells_a_physio_what_it_measured_in_each_rep(tmp_path, capsys, simulation):
    """The text report names each rep's measures (the JSON has them too), and a bare video is
    not held to the station's set target."""
    from device.__main__ import main

    live = simulation("mixed", posture="camera", record=True)
    assert main(["analyze", str(live.recording)]) == 0
    out = capsys.readouterr().out
    lines = [ln for ln in out.splitlines() if ln.startswith("  rep ")]
    assert len(lines) == len(live.reps)
    for ln, r in zip(lines, live.reps):
        assert ("not counted" not in ln) == r.counted, ln
        if r.verdict.value != "unchecked":
            assert "; trunk " in ln and " deg, back rounding " in ln and ", knees " in ln, ln
    assert "(target 20)" in out  # a station recording was a set at the station
    video = tmp_path / "video"
    video.mkdir()
    (video / "clip.avi").symlink_to(live.recording / "video" / "00003.avi")
    assert main(["analyze", str(video / "clip.avi")]) == 0
    assert "(target" not in capsys.readouterr().out  # a bare video has no set target


def test_cli_simulate_json_is_machine_readable():
    r = subprocess.run(
        [sys.executable, "-m", "device", "simulate", "--scenario", "mixed", "--reps", "4", "--posture", "truth",
         "--fps", "15", "--json"],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["truth"]["exact"] is True
    assert out["counted"] == out["truth"]["expected_counted"]
    assert {"index", "start_s", "bottom_s", "end_s", "contact", "verdict", "counted", "trunk_inclination_deg",
            "rounding_deg"} <= set(out["reps"][0])
