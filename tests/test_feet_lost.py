"""Feet the background model loses once they are planted (dark shoes on a dark floor)
(device/vision/estimator.py: PostureEstimator._floor_below; silhouette.py: measure_silhouette's floor_below).

Every height the silhouette measures read is a fraction of the standing height above the floor, and the
floor is the mask's lowest row: with the shoes gone it is the trouser hems, 0.05 H too high (random
scene 1423), and the knee's thigh rows reached into the buttocks. Frames here are the synthetic
athlete's, through the real background model; the shoes are drawn in a colour nothing else has, so
that they can be painted over with the empty scene behind them while the feet stand still.
"""

from __future__ import annotations

import dataclasses
import statistics
from functools import lru_cache

import numpy as np
import pytest

from device.io.frames import Frame
from device.sim.scenarios import get_scenario
from device.vision import EstimatorParams, measure_silhouette
from device.vision.estimator import PostureEstimator

PLANTED = ("standing", "lean", "down", "bottom", "up")


def _scene(seed: int, **kw):
    body = dataclasses.replace(get_scenario("clean", seed).body, shoes=(255, 0, 255))
    return get_scenario("clean", seed, width=640, height=480, fps=10, kinds=["knee_lock"], camera_noise=False,
                        body=body, **kw)


def _shoes(img: np.ndarray, person: np.ndarray) -> np.ndarray:
    """The shoes' pixels: the magenta uppers (shaded: green stays 0, blue = red) and the grey soles under them."""
    b, g, r = (img[..., k].astype(np.int16) for k in range(3))
    upper = person & (g < 40) & (np.abs(b - r) < 30) & (r > 100)
    sole = person & (np.abs(b - g) < 6) & (np.abs(g - r) < 6) & (r > 35) & (r < 95)
    rows = np.flatnonzero(person.any(axis=1))
    sole[: rows[-1] - int(0.1 * (rows[-1] - rows[0]))] = False
    return upper | sole


@lru_cache(maxsize=4)
def _run(erase: bool, lost_max: float = EstimatorParams().feet_lost_max):
    """(gaps, knee errors at the touch): the drawn floor (the exact mask's lowest row) minus the measured one
    on in-position frames, and the knee's reading minus the drawn angle while the hips touch the wall."""
    sc = _scene(1)
    bg = sc.render_background()
    est = PostureEstimator(params=dataclasses.replace(EstimatorParams(), feet_lost_max=lost_max))
    gaps, knees = [], []
    for i, t in enumerate(sc.frame_times()):
        img, tr = sc.render(t), sc.truth_at(t)
        person = sc.render_mask(t) > 0
        if erase and tr.phase in PLANTED and person.any():
            shoes = _shoes(img, person)
            img[shoes] = bg[shoes]
        s = est.process(Frame(index=i, t=t, image=img))
        m = est.last_debug.measures
        if s.in_position and m is not None and person.any():
            gaps.append(float(np.flatnonzero(person.any(axis=1))[-1] - m.floor_y))
        if tr.contact and s.knee_angle_deg is not None and s.knee_conf >= 0.5:
            knees.append(s.knee_angle_deg - tr.knee_angle_deg)
    return gaps, knees


def test_the_floor_under_shoes_the_mask_lost_is_found_from_the_standing_height():
    """With the shoes gone once planted, the mask ends at the hems about 16 px (0.05 H) above the floor;
    the station takes the floor from the head top standing tall plus the standing height seen while
    walking in (the feet moving, in the mask), and the knee at the touch reads as drawn."""
    lost, _ = _run(True, lost_max=0.0)  # the floor from the mask alone, as before
    assert statistics.median(lost) > 12.0
    gaps, knees = _run(True)
    assert len(gaps) > 30
    assert abs(statistics.median(gaps)) <= 4.0
    assert len(knees) >= 5 and abs(statistics.median(knees)) < 1.5


def test_feet_in_the_mask_keep_the_masks_own_floor():
    """Shoes the mask holds: the floor stays the mask's lowest row (the lowest rows span a foot's length),
    frame for frame the same as with the lost feet's floor switched off."""
    gaps, knees = _run(False)
    assert len(gaps) > 30
    assert (gaps, knees) == _run(False, lost_max=0.0)
    assert abs(statistics.median(gaps)) <= 4.0


@pytest.mark.parametrize("wall_side", ["left", "right"])
def test_a_floor_below_the_mask_reads_the_legs_as_the_whole_mask_does(wall_side):
    """An exact mask at a knee lock's touch with its lowest 0.05 H cut off (shoes lost): measured with the
    floor that far below it, the trunk and the knee read as on the whole mask; the heel is read off the
    hems as without that floor (a heel lifting lifts them too)."""
    sc = _scene(1, yaw_deg=0.0, wall_side=wall_side)
    times = sc.frame_times()
    stand = sc.render_mask(next(t for t in times if sc.truth_at(t).phase == "standing"))
    ys = np.flatnonzero(stand.any(axis=1))
    H = float(ys[-1] - ys[0] + 1)
    t = [t for t in times if sc.truth_at(t).contact][1]
    whole, img = sc.render_mask(t), sc.render(t)
    cut = int(round(0.05 * H))
    hems = whole.copy()
    hems[np.flatnonzero(whole.any(axis=1))[-1] - cut + 1 :] = 0
    ref = measure_silhouette(whole, wall_side, H, image=img)
    blind = measure_silhouette(hems, wall_side, H, image=img)
    got = measure_silhouette(hems, wall_side, H, image=img, floor_below=float(cut))
    assert blind.floor_y < ref.floor_y - 0.04 * H
    assert got.knee_angle_deg == pytest.approx(ref.knee_angle_deg, abs=0.3)
    assert got.trunk_inclination_deg == pytest.approx(ref.trunk_inclination_deg, abs=0.3)
    assert got.floor_y == pytest.approx(ref.floor_y, abs=1.0)
    assert got.heel_rise == blind.heel_rise
