"""PostureEstimator: camera frames in, PostureSamples out (one per camera, stateful).

Per frame: segment people (:mod:`device.vision.segmentation`), pick the tracked
person among the blobs, tell the segmenter which pixels are that person (so a
background model never learns them), then measure the silhouette
(:mod:`device.vision.silhouette`). The state kept between frames is only what a
single frame cannot know: the person's standing height, which way they face
(wall side), where their feet were (walking vs standing still), and their
standing heel reference, kept in a :class:`device.vision.tracking.PersonTrack`
(shared with the pose-guided estimator, each with its own numbers).
"""

from __future__ import annotations

import math
import statistics
from collections import deque
from dataclasses import dataclass, field, replace
from typing import Optional

import cv2
import numpy as np

from device.core.types import PostureSample
from device.io.frames import Frame
from device.vision.level import CameraLevel, level_crops, transform_measures
from device.vision.segmentation import FUSED, PARTIAL, Segmentation, Segmenter, SegmenterState, make_segmenter
from device.vision.silhouette import BodyModel, SilhouetteMeasures, facing_parts, measure_silhouette, shift_measures
from device.vision.tracking import PersonTrack, StandingReference, opposite


@dataclass(frozen=True)
class EstimatorParams:
    """Every tuning number of :class:`PostureEstimator` (the silhouette's own are in :class:`BodyModel`)."""

    min_height_frac: float = 0.2  # smallest plausible person, as a fraction of the frame height
    lost_after_s: float = 1.0  # a track unseen this long is forgotten (the next person starts afresh)
    # A box this close to the frame's edge is cut off there. 0: only a mask that reaches the frame's last
    # row or column. A body that goes on past the edge reaches it in the background model's mask (and a
    # learned mask that stops short of it is no nearer at 2 px); with 2, a camera that just takes in the
    # feet (soles on the second-last row: `walk_in_out` seed 4) had every rep of the set unchecked.
    edge_margin_px: int = 0
    heights_window: int = 3  # standing height: the tallest median of this many whole-body frames
    # A blob wider than this fraction of its height is not one person standing (a passer-by merged with
    # them): it does not raise a settled standing height quickly (tracking.StandingHeight). A person seen
    # from the side stands 0.3-0.4 of their height wide with a plate held out; walking, up to 0.53.
    merge_aspect: float = 0.5
    still_window_s: float = 0.5  # feet planted: their centre moved less than ``still_move`` H over this
    still_move: float = 0.08
    # Where the stance is read for "still": the mask's columns over this fraction of H above its lowest
    # row (the shins and feet together). The lowest rows alone hold whichever shoe the mask kept: a black
    # shoe on a dark floor, in and out of the mask frame by frame (built-in `walk_in_out` seed 18), moved
    # their centre by up to 0.09 H between the two feet, so a person standing still never counted as in
    # position, no standing back was read, and four reps had no reference (`unchecked`).
    still_band: float = 0.12
    still_min_span: float = 0.4  # ... seen over at least this fraction of the window
    feet_kept: int = 90  # frames of feet positions kept
    facing_min: float = 0.03  # facing votes weaker than this are not counted ...
    # ... unless they are at least facing_weak and the side is not yet sure. A person who walks in facing
    # the wall and turns round names the side from a few votes before the turn; feet that then score only
    # weakly (white shoes on a dark floor, seen nearly flat) left the wrong side standing until the first
    # hinge: the front measured as the back, no standing reference. Over 26 rendered scenes, standing
    # votes of 0.015-0.03 pointed the right way 95 % of the time (0.01-0.015: 73 %).
    facing_weak: float = 0.015
    hinge_height: float = 0.92  # a blob this much shorter than standing is hinged (its vote counts twice)
    # A hinged blob's shape votes alone when the feet score no more than facing_min either way: their sum
    # then follows the feet, which at 15-20 deg of yaw can point the wrong way on every frame. On 56 rendered
    # scenes (yaw -20..20, cameras rolled and tilted) the hinge cue alone, at least this large on such
    # frames, pointed the right way on 1622 of 1622 (docs/station-vision.md, round 46).
    hinge_alone: float = 0.02
    side_votes_sure: float = 6.0  # net votes that make the wall side sure
    side_window_s: float = 4.0  # votes older than this are forgotten (a side read from bad masks is outvoted)
    # ... but a hinged person's votes (the blob shorter than hinge_height of standing: never seen wrong) are
    # kept this long. At 20 deg of yaw planted feet standing can vote the wrong way more often than the
    # right one (`yaw` seed 9: -0.02..-0.04 against +0.06); with only 4 s of votes, those of the standing
    # between reps outvoted the last rep's hinge and the side flipped at the start of the next descent,
    # so that rep's trunk read upright at the wall, a lean, not a rep (two reps missed). 10 s until round 46;
    # now long enough to span the standing between reps and a few shallow reps without a hinge vote (at a
    # station the wall, hence the side, never moves): random 1006's feet voted the wrong way throughout.
    hinge_vote_keep_s: float = 60.0
    side_min_votes: int = 2  # net votes before any side is named (one vote may be a turn on the spot)
    in_position_sure: float = 0.5  # how sure of the side before the person counts as in position
    # Measured at full standing height (this fraction of it), a trunk leaning back by more than
    # lean_back_deg means the side is wrong (the belly was taken for the back): a vote for the other side.
    # Standing tall reads -9..+8 deg on the hardest masks (a learned mask in a dim room); the wrong side
    # -19..-27 deg (a hoodie at 17 deg of yaw).
    lean_back_deg: float = 15.0
    lean_back_height: float = 0.95
    # Confidence factor of the trunk when the back's bend on the same outline is beyond any back's
    # (BodyModel.max_bend_deg): that outline is broken, and the trunk's axis lies on it.
    broken_back_trunk_conf: float = 0.3
    # The segmenter hears the trunk's lean from the last frame whose trunk was measured with at least
    # this confidence, for up to lean_hint_s (a learned mask outlines a hinged trunk on a picture turned
    # upright where its first outline lost part of it: SelfieSegmenter.turn_min_deg; docs/station-vision.md, round 21).
    lean_hint_conf: float = 0.5
    lean_hint_s: float = 0.5
    edge_reach_px: float = 2.5  # how far from the mask's edge the back's colour edge is searched, per 640 px of width
    # And how much farther for the learned mask, per 640 px of width. It was 4.0 while the model saw the
    # whole frame (its outline several px off); on a crop around the person it is 1-2 px off, and on a
    # shirt the colour of the wall (no colour edge at all) a wide search only found noise: the bend
    # scattered by +-40 deg and 5 of 6 reps of `camouflage` seed 2 were unchecked.
    edge_reach_learned_px: float = 1.0
    edge_contrast: float = 12.0  # colour step per pixel that counts as the back's edge, in normal light
    contrast_ref_level: float = 120.0  # mean brightness around the person of "normal light"
    contrast_min_factor: float = 0.35  # the step is lowered with the light down to this fraction
    heel_ref_min: int = 5  # standing heel references needed before heel lift is reported
    heel_ref_window: int = 30  # the heel's standing reference: median of this many standing frames
    heel_conf_learned: float = 0.3  # heel lift only as a hint: the learned mask's soft foot outline, lost feet (_heel_belief)
    # A foot planted flat has its toe end level with its heel end or lower (the standing heel reference, heel
    # above toe, read 0 to +0.008 H on 49 random scenes, 2700-2723 and 2800-2823, 1313, 1423). A standing
    # reference with the toe end higher than the heel end by more than heel_toe_up of H (and heel_toe_up_px)
    # is not a foot on the floor: trouser hems over shoes the mask lost (random scene 2823: -0.018 H, the far
    # leg's hem 5 px above the near one), whose heights change as the knees bend. Heel lift there is a hint.
    heel_toe_up: float = 0.006
    heel_toe_up_px: float = 2.0
    unknown_height_conf: float = 0.4  # confidence factor while the standing height is a guess
    scale_window: int = 60  # standing back bends kept per mask source (see PostureEstimator._same_scale)
    scale_min_standing: int = 5  # standing frames before a source's scale is known
    scale_unknown_conf: float = 0.3  # confidence factor of a bend from a source whose scale is not known yet
    # A source that takes over mid-rep (the scene relearned after a knock, the background model trusted
    # for the back of someone in view since power-on) has not been seen standing: its scale is taken from
    # the hand-over instead, the median of the last handover_n bends on the known scale (at most
    # handover_gap_s before) against the median of its first handover_n, until it is seen standing.
    # Without it the rest of that rep was unseen (`blind` 1, `camouflage` 1: `unchecked` reps).
    handover_n: int = 3
    handover_gap_s: float = 0.5
    handover_conf: float = 0.8  # confidence factor of a bend on a scale from the hand-over
    # A learned mask sometimes reaches out along a thin bridge to a dark thing on the wall (a switch
    # at hip height became "the buttocks"): parts thinner than this fraction of the standing height
    # are cut off, and pieces then smaller than attachment_min_area of the person dropped.
    attachment_frac: float = 0.02
    attachment_min_area: float = 0.03
    # A back does not change its bend by tens of degrees from one frame to the next (30 deg of rounding
    # take a whole descent): a bend this far from the median of the last back_jump_window_s is a glitch
    # (a passer-by brushing the back, a mask on a bad frame) and its confidence fades to 0 over the next
    # back_jump_fade_deg. A real change outlasts the window and becomes the median itself.
    back_jump_window_s: float = 0.25
    back_jump_deg: float = 20.0
    back_jump_fade_deg: float = 10.0
    back_jump_min: int = 3  # bends in the window before the check applies
    back_window_min_n: int = 7  # ... and the window reaches back in time for this many, at most back_window_max_s
    back_window_max_s: float = 0.6
    # The bends of that window scattering by more than back_spread_deg (median absolute deviation) is
    # noise, not a back: confidence fades to 0 over the next back_spread_fade_deg. A back rounding by
    # 30 deg through a 1 s descent spreads them by about 2 deg, a loose top's folds by up to about 7
    # (6 took a rounded rep's peak in `mixed` seed 1); a 30 px back in a dim room by 15-20.
    back_spread_deg: float = 10.0
    back_spread_fade_deg: float = 5.0
    # Where the person last stood with feet still is where the track is (see select_person): kept
    # this long after the last still frame, with this tolerance on the floor line (fraction of H).
    planted_keep_s: float = 10.0
    # A mask joins the buttocks to a dark thing on the wall they touch when hinged: a learned mask to a
    # switch, the background model's to the lit edge of the station's own sensor box when the camera
    # shakes by a pixel (`clean` seed 14). The buttock is looked for on the mask opened by a disc of this
    # fraction of H (see measure_silhouette), on either mask. The background model's outline is sharp, and
    # the opening shaves its rear's pixel noise too (by about 0.004 H on random scenes 400-423): that
    # moved the hip and the back's window on ordinary frames, and the fitted tops' rounding error grew
    # (1.00 -> 1.65 deg). There the opened buttock is taken only when it lies more than
    # buttock_bump_min_background of H farther from the wall (the sensor box's sliver: 0.016-0.020 H).
    buttock_open: float = 0.05
    buttock_bump_min_background: float = 0.01
    planted_tol: float = 0.05
    # The back's parabola on a learned mask's outline is started on the middle of the back (BodyModel.fit_core):
    # that outline is a 256 px model's, upsampled, and its ends wobble by a pixel or two (a shirt the colour
    # of the wall: camouflage seeds 0 and 1 read good reps rounded with the whole-back start). The background
    # model's outline follows the back to a fraction of a pixel, and is fitted whole from the first fit.
    fit_core_learned: float = 0.6
    # The segmenter's second opinion of a back the trusted background model lost (PostureEstimator._second_opinion):
    # until its mask's standing bends are known, one is asked for at most this often (s) while the person
    # stands still in position.
    opinion_stand_s: float = 0.3
    # Planted feet the mask lost (dark shoes on a dark floor, PostureEstimator._floor_below): the floor is
    # taken below the mask's lowest row when the person's head top, standing tall at this spot, plus the
    # standing height lies between feet_lost_min and feet_lost_max of H below that row, and the lowest
    # foot_rows of H hold no foot (they span less than foot_min_len of H).
    feet_lost_min: float = 0.02
    feet_lost_max: float = 0.08
    foot_rows: float = 0.02
    foot_min_len: float = 0.1
    # Feet on the frame's bottom edge count as in view (PostureEstimator.process, ``feet_edge``) when the lowest
    # foot_rows of H span this much of H: a foot's length (0.13-0.17 on the random scenes 264, 680, 894, 1925,
    # 2004 and 2096, 5th percentile over their planted frames), not legs cut off above the ankles (`clean`
    # seed 3 at 320x240 cut 12 % of its height above the floor: the shins span 0.104 of the whole height).
    edge_foot_len: float = 0.12
    # ... the head top is taken from still frames at least this tall (fractions of H): not hinged.
    tall_frac: float = 0.9
    # Hair lying on a standing back (a ponytail, long hair) hides the top of its curve, and falls away from
    # it in a hinge: the standing back read over less of its length than the hinged one, and every rep read
    # rounder by the difference. Once at least hair_cap_frac of a person's first hair_cap_frames upright
    # back readings had their window's top cut at hair (BodyModel.hair_*), at one place (the cuts' tops
    # within hair_cap_mad of the trunk of their median, median absolute deviation), the back is read up to
    # that median on every frame of that person, standing and hinged alike, if it lies at least
    # hair_cap_min_top of the trunk up: hair hanging from the head lies on the back near the neck (the cuts
    # of two ponytails: 0.82-0.83), a hood lower down (0.60-0.71 in random scenes 700, 718 and 918), and a
    # hood stays on a hinged back: cut there too, it took the rounding of the upper back with it (700 and
    # 918 lost rounded reps).
    hair_cap_frames: int = 10
    hair_cap_frac: float = 0.5
    hair_cap_mad: float = 0.02
    hair_cap_min_top: float = 0.75


