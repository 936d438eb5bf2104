"""The synthetic athlete: deterministic pixels, and ground truth that matches what is drawn.

Measurements here are made on rendered frames with OpenCV (the silhouette is the difference between
the frame and the empty room), never read back from the renderer's own numbers.
"""

from __future__ import annotations

import hashlib
import json
import math
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from device.config import Config
from device.io.frames import Frame
from device.sim import SCENARIO_NAMES, SyntheticFrameSource, get_scenario, random_scenario
from device.sim.body import Body, Pose, build_figure
from device.sim.scene import Lens

THR = Config().sensor.contact_threshold_m


def _quiet(name: str, seed: int = 0, **kw):
    """A scenario without camera noise, shake, flicker or lens distortion, so frame - background is
    exactly the people and the pinhole projection places them (the lens is tested on its own)."""
    sc = get_scenario(name, seed, camera_noise=False, **kw)
    sc.style = replace(sc.style, shake_px=0.0, flicker=0.0, distortion=0.0)
    sc.lens = Lens(sc.width, sc.height, sc.style, sc.seed)
    sc._bg.clear()
    return sc


def _coverage(sc, t: float) -> np.ndarray:
    """How much of each pixel the people cover, 0..1, from the anti-aliased frame minus the empty room.

    Anti-aliasing blends colours linearly, so the size of the colour difference is proportional to the
    covered fraction of a pixel; normalising by the difference well inside the body gives sub-pixel edges.
    """
    diff = np.linalg.norm(sc.render(t).astype(np.float32) - sc.render_background().astype(np.float32), axis=2)
    return diff


def _silhouette(sc, t: float) -> np.ndarray:
    return (_coverage(sc, t) > 20).astype(np.uint8)


def _bilinear(img: np.ndarray, pts: np.ndarray) -> np.ndarray:
    h, w = img.shape
    x = np.clip(pts[:, 0], 0, w - 1.001)
    y = np.clip(pts[:, 1], 0, h - 1.001)
    x0, y0 = np.floor(x).astype(int), np.floor(y).astype(int)
    fx, fy = x - x0, y - y0
    return (img[y0, x0] * (1 - fx) * (1 - fy) + img[y0, x0 + 1] * fx * (1 - fy)
            + img[y0 + 1, x0] * (1 - fx) * fy + img[y0 + 1, x0 + 1] * fx * fy)


def _back_bend_from_frame(cov: np.ndarray, p0, p1) -> tuple[float, float]:
    """Bend angle and chord angle of the silhouette's back edge between two image points.

    Walks from inside the body outwards along the chord's normal at many positions along the chord and
    finds the sub-pixel edge (half coverage): an independent measurement of the drawn contour.
    """
    p0, p1 = np.asarray(p0, float), np.asarray(p1, float)
    d = p1 - p0
    c = float(np.hypot(*d))
    u = d / c
    n = np.array([-u[1], u[0]])
    # The outward side is the one with background right next to the chord's middle.
    probe = (p0 + p1) / 2 + n * 0.15 * c
    if _bilinear(cov, probe[None])[0] > 20:
        n = -n
    fs = np.linspace(0.0, 1.0, 41)
    devs = []
    for f in fs:
        base = p0 + d * f
        steps = np.arange(-0.15 * c, 0.3 * c, 0.05)
        vals = _bilinear(cov, base + steps[:, None] * n)
        # The edge: the value falls below half of what it is 1.5 px inside, and 1.5 px outside is empty
        # room. The first such exit walking outwards; a bulge farther out (the buttocks) is not the back.
        k = 30
        inner, outer = vals[:-2 * k], vals[2 * k:]
        mid = vals[k:-k]
        hit = np.nonzero((inner > 5) & (mid < 0.5 * inner) & (outer < 1))[0]
        devs.append(steps[k + hit[0]] if len(hit) else np.nan)
    devs = np.array(devs)
    # Past the ends of the chord the contour carries on (buttocks, shoulders): judge the interior only.
    inner = (fs >= 0.1) & (fs <= 0.9)
    assert not np.isnan(devs[inner]).any(), "back edge not found"
    # A circle through the edge points: its radius gives the bend of an arc over the chord, and a
    # constant offset of the detected edge (anti-aliasing) barely changes it.
    pts = np.stack([p0 + d * f + dv * n for f, dv in zip(fs[inner], devs[inner])])
    A = np.column_stack([2 * pts, np.ones(len(pts))])
    cx, cy, k0 = np.linalg.lstsq(A, (pts ** 2).sum(axis=1), rcond=None)[0]
    radius = math.sqrt(k0 + cx * cx + cy * cy)
    bend = math.degrees(2 * math.asin(min(1.0, c / (2 * radius))))
    a, b = p0 + d * 0.1 + devs[4] * n, p0 + d * 0.9 + devs[36] * n
    return bend, math.degrees(math.atan2(b[1] - a[1], b[0] - a[0]))


