"""What both posture estimators remember about the person they follow.

A single frame cannot tell which way someone faces (a turn on the spot looks like
any other frame), whether their feet are planted or walking, how tall they stand,
or where their heel rests standing. Both estimators -- the station's silhouette
estimator (:mod:`device.vision.estimator`) and the pose-guided one for phone videos
(:mod:`device.vision.pose`) -- keep that across frames with the pieces here, each
with its own numbers (``EstimatorParams`` / ``PoseModelParams``):

- :class:`FacingVotes`: timed votes for the facing, and two ways to read them
  (net sign count for the silhouette's noisy-but-many votes, median with agreement
  for the pose model's fewer, graded ones);
- :class:`FeetTrack`: where the feet were, hence planted (still) or walking;
- :class:`StandingHeight`: the person's standing height from whole-body frames;
- :class:`StandingReference`: a median of a measure taken while standing still (the
  heel's rest position);
- :class:`PersonTrack`: all of the above for one person, plus when they were last
  seen; a track unseen for ``lost_after_s`` is lost and everything is forgotten
  together (the next person starts afresh).

Facing is "right" when the person looks towards +x; the wall (their back) is then
on the left: :func:`opposite`.
"""

from __future__ import annotations

import statistics
from collections import deque
from typing import Optional

import numpy as np


def opposite(side: Optional[str]) -> Optional[str]:
    """"left" <-> "right" (facing <-> wall side); None stays None."""
    if side is None:
        return None
    return "right" if side == "left" else "left"


class FacingVotes:
    """Timed evidence of the facing: ``(t, vote)``, vote > 0 looking right (+x), < 0 left.

    ``maxlen``: at most this many votes are kept (None: no limit; old ones go by
    :meth:`forget_older` instead).
    """

    def __init__(self, maxlen: Optional[int] = None) -> None:
        self._votes: deque[tuple[float, float]] = deque(maxlen=maxlen)
        # Votes from a sure cue, kept longer (see add's ``lasting``); by_margin counts them with the others.
        # (The silhouette estimator adds them; the pose model, which reads by_median, adds none.)
        self._lasting: deque[tuple[float, float]] = deque(maxlen=maxlen)
        self._margin_cache: Optional[tuple] = None

    def __len__(self) -> int:
        return len(self._votes) + len(self._lasting)

    def add(self, t: float, vote: float, weight: int = 1, lasting: bool = False) -> None:
        """Count ``vote`` at time ``t``, ``weight`` times (a sure cue counts more). ``lasting``: the vote
        is forgotten only after :meth:`forget_older`'s ``lasting_s``, not its ``window_s``."""
        votes = self._lasting if lasting else self._votes
        for _ in range(weight):
            votes.append((t, vote))

    def forget_older(self, t: float, window_s: float, keep_last: int = 0,
                     lasting_s: Optional[float] = None) -> None:
        """Drop votes more than ``window_s`` before ``t``: a side read from bad frames is outvoted later.

        ``keep_last``: the newest this many votes are kept however old they are. Votes that merely
        expire are no evidence of a turn: without this, a person whose feet give no vote for a while
        (a camera at 20 deg of yaw) lost their side, and their reps went unchecked. ``lasting_s``: how
        long the lasting votes are kept (default ``window_s``)."""
        while len(self._votes) > keep_last and t - self._votes[0][0] > window_s:
            self._votes.popleft()
        keep_s = window_s if lasting_s is None else lasting_s
        while self._lasting and t - self._lasting[0][0] > keep_s:
            self._lasting.popleft()

    def by_margin(self, min_votes: float, sure_votes: float) -> tuple[Optional[str], float]:
        """Facing from how many more votes point one way than the other (each vote counts its sign).

        Evidence, not agreement: when each vote is right most of the time, what makes
        the facing sure is the net count. None below ``min_votes`` net votes (one
        vote may be a turn on the spot); sure (1.0) at ``sure_votes``.
        """
        if not self._votes and not self._lasting:
            return None, 0.0
        # Reading the votes costs a pass over them; they change only when one is added or forgotten.
        key = (len(self._votes), self._votes[-1] if self._votes else None, self._votes[0][0] if self._votes else None,
               len(self._lasting), self._lasting[-1] if self._lasting else None,
               self._lasting[0][0] if self._lasting else None)
        if self._margin_cache is not None and self._margin_cache[0] == key:
            return self._margin_cache[1]
        # The sum of the votes' signs. The lasting votes (a sure cue: a hinge) name the side on their own
        # once they reach ``min_votes``; the others then only add to how sure it is, where they agree. At
        # 15-20 deg of yaw planted feet can vote the wrong way on every frame, more often than the reps
        # give hinge votes (random scene 1006: the side went back to the feet's between deep reps).
        lasting = float(sum((f > 0) - (f < 0) for _, f in self._lasting))
        others = float(sum((f > 0) - (f < 0) for _, f in self._votes))
        if abs(lasting) >= min_votes:
            margin = lasting + (others if others * lasting > 0 else 0.0)
        else:
            margin = lasting + others
        if abs(margin) < min_votes:
            result: tuple[Optional[str], float] = (None, 0.0)
        else:
            result = ("right" if margin > 0 else "left", min(abs(margin) / sure_votes, 1.0))
        self._margin_cache = (key, result)
        return result

    def by_median(self, t: float, window_s: float, votes_needed: float) -> tuple[Optional[str], float]:
        """Facing from the median of the votes of the last ``window_s`` before ``t``.

        Recent votes only: a person turns round after walking in, and what they faced
        on the way in says nothing about where they face at the wall. With no recent
        vote (a lockout held with shuffling feet) every kept vote counts, so the last
        known facing holds. Sure when ``votes_needed`` votes all agree; disagreement
        lowers it (half of them against: 0).
        """
        recent = [v for tv, v in self._votes if t - tv <= window_s]
        if not recent:
            recent = [v for _, v in self._votes]
        if not recent:
            return None, 0.0
        v = np.array(recent, float)
        score = float(np.median(v))
        agree = float(np.mean(np.sign(v) == np.sign(score)))
        sure = min(1.0, len(v) / votes_needed) * max(0.0, 2.0 * agree - 1.0)
        return ("right" if score > 0 else "left"), sure


