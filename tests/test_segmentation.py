"""The station's segmenter over time: a camouflaged person, and a camera knocked aside and put back.

Frames come from the synthetic athlete (device.sim) through real OpenCV and the real learned
mask (mediapipe); what is asserted is what the rep engine needs: the back is measured while
the person is there, and the empty scene learned before a disturbance is not thrown away.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from device.config import Config
from device.io.frames import Frame
from device.sim.scene import Lens
from device.sim.scenarios import get_scenario
from device.vision import PostureEstimator, SegmenterMode, make_segmenter

pytest.importorskip("mediapipe")

MIN_CONF = Config().thresholds.min_conf


@pytest.mark.xfail(strict=True, reason=(
    "since the athlete varies, passerby seed 0 wears a white hoodie on a white wall in bright light (both "
    "read about 218 of 255): at the bottom of each hinge the learned mask loses the same back, one check "
    "finds the two masks agreeing, and 118 of 302 frames in position go back to the background model, "
    "which sees no trunk there; trusting it again only after two agreeing checks stops that, but the "
    "learned mask's outline of the hoodie is notched at the waist and the hood, so the back stays mostly "
    "unseen (3 confident frames), and that rule cost verdicts in other scenes (docs/station-vision.md, round 17)"))
def test_a_shirt_the_colour_of_the_wall_is_never_handed_back_to_the_model_that_cannot_see_it():
    """passerby (seed 0): a light-grey shirt on a light-grey wall. The background model loses
    the back; once a check shows that, the learned mask must cover for as long as the person
    stays (a set outlasts any timer), and the back must be measured, not guessed."""
    sc = get_scenario("passerby", 0, width=640, height=480, fps=15)
    seg = make_segmenter("auto")
    est = PostureEstimator(seg)
    distrusted_at = None
    after, background_after, errs = 0, 0, []
    for i, t in enumerate(sc.frame_times()):
        if t > 28.0:
            break
        s = est.process(Frame(i, t, sc.render(t)))
        tr = sc.truth_at(t)
        if distrusted_at is None and seg.state.mode is SegmenterMode.DISTRUSTED:
            distrusted_at = t
        if distrusted_at is None or not tr.in_position:
            continue
        after += 1
        background_after += seg.state.backend == "background"
        if tr.passersby_in_view == 0 and s.back_bend_deg is not None and s.back_conf >= MIN_CONF:
            errs.append(s.back_bend_deg - tr.image_back_bend_deg)
    assert distrusted_at is not None and distrusted_at < sc.reps[0].start_s, \
        "the camouflage was not noticed while standing"
    assert after > 200 and background_after == 0, f"{background_after}/{after} frames from the background model"
    # Rounding is the bend relative to the person's own standing shape: a constant offset
    # between measured and drawn bend cancels; what must be small is the error around it.
    d = np.array(errs)
    # Per frame the camouflaged back is noisy (the learned mask's edge is a 256 px model's,
    # upsampled; measured: median deviation 3.9 deg, p90 11 deg); the rep engine needs a
    # fault to last 0.15 s, and the scenario test checks the verdicts. Here: typical frames
    # well inside the 10 deg rounding threshold, and no wild outlines.
    dev = np.abs(d - np.median(d))
    assert len(d) > 100 and float(np.median(dev)) < 5.0 and float(np.percentile(dev, 90)) < 15.0, \
        (np.median(dev), np.percentile(dev, 90))


def _back_offset_and_iou(sc, t: float, mask: np.ndarray) -> tuple[float, float]:
    """p90 of how far (px) the mask's rear edge lies from the drawn back's, over the back's rows, and
    the mask's intersection over union with the drawn person."""
    tr = sc.truth_at(t)
    truth, m = sc.render_mask(t) > 0, mask > 0
    right = sc.wall_side == "right"
    d = []
    for y in sorted({int(round(p[1])) for p in tr.back_arc_px}):
        xt, xm = np.flatnonzero(truth[y]), np.flatnonzero(m[y])
        if len(xt):
            d.append(30 if not len(xm) else (xm.max() - xt.max() if right else xt.min() - xm.min()))
    return float(np.percentile(np.abs(d), 90)), float(np.count_nonzero(m & truth) / np.count_nonzero(m | truth))


