"""Benchmark: the dashboard's memory, and the station's frame rate with and without the live view open.

    nice .venv/bin/python scripts/bench_dashboard.py [--runs 3] [--reps 4] [--fps 30]

What runs: demo data (three patients, three weeks of sets) in a temporary
folder; the dashboard as its own process (``python -m device dashboard``), the
way the service runs it; a simulated station in this process (the synthetic
athlete through the real core and vision, as fast as it goes) serving the
station channel. Each run does one set without any viewer, then one set while
a logged-in client watches the live view (MJPEG) and the live events (SSE),
alternating which comes first.

Figures printed (medians over the runs):
- station frames a second without / with the live view (and the ratio);
- rep-to-browser latency: from the station's RepFinished to the SSE message
  arriving at the client (the brief: within half a second);
- the dashboard process's resident memory (VmRSS) after pages, the PDF report
  and the live view were served, and its peak (VmHWM); target 80 MB.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from device.core.types import RepFinished  # noqa: E402
from device.dashboard.demo import Demo, SimulatedStation  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kb(pid: int) -> tuple[int, int]:
    text = Path(f"/proc/{pid}/status").read_text()
    get = lambda k: int(re.search(rf"^{k}:\s+(\d+) kB", text, re.M).group(1))  # noqa: E731
    return get("VmRSS"), get("VmHWM")


class Client:
    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str, timeout: float = 30) -> bytes:
        with self.opener.open(self.base + path, timeout=timeout) as r:
            return r.read()

    def login(self, user: str, password: str) -> None:
        try:
            page = self.get("login").decode()
        except urllib.error.HTTPError as e:
            page = e.read().decode()
        pre = re.search(r'name="pre" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode({"name": user, "password": password, "pre": pre, "next": "/live"}).encode()
        req = urllib.request.Request(self.base + "login", data=data, headers={"Origin": self.base.rstrip("/")[:]})
        req.add_header("Origin", self.base.rstrip("/"))
        self.opener.open(req, timeout=30).read()

    def stream(self, path: str, on_chunk, stop: threading.Event) -> threading.Thread:
        def run() -> None:
            try:
                with self.opener.open(self.base + path, timeout=30) as r:
                    while not stop.is_set():
                        line = r.readline()
                        if not line:
                            break
                        on_chunk(line)
            except Exception as e:  # noqa: BLE001 - a benchmark reports, never hides
                print(f"  stream {path} ended: {e}", file=sys.stderr)

        t = threading.Thread(target=run, daemon=True)
        t.start()
        return t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--reps", type=int, default=4)
    ap.add_argument("--fps", type=float, default=30.0)
    args = ap.parse_args()

    demo = Demo()
    cfg_path = demo.folder / "wallhinge.toml"
    c = demo.config
    cfg_path.write_text(f'[station]\nplace = "clinic"\n[storage]\ndatabase = "{c.storage.database}"\n'
                        f'[dashboard]\ndatabase = "{c.dashboard.database}"\n[bus]\nsocket = "{c.bus.socket}"\n')
    port = free_port()
    dash = subprocess.Popen([sys.executable, "-m", "device", "--config", str(cfg_path), "dashboard", "--port",
                             str(port)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}/"
    station = SimulatedStation(demo.config)
    rep_times: dict[str, float] = {}

    class RepClock:
        def handle(self, e) -> None:
            if isinstance(e, RepFinished) and station.bus is not None:
                sid = station.bus.state.set_id or "-"
                rep_times[f"{station.bus.state.station_id}/{sid}/{e.rep.index}"] = time.monotonic()

    station.extra_sinks.append(RepClock())
    results = {"off": [], "on": []}
    latencies: list[float] = []
    frames_seen = []
    encode_ms: list[float] = []
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "login", timeout=2)
            except urllib.error.HTTPError:
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline or dash.poll() is not None:
                    print(dash.stdout.read() if dash.poll() is not None else "", file=sys.stderr)
                    raise SystemExit("the dashboard did not start")
                time.sleep(0.2)
                continue
            break
        client = Client(base)
        client.login(demo.user, demo.password)
        rss_start = rss_kb(dash.pid)
        # pages, the PDF and the CSV, as a clinician would open them
        for path in ("live", "patients", "patients/1", "sessions", "patients/1/report.pdf", "patients/1/report.csv"):
            client.get(path)
        print(f"dashboard pid {dash.pid}: RSS after login {rss_start[0] / 1024:.1f} MB; "
              f"after pages and the PDF {rss_kb(dash.pid)[0] / 1024:.1f} MB")
        station.run_set("clean", seed=0, speed=0, n_reps=1, fps=args.fps)  # warm-up: imports, models
        # The live view's own cost: each JPEG (overlay + encode) is timed on the channel's thread.
        encode = station.bus._encode_frame

        def timed_encode():
            t0 = time.perf_counter()
            out = encode()
            if out is not None:
                encode_ms.append(1000 * (time.perf_counter() - t0))
            return out

        station.bus.server.frame_encoder = timed_encode
        order = ["off", "on"]
        for run in range(args.runs):
            for cond in (order if run % 2 == 0 else order[::-1]):
                stop = threading.Event()
                threads = []
                got_frames = [0]
                if cond == "on":
                    def on_sse(line: bytes) -> None:
                        if line.startswith(b"data: "):
                            m = json.loads(line[6:])
                            if m.get("type") == "rep" and m.get("id") in rep_times:
                                latencies.append(time.monotonic() - rep_times[m["id"]])

                    def on_mjpeg(line: bytes) -> None:
                        if line.startswith(b"--frame"):
                            got_frames[0] += 1

                    threads = [client.stream("live/events", on_sse, stop), client.stream("live/video.mjpg", on_mjpeg, stop)]
                    time.sleep(1.0)  # the view is open before the set starts
                res = station.run_set("clean", seed=run, speed=0, n_reps=args.reps, fps=args.fps)
                fps = res.frames / res.wall_s
                results[cond].append(fps)
                if cond == "on":
                    time.sleep(0.5)
                    frames_seen.append(got_frames[0])
                    stop.set()
                print(f"run {run + 1} live view {cond:3s}: {res.frames} frames in {res.wall_s:.1f} s = {fps:.1f} fps"
                      + (f"; the viewer got {got_frames[0]} JPEGs" if cond == "on" else ""))
                time.sleep(1.0)  # let a closed view stop its frames
        rss_end, hwm = rss_kb(dash.pid)
    finally:
        station.close()
        dash.terminate()
        try:
            dash.wait(10)
        except subprocess.TimeoutExpired:
            dash.kill()
        demo.stop()
    off, on = statistics.median(results["off"]), statistics.median(results["on"])
    print()
    print(f"station frame rate, median of {args.runs} runs ({args.reps} reps, 640x480 @ {args.fps:g} fps source, "
          f"as fast as it goes): without live view {off:.1f} fps, with live view {on:.1f} fps "
          f"(ratio {on / off:.2f}); ranges {min(results['off']):.0f}-{max(results['off']):.0f} and "
          f"{min(results['on']):.0f}-{max(results['on']):.0f} fps")
    if encode_ms:
        per = statistics.median(encode_ms)
        fps_view = demo.config.bus.frame_fps
        print(f"live view cost on the station: median {per:.1f} ms per JPEG (overlay + encode, {len(encode_ms)} frames) "
              f"x {fps_view:g} a second = {per * fps_view / 10:.1f}% of one core, only while a view is open")
    if latencies:
        print(f"rep to browser (SSE) latency: median {1000 * statistics.median(latencies):.0f} ms, "
              f"max {1000 * max(latencies):.0f} ms over {len(latencies)} reps (target 500 ms)")
    print(f"dashboard RSS at the end {rss_end / 1024:.1f} MB, peak {hwm / 1024:.1f} MB (target 80 MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
