"""The synthetic athlete's body: proportions, pose and the filled 2-D shapes of a person in profile.

Pure geometry in metres, no pixels. World axes: ``x`` is the distance from the target wall (0 = the
wall surface, positive into the room), ``y`` is height above the floor, ``z`` is lateral (negative =
towards the camera). A figure is built in a *body frame* (X forward in the person's facing direction,
Y up) and placed with ``origin_x`` and ``facing`` (+1 = facing away from the wall, the drill stance).

The back between the top of the sacrum and the base of the neck is drawn as a circular arc whose bend
is the pose's ``back_bend_deg``, plus this person's own shape at rest: a kyphotic upper back
(``kyphosis_deg``, a bump that does not change with flexion) and where their sacrum top and neck base
lie along the trunk (``sacrum_frac``, ``neck_frac``). The vision does not know those numbers, so it does
not agree with the renderer by construction. Ground truth is measured on the drawn contour itself
(:func:`back_bend_of_contour`: ``4*atan(2*s/c)`` between sacrum top and neck base), and rounding is that
minus the same person's standing value. Clothing (a loose top, a hood) and hair (a ponytail) are drawn
over the back and change its outline, never the truth.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field, replace
from typing import Optional

import cv2
import numpy as np

BGR = tuple[int, int, int]

_SKIN_TONES: tuple[BGR, ...] = (
    (189, 208, 245), (160, 190, 230), (130, 170, 215), (100, 140, 190),
    (75, 110, 160), (55, 80, 120), (40, 60, 95), (150, 185, 225),
)
_HAIR: tuple[BGR, ...] = ((20, 20, 25), (30, 45, 70), (40, 70, 110), (90, 140, 190), (150, 150, 155), (60, 40, 30))
_TROUSERS: tuple[BGR, ...] = ((25, 25, 25), (60, 60, 60), (110, 70, 40), (140, 100, 60), (90, 90, 90), (40, 30, 90))
_SHOES: tuple[BGR, ...] = ((240, 240, 240), (30, 30, 30), (60, 60, 200), (200, 120, 40), (120, 120, 120))
_BALLS: tuple[BGR, ...] = ((30, 30, 30), (40, 40, 160), (140, 70, 30), (40, 90, 120), (60, 130, 60))


def _rgb_from_hsv(h: float, s: float, v: float) -> BGR:
    """A BGR colour from hue 0..1, saturation and value 0..1."""
    i = int(h * 6) % 6
    f = h * 6 - int(h * 6)
    p, q, t = v * (1 - s), v * (1 - f * s), v * (1 - (1 - f) * s)
    r, g, b = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)][i]
    return (int(b * 255), int(g * 255), int(r * 255))


# The hair styles a body is drawn with.
HAIR_STYLES: tuple[str, ...] = ("short", "long", "bun", "bald", "ponytail")


@dataclass(frozen=True)
class Body:
    """One person's build, proportions and clothes.

    ``build`` runs from 0 (slim) to 1 (heavy): torso depth, belly, buttocks and limb girth grow with it.
    ``baseline_bend_deg`` is this person's standing back bend (the arc angle of the back contour when
    standing tall); rounding is measured against it.
    """

    stature_m: float = 1.75
    build: float = 0.4
    leg_scale: float = 1.0  # leg length relative to the average proportion (the trunk takes up the rest)
    arm_scale: float = 1.0
    baseline_bend_deg: float = 6.0
    skin: BGR = (130, 170, 215)
    hair: BGR = (30, 45, 70)
    hair_style: str = "short"  # one of HAIR_STYLES
    shirt: BGR = (40, 90, 200)
    top: str = "fitted"  # fitted | loose (drapes over the back's hollows, with folds) | hoodie (loose, hood on the upper back)
    fold_phase: float = 0.0  # where the loose top's folds fall (radians)
    kyphosis_deg: float = 0.0  # extra roundness of the upper back at rest (not rounding: it is there standing too)
    sacrum_frac: float = 0.20  # top of the sacrum along the trunk (hip joint 0, shoulder joint 1)
    neck_frac: float = 0.96  # base of the neck along the trunk
    long_sleeves: bool = False
    trousers: BGR = (25, 25, 25)
    shorts: bool = False
    shoes: BGR = (240, 240, 240)
    ball: BGR = (30, 30, 30)

    # ---- proportions (metres); anthropometric fractions of stature, depths scaled by k = H / 1.75
    @property
    def k(self) -> float:
        return self.stature_m / 1.75

    @property
    def foot_len(self) -> float:
        return 0.152 * self.stature_m

    @property
    def ankle_h(self) -> float:
        return 0.039 * self.stature_m

    @property
    def shank_len(self) -> float:
        return 0.246 * self.stature_m * self.leg_scale

    @property
    def thigh_len(self) -> float:
        return 0.245 * self.stature_m * self.leg_scale

    @property
    def head_h(self) -> float:
        return 0.128 * self.stature_m

    @property
    def trunk_len(self) -> float:
        """Hip joint to shoulder joint."""
        rest = self.stature_m - self.ankle_h - self.shank_len - self.thigh_len
        return 0.295 * self.stature_m + 0.6 * (rest - 0.470 * self.stature_m)

    @property
    def neck_len(self) -> float:
        # Whatever is left so that the top of the head is exactly at stature when standing straight.
        return (self.stature_m - self.ankle_h - self.shank_len - self.thigh_len - self.trunk_len
                - 0.95 * self.head_h - 0.01 * self.k)

    @property
    def chest_depth(self) -> float:
        return (0.21 + 0.10 * self.build) * self.k

    @property
    def belly(self) -> float:
        return 0.075 * self.build ** 1.5 * self.k

    @property
    def buttock_r(self) -> float:
        return (0.082 + 0.04 * self.build) * self.k

    @property
    def hip_half_width(self) -> float:
        return (0.085 + 0.03 * self.build) * self.k

    @property
    def standing_hip_height(self) -> float:
        """Hip joint height standing straight; the proximity sensor is mounted at this height."""
        return self.ankle_h + self.shank_len + self.thigh_len


def random_body(rng: np.random.Generator, **overrides) -> Body:
    """A random adult body (stature 1.50-1.95 m, slim to heavy) in random clothes."""
    shirt = _rgb_from_hsv(rng.random(), rng.uniform(0.2, 0.9), rng.uniform(0.25, 0.95))
    b = Body(
        stature_m=float(rng.uniform(1.50, 1.95)),
        build=float(rng.beta(1.6, 1.8)),
        leg_scale=float(rng.uniform(0.95, 1.05)),
        arm_scale=float(rng.uniform(0.95, 1.05)),
        baseline_bend_deg=float(rng.uniform(0.0, 12.0)),
        skin=_SKIN_TONES[rng.integers(len(_SKIN_TONES))],
        hair=_HAIR[rng.integers(len(_HAIR))],
        hair_style=("short", "long", "bun", "bald")[rng.choice(4, p=[0.45, 0.25, 0.2, 0.1])],
        shirt=shirt,
        long_sleeves=bool(rng.random() < 0.35),
        trousers=_TROUSERS[rng.integers(len(_TROUSERS))],
        shorts=bool(rng.random() < 0.3),
        shoes=_SHOES[rng.integers(len(_SHOES))],
        ball=_BALLS[rng.integers(len(_BALLS))],
    )
    return replace(b, **overrides) if overrides else b


def vary_body(rng: np.random.Generator, body: Body) -> Body:
    """The person's shape and clothes beyond build: kyphotic posture, where the back starts and ends,
    loose tops and hoodies, ponytails. Drawn from its own random stream (the caller's), so adding it
    changes how a seed's person looks, never the timeline of a scenario."""
    top = ("fitted", "loose", "hoodie")[rng.choice(3, p=[0.5, 0.3, 0.2])]
    hair = body.hair_style
    if hair == "long" and rng.random() < 0.6:
        hair = "ponytail"
    elif rng.random() < 0.12:
        hair = "ponytail"
    return replace(
        body,
        top=top,
        fold_phase=float(rng.uniform(0, 2 * math.pi)),
        kyphosis_deg=float(rng.uniform(8.0, 22.0)) if rng.random() < 0.3 else float(rng.uniform(0.0, 4.0)),
        sacrum_frac=float(rng.uniform(0.14, 0.26)),
        neck_frac=float(rng.uniform(0.90, 1.0)),
        hair_style=hair,
    )


# ----------------------------------------------------------------------------------------- pose


@dataclass
class Pose:
    """Where a person is and how they hold themselves.

    Two ways to place the legs:

    - *hinge* (``hip_rear_x`` set): feet fixed with the heels at ``heel_x`` from the wall, knee angle
      ``knee_angle_deg``; the shank tilt is solved so that the rearmost point of the buttocks is at
      ``hip_rear_x`` from the wall. This is how standing, hinging and leaning on the wall are drawn.
    - *gait* (``gait_phase`` set): walking with the hips at ``walk_x``; feet follow the legs.
    """

    facing: int = 1
    heel_x: float = 0.30
    trunk_inclination_deg: float = 3.0
    back_bend_deg: float = 6.0
    knee_angle_deg: float = 176.0
    heel_lift_m: float = 0.0
    hip_rear_x: Optional[float] = None
    gait_phase: Optional[float] = None
    gait_amp: float = 1.0
    walk_x: float = 0.0
    arms: str = "ball"  # ball | swing
    z: float = 0.0  # lateral offset of the sagittal plane (passers-by walk nearer or farther)


@dataclass
class Figure:
    """The drawn person: filled parts in draw order, keypoints and the exact back arc (world metres)."""

    parts: list[tuple[np.ndarray, float, BGR]]  # (N x 2 world x,y), z, colour
    keypoints: dict[str, tuple[float, float, float]]
    back_arc: np.ndarray  # N x 2 world points of the lumbar -> upper-back arc
    back_arc_z: float
    trunk_inclination_deg: float
    back_bend_deg: float
    knee_angle_deg: float
    heel_lift_m: float
    shank_tilt_deg: float = 0.0
    torso_outline: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))


