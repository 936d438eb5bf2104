"""The live station: real pins, real camera, the session log, health and watchdog.

Three threads, each with one job:

- the proximity poller (``SensorPoller``) feeds hip samples to the engine the
  moment they are read, so contact reaches the LEDs without waiting for vision;
- the main thread runs the camera loop: frame -> posture -> engine;
- a ticker checks the health of camera and sensor twice a second, shows a
  fault on the LEDs, logs it once, and pings the systemd watchdog only while
  frames and sensor samples are fresh, so a hung pipeline is restarted.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
import time
from pathlib import Path
from typing import Callable, Optional

from .config import Config, default_station_id
from .core.types import Event, RepFinished, SetEnded, SetStarted
from .io.frames import CameraError, FrameSource

log = logging.getLogger("wallhinge")


class SessionLogSink:
    """Writes sets and reps to the SQLite session log as the engine reports them."""

    def __init__(self, session_log, config: Config, label: Optional[str] = None) -> None:
        self.db = session_log
        self.config = config
        self.label = label
        self.session_id: Optional[int] = None

    def handle(self, e: Event) -> None:
        if isinstance(e, SetStarted):
            self.session_id = self.db.start_session(
                self.config.station.place, self.config.model_dump(mode="json"), label=self.label
            )
        elif isinstance(e, RepFinished) and self.session_id is not None:
            self.db.record_rep(self.session_id, e.rep)
        elif isinstance(e, SetEnded) and self.session_id is not None:
            self.db.end_session(self.session_id, e.counted_total)
            self.session_id = None


class LogSink:
    """Reps and sets to the journal, in the domain's words."""

    def handle(self, e: Event) -> None:
        from .report import rep_line

        if isinstance(e, RepFinished):
            log.info("%s  (%d/%d counted)", rep_line(e.rep), e.counted_total, e.target_reps)
        elif isinstance(e, SetStarted):
            log.info("set %d started", e.set_index)
        elif isinstance(e, SetEnded):
            log.info("set %d ended (%s): %d counted", e.set_index, e.reason, e.counted_total)


class _NoLog:
    """Stands in for the session log when it cannot be opened; keeps the reason as its error."""

    notices: list[str] = []

    def __init__(self, reason: str) -> None:
        self.error = reason

    def start_session(self, *a, **k) -> int:
        return 0

    def record_rep(self, *a, **k) -> None: ...

    def end_session(self, *a, **k) -> None: ...

    def record_fault(self, *a, **k) -> None: ...

    def close(self, *a, **k) -> bool:
        return True


def _start_net(config: Config, app, clock, url: Optional[str]):
    """The MQTT link (device/net) when configured; a network that cannot be set up never stops the station."""
    if not (url or config.mqtt.url):
        return None
    from .net.mqtt import NetError, link_from_config

    try:
        return link_from_config(config, url=url, station=app, control=app, clock=clock)
    except (NetError, ImportError) as e:
        log.error("MQTT off: %s; the station runs without the network", e)
        return None


def make_frame_source(config: Config) -> FrameSource:
    """The configured camera; Pi-only libraries are imported only when chosen."""
    c = config.camera
    if c.source == "picamera2":
        from .io.picamera_source import Picamera2Source

        return Picamera2Source(c.width, c.height, c.fps)
    if c.source == "opencv":
        from .io.opencv_source import OpenCVSource

        return OpenCVSource(c.device, c.width, c.height, c.fps, realtime=True)
    from .sim.scenarios import SyntheticFrameSource, get_scenario

    return SyntheticFrameSource(get_scenario("clean", 0, width=c.width, height=c.height, fps=c.fps), realtime=True)


def _open_recorder(config: Config, digital: bool):
    """The session's recording when ``storage.record_video`` asks for one, else None. A recording that
    cannot start (a full or read-only disk) is an error in the log, never a station that will not start:
    the reps are counted and logged without it, as with a session log that cannot be opened."""
    if not config.storage.record_video:
        return None
    from .recording import RecordingError, RecordingWriter, free_folder

    folder = free_folder(Path(config.storage.recordings_dir) / time.strftime("%Y%m%d-%H%M%S"))
    try:
        recorder = RecordingWriter(folder, config.camera.fps, (config.camera.width, config.camera.height),
                                   meta=_recording_meta(config), digital=digital)
    except RecordingError as e:
        log.error("no video recording this session (reps are still counted and logged): %s", e)
        return None
    log.info("recording video to %s (storage.record_video = true)", folder)
    return recorder


def _recording_meta(config: Config) -> dict:
    return {"wall_side": config.camera.wall_side, "contact_threshold_m": config.sensor.contact_threshold_m,
            "sensor": config.sensor.kind}


