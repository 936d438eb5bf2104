"""Stations on the network (issue 11), against a real Mosquitto broker.

The tests start Debian's ``mosquitto`` on free 127.0.0.1 ports with a config
file written here: a password listener (``mosquitto_passwd``) and a TLS
listener whose CA and certificate are made here with ``openssl``. Nothing
listens beyond loopback. ``.ci/run`` installs mosquitto, mosquitto-clients
and openssl; without them locally the tests skip and say so.
"""

from __future__ import annotations

import getpass
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from io import StringIO
from pathlib import Path

import pytest

paho = pytest.importorskip("paho.mqtt.client", reason="paho-mqtt is not installed (pip install -r requirements.txt)")
from paho.mqtt.enums import CallbackAPIVersion  # noqa: E402

from device.config import Config, ConfigError, parse_config  # noqa: E402
from device.core.types import PostureSample, ProximitySample, Rep, RepFinished, SetStarted, Verdict  # noqa: E402
from device.net.discovery import discovery_messages  # noqa: E402
from device.net.mqtt import MqttLink, link_from_config  # noqa: E402
from device.net.outbox import read_outbox  # noqa: E402
from device.station import Station  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
USER, PASSWORD = "station", "s3cret-wall"
MOSQUITTO = shutil.which("mosquitto") or ("/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None)

pytestmark = pytest.mark.skipif(
    MOSQUITTO is None or shutil.which("mosquitto_passwd") is None or shutil.which("openssl") is None,
    reason="needs mosquitto, mosquitto_passwd and openssl (apt-get install mosquitto mosquitto-clients openssl)",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_ca_and_cert(d: Path) -> None:
    """A CA and a broker certificate for 127.0.0.1, made here with openssl (EC keys: fast)."""
    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True)

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=WallHinge test CA",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost")
    (d / "server.ext").write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
        "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
        "authorityKeyIdentifier=keyid\nsubjectKeyIdentifier=hash\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.crt", "-days", "2", "-extfile", "server.ext")
    for f in ("ca.key", "server.key"):
        os.chmod(d / f, 0o644)  # mosquitto may drop to its own user when started as root


class Broker:
    """A mosquitto on loopback: ``port`` needs the password, ``tls_port`` is TLS with the test CA."""

    def __init__(self, d: Path, *, persistence: bool = False) -> None:
        self.dir = d
        d.mkdir(parents=True, exist_ok=True)
        os.chmod(d, 0o755)
        self.port, self.tls_port = free_port(), free_port()
        if not (d / "ca.crt").exists():
            make_ca_and_cert(d)
        pw = d / "passwd"
        subprocess.run(["mosquitto_passwd", "-b", "-c", str(pw), USER, PASSWORD], check=True, capture_output=True)
        os.chmod(pw, 0o644)
        lines = [
            f"user {getpass.getuser()}",
            "per_listener_settings false",
            "allow_anonymous false",
            f"password_file {pw}",
            f"listener {self.port} 127.0.0.1",
            f"listener {self.tls_port} 127.0.0.1",
            f"cafile {d / 'ca.crt'}",
            f"certfile {d / 'server.crt'}",
            f"keyfile {d / 'server.key'}",
            "log_dest stderr",
            "log_type error",
            "log_type warning",
        ]
        if persistence:
            lines += ["persistence true", f"persistence_location {d}/", "autosave_interval 1"]
        (d / "mosquitto.conf").write_text("\n".join(lines) + "\n")
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"mqtt://{USER}:{PASSWORD}@127.0.0.1:{self.port}"

    @property
    def tls_url(self) -> str:
        return f"mqtts://{USER}:{PASSWORD}@127.0.0.1:{self.tls_port}"

    def start(self) -> "Broker":
        with open(self.dir / "mosquitto.log", "ab") as errlog:
            self.proc = subprocess.Popen([MOSQUITTO, "-c", str(self.dir / "mosquitto.conf")],
                                         stdout=subprocess.DEVNULL, stderr=errlog)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError("mosquitto exited: " + (self.dir / "mosquitto.log").read_text())
                time.sleep(0.02)
        raise RuntimeError("mosquitto did not start listening")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # saves its persistence database
            self.proc.wait(5)
        self.proc = None


@pytest.fixture(scope="session")
def broker(tmp_path_factory):
    b = Broker(tmp_path_factory.mktemp("mosquitto")).start()
    yield b
    b.stop()


