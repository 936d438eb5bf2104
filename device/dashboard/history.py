"""History from the station's session log, read-only: sets, sessions (a person's sets on one day), trends.

The log's rows are sets (``sessions`` table: one row from the first contact to
the set's end); a *session* in the clinic's words is one visit, here the sets of
one person on one calendar day. A set belongs to a patient when its ``label`` is
``patient:<id>`` (written by the station when the dashboard selected the
patient); other sets are anonymous (a gym corner, or nobody selected).
"""

from __future__ import annotations

import json
import sqlite3
import statistics
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Optional

from ..config import ThresholdsConfig
from ..report import near_limits

GOOD = "good"
ROUNDED = "rounded"


def verdict_colour(verdict: str) -> str:
    """green good, red rounded, amber every other fault (as the LEDs)."""
    return "good" if verdict == GOOD else ("rounded" if verdict == ROUNDED else "other")


@dataclass
class SetRow:
    id: int
    started_at: str
    ended_at: Optional[str]
    label: Optional[str]
    counted: Optional[int]
    target: Optional[int]
    reps: list[dict[str, Any]] = field(default_factory=list)

    @property
    def day(self) -> str:
        return self.started_at[:10]

    @property
    def time(self) -> str:
        return self.started_at[11:16]

    @property
    def good(self) -> int:
        return sum(1 for r in self.reps if r["verdict"] == GOOD)


