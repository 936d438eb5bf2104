"""The session log: round trip, export, crash safety, and the ways a disk fails."""

from __future__ import annotations

import csv
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from device.core.types import Rep, Verdict
from device.storage import SCHEMA_VERSION, SessionLog, StorageError, export, export_main, read_log

ROOT = Path(__file__).resolve().parents[1]


def make_rep(i: int, verdict: Verdict = Verdict.GOOD, **kw) -> Rep:
    base = dict(
        index=i, start_s=10.0 + 4 * i, bottom_s=12.0 + 4 * i, end_s=13.5 + 4 * i, contact=True,
        verdict=verdict, faults=[] if verdict is Verdict.GOOD else [verdict],
        trunk_inclination_deg=42.26, rounding_deg=3.14, knee_angle_deg=160.0, heel_lift=0.00123,
        seen_fraction=0.971,
    )
    base.update(kw)
    return Rep(**base)


def rows(db: Path, sql: str, *args) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


# ------------------------------------------------------------------ round trip


def test_round_trip_keeps_every_field(tmp_path: Path) -> None:
    db = tmp_path / "sessions.db"
    log = SessionLog(db)
    sid = log.start_session("clinic", {"target_reps": 20, "path": Path("/x")}, label="patient 7")
    log.record_rep(sid, make_rep(1))
    log.record_rep(sid, make_rep(2, Verdict.ROUNDED, faults=[Verdict.ROUNDED, Verdict.TOO_FAST], rounding_deg=14.0))
    log.record_rep(sid, make_rep(3, Verdict.UNCHECKED, contact=None, trunk_inclination_deg=None,
                                 rounding_deg=None, knee_angle_deg=None, heel_lift=None, seen_fraction=0.2))
    log.record_fault("sensor_stuck", "proximity sensor read 0.31 m for 30 s", session_id=sid)
    log.end_session(sid, counted=1)
    assert log.close()

    data = read_log(db)
    (s,) = data["sessions"]
    assert (s["id"], s["place"], s["label"], s["counted"], s["reps_total"]) == (sid, "clinic", "patient 7", 1, 3)
    assert s["settings"] == {"target_reps": 20, "path": "/x"}
    assert s["ended_at"] is not None and s["started_at"] <= s["ended_at"]
    r1, r2, r3 = s["reps"]
    assert {k: r1[k] for k in make_rep(1).to_dict()} == make_rep(1).to_dict()
    assert r2["verdict"] == "rounded" and r2["faults"] == ["rounded", "too_fast"] and r2["counted"] is False
    assert r3["contact"] is None and r3["rounding_deg"] is None and r3["verdict"] == "unchecked"
    assert data["device_faults"][0]["kind"] == "sensor_stuck"
    assert rows(db, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert rows(db, "PRAGMA journal_mode") == [("wal",)]


def test_session_ids_continue_after_reopen(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    with SessionLog(db) as log:
        a = log.start_session("gym", {})
        b = log.start_session("gym", {})
    with SessionLog(db) as log:
        c = log.start_session("home", {})
        log.record_rep(c, make_rep(1))
    assert a < b < c
    assert [s["id"] for s in read_log(db)["sessions"]] == [a, b, c]


def test_calls_do_not_wait_for_the_disk(tmp_path: Path) -> None:
    """The main loop's calls only queue; 200 reps queue far faster than they commit."""
    with SessionLog(tmp_path / "s.db") as log:
        sid = log.start_session("gym", {})
        t0 = time.perf_counter()
        for i in range(200):
            log.record_rep(sid, make_rep(i))
        queued = time.perf_counter() - t0
        assert log.flush(timeout=60)
    assert queued < 0.2, f"queueing 200 reps took {queued:.3f} s"
    assert rows(tmp_path / "s.db", "SELECT COUNT(*) FROM reps") == [(200,)]


def test_newer_schema_is_refused_with_a_fix(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    SessionLog(db).close()
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StorageError, match="newer WallHinge"):
        SessionLog(db)


# ---------------------------------------------------------------------- export


@pytest.fixture
def two_sessions(tmp_path: Path) -> Path:
    db = tmp_path / "sessions.db"
    with SessionLog(db) as log:
        s1 = log.start_session("clinic", {"checks": {"rounding": True}}, label="A. Patient")
        log.record_rep(s1, make_rep(1))
        log.record_rep(s1, make_rep(2, Verdict.ROUNDED, faults=[Verdict.ROUNDED, Verdict.HEEL_LIFT]))
        log.end_session(s1, 1)
        s2 = log.start_session("gym", {})
        log.record_rep(s2, make_rep(1, contact=None, verdict=Verdict.UNCHECKED, rounding_deg=None))
        log.record_fault("camera_lost", "no frame for 2.0 s", session_id=s2)
    return db


def test_export_csv_contents(two_sessions: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    files = export(two_sessions, out, "csv")
    assert sorted(p.name for p in files) == ["device_faults.csv", "reps.csv", "sessions.csv"]
    with open(out / "reps.csv", newline="") as f:
        reps = list(csv.DictReader(f))
    assert [(r["session_id"], r["index"], r["verdict"], r["counted"]) for r in reps] == [
        ("1", "1", "good", "true"), ("1", "2", "rounded", "false"), ("2", "1", "unchecked", "false")]
    assert reps[1]["faults"] == "rounded;heel_lift"
    assert reps[0]["trunk_inclination_deg"] == "42.3" and reps[0]["heel_lift"] == "0.0012"
    assert reps[2]["contact"] == "" and reps[2]["rounding_deg"] == ""
    with open(out / "sessions.csv", newline="") as f:
        sessions = list(csv.DictReader(f))
    assert [(s["id"], s["label"], s["counted"], s["reps"]) for s in sessions] == [
        ("1", "A. Patient", "1", "2"), ("2", "", "", "1")]
    assert json.loads(sessions[0]["settings"]) == {"checks": {"rounding": True}}
    with open(out / "device_faults.csv", newline="") as f:
        assert [r["kind"] for r in csv.DictReader(f)] == ["camera_lost"]
    assert not list(out.glob(".*.tmp"))


def test_export_json_one_session(two_sessions: Path, tmp_path: Path) -> None:
    (p,) = export(two_sessions, tmp_path / "j", "json", session=2)
    doc = json.loads(p.read_text())
    assert [s["id"] for s in doc["sessions"]] == [2]
    assert doc["sessions"][0]["reps"][0]["contact"] is None
    assert [f["message"] for f in doc["device_faults"]] == ["no frame for 2.0 s"]


def test_export_bad_input_names_the_problem(two_sessions: Path, tmp_path: Path) -> None:
    with pytest.raises(StorageError, match=r"no session 9 in .*sessions there: 1-2"):
        export(two_sessions, tmp_path / "o", "csv", session=9)
    with pytest.raises(StorageError, match="no session log at"):
        export(tmp_path / "nope.db", tmp_path / "o", "csv")
    with pytest.raises(StorageError, match="use csv or json"):
        export(two_sessions, tmp_path / "o", "xml")
    (tmp_path / "plain.db").write_bytes(b"")
    with pytest.raises(StorageError, match="not a WallHinge session log"):
        export(tmp_path / "plain.db", tmp_path / "o", "csv")


def test_export_main(two_sessions: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli"
    assert export_main(["--db", str(two_sessions), "--out", str(out), "--format", "json"]) == 0
    assert (out / "sessions.json").exists()
    assert export_main(["--db", str(two_sessions), "--list"]) == 0
    assert "A. Patient" in capsys.readouterr().out
    assert export_main(["--db", str(tmp_path / "missing.db"), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "missing.db" in err and "Traceback" not in err


# ----------------------------------------------------------- crash safety

CHILD = textwrap.dedent("""
    import sys, time
    from device.core.types import Rep, Verdict
    from device.storage import SessionLog
    log = SessionLog(sys.argv[1])
    sid = log.start_session("gym", {"run": sys.argv[2]})
    i = 0
    while True:
        i += 1
        log.record_rep(sid, Rep(index=i, start_s=i, bottom_s=i + 0.5, end_s=i + 1, contact=True,
                                verdict=Verdict.GOOD, trunk_inclination_deg=40.0, seen_fraction=1.0))
        if i % 7 == 0:
            log.record_fault("test", f"fault {i}", session_id=sid)
        log.flush()
        print(sid, i, flush=True)
        time.sleep(0.005)
""")


def test_sigkill_never_loses_a_committed_rep(tmp_path: Path) -> None:
    """Kill a real writer process at random moments; every rep it reported stays."""
    db = tmp_path / "sessions.db"
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    rng = random.Random(1234)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    reported: set[tuple[int, int]] = set()
    for run in range(6):
        child = subprocess.Popen([sys.executable, str(script), str(db), str(run)],
                                 stdout=subprocess.PIPE, text=True, env=env)
        assert child.stdout is not None
        first = child.stdout.readline()  # wait until it is writing
        assert first, "child died before writing a rep"
        time.sleep(rng.uniform(0.05, 0.6))
        child.send_signal(signal.SIGKILL)
        rest = child.stdout.read()
        child.wait()
        assert child.returncode == -signal.SIGKILL
        for line in (first + rest).splitlines():
            sid, i = map(int, line.split())
            reported.add((sid, i))
        assert rows(db, "PRAGMA integrity_check") == [("ok",)]
        stored = set(rows(db, "SELECT session_id, rep_index FROM reps"))
        missing = reported - stored
        assert not missing, f"run {run}: reps reported committed but lost: {sorted(missing)[:5]}"
    assert len({sid for sid, _ in reported}) == 6  # each run was a new session after recovery
    assert len(reported) > 30


# ------------------------------------------------------------ failing disks


def test_full_disk_keeps_reps_queued_and_writes_them_when_space_returns(tmp_path: Path) -> None:
    db = tmp_path / "sessions.db"
    log = SessionLog(db, retry_s=0.05)
    sid = log.start_session("home", {})
    log.record_rep(sid, make_rep(1))
    assert log.flush(timeout=10)
    # SQLite reports SQLITE_FULL ("database or disk is full") once the file
    # would pass max_page_count, the same path a full SD card takes. The limit
    # is per connection, so it is set on the log's own (idle) connection.
    pages = log._conn.execute("PRAGMA page_count").fetchone()[0]
    log._conn.execute(f"PRAGMA max_page_count = {pages}")
    i = 1
    while log.error is None and i < 500:
        i += 1
        # Long fault lists fill pages quickly.
        log.record_rep(sid, make_rep(i, verdict=Verdict.ROUNDED, faults=[Verdict.ROUNDED] * 50))
        log.flush(timeout=0.3)
    assert log.error is not None, "the page limit never filled"
    assert "disk is full" in log.error and str(db) in log.error and "free space" in log.error
    assert log.pending >= 1
    # Committed reps are untouched while the disk is full.
    stored = rows(db, "SELECT rep_index FROM reps ORDER BY id")
    assert stored == [(k,) for k in range(1, len(stored) + 1)] and len(stored) >= 1
    log._conn.execute("PRAGMA max_page_count = 1073741823")
    assert log.flush(timeout=10)
    assert log.error is None and log.pending == 0
    assert log.close()
    assert rows(db, "SELECT rep_index FROM reps ORDER BY id") == [(k,) for k in range(1, i + 1)]


def test_rejected_record_is_reported_and_later_reps_still_saved(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    with SessionLog(db) as log:
        log.record_rep(999, make_rep(1))  # no such session: foreign key refuses it
        assert log.flush(timeout=10)
        assert log.error is not None and "FOREIGN KEY" in log.error
        sid = log.start_session("gym", {})
        log.record_rep(sid, make_rep(2))
        assert log.flush(timeout=10)
        assert log.error is None
    assert rows(db, "SELECT session_id, rep_index FROM reps") == [(sid, 2)]


def test_garbage_file_is_moved_aside_and_a_new_log_started(tmp_path: Path) -> None:
    db = tmp_path / "sessions.db"
    db.write_bytes(b"this is not sqlite" * 100)
    with SessionLog(db) as log:
        (notice,) = log.notices
        sid = log.start_session("gym", {})
        log.record_rep(sid, make_rep(1))
    (moved,) = tmp_path.glob("sessions.db.corrupt-*")
    assert moved.read_bytes().startswith(b"this is not sqlite")
    assert str(moved) in notice and "new log" in notice
    assert rows(db, "SELECT COUNT(*) FROM reps") == [(1,)]


def test_damaged_database_is_refused_with_the_fix_when_asked(tmp_path: Path) -> None:
    db = tmp_path / "sessions.db"
    with SessionLog(db) as log:
        sid = log.start_session("clinic", {})
        for i in range(300):
            log.record_rep(sid, make_rep(i))
    raw = bytearray(db.read_bytes())
    page = 4096
    assert len(raw) > 4 * page
    raw[2 * page:4 * page] = os.urandom(2 * page)  # smash two b-tree pages, keep the header
    db.write_bytes(bytes(raw))
    with pytest.raises(StorageError) as e:
        SessionLog(db, quarantine_corrupt=False)
    assert str(db) in str(e.value) and "move the file aside" in str(e.value)
    with SessionLog(db) as log:
        assert log.notices and "corrupt" in log.notices[0]
    assert len(list(tmp_path.glob("sessions.db.corrupt-*"))) == 1


def test_unwritable_location_names_the_path_and_the_fix(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    with pytest.raises(StorageError) as e:
        SessionLog(blocker / "sessions.db")
    assert str(blocker) in str(e.value) and "[storage] database" in str(e.value)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through directory permissions")
def test_read_only_directory(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(StorageError, match="writable"):
            SessionLog(ro / "sessions.db")
    finally:
        ro.chmod(0o700)


# ------------------------------------- a real full / read-only filesystem (root)


# (the small_fs fixture, a 256 KiB tmpfs, is in conftest.py: the recording tests use it too)


def test_real_full_disk_then_space_freed(small_fs: Path) -> None:
    db = small_fs / "sessions.db"
    filler = small_fs / "old-export.bin"
    log = SessionLog(db, retry_s=0.05)
    sid = log.start_session("home", {})
    assert log.flush(timeout=10)
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)  # fill what is left, as a big recording would
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)
    i = 0
    while log.error is None and i < 200:
        i += 1
        log.record_rep(sid, make_rep(i))
        log.flush(timeout=0.3)
    assert log.error is not None and "disk is full" in log.error, log.error
    filler.unlink()
    assert log.flush(timeout=10)
    assert log.error is None and log.pending == 0
    assert log.close()
    assert rows(db, "SELECT rep_index FROM reps ORDER BY id") == [(k,) for k in range(1, i + 1)]
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]


def test_read_only_filesystem_is_refused_with_the_fix(small_fs: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(small_fs)], check=True)
    with pytest.raises(StorageError) as e:
        SessionLog(small_fs / "sessions.db")
    assert str(small_fs) in str(e.value) and "writable" in str(e.value)