@pytest.mark.parametrize("name,seed,times,without", [
    # A wall-coloured shirt, 2.9 m away: on the whole frame squeezed to 256x256 the model found only the
    # head, the ball and the feet (IoU 0.15, the back 45-52 px off): the crop around the person.
    ("camouflage", 2, (1.0, 2.1, 8.4), {"crop": False}),
    # A dim room (mean brightness 51): the whole-frame outline bulged 17 px behind the back.
    ("standing_start", 2, (1.0, 2.0, 7.5), {"crop": False, "exposure_target": 0}),
])
def test_the_learned_mask_outlines_a_standing_person_in_a_wall_coloured_shirt_or_a_dim_room(name, seed, times, without):
    from device.vision.segmentation import SelfieSegmenter

    sc = get_scenario(name, seed, fps=15)
    now, before = SelfieSegmenter(), SelfieSegmenter(**without)
    for t in times:
        img = sc.render(t)
        off, iou = _back_offset_and_iou(sc, t, now.segment(img).mask)
        off0, _ = _back_offset_and_iou(sc, t, before.segment(img).mask)
        assert off <= 4.0 and iou >= 0.85, (t, off, iou)
        assert off0 >= 10.0, (t, off0)  # the failure this guards against is still there without the fix


def test_the_learned_mask_outlines_a_hinged_person_near_the_side_of_the_picture():
    # camouflage seed 2, hinged, a shirt the colour of the wall, 40 px from the left edge of the frame: the
    # crop around them was cut to the frame (288 x 351 px) and squeezed onto the model's square input, and
    # the model lost the rear of the trunk (the back 20-30 px inside; IoU 0.72-0.84, a rep unchecked at
    # 15 fps). A crop that cutting would shorten by more than 12.5 % now stays square beyond the frame's
    # edge (edge pixels repeated); one cut by less is cut as before (test_scenarios' `yaw` at 15 fps).
    from device.vision.segmentation import SelfieSegmenter

    sc = get_scenario("camouflage", 2, fps=15)
    for t in (10.53, 11.4):
        seg = SelfieSegmenter()
        off, iou = _back_offset_and_iou(sc, t, seg.segment(sc.render(t)).mask)
        assert seg._last_box is not None and seg._last_box[0] < 0  # the crop reaches beyond the frame
        assert off <= 4.0 and iou >= 0.87, (t, off, iou)


@pytest.mark.parametrize("name,seed", [("camouflage", 0), ("standing_start", 1)])
def test_the_learned_mask_finds_all_of_someone_standing_in_a_16_9_picture(name, seed):
    # At 1280x720, squeezed onto the model's square input, the whole-frame pass found `camouflage` seed 0's
    # person only down to the knees (rows 122-425 of 123-660) and `standing_start` seed 1's (in a gym, near
    # the picture's edge) only to the chest; the square crop around what it found cut the rest off, and
    # the standing height, the trunk and the back's window followed (the standing back read 35-47 deg of
    # bend, every rep's rounding -15..-37), or the empty scene was learned with the person in it. A frame
    # wider than 4:3 is now looked at in squares of its height.
    from device.vision.segmentation import SelfieSegmenter

    sc = get_scenario(name, seed, width=1280, height=720, fps=15)
    for t in (2.0, 8.0):
        truth = sc.render_mask(t) > 0
        feet = int(np.flatnonzero(truth.any(axis=1)).max())
        img = sc.render(t)
        for seg, fixed in ((SelfieSegmenter(), True), (SelfieSegmenter(tile_wide=False), False)):
            m = seg.segment(img).mask > 0
            bottom = int(np.flatnonzero(m.any(axis=1)).max())
            iou = np.count_nonzero(m & truth) / np.count_nonzero(m | truth)
            if fixed:
                assert feet - bottom <= 0.03 * 720 and iou >= 0.85, (t, feet, bottom, iou)
            else:  # the failure this guards against is still there without the squares
                assert feet - bottom >= 0.15 * 720 and iou <= 0.7, (t, feet, bottom, iou)