@dataclass
class Session:
    """One person's sets on one day."""

    day: str
    who: str  # "p<id>" or "anonymous"
    sets: list[SetRow]

    @property
    def reps(self) -> list[dict[str, Any]]:
        return [r for s in self.sets for r in s.reps]

    @property
    def good(self) -> int:
        return sum(s.good for s in self.sets)

    @property
    def total(self) -> int:
        return len(self.reps)

    @property
    def good_share(self) -> Optional[float]:
        return self.good / self.total if self.total else None

    @property
    def rounding_median(self) -> Optional[float]:
        vals = [r["rounding_deg"] for r in self.reps if r["rounding_deg"] is not None]
        return statistics.median(vals) if vals else None

    @property
    def faults(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.reps:
            if r["verdict"] != GOOD:
                out[r["verdict"]] = out.get(r["verdict"], 0) + 1
        return out


def who_of(label: Optional[str]) -> str:
    if label and label.startswith("patient:") and label[8:].isdigit():
        return f"p{label[8:]}"
    return "anonymous"


class History:
    """Reads the session log the station writes. Opened per call: the station may create it later."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        # What is wrong with the log right now, for the pages to say (None: fine or not there yet).
        self.problem: Optional[str] = None

    def _conn(self) -> Optional[sqlite3.Connection]:
        self.problem = None
        if not self.path.exists():
            return None  # the station has logged no set yet
        try:
            conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA busy_timeout = 5000")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.Error as e:
            self.problem = (f"the session log {self.path} cannot be read ({e}); the station moves a corrupt log "
                            "aside and starts a new one at its next start; check [storage] database")
            return None
        if version < 1:
            conn.close()
            self.problem = f"{self.path} is not a WallHinge session log; check [storage] database"
            return None
        return conn

    def sets(self, *, label: Optional[str] = None, anonymous: bool = False, day_from: Optional[str] = None,
             day_to: Optional[str] = None, set_id: Optional[int] = None, limit: int = 2000) -> list[SetRow]:
        conn = self._conn()
        if conn is None:
            return []
        try:
            where, args = [], []
            if label is not None:
                where.append("label = ?")
                args.append(label)
            if anonymous:
                where.append("(label IS NULL OR label NOT LIKE 'patient:%')")
            if day_from:
                where.append("substr(started_at, 1, 10) >= ?")
                args.append(day_from)
            if day_to:
                where.append("substr(started_at, 1, 10) <= ?")
                args.append(day_to)
            if set_id is not None:
                where.append("id = ?")
                args.append(set_id)
            sql = ("SELECT * FROM sessions" + (" WHERE " + " AND ".join(where) if where else "")
                   + " ORDER BY started_at DESC, id DESC LIMIT ?")
            rows = conn.execute(sql, (*args, limit)).fetchall()
            out: list[SetRow] = []
            for s in rows:
                target, limit = _target_and_limit(s["settings"])
                reps = [_rep(r) for r in conn.execute(
                    "SELECT * FROM reps WHERE session_id = ? ORDER BY rep_index, id", (s["id"],))]
                for r in reps:  # judged against the limit in force for that set, not today's prescription
                    r["near_limit"] = near_limits(r, limit)
                out.append(SetRow(s["id"], s["started_at"], s["ended_at"], s["label"], s["counted"], target, reps))
            return out
        finally:
            conn.close()

    def sessions(self, **kw) -> list[Session]:
        """Sets grouped per person and day, newest day first; sets inside a day oldest first."""
        groups: dict[tuple[str, str], list[SetRow]] = {}
        for s in self.sets(**kw):
            groups.setdefault((s.day, who_of(s.label)), []).append(s)
        out = [Session(day, who, sorted(sets, key=lambda s: (s.started_at, s.id))) for (day, who), sets in groups.items()]
        out.sort(key=lambda x: x.day, reverse=True)
        return out


def _target_and_limit(settings: str) -> tuple[Optional[int], Optional[float]]:
    """A set's target and rounding limit from the settings it ran with (the limit None when rounding was not
    judged); the defaults where a value is missing, nothing where the settings are unreadable."""
    try:
        cfg = json.loads(settings)
        target = cfg.get("station", {}).get("target_reps")
    except (ValueError, AttributeError):
        return None, None
    try:
        if not cfg.get("checks", {}).get("rounding", True):
            return target, None
        limit = float(cfg.get("thresholds", {}).get("rounding_deg", ThresholdsConfig().rounding_deg))
    except (TypeError, ValueError, AttributeError):
        return target, None
    return target, limit


def _rep(r: sqlite3.Row) -> dict[str, Any]:
    return {
        "index": r["rep_index"], "start_s": r["start_s"], "end_s": r["end_s"],
        "contact": None if r["contact"] is None else bool(r["contact"]), "verdict": r["verdict"],
        "counted": bool(r["counted"]), "faults": json.loads(r["faults"]),
        "trunk_inclination_deg": r["trunk_inclination_deg"], "rounding_deg": r["rounding_deg"],
        "knee_angle_deg": r["knee_angle_deg"], "heel_lift": r["heel_lift"], "seen_fraction": r["seen_fraction"],
        "duration_s": round(r["end_s"] - r["start_s"], 2),
    }


@dataclass
class Trend:
    days: list[str]
    good_share: list[Optional[float]]
    rounding: list[Optional[float]]
    days_trained: int
    days_prescribed: int

    @property
    def adherence(self) -> Optional[float]:
        return self.days_trained / self.days_prescribed if self.days_prescribed else None


def trend(sessions: list[Session], day_from: date, day_to: date, days_per_week: Optional[int],
          prescribed_since: Optional[date] = None) -> Trend:
    """Share of good reps and median rounding per session, and adherence in the period.

    Adherence is days trained against days prescribed: ``days_per_week`` times
    the length in weeks of the part of the period since the prescription
    (``prescribed_since``), rounded to whole days, at least one.
    """
    ordered = sorted(sessions, key=lambda s: s.day)
    start = max(day_from, prescribed_since) if prescribed_since else day_from
    trained = len({s.day for s in ordered if s.total and s.day >= start.isoformat()})
    n_days = max(0, (day_to - start).days + 1)
    prescribed = max(1, round(days_per_week * n_days / 7)) if days_per_week and n_days else 0
    return Trend([s.day for s in ordered], [s.good_share for s in ordered], [s.rounding_median for s in ordered],
                 trained, prescribed)


def parse_day(text: Optional[str], default: date) -> date:
    if not text:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"dates look like 2026-11-30, not {text!r}") from None


def default_period(today: Optional[date] = None) -> tuple[date, date]:
    today = today or date.today()
    return today - timedelta(days=27), today
