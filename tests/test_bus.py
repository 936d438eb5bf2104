"""The station's local channel (device/bus.py): what the dashboard reads, what it may send."""

from __future__ import annotations

import base64
import os
import socket
import stat
import time
from pathlib import Path

import pytest

from device.bus import BusClient, BusError, BusServer, StationBus
from device.config import Config
from device.simulate import run_simulation
from device.station import Station


def _sock_path(tmp_path: Path) -> Path:
    # AF_UNIX paths are limited to 107 bytes; pytest's tmp paths can be long.
    p = Path("/tmp") / f"wh-bus-{os.getpid()}-{tmp_path.name[-20:]}.sock"
    return p


@pytest.fixture
def sock(tmp_path):
    p = _sock_path(tmp_path)
    yield p
    if p.exists():
        p.unlink()


def test_a_simulated_set_reaches_a_client_as_state_reps_and_posture(sock):
    cfg = Config()
    cfg.station.target_reps = 3
    clients = []

    def attach(station, feedback):
        bus = StationBus(cfg, station, path=sock, station_id="wall-1", feedback=feedback, group=None).start()
        station.sinks.append(bus)
        clients.append((bus, BusClient(sock)))
        return bus.on_frame

    res = run_simulation("clean", cfg, posture="truth", n_reps=3, fps=15, attach=attach)
    bus, client = clients[0]
    msgs = []
    try:
        while True:
            m = client.read()
            msgs.append(m)
            if m["type"] == "state" and not m["data"]["set_active"] and any(
                    x["type"] == "event" and x["data"]["event"] == "set_ended" for x in msgs):
                break
    finally:
        client.close()
        bus.close()
    kinds = [m["type"] for m in msgs]
    assert kinds[:2] == ["hello", "state"] and msgs[0]["data"]["station"] == "wall-1"
    reps = [m["data"] for m in msgs if m["type"] == "rep"]
    assert [r["verdict"] for r in reps] == [r.verdict.value for r in res.reps]
    assert reps[-1]["counted_total"] == 3 and reps[-1]["cue"] == "good rep" and reps[-1]["target"] == 3
    assert len({r["id"] for r in reps}) == 3
    states = [m["data"] for m in msgs if m["type"] == "state"]
    assert states[-1]["count"] == 3 and states[-1]["set_active"] is False
    trace = [m["data"] for m in msgs if m["type"] == "posture"]
    assert len(trace) > 20
    assert max(p["trunk_inclination_deg"] or 0 for p in trace) > 30  # the hinges are in the trace
    assert any(p["rounding_deg"] is not None for p in trace)
    assert "frame" not in kinds  # nobody asked for the live view


def _station(cfg):
    return Station(cfg, None, sinks=[])


def test_commands_are_validated_and_applied(sock):
    cfg = Config()
    cfg.station.place = "clinic"

    class Labels:
        label = None

    sink = Labels()
    station = _station(cfg)
    bus = StationBus(cfg, station, path=sock, session_sink=sink, group=None).start()
    c = BusClient(sock)
    try:
        c.wait_for("state")
        c.send({"cmd": "target", "value": 12})
        assert c.wait_for("state", lambda d: d["target"] == 12)["target"] == 12
        assert cfg.station.target_reps == 12  # the engine reads it at the next rep
        c.send({"cmd": "patient", "value": 3})
        assert c.wait_for("state", lambda d: d["patient"] is not None)["patient"] == "patient:3"
        assert sink.label == "patient:3"
        c.send({"cmd": "target", "value": 900})
        assert "1 to 200" in c.wait_for("error")["message"]
        c.send({"cmd": "fly"})
        assert "unknown command" in c.wait_for("error")["message"]
        c.sock.sendall(b"this is not json\n")
        assert "JSON" in c.wait_for("error")["message"]
        c.send({"prescription": {"target": 8, "checks": {"tempo": False}, "min_rep_s": 1.5}})
        c.wait_for("state", lambda d: d["target"] == 8)
        assert cfg.checks.tempo is False and cfg.thresholds.min_rep_s == 1.5
        c.send({"prescription": {"min_rep_s": -4}})
        assert "thresholds" in c.wait_for("error")["message"]
        assert cfg.thresholds.min_rep_s == 1.5  # a refused prescription changes nothing
        assert cfg.station.target_reps == 8
        # the next patient (or nobody) never inherits this patient's dose
        c.send({"cmd": "patient", "value": None})
        c.wait_for("state", lambda d: d["patient"] is None)
        assert cfg.checks.tempo is True and cfg.thresholds.min_rep_s == 1.0 and cfg.station.target_reps == 20
        assert sink.label is None
    finally:
        c.close()
        bus.close()


