"""The heel is measured against where the forefoot meets the floor, whichever foot the toe end belongs to.

A camera turned off the side view sees the far foot higher up and further forward than the near one, and
the learned mask joins a floor shadow under it. Random scene 2511 (18 deg of yaw): standing, that sole sat
7 px above the floor, inside the lower half of the foot rows, so the toe was the far foot's; hinged it sat
9 px above, outside, so the toe was the near foot's. The toe's row jumped by 6 px between the reference and
the rep, and three good reps read `heel_lift` (0.014 against the 0.012 limit).

The scene's own drawn mask is used here, with a blob standing for the far foot and its shadow drawn in
front of the near toe, reaching down to either side of that half-way row.
"""
import numpy as np
import pytest

from device.sim.scenarios import random_scenario
from device.vision.silhouette import measure_silhouette


@pytest.fixture(scope="module")
def scene():
    return random_scenario(2511)


def _drawn(sc, t):
    mask = np.where(sc.render_mask(t) > 0, 255, 0).astype(np.uint8)
    rows = np.flatnonzero(mask.any(axis=1))
    return mask, float(rows[-1] - rows[0] + 1), int(rows[-1])


def _near_toe(mask, height, floor):
    """The toe end of the foot rows (the wall is on the right in this scene: the toes point left)."""
    feet = mask[int(round(floor - 0.035 * height)) : floor + 1]
    return int(np.flatnonzero(feet.any(axis=0))[0])


def _with_far_foot(mask, height, floor, above_floor_px):
    """The mask with a far foot's sole (and the shadow under it) in front of the near toe, its lowest row
    ``above_floor_px`` above the floor."""
    out = mask.copy()
    toe = _near_toe(mask, height, floor)
    out[floor - int(0.06 * height) : floor - above_floor_px + 1, toe - 30 : toe + 5] = 255
    return out


def test_the_heel_rise_does_not_depend_on_which_side_of_half_way_the_far_sole_lies(scene):
    t = 5.33  # standing at the wall
    assert scene.truth_at(t).phase == "standing" and abs(scene.camera.yaw_deg) > 15
    mask, height, floor = _drawn(scene, t)
    side = scene.wall_side
    alone = measure_silhouette(mask, side, height).heel_rise
    rows = 0.035 * height  # the foot rows; half-way is 7.4 px above the floor here
    inside = measure_silhouette(_with_far_foot(mask, height, floor, 6), side, height)
    outside = measure_silhouette(_with_far_foot(mask, height, floor, 9), side, height)
    # The premise: half-way lies between the two, so the toe's column is the far sole's in one and the
    # near foot's in the other (the jump).
    near_toe = _near_toe(mask, height, floor)
    assert 6 < rows / 2 < 9 and inside.toe[0] < near_toe - 20 and outside.toe[0] == near_toe
    assert inside.heel_rise == pytest.approx(outside.heel_rise, abs=0.003)  # a pixel: 0.0024 of the height
    assert inside.heel_rise == pytest.approx(alone, abs=0.003)


def test_a_lifted_heel_still_reads_lifted(scene):
    mask, height, _ = _drawn(scene, 5.33)
    standing = measure_silhouette(mask, scene.wall_side, height).heel_rise
    t = 36.0  # rep 5, a heel lift, near its bottom
    assert scene.truth_at(t).heel_lift > 0.03
    lift_mask, _, _ = _drawn(scene, t)
    lifted = measure_silhouette(lift_mask, scene.wall_side, height).heel_rise  # the standing height: stature
    assert lifted - standing > 0.02
