"""The MQTT adapter: the station's events out, commands in, never in the way of the counting.

:class:`MqttLink` is an event sink (``handle(event)``) for the station. The
station thread only turns an event into a payload and puts it on a queue; one
network thread (``wallhinge-mqtt``) owns the outbox and publishes, and paho's
own loop thread talks to the broker and reconnects. So a slow or absent
broker never delays a rep, an LED or the session log.

Topics (``wallhinge/<station_id>/...``, see :mod:`device.net.topics`):

- ``availability``: retained ``online`` once connected; ``offline`` as the
  last will (the broker publishes it when the station dies) and on a clean exit.
- ``state``: retained :class:`device.messages.StationState` JSON, on every change.
- ``rep``: each finished rep, QoS 1, not retained, with its stable ``id``.
  Written to the outbox first and marked delivered on the broker's PUBACK;
  undelivered reps go out in order after an outage or a restart.
- ``event``: set started or ended, target reached, a fault on or off (QoS 1,
  while connected; the retained ``state`` carries what a late reader needs).
- ``set/<command>``: start, reset, target, patient, mute
  (:mod:`device.control`); a bad one is logged and answered on ``error``.

Nothing derived from camera images is published: the payloads carry measures
(angles, verdicts, counts) only, never a picture, mask or outline.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import socket
import ssl
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Optional

from ..control import CommandError, StationControl, apply_command, parse_command
from ..core.types import ContactMade, Event, RepFinished, SetEnded, SetStarted, TargetReached
from ..messages import StationState, event_message, fault_message, rep_message
from .discovery import discovery_messages, encode
from .outbox import Outbox
from .topics import Topics
from .url import BrokerUrl, parse_url

log = logging.getLogger("wallhinge.mqtt")

# Rep messages in flight at once (sent, PUBACK not yet back).
WINDOW = 20
# After a reconnect, paho re-sends what was in flight first; if that is not
# acknowledged within this time, the outbox sends it again (a duplicate at worst).
RESEND_AFTER_S = 10.0
KEEPALIVE_S = 30


class NetError(Exception):
    """The MQTT link cannot be set up as configured; the message says what to fix."""


def _now_wall() -> datetime:
    return datetime.now(timezone.utc)


def _iso(d: datetime) -> str:
    return d.isoformat(timespec="milliseconds")


def explain_connect_error(err: BaseException, url: BrokerUrl) -> str:
    """A sentence for a failed connection attempt, with what to check."""
    text = _explain_connect_error(err, url)
    if os.environ.get("INVOCATION_ID") and isinstance(err, (ConnectionRefusedError, OSError)) \
            and not isinstance(err, ssl.SSLError):
        # under systemd: the station's unit has no network unless the MQTT drop-in is installed
        text += ("; the service reaches a broker only with the drop-in systemd/wallhinge-mqtt.conf in "
                 "/etc/systemd/system/wallhinge.service.d/ (scripts/install.sh --mqtt-local installs it)")
    return text


def _explain_connect_error(err: BaseException, url: BrokerUrl) -> str:
    where = f"{url.host}:{url.port}"
    if isinstance(err, ssl.SSLCertVerificationError):
        return (f"the broker at {where} sent a TLS certificate this station does not trust "
                f"({err.verify_message}); set [mqtt] ca_file to the CA that signed it")
    if isinstance(err, ssl.SSLError):
        return f"TLS with the broker at {where} failed ({err.reason or err}); is it a TLS port (mqtts://) and the right CA?"
    if isinstance(err, ConnectionRefusedError):
        return f"no MQTT broker answers at {where} (connection refused); is mosquitto running and the port right?"
    if isinstance(err, socket.gaierror):
        return f"cannot find the broker's host {url.host!r} ({err.strerror}); check [mqtt] url"
    if isinstance(err, (TimeoutError, socket.timeout)):
        return f"the broker at {where} does not answer (timed out); check the network and [mqtt] url"
    return f"cannot reach the broker at {where}: {err}"


def explain_refusal(reason: Any, url: BrokerUrl) -> str:
    text = str(reason)
    if "authori" in text.lower() or "user name or password" in text.lower() or "credentials" in text.lower():
        return (f"the broker at {url.host}:{url.port} refused the login ({text}); check [mqtt] username and "
                f"password (or password_file), or the user:password in the URL")
    return f"the broker at {url.host}:{url.port} refused the connection ({text})"


def make_client(url: BrokerUrl, *, client_id: str, username: Optional[str], password: Optional[str],
                ca_file: Optional[Path], will: Optional[tuple[str, str]] = None,
                on_error: Optional[Callable[[str], None]] = None):
    """A paho client set up for ``url`` (credentials, TLS, last will); not yet connected."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    class _Client(mqtt.Client):
        # paho's connect-failure callback carries no reason; keep the exception for the message.
        def reconnect(self):
            try:
                return super().reconnect()
            except OSError as e:
                if on_error is not None:
                    on_error(explain_connect_error(e, url))
                raise

    c = _Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv311, clean_session=True)
    if username:
        c.username_pw_set(username, password or None)
    if url.tls:
        if ca_file is not None and not Path(ca_file).is_file():
            raise NetError(f"[mqtt] ca_file {ca_file} does not exist; point it at the CA certificate (PEM) "
                           f"that signed the broker's certificate")
        try:
            c.tls_set(ca_certs=str(ca_file) if ca_file else None, cert_reqs=ssl.CERT_REQUIRED,
                      tls_version=ssl.PROTOCOL_TLS_CLIENT)
        except (ssl.SSLError, OSError) as e:
            raise NetError(f"[mqtt] ca_file {ca_file} is not a usable CA certificate (PEM): {e}") from None
    if will is not None:
        c.will_set(will[0], will[1], qos=1, retain=True)
    c.reconnect_delay_set(min_delay=1, max_delay=30)
    return c