def test_same_seed_same_pixels_and_different_seed_differs():
    a = get_scenario("passerby", 5, width=320, height=240, fps=10, n_reps=2)
    b = get_scenario("passerby", 5, width=320, height=240, fps=10, n_reps=2)
    c = get_scenario("passerby", 6, width=320, height=240, fps=10, n_reps=2)
    ts = [a.reps[0].bottom_s, a.passers[0].t0 + 1.0, 0.3]
    for t in ts:
        assert np.array_equal(a.render(t), b.render(t))
    assert [s.distance_m for s in a.proximity] == [s.distance_m for s in b.proximity]
    assert not np.array_equal(a.render(ts[0]), c.render(ts[0]))


def test_same_pixels_in_another_process():
    """No per-process randomness (hash salting, global RNG): a recording can be re-rendered later."""
    code = ("import hashlib; from device.sim import get_scenario; "
            "sc = get_scenario('random', 9, width=160, height=120, n_reps=1); "
            "print(hashlib.sha1(sc.render(sc.reps[0].bottom_s).tobytes()).hexdigest())")
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    sc = get_scenario("random", 9, width=160, height=120, n_reps=1)
    assert out.stdout.strip() == hashlib.sha1(sc.render(sc.reps[0].bottom_s).tobytes()).hexdigest()


def _plain_body(name: str, seed: int):
    """The scenario's person in a fitted top, without a kyphotic bump or a ponytail: then the drawn back
    between sacrum top and neck base is exactly the truth's circular arc, which a circle fit can check."""
    b = get_scenario(name, seed).body
    return replace(b, top="fitted", kyphosis_deg=0.0, hair_style="short")


@pytest.mark.parametrize("seed, yaw", [(0, 0.0), (1, 0.0), (2, 0.0), (3, 18.0), (4, 18.0)])
def test_silhouette_back_bend_matches_truth(seed, yaw):
    sc = _quiet("mixed", seed, width=1600, height=1200, yaw_deg=yaw, kinds=["good", "rounded"],
                body=_plain_body("mixed", seed))
    for rep in sc.reps:
        tr = sc.truth_at(rep.bottom_s)
        cov = _coverage(sc, rep.bottom_s)
        bend, _ = _back_bend_from_frame(cov, tr.keypoints_px["lumbar"], tr.keypoints_px["upper_back"])
        assert bend == pytest.approx(tr.image_back_bend_deg, abs=3.5), rep.kind
        # With no yaw the picture shows the true bend; yaw changes it only a little.
        assert tr.image_back_bend_deg == pytest.approx(tr.back_bend_deg, abs=0.05 if yaw == 0 else 1.5)
    good, rounded = sc.reps
    assert rounded.peak_rounding_deg - good.peak_rounding_deg > 15


def test_silhouette_tilts_by_the_truth_trunk_inclination():
    """The back chord turns by exactly the change in trunk inclination between standing and the bottom."""
    sc = _quiet("clean", 3, width=1600, height=1200, yaw_deg=0.0, kinds=["good"])
    rep = sc.reps[0]
    t_stand = rep.start_s - 0.3
    angles, truths = [], []
    for t in (t_stand, rep.bottom_s):
        tr = sc.truth_at(t)
        _, ang = _back_bend_from_frame(_coverage(sc, t), tr.keypoints_px["lumbar"], tr.keypoints_px["upper_back"])
        angles.append(ang)
        truths.append(tr.trunk_inclination_deg)
    turned = abs((angles[1] - angles[0] + 180) % 360 - 180)
    assert turned == pytest.approx(truths[1] - truths[0], abs=2.0)
    assert truths[1] > 30


