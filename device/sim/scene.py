"""The synthetic camera and room: projection, a cached background, lighting, noise and compositing.

The room: the target wall is the plane x = 0 (seen edge-on at one side of the picture, or obliquely
when the camera is yawed), a back wall parallel to the person's sagittal plane at depth ``back_wall_z``
behind them, and the floor y = 0. The camera stands ``distance_m`` to the side of the person, lens at
``height_m``. Yaw is approximated as the brief allows: x is foreshortened by cos(yaw) about the wall
and lateral depth leaks into x by sin(yaw), which shows a little of the far leg and arm.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Sequence

import cv2
import numpy as np

from .body import BGR, Figure, split_rows

_SHIFT = 4  # sub-pixel bits for cv2.fillPoly
_ONE = 1 << _SHIFT


@dataclass(frozen=True)
class Camera:
    """A pinhole camera looking across the room along +z at the person's sagittal plane."""

    width: int = 640
    height: int = 480
    focal_px: float = 300.0
    x_m: float = 0.8  # world x at the image centre column
    height_m: float = 0.95  # lens height
    distance_m: float = 2.2  # lens to the person's sagittal plane (z = 0)
    yaw_deg: float = 0.0
    wall_side: str = "left"
    roll_deg: float = 0.0  # the camera turned about its lens axis; > 0 turns the picture clockwise
    pitch_deg: float = 0.0  # the camera tilted down (mounted high, aimed at the person); > 0 looks down, < 0 up

    def project(self, xy: np.ndarray, z: float | np.ndarray, du: float = 0.0, dv: float = 0.0) -> np.ndarray:
        """World points (N x 2 x,y at lateral z) -> pixel coordinates (N x 2 u,v), float."""
        yaw = math.radians(self.yaw_deg)
        x = xy[..., 0] * math.cos(yaw) + z * math.sin(yaw)
        depth = self.distance_m + z * math.cos(yaw)
        up = xy[..., 1] - self.height_m
        if self.pitch_deg:
            # Tilted down about the lens's horizontal axis: height and depth mix, so world verticals
            # converge towards a point below the picture (keystone) and the room's lines with them.
            p = math.radians(self.pitch_deg)
            depth, up = depth * math.cos(p) - up * math.sin(p), up * math.cos(p) + depth * math.sin(p)
        s = self.focal_px / depth
        u = self.width / 2 + (x - self.x_m) * s
        v = self.height / 2 - up * s
        if self.wall_side == "right":
            u = (self.width - 1) - u
        if self.roll_deg:
            # The picture's content turns clockwise by the roll about its centre (a world vertical
            # leans by the roll in the picture).
            r = math.radians(self.roll_deg)
            cu, cv = self.width / 2, self.height / 2
            x, y = u - cu, v - cv
            u, v = cu + x * math.cos(r) - y * math.sin(r), cv + x * math.sin(r) + y * math.cos(r)
        return np.stack([u + du, v + dv], axis=-1)

    @property
    def px_per_m(self) -> float:
        """Scale in the person's plane (z = 0), horizontal scale before yaw."""
        return self.focal_px / self.distance_m