class PersonBlob:
    """The chosen person's mask (only their pixels, holes filled) and its bounding box.

    ``bbox``: x, y, w, h in frame pixels; ``area``: pixel count. The pixels live in
    ``roi_mask``, the part of the frame whose top-left corner is ``roi_xy`` and
    which holds all of them; :attr:`mask`, the frame-sized mask, is made from it on
    first use. Per frame the estimator only works inside the box (a frame-sized
    copy per frame cost as much as the rest of the person selection).
    ``PersonBlob(mask, bbox, area)`` with a frame-sized mask works as well.
    """

    def __init__(
        self,
        mask: Optional[np.ndarray],
        bbox: tuple[int, int, int, int],
        area: int,
        roi_mask: Optional[np.ndarray] = None,
        roi_xy: tuple[int, int] = (0, 0),
        frame_shape: Optional[tuple[int, int]] = None,
    ) -> None:
        if roi_mask is None:
            if mask is None:
                raise ValueError("PersonBlob needs a frame-sized mask or a roi_mask")
            roi_mask, roi_xy = mask, (0, 0)
        if frame_shape is None:
            if mask is None:
                raise ValueError("PersonBlob with only a roi_mask needs the frame_shape")
            frame_shape = mask.shape[:2]
        self._mask = mask
        self.bbox = bbox
        self.area = area
        self.roi_mask = roi_mask
        self.roi_xy = roi_xy
        self.frame_shape = (int(frame_shape[0]), int(frame_shape[1]))

    def __repr__(self) -> str:
        return f"PersonBlob(bbox={self.bbox}, area={self.area})"

    @property
    def mask(self) -> np.ndarray:
        """Frame-sized uint8 mask of the person (made once, on first use)."""
        if self._mask is None:
            full = np.zeros(self.frame_shape, np.uint8)
            self.paint(full)
            self._mask = full
        return self._mask

    def region(self, x0: int, y0: int, x1: int, y1: int) -> np.ndarray:
        """``mask[y0:y1, x0:x1]`` (x0, y0 >= 0), without making the frame-sized mask when
        the region lies inside ``roi_mask``."""
        H, W = self.frame_shape
        x1, y1 = min(x1, W), min(y1, H)
        rx, ry = self.roi_xy
        rh, rw = self.roi_mask.shape[:2]
        if x0 >= rx and y0 >= ry and x1 <= rx + rw and y1 <= ry + rh:
            return self.roi_mask[y0 - ry : y1 - ry, x0 - rx : x1 - rx]
        return self.mask[y0:y1, x0:x1]

    def paint(self, dst: np.ndarray) -> None:
        """OR the person's pixels into ``dst``, a frame-sized uint8 array."""
        rx, ry = self.roi_xy
        rh, rw = self.roi_mask.shape[:2]
        view = dst[ry : ry + rh, rx : rx + rw]
        np.bitwise_or(view, self.roi_mask, out=view)


@dataclass
class PostureDebug:
    """What the overlay (annotate) and the benchmarks need from the last frame."""

    t: float
    backend: str = ""
    people_mask: Optional[np.ndarray] = None  # every foreground blob
    person: Optional[PersonBlob] = None
    measures: Optional[SilhouetteMeasures] = None
    wall_side: Optional[str] = None  # "left"/"right": where the person's back is
    facing: Optional[str] = None  # "left"/"right": where the person looks
    standing_height_px: Optional[float] = None
    whole_body: bool = False
    feet_at_edge: bool = False  # only the feet touch the frame's edge (the bottom one): measured as whole
    head_at_edge: bool = False  # only the head touches the frame's edge (the top one): measured as whole
    still: bool = False
    notes: list[str] = field(default_factory=list)
    back_unseen: Optional[str] = None  # why the back was not measured on this frame, in words for people
    roll_deg: float = 0.0  # the camera's roll the person was measured upright against (0: level or not known)


_GROW_1PX = np.ones((3, 3), np.uint8)  # dilation kernel: one pixel all round
# A fragment below the person's blob, at most FEET_MAX of its height tall, joins it across a gap of up
# to FEET_GAP of its height (see select_person); any other fragment across at most 0.15 of it.
FEET_GAP = 0.4
FEET_MAX = 0.45
# An opening in the person's outline at most this fraction of the blob's height wide (at least 3 px) that
# closes off a region is an inlet, filled like a hole when the region lies in the upper INLET_TRUNK of the
# blob (the trunk, hinged or upright; below it, between legs whose feet nearly touch, is real background).
INLET_GAP = 0.02
INLET_TRUNK = 0.55
# Pieces of the person (each at least BRIDGE_PIECE of the person's pixels) that a seam at most INLET_GAP of
# the blob's height wide (at least a pixel) parts are joined across it (see _bridge_pieces).
BRIDGE_PIECE = 0.1