@pytest.mark.parametrize("wall_side", ["left", "right"])
def test_proximity_matches_the_drawn_hips_and_contact_reps(wall_side):
    sc = _quiet("mixed", 4, width=640, height=480, fps=10, yaw_deg=0.0, wall_side=wall_side,
                kinds=["good", "shallow", "knee_lock", "too_fast"])
    cam = sc.camera
    for rep in sc.reps:
        samples = [s for s in sc.proximity if rep.start_s <= s.t <= rep.end_s and s.distance_m is not None]
        reached = min(s.distance_m for s in samples) <= THR
        assert reached == rep.contact == (rep.kind != "shallow"), rep.kind
        # The silhouette's rear edge at sensor height is where the sensor says it is.
        tr = sc.truth_at(rep.bottom_s)
        mask = _silhouette(sc, rep.bottom_s)
        y_band = cam.project(np.array([[0.0, sc.sensor_height_m + 0.08], [0.0, sc.sensor_height_m - 0.08]]), 0.0)
        wall_u = cam.project(np.array([[0.0, sc.sensor_height_m]]), 0.0)[0, 0]
        rows = mask[int(math.ceil(y_band[0, 1])): int(y_band[1, 1]) + 1]
        cols = np.nonzero(rows.any(axis=0))[0]
        edge = cols.min() if wall_side == "left" else cols.max()
        measured = abs(edge - wall_u) / cam.px_per_m
        assert measured == pytest.approx(tr.hip_distance_m, abs=1.5 / cam.px_per_m + 0.004), rep.kind
    # Nobody in front of the sensor: no echo.
    assert sc.proximity[0].distance_m is None and sc.proximity[-1].distance_m is None


def test_both_wall_sides_are_mirror_images():
    left = get_scenario("clean", 7, width=320, height=240, wall_side="left", n_reps=1)
    right = get_scenario("clean", 7, width=320, height=240, wall_side="right", n_reps=1)
    t = left.reps[0].bottom_s
    ml, mr = left.render_mask(t), right.render_mask(t)[:, ::-1]
    inter = np.logical_and(ml, mr).sum()
    union = np.logical_or(ml, mr).sum()
    assert inter / union > 0.97
    # Facing away from the wall: at the bottom the head is farther from the wall than the hips.
    for sc in (left, right):
        tr = sc.truth_at(t)
        wall_u = sc.camera.project(np.array([[0.0, 1.0]]), 0.0)[0, 0]
        head_u, hip_u = tr.keypoints_px["nose"][0], tr.keypoints_px["hip"][0]
        assert abs(head_u - wall_u) > abs(hip_u - wall_u) + 20


def test_yaw_foreshortens_the_trunk_and_shows_the_far_leg():
    straight = _quiet("clean", 8, width=640, height=480, yaw_deg=0.0, kinds=["good"])
    yawed = _quiet("clean", 8, width=640, height=480, yaw_deg=20.0, kinds=["good"])
    t = straight.reps[0].bottom_s
    a, b = straight.truth_at(t), yawed.truth_at(t)
    assert a.trunk_inclination_deg == b.trunk_inclination_deg
    assert a.image_trunk_inclination_deg == pytest.approx(a.trunk_inclination_deg, abs=0.01)
    expect = math.degrees(math.atan(math.tan(math.radians(a.trunk_inclination_deg)) * math.cos(math.radians(20))))
    assert b.image_trunk_inclination_deg == pytest.approx(expect, abs=0.01)
    # The far shank is drawn offset from the near one, so the yawed legs cover a wider strip.
    def leg_width(sc):
        m = sc.render_mask(t)
        knee_v = int(sc.truth_at(t).keypoints_px["knee"][1])
        row = m[knee_v + 15]
        return np.count_nonzero(row)
    assert leg_width(yawed) > leg_width(straight)