def make_camera(rng: np.random.Generator, stature_m: float, width: int, height: int, wall_side: str,
                yaw_deg: Optional[float] = None, distance_m: Optional[float] = None, roll_deg: float = 0.0,
                pitch_deg: float = 0.0) -> Camera:
    """A random camera placement that keeps the whole body and the wall in view.

    ``roll_deg``: the camera turned about its axis (a bracket or stand not quite level); the picture is
    zoomed out enough that the body stays in it. ``pitch_deg``: the camera mounted higher by
    ``distance * tan(pitch)`` and tilted down by the pitch, so it aims where the level camera did (how
    a camera put up high is pointed at a person), zoomed out where the body would leave the picture; a
    negative pitch lowers it (never under 0.15 m: a camera on the floor) and tilts it up.
    Neither draws anything from ``rng``."""
    dist = float(rng.uniform(1.6, 3.0)) if distance_m is None else distance_m
    hc = float(rng.uniform(0.65, 1.35))
    yaw = float(rng.uniform(0, 20)) if yaw_deg is None else yaw_deg
    # Vertical fit: head top (plus margin) and the floor must both be inside the frame.
    half_needed = max(stature_m + 0.08 - hc, hc + 0.06)
    f_fit = (height / 2) * dist / half_needed
    f = f_fit * float(rng.uniform(0.82, 0.98))
    if roll_deg:
        # A point half the width from the centre moves up or down by that times sin(roll).
        f /= 1.0 + 0.5 * (width / height) * abs(math.sin(math.radians(roll_deg)))
    if pitch_deg:
        hc = max(0.15, hc + dist * math.tan(math.radians(pitch_deg)))
        probe = Camera(width, height, f, 0.0, hc, dist, 0.0, "left", 0.0, float(pitch_deg))
        v = probe.project(np.array([[0.0, stature_m + 0.08], [0.0, -0.06]]), 0.0)[:, 1]
        reach = float(np.max(np.abs(v - height / 2)))
        if reach > 0.48 * height:
            f *= 0.48 * height / reach
    wall_frac = float(rng.uniform(0.06, 0.2))
    u_wall = wall_frac * width
    x_c = (width / 2 - u_wall) * dist / f
    return Camera(width, height, f, x_c, hc, dist, yaw, wall_side, float(roll_deg), float(pitch_deg))


@dataclass(frozen=True)
class SceneStyle:
    """Everything about the room and image quality that a seed picks once per scenario."""

    background: str = "plain"  # plain | textured | gym
    wall_colour: BGR = (200, 205, 210)
    floor_colour: BGR = (120, 140, 160)
    floor_kind: str = "wood"  # wood | mat
    back_wall_z: float = 1.5
    lighting: str = "normal"  # normal | dim | bright | backlight
    wall_shadow: bool = True
    noise_sigma: float = 2.0
    blur: bool = False
    jpeg_quality: Optional[int] = None
    shake_px: float = 0.0
    clutter_seed: int = 0
    flicker: float = 0.0  # per-frame brightness wobble (mains-powered lights beating with the frame rate)
    uneven: float = 0.0  # a side light: brightness across the picture varies by +- this fraction
    distortion: float = 0.0  # radial lens distortion k1 over the half-diagonal (> 0 barrel, wide lenses)
    exposure: float = 1.0  # the camera's exposure scale, set by :func:`highlight_exposure` (1 = as lit)
    shading: float = 0.0  # people drawn as rounded surfaces: up to this much darker at an edge turned from the light
    light_elevation_deg: float = 40.0  # ... the light coming from the camera's side, raised by this much

    @property
    def body_light(self) -> float:
        """How bright the person is drawn relative to their clothes' colours."""
        return {"normal": 1.0, "dim": 0.55, "bright": 1.15, "backlight": 0.6}[self.lighting] * self.exposure


# The camera's auto-exposure keeps the brightest 2 % of the picture below this level (of 255). The station
# asks libcamera for exactly that (``AeConstraintMode`` Highlight, device/io/picamera_source.py): without it a
# white top on a bright white wall is one clipped white area, and no vision can find the back in it.
HIGHLIGHT_QUANTILE = 98.0
HIGHLIGHT_LEVEL = 245.0


def highlight_exposure(lit_room: np.ndarray) -> float:
    """The exposure scale (<= 1) that brings the brightest 2 % of ``lit_room`` (float BGR, unclipped)
    down to :data:`HIGHLIGHT_LEVEL`; 1 where they are below it already (most rooms: nothing changes)."""
    luma = lit_room[..., 0] * 0.114 + lit_room[..., 1] * 0.587 + lit_room[..., 2] * 0.299
    top = float(np.percentile(luma, HIGHLIGHT_QUANTILE))
    return 1.0 if top <= HIGHLIGHT_LEVEL else HIGHLIGHT_LEVEL / top


