"""Health monitors for the camera and the hip proximity sensor.

A station runs for months with nobody watching it, so a part that fails must
be noticed and named: a camera whose ribbon works loose, a driver that keeps
handing out the same buffer, an HC-SR04 whose echo wire came off (gpiozero's
median queue then repeats the last good distance forever), an I2C sensor that
stops answering.

These monitors are pure: they are fed timestamped observations and asked for
their verdict at a given time. They read no clock, touch no hardware and keep
only a few seconds of state, so the live station and a replayed recording
judge health the same way. Each report carries a message that names the part
and says what to check, because the person reading it is an installer or a
physio, not the developer.

Status always follows the data: when good data returns the status returns to
``ok`` by itself, no reset needed.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Literal, Optional

import cv2
import numpy as np

from device.config import CameraConfig, SensorConfig
from device.core.types import ProximitySample

CameraStatus = Literal["ok", "lost", "frozen"]
SensorStatus = Literal["ok", "no_reading", "out_of_range", "stuck", "jitter", "i2c_error"]


@dataclass(frozen=True)
class HealthReport:
    """One part's health at one moment.

    ``part`` is ``"camera"`` or ``"proximity sensor"``; ``status`` is ``"ok"``
    or the fault; ``since`` is when the current fault began (None when ok);
    ``message`` is one human sentence naming the part and what to check.
    """

    part: str
    status: str
    message: str
    since: Optional[float] = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def frame_signature(image: np.ndarray) -> float:
    """A cheap fingerprint of a frame for freeze detection.

    The mean grey level of a 32x24 area-averaged thumbnail: 0.32 ms (median)
    on a 640x480 frame on the 2-core dev machine. A live sensor's noise moves it on every frame (one pixel
    changing by one level changes the mean), while a stalled driver that keeps
    returning the same buffer gives exactly the same value.
    """
    if image.ndim == 3:
        small = cv2.resize(image, (32, 24), interpolation=cv2.INTER_AREA)
        grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    else:
        grey = cv2.resize(image, (32, 24), interpolation=cv2.INTER_AREA)
    # Average the un-rounded thumbnail so small changes are not quantised away.
    return float(np.mean(grey, dtype=np.float64))


class CameraHealth:
    """Watches the frame stream: ``ok``, ``lost`` (no frame) or ``frozen``.

    Call :meth:`frame` for every frame (its time and :func:`frame_signature`)
    and :meth:`status` with the current time whenever a verdict is wanted.
    A frame counts as a repeat when its signature is within ``tolerance`` of
    the previous one; ``frozen`` needs repeats for longer than ``frozen_s``.
    """

    PART = "camera"

    def __init__(self, stale_s: float, frozen_s: float = 5.0, tolerance: float = 0.0,
                 hint: str = "the camera cable (ribbon or USB) and that no other program uses the camera") -> None:
        if stale_s <= 0 or frozen_s <= 0:
            raise ValueError("stale_s and frozen_s must be positive")
        self.stale_s = stale_s
        self.frozen_s = frozen_s
        self.tolerance = tolerance
        self.hint = hint
        self._start: Optional[float] = None
        self._last_t: Optional[float] = None
        self._last_sig: Optional[float] = None
        self._same_since: Optional[float] = None

    @classmethod
    def from_config(cls, cfg: CameraConfig, frozen_s: float = 5.0) -> "CameraHealth":
        """Build from the ``[camera]`` config section (``stale_s``)."""
        hint = ("the camera ribbon cable at both ends and that no other program holds the camera"
                if cfg.source == "picamera2" else
                f"the USB cable of camera {cfg.device!r} and that no other program holds it")
        return cls(cfg.stale_s, frozen_s=frozen_s, hint=hint)

    def start(self, t: float) -> None:
        """Mark when watching began, so a camera that never delivers is ``lost``."""
        self._start = t

    def frame(self, t: float, signature: float) -> None:
        """Record one frame taken at ``t`` with the given signature."""
        if self._last_sig is not None and abs(signature - self._last_sig) <= self.tolerance:
            if self._same_since is None:
                # The freeze began at the previous frame: that was the last new image.
                self._same_since = self._last_t
        else:
            self._same_since = None
        self._last_t = t
        self._last_sig = signature

    def status(self, now: float) -> HealthReport:
        """The camera's health at time ``now`` (same clock as the frame times)."""
        if self._start is None:
            self._start = now if self._last_t is None else min(now, self._last_t)
        last = self._last_t if self._last_t is not None else self._start
        gap = now - last
        if gap > self.stale_s:
            what = "no frame yet" if self._last_t is None else "no frame"
            return HealthReport(
                self.PART, "lost",
                f"camera lost: {what} for {gap:.1f} s: check {self.hint}; the station keeps retrying",
                since=last,
            )
        if self._same_since is not None and self._last_t is not None:
            frozen_for = self._last_t - self._same_since
            if frozen_for > self.frozen_s:
                return HealthReport(
                    self.PART, "frozen",
                    f"camera frozen: identical frames for {frozen_for:.1f} s: the camera driver has stalled; "
                    f"the station restarts the camera; if it keeps happening check {self.hint} and the power supply",
                    since=self._same_since,
                )
        return HealthReport(self.PART, "ok", "camera ok")


