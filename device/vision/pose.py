"""PoseGuidedEstimator: posture from real side-view footage, guided by a pose model.

For offline analysis of a clinician's phone video (``python -m device analyze``):
no empty frame, a handheld camera, clutter, maybe a second person. The station's
silhouette pipeline needs a learnable static background; this one does not.

Per frame, MediaPipe Pose (``mediapipe==0.10.18``, bundled ``pose_landmark_full``
model, complexity 1, so it runs offline) gives 33 body landmarks and a person
mask. From them:

- facing / wall side: votes from the feet (toes point away from the back), the
  face (nose in front of the ears) and, while hinging, the hips (they travel
  back, behind the ankles) and shoulders (in front of the hips). The wall, i.e.
  the back, is opposite the facing.
- trunk inclination: hip mid-point to shoulder mid-point (mid-points are stable
  under camera yaw, where the far side's landmarks drift), 0 standing tall,
  positive leaning forward. Once this person's standing frames have given the
  angle between that line and the back edge (below), the inclination follows
  the back edge's direction plus that offset: the mask's edge is steadier than
  the landmarks, and MediaPipe's shoulder trails the joint in a hinge (on
  synthetic truth the landmark line read 5-6 deg low at 30-60 deg).
- back bend (the virtual dowel): the mask's back edge, found by casting rays from
  the hip-shoulder axis backwards, between ``lumbar_frac`` and ``upper_frac`` of
  the trunk length above the hip landmark (above the buttocks, below the top of
  the shoulder blades); a parabola fitted to those edge points gives the bend of
  the equivalent circular arc, ``4*atan(2s/c)``. None when the edge is not where
  the landmarks say the back is (a plate, a rack or a second person glued to it),
  when the axis leaves the mask, or when the trunk is too small to resolve.
- knee angle: hip-knee-ankle on the camera-near side.
- heel lift: heel above the toe (heel and foot_index landmarks) as a fraction of
  standing height, minus this person's standing reference; its confidence falls
  with the person's size in pixels (a 1 % lift must span a few pixels), and it is
  a hint only, never judged: the landmarks' heel moved as much on good reps
  (``PoseModelParams.heel_conf_landmarks``).
- ``in_position``: whole body in view, key landmarks visible, feet planted,
  facing known. Someone walking through is not in position.
- a jump of the tracked hips by over a third of stature between frames is a
  different person: what was learnt (facing, height, references) starts afresh.
- ``last_hands_height``: the lowest wrist above the floor as a fraction of
  stature; near 0 at the bottom of a rep means a weight picked up from the floor.

Landmark jitter on real footage is 20-50 px; MediaPipe's own landmark smoothing
plus a One-Euro filter on each measure (strong smoothing when still, little lag
when moving) keeps standing steady without delaying reps.

mediapipe is imported lazily: the station does not need it.
"""

from __future__ import annotations

import math
import os
import sys
import types
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator, Optional

import cv2
import numpy as np

from device.core.types import PostureSample
from device.io.frames import Frame
from device.vision.estimator import PersonBlob, PostureDebug
from device.vision.silhouette import SilhouetteMeasures, arc_bend_deg, robust_parabola
from device.vision.tracking import PersonTrack, opposite

# BlazePose-33 landmark indices.
NOSE = 0
L_EAR, R_EAR = 7, 8
L_SHOULDER, R_SHOULDER = 11, 12
L_WRIST, R_WRIST = 15, 16
L_HIP, R_HIP = 23, 24
L_KNEE, R_KNEE = 25, 26
L_ANKLE, R_ANKLE = 27, 28
L_HEEL, R_HEEL = 29, 30
L_FOOT, R_FOOT = 31, 32
# The landmarks of a body seen in a mirror, in MediaPipe's order: the model names what looks like a left
# eye, ear, shoulder, ... the left one, so the mirror image's left landmark is the body's right one.
MIRRORED = np.array([0, 4, 5, 6, 1, 2, 3] + [i + 1 if i % 2 else i - 1 for i in range(7, 33)])

MEDIAPIPE_HINT = "pip install --no-deps mediapipe==0.10.18 (plus absl-py attrs flatbuffers matplotlib 'protobuf>=4.25.3,<5')"


class PoseModelError(RuntimeError):
    """The pose model (mediapipe) is missing or could not start."""


@contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence native (C++) start-up chatter written straight to fd 2 (TFLite, absl)."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


class _LoadOnUse(types.ModuleType):
    """A module registered but not yet run: its code runs when an attribute it lacks is first read.

    (The stdlib's ``importlib.util.LazyLoader`` loads on *any* attribute read, and Python 3.11's
    import statement reads ``__spec__`` of a module already in ``sys.modules``: the next import
    would load it at once.) Its own dunders (``__spec__``, ``__name__``, ...) are set, so the import
    system's checks do not run it; a package gets no ``__path__`` until it has run, so importing
    any of its other submodules runs it first, as a normal import would. A submodule runs its
    package first."""

    def __getattr__(self, attr: str):
        spec = self.__spec__
        parent = sys.modules.get(spec.name.rpartition(".")[0])
        if isinstance(parent, _LoadOnUse):
            parent.__getattr__("__path__")  # runs the package (a package has it once run)
        if type(self) is _LoadOnUse:  # not run by the line above (a package's own import of us)
            self.__class__ = types.ModuleType
            if spec.submodule_search_locations is not None:
                self.__path__ = list(spec.submodule_search_locations)
            try:
                spec.loader.exec_module(self)
            except BaseException:
                # As a failed import: not left half-run in sys.modules; the error goes to the reader.
                if sys.modules.get(spec.name) is self:
                    del sys.modules[spec.name]
                raise
        return getattr(self, attr)


def _load_on_use(spec) -> Optional[types.ModuleType]:
    """A :class:`_LoadOnUse` module for ``spec``, or None if its loader makes its own kind of module."""
    import importlib.util  # noqa: PLC0415

    module = importlib.util.module_from_spec(spec)
    if type(module) is not types.ModuleType:
        return None
    module.__class__ = _LoadOnUse
    module.__dict__.pop("__path__", None)
    return module


def defer_pyplot() -> None:
    """Let ``import matplotlib.pyplot`` bind modules whose code runs on first use.

    ``import mediapipe`` imports ``mediapipe.python.solutions.drawing_utils``, which imports
    ``matplotlib.pyplot`` for its one plotting function (``plot_landmarks``, never called here):
    about 0.35 s of CPU of every bare-video analysis (upstream proposes moving that import into
    the function: google-ai-edge/mediapipe pull request 5830). The modules registered here are the
    real ``matplotlib`` and ``matplotlib.pyplot``, in ``sys.modules`` and on the package as the
    import system puts them; each runs its code, in that same module object, the first time
    anything reads one of its attributes (see :class:`_LoadOnUse`), so a caller that plots gets
    the real thing. Nothing is done if pyplot is already imported or matplotlib is missing (then
    mediapipe's own import says so).
    """
    import importlib.machinery  # noqa: PLC0415
    import importlib.util  # noqa: PLC0415

    if "matplotlib.pyplot" in sys.modules:
        return
    package = sys.modules.get("matplotlib")
    try:
        if package is None:
            package_spec = importlib.util.find_spec("matplotlib")  # a top-level name: found, not imported
            if package_spec is None or not package_spec.submodule_search_locations:
                return
            where = list(package_spec.submodule_search_locations)
        else:
            where = list(package.__path__)
        spec = importlib.machinery.PathFinder.find_spec("matplotlib.pyplot", where)
    except (ImportError, ValueError, AttributeError):
        return
    if spec is None or not hasattr(spec.loader, "exec_module"):
        return
    pyplot = _load_on_use(spec)
    if package is None:
        package = _load_on_use(package_spec) if hasattr(package_spec.loader, "exec_module") else None
        if package is None or pyplot is None:
            return
        sys.modules["matplotlib"] = package
    if pyplot is None:
        return
    sys.modules["matplotlib.pyplot"] = pyplot
    package.__dict__["pyplot"] = pyplot


