"""Person segmentation: a binary person mask per frame, behind one small interface.

Backends:

- :class:`BackgroundModel` -- the station's own model of the empty scene. Cheap
  (a colour difference at reduced resolution), but it needs to have *seen* each
  pixel without a person in front of it. It never learns under the person: pixels
  inside the (dilated) person blob are frozen, so someone standing still is never
  absorbed. The rest of the scene keeps learning slowly, which follows lighting
  drift; a global gain per channel follows sudden exposure changes; shadows
  (darker, same chromaticity) are not foreground.
- :class:`SelfieSegmenter` -- mediapipe 0.10.18's selfie segmentation model, which
  ships inside the wheel and runs offline (in OpenCV's DNN module where it can).
  Works on the very first frame, with the person already in view (phone footage,
  station powered on with someone there).
- :class:`AutoSegmenter` -- the default: the learned model until the background
  model has seen the empty scene (it learns it *from the learned mask*, so
  a person in view does not block learning; what only they hide comes from the
  learned mask meanwhile), then the cheap background model, with
  the learned model re-checking every Nth frame and taking over again if the scene
  changed (camera knocked, furniture moved).

All backends return a full-resolution ``uint8`` mask (255 = person) or None when
they cannot segment yet. Choosing the one person among the blobs is
:func:`device.vision.silhouette.select_person`'s job, not the backend's.
"""

from __future__ import annotations

import contextlib
import copy
import enum
import math
import os
import sys
from collections import deque
from dataclasses import dataclass
from typing import Callable, Optional, Protocol, Union

import cv2
import numpy as np


@contextlib.contextmanager
def _quiet_stderr():
    """Silence file descriptor 2 (C++ logging from TFLite/absl) for the duration.

    mediapipe's native code prints start-up chatter ("Created TensorFlow Lite
    XNNPACK delegate", "inference_feedback_manager ...") straight to fd 2, which
    Python's ``sys.stderr`` redirection cannot catch; a user should see only our
    own messages.
    """
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no usable fd 2 (embedded, closed): nothing to hide
        yield
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


class SegmentationError(Exception):
    """A segmentation backend cannot run; the message says why and how to fix it."""


@dataclass
class Segmentation:
    """A person mask for one frame.

    ``mask`` is HxW uint8 (255 = person) at the frame's resolution; ``backend``
    names which model produced it (for the debug overlay and benchmarks).
    """

    mask: np.ndarray
    backend: str
    soft: Optional[np.ndarray] = None  # float32 HxW, > 0 inside a person; its zero level is the edge
    # A fused mask's background-model half (uint8, as ``mask``): where the two outlines are the same,
    # the fused one is as sharp as the background model's own (the feet: heel lift is read off them).
    sharp: Optional[np.ndarray] = None


# A mask, or a function of the model's (height, width) giving the mask at full size or at that size
# (then exactly what a nearest-neighbour resize of the full one would give).
PersonMask = Union[np.ndarray, Callable[[tuple[int, int]], Optional[np.ndarray]], None]


class SegmenterMode(enum.Enum):
    """What a segmenter is doing, as an operator (and the estimator) needs to know it."""

    LEARNING = "learning"  # the empty scene is not known yet: the learned mask (or nothing) is used
    TRUSTED = "trusted"  # the background model is known and trusted: the cheap mask
    DISTRUSTED = "distrusted"  # the background model misses part of the person: the two masks fused
    SCENE_CHANGED = "scene_changed"  # lens covered, lights off or camera moved: the learned mask meanwhile
    LEARNED_ONLY = "learned_only"  # a learned model alone (phone videos, ``segmenter = "selfie"``)


@dataclass(frozen=True)
class SegmenterState:
    """A segmenter's state after its last frame, as a value (never read from private attributes).

    ``backend``: which model made the last mask (``background``, ``selfie`` or ``selfie+background``);
    ``learned_mask``: that mask's outline comes from the learned model, whose edge is coarse;
    ``learned_loaded``: the learned model is in memory now (the auto segmenter keeps it loaded once made:
    it checks the background model every ``check_every`` frames; ``SelfieSegmenter.release()`` frees it for a
    caller that wants to)."""

    mode: SegmenterMode
    backend: str
    learned_loaded: bool = False
    coverage: float = 0.0  # fraction of the scene the background model has learned
    # The learned model ran on this frame beside the trusted background model (the auto segmenter's
    # check): its opinion (:meth:`Segmenter.second_opinion`) costs nothing more on this frame.
    checked: bool = False

    @property
    def learned_mask(self) -> bool:
        # PARTIAL: the background model's outline, the learned one only under the person's legs.
        return self.backend not in ("background", PARTIAL)


FUSED = "selfie+background"  # backend name of AutoSegmenter's union of the two masks
# The background model's mask with the learned one only where the empty scene is not known yet (under a
# person who stood in view from power-on), see AutoSegmenter.
PARTIAL = "background+selfie"


class Segmenter(Protocol):
    """Anything that turns a BGR frame into a person mask."""

    name: str

    def segment(self, image: np.ndarray, within: Optional[tuple[int, int, int, int]] = None,
                lean: Optional[float] = None) -> Optional[Segmentation]:
        """Mask of the people in ``image`` (HxWx3 BGR uint8), None if not ready. ``within``: an
        (x0, y0, x1, y1) box the caller knows holds every person in view; a backend may use it to
        work on less of the frame (:class:`SelfieSegmenter` does) or ignore it. ``lean``: the tracked
        person's trunk lean on the last frame, deg, positive when the head is to the right of the
        hips in the picture; a learned model may outline a hinged trunk on a picture turned upright
        (:class:`SelfieSegmenter` does) or ignore it."""
        ...

    @property
    def state(self) -> SegmenterState:
        """What the backend did with the last frame (see :class:`SegmenterState`)."""
        ...

    def feedback(self, person_mask: PersonMask) -> None:
        """Tell the backend which pixels belong to the tracked person (or None).

        The background model freezes learning there; other backends ignore it.
        ``person_mask`` may be a function returning the mask, called only if the
        backend learns from this frame (the background model learns from one in three),
        with the size the backend works at: it may return the mask at that size (see PersonMask).
        """
        ...

    def second_opinion(self, image: np.ndarray) -> Optional[Segmentation]:
        """The same frame's person mask with a second model's help, or None when there is no second
        model or this mask is already the second model's. Asked for by a caller that measured something
        on the last mask that no person's outline gives (a back lost against a wall of its colour):
        :meth:`AutoSegmenter.second_opinion`. ``image``: the frame just segmented."""
        ...


# The frames whose exposure gains are averaged for the brightness a frame is learned at
# (BackgroundModel._learn): two periods of a wobble that repeats every third frame.
RECENT_GAINS = 6
# Frames between moves of the phase the model learns at (one frame in three: BackgroundModel._learns_on).
# Not a multiple of three, and short beside a set: each phase is learned for a second or two in turn.
LEARN_PHASE_FRAMES = 32
# The spread of those gains that is a wobble of the light (2 %: the step the exposure gain is applied at).
WOBBLE_GAIN = 0.02
_SUM3 = np.ones((1, 3), np.float32)  # cv2.transform kernel: sum of the three channels
_MEAN3 = np.full((1, 3), 1.0 / 3.0, np.float32)  # ... and their mean
_K3 = np.ones((3, 3), np.uint8)
_K1x9 = np.ones((1, 9), np.uint8)


def _shadow_like(small: np.ndarray, bg: np.ndarray, bb: np.ndarray) -> np.ndarray:
    """Shadow (bool): darker than the background (brightness ratio ``alpha`` along the background
    colour) with little colour distortion. Not a person. ``bb``: |B|^2 + 1 per pixel."""
    ib = cv2.transform(cv2.multiply(small, bg), _SUM3)
    ii = cv2.transform(cv2.multiply(small, small), _SUM3)
    alpha = cv2.divide(ib, bb)
    cd2 = ii - alpha * ib  # |I|^2 - (I.B)^2/|B|^2: squared distance from the colour line
    return (alpha > 0.6) & (alpha < 0.97) & (cd2 < 0.0036 * bb + 25.0)


def _behind_columns(shadow: np.ndarray, solid: np.ndarray, score: np.ndarray, col_any: np.ndarray,
                    near: np.ndarray, rows: int, reach: int) -> None:
    """Clear ``shadow`` (in place, bool, box-sized) where a shadow-like region above row ``rows`` lies
    within ``reach`` px beside the columns of sure pixels (``col_any``) but outside the ``near``
    columns already cleared, and is joined to the sure pixels ``solid``: a body part standing out
    sideways (the buttocks in a hinge), not a shadow. A shadow-like region on its own there (a lamp
    blocked, a shelf's shadow) stays a shadow."""
    if reach <= 4 or rows <= 0:
        return
    wide = cv2.dilate(col_any.reshape(1, -1), np.ones((1, 2 * reach + 1), np.uint8))[0] > 0
    changed = score > 1.0
    band = np.zeros(shadow.shape, bool)
    band[:rows, wide & ~near] = True
    band &= shadow & changed
    if not band.any():
        return
    fg = changed & ~shadow  # the sure pixels and what the near columns already took back
    n, lab = cv2.connectedComponents((fg | band).view(np.uint8), connectivity=4)
    joined = np.zeros(n, bool)
    joined[np.unique(lab[solid > 0])] = True
    joined[0] = False
    shadow[band & joined[lab]] = False