def test_a_gym_station_refuses_a_patient(sock):
    cfg = Config()  # place = gym
    bus = StationBus(cfg, _station(cfg), path=sock, group=None).start()
    c = BusClient(sock)
    try:
        c.send({"cmd": "patient", "value": 3})
        assert "gym station has no patients" in c.wait_for("error")["message"]
        assert bus.state.patient is None
    finally:
        c.close()
        bus.close()


def test_socket_is_owner_and_group_only_and_never_overwrites_a_file(sock):
    server = BusServer(sock, group=None).start()
    try:
        assert stat.S_IMODE(sock.stat().st_mode) == 0o660
        with pytest.raises(BusError, match="in use by another running station"):
            BusServer(sock, group=None).start()
    finally:
        server.close()
    assert not sock.exists()
    sock.write_text("someone's notes")
    with pytest.raises(BusError, match="not a socket"):
        BusServer(sock, group=None).start()
    assert sock.read_text() == "someone's notes"
    sock.unlink()
    # A socket left behind by a station that died is replaced.
    dead = socket.socket(socket.AF_UNIX)
    dead.bind(str(sock))
    dead.close()
    BusServer(sock, group=None).start().close()


def test_a_client_that_never_reads_does_not_slow_the_station(sock):
    server = BusServer(sock, group=None).start()
    stalled = socket.socket(socket.AF_UNIX)
    stalled.connect(str(sock))
    try:
        time.sleep(0.1)
        payload = {"x": "y" * 2000}
        t0 = time.perf_counter()
        for _ in range(3000):  # 6 MB: far more than the socket and the client's buffer hold
            server.publish("posture", payload)
        per_msg = (time.perf_counter() - t0) / 3000
        assert per_msg < 0.001
        c = next(iter(server._clients.values()))
        assert c.dropped > 0
    finally:
        stalled.close()
        server.close()


def test_frames_flow_only_while_asked_for_and_are_jpegs(sock):
    cfg = Config()
    cfg.bus.frame_fps = 15
    out = {}

    def attach(station, feedback):
        bus = StationBus(cfg, station, path=sock, group=None).start()
        station.sinks.append(bus)
        c = BusClient(sock)
        c.send({"frames": True})
        deadline = time.monotonic() + 2
        while not bus.server.want_frames and time.monotonic() < deadline:
            time.sleep(0.01)
        out["bus"], out["client"] = bus, c
        return bus.on_frame

    run_simulation("clean", cfg, posture="truth", n_reps=1, fps=15, speed=4, attach=attach)
    bus, c = out["bus"], out["client"]
    try:
        frame = c.wait_for("frame", timeout=5)
        jpeg = base64.b64decode(frame["jpeg"])
        assert jpeg[:2] == b"\xff\xd8" and len(jpeg) > 5000
        c.send({"frames": False})
        deadline = time.monotonic() + 2
        while bus.server.want_frames and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not bus.server.want_frames
    finally:
        c.close()
        bus.close()


def test_the_live_station_serves_its_channel(tmp_path, factory, sock):
    """The hook in device/live.py: the real station loop publishes on the configured socket."""
    import threading

    from gpiozero.pins.mock import MockTriggerPin

    from device.live import run_station
    from device.sim.scenarios import get_scenario
    from device.simulate import TruthPosture
    from tests.test_live import PacedFrames

    sc = get_scenario("clean", 0, fps=15, n_reps=1)
    cfg = Config()
    cfg.storage.database = tmp_path / "sessions.db"
    cfg.camera.source = "synthetic"
    cfg.bus.socket = sock
    echo = factory.pin(cfg.sensor.echo_pin)
    factory.pin(cfg.sensor.trigger_pin, pin_class=MockTriggerPin, echo_pin=echo, echo_time=0.5 * 2 / 343.26)
    t0 = time.monotonic() + 0.3
    clock = lambda: time.monotonic() - t0  # noqa: E731
    stop = threading.Event()
    th = threading.Thread(target=run_station, args=(cfg,), daemon=True,
                          kwargs=dict(pin_factory=factory, frame_source=PacedFrames(sc, clock),
                                      posture=TruthPosture(sc), clock=clock, stop=stop))
    th.start()
    try:
        deadline = time.monotonic() + 10
        while not sock.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        c = BusClient(sock)  # the file appears only once the station listens (BusServer._bind)
        assert c.read()["type"] == "hello"
        assert c.wait_for("state")["app_state"] == "running"
        p = c.wait_for("posture", timeout=5)
        assert {"t", "trunk_inclination_deg", "rounding_deg"} <= set(p)
        c.send({"cmd": "target", "value": 7})
        assert c.wait_for("state", lambda d: d["target"] == 7)
        c.close()
    finally:
        stop.set()
        th.join(10)
    assert not sock.exists()  # the station removes its socket when it stops