_SEAM_A = np.concatenate([np.linspace(-0.6, 0.9, 8), np.linspace(0.9, -0.6, 8)])
_SEAM_R = np.concatenate([np.full(8, 0.98), np.full(8, 0.9)])
_SEAM = np.stack([-np.sin(_SEAM_A) * _SEAM_R, np.cos(_SEAM_A) * _SEAM_R], axis=1)
_UNIT = np.linspace(0, 2 * np.pi, 28, endpoint=False)
_UC, _US = np.cos(_UNIT), np.sin(_UNIT)


def split_rows(a: np.ndarray, lens: list[int]) -> list[np.ndarray]:
    """``a`` cut into consecutive runs of ``lens`` rows (views): ``np.split`` at the running sums, without
    its overhead (three calls a rendered frame, ~30 parts each)."""
    out, i = [], 0
    for n in lens:
        out.append(a[i:i + n])
        i += n
    return out


def _ellipse(cx: float, cy: float, rx: float, ry: float, ang: float = 0.0) -> np.ndarray:
    ca, sa = math.cos(ang), math.sin(ang)
    x, y = rx * _UC, ry * _US
    out = np.empty((len(_UC), 2))
    out[:, 0] = cx + x * ca - y * sa
    out[:, 1] = cy + x * sa + y * ca
    return out


