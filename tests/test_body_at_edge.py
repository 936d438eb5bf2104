"""A person cut by the frame's bottom or top edge (device/vision/estimator.py: PostureEstimator.process,
``feet_edge`` and ``head_edge``).

A camera fitted to the floor where the person stands puts the soles on the frame's last rows, and the
picture's blur carries the mask onto the last one (random scenes 894, 1925, 2004, 2096). Until round 58
a mask touching the bottom edge had no measure at all, "feet not in view", and such a person got every
rep `unchecked`. With a foot's length lying along that edge little or nothing is missing, and the whole
station judges the reps; shins cut off by the edge are still no measure. A tall person's head on the top
edge (a camera low or close) was never in position either, and every rep was `unchecked`. The frames are
the synthetic athlete's, cut as such a camera would frame them, through the real vision.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest

from device.io.frames import Frame
from device.sim.scenarios import CutFrame, get_scenario, person_rows
from device.simulate import run_simulation
from device.vision.estimator import PostureEstimator

KINDS = ["good", "rounded", "heel_lift", "good", "rounded", "good"]


_FRAMES: dict[float, np.ndarray] = {}


@pytest.fixture(autouse=True, scope="module")
def _frames_kept_for_this_file():
    """The scene's frames are drawn once and shared by this file's tests (nine passes over them, each
    cut differently); let go of at the end of the file (~140 MB)."""
    yield
    _FRAMES.clear()


@lru_cache(maxsize=1)
def _scene():
    sc = get_scenario("clean", 3, width=320, height=240, fps=15, kinds=KINDS)
    draw = sc.render

    def render(t: float) -> np.ndarray:
        if t not in _FRAMES:
            _FRAMES[t] = draw(t)
            _FRAMES[t].setflags(write=False)
        return _FRAMES[t].copy()

    sc.render = render  # type: ignore[method-assign]
    return sc


def _cut(shins: bool = False) -> CutFrame:
    sc = _scene()
    top, floor = person_rows(sc)
    # The soles on the last row; or the picture ending 12 % of the person's height above the floor.
    return CutFrame(sc, floor + 1 - (int(0.12 * (floor - top)) if shins else 0))


@lru_cache(maxsize=3)
def _estimate(shins: bool, height_known: bool = False) -> tuple[int, int, list[str]]:
    """(frames in position, frames whose trunk was measured, the notes of the frames standing);
    ``height_known``: the estimator told the person's whole height first, as if it had seen them whole."""
    sc = _cut(shins)
    est = PostureEstimator()
    if height_known:
        top, floor = person_rows(_scene())
        for k in range(3):
            est.track.height.add(float(floor - top + 1), 0.1 * k)
    in_pos = trunk = 0
    notes: list[str] = []
    for i, t in enumerate(sc.frame_times()):
        s = est.process(Frame(index=i, t=t, image=sc.render(t)))
        in_pos += s.in_position
        trunk += s.trunk_inclination_deg is not None
        if sc.truth_at(t).phase == "standing":
            notes.extend(est.last_debug.notes)
    return in_pos, trunk, notes


def test_the_scene_is_cut_where_a_floor_level_camera_would_cut_it():
    sc = _cut()
    _, floor = person_rows(_scene())
    t = next(t for t in sc.frame_times() if sc.truth_at(t).phase == "standing")
    assert sc.render(t).shape[0] == sc.height == floor + 1
    assert sc.render_mask(t)[-1].any()  # the soles lie on the last row


def test_feet_on_the_bottom_edge_are_measured_as_a_whole_person():
    in_pos, trunk, notes = _estimate(False)
    frames = len(_scene().frame_times())
    assert in_pos > 0.5 * frames
    assert trunk > 0.5 * frames
    assert "feet not in view" not in notes


def test_shins_cut_off_by_the_bottom_edge_are_still_no_measure():
    """Never seen whole: no height to judge a foot's length against."""
    in_pos, trunk, notes = _estimate(True)
    assert in_pos == 0 and trunk == 0
    assert notes and set(notes) == {"feet not in view"}


