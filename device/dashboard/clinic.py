"""The clinic's own data: users, login sessions, patients and prescriptions.

Kept in the dashboard's own SQLite file (``[dashboard] database``), not in the
station's session log: the station stays the only writer of the log (one
writer, as storage.py is built around) and never holds password hashes; the
dashboard is the only writer here. WAL, ``busy_timeout`` and foreign keys as in
the session log. A set is tied to a patient through the log's ``label`` column
(``patient:<id>``), which the station writes when the dashboard selects a
patient on it.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Optional

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE users (
        id          INTEGER PRIMARY KEY,
        name        TEXT NOT NULL UNIQUE,
        pw_hash     TEXT NOT NULL,
        created_at  TEXT NOT NULL
    );
    CREATE TABLE logins (
        token_hash  TEXT PRIMARY KEY,        -- sha256 of the cookie's token; the token itself is never stored
        user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        csrf        TEXT NOT NULL,
        expires_at  REAL NOT NULL
    );
    CREATE TABLE patients (
        id          INTEGER PRIMARY KEY,
        code        TEXT NOT NULL,           -- a name or a code: no more than needed
        notes       TEXT NOT NULL DEFAULT '',
        archived    INTEGER NOT NULL DEFAULT 0,
        created_at  TEXT NOT NULL
    );
    CREATE TABLE prescriptions (
        id            INTEGER PRIMARY KEY,   -- the newest per patient is in force; older ones are history
        patient_id    INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
        sets          INTEGER NOT NULL,
        reps          INTEGER NOT NULL,
        days_per_week INTEGER NOT NULL,
        checks        TEXT NOT NULL,         -- JSON {"rounding": true, ...}
        min_rep_s     REAL NOT NULL,         -- the tempo limit
        rounding_deg  REAL NOT NULL,
        note          TEXT NOT NULL DEFAULT '',
        created_at    TEXT NOT NULL
    );
    CREATE INDEX prescriptions_by_patient ON prescriptions(patient_id, id);
    CREATE TABLE settings (
        key    TEXT PRIMARY KEY,
        value  TEXT NOT NULL
    );
    """,
)

CHECK_NAMES = ("rounding", "knee_lock", "heel_lift", "tempo")
CHECK_LABELS = {"rounding": "rounding", "knee_lock": "knee lock", "heel_lift": "heel lift", "tempo": "tempo"}


class ClinicError(Exception):
    """Bad input or an unusable clinic file; the message says what and how to fix it."""


def _now_iso() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


@dataclass
class Patient:
    id: int
    code: str
    notes: str
    archived: bool
    created_at: str

    @property
    def label(self) -> str:
        """What the station writes in the session log's label column for this patient."""
        return f"patient:{self.id}"


@dataclass
class Prescription:
    id: int
    patient_id: int
    sets: int
    reps: int
    days_per_week: int
    checks: dict[str, bool]
    min_rep_s: float
    rounding_deg: float
    note: str
    created_at: str

    def for_station(self) -> dict[str, Any]:
        """The ``prescription`` message of the station channel (device/bus.py)."""
        return {"target": self.reps, "checks": dict(self.checks), "min_rep_s": self.min_rep_s,
                "rounding_deg": self.rounding_deg}

    @property
    def since(self) -> date:
        return date.fromisoformat(self.created_at[:10])

    @property
    def checks_text(self) -> str:
        on = [CHECK_LABELS[k] for k in CHECK_NAMES if self.checks.get(k, True)]
        return ", ".join(on) if on else "none"