@dataclass(frozen=True)
class Blobs:
    """The foreground blobs of a frame's mask, labelled at ``1/f`` of its resolution (:func:`label_blobs`).

    The low-resolution grid is ``mask[::f, ::f]`` (``grid``: its height and width); only the part
    of it around the mask's foreground is labelled: ``labels`` holds that part, whose top-left corner
    is ``origin`` (x, y) on the grid (everything outside it is background, label 0). ``stats``:
    OpenCV's per-label stats (x, y, w, h, area) in grid coordinates; ``n``: labels including the
    background's 0; ``shape``: the full mask's height and width."""

    f: int
    n: int
    labels: np.ndarray
    stats: np.ndarray
    shape: tuple[int, int]
    origin: tuple[int, int] = (0, 0)
    grid: tuple[int, int] = (0, 0)

    def labels_in(self, x0: int, y0: int, x1: int, y1: int) -> np.ndarray:
        """The labels of grid rows ``y0:y1``, columns ``x0:x1`` (0 <= x0 <= x1 <= grid width)."""
        ox, oy = self.origin
        lh, lw = self.labels.shape[:2]
        if x0 >= ox and y0 >= oy and x1 <= ox + lw and y1 <= oy + lh:
            return self.labels[y0 - oy : y1 - oy, x0 - ox : x1 - ox]
        out = np.zeros((y1 - y0, x1 - x0), self.labels.dtype)
        cx0, cy0, cx1, cy1 = max(x0, ox), max(y0, oy), min(x1, ox + lw), min(y1, oy + lh)
        if cx1 > cx0 and cy1 > cy0:
            out[cy0 - y0 : cy1 - y0, cx0 - x0 : cx1 - x0] = self.labels[cy0 - oy : cy1 - oy, cx0 - ox : cx1 - ox]
        return out