def random_style(rng: np.random.Generator, **overrides) -> SceneStyle:
    """A random room: background, lighting and camera noise."""
    bg = ("plain", "textured", "gym")[rng.choice(3, p=[0.3, 0.3, 0.4])]
    grey = rng.uniform(120, 235)
    tint = rng.uniform(-18, 18, 3)
    wall = tuple(int(np.clip(grey + t, 0, 255)) for t in tint)
    floor_kind = "wood" if rng.random() < 0.55 else "mat"
    floor = ((60, 110, 160) if floor_kind == "wood" else (55, 55, 60))
    floor = tuple(int(np.clip(c * rng.uniform(0.7, 1.3), 0, 255)) for c in floor)
    style = SceneStyle(
        background=bg, wall_colour=wall, floor_colour=floor, floor_kind=floor_kind,
        back_wall_z=float(rng.uniform(0.8, 2.5)),
        lighting=("normal", "dim", "bright", "backlight")[rng.choice(4, p=[0.5, 0.2, 0.15, 0.15])],
        wall_shadow=bool(rng.random() < 0.5),
        noise_sigma=float(rng.uniform(0.5, 5.0)),
        blur=bool(rng.random() < 0.35),
        jpeg_quality=int(rng.integers(45, 90)) if rng.random() < 0.2 else None,
        shake_px=float(rng.uniform(0, 1.5)) if rng.random() < 0.4 else 0.0,
        clutter_seed=int(rng.integers(1 << 30)),
    )
    return _replace(style, overrides)


def vary_style(rng: np.random.Generator, style: SceneStyle) -> SceneStyle:
    """Light and lens beyond :func:`random_style`: flicker, an uneven side light, lens distortion.

    Drawn from the caller's own stream so a seed's timeline never changes."""
    from dataclasses import replace

    return replace(
        style,
        flicker=float(rng.uniform(0.03, 0.1)) if rng.random() < 0.25 else 0.0,
        uneven=float(rng.uniform(0.1, 0.35)) if rng.random() < 0.35 else 0.0,
        distortion=float(rng.uniform(0.02, 0.12)) if rng.random() < 0.35 else 0.0,
    )


class Lens:
    """Per-frame light and optics applied to a composed frame: uneven light, flicker, radial distortion.

    Distortion: an output pixel at normalised radius ``r`` (over the half-diagonal) shows the scene
    point at ``r * (1 + k r^2)``; :meth:`points` maps scene pixels to where they appear.
    """

    def __init__(self, width: int, height: int, style: SceneStyle, seed: int) -> None:
        self.style = style
        self.w, self.h = width, height
        self.cx, self.cy = (width - 1) / 2.0, (height - 1) / 2.0
        self.r0 = math.hypot(width / 2.0, height / 2.0)
        self.k = style.distortion
        self.phase = (seed % 101) * 0.61
        self._maps = None
        self._gain = None
        if style.uneven > 0:
            rng = np.random.default_rng([seed, 515])
            side = 1.0 if rng.random() < 0.5 else -1.0
            yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
            g = 1.0 + style.uneven * (side * (2 * xx / width - 1.0) * 0.85 + 0.15 * (2 * yy / height - 1.0))
            self._gain = np.repeat(np.clip(g * 128.0, 0, 255).astype(np.uint8)[..., None], 3, axis=2)
        if self.k:
            yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
            nx, ny = (xx - self.cx) / self.r0, (yy - self.cy) / self.r0
            f = 1.0 + self.k * (nx * nx + ny * ny)
            self._maps = (self.cx + nx * f * self.r0, self.cy + ny * f * self.r0)

    @property
    def active(self) -> bool:
        return self._gain is not None or self._maps is not None or self.style.flicker > 0

    def light(self, img: np.ndarray, t: Optional[float] = None) -> np.ndarray:
        """The uneven light, and at time ``t`` the flicker (none without ``t``: the empty room)."""
        if self._gain is not None:
            img = cv2.multiply(img, self._gain, scale=1.0 / 128.0)
        if self.style.flicker > 0 and t is not None:
            g = 1.0 + self.style.flicker * math.sin(2 * math.pi * 100.0 * t + self.phase)
            img = cv2.convertScaleAbs(img, alpha=g)
        return img

    def side_light(self, room: np.ndarray) -> np.ndarray:
        """``room`` (float, unclipped) under the uneven side light, as :meth:`light` lights a frame."""
        return room if self._gain is None else room * (self._gain.astype(np.float32) / 128.0)

    def optics(self, img: np.ndarray, nearest: bool = False) -> np.ndarray:
        if self._maps is None:
            return img
        return cv2.remap(img, self._maps[0], self._maps[1], cv2.INTER_NEAREST if nearest else cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_REPLICATE)

    def points(self, uv: np.ndarray) -> np.ndarray:
        """Where scene pixels ``uv`` (N x 2) appear in the distorted picture."""
        if not self.k:
            return uv
        uv = np.asarray(uv, float)
        nx, ny = (uv[..., 0] - self.cx) / self.r0, (uv[..., 1] - self.cy) / self.r0
        ru = np.hypot(nx, ny)
        rd = ru.copy()
        for _ in range(8):  # Newton on rd + k rd^3 = ru
            rd = rd - (rd + self.k * rd ** 3 - ru) / (1 + 3 * self.k * rd ** 2)
        sc = np.where(ru > 1e-12, rd / np.maximum(ru, 1e-12), 1.0)
        return np.stack([self.cx + nx * sc * self.r0, self.cy + ny * sc * self.r0], axis=-1)


