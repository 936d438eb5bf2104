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
"""

from __future__ import annotations

import statistics
from collections import deque
from dataclasses import dataclass, field
from typing import Optional

from ..config import Config
from .contact import ContactDetector
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
# The rounding baseline is the median of the most recent standing frames
# (about 2 s at 30 fps), ignoring any older than BASELINE_MAX_AGE_S.
BASELINE_SAMPLES = 60
BASELINE_MIN_SAMPLES = 5
BASELINE_MAX_AGE_S = 30.0
# A "rep" longer than this is someone resting bent over or leaving: dropped.
MAX_REP_S = 20.0
# Out of position this long during a rep (not at the wall, not in view) aborts it.
GONE_S = 2.0
# Camera and sensor both showing nobody for this long: the person has left,
# the set ends at once, and the next person starts their own set and baseline.
PERSON_GONE_S = 3.0
# Hands lower than this (fraction of standing height) at the bottom of a hinge
# reached the floor: a weight picked up or put down (video analysis only).
HANDS_AT_FLOOR = 0.15
# Window around contact (or the deepest point) in which the knee is judged.
KNEE_WINDOW_S = 0.3
# A fault must hold this long to count: a rounded back or a lifted heel
# persists, a mis-measured frame or two does not.
SUSTAIN_S = 0.15


@dataclass
class _RepInProgress:
    start_s: float
    set_started_here: bool = False
    peak_incl: Optional[float] = None
    peak_t: Optional[float] = None
    contact_t: Optional[float] = None
    contact_seen: bool = False
    near_wall: bool = False  # the sensor alone saw the hips approach
    posture_frames: int = 0
    seen_frames: int = 0
    back: list[tuple[float, float]] = field(default_factory=list)  # (t, back_bend)
    knee: list[tuple[float, float]] = field(default_factory=list)
    heel: list[tuple[float, float]] = field(default_factory=list)
    provisional_sent: bool = False
    sensor_fault: bool = False  # the proximity sensor was faulty during the rep
    hands_min: Optional[float] = None  # lowest the hands came (fraction of standing height)
    standing_since: Optional[float] = None
    out_since: Optional[float] = None


class RepEngine:
    """Turns proximity and posture samples into reps, verdicts and set events.

    ``has_contact_sensor`` is False when analysing a video without a
    proximity trace: contact is then unknown, reps are found from the hinge
    itself, and ``shallow`` is never judged. ``has_distance`` is False for a
    digital sensor or contact switch (contact only, no distance).
    """

    def __init__(self, config: Config, *, has_contact_sensor: bool = True, has_distance: bool = True) -> None:
        self.cfg = config
        self.th = config.thresholds
        self.checks = config.checks
        self.has_contact_sensor = has_contact_sensor
        self.has_distance = has_distance and has_contact_sensor
        self.contact_detector = ContactDetector.from_config(config.sensor)

        self.phase = "away"
        self.reps: list[Rep] = []  # every judged rep, all sets
        self.set_index = 0
        self.set_active = False
        self.counted = 0
        self.baseline: Optional[float] = None

        self._posture: Optional[PostureSample] = None
        self._distance: Optional[float] = None
        self._distance_t: Optional[float] = None
        self._stand_since: Optional[float] = None
        self._last_stand_t: Optional[float] = None
        self._standing_backs: deque[tuple[float, float]] = deque(maxlen=BASELINE_SAMPLES)
        self._rep: Optional[_RepInProgress] = None
        self._last_contact_t: Optional[float] = None
        self._last_activity_t: Optional[float] = None
        self._last_presence_t: Optional[float] = None
        # Video analysis: whether a descent to the floor was left unfinished,
        # and where the current set began.
        self._trailing_floor_descent = False
        self._set_first_rep = 0
        self._now = float("-inf")
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
        change = self.contact_detector.update(s)
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
        self._now = max(self._now, p.t)
        self._posture = p
        seen = self._seen(p)
        rep = self._rep
        if rep is not None:
            # Once a rep has begun in position, the tracked person stays the
            # subject even if the in-position test flickers mid-hinge.
            seen = seen or self._measured(p)
            rep.posture_frames += 1
            if seen and self._back_seen(p):
                rep.seen_frames += 1
            if seen:
                incl = p.trunk_inclination_deg
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
        if self._rep is not None:
            self._note_unfinished(self._rep)
        self._rep = None
        self._end_set(t, "end of input", events)
        return events

    # ------------------------------------------------------------- judgement

    def _seen(self, p: Optional[PostureSample]) -> bool:
        return (
            p is not None
            and p.person
            and p.in_position
            and p.trunk_inclination_deg is not None
            and p.trunk_conf >= self.th.min_conf
        )

    def _measured(self, p: Optional[PostureSample]) -> bool:
        return (
            p is not None and p.person and p.trunk_inclination_deg is not None and p.trunk_conf >= self.th.min_conf
        )

    def _back_seen(self, p: PostureSample) -> bool:
        if not self.checks.rounding:
            return True
        return p.back_bend_deg is not None and p.back_conf >= self.th.min_conf

    def _fresh_posture(self, t: float) -> Optional[PostureSample]:
        p = self._posture
        if p is None or t - p.t > POSTURE_STALE_S:
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

    def _standing_state(self, t: float) -> tuple[Optional[bool], bool, bool]:
        """(standing, left_standing, camera_sees) at time t; standing None = cannot tell."""
        p = self._fresh_posture(t)
        if self._seen(p):
            incl = p.trunk_inclination_deg
            standing = incl <= self.th.standing_deg and not self.contact
            left = incl > self.th.leave_deg
            return standing, left, True
        near = self._sensor_near(t)
        if near is None:
            return None, False, False
        return (not near), near, False

    def _step(self, t: float, events: list[Event]) -> None:
        standing, left, sees = self._standing_state(t)
        p = self._fresh_posture(t)

        if standing:
            if self._stand_since is None:
                self._stand_since = t
            if sees and self._back_seen(p) and p.back_bend_deg is not None:
                self._standing_backs.append((t, p.back_bend_deg))
        else:
            self._stand_since = None
        while self._standing_backs and t - self._standing_backs[0][0] > BASELINE_MAX_AGE_S:
            self._standing_backs.popleft()
        held = self._stand_since is not None and t - self._stand_since >= SETTLE_S

        if self.phase == "away":
            if held:
                self.phase = "standing"
                self._last_stand_t = t
            elif not self.has_contact_sensor and sees and left:
                # A video that starts mid-hinge (a lifter already gripping the
                # bar): the first rep runs from the first frame it is seen.
                self._begin_rep(t, t, events)
        elif self.phase == "standing":
            if standing:
                self._last_stand_t = t
            elif left:
                self._begin_rep(self._last_stand_t if self._last_stand_t is not None else t, t, events)
            elif standing is None and not sees:
                # Nobody seen and the sensor has nothing: the person has gone.
                self.phase = "away"
        elif self.phase == "rep":
            self._track_rep(t, standing, sees, held, events)

        self._maybe_time_out(t, events)

    def _begin_rep(self, start_s: float, t: float, events: list[Event]) -> None:
        self.phase = "rep"
        self._rep = _RepInProgress(start_s=start_s)
        if self.set_active and self.baseline is None:
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
        if held and standing:
            self._finish_rep(self._stand_since, events)
            return
        # Gone: neither camera nor sensor place the person at the wall.
        p = self._fresh_posture(t)
        present = (p is not None and p.person and p.in_position) or self.contact or (
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
        if not rep.provisional_sent:
            rep.provisional_sent = True
            events.append(ContactMade(t, self._provisional_verdict(rep, t)))

    def _start_set(self, t: float, events: list[Event]) -> None:
        self._set_first_rep = len(self.reps)
        self._trailing_floor_descent = False
        self.set_active = True
        self.set_index += 1
        self.counted = 0
        self.baseline = None
        events.append(SetStarted(t, self.set_index))
        self._take_baseline(t, events)

    def _take_baseline(self, t: float, events: Optional[list[Event]]) -> None:
        """The person's standing back shape: median of the recent standing frames."""
        backs = [b for _, b in self._standing_backs]
        if len(backs) >= BASELINE_MIN_SAMPLES:
            self.baseline = statistics.median(backs)
            if events is not None:
                events.append(BaselineTaken(t, self.baseline))

    def _rounding(self, rep: _RepInProgress, until: Optional[float] = None) -> Optional[float]:
        """Largest rounding in the rep that held for SUSTAIN_S."""
        if self.baseline is None:
            return None
        peak = sustained_max([(tt, b) for tt, b in rep.back if until is None or tt <= until])
        return None if peak is None else peak - self.baseline

    def _knee_at(self, rep: _RepInProgress, t_ref: Optional[float], until: Optional[float] = None) -> Optional[float]:
        if t_ref is None:
            return None
        vals = [k for tt, k in rep.knee if abs(tt - t_ref) <= KNEE_WINDOW_S and (until is None or tt <= until)]
        return statistics.median(vals) if vals else None

    def _heel(self, rep: _RepInProgress, until: Optional[float] = None) -> Optional[float]:
        return sustained_max([(tt, h) for tt, h in rep.heel if until is None or tt <= until])

    def _posture_faults(
        self, rounding: Optional[float], knee: Optional[float], heel: Optional[float]
    ) -> list[Verdict]:
        faults = []
        if self.checks.rounding and rounding is not None and rounding > self.th.rounding_deg:
            faults.append(Verdict.ROUNDED)
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
        return rep.seen_frames / rep.posture_frames >= self.th.min_seen_fraction

    def _provisional_verdict(self, rep: _RepInProgress, t: float) -> Verdict:
        """The verdict so far at contact, for the LEDs (tempo is judged at standing)."""
        if not self._checked(rep) or rep.sensor_fault or self.sensor_fault:
            return Verdict.UNCHECKED
        faults = self._posture_faults(self._rounding(rep, t), self._knee_at(rep, t, t), self._heel(rep, t))
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
            if rep.peak_incl is None or rep.peak_incl < self.th.hinge_min_deg:
                return
            if not self.set_active:
                self._start_set(rep.start_s, events)
        elif not self.set_active:
            # Before the first contact of a set nothing is a rep: walking in,
            # setting up, a practice bend.
            return
        elif not contact and not rep.near_wall and (rep.peak_incl is None or rep.peak_incl <= self.th.leave_deg):
            return  # neither a hinge the camera saw nor hips the sensor saw

        if self.baseline is None:  # camera was blind at the start of the set
            self._take_baseline(end_s, None)
        bottom = rep.contact_t if rep.contact_t is not None else (rep.peak_t if rep.peak_t is not None else end_s)
        rounding = self._rounding(rep)
        knee = self._knee_at(rep, bottom)
        heel = self._heel(rep)
        checked = self._checked(rep) and not (rep.sensor_fault or self.sensor_fault)

        faults: list[Verdict] = []
        if self.has_contact_sensor and not contact:
            faults.append(Verdict.SHALLOW)
        if checked:
            faults += self._posture_faults(rounding, knee, heel)
        if self.checks.tempo and end_s - rep.start_s < self.th.min_rep_s:
            faults.append(Verdict.TOO_FAST)
        faults.sort(key=FAULT_ORDER.index)
        if checked:
            verdict = faults[0] if faults else Verdict.GOOD
        elif rep.sensor_fault or self.sensor_fault:
            verdict, faults = Verdict.UNCHECKED, [Verdict.UNCHECKED]
        else:
            sensor_faults = [f for f in faults if f in (Verdict.SHALLOW, Verdict.TOO_FAST)]
            verdict = sensor_faults[0] if sensor_faults else Verdict.UNCHECKED
            faults = sensor_faults + [Verdict.UNCHECKED]

        out = Rep(
            index=len(self.reps) + 1,
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
        self.reps.append(out)
        self._trailing_floor_descent = False
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
        reach the floor at most bottoms) has a setup descent and a put-down, so
        its standing-to-standing cycles are one more than its pulls: the last
        descent to the floor is the put-down. If the lifter stood up tall after
        it, that final cycle is dropped; if they walked off, it never became a
        rep. In a set whose hinges stay off the floor (the wall drill, ball at
        the chest), floor cycles at its start and end are picking the weight up
        and putting it down.
        """
        reps = self.reps[self._set_first_rep :]
        if not reps:
            return
        floor = [bool(r.hands_at_floor) for r in reps]
        n_floor = sum(floor)
        drop: set[int] = set()
        if n_floor and 2 * n_floor >= len(reps):
            if floor[-1] and len(reps) >= 2 and not self._trailing_floor_descent:
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
        for i, r in enumerate(self.reps, start=1):
            r.index = i
        self.counted = sum(r.counted for r in kept)

    def _end_set(self, t: float, reason: str, events: list[Event]) -> None:
        if self.set_active and not self.has_contact_sensor:
            self._drop_pick_up_and_put_down()
        if self.set_active:
            events.append(SetEnded(t, self.set_index, self.counted, reason))
        self.set_active = False
        self.baseline = None


def sustained_max(samples: list[tuple[float, float]], hold_s: float = SUSTAIN_S) -> Optional[float]:
    """The largest level the signal stayed at or above for ``hold_s``.

    For every window of consecutive samples spanning at least ``hold_s`` take
    its minimum; return the largest such minimum. With too few samples to span
    ``hold_s`` it falls back to the median, so one outlier never decides.
    """
    if not samples:
        return None
    best: Optional[float] = None
    n = len(samples)
    j = 0
    for i in range(n):
        j = max(j, i)
        while j < n and samples[j][0] - samples[i][0] < hold_s:
            j += 1
        if j >= n:
            break
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