@dataclass
class _StuckRun:
    """Readings that agree with each other: their mean, the moving time they span, since when,
    how many, and the time of the last one."""

    value: float
    moving_s: float
    since: float
    n: int
    last_t: float


class SensorHealth:
    """Watches the hip proximity sensor's readings.

    Feed every :class:`ProximitySample` through :meth:`sample`, with what the
    camera knows about the person: ``person_present`` (someone stands in
    position at the wall) and ``person_moving`` (that person is hinging), and
    ``i2c_error`` when the reader failed to talk to an I2C sensor. Then ask
    :meth:`status`.

    Faults, the first that applies wins:

    - ``i2c_error``: every reading for ``no_reading_s`` failed on the I2C bus.
    - ``no_reading``: no sample at all for ``no_reading_s`` (the reader
      stopped), or, when ``none_means_clear`` is False, samples without a
      distance for that long. The station's readers (HC-SR04 at its maximum
      distance, time-of-flight with no target) report "nothing in range" as
      no distance, which is normal with nobody at the wall, so by default
      no distance only counts while a person is present, as ``out_of_range``.
    - ``out_of_range``: a person stands at the wall but for ``out_of_range_s``
      the sensor sees nothing within ``max_distance_m``: it points past them.
    - ``stuck``: the same reading (within ``stuck_tolerance_m``) for
      ``stuck_s`` of time during which the person was moving. An HC-SR04 that
      lost its echo keeps repeating its last distance this way; one that pings
      a bag or a door frame instead of the hips jitters by a centimetre or two
      but never follows them, while hips travel 15-25 cm in every hinge, hence
      a 4 cm band rather than "identical". The band sits on the mean of the
      readings that agreed so far. A run ends only when the last
      ``stuck_break_n`` readings disagree and so do most of those of the last
      ``stuck_break_s``: a lone stray echo does not end it, nor does a busy
      CPU that times one echo in three late, while hips that leave the band
      stay out of it for a good part of a second in every hinge. A run that
      a longer burst of late echoes did end is taken back, with its time, if
      the readings return to it within ``2 * stuck_break_s``.
    - ``jitter``: more than ``jitter_rate_hz`` jumps larger than ``jump_m``
      between consecutive readings, averaged over ``jitter_window_s``. Hips
      never move 25 cm in one 30 Hz sample.
    """

    PART = "proximity sensor"

    def __init__(
        self,
        stuck_s: float,
        max_distance_m: float,
        *,
        kind: Literal["hcsr04", "digital", "vl53l1x"] = "hcsr04",
        no_reading_s: float = 5.0,
        out_of_range_s: float = 10.0,
        stuck_tolerance_m: float = 0.04,
        stuck_break_n: int = 3,
        stuck_break_s: float = 0.5,
        jump_m: float = 0.25,
        jitter_rate_hz: float = 2.0,
        jitter_window_s: float = 3.0,
        hint: Optional[str] = None,
        none_means_clear: bool = True,
    ) -> None:
        if stuck_s <= 0 or max_distance_m <= 0 or no_reading_s <= 0 or jitter_window_s <= 0:
            raise ValueError("stuck_s, max_distance_m, no_reading_s and jitter_window_s must be positive")
        self.stuck_s = stuck_s
        self.max_distance_m = max_distance_m
        self.kind = kind
        self.no_reading_s = no_reading_s
        self.out_of_range_s = out_of_range_s
        self.stuck_tolerance_m = stuck_tolerance_m
        self.stuck_break_n = max(1, int(stuck_break_n))
        self.stuck_break_s = stuck_break_s
        self.jump_m = jump_m
        self.jitter_rate_hz = jitter_rate_hz
        self.jitter_window_s = jitter_window_s
        self.hint = hint or sensor_hint(kind)
        # Readers report "nothing in range" as no distance (see the class doc).
        self._none_is_clear = none_means_clear and kind != "digital"
        self._last_t: Optional[float] = None
        self._none_since: Optional[float] = None
        self._err_since: Optional[float] = None
        self._clear_since: Optional[float] = None  # person present, nothing in range
        self._run: Optional[_StuckRun] = None  # the current run of agreeing readings
        self._ended: list[tuple[_StuckRun, float]] = []  # runs that ended lately, and when
        self._stuck_off = 0  # readings in a row that disagree with the run
        self._stuck_recent: deque[tuple[float, bool]] = deque()  # (t, agreed) over stuck_break_s
        self._prev_value: Optional[float] = None
        self._jumps: deque[float] = deque()

    @classmethod
    def from_config(cls, cfg: SensorConfig, **kwargs: float) -> "SensorHealth":
        """Build from the ``[sensor]`` config section (kind, pins, stuck_s, max_distance_m)."""
        hint = sensor_hint(cfg.kind, cfg)
        return cls(cfg.stuck_s, cfg.max_distance_m, kind=cfg.kind, hint=hint, **kwargs)  # type: ignore[arg-type]

    def sample(self, s: ProximitySample, *, person_present: bool = False, person_moving: bool = False,
               i2c_error: bool = False) -> None:
        """Record one sensor sample and what the camera saw at the same time."""
        self._last_t = s.t
        value = self._value(s)

        # Runs of failed readings.
        if value is None:
            if self._none_since is None:
                self._none_since = s.t
        else:
            self._none_since = None
        if i2c_error:
            if self._err_since is None:
                self._err_since = s.t
        else:
            self._err_since = None

        # Person at the wall but the sensor sees nothing in range.
        clear = (value is None and self._none_is_clear and not i2c_error) or (
            value is not None and value >= self.max_distance_m - 1e-9 and self.kind != "digital")
        if person_present and clear:
            if self._clear_since is None:
                self._clear_since = s.t
        else:
            self._clear_since = None

        # Stuck: the same in-range reading while the person moves. Time only
        # accumulates while they move; a person standing still is not evidence.
        # Stray readings (a late echo timed on a busy CPU, a failed ping) do
        # not end a stuck run; readings that follow the hips do (class doc).
        in_range = value is not None and value < self.max_distance_m - 1e-9
        if self._run is None:
            if in_range:
                self._new_run(value, s.t)
        else:
            self._continue_run(s.t, value if in_range else None, person_moving)
        self._jitter(s.t, value)

    def _continue_run(self, t: float, value: Optional[float], moving: bool) -> None:
        run = self._run
        agrees = value is not None and abs(value - run.value) <= self.stuck_tolerance_m
        recent = self._stuck_recent
        recent.append((t, agrees))
        while recent[0][0] < t - self.stuck_break_s:
            recent.popleft()
        if agrees:
            self._stuck_off = 0
            run.n += 1
            run.value += (value - run.value) / run.n
            if moving:  # stray readings in between were the run's time too
                run.moving_s += t - run.last_t
            run.last_t = t
            return
        self._stuck_off += 1
        n_off = sum(1 for _, a in recent if not a)
        if self._stuck_off >= self.stuck_break_n and 2 * n_off > len(recent):
            self._ended.append((run, t))
            self._run = None
            if value is not None:
                self._new_run(value, t)

    def _new_run(self, value: float, t: float) -> None:
        """Start a run at ``value``, or take a run that ended within ``2 * stuck_break_s`` back
        if the readings return to it: a burst of late echoes broke it, not the hips."""
        self._stuck_off = 0
        self._stuck_recent.clear()
        self._stuck_recent.append((t, True))
        self._ended = ended = [(r, te) for r, te in self._ended if te >= t - 2 * self.stuck_break_s]
        for i in range(len(ended) - 1, -1, -1):
            run = ended[i][0]
            if abs(value - run.value) <= self.stuck_tolerance_m:
                del ended[i:]  # that run again, and the bursts since it ended forgotten
                run.last_t = t  # the time it was broken is not its time
                self._run = run
                return
        self._run = _StuckRun(value, 0.0, t, 1, t)

    def _jitter(self, t: float, value: Optional[float]) -> None:
        # Jitter: implausible jumps between consecutive valid readings.
        if value is not None and self._prev_value is not None and abs(value - self._prev_value) > self.jump_m:
            self._jumps.append(t)
        if value is not None:
            self._prev_value = value
        while self._jumps and self._jumps[0] <= t - self.jitter_window_s:
            self._jumps.popleft()

    def _value(self, s: ProximitySample) -> Optional[float]:
        if self.kind == "digital":
            # A contact switch has no distance: touching reads as 0, clear as max.
            if s.contact is None:
                return None
            return 0.0 if s.contact else self.max_distance_m
        return s.distance_m

    def status(self, now: float) -> HealthReport:
        """The sensor's health at time ``now`` (same clock as the samples)."""
        p = self.PART
        if self._last_t is not None and now - self._last_t > self.no_reading_s:
            return HealthReport(p, "no_reading",
                                f"proximity sensor silent: no sample for {now - self._last_t:.0f} s: "
                                f"the reader has stopped; check {self.hint}",
                                since=self._last_t)
        if self._err_since is not None and now - self._err_since >= self.no_reading_s:
            return HealthReport(p, "i2c_error",
                                f"proximity sensor not answering on I2C for {now - self._err_since:.0f} s: check {self.hint}",
                                since=self._err_since)
        if (self._none_since is not None and not self._none_is_clear
                and now - self._none_since >= self.no_reading_s):
            return HealthReport(p, "no_reading",
                                f"proximity sensor gives no reading for {now - self._none_since:.0f} s: check {self.hint}",
                                since=self._none_since)
        if self._clear_since is not None and now - self._clear_since >= self.out_of_range_s:
            return HealthReport(p, "out_of_range",
                                f"proximity sensor sees nothing within {self.max_distance_m:.2f} m for "
                                f"{now - self._clear_since:.0f} s while a person is at the wall: check it sits at hip "
                                f"height, points straight out from the wall and nothing covers it, then {self.hint}",
                                since=self._clear_since)
        run = self._run
        if run is not None and run.moving_s >= self.stuck_s:
            at = "contact" if self.kind == "digital" else f"{run.value:.2f} m"
            return HealthReport(p, "stuck",
                                f"proximity sensor stuck at {at} for {run.moving_s:.0f} s "
                                f"while a person moves: check {self.hint}",
                                since=run.since)
        recent = [t for t in self._jumps if t > now - self.jitter_window_s]
        if len(recent) / self.jitter_window_s > self.jitter_rate_hz:
            return HealthReport(p, "jitter",
                                f"proximity sensor jittery: {len(recent)} jumps over {self.jump_m:.2f} m in the last "
                                f"{self.jitter_window_s:.0f} s: check it is firmly mounted, nothing shiny or moving is "
                                f"near its beam, and {self.hint}",
                                since=recent[0])
        return HealthReport(p, "ok", "proximity sensor ok")


def sensor_hint(kind: str, cfg: Optional[SensorConfig] = None) -> str:
    """What to check on a misbehaving proximity sensor of this kind, naming its pins."""
    cfg = cfg or SensorConfig(kind=kind)  # type: ignore[arg-type]
    if kind == "hcsr04":
        return (f"the echo wire (GPIO{cfg.echo_pin}) and its 5 V -> 3.3 V voltage divider, "
                f"the trigger wire (GPIO{cfg.trigger_pin}) and the sensor's 5 V supply")
    if kind == "digital":
        return f"the sensor's signal wire (GPIO{cfg.input_pin}), its supply and ground"
    return (f"the I2C wires (SDA GPIO2, SCL GPIO3), the sensor's 3.3 V supply, and that "
            f"'i2cdetect -y {cfg.i2c_bus}' shows address 0x{cfg.i2c_address:02x}")