# What ``import mediapipe`` imports besides the pose solution (mediapipe/__init__.py and
# mediapipe/python/solutions/__init__.py import them all): its Tasks API and the other legacy
# solutions, about 0.08 s of CPU of every bare-video analysis. See defer_mediapipe_extras.
_MEDIAPIPE_TASKS = ("mediapipe.tasks", "mediapipe.tasks.python")
_MEDIAPIPE_OTHER_SOLUTIONS = ("drawing_styles", "drawing_utils", "face_detection", "face_mesh", "hands", "holistic",
                              "objectron", "selfie_segmentation")


def defer_mediapipe_extras() -> list[str]:
    """Let ``import mediapipe`` bind its Tasks API and its other solutions as modules whose code runs
    on first use (as :func:`defer_pyplot` does for pyplot): the real modules, in ``sys.modules``, each
    run whole, in that same module object, the first time anything reads one of its attributes
    (``mp.tasks.vision``, ``from mediapipe.python.solutions import hands``). Only names found where
    mediapipe 0.10.18 has them are deferred; another layout is imported as usual. Nothing is done if
    mediapipe is imported already. Returns the solutions deferred (:func:`make_pose_model` puts them on
    their package once it is imported, where the import system would have)."""
    import importlib.machinery  # noqa: PLC0415
    import importlib.util  # noqa: PLC0415

    if "mediapipe" in sys.modules:
        return []

    def find(name: str, parent):
        where = getattr(parent, "submodule_search_locations", None)
        if not where:
            return None
        try:
            spec = importlib.machinery.PathFinder.find_spec(name, list(where))
        except (ImportError, ValueError):
            return None
        return spec if spec is not None and hasattr(spec.loader, "exec_module") else None

    try:
        top = importlib.util.find_spec("mediapipe")  # a top-level name: found, not imported
    except (ImportError, ValueError):
        return []
    tasks = find(_MEDIAPIPE_TASKS[0], top)
    tasks_python = find(_MEDIAPIPE_TASKS[1], tasks)
    if tasks is not None and tasks_python is not None:
        package, sub = _load_on_use(tasks), _load_on_use(tasks_python)
        if package is not None and sub is not None:
            sys.modules[tasks.name], sys.modules[tasks_python.name] = package, sub
            package.__dict__["python"] = sub
    solutions = find("mediapipe.python.solutions", find("mediapipe.python", top))
    deferred = []
    for name in _MEDIAPIPE_OTHER_SOLUTIONS:
        spec = find(f"mediapipe.python.solutions.{name}", solutions)
        module = _load_on_use(spec) if spec is not None else None
        if module is not None and spec.name not in sys.modules:
            sys.modules[spec.name] = module
            deferred.append(name)
    return deferred


def make_pose_model(static: bool = False):
    """Create MediaPipe's legacy Pose solution (complexity 1: the only bundled model).

    Complexity 0 and 2 download a model at run time, which fails offline, so they
    are not offered. ``static``: every picture on its own (the person detected afresh, nothing
    tracked or smoothed from the picture before), for a look at single frames.
    """
    defer_pyplot()
    deferred = defer_mediapipe_extras()
    try:
        with _quiet_stderr():
            from mediapipe.python.solutions import pose as mp_pose
    except ImportError as e:  # pragma: no cover - depends on the install
        raise PoseModelError(f"the pose-guided estimator needs mediapipe ({e}); install it with: {MEDIAPIPE_HINT}") from e
    solutions = sys.modules.get("mediapipe.python.solutions")
    for name in deferred:  # a module found in sys.modules is not set on its package by the import system
        if solutions is not None and f"mediapipe.python.solutions.{name}" in sys.modules:
            solutions.__dict__.setdefault(name, sys.modules[f"mediapipe.python.solutions.{name}"])
    try:
        with _quiet_stderr():
            model = mp_pose.Pose(static_image_mode=static, model_complexity=1, smooth_landmarks=not static,
                                 enable_segmentation=True, smooth_segmentation=not static)
            # The graph opens its calculators (and logs the TFLite delegate) in worker
            # threads after the constructor returns; one blank frame waits for all of it.
            model.process(np.zeros((64, 64, 3), np.uint8))
            return model
    except Exception as e:  # pragma: no cover - a broken install
        raise PoseModelError(f"mediapipe could not start its pose model ({e}); reinstall with: {MEDIAPIPE_HINT}") from e


class OneEuro:
    """One-Euro filter (Casiez et al. 2012): a low-pass whose cut-off rises with speed.

    Still input is smoothed hard (jitter gone), fast movement passes with little
    lag, so a rep's peak is not shaved off. Times in seconds; ``beta`` is per unit
    of the signal's speed (deg/s for angles).
    """

    def __init__(self, min_cutoff: float = 1.0, beta: float = 0.02, d_cutoff: float = 1.0) -> None:
        self.min_cutoff, self.beta, self.d_cutoff = min_cutoff, beta, d_cutoff
        self.reset()

    def reset(self) -> None:
        self._t: Optional[float] = None
        self._x = 0.0
        self._dx = 0.0

    @staticmethod
    def _alpha(dt: float, cutoff: float) -> float:
        tau = 1.0 / (2.0 * math.pi * cutoff)
        return 1.0 / (1.0 + tau / dt)

    def __call__(self, t: float, x: float) -> float:
        if self._t is None or t <= self._t:
            self._t, self._x, self._dx = t, x, 0.0
            return x
        dt = t - self._t
        dx = (x - self._x) / dt
        self._dx += self._alpha(dt, self.d_cutoff) * (dx - self._dx)
        cutoff = self.min_cutoff + self.beta * abs(self._dx)
        self._x += self._alpha(dt, cutoff) * (x - self._x)
        self._t = t
        return self._x


class RateGate:
    """Rejects values that change faster than a body can (a landmark glitch).

    A knee angle does not change by 40 deg between two video frames; when the pose
    model briefly swaps or misplaces the lower-body landmarks it does, and the knee
    and heel measures read as faults. A value is accepted when it is within
    ``tol + max_rate * min(dt, 0.1 s)`` of the last accepted one; otherwise it is reported as
    unseen. A new level is accepted once the rejected values have agreed with each
    other (within the same bound) for ``relock_s`` -- the old reference was the
    glitch, or the person really moved while unseen -- and in any case after
    ``give_up_s``, so the gate can never lock a measure out for good.
    """

    def __init__(self, max_rate: float, tol: float, relock_s: float = 0.25, give_up_s: float = 1.5) -> None:
        self.max_rate, self.tol, self.relock_s, self.give_up_s = max_rate, tol, relock_s, give_up_s
        self.reset()

    def reset(self) -> None:
        self._t: Optional[float] = None
        self._v = 0.0
        self._rejected: list[tuple[float, float]] = []

    def _near(self, v0: float, t0: float, v: float, t: float) -> bool:
        return abs(v - v0) <= self.tol + self.max_rate * abs(t - t0)

    def __call__(self, t: float, v: float) -> bool:
        """True if ``v`` at ``t`` is plausible (and becomes the reference)."""
        # The allowance stops growing after 0.1 s: a glitch lasting a few frames must
        # not earn the right to drift anywhere.
        if self._t is None or t <= self._t or self._near(self._v, max(self._t, t - 0.1), v, t):
            self._t, self._v, self._rejected = t, v, []
            return True
        # A stable new level: the rejected values since ``relock_s`` ago agree with this one.
        self._rejected = [(tt, vv) for tt, vv in self._rejected if self._near(vv, tt, v, t)] + [(t, v)]
        if t - self._rejected[0][0] >= self.relock_s or t - self._t >= self.give_up_s:
            self._t, self._v, self._rejected = t, v, []
            return True
        return False