def test_a_wide_frames_squares_take_nothing_shorter_than_a_person_for_one():
    # Random scene 408 at 1280x720: in a square of the frame's height the model takes a weight plate hanging
    # on the wall for a person. On the checks that blob counted as part of the person the background model
    # "missed", and it was distrusted for the whole set.
    from device.sim.scenarios import random_scenario
    from device.vision.segmentation import SelfieSegmenter

    sc = random_scenario(408, n_reps=8, fps=15.0)
    t = 5.93  # standing at the wall, the plate in view far to their right
    img, truth = sc.render(t), sc.render_mask(t) > 0
    far = np.zeros(truth.shape, bool)
    far[:, int(np.nonzero(truth)[1].max()) + 200 :] = True  # well away from the person
    now = SelfieSegmenter().segment(img).mask > 0
    before = SelfieSegmenter(tile_min_height=0.0).segment(img).mask > 0
    assert np.count_nonzero(before & far) > 500  # the plate, kept as it was
    assert np.count_nonzero(now & far) == 0
    assert np.count_nonzero(now & truth) / np.count_nonzero(now | truth) >= 0.8


def _upper_iou(sc, t: float, mask: np.ndarray) -> float:
    """IoU with the exact silhouette over the upper 45 % of the person's rows (head, shoulders, trunk)."""
    truth = sc.render_mask(t) > 0
    ys = np.flatnonzero(truth.any(axis=1))
    top = int(ys[0] + 0.45 * (ys[-1] - ys[0]))
    m, tr = mask[:top] > 0, truth[:top]
    return float(np.count_nonzero(m & tr) / np.count_nonzero(m | tr))


def test_a_hinged_trunk_the_learned_mask_lost_is_outlined_on_the_crop_turned_upright():
    # standing_start seed 5 (a pink top on a pink wall, nobody ever out of view: the learned mask alone)
    # at the bottom of its rounded rep, trunk 48 deg over, the head to the left: the model, made for
    # upright people, kept only part of the trunk (upper IoU 0.54-0.66), and the rep read 6.4 deg, good.
    # Told the lean, it outlines the crop turned so the trunk stands up, and keeps that outline.
    from device.vision.segmentation import SelfieSegmenter

    sc = get_scenario("standing_start", 5)
    assert sc.camera.wall_side == "right"
    for t in (32.0, 32.5):
        img, lean = sc.render(t), -sc.truth_at(t).image_trunk_inclination_deg
        assert lean < -45
        plain, told = SelfieSegmenter(), SelfieSegmenter()
        before = _upper_iou(sc, t, plain.segment(img).mask)
        after = _upper_iou(sc, t, told.segment(img, lean=lean).mask)
        assert before < 0.7, before  # the failure this guards against is still there without the lean
        assert after >= 0.85 and told.turned == 1, (after, told.turned)
        # Turned the wrong way the trunk lies flat: no better outline, and it is not taken.
        wrong = SelfieSegmenter()
        assert _upper_iou(sc, t, wrong.segment(img, lean=-lean).mask) < 0.75


def test_a_whole_outline_is_kept_as_it_is_whatever_the_lean():
    # The same scene earlier in the set (lean 44 deg): the first outline is whole, and the turned one,
    # coarser (its crop is padded to keep the corners), does not replace it. Under turn_min_deg the
    # model is not run turned at all.
    from device.vision.segmentation import SelfieSegmenter

    sc = get_scenario("standing_start", 5)
    t = 26.7
    img, lean = sc.render(t), -sc.truth_at(t).image_trunk_inclination_deg
    plain, told, shallow = SelfieSegmenter(), SelfieSegmenter(), SelfieSegmenter()
    first = plain.segment(img).mask
    assert _upper_iou(sc, t, first) >= 0.9
    assert np.array_equal(told.segment(img, lean=lean).mask, first) and told.turned == 0
    calls = []
    model = shallow._model
    shallow._model = lambda rgb: calls.append(rgb.shape) or model(rgb)
    assert np.array_equal(shallow.segment(img, lean=-30.0).mask, first)
    assert len(calls) == 2  # the whole frame and the crop, nothing turned


def test_the_learned_mask_stays_on_the_person_when_a_passer_by_comes_into_view():
    # camouflage seed 2's rounded rep: a passer-by walks in behind, larger in the picture. The crop went to
    # the largest blob plus the last box, so it held both people and the model outlined the passer-by and
    # lost the hinged person (IoU 0.09-0.21; the trunk read 5-8 deg at a true 36). It follows the person
    # it was on now.
    from device.vision.segmentation import SelfieSegmenter

    sc = get_scenario("camouflage", 2, fps=15)
    seg = SelfieSegmenter()
    ious = []
    for t in (15.0, 15.3, 15.6, 15.9, 16.2):
        tr = sc.truth_at(t)
        assert tr.passersby_in_view == 1
        x0, y0, x1, y1 = tr.bbox  # the person's own box: the passer-by is found too, elsewhere
        m, truth = seg.segment(sc.render(t)).mask[y0:y1, x0:x1] > 0, sc.render_mask(t)[y0:y1, x0:x1] > 0
        ious.append(round(np.count_nonzero(m & truth) / np.count_nonzero(m | truth), 2))
    assert min(ious[1:]) >= 0.5, ious