_BEZ = {n: np.linspace(0, 1, n)[:, None] for n in range(2, 17)}


def _bezier(p0, p1, p2, n: int = 8) -> np.ndarray:
    t = _BEZ[n]
    return (1 - t) ** 2 * p0 + 2 * (1 - t) * t * p1 + t ** 2 * p2


def _chaikin(pts: np.ndarray, it: int = 2) -> np.ndarray:
    """Corner-cutting smoothing of an open polyline; the end points stay put."""
    for _ in range(it):
        q = 0.75 * pts[:-1] + 0.25 * pts[1:]
        r = 0.25 * pts[:-1] + 0.75 * pts[1:]
        mid = np.empty((2 * len(q), 2))
        mid[0::2], mid[1::2] = q, r
        pts = np.vstack([pts[:1], mid, pts[-1:]])
    return pts


def arc_points(p0: np.ndarray, p1: np.ndarray, bend_deg: float, outward: np.ndarray, n: int = 15) -> np.ndarray:
    """Points of the circular arc from ``p0`` to ``p1`` whose bend angle is ``bend_deg``.

    The arc bulges towards the side of the chord that ``outward`` points to; its sagitta is
    ``c/2 * tan(bend/4)``, so ``4*atan(2*s/c)`` gives back ``bend_deg``.
    """
    p0, p1 = np.asarray(p0, float), np.asarray(p1, float)
    d = p1 - p0
    c = float(np.hypot(*d))
    u = d / c
    nrm = np.array([-u[1], u[0]])
    if float(nrm @ outward) < 0:
        nrm = -nrm
    beta = math.radians(bend_deg)
    if abs(beta) < 1e-6:
        t = np.linspace(0, 1, n)[:, None]
        return p0 + t * d
    R = c / (2 * math.sin(beta / 2))
    centre = (p0 + p1) / 2 - nrm * R * math.cos(beta / 2)
    phi = np.linspace(-beta / 2, beta / 2, n)[:, None]
    return centre + R * (np.sin(phi) * u + np.cos(phi) * nrm)


@functools.lru_cache(maxsize=256)
def _torso_static(body: Body) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The parts of the trunk outline that do not depend on the back bend (computed once per body).

    Returns the buttock curve, the front (chest and belly), the bottom, and the two ends of the back:
    the top of the sacrum and the base of the neck (trunk coordinates a, b)."""
    k, D, L = body.k, body.chest_depth, body.trunk_len
    rb = body.buttock_r
    ac, bc = -0.035 * k, 0.35 * rb
    ra = 1.05 * rb
    ang = np.radians(np.linspace(-105, 65, 16))
    butt = np.stack([ac + ra * np.sin(ang), bc + rb * np.cos(ang)], axis=1)
    sacrum = np.array([body.sacrum_frac * L, 0.39 * D])
    neck = np.array([body.neck_frac * L, 0.40 * D])
    belly = body.belly
    front = np.array([
        [L + 0.03 * k, -0.045 * k],
        [0.95 * L, -0.40 * D],
        [0.75 * L, -0.54 * D],
        [0.55 * L, -0.47 * D - 0.35 * belly],
        [0.32 * L, -0.45 * D - belly],
        [0.12 * L, -0.42 * D - 0.75 * belly],
        [-0.02 * L, -0.33 * D - 0.3 * belly],
        [-0.12 * k, -0.15 * D],
    ])
    front = _chaikin(front, 2)
    bottom = _bezier(front[-1], np.array([-0.16 * k, 0.0]), butt[0], 5)[1:-1]
    return butt, front, bottom, sacrum, neck


_BACK_N = 25  # points on the back between sacrum top and neck base


def back_curve(body: Body, back_bend_deg: float) -> np.ndarray:
    """The back from the top of the sacrum to the base of the neck (trunk coordinates, b posterior).

    A circular arc of ``back_bend_deg`` plus the person's kyphotic bump (fixed, centred on the upper
    back), both measured from the chord between the two ends."""
    _, _, _, sacrum, neck = _torso_static(body)
    arc = arc_points(sacrum, neck, back_bend_deg, np.array([0.0, 1.0]), n=_BACK_N)
    if body.kyphosis_deg > 0:
        arc = arc + _kyphotic_bump(body, sacrum, neck)
    return arc


def _kyphotic_bump(body: Body, sacrum: np.ndarray, neck: np.ndarray) -> np.ndarray:
    """The person's kyphotic bump on the back's ``_BACK_N`` points (trunk coordinates, posterior): centred
    on the upper back, zero at both ends, its sagitta that of a ``kyphosis_deg`` arc on the same chord."""
    d = neck - sacrum
    c = float(np.hypot(*d))
    nrm = np.array([-d[1], d[0]]) / c
    if nrm[1] < 0:
        nrm = -nrm
    tau = np.linspace(0.0, 1.0, _BACK_N)
    bump = np.exp(-(((tau - 0.68) / 0.2) ** 2))
    bump -= (1 - tau) * bump[0] + tau * bump[-1]
    s_k = c / 2 * math.tan(math.radians(body.kyphosis_deg) / 4)
    return (s_k / bump.max()) * bump[:, None] * nrm[None, :]


def back_bend_of_contour(pts: np.ndarray) -> float:
    """Signed bend ``4*atan(2*s/c)`` (degrees) of a back contour: chord between its ends, ``s`` the
    deviation of largest magnitude, positive when the back bows outward (posterior, +b)."""
    p0, p1 = pts[0], pts[-1]
    d = p1 - p0
    c = float(np.hypot(*d))
    nrm = np.array([-d[1], d[0]]) / c
    if nrm[1] < 0:
        nrm = -nrm
    dev = (pts - p0) @ nrm
    s = float(dev[np.argmax(np.abs(dev))])
    return math.degrees(4 * math.atan(2 * s / c))


@functools.lru_cache(maxsize=4096)
def contour_bend(body: Body, back_bend_deg: float) -> float:
    """The truth's back bend of ``body`` drawn with ``back_bend_deg`` (see :func:`back_bend_of_contour`)."""
    return back_bend_of_contour(back_curve(body, back_bend_deg))


