"""Round 9 of the station path's speed (docs/vision-speed.md): the background
model makes the whole frame's shadow once on a frame it will learn from (the box's part read from it)
and takes its exposure grid by a nearest-neighbour resize. Neither may change a pixel: these tests
hold both to the whole-frame definition, and fail if the shadow is worked out twice again."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from device.vision import segmentation
from device.vision.segmentation import BackgroundModel
from tests.test_speed import _whole_frame_reference


# The mask and shadow over the whole model, straight from their definition (shared with test_speed).
_reference = _whole_frame_reference


@pytest.mark.parametrize("size", [(640, 480), (800, 600)])
def test_learning_frames_make_the_whole_shadow_once_and_the_same_mask(size, monkeypatch):
    from device.sim.scenarios import get_scenario

    calls: list[tuple[int, int]] = []
    real = segmentation._shadow_like

    def counted(small, bg, bb):
        calls.append(small.shape[:2])
        return real(small, bg, bb)

    monkeypatch.setattr(segmentation, "_shadow_like", counted)
    w, h = size
    sc = get_scenario("passerby", 0, width=w, height=h, fps=5.0, n_reps=1)
    model = BackgroundModel()
    checked = people = brightened = 0
    for k, t in enumerate(list(sc.frame_times())[:45]):
        img = sc.render(t)
        if k % 5 == 4:  # the exposure gain's path too (the model scaled, its |B|^2 made afresh)
            img = cv2.convertScaleAbs(img, alpha=1.08)
        bg_before = None if model._bg is None else model._bg.copy()
        model._tick = 2  # the next feedback learns: segment knows it beforehand
        calls.clear()
        seg = model.segment(img)
        if seg is None:
            model.learn(img)
            continue
        gain = model.last_gain
        scaled = np.any(np.abs(gain - 1.0) > 0.02)
        brightened += bool(scaled)
        bg = bg_before * gain if scaled else bg_before
        if scaled and np.any(gain > 1.0):
            bg = np.minimum(bg, 255.0)  # the predicted picture clips as the camera's does
        graded, shadow = _reference(model, model._small, bg)
        if (w, h) != (graded.shape[1], graded.shape[0]):
            graded = cv2.resize(graded, (w, h), interpolation=cv2.INTER_LINEAR)
        expected = cv2.threshold(graded, 63, 255, cv2.THRESH_BINARY)[1]
        assert np.array_equal(seg.mask, expected), f"mask differs at t={t:.2f}"
        model.feedback(seg.mask)
        assert np.array_equal(model._shadow, shadow), f"shadow differs at t={t:.2f}"
        # Once, over the whole model: not again for the box, not again when learning.
        assert calls == [model._small.shape[:2]], calls
        checked += 1
        people += cv2.countNonZero(seg.mask) > 0.01 * w * h
    assert checked >= 30 and people >= 10 and brightened >= 3, (checked, people, brightened)


def test_frames_not_learned_from_make_the_box_shadow_only(monkeypatch):
    from device.sim.scenarios import get_scenario

    calls: list[tuple[int, int]] = []
    real = segmentation._shadow_like
    monkeypatch.setattr(segmentation, "_shadow_like", lambda s, b, bb: calls.append(s.shape[:2]) or real(s, b, bb))
    sc = get_scenario("clean", 0, width=640, height=480, fps=5.0, n_reps=1)
    model = BackgroundModel()
    times = list(sc.frame_times())
    for t in times[:40]:
        img = sc.render(t)
        if model.segment(img) is None:
            model.learn(img)
        else:
            model.feedback(None)
    assert model.ready
    boxes = 0
    for t in times[40:80]:
        model._tick = 0  # the next feedback does not learn
        calls.clear()
        seg = model.segment(sc.render(t))
        assert all(c != model._small.shape[:2] for c in calls), calls
        boxes += len(calls)
        model.feedback(seg.mask)
        assert model._shadow is None
    assert boxes >= 5


@pytest.mark.parametrize("shape", [(240, 320, 3), (240, 320), (180, 320, 3), (241, 322, 3), (6, 9)])
@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_grid4_is_every_fourth_pixel(shape, dtype):
    a = (np.random.default_rng(3).random(shape) * 255).astype(dtype)
    g = segmentation._grid4(a)
    assert g.flags["C_CONTIGUOUS"] and g.dtype == a.dtype
    assert np.array_equal(g, a[::4, ::4])