class FeetTrack:
    """Where the feet's centre was (``(t, x)``, the last ``maxlen`` frames): planted or walking."""

    def __init__(self, maxlen: int = 90) -> None:
        self._feet: deque[tuple[float, float]] = deque(maxlen=maxlen)

    def __len__(self) -> int:
        return len(self._feet)

    def add(self, t: float, x: float) -> None:
        self._feet.append((t, x))

    def _recent(self, t: float, window_s: float) -> list[tuple[float, float]]:
        return [(tt, x) for tt, x in self._feet if t - tt <= window_s]

    def still(self, t: float, height: float, window_s: float, min_span_s: float, max_move: float) -> bool:
        """Feet planted: over the last ``window_s`` (at least 3 frames spanning ``min_span_s``)
        their centre moved less than ``max_move`` of ``height``.

        A walking step moves the feet's centre by about 0.2-0.4 of stature per half second.
        """
        recent = self._recent(t, window_s)
        if len(recent) < 3 or recent[-1][0] - recent[0][0] < min_span_s:
            return False
        xs = [x for _, x in recent]
        return max(xs) - min(xs) < max_move * height

    def moving(self, t: float, height: float, window_s: float, min_move: float) -> bool:
        """Feet seen moving: over the last ``window_s`` (at least 3 frames) their centre
        moved more than ``min_move`` of ``height`` (walking, whatever the trunk shows)."""
        xs = [x for _, x in self._recent(t, window_s)]
        return len(xs) >= 3 and max(xs) - min(xs) > min_move * height