@pytest.mark.parametrize("size", [(640, 480), (320, 240), (1280, 720), (333, 251)])
def test_any_resolution_keeps_the_whole_body_in_view(size):
    w, h = size
    sc = get_scenario("clean", 2, width=w, height=h, fps=10, n_reps=1)
    img = sc.render(sc.reps[0].bottom_s)
    assert img.shape == (h, w, 3) and img.dtype == np.uint8
    for t in (sc.reps[0].start_s - 0.5, sc.reps[0].bottom_s):
        tr = sc.truth_at(t)
        assert tr.in_position and tr.visible
        x0, y0, x1, y1 = tr.bbox
        assert 0 < x0 < x1 < w - 1 and 0 < y0 < y1 < h - 1
        assert (y1 - y0) > 0.45 * h  # big enough to measure


def test_mixed_truth_verdicts_follow_the_domain_rules():
    kinds = ["good", "rounded", "shallow", "knee_lock", "heel_lift", "too_fast"]
    sc = get_scenario("mixed", 11, width=320, height=240, fps=10, kinds=kinds)
    assert [r.kind for r in sc.reps] == kinds
    assert [r.verdict for r in sc.reps] == kinds
    good, rounded, shallow, knee, heel, fast = sc.reps
    assert abs(good.peak_rounding_deg) <= 3 and 18 <= rounded.peak_rounding_deg <= 35
    assert 30 <= good.peak_trunk_inclination_deg <= 60 and 20 <= shallow.peak_trunk_inclination_deg <= 28
    assert knee.knee_angle_at_bottom_deg >= 177 and good.knee_angle_at_bottom_deg < 170
    assert heel.peak_heel_lift > Config().thresholds.heel_lift > good.peak_heel_lift
    assert fast.duration_s < 1.0 < good.duration_s
    assert sc.expected_counted == 1
    summary = sc.summary()
    assert [r["verdict"] for r in summary["reps"]] == kinds and summary["expected_counted"] == 1
    json.dumps(summary)  # plain data, storable as recording metadata
    # Realistic tempo for a normal rep: 2-3 s down, 1-2 s up.
    assert 2.5 < good.duration_s < 6.0


def test_walk_in_out_lean_is_contact_without_a_rep():
    sc = get_scenario("walk_in_out", 3, width=320, height=240, fps=10, n_reps=2)
    lean = next(s for s in sc.segments if s.kind == "lean")
    touching = [s for s in sc.proximity if lean.t0 <= s.t <= lean.t1 and s.distance_m is not None
                and s.distance_m <= THR]
    assert len(touching) >= 5
    assert sc.truth_at((lean.t0 + lean.t1) / 2).contact and not sc.truth_at(lean.t0 - 0.5).contact
    assert all(not (lean.t0 <= r.start_s <= lean.t1) for r in sc.reps)
    assert max(sc.truth_at(t).trunk_inclination_deg for t in np.arange(lean.t0, lean.t1, 0.1)) < 15
    # Nobody there at the start and the end: the sensor reads nothing and the person is not in position.
    assert sc.proximity[0].distance_m is None and not sc.truth_at(0.2).present
    walking = sc.truth_at(sc.segments[1].t0 + 0.5)
    assert walking.phase == "walking" and not walking.in_position


def test_noisy_sensor_has_dropouts_spikes_and_bounce_but_true_contacts():
    sc = get_scenario("noisy_sensor", 2, width=320, height=240, fps=10, n_reps=4)
    prox = sc.proximity
    standing = [s for s in prox if sc.pose_at(s.t)[1] == "standing" and s.distance_m is not None]
    assert any(s.distance_m < 0.03 for s in standing)  # single-sample spikes while standing
    present = [s for s in prox if sc.pose_at(s.t)[1] in ("standing", "down", "bottom", "up")]
    assert 0.01 < sum(s.distance_m is None for s in present) / len(present) < 0.1
    for rep in sc.reps:
        win = [s.distance_m for s in prox if rep.bottom_s - 1.0 <= s.t <= rep.bottom_s + 1.0 and s.distance_m]
        flips = sum((a <= THR) != (b <= THR) for a, b in zip(win, win[1:]))
        assert flips >= 4  # flicker at touch and at release, not one clean edge
        assert rep.contact