def _grid4(a: np.ndarray) -> np.ndarray:
    """``a[::4, ::4]`` as a contiguous array. A nearest-neighbour resize by exactly 1/4 picks the
    same pixels (source index 4 i) several times faster than numpy's strided copy; other sizes copy."""
    h, w = a.shape[:2]
    if h % 4 or w % 4:
        return np.ascontiguousarray(a[::4, ::4])
    return cv2.resize(a, (w // 4, h // 4), interpolation=cv2.INTER_NEAREST)


def _work_size(w: int, h: int, work_width: int) -> tuple[int, int]:
    if w <= work_width:
        return w, h
    s = work_width / w
    return work_width, max(1, int(round(h * s)))


class BackgroundModel:
    """Learned empty scene; foreground = colour difference beyond the noise.

    ``work_width``: the model runs at this width (keeps the cost flat across
    camera resolutions); the soft difference is upsampled before thresholding so
    the mask edge keeps sub-pixel smoothness at full resolution.
    ``learn_rate``: per-frame blend for background pixels (about 1/rate frames to
    follow drift). ``ready_coverage``: fraction of pixels that must have been seen
    as background ``min_seen`` times before the model is trusted.
    """

    name = "background"

    def __init__(
        self,
        work_width: int = 320,
        learn_rate: float = 0.05,
        min_seen: int = 5,
        ready_coverage: float = 0.995,
        threshold: float = 3.0,
        min_diff: float = 12.0,
    ) -> None:
        self.work_width = work_width
        self.learn_rate = learn_rate
        self.min_seen = min_seen
        self.ready_coverage = ready_coverage
        self.threshold = threshold
        self.min_diff = min_diff
        self.reset()

    def reset(self) -> None:
        """Forget the scene (camera moved)."""
        self._bg: Optional[np.ndarray] = None  # float32 hxwx3
        self._var: Optional[np.ndarray] = None  # float32 hxw, noise variance per pixel
        self._seen: Optional[np.ndarray] = None  # uint16 hxw, frames learned as background
        self._frozen: Optional[np.ndarray] = None  # bool hxw, person pixels: do not learn
        self._last_fg: Optional[np.ndarray] = None
        self._small: Optional[np.ndarray] = None
        self._small8: Optional[np.ndarray] = None  # _small as uint8 (see _shrink)
        self._shadow: Optional[np.ndarray] = None
        # What the last frame's shadow is made from, until it is made (see _shadow_mask).
        self._shadow_parts: Optional[tuple] = None
        self._tick = 0
        self.last_gain = np.ones(3, np.float32)
        # The exposure gains of the last few segmented frames (see _learn), and the last segmented
        # image (its ``_small`` and ``last_gain`` are that frame's).
        self._gains: deque[np.ndarray] = deque(maxlen=RECENT_GAINS)
        self._seg_image: Optional[np.ndarray] = None
        self._full_size: Optional[tuple[int, int]] = None
        self._thr2_cache: Optional[np.ndarray] = None
        self._bb_cache: Optional[np.ndarray] = None
        self._coverage_cache: Optional[tuple[int, float]] = None
        self._bg4_cache: Optional[np.ndarray] = None
        # The last segmented frame's squared colour difference per channel from the model as it is
        # (with that frame's ``small``), until the model learns: its learning step reuses it.
        self._sq: Optional[tuple[np.ndarray, np.ndarray]] = None

    @property
    def coverage(self) -> float:
        """Fraction of the scene learned as empty background often enough."""
        if self._seen is None:
            return 0.0
        # Read several times a frame (ready, state, the segmenter's checks); it changes only when
        # the model learns, which drops the cached value (kept with the ``min_seen`` it was counted for).
        if self._coverage_cache is None or self._coverage_cache[0] != self.min_seen:
            self._coverage_cache = (self.min_seen,
                                    float(np.count_nonzero(self._seen >= self.min_seen)) / self._seen.size)
        return self._coverage_cache[1]

    @property
    def ready(self) -> bool:
        return self.coverage >= self.ready_coverage

    @property
    def state(self) -> SegmenterState:
        mode = SegmenterMode.TRUSTED if self.ready else SegmenterMode.LEARNING
        return SegmenterState(mode, self.name, False, self.coverage)

    def _shrink(self, image: np.ndarray) -> np.ndarray:
        h, w = image.shape[:2]
        if self._full_size != (w, h):
            self.reset()
            self._full_size = (w, h)
        ws = _work_size(w, h, self.work_width)
        small = image if ws == (w, h) else cv2.resize(image, ws, interpolation=cv2.INTER_AREA)
        self._small8 = small  # the same pixels as uint8 (exact: they are whole levels)
        return small.astype(np.float32)

    def learn(self, image: np.ndarray, person_mask: Optional[np.ndarray] = None) -> None:
        """Learn the scene from ``image`` except where ``person_mask`` is set.

        Used to bootstrap from a learned segmenter while a person is in view.
        """
        # The frame just segmented: its reduced copy is at hand, and its exposure gain is known.
        small = self._small if image is self._seg_image and self._small is not None else self._shrink(image)
        if self._bg is not None:
            # The whole frame 2x darker or brighter than the learned scene: a covered
            # lens or the lights going off, not the room. Learning it would leave a
            # stale model when the view comes back. (A moved camera sees a different
            # room at similar brightness: AutoSegmenter relearns that.)
            ratio = float(np.mean(cv2.mean(small)[:3])) / max(1.0, float(np.mean(cv2.mean(self._bg)[:3])))
            if ratio < 0.5 or ratio > 2.0:
                return
        keep = self._keep(person_mask, small, 9)
        if person_mask is not None:
            keep &= 1 - self._below_people(person_mask, small.shape[:2])
        self._learn(small, keep)

    LEGS_FROM = 0.45  # the legs' zone of a person blob starts this far down it (from its top)
    # How far beside the columns of a person's sure pixels a shadow-like region joined to them is still
    # taken for the person, as a fraction of their height in the picture: at the bottom of a hinge the
    # buttocks and the backs of the thighs stand out behind the trunk and the far leg by up to a tenth
    # of it, and trousers a darker grey than a grey wall read "shadow-like" there (_behind_columns).
    SHADOW_REACH = 0.12

    @classmethod
    def _below_people(cls, person_mask: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
        """uint8 mask at the model's size (1 = not learned from a learned mask): the legs' zone.

        A learned mask often misses legs in clothing like the floor or wall, and whatever it
        misses would become "background" for good. People stand on the floor: below the upper
        part of each person (the columns they span, widened, from ``LEGS_FROM`` of their height
        down to the bottom of the frame) nothing is learned until they move away. Only the lower
        part: the columns under a whole person never came free while someone stood in view from
        power-on (the trunk's places, standing and hinged, lie in each other's columns)."""
        h0, w0 = shape
        pm = cv2.resize(person_mask, (w0, h0), interpolation=cv2.INTER_NEAREST)
        out = np.zeros((h0, w0), np.uint8)
        n, _, stats, _ = cv2.connectedComponentsWithStats(pm, connectivity=8)
        for i in range(1, n):
            x, y, w, h, area = (int(v) for v in stats[i])
            if area < 20:
                continue
            g = max(2, w // 4)
            out[y + int(cls.LEGS_FROM * h) :, max(0, x - g) : x + w + g] = 1
        return out

    def unknown(self) -> Optional[np.ndarray]:
        """uint8 mask at the model's size: 1 where the empty scene has not been seen often enough."""
        if self._seen is None:
            return None
        return (self._seen < self.min_seen).astype(np.uint8)

    def known_outside(self, person_mask: np.ndarray) -> bool:
        """The scene is known everywhere but under the person in ``person_mask`` (full resolution)
        and their legs' zone: the model can outline the rest of them (see AutoSegmenter)."""
        unk = self.unknown()
        if unk is None:
            return False
        zone = cv2.bitwise_or(self._keep(person_mask, unk, 9) ^ 1, self._below_people(person_mask, unk.shape))
        stray = cv2.countNonZero(cv2.bitwise_and(unk, 1 - zone))
        return stray <= (1.0 - self.ready_coverage) * unk.size

    @staticmethod
    def _keep(person_mask: Optional[np.ndarray], small: np.ndarray, grow: int) -> np.ndarray:
        """uint8 mask (1 = learn here): everything but the dilated person."""
        if person_mask is None:
            return np.ones(small.shape[:2], np.uint8)
        if person_mask.shape[:2] != small.shape[:2]:  # (a nearest-neighbour resize to the same size is a copy)
            person_mask = cv2.resize(person_mask, (small.shape[1], small.shape[0]), interpolation=cv2.INTER_NEAREST)
        # Masks miss hair, fingers and the weight's edge: keep well clear of the person.
        pm = cv2.dilate(person_mask, np.ones((grow, grow), np.uint8))
        return (pm == 0).view(np.uint8)  # 0/1

    def _learn(self, small: np.ndarray, keep: np.ndarray, boost: float = 1.0) -> None:
        self._shadow_mask()  # made from the model as it was, before it learns (in place) below
        # (The coverage cache stays until the counts change, at the end: ``ready`` below reads it.)
        self._thr2_cache = self._bb_cache = self._bg4_cache = None
        sq, self._sq = self._sq, None
        if self._bg is None:
            self._coverage_cache = None
            self._bg = small.copy()
            self._var = np.full(small.shape[:2], 16.0, np.float32)
            self._seen = keep.astype(np.uint16)
            self._n_learn = 1
            return
        assert self._var is not None and self._seen is not None
        if small is self._small and self.ready and len(self._gains) == RECENT_GAINS:  # the frame just segmented
            # Learned at the mean brightness of the last few frames, not at this frame's: lights on
            # 50 Hz mains flicker at 100 Hz, which a camera at 15 or 30 fps sees as a wobble repeating
            # every third frame, and one frame in three is learned, at the same phase (in a wobble, for 32
            # frames at a time since round 66: ``_learns_on``). The scene went to that frame's
            # brightness while the pixels under a person kept the mean they were learned at before; the
            # exposure gain matches the model to each frame as a whole, so those pixels were left off by
            # the wobble: a speckled ghost beside the legs once the person moved
            # (random scene 329, 9 % flicker). A lasting change of light still comes through: the mean
            # follows it within a few frames.
            fast = self.last_gain / (sum(self._gains) / RECENT_GAINS)
            if np.any(np.abs(fast - 1.0) > 0.02):
                small = small * (1.0 / fast)
        # Pixels never seen as background start from their first clean look.
        # (Masks below are 0/1 or 0/255 uint8 made by OpenCV: the same pixels as the boolean steps
        # they replace, without numpy's temporaries.)
        fresh = cv2.bitwise_and(cv2.compare(self._seen, 0, cv2.CMP_EQ), keep)
        if cv2.countNonZero(fresh):  # (usually none once the scene is known: nothing to copy)
            cv2.copyTo(small, fresh, self._bg)
            sq = None  # the model changed there
        self._n_learn += 1
        # Early on, learn fast (running mean); later, a slow blend follows drift.
        a = min(1.0, max(self.learn_rate * boost, 1.0 / self._n_learn))
        if sq is not None and sq[0] is small:  # segment squared this difference already
            d2 = cv2.transform(sq[1], _MEAN3)
        else:
            d = cv2.subtract(small, self._bg)
            d2 = cv2.transform(cv2.multiply(d, d, dst=d), _MEAN3)
        # Noise is learned from inliers only: a person walking through (their
        # blurred edges are not inside the protected mask) must not inflate the
        # noise estimate and so blind the model where they will stand.
        inlier = cv2.bitwise_and(cv2.compare(d2, np.maximum(9.0 * self._var, 36.0), cv2.CMP_LE), keep)  # 0/1
        if self.ready:
            # Foreground that is not the person (a ghost, a moved chair) fades in
            # slowly; real background follows drift at the normal rate.
            outlier = cv2.subtract(keep, inlier)  # keep & not inlier (inlier lies inside keep)
            # Only inside the outliers' box (usually a few pixels): outside it the mask is empty.
            ox, oy, ow, oh = cv2.boundingRect(outlier)
            if ow > 0:
                r = (slice(oy, oy + oh), slice(ox, ox + ow))
                cv2.accumulateWeighted(small[r], self._bg[r], a * 0.1, outlier[r])
            cv2.accumulateWeighted(small, self._bg, a, inlier)
        else:
            cv2.accumulateWeighted(small, self._bg, a, keep)
        cv2.accumulateWeighted(d2, self._var, a, inlier)
        np.maximum(self._var, 4.0, out=self._var)
        # Counts stop at 60000 (uint16). Each learning step adds at most 1 and the first set them to 0/1, so
        # before step 60000 none is there yet and the cap's mask would be ``keep`` itself.
        below_cap = keep
        if self._n_learn > 60000:
            below_cap = cv2.bitwise_and(keep, cv2.compare(self._seen, 60000, cv2.CMP_LT))
        cv2.add(self._seen, 1, dst=self._seen, mask=below_cap)
        self._coverage_cache = None  # ``ready`` above read the counts before this frame's

    def _thr2(self) -> np.ndarray:
        """Squared colour-difference threshold per pixel (cached until the model learns)."""
        if self._thr2_cache is None:
            assert self._var is not None
            self._thr2_cache = np.maximum(self._var * (3.0 * self.threshold**2), self.min_diff**2)
        return self._thr2_cache

    def _bb(self) -> np.ndarray:
        """|B|^2 + 1 of the background colour per pixel (cached until the model learns)."""
        if self._bb_cache is None:
            assert self._bg is not None
            self._bb_cache = cv2.transform(cv2.multiply(self._bg, self._bg), _SUM3) + 1.0
        return self._bb_cache

    def exclude_from_exposure(self, person_mask: Optional[np.ndarray]) -> None:
        """Measure the next frame's exposure gain outside ``person_mask`` (full-resolution uint8).

        The gain normally comes from the pixels that were background last frame;
        a model brought back after a while has no last frame, and a whole-frame
        mean with a person in it reads dark clothing as the lights dimming.
        """
        if person_mask is None or self._bg is None:
            self._last_fg = None
            return
        h, w = self._bg.shape[:2]
        pm = cv2.resize(person_mask, (w, h), interpolation=cv2.INTER_NEAREST)
        self._last_fg = (cv2.dilate(pm, np.ones((5, 5), np.uint8)) > 0).astype(np.uint8)

    def _shadow_mask(self) -> Optional[np.ndarray]:
        """The last segmented frame's shadow over the whole model (bool), made on first use."""
        if self._shadow is None and self._shadow_parts is not None:
            small, bg, bb, limit, cols, shadow = self._shadow_parts
            if shadow is None:
                if bb is None:
                    bb = cv2.transform(cv2.multiply(bg, bg), _SUM3) + 1.0
                shadow = _shadow_like(small, bg, bb)
            if limit > 0 and cols is not None:
                shadow[:limit, cols] = False
            self._shadow = shadow
            self._shadow_parts = None
        return self._shadow

    def segment(self, image: np.ndarray) -> Optional[Segmentation]:
        small = self._shrink(image)
        self._small = small
        if self._bg is None:
            return None
        assert self._var is not None
        bg = self._bg
        # Exposure/lighting change: scale the model by the per-channel gain seen on
        # pixels that were background last frame.
        # (A 1-in-16 grid of pixels gives the same means for a sixteenth of the cost.)
        # (The grid as uint8: its means are the float frame's, sums of whole levels being exact.)
        ref = None if self._last_fg is None else cv2.compare(_grid4(self._last_fg), 0, cv2.CMP_EQ)
        if ref is None or cv2.countNonZero(ref) > 20:
            num = np.array(cv2.mean(_grid4(self._small8), mask=ref)[:3], np.float32)
            if self._bg4_cache is None:  # the model's grid, cached until it learns
                self._bg4_cache = _grid4(bg)
            den = np.maximum(np.array(cv2.mean(self._bg4_cache, mask=ref)[:3], np.float32), 1.0)
            gain = np.clip(num / den, 0.3, 3.0)
            self.last_gain = gain
            if np.any(np.abs(gain - 1.0) > 0.02):
                bg = bg * gain
                if np.any(gain > 1.0):
                    # The picture the model predicts clips as the camera's does: a bright wall at 255 in a
                    # brighter frame reads 255, not foreground (the bright phase of a flickering light).
                    np.minimum(bg, 255.0, out=bg)
        self._gains.append(self.last_gain)
        self._seg_image = image
        d = cv2.subtract(small, bg)
        d2 = cv2.transform(cv2.multiply(d, d, dst=d), _SUM3)  # squared in place
        # Kept for the learning step (see _learn) when it is the model's own difference (no gain applied).
        self._sq = (small, d) if bg is self._bg else None
        thr2 = self._thr2()
        bb = self._bb() if bg is self._bg else None  # else made where needed
        # A frame the model will learn from (the next feedback's, see there; a model not ready yet
        # learns from every frame it segments) needs the whole frame's shadow: made here, once, and
        # its box read from it below instead of working the box's out again (the same elementwise
        # steps on the same pixels). Any other frame makes only the box's.
        whole = None
        if self._learns_on(self._tick + 1):
            if bb is None:
                bb = cv2.transform(cv2.multiply(bg, bg), _SUM3) + 1.0
            whole = _shadow_like(small, bg, bb)
        # Only pixels whose colour differs beyond the noise (score > 1) can become foreground:
        # everything below is worked out inside their bounding box (plus 2 px for the 3x3
        # openings), typically a tenth of the frame. Outside it nothing is foreground, the same
        # as over the whole frame. The whole frame's shadow is needed only to learn (one frame
        # in three once the scene is known): it is made then (:meth:`_shadow_mask`).
        # The box from d2 > thr2: it holds every pixel of score = d2 / thr2 > 1 (a correctly rounded
        # quotient of d2 <= thr2 is <= 1), so the score is divided out inside the box only.
        hs, ws = d2.shape[:2]
        bx, by, bw, bh = cv2.boundingRect(cv2.compare(d2, thr2, cv2.CMP_GT))
        x0, y0 = max(bx - 2, 0), max(by - 2, 0)
        x1, y1 = min(bx + bw + 2, ws), min(by + bh + 2, hs)
        roi = (slice(y0, y1), slice(x0, x1))
        fg_small = np.zeros((hs, ws), np.uint8)
        graded_r = None
        limit, cols = 0, None
        if bw > 0:
            score_r = cv2.divide(d2[roi], thr2[roi])
            if whole is not None:
                shadow = whole[roi].copy()
            else:
                bb_r = bb[roi] if bb is not None else cv2.transform(cv2.multiply(bg[roi], bg[roi]), _SUM3) + 1.0
                shadow = _shadow_like(small[roi], bg[roi], bb_r)
            # A person's own shadow lies on the floor around their feet; in the columns of
            # a person, above their lowest part, "darker with the same hue" is far more
            # often a grey or white shirt in front of a white wall. A shadow-like region
            # with no person in its columns (a lamp blocked) stays a shadow.
            solid = ((score_r > 1.0) & ~shadow).view(np.uint8)
            solid = cv2.morphologyEx(solid, cv2.MORPH_OPEN, _K3)  # not speckle
            rows = np.flatnonzero(solid.any(axis=1))
            if len(rows):
                top, low = int(rows[0]) + y0, int(rows[-1]) + y0
                limit = int(low - 0.15 * (low - top))
                col_any = np.zeros((1, ws), np.uint8)
                col_any[0, x0:x1] = solid.any(axis=0)
                cols = cv2.dilate(col_any, _K1x9)[0] > 0
                if limit > y0:
                    shadow[: limit - y0, cols[x0:x1]] = False
                    _behind_columns(shadow, solid, score_r, col_any[0, x0:x1], cols[x0:x1], limit - y0,
                                    int(round(self.SHADOW_REACH * (low - top))))
            score_r = cv2.bitwise_and(score_r, score_r, mask=(~shadow).view(np.uint8))  # 0 on shadow
            fg_r = (score_r > 1.0).view(np.uint8)
            fg_small[roi] = fg_r
            # Speckle removal at the model's resolution (cheap), then upsample the
            # *graded* score (threshold at 64 of 255) so the full-resolution outline is
            # interpolated between model pixels rather than blocky.
            opened = cv2.morphologyEx(fg_r, cv2.MORPH_OPEN, _K3)
            graded_r = cv2.multiply(cv2.convertScaleAbs(score_r, alpha=64.0, beta=-0.5), opened)  # floor(64 score)
        # Never learn shadow pixels: a shadow moves with the person, and dark
        # clothing in front of a wall of the same hue reads as "shadow" -- learning
        # it would eat the person away while they stand still.
        self._shadow = None
        self._shadow_parts = (small, bg, bb, limit if limit > 0 else 0, cols, whole)
        self._last_fg = fg_small
        h, w = image.shape[:2]
        mask = np.zeros((h, w), np.uint8)
        if graded_r is None:
            return Segmentation(mask, self.name)
        f = w // ws
        if (w, h) == (ws, hs):
            mask[roi] = cv2.threshold(graded_r, 63, 255, cv2.THRESH_BINARY)[1]
        elif (w, h) == (f * ws, f * hs) and f in (2, 4, 8):
            # The box alone, upsampled: with a scale that is a power of two its pixels map onto
            # the frame's exactly as in a resize of the whole model (the same interpolation
            # weights), and its 2-px margin of zeros gives the same values at its edges.
            up = cv2.resize(graded_r, ((x1 - x0) * f, (y1 - y0) * f), interpolation=cv2.INTER_LINEAR)
            mask[f * y0 : f * y1, f * x0 : f * x1] = cv2.threshold(up, 63, 255, cv2.THRESH_BINARY)[1]
        else:
            graded = np.zeros((hs, ws), np.uint8)
            graded[roi] = graded_r
            graded = cv2.resize(graded, (w, h), interpolation=cv2.INTER_LINEAR)
            _, mask = cv2.threshold(graded, 63, 255, cv2.THRESH_BINARY)
        return Segmentation(mask, self.name)

    def _learns_on(self, tick: int) -> bool:
        """Whether :meth:`feedback` number ``tick`` learns. Once the scene is known, learning every
        third frame (at triple rate) follows drift just as well for a third of the cost.

        While the light wobbles, which of the three moves on every ``LEARN_PHASE_FRAMES`` frames. Lights
        on 50 Hz mains wobble with a period of exactly three frames at 15 and 30 fps, so a fixed one would
        learn the scene at one phase of the wobble only. :meth:`_learn` takes that phase's gain back out,
        but not where the picture clipped: a bright wall at 255 in the bright phase was learned a few
        levels dark, and in the dim phases it stood out of the model as foreground that merged with the
        person (random scene 2920 shaded: two frames in three of a deep rounded rep unmeasured, read
        `good`). In a steady light the phase stays (which frames are learned changes nothing there but
        the noise learned)."""
        if not self.ready:
            return True
        return tick % 3 == ((tick // LEARN_PHASE_FRAMES) % 3 if self._wobbling() else 0)

    def _wobbling(self) -> bool:
        """Whether the exposure gain of the last ``RECENT_GAINS`` frames spreads by more than
        ``WOBBLE_GAIN`` (a flickering light; a camera's noise moves it by a few tenths of a percent)."""
        if len(self._gains) < RECENT_GAINS:
            return False
        means = [float(g[0] + g[1] + g[2]) / 3.0 for g in self._gains]
        return max(means) - min(means) > WOBBLE_GAIN

    def second_opinion(self, image: np.ndarray) -> Optional[Segmentation]:
        """No second model here."""
        return None

    def feedback(self, person_mask: PersonMask) -> None:
        """Learn from the last segmented frame everywhere except the tracked person.

        Non-person foreground (a moved chair, a ghost) is learned too, slowly, so
        it fades; the person's pixels are frozen however long they stand still.
        """
        if self._small is None:
            return
        self._tick += 1
        if not self._learns_on(self._tick):
            self._sq = None  # (not learned from: the next frame's is made afresh)
            return
        if callable(person_mask):
            person_mask = person_mask(self._small.shape[:2])
        keep = self._keep(person_mask, self._small, 7)
        shadow = self._shadow_mask()
        if shadow is not None and shadow.shape == keep.shape:
            if not self.ready:
                shadow = self._shadow_blobs_only(shadow)
            keep = cv2.bitwise_and(keep, (~shadow).view(np.uint8))
        self._learn(self._small, keep, boost=3.0 if self.ready else 1.0)

    def _shadow_blobs_only(self, shadow: np.ndarray) -> np.ndarray:
        """``shadow`` (bool) without its scattered specks among the pixels not yet known (a copy).

        Until the scene is known, a pixel seen only in the first frame or two has a model made of that
        frame. If a frame's noise made it "shadow" just after, it kept that frame's brightness while the
        rest of the model moved to the mean of a flickering light, read "shadow" against it from then on,
        and was never learned again: in a light flickering by 8-12 % whose first frame was the bright
        phase, 0.6-3.7 % of the pixels, scattered, stayed so and the model never became ready (the
        background-only segmenter; round 67). A shadow cast by a person is a patch, not specks: those
        stay out."""
        if self._seen is None:
            return shadow
        shadow8 = shadow.view(np.uint8)
        unknown = cv2.compare(self._seen, self.min_seen, cv2.CMP_LT)  # 0/255
        specks = cv2.bitwise_and(shadow8, unknown)
        if not cv2.countNonZero(specks):
            return shadow
        patches = cv2.morphologyEx(shadow8, cv2.MORPH_OPEN, _K3)  # 0/1: a 3x3 square fits there
        out = cv2.bitwise_or(cv2.bitwise_and(shadow8, cv2.bitwise_not(unknown)), patches)
        return out.view(bool)


def _in_frame(box: tuple[int, int, int, int], w: int, h: int) -> tuple[int, int, int, int]:
    """The part of ``box`` (x0, y0, x1, y1, may reach beyond the frame) inside a ``w`` x ``h`` frame."""
    x0, y0, x1, y1 = box
    return max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)


def _paste(prob: np.ndarray, sub: np.ndarray, box: tuple[int, int, int, int]) -> None:
    """Write ``sub``, the probability over the part of ``box`` inside the frame, into the frame-sized
    ``prob`` there."""
    x0, y0, x1, y1 = _in_frame(box, prob.shape[1], prob.shape[0])
    prob[y0:y1, x0:x1] = sub


def _square(box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """The square box of the same centre whose side is ``box``'s longer side."""
    x0, y0, x1, y1 = box
    side = max(x1 - x0, y1 - y0)
    X0, Y0 = (x0 + x1 - side) // 2, (y0 + y1 - side) // 2
    return X0, Y0, X0 + side, Y0 + side


def _box_side(box: tuple[int, int, int, int]) -> int:
    """The longer side of an (x0, y0, x1, y1) box."""
    return max(box[2] - box[0], box[3] - box[1])


class SelfieSegmenter:
    """The learned person mask: mediapipe's selfie segmentation model (bundled in mediapipe 0.10.18, offline).

    ``model``: ``"general"`` (256x256 input) or ``"landscape"`` (144x256, faster).
    ``input_width``: the frame is shrunk to this width before inference (the model
    sees 256 px anyway); the soft mask is upsampled to full resolution.
    ``runtime``: ``"auto"`` runs the model file in OpenCV's DNN module without
    importing mediapipe (about 80 MB less memory), or through mediapipe where OpenCV
    cannot; ``"opencv"`` / ``"mediapipe"`` force one (see :mod:`device.vision.learned_mask`).
    :meth:`release` frees the model while it is not needed; the next frame loads it again.
    """

    name = "selfie"

    def __init__(self, model: str = "general", input_width: int = 320, threshold: float = 0.5,
                 runtime: str = "auto", exposure_target: float = 120.0, max_gain: float = 4.0,
                 crop: bool = True, crop_pad: float = 0.15, crop_keep: int = 30,
                 crop_cut_max: float = 0.125, turn_min_deg: float = 35.0, turn_ratio: float = 0.8,
                 turn_upper: float = 0.55, tile_wide: bool = True,
                 tile_min_height: float = 0.2) -> None:
        self.model = model
        # The whole-frame pass that finds the person squeezes the frame onto the model's square input. A
        # 16:9 frame's people come out 0.56 as wide as they are, and the model found someone standing still
        # only down to the knees (`camouflage` seed 0 at 1280x720: rows 122-425 of 123-660), or only their
        # shoulders (`standing_start` seed 1: rows 244-401 of 243-687), so the square crop around what it
        # found cut the rest off, and the standing height, the trunk's length and the back's window
        # followed (a standing back read 35-47 deg of bend, every rep's rounding -15..-37), or the empty scene
        # was learned with the person in it. With ``tile_wide``, a frame wider than 4:3 is looked at in
        # overlapping squares of its height instead, each on the model's square input: people keep their
        # proportions and their size (intersection over union with the drawn person 0.77-0.86 on those
        # frames and `yaw` seed 0's, against 0.10-0.47 squeezed). A 4:3 frame is looked at whole, as before.
        # ``tile_min_height``: what those squares find shorter than this fraction of the frame is dropped
        # (:meth:`_without_small_things`). docs/station-vision.md, round 35.
        self.tile_wide = tile_wide
        self.tile_min_height = tile_min_height
        # The model sees the whole frame squeezed onto 256x256: a person standing at 2-3 m is then
        # 20-30 px wide in its input, and it loses the trunk of someone in a shirt the colour of the
        # wall (only the head, the weight and the feet were found). So the person is looked for on the
        # whole frame first, then the model runs again on a square crop around them (``crop_pad`` of
        # its side added all round) and that outline replaces the first inside the crop.
        self.crop = crop
        self.crop_pad = crop_pad
        # The whole-frame mask sometimes keeps only a fragment of the person (the ball, or nothing) for
        # half a second as they bend: the last whole crop is used for up to ``crop_keep`` frames then.
        self.crop_keep = crop_keep
        self.crop_cut_max = crop_cut_max  # see _frame_box
        # The model was made for upright people. At the bottom of a deep hinge it sometimes loses most of
        # the trunk for a few frames (a shirt the colour of the wall: `standing_start` seed 5, `camouflage`
        # seed 5), and a rounded rep was then judged from its upper frames. While the person leans
        # ``turn_min_deg`` or more, the crop is also outlined turned so the trunk stands upright, and that
        # outline replaces the first where the first covers less than ``turn_ratio`` of its area over the
        # upper ``turn_upper`` of their rows (the first lost part of the trunk). Turned, the model's outline
        # is a little coarser (the turned crop is padded to keep its corners), so it is not used where the
        # first is whole. docs/station-vision.md, round 21.
        self.turn_min_deg = turn_min_deg
        self.turn_ratio = turn_ratio
        self.turn_upper = turn_upper
        self.turned = 0  # frames whose crop outline came from the turned picture
        self.looked_closer = 0  # frames where only the squares of ``look_closer`` found someone
        self._last_box: Optional[tuple[int, int, int, int]] = None
        self._since_box = 0
        # A dim frame is brightened before the model sees it (what a camera's auto exposure would
        # do): ``exposure_target`` is the mean brightness (0-255) it is raised to, by at most
        # ``max_gain``; brighter frames are left as they are. In a dim room (mean about 50) the
        # model's outline stood 9-16 px behind the back (a bulge to the wall); raised, 1-4 px.
        self.exposure_target = exposure_target
        self.max_gain = max_gain
        self.runtime = runtime
        self.input_width = input_width
        self.threshold = threshold
        self.last_prob: Optional[np.ndarray] = None
        self._model = None
        self._load()  # now, so a missing model is reported at start, not mid-set

    def _load(self) -> None:
        from device.vision import learned_mask  # noqa: PLC0415

        try:
            with _quiet_stderr():
                m = learned_mask.open_model(self.model, self.runtime)
                # mediapipe's graph starts its calculators (and logs the TFLite delegate) in
                # worker threads after the constructor returns, and OpenCV's network allocates
                # on its first run: one blank frame inside the quiet window does both.
                m(np.zeros((64, 64, 3), np.uint8))
        except learned_mask.LearnedMaskError as e:
            raise SegmentationError(f"{e}; or use the background-model segmenter") from None
        self._model = m
        self._warm = False

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def release(self) -> None:
        """Free the model (and hand the memory back); the next :meth:`segment` loads it again."""
        if self._model is None:
            return
        from device.vision import learned_mask  # noqa: PLC0415

        self._model.close()
        self._model = None
        learned_mask.release_freed_memory()

    def segment(self, image: np.ndarray, within: Optional[tuple[int, int, int, int]] = None,
                lean: Optional[float] = None, look_closer: bool = False) -> Optional[Segmentation]:
        """The learned mask of ``image``. ``within``: an (x0, y0, x1, y1) box the caller knows holds
        everything in view that may be a person (the trusted background model's foreground). When the
        last crop box holds it, the model runs on that crop only (outside it the probability is 0):
        the whole-frame pass, there to find the person, is skipped (speed; docs/vision-speed.md, round 6).
        ``lean``: see :class:`Segmenter` and ``turn_min_deg`` in the constructor.
        ``look_closer``: a landscape frame in which the whole-frame pass finds nobody is looked at again in
        squares of its height (as a wide frame always is, ``tile_wide``) before it is called empty. Asked for
        while the empty scene is being learned (:class:`AutoSegmenter`), where a person the model misses is
        learned as part of the room: squeezed onto the model's input a small figure at the edge of a 4:3
        frame can go unseen (`standing_start` seed 32: a person 200 px tall at the left edge of a 640x480
        frame, backlit, probability 0.000 everywhere; in a 480 px square of the same frame, found whole). It
        costs two more passes of the model on such a frame, and only what the squares find at least
        ``tile_min_height`` of the frame tall is taken (an empty room's specks are not)."""
        last = self._last_box
        if (within is not None and self.crop and last is not None and last[0] <= within[0]
                and last[1] <= within[1] and within[2] <= last[2] and within[3] <= last[3]):
            sub = self._infer_box(image, last)
            if sub is not None:
                sub = self._upright(image, last, sub, lean)
                prob = np.zeros(image.shape[:2], np.float32)
                _paste(prob, sub, last)
                return self._segmentation(prob)
        prob = self._infer_whole(image)
        if prob is None:
            return None
        h, w = image.shape[:2]
        if (look_closer and w > h and not self._tiled(image)
                and not (prob > self.threshold).any()):
            closer = self._infer_squares(image)
            if closer is not None and self._person_sized(closer):
                prob = closer
                self.looked_closer += 1
        if self.crop:
            last = self._last_box
            box = self._person_box(prob, last if self._since_box < self.crop_keep else None)
            if last is not None and self._since_box < self.crop_keep and (
                    box is None or _box_side(box) < 0.6 * _box_side(last)):
                # A person does not shrink to a fragment from one frame to the next: the mask lost them.
                box = last if box is None else self._frame_box(
                    _square((min(box[0], last[0]), min(box[1], last[1]), max(box[2], last[2]), max(box[3], last[3]))),
                    prob.shape[1], prob.shape[0])
                self._since_box += 1
            elif box is not None:
                self._last_box, self._since_box = box, 0
            if box is not None:
                sub = self._infer_box(image, box)
                if sub is not None:
                    sub = self._upright(image, box, sub, lean)
                    prob = prob.copy() if prob.base is not None else prob
                    _paste(prob, sub, box)
        return self._segmentation(prob)

    def _without_small_things(self, prob: np.ndarray) -> np.ndarray:
        """``prob`` (a whole-frame pass made in squares) without its blobs shorter than ``tile_min_height``
        of the frame.

        In a square of the frame's height the model sees small things larger and takes some for people (a
        weight plate hanging on the wall of random scene 408 at 1280x720: the checks then found the
        background model "missing" it and distrusted it for the whole set). Nobody that short is taken for
        a person anyway (``EstimatorParams.min_height_frac``), and a part of the person that came apart
        from the rest (the head, a weight) is outlined again by the crop around them."""
        h, w = prob.shape[:2]
        f = 4
        small = (np.ascontiguousarray(prob[::f, ::f]) > self.threshold).astype(np.uint8)
        n, labels, stats, _ = cv2.connectedComponentsWithStats(small, connectivity=8)
        drop = stats[:, cv2.CC_STAT_HEIGHT] * f < self.tile_min_height * h
        drop[0] = False  # the background
        if not drop.any():
            return prob
        # One cell more all round (the blob's fringe below the threshold at this scale), never onto a blob kept.
        gone = (cv2.dilate(drop[labels].astype(np.uint8), _K3) & (labels == 0)) | drop[labels]
        gone = cv2.resize(gone.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST)
        prob = prob.copy() if prob.base is not None else prob
        prob[gone > 0] = 0.0
        return prob

    def _tiled(self, image: np.ndarray) -> bool:
        """Whether the whole-frame pass over ``image`` is made in squares (``tile_wide``, wider than 4:3)."""
        h, w = image.shape[:2]
        return self.tile_wide and w * 3 > h * 4

    def _infer_whole(self, image: np.ndarray) -> Optional[np.ndarray]:
        """The model's person probability over the whole frame: in one piece, or on a frame wider than 4:3
        (with ``tile_wide``) in squares of its height spread evenly from edge to edge (two for 16:9,
        overlapping by 160 of 720 px), the larger probability where they overlap, without what the squares
        found shorter than a person (:meth:`_without_small_things`)."""
        if not self._tiled(image):
            return self._infer(image)
        return self._infer_squares(image)

    def _person_sized(self, prob: np.ndarray) -> bool:
        """Whether ``prob`` holds a blob at least ``tile_min_height`` of the frame tall: in squares the model
        also marks specks of an empty room (a few pixels of a poster's edge, a rack's corner), which
        :meth:`_without_small_things`, reading every fourth pixel, can step over."""
        n, _, stats, _ = cv2.connectedComponentsWithStats((prob > self.threshold).view(np.uint8), connectivity=8)
        return n > 1 and int(stats[1:, cv2.CC_STAT_HEIGHT].max()) >= self.tile_min_height * prob.shape[0]

    def _infer_squares(self, image: np.ndarray) -> Optional[np.ndarray]:
        """The model's person probability over a landscape frame looked at in squares of its height, spread
        evenly from edge to edge (:meth:`_infer_whole`)."""
        h, w = image.shape[:2]
        n = math.ceil(w / h)
        prob = np.zeros((h, w), np.float32)
        for i in range(n):
            x0 = int(round(i * (w - h) / (n - 1)))
            p = self._infer(np.ascontiguousarray(image[:, x0 : x0 + h]))
            if p is None:
                return None
            np.maximum(prob[:, x0 : x0 + h], p, out=prob[:, x0 : x0 + h])
        return self._without_small_things(prob)

    def _infer_box(self, image: np.ndarray, box: tuple[int, int, int, int]) -> Optional[np.ndarray]:
        """The model's probability on the part inside the frame of ``box`` (x0, y0, x1, y1). A box that
        reaches beyond the frame (a square kept whole by :meth:`_frame_box`) is padded back to its
        square with the frame's edge pixels repeated."""
        x0, y0, x1, y1 = box
        cx0, cy0, cx1, cy1 = _in_frame(box, image.shape[1], image.shape[0])
        crop = image[cy0:cy1, cx0:cx1]
        if (cx0, cy0, cx1, cy1) == (x0, y0, x1, y1):
            return self._infer(np.ascontiguousarray(crop))
        crop = cv2.copyMakeBorder(crop, cy0 - y0, y1 - cy1, cx0 - x0, x1 - cx1, cv2.BORDER_REPLICATE)
        sub = self._infer(crop)
        return None if sub is None else sub[cy0 - y0 : cy1 - y0, cx0 - x0 : cx1 - x0]

    def _upright(self, image: np.ndarray, box: tuple[int, int, int, int], sub: np.ndarray,
                 lean: Optional[float]) -> np.ndarray:
        """``sub`` (the model's answer on ``box``), or the answer on the crop turned so a trunk leaning
        ``lean`` deg stands upright (:meth:`_infer_turned`) where :meth:`_prefers_turned` says so."""
        if lean is None or abs(lean) < self.turn_min_deg:
            return sub
        back = self._infer_turned(image, box, lean)
        if back is None or not self._prefers_turned(sub, back):
            return sub
        self.turned += 1
        return back

    def _infer_turned(self, image: np.ndarray, box: tuple[int, int, int, int], lean: float) -> Optional[np.ndarray]:
        """As :meth:`_infer_box`, on the crop turned by ``lean`` deg about its centre (OpenCV's sense:
        counter-clockwise, so a head to the right comes up) and the answer turned back; the crop is padded
        so that none of its corners is turned out of the picture."""
        x0, y0, x1, y1 = box
        cx0, cy0, cx1, cy1 = _in_frame(box, image.shape[1], image.shape[0])
        crop = cv2.copyMakeBorder(image[cy0:cy1, cx0:cx1], cy0 - y0, y1 - cy1, cx0 - x0, x1 - cx1,
                                  cv2.BORDER_REPLICATE)
        hh, ww = crop.shape[:2]
        big = int(math.ceil(max(hh, ww) * 1.42))  # 1.42 > sqrt 2
        py, px = (big - hh) // 2, (big - ww) // 2
        canvas = cv2.copyMakeBorder(crop, py, big - hh - py, px, big - ww - px, cv2.BORDER_REPLICATE)
        centre = (big / 2.0, big / 2.0)
        turned = self._infer(cv2.warpAffine(canvas, cv2.getRotationMatrix2D(centre, lean, 1.0), (big, big),
                                            borderMode=cv2.BORDER_REPLICATE))
        if turned is None:
            return None
        back = cv2.warpAffine(turned, cv2.getRotationMatrix2D(centre, -lean, 1.0), (big, big))
        return back[py + cy0 - y0 : py + cy1 - y0, px + cx0 - x0 : px + cx1 - x0]

    def _prefers_turned(self, sub: np.ndarray, back: np.ndarray) -> bool:
        """Whether the turned answer ``back`` replaces ``sub`` (both on the same crop): where ``sub``
        covers less than ``turn_ratio`` of its area over the upper ``turn_upper`` of the rows the two span.
        A hinged trunk lies there, and the legs below, outlined alike either way, only dilute what the
        first outline lost."""
        first, other = sub > self.threshold, back > self.threshold
        rows = np.flatnonzero((first | other).any(axis=1))
        if len(rows) == 0:
            return False
        up = int(rows[0] + self.turn_upper * (rows[-1] - rows[0])) + 1
        return bool(np.count_nonzero(first[:up]) < self.turn_ratio * np.count_nonzero(other[:up]))

    def _frame_box(self, box: tuple[int, int, int, int], w: int, h: int) -> tuple[int, int, int, int]:
        """The square ``box`` cut to the frame, or kept whole (reaching beyond it) when that would cut
        more than ``crop_cut_max`` of its side. Squeezed that far out of square onto the model's square
        input, the model lost the trunk of someone near a side of the picture (`camouflage` seed 2, cut
        by 14-22 %: the shirt the colour of the wall gone from the hinged back; on the whole square the
        person is outlined). A crop cut by a little is cut as before: padding it too made the outline a
        little larger (`yaw` seed 0, cut by 11 %: the check's IoU with the background model fell from
        0.87 to 0.81-0.84, the set was handed to the fused mask mid-rep, and its feet read heel lift).
        The limit lies between those two (the largest cut seen harmless, the smallest seen harmful)."""
        side = _box_side(box)
        cut = _in_frame(box, w, h)
        if max(side - (cut[2] - cut[0]), side - (cut[3] - cut[1])) > self.crop_cut_max * side:
            return box
        return cut

    def _segmentation(self, prob: np.ndarray) -> Segmentation:
        """The mask of a probability map (kept as ``last_prob``)."""
        self.last_prob = prob
        mask = (prob > self.threshold).astype(np.uint8) * 255
        return Segmentation(mask, self.name, prob.astype(np.float32) - self.threshold)

    def _person_box(self, prob: np.ndarray,
                    last: Optional[tuple[int, int, int, int]] = None) -> Optional[tuple[int, int, int, int]]:
        """The square crop (x0, y0, x1, y1) around the person's blob of ``prob`` and every blob in its
        columns (the head, a weight and the feet of one person can come apart), or None when nobody
        is found or the crop would be most of the frame anyway. The person's blob is the one with
        most of its pixels inside ``last`` (the last crop box) when one is, else the largest: a
        passer-by larger in the picture does not move the crop off the person it was on (with both in
        the crop the model outlined the passer-by and lost the hinged person, `camouflage` seed 2)."""
        h, w = prob.shape[:2]
        f = 4 if w >= 480 else 2
        small = (np.ascontiguousarray(prob[::f, ::f]) > self.threshold).astype(np.uint8)
        n, labels, stats, _ = cv2.connectedComponentsWithStats(small, connectivity=8)
        if n <= 1:
            return None
        areas = stats[1:, cv2.CC_STAT_AREA]
        big = 1 + int(np.argmax(areas))
        if last is not None:
            lx0, ly0 = max(last[0], 0) // f, max(last[1], 0) // f
            inside = np.bincount(labels[ly0 : max(last[3], 0) // f, lx0 : max(last[2], 0) // f].ravel(),
                                 minlength=n)[1:]
            if inside.size and inside.max() >= 4:
                big = 1 + int(np.argmax(inside))
        if areas[big - 1] < 4:
            return None
        bx, by, bw, bh = (int(v) for v in stats[big, :4])
        x0, y0, x1, y1 = bx, by, bx + bw, by + bh
        for i in range(1, n):
            xi, yi, wi, hi, ai = (int(v) for v in stats[i])
            if i != big and ai >= 2 and min(bx + bw, xi + wi) - max(bx, xi) > 0:
                x0, y0, x1, y1 = min(x0, xi), min(y0, yi), max(x1, xi + wi), max(y1, yi + hi)
        x0, y0, x1, y1 = x0 * f, y0 * f, x1 * f, y1 * f
        side = max(x1 - x0, y1 - y0) * (1.0 + 2.0 * self.crop_pad)
        if side >= 0.9 * max(w, h):
            return None
        cx, cy = (x0 + x1) / 2.0, (y0 + y1) / 2.0
        # Square, then cut to the frame unless that cuts off much of it (see _frame_box).
        X0, Y0 = int(round(cx - side / 2)), int(round(cy - side / 2))
        X1, Y1 = X0 + int(round(side)), Y0 + int(round(side))
        if min(X1, w) - max(X0, 0) < 16 or min(Y1, h) - max(Y0, 0) < 16:
            return None
        return self._frame_box((X0, Y0, X1, Y1), w, h)

    def _infer(self, image: np.ndarray) -> Optional[np.ndarray]:
        """The model's person probability for ``image``, at its size (float32, 0..1), or None."""
        if self._model is None:
            self._load()
        assert self._model is not None
        h, w = image.shape[:2]
        ws = _work_size(w, h, self.input_width)
        small = image if ws == (w, h) else cv2.resize(image, ws, interpolation=cv2.INTER_AREA)
        small = self._exposed(small)
        rgb = cv2.cvtColor(small, cv2.COLOR_BGR2RGB)
        if not self._warm:
            # mediapipe builds its interpreter for the real frame size on the first one,
            # logging from C++ again.
            with _quiet_stderr():
                prob = self._model(rgb)
            self._warm = True
        else:
            prob = self._model(rgb)
        if prob is None:
            return None
        if prob.shape[:2] != (h, w):
            prob = cv2.resize(prob, (w, h), interpolation=cv2.INTER_LINEAR)
        return prob

    def _exposed(self, small: np.ndarray) -> np.ndarray:
        """``small`` brightened to ``exposure_target`` if it is darker (never darkened, at most ``max_gain``)."""
        if self.exposure_target <= 0:
            return small
        level = float(np.mean(cv2.mean(small)[:3]))
        gain = min(self.max_gain, self.exposure_target / max(level, 1.0))
        if gain <= 1.0:
            return small
        return cv2.convertScaleAbs(small, alpha=gain)

    @property
    def state(self) -> SegmenterState:
        return SegmenterState(SegmenterMode.LEARNED_ONLY, self.name, self.loaded)

    def feedback(self, person_mask: PersonMask) -> None:
        return None

    def second_opinion(self, image: np.ndarray) -> Optional[Segmentation]:
        """This is the second model."""
        return None

    def close(self) -> None:
        self.release()


class AutoSegmenter:
    """Learned mask until the empty scene is known, then the cheap background model.

    The background model learns from every frame outside the learned person mask.
    Someone standing in view from power-on hides part of the scene until they move,
    and their legs' zone for as long as they stay: as soon as the scene is known
    everywhere but under them, the mask is the background model's with the learned
    one only where the scene is still unknown (:meth:`_partial`), once a check finds
    the background model sees at least ``1 - partial_max_miss`` of the part of them it
    can judge (``min_known`` of their sure core); a check that does not (a shirt the
    colour of the wall) keeps the learned mask until nobody is in view. Once the whole
    scene is known, the learned model re-checks every ``check_every`` frames. If the two masks disagree
    (intersection over union below ``trust_iou`` and the background mask misses
    more than ``max_miss`` of the learned mask's sure core: clothing that matches the wall,
    backlight, a dark floor) the background model is *distrusted*: the learned model
    runs on every frame and the two masks are fused (see :meth:`_fused`); below
    ``min_iou`` the scene itself changed (camera knocked, furniture moved) and the
    background model is relearned, unless a scene remembered from before the last
    relearn fits again (a camera knocked aside and put back).

    Distrust ends on evidence, not on a timer: every ``check_every`` frames the
    background model is run beside the learned one, and it is trusted again only
    when the two agree, or when nobody is in view (a person in a shirt the colour of
    the wall stays camouflaged for as long as they stand there; a timer would hand
    them back to the model that cannot see them, mid-set).

    More than ``max_fg_frac`` of the frame reading as foreground (no person fills
    half a side view), or the whole frame's brightness jumping by more than 2x (lens
    covered, lights off) is a scene change: the background model is frozen (a
    covered lens returns to the same room) and relearned only if it lasts
    ``relearn_after`` frames. Distrust needs ``distrust_after`` disagreeing checks in a row (one
    check can catch the learned mask on a bad frame). Without mediapipe it degrades to the background model
    alone, which then needs the empty scene at start (a warning says so once).
    """

    name = "auto"

    def __init__(
        self,
        learned: Optional[SelfieSegmenter] = None,
        background: Optional[BackgroundModel] = None,
        check_every: int = 30,
        min_iou: float = 0.5,
        trust_iou: float = 0.85,
        max_fg_frac: float = 0.45,
        relearn_after: int = 60,
        max_miss: float = 0.05,
        max_remembered: int = 2,
        recall_every: int = 5,
        distrust_after: int = 2,
        min_known: float = 0.3,
        partial_max_miss: float = 0.01,
        partial_agree: int = 3,
        partial_disagree: int = 6,
    ) -> None:
        self.background = background or BackgroundModel()
        self.min_known = min_known
        self.partial_max_miss = partial_max_miss
        self.partial_agree = partial_agree
        self.partial_disagree = partial_disagree
        self.recall_every = recall_every
        self.recalled = 0
        if learned is None:
            try:
                learned = SelfieSegmenter()
            except SegmentationError as e:
                import warnings  # noqa: PLC0415

                warnings.warn(f"{e}; falling back to the background model, which needs an empty scene at start")
                learned = None
        self.learned = learned
        self.check_every = check_every
        self.distrust_after = distrust_after
        self._disagreed = 0
        self.min_iou = min_iou
        self.trust_iou = trust_iou
        self.max_fg_frac = max_fg_frac
        self.relearn_after = relearn_after
        self.max_miss = max_miss
        self.last_miss: Optional[float] = None
        self._changed = 0
        self._n = 0
        self.distrusted = False
        self._partial_ok = False  # the background model with the learned mask under the person agreed at a check
        self._partial_banned = False  # ... or it missed part of them: not again until nobody is in view
        self._partial_run = 0  # frames in a row its check agreed (> 0) or disagreed (< 0)
        self._lean: Optional[float] = None  # the person's lean given with this frame (see segment)
        self.last_backend = ""
        self.last_iou: Optional[float] = None
        # This frame's trusted background mask and, on a check frame, the learned mask it was checked
        # against (each with the frame number), for second_opinion.
        self._trusted_now: Optional[tuple[int, Segmentation]] = None
        self._check_now: Optional[tuple[int, Segmentation]] = None
        self.opinions = 0  # second opinions that ran the learned model (check frames reuse theirs)
        # Empty scenes learned before a relearn (camera knocked aside and put back,
        # a door opened and closed): tried again before learning from scratch.
        self._remembered: list[BackgroundModel] = []
        self.max_remembered = max_remembered

    def _relearn(self, image: np.ndarray, person_mask: Optional[np.ndarray] = None) -> None:
        """Start a new empty-scene model, keeping the old one (if complete) to try later."""
        if self.background.ready:
            self._remembered.insert(0, copy.deepcopy(self.background))
            del self._remembered[self.max_remembered :]
        self.background.reset()
        self._partial_ok = self._partial_banned = False
        self._partial_run = 0
        if person_mask is not None:
            self.background.learn(image, person_mask)

    def _recall(self, image: np.ndarray, ref: Optional[Segmentation]) -> Optional[Segmentation]:
        """A remembered scene model that explains this frame, swapped in; else None.

        It fits when it reads a plausible foreground (not most of the frame) and
        agrees with the learned mask about the person, or both see nobody.
        """
        for i, model in enumerate(self._remembered):
            model.exclude_from_exposure(None if ref is None else ref.mask)
            seg = model.segment(image)
            if seg is None or cv2.countNonZero(seg.mask) > 0.25 * seg.mask.size:
                continue
            if ref is not None and self._agree(ref, seg) is False:
                continue
            if ref is None and cv2.countNonZero(seg.mask) > 0.01 * seg.mask.size:
                continue
            current = self.background
            self.background = model
            del self._remembered[i]
            if current.ready:
                self._remembered.insert(0, current)
            self._changed = 0
            self.recalled += 1
            return seg
        return None

    def _use_learned(self, image: np.ndarray, seg: Optional[Segmentation] = None) -> Optional[Segmentation]:
        """The learned mask (``seg`` if already computed for this frame); the empty scene learns around it."""
        assert self.learned is not None
        if seg is None:
            seg = self.learned.segment(image)
        self.background._shrink(image)
        if seg is not None:
            # Keep learning the empty scene around the person meanwhile.
            self.background.learn(image, seg.mask)
        self.last_backend = self.learned.name
        return seg

    def _fused(self, image: np.ndarray) -> Optional[Segmentation]:
        """While the background model is distrusted: its mask plus what only the learned one sees.

        Each model's usual failure is a *miss* -- the background model loses clothing
        the colour of the wall, the learned model (256 px input) loses thin legs or
        trousers the colour of the floor -- and neither often marks empty scene as a
        person. So the mask is where both agree, plus the whole regions that only one of
        them covers (a shirt the colour of the wall, legs the learned model lost) -- whole,
        even where the other model's fragments nick them (:func:`_thick_parts`). Thin
        slivers where the two outlines merely differ by a few pixels are dropped: the
        learned model's outline is blurry, and it would make a smooth back bumpy.
        """
        assert self.learned is not None
        ref = self.learned.segment(image, lean=self._lean)
        seg = self.background.segment(image)
        self.last_backend = self.learned.name
        if ref is None:
            return None
        person, sharp = ref.mask, None
        if seg is not None and cv2.countNonZero(seg.mask) <= self.max_fg_frac * seg.mask.size:
            if self._n % self.check_every == 0 and self._agree(ref, seg) is not False:
                self.distrusted = False
                self._disagreed = 0
            person, sharp = _fuse(ref.mask, seg.mask), seg.mask
            self.last_backend = FUSED
        self.background.learn(image, person)
        return Segmentation(person, self.last_backend, sharp=sharp)

    def _partial(self, image: np.ndarray, ref: Segmentation) -> Optional[Segmentation]:
        """The scene is known everywhere but under the person (in view since power-on): the
        background model's mask, with the learned one only where the scene is still unknown.

        The back and the trunk then have the background model's outline (steady to a fraction of
        a pixel) long before the person leaves; the learned model covers the legs' zone until
        they move. It is used once ``partial_agree`` frames in a row found that it sees what the
        learned mask sees where the scene is known (:meth:`_agree_known`; the learned model runs on
        every frame here anyway, so the check is cheap), and no longer after ``partial_disagree``
        frames in a row found it does not (a shirt the colour of the wall), until nobody is in view:
        meanwhile the learned mask is used, as before the scene was known. The scene keeps learning
        around the union of both masks, so what the background model misses is never learned as wall.
        """
        if self._partial_banned:
            return self._use_learned(image, ref)
        bg = self.background
        seg = bg.segment(image)
        if seg is None or cv2.countNonZero(seg.mask) > self.max_fg_frac * seg.mask.size:
            return self._use_learned(image, ref)
        unk = bg.unknown()
        assert unk is not None
        h, w = image.shape[:2]
        unk = cv2.dilate(unk, _K3)
        if unk.shape != (h, w):
            unk = cv2.resize(unk, (w, h), interpolation=cv2.INTER_NEAREST)
        patched = cv2.bitwise_or(cv2.bitwise_and(seg.mask, seg.mask, mask=1 - unk),
                                 cv2.bitwise_and(ref.mask, ref.mask, mask=unk))
        agree = self._agree_known(ref, seg.mask, unk)
        if agree:
            self._partial_run = max(self._partial_run, 0) + 1
            if self._partial_run >= self.partial_agree:
                self._partial_ok = True
        elif agree is False:
            self._partial_run = min(self._partial_run, 0) - 1
            if -self._partial_run >= self.partial_disagree:
                # For good, while this person stays: what the model knows of them changes as they
                # move (standing, only their arms and head may lie where it knows the wall).
                self._partial_ok = False
                self._partial_banned = True
                return self._use_learned(image, ref)
        if not self._partial_ok:
            return self._use_learned(image, ref)
        self.last_backend = PARTIAL
        bg.learn(image, cv2.bitwise_or(patched, ref.mask))
        return Segmentation(patched, PARTIAL)

    def _agree_known(self, ref: Segmentation, bg_mask: np.ndarray, unknown: np.ndarray) -> Optional[bool]:
        """Does the background model see the learned mask's sure core where it knows the scene?

        None when it knows too little of the person to tell (``min_known`` of the core): a check
        over the whole mask would pass on the learned mask's own pixels under the person."""
        core = ref.mask > 0
        if ref.soft is not None:
            core = cv2.erode((ref.soft > 0.3).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
        n_all = np.count_nonzero(core)
        core &= unknown == 0
        n_core = np.count_nonzero(core)
        if n_core <= 0.002 * core.size or n_core < self.min_known * n_all:
            return None
        self.last_miss = np.count_nonzero(core & (bg_mask == 0)) / n_core
        return self.last_miss <= self.partial_max_miss

    def _agree(self, ref: Segmentation, seg: Segmentation) -> Optional[bool]:
        """Does the background mask ``seg`` see the person the learned ``ref`` sees?

        None when there is no person-sized region to compare (nobody in view).
        Sets ``last_iou`` and ``last_miss``.
        """
        a = ref.mask > 0
        b = seg.mask > 0
        union = np.count_nonzero(a | b)
        if union <= 0.01 * a.size:
            return None
        iou = np.count_nonzero(a & b) / union
        self.last_iou = iou
        # The learned mask is soft and blobby at its 256 px input: low IoU alone is
        # mostly its own outline. What matters is whether the background model
        # misses part of the learned mask's sure core.
        core = a
        if ref.soft is not None:
            core = cv2.erode((ref.soft > 0.3).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
        n_core = np.count_nonzero(core)
        self.last_miss = np.count_nonzero(core & ~b) / n_core if n_core else 0.0
        return iou >= self.trust_iou or (iou >= self.min_iou and self.last_miss <= self.max_miss)

    def segment(self, image: np.ndarray, within: Optional[tuple[int, int, int, int]] = None,
                lean: Optional[float] = None) -> Optional[Segmentation]:
        self._n += 1
        # The learned mask hears of the person's lean where it outlines them (the scene not yet known,
        # or the background model distrusted); as the trusted model's check it does not.
        self._lean = lean
        if self.learned is None:
            seg = self.background.segment(image)
            if seg is None:
                self.background.learn(image)
            self.last_backend = self.background.name
            return seg
        if not self.background.ready:
            # Nobody found here is learned as the room: the learned model looks closer first.
            ref = self.learned.segment(image, lean=lean, look_closer=True)
            if self._remembered and self._n % self.recall_every == 0:
                back = self._recall(image, ref)
                if back is not None:
                    self.last_backend = self.background.name
                    return back
            if ref is None or cv2.countNonZero(ref.mask) < 0.005 * ref.mask.size:
                self._partial_banned = False  # nobody in view: the next person is judged afresh
                self._partial_run = 0
            elif self.background.known_outside(ref.mask):
                return self._partial(image, ref)
            return self._use_learned(image, ref)
        if self.distrusted:
            return self._fused(image)
        seg = self.background.segment(image)
        gain = self.background.last_gain
        if seg is not None and (float(gain.min()) < 0.5 or float(gain.max()) > 2.0):
            # Lens covered or lights off: nothing to see or learn until it passes.
            self._changed = max(self._changed, 1)
            self.last_backend = self.learned.name
            return self.learned.segment(image)
        if seg is not None and cv2.countNonZero(seg.mask) > self.max_fg_frac * seg.mask.size:
            # Most of the frame "changed": the scene did, not a person. A covered lens
            # comes back to the same room, so the model is kept (and learns nothing)
            # for a while; if the change persists (camera knocked) it is relearned.
            self._changed += 1
            ref = self.learned.segment(image)
            self.last_backend = self.learned.name
            if self._remembered and self._changed % self.recall_every == 1:
                back = self._recall(image, ref)
                if back is not None:
                    self.last_backend = self.background.name
                    return back
            if self._changed > self.relearn_after:
                self._relearn(image)
                self._changed = 0
                return self._use_learned(image, ref)
            return ref
        self._changed = 0
        if seg is not None and self._n % self.check_every == 0:
            x, y, w, h = cv2.boundingRect(seg.mask)
            ref = self.learned.segment(image, within=(x, y, x + w, y + h) if w else None)
            if ref is not None:
                self._check_now = (self._n, ref)
            if ref is not None and self._agree(ref, seg) is False:
                # Which one is wrong? A mask that misses part of the person (the usual
                # failure of both: clothing like the wall for the background model, a
                # small full-body figure for the selfie model) is shorter.
                if _tallest_blob(ref.mask > 0) >= 0.95 * _tallest_blob(seg.mask > 0):
                    if self.last_iou is not None and self.last_iou < self.min_iou:
                        back = self._recall(image, ref) if self._remembered else None
                        if back is not None:
                            self.last_backend = self.background.name
                            return back
                        self._relearn(image, ref.mask)
                        return ref
                    # One check can catch the learned mask on a bad frame (dim light, a blurred
                    # limb): distrust only when checks in a row disagree.
                    self._disagreed += 1
                    if self._disagreed >= self.distrust_after:
                        self.distrusted = True
                        self.last_backend = self.learned.name
                        return ref
            elif ref is not None:
                self._disagreed = 0
        self.last_backend = self.background.name
        if seg is not None:
            self._trusted_now = (self._n, seg)
        return seg

    def second_opinion(self, image: np.ndarray) -> Optional[Segmentation]:
        """This frame's trusted background mask fused with the learned mask (as while the background
        model is distrusted: :meth:`_fused`), or None when this frame's mask was not the trusted
        background model's. On a check frame the check's learned mask is reused; otherwise the learned
        model runs now, on the crop around the background model's foreground.

        The background model can lose a part of the person that matches what is behind it only while
        they hinge (a white top swept in front of a white wall face): the whole-mask check still agrees
        (the back is a tenth of the person), so the trusted mask stays, and the estimator finds that
        frame's back broken. Asked for that frame, the learned model's outline of the back is added to
        the background model's, for that frame only (docs/station-vision.md, round 26)."""
        now = self._trusted_now
        if self.learned is None or now is None or now[0] != self._n or self.last_backend != self.background.name:
            return None
        seg = now[1]
        check = self._check_now
        if check is not None and check[0] == self._n:
            ref: Optional[Segmentation] = check[1]
        else:
            x, y, w, h = cv2.boundingRect(seg.mask)
            if not w:
                return None
            ref = self.learned.segment(image, within=(x, y, x + w, y + h), lean=self._lean)
            self.opinions += 1
        if ref is None:
            return None
        return Segmentation(_fuse(ref.mask, seg.mask), FUSED)

    @property
    def state(self) -> SegmenterState:
        if self.learned is None:
            mode = SegmenterMode.TRUSTED if self.background.ready else SegmenterMode.LEARNING
        elif self._changed:
            mode = SegmenterMode.SCENE_CHANGED
        elif not self.background.ready:
            mode = SegmenterMode.LEARNING
        elif self.distrusted:
            mode = SegmenterMode.DISTRUSTED
        else:
            mode = SegmenterMode.TRUSTED
        backend = self.last_backend or (self.learned.name if self.learned is not None else self.background.name)
        checked = (mode is SegmenterMode.TRUSTED and self._check_now is not None and self._check_now[0] == self._n
                   and self._trusted_now is not None and self._trusted_now[0] == self._n)
        return SegmenterState(mode, backend, self.learned is not None, self.background.coverage, checked)

    def feedback(self, person_mask: PersonMask) -> None:
        if self._changed:
            return
        if self.learned is None or (self.background.ready and not self.distrusted):
            self.background.feedback(person_mask)


def _fuse(ref: np.ndarray, seg: np.ndarray) -> np.ndarray:
    """Where both masks agree, plus the whole regions only one of them covers (see AutoSegmenter._fused)."""
    k = max(3, int(round(0.012 * ref.shape[0])) | 1)
    both = cv2.bitwise_and(ref, seg)
    only_ref = _thick_parts(cv2.subtract(ref, seg), k)
    only_bg = _thick_parts(cv2.subtract(seg, ref), k)
    return cv2.bitwise_or(both, cv2.bitwise_or(only_ref, only_bg))


def _thick_parts(mask: np.ndarray, k: int) -> np.ndarray:
    """The connected regions of ``mask`` that are somewhere at least ``k`` px thick, whole.

    An opening alone would keep only the thick cores and eat the region's edge wherever
    a fragment of the other mask nicks it; here a region survives entirely or not at all.
    """
    core = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    if not cv2.countNonZero(core):
        return core
    n, labels = cv2.connectedComponents(mask, connectivity=8)
    keep = np.zeros(n, np.uint8)
    keep[np.unique(labels[core > 0])] = 255
    keep[0] = 0
    return keep[labels]


def _tallest_blob(mask: np.ndarray) -> int:
    """Height in pixels of the tallest connected blob (0 if none)."""
    m = np.ascontiguousarray(mask[::2, ::2]).astype(np.uint8)
    n, _, stats, _ = cv2.connectedComponentsWithStats(m, connectivity=8)
    return int(stats[1:, cv2.CC_STAT_HEIGHT].max()) * 2 if n > 1 else 0


def make_segmenter(kind: str = "auto") -> Segmenter:
    """Build a backend by name: ``auto`` (default), ``background`` or ``selfie``."""
    # One inference thread: the station shares a Pi with the camera and the core.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if kind == "auto":
        return AutoSegmenter()
    if kind == "background":
        return _BackgroundOnly()
    if kind == "selfie":
        return SelfieSegmenter()
    raise SegmentationError(f"unknown segmenter {kind!r}; use one of: auto, background, selfie")


class _BackgroundOnly:
    """The background model alone: learns the empty scene from the first frames."""

    name = "background"

    def __init__(self) -> None:
        self.background = BackgroundModel()

    def segment(self, image: np.ndarray, within: Optional[tuple[int, int, int, int]] = None,
                lean: Optional[float] = None) -> Optional[Segmentation]:
        seg = self.background.segment(image)
        if seg is None:
            self.background.learn(image)
        return seg

    @property
    def state(self) -> SegmenterState:
        return self.background.state

    def second_opinion(self, image: np.ndarray) -> Optional[Segmentation]:
        """No second model here."""
        return None

    def feedback(self, person_mask: PersonMask) -> None:
        self.background.feedback(person_mask)
