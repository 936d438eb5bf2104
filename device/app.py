"""The station as one app: one builder, visible states, the controls.

The live station, the simulation and the replay of a recording all build
their station here, so all three run the same pipeline with the same sinks
in the same order. The app

- has a state anyone can read (``app.state``): starting, ready, running
  (a set is in progress), faulted (a device fault is on), stopping;
- keeps a :class:`~device.messages.StationState` up to date
  (``app.station_state``) and tells listeners when it changes;
- implements :class:`~device.control.StationControl` (start_set, reset_set,
  set_target, select_patient, mute), so the button, MQTT and the dashboard
  all command it the same way;
- owns what it opened (an ``ExitStack``): ``close()`` closes it all, in
  reverse order, whatever failed.

Extra event sinks (MQTT, dashboard bus, audio cues) are added with one line:
``StationApp(..., sinks=[...])`` or ``app.add_sink(sink)`` before the first
sample. A sink's ``handle(event)`` is called in engine order, inside the
engine lock: it must return at once (queue anything slow).
"""

from __future__ import annotations

import contextlib
import enum
import logging
import time
from typing import Callable, Iterable, Optional

from .config import Config
from .core.types import (
    ContactMade,
    Event,
    FaultSample,
    PostureSample,
    ProximitySample,
    RepFinished,
    SetEnded,
    SetStarted,
)
from .io.frames import Frame
from .messages import CUES, StationState, rep_cue
from .station import EventSink, PostureSource, Station

log = logging.getLogger("wallhinge")


class AppState(str, enum.Enum):
    STARTING = "starting"
    READY = "ready"  # waiting for someone: no set in progress
    RUNNING = "running"  # a set is in progress
    FAULTED = "faulted"  # a device fault is on (counting goes on where it can)
    STOPPING = "stopping"


class _StateSink:
    """Keeps the app's StationState in step with the engine's events (the first sink)."""

    def __init__(self, app: "StationApp") -> None:
        self.app = app

    def handle(self, e: Event) -> None:
        st = self.app.station_state
        if isinstance(e, SetStarted):
            st.set_active, st.set_id, st.count = True, f"{self.app.run_id}-{e.set_index}", 0
            st.last_verdict = st.last_cue = None
        elif isinstance(e, ContactMade):
            st.last_verdict, st.last_cue = e.verdict.value, CUES.get(e.verdict.value)
        elif isinstance(e, RepFinished):
            st.count = e.counted_total
            st.last_verdict, st.last_cue = e.rep.verdict.value, rep_cue(e.rep, self.app.config.thresholds)
        elif isinstance(e, SetEnded):
            st.set_active = False
        self.app._refresh()


