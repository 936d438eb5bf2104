"""The rep engine: where a rep is decided.

It fuses hip-contact samples from the proximity sensor with posture samples
from the camera into reps and verdicts, exactly as docs/DOMAIN.md defines them:

    tall standing -> hips back -> hip contact -> tall standing again

Pure and deterministic: it takes timestamped samples (feed them in time order
per stream) and returns events; no clock, GPIO, camera or disk in here. The
live station, the simulation and the replay of a recording all run this class.

Phases of the person in front of the station::

    away ──standing held──> standing ──leaves standing──> rep ──standing held──> standing
      ^                        │                           │
      └────── gone / timeout ──┴───────── aborted ─────────┘

Standing is judged from the camera when it sees the person (trunk inclination
below ``standing_deg``, with hysteresis up to ``leave_deg``), otherwise from
the sensor alone (hips beyond ``approach_m`` and no contact), so a rep is never
lost when the camera is blind, it is only ``unchecked``.

Video analysis (no contact sensor) finds reps from the hips' path and the trunk
together: a person has left standing when the trunk passes ``leave_deg`` *or*
the hips have dropped well below their standing height (a squat-style lift, a
setup at the floor), and stands again when both are back (hysteresis on each).
A clip that opens in the setup at the floor counts its first pull; a clip that
ends as the lifter rises to lockout counts that last pull; the put-down at the
end of a set from the floor is not a rep. Which checks apply, and whether reps
start at the floor, is the exercise's (``device/core/exercises.py``).
"""

from __future__ import annotations

import statistics
from collections import deque
from dataclasses import dataclass, field
from typing import Collection, Iterable, Optional

from ..config import Config
from .contact import ContactDetector
from .exercises import ANY_HINGE, Exercise, get_exercise
from .types import (
    FAULT_ORDER,
    BaselineTaken,
    ContactMade,
    Event,
    FaultSample,
    PostureSample,
    ProximitySample,
    Rep,
    RepFinished,
    SetEnded,
    SetStarted,
    TargetReached,
    Verdict,
)

# How long standing must hold before it is believed (rejects jitter across
# the standing threshold and a pass through upright on the way somewhere).
SETTLE_S = 0.25
# A posture sample older than this no longer describes the person.
POSTURE_STALE_S = 0.5
MAX_CAMERA_LAG_S = 2.0  # a frame is stale only beyond the camera's own lag behind the sensor, up to this
CONTACT_LOG_S = 5.0  # how far back the contact changes are kept (_contact_at)
# Station: a trunk held quiet (within QUIET_RANGE_DEG for QUIET_S, with no contact) is this person's
# standing, even above standing_deg (see _standing_limit and _leave_limit): up to OWN_STANDING_MAX_DEG
# between reps, and short of leave_deg by QUIET_GAP_DEG within one. A picture that reads someone standing
# tall a few degrees leaning (a low camera, yaw, a roll not read, a loose top) must not stop the count.
QUIET_S = 1.0
QUIET_RANGE_DEG = 3.0
QUIET_GAP_DEG = 3.0
# The range and the gap are taken over the readings of that second less their lowest QUIET_TRIM (at least
# one reading when there are QUIET_TRIM_MIN or more): a frame read more upright than its neighbours is no
# move away from standing, and a hinge only raises the readings, which stay judged in full. An outline
# whose rear edge runs straight down the hips puts the buttock point now at its top, now lower down:
# random scene 817 (1280x720, 19 deg of yaw) read a person standing still at 14.0-14.4 deg with one frame
# in five at 11.0, never "quiet", so no rep ended between the first and the fifth.
QUIET_TRIM = 0.2
QUIET_TRIM_MIN = 8
# A quiet trunk up to this, between reps, is taken for the person's standing; above standing_deg both
# limits follow it (see _standing_limit and _leave_limit). Standing tall reads up to 16 deg on a fitted top
# over wider hips (random 817 at 30 fps, 1019); a little room over that, well short of a hinge's 30-60.
OWN_STANDING_MAX_DEG = 20.0
# The rounding baseline is the median of the most recent standing frames
# (about 2 s at 30 fps), ignoring any older than BASELINE_MAX_AGE_S.
BASELINE_SAMPLES = 60
BASELINE_MIN_SAMPLES = 5
BASELINE_MAX_AGE_S = 30.0
# A baseline taken from fewer standing samples than this (someone who walked in and hinged at
# once: where the back's outline is noisy, the median of so few can be off by many degrees,
# and the whole set was judged against it) is taken again at each rep's start from all the
# standing samples since, until it has this many. A sample is kept at each engine step while
# standing (posture and sensor samples both step it), so 30 are 0.5-1 s of standing.
BASELINE_FULL_SAMPLES = 30
# A "rep" without contact shorter than this is a flicker of the camera's view (the person
# briefly not in position), not a hinge down and up: dropped. (With contact it is a rep, judged
# too fast.)
MIN_SHALLOW_REP_S = 0.4
# Before a set's first contact a hinge is a rep (then shallow, and it starts the set) only
# when the sensor saw the hips come this much nearer the wall than where the person stood
# tall just before: a hinge at the wall that fell short of it, not walking in or a stretch.
FIRST_SHALLOW_APPROACH_M = 0.05
# The same approach, seen by the sensor while the camera has the trunk past standing but short of
# leave_deg, is a hinge too (docs/DOMAIN.md's rep: the hips went back), one the picture reads a few
# degrees short (random 2710: shallow hinges drawn to 20 deg read 18.0, at leave_deg, and were no rep at
# all). It leaves standing once the trunk has come back up this far from its deepest: a hinge on its way
# past leave_deg begins its rep there as before.
SHORT_HINGE_TURN_DEG = 2.0
# The sensor's readings kept meanwhile (10 s at 30 Hz; a shallow hinge takes 2-5 s).
OFF_DISTS_MAX = 300
# The standing distance is the median of the readings of the last second of tall standing.
STAND_DIST_S = 1.0
# ... believed only when the older half of those readings held still (their middle 80 % within
# STAND_STEADY_M; the newer half may hold the first move of the hinge that follows). Someone
# walking in reads "standing" (upright on the camera, or far from the wall on the sensor alone while the
# camera cannot see them yet) as the distance falls by tenths of a metre a second; a "standing" distance
# taken then (random scene 1923: 0.56 m, where the person then stood at 0.19) held every later standing
# for "hips still back" (STILL_BACK_M), and one open rep swallowed the next four. Standing still before
# a rep, that spread is 0.015 m (median; 0.038 at the 99th percentile) over the 1330 rep starts of 162
# recorded runs (scripts/engine_replay.py: the built-in scenarios x seeds 0-5, random 200-205, 300-335,
# 400-423, 1900-1923), 0.018 in ``noisy_sensor`` (0.01 m of jitter); the 12 over 0.05 were 11 walk-ins.
STAND_STEADY_M = 0.05
# Station: the camera's "standing" does not end a rep while the distance sensor still has the hips
# this much nearer the wall than where the person stood just before it (the median of the last
# STILL_BACK_READINGS readings, so one short echo does not hold the rep open): a passer-by crossing
# behind a hinged person joins their outline, and the trunk read on it fell to "upright" for 0.3 s
# mid-descent, which ended the rep there and began another (random scenes 715 and 716: one rep
# counted as two). A person who truly stood up with their hips nearer the wall (they stepped in) is
# believed once the camera's standing has held STILL_BACK_MAX_S; the rep's end is then where that
# standing began, as always.
STILL_BACK_M = 0.05
STILL_BACK_READINGS = 3
STILL_BACK_MAX_S = 1.0
# No back bends further than this either way (a whole spine in full flexion is about 60-80
# deg; an arched one much less): a bend beyond it was measured on the wrong outline (the
# belly taken for the back when the side flipped, a second person), so the back is unseen.
MAX_PLAUSIBLE_BEND_DEG = 100.0
# Station: a standing back read hollower than this is no reference for the person's standing. The
# station reads the back from the lumbar hollow up (device/vision/silhouette.py), and over 390 recorded
# runs the standing references it took lay at -25 deg and above wherever every verdict came out right;
# a standing "back" hollow by 35-57 deg was an outline that had lost the back (a top the colour of the
# wall behind it: random scene 2512 took a reference of -42 deg from such frames, and five good reps
# read rounded against it). Such frames are left out of the reference, not the rep. A phone video is
# judged against a population floor instead, and its lockouts read extended by up to 60 deg on real
# lifters (docs/real-footage.md), so there the rule does not apply.
STANDING_BACK_MIN_DEG = -30.0
# No trunk in a hinge leans further than this from vertical (a deadlift's or a good morning's
# bottom is about 90 deg, an RDL's a little more): a trunk read beyond it lies on a broken outline
# (a mask that lost the hips: the "trunk" ran from the knees to the head, 163 deg), so it is unseen.
# Such a reading was the rep's reported peak inclination, the figure a clinician reads.
MAX_PLAUSIBLE_TRUNK_DEG = 135.0
# A "rep" longer than this is someone resting bent over or leaving: dropped.
MAX_REP_S = 20.0
# Out of position this long during a rep (not at the wall, not in view) aborts it.
GONE_S = 2.0
# Camera and sensor both showing nobody for this long: the person has left,
# the set ends at once, and the next person starts their own set and baseline.
PERSON_GONE_S = 3.0
# Judged reps kept in memory (``RepEngine.reps``): a station in a gym corner runs for
# weeks. Older sets' reps are forgotten when a new set starts (every rep is in the
# session log by then); ``reps_judged``/``reps_counted`` keep the totals.
MAX_REPS_KEPT = 500
# Hands lower than this (fraction of standing height) at the bottom of a hinge
# reached the floor: a weight picked up or put down (video analysis only).
HANDS_AT_FLOOR = 0.15
# A set whose exercise was not named is pulled from the floor when most of its bottoms bring the hands
# there or within this of it (fraction of stature): a pose model's wrists at the bottom of a pull, behind a
# bell or plates, read a few hundredths high (the extra set's kettlebell set filmed 45 deg off the side:
# 0.148 on its first rep, 0.156-0.182 on the other nine), and the first of such cycles is then no pick-up.
# An RDL's hands stop at the knees or mid-shin (0.20-0.30), the wall drill's at the chest.
FLOOR_NEAR = 0.05
# Video analysis, the hips' path (fractions of stature). Hip joint above the
# floor standing tall, until this person's own standing height is seen:
HIP_STANDING_PRIOR = 0.52
# Hips this far below their standing height have left standing (a squat-style
# descent, a setup at the floor: the trunk may barely tilt) ...
HIP_LEAVE = 0.10
# ... and are standing again within this (hysteresis: jitter never makes a rep).
HIP_STAND = 0.05
# A person's standing hip height lies within this of the prior (anthropometry:
# the hip joint is at 0.49-0.55 of stature; pose landmarks add some spread).
HIP_PLAUSIBLE = 0.08
# No hip joint is higher than this above the floor (standing tall: about 0.52).
HIP_MAX = 0.75
# A rep whose trunk stayed under hinge_min_deg must drop the hips this far.
HIP_REP_MIN = 0.12
# The hip path is a running median of the last HIP_MEDIAN_N measures within
# HIP_MEDIAN_S: a landmark or mask glitch of a frame or two is not a descent.
HIP_MEDIAN_N = 5
HIP_MEDIAN_S = 0.5
# A clip that ends during a rep counts it if the lifter had come at least this
# far back up from the bottom (a pull that ends at, or just short of, lockout).
END_RISEN = 0.4
# A lockout too brief to settle must still show on this many frames in a row.
TOP_FRAMES = 2
# Nobody in the picture this long after a set's last rep: the lifter walked off.
LEFT_VIEW_S = 1.0
# Window around contact (or the deepest point) in which the knee is judged.
KNEE_WINDOW_S = 0.3
# A fault must hold this long to count: a rounded back or a lifted heel
# persists, a mis-measured frame or two does not.
SUSTAIN_S = 0.15
# In the wall drill a rep's rounding is read near its deepest lean: over the frames whose trunk is
# within this of the rep's held deepest inclination (at least ROUNDING_MIN_FRAMES of them; fewer, and
# the largest bend held for SUSTAIN_S is taken instead, as in every other exercise).
ROUNDING_BAND_DEG = 7.0
ROUNDING_MIN_FRAMES = 3
# Knees bent this deep (interior angle, deg) by a trunk that never reached a hinge's depth
# (hinge_min_deg) make the squat pattern too, though the trunk leaned past squat_trunk_deg: the hips
# went down, not back. No hinge bends the knees this far with the trunk so upright (the wall drill,
# an RDL or a good morning keep them at 135-170; a deadlift's setup at the floor bends them to 70-110
# with the trunk at 45-80 on both real sets), while a person at the bottom of a deep squat leans a
# little more than at a shallow one (docs/real-footage.md, round 17).
SQUAT_DEEP_KNEE_DEG = 100.0


