"""The dashboard's security and data, through Starlette's test client (no browser, no station).

Each refusal the product brief asks for has its test here: no data without a
login, CSRF on every change, the login rate limit, cookie flags, hashed
passwords, no default password, the athlete screen's secret link and its
lack of patient data, gym and home stations.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from device.core.types import Rep, Verdict
from device.dashboard import auth
from device.dashboard.app import Settings, create_app
from device.dashboard.clinic import ClinicDB
from device.dashboard.history import History, trend
from device.storage import SessionLog

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "a long enough password"
HOST = "http://testserver"


@pytest.fixture(scope="module")
def pw_hash() -> str:
    return auth.hash_password(PASSWORD)  # 600k iterations: once per module


def _rep(i: int, verdict: Verdict, rounding: float) -> Rep:
    return Rep(index=i, start_s=i * 4.0, bottom_s=i * 4.0 + 1.5, end_s=i * 4.0 + 3.0, contact=True, verdict=verdict,
               faults=[] if verdict is Verdict.GOOD else [verdict], trunk_inclination_deg=42.0, rounding_deg=rounding,
               knee_angle_deg=160.0, heel_lift=0.0, seen_fraction=1.0)


def _log(path: Path, sets: list[tuple[str, str, list[Rep]]]) -> None:
    stamp = {"now": ""}
    with SessionLog(path, clock=lambda: stamp["now"]) as log:
        for started, label, reps in sets:
            stamp["now"] = started
            sid = log.start_session("clinic", {"station": {"target_reps": 10}}, label=label)
            for r in reps:
                log.record_rep(sid, r)
            log.end_session(sid, sum(r.counted for r in reps))


def _app(tmp_path: Path, pw_hash: str, place: str = "clinic", users: int = 1):
    s = Settings(place=place, clinic_db=tmp_path / "clinic.db", session_log=tmp_path / "sessions.db",
                 socket=tmp_path / "none.sock")
    db = ClinicDB(s.clinic_db)
    for i in range(users):
        db.add_user("physio" if i == 0 else f"u{i}", pw_hash)
    pid = db.add_patient("J. Smith", "knee")
    db.prescribe(pid, sets=2, reps=10, days_per_week=7, checks={"rounding": True, "tempo": True}, min_rep_s=1.2,
                 rounding_deg=10)
    db.close()
    today = date.today().isoformat()
    _log(s.session_log, [
        (f"{today}T09:00:00.000+00:00", f"patient:{pid}",
         [_rep(1, Verdict.GOOD, 3.0), _rep(2, Verdict.ROUNDED, 14.0), _rep(3, Verdict.TOO_FAST, 4.0)]),
        (f"{today}T09:05:00.000+00:00", None, [_rep(1, Verdict.GOOD, 2.0)]),
    ])
    return create_app(s), pid


def _login(c: TestClient, name: str = "physio", password: str = PASSWORD):
    page = c.get("/login")
    pre = re.search(r'name="pre" value="([^"]+)"', page.text).group(1)
    return c.post("/login", data={"name": name, "password": password, "pre": pre, "next": "/patients"},
                  headers={"Origin": HOST}, follow_redirects=False)


def _csrf(c: TestClient, path: str = "/patients") -> str:
    return re.search(r'name="csrf" value="([^"]+)"', c.get(path).text).group(1)


@pytest.fixture
def client(tmp_path, pw_hash):
    app, pid = _app(tmp_path, pw_hash)
    with TestClient(app, base_url=HOST) as c:
        c.pid = pid
        yield c


# ------------------------------------------------------------------ passwords


def test_passwords_are_pbkdf2_sha256_with_600k_iterations_and_salted(pw_hash):
    algo, iters, salt, _ = pw_hash.split("$")
    assert algo == "pbkdf2_sha256" and int(iters) >= 600_000
    assert PASSWORD not in pw_hash
    assert auth.verify_password(PASSWORD, pw_hash)
    assert not auth.verify_password(PASSWORD + "x", pw_hash)
    assert auth.hash_password(PASSWORD, iterations=1000).split("$")[2] != salt  # a new salt each time
    with pytest.raises(auth.PasswordError, match="at least 10"):
        auth.hash_password("short")


# ------------------------------------------------------------------ no data without a login

DATA_GETS = ["/api/sessions", "/api/state", "/live/events", "/live/video.mjpg", "/patients/1/report.pdf",
             "/patients/1/report.csv"]
PAGE_GETS = ["/", "/live", "/patients", "/patients/1", "/sessions", f"/sessions/{date.today()}/p1"]
POSTS = ["/patients", "/patients/1", "/patients/1/prescription", "/patients/1/select", "/live/command", "/logout"]


@pytest.mark.parametrize("path", DATA_GETS)
def test_every_data_route_answers_401_without_a_login(client, path):
    r = client.get(path)
    assert r.status_code == 401 and r.json() == {"error": "log in first"}


@pytest.mark.parametrize("path", PAGE_GETS)
def test_every_page_answers_401_with_the_login_form_and_no_data(client, path):
    r = client.get(path)
    assert r.status_code == 401
    assert 'action="/login"' in r.text and "J. Smith" not in r.text


@pytest.mark.parametrize("path", POSTS)
def test_every_change_answers_401_without_a_login(client, path):
    r = client.post(path, data={"code": "X"}, headers={"Origin": HOST})
    assert r.status_code == 401


def test_a_forged_cookie_is_no_login(client):
    client.cookies.set("wh_session", auth.new_token())
    assert client.get("/api/sessions").status_code == 401


# ------------------------------------------------------------------ logging in


def test_login_sets_a_strict_httponly_cookie_and_opens_the_data(client):
    r = _login(client)
    assert r.status_code == 303 and r.headers["location"] == "/patients"
    cookie = r.headers["set-cookie"]
    assert "wh_session=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    data = client.get("/api/sessions").json()
    assert [len(s["sets"]) for s in data["sessions"]] == [1, 1]
    assert "J. Smith" in client.get("/patients").text


def test_a_wrong_password_is_refused(client):
    r = _login(client, password="not the password at all")
    assert r.status_code == 401 and "Wrong user name or password" in r.text
    assert client.get("/api/sessions").status_code == 401


def test_logins_are_rate_limited_per_name_even_with_the_right_password_then(client):
    for _ in range(5):
        assert _login(client, password="wrong password!").status_code == 401
    r = _login(client)
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 60
    assert "Too many failed logins" in r.text
    assert client.get("/api/sessions").status_code == 401


def test_the_rate_limit_covers_unknown_names_from_one_address(client):
    for i in range(5):
        _login(client, name=f"guess{i}", password="wrong password!")
    assert _login(client).status_code == 429  # same client address


def test_a_login_post_without_the_form_token_is_refused(client):
    r = client.post("/login", data={"name": "physio", "password": PASSWORD}, headers={"Origin": HOST},
                    follow_redirects=False)
    assert r.status_code == 403


def test_logout_ends_the_login_on_the_server(client):
    _login(client)
    token = client.cookies.get("wh_session")
    csrf = _csrf(client)
    assert client.post("/logout", data={"csrf": csrf}, headers={"Origin": HOST},
                       follow_redirects=False).status_code == 303
    client.cookies.set("wh_session", token)  # a stolen copy of the cookie no longer works
    assert client.get("/api/sessions").status_code == 401


# ------------------------------------------------------------------ CSRF


def test_a_change_without_the_csrf_token_is_refused(client):
    _login(client)
    r = client.post("/patients", data={"code": "Mallory"}, headers={"Origin": HOST})
    assert r.status_code == 403 and "CSRF" in r.json()["error"]
    r = client.post("/patients", data={"code": "Mallory", "csrf": "guess"}, headers={"Origin": HOST})
    assert r.status_code == 403
    r = client.post("/live/command", json={"cmd": "start"}, headers={"Origin": HOST})
    assert r.status_code == 403
    assert "Mallory" not in client.get("/patients").text


def test_a_change_from_another_site_is_refused_even_with_the_token(client):
    _login(client)
    csrf = _csrf(client)
    r = client.post("/patients", data={"code": "Mallory", "csrf": csrf}, headers={"Origin": "http://evil.example"})
    assert r.status_code == 403
    assert "Mallory" not in client.get("/patients").text


def test_patients_and_prescriptions_with_the_token(client):
    _login(client)
    csrf = _csrf(client)
    r = client.post("/patients", data={"code": "A. New", "notes": "n", "csrf": csrf}, headers={"Origin": HOST},
                    follow_redirects=False)
    assert r.status_code == 303
    pid = int(r.headers["location"].rsplit("/", 1)[1])
    r = client.post(f"/patients/{pid}/prescription", headers={"Origin": HOST}, follow_redirects=False, data={
        "csrf": csrf, "sets": "3", "reps": "8", "days_per_week": "4", "check_rounding": "on", "min_rep_s": "1.5",
        "rounding_deg": "12", "note": "slow down"})
    assert r.status_code == 303
    page = client.get(f"/patients/{pid}").text
    assert "3 sets × 8 reps" in page and "Checks on: rounding;" in page and "slow down" in page
    # a bad value is refused with a reason and changes nothing
    r = client.post(f"/patients/{pid}/prescription", headers={"Origin": HOST}, data={
        "csrf": csrf, "sets": "3", "reps": "800", "days_per_week": "4", "min_rep_s": "1", "rounding_deg": "12"})
    assert r.status_code == 400 and "reps per set must be from 1 to 200" in r.text
    # the station is not running: selecting says so
    r = client.post(f"/patients/{pid}/select", data={"csrf": csrf}, headers={"Origin": HOST})
    assert r.status_code == 400 and "not connected" in r.text
    r = client.post(f"/patients/{pid}", data={"csrf": csrf, "action": "archive"}, headers={"Origin": HOST})
    assert "A. New" not in client.get("/patients").text and "A. New" in client.get("/patients?archived=1").text


def test_sessions_and_reports_for_a_patient(client):
    _login(client)
    page = client.get(f"/sessions/{date.today()}/p{client.pid}").text
    assert page.count('class="pill v-') == 3 and page.count("<svg") == 2
    assert "too fast" in page and "rounded" in page
    r = client.get(f"/patients/{client.pid}/report.csv")
    lines = r.text.strip().splitlines()
    assert r.headers["content-type"].startswith("text/csv") and len(lines) == 4
    assert lines[0].startswith("patient,day,set_id") and ",rounded," in lines[2]
    r = client.get(f"/patients/{client.pid}/report.pdf")
    assert r.status_code == 200 and r.content[:5] == b"%PDF-"
    assert "attachment" in r.headers["content-disposition"]


def test_a_rounding_near_the_limit_its_set_ran_with_is_marked_for_the_physio(tmp_path, pw_hash):
    """A rep whose rounding read within 3 deg of the limit is marked "near limit": judged against the limit in
    the settings that set ran with (a patient's limit changed later does not move an old set's marks); a set
    that did not judge rounding marks nothing. The CSV report carries the same mark per rep."""
    s = Settings(place="clinic", clinic_db=tmp_path / "clinic.db", session_log=tmp_path / "sessions.db",
                 socket=tmp_path / "none.sock")
    db = ClinicDB(s.clinic_db)
    db.add_user("physio", pw_hash)
    pid = db.add_patient("J. Smith", "knee")
    db.close()
    today = date.today().isoformat()
    stamp = {"now": ""}
    with SessionLog(s.session_log, clock=lambda: stamp["now"]) as log:
        for minute, settings, reps in [
            (0, {"thresholds": {"rounding_deg": 10.0}}, [_rep(1, Verdict.GOOD, 8.5), _rep(2, Verdict.ROUNDED, 14.0),
                                                         _rep(3, Verdict.ROUNDED, 11.0), _rep(4, Verdict.GOOD, 2.0)]),
            (5, {"thresholds": {"rounding_deg": 15.0}}, [_rep(1, Verdict.GOOD, 14.0), _rep(2, Verdict.GOOD, 8.5)]),
            (10, {"checks": {"rounding": False}}, [_rep(1, Verdict.GOOD, 10.0)]),
        ]:
            stamp["now"] = f"{today}T09:{minute:02d}:00.000+00:00"
            sid = log.start_session("clinic", {"station": {"target_reps": 10}, **settings}, label=f"patient:{pid}")
            for r in reps:
                log.record_rep(sid, r)
            log.end_session(sid, sum(r.counted for r in reps))
    sets = sorted(History(s.session_log).sets(), key=lambda x: x.started_at)
    assert [[r["near_limit"] for r in st.reps] for st in sets] == [
        [["rounding"], [], ["rounding"], []], [["rounding"], []], [[]]]
    with TestClient(create_app(s), base_url=HOST) as c:
        _login(c)
        page = c.get(f"/sessions/{today}/p{pid}").text
        rows = re.findall(r"<tr><td>\d+</td>.*?</tr>", page, re.S)
        assert len(rows) == 7
        assert ['class="near"' in row for row in rows] == [True, False, True, False, True, False, False]
        assert "near limit</span> rounding within 3° of the set's limit" in page
        rows = list(csv.DictReader(io.StringIO(c.get(f"/patients/{pid}/report.csv").text)))
    assert [r["rounding_near_limit"] for r in rows] == ["true", "false", "true", "false", "true", "false", "false"]


# ------------------------------------------------------------------ the athlete screen


def test_the_athlete_screen_needs_its_link_and_shows_no_patient_data(client, tmp_path):
    assert client.get("/athlete/wrong-token").status_code == 404
    assert client.get("/athlete/wrong-token/state").status_code == 404
    token = ClinicDB(tmp_path / "clinic.db").athlete_token()
    r = client.get(f"/athlete/{token}")
    assert r.status_code == 200 and 'id="count"' in r.text and "J. Smith" not in r.text
    state = client.get(f"/athlete/{token}/state").json()
    assert set(state["state"]) <= {"type", "count", "target", "set_active", "last_verdict", "last_cue",
                                   "person_present", "connected"}


def test_the_athlete_link_can_be_renewed_and_the_old_one_stops(client, tmp_path):
    old = ClinicDB(tmp_path / "clinic.db").athlete_token()
    assert client.post("/athlete-link", headers={"Origin": HOST}).status_code == 401
    _login(client)
    csrf = _csrf(client, "/live")
    assert client.post("/athlete-link", data={"csrf": "x"}, headers={"Origin": HOST}).status_code == 403
    r = client.post("/athlete-link", data={"csrf": csrf}, headers={"Origin": HOST}, follow_redirects=False)
    assert r.status_code == 303
    new = ClinicDB(tmp_path / "clinic.db").athlete_token()
    assert new != old and new in client.get("/live").text
    assert client.get(f"/athlete/{old}").status_code == 404 and client.get(f"/athlete/{new}").status_code == 200


def test_login_never_redirects_to_another_site(client):
    for evil in ("//evil.example/", "/\\evil.example/", "http://evil.example/"):
        client.cookies.clear()
        pre = re.search(r'name="pre" value="([^"]+)"', client.get("/login").text).group(1)
        r = client.post("/login", data={"name": "physio", "password": PASSWORD, "pre": pre, "next": evil},
                        headers={"Origin": HOST}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/"


def test_security_headers(client):
    r = client.get("/login")
    assert r.headers["x-frame-options"] == "DENY"
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"


# ------------------------------------------------------------------ gym and home


def test_a_gym_station_has_no_patients_but_shows_anonymous_sets(tmp_path, pw_hash):
    app, _ = _app(tmp_path, pw_hash, place="gym")
    with TestClient(app, base_url=HOST) as c:
        _login(c)
        assert c.get("/patients").status_code == 404
        assert "anonymous" in c.get("/sessions").text
        csrf = _csrf(c, "/live")
        r = c.post("/live/command", json={"cmd": "patient", "value": 1}, headers={"X-CSRF-Token": csrf, "Origin": HOST})
        assert r.status_code == 400 and "gym station has no patients" in r.json()["error"]


def _cli(*args, cfg: Path, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "device", "--config", str(cfg), *args], capture_output=True,
                          text=True, input=stdin, timeout=60, cwd=ROOT)


def test_no_default_password_and_one_user_at_home(tmp_path):
    cfg = tmp_path / "wallhinge.toml"
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cfg.write_text(f'[station]\nplace = "home"\n[dashboard]\ndatabase = "{tmp_path / "clinic.db"}"\nport = {port}\n')
    r = _cli("dashboard", cfg=cfg)
    assert r.returncode == 2 and "no dashboard user yet" in r.stderr and "user add" in r.stderr
    pw = tmp_path / "pw"
    pw.write_text("short\n")
    r = _cli("user", "add", "me", "--password-file", str(pw), cfg=cfg)
    assert r.returncode == 2 and "at least 10" in r.stderr
    pw.write_text(PASSWORD + "\n")
    assert _cli("user", "add", "me", "--password-file", str(pw), cfg=cfg).returncode == 0
    r = _cli("user", "add", "partner", "--password-file", str(pw), cfg=cfg)
    assert r.returncode == 2 and "home unit has one user" in r.stderr
    stored = ClinicDB(tmp_path / "clinic.db").user_by_name("me")["pw_hash"]
    assert auth.verify_password(PASSWORD, stored) and PASSWORD not in stored


# ------------------------------------------------------------------ trends and the PDF


def test_adherence_is_days_trained_against_days_prescribed(tmp_path):
    today = date.today()
    sets = []
    for back in (0, 1, 1, 3):  # three distinct days, one with two sets
        day = (today - timedelta(days=back)).isoformat()
        sets.append((f"{day}T10:00:00.000+00:00", "patient:1", [_rep(1, Verdict.GOOD, 2.0), _rep(2, Verdict.ROUNDED, 15.0)]))
    _log(tmp_path / "s.db", sets)
    sessions = History(tmp_path / "s.db").sessions(label="patient:1")
    assert len(sessions) == 3 and [len(s.sets) for s in sessions] == [1, 2, 1]
    tr = trend(sessions, today - timedelta(days=6), today, days_per_week=5)
    assert (tr.days_trained, tr.days_prescribed) == (3, 5) and tr.adherence == pytest.approx(0.6)
    assert tr.good_share == [0.5, 0.5, 0.5] and tr.rounding == [8.5, 8.5, 8.5]
    # prescribed two days ago: only those days count, trained and prescribed
    tr = trend(sessions, today - timedelta(days=6), today, days_per_week=7, prescribed_since=today - timedelta(days=1))
    assert (tr.days_trained, tr.days_prescribed) == (2, 2)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (apt poppler-utils) not installed")
def test_the_pdf_report_renders_to_pages_with_plots(client, tmp_path):
    from PIL import Image

    _login(client)
    pdf = client.get(f"/patients/{client.pid}/report.pdf").content
    (tmp_path / "r.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(tmp_path / "r.pdf"), str(tmp_path / "page")], check=True,
                   timeout=60)
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) >= 1
    px: set = set()
    for page in pages:
        img = Image.open(page).convert("RGB")
        colours = img.getcolors(1 << 20)
        assert img.size[0] > 250 and len(colours) > 20  # text, grid and bars: no blank page
        px |= set(c for _, c in colours)
    # the per-rep chart's verdict colours are there (green good and red rounded bars)
    near = lambda target: any(sum(abs(a - b) for a, b in zip(p, target)) < 40 for p in px)  # noqa: E731
    assert near((0x2E, 0x9E, 0x44)) and near((0xD9, 0x30, 0x25))


# ------------------------------------------------------------------ the station channel


def test_the_dashboard_follows_the_station_going_away_and_coming_back(tmp_path, pw_hash):
    import os
    import time

    from device.bus import BusServer, encode

    sock = Path("/tmp") / f"wh-dash-{os.getpid()}.sock"
    s = Settings(place="clinic", clinic_db=tmp_path / "clinic.db", session_log=tmp_path / "none.db", socket=sock)
    ClinicDB(s.clinic_db).add_user("physio", pw_hash)

    def station(count: int) -> BusServer:
        return BusServer(sock, group=None, greeting=lambda: [encode("state", {"count": count, "target": 9})]).start()

    def wait(c, pred) -> dict:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            snap = c.get("/api/state").json()
            if pred(snap):
                return snap
            time.sleep(0.1)
        raise AssertionError(snap)

    srv = station(3)
    try:
        with TestClient(create_app(s), base_url=HOST) as c:
            _login(c)
            assert wait(c, lambda d: d["connected"])["state"]["count"] == 3
            srv.close()  # the station stops: the dashboard says so and keeps serving
            wait(c, lambda d: not d["connected"])
            assert c.get("/sessions").status_code == 200
            srv = station(4)  # and picks it up again by itself
            assert wait(c, lambda d: d["connected"] and d["state"].get("count") == 4)
    finally:
        srv.close()


def test_a_damaged_session_log_is_named_on_the_page_not_a_traceback(tmp_path, pw_hash):
    s = Settings(place="clinic", clinic_db=tmp_path / "clinic.db", session_log=tmp_path / "sessions.db",
                 socket=tmp_path / "none.sock")
    ClinicDB(s.clinic_db).add_user("physio", pw_hash)
    s.session_log.write_bytes(b"this is not a database" * 100)
    with TestClient(create_app(s), base_url=HOST) as c:
        _login(c)
        r = c.get("/sessions")
        assert r.status_code == 200 and "History unavailable" in r.text and str(s.session_log) in r.text
    assert s.session_log.read_bytes().startswith(b"this is not")  # never written over


def test_the_demo_stops_on_sigterm_and_removes_its_folder():
    import os
    import signal
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    p = subprocess.Popen([sys.executable, "-m", "device", "dashboard", "--demo", "--port", str(port)], cwd=ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        out, folder = [], None
        while folder is None:
            line = p.stdout.readline()
            assert line, "".join(out)
            out.append(line)
            if m := re.search(r"demo data in (\S+)", line):
                folder = Path(m.group(1))
        assert (folder / "clinic.db").exists() and (folder / "sessions.db").exists()
        import time
        import urllib.request

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # until the server answers
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/athlete/x", timeout=1)
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(0.2)
        p.send_signal(signal.SIGTERM)
        rc = p.wait(20)
        assert rc == 128 + signal.SIGTERM, "".join(out) + p.stdout.read()
        assert not folder.exists()  # the demo's data goes with it
    finally:
        if p.poll() is None:
            os.kill(p.pid, signal.SIGKILL)
            p.wait()


def test_stopping_the_demo_ends_its_set_midway_and_leaves_no_station_running(tmp_path):
    """Stop ends the simulated set at its next frame and waits for the station to close:
    a station thread left running into interpreter exit could abort the process."""
    import time

    from device.dashboard.demo import Demo

    demo = Demo(speed=1.0, folder=tmp_path / "demo")
    demo.start()
    try:
        deadline = time.monotonic() + 30
        while not (tmp_path / "demo" / "station.sock").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert (tmp_path / "demo" / "station.sock").exists(), "the demo's station never opened its channel"
        assert demo.running
        t = time.monotonic()
        demo.stop()
        assert time.monotonic() - t < 5  # a set of five reps in real time would take about half a minute
        assert not demo.running
        assert not (tmp_path / "demo").exists()
    finally:
        demo.stop()