def credentials(mc, url: BrokerUrl) -> tuple[Optional[str], Optional[str]]:
    """Username and password: the URL's if it has them, else the config's (password_file wins)."""
    username = url.username or mc.username or None
    password = url.password if url.password is not None else (mc.password or None)
    if url.password is None and mc.password_file:
        try:
            password = Path(mc.password_file).read_text(encoding="utf-8").strip()
        except OSError as e:
            raise NetError(f"[mqtt] password_file {mc.password_file} cannot be read ({e.strerror}); "
                           f"create it with the broker password on one line, readable by the station") from None
    return username, password


class EngineControl:
    """Commands applied to the existing :class:`device.station.Station` (until the station app exists).

    ``start`` and ``reset`` both end the current set now; the engine starts the
    next one when the person stands tall at the wall. ``target`` changes the
    target the engine counts towards. ``patient`` and ``mute`` are kept in the
    published state (there is no prescription store or mute on the feedback yet).
    """

    def __init__(self, station, link: "MqttLink", clock: Callable[[], float]) -> None:
        self.station = station
        self.link = link
        self.clock = clock

    def start_set(self) -> None:
        self.station.reset_set(self.clock())

    def reset_set(self) -> None:
        self.station.reset_set(self.clock())

    def set_target(self, reps: int) -> None:
        self.station.config.station.target_reps = reps
        self.link.update_state(target=reps)

    def select_patient(self, patient_id: Optional[int]) -> None:
        self.link.update_state(patient=None if patient_id is None else str(patient_id))

    def mute(self, muted: bool) -> None:
        self.link.update_state(muted=muted)