class ClinicDB:
    """The dashboard's SQLite file. Thread-safe: one connection behind a lock (tiny, fast queries)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
            self._conn.row_factory = sqlite3.Row
            self._conn.execute("PRAGMA busy_timeout = 5000")
            self._conn.execute("PRAGMA foreign_keys = ON")
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = FULL")
            self._migrate()
        except sqlite3.DatabaseError as e:
            raise ClinicError(f"clinic database {self.path}: {e}; if the file is damaged, move it aside "
                              "(the session log is separate and safe) and create the user again") from None
        except OSError as e:
            raise ClinicError(f"clinic database {self.path}: {e.strerror}; set [dashboard] database to a "
                              "writable path") from None
        self._lock = threading.Lock()

    def _migrate(self) -> None:
        version = self._conn.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise ClinicError(f"clinic database {self.path} has schema version {version}; this WallHinge knows "
                              f"up to {len(MIGRATIONS)}: install the newer WallHinge that wrote it")
        for v in range(version, len(MIGRATIONS)):
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                script = "\n".join(ln.split("--", 1)[0] for ln in MIGRATIONS[v].splitlines())
                for stmt in script.split(";"):
                    if stmt.strip():
                        self._conn.execute(stmt)
                self._conn.execute(f"PRAGMA user_version = {v + 1}")
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def close(self) -> None:
        self._conn.close()

    def _q(self, sql: str, args: tuple = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._conn.execute(sql, args).fetchall()

    def _x(self, sql: str, args: tuple = ()) -> int:
        with self._lock:
            cur = self._conn.execute(sql, args)
            return int(cur.lastrowid or 0)

    # ---- settings

    def setting(self, key: str, default: Optional[str] = None) -> Optional[str]:
        rows = self._q("SELECT value FROM settings WHERE key = ?", (key,))
        return rows[0]["value"] if rows else default

    def set_setting(self, key: str, value: str) -> None:
        self._x("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value))

    def athlete_token(self) -> str:
        """The per-station secret in the athlete screen's link (random, made once)."""
        tok = self.setting("athlete_token")
        if tok is None:
            tok = secrets.token_urlsafe(12)
            self.set_setting("athlete_token", tok)
        return tok

    # ---- users and logins

    def add_user(self, name: str, pw_hash: str) -> int:
        try:
            return self._x("INSERT INTO users (name, pw_hash, created_at) VALUES (?, ?, ?)", (name, pw_hash, _now_iso()))
        except sqlite3.IntegrityError:
            raise ClinicError(f"a user named {name!r} already exists") from None

    def set_password(self, name: str, pw_hash: str) -> None:
        self._x("UPDATE users SET pw_hash = ? WHERE name = ?", (pw_hash, name))
        self._x("DELETE FROM logins WHERE user_id = (SELECT id FROM users WHERE name = ?)", (name,))

    def user_by_name(self, name: str) -> Optional[sqlite3.Row]:
        rows = self._q("SELECT * FROM users WHERE name = ?", (name,))
        return rows[0] if rows else None

    def users(self) -> list[sqlite3.Row]:
        return self._q("SELECT id, name, created_at FROM users ORDER BY id")

    def add_login(self, token_hash: str, user_id: int, csrf: str, expires_at: float) -> None:
        self._x("DELETE FROM logins WHERE expires_at < ?", (time.time(),))
        self._x("INSERT INTO logins (token_hash, user_id, csrf, expires_at) VALUES (?, ?, ?, ?)",
                (token_hash, user_id, csrf, expires_at))

    def login(self, token_hash: str) -> Optional[sqlite3.Row]:
        rows = self._q("SELECT l.csrf, l.expires_at, u.id AS user_id, u.name FROM logins l JOIN users u "
                       "ON u.id = l.user_id WHERE l.token_hash = ?", (token_hash,))
        if not rows or rows[0]["expires_at"] < time.time():
            return None
        return rows[0]

    def drop_login(self, token_hash: str) -> None:
        self._x("DELETE FROM logins WHERE token_hash = ?", (token_hash,))

    # ---- patients

    def add_patient(self, code: str, notes: str = "") -> int:
        code = _clean(code, "name or code", 60, required=True)
        return self._x("INSERT INTO patients (code, notes, created_at) VALUES (?, ?, ?)",
                       (code, _clean(notes, "notes", 2000), _now_iso()))

    def update_patient(self, pid: int, code: str, notes: str) -> None:
        self.patient(pid)
        self._x("UPDATE patients SET code = ?, notes = ? WHERE id = ?",
                (_clean(code, "name or code", 60, required=True), _clean(notes, "notes", 2000), pid))

    def archive_patient(self, pid: int, archived: bool = True) -> None:
        self.patient(pid)
        self._x("UPDATE patients SET archived = ? WHERE id = ?", (int(archived), pid))

    def patient(self, pid: int) -> Patient:
        rows = self._q("SELECT * FROM patients WHERE id = ?", (pid,))
        if not rows:
            raise ClinicError(f"no patient {pid}")
        return _patient(rows[0])

    def patients(self, archived: bool = False) -> list[Patient]:
        return [_patient(r) for r in self._q("SELECT * FROM patients WHERE archived = ? ORDER BY code COLLATE NOCASE",
                                             (int(archived),))]

    # ---- prescriptions

    def prescribe(self, pid: int, *, sets: int, reps: int, days_per_week: int, checks: dict[str, bool],
                  min_rep_s: float, rounding_deg: float, note: str = "", created_at: Optional[str] = None) -> int:
        self.patient(pid)
        _range(sets, "sets", 1, 10)
        _range(reps, "reps per set", 1, 200)
        _range(days_per_week, "days a week", 1, 7)
        _range(min_rep_s, "tempo limit (seconds)", 0.0, 10.0)
        _range(rounding_deg, "rounding threshold (degrees)", 1.0, 60.0)
        clean = {k: bool(checks.get(k, False)) for k in CHECK_NAMES}
        return self._x(
            "INSERT INTO prescriptions (patient_id, sets, reps, days_per_week, checks, min_rep_s, rounding_deg, note,"
            " created_at) VALUES (?,?,?,?,?,?,?,?,?)",
            (pid, int(sets), int(reps), int(days_per_week), json.dumps(clean), float(min_rep_s), float(rounding_deg),
             _clean(note, "note to the patient", 500), created_at or _now_iso()))

    def prescription(self, pid: int) -> Optional[Prescription]:
        rows = self._q("SELECT * FROM prescriptions WHERE patient_id = ? ORDER BY id DESC LIMIT 1", (pid,))
        return _prescription(rows[0]) if rows else None

    def prescriptions(self, pid: int) -> list[Prescription]:
        return [_prescription(r) for r in self._q("SELECT * FROM prescriptions WHERE patient_id = ? ORDER BY id", (pid,))]


def _patient(r: sqlite3.Row) -> Patient:
    return Patient(r["id"], r["code"], r["notes"], bool(r["archived"]), r["created_at"])


def _prescription(r: sqlite3.Row) -> Prescription:
    return Prescription(r["id"], r["patient_id"], r["sets"], r["reps"], r["days_per_week"], json.loads(r["checks"]),
                        r["min_rep_s"], r["rounding_deg"], r["note"], r["created_at"])


def _clean(text: Optional[str], what: str, limit: int, required: bool = False) -> str:
    t = (text or "").strip()
    if required and not t:
        raise ClinicError(f"{what} is required")
    if len(t) > limit:
        raise ClinicError(f"{what} is too long ({len(t)} characters; at most {limit})")
    return t


def _range(v: float, what: str, lo: float, hi: float) -> None:
    if not lo <= v <= hi:
        raise ClinicError(f"{what} must be from {lo:g} to {hi:g}, not {v:g}")
