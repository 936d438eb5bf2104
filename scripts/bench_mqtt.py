"""What the MQTT link costs the station, and how fast it delivers (medians over several runs).

    nice .venv/bin/python scripts/bench_mqtt.py [--runs 5]

Starts its own mosquitto on a free 127.0.0.1 port (password required) and prints:

- the time the station's thread spends in ``MqttLink.handle`` per finished rep,
  with the broker up and with the broker unreachable (the counting must not care);
- rep latency: from ``handle`` to a subscriber on the same broker receiving it;
- catch-up: reps that piled up in the outbox while the broker was away,
  delivered when it comes back (reps per second).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import paho.mqtt.client as mqtt  # noqa: E402
from paho.mqtt.enums import CallbackAPIVersion  # noqa: E402

from device.config import parse_config  # noqa: E402
from device.core.types import Rep, RepFinished, SetStarted, Verdict  # noqa: E402
from device.net.mqtt import MqttLink  # noqa: E402

USER, PW = "bench", "bench-pw"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_broker(d: Path, port: int) -> subprocess.Popen:
    import getpass

    pw = d / "passwd"
    subprocess.run(["mosquitto_passwd", "-b", "-c", str(pw), USER, PW], check=True, capture_output=True)
    os.chmod(d, 0o755)
    os.chmod(pw, 0o644)
    (d / "m.conf").write_text(f"user {getpass.getuser()}\nallow_anonymous false\npassword_file {pw}\n"
                              f"listener {port} 127.0.0.1\n")
    mosq = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    p = subprocess.Popen([mosq, "-c", str(d / "m.conf")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(250):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return p
        except OSError:
            time.sleep(0.02)
    raise SystemExit("mosquitto did not start")


def rep_event(set_no: int, i: int) -> RepFinished:
    rep = Rep(index=i, start_s=3.0 * i, bottom_s=3.0 * i + 1, end_s=3.0 * i + 2, contact=True, verdict=Verdict.GOOD,
              trunk_inclination_deg=48.0, rounding_deg=2.0, knee_angle_deg=160.0)
    return RepFinished(3.0 * i + 2, rep, i, 20)


class Consumer:
    def __init__(self, port: int) -> None:
        self.times: dict[str, float] = {}
        self.cond = threading.Condition()
        self.c = mqtt.Client(CallbackAPIVersion.VERSION2)
        self.c.username_pw_set(USER, PW)
        ready = threading.Event()
        self.c.on_connect = lambda c, u, f, rc, p: c.subscribe("wallhinge/+/rep", qos=1)
        self.c.on_subscribe = lambda *a: ready.set()
        self.c.on_message = self._msg
        self.c.connect("127.0.0.1", port)
        self.c.loop_start()
        ready.wait(5)

    def _msg(self, c, u, m) -> None:
        t = time.perf_counter()
        with self.cond:
            self.times.setdefault(json.loads(m.payload)["id"], t)
            self.cond.notify_all()

    def wait_for(self, n: int, timeout: float = 30) -> None:
        with self.cond:
            self.cond.wait_for(lambda: len(self.times) >= n, timeout)

    def close(self) -> None:
        self.c.disconnect()
        self.c.loop_stop()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--reps", type=int, default=200, help="reps per run")
    args = ap.parse_args()
    if shutil.which("mosquitto_passwd") is None:
        print("needs mosquitto (apt-get install mosquitto mosquitto-clients)", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="bench-mqtt-"))
    port = free_port()
    broker = start_broker(tmp, port)
    mc = parse_config({"mqtt": {"discovery": False}}).mqtt
    url = f"mqtt://{USER}:{PW}@127.0.0.1:{port}"
    handle_up, handle_down, latency, catchup = [], [], [], []
    try:
        for run in range(args.runs):
            # broker up: handle() cost and delivery latency
            consumer = Consumer(port)
            link = MqttLink(mc, station_id=f"up{run}", url=url, outbox=tmp / f"up{run}.db").start()
            link.wait_connected(5)
            link.handle(SetStarted(0.0, 1))
            costs = []
            for i in range(1, args.reps + 1):  # a burst: what handle() costs the station's thread
                t0 = time.perf_counter()
                link.handle(rep_event(1, i))
                costs.append(time.perf_counter() - t0)
            consumer.wait_for(args.reps)
            handle_up.append(statistics.median(costs) * 1e6)
            link.handle(SetStarted(100.0, 2))
            sent: dict[int, float] = {}
            for i in range(1, 41):  # spaced reps (50 ms apart; a person needs 2-4 s): delivery latency
                sent[i] = time.perf_counter()
                link.handle(rep_event(2, i))
                time.sleep(0.05)
            consumer.wait_for(args.reps + 40)
            lat = [t - sent[int(k.rsplit("/", 1)[1])] for k, t in consumer.times.items() if k.split("/")[1].endswith("-2")]
            latency.append(statistics.median(lat) * 1e3)
            link.close()
            consumer.close()

            # broker unreachable: handle() cost, reps into the outbox; then the broker appears: catch-up
            port2 = free_port()
            box = tmp / f"down{run}.db"
            link = MqttLink(mc, station_id=f"down{run}", url=f"mqtt://{USER}:{PW}@127.0.0.1:{port2}",
                            outbox=box).start()
            link.handle(SetStarted(0.0, 1))
            costs = []
            for i in range(1, args.reps + 1):
                t0 = time.perf_counter()
                link.handle(rep_event(1, i))
                costs.append(time.perf_counter() - t0)
            handle_down.append(statistics.median(costs) * 1e6)
            while link.pending() < args.reps:
                time.sleep(0.01)
            link.close(timeout=0.1)
            d2 = tmp / f"b{run}"
            d2.mkdir()
            b2 = start_broker(d2, port2)
            consumer = Consumer(port2)
            t0 = time.perf_counter()
            link = MqttLink(mc, station_id=f"down{run}", url=f"mqtt://{USER}:{PW}@127.0.0.1:{port2}",
                            outbox=box).start()
            consumer.wait_for(args.reps)
            catchup.append(args.reps / (time.perf_counter() - t0))
            link.close()
            consumer.close()
            b2.terminate()
            b2.wait(5)
    finally:
        broker.terminate()
        broker.wait(5)
        shutil.rmtree(tmp, ignore_errors=True)

    def line(name: str, xs: list[float], unit: str) -> None:
        print(f"{name:58s} median {statistics.median(xs):8.1f} {unit}   (runs: {', '.join(f'{x:.1f}' for x in xs)})")

    print(f"MQTT link, {args.runs} runs x {args.reps} reps, mosquitto on loopback")
    line("station thread per rep in handle(), broker up", handle_up, "µs")
    line("station thread per rep in handle(), broker unreachable", handle_down, "µs")
    line("rep latency, handle() to a subscriber (reps 50 ms apart)", latency, "ms")
    line("catch-up from the outbox after an outage", catchup, "reps/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
