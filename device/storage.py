"""The session log: every rep a person does at the wall, kept in SQLite.

The station's main loop hands sessions, reps and device faults to a
:class:`SessionLog`; one writer thread owns the database and commits each rep
as soon as it is queued, so the loop never waits on the SD card.

Durability: the database runs in WAL mode with ``synchronous=FULL``. In WAL
mode ``NORMAL`` survives a crash of the program but not a power cut: commits
since the last checkpoint may roll back, which could be many reps. ``FULL``
fsyncs the WAL at every commit, so a power cut loses at most the rep still in
the queue (the rep in progress). A rep commits every few seconds at most, so
the fsync costs nothing the person notices, and it happens off the main loop.

Health data: the log holds measures and verdicts, never images. It is written
only to the local disk.

``export()`` and ``export_main()`` write sessions and reps as CSV or JSON for a
clinician; the CLI wires ``python -m device export`` to ``export_main``.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import queue
import sqlite3
import sys
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterable, Optional, Sequence

from device.core.types import Rep

log = logging.getLogger(__name__)

# ---------------------------------------------------------------- schema

# Each entry upgrades the schema from version i to i+1; PRAGMA user_version
# holds the version reached. Never edit a released entry: append a new one.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE sessions (
        id          INTEGER PRIMARY KEY,
        started_at  TEXT NOT NULL,          -- wall clock, ISO 8601 with offset
        ended_at    TEXT,                   -- NULL while running or if cut off
        place       TEXT NOT NULL,          -- gym | clinic | home
        label       TEXT,                   -- optional person/patient label
        settings    TEXT NOT NULL,          -- JSON: the config in force
        counted     INTEGER                 -- counted reps, set at the end
    );
    CREATE TABLE reps (
        id                    INTEGER PRIMARY KEY,
        session_id            INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        rep_index             INTEGER NOT NULL,
        start_s               REAL NOT NULL,
        bottom_s              REAL NOT NULL,
        end_s                 REAL NOT NULL,
        contact               INTEGER,      -- 1/0, NULL = unknown (video without sensor)
        verdict               TEXT NOT NULL,
        counted               INTEGER NOT NULL,
        faults                TEXT NOT NULL, -- JSON list of verdict names
        trunk_inclination_deg REAL,
        rounding_deg          REAL,
        knee_angle_deg        REAL,
        heel_lift             REAL,
        seen_fraction         REAL NOT NULL,
        recorded_at           TEXT NOT NULL
    );
    CREATE INDEX reps_by_session ON reps(session_id, rep_index);
    CREATE TABLE device_faults (
        id          INTEGER PRIMARY KEY,
        at          TEXT NOT NULL,
        session_id  INTEGER REFERENCES sessions(id) ON DELETE SET NULL,
        kind        TEXT NOT NULL,
        message     TEXT NOT NULL
    );
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)

REP_COLUMNS: tuple[str, ...] = (
    "session_id", "index", "start_s", "bottom_s", "end_s", "contact", "verdict", "counted",
    "faults", "trunk_inclination_deg", "rounding_deg", "knee_angle_deg", "heel_lift",
    "seen_fraction", "recorded_at",
)
# The rep columns are spelled once, here (the schema above is history and stays as written):
# the export's names, the table's names, and how a value goes in and comes out.
_REP_DB_NAME = {"index": "rep_index"}
REP_DB_COLUMNS: tuple[str, ...] = tuple(_REP_DB_NAME.get(c, c) for c in REP_COLUMNS)
_REP_IN: dict[str, Callable[[Any], Any]] = {
    "contact": lambda v: None if v is None else int(bool(v)),
    "counted": lambda v: int(bool(v)),
    "faults": json.dumps,
}
_REP_OUT: dict[str, Callable[[Any], Any]] = {
    "contact": lambda v: None if v is None else bool(v),
    "counted": bool,
    "faults": json.loads,
}
SESSION_COLUMNS: tuple[str, ...] = (
    "id", "started_at", "ended_at", "place", "label", "counted", "reps", "settings",
)
FAULT_COLUMNS: tuple[str, ...] = ("id", "at", "session_id", "kind", "message")


class StorageError(Exception):
    """The session log cannot be used; the message names the file and the fix."""


def _now_iso() -> str:
    return datetime.now().astimezone().isoformat(timespec="milliseconds")


# ------------------------------------------------------- error explanations


def _explain(err: BaseException, path: Path, doing: str) -> str:
    """Turn an sqlite3/OS error into a message a station owner can act on."""
    text = str(err)
    low = text.lower()
    where = f"session log {path}"
    if "disk is full" in low or "database or disk is full" in low or getattr(err, "errno", None) == 28:
        return (f"{where}: the disk is full while {doing}; free space on the SD card "
                "(for example delete old exports or recordings); reps are kept in memory and "
                "written when there is room again")
    if "readonly" in low or "read-only" in low:
        return (f"{where} is read-only ({text}) while {doing}; make {path.parent} writable "
                "by the station user (the service gets it from StateDirectory=wallhinge), "
                "or set [storage] database to a writable path")
    if "unable to open" in low:
        return (f"{where}: cannot open it ({text}); check that {path.parent} exists and "
                "the station user may write there, or set [storage] database to a writable path")
    if "malformed" in low or "not a database" in low or "corrupt" in low:
        return (f"{where} is corrupt ({text}); move the file aside (keep it for recovery) "
                "and the station starts a new log")
    if "disk i/o error" in low:
        return (f"{where}: disk I/O error while {doing} ({text}); the SD card may be failing: "
                "copy the log off it and replace the card")
    return f"{where}: {text} while {doing}"


def _retryable(err: BaseException) -> bool:
    """Errors that may go away by themselves (space freed, lock released, card back)."""
    if isinstance(err, OSError):
        return True
    if not isinstance(err, sqlite3.OperationalError):
        return False
    low = str(err).lower()
    return any(k in low for k in ("disk is full", "locked", "busy", "i/o error", "readonly",
                                   "unable to open"))


# ----------------------------------------------------------- connection setup


def _connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    if readonly:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True,
                               check_same_thread=False, isolation_level=None)
    else:
        conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA busy_timeout = 5000")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise StorageError(
            f"session log {path} has schema version {version} but this WallHinge knows only "
            f"up to {SCHEMA_VERSION}; install the newer WallHinge that wrote it, or set "
            "[storage] database to another file")
    for v in range(version, SCHEMA_VERSION):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for stmt in _statements(MIGRATIONS[v]):
                conn.execute(stmt)
            conn.execute(f"PRAGMA user_version = {v + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def _statements(script: str) -> Iterable[str]:
    # executescript() would COMMIT first; split ourselves so a migration stays
    # one transaction (our DDL has no semicolons inside strings or triggers).
    lines = [ln.split("--", 1)[0] for ln in script.splitlines()]
    for stmt in "\n".join(lines).split(";"):
        if stmt.strip():
            yield stmt


def _quarantine(path: Path, stamp: str) -> Path:
    """Move a corrupt log (and its WAL/SHM) aside, never delete it."""
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        src = Path(str(path) + suffix)
        if src.exists():
            os.replace(src, Path(str(target) + suffix))
    return target


# --------------------------------------------------------------- the writer


@dataclass
class _Op:
    kind: str  # "session" | "end" | "rep" | "fault" | "flush" | "stop"
    args: tuple = ()
    done: Optional[threading.Event] = field(default=None, compare=False)


class SessionLog:
    """The station's session log: sessions, reps and device faults in SQLite.

    All write methods return at once: they queue the record for the single
    writer thread, which commits each one in its own transaction. If the disk
    is full or the card read-only the records stay queued, in order, and are
    retried until they fit; :attr:`error` says what is wrong meanwhile so the
    station can light the fault LED.

    Opening checks the file: a missing directory is created; a corrupt file is
    moved aside as ``<name>.corrupt-<time>`` (kept for recovery) and a new log
    started, which :attr:`notices` reports; an unusable path raises
    :class:`StorageError` with the fix.
    """

    RETRY_S = 2.0

    def __init__(
        self,
        path: Path | str,
        *,
        synchronous: str = "FULL",
        clock: Callable[[], str] = _now_iso,
        quarantine_corrupt: bool = True,
        retry_s: Optional[float] = None,
    ) -> None:
        self.path = Path(path)
        self._clock = clock
        self._retry_s = self.RETRY_S if retry_s is None else retry_s
        self._error: Optional[str] = None
        self._error_lock = threading.Lock()
        self.notices: list[str] = []
        if synchronous.upper() not in ("NORMAL", "FULL", "EXTRA"):
            raise ValueError("synchronous must be NORMAL, FULL or EXTRA")
        self._conn = self._open(quarantine_corrupt, synchronous.upper())
        row = self._conn.execute("SELECT COALESCE(MAX(id), 0) FROM sessions").fetchone()
        # Session ids are handed out here, not by the writer, so start_session
        # never waits for the disk. Only this process writes the log.
        self._next_session = int(row[0]) + 1
        self._id_lock = threading.Lock()
        self._queue: "queue.Queue[_Op]" = queue.Queue()
        self._backlog: deque[_Op] = deque()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="wallhinge-session-log", daemon=True)
        self._thread.start()

    # ---- opening

    def _open(self, quarantine_corrupt: bool, synchronous: str) -> sqlite3.Connection:
        path = self.path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StorageError(
                f"session log {path}: cannot create directory {path.parent} ({e.strerror}); "
                "create it and let the station user write there, or set [storage] database "
                "to a writable path") from None
        if path.exists() and not path.is_file():
            raise StorageError(f"session log {path} is not a file; set [storage] database to a file path")
        try:
            return self._open_checked(synchronous)
        except sqlite3.DatabaseError as e:
            low = str(e).lower()
            corrupt = "malformed" in low or "not a database" in low or "corrupt" in low
            if not corrupt:
                raise StorageError(_explain(e, path, "opening it")) from None
            if not quarantine_corrupt:
                raise StorageError(_explain(e, path, "opening it")) from None
            stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
            try:
                moved = _quarantine(path, stamp)
            except OSError as oe:
                raise StorageError(
                    f"session log {path} is corrupt ({e}) and could not be moved aside "
                    f"({oe.strerror}); move it aside by hand and restart the station") from None
            notice = (f"session log {path} was corrupt ({e}); moved it to {moved} for recovery "
                      "and started a new log")
            log.error(notice)
            self.notices.append(notice)
            try:
                return self._open_checked(synchronous)
            except sqlite3.Error as e2:
                raise StorageError(_explain(e2, path, "starting a new log")) from None

    def _open_checked(self, synchronous: str) -> sqlite3.Connection:
        conn = _connect(self.path)
        try:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                log.warning("session log %s: journal_mode is %s, not WAL", self.path, mode)
            conn.execute(f"PRAGMA synchronous = {synchronous}")
            check = conn.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise sqlite3.DatabaseError(f"database disk image is malformed: {check}")
            _migrate(conn, self.path)
            return conn
        except BaseException:
            conn.close()
            raise

    # ---- public API (called from the station's main loop; never blocks on disk)

    def start_session(self, place: str, settings: dict, label: Optional[str] = None) -> int:
        """Open a session (one person's visit or set) and return its id at once."""
        self._check_open()
        with self._id_lock:
            sid = self._next_session
            self._next_session += 1
        settings_json = json.dumps(settings, default=str, sort_keys=True)
        self._put(_Op("session", (sid, self._clock(), place, label, settings_json)))
        return sid

    def record_rep(self, session_id: int, rep: Rep) -> None:
        """Queue one finished rep; it is committed on its own, as soon as the disk allows."""
        self._check_open()
        d = {**rep.to_dict(), "session_id": session_id, "recorded_at": self._clock()}
        row = tuple(_REP_IN.get(c, lambda v: v)(d[c]) for c in REP_COLUMNS)
        self._put(_Op("rep", row))

    def end_session(self, session_id: int, counted: int) -> None:
        """Close a session with its counted reps."""
        self._check_open()
        self._put(_Op("end", (self._clock(), int(counted), session_id)))

    def record_fault(self, kind: str, message: str, session_id: Optional[int] = None) -> None:
        """Log a device fault (sensor stuck, camera lost, ...) with the wall-clock time."""
        self._check_open()
        self._put(_Op("fault", (self._clock(), session_id, kind, message)))

    def flush(self, timeout: Optional[float] = None) -> bool:
        """Wait until everything queued so far is committed; False on timeout.

        With the disk full this waits for the retries; pass a timeout.
        """
        if self._closed:
            return not self._backlog and self._queue.empty()
        ev = threading.Event()
        self._put(_Op("flush", done=ev))
        return ev.wait(timeout)

    def close(self, timeout: float = 10.0) -> bool:
        """Commit what is queued and close. Returns False if records were left unwritten."""
        if self._closed:
            return True
        self._closed = True
        self._queue.put(_Op("stop"))
        self._thread.join(timeout)
        left = self._count_records()
        if self._thread.is_alive() or left:
            msg = (f"session log {self.path}: {left} record(s) could not be written before shutdown"
                   + (f": {self._error}" if self._error else ""))
            log.error(msg)
            self._set_error(msg)
            return False
        return True

    @property
    def error(self) -> Optional[str]:
        """What is wrong with the log now (for the fault LED and status), or None."""
        with self._error_lock:
            err = self._error
        if err is None and not self._closed and not self._thread.is_alive():
            return f"session log {self.path}: the writer thread stopped; restart the station"
        return err

    @property
    def pending(self) -> int:
        """Records queued or waiting for a retry, not yet committed."""
        return self._count_records()

    def _count_records(self) -> int:
        # Snapshot copies: the writer thread mutates both while we count.
        ops = list(self._backlog) + list(self._queue.queue)
        return sum(1 for op in ops if op.kind not in ("flush", "stop"))

    def __enter__(self) -> "SessionLog":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- internals

    def _check_open(self) -> None:
        if self._closed:
            raise StorageError(f"session log {self.path} is closed")

    def _put(self, op: _Op) -> None:
        self._queue.put_nowait(op)

    def _set_error(self, msg: Optional[str]) -> None:
        with self._error_lock:
            self._error = msg

    def _run(self) -> None:
        try:
            self._loop()
        except BaseException as e:  # never die silently: the station shows this
            log.exception("session log writer stopped")
            self._set_error(f"session log {self.path}: writer thread stopped ({e!r}); restart the station")
        finally:
            try:
                self._conn.close()
            except sqlite3.Error:
                pass

    def _loop(self) -> None:
        retried_after_close = False
        while True:
            # Pull in everything queued; block only when there is nothing to do.
            try:
                if not self._backlog and not self._closed:
                    self._backlog.append(self._queue.get())
                while True:
                    self._backlog.append(self._queue.get_nowait())
            except queue.Empty:
                pass
            while self._backlog:
                op = self._backlog[0]
                if op.kind in ("stop", "flush"):
                    if op.done is not None:
                        op.done.set()
                elif not self._apply(op):
                    break  # the disk refused: keep the order, wait, retry
                self._backlog.popleft()
            if self._closed and self._queue.empty():
                if not self._backlog:
                    self._checkpoint()
                    return
                if retried_after_close:
                    return  # close() reports what is left
                retried_after_close = True
            if self._backlog:
                # Waiting for space: sleep, but wake early for new work.
                try:
                    self._backlog.append(self._queue.get(timeout=self._retry_s))
                except queue.Empty:
                    pass

    def _apply(self, op: _Op) -> bool:
        """Commit one record. True if done (or dropped as unwritable), False to retry later."""
        sql = {
            "session": "INSERT INTO sessions (id, started_at, place, label, settings) VALUES (?,?,?,?,?)",
            "end": "UPDATE sessions SET ended_at = ?, counted = ? WHERE id = ?",
            "rep": (f"INSERT INTO reps ({', '.join(REP_DB_COLUMNS)})"
                    f" VALUES ({','.join('?' * len(REP_DB_COLUMNS))})"),
            "fault": "INSERT INTO device_faults (at, session_id, kind, message) VALUES (?,?,?,?)",
        }[op.kind]
        doing = {"session": "starting a session", "end": "ending a session",
                 "rep": "saving a rep", "fault": "saving a device fault"}[op.kind]
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.execute(sql, op.args)
                self._conn.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise
        except (sqlite3.Error, OSError) as e:
            msg = _explain(e, self.path, doing)
            if _retryable(e):
                if self._error != msg:
                    log.error("%s (%d record(s) waiting)", msg, len(self._backlog))
                self._set_error(msg)
                return False
            # A record the database rejects for good (a bug, not the disk):
            # drop it loudly rather than block every later rep behind it.
            log.error("%s; dropped record %s %r", msg, op.kind, op.args)
            self._set_error(msg)
            return True
        if self._error is not None:
            log.warning("session log %s: writing again", self.path)
            self._set_error(None)
        return True

    def _checkpoint(self) -> None:
        try:
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as e:
            log.warning("session log %s: checkpoint at close failed: %s", self.path, e)


# ------------------------------------------------------------------ reading


def _open_for_reading(db_path: Path) -> sqlite3.Connection:
    if not db_path.exists():
        raise StorageError(f"no session log at {db_path}; pass the right --db path "
                           "(the station keeps it at /var/lib/wallhinge/sessions.db)")
    if db_path.is_dir():
        inside = db_path / "sessions.db"
        hint = f"; did you mean --db {inside}?" if inside.is_file() else ""
        raise StorageError(f"{db_path} is a folder, not a session log: --db takes the session log file "
                           f"(sessions.db){hint}")
    try:
        conn = _connect(db_path, readonly=True)
        conn.row_factory = sqlite3.Row
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.Error as e:
        raise StorageError(_explain(e, db_path, "reading it")) from None
    if version == 0:
        conn.close()
        raise StorageError(f"{db_path} is not a WallHinge session log (no schema); check the --db path")
    if version > SCHEMA_VERSION:
        conn.close()
        raise StorageError(f"session log {db_path} has schema version {version}; this WallHinge "
                           f"reads up to {SCHEMA_VERSION}; export it with the newer WallHinge")
    return conn


def read_log(db_path: Path | str, session: Optional[int] = None) -> dict[str, Any]:
    """Read sessions (each with its reps) and device faults as plain data."""
    db_path = Path(db_path)
    conn = _open_for_reading(db_path)
    try:
        where, params = ("WHERE id = ?", (session,)) if session is not None else ("", ())
        srows = conn.execute(f"SELECT * FROM sessions {where} ORDER BY id", params).fetchall()
        if session is not None and not srows:
            ids = [r[0] for r in conn.execute("SELECT id FROM sessions ORDER BY id")]
            have = f"sessions there: {_ranges(ids)}" if ids else "it has no sessions yet"
            raise StorageError(f"no session {session} in {db_path}; {have}")
        sessions = []
        for s in srows:
            reps = [
                _rep_out(r) for r in conn.execute(
                    "SELECT * FROM reps WHERE session_id = ? ORDER BY rep_index, id", (s["id"],))
            ]
            sessions.append({
                "id": s["id"], "started_at": s["started_at"], "ended_at": s["ended_at"],
                "place": s["place"], "label": s["label"], "counted": s["counted"],
                "reps_total": len(reps), "settings": json.loads(s["settings"]), "reps": reps,
            })
        fwhere = "WHERE session_id = ?" if session is not None else ""
        faults = [dict(r) for r in conn.execute(f"SELECT * FROM device_faults {fwhere} ORDER BY id", params)]
        return {"schema_version": SCHEMA_VERSION, "sessions": sessions, "device_faults": faults}
    except sqlite3.Error as e:
        raise StorageError(_explain(e, db_path, "reading it")) from None
    finally:
        conn.close()


def _rep_out(r: sqlite3.Row) -> dict[str, Any]:
    return {c: _REP_OUT.get(c, lambda v: v)(r[db]) for c, db in zip(REP_COLUMNS, REP_DB_COLUMNS)}


def _ranges(ids: Sequence[int]) -> str:
    out: list[str] = []
    start = prev = ids[0]
    for i in list(ids[1:]) + [None]:  # type: ignore[list-item]
        if i is not None and i == prev + 1:
            prev = i
            continue
        out.append(str(start) if start == prev else f"{start}-{prev}")
        if i is not None:
            start = prev = i
    return ", ".join(out)


# ------------------------------------------------------------------- export


def _write_atomic(path: Path, write: Callable[[Any], None]) -> None:
    # A half-written export must never look complete to whoever picks it up.
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        write(f)
    os.replace(tmp, path)


def _csv_cell(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, dict)):
        return json.dumps(v, sort_keys=True) if isinstance(v, dict) else ";".join(map(str, v))
    return v


