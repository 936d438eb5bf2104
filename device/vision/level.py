"""The camera's roll, read from the room: how far the picture's long near-vertical lines lean.

A station camera on a bracket or a floor stand is rarely exactly level, and every degree it is turned
about its axis is a degree of trunk inclination on every frame: a person standing tall reads as
leaning, and with a few degrees of yaw on top never reads "tall" at all (no rep is ever counted). The
room knows which way is up: door frames, wall corners, the contact wall's own edge, racks and posters
are vertical, and a camera that looks horizontally (as the station's does, lens near hip height) keeps
them vertical in the picture whatever its distance and yaw. So the roll is the lean of those lines. A
camera tilted down (mounted high) makes them converge below the picture; lines far enough apart tell
that tilt from a roll (the roll is the lean at the picture's centre column), ``selftest`` names it, and
once frames agree on it the person's crop is sheared and stretched so the verticals around them stand
upright (:meth:`CameraLevel.tilt_at`).

:func:`vertical_lean` measures one frame (the person's own outline left out: legs and a trunk are
near-vertical lines that lean with the person); :class:`CameraLevel` keeps a robust median over a
window of frames (one a second, one every five once a roll is named), and names a roll only when
enough lines agree. Pure: frames and
times in, a number out; no clock, no disk.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import NamedTuple, Optional

import cv2
import numpy as np

from device.vision.silhouette import SilhouetteMeasures, map_points


@dataclass(frozen=True)
class LevelParams:
    """Tuning numbers of the roll estimate, in one place."""

    work_width: int = 320  # frames are measured at this width (the cost stays flat across resolutions)
    canny: tuple[int, int] = (10, 30)  # edge thresholds on the blurred grey picture
    min_line: float = 0.15  # shortest line kept, as a fraction of the picture's height
    max_lean_deg: float = 15.0  # a line leaning more than this is not taken for a vertical
    person_margin: float = 0.12  # the person's box grown by this fraction of its height before it is left out
    min_support: float = 0.35  # total length of the lines a frame's lean rests on, over the picture's height
    max_spread_deg: float = 1.5  # their length-weighted spread (median absolute deviation) must be under this
    every_s: float = 1.0  # one frame measured per this many seconds while no roll is named
    every_named_s: float = 5.0  # ... and once one is (a few milliseconds a frame measured, at 320 px)
    window_s: float = 30.0  # frames measured within this window make the estimate
    min_frames: int = 3  # frames that must agree before a roll is named
    agree_deg: float = 1.0  # ... within this of their median (median absolute deviation)
    dead_zone_deg: float = 1.0  # a roll under this is taken as level (no correction)
    max_roll_deg: float = 12.0  # the largest roll corrected; beyond it the camera needs levelling
    min_span: float = 0.3  # lines this far apart (fraction of the width) tell a tilt from a roll
    converge_deg: float = 1.5  # leans that differ by more than this across the width: verticals converge
    agree_converge_deg: float = 3.0  # frames' convergences must agree within this (median absolute deviation)
    tilt_min_converge_deg: float = 3.0  # ... and exceed this before the camera is taken for tilted
    # The lens's horizontal field of view, for the second-order part of a tilt's vertical stretch only (the
    # convergence gives the rest): the Camera Module 3 Wide of hardware/BOM.md, 102 deg (the standard
    # Module 3 is 66); 10 deg off moves a 50 deg trunk by well under a degree.
    assumed_hfov_deg: float = 102.0


class Lean(NamedTuple):
    """One frame's reading of the room's verticals (see :func:`vertical_lean`)."""

    deg: float  # the roll: the lean of a vertical at the picture's centre column (> 0: top to the right)
    support: float  # the lines' total length over the picture's height
    converge_deg: Optional[float] = None  # right edge's lean minus the left edge's (> 0: the camera looks down);
    # None when the lines stand too close together to tell


def vertical_lean(image: np.ndarray, exclude: Optional[tuple[int, int, int, int]] = None,
                  params: LevelParams = LevelParams()) -> Optional[Lean]:
    """How far the long near-vertical lines of ``image`` (BGR or grey) lean, in degrees (> 0: their tops
    to the right of their feet), and the lines' total length over the picture's height; None when the
    lines are too few, too short or disagree. ``exclude``: a box (x, y, w, h, frame pixels) whose
    lines are not the room's (a person).

    A camera tilted down (mounted high, aimed at the person) makes the verticals converge below the
    picture: each leans by about the tilt times its distance from the centre column, opposite ways
    either side, and the roll is the lean at the centre. Where the lines stand far enough apart
    (``min_span`` of the width) a straight fit of lean against position gives both; lines close
    together cannot tell a tilt from a roll and give their median lean as the roll."""
    p = params
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    h, w = gray.shape[:2]
    scale = min(1.0, p.work_width / w)
    if scale < 1.0:
        gray = cv2.resize(gray, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    hs, ws = gray.shape[:2]
    edges = cv2.Canny(cv2.GaussianBlur(gray, (5, 5), 0), *p.canny)
    if exclude is not None:
        x, y, bw, bh = exclude
        m = p.person_margin * bh
        x0, y0 = int(max(0, (x - m) * scale)), int(max(0, (y - m) * scale))
        x1, y1 = int(min(ws, math.ceil((x + bw + m) * scale))), int(min(hs, math.ceil((y + bh + m) * scale)))
        edges[y0:y1, x0:x1] = 0
    min_len = max(8, int(p.min_line * hs))
    lines = cv2.HoughLinesP(edges, 1, np.pi / 720, threshold=max(6, min_len // 2), minLineLength=min_len,
                            maxLineGap=3)
    if lines is None:
        return None
    seg = lines[:, 0, :].astype(np.float64)
    dx, dy = seg[:, 0] - seg[:, 2], seg[:, 3] - seg[:, 1]  # from the lower end to the upper, y down
    flip = dy < 0
    dx[flip], dy[flip] = -dx[flip], -dy[flip]
    lean = np.degrees(np.arctan2(dx, dy))  # > 0: the upper end to the right
    keep = np.abs(lean) <= p.max_lean_deg
    if not np.any(keep):
        return None
    # Hough's segments are pixel runs: a line a degree off vertical comes out as vertical pieces between
    # its one-pixel steps. Each is refined by a straight fit to the edge pixels along it and half its
    # length beyond either end (the neighbouring pieces); it weighs what Hough found of it, no more.
    ey, ex = np.nonzero(edges)
    ey, ex = ey.astype(np.float64), ex.astype(np.float64)
    fitted: dict[tuple[int, int], tuple[float, float, float]] = {}
    for (x1, y1, x2, y2), seg_len in zip(seg[keep], np.hypot(dx, dy)[keep]):
        b = (x1 - x2) / (y1 - y2) if y1 != y2 else 0.0  # x = a + b y
        a = x1 - b * y1
        along = (ey >= min(y1, y2) - 0.5 * seg_len) & (ey <= max(y1, y2) + 0.5 * seg_len)
        n = 0
        for tol in (2.5, 1.2):
            near = along & (np.abs(ex - (a + b * ey)) <= tol)
            n = int(np.count_nonzero(near))
            if n < min_len:
                break
            b, a = np.polyfit(ey[near], ex[near], 1)
        if n < min_len:
            continue
        mid_x = a + b * hs / 2.0
        # The pieces of one line (and both edges of a thin one) are one line, as long as its pieces.
        key = (int(round(mid_x / 3.0)), int(round(math.degrees(math.atan(-b)) / 0.5)))
        found = fitted[key][1] if key in fitted else 0.0
        fitted[key] = (math.degrees(math.atan(-b)), found + float(seg_len), mid_x)
    if not fitted:
        return None
    lean = np.array([v[0] for v in fitted.values()])
    length = np.array([v[1] for v in fitted.values()])
    pos = np.array([v[2] for v in fitted.values()]) / ws - 0.5  # -0.5 at the left edge, 0.5 at the right
    ok = np.abs(lean) <= p.max_lean_deg
    lean, length, pos = lean[ok], length[ok], pos[ok]
    if len(lean) == 0:
        return None
    support = float(length.sum()) / hs
    if support < p.min_support:
        return None
    mid = _weighted_median(lean, length)
    spread = _weighted_median(np.abs(lean - mid), length)
    if float(pos.max() - pos.min()) < p.min_span:
        return None if spread > p.max_spread_deg else Lean(mid, support)
    # Lines apart: lean = roll + converge * pos, least squares with each line's residual scaled by its length;
    # kept where the lines agree with it better than with one lean.
    A = np.stack([np.ones_like(pos), pos], axis=1) * length[:, None]
    roll, converge = np.linalg.lstsq(A, lean * length, rcond=None)[0]
    fit_spread = _weighted_median(np.abs(lean - roll - converge * pos), length)
    if abs(converge) > p.converge_deg and fit_spread <= p.max_spread_deg and fit_spread < spread:
        return Lean(float(roll), support, float(converge))
    return None if spread > p.max_spread_deg else Lean(mid, support, 0.0)


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(values)
    c = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(c, c[-1] / 2.0)])


class CameraLevel:
    """The camera's roll from the room's verticals over a window of frames (see the module's doc).

    ``add(t, image, person_box)`` on every frame (it measures about one a second); ``roll_deg`` is the
    roll to take off the picture's angles: 0 while unknown or under the dead zone, the median of the
    frames' leans once ``min_frames`` of them agree. ``estimate_deg`` is that median whatever its size
    (for the installer's check), None while unknown.

    A camera tilted down or up makes the verticals lean by a different amount in each column of the
    picture (see :func:`vertical_lean`). Once ``min_frames`` frames saw lines far enough apart to read
    that convergence and agree on it, ``converge_deg`` holds it, the roll comes from those frames only
    (their fit gives the lean at the centre column; a frame with lines on one side only reads the lean
    where its lines stand), and :meth:`tilt_at` gives what stands the verticals upright around a person."""

    def __init__(self, params: LevelParams = LevelParams()) -> None:
        self.params = params
        self._leans: deque[tuple[float, float, Optional[float]]] = deque()  # (t, lean, convergence)
        self._last_t = -math.inf
        self._estimate: Optional[float] = None
        self._converge: Optional[float] = None

    def add(self, t: float, image: np.ndarray, person_box: Optional[tuple[int, int, int, int]] = None) -> None:
        p = self.params
        every = p.every_s if self._estimate is None else p.every_named_s
        if t - self._last_t < every and t >= self._last_t:
            return
        self._last_t = t
        got = vertical_lean(image, person_box, p)
        while self._leans and (t - self._leans[0][0] > p.window_s or t < self._leans[0][0]):
            self._leans.popleft()
        if got is not None:
            self._leans.append((t, got.deg, got.converge_deg))
        self._converge = self._convergence()
        self._estimate = self._median()

    def _convergence(self) -> Optional[float]:
        """The frames' agreed convergence when enough frames could read one (0.0: their verticals stay
        parallel), else None."""
        p = self.params
        c = np.array([cv for _, _, cv in self._leans if cv is not None])
        if len(c) < p.min_frames:
            return None
        med = float(np.median(c))
        if float(np.median(np.abs(c - med))) > p.agree_converge_deg:
            return None
        # A level camera's frames can agree on a couple of degrees (random scene 205: -1.8), and a tilt
        # that small leans a person by under a degree.
        return med if abs(med) > p.tilt_min_converge_deg else 0.0

    def _median(self) -> Optional[float]:
        p = self.params
        if self._converge:
            # Tilted: the leans at the centre column, from the frames that fitted the convergence.
            v = np.array([lean for _, lean, cv in self._leans if cv])
        else:
            v = np.array([lean for _, lean, _ in self._leans])
        if len(v) < p.min_frames:
            return None
        med = float(np.median(v))
        if float(np.median(np.abs(v - med))) > p.agree_deg:
            return None
        return med

    @property
    def estimate_deg(self) -> Optional[float]:
        return self._estimate

    @property
    def converge_deg(self) -> Optional[float]:
        """The verticals' convergence across the picture (> 0: the camera looks down), None while unknown."""
        return self._converge

    @property
    def roll_deg(self) -> float:
        e, p = self._estimate, self.params
        if e is None or abs(e) < p.dead_zone_deg:
            return 0.0
        return max(-p.max_roll_deg, min(p.max_roll_deg, e))

    def tilt_at(self, x: float, y: float, width: int) -> Optional[tuple[float, float]]:
        """How to stand the room's verticals upright around a point of the picture (``x``, ``y``: pixels
        from the picture's centre, y down; ``width`` of the picture) when the camera is known to be tilted
        (``converge_deg``), else None: (shear, stretch) for :func:`level_crops`.

        A tilted camera's picture is a level camera's turned by a homography: world verticals meet at a
        point ``d`` below the centre (above, tilted up), ``d`` = width / (2 tan(convergence / 2)), and
        horizontal lines stay horizontal. Near a person it is close to its first-order (affine) part:
        x' = x + shear y with shear = x / (d - y) (each vertical's own lean, undone), and y' = stretch y
        with stretch = 1 / (cos p - (y / f) sin p) (the picture's rows foreshortened by the tilt p). A
        rotation would be wrong: it would also turn a hinged trunk's near-horizontal line, which the tilt
        barely leans. ``d`` comes from the convergence alone; the focal length ``f`` (and so p) only from
        ``assumed_hfov_deg``, which moves the stretch by its second-order part."""
        c = self._converge
        if not c:
            return None
        k = 2.0 * math.tan(math.radians(c) / 2.0)
        d = width / k
        if abs(d - y) < 1e-6:
            return None
        f = (width / 2.0) / math.tan(math.radians(self.params.assumed_hfov_deg) / 2.0)
        tilt = math.atan2(f, d) if d > 0 else -math.atan2(f, -d)
        den = math.cos(tilt) - (y / f) * math.sin(tilt)
        if den <= 0.1:
            return None
        return x / (d - y), 1.0 / den


def level_crops(mask: np.ndarray, soft: Optional[np.ndarray], image: Optional[np.ndarray], roll_deg: float,
                tilt: Optional[tuple[float, float]] = None
                ) -> tuple[np.ndarray, Optional[np.ndarray], Optional[np.ndarray], np.ndarray]:
    """A person's crops (mask, soft map, image, all the same size) turned by ``roll_deg`` (the picture's
    verticals leaning that far, > 0 tops to the right) so that the room's verticals stand upright, on
    a canvas large enough to hold them; and the 2x3 affine map from the turned crops' pixels back to
    the given ones (for :func:`transform_measures`). ``tilt``: (shear, stretch) of a camera tilted
    down or up (:meth:`CameraLevel.tilt_at`), applied after the turn: x' = x + shear y, y' = stretch y."""
    h, w = mask.shape[:2]
    if tilt is None:  # a turn alone, exactly as before tilts were straightened (level and turned cameras unchanged)
        r = math.radians(roll_deg)
        c, s = abs(math.cos(r)), abs(math.sin(r))
        W, H = int(math.ceil(w * c + h * s)) + 2, int(math.ceil(h * c + w * s)) + 2
        # OpenCV turns anticlockwise (on the picture) for a positive angle: tops leaning right come upright.
        M = cv2.getRotationMatrix2D(((w - 1) / 2.0, (h - 1) / 2.0), roll_deg, 1.0)
        M[:, 2] += ((W - 1) / 2.0 - (w - 1) / 2.0, (H - 1) / 2.0 - (h - 1) / 2.0)
    else:
        shear, stretch = tilt
        R = np.vstack([cv2.getRotationMatrix2D(((w - 1) / 2.0, (h - 1) / 2.0), roll_deg, 1.0), [0.0, 0.0, 1.0]])
        S = np.array([[1.0, shear, 0.0], [0.0, stretch, 0.0], [0.0, 0.0, 1.0]])
        G = S @ R
        corners = np.array([[0.0, 0.0, 1.0], [w - 1.0, 0.0, 1.0], [0.0, h - 1.0, 1.0], [w - 1.0, h - 1.0, 1.0]]) @ G.T
        lo, hi = corners[:, :2].min(axis=0), corners[:, :2].max(axis=0)
        W, H = int(math.ceil(hi[0] - lo[0])) + 3, int(math.ceil(hi[1] - lo[1])) + 3
        M = G[:2].copy()
        M[:, 2] += 1.0 - lo
    out_mask = cv2.warpAffine(mask, M, (W, H), flags=cv2.INTER_NEAREST, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    out_soft = None
    if soft is not None:
        out_soft = cv2.warpAffine(soft, M, (W, H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                                  borderValue=float(np.min(soft)) if soft.size else 0.0)
    out_img = None
    if image is not None:
        out_img = cv2.warpAffine(image, M, (W, H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return out_mask, out_soft, out_img, cv2.invertAffineTransform(M)


def transform_measures(r: SilhouetteMeasures, A: np.ndarray) -> SilhouetteMeasures:
    """Every point of the silhouette measures ``r`` mapped through the 2x3 affine ``A`` (from a turned
    crop's pixels back to the crop's, see :func:`level_crops`); angles, lengths and the heel's rise
    were measured upright and stay as they are. ``floor_y`` is the floor's row under the feet."""
    def tp(p):
        if p is None:
            return None
        return (A[0, 0] * p[0] + A[0, 1] * p[1] + A[0, 2], A[1, 0] * p[0] + A[1, 1] * p[1] + A[1, 2])

    def ta(a: np.ndarray) -> np.ndarray:
        return a if len(a) == 0 else a @ A[:, :2].T + A[:, 2]

    x, y, w, h = r.bbox
    feet_x = (r.toe or r.heel or r.ankle or (x + w / 2.0, 0.0))[0]
    r.floor_y = tp((feet_x, r.floor_y))[1]
    corners = np.array([tp((x, y)), tp((x + w, y)), tp((x, y + h)), tp((x + w, y + h))])
    x0, y0 = np.floor(corners.min(axis=0))
    x1, y1 = np.ceil(corners.max(axis=0))
    r.bbox = (int(x0), int(y0), int(x1 - x0), int(y1 - y0))
    return map_points(r, tp, ta)