@dataclass(frozen=True)
class PoseModelParams:
    """Tunable geometry of the pose-guided measures (fractions of the hip-shoulder distance L)."""

    # The whole back, from the hip joint's level (the top of the sacrum lies just above it
    # on the back) to the shoulder joint's level (the base of the neck): a rounded back's
    # dome spans all of it, and a parabola over the whole length is not moved by a fold,
    # a hood or hair the way a short upper-back piece is (measured on real footage:
    # docs/real-footage.md).
    lumbar_frac: float = 0.15  # the back segment starts this far above the hip landmark
    upper_frac: float = 1.0  # and ends here
    n_rays: int = 32
    min_depth: float = 0.05  # back edge this close to the axis or closer: the axis is off the trunk
    max_depth: float = 0.80  # no edge within this: something is glued to the back
    max_step: float = 0.10  # adjacent rays' depths differ by more than this: a notch or an attached object
    min_trunk_px: float = 40.0  # hip-shoulder distance below this: too small to resolve a bend
    full_trunk_px: float = 90.0  # confidence in the bend is full from here
    min_visibility: float = 0.5
    # Shoulders apart by more than this fraction of the trunk length: the camera sees the
    # back obliquely (about 35 deg or more off a side view), where the silhouette's edge is
    # not the spine's profile. The back is then reported unseen, never guessed.
    max_shoulder_spread: float = 0.45
    # Something outward on the top of the back (a hood, a bunched collar, hair): the back
    # edge dips, then rises again by more than this (of the trunk) towards the neck. The
    # bend is then fitted below the dip only (0 switches this off).
    top_rise: float = 0.03
    top_from: float = 0.65  # the dip is looked for from here (of the trunk) upwards
    # -- the tracked person (device.vision.tracking): facing, feet, standing references
    facing_votes_needed: int = 3
    facing_window_s: float = 2.5  # votes older than this no longer count (unless there is no newer one)
    facing_votes_kept: int = 90
    vote_min_visibility: float = 0.5  # landmarks that vote (toes vs heels, nose vs ears) must be this visible
    vote_hinge_lean: float = 0.05  # shoulders this far (of stature) in front of the hips: hinging, the hips vote
    vote_hinge_weight: float = 2.0  # ... and count this much (a strong cue)
    vote_min: float = 0.01  # a summed vote weaker than this (of stature) is no vote
    bent_lean_ratio: float = 0.6  # trunk bent enough to vote without planted feet: |dx| > this * |dy|
    trunk_inside_margin: float = 0.03  # ... with the shoulders and hips this far (of the width) inside the frame
    in_position_sure: float = 0.5  # how sure of the facing before the person counts as in position
    frame_margin: float = 0.01  # landmarks this close (of the frame) to its edge are out of view
    still_window_s: float = 0.5  # feet planted: their centre moved less than ``still_move`` of stature over this
    still_min_span_s: float = 0.2  # ... seen over at least this long
    still_move: float = 0.08
    feet_kept: int = 90  # frames of feet positions kept
    walking_move: float = 0.25  # feet moving more than this (of stature) over ``still_window_s``: walking
    upright_max_deg: float = 20.0  # frames upright within this (image angle) measure the standing height
    nose_of_stature: float = 0.93  # the nose's height standing, as a fraction of stature
    heights_window: int = 30  # standing height: ``height_percentile`` of the last this many upright frames
    height_percentile: float = 75.0
    heel_ref_window: int = 30  # the heel's standing reference: median of this many standing frames
    heel_ref_min: int = 5  # ... known from this many
    # How far a heel lift read from the landmarks is believed: a hint only (its confidence stays under
    # the rep engine's ``min_conf``, so a phone video never judges ``heel_lift``; the rise is still
    # measured and drawn). Measured, docs/real-footage.md round 13: on real footage every heel lift it
    # reported was false (3 neutral barbell pulls, 4.0-5.4 % of stature: the plates hide the feet and the
    # model raises the heel) and the one real heel lift had no standing reference; on the synthetic
    # athlete filmed at 1280x960 the heel landmark rises up to 1.8 % of stature on good reps as the knees
    # bend (the ankle with it), against drawn lifts read at 1.5-3.9 %, and 9 good reps of `mixed` 1-2
    # were judged `heel_lift`. No rule on the heel, ankle and toe together separated them. The silhouette's
    # learned-mask heel is a hint the same way (``EstimatorParams.heel_conf_learned``).
    heel_conf_landmarks: float = 0.3
    switch_jump: float = 0.35  # the hips jump more than this (of stature) within ``switch_within_s``:
    switch_within_s: float = 0.25  # the model now follows another person
    # -- a second look on the mirrored picture
    # The pose model is not the same on a picture and its mirror image. A plate held in front of a
    # standing lifter can pull its shoulders onto the plate: the hip-shoulder distance shrinks to a
    # fifth to two fifths of the lifter's own, and the trunk reads 30-90 deg where the lifter stands
    # tall (the development clips filmed mirrored: seven one-rep clips of one lifter lost their rep
    # that way). A frame whose hip-shoulder distance is under ``collapsed_trunk`` of the median over
    # this person's last ``trunk_lens_kept`` frames (once there are ``trunk_lens_min``) is read again
    # on its mirror image (a picture the model has not tracked: a model of its own, detecting afresh),
    # and that reading is taken when its trunk is at least ``plausible_trunk`` of the median. The
    # length of a trunk seen from the side does not change in a hinge; seen from the front it
    # shortens, and the mirrored look then finds it short too and nothing changes.
    collapsed_trunk: float = 0.6
    plausible_trunk: float = 0.8
    trunk_lens_kept: int = 150
    trunk_lens_min: int = 10
    # -- what the pose model is given
    # A frame whose longer side is above this is shrunk to it (bilinear) before
    # ``Pose.process``; 0 never shrinks. The landmark model sees a 256x256 crop of the
    # person and the mask is that model's low-resolution output warped back up to the
    # input's size, so a 1080p frame only costs more: copying it into the graph, cropping
    # from it, a 1920x1080 float mask. Measured on one core (1080p phone clips, CPU of
    # resize + cvtColor + process a frame): 34-37 ms unscaled, 22-26 ms at 960x540 (the
    # 2x shrink 0.7 ms), 27-30 ms at 1280 (bilinear) and 21-25 ms at 640. Landmarks are
    # normalized and the back edge is sampled from the small mask at the full frame's
    # coordinates, so every measure stays in the frame's own pixels (docs/vision-speed.md,
    # round 8).
    model_max_side: int = 960