def contour_bends(body: Body, back_bend_deg: np.ndarray) -> np.ndarray:
    """:func:`contour_bend` of many bends at once (the truth of every pose of a rep, sampled every 5 ms):
    the same arcs and the same bump, worked out as arrays. Equal to the scalar one to rounding error."""
    bends = np.asarray(back_bend_deg, float).ravel()
    _, _, _, sacrum, neck = _torso_static(body)
    p0, p1 = np.asarray(sacrum, float), np.asarray(neck, float)
    d = p1 - p0
    c = float(np.hypot(*d))
    u = d / c
    nrm = np.array([-u[1], u[0]])
    if float(nrm @ np.array([0.0, 1.0])) < 0:  # arc_points' outward side, (0, 1) as in back_curve
        nrm = -nrm
    beta = np.radians(bends)
    flat = np.abs(beta) < 1e-6
    b = np.where(flat, 1.0, beta)  # placeholder where the arc is a straight line (replaced below)
    R = c / (2 * np.sin(b / 2))
    centre = (p0 + p1) / 2 - (R * np.cos(b / 2))[:, None] * nrm
    phi = np.linspace(-b / 2, b / 2, _BACK_N, axis=1)  # (n_bends, _BACK_N)
    pts = centre[:, None, :] + R[:, None, None] * (np.sin(phi)[..., None] * u + np.cos(phi)[..., None] * nrm)
    if flat.any():
        pts[flat] = p0 + np.linspace(0, 1, _BACK_N)[:, None] * d
    if body.kyphosis_deg > 0:
        pts = pts + _kyphotic_bump(body, p0, p1)[None]
    # back_bend_of_contour over each row: the chord between the row's own ends, as there.
    e0, e1 = pts[:, 0, :], pts[:, -1, :]
    dd = e1 - e0
    cc = np.hypot(dd[:, 0], dd[:, 1])
    n2 = np.stack([-dd[:, 1], dd[:, 0]], axis=1) / cc[:, None]
    n2 = np.where(n2[:, 1:2] < 0, -n2, n2)
    dev = np.einsum("bij,bj->bi", pts - e0[:, None, :], n2)
    s = dev[np.arange(len(bends)), np.argmax(np.abs(dev), axis=1)]
    return np.degrees(4 * np.arctan(2 * s / cc))


@functools.lru_cache(maxsize=64)
def torso_outline(body: Body, back_bend_deg: float) -> tuple[np.ndarray, int, int]:
    """The trunk outline in trunk coordinates (a along hip->shoulder, b posterior), closed polygon.

    Returns the points and the index range [i0, i1) of the back (sacrum top to neck base) inside them.
    """
    k, L = body.k, body.trunk_len
    butt, front, bottom, sacrum, _ = _torso_static(body)
    arc = back_curve(body, back_bend_deg)
    # From the buttocks the outline curves in to the lumbar hollow and up to the sacrum top.
    ctrl = np.array([0.5 * (butt[-1, 0] + sacrum[0]), 0.96 * sacrum[1]])
    trans = _bezier(butt[-1], ctrl, arc[0], 7)[1:-1]
    # Above the back the contour continues its tangent a little, then rolls over the shoulder to the neck.
    tang = arc[-1] - arc[-2]
    tang /= np.hypot(*tang)
    neck_back = np.array([L + 0.035 * k, 0.05 * k])
    top_ctrl = arc[-1] + tang * 0.45 * np.hypot(*(neck_back - arc[-1]))
    top = _bezier(arc[-1], top_ctrl, neck_back, 8)[1:]
    pts = np.vstack([butt, trans, arc, top, front, bottom])
    i0 = len(butt) + len(trans)
    return pts, i0, i0 + len(arc)


def loose_top(outline: np.ndarray, body: Body, waist: float) -> np.ndarray:
    """A loose top over the trunk outline: the fabric bridges the back's hollows (its convex hull),
    stands off the body by an ease, and falls in folds along the back (trunk coordinates)."""
    k, D, L = body.k, body.chest_depth, body.trunk_len
    pts = outline[outline[:, 0] >= waist]
    hull = cv2.convexHull(pts.astype(np.float32))[:, 0, :].astype(float)
    # Resample the hull evenly so the folds and the ease have points to move.
    closed = np.vstack([hull, hull[:1]])
    seg = np.hypot(*np.diff(closed, axis=0).T)
    s = np.concatenate([[0.0], np.cumsum(seg)])
    n = 90
    si = np.linspace(0, s[-1], n, endpoint=False)
    res = np.stack([np.interp(si, s, closed[:, 0]), np.interp(si, s, closed[:, 1])], axis=1)
    tan = np.roll(res, -1, axis=0) - np.roll(res, 1, axis=0)
    nrm = np.stack([tan[:, 1], -tan[:, 0]], axis=1)
    nrm /= np.maximum(np.hypot(nrm[:, 0], nrm[:, 1]), 1e-9)[:, None]
    centre = res.mean(axis=0)
    if float(((res - centre) * nrm).sum()) < 0:
        nrm = -nrm
    back = (res[:, 1] > 0.15 * D) & (res[:, 0] > waist + 0.02) & (res[:, 0] < L)
    off = np.full(n, 0.012 * k)
    off[back] += 0.005 * k * np.sin(2 * np.pi * si[back] / (0.09 * k) + body.fold_phase)
    # The hem flares a little.
    off += 0.012 * k * np.exp(-(((res[:, 0] - waist) / (0.05 * k)) ** 2))
    return res + off[:, None] * nrm