class StandingHeight:
    """The person's standing height in pixels, from whole-body frames of this track.

    Two rules, one per estimator:

    - ``percentile=None`` (the silhouette's): the tallest the person has been, each
      height being the median of the last ``window`` frames, so one bad mask cannot
      inflate it. It never shrinks on this track.
    - ``percentile=q`` (the pose model's, fed only upright frames): that percentile of
      the last ``window`` heights, so the start of a hinge does not shrink it.
    """

    def __init__(self, window: int, percentile: Optional[float] = None, jump_frac: float = 0.05,
                 jump_s: float = 0.5, settle_s: float = 3.0, jump_s_settled: float = 2.0) -> None:
        self.percentile = percentile
        self._heights: deque[float] = deque(maxlen=window)
        self._tallest: Optional[float] = None
        # The silhouette's rule: a height more than ``jump_frac`` above the tallest so far is believed
        # only once it has held for ``jump_s`` (when the frames' times are given). People do not grow: a
        # learned mask that took in something above the head for a quarter of a second (walking in,
        # frames 2.97-3.17 s of `mixed` seed 1: 322 px against 257) set the height 25 % too tall for the
        # whole set, and every proportion with it (the back's window reached the neck). 5 %, not 10 %:
        # random scene 418, walking in under a poster whose stripes the background model took for
        # foreground for 0.27 s, the blob stood 288-290 px against 265 (9 %), and that height put the
        # back's window on the neck (every hinge read about 10 deg rounder). The height from planted feet
        # only was tried instead: in a dim room (random 402) dark shoes on a dark floor drop out of the
        # standing mask, and only the walking frames had the feet.
        # The jump must hold on every whole-body frame of that time, the newest included, without a gap:
        # before, a median of the last three heights could still hold the tall ones after the frames in
        # between were not whole (random scene 202 at 24 fps: a passer-by merged with the person for 0.3 s,
        # 217 px against 187, then 0.25 s cut at the frame's edge; the first whole frame after it, 145 px
        # hinged, still gave a median of 215 and 0.54 s had passed, so the height became 215 for the rest
        # of the set and every later rep read about 12 deg rounder; at 25 fps the same scene stayed 187).
        # A jump above a height kept for ``settle_s`` whose frames include a wide blob (``add(wide=True)``:
        # two people side by side, not one taller person) must hold for ``jump_s_settled``. A passer-by who
        # crosses behind someone standing merges with them for as long as they overlap: `passerby` seed 6
        # (30 fps), a blob 406-434 px tall and 0.57-0.68 of that wide for 0.5 s against the 364 px the person
        # had stood at for 25 s; the height became 433 for the rest of the set and the back's window reached
        # the head (every later rep read about 20 deg rounder, four good reps `rounded`). Settled alone is
        # not enough: `standing_start` seed 4 is first seen whole 213 px tall (a person in view from power-on)
        # and its true 290 px, 3.2 s later, comes from narrow frames (0.34-0.36) that a 2 s hold kept out for
        # most of the set (one verdict of six right instead of four).
        self.jump_frac = jump_frac
        self.jump_s = jump_s
        self.settle_s = settle_s
        self.jump_s_settled = jump_s_settled
        self._jump_since: Optional[float] = None
        self._jump_wide = False  # a frame of the present jump was a wide blob
        self._last_t: Optional[float] = None
        self._level_since: Optional[float] = None  # when the present tallest height was first taken

    def __len__(self) -> int:
        return len(self._heights)

    def add(self, h: float, t: Optional[float] = None, wide: bool = False) -> None:
        """One whole-body frame's height ``h`` at time ``t``; ``wide``: its blob is much wider than a
        person standing (see ``__init__``)."""
        self._heights.append(h)
        if self.percentile is None:
            hm = float(statistics.median(self._heights))
            last_t, self._last_t = self._last_t, t
            if self._tallest is None:
                self._tallest = hm
                self._level_since = t
            elif t is not None and hm > self._tallest * (1.0 + self.jump_frac):
                above = self._tallest * (1.0 + self.jump_frac)
                gap = last_t is not None and t - last_t > self.jump_s / 2
                if h <= above or gap:  # this frame does not hold the jump, or frames in between were not seen
                    self._jump_since = None if h <= above else t
                    self._jump_wide = wide and h > above
                    return
                if self._jump_since is None:
                    self._jump_since = t
                    self._jump_wide = False
                self._jump_wide = self._jump_wide or wide
                settled = self._level_since is not None and self._jump_since - self._level_since >= self.settle_s
                if t - self._jump_since >= (self.jump_s_settled if settled and self._jump_wide else self.jump_s):
                    self._tallest = hm
                    self._jump_since = None
                    self._level_since = t
            else:
                self._jump_since = None
                self._tallest = max(self._tallest, hm)

    @property
    def value(self) -> Optional[float]:
        """The standing height, None until a frame was added."""
        if self.percentile is None:
            return self._tallest
        return float(np.percentile(self._heights, self.percentile)) if self._heights else None

    def median(self) -> Optional[float]:
        """Median of the kept heights (None if none)."""
        return float(np.median(self._heights)) if self._heights else None


class StandingReference:
    """A measure's value at rest: the median of the last ``window`` values taken standing still,
    known once ``min_count`` were taken (the heel's rest position, for heel lift)."""

    def __init__(self, window: int = 30, min_count: int = 5) -> None:
        self.min_count = min_count
        self._values: deque[float] = deque(maxlen=window)

    def __len__(self) -> int:
        return len(self._values)

    def add(self, v: float) -> None:
        self._values.append(v)

    @property
    def known(self) -> bool:
        """Enough values were taken (``min_count``)."""
        return len(self._values) >= self.min_count

    @property
    def value(self) -> Optional[float]:
        """The median of the kept values, None until ``min_count`` were taken."""
        if len(self._values) < self.min_count:
            return None
        return float(statistics.median(self._values))


class PersonTrack:
    """What an estimator remembers about the person it follows, forgotten together.

    ``lost_after_s``: a track unseen this long is lost (:meth:`lost`); the estimator
    then calls :meth:`reset` (and forgets its own per-person state with it).
    The other arguments size the pieces (see each class).
    """

    def __init__(
        self,
        lost_after_s: float,
        *,
        heights_window: int,
        height_percentile: Optional[float] = None,
        votes_kept: Optional[int] = None,
        feet_kept: int = 90,
        heel_window: int = 30,
        heel_min: int = 5,
    ) -> None:
        self.lost_after_s = lost_after_s
        self._sizes = (heights_window, height_percentile, votes_kept, feet_kept, heel_window, heel_min)
        self.reset()

    def reset(self) -> None:
        """Forget the person: nothing learnt about them applies to whoever comes next."""
        heights_window, height_percentile, votes_kept, feet_kept, heel_window, heel_min = self._sizes
        self.last_seen_t: Optional[float] = None
        self.facing = FacingVotes(votes_kept)
        self.feet = FeetTrack(feet_kept)
        self.height = StandingHeight(heights_window, height_percentile)
        # From frames whose only cut is the head on the frame's top edge (the silhouette's estimator): used
        # while ``height`` has none.
        self.height_at_top = StandingHeight(heights_window, height_percentile)
        self.heel = StandingReference(heel_window, heel_min)

    def seen(self, t: float) -> None:
        """The person was seen at ``t``."""
        self.last_seen_t = t

    def lost(self, t: float) -> bool:
        """Unseen for more than ``lost_after_s`` at ``t`` (False before the first sighting)."""
        return self.last_seen_t is not None and t - self.last_seen_t > self.lost_after_s