def test_passerby_is_drawn_but_not_sensed():
    sc = get_scenario("passerby", 1, width=320, height=240, fps=10, n_reps=4)
    p = sc.passers[0]
    t = p.t0 + (p.t1 - p.t0) / 2
    tr = sc.truth_at(t)
    assert tr.passersby_in_view == 1 and tr.present
    # The passer-by changes the picture ...
    alone = get_scenario("passerby", 1, width=320, height=240, fps=10, n_reps=4)
    alone.passers = []
    assert np.count_nonzero(cv2.absdiff(sc.render(t), alone.render(t)).max(axis=2) > 30) > 200
    # ... but never the sensor.
    assert [s.distance_m for s in sc.proximity] == [s.distance_m for s in alone.proximity]
    assert len(sc.passers) >= 2


def test_blind_reps_are_unchecked_unless_the_sensor_alone_judges_them():
    sc = get_scenario("blind", 0, width=320, height=240, fps=10)
    unseen = [r for r in sc.reps if not r.seen]
    assert len(unseen) >= 2
    for r in unseen:
        assert r.verdict == ("too_fast" if r.kind == "too_fast" else "unchecked")
        tr = sc.truth_at(r.bottom_s)
        assert not tr.visible and not tr.in_position
    covered = [r for r in unseen if sc.truth_at(r.bottom_s).camera_covered]
    assert covered and sc.render(covered[0].bottom_s).mean() < 40
    assert all(r.seen for r in sc.reps if r not in unseen)


def test_frame_source_yields_the_scenario_frames():
    sc = get_scenario("clean", 0, width=160, height=120, fps=5, n_reps=1)
    src = SyntheticFrameSource(sc)
    frames = list(src.frames())
    assert len(frames) == len(sc.frame_times()) == int(sc.duration_s * 5)
    assert all(isinstance(f, Frame) and f.image.shape == (120, 160, 3) for f in frames)
    assert [f.index for f in frames] == list(range(len(frames)))
    assert np.array_equal(frames[7].image, sc.render(frames[7].t))
    src2 = SyntheticFrameSource(sc)
    it = src2.frames()
    next(it)
    src2.close()
    assert list(it) == []


def test_random_sets_vary_and_stay_consistent():
    seen_sizes, statures = set(), set()
    for seed in range(6):
        sc = random_scenario(seed, n_reps=3)
        seen_sizes.add((sc.width, sc.height))
        statures.add(round(sc.body.stature_m, 4))
        assert 0 <= sc.yaw_deg <= 20
        assert len(sc.reps) == 3
        for r in sc.reps:
            assert r.verdict == (r.kind if r.kind != "good" else "good")
        # The camera turned the other way round: the same person, room and reps, mirrored yaw.
        neg = random_scenario(seed, n_reps=3, negative_yaw=True)
        assert neg.yaw_deg == -sc.yaw_deg and neg.body == sc.body and (neg.width, neg.height) == (sc.width, sc.height)
        assert [(r.kind, r.bottom_s) for r in neg.reps] == [(r.kind, r.bottom_s) for r in sc.reps]
    assert len(seen_sizes) >= 2 and len(statures) == 6


def test_some_people_are_dressed_like_the_room():
    """Clothing close to the background colour must occur, or segmentation is never tested on it."""
    close = 0
    for seed in range(40):
        sc = get_scenario("random", seed, width=160, height=120, n_reps=1)
        wall = np.subtract(sc.body.shirt, np.multiply(sc.style.wall_colour, 1 / sc.style.body_light))
        floor = np.subtract(sc.body.trousers, np.multiply(sc.style.floor_colour, 1 / sc.style.body_light))
        close += int(np.abs(wall).max() <= 13 or np.abs(floor).max() <= 13)
    assert 2 <= close <= 15


def test_bodies_vary_and_stand_at_their_stature():
    for h, build in [(1.50, 0.0), (1.95, 1.0)]:
        body = Body(stature_m=h, build=build)
        fig = build_figure(body, Pose(trunk_inclination_deg=0.0, knee_angle_deg=180.0, hip_rear_x=None))
        assert fig.keypoints["head_top"][1] == pytest.approx(h, abs=0.02)
    slim = build_figure(Body(build=0.0), Pose()).torso_outline
    heavy = build_figure(Body(build=1.0), Pose()).torso_outline
    assert np.ptp(heavy[:, 0]) > np.ptp(slim[:, 0]) + 0.08