def test_a_dim_frame_is_brightened_for_the_learned_model():
    # standing_start seed 2 on the whole frame (no crop): brightened to a mean of 120 before the
    # model, the back's outline is 3-4 px off instead of 17.
    from device.vision.segmentation import SelfieSegmenter

    sc = get_scenario("standing_start", 2, fps=15)
    img = sc.render(1.0)
    assert float(img.mean()) < 60
    off, _ = _back_offset_and_iou(sc, 1.0, SelfieSegmenter(crop=False).segment(img).mask)
    off0, _ = _back_offset_and_iou(sc, 1.0, SelfieSegmenter(crop=False, exposure_target=0).segment(img).mask)
    assert off <= 5.0 and off0 >= 10.0, (off, off0)


def test_camera_put_back_after_a_knock_uses_the_room_it_learned_before():
    """A camera knocked aside long enough to relearn, then put back: the empty scene learned
    before the knock fits again at once, so the person is measured with no relearning gap."""
    sc = get_scenario("blind", 0, width=320, height=240, fps=15)
    # Without the side light this seed has: with it, the knocked view (a plain wall) differs from the
    # room by too little to be relearned at all, and there is nothing to remember.
    sc.style = replace(sc.style, uneven=0.0)
    sc.lens = Lens(sc.width, sc.height, sc.style, sc.seed)
    sc._bg.clear()
    knock = max((b for b in sc.blinds if b.kind == "knocked"), key=lambda b: b.t1 - b.t0)
    # Longer than the 60 frames (4 s at 15 fps) after which the background model is relearned.
    assert (knock.t1 - knock.t0) * 15 > 60 + 5
    seg = make_segmenter("auto")
    est = PostureEstimator(seg)
    back_at = None
    for i, t in enumerate(sc.frame_times()):
        if t > knock.t1 + 2.0:
            break
        s = est.process(Frame(i, t, sc.render(t)))
        if t >= knock.t1 and back_at is None and seg.state.backend == "background" and s.trunk_conf >= MIN_CONF:
            back_at = t
    assert seg.recalled >= 1
    assert back_at is not None and back_at - knock.t1 < 0.5, back_at


# A strict xfail from round 5 to round 15: this seed's back is kyphotic, and the fit started on the middle of
# the back dropped one end or the other of it; just before round 15's fit the background model's standing back
# spread by 0.45 deg against the learned mask's 0.63 (this test asks for under 0.7 of it). Fitted whole from
# the first fit (BodyModel.fit_core, round 15) it spreads by 0.23.
def test_someone_in_view_from_power_on_gets_the_background_models_outline_before_leaving():
    """standing_start: nobody ever leaves the picture, so the empty scene is never seen whole. Once it
    is known everywhere but under the person (they stood, then hinged), their mask is the background
    model's, with the learned one only where the scene is still unknown (their legs): the back it
    outlines holds still while they stand, where the learned mask's (a 256 px model, upsampled) wanders."""
    from device.vision.segmentation import PARTIAL

    sc = get_scenario("standing_start", 0, width=640, height=480, fps=15)
    seg = make_segmenter("auto")
    est = PostureEstimator(seg)
    backs: dict[str, list[float]] = {PARTIAL: [], "selfie": []}
    for i, t in enumerate(sc.frame_times()):
        if t > 18.0:  # three reps
            break
        s = est.process(Frame(i, t, sc.render(t)))
        tr = sc.truth_at(t)
        backend = seg.state.backend
        if tr.in_position and tr.phase == "standing" and backend in backs and s.back_bend_deg is not None \
                and s.back_conf >= MIN_CONF:
            backs[backend].append(s.back_bend_deg - tr.image_back_bend_deg)
    assert seg.state.mode is SegmenterMode.LEARNING  # the scene is still not known whole ...
    assert len(backs[PARTIAL]) >= 8, {k: len(v) for k, v in backs.items()}  # ... yet the background model outlines them

    def spread(v: list[float]) -> float:
        return float(np.median(np.abs(np.array(v) - np.median(v))))

    assert spread(backs[PARTIAL]) < 0.7 * spread(backs["selfie"]), {k: (len(v), spread(v)) for k, v in backs.items()}


