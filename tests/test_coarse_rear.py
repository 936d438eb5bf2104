"""A rear that is flat only on a coarse mask is read on the frame (device/vision/silhouette.py, _rear_on_image).

The background model segments a 1280x720 frame at a quarter of its width, and its mask, scaled up, turns a
rear that slants by a pixel over a dozen rows into one straight run. The buttock was the middle of that run,
up to 0.06 of the height below the person's own, and the hip with it; the whole-back window, which ends a
fixed part of the trunk above the hip, then stopped short of the upper back, so a kyphotic standing back read
12 deg flatter than it is and good reps read `rounded` (random scene 2414: docs/station-vision.md round 61).

Rendered frames of the synthetic athlete at 1280x720: the drawn mask made coarse as the background model's is
(a binary mask at 320 px wide, scaled up linearly and cut), through the real measures.
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest

from device.sim.scenarios import get_scenario
from device.vision.silhouette import BodyModel, measure_silhouette

SIZE = (1280, 720)
WORK_WIDTH = 320  # the background model's (device/vision/segmentation.py, BackgroundSegmenter.work_width)


def _coarse(mask: np.ndarray) -> np.ndarray:
    """``mask`` (0/255) as the background model makes it at this frame size: binary at ``WORK_WIDTH``, scaled
    up linearly and cut where a quarter of a work pixel is the person."""
    w, h = SIZE
    small = cv2.threshold(cv2.resize(mask, (WORK_WIDTH, WORK_WIDTH * h // w), interpolation=cv2.INTER_AREA),
                          127, 255, cv2.THRESH_BINARY)[1]
    return cv2.threshold(cv2.resize(small, SIZE, interpolation=cv2.INTER_LINEAR), 63, 255, cv2.THRESH_BINARY)[1]


def _rear_run(mask: np.ndarray, side: str, height: float) -> float:
    """How far (of ``height``) the rearmost points of the mask's hip band run straight down."""
    m = mask if side == "left" else mask[:, ::-1]
    rows = np.flatnonzero(m.any(axis=1))
    floor = rows[-1]
    band = range(int(floor - 0.64 * height), int(floor - 0.34 * height) + 1)
    rear = np.array([np.flatnonzero(m[y])[0] for y in band])
    ys = np.flatnonzero(rear == rear.min())
    return float(ys[-1] - ys[0]) / height


def _standing(seed: int, shorts: bool):
    base = get_scenario("clean", seed)
    sc = get_scenario("clean", seed, width=SIZE[0], height=SIZE[1], body=replace(base.body, shorts=shorts))
    t = next(t for t in sc.frame_times() if sc.truth_at(t).phase == "standing" and sc.truth_at(t).in_position)
    mask = np.where(sc.render_mask(t) > 0, 255, 0).astype(np.uint8)
    rows = np.flatnonzero(mask.any(axis=1))
    return sc, t, mask, sc.render(t), float(rows[-1] - rows[0] + 1)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_rear_flat_only_on_the_coarse_mask_puts_the_hip_where_the_full_outline_does(seed):
    sc, t, mask, image, height = _standing(seed, shorts=True)
    side = sc.wall_side
    coarse = _coarse(mask)
    # The premise: the coarse mask's rear runs straight for longer than a buttock's round allows.
    assert _rear_run(coarse, side, height) > BodyModel().buttock_flat_run

    drawn = measure_silhouette(mask, side, height, image=image)
    blind = measure_silhouette(coarse, side, height)  # no frame: the mask's own run, as before
    read = measure_silhouette(coarse, side, height, image=image)
    hip_y = sc.truth_at(t).keypoints_px["hip"][1]
    # Without the frame the coarse mask's hip sits well below the person's ...
    assert blind.hip[1] - hip_y > 0.02 * height
    # ... with it, where the full outline puts it, and the back reads as on the full outline.
    assert abs(read.hip[1] - drawn.hip[1]) <= 0.012 * height
    assert abs(read.hip[1] - hip_y) <= 0.016 * height
    assert abs(read.back_bend_deg - drawn.back_bend_deg) <= 2.0


def test_a_round_rear_keeps_the_mask_own_buttock():
    # Hinged, the buttocks are a round even on the coarse mask: the frame is not consulted for them.
    base = get_scenario("clean", 0)
    sc = get_scenario("clean", 0, width=SIZE[0], height=SIZE[1], body=replace(base.body, shorts=True))
    times = sc.frame_times()
    stand = next(t for t in times if sc.truth_at(t).phase == "standing")
    bottom = next(t for t in times if sc.truth_at(t).phase == "bottom")
    rows = np.flatnonzero(sc.render_mask(stand).any(axis=1))
    height = float(rows[-1] - rows[0] + 1)
    coarse = _coarse(np.where(sc.render_mask(bottom) > 0, 255, 0).astype(np.uint8))
    assert _rear_run(coarse, sc.wall_side, height) < BodyModel().buttock_flat_run
    plain = measure_silhouette(coarse, sc.wall_side, height)
    read = measure_silhouette(coarse, sc.wall_side, height, image=sc.render(bottom))
    assert read.buttock == plain.buttock