class Listener:
    """A consumer on the broker: collects messages per topic (another process's view of the station)."""

    def __init__(self, broker: Broker, *topics: str, client_id: str = "", clean: bool = True) -> None:
        self.msgs: list[tuple[str, bytes, bool]] = []
        self.cond = threading.Condition()
        self.topics = topics
        self.c = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=clean)
        self.c.username_pw_set(USER, PASSWORD)
        self.c.on_connect = lambda c, u, f, rc, p: c.subscribe([(t, 1) for t in self.topics])
        self.c.on_subscribe = lambda *a: self._note(("$subscribed", b"", False))
        self.c.on_message = lambda c, u, m: self._note((m.topic, bytes(m.payload), bool(m.retain)))
        self.c.reconnect_delay_set(0.1, 0.5)
        self.c.connect("127.0.0.1", broker.port)
        self.c.loop_start()
        self.wait(lambda: any(t == "$subscribed" for t, _, _ in self.msgs), 5, "subscription")

    def _note(self, m) -> None:
        with self.cond:
            self.msgs.append(m)
            self.cond.notify_all()

    def wait(self, pred, timeout: float, what: str):
        with self.cond:
            if not self.cond.wait_for(lambda: pred(), timeout):
                raise AssertionError(f"timed out waiting for {what}; got {[(t, p[:80]) for t, p, _ in self.msgs]}")

    def on(self, topic: str) -> list[bytes]:
        with self.cond:
            return [p for t, p, _ in self.msgs if t == topic]

    def json(self, topic: str) -> list[dict]:
        return [json.loads(p) for p in self.on(topic)]

    def close(self) -> None:
        self.c.disconnect()
        self.c.loop_stop()


def mqtt_config(tmp_path: Path, **mqtt) -> Config:
    return parse_config({"mqtt": {"station_id": "wall1", **mqtt},
                         "storage": {"database": str(tmp_path / "sessions.db")}})


def feed_one_rep(station: Station, t0: float = 0.0) -> float:
    """One good rep through the real engine: stand, hinge to hip contact, stand again."""
    t = t0

    def feed(incl: float, dist: float) -> None:
        nonlocal t
        station.on_proximity(ProximitySample(t, distance_m=dist))
        station.on_posture(PostureSample(t, person=True, in_position=True, trunk_inclination_deg=incl, trunk_conf=1,
                                         back_bend_deg=5, back_conf=1, knee_angle_deg=160, knee_conf=1,
                                         heel_lift=0, heel_conf=1))
        t += 1 / 30

    for _ in range(30):
        feed(3, 0.3)
    for i in range(30):
        feed(3 + 47 * i / 30, 0.3 - 0.28 * i / 30)
    for _ in range(10):
        feed(50, 0.02)
    for i in range(30):
        feed(50 - 47 * i / 30, 0.02 + 0.28 * i / 30)
    for _ in range(30):
        feed(3, 0.3)
    return t


def error_of(link: MqttLink, timeout: float = 5.0) -> str:
    deadline = time.monotonic() + timeout
    while link.last_error is None and time.monotonic() < deadline:
        time.sleep(0.02)
    return link.last_error or ""


def fake_rep(i: int) -> RepFinished:
    rep = Rep(index=i, start_s=10.0 * i, bottom_s=10.0 * i + 1, end_s=10.0 * i + 2, contact=True,
              verdict=Verdict.GOOD, trunk_inclination_deg=48.0, rounding_deg=2.0, knee_angle_deg=160.0)
    return RepFinished(10.0 * i + 2, rep, i, 20)


# ------------------------------------------------------------------ config


def test_mqtt_config_errors_name_the_key(tmp_path):
    with pytest.raises(ConfigError, match=r"mqtt\.url: .*must start with mqtt:// or mqtts://"):
        parse_config({"mqtt": {"url": "http://broker:1883"}}, "w.toml")
    with pytest.raises(ConfigError, match=r"mqtt\.url: .*no host name"):
        parse_config({"mqtt": {"url": "mqtt://:1883"}}, "w.toml")
    with pytest.raises(ConfigError, match=r"mqtt\.station_id: .*letters, digits"):
        parse_config({"mqtt": {"station_id": "wall/1"}}, "w.toml")
    assert parse_config({}).mqtt.url == ""  # off by default
    from device.config import default_station_id

    assert all(c.isalnum() or c in "_-" for c in default_station_id())


