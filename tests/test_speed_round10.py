"""Round 10 of the station path's speed (docs/vision-speed.md): the silhouette
measures do the same arithmetic with fewer numpy calls. The shortcuts are exact only under conditions
(the walk along the outline as slices, the trunk axis without the contact flat when the flat never
weighs in, the first point beyond a threshold looked for in a slice first, the separable Gaussian, the
legs read from the mask as it came): these tests hold each to the direct computation, bit for bit."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest

from device.sim.body import Body, Pose, build_figure
from device.sim.scene import Camera, draw_figure_mask
from device.vision import silhouette
from device.vision.silhouette import BodyModel

CAM = Camera(640, 480, 547.0, 0.85, 0.81, 2.13, 18.0, "left")
BODY = dataclasses.replace(Body(), stature_m=1.6, build=0.3, kyphosis_deg=10.0)


def _mask(trunk: float, bend: float = 8.0, hip_rear_x: float = 0.02) -> np.ndarray:
    m = np.zeros((480, 640), np.uint8)
    draw_figure_mask(m, build_figure(BODY, Pose(trunk_inclination_deg=trunk, back_bend_deg=bend,
                                                 knee_angle_deg=160.0, hip_rear_x=hip_rear_x)), CAM)
    return m


def _outline(m: np.ndarray, H: float) -> np.ndarray:
    c = silhouette.outer_contour(cv2.compare(m, 0, cv2.CMP_GT))
    return silhouette._smooth_closed(c, max(3, int(round(H * 0.012)) | 1))


def _height(m: np.ndarray) -> float:
    rows = np.flatnonzero(m.any(axis=1))
    return float(rows[-1] - rows[0] + 1)


@pytest.mark.parametrize("n", [40, 97, 500])
def test_the_walk_along_the_outline_is_the_gather_it_replaced(monkeypatch, n):
    """back_path's slices (no gather: _walk is not called) give the points the modular gather gave,
    both ways round and across the outline's start (the walk's start anywhere, the stop at the top of
    the head included)."""
    def gather(*a, **k):
        raise AssertionError("back_path walked the outline by a gather")

    monkeypatch.setattr(silhouette, "_walk", gather)
    rng = np.random.default_rng(n)
    sc = rng.normal(size=(n, 2)) * 50
    for bi in [0, 1, n // 3, n - 2, n - 1]:
        for H in [10.0, 0.3 * n, 2 * n]:
            n_walk = min(n - 1, int(2.2 * H))
            step = min(max(3, int(0.05 * H)), n_walk - 1)
            up = +1 if sc[(bi + step) % n, 1] < sc[(bi - step) % n, 1] else -1
            ref = sc[(bi + up * np.arange(n_walk)) % n]
            ref = ref[: int(np.argmin(ref[:, 1])) + 1]
            got = silhouette.back_path(sc, bi, H)
            assert got.tobytes() == ref.tobytes() and got.flags.c_contiguous and not np.shares_memory(got, sc)


def test_the_first_point_beyond_a_threshold_is_found_whatever_the_hint():
    rng = np.random.default_rng(3)
    px, py = np.cumsum(rng.normal(size=(2, 300)), axis=1)
    for thr in [-5.0, 0.0, 3.0, 10.0, 1e9]:
        full = (px - 1.5) * 0.6 + (py + 2.0) * -0.8 >= thr
        want = int(full.argmax()) if full.any() else -1
        for hint in [0, 1, 17, 150, 299, 300, 1000]:
            assert silhouette._first_at_least(px, py, 1.5, -2.0, 0.6, -0.8, thr, hint) == want


@pytest.mark.parametrize("trunk", [2.0, 12.0, 25.0, 45.0, 70.0])
def test_both_trunk_axes_equal_two_separate_fits(trunk):
    """The axis with the contact flat and the one without (for the back's window) equal trunk_axis
    called twice, standing (the flat never weighs in: one fit serves both) and hinged; with the hips
    pressed flat against the wall too."""
    for rear in (0.02, -0.03):
        m = _mask(trunk, hip_rear_x=rear)
        H = _height(m) if trunk < 5 else 380.0
        sc = _outline(m, H)
        floor_y = float(np.flatnonzero(m.any(axis=1))[-1])
        bi = silhouette.find_buttock(sc, floor_y, H, BodyModel())
        B = (float(sc[bi, 0]), float(sc[bi, 1]))
        path = silhouette.back_path(sc, bi, H)
        for flat in [silhouette.rear_flat(sc, B, H, BodyModel()), ((B[0], B[1] - 3.0), 0.5 * 0.057 * H), None]:
            got = silhouette._trunk_axes(path, B, H, BodyModel(), flat, True)
            assert got[0] == silhouette.trunk_axis(path, B, H, BodyModel(), flat)
            assert got[1] == (None if flat is None else silhouette.trunk_axis(path, B, H, BodyModel()))


def test_the_buttock_rounds_separable_filter_is_gaussian_blur():
    """sepFilter2D with the kernel made once equals cv2.GaussianBlur(acc, (0, 0), 1.5) on vote maps."""
    rng = np.random.default_rng(5)
    for h, w in [(7, 7), (9, 31), (40, 25), (64, 64)]:
        acc = np.bincount(rng.integers(0, h * w, size=3 * h), minlength=h * w).astype(np.float32).reshape(h, w)
        want = cv2.GaussianBlur(acc, (0, 0), 1.5)
        assert cv2.sepFilter2D(acc, -1, silhouette._GAUSS_15, silhouette._GAUSS_15).tobytes() == want.tobytes()


def test_the_box_kernel_is_made_once_and_is_the_direct_one():
    for k in (3, 5, 16, 19):
        assert silhouette._box(k).tobytes() == (np.ones(k) / k).tobytes()
        assert silhouette._box(k) is silhouette._box(k)


@pytest.mark.parametrize("trunk", [3.0, 45.0])
def test_the_legs_read_from_the_mask_as_it_came_equal_the_flipped_rows(trunk):
    """A right wall: the legs' row ends from the unflipped mask equal those from flipping the rows."""
    m = cv2.flip(cv2.compare(_mask(trunk), 0, cv2.CMP_GT), 1)  # the person facing the other way
    left = cv2.flip(m, 1)
    H = 380.0
    has = left.any(axis=1)
    rows = np.flatnonzero(has)
    x, y, w, h = cv2.boundingRect(left)
    J = np.array([x + 0.3 * w, rows[-1] - 0.5 * H])

    def run(mirror):
        r = silhouette.SilhouetteMeasures(height_px=H, floor_y=float(rows[-1]), bbox=(x, y, w, h))
        silhouette._measure_legs(left, r, J, BodyModel(), has, mirror)
        return dataclasses.astuple(r)

    a, b = run(None), run(m)
    # (astuple's fields: the points 3-9, the angles and confidences from 12 on; 10, 11 are the back's arrays)
    assert a[3:10] == b[3:10] and a[12:] == b[12:]
    assert a[6] is not None and a[16] is not None  # a knee and its angle were measured


@pytest.mark.parametrize("k", [3, 5, 9, 17, 21, 31])
def test_the_opening_by_runs_is_opencvs_opening_by_an_ellipse(k):
    """_open_ellipse equals cv2.morphologyEx(MORPH_OPEN) with the k x k ellipse, pixel for pixel, on
    blobs with holes and specks, 0/255 and 0/1 masks, bands cut from a larger mask (a view), and images
    narrower or shorter than the element."""
    rng = np.random.default_rng(k)
    se = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    for t in range(60):
        h, w = int(rng.integers(1, 160)), int(rng.integers(1, 160))
        img = np.zeros((h + 20, w), np.uint8)
        for _ in range(int(rng.integers(1, 6))):
            cv2.ellipse(img, (int(rng.integers(0, w)), int(rng.integers(0, h + 20))),
                        (int(rng.integers(1, 60)), int(rng.integers(1, 60))), float(rng.integers(0, 180)), 0, 360, 255, -1)
        img[rng.random(img.shape) < 0.03] ^= 255
        if t % 2:
            img = (img > 0).astype(np.uint8)
        band = img[10 : 10 + h]
        assert silhouette._open_ellipse(band, k).tobytes() == cv2.morphologyEx(band, cv2.MORPH_OPEN, se).tobytes()