def test_bad_input_gets_a_clear_message():
    with pytest.raises(ValueError, match="choose one of: clean"):
        get_scenario("squats")
    with pytest.raises(ValueError, match="n_rep"):
        get_scenario("clean", n_rep=3)
    with pytest.raises(ValueError, match="wall_side"):
        get_scenario("clean", wall_side="top")
    with pytest.raises(ValueError, match="n_reps must be"):
        get_scenario("clean", n_reps=-1)
    with pytest.raises(ValueError, match="unknown rep kind"):
        get_scenario("mixed", kinds=["good", "sloppy"])
    with pytest.raises(ValueError, match="shading must be within 0..0.8"):
        get_scenario("clean", shading=1.5)
    assert "random" in SCENARIO_NAMES


# ---- the athlete varies beyond what the vision was built on; the truth stays exact


def test_kyphotic_hooded_person_has_no_rounding_standing_and_the_planned_rounding_at_the_bottom():
    sc = get_scenario("hoodie", 0, width=320, height=240, fps=10)
    b = sc.body
    assert b.top == "hoodie" and b.hair_style == "ponytail" and b.kyphosis_deg >= 15
    # A rounded-looking upper back at rest is this person's baseline, not rounding.
    assert sc.standing_bend_deg > b.baseline_bend_deg + 8
    seg = next(s for s in sc.segments if s.kind == "stand" and s.facing > 0)
    stand = sc.truth_at(seg.t0 + 0.5 * (seg.t1 - seg.t0))
    assert stand.rounding_deg == pytest.approx(0.0, abs=1e-9)
    for rep in sc.reps:
        planned = [s.rep for s in sc.segments if s.kind == "rep"][rep.index].rounding_deg
        # Flexion adds to the kyphotic bump: the bend of the whole back grows by about the planned
        # amount (not exactly: the largest deviation of an arc plus a bump is not the sum of theirs).
        assert rep.peak_rounding_deg == pytest.approx(planned, abs=1.0 + 0.15 * abs(planned)), rep.kind
        assert (rep.verdict == "rounded") == (rep.kind == "rounded")


def test_the_truths_rounding_of_many_poses_at_once_is_the_one_pose_bend():
    # _truth_reps reads every pose of a rep (5 ms apart) through the array form: it must give what the
    # one-pose form gives (the truth that truth_at reports), for flat, hollow, rounded and kyphotic backs.
    from device.sim.body import contour_bend, contour_bends

    rng = np.random.default_rng(3)
    bends = np.concatenate([rng.uniform(-25.0, 60.0, 200), [0.0, 1e-9, -1e-9, 45.0]])
    for kyphosis in (0.0, 4.0, 12.0):
        body = replace(Body(), kyphosis_deg=kyphosis)
        one = np.array([contour_bend.__wrapped__(body, float(b)) for b in bends])
        assert np.abs(contour_bends(body, bends) - one).max() < 1e-9, kyphosis
    # and the bump is really there: a kyphotic back bends more at the same planned bend
    assert contour_bends(replace(Body(), kyphosis_deg=12.0), np.array([6.0]))[0] > contour_bend(Body(), 6.0) + 5.0


def test_clothes_and_hair_change_the_outline_not_the_truth():
    from device.sim.body import contour_bend

    plain = replace(Body(), top="fitted", hair_style="short")
    hooded = replace(plain, top="hoodie", hair_style="ponytail")
    pose = Pose(trunk_inclination_deg=3.0, back_bend_deg=6.0)
    assert contour_bend(plain, 6.0) == contour_bend(hooded, 6.0)
    cam = get_scenario("clean", 0).camera
    cam = replace(cam, wall_side="left", yaw_deg=0.0)
    from device.sim.scene import draw_figure_mask

    masks = []
    for b in (plain, hooded):
        m = np.zeros((cam.height, cam.width), np.uint8)
        draw_figure_mask(m, build_figure(b, pose), cam)
        masks.append(m)
    # The hood and the loose top add pixels behind the back (wall side): the outline changes.
    extra = (masks[1] > 0) & (masks[0] == 0)
    assert extra.sum() > 100
    ys, xs = np.nonzero(extra)
    fig = build_figure(plain, pose)
    hip_v = cam.project(np.array([fig.keypoints["hip"][:2]]), 0.0)[0, 1]
    assert ys.min() < hip_v  # above the hips: on the back, where rounding is measured