def label_blobs(mask: np.ndarray) -> Blobs:
    """Label the foreground blobs of ``mask`` (8-connected), at half resolution above 400 px of width."""
    # Blob analysis at half resolution: a quarter of the pixels, same answer for
    # person-sized blobs; the chosen blob's outline is then taken at full resolution.
    H, W = mask.shape[:2]
    f = 2 if W > 400 else 1
    grid = ((H + f - 1) // f, (W + f - 1) // f)
    # Only the box around the foreground is labelled (the rest of the frame is background),
    # widened by 8 px and started at a multiple of 4: on the low-resolution grid that is an
    # even offset, so the labelling's 2x2 blocks fall as they would on the whole grid and the
    # blobs get the same numbers in the same order.
    bx, by, bw, bh = cv2.boundingRect(mask)
    if bw == 0:
        return Blobs(f, 1, np.zeros((0, 0), np.uint16), np.zeros((1, 5), np.int32), (int(H), int(W)), (0, 0), grid)
    X0, Y0 = max(0, (bx - 8) // 4 * 4), max(0, (by - 8) // 4 * 4)
    X1, Y1 = min(W, bx + bw + 8), min(H, by + bh + 8)
    X1, Y1 = min(W, X0 + (X1 - X0 + 1) // 2 * 2), min(H, Y0 + (Y1 - Y0 + 1) // 2 * 2)
    crop = mask[Y0:Y1, X0:X1]
    if f == 1:
        small = crop
    elif H % 2 == 0 and W % 2 == 0:
        # Nearest-neighbour halving picks exactly the pixels mask[::2, ::2] would, faster.
        small = cv2.resize(crop, ((X1 - X0) // 2, (Y1 - Y0) // 2), interpolation=cv2.INTER_NEAREST)
    else:
        small = np.ascontiguousarray(crop[::2, ::2])
    sh, sw = small.shape[:2]
    # 16-bit labels halve the memory traffic of the labelling (its main cost); they
    # suffice while even a checkerboard of 1-px blobs could not overflow them.
    ltype = cv2.CV_16U if ((sw + 1) // 2) * ((sh + 1) // 2) < 65535 else cv2.CV_32S
    n, labels, stats, _ = cv2.connectedComponentsWithStats(small, connectivity=8, ltype=ltype)
    ox, oy = X0 // f, Y0 // f
    stats[:, 0] += ox
    stats[:, 1] += oy
    return Blobs(f, int(n), labels, stats, (int(H), int(W)), (ox, oy), grid)


def select_person(
    mask: np.ndarray,
    min_height_px: float,
    previous: Optional[tuple[int, int, int, int]] = None,
    wall_side: Optional[str] = None,
    planted: Optional[tuple[float, float, float]] = None,
    labelled: Optional["Blobs"] = None,
) -> Optional[PersonBlob]:
    """Pick the tracked person among the foreground blobs.

    Plausible blobs are at least ``min_height_px`` tall and not much wider than
    a person bending over. The tracked person (overlapping ``previous``) wins, so
    a passer-by walking behind or beside them is ignored; with no track, the
    largest blob wins, ties going to the one nearer the wall side.
    ``planted``: (feet x, floor y, tolerance px) where the tracked person last stood
    with their feet still. A blob standing there (feet x within its width, its bottom
    within the tolerance of that floor line) is the person at the station: a larger
    passer-by walking in front, whose box overlapped the track's while the two were
    one blob, does not take the track when they part (their feet are elsewhere,
    and nearer the camera, lower in the picture). Small
    fragments inside the person's box (a hand, the weight) are merged, and holes
    (clothing that matches the background) are filled: measures use the outline.
    ``labelled``: :func:`label_blobs` of ``mask``, when the caller has it already.
    """
    H, W = mask.shape[:2]
    if labelled is None or labelled.shape != (H, W):
        labelled = label_blobs(mask)
    f, n = labelled.f, labelled.n
    sh, sw = labelled.grid
    if n <= 1:
        return None
    # Plain ints for the per-blob logic below (numpy scalars cost more per operation).
    stats = [[x * f, y * f, w * f, h * f, a * f * f] for x, y, w, h, a in labelled.stats.tolist()]
    best, best_score = -1, -1.0
    for i in range(1, n):
        x, y, w, h, area = stats[i]
        if h < min_height_px or w > 2.5 * h or area < 0.05 * h * h:
            continue
        score = float(area)
        if previous is not None:
            px, py, pw, ph = previous
            ix = max(0, min(x + w, px + pw) - max(x, px))
            iy = max(0, min(y + h, py + ph) - max(y, py))
            inter = ix * iy
            union = w * h + pw * ph - inter
            score *= 1.0 + 10.0 * (inter / union if union else 0.0)
        if planted is not None:
            fx, fy, tol = planted
            if x <= fx <= x + w and abs(y + h - fy) <= tol:
                score *= 100.0
        if wall_side is not None:
            cx = x + w / 2
            near = 1.0 - (cx / W if wall_side == "left" else 1.0 - cx / W)
            score *= 1.0 + 0.2 * near
        if score > best_score:
            best, best_score = i, score
    if best < 0:
        return None
    x, y, w, h, _ = stats[best]
    # Fragments of the same person: a head cut off at a thin neck, legs split from
    # the trunk where clothing matches the wall, a hand, the weight. They sit in
    # the person's column, above or below within a small gap; merge until stable.
    merged = [best]
    grew = True
    while grew:
        grew = False
        for i in range(1, n):
            if i in merged:
                continue
            xi, yi, wi, hi, ai = stats[i]
            if ai < 20:
                continue
            overlap_x = min(x + w, xi + wi) - max(x, xi)
            gap_y = max(yi - (y + h), y - (yi + hi), 0)
            # The feet, below a gap where a learned mask lost the shins (bare legs the colour of the
            # wall): without them the blob ends at the shorts, its "feet" are the thighs, and its
            # height, facing and knee are all wrong. A small fragment under the person still joins.
            if yi >= y + h and hi <= FEET_MAX * h:  # the feet below the body
                feet_gap = FEET_GAP * h
            elif yi + hi <= y and h <= FEET_MAX * hi:  # the body above the feet (the feet were chosen)
                feet_gap = FEET_GAP * hi
            else:
                feet_gap = 0.0
            if overlap_x >= 0.5 * min(w, wi) and gap_y <= max(0.15 * h, feet_gap):
                merged.append(i)
                x0_, y0_ = min(x, xi), min(y, yi)
                x, y, w, h = x0_, y0_, max(x + w, xi + wi) - x0_, max(y + h, yi + hi) - y0_
                grew = True
    # Everything from here on happens inside the merged box (every merged blob lies in
    # it) plus one low-resolution pixel: the rest of the frame holds none of the
    # person, and the full-resolution work below is the costly part.
    # The margin (4 px at full resolution) also covers the 1-px growth below and
    # the 2-px border the measures crop around the person's box.
    pad = 4 // f
    sx0, sy0 = max(x // f - pad, 0), max(y // f - pad, 0)
    sx1, sy1 = min((x + w) // f + pad, sw), min((y + h) // f + pad, sh)
    lab = labelled.labels_in(sx0, sy0, sx1, sy1)
    sel = cv2.compare(lab, merged[0], cv2.CMP_EQ)
    for i in merged[1:]:
        sel |= cv2.compare(lab, i, cv2.CMP_EQ)
    X0, Y0 = sx0 * f, sy0 * f
    if f > 1:
        # Each low-resolution pixel back to its f x f full-resolution pixels (what a
        # nearest-neighbour resize of the whole frame gives), cut to the frame.
        sel = cv2.resize(sel, None, fx=f, fy=f, interpolation=cv2.INTER_NEAREST)[: H - Y0, : W - X0]
        # Back to full-resolution edges: the selected region grown by a pixel, ANDed with
        # the mask. The box's margin (f px of nothing selected, or the frame's own edge)
        # makes the growth the same as it would be over the whole frame.
        sel = cv2.bitwise_and(cv2.dilate(sel, _GROW_1PX),
                              mask[Y0 : Y0 + sel.shape[0], X0 : X0 + sel.shape[1]])
    cs, _ = cv2.findContours(sel, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not cs:
        return None
    # Holes filled: the outer outlines drawn solid.
    filled = np.zeros_like(sel)
    cv2.drawContours(filled, cs, -1, 255, thickness=cv2.FILLED)
    if len(cs) > 1:
        _bridge_pieces(filled, h)
    _fill_inlets(filled, h)
    bx, by, bw, bh = cv2.boundingRect(np.concatenate(cs) if len(cs) > 1 else cs[0])
    return PersonBlob(None, (bx + X0, by + Y0, bw, bh), int(cv2.countNonZero(filled)),
                      roi_mask=filled, roi_xy=(X0, Y0), frame_shape=(H, W))


def _bridge_pieces(filled: np.ndarray, height_px: float) -> None:
    """Join, in place, the large pieces of a person's mask that a thin seam parts: the pixels a
    morphological closing adds that lie within its reach of two pieces.

    A shaded top's hem, darker than the rest, can read as background along one line where it meets the
    trousers: the person's mask is then two pieces a pixel or a few apart. :func:`select_person` merges them into
    one person, but an outline is walked on one piece, so the back walked up from the buttock ended at the
    waist, no trunk was found, and every rep was `unchecked` (random scene 507, shaded). Nothing else of the
    closing is kept, the bridge is kept only when it joins pieces, and small pieces (a hand, the weight, a head
    cut at a thin neck) stay as they are. A gap wider than the closing (``INLET_GAP`` of ``height_px``) stays."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(filled, connectivity=8)
    if n <= 2:
        return
    areas = stats[1:, cv2.CC_STAT_AREA]
    big = (np.flatnonzero(areas >= BRIDGE_PIECE * areas.sum()) + 1).tolist()
    if len(big) < 2:
        return
    k = max(3, int(round(INLET_GAP * height_px)) | 1)
    ker = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    # Within reach of two pieces: each piece grown a pixel further than the closing's half-width, as the
    # closing spans a seam whose middle lies that half-width from one side and a pixel more from the other.
    reach = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k + 2, k + 2))
    cover = np.zeros(filled.shape, np.uint8)
    for i in big:
        cover += cv2.dilate(cv2.compare(labels, i, cv2.CMP_EQ), reach) // 255
    closed = cv2.morphologyEx(filled, cv2.MORPH_CLOSE, ker)
    bridge = (cover >= 2) & (closed > 0) & (filled == 0)
    if not bridge.any():
        return
    joined = filled.copy()
    joined[bridge] = 255
    if cv2.connectedComponents(joined, connectivity=8)[0] < n:  # the seam was crossed: keep the bridge
        filled[:] = joined


def _fill_inlets(filled: np.ndarray, height_px: float) -> None:
    """Fill, in place, the inlets of a person's hole-filled mask: regions of background that an
    opening of at most ``INLET_GAP`` of ``height_px`` (at least 3 px) connects to the outside.

    A top a few grey levels from the wall behind it leaves the background model only a thin rim of the
    person's outline around a hole in the trunk, and hole filling makes that solid again; but where the
    rim breaks for a pixel or two the hole opens to the outside, and the outline walked up the back
    goes down into the trunk and out again. The bend read from that hairpin swung by tens of degrees
    from frame to frame (random scene 201 at 24 fps: a pale hoodie in front of a pale pinkish-grey wall, six of
    eight reps unchecked or rounded where the same scene at 25 fps, whose rim happened to hold, was
    right). So the outline is closed across such openings (a morphological closing), and the regions
    the closed outline then encloses are filled with the opening that joins them to the outside.
    Nothing else of the closing is kept: the outline's corners and concavities stay as the mask drew them,
    and neither are regions centred below the upper ``INLET_TRUNK`` of the blob: there an inlet is the
    background between two legs whose feet nearly touch (random scene 423, a dark top on a dark wall at
    320x240: 100 of its 170 frames with an inlet had it there, and filling them changed the legs' verdicts)."""
    k = max(3, int(round(INLET_GAP * height_px)) | 1)
    # Most frames have none. The closing is a dilation then an erosion, and the erosion encloses no region
    # the dilation left open, so the dilation alone says whether there is any (the outlines' hierarchy).
    ker = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    grown = cv2.dilate(filled, ker)
    _, hier = cv2.findContours(grown, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hier is None or not (hier[0, :, 3] >= 0).any():
        return
    closed = cv2.erode(grown, ker)
    cs, _ = cv2.findContours(closed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    solid = np.zeros_like(closed)
    cv2.drawContours(solid, cs, -1, 255, thickness=cv2.FILLED)
    inlets = cv2.subtract(solid, closed)
    if not cv2.countNonZero(inlets):
        return
    # The enclosed regions with the closing's pixels joined to them (the bridge across the opening):
    # the pieces of what the closed outline adds that hold part of an enclosed region, centred on the trunk.
    n, labels, _, centres = cv2.connectedComponentsWithStats(cv2.subtract(solid, filled), connectivity=8)
    _, top, _, tall = cv2.boundingRect(filled)
    enclosing = np.zeros(n, np.bool_)
    enclosing[np.unique(labels[inlets > 0])] = True
    enclosing[0] = False
    keep = np.where(enclosing & (centres[:, 1] < top + INLET_TRUNK * tall), 255, 0).astype(np.uint8)
    if keep.any():
        cv2.bitwise_or(filled, keep[labels], dst=filled)


def _people(mask: np.ndarray, min_height_px: float) -> Optional[np.ndarray]:
    """The foreground blobs at least ``min_height_px`` tall (people), full size, 255 inside; None if none.
    Labelled at half resolution (cheap; the protected region is dilated by the segmenter anyway)."""
    small = np.ascontiguousarray(mask[::2, ::2])
    n, labels, stats, _ = cv2.connectedComponentsWithStats(small, connectivity=8)
    tall = np.flatnonzero(stats[1:, cv2.CC_STAT_HEIGHT] * 2 >= min_height_px) + 1
    if not len(tall):
        return None
    lut = np.zeros(n, np.uint8)
    lut[tall] = 255
    H, W = mask.shape[:2]
    return cv2.resize(lut[labels], (W, H), interpolation=cv2.INTER_NEAREST)


def _people_at_half(blobs: Blobs, min_height_px: float, shape: tuple[int, int],
                    extra: tuple[Optional[PersonBlob], ...] = ()) -> Optional[np.ndarray]:
    """What :func:`_people` gives (with ``extra`` blobs painted in), as a nearest-neighbour resize to
    ``shape`` would shrink it, made at that size; None when ``blobs`` were not labelled on that grid
    (only a frame of exactly twice ``shape`` labelled at half resolution is), or when there is nothing
    to protect. A background model learns at half a 640 px frame's size: this skips making the
    frame-sized mask that its resize would shrink straight back."""
    H, W = blobs.shape
    h, w = shape
    if blobs.f != 2 or (H, W) != (2 * h, 2 * w) or blobs.grid != (h, w):
        return None
    # The same blobs as _people's own labelling of mask[::2, ::2] (a different labelling of the
    # same pixels gives the same partition), and its upsampling by 2 shrinks back to the labels.
    tall = np.flatnonzero(blobs.stats[1:, cv2.CC_STAT_HEIGHT] * 2 >= min_height_px) + 1
    blobs_in = [b for b in extra if b is not None]
    if not len(tall) and not blobs_in:
        return None
    m = np.zeros((h, w), np.uint8)
    if len(tall):
        ox, oy = blobs.origin
        lh, lw = blobs.labels.shape[:2]
        part = m[oy : oy + lh, ox : ox + lw]
        for i in tall:  # usually one or two
            np.bitwise_or(part, cv2.compare(blobs.labels, int(i), cv2.CMP_EQ), out=part)
    for b in blobs_in:
        # The blob's pixels at even frame coordinates, at half their coordinates.
        rx, ry = b.roi_xy
        ox, oy = rx % 2, ry % 2
        part = b.roi_mask[oy::2, ox::2]
        sx, sy = (rx + ox) // 2, (ry + oy) // 2
        view = m[sy : sy + part.shape[0], sx : sx + part.shape[1]]
        np.bitwise_or(view, part[: view.shape[0], : view.shape[1]], out=view)
    return m


def _without_thin_attachments(crop: np.ndarray, H: float, frac: float, min_area: float = 0.03) -> np.ndarray:
    """The person's mask without what hangs on by a thin bridge (an opening at ``frac`` of the standing
    height ``H``), and without the pieces that are then small (under ``min_area`` of the whole).

    Only the mask's main part is opened: the fragments :func:`select_person` merged into the person
    (feet the learned mask cut off at dark shoes, a head apart at the neck) are kept as they are. They
    hang on by nothing, and dropping them as small raised the floor line to the shins (in a dim room
    the hip band then lay at the shoulders)."""
    n0, lab0, st0, _ = cv2.connectedComponentsWithStats(crop, connectivity=8)
    if n0 <= 1:
        return crop
    main = 1 + int(np.argmax(st0[1:, cv2.CC_STAT_AREA]))
    body = cv2.compare(lab0, main, cv2.CMP_EQ)
    k = max(3, int(round(frac * H)) | 1)
    opened = cv2.morphologyEx(body, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(opened, connectivity=8)
    if n > 2:
        areas = stats[1:, cv2.CC_STAT_AREA]
        keep = np.zeros(n, np.uint8)
        keep[1:][areas >= min_area * areas.sum()] = 255
        opened = keep[labels]
    if n0 > 2:
        opened = cv2.bitwise_or(opened, cv2.bitwise_and(crop, cv2.bitwise_not(body)))
    return opened


def edge_step(patch: np.ndarray, params: EstimatorParams) -> float:
    """The colour step that counts as the back's edge around a person (``patch``: the frame around them).
    Contrast scales with the light: a dim room's back edge is a smaller colour step."""
    light = min(max(float(np.mean(cv2.mean(patch)[:3])) / params.contrast_ref_level, params.contrast_min_factor), 1.0)
    return params.edge_contrast * light


def heel_conf_factor(backend: str, params: EstimatorParams) -> float:
    """How far heel lift measured on ``backend``'s mask is believed.

    The learned mask comes from a 256 px model upsampled: its foot outline is a few pixels soft,
    the size of the 0.012 H heel-lift line itself. Any mask that contains it -- the learned mask
    alone, the background model patched with it, or the union of the two -- reports heel lift at
    low confidence (an unseen heel fails no rep); only the background model's own outline is sharp.
    (A fused mask whose feet end on the background model's own rows is believed in full: :func:`_same_feet`.)
    """
    return params.heel_conf_learned if backend in ("selfie", PARTIAL, FUSED) else 1.0


def _same_feet(mask: np.ndarray, sharp: np.ndarray, m: SilhouetteMeasures, bbox: tuple[int, int, int, int]) -> bool:
    """Whether ``mask`` (a fused mask) ends at the same rows as ``sharp`` (the background model's own)
    under the heel and under the toe: the median over each end's quarter of the foot, within half a pixel.
    Then heel lift read off ``mask`` is the background model's reading, not the learned mask's soft one."""
    if m.heel is None or m.toe is None:
        return False
    x, y, w, h = bbox
    rows = slice(y, y + h)
    hx, tx = int(round(m.heel[0])), int(round(m.toe[0]))
    step = 1 if tx >= hx else -1
    q = max(1, (abs(tx - hx) + 1) // 4)
    for c0 in (hx, tx - step * (q - 1)):  # the heel's quarter, then the toe's
        c1 = c0 + step * (q - 1)
        a, b = max(min(c0, c1), x), min(max(c0, c1), x + w - 1)
        if b < a:
            return False
        lows = []
        for mk in (mask, sharp):
            cols = mk[rows, a : b + 1] > 0
            has = cols.any(axis=0)
            if not has.all():
                return False
            lows.append(cols.shape[0] - 1 - cols[::-1].argmax(axis=0))
        if abs(float(np.median(lows[0])) - float(np.median(lows[1]))) > 0.5:
            return False
    return True


class PostureEstimator:
    """Turns a side-view camera's frames into :class:`PostureSample` s.

    ``segmenter``: a segmentation backend (default :func:`make_segmenter` "auto").
    ``wall_side``: "left"/"right" if the install fixes it, "auto" to infer it
    from which way the person faces (feet point away from the wall).
    ``min_height_frac``: smallest plausible person as a fraction of frame height
    (a person 150 px tall in a 480 px frame is 0.31).
    ``standing_deg``: trunk inclination at or below which the person counts as
    standing (used for the heel reference), from ``ThresholdsConfig``.
    """

    # Rounding is judged against the person's own standing back at the station (the
    # camera sees them standing tall before the first rep).
    rounding_floor_deg: Optional[float] = None

    def __init__(
        self,
        segmenter: Optional[Segmenter] = None,
        wall_side: str = "auto",
        min_height_frac: Optional[float] = None,
        standing_deg: float = 15.0,
        body: BodyModel = BodyModel(),
        lost_after_s: Optional[float] = None,
        params: EstimatorParams = EstimatorParams(),
        roll_deg: float | str = "auto",
    ) -> None:
        if wall_side not in ("auto", "left", "right"):
            raise ValueError(f"wall_side must be 'auto', 'left' or 'right', not {wall_side!r}")
        if roll_deg != "auto" and not isinstance(roll_deg, (int, float)):
            raise ValueError(f"roll_deg must be 'auto' or a number of degrees, not {roll_deg!r}")
        self.segmenter = segmenter if segmenter is not None else make_segmenter("auto")
        self.wall_side_setting = wall_side
        if min_height_frac is not None:
            params = replace(params, min_height_frac=min_height_frac)
        if lost_after_s is not None:
            params = replace(params, lost_after_s=lost_after_s)
        self.params = params
        self.min_height_frac = params.min_height_frac
        self.standing_deg = standing_deg
        self.body = body
        self._body_learned = replace(body, fit_core=params.fit_core_learned)  # for a learned mask's outline
        self.last_debug: Optional[PostureDebug] = None
        # What is remembered of the person followed (facing, feet, standing height, heel
        # reference). Facing votes are kept for a time window (side_window_s), not a number of
        # frames, so the side is as steady at 30 fps as at 15.
        self.track = PersonTrack(params.lost_after_s, heights_window=params.heights_window, votes_kept=None,
                                 feet_kept=params.feet_kept, heel_window=params.heel_ref_window,
                                 heel_min=params.heel_ref_min)
        self._reset_person()
        self._recent_backs: deque[tuple[float, float]] = deque()  # (t, bend) of the last back_jump_window_s
        # The camera's roll from the room's verticals (device/vision/level.py); a fixed one from the config.
        self.level = CameraLevel()
        self.fixed_roll: Optional[float] = None if roll_deg == "auto" else float(roll_deg)
        self._roll = 0.0  # this frame's (see _measure)
        self._tilt: Optional[tuple[float, float]] = None  # this frame's (shear, stretch) of a tilted camera
        self.opinions_used = 0  # frames whose trunk and back came from the segmenter's second opinion

    @classmethod
    def from_config(cls, camera, thresholds, segmenter: Optional[Segmenter] = None) -> "PostureEstimator":
        """Build from ``device.config`` sections (CameraConfig, ThresholdsConfig)."""
        return cls(segmenter=segmenter, wall_side=camera.wall_side, standing_deg=thresholds.standing_deg,
                   roll_deg=camera.roll_deg)

    def close(self) -> None:
        """Nothing to release (the estimator holds no model of its own; see the segmenter's)."""

    @property
    def lost_after_s(self) -> float:
        """A track unseen this long is forgotten (the next person starts afresh)."""
        return self.track.lost_after_s

    def _reset_person(self) -> None:
        self.track.reset()
        self._bbox: Optional[tuple[int, int, int, int]] = None
        self._last_blob: Optional[PersonBlob] = None
        # Standing back bend per mask source: each source outlines the back its own way, so a
        # bend from one is put on the scale of the first one this person was seen with.
        self._stand_backs: dict[str, StandingReference] = {}
        self._ref_source: Optional[str] = None
        # Hand-over scales (see EstimatorParams.handover_n): source -> offset onto the reference scale;
        # the last bends on a known scale (t, bend); a new source's first raw bends (t, bend).
        self._handover: dict[str, float] = {}
        self._known_recent: deque[tuple[float, float]] = deque(maxlen=8)
        self._pending: dict[str, list[tuple[float, float]]] = {}
        self._planted: Optional[tuple[float, float, float, float]] = None  # feet x, floor y, tolerance, t
        self._top_tall: Optional[tuple[float, float]] = None  # the highest head top standing tall here, feet x
        self._side_kept: tuple[Optional[str], float] = (None, 0.0)  # the wall side last named, and how sure
        self._lean: Optional[tuple[float, float]] = None  # (t, lean) for the segmenter: see lean_hint_conf
        self._stand_opinion_t = -math.inf  # when a standing bend was last asked of the second opinion
        self._hair_upright = 0  # upright back readings of this person so far (up to hair_cap_frames)
        self._hair_tops: list[float] = []  # the window tops of those that hair cut short
        # This person's body models with the back's window top where their hair began (fraction of the trunk):
        # (the background model's, the learned mask's); None while not decided or not capped.
        self._capped: Optional[tuple[BodyModel, BodyModel]] = None

    # -- state helpers -------------------------------------------------------

    def _wall_side(self) -> tuple[Optional[str], float]:
        """Wall side and how sure we are of it (1 when fixed by config)."""
        if self.wall_side_setting != "auto":
            return self.wall_side_setting, 1.0
        # Evidence, not agreement: each vote is right most of the time (about 4 in 5
        # on hard masks), so what makes the side sure is how many more votes point
        # one way than the other. Six net votes put a wrong majority below 1 %;
        # the window is finite, so a side read from bad masks is outvoted later.
        facing, sure = self.track.facing.by_margin(self.params.side_min_votes, self.params.side_votes_sure)
        if facing is None:
            # No side in the window: the votes expired (a camera turned off the side view gives the
            # feet no vote for seconds on end) or they cancel out. Neither is evidence that the person
            # turned round, so the side named last holds until votes name the other one.
            return self._side_kept
        # Facing right (+x) means the back, hence the wall, is on the left.
        self._side_kept = (opposite(facing), sure)
        return self._side_kept

    def _still(self, t: float, height: float) -> bool:
        """Feet planted: their centre moved less than ``still_move`` H over the last ``still_window_s``."""
        p = self.params
        return self.track.feet.still(t, height, p.still_window_s, p.still_min_span * p.still_window_s, p.still_move)

    # -- main ----------------------------------------------------------------

    def process(self, frame: Frame) -> PostureSample:
        """Measure one frame. Unseen measures are None with confidence 0."""
        img = frame.image
        if img is None or img.ndim != 3 or img.shape[2] != 3:
            raise ValueError("frame.image must be an HxWx3 BGR uint8 array")
        t = frame.t
        dbg = PostureDebug(t=t)
        self.last_debug = dbg
        lean = self._lean
        seg = self.segmenter.segment(img, lean=lean[1] if lean is not None and t - lean[0] <= self.params.lean_hint_s
                                     else None)
        state: SegmenterState = self.segmenter.state
        dbg.backend = state.backend
        if self.track.lost(t):
            self._reset_person()
            self._recent_backs.clear()
        if seg is None:
            self.segmenter.feedback(None)
            dbg.notes.append("segmenter not ready")
            return PostureSample(t=t)
        dbg.people_mask = seg.mask
        Hf, Wf = img.shape[:2]
        side_now, _ = self._wall_side()
        planted = self._planted
        if planted is not None and t - planted[3] > self.params.planted_keep_s:
            planted = self._planted = None
        blobs = label_blobs(seg.mask)
        blob = select_person(seg.mask, self.min_height_frac * Hf, self._bbox, side_now,
                             None if planted is None else planted[:3], labelled=blobs)
        # The background never learns where the person is now or was last frame:
        # one frame where the mask splits must not let part of them be absorbed.
        last = self._last_blob
        if last is not None and last.frame_shape != seg.mask.shape[:2]:
            last = None
        def protect(shape: Optional[tuple[int, int]] = None) -> Optional[np.ndarray]:
            # Built only when the segmenter learns from this frame (one in three).
            # Every person-sized blob too, not only the tracked one: a passer-by crossing in front
            # can take the track for a second or two, and the person standing still behind must
            # not be learned as wall meanwhile (their ghost would stick to their back when they hinge).
            # At the model's size (``shape``) straight from the blobs labelled above when it can.
            if shape is not None:
                half = _people_at_half(blobs, self.min_height_frac * Hf, shape, (blob, last))
                if half is not None:
                    return half
            m = _people(seg.mask, self.min_height_frac * Hf)
            if blob is None and last is None:
                return m
            if m is None:
                m = np.zeros(seg.mask.shape[:2], np.uint8)
            for b in (blob, last):
                if b is not None:
                    b.paint(m)
            return m

        self.segmenter.feedback(protect)
        self._last_blob = blob
        if self.fixed_roll is None:
            self.level.add(t, img, None if blob is None else blob.bbox)
            dbg.roll_deg = self._roll = self.level.roll_deg
            # A camera known to be tilted (mounted high and aimed down, or low and aimed up): what stands
            # the verticals upright around the person (their lean differs from column to column).
            self._tilt = None if blob is None else self.level.tilt_at(
                blob.bbox[0] + blob.bbox[2] / 2.0 - Wf / 2.0, blob.bbox[1] + blob.bbox[3] / 2.0 - Hf / 2.0, Wf)
        else:
            dbg.roll_deg = self._roll = self.fixed_roll
            self._tilt = None
        if blob is None:
            dbg.notes.append("no person")
            return PostureSample(t=t)
        dbg.person = blob
        self._bbox = blob.bbox
        self.track.seen(t)
        x, y, w, h = blob.bbox
        margin = self.params.edge_margin_px
        top_cut = y <= margin
        bottom_cut = y + h >= Hf - margin
        left_cut = x <= margin
        right_cut = x + w >= Wf - margin
        whole = not (top_cut or bottom_cut or left_cut or right_cut)
        dbg.whole_body = whole
        # The feet on the frame's bottom edge and nothing else cut, with a foot's length lying along that
        # edge: at most part of the shoes is missing (random scenes 894, 1925, 2004, 2096: a camera fitted
        # to the floor where the person stands, the near shoe 0-2 px above the last row and the picture's
        # blur carrying the mask onto it). Until round 58 such a frame had no measure at all, and a person
        # standing there all set long got every rep `unchecked`. The trunk, back, knee and heel are measured
        # as on a whole frame. Only once the person was seen whole (on each of those scenes while walking
        # in, a foot off the floor): the foot's length is judged against that height, and a picture cut
        # through the shins, whose height was never seen, gets no measure.
        standing_h = self.track.height.value
        feet_edge = (bottom_cut and not (top_cut or left_cut or right_cut) and standing_h is not None
                     and self._foot_at(blob, y + h - 1, standing_h, self.params.edge_foot_len))
        # The head on the frame's top edge and nothing else cut (a tall person, a camera low or close): a
        # picture cut anywhere from the crown to the chin. Until round 58 that person was never in position
        # and every rep was `unchecked` (`clean` seed 3 at 320x240, the frame starting at the crown).
        # Measured as a whole person; the trunk still needs its shoulder 0.05 H below the edge (``trunk_ok``).
        # The standing height is then the tallest such frame (a median of 3, as for whole frames) until the
        # person is seen whole: short by the cut, so the back's window sits low by as much and rounding reads
        # lower (the same scene with 6 % of its height cut: its two rounded reps 21.1 and 15.4 -> 14.6 and 10.7 deg).
        head_edge = top_cut and not (bottom_cut or left_cut or right_cut)
        body = whole or feet_edge or head_edge
        dbg.feet_at_edge = feet_edge
        dbg.head_at_edge = head_edge

        # Standing height: the tallest the (whole) person has been on this track,
        # from a median of 3 frames so one bad mask cannot inflate it (and from planted
        # frames with the soles on the edge, below, once ``still`` is known).
        if whole:
            self.track.height.add(float(h), t, wide=w > self.params.merge_aspect * h)
        elif head_edge:  # never used once a whole frame was seen
            self.track.height_at_top.add(float(h), t, wide=w > self.params.merge_aspect * h)
        standing_h = self.track.height.value
        if standing_h is None:
            standing_h = self.track.height_at_top.value
        H = standing_h if standing_h is not None else float(h)
        dbg.standing_height_px = H

        feet_x = None
        if not bottom_cut or feet_edge:
            feet_x = self._feet_x(blob, y + h - 1, H)
            self.track.feet.add(t, self._feet_x(blob, y + h - 1, H, self.params.still_band))
        still = feet_x is not None and self._still(t, H)
        if feet_edge and still:
            # Planted with the soles on the edge, the blob is the person's height less at most a sliver of
            # shoe: the standing height is taken here too. Walking frames alone read it short (the head is
            # lower in a stride: `clean` seed 1 with its soles on the last row, 181 px against 187 uncut), and
            # a short height puts the back's window low, so the standing back read 3.5 deg rounder and
            # every rep's rounding that much less.
            self.track.height.add(float(h), t, wide=w > self.params.merge_aspect * h)
            standing_h = H = self.track.height.value
            dbg.standing_height_px = H
        dbg.still = still
        if still and whole and feet_x is not None:
            self._planted = (feet_x, float(y + h), self.params.planted_tol * H, t)
        floor_below = self._floor_below(blob, feet_x, still and whole, H) if standing_h is not None else 0.0

        # Facing votes only from planted feet: a walking stride spreads the feet.
        if body and still and self.wall_side_setting == "auto":
            parts = facing_parts(blob.region(x, y, x + w, y + h), standing_h, self.params.hinge_height, self._roll)
            feet_fs, hinge_fs = parts if parts is not None else (None, None)
            fs = None if feet_fs is None else feet_fs + (hinge_fs or 0.0)
            # 0.03: on exact synthetic masks (yaw 0-20 deg) 0.2 % of standing votes
            # beyond it point the wrong way, 2.5 % beyond 0.02. The hinge cue (blob
            # clearly shorter than standing) was never wrong: it counts twice.
            if (hinge_fs is not None and abs(feet_fs) <= self.params.facing_min
                    and abs(hinge_fs) >= self.params.hinge_alone):
                # Feet too weak to trust (at 15-20 deg of yaw they can score -0.03 the wrong way on every
                # frame, random scene 1006): a clear hinge's shape votes alone, as a hinge does.
                self.track.facing.add(t, hinge_fs, weight=2, lasting=True)
            elif fs is not None and (abs(fs) > self.params.facing_min or (
                    abs(fs) >= self.params.facing_weak and self._wall_side()[1] < 1.0)):
                hinged = hinge_fs is not None
                self.track.facing.add(t, fs, weight=2 if hinged else 1,
                                      lasting=hinged and abs(fs) > self.params.facing_min)
            self.track.facing.forget_older(t, self.params.side_window_s, keep_last=int(self.params.side_votes_sure),
                                           lasting_s=self.params.hinge_vote_keep_s)
        side, side_sure = self._wall_side()
        dbg.wall_side = side
        dbg.facing = opposite(side)

        in_position = body and still and side is not None and side_sure >= self.params.in_position_sure
        # Cut by the picture's edge beyond what is measured as whole: the person may stand right where they
        # should and still go unmeasured, so an `unchecked` rep asks for the camera to be aimed, not for the
        # person to step into view (they are in view).
        sample = dict(t=t, person=True, in_position=in_position, cut_by_frame=not body)
        feet_cut = bottom_cut and not feet_edge
        if side is None or feet_cut:
            dbg.notes.append("feet not in view" if feet_cut else "facing unknown")
            return PostureSample(**sample)
        p = self.params
        m = self._measure(img, blob, H, side, state.learned_mask, seg.soft, floor_below)
        source = state.backend
        if m is not None and not state.learned_mask:
            m, source = self._second_opinion(img, m, blob, H, side, source, in_position, state.checked, t)
            if source != state.backend:
                dbg.notes.append("back from the second opinion")
        dbg.measures = m
        if m is None:
            return PostureSample(**sample)
        self._note_hair(m)
        # Standing height not yet seen whole: proportions are guesses.
        h_known = 1.0 if standing_h is not None else self.params.unknown_height_conf
        back_cut = left_cut if side == "left" else right_cut
        # A cropped head is fine as long as the shoulder is well inside the frame.
        shoulder_cut = top_cut and m.shoulder is not None and m.shoulder[1] <= 0.05 * H
        trunk_ok = not back_cut and m.shoulder is not None and not shoulder_cut
        if shoulder_cut:
            sample.update(cut_by_frame=True)  # the shoulders at the top edge: no trunk
        k = side_sure * h_known
        if (trunk_ok and body and still and self.wall_side_setting == "auto" and standing_h
                and h >= p.lean_back_height * standing_h and m.trunk_inclination_deg is not None
                and m.trunk_inclination_deg < -p.lean_back_deg and m.conf_trunk >= 0.5):
            # Standing at full height, the trunk "leans back" far beyond any person's: the front of the
            # body was measured as the back. A vote for the other side (the facing is the wall side's
            # opposite, so the facing this vote names is the wall side itself).
            self.track.facing.add(t, 1.0 if side == "right" else -1.0)
        if trunk_ok and m.trunk_inclination_deg is not None:
            trunk_conf = m.conf_trunk * k
            if m.back_bend_deg is not None and abs(m.back_bend_deg) > self.body.max_bend_deg:
                # A "back" bent beyond any person's is an outline that lost the back (a learned mask on
                # a shirt the colour of the wall), and the trunk's axis is placed on that same outline:
                # standing people read 20-30 deg inclined and began reps that were never there.
                trunk_conf *= p.broken_back_trunk_conf
            sample.update(trunk_inclination_deg=m.trunk_inclination_deg, trunk_conf=trunk_conf)
            if trunk_conf >= p.lean_hint_conf:
                # Positive when the head is to the right of the hips: a person facing away from a wall
                # on the left leans to the right. In the picture, as the segmenter turns its crop: the
                # camera's roll (> 0: the verticals' tops to the right) put back.
                lean = m.trunk_inclination_deg if side == "left" else -m.trunk_inclination_deg
                self._lean = (t, lean + dbg.roll_deg)
            # Hip joint above the floor (fraction of standing height); the hip comes from
            # the buttocks' outline, which a walking stride distorts: planted feet only.
            if m.hip is not None and still:
                sample.update(hip_height=(m.floor_y - m.hip[1]) / H)
            if m.back_bend_deg is not None:
                standing = (still and in_position and m.trunk_inclination_deg <= self.standing_deg
                            and m.conf_back * k >= 0.5)
                bend, conf = self._same_scale(source, m.back_bend_deg, m.conf_back * k, standing, t)
                sample.update(back_bend_deg=bend, back_conf=conf * self._steady(t, bend, conf))
        if body and m.knee_angle_deg is not None:
            sample.update(knee_angle_deg=m.knee_angle_deg, knee_conf=m.conf_knee * k)
        if body and m.heel_rise is not None:
            standing = m.trunk_inclination_deg is not None and m.trunk_inclination_deg <= self.standing_deg
            if standing and still and floor_below <= 0.0:
                self.track.heel.add(m.heel_rise)
            ref = self.track.heel.value
            if ref is not None:
                sample.update(heel_lift=max(0.0, m.heel_rise - ref),
                              heel_conf=m.conf_heel * k * self._heel_belief(state.backend, seg, m, blob, ref, H,
                                                                             floor_below))
        return PostureSample(**sample)

    def _heel_belief(self, backend: str, seg: Segmentation, m: SilhouetteMeasures, blob: "PersonBlob",
                     ref: float, H: float, floor_below: float) -> float:
        """How far this frame's heel lift is believed (a factor of its confidence): 1, or a hint
        (``heel_conf_learned``) where the outline at the floor is not the feet.

        - The learned mask's soft foot outline is a hint (:func:`heel_conf_factor`), unless its feet are the
          background model's own (random scene 1606: two heel lifts).
        - Feet the mask lost (``floor_below`` > 0, :meth:`_floor_below`): the heel would be read off the
          trouser hems, which rise and fall as the knees bend: with the shoes painted out of the synthetic
          athlete's planted frames, good reps' hems read lifts of 0.014-0.016 H against the 0.012 H line
          (tests/test_heel_not_the_feet.py). Nor do such frames enter the standing reference.
        - A standing reference whose toe end stands above its heel end (``heel_toe_up``): not a foot flat on
          the floor (random scene 2823, black shoes lost on a dark gym floor: four good reps read `heel_lift`
          at 0.018 H, the far hem going level with the near one as the knees bent)."""
        p = self.params
        hint = p.heel_conf_learned
        if floor_below > 0.0 or ref * H < -max(p.heel_toe_up * H, p.heel_toe_up_px):
            return hint
        coarse = heel_conf_factor(backend, p)
        if coarse < 1.0 and seg.sharp is not None and _same_feet(seg.mask, seg.sharp, m, blob.bbox):
            coarse = 1.0
        return coarse

    def _measure(self, img: np.ndarray, blob: "PersonBlob", H: float, side: str, learned: bool,
                 soft_full: Optional[np.ndarray], floor_below: float = 0.0) -> Optional[SilhouetteMeasures]:
        """The silhouette measures of ``blob`` (a person on a mask the background model made, or a
        learned one when ``learned``), in frame pixels; ``floor_below``: see :meth:`_floor_below`."""
        # Measure inside the person's box only (cheaper), then back to frame pixels.
        x, y, w, h = blob.bbox
        x0, y0 = max(0, x - 2), max(0, y - 2)
        crop = blob.region(x0, y0, x + w + 2, y + h + 2)
        p = self.params
        if learned:
            crop = _without_thin_attachments(crop, H, p.attachment_frac, p.attachment_min_area)
        soft = None if soft_full is None else soft_full[y0 : y + h + 2, x0 : x + w + 2]
        # The learned mask is upsampled from a 256 px model: its edge can be several
        # pixels off, so the back's colour edge is searched for farther out.
        # Both reaches are per 640 px of width: at 320x240 a 2.5 px search spans the width a 5 px one does
        # at 640, and in a dim room it found noise beside the back (`lowres` seed 0: bends scattered by a
        # median 16 deg about their median instead of 8.5, so most reps were unchecked).
        reach = (p.edge_reach_px + (p.edge_reach_learned_px if learned else 0.0)) * img.shape[1] / 640.0
        patch = img[y0 : y + h + 2, x0 : x + w + 2]
        min_contrast = edge_step(patch, p)
        back = None
        if self._roll or self._tilt is not None:
            # A camera not level: the person is measured on their crop turned upright (the measures
            # know "up" as the picture's rows: the trunk's inclination, the standing back, the heel).
            crop, soft, patch, back = level_crops(crop, soft, patch, self._roll, self._tilt)
            if self._tilt is not None:
                H *= self._tilt[1]  # the crop's rows stretched: the person's proportions with them
        if self._capped is not None:
            body = self._capped[1] if learned else self._capped[0]
        else:
            body = self._body_learned if learned else self.body
        m = measure_silhouette(crop, side, H, body, soft, patch,
                               edge_reach=reach,
                               min_contrast=min_contrast, edge_outermost=learned,
                               buttock_open=p.buttock_open,
                               buttock_bump_min=0.0 if learned else p.buttock_bump_min_background,
                               floor_below=floor_below)
        if m is None:
            return None
        if back is not None:
            m = transform_measures(m, back)
        return shift_measures(m, x0, y0)

    def _note_hair(self, m: SilhouetteMeasures) -> None:
        """Count this person's first upright back readings and the ones hair cut short; once there are
        ``hair_cap_frames`` of them, cap the back's window where the hair began if it did so often enough, at
        one place, near the neck (see ``EstimatorParams.hair_cap_frames``). Decided once per person."""
        p = self.params
        if self._hair_upright >= p.hair_cap_frames or m.back_bend_deg is None or m.trunk_inclination_deg is None:
            return
        if abs(m.trunk_inclination_deg) >= self.body.hair_upright_deg:
            return
        self._hair_upright += 1
        if m.hair_cut_top is not None:
            self._hair_tops.append(m.hair_cut_top)
        if self._hair_upright >= p.hair_cap_frames and len(self._hair_tops) >= p.hair_cap_frac * self._hair_upright:
            tops = np.array(self._hair_tops)
            top = float(np.median(tops))
            if top >= p.hair_cap_min_top and float(np.median(np.abs(tops - top))) <= p.hair_cap_mad:
                self._capped = (replace(self.body, back_top=min(top, self.body.back_top)),
                                replace(self._body_learned, back_top=min(top, self._body_learned.back_top)))

    def _second_opinion(self, img: np.ndarray, m: SilhouetteMeasures, blob: "PersonBlob", H: float, side: str,
                        source: str, in_position: bool, checked: bool, t: float) -> tuple[SilhouetteMeasures, str]:
        """The measures ``m`` from the trusted background model's mask, with the trunk and the back
        taken from the segmenter's second opinion (:meth:`Segmenter.second_opinion`: the background
        mask fused with the learned one) where ``m``'s back is broken, and the name of the mask the
        back then comes from (else ``source``).

        A back "bent" beyond any person's on the background model's mask is a back it lost (a white top
        swept in front of a white wall face only as they hinge: the whole-mask check every
        ``check_every`` frames still agrees). The fused mask's back is used for that frame when it is
        not broken too; the legs stay the background model's (its outline of them is the finer).

        The fused mask outlines a back its own way (several degrees of bend apart), so its bends are put
        on this person's scale from its own standing bends (:meth:`_same_scale`), never from a hand-over:
        the background model's last bends before it lost the back are those of a back already
        half-lost. Those standing bends are taken on check frames (``checked``: the learned mask is at
        hand anyway) and, until ``scale_min_standing`` are known, at most every
        ``opinion_stand_s`` while the person stands still in position (a few runs of the learned
        model per person). Until then a broken back stays unseen.
        """
        p = self.params
        broken = m.back_bend_deg is not None and abs(m.back_bend_deg) > self.body.max_bend_deg
        scale = self._stand_backs.get(FUSED)
        known = scale is not None and scale.known
        upright = (in_position and not broken and m.back_bend_deg is not None and m.trunk_inclination_deg is not None
                   and m.trunk_inclination_deg <= self.standing_deg)
        standing = upright and (checked or (not known and t - self._stand_opinion_t >= p.opinion_stand_s))
        if not ((broken and known) or standing):
            return m, source
        op = self.segmenter.second_opinion(img)
        if op is None:
            return m, source
        if standing:
            self._stand_opinion_t = t
        other = select_person(op.mask, self.min_height_frac * img.shape[0], blob.bbox, side)
        m2 = None if other is None else self._measure(img, other, H, side, True, None)
        if m2 is None or m2.back_bend_deg is None or abs(m2.back_bend_deg) > self.body.max_bend_deg:
            return m, source
        if standing:
            if m2.conf_back >= 0.5:
                self._same_scale(op.backend, m2.back_bend_deg, m2.conf_back, True)
            return m, source
        self.opinions_used += 1
        return replace(m, shoulder=m2.shoulder, back_path=m2.back_path, back_segment=m2.back_segment,
                       chord=m2.chord, sagitta_px=m2.sagitta_px, trunk_inclination_deg=m2.trunk_inclination_deg,
                       back_bend_deg=m2.back_bend_deg, conf_trunk=m2.conf_trunk, conf_back=m2.conf_back,
                       edge_support=m2.edge_support), op.backend

    def _steady(self, t: float, bend: float, conf: float) -> float:
        """Confidence factor of a back bend from its agreement with the last ``back_jump_window_s``
        (see :class:`EstimatorParams`); every measured bend enters the window, so a lasting change
        is believed after about half of it."""
        p = self.params
        recent = self._recent_backs
        # The window holds at least back_window_min_n bends (up to back_window_max_s old): at 15 fps 0.25 s
        # holds 3-4, whose median deviation is no measure of scatter (one of them is the median itself).
        while recent and t - recent[0][0] > p.back_jump_window_s and (
                len(recent) > p.back_window_min_n or t - recent[0][0] > p.back_window_max_s):
            recent.popleft()
        factor = 1.0
        if len(recent) >= p.back_jump_min:
            backs = [b for _, b in recent]
            med = statistics.median(backs)
            dev = abs(bend - med)
            factor = min(max(1.0 - (dev - p.back_jump_deg) / p.back_jump_fade_deg, 0.0), 1.0)
            # A back whose bends scatter frame to frame is not measured at all (a 30 px back in a dim room:
            # +-40 deg from one frame to the next); its peaks would read as rounding. A real change over the
            # window (a back rounding through a descent) spreads the bends by a few degrees at most.
            spread = statistics.median(abs(b - med) for b in backs + [bend])
            factor *= min(max(1.0 - (spread - p.back_spread_deg) / p.back_spread_fade_deg, 0.0), 1.0)
        if conf > 0:
            recent.append((t, bend))
        return factor

    def _same_scale(self, source: str, bend: float, conf: float, standing: bool,
                    t: Optional[float] = None) -> tuple[float, float]:
        """The back bend from mask ``source`` on the scale of the first source this person was seen with.

        A learned mask and the background model outline the same back differently (by several
        degrees of bend): a person already standing in view when the station starts is first seen
        through the learned mask, the engine takes the standing baseline from it, and once the
        background model takes over every rep would read that offset as rounding. So each source's
        standing bends are kept, and a bend from another source is shifted by the difference of the
        standing medians; until that source has been seen standing, its bend is put on the scale
        taken at the hand-over (:meth:`_handover_scale`), or doubted when there was none.
        """
        p = self.params
        if standing:
            if source not in self._stand_backs:
                self._stand_backs[source] = StandingReference(p.scale_window, p.scale_min_standing)
            self._stand_backs[source].add(bend)
        mine = self._stand_backs.get(source)
        if self._ref_source is None:
            if mine is not None and mine.known:
                self._ref_source = source
            return bend, conf
        if source == self._ref_source:
            out = bend
        elif mine is not None and mine.known:
            out = bend + self._stand_backs[self._ref_source].value - mine.value
        else:
            off = self._handover_scale(source, bend, conf, t)
            if off is None:
                return bend, conf * p.scale_unknown_conf
            return bend + off, conf * p.handover_conf
        if t is not None and conf >= 0.5:
            self._known_recent.append((t, out))
        self._pending.pop(source, None)
        return out, conf

    def _handover_scale(self, source: str, bend: float, conf: float, t: Optional[float]) -> Optional[float]:
        """The offset onto the reference scale of ``source``, not seen standing yet, from where it took
        over: the median of the last ``handover_n`` confident bends on a known scale, at most
        ``handover_gap_s`` before its first bends, against the median of its first ``handover_n``
        confident bends. None until there are that many (or when nothing came just before it)."""
        p = self.params
        off = self._handover.get(source)
        if off is not None or t is None:
            return off
        if conf < 0.5:
            return None
        pend = self._pending.setdefault(source, [])
        pend.append((t, bend))
        if len(pend) < p.handover_n:
            return None
        first_t = pend[0][0]
        before = [b for tt, b in self._known_recent if first_t - p.handover_gap_s <= tt < first_t]
        if len(before) < p.handover_n:
            self._pending.pop(source, None)  # nothing just before it to take the scale from: start over
            return None
        off = statistics.median(before[-p.handover_n:]) - statistics.median(b for _, b in pend[: p.handover_n])
        self._handover[source] = off
        return off

    def _floor_below(self, blob: PersonBlob, feet_x: Optional[float], planted: bool, H: float) -> float:
        """How far (px) below the mask's lowest row the floor lies: more than 0 only for planted feet
        that the mask lost.

        Dark shoes on a dark floor drop out of a background model's mask once the person stands still
        (random scene 1423: shoes and floor a few grey levels apart, the mask ends at the trouser hems
        0.054 H above the floor on every frame at the wall). Every height the measures read is a
        fraction of H above the mask's lowest row, so all of them sat 0.054 H too high: the thigh's
        rows the knee is read on reached into the buttocks and locked knees read 5-7 deg bent. The
        standing height comes from the tallest whole frames, walking in included, where moving feet
        are seen; standing tall at the wall, the head top plus that height is the floor. So the
        highest head top of this spot's tall, still frames is kept, and where the lowest rows hold no
        foot (:meth:`_foot_at`) and that floor lies between ``feet_lost_min`` and ``feet_lost_max`` of
        H below the mask, the measures take it (the heel is still read off the hems: a heel lifting
        lifts them too). The tallest height can be up to 5 % over the standing one (random scene 1406:
        324 px from a walking frame against 308 standing, the feet in the mask), which is why a foot
        in the lowest rows always keeps the mask's own floor. docs/station-vision.md, round 50."""
        p = self.params
        _, y, _, h = blob.bbox
        tol = p.planted_tol * H
        kept = self._top_tall
        if feet_x is None or (kept is not None and abs(feet_x - kept[1]) > tol):
            # The feet stand elsewhere (or are cut off): that head top is not over this floor.
            kept = self._top_tall = None
        if planted and h >= p.tall_frac * H and feet_x is not None:
            top = float(y) if kept is None else min(kept[0], float(y))
            kept = self._top_tall = (top, feet_x if kept is None else kept[1])
        if kept is None:
            return 0.0
        gap = kept[0] + H - (y + h)
        if not (p.feet_lost_min * H <= gap <= p.feet_lost_max * H):
            return 0.0
        return gap if not self._foot_at(blob, y + h - 1, H) else 0.0

    def _foot_at(self, blob: PersonBlob, bottom: int, H: float, min_len: Optional[float] = None) -> bool:
        """A foot in the mask's lowest rows (the lowest ``foot_rows`` of H): they span at least
        ``foot_min_len`` of H. A foot seen from the side is about 0.15 H long (0.14-0.16 on 44 of the 45
        random scenes of 1300-1323 and 1400-1423 whose floor was right; 1400, at 320x240, 0.08, and
        there the floor from the standing height agrees with the mask's anyway); trouser hems over lost
        shoes span 0.05-0.08 H (1423, 1313). With ``min_len`` (of H), a foot must be there and span that much."""
        x0 = blob.roi_xy[0]
        rows = blob.region(x0, max(0, int(bottom - self.params.foot_rows * H)), x0 + blob.roi_mask.shape[1], bottom + 1)
        xs = np.flatnonzero(rows.any(axis=0))
        if min_len is not None:  # a foot must be there (feet on the frame's edge)
            return len(xs) > 0 and xs[-1] - xs[0] + 1 >= min_len * H
        return len(xs) == 0 or xs[-1] - xs[0] + 1 >= self.params.foot_min_len * H

    @staticmethod
    def _feet_x(blob: PersonBlob, bottom: int, H: float, band: float = 0.04) -> float:
        """Mean x of the columns the mask holds over the ``band`` (of H) above its lowest row: the
        feet, where the person stands (with a wider band, the shins too: ``still_band``)."""
        y0 = max(0, int(bottom - band * H))
        x0 = blob.roi_xy[0]
        rows = blob.region(x0, y0, x0 + blob.roi_mask.shape[1], bottom + 1)
        xs = np.flatnonzero(rows.any(axis=0)) + x0
        return float(xs.mean()) if len(xs) else 0.0