@functools.lru_cache(maxsize=64)
def _loose_top_of(body: Body, back_bend_deg: float, waist: float) -> np.ndarray:
    """``loose_top`` over ``torso_outline(body, back_bend_deg)``, kept for the next build of the same back
    (a frame's picture and its proximity reading build it twice). Read-only: callers place copies."""
    out = loose_top(torso_outline(body, back_bend_deg)[0], body, waist)
    out.setflags(write=False)
    return out


def _limb(p0: np.ndarray, p1: np.ndarray, profile: list[tuple[float, float, float]]) -> np.ndarray:
    """A limb polygon from ``p0`` (proximal) to ``p1`` with (t, back radius, front radius) samples."""
    d = p1 - p0
    u = d / max(1e-9, float(np.hypot(*d)))
    back = np.array([u[1], -u[0]])  # for a limb pointing down this is -X (posterior)
    ts = np.array([p[0] for p in profile])[:, None]
    rb = np.array([p[1] for p in profile])[:, None]
    rf = np.array([p[2] for p in profile])[:, None]
    axis = p0 + ts * d
    return np.vstack([axis + rb * back, (axis - rf * back)[::-1]])


def _rot(v: np.ndarray, ang: float) -> np.ndarray:
    c, s = math.cos(ang), math.sin(ang)
    out = np.empty(np.shape(v))
    out[..., 0] = v[..., 0] * c - v[..., 1] * s
    out[..., 1] = v[..., 0] * s + v[..., 1] * c
    return out


def _shade(c: BGR, g: float) -> BGR:
    return (min(255, int(c[0] * g)), min(255, int(c[1] * g)), min(255, int(c[2] * g)))


def solve_shank_tilt(body: Body, knee_deg: float, hip_dx: float) -> float:
    """Shank tilt from vertical (radians, forward positive) that puts the hip ``hip_dx`` in front of the ankle."""
    Ls, Lt = body.shank_len, body.thigh_len
    F = math.radians(180.0 - knee_deg)
    lo, hi = math.radians(-40), math.radians(60)
    for _ in range(40):  # g is monotonic in the tilt over this range, so bisection is safe
        mid = 0.5 * (lo + hi)
        if Ls * math.sin(mid) - Lt * math.sin(F - mid) < hip_dx:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def _trunk_frame(theta: float) -> tuple[np.ndarray, np.ndarray]:
    u = np.array([math.sin(theta), math.cos(theta)])
    n = np.array([-math.cos(theta), math.sin(theta)])
    return u, n


def torso_rear_offset(body: Body, trunk_deg: float, bend_deg: float) -> float:
    """How far behind the hip joint (body-frame X) the rearmost point of the trunk outline lies."""
    pts, _, _ = torso_outline(body, bend_deg)
    u, n = _trunk_frame(math.radians(trunk_deg))
    X = pts[:, 0] * u[0] + pts[:, 1] * n[0]
    return float(-X.min())


def foot_and_ankle(body: Body, heel_lift_m: float) -> tuple[np.ndarray, float]:
    """Ankle joint (body frame, origin = ankle over the floor) and foot pitch for a heel rise."""
    Lf = body.foot_len
    ball = np.array([0.52 * Lf, 0.0])
    lever = 0.72 * Lf
    alpha = math.asin(min(0.9, max(0.0, heel_lift_m) / lever))
    ankle = ball + _rot(np.array([0.0, body.ankle_h]) - ball, -alpha)
    return ankle, alpha


def _shoe(body: Body) -> tuple[np.ndarray, np.ndarray]:
    """Shoe and sole polygons in foot coordinates (origin at the ankle joint, flat foot)."""
    Lf, k, ah = body.foot_len, body.k, body.ankle_h
    hb, toe = 0.2 * Lf, 0.8 * Lf
    shoe = np.array([
        [-hb + 0.012 * k, -ah], [toe - 0.03 * k, -ah], [toe, -ah + 0.018 * k], [toe - 0.02 * k, -ah + 0.042 * k],
        [0.40 * Lf, -ah + 0.06 * k], [0.15 * Lf, -ah + 0.085 * k], [0.04 * k, 0.02 * k],
        [-0.04 * k, 0.035 * k], [-hb + 0.01 * k, -ah + 0.06 * k], [-hb - 0.004 * k, -ah + 0.02 * k],
    ])
    sole = np.array([[-hb + 0.01 * k, -ah], [toe - 0.03 * k, -ah], [toe - 0.008 * k, -ah + 0.012 * k],
                     [-hb - 0.002 * k, -ah + 0.012 * k]])
    return shoe, sole