def squat_pattern(trunk_deg: Optional[float], knee_deg: Optional[float], squat_trunk_deg: float,
                  squat_knee_deg: float, hinge_min_deg: float) -> bool:
    """The squat pattern ("hips back, not down", DOMAIN.md) from a rep's held deepest trunk
    inclination and its deepest knee angle: the trunk stayed under ``squat_trunk_deg`` while the
    knees bent to ``squat_knee_deg`` or deeper, or it stayed short of a hinge (``hinge_min_deg``)
    while the knees bent to ``SQUAT_DEEP_KNEE_DEG`` or deeper. The synthetic athlete's truth uses
    the same rule, so the two can only disagree on what the camera measured."""
    if trunk_deg is None or knee_deg is None:
        return False
    if trunk_deg < squat_trunk_deg and knee_deg <= squat_knee_deg:
        return True
    return trunk_deg < max(squat_trunk_deg, hinge_min_deg) and knee_deg <= SQUAT_DEEP_KNEE_DEG


@dataclass
class _RepInProgress:
    start_s: float
    set_started_here: bool = False
    peak_incl: Optional[float] = None
    peak_t: Optional[float] = None
    contact_t: Optional[float] = None
    off_stand_dist: Optional[float] = None  # station: where the person stood still as they left standing tall
    short_hinge: bool = False  # station: begun by the hips going back in a hinge short of leave_deg
    contact_seen: bool = False
    near_wall: bool = False  # the sensor alone saw the hips approach
    posture_frames: int = 0
    seen_frames: int = 0  # frames with the trunk and the back measured
    cut_frames: int = 0  # frames with the person in view but cut by the picture's edge
    in_view_frames: int = 0  # frames with the tracked person in view where they should be (measured or not)
    back: list[tuple[float, float]] = field(default_factory=list)  # (t, back_bend)
    incl: list[tuple[float, float]] = field(default_factory=list)  # (t, trunk inclination), trunk seen
    knee: list[tuple[float, float]] = field(default_factory=list)
    heel: list[tuple[float, float]] = field(default_factory=list)
    provisional_sent: bool = False
    sensor_fault: bool = False  # the proximity sensor was faulty during the rep
    hands_min: Optional[float] = None  # lowest the hands came (fraction of standing height)
    stand_dist: Optional[float] = None  # the sensor's distance while standing tall just before
    far_stand_dist: Optional[float] = None  # the farthest of those of the set's earlier reps (when known)
    dists: list[float] = field(default_factory=list)  # the sensor's distances during the rep
    hip_drop_max: Optional[float] = None  # deepest the hips went below standing (video)
    hip_drop_t: Optional[float] = None
    planted_knee: list[tuple[float, float]] = field(default_factory=list)  # knee seen in position (video)
    last_incl: Optional[float] = None  # the latest measured trunk and hip drop (video)
    last_drop: Optional[float] = None
    last_t: Optional[float] = None
    top_t: Optional[float] = None  # back near standing after the bottom, briefly (video)
    top_incl: Optional[float] = None
    near_top_frames: int = 0  # consecutive frames near standing (one alone is a glitch)
    standing_since: Optional[float] = None
    out_since: Optional[float] = None


