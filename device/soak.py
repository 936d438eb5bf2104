"""Soak: the station app for hours of simulated time at full speed.

Set after set of the synthetic athlete (clean and mixed sets, varied seeds)
goes through the same app the live station runs: the rep engine, the LEDs
and buzzer on gpiozero mock pins, the SQLite session log, the journal sink.
Posture comes from the scenario's ground truth (no rendering, so hours of
simulated time take minutes); the question here is not vision but whether
a station left on for a working day leaks memory, threads or open files,
or drifts in its counts.

Reported: simulated hours, sets, reps, counted vs expected, resident memory
at the start (after the first hour: caches warm) and the end, threads and
open file descriptors before and after.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Optional

from .config import Config

SCENARIOS = ("clean", "mixed")
SEEDS = (0, 1, 2)


def rss_mb() -> float:
    """Resident memory of this process (Linux /proc), in MB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@dataclass
class SoakResult:
    simulated_h: float
    wall_s: float
    sets: int
    reps: int
    counted: int
    expected_counted: int
    rss_start_mb: float
    rss_end_mb: float
    threads_start: int
    threads_end: int
    fds_start: int
    fds_end: int
    logged_reps: int

    @property
    def rss_growth_mb(self) -> float:
        return self.rss_end_mb - self.rss_start_mb

    @property
    def ok(self) -> bool:
        return (self.counted == self.expected_counted and self.logged_reps == self.reps
                and self.rss_growth_mb < 5.0 and self.threads_end <= self.threads_start
                and self.fds_end <= self.fds_start)

    def to_dict(self) -> dict:
        return {**asdict(self), "rss_growth_mb": round(self.rss_growth_mb, 2), "ok": self.ok,
                "speed_x": round(self.simulated_h * 3600 / max(self.wall_s, 1e-9))}


class _Shifted:
    """A scenario's samples, built once, replayed moved to start at any offset on the soak's clock."""

    def __init__(self, scenario) -> None:
        from .core.types import ProximitySample
        from .simulate import TruthPosture

        truth = TruthPosture(scenario)
        prox = list(scenario.proximity)
        self.base: list = []
        i = 0
        for t in scenario.frame_times():
            while i < len(prox) and prox[i].t <= t:
                s = prox[i]
                self.base.append(ProximitySample(s.t, s.distance_m, s.contact))
                i += 1
            self.base.append(truth.process(_T(t)))
        self.duration_s = scenario.duration_s
        self.expected_counted = scenario.expected_counted

    def samples(self, offset: float):
        from dataclasses import replace

        for s in self.base:
            yield replace(s, t=s.t + offset)


class _T:
    __slots__ = ("t",)

    def __init__(self, t: float) -> None:
        self.t = t


def soak(hours: float, config: Optional[Config] = None, *, fps: float = 10.0, folder: Optional[Path] = None,
         progress: Optional[Callable[[float, int], None]] = None, scenarios=SCENARIOS, seeds=SEEDS) -> SoakResult:
    """Run ``hours`` of simulated time through the station app; see the module docstring."""
    from gpiozero.pins.mock import MockFactory

    from .app import StationApp
    from .core.types import PostureSample, ProximitySample
    from .io.gpio import Feedback
    from .live import LogSink, SessionLogSink
    from .sim.scenarios import get_scenario
    from .storage import SessionLog, read_log

    cfg = (config or Config()).model_copy(deep=True)
    tmp = None
    if folder is None:
        tmp = tempfile.TemporaryDirectory(prefix="wallhinge-soak-")
        folder = Path(tmp.name)
    cfg.storage.database = folder / "sessions.db"
    # The scenarios are built once and replayed shifted in time, set after set.
    pool = [_Shifted(get_scenario(name, seed, fps=fps)) for seed in seeds for name in scenarios]
    factory = MockFactory()
    journal = logging.getLogger("wallhinge")
    level = journal.level
    journal.setLevel(logging.WARNING)  # a working day of rep lines is not what the soak reports
    db = SessionLog(cfg.storage.database)
    app = StationApp(cfg, None, feedback=Feedback(cfg, pin_factory=factory),
                     sinks=[SessionLogSink(db, cfg), LogSink()])
    app.on_close(db.close)
    app.ready()
    end_t = hours * 3600.0
    t = 0.0
    sets = expected = 0
    start: Optional[tuple[float, int, int]] = None
    t_wall = time.monotonic()
    try:
        while t < end_t:
            sc = pool[sets % len(pool)]
            for s in sc.samples(t):
                if isinstance(s, ProximitySample):
                    app.on_proximity(s)
                elif isinstance(s, PostureSample):
                    app.on_posture(s)
            t += sc.duration_s + 10.0  # the next person arrives 10 s later (the set ends 3 s after leaving)
            sets += 1
            expected += sc.expected_counted
            if start is None and t >= min(3600.0, end_t / 4):  # warm: every scenario seen, caches full
                db.flush(10.0)
                gc.collect()
                time.sleep(app.feedback.show_s + 0.3)  # the LEDs' switch-off timers of the last rep
                start = (rss_mb(), threading.active_count(), open_fds())
                start_sets, start_expected = sets, expected
            if progress is not None:
                progress(t / 3600.0, sets)
        db.flush(30.0)
        gc.collect()
        time.sleep(app.feedback.show_s + 0.3)
        end = (rss_mb(), threading.active_count(), open_fds())
    finally:
        app.close()
        journal.setLevel(level)
    wall = time.monotonic() - t_wall
    engine = app.engine  # totals: the engine keeps only recent reps in memory
    logged = sum(len(s["reps"]) for s in read_log(cfg.storage.database)["sessions"])
    if tmp is not None:
        tmp.cleanup()
    assert start is not None
    del start_sets, start_expected
    return SoakResult(
        simulated_h=round(t / 3600.0, 3), wall_s=round(wall, 1), sets=sets, reps=engine.reps_judged,
        counted=engine.reps_counted, expected_counted=expected,
        rss_start_mb=round(start[0], 1), rss_end_mb=round(end[0], 1), threads_start=start[1], threads_end=end[1],
        fds_start=start[2], fds_end=end[2], logged_reps=logged,
    )


def run_soak(args, cfg: Config) -> int:
    """``python -m device soak``: print the figures; exit 0 only if every check holds."""
    shown = {"at": time.monotonic()}

    def progress(h: float, sets: int) -> None:
        if not args.json and time.monotonic() - shown["at"] >= 10:
            shown["at"] = time.monotonic()
            print(f"  {h:.1f} of {args.hours:g} simulated hours ({sets} sets)", flush=True)

    if not args.json:
        print(f"Soak: {args.hours:g} hours of simulated station time at full speed "
              f"(LEDs on mock pins, session log in a temporary folder) ...", flush=True)
    r = soak(args.hours, cfg, fps=args.fps, progress=progress)
    if args.json:
        print(json.dumps(r.to_dict(), indent=2))
        return 0 if r.ok else 1
    print(f"{r.simulated_h:g} h simulated in {r.wall_s:.0f} s: {r.sets} sets, {r.reps} reps, {r.counted} counted "
          f"(expected {r.expected_counted}), {r.logged_reps} reps in the session log")
    print(f"memory {r.rss_start_mb:.1f} -> {r.rss_end_mb:.1f} MB ({r.rss_growth_mb:+.1f} MB), "
          f"threads {r.threads_start} -> {r.threads_end}, open files {r.fds_start} -> {r.fds_end}")
    print("Soak OK: no leak, exact counts." if r.ok else "SOAK FAILED: see the figures above.")
    return 0 if r.ok else 1