def _replace(style: SceneStyle, overrides: dict) -> SceneStyle:
    from dataclasses import replace

    return replace(style, **overrides) if overrides else style


def _poly(img: np.ndarray, pts: np.ndarray, colour: Sequence[float]) -> None:
    cv2.fillPoly(img, [np.round(pts * _ONE).astype(np.int32)], tuple(int(c) for c in colour), cv2.LINE_AA, _SHIFT)


PAD = 8  # background margin so camera shake can crop without black borders


def render_background(cam: Camera, style: SceneStyle, sensor_height_m: float, clip: bool = True) -> np.ndarray:
    """The empty room as seen by ``cam`` with a margin of ``PAD`` pixels on every side (BGR uint8).

    ``clip=False``: the lit room as float, before the sensor clips it (what auto-exposure meters)."""
    W, H = cam.width + 2 * PAD, cam.height + 2 * PAD
    rng = np.random.default_rng(style.clutter_seed)
    img = np.empty((H, W, 3), np.uint8)
    zb = style.back_wall_z

    def P(x, y, z):
        return cam.project(np.array([[x, y]], float), z, PAD, PAD)[0]

    floor_v = P(1.0, 0.0, zb)[1]
    img[:] = style.wall_colour
    if cam.roll_deg:
        # The floor's edge is not a row: fill it as the polygon below the back wall's foot.
        floor = np.array([P(-20.0, 0.0, zb), P(40.0, 0.0, zb), P(40.0, -40.0, zb), P(-20.0, -40.0, zb)])
        _poly(img, floor, style.floor_colour)
        below = cv2.fillPoly(np.zeros((H, W), np.uint8), [np.round(floor).astype(np.int32)], 1).astype(bool)
    else:
        img[int(max(0, floor_v)):] = style.floor_colour
        below = None
    far_x = 12.0
    # Floor texture: planks (lines running across the room) or a speckled rubber mat.
    if style.floor_kind == "wood":
        for zz in np.arange(zb, -cam.distance_m + 0.3, -0.14):
            a, b = P(-1.0, 0.0, zz), P(far_x, 0.0, zz)
            c = tuple(int(v * 0.82) for v in style.floor_colour)
            cv2.line(img, tuple(np.int32(a)), tuple(np.int32(b)), c, 1, cv2.LINE_AA)
    else:
        sp = rng.integers(0, 25, (H, W, 1), dtype=np.int16) - 12
        if below is None:
            region = img[int(max(0, floor_v)):]
            region[:] = np.clip(region.astype(np.int16) + sp[: len(region)], 0, 255).astype(np.uint8)
        else:
            img[below] = np.clip(img[below].astype(np.int16) + sp[below], 0, 255).astype(np.uint8)
    if style.background in ("textured", "gym"):
        small = rng.normal(0, 1, (max(2, H // 40), max(2, W // 40), 1)).astype(np.float32)
        low = cv2.resize(small, (W, H), interpolation=cv2.INTER_CUBIC)[..., None] * 9.0
        fine = rng.normal(0, 3.0, (H, W, 1)).astype(np.float32) if style.background == "textured" else 0.0
        if below is None:
            wall_rows = slice(0, int(max(0, floor_v)))
            img[wall_rows] = np.clip(img[wall_rows].astype(np.float32) + (low + fine)[wall_rows], 0, 255).astype(np.uint8)
        else:
            tex = np.clip(img.astype(np.float32) + (low + fine), 0, 255).astype(np.uint8)
            img[~below] = tex[~below]
    # Skirting board along the back wall.
    _poly(img, np.array([P(-1, 0, zb), P(far_x, 0, zb), P(far_x, 0.08, zb), P(-1, 0.08, zb)]),
          tuple(int(c * 0.8) for c in style.wall_colour))
    if style.background == "gym":
        _gym_clutter(img, cam, style, rng, P)
    elif style.background == "textured":
        for _ in range(int(rng.integers(1, 3))):
            _poster(img, rng, P, zb, float(rng.uniform(0.8, 3.5)))
    # The target wall (x = 0): its face recedes from the corner towards the camera.
    wall_face = tuple(int(np.clip(c * 0.88, 0, 255)) for c in style.wall_colour)
    z_near = -cam.distance_m + 0.25
    top_near = 3.2
    if cam.pitch_deg > 0:
        # Tilted down, the face's top corner beside the lens lies behind it: end the face's top edge
        # where it is still in front (it is far above the picture there).
        d_near = cam.distance_m + z_near * math.cos(math.radians(cam.yaw_deg))
        top_near = min(3.2, cam.height_m + 0.5 * d_near / math.tan(math.radians(cam.pitch_deg)))
    face = np.array([P(0, 0, zb), P(0, 3.2, zb), P(0, top_near, z_near), P(0, 0, z_near)])
    _poly(img, face, wall_face)
    _poly(img, np.array([P(0, 0, zb), P(0, 0.08, zb), P(0, 0.08, z_near), P(0, 0, z_near)]),
          tuple(int(c * 0.7) for c in style.wall_colour))
    # The station on the wall: sensor at hip height and the Pi box above it, seen from the side.
    ys = sensor_height_m
    for y0, y1, x1, col in ((ys - 0.025, ys + 0.025, 0.03, (40, 40, 40)), (ys + 0.35, ys + 0.47, 0.045, (70, 70, 75))):
        _poly(img, np.array([P(0, y0, -0.04), P(x1, y0, -0.04), P(x1, y1, -0.04), P(0, y1, -0.04)]), col)
    if style.wall_shadow:
        # A soft shadow band on the back wall and floor (a shelf or the light from a window).
        g = np.ones((H, W), np.float32)
        x0 = int(rng.uniform(0.3, 0.8) * W)
        cv2.ellipse(g, (x0, int(floor_v)), (int(W * 0.25), int(H * 0.22)), 0, 0, 360, 0.72, -1)
        g = cv2.GaussianBlur(g, (0, 0), W * 0.05)
        img = (img.astype(np.float32) * g[..., None]).clip(0, 255).astype(np.uint8)
    img = _apply_lighting(img, style, rng, clip)
    return img


def _apply_lighting(img: np.ndarray, style: SceneStyle, rng: np.random.Generator, clip: bool = True) -> np.ndarray:
    H, W = img.shape[:2]
    f = img.astype(np.float32)
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    vign = 1.0 - 0.18 * (((xx - W / 2) / W) ** 2 + ((yy - H / 2) / H) ** 2) * 2
    if style.lighting == "dim":
        g = 0.5 * vign
    elif style.lighting == "bright":
        g = 1.2 * vign
    elif style.lighting == "backlight":
        # A bright window behind the person: strong left/right gradient, the person is underexposed.
        side = rng.random() < 0.5
        ramp = xx / W if side else 1 - xx / W
        g = (0.8 + 0.9 * ramp ** 2) * vign
    else:
        g = vign * float(rng.uniform(0.92, 1.05))
    if style.exposure != 1.0:
        g = g * style.exposure
    if not clip:
        return f * g[..., None]
    return np.clip(f * g[..., None], 0, 255).astype(np.uint8)


def _poster(img, rng, P, zb, x) -> None:
    w, h = rng.uniform(0.4, 0.8), rng.uniform(0.5, 0.9)
    y = rng.uniform(1.3, 1.9)
    col = tuple(int(c) for c in rng.integers(30, 240, 3))
    _poly(img, np.array([P(x, y, zb), P(x + w, y, zb), P(x + w, y + h, zb), P(x, y + h, zb)]), col)
    for i in range(3):
        yy = y + h * (0.75 - 0.2 * i)
        tc = tuple(int(255 - c) for c in col)
        _poly(img, np.array([P(x + 0.05, yy, zb), P(x + w * rng.uniform(0.4, 0.9), yy, zb),
                             P(x + w * rng.uniform(0.4, 0.9), yy + 0.05, zb), P(x + 0.05, yy + 0.05, zb)]), tc)


def _gym_clutter(img, cam: Camera, style: SceneStyle, rng: np.random.Generator, P) -> None:
    zb = style.back_wall_z
    items = list(rng.permutation(["rack", "plates", "mirror", "poster", "dumbbells"]))[: int(rng.integers(2, 5))]
    x = float(rng.uniform(0.6, 1.2))
    for it in items:
        z = zb - float(rng.uniform(0.05, 0.5))
        if it == "rack":
            col = (30, 30, 35) if rng.random() < 0.6 else (40, 40, 150)
            w = rng.uniform(0.9, 1.3)
            for xx in (x, x + w):
                _poly(img, np.array([P(xx, 0, z), P(xx + 0.07, 0, z), P(xx + 0.07, 2.3, z), P(xx, 2.3, z)]), col)
            for yy in (1.4, 2.2):
                _poly(img, np.array([P(x, yy, z), P(x + w, yy, z), P(x + w, yy + 0.06, z), P(x, yy + 0.06, z)]), col)
            bar_y = 1.35
            _poly(img, np.array([P(x - 0.3, bar_y, z), P(x + w + 0.3, bar_y, z), P(x + w + 0.3, bar_y + 0.03, z),
                                 P(x - 0.3, bar_y + 0.03, z)]), (150, 150, 150))
            x += w + 0.5
        elif it == "plates":
            cx = x + 0.3
            for i, r in enumerate((0.225, 0.225, 0.16, 0.1)):
                c = P(cx + i * 0.02, 0.5 + 0.0 * i, z)
                rr = abs(P(cx + r, 0.5, z)[0] - P(cx, 0.5, z)[0])
                col = (25, 25, 30) if i < 2 else tuple(int(v) for v in rng.integers(40, 200, 3))
                cv2.circle(img, (int(c[0] * _ONE), int(c[1] * _ONE)), int(rr * _ONE), col, -1, cv2.LINE_AA, _SHIFT)
            cv2.circle(img, (int(c[0] * _ONE), int(c[1] * _ONE)), int(0.03 * rr / r * _ONE), (180, 180, 180), -1,
                       cv2.LINE_AA, _SHIFT)
            x += 0.8
        elif it == "mirror":
            w = rng.uniform(0.8, 1.6)
            quad = np.array([P(x, 0.3, zb), P(x + w, 0.3, zb), P(x + w, 2.1, zb), P(x, 2.1, zb)])
            _poly(img, quad, (90, 90, 90))
            inner = np.array([P(x + 0.04, 0.34, zb), P(x + w - 0.04, 0.34, zb), P(x + w - 0.04, 2.06, zb),
                              P(x + 0.04, 2.06, zb)])
            x0, y0 = np.int32(inner.min(axis=0))
            x1, y1 = np.int32(inner.max(axis=0))
            x0, y0 = max(0, x0), max(0, y0)
            x1, y1 = min(img.shape[1], x1), min(img.shape[0], y1)
            if x1 > x0 and y1 > y0:
                gy = np.linspace(0, 1, y1 - y0, dtype=np.float32)[:, None, None]
                gx = np.linspace(0, 1, x1 - x0, dtype=np.float32)[None, :, None]
                base = np.array([205, 200, 185], np.float32)
                glass = np.clip(base * (0.75 + 0.2 * gx + 0.1 * gy), 0, 255).astype(np.uint8)
                if cam.roll_deg or cam.pitch_deg:
                    # A turned or tilted camera: the glass is the inner quad, not its box.
                    inside = np.zeros(img.shape[:2], np.uint8)
                    cv2.fillPoly(inside, [np.round(inner).astype(np.int32)], 1)
                    sel = inside[y0:y1, x0:x1].astype(bool)
                    img[y0:y1, x0:x1][sel] = glass[sel]
                else:
                    img[y0:y1, x0:x1] = glass
            x += w + 0.4
        elif it == "poster":
            _poster(img, rng, P, zb, x)
            x += 1.0
        else:  # dumbbells on a low rack
            w = rng.uniform(0.8, 1.4)
            _poly(img, np.array([P(x, 0.0, z), P(x + w, 0.0, z), P(x + w, 0.65, z), P(x, 0.65, z)]), (45, 45, 50))
            for j in range(int(w / 0.18)):
                c = P(x + 0.1 + j * 0.18, 0.7, z)
                rr = abs(P(0.06, 0, z)[0] - P(0.0, 0, z)[0])
                cv2.circle(img, (int(c[0] * _ONE), int(c[1] * _ONE)), int(rr * _ONE), (20, 20, 20), -1, cv2.LINE_AA,
                           _SHIFT)
            x += w + 0.3


def project_figure(fig: Figure, cam: Camera, du: float = 0.0, dv: float = 0.0) -> list[np.ndarray]:
    """Pixel coordinates of every part of a figure (one vectorised projection for all of them)."""
    if not fig.parts:
        return []
    pts = np.concatenate([p for p, _, _ in fig.parts])
    lens = [len(p) for p, _, _ in fig.parts]
    z = np.repeat(np.array([z for _, z, _ in fig.parts], float), lens)
    uv = cam.project(pts, z, du, dv)
    return split_rows(uv, lens)


def figure_bbox(uvs: list[np.ndarray]) -> tuple[float, float, float, float]:
    """Bounding box (x0, y0, x1, y1) of projected parts."""
    allp = np.concatenate(uvs)
    lo, hi = allp.min(axis=0), allp.max(axis=0)
    return float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])


def draw_figure(img: np.ndarray, fig: Figure, cam: Camera, du: float = 0.0, dv: float = 0.0,
                uvs: Optional[list[np.ndarray]] = None, shading: float = 0.0,
                light_elevation_deg: float = 40.0) -> None:
    """Draw a figure's parts in order with anti-aliasing (``uvs``: its projection, if already known;
    ``shading`` > 0: each part a rounded surface, up to this fraction darker at an edge turned from
    the light, which comes from the camera's side raised by ``light_elevation_deg``; see ``_fill_shaded``)."""
    if shading > 0.0:
        el = math.radians(light_elevation_deg)
        light = np.array([0.0, -math.sin(el), math.cos(el)], np.float32)
    if uvs is None:
        uvs = project_figure(fig, cam, du, dv)
    fixed = split_rows(np.round(np.concatenate(uvs) * _ONE).astype(np.int32), [len(u) for u in uvs])
    for poly, (_, _, colour) in zip(fixed, fig.parts):
        if shading > 0.0:
            _fill_shaded(img, poly, colour, shading, light)
        else:
            cv2.fillPoly(img, [poly], colour, cv2.LINE_AA, _SHIFT)


def _fill_shaded(img: np.ndarray, poly: np.ndarray, colour: BGR, shading: float, light: np.ndarray) -> None:
    """Fill one body part as a rounded surface lit by the room's light (``light``: unit vector, picture x
    right, y down, z towards the camera).

    A limb or a trunk is roughly a cylinder seen from the side: at ``s`` = distance from the outline
    over the part's half-width its surface normal leans out of the picture by ``sqrt(s (2 - s))`` and
    towards the nearest outline by ``1 - s``. Lambert's law with ambient light: the part's middle keeps
    its colour, an edge facing away from the light falls to ``1 - shading`` of it, an edge facing the
    light (the top of a hinged back under a ceiling light) is brighter than the middle.
    Anti-aliased like the flat fill.
    """
    H, W = img.shape[:2]
    x0, y0 = np.floor(poly.min(axis=0) / _ONE).astype(int) - 2
    x1, y1 = np.ceil(poly.max(axis=0) / _ONE).astype(int) + 3
    X0, Y0, X1, Y1 = max(0, x0), max(0, y0), min(W, x1), min(H, y1)
    if X1 <= X0 or Y1 <= Y0:
        return
    # The part's coverage in a box around it (uint8 0..255, anti-aliased), in the box's coordinates.
    cover = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.fillPoly(cover, [poly - np.array([x0, y0]) * _ONE], 255, cv2.LINE_AA, _SHIFT)
    inside = cv2.compare(cover, 127, cv2.CMP_GT)
    dist = cv2.distanceTransform(inside, cv2.DIST_L2, 3)
    half = float(dist.max())
    if half <= 0.0:
        cv2.fillPoly(img, [poly], colour, cv2.LINE_AA, _SHIFT)
        return
    s = np.minimum(dist / half, 1.0)
    # The outward direction in the picture: down the distance's slope (smoothed, so a polygon's corner
    # does not flip it from one pixel to the next).
    gx = cv2.Sobel(dist, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(dist, cv2.CV_32F, 0, 1, ksize=3)
    norm = np.sqrt(gx * gx + gy * gy) + 1e-6
    lean = 1.0 - s
    n_dot_l = (-(gx / norm) * light[0] - (gy / norm) * light[1]) * lean + np.sqrt(s * (2.0 - s)) * light[2]
    gain = (1.0 - shading) + shading * np.clip(n_dot_l / light[2], 0.0, 1.0 + 0.5 * shading)
    sub = (slice(Y0 - y0, Y1 - y0), slice(X0 - x0, X1 - x0))
    a = cover[sub].astype(np.float32)[..., None] / 255.0
    part = gain[sub][..., None] * np.asarray(colour, np.float32)
    roi = img[Y0:Y1, X0:X1]
    roi[:] = np.clip(roi * (1.0 - a) + part * a + 0.5, 0, 255).astype(np.uint8)


def draw_figure_mask(mask: np.ndarray, fig: Figure, cam: Camera, du: float = 0.0, dv: float = 0.0) -> None:
    """Fill a single-channel mask with the figure (255), with the same geometry as ``draw_figure``."""
    for uv in project_figure(fig, cam, du, dv):
        cv2.fillPoly(mask, [np.round(uv * _ONE).astype(np.int32)], 255, cv2.LINE_8, _SHIFT)


class NoiseBank:
    """Pre-drawn Gaussian sensor noise; each frame crops it at a random offset (cheap, deterministic)."""

    def __init__(self, width: int, height: int, sigma: float, seed: int) -> None:
        rng = np.random.default_rng(seed)
        m = 24
        n = rng.normal(0, sigma, (height + m, width + m, 3)).astype(np.float32)
        self.pos = np.clip(n, 0, 255).astype(np.uint8)
        self.neg = np.clip(-n, 0, 255).astype(np.uint8)
        self.w, self.h, self.m = width, height, m

    def apply(self, img: np.ndarray, rng: np.random.Generator) -> None:
        oy, ox = rng.integers(0, self.m, 2)
        sl = (slice(oy, oy + self.h), slice(ox, ox + self.w))
        cv2.add(img, self.pos[sl], dst=img)
        cv2.subtract(img, self.neg[sl], dst=img)


_SHADOW_CACHE: dict[tuple[int, int], np.ndarray] = {}


def floor_shadow(img: np.ndarray, cam: Camera, x_centre: float, half_len: float, du: float, dv: float,
                 strength: float = 0.35) -> None:
    """Darken the floor under the person's feet with a soft elliptical contact shadow."""
    c = cam.project(np.array([[x_centre, 0.0]]), 0.0, du, dv)[0]
    rx = int(max(2.0, half_len * cam.px_per_m))
    ry = max(2, int(0.12 * rx))
    key = (rx, ry)
    gain = _SHADOW_CACHE.get(key)
    if gain is None:
        yy, xx = np.mgrid[-3 * ry: 3 * ry + 1, -int(1.3 * rx): int(1.3 * rx) + 1].astype(np.float32)
        d2 = (xx / rx) ** 2 + (yy / (ry * 1.5)) ** 2
        gain = (256 * (1.0 - strength * np.exp(-2.0 * d2))).astype(np.uint16)[..., None]
        _SHADOW_CACHE[key] = gain
    gh, gw = gain.shape[:2]
    x0, y0 = int(round(c[0])) - gw // 2, int(round(c[1])) - gh // 2
    X0, Y0 = max(0, x0), max(0, y0)
    X1, Y1 = min(img.shape[1], x0 + gw), min(img.shape[0], y0 + gh)
    if X1 <= X0 or Y1 <= Y0:
        return
    roi = img[Y0:Y1, X0:X1]
    g = gain[Y0 - y0: Y1 - y0, X0 - x0: X1 - x0]
    roi[:] = ((roi.astype(np.uint16) * g) >> 8).astype(np.uint8)