class RepEngine:
    """Turns proximity and posture samples into reps, verdicts and set events.

    ``has_contact_sensor`` is False when analysing a video without a
    proximity trace: contact is then unknown, reps are found from the hinge
    itself, and ``shallow`` is never judged. ``has_distance`` is False for a
    digital sensor or contact switch (contact only, no distance).
    """

    def __init__(self, config: Config, *, has_contact_sensor: bool = True, has_distance: bool = True,
                 rounding_floor_deg: Optional[float] = None,
                 exercise: Optional[str | Exercise] = None) -> None:
        # The exercise decides which checks apply (the station's own is the wall
        # drill: the config as it is); a bare video's unnamed exercise is any hinge.
        ex = get_exercise(exercise) if isinstance(exercise, str) else exercise
        if ex is None and not has_contact_sensor:
            ex = ANY_HINGE
        self.exercise: Optional[Exercise] = ex
        # The station (no exercise named) runs the wall drill.
        self.rounding_at_bottom = ex.rounding_at_bottom if ex is not None else True
        if ex is not None:
            config = ex.apply(config)
        self.cfg = config
        # The lowest back-shape reference a person gets (the estimator's, in its own units):
        # a person who stands with a rounder back than that is judged against their own
        # standing; everyone else against this population figure, because a standing
        # back in an extended (lordotic) posture is no reference for the bottom of a
        # hinge (measured on real footage: docs/real-footage.md). None: the
        # standing baseline alone. With a floor, the reference is also capped at the floor plus
        # the rounding threshold: a "standing" back that would itself be judged rounded against
        # the population figure is no neutral reference either (on real footage such readings
        # come from lockout frames with a plate over the hips, and a lifter who rounds often
        # locks out rounded too); taken as it is, it would hide every rounded rep of the set.
        self.rounding_floor_deg = rounding_floor_deg
        self.th = config.thresholds
        self.checks = config.checks
        self.has_contact_sensor = has_contact_sensor
        self.has_distance = has_distance and has_contact_sensor
        self.contact_detector = ContactDetector.from_config(config.sensor)

        self.phase = "away"
        self.reps: list[Rep] = []  # judged reps: the current set and recent ones (MAX_REPS_KEPT)
        self.reps_judged = 0  # every rep judged since start, forgotten ones included
        self.reps_counted = 0  # of which counted
        self._reps_forgotten = 0  # reps dropped from the front of ``reps`` (indices continue)
        self.set_index = 0
        self.set_active = False
        self.counted = 0
        self.baseline: Optional[float] = None
        self._baseline_n = 0  # standing samples the baseline was taken from

        self._posture: Optional[PostureSample] = None
        self._distance: Optional[float] = None
        self._distance_t: Optional[float] = None
        self._stand_since: Optional[float] = None
        self._last_stand_t: Optional[float] = None
        self._standing_backs: deque[tuple[float, float]] = deque(maxlen=BASELINE_SAMPLES)
        self._stand_dists: deque[tuple[float, float]] = deque()  # (t, distance) standing tall
        self._far_stand_dist: Optional[float] = None  # the set's farthest rep stand_dist (see _hips_stayed_put)
        # Station: where the person stood when they last stopped standing tall, the sensor's readings
        # since and the deepest trunk (t, deg), while still short of leaving (see _short_hinge_turned).
        self._off_stand_dist: Optional[float] = None
        self._off_dists: deque[float] = deque(maxlen=OFF_DISTS_MAX)
        self._off_peak: Optional[tuple[float, float]] = None
        self._trunks: deque[tuple[float, float]] = deque()  # station: (t, trunk) seen in the last QUIET_S
        # Station: this person's quiet standing trunk as the picture reads it, where above standing_deg.
        self._own_standing: Optional[float] = None
        # Video: recent hip heights (for the running median) and standing ones.
        self._hips: deque[tuple[float, float]] = deque()
        self._standing_hips: deque[float] = deque(maxlen=BASELINE_SAMPLES)
        self._rep: Optional[_RepInProgress] = None
        self._last_contact_t: Optional[float] = None
        self._last_activity_t: Optional[float] = None
        self._last_presence_t: Optional[float] = None
        # Video analysis: whether a descent to the floor was left unfinished,
        # and where the current set began.
        self._trailing_floor_descent = False
        self._absent_since: Optional[float] = None
        self._left_after_last = False
        self._set_first_rep = 0
        self._now = float("-inf")
        # Contact changes of the last seconds (time, contact): the camera's standing is judged against the
        # contact at the frame's own time. Live, readings run ahead of frames still being measured.
        self._contact_log: deque = deque()
        # How far behind the sensor the latest frame reached the engine (live: vision still measuring
        # while readings go straight in; 0 in time order). A frame is stale only beyond this as well.
        self._camera_lag = 0.0
        # Set by the station while its health monitor reports the sensor
        # faulty: contact cannot be trusted, so no rep in that time counts.
        self.sensor_fault = False

    # ------------------------------------------------------------------ input

    @property
    def contact(self) -> bool:
        return self.contact_detector.contact

    def feed_proximity(self, s: ProximitySample) -> list[Event]:
        """One proximity reading; returns the events it caused."""
        events: list[Event] = []
        self._now = max(self._now, s.t)
        if s.distance_m is not None:
            self._distance, self._distance_t = s.distance_m, s.t
            if self.phase == "rep" and self._rep is not None:
                self._rep.dists.append(s.distance_m)
            elif self._stand_since is not None:
                self._stand_dists.append((s.t, s.distance_m))
            elif self._off_stand_dist is not None:
                self._off_dists.append(s.distance_m)
            while self._stand_dists and self._stand_dists[0][0] < s.t - STAND_DIST_S:
                self._stand_dists.popleft()
        change = self.contact_detector.update(s)
        if change is not None:
            self._contact_log.append((change.t, change.contact))
            while len(self._contact_log) > 1 and change.t - self._contact_log[1][0] > CONTACT_LOG_S:
                self._contact_log.popleft()
        if change is not None and change.contact:
            self._last_contact_t = change.t
            self._last_activity_t = change.t
            self._on_contact(change.t, events)
        elif change is not None:
            self._last_contact_t = change.t
            self._last_activity_t = change.t
        self._step(s.t, events)
        return events

    def feed_fault(self, f: FaultSample) -> list[Event]:
        """A device fault began or ended (from the health monitor, or a recording's fault track)."""
        self._now = max(self._now, f.t)
        if f.part == "sensor":
            self.sensor_fault = f.fault is not None
        return []

    def feed_posture(self, p: PostureSample) -> list[Event]:
        """One camera measurement; returns the events it caused."""
        events: list[Event] = []
        self._camera_lag = min(max(0.0, self._now - p.t), MAX_CAMERA_LAG_S)
        self._now = max(self._now, p.t)
        self._posture = p
        if not self.has_contact_sensor:
            self._note_hips(p)
            self._note_absence(p)
        elif self._seen(p):
            if self._trunks and p.t - self._trunks[-1][0] > PERSON_GONE_S:
                self._own_standing = None  # unseen that long: maybe someone else now
            self._trunks.append((p.t, p.trunk_inclination_deg))
            while self._trunks and p.t - self._trunks[0][0] > QUIET_S:
                self._trunks.popleft()
            # Up to QUIET_GAP_DEG short of leave_deg at any time; higher (up to OWN_STANDING_MAX_DEG) only
            # outside a rep: a shallow rep's bottom held still short of the wall (random 716: 19 deg for a
            # second) is no standing, and the next shallow reps would not have passed its leave limit.
            cap = OWN_STANDING_MAX_DEG if self._rep is None else self.th.leave_deg - QUIET_GAP_DEG
            if self._quiet_upright(p.t, cap) and not self.contact and not self._hips_went_back():
                # The latest quiet standing is theirs, whatever it reads (random 1014: a shallow hinge held
                # still at 16-18 deg, read too shallow to begin a rep, stayed their "standing" after they
                # stood at 1 deg again, and the next shallow rep was no rep at all). One read just under
                # standing_deg sets the limits too (_standing_limit): random 1923 stood still at 11.97 deg
                # with one frame in six at 13.7-14.4, and those frames were no standing.
                own = statistics.median(v for _, v in self._trunks)
                self._own_standing = own
        seen = self._seen(p)
        rep = self._rep
        if rep is not None:
            # Once a rep has begun in position, the tracked person stays the
            # subject even if the in-position test flickers mid-hinge.
            seen = seen or self._measured(p)
            rep.posture_frames += 1
            if seen and self._back_seen(p):
                rep.seen_frames += 1
            if p.person and p.cut_by_frame:
                rep.cut_frames += 1
            if self._in_view(p):
                rep.in_view_frames += 1
            if seen:
                incl = p.trunk_inclination_deg
                rep.incl.append((p.t, incl))
                if rep.peak_incl is None or incl > rep.peak_incl:
                    rep.peak_incl, rep.peak_t = incl, p.t
                if self._back_seen(p):
                    rep.back.append((p.t, p.back_bend_deg))
                if p.knee_angle_deg is not None and p.knee_conf >= self.th.min_conf:
                    rep.knee.append((p.t, p.knee_angle_deg))
                if p.heel_lift is not None and p.heel_conf >= self.th.min_conf:
                    rep.heel.append((p.t, p.heel_lift))
                if p.hands_height is not None:
                    rep.hands_min = p.hands_height if rep.hands_min is None else min(rep.hands_min, p.hands_height)
                if not self.has_contact_sensor:
                    if self._squat_knees(p, any_depth=True):
                        rep.planted_knee.append((p.t, p.knee_angle_deg))
                    drop = self._hip_drop()
                    if drop is not None and (rep.hip_drop_max is None or drop > rep.hip_drop_max):
                        rep.hip_drop_max, rep.hip_drop_t = drop, p.t
                    rep.last_incl, rep.last_drop, rep.last_t = incl, drop, p.t
                    near_top = incl <= self.th.leave_deg and (drop is None or drop <= HIP_STAND)
                    rep.near_top_frames = rep.near_top_frames + 1 if near_top else 0
                    if (rep.near_top_frames >= TOP_FRAMES and self._deep_enough(rep)
                            and (rep.top_incl is None or incl < rep.top_incl)):
                        rep.top_t, rep.top_incl = p.t, incl
            if rep.contact_t is not None and not rep.provisional_sent:
                # The hips touched before the camera's first frame of this rep: the
                # verdict so far is shown now, one frame later, rather than "unseen".
                rep.provisional_sent = True
                events.append(ContactMade(p.t, self._provisional_verdict(rep, p.t)))
        self._step(p.t, events)
        return events

    def reset_set(self, t: float, reason: str = "button") -> list[Event]:
        """End the current set now (the start/reset button)."""
        events: list[Event] = []
        self._rep = None
        if self.phase == "rep":
            self.phase = "standing" if self._stand_since is not None else "away"
        self._end_set(t, reason, events)
        return events

    def finish(self, t: Optional[float] = None) -> list[Event]:
        """End of input (a recording ran out): close the set; an unfinished rep is dropped."""
        t = self._now if t is None else t
        events: list[Event] = []
        rep = self._rep
        if rep is not None and self._risen_at_end(rep):
            # The clip ends as the lifter comes up to lockout: that pull counts.
            self._finish_rep(rep.last_t, events)
        elif rep is not None:
            self._note_unfinished(rep)
        self._rep = None
        self._end_set(t, "end of input", events)
        return events

    # ------------------------------------------------------------- judgement

    def _seen(self, p: Optional[PostureSample]) -> bool:
        return (
            p is not None
            and p.person
            and p.in_position
            and self._trunk_seen(p)
        )

    def _in_view(self, p: Optional[PostureSample]) -> bool:
        """The tracked person is in view where they should be: at the wall, whole (in a video, present while
        measured, in position or not), whether or not the camera could measure them there."""
        return p is not None and p.person and (p.in_position or not self.has_contact_sensor)

    def _measured(self, p: Optional[PostureSample]) -> bool:
        return p is not None and p.person and self._trunk_seen(p)

    def _trunk_seen(self, p: PostureSample) -> bool:
        return (p.trunk_inclination_deg is not None and p.trunk_conf >= self.th.min_conf
                and abs(p.trunk_inclination_deg) <= MAX_PLAUSIBLE_TRUNK_DEG)

    def _back_seen(self, p: PostureSample) -> bool:
        if not self.checks.rounding:
            return True
        return (p.back_bend_deg is not None and p.back_conf >= self.th.min_conf
                and abs(p.back_bend_deg) <= MAX_PLAUSIBLE_BEND_DEG)

    def _contact_at(self, t: float) -> bool:
        """Hip contact as it was at time ``t`` (a frame's): the latest change at or before it."""
        for ct, c in reversed(self._contact_log):
            if ct <= t:
                return c
        return (not self._contact_log[0][1]) if self._contact_log else self.contact

    def _fresh_posture(self, t: float) -> Optional[PostureSample]:
        p = self._posture
        if p is None or t - p.t > POSTURE_STALE_S + self._camera_lag:
            return None
        return p

    def _sensor_near(self, t: float) -> Optional[bool]:
        """Hips nearer than approach_m by the sensor alone; None when it cannot say."""
        if self.contact:
            return True
        if not self.has_distance:
            return False if self.has_contact_sensor else None
        if self._distance is None or self._distance_t is None or t - self._distance_t > POSTURE_STALE_S:
            return None
        return self._distance < self.cfg.sensor.approach_m

    # ------------------------------------------------ the hips' path (video)

    def _note_hips(self, p: PostureSample) -> None:
        """Keep the recent hip heights; quiet standing ones teach this person's standing height."""
        if p.hip_height is None or not self._measured(p) or not 0.0 < p.hip_height < HIP_MAX:
            return  # (hips below the floor or above the chest are a misplaced landmark)
        self._hips.append((p.t, p.hip_height))
        while self._hips and (p.t - self._hips[0][0] > HIP_MEDIAN_S or len(self._hips) > HIP_MEDIAN_N):
            self._hips.popleft()
        # Standing height is learnt from quiet upright frames on straight legs, with
        # the hips where a standing person's are (a leg landmark glitch is not).
        straight = p.knee_angle_deg is None or p.knee_conf < self.th.min_conf or p.knee_angle_deg >= 150.0
        hips = [h for _, h in self._hips]
        quiet = len(hips) >= 3 and max(hips) - min(hips) <= HIP_STAND
        now = self._hip_now()
        plausible = abs(now - HIP_STANDING_PRIOR) <= HIP_PLAUSIBLE
        if p.trunk_inclination_deg <= self.th.standing_deg and straight and quiet and plausible:
            self._standing_hips.append(now)

    def _note_absence(self, p: PostureSample) -> None:
        """Video: whether the person left the picture after the set's last rep."""
        if p.person or self._rep is not None:
            self._absent_since = None
            return
        if self._absent_since is None:
            self._absent_since = p.t
        if self.set_active and p.t - self._absent_since >= LEFT_VIEW_S:
            self._left_after_last = True

    def _hip_now(self) -> Optional[float]:
        return statistics.median(h for _, h in self._hips) if self._hips else None

    def _hip_drop(self) -> Optional[float]:
        """How far the hips are below this person's standing height (fraction of stature)."""
        p = self._posture
        if not self._hips or p is None or p.t - self._hips[-1][0] > POSTURE_STALE_S:
            return None
        own = len(self._standing_hips) >= BASELINE_MIN_SAMPLES
        ref = statistics.median(self._standing_hips) if own else HIP_STANDING_PRIOR
        return ref - self._hip_now()

    def _video_standing_state(self, t: float) -> tuple[Optional[bool], bool, bool]:
        """Video analysis: standing and leaving it from the trunk and the hips together.

        The person the pose model tracks is the subject whenever measured: plates
        hiding the legs at the setup or at lockout, or the head leaving the top of
        the frame, do not make them vanish. Walking in or out leaves neither the
        trunk nor the hips' standing range, so it makes no rep.
        """
        p = self._fresh_posture(t)
        if not self._measured(p):
            return None, False, False
        incl = p.trunk_inclination_deg
        drop = self._hip_drop()
        standing = incl <= self.th.standing_deg and (drop is None or drop <= HIP_STAND)
        left = (incl > self.th.leave_deg or (drop is not None and drop > HIP_LEAVE)
                or (incl > self.th.standing_deg and self._squat_knees(p)))
        return standing, left, True

    def _squat_knees(self, p: PostureSample, any_depth: bool = False) -> bool:
        """Video: knees bent to the squat pattern's depth (``any_depth``: seen at all) by someone
        planted in position (walking, the swinging leg bends as far, but the feet are not planted)."""
        return (p.in_position and p.knee_angle_deg is not None and p.knee_conf >= self.th.min_conf
                and (any_depth or p.knee_angle_deg <= self.th.squat_knee_deg))

    def _down_again(self, t: float) -> bool:
        p = self._fresh_posture(t)
        if self.has_contact_sensor or not self._measured(p):
            return False
        drop = self._hip_drop()
        return p.trunk_inclination_deg >= self.th.hinge_min_deg or (drop is not None and drop >= HIP_REP_MIN)

    def _hips_stayed_put(self, rep: _RepInProgress) -> bool:
        """Station, within a set: a rep without contact during which the distance sensor, working and
        read at least 3 times, never had the hips ``FIRST_SHALLOW_APPROACH_M`` nearer the wall (its
        third-nearest reading) than the farthest the person stood before any rep of the set: a camera
        that saw a standing end late measures it part-way down (random 423), so the farthest is the
        one that drops fewest reps. A hinge takes the hips back; two frames of a broken outline read
        past ``leave_deg`` just after a rep (`lowres` seed 11, 0.2 s apart, the hips 0.28-0.30 m from
        the wall, where the person had stood at 0.26 before the set's first rep) made a 0.6 s `shallow`
        rep. Where the person stood is also taken before this hinge's first move (``off_stand_dist``, the
        older half of the last standing second): the whole second held the hips' way back of a hinge whose
        trunk left standing late (random 2501: a `shallow` hinge drawn to 22.8 deg read 21.4, the hips
        from 0.21 m to 0.13; the second's median, 0.17, made an approach of 4 cm, and the rep was dropped)."""
        if not self.has_distance or rep.sensor_fault or self.sensor_fault:
            return False
        came = _approach((rep.stand_dist, rep.far_stand_dist, rep.off_stand_dist), rep.dists)
        return came is not None and came < FIRST_SHALLOW_APPROACH_M

    def _hips_went_back(self) -> bool:
        """Station, no longer standing tall (and not in a rep): the distance sensor has had the hips
        ``FIRST_SHALLOW_APPROACH_M`` nearer the wall (its third-nearest reading since) than where the
        person stood still just before. Until they stand tall again, a trunk held quiet is a hinge's
        bottom held short of the wall, not the person's own standing."""
        came = _approach((self._off_stand_dist,), self._off_dists)
        return came is not None and came >= FIRST_SHALLOW_APPROACH_M

    def _forget_short_hinge(self) -> None:
        """Standing tall again, a rep begun, or the person gone: no hinge short of leave_deg is under way."""
        self._off_stand_dist, self._off_peak = None, None
        self._off_dists.clear()

    def _short_hinge_turned(self, incl: float) -> bool:
        """Station: the hips went back (above) in a hinge short of leave_deg, and the trunk (now
        ``incl``) has come back up ``SHORT_HINGE_TURN_DEG`` from its deepest."""
        return (self.phase == "standing" and self._off_peak is not None
                and incl <= self._off_peak[1] - SHORT_HINGE_TURN_DEG and self._hips_went_back())

    def _came_back_to_the_wall(self, rep: _RepInProgress) -> bool:
        """The sensor had the rep's hips ``FIRST_SHALLOW_APPROACH_M`` nearer the wall than where the
        person stood tall just before it (its third-nearest reading, so one short echo never makes it)."""
        came = _approach((rep.stand_dist, rep.off_stand_dist), rep.dists) if self.has_distance else None
        return came is not None and came >= FIRST_SHALLOW_APPROACH_M

    def _short_of_the_wall(self, rep: _RepInProgress, end_s: float) -> bool:
        """A hinge without contact before any set: from tall standing, seen by the camera past
        standing (to leave it, past ``leave_deg`` or with the hips gone back), and the hips brought
        ``FIRST_SHALLOW_APPROACH_M`` nearer the wall by the distance sensor."""
        if end_s - rep.start_s < MIN_SHALLOW_REP_S or rep.sensor_fault or self.sensor_fault:
            return False
        if rep.peak_incl is None or rep.peak_incl <= (self._standing_limit() if rep.short_hinge else self._leave_limit()):
            return False
        if not rep.posture_frames or len(rep.incl) < self.th.min_seen_fraction * rep.posture_frames:
            return False
        return self._came_back_to_the_wall(rep)

    def _deep_enough(self, rep: _RepInProgress) -> bool:
        """Video: a hinge that reached hinge_min_deg, hips that went well down (a squat-style lift to
        the floor), or the squat pattern itself: the trunk held off upright (past standing_deg) while
        the knees bent to squat_knee_deg. A squat of that depth lowers the hips by only about
        0.04-0.06 of stature (knees at 125-135 deg), within a hinge's own hip travel, so the hips
        alone do not show it; a person walking or shifting their weight never holds both at once."""
        hinge = rep.peak_incl is not None and rep.peak_incl >= self.th.hinge_min_deg
        squat = rep.hip_drop_max is not None and rep.hip_drop_max >= HIP_REP_MIN
        return hinge or squat or self._squat_pattern_depth(rep)

    def _squat_pattern_depth(self, rep: _RepInProgress) -> bool:
        held_incl, deepest = self._held_incl(rep), self._deepest_knee(rep, knees=rep.planted_knee)
        return (held_incl is not None and held_incl > self.th.standing_deg
                and deepest is not None and deepest <= self.th.squat_knee_deg)

    def _risen_at_end(self, rep: _RepInProgress) -> bool:
        """Video: the input ends during a rep after the lifter came back up most of the way."""
        if self.has_contact_sensor or rep.last_t is None or not self._deep_enough(rep):
            return False
        if self._now - rep.last_t > POSTURE_STALE_S:
            return False
        risen = []
        if rep.peak_incl is not None and rep.peak_incl >= self.th.hinge_min_deg and rep.last_incl is not None:
            span = rep.peak_incl - self.th.standing_deg
            risen.append((rep.peak_incl - rep.last_incl) / span >= END_RISEN)
        if rep.hip_drop_max is not None and rep.hip_drop_max >= HIP_REP_MIN and rep.last_drop is not None:
            risen.append((rep.hip_drop_max - rep.last_drop) / rep.hip_drop_max >= END_RISEN)
        # Past the bottom and on the way up: the trunk and the hips (where they
        # went down) both came back a good part of the way.
        return bool(risen) and all(risen)

    def _standing_state(self, t: float) -> tuple[Optional[bool], bool, bool]:
        """(standing, left_standing, camera_sees) at time t; standing None = cannot tell."""
        if not self.has_contact_sensor:
            return self._video_standing_state(t)
        p = self._fresh_posture(t)
        if self._seen(p):
            incl = p.trunk_inclination_deg
            standing = incl <= self._standing_limit() and not self._contact_at(p.t)
            left = incl > self._leave_limit() or (not standing and self._short_hinge_turned(incl))
            return standing, left, True
        near = self._sensor_near(t)
        if near is None:
            return None, False, False
        return (not near), near, False

    def _standing_limit(self) -> float:
        """Station: standing_deg, or this person's own quiet standing as the picture reads it (plus
        QUIET_RANGE_DEG) where that is higher: above standing_deg, or just under it (a standing read at
        11.97 deg whose outline flickers to 14 on some frames)."""
        own = self._own_standing
        if own is None:
            return self.th.standing_deg
        return max(self.th.standing_deg, own + QUIET_RANGE_DEG)

    def _leave_limit(self) -> float:
        """Station: leave_deg, or as far above this person's own quiet standing as leave_deg is above
        standing_deg where that is higher. The outline's hip and shoulder come through a fixed body
        model: a fitted top over wider hips reads a person standing tall at 13-16 deg (random scenes 817
        at 30 fps and 1019); held to leave_deg, their standing never counted and no rep ended."""
        own = self._own_standing
        if own is None:
            return self.th.leave_deg
        return max(self.th.leave_deg, own + self.th.leave_deg - self.th.standing_deg)

    def _quiet_upright(self, t: float, cap: float) -> bool:
        """Station: the trunk seen for the last QUIET_S (most of it) within QUIET_RANGE_DEG, and all of it
        at or below ``cap`` (both without the lowest readings: QUIET_TRIM): a person standing still,
        whatever the picture adds."""
        tr = self._trunks
        if len(tr) < 3 or t - tr[0][0] < 0.6 * QUIET_S or t - tr[-1][0] > POSTURE_STALE_S + self._camera_lag:
            return False
        vals = sorted(v for _, v in tr)
        if len(vals) >= QUIET_TRIM_MIN:
            k = max(1, int(QUIET_TRIM * len(vals)))
            vals = vals[k:]
        return vals[-1] - vals[0] <= QUIET_RANGE_DEG and vals[-1] <= cap

    def _step(self, t: float, events: list[Event]) -> None:
        standing, left, sees = self._standing_state(t)
        p = self._fresh_posture(t)

        if standing:
            if self._stand_since is None:
                self._stand_since = t
            self._forget_short_hinge()
            if sees and self._back_seen(p) and p.back_bend_deg is not None and (
                    self.rounding_floor_deg is not None or p.back_bend_deg >= STANDING_BACK_MIN_DEG):
                self._standing_backs.append((t, p.back_bend_deg))
        else:
            if (self._stand_since is not None and self.phase == "standing" and self.has_distance
                    and len(self._stand_dists) >= BASELINE_MIN_SAMPLES):
                self._off_stand_dist = _steady_distance([d for _, d in self._stand_dists], older_only=True)
            self._stand_since = None
            if self._off_stand_dist is not None and sees and self._trunk_seen(p) and (
                    self._off_peak is None or p.trunk_inclination_deg > self._off_peak[1]):
                self._off_peak = (p.t, p.trunk_inclination_deg)
        while self._standing_backs and t - self._standing_backs[0][0] > BASELINE_MAX_AGE_S:
            self._standing_backs.popleft()
        held = self._stand_since is not None and t - self._stand_since >= SETTLE_S

        # The last moment known standing: the frame's own time where the camera judged it. Live, a sensor
        # reading often arrives before a frame captured earlier is measured; stepping on it, the latest
        # frame still showing standing would carry standing up to the reading's time, past frames that
        # may already show the hinge, and the rep would start late (and read too fast).
        stand_t = p.t if sees and p is not None else t
        if self.phase == "away":
            if held:
                self.phase = "standing"
                self._last_stand_t = stand_t
            elif not self.has_contact_sensor and sees and left:
                # A video that starts mid-hinge (a lifter already gripping the
                # bar): the first rep runs from the first frame it is seen.
                self._begin_rep(t, t, events)
        elif self.phase == "standing":
            if standing:
                self._last_stand_t = stand_t
            elif left:
                self._begin_rep(self._last_stand_t if self._last_stand_t is not None else t, t, events)
            elif standing is None and not sees:
                # Nobody seen and the sensor has nothing: the person has gone.
                self.phase = "away"
                self._forget_short_hinge()
        elif self.phase == "rep":
            self._track_rep(t, standing, sees, held, events)

        self._maybe_time_out(t, events)

    def _begin_rep(self, start_s: float, t: float, events: list[Event]) -> None:
        from_standing = self.phase == "standing"
        p = self._fresh_posture(t)
        short_hinge = (from_standing and self.has_contact_sensor and self._seen(p)
                       and p.trunk_inclination_deg <= self._leave_limit()
                       and self._short_hinge_turned(p.trunk_inclination_deg))
        self.phase = "rep"
        self._rep = _RepInProgress(start_s=start_s, off_stand_dist=self._off_stand_dist)
        if short_hinge:
            # Begun at its turn: the way down is known from the sensor's readings and the deepest trunk.
            self._rep.short_hinge = True
            self._rep.dists = list(self._off_dists)
            self._rep.peak_t, self._rep.peak_incl = self._off_peak
        self._forget_short_hinge()
        self._rep.far_stand_dist = self._far_stand_dist
        if from_standing and len(self._stand_dists) >= BASELINE_MIN_SAMPLES:
            self._rep.stand_dist = _steady_distance([d for _, d in self._stand_dists])
            if self._rep.stand_dist is not None and (
                    self._far_stand_dist is None or self._rep.stand_dist > self._far_stand_dist):
                self._far_stand_dist = self._rep.stand_dist
        if self.set_active and (self.baseline is None or (
                self._baseline_n < BASELINE_FULL_SAMPLES and len(self._standing_backs) > self._baseline_n)):
            self._take_baseline(t, events)
        if self.contact:  # hinging from a lean, or a blind rep begun by the touch
            self._on_contact(t, events)

    def _track_rep(self, t: float, standing: Optional[bool], sees: bool, held: bool, events: list[Event]) -> None:
        rep = self._rep
        assert rep is not None
        rep.sensor_fault = rep.sensor_fault or self.sensor_fault
        if self.has_distance:
            near = self._sensor_near(t)
            rep.near_wall = rep.near_wall or bool(near)
        if held and standing and not self._hips_still_back(t, rep):
            self._finish_rep(self._stand_since, events)
            return
        if rep.top_t is not None and self._down_again(t):
            # Video: back up near standing, too briefly to settle (a touch-and-go
            # lockout), and already deep again: that was the top of a rep.
            top = rep.top_t
            self._finish_rep(top, events)
            self._begin_rep(top, t, events)
            return
        # Gone: neither camera nor sensor place the person at the wall.
        p = self._fresh_posture(t)
        in_view = self._in_view(p)
        present = in_view or self.contact or (
            self.has_distance and self._distance is not None and self._distance_t is not None
            and t - self._distance_t <= POSTURE_STALE_S and self._distance < self.cfg.sensor.max_distance_m
        )
        if present:
            rep.out_since = None
        elif rep.out_since is None:
            rep.out_since = t
        if (rep.out_since is not None and t - rep.out_since > GONE_S) or t - rep.start_s > MAX_REP_S:
            self._note_unfinished(rep)
            self._rep = None
            self.phase = "away"
            self._stand_since = None

    def _hips_still_back(self, t: float, rep: _RepInProgress) -> bool:
        """Station: the distance sensor has the hips still well back from where the person stood before
        this rep (see STILL_BACK_M), and the camera's standing has not yet held STILL_BACK_MAX_S."""
        if (not self.has_distance or rep.stand_dist is None or len(rep.dists) < STILL_BACK_READINGS
                or self._distance_t is None or t - self._distance_t > POSTURE_STALE_S
                or self._stand_since is None or t - self._stand_since >= STILL_BACK_MAX_S):
            return False
        recent = statistics.median(rep.dists[-STILL_BACK_READINGS:])
        return rep.stand_dist - recent > STILL_BACK_M

    def _on_contact(self, t: float, events: list[Event]) -> None:
        if self.phase != "rep":
            # Contact with the camera seeing an upright person is a lean on the
            # wall, not a rep. Without the camera the touch itself starts a rep.
            _, _, sees = self._standing_state(t)
            if sees or (self.phase == "away" and self._fresh_posture(t) is not None):
                return
            self._begin_rep(self._last_stand_t if self._last_stand_t is not None else t, t, events)
            return
        rep = self._rep
        assert rep is not None
        if rep.contact_t is None:
            rep.contact_t = t
        if not self.set_active:
            self._start_set(t, events)
            rep.set_started_here = True
        if not rep.provisional_sent and rep.posture_frames > 0:
            rep.provisional_sent = True
            events.append(ContactMade(t, self._provisional_verdict(rep, t)))

    def _start_set(self, t: float, events: list[Event]) -> None:
        if len(self.reps) > MAX_REPS_KEPT:
            n = len(self.reps) - MAX_REPS_KEPT
            del self.reps[:n]
            self._reps_forgotten += n
        self._set_first_rep = len(self.reps)
        self._trailing_floor_descent = False
        self.set_active = True
        self.set_index += 1
        self.counted = 0
        self.baseline = None
        events.append(SetStarted(t, self.set_index))
        self._take_baseline(t, events)

    @property
    def rounding_ceiling_deg(self) -> Optional[float]:
        """The highest standing reference a person gets where there is a floor (see ``__init__``)."""
        return None if self.rounding_floor_deg is None else self.rounding_floor_deg + self.th.rounding_deg

    def _take_baseline(self, t: float, events: Optional[list[Event]]) -> None:
        """The person's standing back shape: median of the recent standing frames."""
        backs = [b for _, b in self._standing_backs]
        self._baseline_n = len(backs)
        if len(backs) >= BASELINE_MIN_SAMPLES:
            self.baseline = statistics.median(backs)
            if self.rounding_floor_deg is not None:
                self.baseline = min(max(self.baseline, self.rounding_floor_deg), self.rounding_ceiling_deg)
        elif self.rounding_floor_deg is not None:
            self.baseline = self.rounding_floor_deg  # never seen standing (a lift from the floor)
        else:
            return
        if events is not None:
            events.append(BaselineTaken(t, self.baseline))

    def _rounding(self, rep: _RepInProgress, until: Optional[float] = None) -> Optional[float]:
        """The rep's rounding above the standing reference.

        The wall drill (``rounding_at_bottom``): the median back bend over the frames near the rep's
        deepest lean (the trunk within ROUNDING_BAND_DEG of its held deepest inclination). A back held
        round at the wall reads round there; an outline that only flickers round (a top the colour of
        the wall, lit from above, cut in by the wall's brightness on some frames) does not, where the
        largest bend held for SUSTAIN_S took the flicker. Every other exercise, and a wall-drill rep
        seen near its bottom on fewer than ROUNDING_MIN_FRAMES frames: that largest held bend (a
        deadlift's back rounds in the pull as much as at the bottom).
        """
        if self.baseline is None:
            return None
        backs = [(tt, b) for tt, b in rep.back if until is None or tt <= until]
        near = self._bottom_times(rep, until) if self.rounding_at_bottom else None
        if near is not None:
            bottom = [b for tt, b in backs if tt in near]
            if len(bottom) >= ROUNDING_MIN_FRAMES:
                return statistics.median(bottom) - self.baseline
        peak = sustained_max(backs)
        return None if peak is None else peak - self.baseline

    def _knee_at(self, rep: _RepInProgress, t_ref: Optional[float], until: Optional[float] = None) -> Optional[float]:
        if t_ref is None:
            return None
        vals = [k for tt, k in rep.knee if abs(tt - t_ref) <= KNEE_WINDOW_S and (until is None or tt <= until)]
        return statistics.median(vals) if vals else None

    def _heel(self, rep: _RepInProgress, until: Optional[float] = None) -> Optional[float]:
        return sustained_max([(tt, h) for tt, h in rep.heel if until is None or tt <= until])

    def _held_incl(self, rep: _RepInProgress, until: Optional[float] = None) -> Optional[float]:
        """The largest trunk inclination in the rep that held for SUSTAIN_S: the squat pattern
        ("the trunk stays upright") is judged on it, so one glitching frame never decides."""
        return sustained_max([(tt, a) for tt, a in rep.incl if until is None or tt <= until])

    def _deepest_knee(self, rep: _RepInProgress, until: Optional[float] = None,
                      knees: Optional[list[tuple[float, float]]] = None) -> Optional[float]:
        """The deepest knee bend in the rep that held for SUSTAIN_S (smallest angle); ``knees``: these
        samples instead of all the rep's (the squat pattern's depth in a video takes planted ones)."""
        samples = rep.knee if knees is None else knees
        peak = sustained_max([(tt, -k) for tt, k in samples if until is None or tt <= until])
        return None if peak is None else -peak

    def _posture_faults(
        self, rounding: Optional[float], knee: Optional[float], heel: Optional[float],
        peak_incl: Optional[float] = None, deepest_knee: Optional[float] = None,
    ) -> list[Verdict]:
        faults = []
        if self.checks.rounding and rounding is not None and rounding > self.th.rounding_deg:
            faults.append(Verdict.ROUNDED)
        # Squat pattern: the hips went down instead of back -- the trunk stayed
        # fairly upright through the whole rep while the knees bent deep.
        if self.checks.squat and squat_pattern(peak_incl, deepest_knee, self.th.squat_trunk_deg,
                                               self.th.squat_knee_deg, self.th.hinge_min_deg):
            faults.append(Verdict.SQUAT)
        if self.checks.knee_lock and knee is not None and knee > self.th.knee_lock_deg:
            faults.append(Verdict.KNEE_LOCK)
        if self.checks.heel_lift and heel is not None and heel > self.th.heel_lift:
            faults.append(Verdict.HEEL_LIFT)
        return faults

    def _checked(self, rep: _RepInProgress) -> bool:
        if rep.posture_frames == 0:
            return False
        if self.checks.rounding and self.baseline is None:
            return False
        return rep.seen_frames / rep.posture_frames >= self.th.min_seen_fraction or self._bottom_seen(rep)

    def _bottom_seen(self, rep: _RepInProgress) -> bool:
        """The wall drill reads a rep's rounding near its deepest lean (:meth:`_rounding`): a back seen
        there, on at least ROUNDING_MIN_FRAMES frames and ``min_seen_fraction`` of the frames whose
        trunk was within ROUNDING_BAND_DEG of it, is measured where it is judged, though the camera
        lost it on the way down and up (replayed over 295 recorded runs, `standing_start` seed 3 and
        random 423 count three good reps that were `unchecked`; docs/station-vision.md round 47). The
        trunk must have been followed through ``min_seen_fraction`` of the rep too, so the deepest lean
        is the rep's own."""
        if not self.rounding_at_bottom or len(rep.incl) < self.th.min_seen_fraction * rep.posture_frames:
            return False
        near = self._bottom_times(rep)
        if near is None:
            return False
        seen = sum(1 for t, _ in rep.back if t in near)
        return seen >= ROUNDING_MIN_FRAMES and seen >= self.th.min_seen_fraction * len(near)

    def _bottom_times(self, rep: _RepInProgress, until: Optional[float] = None) -> Optional[set[float]]:
        """The times of the rep's frames near its deepest lean: the trunk seen within ROUNDING_BAND_DEG of
        its held deepest inclination (:meth:`_held_incl`); None when no inclination held."""
        held = self._held_incl(rep, until)
        if held is None:
            return None
        lowest = held - ROUNDING_BAND_DEG
        return {tt for tt, a in rep.incl if a >= lowest and (until is None or tt <= until)}

    def _squat_seen(self, rep: _RepInProgress, until: Optional[float] = None) -> bool:
        """The squat pattern, judged without the back: trunk and knees seen for enough of the rep.

        The pattern is a fault of the trunk and the knees alone, so a rep whose back the camera
        could not see (plates, a bar or an arm in front of it; an oblique view) is still
        judged ``squat`` when the rest of the body shows it, never ``good``.
        """
        if not self.checks.squat or rep.posture_frames == 0:
            return False
        if len(rep.incl) / rep.posture_frames < self.th.min_seen_fraction:
            return False
        faults = self._posture_faults(None, None, None, self._held_incl(rep, until), self._deepest_knee(rep, until))
        return Verdict.SQUAT in faults

    def _legs_alone(self, knee: Optional[float], heel: Optional[float]) -> list[Verdict]:
        """Knees locked or a heel lifted, for a rep whose back the camera could not see but whose legs
        it did (a kyphotic or long-haired back at 320x240, an arm in front of it): said rather than
        `unchecked` alone, so the person hears "soften your knees" instead of nothing useful.

        At the station only: its camera is mounted for a side view, so a back goes unseen there for
        reasons of clothing, light or size that leave the legs' angles as good as ever. In a bare
        video the back is most often unseen because the camera films obliquely, where the knee's and
        the heel's angles are foreshortened too (on the real development set's three clips filmed 45
        deg off the side, 4 neutral pulls read `heel_lift`); there the rep stays `unchecked`."""
        if not self.has_contact_sensor:
            return []
        return self._posture_faults(None, knee, heel)

    def _squat_unknown(self, held_incl: Optional[float], knee_at_bottom: Optional[float],
                       deepest_knee: Optional[float]) -> bool:
        """The trunk stayed under the squat pattern's inclination but the knees were not seen where
        it would show (at the bottom, and no deep bend elsewhere): a squat and a shallow-angle
        hinge on soft knees look the same to the trunk alone, so the rep cannot be called ``good``
        (the same rule as a back the camera could not see)."""
        return (self.checks.squat and knee_at_bottom is None
                and held_incl is not None and held_incl < self.th.squat_trunk_deg
                and (deepest_knee is None or deepest_knee > self.th.squat_knee_deg))

    def _provisional_verdict(self, rep: _RepInProgress, t: float) -> Verdict:
        """The verdict so far at contact, for the LEDs (tempo is judged at standing)."""
        if rep.sensor_fault or self.sensor_fault:
            return Verdict.UNCHECKED
        if not self._checked(rep):
            if self._squat_seen(rep, t):
                return Verdict.SQUAT
            seen = self._legs_alone(self._knee_at(rep, t, t), self._heel(rep, t))
            return seen[0] if seen else Verdict.UNCHECKED
        knee, held, deepest = self._knee_at(rep, t, t), self._held_incl(rep, t), self._deepest_knee(rep, t)
        faults = self._posture_faults(self._rounding(rep, t), knee, self._heel(rep, t), held, deepest)
        if not faults and self._squat_unknown(held, knee, deepest):
            return Verdict.UNCHECKED
        return faults[0] if faults else Verdict.GOOD

    def _finish_rep(self, end_s: float, events: list[Event]) -> None:
        rep = self._rep
        assert rep is not None
        self._rep = None
        self.phase = "standing"
        self._last_stand_t = end_s
        contact: Optional[bool] = rep.contact_t is not None if self.has_contact_sensor else None

        if not self.has_contact_sensor:
            # Video analysis: the hinge itself must be deep enough to be a rep.
            if not self._deep_enough(rep):
                return
            if not self.set_active:
                self._start_set(rep.start_s, events)
        elif not self.set_active:
            # Before the first contact of a set nothing is a rep (walking in, setting up, a
            # stretch), except a hinge at the wall that fell short of it: it is the set's first
            # rep, shallow, so a newcomer hears why it did not count instead of nothing.
            if not self._short_of_the_wall(rep, end_s):
                return
            self._start_set(rep.start_s, events)
        elif (not contact and not rep.near_wall and (rep.peak_incl is None or rep.peak_incl <= self._leave_limit())
              and not (rep.short_hinge and self._came_back_to_the_wall(rep))):
            return  # neither a hinge the camera saw nor hips the sensor saw
        elif not contact and end_s - rep.start_s < MIN_SHALLOW_REP_S:
            return  # a flicker of the camera's view, not a hinge down and up
        elif not contact and not rep.short_hinge and self._hips_stayed_put(rep):
            return  # the camera's "hinge" while the sensor saw the hips stay where they stood
        elif (contact and rep.peak_incl is not None and rep.peak_incl <= self._leave_limit()
              and rep.posture_frames and len(rep.incl) >= self.th.min_seen_fraction * rep.posture_frames):
            # A lean back on the wall the camera could not place at the touch (the person had just
            # turned, their side not yet known), then saw upright throughout: the touch was no hinge.
            return

        if self.baseline is None:  # camera was blind at the start of the set
            self._take_baseline(end_s, None)
        bottom = rep.contact_t if rep.contact_t is not None else (rep.peak_t if rep.peak_t is not None else end_s)
        squat_style = rep.peak_incl is None or rep.peak_incl < self.th.hinge_min_deg
        if (rep.contact_t is None and rep.hip_drop_t is not None and rep.hip_drop_max is not None
                and rep.hip_drop_max >= HIP_REP_MIN and squat_style):
            bottom = rep.hip_drop_t  # a squat-style rep: its bottom is where the hips were lowest
        rounding = self._rounding(rep)
        knee = self._knee_at(rep, bottom)
        heel = self._heel(rep)
        deepest_knee = self._deepest_knee(rep)
        held_incl = self._held_incl(rep)
        judged = self._checked(rep)
        checked = judged and not (rep.sensor_fault or self.sensor_fault)
        if self.checks.rounding and not judged:
            # The back seen in too few of the rep's frames: the few readings there are (a glint of
            # the back's edge in a dark room) are no measure of this rep, so none is reported, and
            # a clinician's trend of rounding is not fed numbers the verdict itself did not trust.
            rounding = None

        faults: list[Verdict] = []
        if self.has_contact_sensor and not contact:
            faults.append(Verdict.SHALLOW)
        if checked:
            faults += self._posture_faults(rounding, knee, heel, held_incl, deepest_knee)
        if self.checks.tempo and end_s - rep.start_s < self.th.min_rep_s:
            faults.append(Verdict.TOO_FAST)
        faults.sort(key=FAULT_ORDER.index)
        if checked and not faults and self._squat_unknown(held_incl, knee, deepest_knee):
            verdict, faults = Verdict.UNCHECKED, [Verdict.UNCHECKED]
        elif checked:
            verdict = faults[0] if faults else Verdict.GOOD
        elif rep.sensor_fault or self.sensor_fault:
            verdict, faults = Verdict.UNCHECKED, [Verdict.UNCHECKED]
        else:
            # The back unseen: rounding is unknown, so the rep is unchecked -- unless a fault that
            # needs no back was seen (the sensor's shallow or too fast, the squat pattern, and at the
            # station knees locked or a heel lifted: see _legs_alone).
            known = [f for f in faults if f in (Verdict.SHALLOW, Verdict.TOO_FAST)]
            if self._squat_seen(rep):
                known.append(Verdict.SQUAT)
            known += self._legs_alone(knee, heel)
            known = sorted(set(known), key=FAULT_ORDER.index)
            verdict = known[0] if known else Verdict.UNCHECKED
            faults = known + [Verdict.UNCHECKED]

        out = Rep(
            index=self._reps_forgotten + len(self.reps) + 1,
            start_s=rep.start_s,
            bottom_s=bottom,
            end_s=end_s,
            contact=contact,
            verdict=verdict,
            faults=faults,
            trunk_inclination_deg=rep.peak_incl,
            rounding_deg=rounding,
            knee_angle_deg=knee,
            heel_lift=heel,
            seen_fraction=rep.seen_frames / rep.posture_frames if rep.posture_frames else 0.0,
        )
        if rep.hands_min is not None:
            out.hands_at_floor = rep.hands_min < HANDS_AT_FLOOR
            out.hands_low = rep.hands_min
        # Cut by the picture's edge on as many of the rep's frames as a rep must be seen on to be judged.
        out.cut_by_frame = bool(rep.posture_frames) and rep.cut_frames >= self.th.min_seen_fraction * rep.posture_frames
        # Not judged for want of the back (not a sensor fault), with the person in view where they should be on
        # as many frames: the camera could not measure them there, so the cue is about the camera, never to
        # step into view (device/messages.py, back_unseen).
        out.unseen_in_view = (not judged and not (rep.sensor_fault or self.sensor_fault) and bool(rep.posture_frames)
                              and rep.in_view_frames >= self.th.min_seen_fraction * rep.posture_frames)
        self.reps.append(out)
        self.reps_judged += 1
        self.reps_counted += out.counted
        self._trailing_floor_descent = False
        self._left_after_last = False
        self._last_activity_t = end_s
        if out.counted:
            self.counted += 1
        events.append(RepFinished(end_s, out, self.counted, self.cfg.station.target_reps))
        if out.counted and self.counted == self.cfg.station.target_reps:
            events.append(TargetReached(end_s, self.counted))

    def _nobody_there(self, t: float) -> Optional[bool]:
        """True when camera and sensor both positively show nobody; None when they cannot say."""
        if self.contact:
            return False
        p = self._fresh_posture(t)
        camera_empty: Optional[bool] = None if p is None else not p.person
        if not self.has_contact_sensor:
            return camera_empty
        if self.has_distance:
            fresh = self._distance_t is not None and t - self._distance_t <= POSTURE_STALE_S
            sensor_empty = not (fresh and self._distance is not None and self._distance < self.cfg.sensor.max_distance_m)
        else:
            sensor_empty = None  # a switch cannot see someone standing in front of it
        if camera_empty is None:
            return None  # the camera is the only witness of a person standing clear of the wall
        return camera_empty and sensor_empty is not False

    def _maybe_time_out(self, t: float, events: list[Event]) -> None:
        nobody = self._nobody_there(t)
        if nobody is False or self._last_presence_t is None:
            self._last_presence_t = t
        if not self.set_active or self.phase == "rep" or self.contact:
            return
        if nobody and t - self._last_presence_t >= PERSON_GONE_S:
            self._end_set(t, "person left", events)
            return
        last = self._last_activity_t
        if last is not None and t - last >= self.cfg.station.set_timeout_s:
            self._end_set(t, "away from the wall", events)

    def _note_unfinished(self, rep: _RepInProgress) -> None:
        if rep.hands_min is not None and rep.hands_min < HANDS_AT_FLOOR:
            self._trailing_floor_descent = True

    def _drop_pick_up_and_put_down(self) -> None:
        """Video analysis: a weight picked up from or put down on the floor is not a rep.

        A set pulled from the floor (deadlift, kettlebell deadlift: the hands
        reach the floor at most bottoms) ends with the weight put down. A
        put-down the lifter does not stand up from in view (the clip ends, they
        walk off bent) never becomes a rep. One they stand up from looks like a
        pull (the weight is not seen): it is taken as the put-down only when the
        lifter then leaves the picture (nobody walks off with a loaded bar);
        otherwise it counts -- on real footage a clip usually ends at, or just
        after, the last lockout, and dropping that cycle lost real pulls. In a
        set whose hinges stay off the floor (the wall drill, ball at the chest;
        an RDL), floor cycles at its start and end are picking the weight up and
        putting it down.
        """
        reps = self.reps[self._set_first_rep :]
        if not reps:
            return
        floor = [bool(r.hands_at_floor) for r in reps]
        n_floor = sum(floor)
        drop: set[int] = set()
        # The exercise says whether its reps start at the floor; unnamed, most bottoms decide (the hands at
        # the floor or within FLOOR_NEAR of it).
        from_floor = self.exercise.from_floor if self.exercise is not None else None
        if from_floor is None:
            near = sum(r.hands_low is not None and r.hands_low < HANDS_AT_FLOOR + FLOOR_NEAR for r in reps)
            from_floor = bool(n_floor) and 2 * near >= len(reps)
        if n_floor and from_floor:
            if floor[-1] and len(reps) >= 2 and self._left_after_last and not self._trailing_floor_descent:
                drop.add(reps[-1].index)
        elif n_floor:
            for r, f in zip(reps, floor):
                if not f:
                    break
                drop.add(r.index)
            for r, f in zip(reversed(reps), reversed(floor)):
                if not f:
                    break
                drop.add(r.index)
        if not drop:
            return
        kept = [r for r in reps if r.index not in drop]
        self.reps[self._set_first_rep :] = kept
        self.reps_judged -= len(reps) - len(kept)
        self.reps_counted -= sum(r.counted for r in reps) - sum(r.counted for r in kept)
        for i, r in enumerate(self.reps, start=1 + self._reps_forgotten):
            r.index = i
        self.counted = sum(r.counted for r in kept)

    def _end_set(self, t: float, reason: str, events: list[Event]) -> None:
        if self.set_active and not self.has_contact_sensor:
            self._drop_pick_up_and_put_down()
        if self.set_active:
            events.append(SetEnded(t, self.set_index, self.counted, reason))
        self.set_active = False
        self.baseline = None
        self._standing_hips.clear()  # the next person stands at their own height
        self._far_stand_dist = None  # ... and where they like


