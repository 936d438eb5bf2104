"""The clinician's path and the athlete screen in a real browser (Debian's Chromium via Playwright).

One demo dashboard (``python -m device dashboard --demo``: the simulated
station with real vision feeding the station channel) and one browser serve
every test here. Every page is screenshotted into the test artefacts folder
(printed at the end of the session; ``WALLHINGE_SCREENSHOTS`` keeps them
elsewhere).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[1]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    d = Path(os.environ.get("WALLHINGE_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    d.mkdir(parents=True, exist_ok=True)
    yield d
    print(f"\nscreenshots: {d}")


@pytest.fixture(scope="module")
def demo():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (apt-get install chromium); CI installs it")
    pytest.importorskip("playwright.sync_api")
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "device", "dashboard", "--demo", "--port", str(port),
                             "--demo-speed", "2"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    info: dict = {}
    deadline = time.monotonic() + 60
    lines = []
    while time.monotonic() < deadline and not {"url", "password", "athlete"} <= set(info):
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if m := re.search(r"demo dashboard: (http://\S+)", line):
            info["url"] = m.group(1)
        if m := re.search(r"log in as: (\S+)\s+password: (\S+)", line):
            info["user"], info["password"] = m.group(1), m.group(2)
        if m := re.search(r"athlete screen: (http://\S+)", line):
            info["athlete"] = m.group(1)
    if not {"url", "password", "athlete"} <= set(info):
        proc.kill()
        pytest.fail("the demo did not start:\n" + "".join(lines))
    # Keep reading its output: a full pipe would block the server on its next log line.
    import threading

    def drain() -> None:
        for line in proc.stdout:
            lines.append(line)

    threading.Thread(target=drain, daemon=True).start()
    info["log"] = lines
    # wait until it answers
    import urllib.error
    import urllib.request

    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(info["url"] + "login", timeout=2)
            break
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    yield info
    log_file = Path(os.environ.get("WALLHINGE_SCREENSHOTS") or "/tmp") / f"demo-{port}.log"
    log_file.write_text("".join(lines))
    print(f"\ndemo dashboard output: {log_file}")
    os.killpg(proc.pid, signal.SIGINT)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@pytest.fixture(scope="module")
def browser(demo):
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    yield b
    b.close()
    pw.stop()


def test_the_clinicians_path(demo, browser, shots, tmp_path):
    from playwright.sync_api import expect

    url = demo["url"]
    ctx = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    # A page without a login is the login form (401), not the data.
    resp = page.goto(url + "live")
    assert resp.status == 401
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.screenshot(path=str(shots / "01-login.png"), full_page=True)

    page.get_by_label("User name").fill(demo["user"])
    page.get_by_label("Password").fill(demo["password"])
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(url + "live")

    # Create a patient.
    page.goto(url + "patients")
    expect(page.get_by_role("link", name="R. Okafor")).to_be_visible()  # demo patients
    page.screenshot(path=str(shots / "02-patients.png"), full_page=True)
    page.get_by_label("Name or code").fill("T-100 Browser")
    page.get_by_label("Notes").fill("created by the browser test")
    page.get_by_role("button", name="Create patient").click()
    expect(page.get_by_role("heading", name="T-100 Browser")).to_be_visible()
    pid = int(page.url.rstrip("/").rsplit("/", 1)[1])

    # Prescribe: 2 x 5, heel lift off, tempo limit 1.2 s.
    form = page.locator("#prescribe")
    form.get_by_label("Sets").fill("2")
    form.get_by_label("Reps per set").fill("5")
    form.get_by_label("heel lift").uncheck()
    form.get_by_label("Tempo limit").fill("1.2")
    form.get_by_label("Note to the patient").fill("Chest tall, slow on the way down")
    form.get_by_role("button", name="Save prescription").click()
    rx = page.locator(".rx")
    expect(rx).to_contain_text("2 sets × 5 reps")
    expect(rx).to_contain_text("Checks on: rounding, knee lock, tempo;")
    page.screenshot(path=str(shots / "03-patient-prescribed.png"), full_page=True)

    # Select the patient on the station; the live page follows the station.
    page.get_by_role("button", name="Select on the station").click()
    expect(page).to_have_url(url + "live")
    expect(page.locator("#patient")).to_have_text("At the wall: T-100 Browser", timeout=10_000)
    expect(page.locator("#target")).to_have_text("5", timeout=10_000)  # the prescription reached the station
    expect(page.locator("#conn")).to_have_text("station connected")

    # Watch reps arrive live: verdict rows, the camera view, the trace.
    expect(page.locator("#reps tbody tr").first).to_be_visible(timeout=45_000)
    first = page.locator("#reps tbody tr").first
    assert first.get_attribute("data-verdict") in {"good", "rounded", "shallow", "knee_lock", "heel_lift",
                                                   "too_fast", "unchecked"}
    # Polled from here, not with page.wait_for_function: that polls by evaluating the string inside the
    # page, which the page's own Content Security Policy (script-src 'self', no eval) rightly refuses
    # whenever the first frame has not arrived at the first look.
    deadline = time.monotonic() + 15
    while page.evaluate("document.getElementById('camera').naturalWidth") == 0:
        assert time.monotonic() < deadline, "the live page never showed a camera frame"
        page.wait_for_timeout(100)
    assert page.evaluate("document.getElementById('camera').naturalWidth") == 640
    assert page.request.get(url + "api/state").json()["live_viewers"] == 1
    page.screenshot(path=str(shots / "04-live.png"), full_page=True)

    # The set the station logged for this patient shows up in the history.
    deadline = time.monotonic() + 60
    session = None
    while time.monotonic() < deadline and session is None:
        data = page.request.get(url + "api/sessions").json()
        session = next((s for s in data["sessions"] if s["who"] == f"p{pid}" and any(st["reps"] for st in s["sets"])),
                       None)
        if session is None:
            time.sleep(1)
    assert session is not None, "no set was logged for the selected patient"

    page.goto(url + f"patients/{pid}")
    page.locator("#sessions a").first.click()
    expect(page.get_by_role("heading", name=re.compile("Session .*T-100 Browser"))).to_be_visible()
    assert page.locator("table.reps tbody tr").count() >= 1
    assert page.locator("svg.chart").count() == 2
    assert page.locator(".colourbar i").count() >= 1
    page.screenshot(path=str(shots / "05-session.png"), full_page=True)

    # The report: PDF and CSV downloads.
    page.goto(url + f"patients/{pid}")
    page.screenshot(path=str(shots / "06-patient-with-session.png"), full_page=True)
    href = page.locator("#report-pdf").get_attribute("href")
    r = page.request.get(url.rstrip("/") + href, timeout=90_000)  # a server error shows here, not as a timeout
    assert r.status == 200 and r.body()[:5] == b"%PDF-", (r.status, r.text()[:500])
    with page.expect_download(timeout=90_000) as dl:
        page.locator("#report-pdf").click()
    pdf = tmp_path / "report.pdf"
    dl.value.save_as(pdf)
    assert pdf.read_bytes()[:5] == b"%PDF-"
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(shots / "07-report")], check=True, timeout=60)
        assert list(shots.glob("07-report*.png"))
    with page.expect_download(timeout=90_000) as dl:
        page.locator("#report-csv").click()
    csv_path = tmp_path / "reps.csv"
    dl.value.save_as(csv_path)
    rows = csv_path.read_text().strip().splitlines()
    assert rows[0].startswith("patient,day,set_id") and len(rows) >= 2 and rows[1].startswith("T-100 Browser,")

    # The live view streams only while the live page is open.
    deadline = time.monotonic() + 10
    while page.request.get(url + "api/state").json()["live_viewers"] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert page.request.get(url + "api/state").json()["live_viewers"] == 0

    page.goto(url + "sessions")
    page.screenshot(path=str(shots / "08-sessions.png"), full_page=True)
    page.goto(url + "patients/1")  # a demo patient with three weeks of history
    page.screenshot(path=str(shots / "09-patient-history.png"), full_page=True)
    assert page.locator("svg.chart").count() == 2
    assert not [e for e in errors if "Content Security Policy" in e or "Uncaught" in e], errors
    ctx.close()


def test_the_athlete_screen_on_a_phone(demo, browser, shots):
    from playwright.sync_api import expect

    ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = ctx.new_page()
    page.goto(demo["athlete"])
    expect(page.locator("#count")).to_have_text(re.compile(r"^\d+$"))
    expect(page.locator("#target")).to_have_text(re.compile(r"^\d+$"), timeout=10_000)
    # a rep flashes its colour and shows the cue in words
    expect(page.locator("#cue")).not_to_have_text(re.compile(r"^\s*$"), timeout=45_000)
    assert page.locator("#flash").get_attribute("class").split()[0] in {"good", "rounded", "other"}
    page.screenshot(path=str(shots / "10-athlete-phone.png"))
    text = page.locator("body").inner_text()
    assert "T-100" not in text and "Okafor" not in text and "patient" not in text.lower()
    # An old tablet without EventSource: the polling fallback shows the same count.
    page.goto(demo["athlete"] + "?poll=1")
    expect(page.locator("#target")).to_have_text(re.compile(r"^\d+$"), timeout=10_000)
    page.screenshot(path=str(shots / "11-athlete-polling.png"))
    ctx.close()