def _angle_deg(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    """Angle ABC in degrees."""
    v1, v2 = a - b, c - b
    cosang = float(np.dot(v1, v2) / (np.linalg.norm(v1) * np.linalg.norm(v2) + 1e-9))
    return math.degrees(math.acos(max(-1.0, min(1.0, cosang))))


# Segment lengths as fractions of stature (Winter's anthropometric tables): thigh
# (hip-knee), shank (knee-ankle) and trunk (hip-shoulder) in the sagittal plane.
SEGMENTS_OF_STATURE = 0.245 + 0.246 + 0.288


def _stature_from_segments(xy: np.ndarray, hip_i: int, knee_i: int, ankle_i: int,
                           hip: np.ndarray, sho: np.ndarray) -> float:
    """Stature in pixels from segment lengths, which do not shrink when the person bends."""
    segs = (np.linalg.norm(xy[hip_i] - xy[knee_i]) + np.linalg.norm(xy[knee_i] - xy[ankle_i])
            + np.linalg.norm(sho - hip))
    return float(segs / SEGMENTS_OF_STATURE)


def back_edge(mask: np.ndarray, hip: np.ndarray, shoulder: np.ndarray, facing: str,
              p: PoseModelParams = PoseModelParams(),
              mask_scale: Optional[tuple[float, float]] = None) -> tuple[Optional[np.ndarray], str]:
    """Back-edge points of a person mask between the lumbar region and the upper back.

    ``mask``: float person probability (0..1), HxW. ``hip``/``shoulder``: the trunk
    axis end points in pixels. ``facing``: "left"/"right" (the back is the other
    way). Rays start on the axis at ``lumbar_frac..upper_frac`` of the trunk and
    go backwards, perpendicular to the axis; each ends at the sub-pixel 0.5
    crossing of the mask. Returns (points Nx2 or None, reason when None).
    ``mask_scale``: (x, y) size of the mask over the frame's when the pose model was
    given a shrunk frame; points, steps and depths stay in the frame's pixels and only
    the mask's sampling is mapped, by the scale alone, as the landmarks are the model's
    normalized ones times the frame's size (a scene made of 2x2 pixels then reads as its
    half-size original: ``tests/test_pose.py``).
    """
    v = shoulder - hip
    L = float(np.linalg.norm(v))
    if L < 1:
        return None, "no trunk"
    a = v / L
    # Forward (belly side) normal: for someone facing +x it is a rotated -90 deg in image coordinates.
    fwd = np.array([-a[1], a[0]]) if facing == "right" else np.array([a[1], -a[0]])
    back = -fwd
    us = np.linspace(p.lumbar_frac, p.upper_frac, p.n_rays)
    step = 0.5  # px along each ray
    ks = np.arange(0.0, p.max_depth * L + step, step)
    base = hip[None, :] + (us * L)[:, None] * a[None, :]
    P = base[:, None, :] + ks[None, :, None] * back[None, None, :]
    mx, my = P[..., 0], P[..., 1]
    if mask_scale is not None:
        mx, my = mx * mask_scale[0], my * mask_scale[1]
    vals = cv2.remap(mask.astype(np.float32, copy=False), mx.astype(np.float32), my.astype(np.float32),
                     cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0.0)
    inside = vals >= 0.5
    if not inside[:, 0].all():
        return None, "trunk axis leaves the person mask"
    # First exit from the body along each ray.
    outside = ~inside
    has_exit = outside.any(axis=1)
    if not has_exit.all():
        return None, "no back edge near the trunk (something attached to the back?)"
    j = outside.argmax(axis=1)  # first outside sample, >= 1
    rows = np.arange(len(us))
    v0, v1 = vals[rows, j - 1], vals[rows, j]
    f = np.clip((v0 - 0.5) / np.maximum(v0 - v1, 1e-6), 0.0, 1.0)
    depth = ks[j - 1] + f * step
    if depth.min() < p.min_depth * L:
        return None, "back edge too close to the trunk axis (landmarks off the trunk)"
    if np.abs(np.diff(depth)).max() > p.max_step * L:
        return None, "back edge jumps (an object or person against the back?)"
    return base + depth[:, None] * back[None, :], ""


def _along_and_out(points: np.ndarray, hip: np.ndarray, shoulder: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Points in the trunk's frame: distance along the hip-shoulder axis and out from it (pixels), and L."""
    v = shoulder - hip
    L = float(np.linalg.norm(v))
    a = v / max(L, 1e-9)
    rel = points - hip
    return rel @ a, np.abs(rel[:, 0] * a[1] - rel[:, 1] * a[0]), L


def below_top_rise(pts: np.ndarray, hip: np.ndarray, sho: np.ndarray,
                   p: PoseModelParams = PoseModelParams()) -> np.ndarray:
    """The back-edge points below an outward rise at the top of the back.

    A hood, a bunched collar or hair lies on the top of the back: going up the back, the
    edge comes closer to the trunk axis (or stays level) and then moves out again, which
    a parabola over the whole back reads as a hollow back. When the edge rises by more
    than ``top_rise`` of the trunk above its lowest point in the top part (from
    ``top_from``), only the points up to that lowest point are kept (at least half of the
    trunk stays). A rounded back's dome falls towards the neck and is left whole.
    """
    if p.top_rise <= 0:
        return pts
    x, y, L = _along_and_out(pts, hip, sho)
    u, d = x / L, y / L
    iu = np.flatnonzero(u >= p.top_from)
    if len(iu) < 2:
        return pts
    low = d[iu].min()
    k = int(iu[np.flatnonzero(d[iu] <= low + 0.005)[-1]])  # the highest of the lowest points
    if d[-1] - low > p.top_rise and u[k] - u[0] >= 0.5:
        return pts[:k + 1]
    return pts


def fit_bend(points: np.ndarray, hip: np.ndarray, shoulder: np.ndarray) -> Optional[tuple[float, float, float]]:
    """Bend of the back segment as ``4*atan(2s/c)`` from a least-squares parabola.

    Points are expressed along the trunk axis (x) and outward from it (y); a
    parabola over all of them gives the curvature with sub-pixel precision, and
    the sagitta ``s`` of that parabola over the segment's chord ``c`` gives the
    bend. Bowing outward (towards the back) is positive. One pass drops points far
    off the fit (a hand or a fold of clothing). Returns (bend_deg, chord_px,
    rms residual px) or None.
    """
    # Outward distance from the axis is sign-free: the points are all on the back side.
    x, y, L = _along_and_out(points, hip, shoulder)
    if L < 1 or len(points) < 6:
        return None
    fit = robust_parabola(x, y)
    if fit is None:
        return None
    coef, resid = fit
    c = float(x.max() - x.min())
    if c < 4:
        return None
    # Parabola y = c2 x^2 + ...: sagitta over a chord of length c is -c2 c^2 / 4 (outward positive).
    s = -coef[0] * c * c / 4.0
    return arc_bend_deg(s, c), c, resid


class _PoseDebug(PostureDebug):
    """:class:`PostureDebug` whose ``person`` blob is found only when something draws it.

    Finding the person's connected component in a full-resolution mask cost about a tenth
    of a 1080p video's analysis, and only the overlay (``analyze --annotate``) uses it.
    """

    _blob_src: Optional[tuple[np.ndarray, np.ndarray]] = None
    _person: Optional[PersonBlob] = None
    # The people mask too (the model's probability above 0.5, 0.65 ms at 1080p) is made when read.
    _prob: Optional[np.ndarray] = None
    _people_mask: Optional[np.ndarray] = None

    _frame_size: Optional[tuple[int, int]] = None  # (w, h) of the frame when the model saw it shrunk

    def person_from(self, prob: np.ndarray, xy: np.ndarray, frame_size: Optional[tuple[int, int]] = None) -> None:
        self._people_mask, self._prob, self._frame_size = None, prob, frame_size
        self._person, self._blob_src = None, (prob, xy)

    @property  # type: ignore[override]
    def people_mask(self) -> Optional[np.ndarray]:
        if self._prob is not None:
            prob = self._prob
            if self._frame_size is not None:  # drawn on the frame: back to its size
                prob = cv2.resize(prob, self._frame_size, interpolation=cv2.INTER_LINEAR)
            self._people_mask = cv2.compare(prob, 0.5, cv2.CMP_GT)  # 255 above 0.5: one pass, uint8
            self._prob = None
        return self._people_mask

    @people_mask.setter
    def people_mask(self, mask: Optional[np.ndarray]) -> None:
        self._people_mask, self._prob = mask, None

    @property  # type: ignore[override]
    def person(self) -> Optional[PersonBlob]:
        if self._blob_src is not None:
            _, xy = self._blob_src
            self._blob_src = None
            mask = self.people_mask
            self._person = None if mask is None else PoseGuidedEstimator._person_blob(mask, xy)
        return self._person

    @person.setter
    def person(self, blob: Optional[PersonBlob]) -> None:
        self._person, self._blob_src = blob, None


@dataclass
class _FrameView:
    """What one frame's measures share: landmarks (pixels), the trunk axis, the person's state."""

    t: float
    xy: np.ndarray  # landmarks, pixels
    vis: np.ndarray  # their visibility
    hip: np.ndarray  # mid-hip
    sho: np.ndarray  # mid-shoulder
    H: float  # standing height, pixels
    Wf: int
    Hf: int
    whole: bool  # whole body in view
    still: bool  # feet planted
    sure: float  # how sure the facing is
    facing: str
    sgn: float  # +1 facing right (+x), -1 left
    trunk_vis: float
    near: tuple[int, int, int, int, int]  # camera-near hip, knee, ankle, heel, foot indices
    meas: SilhouetteMeasures
    dbg: PostureDebug
    sample: dict
    mask_scale: Optional[tuple[float, float]] = None  # the mask's size over the frame's (None: the same)


class PoseGuidedEstimator:
    """Turns side-view video frames into :class:`PostureSample` s with a pose model and its mask.

    Same contract as :class:`device.vision.estimator.PostureEstimator`:
    ``process(frame) -> PostureSample``, ``last_debug`` (a :class:`PostureDebug` that
    :func:`device.vision.annotate.draw_annotations` draws) and ``close()``.

    ``wall_side``: "left"/"right" if known, "auto" to infer it (back = wall side).
    ``standing_deg``: trunk inclination at or below which the person stands (heel
    and height references). ``smooth``: One-Euro filtering of the measures.
    ``model``: an already created mediapipe Pose (tests share one); default: a new one.
    ``trunk_from_back``: follow the back edge's direction for the trunk once calibrated
    (False: the hip-shoulder landmark line only). ``level_band_deg``: the standing trunk
    inclinations taken as a real posture; a person's quiet standing outside it is camera
    roll and is removed (``(-90, 90)`` switches this off).
    """

    backend = "mediapipe-pose"
    # The bend this measure reads on a neutral back at the bottom of a hinge, plus nothing:
    # rounding is the bend above max(this, the person's own standing bend). Chosen
    # leave-one-person-out on the real development footage: with the rounding threshold
    # at 10 deg, every fold's best cut on the bend lay at 28-29 deg (docs/real-footage.md).
    rounding_floor_deg = 18.0

    def __init__(self, wall_side: str = "auto", standing_deg: float = 12.0, smooth: bool = True,
                 params: PoseModelParams = PoseModelParams(), lost_after_s: float = 1.0, model=None,
                 trunk_from_back: bool = True,
                 level_band_deg: tuple[float, float] = (-2.0, 6.0)) -> None:
        if wall_side not in ("auto", "left", "right"):
            raise ValueError(f"wall_side must be 'auto', 'left' or 'right', not {wall_side!r}")
        self.wall_side_setting = wall_side
        self.standing_deg = standing_deg
        self.smooth = smooth
        self.params = params
        self.trunk_from_back = trunk_from_back
        self.level_band_deg = level_band_deg
        self._model = model if model is not None else make_pose_model()
        self._mirror_model = None  # made on the first frame that needs a second look
        # Native start-up chatter (TFLite delegate, landmark projection warnings) comes on
        # the first calls that actually see a person: keep fd 2 quiet until a few have run.
        self._quiet_left = 3
        self.last_debug: Optional[PostureDebug] = None
        # Lowest visible wrist above the floor, fraction of stature (None: not seen);
        # not a PostureSample field yet (see the report on deadlift sets).
        self.last_hands_height: Optional[float] = None
        # What is remembered of the person followed (facing, feet, standing height, heel reference).
        self.track = PersonTrack(lost_after_s, heights_window=params.heights_window,
                                 height_percentile=params.height_percentile, votes_kept=params.facing_votes_kept,
                                 feet_kept=params.feet_kept, heel_window=params.heel_ref_window, heel_min=params.heel_ref_min)
        self._reset_person()

    @classmethod
    def from_config(cls, camera, thresholds, **kw) -> "PoseGuidedEstimator":
        """Build from ``device.config`` sections (CameraConfig, ThresholdsConfig)."""
        return cls(wall_side=camera.wall_side, standing_deg=thresholds.standing_deg, **kw)

    def close(self) -> None:
        """Release the pose model."""
        for model in (self._model, self._mirror_model):
            if model is not None:
                try:
                    model.close()
                except Exception:  # pragma: no cover - closing twice / a half-started model
                    pass
        self._model = self._mirror_model = None

    @property
    def lost_after_s(self) -> float:
        """A track unseen this long is forgotten (the next person starts afresh)."""
        return self.track.lost_after_s

    def __enter__(self) -> "PoseGuidedEstimator":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _reset_person(self) -> None:
        self.track.reset()
        self._shoulder_spread: Optional[float] = None
        self._last_t: Optional[float] = None
        self._rises: deque[tuple[float, float]] = deque()  # (t, raw heel rise), last 0.35 s
        self._f_trunk = OneEuro(1.0, 0.02)
        self._f_knee = OneEuro(1.0, 0.02)
        self._f_back = OneEuro(1.0, 0.05)
        # Knee flexion in a fast deadlift stays well under 400 deg/s.
        self._knee_gate = RateGate(max_rate=500.0, tol=6.0)
        # Heels rise over a few tenths of a second; a jump of 1 % of stature in one
        # frame is the foot landmarks slipping, not the heel.
        self._rise_gate = RateGate(max_rate=0.1, tol=0.004)
        self._prev_raw_trunk: Optional[tuple[float, float]] = None
        self._back_offset: deque[float] = deque(maxlen=60)  # landmark minus back-edge inclination, standing
        self._prev_hip: Optional[tuple[float, np.ndarray]] = None
        self._recent_lm: deque[tuple[float, float]] = deque()  # (t, landmark inclination), last 0.6 s
        self._stand_incl: deque[float] = deque(maxlen=90)  # inclination in quiet upright frames
        self._trunk_lens: deque[float] = deque(maxlen=self.params.trunk_lens_kept)  # hip-shoulder distances, px

    # -- state ---------------------------------------------------------------

    def _facing(self, t: float) -> tuple[Optional[str], float]:
        """Where the person looks at ``t`` and how sure we are (1 when the wall side is configured).

        The median of the last ``facing_window_s`` of votes (a person turns round after
        walking in); with none that recent, the last known facing holds."""
        if self.wall_side_setting != "auto":
            return opposite(self.wall_side_setting), 1.0
        P = self.params
        return self.track.facing.by_median(t, P.facing_window_s, P.facing_votes_needed)

    def _still(self, t: float, H: float) -> bool:
        """Feet planted: their centre moved less than ``still_move`` H over the last ``still_window_s``."""
        P = self.params
        return self.track.feet.still(t, H, P.still_window_s, P.still_min_span_s, P.still_move)

    # -- main ----------------------------------------------------------------

    def _model_input(self, img: np.ndarray) -> tuple[np.ndarray, Optional[tuple[float, float]]]:
        """The frame the pose model is given: ``img`` itself, or shrunk so that its longer
        side is ``model_max_side`` (with the mask's (x, y) scale over the frame's)."""
        cap = self.params.model_max_side
        Hf, Wf = img.shape[:2]
        if cap <= 0 or max(Hf, Wf) <= cap:
            return img, None
        k = cap / max(Hf, Wf)
        Ws, Hs = max(1, round(Wf * k)), max(1, round(Hf * k))
        # Bilinear: at 2x (1080p to 960x540) the same pixels as an area average, and at
        # any factor a fraction of its cost (a 1.5x area shrink of 1080p: 8 ms).
        return cv2.resize(img, (Ws, Hs), interpolation=cv2.INTER_LINEAR), (Ws / Wf, Hs / Hf)

    def process(self, frame: Frame) -> PostureSample:
        """Measure one frame. Unseen measures are None with confidence 0."""
        img = frame.image
        if img is None or not isinstance(img, np.ndarray) or img.ndim != 3 or img.shape[2] != 3 or img.dtype != np.uint8:
            raise ValueError("frame.image must be an HxWx3 BGR uint8 array")
        if self._model is None:
            raise RuntimeError("PoseGuidedEstimator is closed")
        t = frame.t
        dbg = _PoseDebug(t=t, backend=self.backend)
        self.last_debug = dbg
        if self._last_t is not None and t < self._last_t:
            self._reset_person()  # a new video: nothing carries over
        self._last_t = t
        if self.track.lost(t):
            self._reset_person()
            self._last_t = t
        Hf, Wf = img.shape[:2]
        model_img, mask_scale = self._model_input(img)
        rgb = cv2.cvtColor(model_img, cv2.COLOR_BGR2RGB)
        if self._quiet_left > 0:
            with _quiet_stderr():
                res = self._model.process(rgb)
            if res.pose_landmarks is not None:
                self._quiet_left -= 1
        else:
            res = self._model.process(rgb)
        self.last_hands_height = None
        if res.pose_landmarks is None:
            dbg.notes.append("no person")
            dbg.back_unseen = "no person found in the picture"
            return PostureSample(t=t)
        lm = np.array([(p.x * Wf, p.y * Hf, p.visibility) for p in res.pose_landmarks.landmark], dtype=np.float64)
        lm, prob = self._second_look(rgb, lm, res.segmentation_mask, Wf, Hf, dbg)
        xy, vis = lm[:, :2], lm[:, 2]
        P = self.params
        trunk_vis = float(np.mean(vis[[L_SHOULDER, R_SHOULDER, L_HIP, R_HIP]]))
        if trunk_vis < 0.3:
            dbg.notes.append("pose too uncertain")
            dbg.back_unseen = "the person's pose is too uncertain (too dark, too small or partly hidden)"
            return PostureSample(t=t)
        self.track.seen(t)

        if prob is not None:
            # The people mask and the person's own blob: only drawn, so made when asked for.
            dbg.person_from(prob, xy, None if mask_scale is None else (Wf, Hf))

        hip = 0.5 * (xy[L_HIP] + xy[R_HIP])
        sho = 0.5 * (xy[L_SHOULDER] + xy[R_SHOULDER])
        trunk_len = float(np.linalg.norm(sho - hip))
        self._shoulder_spread = float(np.linalg.norm(xy[L_SHOULDER] - xy[R_SHOULDER])) / trunk_len if trunk_len >= 1 else None
        # The model follows one person; if it jumps to another (a second person walks
        # past, or the lifter was occluded), nothing learnt about the first one applies.
        if self._prev_hip is not None and len(self.track.height):
            tp, hp = self._prev_hip
            if t - tp <= P.switch_within_s and float(np.linalg.norm(hip - hp)) > P.switch_jump * self.track.height.median():
                self._reset_person()
                self._last_t = t
                self.track.seen(t)
                dbg.notes.append("tracked person switched")
        self._prev_hip = (t, hip.copy())
        # Camera-near side: the one whose leg the model sees better.
        near_l = vis[[L_HIP, L_KNEE, L_ANKLE, L_HEEL, L_FOOT]].sum() >= vis[[R_HIP, R_KNEE, R_ANKLE, R_HEEL, R_FOOT]].sum()
        HIP, KNEE, ANK, HEEL, FOOT = (L_HIP, L_KNEE, L_ANKLE, L_HEEL, L_FOOT) if near_l else (R_HIP, R_KNEE, R_ANKLE, R_HEEL, R_FOOT)

        # Whole body in view: every landmark that matters inside the frame (the model
        # extrapolates off-frame landmarks with low visibility), the key ones visible.
        key = [NOSE, L_SHOULDER, R_SHOULDER, L_HIP, R_HIP, KNEE, ANK, HEEL, FOOT]
        m = P.frame_margin
        inside = ((xy[key, 0] >= m * Wf) & (xy[key, 0] <= (1 - m) * Wf) & (xy[key, 1] >= m * Hf)
                  & (xy[key, 1] <= (1 - m) * Hf))
        visible = vis[[HIP, KNEE, ANK]].min() >= P.min_visibility and max(vis[L_SHOULDER], vis[R_SHOULDER]) >= P.min_visibility
        whole = bool(inside.all()) and visible
        feet_in = bool(np.all((xy[[ANK, HEEL, FOOT], 1] <= (1 - m) * Hf) & (xy[[ANK, HEEL, FOOT], 1] >= 0)))
        dbg.whole_body = whole

        floor_y = float(max(xy[HEEL, 1], xy[FOOT, 1]))
        # Stature from nose to floor (the nose is at about 0.93 of stature standing).
        h_now = (floor_y - xy[NOSE, 1]) / P.nose_of_stature
        # Upright within 20 deg (room for a tilted camera); the upper quartile of those
        # frames is the standing height, so the start of a hinge does not shrink it.
        raw_incl_img = math.degrees(math.atan2(abs(sho[0] - hip[0]), hip[1] - sho[1]))
        if whole and raw_incl_img <= P.upright_max_deg and h_now > 0:
            self.track.height.add(h_now)
        H = self.track.height.value if len(self.track.height) else max(h_now, 1.0)
        dbg.standing_height_px = H
        # Hands' height above the floor (fraction of stature): near the floor at the
        # bottom of a rep means a weight is picked up from / put down on the floor
        # (deadlift), whose set has a setup descent and a put-down the wall drill lacks.
        wr = [w for w in (L_WRIST, R_WRIST) if vis[w] >= 0.2]  # a held ball hides the wrists: the estimate still places them
        self.last_hands_height = float((floor_y - max(xy[w, 1] for w in wr)) / H) if wr and whole else None
        # Hip above the floor (fraction of stature): its path finds reps that barely tilt
        # the trunk (a squat-style lift) and lifts that start at the floor. Until this
        # person has stood upright in view, stature comes from the leg and trunk segments,
        # whose lengths a bent posture does not shorten.
        # The floor is under the lower foot: a leg the model misplaces (a plate in front
        # of it) jumps up, never down through the floor.
        hip_height = None
        if feet_in and max(vis[L_HIP], vis[R_HIP]) >= P.min_visibility:
            Hh = H if len(self.track.height) else _stature_from_segments(xy, HIP, KNEE, ANK, hip, sho)
            feet_y = xy[[L_HEEL, R_HEEL, L_FOOT, R_FOOT], 1]
            floor_low = float(feet_y[feet_y <= Hf].max(initial=floor_y))
            hip_height = float((floor_low - hip[1]) / Hh) if Hh > 1.0 else None

        if feet_in:
            self.track.feet.add(t, float(np.mean(xy[[L_ANKLE, R_ANKLE, L_HEEL, R_HEEL], 0])))
        still = feet_in and self._still(t, H)
        dbg.still = still

        # A clearly bent trunk (shoulders well in front of the hips) shows the facing
        # even when plates hide the legs or the head leaves the frame: a lift filmed
        # from its setup at the floor is measured from its first frame.
        # The trunk must be well inside the picture: someone half in view at its edge (walking
        # in) gives landmarks that look bent and point anywhere.
        trunk_pts = xy[[L_SHOULDER, R_SHOULDER, L_HIP, R_HIP]]
        trunk_inside = bool(np.all((trunk_pts[:, 0] > P.trunk_inside_margin * Wf)
                                   & (trunk_pts[:, 0] < (1 - P.trunk_inside_margin) * Wf)
                                   & (trunk_pts[:, 1] > 0.0) & (trunk_pts[:, 1] < Hf)))
        bent = (trunk_inside and min(vis[[L_SHOULDER, R_SHOULDER]].max(), vis[[L_HIP, R_HIP]].max()) >= P.min_visibility
                and abs(sho[0] - hip[0]) > P.bent_lean_ratio * abs(hip[1] - sho[1]) > 0)
        # Walking frames do not vote: someone walking in faces where they go, not where
        # they will stand.
        # Feet seen moving over the last half second: walking, whatever the trunk shows.
        # (Walking carries the feet a good part of a stature in half a second; landmark
        # jitter on a lifter's planted feet stays well under that.)
        feet_moving = feet_in and self.track.feet.moving(t, H, P.still_window_s, P.walking_move)
        if (still or (bent and not feet_moving)) and self.wall_side_setting == "auto":
            vote = self._facing_vote(xy, vis, hip, sho, H, P)
            if vote is not None:
                self.track.facing.add(t, vote)
        facing, sure = self._facing(t)
        dbg.facing = facing
        dbg.wall_side = opposite(facing)

        in_position = whole and still and facing is not None and sure >= P.in_position_sure
        sample = dict(t=t, person=True, in_position=in_position, hands_height=self.last_hands_height,
                      hip_height=hip_height)
        # The landmarks' box (no measure uses it; the mask's blob is made only when drawn).
        x0, y0 = np.floor(xy.min(axis=0)).astype(int)
        x1, y1 = np.ceil(xy.max(axis=0)).astype(int)
        meas = SilhouetteMeasures(height_px=H, floor_y=floor_y, bbox=(int(x0), int(y0), int(x1 - x0), int(y1 - y0)))
        meas.hip, meas.shoulder = (float(hip[0]), float(hip[1])), (float(sho[0]), float(sho[1]))
        meas.knee, meas.ankle = tuple(map(float, xy[KNEE])), tuple(map(float, xy[ANK]))
        meas.heel, meas.toe = tuple(map(float, xy[HEEL])), tuple(map(float, xy[FOOT]))
        dbg.measures = meas
        if facing is None:
            dbg.notes.append("facing unknown")
            dbg.back_unseen = "which way the person faces is not known yet (film from the side, feet in view)"
            return PostureSample(**sample)
        fr = _FrameView(t=t, xy=xy, vis=vis, hip=hip, sho=sho, H=H, Wf=Wf, Hf=Hf, whole=whole, still=still,
                        sure=sure, facing=facing, sgn=1.0 if facing == "right" else -1.0, trunk_vis=trunk_vis,
                        near=(HIP, KNEE, ANK, HEEL, FOOT), meas=meas, dbg=dbg, sample=sample, mask_scale=mask_scale)
        self._measure_trunk_and_back(fr, prob)
        if whole:
            legs_ok = self._measure_knee(fr)
            self._measure_heel(fr, legs_ok)
        return PostureSample(**sample)

    def _second_look(self, rgb: np.ndarray, lm: np.ndarray, prob: Optional[np.ndarray], Wf: int, Hf: int,
                     dbg: "_PoseDebug") -> tuple[np.ndarray, Optional[np.ndarray]]:
        """The landmarks (x, y in the frame's pixels, visibility) and the mask, read again on the
        mirrored picture when the hip-shoulder distance has collapsed to a fraction of this person's
        own (see ``PoseModelParams.collapsed_trunk``); as they were otherwise."""
        P = self.params

        def trunk(a: np.ndarray) -> float:
            return float(np.linalg.norm(0.5 * (a[L_SHOULDER, :2] + a[R_SHOULDER, :2]) - 0.5 * (a[L_HIP, :2] + a[R_HIP, :2])))

        L = trunk(lm)
        if len(self._trunk_lens) >= P.trunk_lens_min:
            ref = float(np.median(np.fromiter(self._trunk_lens, float)))
            if L < P.collapsed_trunk * ref:
                if self._mirror_model is None:
                    self._mirror_model = make_pose_model(static=True)
                with _quiet_stderr():
                    res = self._mirror_model.process(np.ascontiguousarray(rgb[:, ::-1]))
                if res.pose_landmarks is not None:
                    m = np.array([((1.0 - p.x) * Wf, p.y * Hf, p.visibility) for p in res.pose_landmarks.landmark],
                                 dtype=np.float64)[MIRRORED]
                    if trunk(m) >= P.plausible_trunk * ref:
                        dbg.notes.append("pose read again on the mirrored picture")
                        mask = res.segmentation_mask
                        lm, prob = m, (None if mask is None else np.ascontiguousarray(mask[:, ::-1]))
                        L = trunk(lm)
        self._trunk_lens.append(L)
        return lm, prob

    def _measure_trunk_and_back(self, fr: "_FrameView", prob: Optional[np.ndarray]) -> None:
        """Trunk inclination (from the back edge once it is known to agree with the landmarks,
        level-corrected for camera roll) and the back bend from the mask's back edge."""
        t, vis, hip, sho, Wf, Hf = fr.t, fr.vis, fr.hip, fr.sho, fr.Wf, fr.Hf
        whole, still, sure, facing, sgn, trunk_vis = fr.whole, fr.still, fr.sure, fr.facing, fr.sgn, fr.trunk_vis
        meas, dbg, sample = fr.meas, fr.dbg, fr.sample
        P = self.params

        v = sho - hip
        L = float(np.linalg.norm(v))
        trunk_in = (vis[[L_SHOULDER, R_SHOULDER]].max() >= P.min_visibility and vis[[L_HIP, R_HIP]].max() >= P.min_visibility
                    and all(0 <= p[0] < Wf and 0 <= p[1] < Hf for p in (hip, sho)))
        if trunk_in and L >= 0.3 * P.min_trunk_px:
            incl_lm = math.degrees(math.atan2(sgn * v[0], -v[1]))
            incl, src = incl_lm, "landmarks"
            bend, bconf, why, back_dir = None, 0.0, "no person mask", None
            if prob is not None:
                bend, bconf, why, back_dir = self._back(prob, hip, sho, facing, L, meas, fr.mask_scale)
            # Quiet upright frames (standing still, trunk within 20 deg of vertical and not
            # turning over the last 0.6 s) teach this person's references. Stillness is
            # judged on the back edge's direction when there is one: the mask's edge does
            # not jitter like the landmarks, so a slow hinge is not mistaken for standing.
            incl_back = None
            if back_dir is not None:
                incl_back = math.degrees(math.atan2(sgn * back_dir[0], -back_dir[1]))
            self._recent_lm.append((t, incl_back if incl_back is not None else incl_lm))
            while self._recent_lm and t - self._recent_lm[0][0] > 0.6:
                self._recent_lm.popleft()
            w = np.fromiter((x for _, x in self._recent_lm), float)
            span = self._recent_lm[-1][0] - self._recent_lm[0][0]
            quiet = (whole and still and abs(incl_lm) <= 20.0 and len(w) >= 3 and span >= 0.3
                     and float(np.percentile(w, 80) - np.percentile(w, 20)) < (2.0 if incl_back is not None else 6.0))
            if incl_back is not None and self.trunk_from_back:
                # The back edge is a steadier, better placed trunk reference than the
                # shoulder landmark (which jitters, and in a hinge sits behind the joint);
                # its angle to the hip-shoulder line is this person's own, learnt standing.
                if quiet and bconf >= 0.5:
                    self._back_offset.append(incl_lm - incl_back)
                if len(self._back_offset) >= 5 and bconf >= 0.5:
                    incl, src = incl_back + float(np.median(self._back_offset)), "back edge"
            dbg.notes.append(f"trunk from {src}")
            # Camera not level: standing tall must read near 0. A standing lean outside
            # level_band_deg (a hip-shoulder line leaning back, or forward by more than
            # people stand) is taken as camera roll and removed down to the band's edge
            # (a real lean of a few degrees is kept; a tilted phone would otherwise hide
            # tall standing from the rep engine, or shave the hinge's depth).
            if quiet:
                self._stand_incl.append(incl)
            if len(self._stand_incl) >= 10:
                ref = float(np.median(self._stand_incl))
                lo, hi = self.level_band_deg
                roll = ref - hi if ref > hi else (ref - lo if ref < lo else 0.0)
                if roll:
                    incl -= roll
                    dbg.notes.append(f"camera roll {roll:+.1f} deg removed")
            # Consistency: a jump no body makes in one frame (> 400 deg/s) is a landmark swap.
            jump_ok = True
            if self._prev_raw_trunk is not None:
                tp, ip = self._prev_raw_trunk
                if t > tp and abs(incl - ip) / (t - tp) > 400.0:
                    jump_ok = False
            self._prev_raw_trunk = (t, incl)
            conf = float(np.clip((trunk_vis - 0.3) / 0.4, 0.0, 1.0)) * float(np.clip(L / (0.6 * P.min_trunk_px) - 0.5, 0, 1))
            conf *= sure * (1.0 if jump_ok else 0.3)
            val = self._f_trunk(t, incl) if self.smooth else incl
            meas.trunk_inclination_deg, meas.conf_trunk = val, conf
            sample.update(trunk_inclination_deg=val, trunk_conf=conf)

            # -- back bend from the mask's back edge
            if bend is not None:
                bconf *= min(1.0, conf / 0.8)
                val_b = self._f_back(t, bend) if self.smooth else bend
                meas.back_bend_deg, meas.conf_back = val_b, bconf
                sample.update(back_bend_deg=val_b, back_conf=bconf)
            else:
                self._f_back.reset()
                dbg.notes.append(why)
                dbg.back_unseen = why
        else:
            self._f_trunk.reset()
            self._f_back.reset()
            dbg.notes.append("trunk not in view")
            dbg.back_unseen = "trunk not in view (shoulders or hips hidden or outside the picture)"

    def _measure_knee(self, fr: "_FrameView") -> bool:
        """Knee angle on the near side; False while the leg landmarks jump (then no leg measure is trusted)."""
        t, xy, vis, sure, meas, dbg, sample = fr.t, fr.xy, fr.vis, fr.sure, fr.meas, fr.dbg, fr.sample
        HIP, KNEE, ANK = fr.near[:3]
        kv = float(vis[[HIP, KNEE, ANK]].min())
        ang = _angle_deg(xy[HIP], xy[KNEE], xy[ANK])
        thigh = float(np.linalg.norm(xy[HIP] - xy[KNEE]))
        kconf = float(np.clip((kv - 0.3) / 0.4, 0, 1)) * float(np.clip(thigh / 40.0, 0, 1)) * sure
        # A lower-body landmark glitch moves the knee and the foot together: while
        # the knee jumps implausibly, neither is trusted.
        legs_ok = self._knee_gate(t, ang)
        if legs_ok:
            val_k = self._f_knee(t, ang) if self.smooth else ang
            meas.knee_angle_deg, meas.conf_knee = val_k, kconf
            sample.update(knee_angle_deg=val_k, knee_conf=kconf)
        else:
            dbg.notes.append("knee landmarks jumped")
        return legs_ok

    def _measure_heel(self, fr: "_FrameView", legs_ok: bool) -> None:
        """Heel lift against this person's standing reference: a hint, never judged (``PoseModelParams.heel_conf_landmarks``)."""
        t, xy, vis, H, still, sure, meas, sample = fr.t, fr.xy, fr.vis, fr.H, fr.still, fr.sure, fr.meas, fr.sample
        HEEL, FOOT = fr.near[3:]
        # -- heel lift: heel above the toe, against this person's standing reference.
        # A 1-2 % of stature lift is a few pixels: a running median over 0.35 s
        # removes single-frame landmark jumps, and the confidence says whether the
        # person is big enough in the picture for landmarks to resolve it at all.
        hv = float(min(vis[HEEL], vis[FOOT]))
        raw_rise = float((xy[FOOT, 1] - xy[HEEL, 1]) / H)
        legs_ok = self._rise_gate(t, raw_rise) and legs_ok
        if legs_ok:
            self._rises.append((t, raw_rise))
        while self._rises and t - self._rises[0][0] > 0.35:
            self._rises.popleft()
        if legs_ok and self._rises:
            rise = float(np.median([r for _, r in self._rises]))
            meas.heel_rise = rise
            inc = meas.trunk_inclination_deg
            if inc is not None and inc <= self.standing_deg and still:
                self.track.heel.add(rise)
            ref = self.track.heel.value
            if ref is not None:
                px_per_pct = 0.01 * H  # pixels per 1 % of stature
                hconf = (float(np.clip((hv - 0.3) / 0.4, 0, 1)) * sure * float(np.clip((px_per_pct - 2.0) / 4.0, 0, 1))
                         * self.params.heel_conf_landmarks)
                sample.update(heel_lift=max(0.0, rise - ref), heel_conf=hconf)
                meas.conf_heel = hconf

    def _back(self, prob: np.ndarray, hip: np.ndarray, sho: np.ndarray, facing: str, L: float,
              meas: SilhouetteMeasures, mask_scale: Optional[tuple[float, float]] = None,
              ) -> tuple[Optional[float], float, str, Optional[np.ndarray]]:
        """(back bend, its confidence before the trunk's, why not, unit direction of the back upward)."""
        P = self.params
        if L < P.min_trunk_px:
            return None, 0.0, "the person is too small in the picture to measure the back (film from closer)", None
        if self._shoulder_spread is not None and self._shoulder_spread > P.max_shoulder_spread:
            return None, 0.0, "camera sees the back obliquely (turn it to a side view)", None
        pts, why = back_edge(prob, hip, sho, facing, P, mask_scale)
        if pts is None:
            return None, 0.0, why, None
        edge, pts = pts, below_top_rise(pts, hip, sho, P)
        fit = fit_bend(pts, hip, sho)
        if fit is None:
            return None, 0.0, "back edge fit failed", None
        bend, chord, resid = fit
        meas.back_segment = pts
        meas.chord = ((float(pts[0, 0]), float(pts[0, 1])), (float(pts[-1, 0]), float(pts[-1, 1])))
        meas.sagitta_px = chord / 2.0 * math.tan(math.radians(bend) / 4.0)
        size = float(np.clip((L - P.min_trunk_px) / (P.full_trunk_px - P.min_trunk_px), 0.0, 1.0))
        # The whole back is no exact parabola (the sacrum and the neck curve away at its
        # ends), so a residual of 2 % of the trunk is still a clean edge.
        clean = float(np.clip(1.5 - resid / max(0.02 * L, 0.6), 0.0, 1.0))
        conf = (0.5 + 0.5 * size) * clean
        # Direction of the back segment (principal axis of its points, pointing up the trunk).
        c = edge - edge.mean(axis=0)
        d = np.linalg.svd(c, full_matrices=False)[2][0]
        if np.dot(d, sho - hip) < 0:
            d = -d
        return bend, conf, "", d

    @staticmethod
    def _facing_vote(xy: np.ndarray, vis: np.ndarray, hip: np.ndarray, sho: np.ndarray, H: float,
                     p: PoseModelParams = PoseModelParams()) -> Optional[float]:
        """Evidence for the facing: > 0 looking right (+x), < 0 left, in units of stature.

        Toes point forward of the heels; the nose is in front of the ears; in a
        hinge the shoulders go forward of the hips and the hips back behind the ankles.
        """
        score, n = 0.0, 0
        for heel, foot in ((L_HEEL, L_FOOT), (R_HEEL, R_FOOT)):
            if min(vis[heel], vis[foot]) >= p.vote_min_visibility:
                score += (xy[foot, 0] - xy[heel, 0]) / H
                n += 1
        ears = [e for e in (L_EAR, R_EAR) if vis[e] >= p.vote_min_visibility]
        if ears and vis[NOSE] >= p.vote_min_visibility:
            score += (xy[NOSE, 0] - float(np.mean(xy[ears, 0]))) / H
            n += 1
        lean = (sho[0] - hip[0]) / H
        ankles = 0.5 * (xy[L_ANKLE, 0] + xy[R_ANKLE, 0])
        if abs(lean) > p.vote_hinge_lean:  # clearly hinging (about > 10 deg): strong, so it counts double
            score += p.vote_hinge_weight * (lean + (ankles - hip[0]) / H)
            n += 1
        if n == 0 or abs(score) < p.vote_min:
            return None
        return float(score)

    @staticmethod
    def _person_blob(binm: np.ndarray, xy: np.ndarray) -> Optional[PersonBlob]:
        """The mask component(s) under the trunk landmarks: the person, not a second one beside them."""
        n, labels, stats, _ = cv2.connectedComponentsWithStats(binm, connectivity=8)
        if n <= 1:
            return None
        Hf, Wf = binm.shape
        ids = set()
        for k in (L_SHOULDER, R_SHOULDER, L_HIP, R_HIP, L_KNEE, R_KNEE):
            x, y = int(round(xy[k, 0])), int(round(xy[k, 1]))
            if 0 <= x < Wf and 0 <= y < Hf and labels[y, x] > 0:
                ids.add(int(labels[y, x]))
        if not ids:
            ids = {1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))}
        sel = np.zeros(binm.shape, np.uint8)
        for i in ids:  # cv2.compare is several times faster than np.isin on a full frame
            sel |= cv2.compare(labels, i, cv2.CMP_EQ)
        x0 = min(int(stats[i, 0]) for i in ids)
        y0 = min(int(stats[i, 1]) for i in ids)
        x1 = max(int(stats[i, 0] + stats[i, 2]) for i in ids)
        y1 = max(int(stats[i, 1] + stats[i, 3]) for i in ids)
        return PersonBlob(sel, (x0, y0, x1 - x0, y1 - y0), int(cv2.countNonZero(sel)))