def test_shaded_people_are_lit_from_above_on_the_same_silhouette():
    """``shading`` draws each body part as a rounded surface under a light above the camera: the same
    outline and the same room, edges that face down darker than the flat drawing and darker than
    edges that face up (the top of a hinged back), the middle of the trunk about as bright as flat:
    what a real body under room light looks like, and what a flat-coloured renderer never shows."""
    flat, shaded = _quiet("clean", 0), _quiet("clean", 0, shading=0.5)
    assert 10.0 <= shaded.style.light_elevation_deg <= 70.0
    t = flat.reps[0].bottom_s  # hinged: the back faces up, the chest down
    a, b = flat.render(t).astype(np.int32), shaded.render(t).astype(np.int32)
    person = flat.render_mask(t) > 0
    assert np.array_equal(person, shaded.render_mask(t) > 0)
    near = cv2.dilate(person.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    assert np.array_equal(a[~near], b[~near])  # the room is untouched
    core = cv2.erode(person.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    rim = person & ~(cv2.erode(core.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0)
    below_free, above_free = np.zeros_like(person), np.zeros_like(person)
    below_free[:-3] = ~person[3:]
    above_free[3:] = ~person[:-3]
    down_rim, up_rim = rim & below_free & ~above_free, rim & above_free & ~below_free
    assert down_rim.sum() > 100 and up_rim.sum() > 100
    down, up = b[down_rim].sum() / a[down_rim].sum(), b[up_rim].sum() / a[up_rim].sum()
    assert down < 0.85, down  # about 1 - 0.5 at the outline itself
    assert up > down + 0.15, (up, down)
    middle = cv2.erode(person.astype(np.uint8), np.ones((15, 15), np.uint8)) > 0
    assert middle.sum() > 200
    assert 0.85 < b[middle].sum() / a[middle].sum() < 1.15
    # Flat is the default, pixel for pixel the scenes the figures in the README were measured on.
    assert np.array_equal(a, _quiet("clean", 0, shading=0.0).render(t).astype(np.int32))


def test_lens_distortion_moves_the_truth_with_the_picture():
    sc = get_scenario("random", 5, width=640, height=480, fps=10, n_reps=1)
    assert sc.style.distortion > 0
    t = sc.reps[0].bottom_s
    mask = sc.render_mask(t)
    ys, xs = np.nonzero(mask)
    x0, y0, x1, y1 = sc.truth_at(t).bbox
    assert abs(xs.min() - x0) <= 2 and abs(xs.max() - x1) <= 2
    assert abs(ys.min() - y0) <= 2 and abs(ys.max() - y1) <= 2
    # A barrel lens pulls the corners in: the frame is not the pinhole picture.
    assert not np.array_equal(sc.lens.optics(np.full((480, 640), 0, np.uint8) + np.eye(480, 640, dtype=np.uint8) * 255),
                              np.eye(480, 640, dtype=np.uint8) * 255)


def test_new_conditions_have_their_own_scenarios():
    ss = get_scenario("standing_start", 0, fps=10)
    assert ss.truth_at(0.0).in_position  # in view and in position before the station has seen the room
    assert get_scenario("lowres", 0, fps=10).width == 320
    assert get_scenario("yaw", 0, fps=10).yaw_deg == 20.0
    dim = get_scenario("dim", 0, fps=10)
    assert dim.style.lighting == "dim" and dim.style.flicker > 0 and dim.style.uneven > 0
    a, b = dim.render(0.5).astype(float).mean(), dim.render(0.5 + 1 / 30).astype(float).mean()
    assert abs(a - b) > 0.5  # flicker: the same empty room, another brightness
    cam = get_scenario("camouflage", 0, fps=10)
    assert np.abs(np.array(cam.body.shirt) * cam.style.body_light - np.array(cam.style.wall_colour)).max() < 30
    assert cam.passers and cam.truth_at(0.0).in_position


@pytest.mark.parametrize("n_reps", [1, 2])
def test_every_scenario_builds_with_any_number_of_reps(n_reps):
    """`simulate --scenario camouflage --reps 2` once stopped with an IndexError (its passer-by
    was timed on the third rep)."""
    from device.sim.scenarios import SCENARIO_NAMES

    for name in SCENARIO_NAMES:
        sc = get_scenario(name, 0, width=160, height=120, n_reps=n_reps)
        assert sc.reps, name
        sc.render(sc.frame_times()[len(sc.frame_times()) // 2])


def test_the_camera_exposes_a_bright_white_room_below_clipping():
    """Auto-exposure with its highlight guard (the station asks libcamera for the same): a white wall
    in bright light is not one clipped white area, and a light top stays apart from it."""
    from device.sim.scene import HIGHLIGHT_LEVEL, random_style

    base = random_style(np.random.default_rng(4), background="plain", wall_colour=(236, 236, 231),
                        lighting="bright", wall_shadow=False)
    sc = get_scenario("clean", seed=0, n_reps=1, style=base)
    assert sc.style.exposure < 0.95  # 236 x 1.2 would clip: exposed darker
    room = sc.render_background().astype(np.float32)
    luma = room @ np.array([0.114, 0.587, 0.299], np.float32)
    assert np.percentile(luma, 98) <= HIGHLIGHT_LEVEL + 1
    assert (room.max(axis=2) >= 254).mean() < 0.005  # was a third of the picture
    # The person is exposed with the room: the same scale on their colours.
    assert sc.style.body_light == pytest.approx(1.15 * sc.style.exposure)
    # A room that does not clip is left exactly as lit.
    calm = get_scenario("clean", seed=0, n_reps=1, style=replace(base, wall_colour=(150, 150, 150),
                                                                 lighting="normal"))
    assert calm.style.exposure == 1.0


def test_a_camera_mounted_high_and_tilted_down_sees_the_rooms_verticals_converge():
    """A camera put up high and pointed down at the person (MOUNTING.md says not to, people do): world
    verticals lean towards a point below the picture, opposite ways either side of its centre, the lens
    stands higher by distance * tan(pitch), and the person stays whole in view."""
    level = get_scenario("clean", 2, n_reps=1, yaw_deg=0.0, wall_side="left")
    tilted = get_scenario("clean", 2, n_reps=1, yaw_deg=0.0, wall_side="left", pitch_deg=12.0)
    cam, cam0 = tilted.camera, level.camera
    assert cam.pitch_deg == 12.0 and cam0.pitch_deg == 0.0
    assert cam.height_m == pytest.approx(cam0.height_m + cam0.distance_m * math.tan(math.radians(12.0)))

    def lean(c, x):  # a 2 m vertical on the back wall at world x, degrees from the picture's vertical
        (u0, v0), (u1, v1) = c.project(np.array([[x, 0.0], [x, 2.0]]), tilted.style.back_wall_z)
        return math.degrees(math.atan2(u1 - u0, v0 - v1)), u0

    for c in (cam0, cam):
        centre = c.x_m
        left, u_left = lean(c, centre - 1.0)
        right, u_right = lean(c, centre + 1.0)
        assert u_left < c.width / 2 < u_right
        if c is cam0:
            assert left == pytest.approx(0.0, abs=1e-9) and right == pytest.approx(0.0, abs=1e-9)
        else:  # tops apart, feet together: the lines meet below the picture
            assert left < -1.0 and right > 1.0 and left == pytest.approx(-right, abs=0.5)
    for t in (tilted.reps[0].start_s - 0.5, tilted.reps[0].bottom_s):
        x0, y0, x1, y1 = tilted.truth_at(t).bbox
        assert 0 < x0 < x1 < cam.width - 1 and 0 < y0 < y1 < cam.height - 1
    # Tilted up (a camera low on a shelf or the floor): lower, the lines meet above the picture instead.
    up = get_scenario("clean", 2, n_reps=1, yaw_deg=0.0, wall_side="left", pitch_deg=-12.0).camera
    assert 0.15 <= up.height_m < cam0.height_m
    assert lean(up, up.x_m - 1.0)[0] > 1.0 and lean(up, up.x_m + 1.0)[0] < -1.0
    with pytest.raises(ValueError, match="pitch_deg must be within -20..20"):
        get_scenario("clean", pitch_deg=25.0)
    # The tilt has its own random stream: the seed's body, room and reps are what they were.
    a, b = random_scenario(300), random_scenario(300, max_pitch_deg=15.0)
    assert 0.0 < b.camera.pitch_deg <= 15.0 and a.body == b.body and a.summary()["reps"] == b.summary()["reps"]
