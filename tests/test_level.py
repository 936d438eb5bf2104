"""The camera's roll read from the room, and the station's measures with a camera that is not level
(device.vision.level).

Drawn frames and rendered rooms through real OpenCV: the room's verticals give the roll, a person's
own near-vertical outline does not, a roll is named only when frames agree, and with the roll known
the station reads a person standing tall the same whether its camera is level or turned by 5 deg.
"""

from __future__ import annotations

import math
import statistics

import cv2
import numpy as np
import pytest

from device.config import CameraConfig, Config, ThresholdsConfig
from device.io.frames import Frame
from device.sim.scenarios import get_scenario
from device.vision import PostureEstimator, make_segmenter
from device.vision.level import CameraLevel, LevelParams, level_crops, transform_measures, vertical_lean
from device.vision.silhouette import SilhouetteMeasures


def _room(lean_deg: float, w: int = 640, h: int = 480) -> np.ndarray:
    """A grey room with a door frame and a wall corner whose verticals lean ``lean_deg`` (tops to the right)."""
    img = np.full((h, w, 3), 150, np.uint8)
    img[int(0.8 * h):] = 90  # the floor
    dx = math.tan(math.radians(lean_deg))
    for x_foot, shade in ((0.2 * w, 60), (0.28 * w, 60), (0.75 * w, 200)):
        top, foot = (x_foot + dx * 0.75 * h, 0.05 * h), (x_foot, 0.8 * h)
        cv2.line(img, (round(foot[0] * 16), round(foot[1] * 16)), (round(top[0] * 16), round(top[1] * 16)),
                 (shade, shade, shade), 3, cv2.LINE_AA, 4)
    return img


@pytest.mark.parametrize("lean", [-6.0, -2.5, 0.0, 3.0, 7.5])
def test_the_lean_of_the_rooms_verticals_is_read_to_a_fraction_of_a_degree(lean: float) -> None:
    got = vertical_lean(_room(lean))
    assert got is not None
    assert got[0] == pytest.approx(lean, abs=0.4)
    assert got[1] > 1.0  # three lines most of the height long


@pytest.mark.parametrize("roll, converge", [(0.0, 6.0), (3.0, 6.0), (-2.0, -5.0)])
def test_verticals_converging_either_side_of_the_centre_give_the_roll_at_the_centre_and_the_tilt(
        roll: float, converge: float) -> None:
    # A camera tilted down (converge > 0) or up, and turned about its axis: each vertical leans by the roll
    # plus the tilt's share at its distance from the centre column, opposite ways either side.
    w, h = 640, 480
    img = np.full((h, w, 3), 150, np.uint8)
    img[int(0.8 * h):] = 90
    for x_foot, shade in ((0.12 * w, 60), (0.2 * w, 60), (0.78 * w, 200), (0.9 * w, 60)):
        lean = roll + converge * (x_foot / w - 0.5)
        dx = math.tan(math.radians(lean))
        top, foot = (x_foot + dx * 0.75 * h, 0.05 * h), (x_foot, 0.8 * h)
        cv2.line(img, (round(foot[0] * 16), round(foot[1] * 16)), (round(top[0] * 16), round(top[1] * 16)),
                 (shade, shade, shade), 3, cv2.LINE_AA, 4)
    got = vertical_lean(img)
    assert got is not None
    assert got.deg == pytest.approx(roll, abs=0.5)  # the median lean would be a side's, degrees off
    assert got.converge_deg == pytest.approx(converge, abs=1.0)
    # Lines standing together cannot tell a tilt from a roll: they give their lean and no tilt.
    one_side = vertical_lean(img, exclude=(int(0.7 * w), 0, int(0.3 * w), int(0.8 * h)))
    assert one_side is not None and one_side.converge_deg is None


@pytest.mark.parametrize("roll", [-5.0, 0.0, 3.0])
def test_a_rendered_gym_seen_by_a_camera_turned_about_its_axis_gives_the_roll(roll: float) -> None:
    sc = get_scenario("clean", 2, n_reps=1, roll_deg=roll)  # a gym: racks, a mirror, the wall's corner
    got = vertical_lean(sc.render(0.5))  # the empty room
    assert got is not None and got[0] == pytest.approx(roll, abs=0.4)