def _third_nearest(dists: Iterable[float]) -> float:
    """The hips' nearest approach to the wall in a rep by the distance sensor, but for two readings (one or
    two short echoes never make it). ``dists`` holds at least three."""
    return sorted(dists)[2]


def _approach(stood: Iterable[Optional[float]], dists: Collection[float]) -> Optional[float]:
    """How much nearer the wall the hips came (:func:`_third_nearest` of ``dists``) than the farthest of the
    known standing distances ``stood``; None with none known or fewer than three readings."""
    refs = [d for d in stood if d is not None]
    return max(refs) - _third_nearest(dists) if refs and len(dists) >= 3 else None


def _steady_distance(dists: list[float], older_only: bool = False) -> Optional[float]:
    """The median of a second of standing distances (oldest first), or None when the person was not
    standing still: the older half of them (before any hinge began) spread over more than
    STAND_STEADY_M, but for a tenth at each end (someone walking in, see STAND_STEADY_M). The newer half
    may hold the hips' first move back of the rep that follows, before the trunk leaves standing;
    ``older_only``: the median of the older half alone, where they stood before any of that move."""
    head = dists[: max(3, len(dists) // 2)]
    older = sorted(head)
    k = len(older) // 10
    if older[-1 - k] - older[k] > STAND_STEADY_M:
        return None
    return statistics.median(older if older_only else dists)


def sustained_max(samples: list[tuple[float, float]], hold_s: float = SUSTAIN_S,
                  min_frames: int = 1) -> Optional[float]:
    """The largest level the signal stayed at or above for ``hold_s``.

    For every window of consecutive samples spanning at least ``hold_s`` (and
    ``min_frames`` samples: a research knob, scripts/engine_replay.py) take its
    minimum; return the largest such minimum. With too few samples to span
    ``hold_s`` it falls back to the median, so one outlier never decides.
    ``samples`` holds only the frames where the measure was seen: a window may not
    bridge a gap of unseen frames (more than 2.5 times the usual spacing), so a few
    confident glitches scattered among unseen frames never make a "sustained" level.
    """
    if not samples:
        return None
    n = len(samples)
    gaps = [samples[k + 1][0] - samples[k][0] for k in range(n - 1)]
    max_gap = 2.5 * statistics.median(gaps) if gaps else 0.0
    # breaks_before[k]: how many gaps too wide to bridge lie before sample k
    breaks_before = [0] * n
    for k, g in enumerate(gaps):
        breaks_before[k + 1] = breaks_before[k] + (g > max_gap)
    best: Optional[float] = None
    j = 0
    for i in range(n):
        j = max(j, i)
        while j < n and (samples[j][0] - samples[i][0] < hold_s or j - i + 1 < min_frames):
            j += 1
        if j >= n:
            break
        if breaks_before[j] != breaks_before[i]:
            continue
        low = min(v for _, v in samples[i : j + 1])
        best = low if best is None else max(best, low)
    if best is None:
        return statistics.median(v for _, v in samples)
    return best


def run_engine(
    engine: RepEngine,
    proximity: list[ProximitySample] | tuple[ProximitySample, ...],
    posture: list[PostureSample] | tuple[PostureSample, ...],
    finish: bool = True,
) -> list[Event]:
    """Feed two recorded streams in time order (proximity first on ties) and collect events."""
    events: list[Event] = []
    i = j = 0
    while i < len(proximity) or j < len(posture):
        if j >= len(posture) or (i < len(proximity) and proximity[i].t <= posture[j].t):
            events += engine.feed_proximity(proximity[i])
            i += 1
        else:
            events += engine.feed_posture(posture[j])
            j += 1
    if finish:
        events += engine.finish()
    return events