def build_live_app(
    config: Config,
    *,
    pin_factory=None,
    frame_source: Optional[FrameSource] = None,
    proximity_reader=None,
    posture=None,
    clock: Callable[[], float] = time.monotonic,
    label: Optional[str] = None,
    sinks: tuple = (),
    mqtt_url: Optional[str] = None,
):
    """The live station's app and its inputs: (app, reader, source, session log).

    Everything opened is registered on the app, so ``app.close()`` closes it;
    if building fails half way, what was opened is closed before the error
    goes on. Extra event sinks (MQTT, dashboard, audio) go in ``sinks``.
    """
    from .app import StationApp
    from .cues import make_cue_sink
    from .io.gpio import Feedback, ViewLight, make_proximity_reader
    from .station import make_estimator
    from .storage import SessionLog, StorageError

    with contextlib.ExitStack() as opened:
        feedback = Feedback(config, pin_factory=pin_factory)
        opened.callback(feedback.close)
        # Spoken cues and the light in the athlete's view: None when off or, for speech, unavailable.
        cues = make_cue_sink(config.audio, config.station.target_reps, thresholds=config.thresholds)
        if cues is not None:
            opened.callback(cues.close)
        view = ViewLight(config, pin_factory=pin_factory) if config.view_light.enabled else None
        if view is not None:
            opened.callback(view.close)
        reader = proximity_reader or make_proximity_reader(config, pin_factory=pin_factory)
        opened.callback(reader.close)
        try:
            db = SessionLog(config.storage.database)
        except StorageError as e:
            # Counting and feedback must not depend on the SD card: run on with
            # the fault LED lit and the reason in the journal.
            log.error("session log unavailable, reps will not be stored: %s", e)
            db = _NoLog(str(e))
        opened.callback(db.close)
        for notice in db.notices:
            log.warning("%s", notice)
        recorder = _open_recorder(config, digital=not reader.has_distance)
        if recorder is not None:
            opened.callback(recorder.close)
        estimator = posture or make_estimator(config)
        source = frame_source or make_frame_source(config)
        opened.callback(source.close)
        # Extra sinks (MQTT, dashboard bus, audio cues) go at the end of this list.
        session_sink = SessionLogSink(db, config, label)
        app = StationApp(config, estimator, feedback=feedback,
                         sinks=[session_sink, LogSink(), *(s for s in (cues, view) if s), *sinks],
                         recorder=recorder, has_distance=reader.has_distance, clock=clock, speech=cues,
                         station_id=config.mqtt.station_id or default_station_id())
        app.exit_stack.push(opened.pop_all())  # the app owns them now (closing twice is harmless)
    app.add_state_listener(_FaultSignals(cues, view))
    from .bus import attach_bus  # the dashboard's channel (issue 12)

    bus = attach_bus(config, app.station, session_sink=session_sink, feedback=feedback)
    if bus is not None:
        app.add_frame_listener(bus.on_frame)
        app.on_close(bus.close)
    net = _start_net(config, app, clock, mqtt_url)
    if net is not None:
        app.add_sink(net)
        app.add_state_listener(net.follow)
        app.on_close(net.close)
    return app, reader, source, db


class _FaultSignals:
    """Device faults turning on, said aloud for the installer ("camera lost") and shown on the view light."""

    def __init__(self, cues, view) -> None:
        self.cues, self.view = cues, view
        self.parts: set[str] = set()

    def __call__(self, st) -> None:
        parts = {f.split(" ")[0] for f in st.faults}
        if self.cues is not None:
            for part in sorted(parts - self.parts):
                self.cues.device_fault(part)
        if self.view is not None and bool(parts) != bool(self.parts):
            self.view.set_fault(bool(parts))
        self.parts = parts