def test_a_small_person_in_view_at_power_on_is_not_learned_as_part_of_the_room():
    """standing_start seed 32: a backlit person about 200 px tall at the left edge of a 640x480 frame,
    standing at the wall when the station starts. The learned model, shown the whole frame squeezed onto
    its square input, finds nobody (probability 0.000 everywhere), so the empty scene was learned with the
    person in it: the background model was ready on the fifth frame, saw nobody while they stood, and every
    rep of the set was `unchecked`. While the scene is being learned, a frame where it finds nobody is
    looked at again in squares of its height, where the same person is found whole."""
    sc = get_scenario("standing_start", 32)
    seg = make_segmenter("auto")
    est = PostureEstimator(seg)
    in_pos = 0
    frames = [t for t in sc.frame_times() if t < 1.5]  # standing, before the first rep
    for i, t in enumerate(frames):
        assert sc.truth_at(t).phase == "standing" and sc.truth_at(t).in_position
        s = est.process(Frame(i, t, sc.render(t)))
        in_pos += s.in_position
    assert seg.learned.looked_closer > 0
    assert seg.state.mode is SegmenterMode.LEARNING  # the part of the room behind them is not taken as known
    assert in_pos >= 0.6 * len(frames), (in_pos, len(frames))


def test_a_mask_source_that_takes_over_mid_rep_is_put_on_the_scale_of_the_one_before():
    # blind seed 1 (the scene relearned mid-rep after the camera was knocked: background -> learned mask)
    # and camouflage seed 1 (the background model trusted for the back mid-rep: learned -> partial): the
    # new source had never been seen standing, so its bends kept confidence 0.3 for the rest of the rep
    # and the rep was unchecked. Its scale now comes from the hand-over. The bends here are what the
    # estimator gets from each source (``_same_scale``); source B outlines the same back 5 deg rounder.
    est = PostureEstimator(make_segmenter("background"))
    dt, t = 1 / 30, 0.0
    for _ in range(10):  # standing on source A: its scale is the reference
        t += dt
        assert est._same_scale("A", 2.0, 1.0, True, t) == (2.0, 1.0)
    back = 2.0
    for _ in range(15):  # a rounding descent on A, 0.3 deg a frame
        t += dt
        back += 0.3
        est._same_scale("A", back, 1.0, False, t)
    got = []
    for _ in range(15):  # B takes over mid-rep, never seen standing
        t += dt
        back += 0.3
        got.append(est._same_scale("B", back + 5.0, 1.0, False, t))
    assert all(c < MIN_CONF for _, c in got[:2]), got  # its first bends, before the hand-over is known
    for k, (b, c) in enumerate(got[2:], start=2):
        assert c >= MIN_CONF, got
        assert abs(b - (back - 0.3 * (14 - k))) <= 1.5, (k, b, got)  # on A's scale, within 1.5 deg
    # Once B is seen standing its own standing scale is used (here 4 deg rounder than A's standing).
    for _ in range(10):
        t += dt
        est._same_scale("B", 6.0, 1.0, True, t)
    assert est._same_scale("B", 20.0, 1.0, False, t + dt) == (16.0, 1.0)
    # A source that appears with nothing measured just before it has no hand-over: it stays doubted.
    t += 2.0
    assert all(est._same_scale("C", 7.0, 1.0, False, t + i * dt)[1] < MIN_CONF for i in range(10))