def test_shins_on_the_bottom_edge_are_no_foot_against_the_whole_height():
    """Their whole height known, the shins along the edge (0.10 of it) are shorter than a foot."""
    in_pos, trunk, notes = _estimate(True, height_known=True)
    assert in_pos == 0 and trunk == 0
    assert notes and set(notes) == {"feet not in view"}


def test_the_station_judges_every_rep_of_a_person_whose_feet_are_on_the_edge():
    sc = _cut()
    res = run_simulation("clean", scenario=sc, fps=15, width=320, height=sc.height)
    got = [r.verdict.value for r in res.reps]
    assert got == KINDS


@pytest.fixture(scope="module")
def shins_cut_run(tmp_path_factory):
    """The shins-cut scene through the station, recorded: (result, recording folder). Shared."""
    sc = _cut(shins=True)
    rec = tmp_path_factory.mktemp("shins-cut") / "rec"
    return run_simulation("clean", scenario=sc, fps=15, width=320, height=sc.height, record_dir=str(rec)), rec


def test_a_person_whose_shins_the_picture_cuts_off_is_told_to_aim_the_camera(shins_cut_run):
    """Every rep of the shins-cut scene is `unchecked` (nothing measured), and the person, standing at the
    wall all along, is told the camera cannot see all of them rather than to step into view."""
    from device.messages import FRAMING_HINT, rep_cue

    res, _ = shins_cut_run
    assert len(res.reps) == len(KINDS)
    assert {r.verdict.value for r in res.reps} == {"unchecked"}
    assert [rep_cue(r) for r in res.reps] == [FRAMING_HINT] * len(KINDS)


def test_analyze_says_why_the_reps_of_a_recording_whose_person_is_cut_off_were_not_judged(shins_cut_run):
    """The same scene recorded at the station and given to ``analyze`` (a clinician reviewing it): each
    `unchecked` rep names the cut as the reason, not a missing person."""
    from device.analyze import analyze
    from device.messages import CUT_BY_FRAME_REASON

    _, rec = shins_cut_run
    report = analyze(rec)
    assert len(report["reps"]) == len(KINDS)
    assert [d["unseen_reason"] for d in report["reps"]] == [CUT_BY_FRAME_REASON] * len(KINDS)


def _head_cut(frac: float) -> CutFrame:
    """The scene framed from ``frac`` of the person's height below their crown down to the frame's end."""
    sc = _scene()
    top, floor = person_rows(sc)
    return CutFrame(sc, sc.height, first=top + int(frac * (floor - top)))


def test_the_head_cut_scene_starts_at_the_crown():
    sc = _head_cut(0.0)
    t = next(t for t in sc.frame_times() if sc.truth_at(t).phase == "standing")
    assert sc.render_mask(t)[0].any() and sc.render(t).shape[0] == sc.height == _scene().height - sc.first


def test_the_station_judges_every_rep_of_a_person_whose_head_is_on_the_top_edge():
    """The crown on the first row, and the picture cut 3 % of the height lower (through the forehead):
    never seen whole, the person is measured from their tallest such frame."""
    for frac in (0.0, 0.03):
        sc = _head_cut(frac)
        res = run_simulation("clean", scenario=sc, fps=15, width=320, height=sc.height)
        assert [r.verdict.value for r in res.reps] == KINDS, frac


def _standing_height(sc) -> float:
    """The standing height the estimator holds in the middle of the scene's standing frames in position."""
    est = PostureEstimator()
    heights = []
    for i, t in enumerate(sc.frame_times()):
        s = est.process(Frame(index=i, t=t, image=sc.render(t)))
        if sc.truth_at(t).phase == "standing" and s.in_position:
            heights.append(est.last_debug.standing_height_px)
    assert heights
    return heights[len(heights) // 2]


def test_planted_frames_with_the_soles_on_the_edge_give_the_standing_height():
    """Walking in, the head is lower in a stride: from those whole frames alone the height read 134 px against
    138 uncut, the back's window sat low and every rep's rounding read less (`clean` seed 1: about 6 deg)."""
    whole = _standing_height(_scene())
    assert abs(_standing_height(_cut()) - whole) <= 0.015 * whole