def export(db_path: Path | str, out_dir: Path | str, fmt: str = "csv",
           session: Optional[int] = None) -> list[Path]:
    """Write the log's sessions and reps to ``out_dir`` and return the files written.

    ``fmt="csv"`` writes ``sessions.csv``, ``reps.csv`` and ``device_faults.csv``
    (faults as ``a;b``, settings as JSON); ``fmt="json"`` writes one
    ``sessions.json`` with each session's reps nested. ``session`` limits the
    export to one session id. Raises :class:`StorageError` with a fix on bad input.
    """
    if fmt not in ("csv", "json"):
        raise StorageError(f"unknown export format {fmt!r}; use csv or json")
    data = read_log(db_path, session)
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise StorageError(f"cannot create export folder {out} ({e.strerror}); choose another --out") from None
    written: list[Path] = []
    try:
        if fmt == "json":
            doc = {"exported_at": _now_iso(), "source": str(db_path), **data}
            p = out / "sessions.json"
            _write_atomic(p, lambda f: (json.dump(doc, f, indent=2, ensure_ascii=False), f.write("\n")))
            written.append(p)
        else:
            srows = [{**{k: s.get(k) for k in SESSION_COLUMNS if k not in ("reps",)},
                      "reps": s["reps_total"]} for s in data["sessions"]]
            rrows = [r for s in data["sessions"] for r in s["reps"]]
            for name, cols, rows in (("sessions.csv", SESSION_COLUMNS, srows),
                                     ("reps.csv", REP_COLUMNS, rrows),
                                     ("device_faults.csv", FAULT_COLUMNS, data["device_faults"])):
                p = out / name

                def write(f: Any, cols: Sequence[str] = cols, rows: list = rows) -> None:
                    w = csv.writer(f)
                    w.writerow(cols)
                    for row in rows:
                        w.writerow([_csv_cell(row.get(c)) for c in cols])

                _write_atomic(p, write)
                written.append(p)
    except OSError as e:
        raise StorageError(f"cannot write the export in {out} ({e.strerror}); choose another --out") from None
    return written


