"""``python -m device fleet --mqtt URL``: every station on a broker, live, in a terminal.

Listens to ``wallhinge/+/availability``, ``wallhinge/+/state`` and
``wallhinge/+/rep`` (retained availability and state arrive at once, so a
station that is already running shows up straight away) and redraws one table
a second: station, online or offline, set, count/target, last verdict, last
rep's measures, faults. Plain text and ANSI clear-screen, no curses.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, TextIO

from .net.topics import ROOT, station_of


@dataclass
class StationView:
    station_id: str
    availability: str = "?"
    state: dict = field(default_factory=dict)
    last_rep: dict = field(default_factory=dict)
    reps_seen: int = 0
    seen_at: float = 0.0


class Fleet:
    """What the broker says about each station; fed by MQTT messages (any thread)."""

    def __init__(self) -> None:
        self.stations: dict[str, StationView] = {}
        self._lock = threading.Lock()

    def feed(self, topic: str, payload: bytes) -> None:
        where = station_of(topic)
        if where is None:
            return
        sid, rest = where
        if rest not in ("availability", "state", "rep"):
            return
        text = payload.decode("utf-8", "replace").strip()
        with self._lock:
            v = self.stations.setdefault(sid, StationView(sid))
            v.seen_at = time.time()
            if rest == "availability":
                v.availability = text or "?"
                return
            try:
                data = json.loads(text) if text else {}
            except json.JSONDecodeError:
                return  # not ours to judge; the table shows what is known
            if not isinstance(data, dict):
                return
            if rest == "state":
                v.state = data
            else:
                v.last_rep = data
                v.reps_seen += 1

    def table(self) -> str:
        with self._lock:
            views = sorted(self.stations.values(), key=lambda v: v.station_id)
            return render_table(views)


def _deg(x) -> str:
    return "-" if x is None else f"{x:.0f}°"


def render_table(views: list[StationView]) -> str:
    head = ("STATION", "STATUS", "SET", "COUNT", "LAST VERDICT", "TRUNK", "ROUNDING", "PERSON", "FAULTS")
    rows = []
    for v in views:
        s, r = v.state, v.last_rep
        if s.get("set_active"):
            set_text = "running"
        elif s:
            set_text = "idle"
        else:
            set_text = "-"
        count = f"{s.get('count', '-')}/{s.get('target', '-')}" if s else "-"
        rows.append((
            v.station_id,
            v.availability,
            set_text,
            count,
            s.get("last_verdict") or "-",
            _deg(r.get("trunk_inclination_deg")),
            _deg(r.get("rounding_deg")),
            ("yes" if s.get("person_present") else "no") if s else "-",
            ", ".join(s.get("faults") or []) or "none" if s else "-",
        ))
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    lines = ["  ".join(str(x).ljust(w) for x, w in zip(row, widths)).rstrip() for row in [head, *rows]]
    if not rows:
        lines.append(f"(no station on this broker yet: waiting for {ROOT}/+/availability)")
    return "\n".join(lines)


def run_fleet(config, *, url: Optional[str] = None, duration: Optional[float] = None,
              out: TextIO = sys.stdout, interval: float = 1.0) -> int:
    """Show the fleet until Ctrl-C (or ``duration``); 1 with a clear message if the broker cannot be used."""
    from .net.mqtt import NetError, credentials, explain_refusal, make_client
    from .net.url import parse_url

    text = url or config.mqtt.url
    if not text:
        print("error: no broker: give --mqtt mqtt://host:1883 or set [mqtt] url in the config", file=sys.stderr)
        return 2
    try:
        broker = parse_url(text)
    except ValueError as e:
        print(f"error: --mqtt: {e}", file=sys.stderr)
        return 2
    fleet = Fleet()
    problem: dict[str, Optional[str]] = {"error": None}
    connected = threading.Event()

    def on_error(msg: str) -> None:
        problem["error"] = msg

    try:
        username, password = credentials(config.mqtt, broker)
        import os

        client = make_client(broker, client_id=f"wallhinge-fleet-{os.getpid()}", username=username,
                             password=password, ca_file=Path(config.mqtt.ca_file) if config.mqtt.ca_file else None, on_error=on_error)
    except NetError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2

    def on_connect(c, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            problem["error"] = explain_refusal(reason_code, broker)
            c.disconnect()
            return
        c.subscribe([(f"{ROOT}/+/availability", 1), (f"{ROOT}/+/state", 1), (f"{ROOT}/+/rep", 1)])
        connected.set()

    client.on_connect = on_connect
    client.on_message = lambda c, u, m: fleet.feed(m.topic, bytes(m.payload))
    try:
        client.connect(broker.host, broker.port, keepalive=30)
    except OSError as e:
        from .net.mqtt import explain_connect_error

        print(f"error: {explain_connect_error(e, broker)}", file=sys.stderr)
        return 1
    client.loop_start()
    tty = out.isatty()
    end = None if duration is None else time.monotonic() + duration
    try:
        deadline = time.monotonic() + 10
        while not connected.is_set():
            if problem["error"] is not None:
                print(f"error: {problem['error']}", file=sys.stderr)
                return 1
            if time.monotonic() > deadline:
                print(f"error: no answer from the broker at {broker.host}:{broker.port} within 10 s", file=sys.stderr)
                return 1
            time.sleep(0.05)
        while True:
            body = fleet.table()
            stamp = time.strftime("%H:%M:%S")
            header = f"WallHinge fleet on {broker.display()}  {stamp}  ({len(fleet.stations)} station(s))"
            if tty:
                out.write("\x1b[H\x1b[2J" + header + "\n\n" + body + "\n")
            elif end is None or time.monotonic() >= end:
                out.write(header + "\n" + body + "\n\n")
            out.flush()
            if end is not None and time.monotonic() >= end:
                return 0
            time.sleep(interval if end is None else max(0.0, min(interval, end - time.monotonic())))
    except KeyboardInterrupt:
        return 0
    finally:
        client.disconnect()
        client.loop_stop()
