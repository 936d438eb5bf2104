"""The hip joint from the silhouette's rear outline (device/vision/silhouette.py: rear_flat, trunk_axis).

At the bottom of the wall drill the hips are against the wall: the buttocks are pressed flat there
(and a wall seen nearly edge-on hides what would lie behind its plane), so the rear outline ends in a
straight run at the wall instead of the buttocks' round. Frames are exact masks of the synthetic athlete
with the rear cut straight at the depth a wall would press it; the hip joint itself does not move.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

import numpy as np
import pytest

from device.sim.scenarios import get_scenario
from device.vision import measure_silhouette
from device.vision.silhouette import BodyModel

NO_FLAT = replace(BodyModel(), contact_flat=False)


@lru_cache(maxsize=2)
def _frames(wall_side: str):
    """(scenario, standing mask, bottom mask, standing height) at 640x480; rendered once per side."""
    body = replace(get_scenario("clean", 3).body, top="fitted")
    sc = get_scenario("clean", 3, width=640, height=480, fps=10, kinds=["good"], yaw_deg=0.0,
                      wall_side=wall_side, body=body, camera_noise=False)
    times = sc.frame_times()
    stand = sc.render_mask(next(t for t in times if sc.truth_at(t).phase == "standing"))
    ys = np.flatnonzero(stand.any(axis=1))
    H = float(ys[-1] - ys[0] + 1)
    bottom = [t for t in times if sc.truth_at(t).phase == "bottom"]
    return sc, stand, sc.render_mask(bottom[len(bottom) // 2]), H


def _pressed(mask: np.ndarray, wall_side: str, buttock: tuple[float, float], depth_px: int, H: float) -> np.ndarray:
    """``mask`` with the rear cut straight ``depth_px`` in front of the rearmost buttock point, over the
    hips' heights only (the heels may lie behind that line)."""
    out = mask.copy()
    bx = int(round(buttock[0]))
    r0, r1 = int(buttock[1] - 0.15 * H), int(buttock[1] + 0.15 * H)
    if wall_side == "left":
        out[r0:r1, : bx + depth_px] = 0
    else:
        out[r0:r1, bx - depth_px + 1 :] = 0
    return out


@pytest.mark.parametrize("wall_side", ["left", "right"])
def test_hips_pressed_flat_against_the_wall_keep_the_hip_and_the_trunk(wall_side):
    """Buttocks pressed 3-4 % of the standing height flat: the hip stays within 1 % of H and the trunk
    within 2 deg of the round outline's reading. With the fixed buttock radius (contact_flat off) the hip
    followed the wall forward and the trunk read 6-8 deg too upright (dev seeds 304, 309, 320)."""
    _, _, mask, H = _frames(wall_side)
    round_ = measure_silhouette(mask, wall_side, H)
    assert round_ is not None and round_.trunk_inclination_deg is not None
    assert round_.trunk_inclination_deg > 30.0  # a hinge
    for frac in (0.03, 0.04):
        pressed = _pressed(mask, wall_side, round_.buttock, int(round(frac * H)), H)
        m = measure_silhouette(pressed, wall_side, H)
        assert abs(m.hip[0] - round_.hip[0]) < 0.01 * H
        assert abs(m.trunk_inclination_deg - round_.trunk_inclination_deg) < 2.0
        fixed_r = measure_silhouette(pressed, wall_side, H, body=NO_FLAT)
        assert round_.trunk_inclination_deg - fixed_r.trunk_inclination_deg > 4.0


@pytest.mark.parametrize("wall_side", ["left", "right"])
def test_standing_outline_is_not_taken_for_a_wall_contact(wall_side):
    """Standing, the rear of buttocks and thighs is a long gentle curve, flatter than the buttock round:
    the flat only counts once the trunk inclines, so standing reads exactly as with the fixed round."""
    sc, stand, _, H = _frames(wall_side)
    a = measure_silhouette(stand, wall_side, H)
    b = measure_silhouette(stand, wall_side, H, body=NO_FLAT)
    assert a.trunk_inclination_deg == pytest.approx(b.trunk_inclination_deg, abs=1e-9)
    assert a.hip == pytest.approx(b.hip)