def test_a_person_leaning_in_their_own_box_is_left_out_of_the_rooms_lean() -> None:
    img = _room(0.0)
    # A person in striped clothes leaning 10 deg: six long straight edges, as many as the room's lines give.
    for k in range(3):
        pts = np.array([[420 + 24 * k, 420], [432 + 24 * k, 420], [502 + 24 * k, 40], [490 + 24 * k, 40]], np.int32)
        cv2.fillPoly(img, [pts], (40, 40, 40))
    box = (415, 35, 170, 390)
    with_person = vertical_lean(img)
    without = vertical_lean(img, exclude=box)
    assert without is not None and without[0] == pytest.approx(0.0, abs=0.3)
    # Not left out, the person's two long edges outweigh the room's lines (or make them disagree).
    assert with_person is None or abs(with_person[0]) > 3.0


def test_one_short_edge_with_the_rooms_corner_behind_the_person_names_no_lean() -> None:
    # Random scene 420 (a level camera, a textured wall): the person stands in front of the wall's corner,
    # and outside their box the one vertical left is a poster's short edge. Refitted over the whole
    # picture's height it once gathered the wall's texture and read a roll of 1.3 deg on its own.
    from device.sim.scenarios import random_scenario

    sc = random_scenario(420, n_reps=8, fps=15)
    for t in (17.0, 32.0):
        got = vertical_lean(sc.render(t), exclude=(375, 129, 98, 324))
        assert got is None or abs(got[0]) < 0.5, (t, got)


def test_a_room_without_long_verticals_names_no_lean() -> None:
    img = np.full((480, 640, 3), 150, np.uint8)
    img[380:] = 90  # a floor line only: horizontal
    cv2.circle(img, (320, 200), 60, (40, 40, 40), -1)
    assert vertical_lean(img) is None


def test_a_roll_is_named_once_three_frames_a_second_apart_agree_and_small_ones_are_taken_as_level() -> None:
    level = CameraLevel()
    tilted, slight = _room(4.0), _room(0.6)
    level.add(0.0, tilted)
    level.add(0.5, tilted)  # within the second: not measured
    level.add(1.0, tilted)
    assert level.estimate_deg is None and level.roll_deg == 0.0  # two frames are not enough
    level.add(2.0, tilted)
    assert level.estimate_deg == pytest.approx(4.0, abs=0.4)
    assert level.roll_deg == level.estimate_deg

    small = CameraLevel()
    for t in range(4):
        small.add(float(t), slight)
    assert small.estimate_deg == pytest.approx(0.6, abs=0.4)
    assert small.roll_deg == 0.0  # under the dead zone: nothing is taken off


def test_frames_that_disagree_name_no_roll_and_a_moved_camera_is_followed_within_the_window() -> None:
    p = LevelParams(window_s=10.0)
    level = CameraLevel(p)
    for t, lean in enumerate((4.0, -4.0, 0.0, 2.5, -2.5, 4.0)):
        level.add(float(t), _room(lean))
        assert level.estimate_deg is None, t  # no three frames within a degree of their median
    # The camera turned to -3 deg and stays there: once the old frames leave the window, it is read.
    for t in range(6, 30):
        level.add(float(t), _room(-3.0))
    assert level.estimate_deg == pytest.approx(-3.0, abs=0.4)


