"""A bright wall that clips at 255 under a flickering light is not foreground in any phase of the flicker.

Lights on 50 Hz mains wobble with a period of three frames at 15 fps. The background model learns one frame
in three and takes that frame's gain back out, and it matches the model to each frame by the gain seen on
the background. Where the picture clips, neither holds: in the bright phase a wall at 255 stays at 255,
and a model learned there sits a few levels dark for the other two phases. In random scene 2920 (shaded)
the wall beside the hips stood out as foreground on two frames in three, merged with the person, and a
deep rounded rep was measured on one frame in three and read `good` (docs/station-vision.md, round 66).
"""
from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from device.vision.segmentation import BackgroundModel

FLICKER = 0.05  # as random scene 2920's 4.8 %


def _scene() -> np.ndarray:
    """A wall lit from the right: a quarter of it clips at 255 (red) before any flicker (as 2920's, an uneven side
    light on a light pink wall); the rest is textured and below saturation."""
    rng = np.random.default_rng(5)
    tex = cv2.GaussianBlur(rng.uniform(-20, 20, (240, 320, 3)).astype(np.float32), (0, 0), 4)
    ramp = np.linspace(0.75, 1.25, 320, dtype=np.float32)[None, :, None]
    return np.clip((np.float32([215, 190, 210]) + tex) * ramp, 0, 255)


def _frame(scene: np.ndarray, i: int, rng: np.random.Generator, phase: float, flicker: float = FLICKER) -> np.ndarray:
    g = 1.0 + flicker * math.sin(2 * math.pi * 100.0 * i / 15.0 + phase)  # 15 fps: a period of 3 frames
    return np.clip(scene * g + rng.normal(0, 2.0, scene.shape), 0, 255).astype(np.uint8)


@pytest.mark.parametrize("phase", [0.0, 2 * math.pi / 3, 4 * math.pi / 3])
def test_a_clipped_bright_wall_is_background_in_every_phase_of_a_flicker(phase):
    scene = _scene()
    clipped = scene.max(axis=2) >= 255  # in one channel at least (2920: red and blue)
    assert clipped[:, 280:].mean() > 0.9 and not clipped[:, :200].any()  # the premise: a clipped band
    rng = np.random.default_rng(11)
    model = BackgroundModel()
    i = 0
    while not model.ready and i < 60:  # the empty room, learned from every frame (ready within a few)
        img = _frame(scene, i, rng, phase)
        if model.segment(img) is None:
            model.learn(img)
        else:
            model.feedback(None)
        i += 1
    assert model.ready, model.coverage
    for _ in range(150):  # 10 s at 15 fps: the model settled, learning one frame in three
        model.segment(_frame(scene, i, rng, phase))
        model.feedback(None)
        i += 1
    worst = []
    for _ in range(90):  # 6 s more: every frame of every phase is the empty room
        seg = model.segment(_frame(scene, i, rng, phase))
        model.feedback(None)
        worst.append(float(np.mean(seg.mask > 0)))
        i += 1
    assert max(worst) < 0.002, [round(w, 3) for w in worst[:9]]


@pytest.mark.parametrize("flicker", [0.10, 0.15])
@pytest.mark.parametrize("phase", [0.0, 2 * math.pi / 3, 4 * math.pi / 3])
def test_a_strong_flicker_from_the_first_frame_lets_the_model_become_ready(flicker, phase):
    # The same room under a stronger wobble, learned from the very first frame through the feedback path
    # (the background-only segmenter's). Before round 67, in the phase whose first frame is the bright one
    # (2 pi / 3), a few hundred scattered pixels were learned once at that frame's brightness, read "shadow"
    # against the model from then on, and were never learned again: the model never became ready (0.99 of
    # its pixels known of the 0.995 asked). Until the scene is known, shadow specks among the pixels not yet
    # known are learned; a patch of shadow is not.
    scene = _scene()
    rng = np.random.default_rng(11)
    model = BackgroundModel()
    i = 0
    while not model.ready and i < 30:  # 2 s at 15 fps
        img = _frame(scene, i, rng, phase, flicker)
        if model.segment(img) is None:
            model.learn(img)
        else:
            model.feedback(None)
        i += 1
    assert model.ready, (i, model.coverage)
    worst = []
    for _ in range(45):  # 3 s of the empty room, each phase learned and not
        seg = model.segment(_frame(scene, i, rng, phase, flicker))
        model.feedback(None)
        worst.append(float(np.mean(seg.mask > 0)))
        i += 1
    assert max(worst) < 0.002, [round(w, 3) for w in worst[:9]]


def test_a_shadow_patch_while_the_scene_is_learned_stays_unknown_under_a_flicker():
    # What the specks above may not take with them: a shadow cast on the wall while the scene is learned (a
    # person in view from power-on) is a patch, and is never learned as the wall, flicker or not.
    scene = _scene()
    rng = np.random.default_rng(11)
    model = BackgroundModel()
    patch = (slice(80, 130), slice(60, 120))  # 50 x 60 px of the unclipped wall, 0.8 of its light
    for i in range(30):
        img = _frame(scene, i, rng, 2 * math.pi / 3, 0.10)
        if i >= 1:
            img[patch] = (img[patch] * 0.8).astype(np.uint8)
        if model.segment(img) is None:
            model.learn(img)
        else:
            model.feedback(None)
    unknown = cv2.resize(model.unknown(), (320, 240), interpolation=cv2.INTER_NEAREST)
    assert unknown[patch].mean() > 0.9  # the shadow: learned in the first frame only
    outside = np.ones((240, 320), bool)
    outside[70:140, 50:130] = False
    assert unknown[outside].mean() < 0.005  # the specks elsewhere are learned