def build_figure(body: Body, pose: Pose, light: float = 1.0, sensor_only: bool = False) -> Figure:
    """Build the filled shapes of ``body`` in ``pose``, in draw order for a camera on the -z side.

    ``light`` scales all colours (a dim room or a backlit person). With ``sensor_only`` only the trunk
    and thighs are built (what the hip proximity sensor can see), which is much cheaper.
    """
    k = body.k
    theta = math.radians(pose.trunk_inclination_deg)
    u, n = _trunk_frame(theta)
    Ls, Lt = body.shank_len, body.thigh_len

    # ---- legs (body frame: X forward, origin = ankle over the floor when the foot is flat)
    legs: list[tuple[np.ndarray, np.ndarray, np.ndarray, float]] = []  # hip, knee, ankle, foot pitch
    if pose.gait_phase is None:
        ankle, pitch = foot_and_ankle(body, pose.heel_lift_m)
        rear = torso_rear_offset(body, pose.trunk_inclination_deg, pose.back_bend_deg)
        origin_x = pose.heel_x + 0.2 * body.foot_len
        if pose.hip_rear_x is None:
            hip_dx = 0.02 * k
        else:
            # The rear of the buttocks (world) = origin_x + hip X - rear offset, for facing +1 at the wall.
            hip_dx = (pose.hip_rear_x + rear - origin_x) - ankle[0]
        phi_s = solve_shank_tilt(body, pose.knee_angle_deg, hip_dx)
        phi_t = math.radians(180.0 - pose.knee_angle_deg) - phi_s
        knee = ankle + Ls * np.array([math.sin(phi_s), math.cos(phi_s)])
        hip = knee + Lt * np.array([-math.sin(phi_t), math.cos(phi_t)])
        leg = (hip, knee, ankle, pitch)
        legs = [leg, leg]
        knee_angle = pose.knee_angle_deg
        shank_tilt = math.degrees(phi_s)
    else:
        origin_x = pose.walk_x
        A = pose.gait_amp
        chains = []
        for off in (0.0, math.pi):
            ph = pose.gait_phase + off
            ft = math.radians(24) * A * math.sin(ph)
            flex = math.radians(A * (6 + 55 * max(0.0, math.sin(ph + 1.3)) ** 2))
            fs = ft - flex
            ptch = A * max(0.0, -fs) * 0.7
            knee_rel = Lt * np.array([math.sin(ft), -math.cos(ft)])
            ankle_rel = knee_rel + Ls * np.array([math.sin(fs), -math.cos(fs)])
            chains.append((knee_rel, ankle_rel, ptch))
        hip_y = max(-c[1][1] for c in chains) + body.ankle_h
        hip = np.array([0.0, hip_y])
        for knee_rel, ankle_rel, ptch in chains:
            legs.append((hip, hip + knee_rel, hip + ankle_rel, ptch))
        kv, sv = legs[0][0] - legs[0][1], legs[0][2] - legs[0][1]
        knee_angle = math.degrees(math.acos(float(kv @ sv) / (float(np.hypot(*kv)) * float(np.hypot(*sv)))))
        shank_tilt = 0.0
    hip = legs[0][0]

    f = float(pose.facing)

    def world(p: np.ndarray) -> np.ndarray:
        out = np.array(p, dtype=float, copy=True)
        out[..., 0] = origin_x + f * out[..., 0]
        return out

    def tw(ab: np.ndarray) -> np.ndarray:
        """Trunk (a, b) -> body frame."""
        ab = np.asarray(ab, float)
        return hip + ab[..., :1] * u + ab[..., 1:2] * n if ab.ndim == 2 else hip + ab[0] * u + ab[1] * n

    parts: list[tuple[np.ndarray, float, BGR]] = []
    zn, zf = pose.z - body.hip_half_width, pose.z + body.hip_half_width
    # Arms holding the ball are drawn near the trunk's plane: the trunk is as wide as the shoulders,
    # so under yaw its near edge shifts with the arms, and a flat trunk at z = 0 would let them poke out.
    if pose.arms == "ball":
        arm_zn, arm_zf = pose.z - 0.035, pose.z + 0.035
    else:
        arm_zn, arm_zf = zn - 0.05, zf + 0.05
    far = 0.72 * light

    def add(poly: np.ndarray, z: float, colour: BGR, g: float = light) -> None:
        parts.append((poly, z, _shade(colour, g)))  # body frame; placed in the world all at once at the end

    def placed() -> list[tuple[np.ndarray, float, BGR]]:
        lens = [len(p) for p, _, _ in parts]
        allp = np.concatenate([p for p, _, _ in parts])
        allp[:, 0] = origin_x + f * allp[:, 0]
        return [(q, z, c) for q, (_, z, c) in zip(split_rows(allp, lens), parts)]

    skin, trou, shoes = body.skin, body.trousers, body.shoes
    thigh_r = (0.068 + 0.03 * body.build) * k
    knee_r = (0.047 + 0.008 * body.build) * k
    calf_r = (0.05 + 0.016 * body.build) * k
    ankle_r = 0.03 * k
    shoe, sole = _shoe(body)

    leg_cache: dict[int, list[tuple[np.ndarray, BGR]]] = {}

    def leg_shapes(leg) -> list[tuple[np.ndarray, BGR]]:
        # In the hinge both legs have the same outline (only depth and shade differ): build it once.
        hit = leg_cache.get(id(leg))
        if hit is not None:
            return hit
        h, kn, an, ptch = leg
        thigh = _limb(h, kn, [(0.0, thigh_r, thigh_r * 0.9), (0.5, thigh_r * 0.85, thigh_r * 0.8), (1.0, knee_r, knee_r)])
        out: list[tuple[np.ndarray, BGR]] = []
        if sensor_only:
            out = [(thigh, trou)]
        else:
            shank = _limb(kn, an, [(0.0, knee_r, knee_r), (0.3, calf_r, knee_r * 0.85),
                                   (0.75, calf_r * 0.7, ankle_r * 1.1), (1.0, ankle_r, ankle_r)])
            if body.shorts:
                short = _limb(h, kn, [(0.0, thigh_r * 1.05, thigh_r * 0.95), (0.55, thigh_r * 0.95, thigh_r * 0.9)])
                out = [(thigh, skin), (_ellipse(*kn, knee_r, knee_r), skin), (shank, skin), (short, trou)]
            else:
                out = [(thigh, trou), (_ellipse(*kn, knee_r * 1.05, knee_r * 1.05), trou), (shank, trou)]
            out += [(_rot(shoe, -ptch) + an, shoes), (_rot(sole, -ptch) + an, (70, 70, 70))]
        leg_cache[id(leg)] = out
        return out

    def leg_parts(leg, z: float, g: float) -> None:
        for poly, colour in leg_shapes(leg):
            add(poly, z, colour, g)

    # ---- arms: shoulder joint, elbow by two-link IK, hand
    La, Lfa = 0.186 * body.stature_m * body.arm_scale, 0.15 * body.stature_m * body.arm_scale
    D = body.chest_depth
    ball_r = 0.115
    arm_r = (0.04 + 0.014 * body.build) * k
    fore_r = 0.03 * k
    shoulder_ab = np.array([body.trunk_len - 0.045 * k, -0.015 * k])
    ball_ab = np.array([0.64 * body.trunk_len, -(0.5 * D + 0.55 * body.belly + 0.85 * ball_r)])

    def arm_chain(swing: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if pose.arms == "ball":
            # Solved in trunk coordinates: the elbows hang down along the ribs, tucked at the sides.
            # The arms are partly abducted, so their side-view lengths are shorter than their true ones.
            la, lfa = 0.82 * La, 0.88 * Lfa
            S_ab = shoulder_ab
            H_ab = ball_ab + np.array([-0.25 * ball_r, 0.1 * ball_r])
            d = H_ab - S_ab
            dist0 = float(np.hypot(*d))
            dist = min(dist0, 0.999 * (la + lfa))
            cosA = (la ** 2 + dist ** 2 - lfa ** 2) / (2 * la * dist)
            A = math.acos(max(-1.0, min(1.0, cosA)))
            base = math.atan2(d[1], d[0])
            cands = [S_ab + la * np.array([math.cos(base + s * A), math.sin(base + s * A)]) for s in (1, -1)]
            E_ab = min(cands, key=lambda e: e[0])  # the elbow that is lower along the trunk
            # The arm is beside the trunk: keep it inside the back contour so the back's outline
            # stays the drawn arc (the forearm is foreshortened instead).
            b_max = 0.40 * D - 1.15 * arm_r - 0.01 * k
            if E_ab[1] > b_max:
                E_ab = np.array([S_ab[0] - math.sqrt(max(0.0, la ** 2 - (b_max - S_ab[1]) ** 2)), b_max])
            H_ab = S_ab + d * (dist / dist0)
            return tw(S_ab), tw(E_ab), tw(H_ab)
        S = tw(shoulder_ab)
        ang = swing
        E = S + La * np.array([math.sin(ang), -math.cos(ang)])
        fa = ang + math.radians(20)
        return S, E, E + Lfa * np.array([math.sin(fa), -math.cos(fa)])


    def arm_parts(chain, z: float, g: float) -> None:
        S, E, Hd = chain
        upper = _limb(S, E, [(0.0, arm_r * 1.1, arm_r * 1.1), (1.0, fore_r * 1.1, fore_r * 1.1)])
        fore = _limb(E, Hd, [(0.0, fore_r * 1.05, fore_r * 1.05), (1.0, fore_r * 0.8, fore_r * 0.8)])
        sleeve = _shade(body.shirt, 0.86)  # the arm is lit differently from the chest behind it
        add(upper, z, sleeve, g)
        add(_ellipse(*S, arm_r * 1.12, arm_r * 1.12), z, sleeve, g)
        add(_ellipse(*E, fore_r * 1.1, fore_r * 1.1), z, sleeve if body.long_sleeves else skin, g)
        add(fore, z, sleeve if body.long_sleeves else skin, g)
        add(_ellipse(*Hd, 0.045 * k, 0.038 * k, math.atan2(*(Hd - E)[::-1])), z, skin, g)

    gait = pose.gait_phase
    swing_n = -0.5 * math.radians(24) * pose.gait_amp * math.sin(gait) if gait is not None else 0.0
    # far side first
    leg_parts(legs[1], zf, far)
    if not sensor_only:
        arm_parts(arm_chain(-swing_n), arm_zf, far)

    # ---- trunk: trousers over the pelvis, the shirt from the waist up
    outline, i0, i1 = torso_outline(body, pose.back_bend_deg)
    torso_b = tw(outline)
    add(torso_b, pose.z, trou)
    waist = 0.17 * body.trunk_len
    if not sensor_only or body.top != "fitted":
        # A loose top's hem hangs over the hips: the proximity sensor sees it too.
        if body.top == "fitted":
            shirt_poly = outline[outline[:, 0] >= waist]
        else:
            shirt_poly = _loose_top_of(body, pose.back_bend_deg, waist)
        add(tw(shirt_poly), pose.z, body.shirt)
    if not sensor_only:
        if body.top == "hoodie":
            # The hood lies bunched on the upper back, over the base of the neck.
            nb = outline[i1 - 1]
            hood = _ellipse(nb[0] + 0.01 * k, nb[1] + 0.005 * k, 0.09 * k, 0.035 * k, 0.0)
            add(tw(hood), pose.z, _shade(body.shirt, 0.9))
    leg_parts(legs[0], zn, light)

    arc_world = world(torso_b[i0:i1])
    kp: dict[str, tuple[float, float, float]] = {}

    def key(name: str, p: np.ndarray, z: float) -> None:
        w = world(p)
        kp[name] = (float(w[0]), float(w[1]), z)

    key("hip", hip, pose.z)
    key("shoulder", tw(np.array([body.trunk_len, 0.0])), pose.z)
    key("lumbar", torso_b[i0], pose.z)
    key("upper_back", torso_b[i1 - 1], pose.z)
    key("knee", legs[0][1], zn)
    key("ankle", legs[0][2], zn)
    if sensor_only:
        return Figure(placed(), kp, arc_world, pose.z, pose.trunk_inclination_deg, pose.back_bend_deg, knee_angle,
                      pose.heel_lift_m, shank_tilt, world(torso_b))

    an, ptch = legs[0][2], legs[0][3]
    key("heel", _rot(np.array([-0.2 * body.foot_len, -body.ankle_h]), -ptch) + an, zn)
    key("toe", _rot(np.array([0.8 * body.foot_len, -body.ankle_h]), -ptch) + an, zn)

    # ---- neck and head
    neck_base = tw(np.array([body.trunk_len + 0.01 * k, 0.01 * k]))
    hp = 0.75 * theta
    hu = np.array([math.sin(hp), math.cos(hp)])
    hf = np.array([math.cos(hp), -math.sin(hp)])
    neck_top = neck_base + hu * body.neck_len
    add(_limb(neck_base - hu * 0.03 * k, neck_top + hu * 0.02 * k,
              [(0.0, 0.058 * k, 0.06 * k), (1.0, 0.05 * k, 0.05 * k)]), pose.z, skin)
    hc = neck_top + hu * (0.45 * body.head_h) + hf * 0.015 * k
    hang = math.atan2(hf[1], hf[0])
    head_rf = 0.098 * k
    add(_ellipse(*hc, head_rf, 0.5 * body.head_h, hang), pose.z, skin)
    jaw = np.array([hc + hf * 0.07 * k - hu * 0.035 * k, hc + hf * 0.095 * k - hu * 0.05 * k,
                    hc + hf * 0.06 * k - hu * 0.068 * k, hc - hf * 0.01 * k - hu * 0.06 * k])
    add(jaw, pose.z, skin)
    nose = np.array([hc + hf * 0.09 * k + hu * 0.02 * k, hc + hf * 0.118 * k - hu * 0.008 * k,
                     hc + hf * 0.092 * k - hu * 0.015 * k])
    add(nose, pose.z, skin)
    # Hair covers the crown and the back of the skull, not the face.
    ang = np.radians(np.linspace(55, 250, 18))
    hx = 1.06 * head_rf * np.cos(ang)
    hy = 1.06 * 0.5 * body.head_h * np.sin(ang)
    hair = hc + hx[:, None] * hf + hy[:, None] * hu
    if body.hair_style != "bald":
        add(np.vstack([hair, hc - hu * 0.01 * k]), pose.z, body.hair)
        if body.hair_style == "long":
            add(np.array([hc - hf * 0.1 * k + hu * 0.03 * k, hc - hf * 0.115 * k - hu * 0.13 * k,
                          hc - hf * 0.05 * k - hu * 0.14 * k, hc - hf * 0.03 * k]), pose.z, body.hair)
        elif body.hair_style == "ponytail":
            # Tied at the back of the head, it hangs with gravity (world down), whatever the trunk does.
            root = hc - hf * 0.095 * k + hu * 0.01 * k
            ln = 0.2 * k
            down = np.array([-0.1, -1.0]) / math.hypot(0.1, 1.0)
            side = np.array([-down[1], down[0]])
            tip = root + down * ln
            add(np.array([root + side * 0.028 * k, tip + side * 0.012 * k, tip - side * 0.012 * k,
                          root - side * 0.028 * k]), pose.z, body.hair)
        elif body.hair_style == "bun":
            add(_ellipse(*(hc - hf * 0.105 * k + hu * 0.035 * k), 0.04 * k, 0.04 * k), pose.z, body.hair)
    add(_ellipse(*(hc - hf * 0.012 * k), 0.017 * k, 0.026 * k, hang), pose.z - 0.05, _shade(skin, 0.85))
    add(_ellipse(*(hc + hf * 0.06 * k + hu * 0.018 * k), 0.007 * k, 0.006 * k), pose.z - 0.05, (40, 30, 30))
    key("head_top", hc + hu * 0.5 * body.head_h, pose.z)
    key("nose", hc + hf * 0.118 * k, pose.z)

    # ---- ball and near arm
    if pose.arms == "ball":
        bc = tw(ball_ab)
        add(_ellipse(*bc, ball_r, ball_r), pose.z, body.ball)
        seam = bc + _SEAM * ball_r
        add(seam, pose.z, _shade(body.ball, 2.2) if max(body.ball) < 100 else _shade(body.ball, 0.5))
    arm_parts(arm_chain(swing_n), arm_zn, light)
    return Figure(placed(), kp, arc_world, pose.z, pose.trunk_inclination_deg, pose.back_bend_deg, knee_angle,
                  pose.heel_lift_m, shank_tilt, world(torso_b))


def rear_distance_in_band(fig: Figure, y_lo: float, y_hi: float) -> Optional[float]:
    """Smallest world x of the figure's shapes between heights ``y_lo`` and ``y_hi`` (None if none)."""
    if not fig.parts:
        return None
    polys = [p for p, _, _ in fig.parts if len(p)]
    a = np.concatenate(polys)
    # Each point's successor along its own polygon (the last one's is the first): np.roll of each part,
    # as one gather.
    lens = np.array([len(p) for p in polys])
    nxt = np.arange(1, len(a) + 1)
    ends = np.cumsum(lens)
    nxt[ends - 1] = ends - lens
    b = a[nxt]
    ya, yb = a[:, 1], b[:, 1]
    hit = (np.maximum(ya, yb) >= y_lo) & (np.minimum(ya, yb) <= y_hi)
    if not hit.any():
        return None
    a, b = a[hit], b[hit]
    dy = b[:, 1] - a[:, 1]
    dy = np.where(np.abs(dy) < 1e-12, 1e-12, dy)
    # Clip each edge to the band; the extreme x of a clipped edge is at one of its clipped ends.
    t0 = np.clip((y_lo - a[:, 1]) / dy, 0, 1)
    t1 = np.clip((y_hi - a[:, 1]) / dy, 0, 1)
    dx = b[:, 0] - a[:, 0]
    return float(min((a[:, 0] + t0 * dx).min(), (a[:, 0] + t1 * dx).min()))
