"""The station pipeline: frames and proximity samples in, events out.

One class serves the live station, the simulation and the replay of a
recording, so all three run exactly the same core (built by
``device.app.StationApp``, which adds the visible states and the controls). Adapters are injected:
the posture estimator (vision), feedback (gpiozero LEDs and buzzer), a
recorder, and any number of event sinks (the session log, the console).
"""

from __future__ import annotations

import logging
import math
import threading
from typing import TYPE_CHECKING, Callable, Iterable, Optional, Protocol, runtime_checkable

from .config import Config
from .core.engine import RepEngine
from .core.types import Event, FaultSample, PostureSample, ProximitySample, Rep
from .io.frames import Frame

if TYPE_CHECKING:  # vision is imported lazily (make_estimator)
    from .vision.estimator import PostureDebug

log = logging.getLogger(__name__)


@runtime_checkable
class PostureSource(Protocol):
    """The one estimator interface: anything that turns a frame into a PostureSample.

    Both vision estimators satisfy it (:class:`device.vision.estimator.PostureEstimator`, the
    station's, and :class:`device.vision.pose.PoseGuidedEstimator`, for phone videos), and so
    does the simulation's ground truth (:class:`device.simulate.TruthPosture`).

    ``rounding_floor_deg``: the lowest back-shape reference the estimator's bend measure
    allows (see :class:`device.core.engine.RepEngine`); None for a pure standing baseline.
    ``last_debug``: what the overlay (:mod:`device.vision.annotate`) draws of the last frame
    (None before the first, or from a source that sees no image). ``close()``: release
    models (safe to call twice).
    """

    rounding_floor_deg: Optional[float]
    last_debug: Optional["PostureDebug"]

    def process(self, frame: Frame) -> PostureSample: ...

    def close(self) -> None: ...


class EventSink(Protocol):
    def handle(self, event: Event) -> None: ...


class Station:
    """Runs the rep engine on live or recorded inputs and fans its events out.

    Thread-safe: the proximity poller, the camera loop, the health ticker and
    the button call in from different threads; the engine is serialised by a
    lock, and the proximity path never waits for vision, so contact reaches the
    LEDs at once. Events are handed to the sinks inside that lock, so every
    sink sees them in exactly the order the engine produced them (a button's
    SetEnded never overtakes the camera's RepFinished). Sinks must therefore
    be quick: anything slow (disk, network, audio) goes to a queue of its own.
    """

    def __init__(
        self,
        config: Config,
        posture: Optional[PostureSource],
        *,
        sinks: Iterable[EventSink] = (),
        recorder=None,
        has_contact_sensor: bool = True,
        has_distance: bool = True,
        exercise: Optional[str] = None,
    ) -> None:
        self.config = config
        self.posture = posture
        self.sinks = list(sinks)
        self.recorder = recorder
        self.engine = RepEngine(config, has_contact_sensor=has_contact_sensor, has_distance=has_distance,
                                rounding_floor_deg=posture.rounding_floor_deg if posture is not None else None,
                                exercise=exercise)
        self.last_posture: Optional[PostureSample] = None
        self._lock = threading.RLock()  # re-entrant: a sink may read the station

    @property
    def reps(self) -> list[Rep]:
        return self.engine.reps

    def on_proximity(self, sample: ProximitySample) -> list[Event]:
        with self._lock:
            events = self.engine.feed_proximity(sample)
            if self.recorder is not None:
                self._record(self.recorder.add_proximity, sample)
            self._dispatch(events)
        return events

    def on_fault(self, fault: FaultSample) -> list[Event]:
        """A device fault began or ended: into the engine (and the recording) like any sample."""
        with self._lock:
            events = self.engine.feed_fault(fault)
            if self.recorder is not None and hasattr(self.recorder, "add_fault"):
                self._record(self.recorder.add_fault, fault)
            self._dispatch(events)
        return events

    def on_frame(self, frame: Frame) -> list[Event]:
        p = self.posture.process(frame) if self.posture is not None else PostureSample(t=frame.t)
        return self.on_posture(p, frame)

    def on_posture(self, p: PostureSample, frame: Optional[Frame] = None) -> list[Event]:
        with self._lock:
            self.last_posture = p
            events = self.engine.feed_posture(p)
            if self.recorder is not None and frame is not None:
                self._record(self.recorder.add_frame, frame)
            self._dispatch(events)
        return events

    def reset_set(self, t: float, reason: str = "button") -> list[Event]:
        with self._lock:
            events = self.engine.reset_set(t, reason)
            self._dispatch(events)
        return events

    def finish(self, t: Optional[float] = None) -> list[Event]:
        with self._lock:
            events = self.engine.finish(t)
            self._dispatch(events)
        return events

    def _record(self, fn: Callable, item) -> None:
        try:
            fn(item)
        except Exception as e:  # a full disk must not stop the counting
            log.error("recording stopped: %s; reps are still counted and logged", e)
            self.recorder = None

    def _dispatch(self, events: list[Event]) -> None:
        for e in events:
            for sink in self.sinks:
                try:
                    sink.handle(e)
                except Exception:
                    log.exception("event sink %s failed on %s", type(sink).__name__, type(e).__name__)


