"""The whole station on the synthetic athlete: real core, real vision, mock pins.

The synthetic athlete renders side-view frames and the matching proximity
trace with ground truth; the station runs on them exactly as it would on a
Pi, with gpiozero devices on ``MockFactory`` pins. Used by the demo
(``python -m device simulate``), the end-to-end tests and the benchmarks.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Optional

from gpiozero.pins.mock import MockFactory

from .config import Config
from .core.types import ContactMade, Event, PostureSample, RepFinished, SetEnded, SetStarted, TargetReached
from .io.frames import Frame
from .io.gpio import Feedback
from .report import Comparison, compare
from .app import StationApp
from .station import replay


class TruthPosture:
    """Posture straight from the scenario's ground truth (isolates the engine from vision)."""

    rounding_floor_deg = None  # the truth's bend is relative to the person's own standing
    last_debug = None  # no image is looked at

    def __init__(self, scenario) -> None:
        self.scenario = scenario

    def close(self) -> None:
        pass  # nothing held

    def process(self, frame: Frame) -> PostureSample:
        g = self.scenario.truth_at(frame.t)
        seen = bool(g.visible) and g.trunk_inclination_deg is not None
        c = 1.0 if seen else 0.0
        return PostureSample(
            t=frame.t,
            person=bool(g.present and g.visible),
            in_position=bool(g.in_position),
            trunk_inclination_deg=g.trunk_inclination_deg if seen else None,
            trunk_conf=c,
            back_bend_deg=g.back_bend_deg if seen else None,
            back_conf=c,
            knee_angle_deg=g.knee_angle_deg if seen else None,
            knee_conf=c,
            heel_lift=g.heel_lift if seen else None,
            heel_conf=c,
        )


class PinWatcher:
    """Reports what the mock pins actually show after each event (LEDs, bar, buzzer)."""

    def __init__(self, config: Config, factory: MockFactory) -> None:
        lc = config.leds
        if lc.mode == "rgb":
            self.named = {"red": lc.rounded_pin, "green": lc.good_pin, "blue": lc.fault_pin}
        else:
            self.named = {"green": lc.good_pin, "red": lc.rounded_pin, "amber": lc.fault_pin}
        self.bar = lc.bargraph_pins
        self.buzzer = config.buzzer.pin if config.buzzer.enabled else None
        self.factory = factory

    def lit(self) -> list[str]:
        return [name for name, pin in self.named.items() if self.factory.pin(pin).state]

    def bar_count(self) -> int:
        return sum(1 for p in self.bar if self.factory.pin(p).state)


@dataclass
class SimResult:
    scenario: str
    reps: list
    events: list[Event]
    comparison: Comparison
    frames: int
    wall_s: float
    feedback_log: list[dict] = field(default_factory=list)
    # The recording stopped part-way (a full disk): the station went on counting without it.
    recording_stopped: bool = False

    def to_dict(self) -> dict:
        from .report import report_dict

        d = report_dict(self.reps, scenario=self.scenario, frames=self.frames)
        d["truth"] = self.comparison.to_dict()
        d["feedback"] = self.feedback_log
        return d


