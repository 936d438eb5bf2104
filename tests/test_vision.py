"""Posture from the side-view camera, checked against the synthetic athlete's ground truth.

Frames are rendered by device.sim and run through real OpenCV (and mediapipe when installed).
Tolerances are the product's needs, not this implementation's current numbers: trunk
inclination within a few degrees (the engine's standing/hinge thresholds are 15/22/30 deg) and
rounding well inside the 10 deg threshold.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import replace
from typing import Optional

import cv2
import numpy as np
import pytest

from device.core.types import PostureSample
from device.io.frames import Frame
from device.sim.scenarios import get_scenario
from device.vision import (
    BackgroundModel,
    PostureEstimator,
    SegmentationError,
    arc_bend_deg,
    make_segmenter,
    measure_silhouette,
    select_person,
)
from device.vision.annotate import annotate, draw_annotations
from device.vision.estimator import PostureDebug


def _scenario(wall_side: str, kinds=("good", "rounded"), seed: int = 3, size=(320, 240), name="clean", **kw):
    # In a fitted top: these tests check the measures on the body's own outline (this seed's person
    # wears a loose top, whose outline is not the back; clothing is the scenario tests' business).
    if "body" not in kw:
        body = get_scenario(name, seed).body
        kw["body"] = replace(body, top="fitted")
    return get_scenario(name, seed, width=size[0], height=size[1], fps=10, kinds=list(kinds), yaw_deg=0.0,
                        wall_side=wall_side, **kw)


def _run(sc, backend: str = "background", learn_empty: bool = True, t_end=None):
    est = PostureEstimator(make_segmenter(backend))
    out = []
    for i, t in enumerate(sc.frame_times()):
        if t_end is not None and t > t_end:
            break
        s = est.process(Frame(i, t, sc.render(t)))
        out.append((t, s, sc.truth_at(t), est.last_debug))
    return est, out


def test_arc_bend_formula():
    # A semicircle: sagitta = half the chord -> 180 deg; a straight line -> 0.
    assert arc_bend_deg(5.0, 10.0) == pytest.approx(180.0)
    assert arc_bend_deg(0.0, 10.0) == 0.0
    assert arc_bend_deg(-1.0, 10.0) < 0  # bowing inward is negative
    with pytest.raises(ValueError):
        arc_bend_deg(1.0, 0.0)


@pytest.mark.parametrize("wall_side", ["left", "right"])
def test_silhouette_measures_track_truth_on_exact_masks(wall_side):
    """Trunk inclination and rounding from the exact silhouette (perfect segmentation), both wall sides."""
    sc = _scenario(wall_side, size=(640, 480), camera_noise=False)
    H = None
    base, trunk_err, round_pairs = [], [], []
    for t in sc.frame_times():
        tr = sc.truth_at(t)
        if not tr.in_position:
            continue
        mask = sc.render_mask(t)
        if H is None:  # standing height from the first standing frame
            ys = np.flatnonzero(mask.any(axis=1))
            H = float(ys[-1] - ys[0] + 1)
        m = measure_silhouette(mask, wall_side, H, image=sc.render(t))
        assert m is not None and m.trunk_inclination_deg is not None and m.back_bend_deg is not None
        trunk_err.append(m.trunk_inclination_deg - tr.trunk_inclination_deg)
        if tr.phase == "standing":
            base.append(m.back_bend_deg)
        round_pairs.append((m.back_bend_deg, tr.rounding_deg))
    assert len(trunk_err) > 50
    assert statistics.median(np.abs(trunk_err)) < 2.0
    assert np.percentile(np.abs(trunk_err), 90) < 4.0
    b = statistics.median(base)
    err = [abs(mb - b - r) for mb, r in round_pairs]
    assert statistics.median(err) < 3.0
    # The rounded rep must read as rounded and the good rep must not.
    peak_rounded = max(mb - b for mb, r in round_pairs if r > 10)
    assert peak_rounded > 10.0
    peak_good = max(mb - b for mb, r in round_pairs if r < 3)
    assert peak_good < 10.0


@pytest.mark.parametrize("wall_side", ["left", "right"])
def test_estimator_pipeline_with_background_model(wall_side):
    """Walk in, stand, one good and one rounded rep, walk out: flags and measures through real frames."""
    sc = _scenario(wall_side)
    est, out = _run(sc, "background")
    absent = [s for t, s, tr, _ in out if tr.phase == "absent" and t < 1.0]
    assert absent and not any(s.person for s in absent)
    assert all(s.trunk_inclination_deg is None for s in absent)
    walking = [s for t, s, tr, _ in out if tr.phase == "walking"]
    assert sum(s.in_position for s in walking) <= 0.1 * len(walking)
    in_pos = [(s, tr) for t, s, tr, _ in out if tr.in_position]
    assert sum(s.in_position for s, _ in in_pos) >= 0.9 * len(in_pos)
    # Wall side found from the feet.
    assert est.last_debug is not None
    sides = [d.wall_side for t, s, tr, d in out if tr.in_position]
    assert set(sides) - {None} == {wall_side}
    assert sides.count(None) <= 0.15 * len(sides)  # decided within a second or so of standing still
    errs = [s.trunk_inclination_deg - tr.trunk_inclination_deg for s, tr in in_pos
            if s.trunk_inclination_deg is not None and s.trunk_conf >= 0.5]
    assert len(errs) >= 0.9 * len(in_pos)
    assert statistics.median(np.abs(errs)) < 2.5
    # Rounding as the engine sees it: back bend minus the standing baseline.
    base = statistics.median(s.back_bend_deg for s, tr in in_pos if tr.phase == "standing" and s.back_bend_deg is not None)
    peaks = {}
    for s, tr in in_pos:
        if tr.rep_index is not None and s.back_bend_deg is not None and s.back_conf >= 0.5:
            peaks.setdefault(tr.rep_index, []).append(s.back_bend_deg - base)
    kinds = [r.kind for r in sc.reps]
    for i, k in enumerate(kinds):
        peak = sorted(peaks[i])[-2]  # second highest: robust to one frame
        if k == "rounded":
            assert peak > 10.0, f"rounded rep read {peak:.1f} deg"
        else:
            assert peak < 10.0, f"good rep read {peak:.1f} deg"


def test_unseen_when_person_cropped():
    """Feet out of the frame: person seen, but no measures and not in position."""
    sc = _scenario("left", kinds=("good",))
    t_stand = next(t for t in sc.frame_times() if sc.truth_at(t).in_position)
    crop = int(sc.height * 0.8)
    bg = np.ascontiguousarray(sc.render(0.0)[:crop])
    est = PostureEstimator(make_segmenter("background"))
    for i in range(10):
        est.process(Frame(i, i * 0.1, bg))
    samples = []
    for j, t in enumerate(np.arange(t_stand, t_stand + 1.5, 0.1)):
        img = np.ascontiguousarray(sc.render(float(t))[:crop])
        samples.append(est.process(Frame(100 + j, 1.0 + j * 0.1, img)))
    assert all(s.person for s in samples[3:])
    assert not any(s.in_position for s in samples)
    assert all(s.trunk_inclination_deg is None and s.back_bend_deg is None for s in samples)
    assert all(s.knee_angle_deg is None and s.heel_lift is None for s in samples)


@pytest.mark.parametrize("below_feet", [1, -2])
def test_feet_on_the_frames_last_rows_are_in_view_only_if_the_mask_stops_short_of_the_edge(below_feet):
    """A camera that just takes in the feet (their soles one row above the frame's edge) sees the whole
    person: with a margin of 2 px such a placement read "feet not in view" on every frame and a whole set
    went unchecked (walk_in_out seed 4). A frame that cuts through the shoes is still cut off for a person
    never seen whole (their height unknown; once seen whole, feet on the edge are measured:
    tests/test_body_at_edge.py)."""
    sc = _scenario("left", kinds=("good",), size=(640, 480))
    stand = [t for t in sc.frame_times() if sc.truth_at(t).in_position and sc.truth_at(t).phase == "standing"]
    est = PostureEstimator(make_segmenter("background"))
    for i in range(10):
        est.process(Frame(i, i * 0.1, sc.render(0.0)))
    est.process(Frame(10, 1.0, sc.render(stand[0])))
    x, y, w, h = est.last_debug.person.bbox
    rows = y + h + below_feet  # the frame ends this many rows below the person's lowest row
    est = PostureEstimator(make_segmenter("background"))
    for i in range(10):
        est.process(Frame(i, i * 0.1, np.ascontiguousarray(sc.render(0.0)[:rows])))
    samples = [est.process(Frame(100 + j, 1.0 + 0.1 * j, np.ascontiguousarray(sc.render(t)[:rows])))
               for j, t in enumerate(stand[:20])]
    measured = [s for s in samples[5:] if s.in_position and s.trunk_inclination_deg is not None]
    if below_feet > 0:
        assert len(measured) >= 0.8 * len(samples[5:]), f"{len(measured)} of {len(samples[5:])} measured"
    else:
        assert not measured and not any(s.heel_lift is not None for s in samples)


def test_nobody_in_view_is_unseen():
    sc = _scenario("right")
    bg = sc.render(0.0)
    est = PostureEstimator(make_segmenter("background"))
    for i in range(30):
        s = est.process(Frame(i, i / 10, bg))
        assert isinstance(s, PostureSample)
        assert not s.person and not s.in_position and s.trunk_inclination_deg is None and s.trunk_conf == 0.0


def test_background_model_does_not_absorb_a_still_person():
    """Someone standing motionless for a minute stays foreground; the scene around them keeps learning."""
    sc = _scenario("left", kinds=("good",))
    t_stand = next(t for t in sc.frame_times() if sc.truth_at(t).in_position)
    empty, person = sc.render(0.0), sc.render(t_stand)
    truth = sc.render_mask(t_stand) > 0
    rng = np.random.default_rng(0)
    est = PostureEstimator(make_segmenter("background"))
    t = 0.0
    for i in range(15):
        est.process(Frame(i, t, empty))
        t += 0.1
    areas = []
    for i in range(600):  # 60 s at 10 fps, the same pose (plus sensor noise)
        img = np.clip(person.astype(np.int16) + rng.normal(0, 2, person.shape).astype(np.int16), 0, 255).astype(np.uint8)
        s = est.process(Frame(100 + i, t, img))
        t += 0.1
        d = est.last_debug
        assert s.person, f"person lost after {i / 10:.1f} s"
        areas.append(np.count_nonzero(d.person.mask & truth) / np.count_nonzero(truth))
    assert areas[-1] > 0.9 and areas[-1] > areas[0] - 0.05


def test_background_model_follows_a_lighting_change_and_ignores_shadows():
    rng = np.random.default_rng(1)
    scene = rng.integers(60, 200, (120, 160, 3)).astype(np.uint8)
    scene = np.repeat(np.repeat(scene, 4, 0), 4, 1)  # 480x640, blocky texture
    bm = BackgroundModel()
    for _ in range(10):
        bm.learn(scene)
    assert bm.ready
    brighter = np.clip(scene.astype(np.float32) * 1.3, 0, 255).astype(np.uint8)
    seg = bm.segment(brighter)
    assert seg is not None and np.count_nonzero(seg.mask) < 0.01 * seg.mask.size
    shadowed = scene.copy()
    shadowed[200:400, 100:300] = (shadowed[200:400, 100:300] * 0.7).astype(np.uint8)
    seg = bm.segment(shadowed)
    assert np.count_nonzero(seg.mask[200:400, 100:300]) < 0.05 * 200 * 200
    person = scene.copy()
    person[150:450, 300:380] = (20, 200, 40)
    seg = bm.segment(person)
    assert np.count_nonzero(seg.mask[150:450, 300:380]) > 0.95 * 300 * 80


def test_trousers_a_darker_grey_than_the_wall_stay_the_person_where_the_hinge_puts_them_behind_the_trunk():
    # passerby seed 3: grey trousers in front of a lavender-grey wall are "darker, same hue": shadow-like.
    # Shadow-like pixels count as the person only in the columns of their sure pixels; at the bottom of
    # a hinge the buttocks and the backs of the thighs stand out behind those columns, and the mask lost
    # them (the hip was placed too far forward, the trunk read 44 deg for 52 and a good rep `rounded`).
    import cv2

    sc = get_scenario("passerby", 3)
    model = BackgroundModel()
    for t in sc.frame_times():
        if t > 0.8:
            break
        assert sc.truth_at(t).phase == "absent"
        model.learn(sc.render(t))
    assert model.ready
    rear = -1 if sc.camera.wall_side == "right" else 1  # the wall, and the back, are on this side

    def rear_edge(mask: np.ndarray, r: int) -> Optional[int]:
        xs = np.flatnonzero(mask[r])
        return None if not len(xs) else int(xs[0] if rear == 1 else -xs[-1])

    for t in (11.8, 20.5):  # the bottoms of a good and of a rounded rep
        img = sc.render(t)
        truth = sc.render_mask(t) > 0
        mask = model.segment(img).mask > 0
        rows = np.flatnonzero(truth.any(axis=1))
        top, low = int(rows[0]), int(rows[-1])
        upper = range(top, top + int(0.8 * (low - top)))  # down to the knees: the feet's shadow is another rule's
        short = [r for r in upper if (e := rear_edge(mask, r)) is not None and e - rear_edge(truth, r) > 3]
        assert len(short) <= 2, f"t={t}: the rear outline is more than 3 px inside the person on rows {short}"
        near = cv2.dilate(truth.view(np.uint8), np.ones((5, 5), np.uint8)) > 0
        assert np.count_nonzero(mask & ~near) < 0.005 * np.count_nonzero(truth)  # nothing beside them taken

        # A shadow on the wall just behind them that does not touch them stays a shadow.
        x_rear = min(rear_edge(truth, r) for r in upper if rear_edge(truth, r) is not None) * rear
        r0 = top + int(0.35 * (low - top))
        c0, c1 = sorted((x_rear - rear * 8, x_rear - rear * 20))
        shaded = img.copy()
        shaded[r0 : r0 + 30, c0:c1] = (shaded[r0 : r0 + 30, c0:c1] * 0.8).astype(np.uint8)
        assert not (truth[r0 : r0 + 30, c0:c1]).any()
        got = model.segment(shaded).mask > 0
        assert np.count_nonzero(got[r0 : r0 + 30, c0:c1]) < 0.05 * got[r0 : r0 + 30, c0:c1].size


def test_a_kyphotic_back_reads_its_own_bend_standing_and_at_the_bottom_of_a_hinge():
    # Random scene 414: a kyphotic person (19.5 deg) whose back is flat over its lower third and curls at
    # the shoulder blades: not a parabola. The fit used to start on the middle of the segment and drop
    # whichever end lay off that parabola: standing it dropped the curl and read 7-12 deg for a drawn 28,
    # at the bottom it kept it and read 16-48 for 34, so good reps came out 10-36 deg `rounded`.
    from device.sim.scenarios import random_scenario

    sc = random_scenario(414, n_reps=8, fps=15)
    rows = np.flatnonzero(sc.render_mask(27.0).any(axis=1))
    height = float(rows[-1] - rows[0] + 1)
    got: dict[str, list[float]] = {"standing": [], "bottom": []}
    for phase, times in (("standing", (26.6, 26.8, 27.0, 27.2)), ("bottom", (29.4, 29.6, 29.8))):
        for t in times:
            tr = sc.truth_at(t)
            r = measure_silhouette(sc.render_mask(t), sc.wall_side, height, image=sc.render(t))
            assert r is not None and r.back_bend_deg is not None and r.conf_back >= 0.5, t
            assert abs(r.back_bend_deg - tr.image_back_bend_deg) < 6.0, (t, r.back_bend_deg, tr.image_back_bend_deg)
            got[phase].append(r.back_bend_deg - tr.image_back_bend_deg)
    # What the rep engine judges is the bend over the standing one: the two errors must nearly cancel.
    assert abs(statistics.median(got["bottom"]) - statistics.median(got["standing"])) < 3.0, got


def test_passer_by_is_ignored():
    """A second person crossing the picture must not take over the tracked person."""
    sc = get_scenario("passerby", 1, width=320, height=240, fps=10, yaw_deg=0.0, n_reps=3)
    est, out = _run(sc, "background")
    crossings = [(s, tr, d) for t, s, tr, d in out if tr.passersby_in_view and tr.in_position]
    assert crossings, "scenario has no frame with a passer-by while the athlete is in position"
    ok = 0
    for s, tr, d in crossings:
        if d.person is None:
            continue
        x, y, w, h = d.person.bbox
        x0, y0, x1, y1 = tr.bbox
        ix = max(0, min(x + w, x1) - max(x, x0))
        iy = max(0, min(y + h, y1) - max(y, y0))
        ok += ix * iy > 0.5 * (x1 - x0) * (y1 - y0)
    assert ok >= 0.9 * len(crossings)


def test_select_person_prefers_the_tracked_blob():
    mask = np.zeros((240, 320), np.uint8)
    mask[40:220, 40:80] = 255  # tracked athlete
    mask[30:230, 200:250] = 255  # a bigger passer-by
    blob = select_person(mask, 60, previous=(40, 40, 40, 180))
    assert blob is not None and blob.bbox[0] == 40
    blob = select_person(mask, 60, previous=None)
    assert blob is not None and blob.bbox[0] == 200  # no track: the largest
    assert select_person(np.zeros_like(mask), 60) is None


def _trunk_with_a_lost_middle(opening_px: int) -> np.ndarray:
    """A 250 px tall person whose trunk the background model lost but for a 4 px rim (a top a few grey
    levels from the wall), the rim broken on the back's side over ``opening_px`` rows."""
    mask = np.zeros((300, 200), np.uint8)
    mask[30:280, 80:120] = 255
    mask[80:160, 84:116] = 0
    mask[110 : 110 + opening_px, 80:84] = 0
    return mask


def test_a_trunk_open_to_the_outside_through_a_break_in_its_rim_is_filled_like_a_hole():
    # Random scene 201 at 24 fps: where the rim held, hole filling made the trunk solid; where it broke
    # for two pixels, the outline walked up the back went down into the trunk and out again, and the
    # back's bend swung by tens of degrees from frame to frame (six of eight reps wrong).
    blob = select_person(_trunk_with_a_lost_middle(2), 60)
    assert blob is not None
    m = blob.mask
    assert (m[30:280, 80:120] == 255).all()  # the trunk and the break in its rim, filled
    assert not m[:, :80].any() and not m[:, 120:].any() and not m[:30].any() and not m[280:].any()
    assert blob.area == 40 * 250
    # A wide opening is the outline's own shape, not a break in a rim: measured as drawn.
    wide = select_person(_trunk_with_a_lost_middle(30), 60)
    assert wide is not None
    assert not wide.mask[112:138, 80:116].any()
    assert (wide.mask[30:80, 80:120] == 255).all()
    # Below the trunk, an inlet is the background between two legs whose feet nearly touch: kept open.
    legs = np.zeros((300, 200), np.uint8)
    legs[30:160, 80:120] = 255  # head and trunk
    legs[160:280, 80:96] = 255  # near leg
    legs[160:280, 104:120] = 255  # far leg
    legs[272:280, 96:102] = 255  # the feet, 2 px apart
    blob = select_person(legs, 60)
    assert blob is not None
    assert not blob.mask[165:270, 97:103].any()
    assert (blob.mask == legs).all()


def test_a_passer_by_parting_from_the_athlete_does_not_take_the_track():
    # While a bigger passer-by walked in front, the two were one blob: the track's box is their union,
    # and the passer-by (larger, overlapping more of it) wins on size and overlap alone. The athlete is
    # the blob standing where their feet were planted (the passer-by's feet are lower: nearer the camera).
    mask = np.zeros((240, 320), np.uint8)
    mask[40:200, 100:140] = 255  # athlete, feet at x ~120 on the floor line y = 200
    mask[20:236, 150:215] = 255  # passer-by in front, parting to the right
    union = (100, 20, 115, 216)
    blob = select_person(mask, 60, previous=union)
    assert blob is not None and blob.bbox[0] == 150  # what happened without the planted feet
    blob = select_person(mask, 60, previous=union, planted=(120.0, 200.0, 8.0))
    assert blob is not None and blob.bbox[0] == 100
    # Planted feet under no blob (the athlete walked off): size and overlap decide as before.
    blob = select_person(mask, 60, previous=union, planted=(20.0, 200.0, 8.0))
    assert blob is not None and blob.bbox[0] == 150


def test_annotate_draws_without_changing_the_input():
    sc = _scenario("left", kinds=("good",))
    est, out = _run(sc, "background", t_end=6.0)
    t, s, tr, d = out[-1]
    img = sc.render(t)
    before = img.copy()
    ann = annotate(img, s, d, verdict="rounded", rounding_deg=3.0, rep_count=2)
    assert np.array_equal(img, before)
    assert ann.shape == img.shape and np.count_nonzero(np.any(ann != img, axis=2)) > 500
    # The analyze overlay: free-text banner coloured by the verdict it names.
    red = draw_annotations(img, d, s, "rep 2: rounded")
    green = draw_annotations(img, d, s, "rep 3: good")
    assert np.array_equal(img, before)
    band = (slice(10, 20), slice(img.shape[1] - 20, img.shape[1] - 10))
    assert red[band][..., 2].mean() > 150 and green[band][..., 1].mean() > 150
    assert draw_annotations(img, None, None, None).shape == img.shape


def test_a_portrait_phone_video_shows_the_measures_whole_beside_the_banner():
    """A portrait phone video (360x640) is too narrow for the measures and the rep banner
    side by side: the lines go below the banner, none hidden under it, none cut at the edge."""
    img = np.full((640, 360, 3), 128, np.uint8)
    s = PostureSample(t=1.0, trunk_inclination_deg=52.0, back_bend_deg=26.0, knee_angle_deg=106.0, in_position=True)
    d = PostureDebug(t=1.0)
    d.wall_side, d.backend = "right", "mediapipe-pose"  # the longest line: "in position wall right [mediapipe-pose]"
    out = draw_annotations(img, d, s, "rep 8: rounded")
    changed = np.any(out != img, axis=2)
    red = (out[..., 2] > 150) & (out[..., 1] < 100)
    rows = np.flatnonzero(red.any(axis=1))
    top, bottom, left = rows.min(), rows.max(), np.flatnonzero(red.any(axis=0)).min()
    assert bottom < 80 and left > 8  # the banner, at the top right
    assert not changed[top:bottom + 1, :left - 2].any()  # no measure line beside (and under) it
    text_rows = np.flatnonzero(changed[:, :left - 2].any(axis=1))
    assert len(text_rows) and text_rows.min() > bottom  # the lines start below it
    assert not changed[bottom + 1:, -3:].any()  # and end inside the frame
    # A landscape camera frame keeps its lines beside the banner, as before.
    wide = np.full((480, 640, 3), 128, np.uint8)
    out = draw_annotations(wide, None, s, "rep 8: rounded")
    assert np.any(out[10:40, 8:100] != wide[10:40, 8:100])


def test_bad_frames_and_settings_get_clear_errors():
    with pytest.raises(ValueError, match="wall_side"):
        PostureEstimator(make_segmenter("background"), wall_side="north")
    with pytest.raises(SegmentationError, match="auto, background, selfie"):
        make_segmenter("magic")
    est = PostureEstimator(make_segmenter("background"))
    with pytest.raises(ValueError, match="BGR"):
        est.process(Frame(0, 0.0, np.zeros((10, 10), np.uint8)))


def test_learned_segmenter_finds_the_person_without_an_empty_frame():
    pytest.importorskip("mediapipe")
    sc = get_scenario("standing_start", 0, width=640, height=480, fps=10, n_reps=1)
    t_stand = 1.0
    seg = make_segmenter("selfie").segment(sc.render(t_stand))
    truth = sc.render_mask(t_stand) > 0
    got = seg.mask > 0
    iou = np.count_nonzero(got & truth) / np.count_nonzero(got | truth)
    # The learned mask is a 256 px model's, blobby at the edges: 0.76 on this person (a fitted shirt,
    # a kyphotic back, at start-up); a person not found at all would be far below.
    assert iou > 0.7


def test_auto_segmenter_starts_with_the_person_in_view_and_measures():
    """Station powered on with someone already standing there (no empty frame)."""
    pytest.importorskip("mediapipe")
    sc = get_scenario("standing_start", 0, width=320, height=240, fps=10, n_reps=1)
    t0 = 0.0
    assert sc.truth_at(t0).in_position
    est = PostureEstimator(make_segmenter("auto"))
    errs = []
    for i, t in enumerate(x for x in sc.frame_times() if x >= t0):
        tr = sc.truth_at(t)
        s = est.process(Frame(i, t, sc.render(t)))
        if tr.in_position and s.trunk_inclination_deg is not None and s.trunk_conf >= 0.5:
            errs.append(abs(s.trunk_inclination_deg - tr.trunk_inclination_deg))
    assert len(errs) > 30
    assert statistics.median(errs) < 3.0
    assert not math.isnan(statistics.median(errs))


def test_learned_mask_loads_without_native_chatter_on_stderr():
    """mediapipe's C++ start-up logs go to fd 2; the user must see only our messages."""
    pytest.importorskip("mediapipe")
    import subprocess
    import sys
    from pathlib import Path

    code = ("import numpy as np; from device.vision.segmentation import SelfieSegmenter; "
            "s = SelfieSegmenter(); s.segment(np.zeros((240, 320, 3), np.uint8)); "
            "import sys; print('ours', file=sys.stderr)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                       cwd=Path(__file__).resolve().parents[1])
    assert r.returncode == 0, r.stderr
    assert "XNNPACK" not in r.stderr and "inference_feedback_manager" not in r.stderr, r.stderr
    assert "ours" in r.stderr  # our own stderr still works afterwards



def test_closed_form_fits_give_polyfits_answer():
    """The closed-form line and parabola fits (used per frame for speed) are np.polyfit's least squares."""
    from device.vision.silhouette import line_fit, parabola_fit, robust_parabola

    rng = np.random.default_rng(7)
    for _ in range(300):
        n = int(rng.integers(3, 400))
        # Pixel-like coordinates: a short run far from the origin is the ill-conditioned case.
        x = rng.uniform(0, rng.uniform(2, 300), n) + rng.uniform(-700, 700)
        y = rng.normal(0, rng.uniform(0.1, 5), n) + rng.normal() * 0.01 * (x - x.mean()) ** 2 + rng.normal() * x
        for fit, deg in ((line_fit, 1), (parabola_fit, 2)):
            ref = np.polyfit(x, y, deg)
            # Compare the fitted curves over the data (coefficients of an offset x trade off).
            assert np.allclose(np.polyval(fit(x, y), x), np.polyval(ref, x), rtol=0, atol=1e-7 * (1 + np.ptp(y)))
        # Integer rows as the knee's axes pass them.
        ys = np.sort(rng.choice(400, size=max(n, 6), replace=False))
        mid = rng.normal(100, 3, len(ys))
        assert np.allclose(line_fit(ys, mid), np.polyfit(ys.astype(float), mid, 1), rtol=1e-9, atol=1e-9)
    with pytest.raises(ValueError):
        line_fit(np.ones(5), np.arange(5.0))
    with pytest.raises(ValueError):
        parabola_fit(np.ones(5), np.arange(5.0))
    # The robust fit (two passes sharing one basis) is the original two np.polyfit passes.
    def polyfit_robust(x, y):
        keep = np.ones(len(x), bool)
        for _ in range(2):
            coef = np.polyfit(x[keep], y[keep], 2)
            r = y - np.polyval(coef, x)
            keep = np.abs(r) <= max(2.5 * float(np.sqrt(np.mean(r[keep] ** 2))), 0.75)
        return coef, float(np.sqrt(np.mean((y[keep] - np.polyval(coef, x[keep])) ** 2)))

    for _ in range(200):
        n = int(rng.integers(8, 200))
        x = np.sort(rng.uniform(0, rng.uniform(20, 200), n))
        y = rng.uniform(-0.01, 0.01) * (x - x.mean()) ** 2 + rng.normal(0, 0.4, n)
        y[rng.choice(n, size=n // 10, replace=False)] += rng.uniform(-6, 6, n // 10)  # hands, folds
        (c, res), (c_ref, res_ref) = robust_parabola(x, y), polyfit_robust(x, y)
        assert np.allclose(np.polyval(c, x), np.polyval(c_ref, x), rtol=0, atol=1e-8)
        assert res == pytest.approx(res_ref, rel=1e-8)
    # The robust fit drops an outlier (an elbow on the back line) and recovers the curve.
    x = np.linspace(0, 100, 60)
    y = 0.002 * (x - 50) ** 2
    y[30] += 8.0
    coef, resid = robust_parabola(x, y)
    assert coef[0] == pytest.approx(0.002, rel=1e-6) and resid < 1e-6


def test_right_wall_measures_mirror_the_left_wall():
    """A right-wall frame is measured as the mirror image of the same frame with the wall on the left
    (the image is sampled at mirrored coordinates rather than flipped): same angles, mirrored points."""
    sc = _scenario("left", kinds=("rounded",), size=(640, 480), camera_noise=False)
    ts = [t for t in sc.frame_times() if sc.truth_at(t).in_position]
    H = None
    checked = 0
    for t in ts[:: max(1, len(ts) // 12)]:
        mask, img = sc.render_mask(t), sc.render(t)
        if H is None:
            ys = np.flatnonzero(mask.any(axis=1))
            H = float(ys[-1] - ys[0] + 1)
        a = measure_silhouette(mask, "left", H, image=img)
        b = measure_silhouette(np.ascontiguousarray(mask[:, ::-1]), "right", H,
                               image=np.ascontiguousarray(img[:, ::-1]))
        assert a is not None and b is not None and a.back_bend_deg is not None
        W = mask.shape[1]
        assert b.trunk_inclination_deg == pytest.approx(a.trunk_inclination_deg, abs=1e-6)  # forward lean, either way
        assert b.back_bend_deg == pytest.approx(a.back_bend_deg, abs=1e-4)
        assert b.edge_support == pytest.approx(a.edge_support)
        assert len(b.back_segment) == len(a.back_segment)
        assert np.allclose(b.back_segment[:, 0], W - 1 - a.back_segment[:, 0], atol=0.05)
        assert np.allclose(b.back_segment[:, 1], a.back_segment[:, 1], atol=0.05)
        checked += 1
    assert checked >= 8


def test_select_person_at_the_frame_edge_matches_the_whole_frame_computation():
    """Person selection works at full resolution only inside the chosen blob's box; at the frame's
    edges, with a hole and a split-off head, that must give exactly the whole-frame result."""
    import cv2

    mask = np.zeros((480, 640), np.uint8)
    cv2.ellipse(mask, (55, 310), (62, 185), 3, 0, 360, 255, -1)  # cut by the left and bottom edges
    mask[250:300, 30:75] = 0  # shirt matching the wall: a hole
    cv2.circle(mask, (47, 97), 23, 255, -1)  # head split off at the neck
    mask[100:400, 500:561] = 255  # a passer-by
    blob = select_person(mask, 100, previous=(0, 70, 125, 410), wall_side="left")
    assert blob is not None

    # The same steps over the whole frame (as before the speed-up): half-resolution blobs,
    # the person's ones back to full resolution, grown by a pixel, cut by the mask, holes filled.
    small = np.ascontiguousarray(mask[::2, ::2])
    _, labels, _, _ = cv2.connectedComponentsWithStats(small, connectivity=8)
    ids = [labels[310 // 2, 55 // 2], labels[97 // 2, 47 // 2]]
    sel = np.isin(labels, ids).astype(np.uint8) * 255
    sel = cv2.resize(sel, (640, 480), interpolation=cv2.INTER_NEAREST)
    sel = cv2.bitwise_and(cv2.dilate(sel, np.ones((3, 3), np.uint8)), mask)
    cs, _ = cv2.findContours(sel, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    expected = np.zeros_like(mask)
    cv2.drawContours(expected, cs, -1, 255, thickness=cv2.FILLED)

    assert np.array_equal(blob.mask, expected)
    assert blob.bbox == cv2.boundingRect(np.concatenate(cs)) and blob.area == cv2.countNonZero(expected)
    assert blob.mask[275, 50] == 255 and not blob.mask[:, 480:].any()  # hole filled, passer-by left out
    x, y, w, h = blob.bbox
    # Regions inside the box are views of the box-sized pixels; any region equals the frame mask's.
    for x0, y0, x1, y1 in ((x, y, x + w + 2, y + h + 2), (0, 0, 640, 480), (300, 10, 700, 500)):
        assert np.array_equal(blob.region(x0, y0, x1, y1), expected[y0:y1, x0:x1])
    canvas = np.zeros_like(mask)
    canvas[5, 600] = 9
    blob.paint(canvas)
    want = expected.copy()
    want[5, 600] |= 9  # painting ORs the person in, leaving other pixels alone
    assert np.array_equal(canvas, want)


@pytest.mark.parametrize("wall_side", ["left", "right"])
def test_a_bump_on_the_buttocks_does_not_move_the_hip(wall_side):
    """A learned mask joins the hinged buttocks to a dark switch on the wall behind them: with
    ``buttock_open`` the bump is not taken for the buttock (the hip and the trunk stay put); without
    it the trunk read several degrees too inclined. On a mask without a bump it changes nothing."""
    sc = _scenario(wall_side, kinds=("good",), size=(640, 480), camera_noise=False)
    ts = [t for t in sc.frame_times() if sc.truth_at(t).phase == "bottom"]
    t = ts[len(ts) // 2]
    mask = sc.render_mask(t)
    stand = sc.render_mask(next(u for u in sc.frame_times() if sc.truth_at(u).phase == "standing"))
    ys = np.flatnonzero(stand.any(axis=1))
    H = float(ys[-1] - ys[0] + 1)
    plain = measure_silhouette(mask, wall_side, H)
    assert plain is not None and plain.trunk_inclination_deg is not None
    same = measure_silhouette(mask, wall_side, H, buttock_open=0.05)
    assert same.trunk_inclination_deg == pytest.approx(plain.trunk_inclination_deg, abs=1e-9)
    # A switch-sized bump (0.025 H wide, 0.04 H tall) on the rearmost point of the buttocks.
    bx, by = (int(round(v)) for v in plain.buttock)
    bw, bh = int(0.025 * H), int(0.04 * H)
    bumped = mask.copy()
    if wall_side == "left":
        bumped[by - bh // 2 : by + bh // 2, bx - bw : bx + 2] = 255
    else:
        bumped[by - bh // 2 : by + bh // 2, bx - 1 : bx + bw + 1] = 255
    fooled = measure_silhouette(bumped, wall_side, H)
    assert abs(fooled.trunk_inclination_deg - plain.trunk_inclination_deg) > 2.0
    fixed = measure_silhouette(bumped, wall_side, H, buttock_open=0.05)
    assert abs(fixed.trunk_inclination_deg - plain.trunk_inclination_deg) < 1.0
    assert abs(fixed.hip[0] - plain.hip[0]) < 2.0 and abs(fixed.hip[1] - plain.hip[1]) < 2.0
    # The background model's floor on the bump's depth (buttock_bump_min 0.01 H) still removes this one
    # (it stands 0.025 H out) ...
    floored = measure_silhouette(bumped, wall_side, H, buttock_open=0.05, buttock_bump_min=0.01)
    assert floored.trunk_inclination_deg == pytest.approx(fixed.trunk_inclination_deg, abs=1e-9)
    # ... but leaves a rear's pixel-sized roughness (three pixels out, 0.009 H here) where it is, as without
    # the opening, where the opening alone shaves it off and moves the buttock
    small = mask.copy()
    if wall_side == "left":
        small[by - bh // 2 : by + bh // 2, bx - 3 : bx + 2] = 255
    else:
        small[by - bh // 2 : by + bh // 2, bx - 1 : bx + 4] = 255
    rough = measure_silhouette(small, wall_side, H)
    assert measure_silhouette(small, wall_side, H, buttock_open=0.05).buttock != rough.buttock
    kept = measure_silhouette(small, wall_side, H, buttock_open=0.05, buttock_bump_min=0.01)
    assert kept.buttock == rough.buttock and kept.trunk_inclination_deg == rough.trunk_inclination_deg


def test_heel_lift_is_believed_only_from_the_background_models_own_outline():
    # The learned mask's foot outline is as soft as the heel-lift line itself; the union of the two
    # masks (what AutoSegmenter hands over mid-set) contains that soft outline too, and reporting heel
    # lift from it at full confidence turned good reps into heel_lift when a set moved to it.
    from device.vision.estimator import EstimatorParams, heel_conf_factor
    from device.vision.segmentation import FUSED, PARTIAL

    from device.config import ThresholdsConfig

    p = EstimatorParams()
    assert heel_conf_factor("background", p) == 1.0
    for backend in ("selfie", PARTIAL, FUSED):
        # Below the engine's default min_conf even at full mask confidence: the heel reads unseen.
        assert heel_conf_factor(backend, p) == p.heel_conf_learned < ThresholdsConfig().min_conf


def test_a_fused_masks_heel_is_believed_where_its_feet_are_the_background_models_own():
    # Mid-set the background model is distrusted for a shirt the colour of the wall while it still sees
    # the legs and the feet (random scene 1606: blue trousers on a dark green floor); the fused mask's feet are
    # then its own outline, and heel lift read off them is believed (two heel lifts read `good` when it
    # was a hint). Where the fused feet are the learned mask's (a row short under the heel or the toe),
    # it stays a hint.
    from device.vision.estimator import _same_feet

    bg = _standing_mask(False)
    m = measure_silhouette(bg, "left", 430.0)
    assert m.heel is not None and m.toe is not None and m.heel[0] < m.toe[0]
    fused = bg.copy()
    fused[60:160, 125:140] = 255  # what only the learned mask saw: the shirt
    assert _same_feet(fused, bg, m, m.bbox)
    heel, toe = int(m.heel[0]), int(m.toe[0])
    q = (toe - heel + 1) // 4
    for cols in (slice(heel, heel + q), slice(toe - q + 1, toe + 1)):
        short = fused.copy()
        short[429:431, cols] = 0  # the learned mask's soft outline: a row or two short
        assert not _same_feet(short, bg, m, m.bbox)
    lost = bg.copy()
    lost[:, heel : heel + 2] = 0  # the fused mask has no heel where the background model has one
    assert not _same_feet(lost, bg, m, m.bbox)


def test_a_small_back_in_a_dim_room_is_measured_on_most_of_every_rep():
    """320x240, dim, JPEG 70, camera noise sigma 3.8 (as `lowres` seed 0, other people and rooms): the
    back is ~34 px long and its colour step lives in JPEG's half-resolution chroma, so the peak of a 1-px
    colour difference landed on noise; the bends scattered, the steadiness check doubted them, and one
    good rep of seed 6 had its back confident on 18 % of its frames (`unchecked`). The halfway crossing of
    the shirt's and the wall's colours holds every rep's back on at least 69 % of its frames here."""
    errs, seen = [], []
    for seed in (6, 7, 8):
        base = get_scenario("lowres", seed)
        style = replace(base.style, lighting="dim", jpeg_quality=70, noise_sigma=3.8)
        sc = get_scenario("lowres", seed, width=320, height=240, fps=10, kinds=["good", "rounded"], style=style,
                          body=replace(base.body, top="fitted"), yaw_deg=0.0)
        _, out = _run(sc)
        rows = [(tr.phase, tr.rep_index, s.back_bend_deg, s.back_conf, tr.rounding_deg)
                for _, s, tr, _ in out if tr.in_position and s.back_bend_deg is not None]
        stand = statistics.median(b for ph, _, b, c, _ in rows if ph == "standing" and c >= 0.5)
        errs += [abs(b - stand - rd) for _, rep, b, _, rd in rows if rep is not None]
        for rep in (0, 1):
            seen.append(float(np.mean([c >= 0.5 for _, r, _, c, _ in rows if r == rep])))
    # main: 0.18 (seed 6's good rep), pooled median rounding error 7.4 deg; this code: 0.73, 6.4.
    assert min(seen) >= 0.6, seen
    assert statistics.median(errs) < 7.0


def _parted_legs_mask(tilt_deg: float, far_short: int) -> np.ndarray:
    """Two straight legs (knees locked) parted in the picture: the near one upright to the floor, the far one
    turned forward by ``tilt_deg`` about the hip and ``far_short`` px shorter in the picture, its foot higher
    (a camera above the hips, or turned off the side view). Facing right, the floor at row 430."""
    m = np.zeros((460, 260), np.uint8)
    m[0:240, 60:135] = 255  # head and trunk
    cv2.fillConvexPoly(m, np.array([[80, 220], [98, 220], [97, 420], [82, 420]], np.int32), 255)  # near leg
    m[408:431, 78:150] = 255  # its foot
    a = math.radians(tilt_deg)
    dx, dy = math.sin(a), math.cos(a)
    cx, cy = 97.0, 220.0
    ex, ey = cx + (210 - far_short) * dx, cy + (210 - far_short) * dy
    nx, ny = 8.5 * dy, -8.5 * dx
    cv2.fillConvexPoly(m, np.array([[cx - nx, cy - ny], [cx + nx, cy + ny], [ex + nx, ey + ny], [ex - nx, ey - ny]],
                                   np.int32), 255)  # far leg
    cv2.fillConvexPoly(m, np.array([[ex - 15, ey - 12], [ex + 50, ey - 4], [ex + 50, ey + 8], [ex - 15, ey + 8]],
                                   np.int32), 255)  # its foot, forward
    return m


@pytest.mark.parametrize("tilt_deg", [4.0, 6.0, 8.0])
def test_locked_knees_on_parted_legs_read_locked(tilt_deg):
    # The knee's shin axis is fitted to the legs' midline over rows 0.11-0.25 of the height above the floor.
    # Where the far leg ends inside those rows, its lowest rows hold the near leg alone, whose midline lies
    # elsewhere: the axis leaned, and locked knees read 162-169 deg here (random scenes 1309 and 1201 turned
    # the other way: knee locks read `good`). Rows under half the band's usual width are left out.
    m = _parted_legs_mask(tilt_deg, 65)
    widths = [np.ptp(np.flatnonzero(m[y])) + 1 for y in range(323, 384)]
    assert min(widths) < 0.5 * np.median(widths)  # the band holds rows of the near leg alone
    r = measure_silhouette(m, "left", 430.0)
    assert r.knee_angle_deg is not None and r.knee_angle_deg > 178.0 and r.conf_knee > 0.9, \
        (r.knee_angle_deg, r.conf_knee)


def _standing_mask(split: bool, shin_lost: bool = False) -> np.ndarray:
    """A person standing, facing right (toes point right), as a 0/255 mask. ``split``: one foot ahead of
    the other, seen by a camera above the hips, so the far foot stands higher in the picture than the
    near one and the two shins are apart in the lower quarter of the body. ``shin_lost``: the near leg
    drops out of the mask for a few rows just above its shoe (dark trousers over a dark skirting line)."""
    m = np.zeros((440, 200), np.uint8)
    m[0:240, 50:125] = 255  # head and trunk
    if split:
        m[200:420, 40:76] = 255  # near leg ...
        m[408:431, 40:112] = 255  # ... and its foot, on the bottom row
        m[200:392, 86:121] = 255  # far leg, forward ...
        m[378:397, 86:156] = 255  # ... its foot higher in the picture
        if shin_lost:
            m[392:408, 40:76] = 0
    else:
        m[200:420, 60:105] = 255  # legs one behind the other
        m[408:431, 58:150] = 255  # the feet
    return m


@pytest.mark.parametrize("split, shin_lost", [(False, False), (True, False), (True, True)])
def test_the_feet_tell_the_facing_in_a_split_stance_seen_from_above(split, shin_lost):
    # A camera above the hips sees the far foot of a split stance higher up than the near one. Read
    # against both shins at once, the near foot's toes do not pass the forward shin, and the vote
    # pointed backwards: a random scene (1280x720, camera at 1.29 m) put the wall on the wrong side for
    # most of a set and every rep was measured on the person's front. With the near shin lost just above
    # its shoe, the near foot is a part of its own: it is read against the shin above it (random scene
    # 408, 1280x720 at 19 deg of yaw: before, every standing vote pointed backwards, -0.054).
    from device.vision.silhouette import facing_score

    m = _standing_mask(split, shin_lost)
    assert facing_score(m) > 0.03  # facing right: beyond the estimator's facing_min, so it is a vote
    assert facing_score(m[:, ::-1].copy()) < -0.03  # mirrored: facing left


def test_the_toe_is_read_on_the_floor_when_the_far_foot_dips_into_the_foot_rows():
    # A camera turned 20 deg off the side view (yaw seed 3) sees the feet side by side, the far one higher
    # in the picture; its toe dipped into the foot rows on some frames and not others, so the "toe"
    # jumped between the feet, the standing reference took one and the reps the other, and two good
    # reps read `heel_lift` (2.9 % of stature for a threshold of 1.2 %). The toe is now the forward end of
    # the foot rows' lower half: toes stay on the floor, whether the heel lifts or not.
    from device.config import Config

    th = Config().thresholds
    sc = get_scenario("yaw", 3, fps=30)  # (at 15 fps its frames happen to miss the far toe)
    good = next(r for r in sc.reps if r.verdict == "good")
    est = PostureEstimator(make_segmenter("auto"))
    lifted = n = 0
    for i, t in enumerate(sc.frame_times()):
        if t > good.end_s:
            break
        s = est.process(Frame(i, t, sc.render(t)))
        if good.start_s <= t and s.heel_lift is not None and s.heel_conf >= th.min_conf:
            n += 1
            lifted += s.heel_lift > th.heel_lift
    assert n >= 60
    assert lifted <= 0.1 * n, f"{lifted} of {n} frames of good reps read a lifted heel"


def test_a_knee_is_measured_where_the_legs_midline_jumps_for_a_few_rows():
    # Random scene 419 (320x240, yaw 12 deg): for a few rows the legs' midline in the segmented mask
    # jumps off the rest (in scene 400 one leg is lost against the floor just above the shoes). The
    # least-squares shin and thigh lines bent into those rows and their residual put the knee's
    # confidence near 0 on every frame, so the knee was never
    # measured (and a knee the camera cannot measure fails no rep: its knee locks read `good`). Rows
    # off a robust line are set aside now (silhouette._robust_midline).
    from device.config import Config
    from device.sim.scenarios import random_scenario
    from device.station import make_estimator

    sc = random_scenario(419, n_reps=8, fps=15)
    est = make_estimator(Config())
    seen, errors, hinged = 0, [], 0
    for i, t in enumerate(sc.frame_times()):
        if t > 9.0:
            break
        s = est.process(Frame(i, t, sc.render(t)))
        tr = sc.truth_at(t)
        if t < 7.0 or tr.phase not in ("down", "bottom") or not s.in_position:
            continue
        hinged += 1
        if s.knee_angle_deg is not None and s.knee_conf >= 0.5:
            seen += 1
            errors.append(abs(s.knee_angle_deg - tr.knee_angle_deg))
    assert hinged >= 20
    assert seen >= 0.8 * hinged, (seen, hinged)
    assert statistics.median(errors) <= 3.0, errors


def test_a_back_the_background_model_loses_only_when_hinged_is_measured_on_the_second_opinion():
    # Random scene 201 with the camera turned the other way round (yaw -15 deg): a white hoodie is seen
    # against the back wall standing, and its upper back sweeps in front of the contact wall's sunlit
    # face, the same white, as the person hinges. The background model loses the back there (its
    # "back" bends 90-180 deg) while the learned model's check every 30 frames still agrees (the back is
    # a tenth of the person), so 7 of the 8 reps were `unchecked`. A broken back now asks the segmenter
    # for its second opinion on that frame (the background mask fused with the learned one), on the
    # fused mask's own standing scale. Neutral reps: the backs must be seen, and read about neutral.
    from device.config import Config
    from device.sim.scenarios import random_scenario
    from device.station import make_estimator

    sc = random_scenario(201, n_reps=8, fps=15, negative_yaw=True)
    est = make_estimator(Config())
    standing: list[float] = []
    hinged, rounding = 0, []
    for i, t in enumerate(sc.frame_times()):
        if t > 16.0:  # the first two reps, both neutral
            break
        s = est.process(Frame(i, t, sc.render(t)))
        tr = sc.truth_at(t)
        if not s.in_position:
            continue
        if tr.phase == "standing" and s.back_bend_deg is not None and s.back_conf >= 0.5:
            standing.append(s.back_bend_deg)
        if tr.trunk_inclination_deg is not None and tr.trunk_inclination_deg >= 35.0:
            hinged += 1
            if s.back_bend_deg is not None and s.back_conf >= 0.5:
                rounding.append(s.back_bend_deg - tr.rounding_deg)
    assert hinged >= 30 and len(standing) >= 30
    assert len(rounding) >= 0.5 * hinged, f"the back was seen on {len(rounding)} of {hinged} hinged frames"
    assert est.opinions_used >= 10
    base = statistics.median(standing)
    assert abs(statistics.median(rounding) - base) <= 4.0, (base, rounding)


def test_a_person_standing_still_is_in_position_though_a_shoe_comes_and_goes_in_the_mask():
    """Built-in `walk_in_out` seed 18: black shoes on a dark green floor. The background model keeps the
    near shoe in some frames and loses it in others, so the mask's lowest rows hold one shoe, the other
    or a fragment, and their centre jumped by up to 0.09 H from frame to frame while the person stood
    still. Read there, "still" failed for seconds on end: the person never counted as in position, no
    standing back was read, and four reps had no reference (`unchecked`). The stance is read over the
    shins and feet together (``still_band``), which one shoe's coming and going hardly moves."""
    sc = get_scenario("walk_in_out", 18, fps=10, kinds=["good"])
    est, out = _run(sc, backend="auto")
    standing = [(s, d) for t, s, tr, d in out
                if tr.phase == "standing" and tr.in_position and t >= 9.0 and d.person is not None]
    assert len(standing) >= 10
    # The scene is what the test is about: the mask's lowest rows move while the person stands still.
    bottoms = [d.person.bbox[1] + d.person.bbox[3] for _, d in standing]
    H = standing[-1][1].standing_height_px
    assert max(bottoms) - min(bottoms) >= 0.04 * H, (bottoms, H)
    # Read over the lowest rows alone: in position on 1 of these 21 frames (10 fps); now on all 21.
    assert np.mean([s.in_position for s, _ in standing]) >= 0.8, [s.in_position for s, _ in standing]