def test_simulate_with_a_bad_mqtt_url_is_a_clear_error(tmp_path):
    r = subprocess.run([sys.executable, "-m", "device", "simulate", "--mqtt", "tcp://x"], cwd=ROOT,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert "--mqtt" in r.stderr and "mqtt://" in r.stderr and "Traceback" not in r.stderr


# ------------------------------------------------------------------ discovery, state, commands


def test_discovery_payloads_are_complete_and_unique():
    msgs = discovery_messages("wall1", "ha")
    uids = [cfg["unique_id"] for _, cfg in msgs]
    assert len(set(uids)) == len(uids) == len(msgs)
    comps = {t.split("/")[1] for t, _ in msgs}
    assert comps == {"sensor", "binary_sensor", "button", "number", "switch"}
    keys = {t.split("/")[3] for t, _ in msgs}
    assert {"count", "last_verdict", "rounding", "trunk_inclination", "person_present", "fault", "start",
            "reset"} <= keys
    for topic, cfg in msgs:
        assert topic.startswith("ha/") and topic.endswith("/config")
        assert cfg["device"]["identifiers"] == ["wallhinge_wall1"]
        assert cfg["availability"][0]["topic"] == "wallhinge/wall1/availability"
        assert ("state_topic" in cfg) or ("command_topic" in cfg)
        assert cfg["default_entity_id"] == f"{topic.split('/')[1]}.wallhinge_wall1_{topic.split('/')[3]}"
        assert "object_id" not in cfg  # deprecated by Home Assistant


def test_discovery_retained_and_resent_when_home_assistant_comes_online(broker, tmp_path):
    cfg = mqtt_config(tmp_path)
    link = link_from_config(cfg, url=broker.url, outbox=None)
    try:
        assert link.wait_connected(5), link.last_error
        time.sleep(0.3)
        # A Home Assistant connecting later gets every config retained.
        ha = Listener(broker, "homeassistant/#", "wallhinge/wall1/availability")
        n = len(discovery_messages("wall1"))
        ha.wait(lambda: len([m for m in ha.msgs if m[0].endswith("/config")]) == n
                and ha.on("wallhinge/wall1/availability"), 5, "retained discovery and availability")
        assert all(r for t, _, r in ha.msgs if t.endswith("/config"))
        assert ha.on("wallhinge/wall1/availability") == [b"online"]
        count_cfg = json.loads(ha.on("homeassistant/sensor/wallhinge_wall1/count/config")[0])
        assert count_cfg["unique_id"] == "wallhinge_wall1_count"
        assert count_cfg["state_topic"] == "wallhinge/wall1/state"
        # Home Assistant restarts and announces itself: discovery again.
        before = len(ha.msgs)
        ha.c.publish("homeassistant/status", "online", qos=1).wait_for_publish(2)
        ha.wait(lambda: len([m for m in ha.msgs[before:] if m[0].endswith("/config")]) >= n, 5, "discovery again")
        ha.close()
    finally:
        link.close()


def test_commands_good_and_bad(broker, tmp_path):
    cfg = mqtt_config(tmp_path)
    station = Station(cfg, None)
    clock = {"t": 0.0}
    link = link_from_config(cfg, url=broker.url, station=station, clock=lambda: clock["t"], outbox=None)
    station.sinks.append(link)
    out = Listener(broker, "wallhinge/wall1/#")
    try:
        assert link.wait_connected(5), link.last_error

        def states():
            return out.json("wallhinge/wall1/state")

        def send(name: str, payload: str, retain: bool = False) -> None:
            out.c.publish(f"wallhinge/wall1/set/{name}", payload, qos=1, retain=retain).wait_for_publish(2)

        clock["t"] = feed_one_rep(station)
        out.wait(lambda: any(s["count"] == 1 and s["set_active"] for s in states()), 5, "a set with one rep")

        send("target", "12")
        out.wait(lambda: states()[-1]["target"] == 12, 5, "target 12 in the state")
        assert station.config.station.target_reps == 12  # the engine counts towards it now

        send("reset", "")
        out.wait(lambda: any(e["event"] == "set_ended" and e["reason"] == "button"
                             for e in out.json("wallhinge/wall1/event")), 5, "the set ended by the command")
        assert not station.engine.set_active

        send("mute", "on")
        send("patient", '{"value": 7}')
        out.wait(lambda: states()[-1]["muted"] and states()[-1]["patient"] == "7", 5, "mute and patient")

        # Bad commands: answered on .../error with the reason, nothing changes, nothing crashes.
        send("target", "lots")
        send("fly", "1")
        send("target", "500")
        out.wait(lambda: len(out.on("wallhinge/wall1/error")) == 3, 5, "three error answers")
        errs = out.json("wallhinge/wall1/error")
        assert [e["command"] for e in errs] == ["target", "fly", "target"]
        assert "whole number" in errs[0]["error"] and errs[0]["payload"] == "lots"
        assert "unknown command 'fly'" in errs[1]["error"] and "target" in errs[1]["error"]
        assert "1 to 200" in errs[2]["error"]
        assert station.config.station.target_reps == 12

        send("target", "15")  # still listening
        out.wait(lambda: states()[-1]["target"] == 15, 5, "target 15 after the bad commands")
    finally:
        out.close()
        link.close()


def test_a_retained_command_is_never_carried_out(broker, tmp_path):
    """A command left retained on the broker would repeat at every reconnect: refused, with the reason."""
    cfg = mqtt_config(tmp_path, station_id="ret1")
    station = Station(cfg, None)
    out = Listener(broker, "wallhinge/ret1/error")
    out.c.publish("wallhinge/ret1/set/target", "5", qos=1, retain=True).wait_for_publish(2)
    link = link_from_config(cfg, url=broker.url, station=station, outbox=None)
    try:
        out.wait(lambda: out.on("wallhinge/ret1/error"), 5, "the answer to the retained command")
        assert "retained" in out.json("wallhinge/ret1/error")[0]["error"]
        assert station.config.station.target_reps == 20
    finally:
        out.c.publish("wallhinge/ret1/set/target", b"", qos=1, retain=True).wait_for_publish(2)
        out.close()
        link.close()


def test_faults_on_and_off_reach_state_and_events(broker, tmp_path):
    link = link_from_config(mqtt_config(tmp_path, station_id="faulty"), url=broker.url, outbox=None)
    out = Listener(broker, "wallhinge/faulty/state", "wallhinge/faulty/event")
    try:
        assert link.wait_connected(5), link.last_error
        link.set_faults({"camera": "camera: frozen"})
        link.set_faults({"camera": "camera: frozen"})  # unchanged: no second event
        out.wait(lambda: any(s["faults"] == ["camera"] for s in out.json("wallhinge/faulty/state")), 5, "fault")
        link.set_faults({})
        out.wait(lambda: [e["event"] for e in out.json("wallhinge/faulty/event")] == ["fault_on", "fault_off"], 5,
                 "fault on, then off")
        out.wait(lambda: out.json("wallhinge/faulty/state")[-1]["faults"] == [], 5, "fault cleared in the state")
        on = out.json("wallhinge/faulty/event")[0]
        assert on["part"] == "camera" and on["message"] == "camera: frozen"
        st = out.json("wallhinge/faulty/state")
        assert [s["app_state"] for s in st if s["faults"]][-1] == "faulted" and st[-1]["app_state"] == "ready"
    finally:
        out.close()
        link.close()


def test_home_assistant_shows_the_reps_own_cue_with_the_stations_thresholds(broker, tmp_path):
    # A station whose config asks for the back seen on 70 % of a rep; a rep seen hinging with the back
    # on ~60 %: the rep message and the retained state (what Home Assistant shows as the last cue) both
    # carry the back-unseen hint, as the speaker says it, never "step into view" in one of them.
    from device.messages import BACK_UNSEEN_HINT
    from tests.test_messages import feed_rep

    cfg = parse_config({"mqtt": {"station_id": "hint1"}, "thresholds": {"min_seen_fraction": 0.7},
                        "storage": {"database": str(tmp_path / "sessions.db")}})
    link = link_from_config(cfg, url=broker.url, outbox=None)
    out = Listener(broker, "wallhinge/hint1/rep", "wallhinge/hint1/state")
    try:
        assert link.wait_connected(5), link.last_error
        feed_rep(Station(cfg, None, sinks=[link]), back_seen=0.6)
        out.wait(lambda: out.on("wallhinge/hint1/rep")
                 and any(s["last_verdict"] for s in out.json("wallhinge/hint1/state")), 5, "the rep and the state")
        (rep,) = out.json("wallhinge/hint1/rep")
        st = [s for s in out.json("wallhinge/hint1/state") if s["last_verdict"]][-1]
        assert rep["verdict"] == st["last_verdict"] == "unchecked"
        assert rep["cue"] == st["last_cue"] == BACK_UNSEEN_HINT
    finally:
        out.close()
        link.close()


# ------------------------------------------------------------------ availability and last will


def test_station_killed_with_sigkill_shows_offline(broker, tmp_path):
    out = Listener(broker, "wallhinge/killme/availability", "wallhinge/killme/state")
    conf = tmp_path / "w.toml"
    conf.write_text(f'[mqtt]\nstation_id = "killme"\noutbox = "{tmp_path / "outbox.db"}"\n')
    proc = subprocess.Popen(
        [sys.executable, "-m", "device", "--config", str(conf), "simulate", "--speed", "1", "--posture", "truth",
         "--size", "320x240", "--fps", "10", "--mqtt", broker.url],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        out.wait(lambda: b"online" in out.on("wallhinge/killme/availability"), 20, "the station online")
        out.wait(lambda: len(out.on("wallhinge/killme/state")) >= 1, 5, "the station's state")
        proc.send_signal(signal.SIGKILL)
        proc.wait(5)
        out.wait(lambda: out.on("wallhinge/killme/availability")[-1:] == [b"offline"], 5, "the last will")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
        proc.stderr.close()
        out.close()
    # a later reader sees the retained offline too
    late = Listener(broker, "wallhinge/killme/availability")
    late.wait(lambda: late.on("wallhinge/killme/availability") == [b"offline"], 5, "retained offline")
    late.close()


def test_clean_exit_says_offline(broker, tmp_path):
    link = link_from_config(mqtt_config(tmp_path, station_id="bye"), url=broker.url, outbox=None)
    assert link.wait_connected(5), link.last_error
    out = Listener(broker, "wallhinge/bye/availability")
    out.wait(lambda: out.on("wallhinge/bye/availability") == [b"online"], 5, "online")
    link.close()
    out.wait(lambda: out.on("wallhinge/bye/availability")[-1:] == [b"offline"], 5, "offline on a clean exit")
    out.close()


# ------------------------------------------------------------------ no rep lost


def test_broker_restarted_mid_set_every_rep_delivered_once_in_order(tmp_path):
    """The broker goes away in the middle of a set and comes back: a deduplicating consumer gets each rep."""
    from device.simulate import run_simulation

    b = Broker(tmp_path / "restart", persistence=True).start()
    got: list[dict] = []
    cond = threading.Condition()

    def on_message(c, u, m):
        with cond:
            got.append(json.loads(m.payload))
            cond.notify_all()

    # The consumer (a clinic's dashboard) keeps its session across the restart.
    consumer = paho.Client(CallbackAPIVersion.VERSION2, client_id="dedup-consumer", clean_session=False)
    consumer.username_pw_set(USER, PASSWORD)
    consumer.on_connect = lambda c, u, f, rc, p: c.subscribe("wallhinge/+/rep", qos=1)
    consumer.on_message = on_message
    consumer.reconnect_delay_set(0.1, 0.5)
    consumer.connect("127.0.0.1", b.port)
    consumer.loop_start()
    time.sleep(0.3)
    cfg = mqtt_config(tmp_path, station_id="busy")
    result: dict = {}
    sim = threading.Thread(target=lambda: result.setdefault("r", run_simulation(
        "clean", cfg, posture="truth", speed=6, width=320, height=240, fps=15, n_reps=7, mqtt_url=b.url)))
    sim.start()
    try:
        with cond:
            assert cond.wait_for(lambda: len(got) >= 2, 20), "no rep before the outage"
        b.stop()
        t_down, down_wall = time.monotonic(), datetime.now(timezone.utc)
        time.sleep(2.0)
        up_wall = datetime.now(timezone.utc)
        b.start()
        sim.join(40)
        assert not sim.is_alive()
        reps = result["r"].reps
        assert len(reps) == 7
        down_s = time.monotonic() - t_down
        with cond:
            cond.wait_for(lambda: len({m["id"] for m in got}) >= len(reps), 10)
    finally:
        consumer.disconnect()
        consumer.loop_stop()
        b.stop()
    first_seen: list[str] = []
    for m in got:  # the consumer drops a QoS 1 duplicate by its id
        if m["id"] not in first_seen:
            first_seen.append(m["id"])
    assert [int(i.rsplit("/", 1)[1]) for i in first_seen] == [r.index for r in reps], (first_seen, down_s)
    assert len({i.rsplit("/", 1)[0] for i in first_seen}) == 1  # one set id for the whole set
    by_id = {m["id"]: m for m in got}
    for r in reps:
        m = by_id[f"busy/{first_seen[0].split('/')[1]}/{r.index}"]
        assert m["verdict"] == r.verdict.value and m["counted"] == r.counted
        assert m["started_at"] and m["ended_at"] and "trunk_inclination_deg" in m and "rounding_deg" in m
    # the outage really was mid-set: reps finished while the broker was down
    during = [m["id"] for m in by_id.values() if down_wall < datetime.fromisoformat(m["ended_at"]) < up_wall]
    assert during, "no rep finished during the outage; the test did not test anything"


def test_outbox_survives_a_restart_and_never_resends_what_was_delivered(broker, tmp_path):
    box = tmp_path / "outbox.db"
    mc = mqtt_config(tmp_path, station_id="boxy").mqtt
    out = Listener(broker, "wallhinge/boxy/rep")

    # First run: three reps delivered.
    a = MqttLink(mc, station_id="boxy", url=broker.url, outbox=box).start()
    assert a.wait_connected(5), a.last_error
    a.handle(SetStarted(0.0, 1))
    for i in (1, 2, 3):
        a.handle(fake_rep(i))
    out.wait(lambda: len(out.on("wallhinge/boxy/rep")) == 3, 5, "three reps")
    a.close()
    rows = read_outbox(box)
    assert [r["delivered_at"] is not None for r in rows] == [True] * 3

    # Second run: the broker is unreachable (nothing listens there); two reps wait in the outbox.
    b = MqttLink(mc, station_id="boxy", url=f"mqtt://{USER}:{PASSWORD}@127.0.0.1:{free_port()}", outbox=box).start()
    b.handle(SetStarted(100.0, 2))
    t0 = time.monotonic()
    for i in (1, 2):
        b.handle(fake_rep(i))
    assert time.monotonic() - t0 < 0.05  # the station never waits for the network
    time.sleep(0.3)
    assert "connection refused" in (b.last_error or "")
    b.close(timeout=0.5)
    rows = read_outbox(box)
    assert len(rows) == 5 and sum(r["delivered_at"] is None for r in rows) == 2

    # Third run: the broker is back; only the two waiting reps go out, oldest first.
    c = MqttLink(mc, station_id="boxy", url=broker.url, outbox=box).start()
    out.wait(lambda: len(out.on("wallhinge/boxy/rep")) == 5, 5, "the two waiting reps")
    c.close()
    ids = [json.loads(p)["id"] for p in out.on("wallhinge/boxy/rep")]
    assert len(set(ids)) == 5 and ids[3].endswith("-2/1") and ids[4].endswith("-2/2")
    assert all(r["delivered_at"] is not None for r in read_outbox(box))
    out.close()


# ------------------------------------------------------------------ security


def test_tls_with_a_ca_made_here(broker, tmp_path):
    ok = link_from_config(mqtt_config(tmp_path, station_id="tls1", ca_file=str(broker.dir / "ca.crt")),
                          url=broker.tls_url, outbox=None)
    try:
        assert ok.wait_connected(5), ok.last_error
    finally:
        ok.close()
    untrusted = link_from_config(mqtt_config(tmp_path, station_id="tls2"), url=broker.tls_url, outbox=None)
    try:
        err = error_of(untrusted)
        assert "does not trust" in err and "ca_file" in err
        assert not untrusted.connected.is_set()
    finally:
        untrusted.close(timeout=0.2)


def test_wrong_password_is_refused_with_a_clear_message(broker, tmp_path):
    link = link_from_config(mqtt_config(tmp_path, station_id="badpw"),
                            url=f"mqtt://{USER}:wrong@127.0.0.1:{broker.port}", outbox=None)
    try:
        err = error_of(link)
        assert "refused the login" in err and "password" in err
        assert not link.connected.is_set()
    finally:
        link.close(timeout=0.2)
    r = subprocess.run([sys.executable, "-m", "device", "fleet", "--mqtt",
                        f"mqtt://{USER}:wrong@127.0.0.1:{broker.port}", "--for", "2"],
                       cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert r.returncode == 1
    assert "refused the login" in r.stderr and "wrong" not in r.stderr and "Traceback" not in r.stderr


def test_no_login_no_mqtt(tmp_path):
    """Reps are health data: the station never talks to a broker without a username and password."""
    from device.net.mqtt import NetError

    with pytest.raises(NetError, match="needs a username and a password"):
        link_from_config(mqtt_config(tmp_path), url="mqtt://127.0.0.1:1883", outbox=None)


def test_password_file(broker, tmp_path):
    pw = tmp_path / "mqtt.pw"
    pw.write_text(PASSWORD + "\n")
    cfg = mqtt_config(tmp_path, station_id="pwfile", username=USER, password_file=str(pw))
    link = link_from_config(cfg, url=f"mqtt://127.0.0.1:{broker.port}", outbox=None)
    try:
        assert link.wait_connected(5), link.last_error
    finally:
        link.close()
    from device.net.mqtt import NetError

    cfg.mqtt.password_file = str(tmp_path / "missing.pw")
    with pytest.raises(NetError, match="password_file .*missing.pw cannot be read"):
        link_from_config(cfg, url=f"mqtt://127.0.0.1:{broker.port}", outbox=None)


# ------------------------------------------------------------------ fleet


def test_fleet_shows_every_station(broker, tmp_path):
    from device.fleet import run_fleet

    links = []
    for sid in ("gym-a", "gym-b"):
        link = link_from_config(mqtt_config(tmp_path, station_id=sid), url=broker.url, outbox=None)
        assert link.wait_connected(5), link.last_error
        links.append(link)
    links[1].set_faults({"camera": "camera: frozen"})
    time.sleep(0.3)
    links[1].close()  # gym-b goes offline
    buf = StringIO()
    rc: list[int] = []
    viewer = threading.Thread(target=lambda: rc.append(run_fleet(Config(), url=broker.url, duration=1.2, out=buf)))
    viewer.start()
    time.sleep(0.5)
    links[0].handle(SetStarted(0.0, 1))  # a rep while the fleet is watching
    links[0].handle(fake_rep(1))
    viewer.join(10)
    links[0].close()
    assert rc == [0]
    text = buf.getvalue()
    row_a = next(line for line in text.splitlines() if line.startswith("gym-a"))
    row_b = next(line for line in text.splitlines() if line.startswith("gym-b"))
    assert "online" in row_a and "1/20" in row_a and "good" in row_a and "48°" in row_a
    assert "offline" in row_b and "camera" in row_b


# ------------------------------------------------------------------ install: local broker and unit drop-in


def test_unit_with_the_mqtt_drop_in_stays_hardened(tmp_path):
    """The station's unit plus the MQTT drop-in (merged as systemd merges them): exposure at most 2.0."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze not installed")
    import re

    base = (ROOT / "systemd" / "wallhinge.service").read_text()
    dropin = (ROOT / "systemd" / "wallhinge-mqtt.conf").read_text()
    extra = "\n".join(ln for ln in dropin.splitlines() if ln and not ln.startswith(("#", "[")))
    assert "PrivateNetwork=no" in extra and "IPAddressAllow=localhost" in extra
    merged = tmp_path / "wallhinge.service"
    merged.write_text(base.replace("\n[Install]", "\n" + extra + "\n\n[Install]"))

    def score(path: Path) -> float:
        res = subprocess.run([analyze, "security", "--offline=true", str(path)], capture_output=True, text=True,
                             timeout=60)
        m = re.search(r"Overall exposure level for wallhinge\.service: (\d+\.\d+)", res.stdout)
        assert m, res.stdout[-2000:] + res.stderr
        return float(m.group(1))

    assert score(merged) <= 2.0
    # IPAddressDeny=any of the base unit is still in force (only the broker is allowed).
    assert "IPAddressDeny=any" in base


def test_local_broker_config_binds_loopback_and_wants_a_password(tmp_path):
    """The mosquitto config install.sh --mqtt-local ships, run for real (port and paths moved to tmp)."""
    conf = (ROOT / "systemd" / "mosquitto-wallhinge.conf").read_text()
    assert "listener 1883 127.0.0.1" in conf and "allow_anonymous false" in conf
    port = free_port()
    pw = tmp_path / "passwd"
    subprocess.run(["mosquitto_passwd", "-b", "-c", str(pw), "wallhinge", "pw1"], check=True, capture_output=True)
    os.chmod(tmp_path, 0o755)
    os.chmod(pw, 0o644)
    text = (conf.replace("listener 1883 127.0.0.1", f"listener {port} 127.0.0.1")
            .replace("/etc/mosquitto/wallhinge.passwd", str(pw)))
    (tmp_path / "m.conf").write_text(f"user {getpass.getuser()}\n" + text)
    proc = subprocess.Popen([MOSQUITTO, "-c", str(tmp_path / "m.conf")], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 5
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert time.monotonic() < deadline and proc.poll() is None, "mosquitto did not start"
                time.sleep(0.02)
        mc = mqtt_config(tmp_path, station_id="local").mqtt
        refused = threading.Event()
        anon = paho.Client(CallbackAPIVersion.VERSION2)  # anyone on the Pi without the password
        anon.on_connect = lambda c, u, f, rc, p: rc.is_failure and refused.set()
        anon.connect("127.0.0.1", port)
        anon.loop_start()
        assert refused.wait(5), "the local broker let an anonymous client in"
        anon.loop_stop()
        ok = MqttLink(mc, station_id="local", url=f"mqtt://wallhinge:pw1@127.0.0.1:{port}").start()
        assert ok.wait_connected(5), ok.last_error
        ok.close()
    finally:
        proc.terminate()
        proc.wait(5)


def test_install_dry_run_sets_up_the_local_broker():
    res = subprocess.run(["bash", str(ROOT / "scripts" / "install.sh"), "--dry-run", "--mqtt-local"],
                         capture_output=True, text=True, timeout=60,
                         env={**os.environ, "WALLHINGE_ROOT": ""})
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert "apt-get install -y --no-install-recommends mosquitto mosquitto-clients" in out
    assert "/etc/mosquitto/conf.d/wallhinge.conf" in out
    assert "/etc/systemd/system/wallhinge.service.d/mqtt.conf" in out
    assert "mosquitto_passwd -b -c /etc/mosquitto/wallhinge.passwd wallhinge" in out
    assert 'password_file = "/etc/wallhinge/mqtt.password"' in out
    assert "paho-mqtt" in out  # the Pi's venv gets the client library


# ------------------------------------------------------------------ the live station's hook


def test_live_station_publishes_and_says_offline_when_it_stops(broker, tmp_path, factory):
    """run_station with --mqtt: online, its state, then offline when the camera stream ends."""
    from gpiozero.pins.mock import MockTriggerPin

    from device.io.frames import Frame
    from device.live import run_station
    from device.sim.scenarios import get_scenario
    from device.simulate import TruthPosture

    sc = get_scenario("clean", 0, width=320, height=240, fps=10, n_reps=1)
    cfg = mqtt_config(tmp_path, station_id="live1", outbox=str(tmp_path / "outbox.db"))
    cfg.camera.source = "synthetic"
    echo = factory.pin(cfg.sensor.echo_pin)
    factory.pin(cfg.sensor.trigger_pin, pin_class=MockTriggerPin, echo_pin=echo, echo_time=0.3 * 2 / 343.26)
    out = Listener(broker, "wallhinge/live1/availability", "wallhinge/live1/state")

    class FewFrames:  # one second of the scenario, in real time, then the stream ends
        def frames(self):
            for i, t in enumerate(sc.frame_times()[:10]):
                time.sleep(0.1)
                yield Frame(i, t, sc.render(t))

        def close(self):
            pass

    status = run_station(cfg, pin_factory=factory, frame_source=FewFrames(), posture=TruthPosture(sc),
                         mqtt_url=broker.url)
    assert status == 1  # the finite stream ended
    out.wait(lambda: out.on("wallhinge/live1/availability")[-2:] == [b"online", b"offline"], 5, "online, offline")
    st = out.json("wallhinge/live1/state")[-1]
    assert st["station_id"] == "live1" and st["target"] == 20
    out.close()