def replay(
    station: Station,
    frames: Iterable[Frame],
    proximity: Optional[list[ProximitySample]] = None,
    on_frame: Optional[Callable[[Frame, list[Event]], None]] = None,
    faults: Optional[list[FaultSample]] = None,
    *,
    proximity_after: Optional[list[int]] = None,
    faults_after: Optional[list[int]] = None,
) -> None:
    """Feed recorded frames, proximity samples and faults in the order the live station took them, then finish.

    ``proximity_after`` / ``faults_after`` (a recording's ``after_frame``, see device/recording.py) say
    how many frames the live station had taken when each sample reached it: a sample is fed just
    before the frame of that index. Live, the sensor and the health monitor do not wait for the
    camera, so a reading often arrives before a frame captured earlier that is still being measured,
    and the rep engine's judgement can hang on that order.

    Without them (a scenario, an older recording), samples go in time order: at the same time a
    fault goes first (the health monitor saw it before the reading arrived), then a proximity
    sample, then the frame, as live: the sensor path never waits for the camera.
    """
    prox = proximity or []
    flt = faults or []
    p_after = proximity_after if proximity_after is not None and len(proximity_after) == len(prox) else None
    f_after = faults_after if faults_after is not None and len(faults_after) == len(flt) else None
    i = j = 0
    last_t: Optional[float] = None

    def fault_first() -> bool:
        # By arrival where both are known, else by time; a fault before a reading at the same instant.
        if p_after is not None and f_after is not None and f_after[j] != p_after[i]:
            return f_after[j] < p_after[i]
        return flt[j].t <= prox[i].t

    def upto(t: float, index: Optional[int]) -> None:
        nonlocal i, j

        def due(after: Optional[list[int]], k: int, st: float) -> bool:
            if after is not None and index is not None:
                return after[k] <= index
            return st <= t

        while True:
            p_due = i < len(prox) and due(p_after, i, prox[i].t)
            f_due = j < len(flt) and due(f_after, j, flt[j].t)
            if not (p_due or f_due):
                return
            if f_due and (not p_due or fault_first()):
                station.on_fault(flt[j])
                j += 1
            else:
                station.on_proximity(prox[i])
                i += 1

    for frame in frames:
        upto(frame.t, frame.index)
        events = station.on_frame(frame)
        last_t = frame.t
        if on_frame is not None:
            on_frame(frame, events)
    # Sensor samples after the last frame still count (the camera may stop first).
    tail = [s.t for s in prox[i:]] + [f.t for f in flt[j:]]
    if tail:
        upto(math.inf, None)
        last_t = max(tail) if last_t is None else max(last_t, max(tail))
    station.finish(last_t)


def make_estimator(config: Config, segmenter: Optional[str] = None, kind: str = "silhouette") -> PostureSource:
    """The posture estimator: ``silhouette`` (the station's, fast) or ``pose`` (landmark-guided,
    for offline analysis of real footage). Vision is imported only here."""
    if kind == "pose":
        from .vision.pose import PoseGuidedEstimator

        return PoseGuidedEstimator(wall_side=config.camera.wall_side, standing_deg=config.thresholds.standing_deg)
    from .vision.estimator import PostureEstimator
    from .vision.segmentation import make_segmenter

    kind = segmenter or config.camera.segmenter
    return PostureEstimator.from_config(config.camera, config.thresholds, segmenter=make_segmenter(kind))
