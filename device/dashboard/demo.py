"""``python -m device dashboard --demo``: a simulated station, demo patients and three weeks of history.

Everything lives in a temporary folder: the session log (past sets written
through the real :class:`~device.storage.SessionLog`), the clinic file with a
demo user whose password is random and printed once, and the station channel's
socket. The simulated station is the synthetic athlete through the real core
and vision (``run_simulation``), paced in real time (or ``speed`` times
faster), set after set, feeding the channel exactly as a live station does.
"""

from __future__ import annotations

import logging
import random
import secrets
import shutil
import tempfile
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Optional

from ..config import Config
from ..core.types import Rep, Verdict

log = logging.getLogger(__name__)

DEMO_PATIENTS = (
    # code, notes, (sets, reps, days a week), skill at the start and at the end of three weeks
    ("R. Okafor", "Low back pain after lifting; hinge pattern retraining.", (2, 12, 5), 0.35, 0.8),
    ("P-017", "Post-partum; return to lifting the baby seat.", (3, 10, 4), 0.55, 0.75),
    ("M. Lindqvist", "Warm-up before deadlift sessions.", (2, 20, 3), 0.8, 0.9),
)


class Demo:
    def __init__(self, speed: float = 1.0, folder: Optional[Path] = None, seed: int = 7) -> None:
        self.speed = max(0.1, speed)
        self.folder = Path(folder or tempfile.mkdtemp(prefix="wallhinge-demo-"))
        cfg = Config()
        cfg.station.place = "clinic"
        cfg.station.target_reps = 12
        cfg.storage.database = self.folder / "sessions.db"
        cfg.dashboard.database = self.folder / "clinic.db"
        cfg.bus.socket = self.folder / "station.sock"
        cfg.camera.source = "synthetic"
        self.config = cfg
        self.user = "demo"
        self.password = "".join(secrets.choice("abcdefghjkmnpqrstuvwxyz23456789") for _ in range(12))
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._seed = seed
        self._station: Optional[SimulatedStation] = None
        self._prepare()

    # ---- data

    def _prepare(self) -> None:
        from .auth import hash_password
        from .clinic import ClinicDB

        db = ClinicDB(self.config.dashboard.database)
        db.add_user(self.user, hash_password(self.password))
        self.athlete_token = db.athlete_token()
        ids = []
        for code, notes, (sets, reps, days), _, _ in DEMO_PATIENTS:
            pid = db.add_patient(code, notes)
            db.prescribe(pid, sets=sets, reps=reps, days_per_week=days,
                         checks={"rounding": True, "knee_lock": True, "heel_lift": True, "tempo": True},
                         min_rep_s=1.0, rounding_deg=10.0, note="Chest tall, hips back to the wall.",
                         created_at=(datetime.now().astimezone() - timedelta(days=22)).isoformat(timespec="seconds"))
            ids.append(pid)
        db.close()
        self._write_history(ids)

    def _write_history(self, ids: list[int]) -> None:
        from ..storage import SessionLog

        rng = random.Random(self._seed)
        stamp = {"now": ""}
        log_ = SessionLog(self.config.storage.database, clock=lambda: stamp["now"], synchronous="NORMAL")
        today = datetime.now().astimezone().replace(hour=9, minute=0, second=0, microsecond=0)
        settings = self.config.model_dump(mode="json")
        for pid, (_, _, (sets, reps, days), s0, s1) in zip(ids, DEMO_PATIENTS):
            for back in range(21, 0, -1):
                if rng.random() > days / 7 * 0.85:
                    continue  # a day not trained
                skill = s0 + (s1 - s0) * (21 - back) / 21
                t = today - timedelta(days=back) + timedelta(minutes=rng.randint(0, 480))
                for k in range(sets):
                    stamp["now"] = (t + timedelta(minutes=4 * k)).isoformat(timespec="milliseconds")
                    settings["station"]["target_reps"] = reps
                    sid = log_.start_session("clinic", settings, label=f"patient:{pid}")
                    counted = 0
                    for i in range(1, reps + 1):
                        rep = _fake_rep(rng, i, skill)
                        counted += rep.counted
                        log_.record_rep(sid, rep)
                    log_.end_session(sid, counted)
        log_.close()

    # ---- the simulated station

    def start(self) -> None:
        self._station = SimulatedStation(self.config)
        self._thread = threading.Thread(target=self._run, name="demo-station", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        station = self._station
        i = 0
        try:
            while not self._stop.is_set():
                try:
                    station.run_set(("mixed", "clean")[i % 2], seed=i % 5, speed=self.speed, n_reps=5,
                                    stop=self._stop)
                except Exception:
                    log.exception("demo station: a simulated set failed; starting the next one")
                i += 1
        finally:
            station.close()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout: float = 10.0) -> None:
        """End the simulated set at its next frame, wait for the station to close, remove the folder.

        The station thread is joined, not left to die with the interpreter: a daemon thread
        still inside the vision's native code when Python exits can abort the process.
        """
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("demo station: still busy after %.0f s; closing its channel anyway", timeout)
                if self._station is not None and self._station.bus is not None:
                    self._station.bus.close()
        shutil.rmtree(self.folder, ignore_errors=True)


