"""A back a little different from a smooth, clean wall: its faint colour edge is judged against the wall's
own colour steps beside it, not only against the fixed step (station round 68)."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest

from device.sim.scenarios import random_scenario
from device.vision import measure_silhouette
from device.vision.estimator import EstimatorParams, edge_step
from device.vision.silhouette import BodyModel

# Random scene 3020 (640x480, backlit, a pale green loose top in front of the contact wall's grey-green face,
# noise 2 levels): a frame standing and two at the bottom of its first rounded rep. The shirt and the wall differ
# by about 11 levels; blurred over a pixel or two, the edge's 1-px colour step is 5-9, under the fixed step (9).
SEED, TIMES = 3020, (5.0, 14.2, 14.4)
OFF = replace(BodyModel(), edge_noise_factor=0.0)  # the edge judged by the fixed step alone, as before


@pytest.fixture(scope="module")
def shots():
    sc = random_scenario(SEED, n_reps=8, fps=15)
    rows = np.flatnonzero(sc.render_mask(TIMES[0]).any(axis=1))
    height = float(rows[-1] - rows[0] + 1)
    return sc, height, [(t, sc.render(t), sc.render_mask(t)) for t in TIMES]


def _measure(sc, height, image, mask, body):
    x, y, w, h = cv2.boundingRect(mask)
    step = edge_step(image[max(0, y - 2) : y + h + 2, max(0, x - 2) : x + w + 2], EstimatorParams())
    reach = EstimatorParams().edge_reach_px * image.shape[1] / 640.0
    return measure_silhouette(mask, sc.wall_side, height, body, image=image, edge_reach=reach, min_contrast=step)


def test_a_faint_back_edge_well_above_the_walls_noise_is_seen(shots):
    sc, height, frames = shots
    for t, image, mask in frames:
        new = _measure(sc, height, image, mask, BodyModel())
        old = _measure(sc, height, image, mask, OFF)
        assert new is not None and new.back_bend_deg is not None
        # Judged by the fixed step alone the back was doubted (the station left the rep `unchecked`) ...
        assert old.conf_back < 0.25, (t, old.edge_support, old.conf_back)
        # ... against the wall beside it, more of it is a real edge (0.55-0.69 of it against 0.39-0.49).
        assert new.edge_support >= 0.5 and new.edge_support >= old.edge_support + 0.1, (t, new.edge_support)
        assert new.conf_back >= 0.3, (t, new.edge_support, new.conf_back)


def test_an_outline_with_no_colour_edge_beside_it_is_still_doubted(shots):
    sc, height, frames = shots
    empty = sc.render_background()
    for t, _, mask in frames:
        r = _measure(sc, height, empty, mask, BodyModel())
        assert r is not None
        assert r.edge_support < 0.1 and r.conf_back == 0.0, (t, r.edge_support, r.conf_back)


def test_an_outline_inside_the_shirt_gains_nothing_from_the_walls_noise(shots):
    """A mask eaten 4 px into the back (a shadow test that took the shirt's edge): the smooth shirt beside it
    has no edge within reach, and the wall's low noise does not make one of the shirt's own noise."""
    sc, height, frames = shots
    for t, image, mask in frames[1:]:
        eaten = cv2.erode(mask, np.ones((9, 9), np.uint8))
        new = _measure(sc, height, image, eaten, BodyModel())
        old = _measure(sc, height, image, eaten, OFF)
        assert new.edge_support == old.edge_support and new.conf_back == old.conf_back == 0.0, (
            t, new.edge_support, old.edge_support, new.conf_back)
