"""Round 6 of the station path's speed (docs/vision-speed.md): the back is fitted
over one window when the lumbar hollow's fit is gentle, and the learned mask skips its whole-frame pass
at a check when the last crop box still holds everything the background model sees. Both change what
is computed, not what a clear frame measures: these tests hold them to that."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from device.sim.body import Body, Pose, build_figure
from device.sim.scene import Camera, draw_figure_mask
from device.vision import silhouette
from device.vision.silhouette import BodyModel, measure_silhouette

CAM = Camera(640, 480, 547.0, 0.85, 0.81, 2.13, 18.0, "left")
BODY = dataclasses.replace(Body(), stature_m=1.53, build=0.14, kyphosis_deg=17.0)


def _mask(trunk: float, extra: float) -> np.ndarray:
    m = np.zeros((480, 640), np.uint8)
    draw_figure_mask(m, build_figure(BODY, Pose(trunk_inclination_deg=trunk, back_bend_deg=8.0 + extra,
                                                 knee_angle_deg=160.0, hip_rear_x=0.02)), CAM)
    return m


@pytest.fixture(scope="module")
def standing_height() -> float:
    rows = np.flatnonzero(_mask(3.0, 0.0).any(axis=1))
    return float(rows[-1] - rows[0] + 1)


def _fields(m) -> dict:
    """Every measure, arrays as lists (comparable with ==)."""
    return {k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in dataclasses.asdict(m).items()}


def _count_fits(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = silhouette._back_fit

    def counted(*a, **k):
        calls.append(1)
        return real(*a, **k)

    monkeypatch.setattr(silhouette, "_back_fit", counted)
    return calls


@pytest.mark.parametrize("trunk,extra,fits", [(3.0, 0.0, 1), (45.0, 0.0, 1), (45.0, 30.0, 2), (60.0, 45.0, 2)])
def test_the_back_reads_the_same_whether_or_not_the_fixed_window_is_fitted(monkeypatch, standing_height, trunk, extra,
                                                                            fits):
    """Standing, a neutral hinge and two rounded ones: every measure equals the one made with both
    windows fitted on every frame (``hollow_sure_deg`` below 0 forces the second fit, as before round 6);
    the gentle backs need one fit, a back bending beyond ``hollow_sure_deg`` still gets both (a broken
    outline is told by the fixed window's bend)."""
    m = _mask(trunk, extra)
    both = measure_silhouette(m, "left", standing_height, BodyModel(hollow_sure_deg=-1.0))
    calls = _count_fits(monkeypatch)
    one = measure_silhouette(m, "left", standing_height, BodyModel())
    assert one is not None and one.back_bend_deg is not None and one.conf_back > 0.5
    assert _fields(one) == _fields(both)
    # Standing -3 deg, the neutral hinge 5 deg, the rounded ones 23 and 43 deg (hollow_sure_deg: 20).
    assert len(calls) == fits


def test_an_outline_with_no_lumbar_hollow_still_falls_back_to_the_fixed_window(monkeypatch, standing_height):
    """No hollow found (``hollow_behind`` beyond any back): the fixed window is measured, as before."""
    m = _mask(45.0, 0.0)
    no_hollow = BodyModel(hollow_behind=10.0)
    calls = _count_fits(monkeypatch)
    got = measure_silhouette(m, "left", standing_height, no_hollow)
    fixed = measure_silhouette(m, "left", standing_height, BodyModel(back_ends=False))
    assert len(calls) == 3  # hollow (no points: None) + fixed, then the fixed-only reference
    assert got.back_bend_deg == fixed.back_bend_deg and got.back_segment.tolist() == fixed.back_segment.tolist()


@pytest.fixture(scope="module")
def person_frame() -> np.ndarray:
    from device.sim.scenarios import get_scenario

    sc = get_scenario("clean", 0)
    for t in sc.frame_times()[::15]:
        pose, _, _ = sc.pose_at(t)
        if pose is not None and t > 2.0:
            return sc.render(t)
    pytest.fail("the clean scenario shows nobody")


def test_a_check_inside_the_last_crop_runs_the_learned_model_once(person_frame, monkeypatch):
    """The real model (the committed ONNX file in OpenCV): after a frame found the person's crop box, a
    frame whose background foreground lies inside that box is segmented from the crop alone (one
    inference instead of two), with the same outline inside the crop and nothing outside it; a
    foreground reaching beyond the box runs the whole frame first, as before."""
    from device.vision.segmentation import SelfieSegmenter

    seg = SelfieSegmenter()
    full = seg.segment(person_frame)
    box = seg._last_box
    assert full is not None and box is not None, "the learned model found no person to crop"
    x0, y0, x1, y1 = box
    runs: list[tuple[int, int]] = []
    real = SelfieSegmenter._infer

    def counted(self, image):
        runs.append(image.shape[:2])
        return real(self, image)

    monkeypatch.setattr(SelfieSegmenter, "_infer", counted)
    inside = (x0 + 5, y0 + 5, x1 - 5, y1 - 5)
    crop_only = seg.segment(person_frame, within=inside)
    assert runs == [(y1 - y0, x1 - x0)]
    assert np.array_equal(crop_only.mask[y0:y1, x0:x1], full.mask[y0:y1, x0:x1])
    assert np.count_nonzero(crop_only.mask[y0:y1, x0:x1]) > 1000
    outside = crop_only.mask.copy()
    outside[y0:y1, x0:x1] = 0
    assert not outside.any()
    runs.clear()
    beyond = (0, y0, x1, y1) if x0 > 0 else (x0, y0, x1 + 1, y1)
    again = seg.segment(person_frame, within=beyond)
    assert len(runs) == 2 and runs[0] == person_frame.shape[:2]
    assert np.array_equal(again.mask, full.mask)
