"""Posture measures from a side-view person silhouette (pure functions over masks).

The mask is normalised so the person's back (the wall side) is on the *left*
(x grows forward, y grows down); :func:`measure_silhouette` flips a right-wall
mask and flips its answers back. Landmarks come from the silhouette outline and
body proportions, not from a keypoint model:

- floor line: the lowest row of the feet; standing height ``H`` is supplied by
  the caller (tracked over standing frames), so proportions hold mid-hinge.
- buttock point ``B``: the most wall-ward outline point in the hip band. In a
  hinge the hips travel back, so this is where hip contact happens.
- hip joint ``J``: ``B`` moved forward and up by fixed fractions of ``H`` (the
  pelvis seen from the side is roughly round around the hip joint, so the
  most wall-ward point keeps the same offset from the joint as the pelvis tilts).
- back path: the outline walked from ``B`` upward along the back.
- shoulder joint ``S``: the back-path point one trunk length (``0.29 H``) up the
  trunk axis, moved forward by half the chest depth; the axis is re-estimated
  from ``J`` and ``S`` a few times.
- back (the virtual dowel): the whole back from the top of the sacrum to the
  base of the neck (``sacrum_frac`` to ``neck_frac`` of the trunk along its
  axis). Its curvature is fitted a little inside those ends (``fit_lo`` to
  ``fit_hi``: not the buttocks' curve, not the shoulder roll where a hood or hair
  makes bumps) or, with ``BodyModel.back_ends`` (the default: see docs/station-vision.md), from the
  lumbar hollow (the back's own lower end on the outline, wherever the hip joint
  estimate lands) up to ``back_top``; fitted whole, then again without the points off the curve (on a learned
  mask's coarse outline the first fit takes the middle only: ``fit_core``), and reported as the bend
  ``4*atan(2 s / c)`` of the circular arc with that curvature over the whole
  back. Rounding is that minus the person's own standing value (the engine's job).

Every number is a field of the frozen :class:`BodyModel`; each measure is its own
function (:func:`find_buttock`, :func:`back_path`, :func:`rear_flat`, :func:`trunk_axis`,
:func:`measure_back`, and the legs), testable on one mask.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Optional

import cv2
import numpy as np


@dataclass(frozen=True)
class BodyModel:
    """Body proportions as fractions of standing height (adult anthropometry).

    Sources: Drillis & Contini segment lengths as reported by Winter,
    *Biomechanics and Motor Control of Human Movement*: hip (greater trochanter)
    0.53 H, shoulder 0.82 H, knee 0.285 H, ankle 0.039 H; trunk (hip to
    shoulder) about 0.29 H; sagittal chest depth about 0.13 H, pelvis depth
    behind the hip joint about 0.07 H.
    """

    hip_band: tuple[float, float] = (0.34, 0.64)  # heights above the floor searched for the buttocks
    # Pelvis seen from the side: a round buttock of radius ``buttock_r`` whose centre
    # sits ``pelvis_back`` behind and ``pelvis_down`` below the hip joint (trunk frame).
    buttock_r: float = 0.057
    # The buttock's height is the middle of the round the outline bows around when the rearmost outline
    # point lies clearly below it (a trouser leg's corner under a hinged pelvis; buttock_by_circle).
    buttock_circle: bool = True
    buttock_corner: float = 0.015  # a rearmost point this far below the buttock's round is a corner (of H)
    # A rear whose rearmost outline points (within half a pixel) run straight down for more than this (of H)
    # is flat on the mask, not on the person: a mask made at a quarter of the frame's width and scaled up
    # turns a rear that slants by a pixel over a dozen rows into one straight run, whose middle sat up to
    # 0.06 H below the buttock (random 2414, 300, 333 at 1280x720). The buttock is then the rearmost of
    # those points moved onto the frame's colour edge (:func:`_rear_on_image`). A round of buttock_r keeps
    # its run well under this even on such a mask.
    buttock_flat_run: float = 0.057
    pelvis_back: float = 0.02
    pelvis_down: float = 0.02
    # Hips against the wall: the round buttock is pressed flat there (a body cannot go through the wall,
    # and a wall seen nearly edge-on hides what would be behind its plane), so the rearmost outline is a
    # straight run at the wall and the round's centre lies nearer to it than buttock_r: a round of radius
    # r cut by a line over a height L has its centre sqrt(r^2 - (L/2)^2) in front of the line
    # (rear_flat). With the fixed r the hip sat up to 5 % of H too far forward and deep hinges read 10-13
    # deg too upright (dev seeds 304, 309, 320; README, round 8). Points within ``flat_tol`` H (at least
    # 0.75 px; the outline is smoothed over ~1.2 % H) of the rearmost x are on the flat.
    contact_flat: bool = True
    flat_tol: float = 0.004
    # Standing, the rear of buttocks and thighs is one long gentle curve, flatter than the round (a long
    # "flat" there is no contact): the flat counts from flat_from_deg of trunk inclination (the pelvis has
    # tipped and the buttocks form the round), fully from flat_full_deg (the start of a hinge).
    flat_from_deg: float = 15.0
    flat_full_deg: float = 30.0
    trunk_len: float = 0.295  # hip joint to shoulder joint
    upper_depth: float = 0.067  # trunk axis in front of the upper-back surface (about half the chest depth)
    # The trunk axis is placed through the upper-back point this far up the trunk.
    axis_frac: float = 0.80
    # The virtual dowel: the whole back from the top of the sacrum to the base of the neck (fractions of
    # the trunk from the hip joint). Its bend is reported over that length ...
    sacrum_frac: float = 0.20
    neck_frac: float = 0.96
    # ... from a curve fitted a little inside those ends: below, the buttocks' curve; above, the shoulder
    # roll, where a hood, hair or a collar makes bumps.
    fit_lo: float = 0.26
    fit_hi: float = 0.86
    # Outlier rejection of that fit (in standard deviations of the residual), outward (a hood, a ponytail,
    # a fold) and inward separately; 1.5 outward was tried and was worse on the development frames.
    reject_out: float = 2.5
    reject_in: float = 2.5
    reject_iters: int = 4
    # The first fit takes the points within this fraction of the segment's half-span from its middle (1 = all).
    # All, since round 15: a kyphotic back is flat below and curled at the shoulder blades, no parabola, and a
    # first fit on its middle dropped one end or the other, not the same standing and hinged (good reps read
    # 10-36 deg rounded). A learned mask's outline is fitted from its middle (EstimatorParams.fit_core_learned).
    fit_core: float = 1.0
    # The back tied to its own lower end (back_ends): the curve is fitted from the lumbar hollow, the
    # outline's point nearest the trunk axis between the buttocks and the mid back (``hollow_band``,
    # fractions of the trunk), up to ``back_top`` of the trunk, instead of from fit_lo to fit_hi. On since
    # the learned mask runs on a crop around the person: together they hold a kyphotic back steady
    # (seed 203, standing_start 0) with no scenario cell lost (docs/station-vision.md, round 5 integrated).
    back_ends: bool = True
    hollow_band: tuple[float, float] = (0.0, 0.45)
    hollow_edge: float = 0.05  # a nearest point this close to the band's top is no hollow
    hollow_behind: float = 0.08  # nor one nearer the trunk axis than this (of the trunk; the back lies ~0.17 behind)
    back_top: float = 0.92
    # Hair lying on the top of the back (a ponytail or long hair down a standing person's neck) fills the
    # hollow between the shoulders and the neck, and falls away from the back in a hinge: read against a
    # standing baseline, that is rounding that is not there (``clean`` seed 5 read every rep ~3 deg
    # rounder with a ponytail than with short hair). So while the trunk is within ``hair_upright_deg`` of
    # upright, the window from the hollow ends below a run at its top whose colour, ``hair_depth`` of H
    # inside the edge, lies farther than ``hair_delta`` (and ``hair_spread`` times the back's own scatter)
    # from the back's colour; at most ``hair_cut_max`` of the window is cut, and ``hair_margin`` of H below
    # the run goes too (the mask's edge is smoothed); and only when what is cut stands out behind the
    # curve of the back below it, as hair does (a bare neck's skin curls in from it: that is still the
    # back). Hinged, the window is left as it was: there the colour step at its top was the neck, a hood's
    # shadow or a passer-by (docs/station-vision.md, round 20).
    hair_upright_deg: float = 20.0
    hair_delta: float = 40.0
    hair_spread: float = 4.0
    hair_depth: float = 0.008
    hair_cut_max: float = 0.3
    hair_margin: float = 0.012
    # The fixed window (fit_lo to fit_hi) is fitted as well only to tell a broken outline (its bend beyond
    # max_bend_deg) or when the hollow is not found; a hollow fit bending less than this is taken as it is
    # (speed: one back fit a frame instead of two; docs/vision-speed.md, round 6).
    hollow_sure_deg: float = 20.0
    fold_smooth: float = 0.05  # smoothing along the back over this fraction of H (about one fold of a loose top)
    # Confidence of the back: chord length (px) for full confidence, and the rms residual (fraction of
    # the standing height) beyond which the curve is doubted.
    back_full_px: float = 25.0
    # A back shorter than this (px, sacrum top to neck base: about 34 at 320x240) has its colour edge
    # found as the crossing halfway between the shirt's and the wall's colours (:func:`_refine_edge_step`)
    # instead of at the peak of a 1-px colour difference: at that size one pixel of sagitta is ~13 deg
    # of bend, the colour step is in JPEG's half-resolution chroma, and the difference's peak jumped from
    # frame to frame (`lowres` seed 0: bends scattered by a median 8-17 deg about the truth; the
    # crossing 4-8; docs/station-vision.md, round 12). Backs this long or longer keep the peak (unchanged).
    step_edge_below_px: float = 50.0
    step_edge_ref: tuple[float, float] = (1.5, 3.0)  # px inside/outside the mask's edge where the colours are read
    # The back's edge counts as seen (its confidence) where the colour step is at least this part of the
    # step a point is moved onto: a shirt little different from the wall in a dim room (round 52).
    edge_seen_frac: float = 0.75
    # ... or, where too little of the back reaches that step (its support below ``edge_noise_below``), where
    # the step is at least ``edge_noise_factor`` times the scene's own: the median colour step found the same
    # way on a line ``edge_noise_offset`` reaches out from the back (the wall behind it), and never below
    # ``edge_noise_min``. A shirt a little different from a smooth, clean wall has a faint edge that stands
    # well above that wall's noise (round 68). 0 turns it off.
    edge_noise_below: float = 0.8
    edge_noise_factor: float = 2.0
    edge_noise_min: float = 4.0
    edge_noise_offset: float = 3.0
    max_bend_deg: float = 80.0  # no back bends beyond this (confidence fades to 0 over the 20 deg below)
    back_resid_frac: float = 0.004
    trunk_full_px: float = 40.0
    ankle_h: float = 0.05  # rows above the floor taken as the ankle (above the foot)
    knee_band: tuple[float, float] = (0.15, 0.42)


@dataclass
class SilhouetteMeasures:
    """Everything measured from one silhouette, in *image* coordinates (pixels).

    Angles in degrees; None when not seen. ``conf_*`` in 0..1.
    """

    height_px: float
    floor_y: float
    bbox: tuple[int, int, int, int]  # x, y, w, h
    buttock: Optional[tuple[float, float]] = None
    hip: Optional[tuple[float, float]] = None
    shoulder: Optional[tuple[float, float]] = None
    knee: Optional[tuple[float, float]] = None
    ankle: Optional[tuple[float, float]] = None
    heel: Optional[tuple[float, float]] = None
    toe: Optional[tuple[float, float]] = None  # the toe's column, at the row where the forefoot meets the floor
    back_path: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    back_segment: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    chord: Optional[tuple[tuple[float, float], tuple[float, float]]] = None
    sagitta_px: Optional[float] = None
    trunk_inclination_deg: Optional[float] = None
    back_bend_deg: Optional[float] = None
    knee_angle_deg: Optional[float] = None
    heel_rise: Optional[float] = None  # heel above toe bottom / H (raw, before the standing reference)
    conf_trunk: float = 0.0
    conf_back: float = 0.0
    conf_knee: float = 0.0
    conf_heel: float = 0.0
    # Fraction of the back segment where the frame shows a real colour edge next to
    # the mask's edge (1 when not checked). Low: the mask's "back" is not the back.
    edge_support: float = 1.0
    # The back's window top (fraction of the trunk from the hip) where hair lying on a standing back cut
    # it short (:func:`_without_hair_on_top`); None when nothing was cut.
    hair_cut_top: Optional[float] = None


def _median(a: np.ndarray) -> float:
    """``np.median`` of a 1-D array, same value, without its generic-reduction overhead.

    np.median costs ~40 us per call on the few hundred values measured here, and a
    frame takes about ten medians; a partition does the same job in a few us, and on
    integers (row and column indices, all the silhouette's medians) a full sort of the
    copy is faster still at these sizes (0.8 against 3.4 us for 40 values) and gives the
    same order statistics.
    """
    n = len(a)
    if n == 0:
        return float("nan")
    k = n // 2
    b = a.copy()
    if a.dtype.kind in "iub":
        b.sort()
        if n % 2:
            return float(b[k])
        lo, hi = b[k - 1], b[k]
        return float((lo + hi) / 2.0)
    if n % 2:
        b.partition(k)
        return float(b[k])
    b.partition((k - 1, k))
    lo, hi = b[k - 1], b[k]
    return float((lo + hi) / 2.0)


def line_fit(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Least-squares line ``y = c[0] x + c[1]``: the same answer as ``np.polyfit(x, y, 1)``.

    Closed form over centred x (well conditioned for pixel coordinates). np.polyfit
    solves the same problem through an SVD (lstsq), ~130 us per call against ~15 us.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    xm = x.sum() / len(x)  # the mean, without np.mean's Python layer
    u = x - xm
    suu = float(u @ u)
    if suu <= 0.0:
        raise ValueError("line_fit needs at least two distinct x values")
    slope = float(u @ y) / suu
    return np.array([slope, float(y.sum() / len(y)) - slope * xm])


def _parabola_basis(x: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Rows 1, u, u^2 for u = (x - mean) / spread: the basis in which the normal
    equations of a parabola fit are well conditioned (condition number below ~30
    for any spread of points). Returns (basis 3 x N, mean, spread)."""
    xm = float(x.sum() / len(x))  # the mean, without np.mean's Python layer
    d = x - xm
    sc = float(np.abs(d).max())
    if not sc > 0.0:
        raise ValueError("a parabola fit needs at least three distinct x values")
    V = np.empty((3, len(x)))
    V[0] = 1.0
    np.divide(d, sc, out=V[1])
    np.multiply(V[1], V[1], out=V[2])
    return V, xm, sc


def _solve_parabola(V: np.ndarray, y: np.ndarray, w: Optional[np.ndarray] = None) -> Optional[tuple[float, float, float]]:
    """Least-squares (p0, p1, p2) of y = p0 + p1 u + p2 u^2 over the basis from
    :func:`_parabola_basis`, counting only points where ``w`` is true (all if None).

    The 3x3 normal equations are solved by Cramer's rule in plain floats: numpy's
    per-call cost, not the arithmetic, is what a fit of ~100 points spends its time
    on. None when the points do not determine a parabola (fewer than three distinct x).
    """
    Vw = V if w is None else V * w
    # (ndarray.dot calls the same BLAS routines as the @ operator, with less of numpy's dispatch.)
    (n, s1, s2), (_, _, s3), (_, _, s4) = Vw.dot(V.T).tolist()
    t0, t1, t2 = Vw.dot(y).tolist()
    a00, a01, a02 = s2 * n - s1 * s1, s3 * n - s1 * s2, s3 * s1 - s2 * s2
    det = s4 * a00 - s3 * a01 + s2 * a02
    if not det > 1e-9 * n * n * n:
        return None
    p2 = (t2 * a00 - s3 * (t1 * n - s1 * t0) + s2 * (t1 * s1 - s2 * t0)) / det
    p1 = (s4 * (t1 * n - s1 * t0) - t2 * a01 + s2 * (s3 * t0 - t1 * s2)) / det
    p0 = (s4 * (s2 * t0 - t1 * s1) - s3 * (s3 * t0 - t1 * s2) + t2 * a02) / det
    return p0, p1, p2


def _to_powers(p: tuple[float, float, float], xm: float, sc: float) -> np.ndarray:
    """Coefficients over u = (x - xm) / sc as np.polyfit's (x^2, x, 1)."""
    a = p[2] / (sc * sc)
    b = p[1] / sc
    # a (x - xm)^2 + b (x - xm) + p0, expanded.
    return np.array([a, b - 2.0 * a * xm, a * xm * xm - b * xm + p[0]])


def parabola_fit(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Least-squares parabola ``y = c[0] x^2 + c[1] x + c[2]``: the same answer as ``np.polyfit(x, y, 2)``.

    Normal equations in centred and scaled x (see :func:`_parabola_basis`), then
    expanded back to plain powers of x. Several times cheaper than np.polyfit,
    which solves the same problem through an SVD.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    V, xm, sc = _parabola_basis(x)
    p = _solve_parabola(V, y)
    if p is None:
        raise ValueError("a parabola fit needs at least three distinct x values")
    return _to_powers(p, xm, sc)


def robust_parabola(x: np.ndarray, y: np.ndarray) -> Optional[tuple[np.ndarray, float]]:
    """Least-squares parabola y(x) with one pass dropping points far off the fit
    (a hand, an elbow or a fold of clothing on the back line).

    Returns (polyfit coefficients, rms residual of the kept points in px), or
    None with fewer than 6 points left.
    """
    # The two-sided case of the station's one-sided fit: the same passes, the same residual.
    return one_sided_parabola(x, y, k_out=2.5, k_in=2.5, iters=2)


def arc_bend_deg(sagitta: float, chord: float) -> float:
    """Bend angle of the circular arc with this chord and sagitta: ``4*atan(2s/c)``."""
    if chord <= 0:
        raise ValueError("chord must be positive")
    return math.degrees(4.0 * math.atan(2.0 * sagitta / chord))


def outer_contour(mask: np.ndarray) -> Optional[np.ndarray]:
    """Largest external contour of a binary mask as an (N, 2) float array (x, y)."""
    cs, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not cs:
        return None
    c = cs[0] if len(cs) == 1 else max(cs, key=cv2.contourArea)
    return c[:, 0, :].astype(np.float64)


def _smooth_closed(pts: np.ndarray, k: int) -> np.ndarray:
    """Moving average along a closed contour (removes pixel staircase)."""
    if k <= 1 or len(pts) < 2 * k + 1:
        return pts
    ker = _box(k)
    pad = k
    # The wrapped-around outline as two contiguous rows (x, y): np.convolve would copy strided columns.
    ext = np.concatenate([pts[-pad:], pts, pts[:pad]]).T.copy()
    n = len(pts)
    out = np.empty((n, 2))
    out[:, 0] = np.convolve(ext[0], ker, mode="same")[pad:-pad]
    out[:, 1] = np.convolve(ext[1], ker, mode="same")[pad:-pad]
    return out


def _box(k: int) -> np.ndarray:
    """``np.ones(k) / k``, made once per k (a moving average's kernel; callers never write to it)."""
    ker = _BOXES.get(k)
    if ker is None:
        ker = _BOXES[k] = np.ones(k) / k
    return ker


_BOXES: dict[int, np.ndarray] = {}


def _walk(contour: np.ndarray, start: int, direction: int, n: int) -> np.ndarray:
    idx = (start + direction * np.arange(n)) % len(contour)
    return contour[idx]


def _rot(v: np.ndarray) -> np.ndarray:
    """Perpendicular pointing forward (+x) for an upward axis (x right, y down)."""
    return np.array([-v[1], v[0]]) if -v[1] >= 0 else np.array([v[1], -v[0]])


def _rot2(vx: float, vy: float) -> tuple[float, float]:
    """:func:`_rot` on plain floats."""
    return (-vy, vx) if -vy >= 0 else (vy, -vx)


def measure_silhouette(
    mask: np.ndarray,
    wall_side: str,
    height_px: Optional[float] = None,
    body: BodyModel = BodyModel(),
    soft: Optional[np.ndarray] = None,
    image: Optional[np.ndarray] = None,
    edge_reach: float = 2.5,
    edge_required: bool = True,
    min_contrast: float = 12.0,
    edge_outermost: bool = False,
    buttock_open: float = 0.0,
    buttock_bump_min: float = 0.0,
    floor_below: float = 0.0,
) -> Optional[SilhouetteMeasures]:
    """Measure trunk inclination, back bend, knee angle and heel rise from one person's mask.

    ``soft``: optional float map of the same size whose zero level is the person's
    edge (positive inside), e.g. a segmenter's probability minus its threshold.
    The back segment's points are moved to where it crosses zero, which recovers
    the sub-pixel edge a binary mask throws away: a back rounding by 10 deg bows
    out by only about 1 px over the lumbar-to-upper-back chord at 640x480.
    ``image``: optional BGR frame (same size). When given, the back segment's
    points are instead moved to the strongest colour edge within 2.5 px of the
    mask's edge (sub-pixel peak of the gradient across the back), which is more
    precise than any mask; points where the edge is faint keep the mask's edge.
    ``edge_reach``: how far (px) from the mask's edge that search goes; a coarse
    mask (a learned model run at low resolution) needs more.
    ``edge_required``: a back without a colour edge next to the mask's edge is doubted (its
    confidence falls). Right for a learned mask, whose "back" may be a blob around the person; a
    background model's mask is its own evidence, and in a dim room the colour edge is faint.
    ``min_contrast``: the colour step (0-255 units per pixel) that counts as an edge; contrast scales
    with the light, so a dim room needs a lower one.
    ``edge_outermost``: take the outermost edge within reach rather than the strongest (for a
    coarse mask whose search reaches over an arm or a sleeve inside the back).
    ``buttock_open``: when > 0, the buttock is the rearmost point in the hip band of the mask
    opened by a disc of this fraction of ``height_px``: a learned mask reaches out to a dark thing
    on the wall that the hinged buttocks touch (a switch, a socket), and that bump, not the
    buttock, was the rearmost point (the hip then sat too far back and the trunk read ~8 deg too
    inclined). A buttock (radius ~0.06 H) survives the opening; a small bump does not.
    ``buttock_bump_min``: the opened mask's buttock is taken only when it lies more than this fraction
    of ``height_px`` (and at least a pixel) farther from the wall: a sharp outline's own pixel noise at
    the rear, which the opening also shaves by a pixel or two, is no bump.

    ``floor_below``: the floor lies this many px below the mask's lowest row (feet the mask lost,
    PostureEstimator._floor_below): the hips and the knee's rows are placed from there; the ankle and
    the heel are still read off the mask's own lowest rows.

    ``mask``: HxW uint8/bool, only the tracked person set. ``wall_side``:
    ``"left"`` or ``"right"`` (where the person's back is). ``height_px``: the
    person's standing height in pixels (defaults to the mask's height, which is
    right only while standing). Returns None when there is no usable blob.
    """
    if wall_side not in ("left", "right"):
        raise ValueError(f"wall_side must be 'left' or 'right', not {wall_side!r}")
    # Only the mask is flipped for a right wall; the image and soft map are sampled at
    # mirrored coordinates instead, through a small flipped window (copying a flipped
    # 3-channel crop cost more than all the sampling done in it).
    m = cv2.compare(mask, 0, cv2.CMP_GT) if mask.dtype == np.uint8 else (mask > 0).astype(np.uint8)
    W = m.shape[1]
    flip = wall_side == "right"
    unflipped = m
    if flip:
        m = cv2.flip(m, 1)
    res = _measure_left(m, height_px, body, soft, image, edge_reach, mirrored=flip, edge_required=edge_required,
                        min_contrast=min_contrast, edge_outermost=edge_outermost, buttock_open=buttock_open,
                        buttock_bump_min=buttock_bump_min,
                        m_mirror=unflipped if flip else None, floor_below=floor_below)
    if res is None or not flip:
        return res
    return _flip_measures(res, W)


def shift_measures(r: SilhouetteMeasures, dx: float, dy: float) -> SilhouetteMeasures:
    """Move every point of ``r`` by (dx, dy): from a crop's pixels to the frame's."""
    def sp(p):
        return None if p is None else (p[0] + dx, p[1] + dy)

    x, y, w, h = r.bbox
    r.bbox = (int(x + dx), int(y + dy), w, h)
    r.floor_y += dy
    # (Each field by name: a loop over getattr/setattr cost more than the arithmetic.)
    r.buttock, r.hip, r.shoulder = sp(r.buttock), sp(r.hip), sp(r.shoulder)
    r.knee, r.ankle, r.heel, r.toe = sp(r.knee), sp(r.ankle), sp(r.heel), sp(r.toe)
    if len(r.back_path) or len(r.back_segment):
        off = np.array([dx, dy])
        if len(r.back_path):
            r.back_path = r.back_path + off
        if len(r.back_segment):
            r.back_segment = r.back_segment + off
    if r.chord is not None:
        r.chord = (sp(r.chord[0]), sp(r.chord[1]))
    return r


def _flip_measures(r: SilhouetteMeasures, W: int) -> SilhouetteMeasures:
    def fp(p):
        return None if p is None else (W - 1 - p[0], p[1])

    def fa(a: np.ndarray) -> np.ndarray:
        if len(a) == 0:
            return a
        b = a.copy()
        np.subtract(W - 1, a[:, 0], out=b[:, 0])  # b[:, 0] = W - 1 - b[:, 0], without the temporary
        return b

    x, y, w, h = r.bbox
    r.bbox = (W - x - w, y, w, h)
    return map_points(r, fp, fa)


def map_points(r: SilhouetteMeasures, fp: Callable, fa: Callable[[np.ndarray], np.ndarray]) -> SilhouetteMeasures:
    """Every point of ``r`` through ``fp`` ((x, y) or None -> (x, y) or None) and its point arrays (the
    back's path and segment) through ``fa``; ``bbox`` and ``floor_y`` are the caller's."""
    r.buttock, r.hip, r.shoulder = fp(r.buttock), fp(r.hip), fp(r.shoulder)
    r.knee, r.ankle, r.heel, r.toe = fp(r.knee), fp(r.ankle), fp(r.heel), fp(r.toe)
    r.back_path = fa(r.back_path)
    r.back_segment = fa(r.back_segment)
    if r.chord is not None:
        r.chord = (fp(r.chord[0]), fp(r.chord[1]))
    return r


def _float_window(image: np.ndarray, mx: np.ndarray, my: np.ndarray, mirrored: bool,
                  span: Optional[tuple[float, float, float, float]] = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The part of ``image`` that samples at float32 coordinates (mx, my) can touch, as float32,
    with the coordinates moved into it: (window, wx, wy) for ``cv2.remap(window, wx, wy, ...)``.

    Interpolating in float matters (uint8 would round every sample), but converting
    the whole crop costs more than the sampling itself. The window reaches the
    image's border wherever the samples do, so BORDER_REPLICATE still clamps to
    the image's own edge pixels; shifting float32 coordinates by an integer is
    exact, so remap's 1/32-px fixed-point grid sees the same fractions and the
    samples equal those taken in the whole image.

    ``mirrored``: the coordinates are in the left-right mirror of ``image`` (a
    right wall is measured flipped). Then only the small window is flipped, which
    gives bit-for-bit the samples of a flipped copy of the whole image.
    ``span``: (x min, x max, y min, y max) of the coordinates if the caller knows
    them (to within a fraction of a pixel: the window has a pixel to spare), which
    saves four reductions over the coordinate maps.
    """
    Hi, Wi = image.shape[:2]
    if span is None:
        span = (float(mx.min()), float(mx.max()), float(my.min()), float(my.max()))
    x_lo = min(max(int(math.floor(span[0])) - 2, 0), Wi - 1)
    x_hi = max(min(int(math.ceil(span[1])) + 3, Wi), x_lo + 1)
    y_lo = min(max(int(math.floor(span[2])) - 2, 0), Hi - 1)
    y_hi = max(min(int(math.ceil(span[3])) + 3, Hi), y_lo + 1)
    if mirrored:
        win = cv2.flip(image[y_lo:y_hi, Wi - x_hi : Wi - x_lo], 1)
    else:
        win = image[y_lo:y_hi, x_lo:x_hi]
    return win.astype(np.float32), mx - np.float32(x_lo), my - np.float32(y_lo)


def _refine_edge(pts: np.ndarray, normal: np.ndarray, soft: np.ndarray, reach: float = 2.5,
                 mirrored: bool = False) -> np.ndarray:
    """Move each point along ``normal`` (pointing out of the body) to the soft map's zero crossing.

    ``mirrored``: the points are in the left-right mirror of ``soft``."""
    ks = np.arange(-reach, reach + 1e-9, 0.25)
    P = pts[:, None, :] + ks[None, :, None] * normal[None, None, :]
    win, wx, wy = _float_window(soft, P[..., 0].astype(np.float32), P[..., 1].astype(np.float32), mirrored)
    vals = cv2.remap(win, wx, wy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    inside = vals > 0
    # Crossing from inside to outside between sample j and j+1; take the one nearest the start point.
    cross = inside[:, :-1] & ~inside[:, 1:]
    out = pts.copy()
    centre = len(ks) // 2
    for i in np.flatnonzero(cross.any(axis=1)):
        js = np.flatnonzero(cross[i])
        j = js[np.argmin(np.abs(js - centre))]
        v0, v1 = vals[i, j], vals[i, j + 1]
        f = v0 / (v0 - v1) if v0 != v1 else 0.5
        out[i] = pts[i] + (ks[j] + f * (ks[j + 1] - ks[j])) * normal
    return out


_GRADIENT_STEP = 0.25  # px between samples across the edge


def _gradient_offsets(reach: float, inward: Optional[float] = None) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Sample offsets across the edge for :func:`_refine_edge_gradient`, cached per reach.

    Returns (ks: sample offsets, kc: offsets of the 1-px differences, w0, w1: the
    slice of kc within ``reach``). The search window never includes kc's first or
    last entry (kc reaches at least 0.25 px beyond ``reach`` on both sides), so a
    peak always has neighbours on both sides for its sub-pixel fit.
    """
    inward = reach if inward is None else min(inward, reach)
    hit = _OFFSETS.get((reach, inward))
    if hit is None:
        ks = np.arange(-reach - 1.0, reach + 1.0 + 1e-9, _GRADIENT_STEP)
        lag = int(round(0.5 / _GRADIENT_STEP))  # derivative over 1 px
        kc = ks[lag:-lag]
        inside = np.flatnonzero((kc <= reach) & (kc >= -inward))
        w0, w1 = int(inside[0]), int(inside[-1]) + 1
        assert w0 >= 1 and w1 <= len(kc) - 1
        hit = _OFFSETS[(reach, inward)] = (ks, kc, w0, w1)
    return hit


_OFFSETS: dict[tuple[float, float], tuple[np.ndarray, np.ndarray, int, int]] = {}


def _refine_edge_gradient(pts: np.ndarray, normal: np.ndarray, image: np.ndarray, reach: float = 2.5,
                          min_contrast: float = 12.0, mirrored: bool = False,
                          inward: Optional[float] = None, outermost: bool = False,
                          seen_frac: float = 1.0) -> tuple[np.ndarray, float]:
    """Move each point along ``normal`` to the sub-pixel peak of the colour gradient across the edge.

    Outward (``normal`` points out of the body) the search reaches ``reach``; inward ``inward``
    (default: as far). A learned mask is blobby and often larger than the person, so its true edge
    can lie well inside; but inside lie other edges too (an arm beside the back): on clothing the
    colour of the wall the search is pulled onto them (a known limitation, see the README).

    ``normal``: one direction for every point, or one per point (N x 2: one call for the two ends of
    a row, which costs about half as much as two). ``mirrored``: the points are in the left-right mirror of
    ``image``. Returns the moved points and the fraction of them that found an edge (peak >= ``min_contrast``;
    with ``seen_frac`` < 1, the fraction with a peak of at least that part of it, while only points at
    ``min_contrast`` are moved: see ``BodyModel.edge_seen_frac``).
    """
    ks, kc, w0, w1 = _gradient_offsets(reach, inward)
    lag = (len(ks) - len(kc)) // 2
    if normal.ndim == 2:  # one normal per point: the samples' box from the coordinate maps themselves
        nx, ny = normal[:, 0:1], normal[:, 1:2]
        span = None
    else:
        nx, ny = float(normal[0]), float(normal[1])
        # Sample points pts + k * normal, as N x K coordinate maps, and the box they span.
        px_, py_ = pts[:, 0], pts[:, 1]
        x0, x1, y0, y1 = float(px_.min()), float(px_.max()), float(py_.min()), float(py_.max())
        k0, k1 = float(ks[0]), float(ks[-1])
        span = (x0 + min(k0 * nx, k1 * nx), x1 + max(k0 * nx, k1 * nx),
                y0 + min(k0 * ny, k1 * ny), y1 + max(k0 * ny, k1 * ny))
    mag = _colour_steps(*_float_window(image, (pts[:, 0:1] + ks * nx).astype(np.float32),
                                       (pts[:, 1:2] + ks * ny).astype(np.float32), mirrored, span), lag)
    # Strongest edge within reach, and its neighbours for a parabola through the peak.
    j = mag[:, w0:w1].argmax(axis=1) + w0
    if outermost:
        # The back is the body's last edge before the scene: of the edges within reach (local peaks
        # of at least ``min_contrast``), the one farthest out; inner ones are an arm, a sleeve or a fold.
        win_ = mag[:, w0 - 1 : w1 + 1]
        peak = (win_[:, 1:-1] >= win_[:, :-2]) & (win_[:, 1:-1] > win_[:, 2:]) & (win_[:, 1:-1] >= min_contrast)
        has = peak.any(axis=1)
        last = peak.shape[1] - 1 - peak[:, ::-1].argmax(axis=1)
        j = np.where(has, last + w0, j)
    flat = mag.ravel()
    at = np.arange(0, mag.size, mag.shape[1]) + j
    y0, y1, y2 = flat.take(at - 1), flat.take(at), flat.take(at + 1)
    ok = y1 >= min_contrast
    den = y0 - 2 * y1 + y2
    big = np.abs(den) > 1e-6
    if big.all():  # the usual case: the same quotients without the guards
        off = 0.5 * (y0 - y2) / den
    else:
        off = np.where(big, 0.5 * (y0 - y2) / np.where(big, den, 1.0), 0.0)
    shift = kc.take(j) + np.minimum(np.maximum(off, -1.0), 1.0) * _GRADIENT_STEP
    n_ok = int(np.count_nonzero(ok))
    nrm = normal if normal.ndim == 2 else normal[None, :]
    if n_ok == len(ok):  # every point found its edge: the same sums without the selections
        out = pts + shift[:, None] * nrm
    else:
        out = pts.copy()
        out[ok] = pts[ok] + shift[ok, None] * (nrm[ok] if normal.ndim == 2 else nrm)
    n_seen = n_ok if seen_frac >= 1.0 else int(np.count_nonzero(y1 >= seen_frac * min_contrast))
    return out, float(n_seen) / len(ok) if len(ok) else 0.0


def _colour_steps(win: np.ndarray, wx: np.ndarray, wy: np.ndarray, lag: int) -> np.ndarray:
    """The colour samples at (wx, wy) in ``win`` (N x K coordinate maps, from :func:`_float_window`) and the
    size of the colour step between samples ``2 lag`` apart along each row: N x (K - 2 lag), centred."""
    vals = cv2.remap(win, wx, wy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)  # N x K x 3
    g = vals[:, 2 * lag :, :] - vals[:, : -2 * lag, :]
    g *= g
    return np.sqrt(g[..., 0] + g[..., 1] + g[..., 2])


def _edge_peaks(pts: np.ndarray, normal: np.ndarray, image: np.ndarray, reach: float,
                mirrored: bool = False) -> np.ndarray:
    """Per point, the largest 1-px colour step along ``normal`` within ``reach`` (the magnitude
    :func:`_refine_edge_gradient` finds its edge at, without moving anything)."""
    ks, kc, w0, w1 = _gradient_offsets(reach, None)
    nx, ny = float(normal[0]), float(normal[1])
    mag = _colour_steps(*_float_window(image, (pts[:, 0:1] + ks * nx).astype(np.float32),
                                       (pts[:, 1:2] + ks * ny).astype(np.float32), mirrored),
                        (len(ks) - len(kc)) // 2)
    return mag[:, w0:w1].max(axis=1)


def _refine_edge_step(pts: np.ndarray, normal: np.ndarray, image: np.ndarray, reach: float = 1.25,
                      min_contrast: float = 12.0, mirrored: bool = False,
                      ref: tuple[float, float] = (1.5, 3.0)) -> tuple[np.ndarray, float]:
    """Move each point along ``normal`` (out of the body) to where the colour across the edge crosses
    halfway from the body's colour to the scene's, within ``reach`` of the mask's edge.

    The two colours are the medians, over the whole segment, of the samples ``ref[0]`` to ``ref[1]`` px
    inside and outside the mask's edge; each profile is projected on their difference (1 inside, 0
    outside) and the crossing of 0.5 nearest the mask's edge is interpolated linearly; points with no
    crossing within reach take their neighbours' offset. Reading a level rather than differentiating
    it: on a small, dim, JPEG-compressed back the colour step is in half-resolution chroma, and the
    peak of a 1-px difference lands on noise. Returns the moved
    points and the fraction that found a crossing (0, and the mask's edge, when the two colours differ by
    less than ``min_contrast``).
    """
    R = max(ref[1], reach) + _GRADIENT_STEP
    ks = _STEP_OFFSETS.get(R)
    if ks is None:
        ks = _STEP_OFFSETS[R] = np.arange(-R, R + 1e-9, _GRADIENT_STEP)
    nx, ny = float(normal[0]), float(normal[1])
    win, wx, wy = _float_window(image, (pts[:, 0:1] + ks * nx).astype(np.float32),
                                (pts[:, 1:2] + ks * ny).astype(np.float32), mirrored)
    vals = cv2.remap(win, wx, wy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)  # N x K x 3
    k_in = (ks <= -ref[0]) & (ks >= -ref[1])
    k_out = (ks >= ref[0]) & (ks <= ref[1])
    c_in = np.median(vals[:, k_in, :].reshape(-1, 3), axis=0)
    c_out = np.median(vals[:, k_out, :].reshape(-1, 3), axis=0)
    diff = c_in - c_out
    C = float(np.sqrt(diff @ diff))
    if not C >= max(min_contrast, 1e-6):
        return pts.copy(), 0.0
    a = ((vals - c_out) @ (diff / (C * C))) - 0.5  # > 0 on the body's side of halfway
    # From the body's side to the scene's between samples j and j + 1, with j within reach.
    cross = (a[:, :-1] > 0) & (a[:, 1:] <= 0)
    kk = ks[:-1]
    cross &= ((kk >= -reach - _GRADIENT_STEP) & (kk <= reach))[None, :]
    ok = cross.any(axis=1)
    out = pts.copy()
    # Per point, the crossing nearest the mask's edge (the lower index on a tie).
    centre = int(np.argmin(np.abs(ks)))
    far = np.abs(np.arange(cross.shape[1]) - centre)
    j = np.where(cross, far, cross.shape[1]).argmin(axis=1)[ok]
    rows = np.flatnonzero(ok)
    v0, v1 = a[rows, j].astype(np.float64), a[rows, j + 1].astype(np.float64)  # a is float32: divide in double
    same = v0 == v1
    f = np.where(same, 0.5, v0 / np.where(same, 1.0, v0 - v1))
    out[ok] = pts[ok] + (ks[j] + f * _GRADIENT_STEP)[:, None] * normal[None, :]
    if ok.any() and not ok.all():
        # A point with no crossing within reach (the mask's edge more than ``reach`` off: a background
        # model's outline wanders by a pixel or two in the noise) takes the offset of its neighbours
        # along the back, which is continuous, rather than the mask's edge (its wander read as bends
        # of +-30 deg).
        idx = np.arange(len(pts))
        off = ((out - pts) @ normal)[ok]
        out[~ok] = pts[~ok] + np.interp(idx[~ok], idx[ok], off)[:, None] * normal
    return out, float(np.count_nonzero(ok)) / len(ok) if len(ok) else 0.0


_STEP_OFFSETS: dict[float, np.ndarray] = {}


def _measure_left(
    m: np.ndarray,
    height_px: Optional[float],
    body: BodyModel,
    soft: Optional[np.ndarray] = None,
    image: Optional[np.ndarray] = None,
    edge_reach: float = 2.5,
    mirrored: bool = False,
    edge_required: bool = True,
    min_contrast: float = 12.0,
    edge_outermost: bool = False,
    buttock_open: float = 0.0,
    buttock_bump_min: float = 0.0,
    m_mirror: Optional[np.ndarray] = None,
    floor_below: float = 0.0,
) -> Optional[SilhouetteMeasures]:
    """Measure a mask whose back is on the left. ``mirrored``: ``m`` is the left-right
    mirror of ``image``/``soft`` (a right wall), so they are sampled at mirrored x. ``m_mirror``:
    ``cv2.flip(m, 1)`` if the caller has it (the mask as it came, for a right wall)."""
    # Rows holding any of the person: one pass, reused for the legs' row extents (on a bool view of
    # the 0/255 mask: the same answer, faster than over uint8).
    has_row = m.view(np.bool_).any(axis=1)
    rows = has_row.nonzero()[0]
    if len(rows) < 20:
        return None
    top, bottom = int(rows[0]), int(rows[-1])
    left, _, bw, _ = cv2.boundingRect(m)  # a uint8 image: the box of its nonzero pixels
    right = left + bw - 1
    H = float(height_px) if height_px else float(bottom - top + 1)
    floor_y = float(bottom) + floor_below
    res = SilhouetteMeasures(height_px=H, floor_y=floor_y, bbox=(left, top, right - left + 1, bottom - top + 1))
    contour = outer_contour(m)
    if contour is None or len(contour) < 40:
        return res
    # Smooth over ~1% of H: removes the staircase without rounding off the body.
    k = max(3, int(round(H * 0.012)) | 1)
    sc = _smooth_closed(contour, k)
    near = _rearmost(sc, floor_y, H, body)  # find_buttock's points, scanned once for both uses below
    if len(near) == 0:
        return res
    bi = _middle(near)  # find_buttock's choice
    if image is not None:
        bi = _rear_on_image(sc, near, bi, H, body, image, mirrored, edge_reach, min_contrast, edge_outermost)
    res.buttock = (float(sc[bi, 0]), float(sc[bi, 1]))
    if buttock_open > 0:
        found = _buttock_without_bumps(m, sc, bi, floor_y, H, body, buttock_open, k, buttock_bump_min)
        if found is not None:
            bi, res.buttock = found
    if body.buttock_circle:
        found = buttock_by_circle(sc, bi, floor_y, H, body)
        if found is not None:
            bi, res.buttock = found
    path = back_path(sc, bi, H)
    res.back_path = path
    if len(path) < 10:
        return res
    flat = rear_flat(sc, res.buttock, H, body) if body.contact_flat else None
    # The axis with the contact flat, and (when there is a flat) without it for the back's window below.
    axis, plain = _trunk_axes(path, res.buttock, H, body, flat, True)
    if axis is None:
        return res
    (Jx, Jy), (ax, ay) = axis
    T = body.trunk_len * H
    Sx, Sy = Jx + ax * T, Jy + ay * T
    res.hip = (Jx, Jy)
    res.shoulder = (Sx, Sy)
    # 0 = upright, positive = leaning forward (+x); back is to the left.
    res.trunk_inclination_deg = math.degrees(math.atan2(Sx - Jx, -(Sy - Jy)))
    res.conf_trunk = _size_conf(T, body.trunk_full_px)
    # The virtual dowel's window (sacrum_frac..neck_frac and the fit's ends) was chosen and checked with
    # the hip of the fixed round, so the back is measured from that axis: the contact flat changes the
    # trunk inclination, not where the back is read (moving the window too changed verdicts; README, round 8).
    back_axis = axis if flat is None else (plain or axis)
    measure_back(path, back_axis, H, body, res, soft=soft, image=image, edge_reach=edge_reach, mirrored=mirrored,
                 edge_required=edge_required, min_contrast=min_contrast, edge_outermost=edge_outermost)
    _measure_legs(m, res, np.array([Jx, Jy]), body, has_row, m_mirror, image=image, mirrored=mirrored,
                  edge_reach=edge_reach, min_contrast=min_contrast, feet_lost=floor_below > 0)
    return res


def _rearmost(sc: np.ndarray, floor_y: float, H: float, body: BodyModel) -> np.ndarray:
    """Indices of the (smoothed) outline's points in the hip band within half a pixel of the most wall-ward
    one (empty when none lies in the band)."""
    y_lo = floor_y - body.hip_band[1] * H
    y_hi = floor_y - body.hip_band[0] * H
    band = ((sc[:, 1] >= y_lo) & (sc[:, 1] <= y_hi)).nonzero()[0]
    if len(band) == 0:
        return band
    xb = sc[:, 0].take(band)
    return band[xb <= xb.min() + 0.5]


def find_buttock(sc: np.ndarray, floor_y: float, H: float, body: BodyModel) -> Optional[int]:
    """Index on the (smoothed) outline of the buttock point: most wall-ward in the hip band."""
    near = _rearmost(sc, floor_y, H, body)
    if len(near) == 0:
        return None
    return _middle(near)


def _middle(near: np.ndarray) -> int:
    """The buttock among the rearmost points: several contour runs can touch the minimum (a flat buttock),
    so the middle one."""
    return int(near[len(near) // 2])


def _rear_on_image(sc: np.ndarray, near: np.ndarray, bi: int, H: float, body: BodyModel, image: np.ndarray,
                   mirrored: bool, reach: float, min_contrast: float, outermost: bool) -> int:
    """The buttock's index on a rear that is flat on the mask (``BodyModel.buttock_flat_run``; ``near``: the
    rearmost points, :func:`_rearmost`): the rearmost of them once moved onto the frame's colour edge, the
    middle of those within half a pixel of it, as :func:`find_buttock` takes on the mask. ``bi`` (the mask's
    own choice) when the rear is not that flat, or when fewer than half of its points find an edge."""
    ys = sc[:, 1].take(near)
    if float(ys.max() - ys.min()) <= body.buttock_flat_run * H:
        return bi
    moved, support = _refine_edge_gradient(sc.take(near, axis=0), np.array([-1.0, 0.0]), image, reach=reach,
                                           min_contrast=min_contrast, mirrored=mirrored, outermost=outermost)
    if support < 0.5:
        return bi
    # A 5-point median along the rear: one noisy pixel of the image is no buttock.
    x = cv2.medianBlur(moved[:, 0].astype(np.float32).reshape(-1, 1), 5).ravel()
    return _middle(near[x <= float(x.min()) + 0.5])


def buttock_by_circle(sc: np.ndarray, bi: int, floor_y: float, H: float,
                      body: BodyModel) -> Optional[tuple[int, tuple[float, float]]]:
    """The buttock's height from the round the outline's rear bows around: every outline point near
    the rearmost one votes for the centre of a circle of ``buttock_r`` behind which it would lie, and
    the centre most points agree on wins. When the rearmost point ``sc[bi]`` lies more than
    ``buttock_corner`` H below that round's middle, returns (index of the outline point nearest the
    corrected buttock, the buttock at the round's height and the rearmost point's distance from the
    wall); otherwise (or when too few points lie on one round) None.

    The rearmost outline point alone is not the buttock when something square sticks out behind the
    round and below its middle (the top corner of a trouser leg under a hinged pelvis): it sat 7-9 px
    (0.02-0.03 H) below the buttock in the hinges of `noisy_sensor` seed 1 and `hoodie` seed 2, the hip
    joint with it, so the trunk read 5-6 deg too upright and the whole-back window slid down the back
    by a tenth of its length, below a kyphotic upper back's bend: rounded reps read good."""
    r = body.buttock_r * H
    y_lo = floor_y - body.hip_band[1] * H
    y_hi = floor_y - body.hip_band[0] * H
    step = max(2, int(round(0.01 * H)))
    xmin, ymin = float(sc[bi, 0]), float(sc[bi, 1])
    # Only the outline around the rearmost point votes: the round is next to it, never a hand's
    # breadth above (a standing lumbar curve is another round).
    sx, sy = sc[:, 0], sc[:, 1]
    near = ((np.abs(sy - ymin) <= 1.5 * r) & (sx <= xmin + 1.2 * r)).nonzero()[0]
    # Outward normals (from the tangent over +-1 % of H), oriented so that at the rearmost point it
    # points to the wall (-x).
    idx = np.concatenate([near, [bi]])
    # (take with mode 'wrap' is the gather at (idx +- step) % n, without the integer modulo.)
    tan = sc.take(idx + step, axis=0, mode="wrap") - sc.take(idx - step, axis=0, mode="wrap")
    norm = np.hypot(tan[:, 0], tan[:, 1])
    ok = norm > 1e-9
    if ok.all():  # the usual case: the same quotients without the guards' temporaries
        nx, ny = tan[:, 1] / norm, -tan[:, 0] / norm
    else:
        nx = np.where(ok, tan[:, 1] / np.where(ok, norm, 1.0), 0.0)
        ny = np.where(ok, -tan[:, 0] / np.where(ok, norm, 1.0), 0.0)
    if nx[-1] > 0:
        nx, ny = -nx, -ny
    keep = (ok & (nx < 0.0))[:-1]
    sel, nx, ny = near[keep], nx[:-1][keep], ny[:-1][keep]
    if len(sel) < 8:
        return None
    ps = sc.take(sel, axis=0)  # one gather for both coordinates
    sxs, sys_ = ps[:, 0], ps[:, 1]
    cx = sxs - r * nx
    cy = sys_ - r * ny
    x0, y0 = math.floor(cx.min()) - 3, math.floor(cy.min()) - 3
    w, h = int(math.ceil(cx.max())) - x0 + 4, int(math.ceil(cy.max())) - y0 + 4
    # (np.round with no decimals is np.rint, without its Python layer.)
    cells = np.rint(cy - y0).astype(np.intp) * w + np.rint(cx - x0).astype(np.intp)
    acc = np.bincount(cells, minlength=h * w).astype(np.float32).reshape(h, w)
    # cv2.GaussianBlur(acc, (0, 0), 1.5) is this separable filter with its own 13-tap float32 kernel,
    # made here once instead of on every call.
    acc = cv2.sepFilter2D(acc, -1, _GAUSS_15, _GAUSS_15)
    iy, ix = divmod(int(acc.argmax()), acc.shape[1])  # np.unravel_index's answer, for a 2-D array
    Cx, Cy = float(ix + x0), float(iy + y0)
    d = np.hypot(sxs - Cx, sys_ - Cy)
    on = np.abs(d - r) <= max(1.5, 0.1 * r)
    n_on = int(np.count_nonzero(on))
    if n_on < max(8, int(0.5 * r)):  # less than about a quarter of the round
        return None
    # Refine the centre on the points of that round (the mean of their votes: the sum over the count,
    # as np.mean computes it, without its Python layer).
    Cx, Cy = float(cx[on].sum() / n_on), float(cy[on].sum() / n_on)
    # The round's back lies at the rear: a corner may stick out behind it by a little, not more.
    if not (y_lo <= Cy <= y_hi) or Cx - r > xmin + 0.025 * H or abs(Cy - ymin) > 0.05 * H:
        return None
    # Only a rearmost point clearly below the round's middle is moved (up to the round's height; its
    # distance from the wall is kept): elsewhere the two agree within a few pixels, and the radius,
    # a population figure, is no better than the outline's own rearmost point.
    if ymin - Cy < body.buttock_corner * H:
        return None
    B = (xmin, Cy)
    dx, dy = sx - B[0], sy - B[1]
    return int((dx * dx + dy * dy).argmin()), B  # (x ** 2 is x * x)


# cv2.GaussianBlur's kernel for sigma 1.5 on float32 (its size: round(1.5 * 4 * 2 + 1) | 1 = 13 taps).
_GAUSS_15 = cv2.getGaussianKernel(13, 1.5, cv2.CV_32F)


def _buttock_without_bumps(m: np.ndarray, sc: np.ndarray, bi: int, floor_y: float, H: float, body: BodyModel,
                           frac: float, smooth_k: int,
                           bump_min: float = 0.0) -> Optional[tuple[int, tuple[float, float]]]:
    """The buttock found on ``m`` opened by a disc of ``frac`` H, where it lies farther from the wall
    than ``sc[bi]`` by more than ``bump_min`` H and a pixel (a bump was removed): (index of the nearest
    point of ``sc``, where the back's outline is walked from; the buttock point itself). None when the
    opening changes nothing, or less than that."""
    k = max(3, int(round(frac * H)) | 1)
    # Only the hip band (plus a margin of the disc's size) is opened and outlined.
    y0 = max(0, int(floor_y - body.hip_band[1] * H) - 2 * k)
    y1 = min(m.shape[0], int(floor_y - body.hip_band[0] * H) + 2 * k + 1)
    opened = _open_ellipse(m[y0:y1], k)
    c = outer_contour(opened)
    if c is None or len(c) < 20:
        return None
    c[:, 1] += y0
    sc2 = _smooth_closed(c, smooth_k)
    b2 = find_buttock(sc2, floor_y, H, body)
    if b2 is None or sc2[b2, 0] <= sc[bi, 0] + max(1.0, bump_min * H):
        return None
    p = sc2[b2]
    return int(np.argmin(((sc - p) ** 2).sum(axis=1))), (float(p[0]), float(p[1]))


def _open_ellipse(img: np.ndarray, k: int) -> np.ndarray:
    """``cv2.morphologyEx(img, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))``, the
    same pixels, about 2.5 times faster on a uint8 mask (0.20 against 0.54 ms for k = 17 on a 164x150
    hip band of a 640x480 frame's person).

    OpenCV erodes by a non-rectangular element point by point (the 17x17 ellipse has 213 points; about
    0.25 ms an erosion on that band, twice per opening). The ellipse is a stack of horizontal runs,
    each containing the middle column, so the erosion (min over the element) is the min over its rows
    of the image eroded by each row's run, and each run's erosion grows from the narrower one by one
    column on either side: about 2k whole-image mins and maxes instead of k^2. Outside the image is
    neutral (255 for the min, 0 for the max), as OpenCV's default border for morphology is. Any other
    element (a run not holding the middle) falls back to OpenCV."""
    runs = _ELLIPSE_RUNS.get(k)
    if runs is None:
        se = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
        runs = []
        for row in se:
            nz = np.flatnonzero(row)
            runs.append((int(nz[0]), int(nz[-1])) if len(nz) and nz[-1] - nz[0] + 1 == len(nz) else None)
        _ELLIPSE_RUNS[k] = runs
    c = k // 2
    if (img.dtype != np.uint8 or img.ndim != 2 or img.size == 0
            or any(r is None or not r[0] <= c <= r[1] for r in runs)):
        return cv2.morphologyEx(img, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    return _morph_runs(_morph_runs(img, runs, c, True), runs, c, False)


_ELLIPSE_RUNS: dict[int, list] = {}


def _morph_runs(img: np.ndarray, runs: list, c: int, erode: bool) -> np.ndarray:
    """Erosion (or dilation) of ``img`` by the element whose row i is the column run ``runs[i]``
    (each holding column ``c``), anchored at (c, c): see :func:`_open_ellipse`.

    The image is padded with ``c`` neutral columns on either side and worked on as one flat array, so
    that every shift (a column: 1, a row: the padded width) is a contiguous slice: a shift by up to ``c``
    columns reads the row's own padding, never the next row's pixels."""
    red = np.minimum if erode else np.maximum
    neutral = 255 if erode else 0
    h, w = img.shape
    W = w + 2 * c
    f = cv2.copyMakeBorder(img, 0, 0, c, c, cv2.BORDER_CONSTANT, value=neutral).ravel()
    n = f.size
    # The image eroded by each distinct run, widening [lo, hi] from [c, c] one column at a time.
    by_run: dict[tuple[int, int], np.ndarray] = {}
    cur = f.copy()
    lo = hi = c
    for run in sorted(set(runs), key=lambda r: (r[1] - r[0], r)):
        while lo > run[0] or hi < run[1]:
            if lo > run[0]:
                lo -= 1
                d = c - lo  # cur(x) takes f(x - d) too
                red(cur[d:], f[: n - d], out=cur[d:])
            if hi < run[1]:
                hi += 1
                d = hi - c  # and f(x + d)
                red(cur[: n - d], f[d:], out=cur[: n - d])
        if (lo, hi) != run:  # runs not nested one in the next (not an ellipse's): OpenCV's own
            se = np.array([[r[0] <= j <= r[1] for j in range(len(runs))] for r in runs], np.uint8)
            return cv2.morphologyEx(img, cv2.MORPH_ERODE if erode else cv2.MORPH_DILATE, se, anchor=(c, c))
        by_run[run] = cur.copy()
    # Row i of the element looks at row y + i - c (outside the image: neutral).
    out = by_run[runs[c]].copy()
    for i, run in enumerate(runs):
        dy = i - c
        if dy == 0 or abs(dy) >= h:
            continue
        R = by_run[run]
        s_ = abs(dy) * W
        if dy > 0:
            red(out[: n - s_], R[s_:], out=out[: n - s_])
        else:
            red(out[s_:], R[: n - s_], out=out[s_:])
    return np.ascontiguousarray(out.reshape(h, W)[:, c : c + w])


def back_path(sc: np.ndarray, bi: int, H: float) -> np.ndarray:
    """The outline walked from the buttock point ``bi`` up the back to the top of the head."""
    n_walk = min(len(sc) - 1, int(2.2 * H))
    step = min(max(3, int(0.05 * H)), n_walk - 1)
    # The direction is the one whose point a few steps along is higher; only that walk is built.
    n = len(sc)
    up = +1 if sc[(bi + step) % n, 1] < sc[(bi - step) % n, 1] else -1
    # The walk (:func:`_walk`'s points) as at most two runs of the outline, not a gather.
    if up > 0:
        end = bi + n_walk
        path = sc[bi:end] if end <= n else np.concatenate([sc[bi:], sc[: end - n]])
    else:
        lo = bi - n_walk + 1
        path = sc[lo : bi + 1][::-1] if lo >= 0 else np.concatenate([sc[bi::-1], sc[n + lo :][::-1]])
    # Stop at the top of the head: beyond it the outline comes down the face.
    return path[: int(np.argmin(path[:, 1])) + 1].copy()


def rear_flat(sc: np.ndarray, buttock: tuple[float, float], H: float,
              body: BodyModel) -> Optional[tuple[tuple[float, float], float]]:
    """The straight run of the rear outline at the rearmost x around ``buttock`` (hips pressed against
    the wall; see ``BodyModel.contact_flat``): (the buttock at the run's middle height, the distance of
    the buttock round's centre in front of the run), or None where the outline has no run around the
    buttock (the round's own rear)."""
    r = body.buttock_r * H
    tol = max(0.75, body.flat_tol * H)
    Bx, By = float(buttock[0]), float(buttock[1])
    on = (np.abs(sc[:, 1] - By) <= 1.5 * r) & (sc[:, 0] <= Bx + tol)
    ys = np.sort(sc[on, 1])
    if len(ys) < 2:
        return None
    # The run of heights holding the buttock (the outline may touch the flat's x again elsewhere):
    # runs end at the gaps and at the last height; the first run whose end is not below By.
    gaps = np.flatnonzero((ys[1:] - ys[:-1]) > max(2.0, 0.01 * H))
    if len(gaps) == 0:
        y0, y1 = float(ys[0]), float(ys[-1])
    else:
        j = int(np.searchsorted(ys[gaps], By))  # == len(gaps): the last run
        y0 = float(ys[int(gaps[j - 1]) + 1]) if j > 0 else float(ys[0])
        y1 = float(ys[int(gaps[j])]) if j < len(gaps) else float(ys[-1])
    if not (y0 - 1.0 <= By <= y1 + 1.0):
        return None
    half = min(0.5 * (y1 - y0), 0.95 * r)
    # The points within tol of a round's rear span 2*sqrt(r^2 - (r - tol)^2): the + tol makes that r again.
    d = min(math.sqrt(r * r - half * half) + tol, r)
    return (Bx, 0.5 * (y0 + y1)), d


def trunk_axis(path: np.ndarray, buttock: tuple[float, float], H: float, body: BodyModel,
               flat: Optional[tuple[tuple[float, float], float]] = None,
               ) -> Optional[tuple[tuple[float, float], tuple[float, float]]]:
    """Hip joint and the unit trunk axis (hip to shoulder) from the back path, or None if the
    trunk runs out of the mask (cropped head and shoulders). ``flat``: :func:`rear_flat`'s answer, used
    as the trunk inclines past ``body.flat_from_deg``."""
    return _trunk_axes(path, buttock, H, body, flat, False)[0]


def _trunk_axes(path: np.ndarray, buttock: tuple[float, float], H: float, body: BodyModel,
                flat: Optional[tuple[tuple[float, float], float]], also_plain: bool):
    """(``trunk_axis(..., flat)``, and with ``also_plain`` and a flat, ``trunk_axis(...)`` without it;
    else None). The two share their start (the path point one trunk length from the buttock), and
    where the flat never weighs in (its weight 0 at every step: a trunk inclined less than
    ``flat_from_deg``) every step is the same arithmetic, so the first answer is the second too."""
    T = body.trunk_len * H
    Bx, By = buttock
    # The path's coordinates as contiguous rows (one copy; the many passes below read them faster).
    pxy = path.T.copy()
    px, py = pxy[0], pxy[1]
    r = body.buttock_r * H
    fade = max(body.flat_full_deg - body.flat_from_deg, 1e-6)
    used = [False]

    def hip_from(ax_: float, ay_: float, fl) -> tuple[float, float]:
        # Rearmost point of a round buttock = its centre minus r horizontally; the
        # centre sits behind/below the hip joint in the trunk frame, which turns
        # with the trunk: so the joint's offset from B depends on the axis.
        antx, anty = _rot2(ax_, ay_)
        d, cy = r, By
        if fl is not None:
            w = min(max((math.degrees(math.atan2(ax_, -ay_)) - body.flat_from_deg) / fade, 0.0), 1.0)
            if w != 0.0:
                used[0] = True
            d, cy = r + w * (fl[1] - r), By + w * (fl[0][1] - By)
        return (Bx + d + (body.pelvis_back * antx + body.pelvis_down * ax_) * H,
                cy + (body.pelvis_back * anty + body.pelvis_down * ay_) * H)

    # Initial axis: from B to the path point ~one trunk length away.
    dx, dy = px - Bx, py - By
    beyond = np.sqrt(dx * dx + dy * dy) >= T
    i0 = i = int(beyond.argmax())
    if not beyond[i]:
        return None, None
    ax, ay = float(dx[i]), float(dy[i])
    n = math.sqrt(ax * ax + ay * ay)
    ax, ay = ax / n, ay / n
    thr_u = body.axis_frac * T
    depth = body.upper_depth

    def refine(fl):
        Jx, Jy = hip_from(ax, ay, fl)
        bx, by = ax, ay
        hint = i0 + 16  # the first guess: near the point one trunk length from the buttock
        for _ in range(6):
            # The upper-back point at axis_frac of the trunk lies upper_depth behind the axis: the first
            # path point at least thr_u up the axis (looked for first among the points up to a little
            # beyond the last step's, which the axis turns by little; each point's value is the same
            # whichever slice it is computed in).
            i = _first_at_least(px, py, Jx, Jy, bx, by, thr_u, hint)
            if i < 0:
                return None
            hint = i + 16
            rx, ry = _rot2(bx, by)
            vx = float(px[i]) + rx * depth * H - Jx
            vy = float(py[i]) + ry * depth * H - Jy
            n = math.sqrt(vx * vx + vy * vy)
            nx, ny = vx / n, vy / n
            Jx, Jy = hip_from(nx, ny, fl)
            done = nx * bx + ny * by > 0.999999
            bx, by = nx, ny
            if done:
                break
        return (Jx, Jy), (bx, by)

    first = refine(flat)
    if not also_plain or flat is None or first is None:
        return first, None
    return first, (first if not used[0] else refine(None))


def _first_at_least(px: np.ndarray, py: np.ndarray, Jx: float, Jy: float, ax: float, ay: float, thr: float,
                    hint: int) -> int:
    """Index of the first point whose projection ``(px - Jx) * ax + (py - Jy) * ay`` on the axis is at
    least ``thr`` (-1 if none), looked for first in the points before ``hint``."""
    m = min(max(hint, 1), len(px))
    above = (px[:m] - Jx) * ax + (py[:m] - Jy) * ay >= thr
    i = int(above.argmax())
    if above[i]:
        return i
    if m == len(px):
        return -1
    above = (px[m:] - Jx) * ax + (py[m:] - Jy) * ay >= thr
    i = int(above.argmax())
    return m + i if above[i] else -1


def measure_back(path: np.ndarray, axis: tuple[tuple[float, float], tuple[float, float]], H: float,
                 body: BodyModel, res: SilhouetteMeasures, soft: Optional[np.ndarray] = None,
                 image: Optional[np.ndarray] = None, edge_reach: float = 2.5, mirrored: bool = False,
                 edge_required: bool = True, min_contrast: float = 12.0, edge_outermost: bool = False) -> None:
    """The virtual dowel: the back's bend from sacrum top to neck base, with its confidence (sets
    ``back_segment``, ``chord``, ``sagitta_px``, ``back_bend_deg``, ``conf_back``, ``edge_support``;
    leaves ``back_bend_deg`` None when the back cannot be measured).

    With ``body.back_ends`` the curve is fitted from the lumbar hollow to ``back_top``
    (:func:`_hollow_to_top`); on an outline with no hollow, and on one whose fixed window (``fit_lo`` to
    ``fit_hi``) bends beyond any back's (``max_bend_deg``: a broken outline), over the fixed window. The
    fixed window is fitted only when the hollow's fit is missing or bends more than ``hollow_sure_deg``."""
    (Jx, Jy), (ax, ay) = axis
    T = body.trunk_len * H
    px, py = path[:, 0], path[:, 1]
    t = (px - Jx) * ax + (py - Jy) * ay
    first_up = (t >= T).nonzero()[0]
    end = int(first_up[0]) if len(first_up) else len(path)

    def window() -> np.ndarray:  # the fixed window's indices (made only when it is fitted)
        return ((t[:end] >= body.fit_lo * T) & (t[:end] <= body.fit_hi * T)).nonzero()[0]

    nominal = (body.neck_frac - body.sacrum_frac) * T
    how = (nominal, H, body, soft, image, edge_reach, mirrored, min_contrast, edge_outermost)  # _back_fit's
    if body.back_ends:
        # The window from the lumbar hollow. A gentle bend there is taken as it is; otherwise the fixed
        # window is fitted too: an outline whose fixed window bends beyond any back's is broken whichever
        # window is measured, and keeps that reading (the estimator doubts its trunk).
        ends = _hollow_to_top(path[:end], t[:end], Jx, Jy, ax, ay, T, body)
        if (image is not None and body.hair_cut_max > 0 and res.trunk_inclination_deg is not None
                and abs(res.trunk_inclination_deg) < body.hair_upright_deg):
            kept = _without_hair_on_top(path, ends, image, mirrored, H, body)
            if len(kept) < len(ends):
                res.hair_cut_top = float(t[kept[-1]] / T)
            ends = kept
        alt = _back_fit(path, ends, *how)
        if alt is not None and alt[1] is not None and abs(alt[1][0]) <= body.hollow_sure_deg:
            got = alt
        else:
            got = _back_fit(path, window(), *how)
            if (alt is not None and alt[1] is not None
                    and (got is None or got[1] is None or abs(got[1][0]) <= body.max_bend_deg)):
                got = alt
    else:
        got = _back_fit(path, window(), *how)
    if got is None:
        return
    seg, fit, support = got
    res.edge_support = support
    res.back_segment = seg
    if fit is None:
        return
    bend, s_eq, chord, resid = fit
    chord_len = math.hypot(chord[1][0] - chord[0][0], chord[1][1] - chord[0][1])
    res.back_bend_deg = bend
    res.sagitta_px = s_eq
    res.chord = chord
    # Confidence: the segment must be long enough to resolve a few degrees,
    # the points must sit on one smooth curve (an arm or hole on the back
    # shows up as residual), and the path must be continuous.
    steps = seg[1:] - seg[:-1]  # np.diff's values, without its Python layer
    sq = steps * steps
    smooth = 1.0 if math.sqrt(float((sq[:, 0] + sq[:, 1]).max())) < 0.05 * H else 0.3  # (the row sums, as sum(axis=1))
    clean = _clip01(1.5 - resid / max(body.back_resid_frac * H, 0.6))
    edge = _clip01((res.edge_support - 0.4) / 0.4) if edge_required else 1.0
    # A back is a gentle curve: a bend far beyond any person's (a notch between a hood and the back, a
    # mask that lost the shoulders) is not a back; nor is a segment much shorter than the trunk says.
    plausible = _clip01((body.max_bend_deg - abs(bend)) / 20.0)
    long_enough = _clip01(chord_len / max(1e-9, (body.fit_hi - body.fit_lo) * T) / 0.7)
    res.conf_back = _size_conf(chord_len, body.back_full_px) * smooth * clean * edge * plausible * long_enough
    # The trunk axis leans on the same back edge: doubt it too when the edge is missing.
    res.conf_trunk *= 0.5 + 0.5 * edge


def _back_fit(path: np.ndarray, idx: np.ndarray, nominal: float, H: float, body: BodyModel,
              soft: Optional[np.ndarray], image: Optional[np.ndarray], edge_reach: float, mirrored: bool,
              min_contrast: float, edge_outermost: bool):
    """The back segment ``path[idx[0]:idx[-1]+1]`` moved onto the frame's edge, smoothed over a fold, and
    its bend (:func:`_fit_bend` over ``nominal``). Returns (segment, fit or None, edge support), or None
    with fewer than 8 points."""
    if len(idx) < 8:
        return None
    seg = path[idx[0] : idx[-1] + 1]
    support = 1.0
    # The back is nearly straight here: one outward normal for the whole segment.
    # (np.linalg.norm of a vector is the square root of its dot with itself; the rest on plain floats.)
    v = seg[-1] - seg[0]
    d = max(1e-9, math.sqrt(float(v.dot(v))))
    vx, vy = v.tolist()
    rx, ry = _rot2(vx / d, vy / d)
    nb = np.array([-rx, -ry])
    if image is not None and nominal < body.step_edge_below_px:
        seg, support = _refine_edge_step(seg, nb, image, reach=edge_reach, min_contrast=min_contrast,
                                         mirrored=mirrored, ref=body.step_edge_ref)
    elif image is not None:
        seg0 = seg
        seg, support = _refine_edge_gradient(seg0, nb, image, reach=edge_reach, mirrored=mirrored,
                                             min_contrast=min_contrast, outermost=edge_outermost,
                                             seen_frac=body.edge_seen_frac)
        if support < body.edge_noise_below and body.edge_noise_factor > 0:
            # A faint edge: judged against the scene's own colour steps beside the back (see BodyModel).
            scene = _median(_edge_peaks(seg0 + (body.edge_noise_offset * edge_reach) * nb, nb, image, edge_reach,
                                        mirrored))
            step = max(body.edge_noise_min, body.edge_noise_factor * scene)
            if step < body.edge_seen_frac * min_contrast:
                seg1, support1 = _refine_edge_gradient(seg0, nb, image, reach=edge_reach, mirrored=mirrored,
                                                       min_contrast=step, outermost=edge_outermost)
                if support1 > support:
                    seg, support = seg1, support1
    elif soft is not None:
        seg = _refine_edge(seg, nb, soft, mirrored=mirrored)
    if body.fold_smooth > 0:
        # Folds of a loose top: a moving average along the back over about one fold.
        k = max(1, int(round(body.fold_smooth * H)))
        n = len(seg)
        if n > 2 * k + 1 and k > 1:
            ker = _box(k)
            # The segment with its end points repeated k times on either side, in one array.
            pad = np.empty((n + 2 * k, 2))
            pad[:k] = seg[0]
            pad[k : k + n] = seg
            pad[k + n :] = seg[-1]
            out = np.empty((n, 2))
            out[:, 0] = np.convolve(pad[:, 0], ker, mode="same")[k:-k]
            out[:, 1] = np.convolve(pad[:, 1], ker, mode="same")[k:-k]
            seg = out
    return seg, _fit_bend(seg, nominal, body), support


def _hollow_to_top(path: np.ndarray, t: np.ndarray, Jx: float, Jy: float, ax: float, ay: float, T: float,
                   body: BodyModel) -> np.ndarray:
    """Indices of the back from the lumbar hollow (the outline's point nearest the trunk axis within
    ``hollow_band`` of the trunk: where the buttocks' curve ends and the back begins) up to
    ``back_top`` of the trunk. Empty when either end is missing."""
    band = ((t >= body.hollow_band[0] * T) & (t <= body.hollow_band[1] * T)).nonzero()[0]
    upto = (t <= body.back_top * T).nonzero()[0]
    if len(band) < 3 or len(upto) == 0:
        return np.zeros(0, dtype=np.int64)
    rx, ry = _rot2(ax, ay)  # forward; the back lies behind the axis
    pb = path.take(band, axis=0)
    behind = -((pb[:, 0] - Jx) * rx + (pb[:, 1] - Jy) * ry)
    i = int(behind.argmin())
    if t[band[i]] > (body.hollow_band[1] - body.hollow_edge) * T or behind[i] < body.hollow_behind * T:
        # The outline comes nearer the axis all the way up the band: no hollow there (a top hanging
        # over it, or an axis that does not follow the back); or it reaches the axis: a notch in the
        # mask (between shorts and a shirt), not the back. The back's lower end is not seen.
        return np.zeros(0, dtype=np.int64)
    lo = int(band[i])
    hi = int(upto[-1])
    return np.arange(lo, hi + 1) if hi > lo else np.zeros(0, dtype=np.int64)


def _without_hair_on_top(path: np.ndarray, idx: np.ndarray, image: np.ndarray, mirrored: bool, H: float,
                         body: BodyModel) -> np.ndarray:
    """``idx`` (the back's window, bottom to top) without a run at its top in a colour unlike the back's
    (``BodyModel.hair_delta``) that stands out behind the curve of the back below it: hair lying on the
    top of a standing back. Unchanged when there is no such run, when it would take more than
    ``hair_cut_max`` of the window (then the top is not hair on a back), or when what it would cut lies
    inside that curve (a bare neck). The caller applies it only while the trunk is near upright."""
    n = len(idx)
    if n < 16:
        return idx
    seg = path[idx[0] : idx[-1] + 1]
    v = seg[-1] - seg[0]
    d = math.sqrt(float(v.dot(v)))
    if d < 1e-6:
        return idx
    rx, ry = _rot2(float(v[0]) / d, float(v[1]) / d)  # into the body (the outward normal's opposite)
    depth = max(1.5, body.hair_depth * H)
    mx = (seg[:, 0:1] + depth * rx).astype(np.float32)
    my = (seg[:, 1:2] + depth * ry).astype(np.float32)
    win, wx, wy = _float_window(image, mx, my, mirrored)
    col = cv2.remap(win, wx, wy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE).reshape(len(seg), -1)
    n_low = int(0.6 * len(seg))
    ref = np.array([_median(col[:n_low, c]) for c in range(col.shape[1])], np.float32)
    diff = col - ref  # from the back's own colour, low on the back
    dist = np.sqrt((diff * diff).sum(axis=1)).astype(np.float32)
    # The median of 5 points along the back (one noisy pixel is no hair): a 5x5 median over a one-pixel-wide
    # column with its edges repeated is the median of the 5 values.
    dist = cv2.medianBlur(dist.reshape(-1, 1), 5).ravel()
    low = dist[:n_low]
    centre = _median(low)
    spread = _median(np.abs(low - centre))
    thr = max(body.hair_delta, body.hair_spread * 1.4826 * spread)
    far = dist > thr
    if not far[-1]:
        return idx
    below = np.flatnonzero(~far)
    start = int(below[-1]) + 1 if len(below) else 0  # the run's first point from below
    keep = start - int(round(body.hair_margin * H))
    if keep < (1.0 - body.hair_cut_max) * len(seg):
        return idx
    # Hair stands out behind the curve of the back below it (it fills the hollow into the neck); the skin
    # of a bare neck where the window reaches it curls in from that curve (a kyphotic back's curl goes on
    # there, and cutting it read random scene 414's standing back 3.4 deg flatter). Only the first is cut.
    p0, p1 = seg[0], seg[keep - 1]
    c = p1 - p0
    cl = math.sqrt(float(c.dot(c)))
    if cl < 1e-6:
        return idx
    x, y = _chord_frame(seg, p0, float(c[0]) / cl, float(c[1]) / cl)
    try:
        coef = parabola_fit(x[:keep], y[:keep])
    except ValueError:
        return idx
    out = y[keep:] - ((coef[0] * x[keep:] + coef[1]) * x[keep:] + coef[2])
    if _median(out) <= 0.0:
        return idx
    return idx[idx <= idx[0] + keep - 1]


def _fit_bend(seg: np.ndarray, nominal_len: float, body: BodyModel = BodyModel()):
    """Bend of the back from a least-squares parabola in the chord frame, over ``nominal_len``.

    The raw largest deviation from the chord depends on exactly where the
    segment's ends fall and on single pixels. Fitting the curvature over all
    points and scaling it to the whole back (``(neck_frac - sacrum_frac) *
    trunk``) gives the ``4*atan(2s/c)`` of the circular arc with that curvature,
    with sub-pixel precision. Points off the fit (a hood, hair, a fold) are dropped a
    few times, starting from the middle of the segment (:func:`one_sided_parabola`).
    Returns (bend_deg, equivalent sagitta, chord end points, rms residual px).
    """
    p0x, p0y = float(seg[0, 0]), float(seg[0, 1])
    p1x, p1y = float(seg[-1, 0]), float(seg[-1, 1])
    c = math.hypot(p1x - p0x, p1y - p0y)
    if c < 4:
        return None
    x, y = _chord_frame(seg, seg[0], (p1x - p0x) / c, (p1y - p0y) / c)
    fit = one_sided_parabola(x, y, body.reject_out, body.reject_in, body.reject_iters, body.fit_core)
    if fit is None:
        return None
    coef, resid = fit
    kappa = -2.0 * coef[0]  # bowing outward (toward the back) is positive
    bend = math.degrees(kappa * nominal_len)
    # Equivalent circular arc over the nominal chord, for display: s = c/2 * tan(bend/4).
    s_eq = nominal_len / 2.0 * math.tan(math.radians(bend) / 4.0)
    return bend, s_eq, ((p0x, p0y), (p1x, p1y)), resid


def _chord_frame(pts: np.ndarray, origin: np.ndarray, ux: float, uy: float) -> tuple[np.ndarray, np.ndarray]:
    """``pts`` in the frame of a chord from ``origin`` along the unit (``ux``, ``uy``): x along it, y
    across it, positive outward (toward the back's side, the wall)."""
    nx, ny = _rot2(ux, uy)
    # Both coordinates in one product (rows x, y: contiguous).
    return np.array([[ux, uy], [-nx, -ny]]) @ (pts - origin).T


def one_sided_parabola(x: np.ndarray, y: np.ndarray, k_out: float = 1.5, k_in: float = 2.5,
                       iters: int = 4, core: float = 1.0) -> Optional[tuple[np.ndarray, float]]:
    """Least-squares parabola y(x) refitted ``iters`` times without the points off it: those above
    the fit (``y`` positive = outward, a hood or hair on the back) beyond ``k_out`` standard
    deviations, those below beyond ``k_in``. Returns (polyfit coefficients, rms residual of the kept
    points), or None with fewer than 6 points left. ``core``: the first fit uses only the points
    within this fraction of the half-span from the middle (1 = all)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if len(x) < 6:
        return None
    try:
        V, xm, sc = _parabola_basis(x)
    except ValueError:
        return None
    # Start from the middle of the segment: a bump lies at an end more often than not (a hood at the
    # neck, a loose top's hem at the waist), and a first fit over everything would bend into it.
    keep: Optional[np.ndarray] = np.abs(V[1]) <= core if core < 1.0 else None
    p: Optional[tuple[float, float, float]] = None
    r2 = y
    for _ in range(max(1, iters)):
        nk = len(x) if keep is None else int(np.count_nonzero(keep))
        if nk < 6:
            return None
        p = _solve_parabola(V, y, keep)
        if p is None:
            return None
        r = y - np.dot(p, V)
        r2 = r * r
        sd = math.sqrt(float(r2.sum() if keep is None else r2[keep].sum()) / nk)
        new = (r <= max(k_out * sd, 0.75)) & (r >= -max(k_in * sd, 0.75))
        if keep is not None and (new == keep).all():  # np.array_equal, without its Python layer
            break
        keep = new
    assert p is not None and keep is not None
    rk = r2[keep]
    return _to_powers(p, xm, sc), math.sqrt(float(rk.sum()) / len(rk)) if len(rk) else float("nan")


def _clip01(v: float) -> float:
    """Clamp to 0..1 (np.clip on one float costs ~5 us)."""
    return min(max(float(v), 0.0), 1.0)


def _size_conf(length_px: float, full_at: float) -> float:
    return _clip01((length_px - 0.3 * full_at) / (0.7 * full_at))


# Heights above the floor (fractions of H) of the shin and the top of the thigh rows
# that the knee's axes are fitted to.
_SHIN_BAND = (0.11, 0.25)
_THIGH_BAND = (0.33, 0.46)
# A leg's midline row further off the robust line than this many robust standard deviations (and
# 0.006 H) is set aside; with more than this share of the rows set aside, no line (_robust_midline).
KNEE_ROW_OFF = 3.0
KNEE_ROWS_OFF_MAX = 0.25
# A foot cut off from its shin (the facing's feet cue) stands under the shin whose columns lie over
# the foot by at least this share of the shin's width.
FOOT_SHIN_OVERLAP = 0.5


def _measure_legs(m: np.ndarray, res: SilhouetteMeasures, J: np.ndarray, body: BodyModel,
                  has: np.ndarray, m_mirror: Optional[np.ndarray] = None, image: Optional[np.ndarray] = None,
                  mirrored: bool = False, edge_reach: float = 2.5, min_contrast: float = 12.0,
                  feet_lost: bool = False) -> None:
    """Ankle, heel/toe and knee from the mask (back on the left); ``has``: rows with any pixel;
    ``m_mirror``: ``cv2.flip(m, 1)`` when the caller has it (else the legs' rows are flipped here).
    ``image`` (with ``mirrored``, ``edge_reach``, ``min_contrast`` as for the back): the frame, whose
    colour edges place the legs' outline in the knee's shin and thigh rows (:func:`_legs_midline`).
    ``feet_lost``: the floor lies below the mask (measure_silhouette's ``floor_below``): the knee from its
    axes alone; the ankle and the heel from the mask's own lowest rows."""
    H, floor_y = res.height_px, res.floor_y
    x0, _, w, _ = res.bbox
    Jx, Jy = float(J[0]), float(J[1])
    # Row extents of the person: back edge = first set pixel, front = last. Only the
    # legs' rows are ever read (ankle, foot, knee band, shin and thigh), so only they
    # are scanned (the trunk is half the mask); row y is entry y - r0. Columns outside
    # the box are empty, so whole rows give the same first/last pixel. Values on empty
    # rows are never read: every use selects rows where ``has`` is set.
    h_top = max(body.knee_band[1], _THIGH_BAND[1], _SHIN_BAND[1], body.ankle_h)
    r0 = max(0, int(math.floor(floor_y - h_top * H)) - 1)
    legs = m[r0:]
    hl = has[r0:]
    # First set pixel of each row, as a bool view: numpy's bool argmax stops at the first nonzero
    # byte (a fast scan), the uint8 one compares every byte with the row's maximum; the same index.
    back = legs.view(np.bool_).argmax(axis=1)
    legs_mirror = cv2.flip(legs, 1) if m_mirror is None else m_mirror[r0:]
    front = m.shape[1] - 1 - legs_mirror.view(np.bool_).argmax(axis=1)
    width, mid2 = front - back, front + back  # leg width and twice the midline x, per row
    bands = _knee_axis_rows(floor_y, H, Jy)
    if image is not None:
        mid2 = _legs_midline(back, front, hl, r0, bands, image, mirrored, edge_reach, min_contrast)

    if feet_lost:
        # The legs' lowest rows may be lost with the feet (dark trousers on a dark floor: random scene 402,
        # 320x240 in a dim room, where the shins' rows from the floor were patchy and the knee unseen): the
        # axes are also fitted on the rows placed from the mask's own end, and the better fit is kept.
        hem_y = float(np.flatnonzero(hl)[-1] + r0)
        hem_bands = _knee_axis_rows(hem_y, H, Jy)
        hem_mid2 = (_legs_midline(back, front, hl, r0, hem_bands, image, mirrored, edge_reach, min_contrast)
                    if image is not None else (front + back).astype(np.float64))
        _knee_on_axes_alone(res, width, ((mid2, bands), (hem_mid2, hem_bands)), hl, r0, H, floor_y - Jy)
        # The ankle and the heel as without the floor, from the mask's own lowest rows: a heel lifting
        # lifts the hems too (random scene 906 at 320x240: a heel lift read there, missed with no heel).
        floor_y = hem_y

    # -- ankle: middle of the leg just above the foot
    ya = int(round(floor_y - body.ankle_h * H))
    if ya < 0 or not has[ya]:
        return
    on = m[ya, x0 : x0 + w].nonzero()[0]
    xa = x0 + float(on.sum() / len(on))  # the mean (np.mean's Python layer costs more than the sum)
    res.ankle = (xa, float(ya))

    # -- foot: heel = wall-ward end, toe = forward end of the bottom rows
    foot_top = max(int(round(floor_y - 0.035 * H)), 0)
    feet = m[foot_top : int(floor_y) + 1, x0 : x0 + w]
    in_feet = feet.view(np.bool_).any(axis=0)
    fx = in_feet.nonzero()[0]
    if len(fx):
        heel_x, toe_x = int(fx[0]), int(fx[-1])
        # The toes stay on the floor whether the heel lifts or not: the toe is the forward end of the
        # columns whose lowest pixel lies in the lower half of these rows. A camera turned off the side
        # view sees the far foot higher up, and its toe dipped into the top of these rows on some frames
        # and not others: the toe jumped between the feet, the standing reference took one and the reps
        # the other, and still heels read lifted (`yaw` seed 3: two good reps `heel_lift`).
        half = feet.shape[0] // 2
        on_floor = feet[half:].view(np.bool_).any(axis=0).nonzero()[0]
        if len(on_floor) and int(on_floor[-1]) > heel_x:
            toe_x = int(on_floor[-1])
        flen = toe_x - heel_x + 1
        if flen >= 4:
            # Lowest pixel of each column. A column with any pixel in the foot rows has
            # its lowest one there (nothing is below the floor row), so the foot rows
            # serve both ends (only the columns read); a column without any looks further up.
            lowest = foot_top + feet.shape[0] - 1 - feet[::-1, heel_x : toe_x + 1].view(np.bool_).argmax(axis=0)

            def bottom_of(c0: int, c1: int) -> float:
                if in_feet[c0 : c1 + 1].all():
                    return _median(lowest[c0 - heel_x : c1 - heel_x + 1])
                colsub = m[:, x0 + c0 : x0 + c1 + 1]
                has_c = colsub.any(axis=0)
                if not has_c.any():
                    return floor_y
                last = colsub.shape[0] - 1 - colsub[::-1].argmax(axis=0)
                return _median(last[has_c])

            q = max(1, flen // 4)
            heel_bottom = bottom_of(heel_x, heel_x + q - 1)
            # What the heel is measured against is where the forefoot meets the floor: the lowest the
            # feet reach outside the heel's quarter (a high percentile, so a stray pixel is not it). The
            # end of the toe was that before, but a camera turned off the side view sees the far foot
            # higher up and further forward, and a floor shadow under it (the learned mask joins it) put
            # its sole 7 px above the floor standing and 9 px hinged, across the half of the foot rows
            # that decides which foot the toe is: the toe jumped between the feet, and good reps read
            # `heel_lift` (random scene 2511, 18 deg of yaw: 0.014 against the 0.012 limit). On the floor
            # the forefoot of the near foot reaches lowest whichever end the toe is; in a heel lift the
            # ball stays down while the heel rises. (The synthetic athlete's rigid shoe dips its toe below
            # the ball in a lift, which the toe's end read as more lift: its lifts read about a pixel less
            # now. docs/station-vision.md round 63.)
            fore = in_feet[heel_x + q : toe_x + 1].nonzero()[0] + q
            if len(fore) >= 2:
                low = lowest[fore]
                toe_bottom = float(np.sort(low)[int(0.9 * (len(low) - 1))])
            else:
                toe_bottom = bottom_of(toe_x - q + 1, toe_x)
            res.heel = (float(x0 + heel_x), heel_bottom)
            res.toe = (float(x0 + toe_x), toe_bottom)
            res.heel_rise = float((toe_bottom - heel_bottom) / H)
            res.conf_heel = _size_conf(flen, 20.0)

    # -- knee: on the leg midline, the point farthest forward of the hip-ankle line
    if feet_lost:
        return  # from its axes alone, above
    y0 = int(round(floor_y - body.knee_band[1] * H))
    y1 = int(round(floor_y - body.knee_band[0] * H))
    # Never above the frame's top row (only a mask cut off well below the hips could ask).
    y0 = max(y0, int(Jy) + 1, 0)
    if y1 - y0 < 3:
        return
    band = slice(y0 - r0, y1 - r0 + 1)
    idx = hl[band].nonzero()[0]
    if len(idx) < 3:
        return
    wb = width[band][idx]
    # Hands, a kettlebell or a bar at knee height widen the rows: ignore those rows.
    good = wb <= 1.6 * _median(wb)
    idx_good = idx[good]
    n_good = len(idx_good)
    if n_good < 3:
        return
    ys = idx_good + y0
    mid = mid2[band][idx_good] / 2.0
    angle = _knee_from_axes(width, mid2, hl, r0, H, bands)
    hax, hay = xa - Jx, float(ya) - Jy
    L = math.sqrt(hax * hax + hay * hay)
    if L < 5:
        return
    nx, ny = hay / L, -hax / L
    if nx < 0:
        nx, ny = -nx, -ny
    ki = int(((mid - Jx) * nx + (ys - Jy) * ny).argmax())
    Kx, Ky = float(mid[ki]), float(ys[ki])
    res.knee = (Kx, Ky)
    v1x, v1y, v2x, v2y = Jx - Kx, Jy - Ky, xa - Kx, float(ya) - Ky
    cosang = (v1x * v2x + v1y * v2y) / (math.sqrt(v1x * v1x + v1y * v1y) * math.sqrt(v2x * v2x + v2y * v2y) + 1e-9)
    res.knee_angle_deg = math.degrees(math.acos(min(max(cosang, -1.0), 1.0)))
    res.conf_knee = _size_conf(L, 60.0) * (1.0 if n_good / len(good) > 0.6 else 0.5)
    if angle is not None:
        res.knee_angle_deg, fit_conf = angle
        res.conf_knee *= fit_conf
    else:
        # The three-point angle above leans on the hip estimate and the widest
        # row: too coarse for a 175 deg knee-lock line. Unseen fails no rep.
        res.conf_knee = min(res.conf_knee, 0.3)


_Bands = tuple[Optional[tuple[int, int]], Optional[tuple[int, int]]]  # the shin's and thigh's rows (_knee_axis_rows)


def _knee_on_axes_alone(res: SilhouetteMeasures, width: np.ndarray, placings: tuple[tuple[np.ndarray, _Bands], ...],
                        has: np.ndarray, r0: int, H: float, leg_px: float) -> None:
    """The knee's angle from the shin's and thigh's axes where the mask lost the feet (no knee point and
    no three-point fallback: the ankle, read off the hems, is not where the floor is): of ``placings``
    (the midline, twice its x per row, and the bands it was refined on; the first from the floor), the
    one whose axes fit best, a tie to the first. Its confidence as :func:`_measure_legs` gives it, the
    legs' length from the hip down to the floor."""
    if leg_px < 5:
        return
    best = None
    for mid2, bands in placings:
        angle = _knee_from_axes(width, mid2, has, r0, H, bands)
        if angle is not None and (best is None or angle[1] > best[1]):
            best = angle
    if best is None:
        return
    res.knee_angle_deg, fit_conf = best
    res.conf_knee = _size_conf(leg_px, 60.0) * fit_conf


def _legs_midline(back: np.ndarray, front: np.ndarray, has: np.ndarray, r0: int,
                  bands: tuple[Optional[tuple[int, int]], ...], image: np.ndarray, mirrored: bool, reach: float,
                  min_contrast: float) -> np.ndarray:
    """Twice the legs' midline x per row (``back + front`` of the mask; row y is entry y - ``r0``), with
    the rows of ``bands`` (frame rows, first and last: those the knee's axes are fitted on,
    :func:`_knee_axis_rows`) taken from the frame's colour edges instead: each end of the row moves to
    the outermost colour edge within ``reach`` px of the mask's (:func:`_refine_edge_gradient`); an end without an edge of ``min_contrast`` keeps the mask's.

    A background model's outline of a leg is a pixel or two off where the leg and the wall behind it
    are close in colour, and not by the same amount along the leg: in a dim room (held-out random
    scene 203) the mask missed the near shin's front edge over its upper half and took a pixel of wall
    behind the calf, the shin's axis leaned by a few degrees, and a good rep's knee (170 deg at the
    touch) read 175, a knee lock. The outermost edge, not the strongest: inside a leg's outline lie
    other edges (the far leg's edge behind the near one, the shade between them, a trouser seam),
    and taking the strongest pulled the midline onto them (tried: in random scene 423 a good rep read
    `knee_lock` and a knee lock went unchecked). docs/station-vision.md, round 29.
    """
    mid2 = (front + back).astype(np.float64)
    picked = [np.flatnonzero(has[max(a - r0, 0) : b - r0 + 1]) + max(a - r0, 0) for a, b in filter(None, bands)]
    rows = np.concatenate(picked) if picked else np.zeros(0, np.intp)
    if len(rows) < 6:
        return mid2
    n = len(rows)
    ys = (rows + r0).astype(np.float64)
    # The mask's outline lies half a pixel outside its first and last set pixels' centres. Both ends
    # of every row in one search: the back ends outward to the left, the front ends to the right.
    pts = np.empty((2 * n, 2))
    pts[:n, 0] = back[rows] - 0.5
    pts[n:, 0] = front[rows] + 0.5
    pts[:n, 1] = ys
    pts[n:, 1] = ys
    normals = np.zeros((2 * n, 2))
    normals[:n, 0] = -1.0
    normals[n:, 0] = 1.0
    moved, _ = _refine_edge_gradient(pts, normals, image, reach=reach, min_contrast=min_contrast,
                                     mirrored=mirrored, outermost=True)
    mid2[rows] = moved[:n, 0] + moved[n:, 0]
    return mid2


def _robust_midline(ys: np.ndarray, mid: np.ndarray, H: float) -> tuple[float, float, float]:
    """A leg's midline ``mid = c0 * y + c1`` and its rms residual, robust to a run of rows off it.

    The midline is the middle of the mask's row, where both legs usually merge into one; for a few
    rows the mask may hold only one of them (random scene 400 at 1280x720: just above the shoes one leg
    is lost against the floor, the row is 29 px wide instead of 73 and its middle 20 px off). A
    least-squares line bends into such a run and its residual, which the knee's confidence is read
    from, then says the leg is unseen (in 400 the knee was measured on no frame). So the
    line starts from the Theil-Sen slope (the median of the rows' pairwise slopes), rows further off
    it than ``KNEE_ROW_OFF`` (3 robust standard deviations, at least 0.006 H) are set aside, and the
    line is fitted again by least squares on the rest. With more than ``KNEE_ROWS_OFF_MAX`` of the rows
    set aside there is no one line, and the plain fit over every row (and its residual) is returned.
    A plain fit whose residual is already small is returned as it is (no run of rows can be off it).
    """
    c0, c1 = line_fit(ys, mid).tolist()
    e = (c0 * ys + c1) - mid
    plain = (c0, c1, math.sqrt(float(e @ e) / len(e)))
    # A line the rows already sit on (residual under a quarter of what starts to cost confidence in
    # _knee_from_axes) has no run of rows off it: the usual case, kept at a least-squares fit's cost.
    if len(ys) < 8 or plain[2] <= 0.25 * max(0.006 * H, 1.0):
        return plain
    step = max(1, len(ys) // 40)  # at most ~40 rows in the pairwise slopes (1600 pairs)
    ys_s, mid_s = ys[::step], mid[::step]
    dy = ys_s[None, :] - ys_s[:, None]
    dx = mid_s[None, :] - mid_s[:, None]
    upper = dy > 0
    slope = _median(dx[upper] / dy[upper])
    icpt = _median(mid - slope * ys)
    e = (slope * ys + icpt) - mid
    sigma = 1.4826 * _median(np.abs(e - _median(e)))
    keep = np.abs(e) <= max(KNEE_ROW_OFF * sigma, 0.006 * H)
    if keep.sum() < max(6, (1.0 - KNEE_ROWS_OFF_MAX) * len(ys)):
        return plain
    c0, c1 = line_fit(ys[keep], mid[keep]).tolist()
    e = (c0 * ys[keep] + c1) - mid[keep]
    return c0, c1, math.sqrt(float(e @ e) / len(e))


def _knee_axis_rows(floor_y: float, H: float, Jy: float) -> tuple[Optional[tuple[int, int]], Optional[tuple[int, int]]]:
    """The frame rows (first, last) the knee's shin and thigh axes are fitted on (:func:`_knee_from_axes`);
    None for a band too short to fit (the thigh's when the hip is low in the picture)."""
    def rows(h0: float, h1: float) -> Optional[tuple[int, int]]:
        ya, yb = max(int(round(floor_y - h1 * H)), 0), int(round(floor_y - h0 * H))
        return (ya, yb) if yb - ya >= 6 else None

    top = min(_THIGH_BAND[1], (floor_y - Jy) / H - 0.04)
    return rows(*_SHIN_BAND), (rows(_THIGH_BAND[0], top) if top > 0.38 else None)


def _knee_from_axes(width: np.ndarray, mid2: np.ndarray, has: np.ndarray, r0: int, H: float,
                    bands: tuple[Optional[tuple[int, int]], Optional[tuple[int, int]]]) -> Optional[tuple[float, float]]:
    """Knee angle between the shin and thigh axes, each a line fitted to the leg's midline.

    The midline of a tapering limb is its axis whatever the taper, so a straight
    leg reads straight. Shin rows: 0.11-0.25 H above the floor (above the foot,
    below the knee); thigh rows: from 0.33 H up to just below the hip joint.
    Rows much wider than the median (hands, a weight) are dropped. ``width``,
    ``mid2`` (twice the midline x), ``has``: per row from row ``r0`` down; ``H``: the standing
    height in px; ``bands``: the shin's and the thigh's rows (:func:`_knee_axis_rows`).
    Returns (angle, confidence from the fit residual), or None if a segment is unseen.
    """
    def axis(band: Optional[tuple[int, int]]) -> Optional[tuple[float, float, float]]:
        if band is None:
            return None
        ya, yb = band  # ya >= r0: the scanned rows reach above the thigh's top
        rows = slice(ya - r0, yb - r0 + 1)
        idx = has[rows].nonzero()[0]
        if len(idx) < 6:
            return None
        w = width[rows][idx]
        med = _median(w)
        # Not under half the usual width either: with the legs parted in the picture (a camera above the
        # hips, or turned off the side view) the far leg can end inside the shin's rows, and the rows below
        # hold the near leg alone, whose midline lies elsewhere (random scene 1309: a knee lock read 174).
        idx = idx[(w <= 1.35 * med) & (w >= 0.5 * med)]
        if len(idx) < 6:
            return None
        ys = idx + ya
        mid = mid2[rows][idx] / 2.0
        # x as a function of y: legs are closer to vertical than horizontal here.
        c0, c1, r = _robust_midline(ys.astype(np.float64), mid, H)
        n = math.sqrt(c0 * c0 + 1.0)
        return -c0 / n, -1.0 / n, r  # unit direction pointing up, rms residual

    shin_rows, thigh_rows = bands
    shin = axis(shin_rows)
    thigh = axis(thigh_rows) if shin is not None else None
    if shin is None or thigh is None:
        return None
    (sx, sy, rs), (tx, ty, rt) = shin, thigh
    # Knee angle: 180 when the thigh continues the shin's line.
    ang = 180.0 - math.degrees(math.acos(min(max(sx * tx + sy * ty, -1.0), 1.0)))
    conf = _clip01(1.5 - max(rs, rt) / max(0.006 * H, 1.0))
    return ang, conf


def _feet_cue(m: np.ndarray, bottom: int, h: int) -> Optional[float]:
    """The feet cue of :func:`facing_score`, each foot against the shin it stands on.

    In a split stance (one foot ahead of the other) seen by a camera above the hips, the far foot
    stands higher in the picture than the near one, outside the bottom band where feet are looked
    for; the two shins' combined extents were then compared with the near foot alone, whose toes
    do not reach past the far, forward shin, and the vote pointed backwards (a random scene at
    1280x720 read the wall on the wrong side for most of its set). So the lower quarter of the
    person is split into its connected parts, and every part that holds a foot in the bottom band
    and a shin at 12-25 % of the height gives its own toe-ahead measure; their mean is the cue.
    None (the caller reads both shins together, as before) when the shins' columns overlap (legs that
    touch, the usual side view with one leg behind the other) or when no part holds both a foot and
    a shin (a foot cut off at a dark shoe)."""
    y0 = int(bottom - 0.25 * h)
    # Shins whose columns overlap (touching, or one behind the other) are one part: no split needed,
    # and the caller's reading is the same (and costs a third of the split).
    occ = np.flatnonzero(m[y0 : int(bottom - 0.12 * h) + 1].any(axis=0))
    if len(occ) == 0 or occ[-1] - occ[0] + 1 == len(occ):
        return None
    band = np.ascontiguousarray(m[y0 : bottom + 1]).view(np.uint8)
    n, lab = cv2.connectedComponents(band, connectivity=8)
    if n <= 1:
        return None
    feet_rows = lab[int(bottom - 0.06 * h) - y0 :]
    shin_rows = lab[: int(bottom - 0.12 * h) - y0 + 1]
    cues = []
    shins = None
    for k in np.unique(feet_rows[feet_rows > 0]):
        fx = np.flatnonzero((feet_rows == k).any(axis=0))
        shin = shin_rows == k
        has = shin.any(axis=1)
        if not has.any():
            # The foot's own shin dropped out of the mask just above the shoe (dark trousers over a dark
            # skirting line): it stands under the shin whose columns lie mostly over the foot, when only
            # one does (a long foot can run under both shins, and then which is its own is not known).
            if shins is None:
                shins = [(j, np.flatnonzero((shin_rows == j).any(axis=0))) for j in np.unique(shin_rows[shin_rows > 0])]
            over = [j for j, c in shins
                    if min(c[-1], fx[-1]) - max(c[0], fx[0]) + 1 >= FOOT_SHIN_OVERLAP * (c[-1] - c[0] + 1)]
            if len(over) != 1:
                continue
            shin = shin_rows == over[0]
            has = shin.any(axis=1)
        lo = _median(shin.argmax(axis=1)[has])
        hi = _median(shin.shape[1] - 1 - shin[:, ::-1].argmax(axis=1)[has])
        cues.append(((fx[-1] - hi) - (lo - fx[0])) / h)
    return float(np.mean(cues)) if cues else None


HINGE_BAND = 0.15  # the hinge cue's band from the top of a hinged blob, as a fraction of its height (facing_parts)


def facing_score(mask: np.ndarray, standing_height: Optional[float] = None, hinged_below: float = 0.88,
                 roll_deg: float = 0.0) -> Optional[float]:
    """Evidence for which way the person faces: >0 facing right (+x), <0 left.

    Two cues, in units of the blob height, added (see :func:`facing_parts`):

    - feet: toes reach far in front of the shin (about 0.1 H), the heel only a
      little behind it (about 0.02 H). The shin is taken at 12-25 % of the
      height, above the far foot even when camera yaw lifts it in the picture.
    - hinge: once the blob is clearly shorter than standing (below ``hinged_below`` of
      ``standing_height``: trunk tilted), the head and shoulders are in front of the
      feet and the buttocks behind.

    Returns None if there is no foot to look at.
    """
    parts = facing_parts(mask, standing_height, hinged_below, roll_deg)
    if parts is None:
        return None
    feet, hinge = parts
    return feet if hinge is None else feet + hinge


def facing_parts(mask: np.ndarray, standing_height: Optional[float] = None, hinged_below: float = 0.88,
                 roll_deg: float = 0.0) -> Optional[tuple[float, Optional[float]]]:
    """The two cues of :func:`facing_score` apart: (feet, hinge), the hinge None when the blob is not
    clearly shorter than ``standing_height`` (or no upper part is found). None if there is no foot.

    ``roll_deg``: the picture's verticals lean that far (> 0 tops to the right, as
    :func:`device.vision.level.level_crops`): both cues compare columns at different heights (the shin
    with the foot, the head and shoulders with the feet), and are measured as if the verticals stood
    upright. Uncorrected, 4.7 deg of roll added +0.025 to the feet cue and +0.035 to a hinge's, enough to
    turn a hinge's vote round (random scene 1020)."""
    # 0/255 uint8 (one fast pass) where possible: argmax below finds the first set pixel either way.
    m = cv2.compare(mask, 0, cv2.CMP_GT) if mask.dtype == np.uint8 else mask > 0
    rows = np.flatnonzero(m.any(axis=1))
    if len(rows) < 30:
        return None
    top, bottom = int(rows[0]), int(rows[-1])
    h = bottom - top + 1

    def extents(y0: float, y1: float) -> Optional[tuple[float, float]]:
        sub = m[int(y0) : int(y1) + 1]
        has = sub.any(axis=1)
        if not has.any():
            return None
        lo = sub.argmax(axis=1)[has]
        hi = sub.shape[1] - 1 - sub[:, ::-1].argmax(axis=1)[has]
        return _median(lo), _median(hi)

    feet = m[int(bottom - 0.06 * h) : bottom + 1]
    fx = np.flatnonzero(feet.any(axis=0))
    if len(fx) == 0:
        return None
    score = _feet_cue(m, bottom, h)
    if score is None:
        leg = extents(bottom - 0.25 * h, bottom - 0.12 * h)
        if leg is None:
            return None
        toe_fwd = fx[-1] - leg[1]  # foot beyond the leg on the right
        toe_back = leg[0] - fx[0]  # and on the left
        score = (toe_fwd - toe_back) / h
    lean = math.tan(math.radians(roll_deg)) if roll_deg else 0.0
    # The shins (12-25 % of the height) stand about 0.155 of it above the feet's band (0-6 %): rolled, they
    # sit that much times the lean to the side, which moves the toes' reach ahead of and behind them.
    score += 2.0 * 0.155 * lean
    hinge = None
    if standing_height and h < hinged_below * standing_height:
        # The top HINGE_BAND of the blob: the head and shoulders, in front of the feet. A wider band (0.3
        # until 2026-12-05) took in the trunk down to the buttocks, whose mean stays over the feet with the
        # body's weight: over 56 rendered scenes its cue, at 0.02 or more, pointed the wrong way on 224
        # hinged frames of 7300, this band's (with the roll below) on 7 of 9670 (docs/station-vision.md,
        # round 46).
        rows_u, cols_u = np.nonzero(m[top : int(top + HINGE_BAND * h)])
        if len(cols_u):
            feet_c = 0.5 * (fx[0] + fx[-1])
            # Each upper pixel's column moved back along the picture's verticals to the feet's height.
            above = float(bottom - 0.03 * h - (top + rows_u.mean()))
            hinge = float(0.5 * (float(cols_u.mean()) - lean * above - feet_c) / h)
    return float(score), hinge