class SimulatedStation:
    """The synthetic athlete through the whole station, set after set, on one station channel.

    Each set is a fresh ``run_simulation`` (a new engine); the channel, its
    clients and what they changed (patient, target, checks) carry over.
    Used by the demo and by ``scripts/bench_dashboard.py``.
    """

    def __init__(self, config: Config, station_id: str = "demo-wall") -> None:
        from ..storage import SessionLog

        self.config = config
        self.station_id = station_id
        self.db = SessionLog(config.storage.database)
        self.bus = None
        self.extra_sinks: list = []

    def run_set(self, scenario: str, *, seed: int = 0, speed: float = 1.0, n_reps: int = 5, fps: float = 15.0,
                stop: Optional[threading.Event] = None):
        from ..bus import StationBus
        from ..live import SessionLogSink
        from ..simulate import run_simulation

        def attach(station, feedback):
            sink = SessionLogSink(self.db, station.config, self.bus.state.patient if self.bus else None)
            if self.bus is None:
                self.bus = StationBus(station.config, station, path=self.config.bus.socket,
                                      station_id=self.station_id, session_sink=sink, feedback=feedback,
                                      group=None).start()
            else:
                self.bus.station, self.bus.config = station, station.config
                self.bus.session_sink, self.bus.feedback = sink, feedback
            station.sinks.extend([sink, self.bus, *self.extra_sinks])
            return self.bus.on_frame

        res = run_simulation(scenario, self.config, seed=seed, speed=speed, fps=fps, n_reps=n_reps, attach=attach,
                             stop=stop)
        if self.bus is not None:
            self.config = self.bus.config  # keep what the dashboard changed (target, checks)
        return res

    def close(self) -> None:
        if self.bus is not None:
            self.bus.close()
        self.db.close()


def _fake_rep(rng: random.Random, index: int, skill: float) -> Rep:
    """A plausible past rep for a person whose hinge is ``skill`` (0-1) good."""
    roll = rng.random()
    if roll < skill:
        verdict, rounding = Verdict.GOOD, rng.uniform(1, 8)
    elif roll < skill + (1 - skill) * 0.55:
        verdict, rounding = Verdict.ROUNDED, rng.uniform(10.5, 22)
    else:
        verdict = rng.choice([Verdict.SHALLOW, Verdict.TOO_FAST, Verdict.KNEE_LOCK])
        rounding = rng.uniform(2, 9)
    start = index * 4.2
    dur = rng.uniform(0.7, 0.95) if verdict is Verdict.TOO_FAST else rng.uniform(2.5, 4.0)
    return Rep(index=index, start_s=start, bottom_s=start + dur * 0.55, end_s=start + dur,
               contact=verdict is not Verdict.SHALLOW, verdict=verdict, faults=[] if verdict is Verdict.GOOD else [verdict],
               trunk_inclination_deg=rng.uniform(30, 55) if verdict is not Verdict.SHALLOW else rng.uniform(18, 28),
               rounding_deg=rounding, knee_angle_deg=rng.uniform(150, 170) if verdict is not Verdict.KNEE_LOCK
               else rng.uniform(176, 179), heel_lift=0.0, seen_fraction=1.0)