def add_export_arguments(ap: argparse.ArgumentParser) -> None:
    """The export options (used by ``python -m device export`` and :func:`export_main`)."""
    ap.add_argument("--db", type=Path, help="session log (default: [storage] database of the config)")
    if not any("--config" in a.option_strings for a in ap._actions):
        ap.add_argument("--config", type=Path, help="config file to take the database path from")
    ap.add_argument("--out", type=Path, default=Path("wallhinge-export"), help="output folder (default: %(default)s)")
    ap.add_argument("--format", dest="fmt", choices=("csv", "json"), default="csv")
    ap.add_argument("--session", type=int, help="export only this session id")
    ap.add_argument("--list", action="store_true", help="list the sessions and write nothing")


def run_export(args: argparse.Namespace, cfg: Any = None) -> int:
    """Carry out ``export`` with parsed ``args``; ``cfg`` gives the default database. Returns an exit code."""
    try:
        db = args.db
        if db is None:
            if cfg is None:
                from device.config import ConfigError, load_config
                try:
                    cfg = load_config(getattr(args, "config", None))
                except ConfigError as e:
                    print(e, file=sys.stderr)
                    return 2
            db = cfg.storage.database
        if args.list:
            data = read_log(db, args.session)
            for s in data["sessions"]:
                print(f"{s['id']:>5}  {s['started_at']}  {s['place']:<6} {s['label'] or '-':<16} "
                      f"counted {s['counted'] if s['counted'] is not None else '?'}"
                      f" of {s['reps_total']} reps")
            return 0
        files = export(db, args.out, args.fmt, args.session)
    except StorageError as e:
        print(f"export failed: {e}", file=sys.stderr)
        return 1
    for f in files:
        print(f)
    return 0


def export_main(argv: Optional[Sequence[str]] = None) -> int:
    """Export with its own argument list (kept for scripts): the same as ``python -m device export``."""
    ap = argparse.ArgumentParser(
        prog="python -m device export",
        description="Export the WallHinge session log (sessions, reps, device faults) as CSV or JSON.")
    add_export_arguments(ap)
    return run_export(ap.parse_args(argv))
