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

import logging
import signal
import threading
import time
from pathlib import Path
from typing import Callable, Optional

from .config import Config
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
) -> int:
    """Run until stopped (SIGTERM/SIGINT or ``stop``); returns the exit status."""
    from .health import CameraHealth, SensorHealth, frame_signature
    from .io.gpio import Feedback, SensorPoller, StartButton, make_proximity_reader
    from .notify import Notifier, Watchdog, watchdog_timeout_s
    from .station import Station, make_estimator
    from .storage import SessionLog, StorageError

    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())

    notifier = Notifier()
    wd_s = watchdog_timeout_s()
    watchdog = Watchdog(wd_s) if wd_s else None
    closers: list[Callable[[], object]] = []
    try:
        feedback = Feedback(config, pin_factory=pin_factory)
        closers.append(feedback.close)
        reader = proximity_reader or make_proximity_reader(config, pin_factory=pin_factory)
        closers.append(reader.close)
        try:
            db = SessionLog(config.storage.database)
        except StorageError as e:
            # Counting and feedback must not depend on the SD card: run on with
            # the fault LED lit and the reason in the journal.
            log.error("session log unavailable, reps will not be stored: %s", e)
            db = _NoLog(str(e))
        closers.append(db.close)
        for notice in db.notices:
            log.warning("%s", notice)
        recorder = None
        if config.storage.record_video:
            from .recording import RecordingWriter

            folder = Path(config.storage.recordings_dir) / time.strftime("%Y%m%d-%H%M%S")
            recorder = RecordingWriter(
                folder, config.camera.fps, (config.camera.width, config.camera.height),
                meta={"wall_side": config.camera.wall_side, "contact_threshold_m": config.sensor.contact_threshold_m,
                      "sensor": config.sensor.kind},
                digital=not reader.has_distance,
            )
            closers.append(recorder.close)
            log.info("recording video to %s (storage.record_video = true)", folder)
        estimator = posture or make_estimator(config)
        session_sink = SessionLogSink(db, config, label)
        station = Station(
            config, estimator,
            sinks=[feedback, session_sink, LogSink()],
            recorder=recorder, has_distance=reader.has_distance,
        )
        from .bus import attach_bus  # the dashboard's channel (issue 12)

        bus = attach_bus(config, station, session_sink=session_sink, feedback=feedback)
        if bus is not None:
            closers.append(bus.close)
        source = frame_source or make_frame_source(config)
        closers.append(source.close)
    except Exception:
        for c in reversed(closers):
            c()
        raise

    sensor_health = SensorHealth.from_config(config.sensor)
    camera_health = CameraHealth.from_config(config.camera)
    last = {"frame": None, "sensor": None}
    person = {"present": False, "moving": False}

    def on_sample(s) -> None:
        last["sensor"] = clock()
        station.on_proximity(s)
        sensor_health.sample(s, person_present=person["present"], person_moving=person["moving"],
                             i2c_error=bool(getattr(reader, "i2c_error", False)))

    poller = SensorPoller(reader, config.sensor.sample_hz, on_sample, clock=clock)
    button = None
    if config.button.enabled:
        button = StartButton(config, lambda: (log.info("button: set reset"), station.reset_set(clock())),
                             pin_factory=pin_factory)

    faults: dict[str, str] = {}

    def tick() -> None:
        while not stop.wait(0.5):
            now = clock()
            reports = [camera_health.status(now), sensor_health.status(now)]
            for r in reports:
                if r.ok:
                    if faults.pop(r.part, None) is not None:
                        log.info("%s recovered", r.part)
                elif faults.get(r.part) != r.status:
                    log.warning("%s", r.message)  # an expected fault: a message, never a traceback
                    db.record_fault(f"{r.part}: {r.status}", r.message)
                    faults[r.part] = r.status
            station.engine.sensor_fault = "proximity sensor" in faults
            storage_error = db.error
            feedback.set_fault(bool(faults) or storage_error is not None)
            if watchdog is not None and watchdog.due(now, last["frame"], last["sensor"]):
                notifier.watchdog()
            notifier.status(
                f"set {station.engine.set_index}: {station.engine.counted} counted"
                + (f"; faults: {', '.join(f'{k} {v}' for k, v in faults.items())}" if faults else "")
            )

    ticker = threading.Thread(target=tick, name="health", daemon=True)
    status = 0
    try:
        poller.start()
        camera_health.start(clock())
        ticker.start()
        notifier.ready(f"ready: camera {config.camera.source}, sensor {config.sensor.kind}")
        log.info("station ready: camera %s, sensor %s", config.camera.source, config.sensor.kind)
        for frame in source.frames():
            if stop.is_set():
                break
            last["frame"] = clock()
            camera_health.frame(last["frame"], frame_signature(frame.image))
            station.on_frame(frame)
            if bus is not None:
                bus.on_frame(frame)
            p = station.last_posture
            person["present"] = bool(p and p.person)
            person["moving"] = bool(p and p.person and p.trunk_inclination_deg is not None
                                    and p.trunk_inclination_deg > config.thresholds.standing_deg)
        else:
            if not stop.is_set():
                log.error("the camera stream ended; the service will restart it")
                status = 1
    except CameraError as e:
        log.error("camera: %s", e)
        status = 1
    finally:
        notifier.stopping("stopping")
        stop.set()
        poller.stop()
        station.finish(clock())
        if button is not None:
            button.close()
        for c in reversed(closers):
            try:
                c()
            except Exception:
                log.debug("close failed", exc_info=True)
    return status