def test_the_estimator_tells_the_learned_mask_the_lean_and_the_back_lost_at_the_bottom_is_seen():
    # standing_start seed 5 again, the learned mask alone, through the whole estimator: at the bottom of a
    # rep (31.9-32.6 s, trunk 46-48 deg) the first outline lost the back on every frame. With the lean of
    # the frame before passed to the segmenter (head to the left: a wall on the right), the back is seen
    # on most of them, near the drawn bend.
    sc = get_scenario("standing_start", 5, fps=15)
    results = {}
    for turn in (True, False):
        cfg = Config()
        cfg.camera.wall_side = sc.camera.wall_side
        seg = make_segmenter("auto")
        if not turn:
            seg.learned.turn_min_deg = 999.0  # as before: never turned
        est = PostureEstimator.from_config(cfg.camera, cfg.thresholds, segmenter=seg)
        seen = []
        for i, t in enumerate(sc.frame_times()):
            if not 30.0 <= t <= 32.6:
                continue
            s = est.process(Frame(i, t, sc.render(t)))
            if t >= 31.9 and s.back_bend_deg is not None and s.back_conf >= MIN_CONF:
                seen.append(s.back_bend_deg - sc.truth_at(t).back_bend_deg)
        results[turn] = (seen, seg.learned.turned)
    (seen, turned), (seen_before, _) = results[True], results[False]
    assert len(seen_before) <= 2, seen_before
    assert turned > 0 and len(seen) >= 6 and max(abs(e) for e in seen) <= 6.0, results


def test_a_light_that_flickers_every_third_frame_is_learned_at_its_mean_everywhere():
    # Lights on 50 Hz mains flicker at 100 Hz, which a camera at 15 (or 30) fps sees as a brightness
    # wobble repeating every third frame. Learning one frame in three, the model always learned the
    # same phase: the scene went to that frame's brightness (9 % dark here), while pixels under a
    # person kept the mean they were first learned at. The exposure gain matches the model to each
    # frame as a whole, so those pixels were left 9 % off: in random scene 329 (9 % flicker) a
    # speckled ghost beside the legs once the person moved, which the fused mask kept as the person.
    # Each frame is now learned at the mean brightness of the last six.
    import math

    import cv2

    from device.vision.segmentation import BackgroundModel

    rng = np.random.default_rng(7)
    scene = cv2.GaussianBlur(rng.uniform(90, 200, (240, 320, 3)).astype(np.float32), (0, 0), 6)

    def frame(i: int) -> np.ndarray:  # 15 fps; the darkest phase on frames 0, 3, 6, ...
        g = 1.0 + 0.09 * math.sin(2 * math.pi * 100.0 * i / 15.0 - math.pi / 2)
        return np.clip(scene * g + rng.normal(0, 2.0, scene.shape), 0, 255).astype(np.uint8)

    person = np.zeros((240, 320), np.uint8)
    person[60:220, 140:180] = 255  # someone standing there once the scene is known
    model = BackgroundModel()
    i = 0
    while not model.ready:  # the empty scene, learned from every frame
        img = frame(i)
        if model.segment(img) is None:
            model.learn(img)
        else:
            model.feedback(None)
        i += 1
    for _ in range(300):  # 20 s: learned everywhere but under the person
        model.segment(frame(i))
        model.feedback(person)
        i += 1
    under = float(np.mean(model._bg[75:205, 150:170] / scene[75:205, 150:170]))
    around = float(np.mean(model._bg[75:205, 20:100] / scene[75:205, 20:100]))
    assert abs(around - 1.0) < 0.02, around  # the mean of the wobble, not its dark phase (0.91 before)
    assert abs(under - around) < 0.02, (under, around)


def test_a_lasting_change_of_light_is_followed_without_false_foreground():
    # The other side of learning a flickering scene at its mean: a light switched on for good (20 %
    # brighter) must still be learned, and never read as a person meanwhile. (A slow average of the
    # gain, tried first, lagged the model it is measured against: once the model had caught up, frames
    # were learned too bright and 2 % of the empty scene read as foreground for several seconds.)
    import cv2

    from device.vision.segmentation import BackgroundModel

    rng = np.random.default_rng(3)
    scene = cv2.GaussianBlur(rng.uniform(90, 180, (240, 320, 3)).astype(np.float32), (0, 0), 6)

    def frame(g: float) -> np.ndarray:
        return np.clip(scene * g + rng.normal(0, 2.0, scene.shape), 0, 255).astype(np.uint8)

    model = BackgroundModel()
    while not model.ready:
        img = frame(1.0)
        if model.segment(img) is None:
            model.learn(img)
        else:
            model.feedback(None)
    for _ in range(150):
        model.segment(frame(1.0))
        model.feedback(None)
    worst = 0.0
    for _ in range(450):  # 30 s at 15 fps after the light came on
        seg = model.segment(frame(1.2))
        model.feedback(None)
        worst = max(worst, float(np.mean(seg.mask > 0)))
    assert worst < 0.002, worst
    assert abs(float(np.mean(model._bg / scene)) - 1.2) < 0.02  # learned