class MqttLink:
    """The station on MQTT: an event sink and a command listener with its own network thread."""

    def __init__(self, mc, *, station_id: str, url: Optional[str] = None, target: int = 20,
                 outbox: Optional[Path | str] = None, control: Optional[StationControl] = None,
                 probe: Optional[Callable[[], dict]] = None, thresholds: Any = None) -> None:
        self.url = parse_url(url or mc.url)
        self.thresholds = thresholds  # the station's config.thresholds: they decide a rep's cue (rep_cue)
        self.station_id = station_id
        self.topics = Topics(station_id)
        self.discovery = mc.discovery
        self.prefix = mc.discovery_prefix
        self.control = control
        self.probe = probe
        self.outbox_path = outbox
        self.username, password = credentials(mc, self.url)
        if not self.username or not password:
            raise NetError(
                f"MQTT to {self.url.display()} needs a username and a password: reps are health data and are "
                f"never sent to a broker without a login. Set [mqtt] username and password_file (or password), "
                f"or give mqtt://user:password@host; scripts/install.sh --mqtt-local sets up a local broker so")
        if not self.url.tls and self.url.host not in ("localhost", "127.0.0.1", "::1"):
            log.warning("MQTT: %s is not encrypted: the password and the reps cross the network in clear; "
                        "use mqtts:// with the broker's CA in [mqtt] ca_file", self.url.display())
        self.last_error: Optional[str] = None
        self.connected = threading.Event()
        self._q: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._state = StationState(station_id=station_id, app_state="ready", target=target)
        self._faults: dict[str, str] = {}
        self._set_id: Optional[str] = None
        self._client = make_client(
            self.url, client_id=f"wallhinge-{station_id}", username=self.username, password=password,
            ca_file=Path(mc.ca_file) if mc.ca_file else None, will=(self.topics.availability, "offline"), on_error=self._error)
        c = self._client
        c.on_connect = self._on_connect
        c.on_disconnect = self._on_disconnect
        c.on_publish = self._on_publish
        c.on_message = self._on_message
        self._thread: Optional[threading.Thread] = None
        self._closed = threading.Event()
        self.delivered = 0  # reps acknowledged by the broker since start

    # ------------------------------------------------------------ station side (never blocks)

    def handle(self, e: Event) -> None:
        """Event sink: called on the station's threads; only builds a payload and queues it."""
        now = _now_wall()
        if isinstance(e, SetStarted):
            self._set_id = f"{now.strftime('%Y%m%dT%H%M%S')}-{e.set_index}"
            self.update_state(set_active=True, set_id=self._set_id, count=0, last_verdict=None, last_cue=None,
                              person_present=True)
        elif isinstance(e, RepFinished):
            rep = e.rep
            set_id = self._set_id or f"{now.strftime('%Y%m%dT%H%M%S')}-0"

            def wall(t: float) -> str:
                return _iso(now - timedelta(seconds=max(0.0, e.t - t)))

            msg = rep_message(rep, station_id=self.station_id, set_id=set_id, wall_start=wall(rep.start_s),
                              wall_end=wall(rep.end_s), counted_total=e.counted_total, target=e.target_reps,
                              thresholds=self.thresholds)
            self._q.put(("rep", msg["id"], encode(msg)))
            self.update_state(count=e.counted_total, target=e.target_reps, last_verdict=rep.verdict.value,
                              last_cue=msg["cue"], person_present=True)
        elif isinstance(e, SetEnded):
            self.update_state(set_active=False, set_id=None)
        elif isinstance(e, ContactMade):
            self.update_state(person_present=True)
        if isinstance(e, (SetStarted, SetEnded, TargetReached)):
            ev = event_message(e, station_id=self.station_id, set_id=self._set_id, wall_time=_iso(now))
            if ev is not None:
                self._q.put(("event", encode(ev)))
        if isinstance(e, SetEnded):
            self._set_id = None

    def update_state(self, **changes: Any) -> None:
        with self._lock:
            for k, v in changes.items():
                setattr(self._state, k, v)
        self._q.put(("state",))

    def set_faults(self, faults: dict[str, str]) -> None:
        """The device faults now on, part -> message (camera, proximity sensor, storage)."""
        with self._lock:
            before, self._faults = self._faults, dict(faults)
        now = _iso(_now_wall())
        for part in faults.keys() - before.keys():
            self._q.put(("event", encode(fault_message(part, "fault", True, faults[part],
                                                       station_id=self.station_id, wall_time=now))))
        for part in before.keys() - faults.keys():
            self._q.put(("event", encode(fault_message(part, "ok", False, f"{part} recovered",
                                                       station_id=self.station_id, wall_time=now))))
        if faults.keys() != before.keys():
            self.update_state(faults=sorted(faults))

    def follow(self, st: StationState) -> None:
        """State listener of the station app: its state is published as it changes, and its
        device faults as ``fault_on``/``fault_off`` events."""
        keep = ("target", "patient", "muted")
        self.update_state(**{k: getattr(st, k) for k in keep})
        self.set_faults({f.split(" ")[0]: f for f in st.faults})

    def state(self) -> dict:
        with self._lock:
            d = self._state.to_dict()
        if d["faults"]:
            d["app_state"] = "faulted"
        elif d["set_active"]:
            d["app_state"] = "running"
        return d

    # ------------------------------------------------------------ lifecycle

    def start(self) -> "MqttLink":
        self._thread = threading.Thread(target=self._run, name="wallhinge-mqtt", daemon=True)
        self._thread.start()
        log.info("MQTT: connecting to %s as station %r", self.url.display(), self.station_id)
        self._client.connect_async(self.url.host, self.url.port, keepalive=KEEPALIVE_S)
        self._client.loop_start()
        return self

    def close(self, timeout: float = 5.0) -> None:
        """Clean exit: deliver what can be delivered within ``timeout``, say ``offline``, disconnect."""
        if self._thread is None or self._closed.is_set():
            return
        done = threading.Event()
        self._q.put(("stop", done, time.monotonic() + timeout))
        done.wait(timeout + 3)
        self._closed.set()
        try:
            self._client.disconnect()
        finally:
            self._client.loop_stop()
        self._thread.join(timeout=2)

    def wait_connected(self, timeout: float) -> bool:
        return self.connected.wait(timeout)

    def pending(self) -> int:
        """Reps not yet acknowledged by the broker (asks the network thread)."""
        box: queue.Queue = queue.Queue()
        self._q.put(("count", box))
        try:
            return box.get(timeout=5)
        except queue.Empty:
            return -1

    # ------------------------------------------------------------ paho callbacks (paho's thread)

    def _error(self, text: str) -> None:
        if text != self.last_error:
            log.warning("MQTT: %s; the station carries on and retries", text)
        self.last_error = text

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            self._error(explain_refusal(reason_code, self.url))
            return
        if self.last_error is not None:
            log.info("MQTT: connected to %s again", self.url.display())
        else:
            log.info("MQTT: connected to %s", self.url.display())
        self.last_error = None
        client.publish(self.topics.availability, "online", qos=1, retain=True)
        client.subscribe([(self.topics.commands, 1), (f"{self.prefix}/status", 1)])
        self._q.put(("connected",))
        self.connected.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        was_up = self.connected.is_set()  # False after a refused login: keep that reason
        self.connected.clear()
        self._q.put(("disconnected",))
        if was_up and not self._closed.is_set() and reason_code.is_failure:
            self._error(f"lost the broker at {self.url.host}:{self.url.port} ({reason_code}); reps wait in the outbox")

    def _on_publish(self, client, userdata, mid, reason_code, properties) -> None:
        self._q.put(("acked", mid))

    def _on_message(self, client, userdata, msg) -> None:
        self._q.put(("message", msg.topic, bytes(msg.payload), bool(msg.retain)))

    # ------------------------------------------------------------ the network thread

    def _run(self) -> None:
        try:
            self._outbox = self._open_outbox()
            self._loop()
        except Exception:
            log.exception("MQTT: the network thread stopped; reps are still counted and logged")
        finally:
            box = getattr(self, "_outbox", None)
            if box is not None:
                box.close()

    def _open_outbox(self) -> Outbox:
        if self.outbox_path is None:
            return Outbox(None)
        try:
            box = Outbox(self.outbox_path)
        except Exception as e:
            log.error("MQTT: cannot open the outbox %s (%s); reps are kept in memory until delivered, "
                      "so a restart during a broker outage loses their MQTT copy (the session log keeps them)",
                      self.outbox_path, e)
            return Outbox(None)
        n = box.count_pending()
        if n:
            log.info("MQTT: %d rep(s) from before wait in the outbox %s; sending them first", n, self.outbox_path)
        return box

    def _loop(self) -> None:
        box = self._outbox
        gen = 0  # connection generation
        connected_at = 0.0
        inflight: dict[int, tuple[int, int]] = {}  # outbox seq -> (mid, generation)
        by_mid: dict[int, int] = {}
        last_state: Optional[str] = None
        stopping: Optional[tuple[threading.Event, float]] = None
        up = False
        next_tick = time.monotonic() + 0.5

        def flush() -> None:
            if not up:
                return
            if any(g < gen for _, g in inflight.values()):
                # paho re-sends what was in flight at the disconnect; wait for it to keep the order
                if time.monotonic() - connected_at < RESEND_AFTER_S:
                    return
                for seq in [s for s, (_, g) in inflight.items() if g < gen]:
                    by_mid.pop(inflight.pop(seq)[0], None)
            room = WINDOW - len(inflight)
            if room <= 0:
                return
            for p in box.pending(limit=room, exclude=set(inflight)):
                info = self._client.publish(p.topic, p.payload, qos=1, retain=False)
                inflight[p.seq] = (info.mid, gen)
                by_mid[info.mid] = p.seq

        def publish_state(force: bool = False) -> None:
            nonlocal last_state
            if not up:
                return
            payload = encode(self.state())
            if force or payload != last_state:
                self._client.publish(self.topics.state, payload, qos=1, retain=True)
                last_state = payload

        def publish_discovery() -> None:
            if up and self.discovery:
                for topic, cfg in discovery_messages(self.station_id, self.prefix):
                    self._client.publish(topic, encode(cfg), qos=1, retain=True)

        while True:
            try:
                item = self._q.get(timeout=0.5)
            except queue.Empty:
                item = ("tick",)
            kind = item[0]
            if kind != "tick" and time.monotonic() >= next_tick:
                self._q.put(("tick",))  # a busy queue still gets its periodic look
                next_tick = time.monotonic() + 0.5
            if kind == "rep":
                box.add(item[1], self.topics.rep, item[2])
                flush()
            elif kind == "acked":
                seq = by_mid.pop(item[1], None)
                if seq is not None:
                    inflight.pop(seq, None)
                    box.delivered(seq)
                    self.delivered += 1
                    flush()
            elif kind == "state":
                publish_state()
            elif kind == "event":
                if up:
                    self._client.publish(self.topics.event, item[1], qos=1, retain=False)
                else:
                    log.debug("MQTT: event not sent (broker away): %s", item[1])
            elif kind == "connected":
                up, gen, connected_at = True, gen + 1, time.monotonic()
                publish_discovery()
                publish_state(force=True)
                flush()
            elif kind == "disconnected":
                up = False
            elif kind == "message":
                self._message(item[1], item[2], item[3], publish_discovery)
                publish_state()
            elif kind == "count":
                item[1].put(box.count_pending())
            elif kind == "tick":
                next_tick = time.monotonic() + 0.5
                if self.probe is not None:
                    try:
                        changes = self.probe()
                    except Exception:
                        log.debug("MQTT: state probe failed", exc_info=True)
                        changes = {}
                    if changes:
                        with self._lock:
                            for k, v in changes.items():
                                setattr(self._state, k, v)
                        publish_state()
                flush()
            elif kind == "stop":
                stopping = (item[1], item[2])
            if stopping is not None:
                done, deadline = stopping
                # a broker that is away may come back before the deadline: keep trying until then
                if (not inflight and box.count_pending() == 0) or time.monotonic() >= deadline:
                    left = box.count_pending()
                    if left:
                        log.warning("MQTT: %d rep(s) not yet delivered stay in the outbox for the next start", left)
                    if up:
                        info = self._client.publish(self.topics.availability, "offline", qos=1, retain=True)
                        try:
                            info.wait_for_publish(timeout=max(0.5, deadline - time.monotonic()))
                        except (RuntimeError, ValueError):
                            pass
                    done.set()
                    return

    def _message(self, topic: str, payload: bytes, retained: bool, publish_discovery: Callable[[], None]) -> None:
        if topic == f"{self.prefix}/status":
            if payload.strip().lower() == b"online":
                log.info("MQTT: Home Assistant is online; sending discovery again")
                publish_discovery()
            return
        prefix = self.topics.base + "/set/"
        if not topic.startswith(prefix):
            return
        name = topic[len(prefix):]
        try:
            if retained:
                raise CommandError(f"command {name!r} was a retained message; commands are carried out only "
                                   f"when sent live (publish without retain), so an old one never repeats")
            cmd = parse_command(name, payload)
            if self.control is None:
                raise CommandError("this station takes no commands")
            apply_command(self.control, cmd)
            log.info("MQTT: command %s%s", name, "" if cmd.value is None else f" = {cmd.value!r}")
        except CommandError as e:
            log.warning("MQTT: bad command on %s: %s", topic, e)
            self._answer_error(name, payload, str(e))
        except Exception as e:  # the station app failed to carry it out: say so, never crash
            log.exception("MQTT: command %s failed", name)
            self._answer_error(name, payload, f"the station could not carry out {name!r}: {e}")

    def _answer_error(self, name: str, payload: bytes, reason: str) -> None:
        body = {"v": 1, "station": self.station_id, "command": name,
                "payload": payload[:200].decode("utf-8", "replace"), "error": reason, "at": _iso(_now_wall())}
        self._client.publish(self.topics.error, json.dumps(body), qos=1, retain=False)


