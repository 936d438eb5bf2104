"""A passer-by elsewhere in the picture must not change where the background model finds the person's feet.

The background model keeps "shadow-like" pixels (darker, same hue) as shadow only near the bottom of a
figure: above its lowest 15 % they are far more often a grey shirt on a white wall. That bottom is worked
out over every figure at once, so a passer-by walking close to the camera, whose feet reach the frame's
bottom, moves the person's bottom down to theirs: the shadow a raised heel casts on the floor becomes part
of the person, the heel reads level with the toe, and a heel lift reads `good` (random scene 1601,
docs/station-vision.md round 53).

A known failure, kept as a strict xfail: clearing each figure's columns above its own lowest part fixed this
frame, but on the built-in `passerby` seed 2 it left a hinged person's shins as shadow while a passer-by crossed
in front, the feet came apart from the body, the track followed the passer-by, and a good rep read `unchecked`
(and two random scenes lost a verdict each); it was not kept.
"""
import copy

import cv2
import numpy as np
import pytest

# Only the two behaviour tests are expected to fail: an xfail also swallows errors in the fixture, so the
# scene's own preconditions are checked by a test that is not marked.
KNOWN = pytest.mark.xfail(strict=True, reason=(
    "a passer-by whose feet reach the frame's bottom moves the bottom the background model keeps shadow "
    "below, for the person too: a raised heel's floor shadow joins the heel (random 1601); the per-figure "
    "fix tried in round 53 cost the built-in passerby seed 2 a rep, and was not kept"))


@pytest.fixture(scope="module")
def masks():
    from device.sim.scenarios import random_scenario
    from device.vision.segmentation import BackgroundModel

    sc = random_scenario(1601, n_reps=8, fps=15)  # 640x480, a dim room; a passer-by walks past in front
    t = 19.6 + 1 / 15  # the bottom of its heel lift (drawn 0.030 of the standing height)
    assert sc.truth_at(t).phase != "absent" and sc.truth_at(0.0).phase == "absent"
    assert any(p.t0 <= t < p.t1 for p in sc.passers)
    alone = copy.copy(sc)
    alone.passers = []  # the same scene, frame and noise, without the passer-by

    def segment(scene):
        model = BackgroundModel()
        for k in range(8):  # the empty room, before the person walks in
            model.learn(scene.render(0.1 * k))
        assert model.ready
        return model.segment(scene.render(t)).mask > 0

    person = sc.render_mask(t) > 127
    return segment(sc), segment(alone), person


def _feet_band(person: np.ndarray) -> np.ndarray:
    rows = np.flatnonzero(person.any(axis=1))
    top, low = int(rows[0]), int(rows[-1])
    near = cv2.dilate(person.view(np.uint8), np.ones((21, 21), np.uint8)) > 0
    near[: int(low - 0.08 * (low - top))] = False  # the feet and the floor around them
    return near


def test_the_scene_has_the_passer_by_in_view_and_the_person_whole(masks):
    with_passer, alone, person = masks
    # The passer-by is really in the picture (left of the person), and the model sees them.
    assert with_passer[:, :300].sum() > 5000 and alone[:, :300].sum() < 200
    # The person's foot is in view, heel to toe.
    rows = np.flatnonzero(person.any(axis=1))
    top, low = int(rows[0]), int(rows[-1])
    assert len(np.flatnonzero(person[int(low - 0.035 * (low - top)) : low + 1].any(axis=0))) > 30


@KNOWN
def test_the_persons_feet_are_the_same_with_a_passer_by_in_view(masks):
    with_passer, alone, person = masks
    band = _feet_band(person)
    differ = int((with_passer != alone)[band].sum())
    # Measured: 94 pixels with one bottom over both figures; 4 with each figure's own (round 53, not kept).
    assert differ <= 20, differ


@KNOWN
def test_the_raised_heels_shadow_is_not_the_person(masks):
    with_passer, _, person = masks
    rows = np.flatnonzero(person.any(axis=1))
    top, low = int(rows[0]), int(rows[-1])
    cols = np.flatnonzero(person[int(low - 0.035 * (low - top)) : low + 1].any(axis=0))  # the whole foot

    def lowest(m, c):
        return int(np.flatnonzero(m[:, c])[-1]) if m[:, c].any() else -1

    below = [lowest(with_passer, c) - lowest(person, c) for c in cols]
    # The mask's outline is interpolated from the model's half-size grid: a pixel or two past the person.
    # The raised heel's shadow, taken as the person, reaches 5-8 px below the heel, level with the toe.
    assert max(below) <= 3, below