def test_a_crop_turned_upright_and_its_measures_mapped_back_land_on_the_same_pixels() -> None:
    mask = np.zeros((120, 60), np.uint8)
    cv2.line(mask, (20, 110), (40, 10), 1, 9)  # a bar leaning with its top to the right
    lean = math.degrees(math.atan2(20, 100))
    up, _, _, back = level_crops(mask, None, None, lean)
    ys, xs = np.nonzero(up)
    # Upright: the bar's columns do not drift from top to bottom.
    top, bottom = xs[ys < np.percentile(ys, 20)].mean(), xs[ys > np.percentile(ys, 80)].mean()
    assert abs(top - bottom) < 1.5
    # A point measured on the turned crop maps back onto the bar's axis in the given crop.
    m = SilhouetteMeasures(height_px=100.0, floor_y=float(ys.max()), bbox=(int(xs.min()), int(ys.min()), 9, 100),
                           hip=(float(xs.mean()), float(np.percentile(ys, 75))))
    m = transform_measures(m, back)
    hx, hy = m.hip
    # On the line from (20, 110) to (40, 10): x = 20 + (110 - y) / 5.
    assert hx == pytest.approx(20 + (110 - hy) / 5, abs=1.0)
    assert m.floor_y == pytest.approx(np.nonzero(mask)[0].max(), abs=1.5)


def _standing_trunk(roll_deg: float, fixed: float | str = "auto") -> float:
    """The median trunk inclination the station reads on ``clean`` seed 0's person standing tall before
    the first rep, the camera 5 deg off a side view and turned about its axis by ``roll_deg``."""
    sc = get_scenario("clean", 0, fps=15, n_reps=1, yaw_deg=5.0, roll_deg=roll_deg)
    est = PostureEstimator(segmenter=make_segmenter("auto"), roll_deg=fixed)
    first = sc.reps[0].start_s
    vals = []
    for i, t in enumerate(sc.frame_times()):
        if t >= first:
            break
        s = est.process(Frame(i, t, sc.render(t)))
        if s.in_position and s.trunk_inclination_deg is not None and s.trunk_conf >= 0.5:
            vals.append(s.trunk_inclination_deg)
    assert len(vals) >= 10, "the person was never seen standing in position"
    return statistics.median(vals)


def test_a_person_standing_tall_reads_the_same_with_the_camera_turned_5_deg_as_level() -> None:
    level = _standing_trunk(0.0)
    for roll in (5.0, -5.0):
        assert _standing_trunk(roll) == pytest.approx(level, abs=1.0), roll
        # The same turned camera with the correction off (roll fixed at 0) reads the person leaning
        # by most of the roll: what the station did before it read the room.
        assert abs(_standing_trunk(roll, fixed=0.0) - level) > 3.0, roll


def test_the_config_takes_auto_or_degrees_and_the_estimator_uses_a_fixed_roll() -> None:
    assert CameraConfig().roll_deg == "auto"
    assert CameraConfig(roll_deg=-3.5).roll_deg == -3.5
    for bad in (20, "level", True):
        with pytest.raises(ValueError, match="needs levelling"):
            CameraConfig(roll_deg=bad)
    est = PostureEstimator.from_config(CameraConfig(roll_deg=2.0), ThresholdsConfig(), make_segmenter("background"))
    assert est.fixed_roll == 2.0
    assert PostureEstimator.from_config(Config().camera, ThresholdsConfig(),
                                        make_segmenter("background")).fixed_roll is None


def _tilted_room(converge: float, w: int = 640, h: int = 480, feet: tuple = (0.1, 0.3, 0.7, 0.9)) -> np.ndarray:
    """A room seen by a camera tilted down (``converge`` > 0) or up: its verticals (standing at ``feet``,
    fractions of the width) lean by the tilt's share at their column."""
    img = np.full((h, w, 3), 150, np.uint8)
    img[int(0.8 * h):] = 90
    for x_foot in (f * w for f in feet):
        dx = math.tan(math.radians(converge * (x_foot / w - 0.5)))
        cv2.line(img, (round(x_foot * 16), round(0.8 * h * 16)),
                 (round((x_foot + dx * 0.75 * h) * 16), round(0.05 * h * 16)), (60, 60, 60), 3, cv2.LINE_AA, 4)
    return img