def outbox_path(config) -> Path:
    return Path(config.mqtt.outbox) if config.mqtt.outbox else Path(config.storage.database).parent / "mqtt-outbox.db"


def link_from_config(config, *, url: Optional[str] = None, station=None, clock: Callable[[], float] = time.monotonic,
                     outbox: Optional[Path | str] | bool = True,
                     control: Optional[StationControl] = None) -> Optional[MqttLink]:
    """The station's MQTT link if ``[mqtt] url`` or ``url`` is set, started; None when MQTT is off.

    Commands go to ``control`` (the station app), or, given only a bare ``station``,
    through :class:`EngineControl`; the state reports whether a person is in view.
    """
    from ..config import default_station_id

    mc = config.mqtt
    if not (url or mc.url):
        return None
    station_id = mc.station_id or default_station_id()
    path = outbox_path(config) if outbox is True else (outbox or None)

    def probe() -> dict:
        p = station.last_posture
        return {"person_present": bool(p is not None and p.person)}

    link = MqttLink(mc, station_id=station_id, url=url, target=config.station.target_reps, outbox=path,
                    probe=probe if station is not None else None, thresholds=config.thresholds)
    if control is not None:
        link.control = control
    elif station is not None:
        link.control = EngineControl(station, link, clock)
    return link.start()