class StationApp:
    """The station: one pipeline, its sinks, its state and its controls."""

    def __init__(
        self,
        config: Config,
        posture: Optional[PostureSource],
        *,
        feedback=None,
        sinks: Iterable[EventSink] = (),
        recorder=None,
        has_contact_sensor: bool = True,
        has_distance: bool = True,
        clock: Callable[[], float] = time.monotonic,
        station_id: str = "station",
        exercise=None,
        speech=None,
    ) -> None:
        self.config = config
        self.speech = speech  # the spoken cues (device/cues), muted with the buzzer
        self.clock = clock
        self.feedback = feedback
        self.run_id = time.strftime("%Y%m%d%H%M%S")
        self.exit_stack = contextlib.ExitStack()
        self._state = AppState.STARTING
        self._faults: dict[str, str] = {}
        self._stopping = False
        self._listeners: list[Callable[[StationState], None]] = []
        self._frame_listeners: list[Callable[[Frame, list[Event]], None]] = []
        self._published: Optional[dict] = None
        self.station_state = StationState(station_id=station_id, target=config.station.target_reps)
        self.patient_id: Optional[int] = None
        # The order of the sinks is the order each event reaches them: state first
        # (so any sink may read the new state), then the LEDs, then the rest.
        all_sinks: list[EventSink] = [_StateSink(self)]
        if feedback is not None:
            all_sinks.append(feedback)
        all_sinks += list(sinks)
        self.station = Station(config, posture, sinks=all_sinks, recorder=recorder,
                               has_contact_sensor=has_contact_sensor, has_distance=has_distance,
                               exercise=exercise)
        if recorder is not None:
            self.exit_stack.callback(recorder.close)
        if feedback is not None:
            self.exit_stack.callback(feedback.close)

    # ------------------------------------------------------------ building

    def add_sink(self, sink: EventSink) -> None:
        """One more event sink (MQTT, dashboard bus, audio), after the built-in ones."""
        with self.station._lock:
            self.station.sinks.append(sink)

    def on_close(self, fn: Callable[[], object]) -> None:
        """Close ``fn`` with the app (last registered, first closed)."""
        self.exit_stack.callback(fn)

    def add_frame_listener(self, fn: Callable[[Frame, list[Event]], None]) -> None:
        """Called after every camera frame the station has judged (the dashboard's live view and trace)."""
        self._frame_listeners.append(fn)

    def add_state_listener(self, fn: Callable[[StationState], None]) -> None:
        """``fn(station_state)`` whenever the state changes, and only then (called from the thread
        that changed it: return at once, queue anything slow)."""
        self._listeners.append(fn)

    def ready(self) -> None:
        """Built and inputs open: from starting to ready."""
        self._refresh()

    # -------------------------------------------------------------- state

    @property
    def state(self) -> AppState:
        return self._state

    @property
    def reps(self):
        return self.station.reps

    @property
    def engine(self):
        return self.station.engine

    @property
    def last_posture(self) -> Optional[PostureSample]:
        return self.station.last_posture

    def _refresh(self) -> None:
        st = self.station_state
        if self._stopping:
            new = AppState.STOPPING
        elif self._faults:
            new = AppState.FAULTED
        elif self.station.engine.set_active:
            new = AppState.RUNNING
        else:
            new = AppState.READY
        p = self.station.last_posture
        st.person_present = bool(p and p.person)
        st.faults = [f"{part} {fault}" for part, fault in sorted(self._faults.items())]
        changed = new is not self._state
        self._state = new
        st.app_state = new.value
        if changed:
            log.debug("station %s", new.value)
        now = st.to_dict()
        if now == self._published:
            return  # nothing a listener could see has changed (the health check runs twice a second)
        self._published = now
        for fn in list(self._listeners):
            try:
                fn(st)
            except Exception:
                log.exception("state listener failed")

    # -------------------------------------------------------------- inputs

    def on_proximity(self, sample: ProximitySample) -> list[Event]:
        return self.station.on_proximity(sample)

    def on_frame(self, frame: Frame) -> list[Event]:
        events = self.station.on_frame(frame)
        self._presence()
        for fn in self._frame_listeners:
            try:
                fn(frame, events)
            except Exception:
                log.exception("frame listener failed")
        return events

    def on_posture(self, p: PostureSample, frame: Optional[Frame] = None) -> list[Event]:
        events = self.station.on_posture(p, frame)
        self._presence()
        return events

    def _presence(self) -> None:
        p = self.station.last_posture
        if bool(p and p.person) != self.station_state.person_present:
            self._refresh()  # someone came into view or left it: the state says so

    def on_fault(self, fault: FaultSample) -> list[Event]:
        """A device fault on (``fault.fault`` named) or off (None); the engine and recording get it too."""
        if fault.fault is None:
            self._faults.pop(fault.part, None)
        else:
            self._faults[fault.part] = fault.fault
        events = self.station.on_fault(fault)
        self._refresh()
        return events

    def set_storage_fault(self, message: Optional[str]) -> None:
        """The session log failing is a fault to show, not a sample the engine judges by."""
        if message is None:
            self._faults.pop("storage", None)
        else:
            self._faults["storage"] = "failing"
        self._refresh()

    def finish(self, t: Optional[float] = None) -> list[Event]:
        return self.station.finish(t)

    # ------------------------------------------------ StationControl (device/control.py)

    def start_set(self) -> None:
        """Start afresh: an open set ends now; the next hip contact starts the new one."""
        if self.station.engine.set_active:
            self.station.reset_set(self.clock(), "start")

    def reset_set(self) -> None:
        self.station.reset_set(self.clock(), "button")

    def set_target(self, reps: int) -> None:
        if not 1 <= int(reps) <= 200:
            raise ValueError(f"target takes a whole number of reps from 1 to 200, not {reps}")
        with self.station._lock:
            self.config.station.target_reps = int(reps)
            self.station_state.target = int(reps)
        self._refresh()

    def select_patient(self, patient_id: Optional[int]) -> None:
        self.patient_id = patient_id
        self.station_state.patient = None if patient_id is None else f"patient {patient_id}"
        self._refresh()

    def mute(self, muted: bool) -> None:
        if self.feedback is not None and hasattr(self.feedback, "muted"):
            self.feedback.muted = bool(muted)
        if self.speech is not None:
            self.speech.mute(bool(muted))
        self.station_state.muted = bool(muted)
        self._refresh()

    # ------------------------------------------------------------- closing

    def close(self, t: Optional[float] = None) -> None:
        """Stopping: close the open set, then everything the app opened, in reverse order."""
        if self._stopping:
            return
        self._stopping = True
        self._refresh()
        try:
            self.station.finish(t)
        finally:
            self.exit_stack.close()

    def __enter__(self) -> "StationApp":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