def run_simulation(
    name: str,
    config: Optional[Config] = None,
    *,
    seed: int = 0,
    speed: float = 0.0,
    posture: str = "camera",
    width: int = 640,
    height: int = 480,
    fps: float = 30.0,
    n_reps: Optional[int] = None,
    record_dir: Optional[str] = None,
    on_event: Optional[Callable[[Event, PinWatcher], None]] = None,
    sinks: tuple = (),
    scenario=None,
    mqtt_url: Optional[str] = None,
    speak: bool = False,
    attach: Optional[Callable] = None,
    stop: Optional[threading.Event] = None,
    shading: float = 0.0,
) -> SimResult:
    """Run one scenario through the whole station; ``speed`` 0 = as fast as possible, 1 = real time.

    ``attach(station, feedback)`` may add sinks (the dashboard demo's session log
    and station channel) and return a per-frame callback ``(frame, events)``.
    Setting ``stop`` ends the run at the next frame (the demo stops on Ctrl-C or SIGTERM).
    ``shading`` > 0 draws the people as lit, rounded surfaces (``get_scenario``'s override; 0: flat).
    """
    from .sim.scenarios import SyntheticFrameSource, get_scenario

    cfg = config.model_copy(deep=True) if config is not None else Config()
    cfg.camera.source = "synthetic"
    overrides: dict = {} if n_reps is None else {"n_reps": n_reps}
    if shading:
        overrides["shading"] = shading
    if scenario is None:  # a prepared scenario (tests share one between runs) is used as given
        scenario = get_scenario(name, seed, width=width, height=height, fps=fps, **overrides)

    factory = MockFactory()
    feedback = Feedback(cfg, pin_factory=factory)
    watcher = PinWatcher(cfg, factory)
    log: list[dict] = []

    class _Console:
        def handle(self, e: Event) -> None:
            if isinstance(e, (ContactMade, RepFinished, TargetReached, SetStarted, SetEnded)):
                # the LED threads switch within a millisecond; give them that
                deadline = time.monotonic() + 0.02
                while isinstance(e, ContactMade) and not watcher.lit() and time.monotonic() < deadline:
                    time.sleep(0.0005)
                entry = {"t": round(e.t, 3), "event": type(e).__name__, "leds": watcher.lit(), "bar": watcher.bar_count()}
                if isinstance(e, ContactMade):
                    entry["verdict"] = e.verdict.value
                if isinstance(e, RepFinished):
                    entry["verdict"] = e.rep.verdict.value
                log.append(entry)
            if on_event is not None:
                on_event(e, watcher)

    if posture == "truth":
        estimator = TruthPosture(scenario)
    else:
        from .station import make_estimator

        estimator = make_estimator(cfg)

    recorder = None
    if record_dir:
        from .recording import RecordingWriter

        recorder = RecordingWriter(
            record_dir, fps, (width, height),
            meta={"wall_side": scenario.wall_side, "contact_threshold_m": cfg.sensor.contact_threshold_m,
                  "source": f"simulation:{name}:seed{seed}", "scenario": scenario.summary()},
        )

    events: list[Event] = []

    class _Collect:
        def handle(self, e: Event) -> None:
            events.append(e)

    # Spoken cues (issue 13) only when asked: a laptop demo runs with --speak --speed 1.
    cues = None
    if speak:
        from .cues import make_cue_sink

        cues = make_cue_sink(cfg.audio, cfg.station.target_reps, thresholds=cfg.thresholds)
    app = StationApp(cfg, estimator, feedback=feedback, sinks=[_Console(), _Collect(), *([cues] if cues else []), *sinks],
                     recorder=recorder, speech=cues)
    if cues is not None:
        app.on_close(cues.close)
    source = SyntheticFrameSource(scenario)
    app.on_close(source.close)
    per_frame = attach(app.station, feedback) if attach is not None else None
    if per_frame is not None:
        app.add_frame_listener(per_frame)
    if mqtt_url or cfg.mqtt.url:  # stations on the network (device/net); a simulation's outbox is in memory
        from .net.mqtt import link_from_config

        link = link_from_config(cfg, url=mqtt_url, station=app, control=app, clock=lambda: app.engine._now,
                                outbox=cfg.mqtt.outbox or None)
        app.add_sink(link)
        app.add_state_listener(link.follow)
        app.on_close(link.close)
    app.ready()
    n = 0
    t0 = time.monotonic()

    def paced(frames):
        nonlocal n
        for f in frames:
            if stop is not None and stop.is_set():
                return
            if speed > 0:
                delay = t0 + f.t / speed - time.monotonic()
                if delay > 0:
                    if stop is not None:
                        if stop.wait(delay):
                            return
                    else:
                        time.sleep(delay)
            n += 1
            yield f

    with app:
        if posture == "truth" and recorder is None and per_frame is None:
            # Nobody looks at the pictures: posture comes from the ground truth and nothing is
            # recorded, so the frames are not rendered (the same times, the same station).
            frames = (Frame(i, t, None) for i, t in enumerate(scenario.frame_times()))
        else:
            frames = source.frames()
        replay(app, paced(frames), list(scenario.proximity))
    station = app
    wall = time.monotonic() - t0
    cmp = compare(station.reps, scenario.reps, scenario.expected_counted)
    stopped = recorder is not None and app.station.recorder is None
    return SimResult(name, list(station.reps), events, cmp, n, wall, log, recording_stopped=stopped)