def test_a_command_that_fails_inside_the_station_is_answered_and_the_channel_lives_on(sock):
    def broken(obj):
        raise RuntimeError("engine busy")

    server = BusServer(sock, group=None, on_message=broken).start()
    c = BusClient(sock)
    try:
        c.send({"cmd": "start"})
        assert "could not carry that out (RuntimeError: engine busy)" in c.wait_for("error")["message"]
        server.publish("state", {"count": 1})
        assert c.wait_for("state")["count"] == 1
    finally:
        c.close()
        server.close()


def test_the_dashboard_state_shows_the_reps_own_cue_with_the_stations_thresholds(sock):
    # A rep the camera saw hinge but whose back it saw on ~60 % of the rep, at a station set to want
    # 70 %: the rep message, and the state the dashboard and the athlete screen show, both carry the
    # hint (one decision: device.messages.rep_cue), never "step into view" in one and the hint in the other.
    from device.messages import BACK_UNSEEN_HINT, CUES
    from tests.test_messages import feed_rep

    cfg = Config()
    cfg.thresholds.min_seen_fraction = 0.7
    station = _station(cfg)
    bus = StationBus(cfg, station, path=sock, group=None).start()
    station.sinks.append(bus)
    c = BusClient(sock)
    try:
        c.wait_for("state")
        t = feed_rep(station, back_seen=0.6)
        rep = c.wait_for("rep")
        assert rep["verdict"] == "unchecked" and rep["cue"] == BACK_UNSEEN_HINT
        st = c.wait_for("state", lambda d: d["last_verdict"] is not None)
        assert st["last_verdict"] == "unchecked" and st["last_cue"] == BACK_UNSEEN_HINT
        # a rep the camera did not see (no one in the picture while the sensor felt the hips): "step into
        # view" in both
        feed_rep(station, back_seen=0.2, t0=t, gone=True)
        rep = c.wait_for("rep")
        assert rep["verdict"] == "unchecked" and rep["cue"] == CUES["unchecked"]
        st = c.wait_for("state", lambda d: d["count"] == 0 and d["last_cue"] != BACK_UNSEEN_HINT)
        assert st["last_cue"] == CUES["unchecked"]
    finally:
        c.close()
        bus.close()


def test_the_socket_appears_only_once_it_accepts_connections(sock, monkeypatch):
    # A client that connects the moment the socket file appears (the dashboard starting with the
    # station, a test) must not be refused because the server is between bind and listen. The gap is
    # widened here by slowing the permission change made between them.
    import threading

    import device.bus as bus_mod

    real_chmod = os.chmod

    def slow_chmod(*a, **kw):
        time.sleep(0.3)
        return real_chmod(*a, **kw)

    monkeypatch.setattr(bus_mod.os, "chmod", slow_chmod)
    result: list = []

    def connect_when_it_appears():
        deadline = time.monotonic() + 5
        while not sock.exists() and time.monotonic() < deadline:
            time.sleep(0.001)
        try:
            c = BusClient(sock)
            result.append(c.read()["type"])
            c.close()
        except OSError as e:
            result.append(e)

    th = threading.Thread(target=connect_when_it_appears)
    th.start()
    server = BusServer(sock, group=None, greeting=lambda: [b'{"type":"hello","data":{}}\n']).start()
    try:
        th.join(5)
        assert result == ["hello"]
        assert stat.S_IMODE(sock.stat().st_mode) == 0o660
        assert [p.name for p in sock.parent.glob(f".{sock.name}*")] == []  # no temporary name left behind
    finally:
        server.close()