class _HealthTicker:
    """Twice a second: camera and sensor health into the app as fault samples, the
    fault LED, the systemd watchdog and status line."""

    PARTS = {"proximity sensor": "sensor", "camera": "camera"}

    def __init__(self, app, config: Config, reader, db, clock, stop: threading.Event) -> None:
        from .health import CameraHealth, SensorHealth
        from .notify import Notifier, Watchdog, watchdog_timeout_s

        self.app, self.reader, self.db, self.clock, self.stop = app, reader, db, clock, stop
        self.sensor = SensorHealth.from_config(config.sensor)
        self.camera = CameraHealth.from_config(config.camera)
        self.notifier = Notifier()
        wd_s = watchdog_timeout_s()
        self.watchdog = Watchdog(wd_s) if wd_s else None
        self.last_frame: Optional[float] = None
        self.last_sensor: Optional[float] = None
        self.person_present = self.person_moving = False
        self.faults: dict[str, str] = {}
        self.thread = threading.Thread(target=self._run, name="health", daemon=True)

    def on_sample(self, s) -> None:
        self.last_sensor = self.clock()
        self.app.on_proximity(s)
        self.sensor.sample(s, person_present=self.person_present, person_moving=self.person_moving,
                           i2c_error=bool(getattr(self.reader, "i2c_error", False)))

    def on_frame(self, frame, standing_deg: float) -> None:
        from .health import frame_signature

        self.last_frame = self.clock()
        self.camera.frame(self.last_frame, frame_signature(frame.image))
        self.app.on_frame(frame)
        p = self.app.last_posture
        self.person_present = bool(p and p.person)
        self.person_moving = bool(p and p.person and p.trunk_inclination_deg is not None
                                  and p.trunk_inclination_deg > standing_deg)

    def check(self) -> None:
        from .core.types import FaultSample

        now = self.clock()
        for r in (self.camera.status(now), self.sensor.status(now)):
            if r.ok:
                if self.faults.pop(r.part, None) is not None:
                    log.info("%s recovered", r.part)
                    self.app.on_fault(FaultSample(now, self.PARTS.get(r.part, r.part), None))
            elif self.faults.get(r.part) != r.status:
                log.warning("%s", r.message)  # an expected fault: a message, never a traceback
                self.db.record_fault(f"{r.part}: {r.status}", r.message)
                self.faults[r.part] = r.status
                self.app.on_fault(FaultSample(now, self.PARTS.get(r.part, r.part), r.status))
        self.app.set_storage_fault(self.db.error)
        self.app.feedback.set_fault(self.app.state.value == "faulted")
        if self.watchdog is not None and self.watchdog.due(now, self.last_frame, self.last_sensor):
            self.notifier.watchdog()
        st = self.app.station_state
        self.notifier.status(f"{st.app_state}: set {self.app.engine.set_index}, {st.count} counted"
                             + (f"; faults: {', '.join(st.faults)}" if st.faults else ""))

    def _run(self) -> None:
        while not self.stop.wait(0.5):
            try:
                self.check()
            except Exception:
                log.exception("health check failed")

    def start(self) -> None:
        self.camera.start(self.clock())
        self.thread.start()


def run_station(
    config: Config,
    *,
    pin_factory=None,
    frame_source: Optional[FrameSource] = None,
    proximity_reader=None,
    posture=None,
    stop: Optional[threading.Event] = None,
    clock: Callable[[], float] = time.monotonic,
    label: Optional[str] = None,
    sinks: tuple = (),
    state_listeners: tuple = (),
    mqtt_url: Optional[str] = None,
) -> int:
    """Run until stopped (SIGTERM/SIGINT or ``stop``); returns the exit status.

    ``sinks``: extra event sinks (MQTT, dashboard, audio); ``state_listeners``:
    called with the app's StationState whenever it changes."""
    from .io.gpio import SensorPoller, StartButton

    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())

    app, reader, source, db = build_live_app(config, pin_factory=pin_factory, frame_source=frame_source,
                                             proximity_reader=proximity_reader, posture=posture, clock=clock,
                                             label=label, sinks=sinks, mqtt_url=mqtt_url)
    for fn in state_listeners:
        app.add_state_listener(fn)
    health = _HealthTicker(app, config, reader, db, clock, stop)
    status = 0
    with app:
        poller = SensorPoller(reader, config.sensor.sample_hz, health.on_sample, clock=clock)
        app.on_close(poller.stop)  # closed first: no sample after the set is finished
        if config.button.enabled:
            button = StartButton(config, lambda: (log.info("button: set reset"), app.reset_set()),
                                 pin_factory=pin_factory,
                                 on_hold=lambda: app.mute(not app.station_state.muted))
            app.on_close(button.close)
        app.on_close(stop.set)
        try:
            poller.start()
            health.start()
            app.ready()
            health.notifier.ready(f"ready: camera {config.camera.source}, sensor {config.sensor.kind}")
            log.info("station ready: camera %s, sensor %s", config.camera.source, config.sensor.kind)
            for frame in source.frames():
                if stop.is_set():
                    break
                health.on_frame(frame, config.thresholds.standing_deg)
            else:
                if not stop.is_set():
                    log.error("the camera stream ended; the service will restart it")
                    status = 1
        except CameraError as e:
            log.error("camera: %s", e)
            status = 1
        finally:
            health.notifier.stopping("stopping")
            stop.set()
            poller.stop()
    return status