def test_a_tilted_camera_is_named_from_the_frames_that_read_it_and_a_level_one_gets_no_tilt() -> None:
    tilted, level = CameraLevel(), CameraLevel()
    for k in range(3):
        tilted.add(float(k), _tilted_room(12.0))
        level.add(float(k), _tilted_room(0.0))
    assert tilted.converge_deg == pytest.approx(12.0, abs=1.0)
    assert tilted.roll_deg == 0.0  # the lean at the centre column: none
    assert level.converge_deg == 0.0 and level.tilt_at(-200.0, 50.0, 640) is None
    # A frame whose lines stand on one side only (the person in front of the others) reads the lean
    # where they stand: it is no roll, and a camera known to be tilted does not take it for one.
    one_side = _tilted_room(12.0, feet=(0.1, 0.3))
    for t in (7.0, 12.0, 17.0, 22.0, 27.0):  # once named, a frame every 5 s: more of these than of the others
        tilted.add(t, one_side)
    assert tilted.estimate_deg == pytest.approx(0.0, abs=0.5) and tilted.roll_deg == 0.0


def test_a_tilted_cameras_crop_stands_a_vertical_upright_and_keeps_a_horizontal_level() -> None:
    converge, w, h = 14.0, 640, 480
    lv = CameraLevel()
    for k in range(3):
        lv.add(float(k), _tilted_room(converge))
    # Around a point left of the centre (where a person at a left-hand wall stands), a crop holding a post
    # (a world vertical: its line runs to the vanishing point below the picture) and a bar across it (a
    # world horizontal parallel to the picture: level in it).
    cx, cy = 160, 260  # the crop's centre in the frame
    x0, y0 = cx - 60, cy - 80
    d = w / (2.0 * math.tan(math.radians(converge) / 2.0))  # the vanishing point's distance below the centre
    vx, vy = w / 2.0, h / 2.0 + d
    mask = np.zeros((160, 120), np.uint8)
    foot = (cx, cy + 70)
    t = (foot[1] - (cy - 70)) / (vy - foot[1])  # from the foot up, away from the vanishing point
    top = (foot[0] + (foot[0] - vx) * t, cy - 70)
    cv2.line(mask, (round(foot[0] - x0), round(foot[1] - y0)), (round(top[0] - x0), round(top[1] - y0)), 1, 7)
    bar = np.zeros_like(mask)
    cv2.line(bar, (10, 60), (110, 60), 1, 5)
    tilt = lv.tilt_at(cx - w / 2.0, cy - h / 2.0, w)
    assert tilt is not None
    shear, stretch = tilt
    assert shear < 0 and 1.0 < stretch < 1.2  # left of centre the verticals lean left; rows are foreshortened
    up, _, _, back = level_crops(mask, None, None, 0.0, tilt)
    ys, xs = np.nonzero(up)
    top_x, bottom_x = xs[ys < np.percentile(ys, 20)].mean(), xs[ys > np.percentile(ys, 80)].mean()
    assert abs(top_x - bottom_x) < 1.5  # the post stands upright (it leaned by about 4 px over its height)
    flat, _, _, _ = level_crops(bar, None, None, 0.0, tilt)
    ys, xs = np.nonzero(flat)
    assert abs(ys[xs < np.percentile(xs, 20)].mean() - ys[xs > np.percentile(xs, 80)].mean()) < 1.0  # level
    # A turn instead (the roll's correction, by the post's lean) would tilt the bar as far.
    lean = math.degrees(math.atan2(top[0] - foot[0], foot[1] - top[1]))
    turned, _, _, _ = level_crops(bar, None, None, lean)
    ys, xs = np.nonzero(turned)
    assert abs(ys[xs < np.percentile(xs, 20)].mean() - ys[xs > np.percentile(xs, 80)].mean()) > 3.0
    # Points measured on the corrected crop map back onto the post.
    ys, xs = np.nonzero(up)
    m = SilhouetteMeasures(height_px=100.0, floor_y=float(ys.max()), bbox=(int(xs.min()), int(ys.min()), 7, 100),
                           hip=(float(xs.mean()), float(np.percentile(ys, 25))))
    m = transform_measures(m, back)
    hx, hy = m.hip
    assert hx + x0 == pytest.approx(foot[0] + (foot[0] - vx) * (foot[1] - (hy + y0)) / (vy - foot[1]), abs=1.0)
