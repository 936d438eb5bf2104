"""The station's local channel: a Unix socket that the dashboard and the athlete screen read.

One channel from station to dashboard (README, "The clinic dashboard"): the
station serves newline-delimited JSON on a Unix socket (``[bus] socket``,
default ``/run/wallhinge/station.sock``). Every line is one object
``{"type": ..., "data": {...}}``; the payloads are :mod:`device.messages`':

- ``hello``: sent once on connect (station id, schema version);
- ``state``: the :class:`~device.messages.StationState`, on connect and on every change;
- ``rep``: each finished rep (:func:`~device.messages.rep_message`);
- ``event``: set started or ended, target reached, contact (:func:`~device.messages.event_message`);
- ``posture``: trunk inclination and rounding, about 10 a second, for the live trace;
- ``frame``: a JPEG (base64) of the camera view with the silhouette and back overlay,
  only while at least one client asked for frames (``{"frames": true}``), a few a
  second, never stored;
- ``error``: a command the station refused, with the reason.

A client may send, one JSON object a line:

- ``{"cmd": "patient", "value": 3}`` (any command of :mod:`device.control`,
  validated by :func:`~device.control.parse_command`);
- ``{"frames": true}`` / ``{"frames": false}``: start or stop the live view;
- ``{"prescription": {"target": 12, "checks": {...}, "min_rep_s": 1.5}}``: a
  patient's dose (validated here; an addition beyond the shared command set).

Authentication is the socket's file permissions: 0660, group ``wallhinge``
(the station and dashboard units run as that group; nobody else can connect).

The station never waits for a client: publishing appends to a per-client
buffer that one I/O thread drains; a client whose buffer is full loses that
message (a frame is only queued to a client that has drained its backlog), so a
stalled browser or a hung dashboard never slows the counting. JPEG encoding
runs on the I/O thread from the latest frame only, so the camera loop hands
over a reference and moves on.
"""

from __future__ import annotations

import base64
import errno
import grp
import json
import logging
import os
import selectors
import socket
import stat
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Optional

from .control import CommandError, StationControl, apply_command, parse_command
from .core.types import (
    BaselineTaken,
    ContactMade,
    Event,
    PostureSample,
    RepFinished,
    SetEnded,
    SetStarted,
)
from .messages import StationState, event_message, rep_message

log = logging.getLogger(__name__)

MAX_LINE = 64 * 1024  # a client line longer than this is not a command
MAX_BUFFER = 1024 * 1024  # per client: messages beyond this backlog are dropped
FRAME_BACKLOG = 96 * 1024  # a frame goes only to a client with less than this queued
POSTURE_HZ = 10.0


class BusError(Exception):
    """The socket cannot be served; the message names the path and the fix."""


def _now_iso() -> str:
    return datetime.now().astimezone().isoformat(timespec="milliseconds")


def encode(kind: str, data: Any) -> bytes:
    return (json.dumps({"type": kind, "data": data}, separators=(",", ":"), default=str) + "\n").encode()


@dataclass
class _Client:
    sock: socket.socket
    inbuf: bytearray = field(default_factory=bytearray)
    out: bytearray = field(default_factory=bytearray)
    frames: bool = False
    dropped: int = 0


class BusServer:
    """Serves the station's messages on a Unix socket to any number of local clients.

    ``on_message(client_id, obj)`` is called on the I/O thread for every
    client line that is not a frame request; it returns an error text or None.
    ``frame_encoder()`` returns JPEG bytes of the latest view, or None.
    """

    def __init__(self, path: Path | str, *, group: Optional[str] = "wallhinge", frame_fps: float = 4.0,
                 on_message: Optional[Callable[[dict], Optional[str]]] = None,
                 frame_encoder: Optional[Callable[[], Optional[bytes]]] = None,
                 greeting: Optional[Callable[[], list[bytes]]] = None) -> None:
        self.path = Path(path)
        self.group = group
        self.frame_interval = 1.0 / frame_fps if frame_fps > 0 else None
        self.on_message = on_message
        self.frame_encoder = frame_encoder
        self.greeting = greeting
        self._clients: dict[int, _Client] = {}
        self._lock = threading.Lock()
        self._sel = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._stop = threading.Event()
        self._listener: Optional[socket.socket] = None
        self._thread: Optional[threading.Thread] = None
        self.frames_sent = 0

    # ---- life cycle

    def start(self) -> "BusServer":
        self._listener = self._bind()
        self._listener.setblocking(False)
        self._sel.register(self._listener, selectors.EVENT_READ, "listen")
        self._sel.register(self._wake_r, selectors.EVENT_READ, "wake")
        self._thread = threading.Thread(target=self._run, name="wallhinge-bus", daemon=True)
        self._thread.start()
        log.info("station channel on %s", self.path)
        return self

    def _bind(self) -> socket.socket:
        p = self.path
        if not p.parent.is_dir():
            # Not created here: under systemd the unit's RuntimeDirectory= makes it with
            # the right owner; a station run by hand says what to do instead.
            raise BusError(f"station channel {p}: the folder {p.parent} does not exist (the service unit "
                           "creates it); create it, set [bus] socket to another path, or [bus] enabled = false")
        if p.exists() or p.is_symlink():
            # A socket left by a station that died is replaced; anything else is
            # someone's file and is never overwritten.
            if not stat.S_ISSOCK(p.lstat().st_mode):
                raise BusError(f"station channel {p} exists and is not a socket; move it away or set "
                               "[bus] socket to another path")
            if socket_alive(p):
                raise BusError(f"station channel {p} is in use by another running station; stop it first "
                               "or set [bus] socket to another path")
            p.unlink()
        # The socket is made under a temporary name and renamed into place once it listens: a client
        # that connects as soon as the file appears (the dashboard, a test) is never refused by a
        # socket that is bound but not listening yet. (A path too long for the temporary name is
        # bound in place, as before.)
        tmp = p.with_name(f".{p.name}.new")
        at = tmp if len(os.fsencode(str(tmp))) < 108 else p
        if at is tmp and (tmp.exists() or tmp.is_symlink()):
            if not stat.S_ISSOCK(tmp.lstat().st_mode):
                raise BusError(f"station channel: {tmp} exists and is not a socket; move it away or set "
                               "[bus] socket to another path")
            tmp.unlink()  # left by a station that died while starting
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o117)  # created 0660: owner and group only
        bound = False
        try:
            s.bind(str(at))
            bound = True
            os.chmod(at, 0o660)
            if self.group:
                try:
                    os.chown(at, -1, grp.getgrnam(self.group).gr_gid)
                except (KeyError, PermissionError):
                    pass  # no such group here (a laptop): owner-only in practice
            s.listen(8)
            if at is not p:
                _move_into_place(at, p)
        except FileExistsError:
            s.close()
            at.unlink()
            raise BusError(f"station channel {p} appeared while this station started (another station?); "
                           "stop it first or set [bus] socket to another path") from None
        except OSError as e:
            s.close()
            if bound and at is not p:
                try:
                    at.unlink()
                except OSError:
                    pass
            raise BusError(f"station channel {p}: cannot listen there ({e.strerror}); set [bus] socket "
                           "to a writable path") from None
        finally:
            os.umask(old)
        return s

    def close(self) -> None:
        if self._stop.is_set():
            return
        self._stop.set()
        self._wake()
        if self._thread is not None:
            self._thread.join(2.0)
        with self._lock:
            for c in self._clients.values():
                c.sock.close()
            self._clients.clear()
        if self._listener is not None:
            self._listener.close()
            try:
                if stat.S_ISSOCK(self.path.lstat().st_mode):
                    self.path.unlink()
            except OSError:
                pass
        self._wake_r.close()
        self._wake_w.close()
        self._sel.close()

    # ---- publishing (any thread; never blocks)

    def publish(self, kind: str, data: Any) -> None:
        line = encode(kind, data)
        with self._lock:
            for c in self._clients.values():
                if len(c.out) + len(line) > MAX_BUFFER:
                    c.dropped += 1
                    continue
                c.out += line
        self._wake()

    @property
    def clients(self) -> int:
        with self._lock:
            return len(self._clients)

    @property
    def want_frames(self) -> bool:
        with self._lock:
            return any(c.frames for c in self._clients.values())

    def _wake(self) -> None:
        try:
            self._wake_w.send(b"x")
        except (BlockingIOError, OSError):
            pass  # already woken (buffer full) or closing

    # ---- the I/O thread

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._serve()
            except Exception:  # never die silently: log, drop nobody, carry on
                log.exception("station channel: unexpected error; serving on")
                time.sleep(0.5)

    def _serve(self) -> None:
        next_frame = 0.0
        while not self._stop.is_set():
            timeout = 1.0
            if self.frame_interval and self.want_frames:
                timeout = max(0.0, next_frame - time.monotonic())
            with self._lock:
                for fd, c in self._clients.items():
                    self._sel.modify(c.sock, selectors.EVENT_READ | (selectors.EVENT_WRITE if c.out else 0), fd)
            for key, mask in self._sel.select(timeout):
                if key.data == "listen":
                    self._accept()
                elif key.data == "wake":
                    try:
                        while self._wake_r.recv(4096):
                            pass
                    except (BlockingIOError, OSError):
                        pass
                else:
                    if mask & selectors.EVENT_READ:
                        self._read(key.data)
                    if mask & selectors.EVENT_WRITE:
                        self._write(key.data)
            if self.frame_interval and self.frame_encoder and time.monotonic() >= next_frame and self.want_frames:
                next_frame = time.monotonic() + self.frame_interval
                self._send_frame()

    def _accept(self) -> None:
        try:
            sock, _ = self._listener.accept()  # type: ignore[union-attr]
        except (BlockingIOError, OSError):
            return
        sock.setblocking(False)
        c = _Client(sock)
        if self.greeting is not None:
            for line in self.greeting():
                c.out += line
        with self._lock:
            self._clients[sock.fileno()] = c
        self._sel.register(sock, selectors.EVENT_READ | selectors.EVENT_WRITE, sock.fileno())

    def _drop(self, fd: int) -> None:
        with self._lock:
            c = self._clients.pop(fd, None)
        if c is not None:
            try:
                self._sel.unregister(c.sock)
            except (KeyError, ValueError):
                pass
            c.sock.close()

    def _read(self, fd: int) -> None:
        c = self._clients.get(fd)
        if c is None:
            return
        try:
            chunk = c.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            chunk = b""
        if not chunk:
            self._drop(fd)
            return
        c.inbuf += chunk
        while b"\n" in c.inbuf:
            line, _, rest = bytes(c.inbuf).partition(b"\n")
            c.inbuf = bytearray(rest)
            self._handle_line(c, line)
        if len(c.inbuf) > MAX_LINE:
            log.warning("station channel: a client sent a line over %d bytes; disconnected it", MAX_LINE)
            self._drop(fd)

    def _handle_line(self, c: _Client, line: bytes) -> None:
        if not line.strip():
            return
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise ValueError
        except (ValueError, UnicodeDecodeError):
            self._reply(c, "not a JSON object; send one object a line, such as {\"cmd\": \"start\"}")
            return
        if "frames" in obj:
            c.frames = bool(obj["frames"]) is True
            return
        try:
            err = self.on_message(obj) if self.on_message is not None else "this station takes no commands"
        except Exception as e:  # a bug in a command must not stop the channel
            log.exception("station channel: a command failed: %r", obj)
            err = f"the station could not carry that out ({type(e).__name__}: {e})"
        if err:
            self._reply(c, err)

    def _reply(self, c: _Client, message: str) -> None:
        with self._lock:
            c.out += encode("error", {"message": message})

    def _write(self, fd: int) -> None:
        c = self._clients.get(fd)
        if c is None:
            return
        with self._lock:
            data = bytes(c.out[:65536])
        if not data:
            return
        try:
            n = c.sock.send(data)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._drop(fd)
            return
        with self._lock:
            del c.out[:n]

    def _send_frame(self) -> None:
        try:
            jpeg = self.frame_encoder()  # type: ignore[misc]
        except Exception:
            log.exception("live view: encoding a frame failed")
            return
        if jpeg is None:
            return
        line = encode("frame", {"jpeg": base64.b64encode(jpeg).decode("ascii"), "at": _now_iso()})
        with self._lock:
            for c in self._clients.values():
                if c.frames and len(c.out) < FRAME_BACKLOG:
                    c.out += line
                    self.frames_sent += 1


def _move_into_place(tmp: Path, p: Path) -> None:
    """Give the listening socket ``tmp`` its name ``p`` in one step, never over a file that appeared at
    ``p`` meanwhile (FileExistsError); a file system without hard links gets a rename."""
    try:
        os.link(tmp, p)
    except FileExistsError:
        raise
    except OSError:
        os.replace(tmp, p)
        return
    tmp.unlink()


def socket_alive(p: Path) -> bool:
    """Whether a process listens on the Unix socket ``p`` (a refused or missing one: no)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(0.5)
    try:
        s.connect(str(p))
        return True
    except OSError as e:
        return e.errno not in (errno.ECONNREFUSED, errno.ENOENT)
    finally:
        s.close()


# ------------------------------------------------------------ station side


class StationBus:
    """The station's end of the channel: event sink, state publisher and command handler.

    Add it to the station's sinks (:meth:`handle`), call :meth:`on_frame` from
    the camera loop after each frame. It implements :class:`~device.control.StationControl`
    over the existing :class:`~device.station.Station` until the station app
    (issue 10) offers its own; then pass that app as ``control``.
    """

    def __init__(self, config, station, *, path: Path | str, station_id: Optional[str] = None,
                 session_sink=None, feedback=None, control: Optional[StationControl] = None,
                 clock: Callable[[], float] = time.monotonic, group: Optional[str] = "wallhinge") -> None:
        self.config = config
        self.station = station
        self.session_sink = session_sink
        self.feedback = feedback
        self.clock = clock
        self.control: StationControl = control or self
        self.state = StationState(station_id=station_id or socket.gethostname(), app_state="running",
                                  target=config.station.target_reps)
        self._set_id: Optional[str] = None
        self._baseline: Optional[float] = None
        self._last_posture_pub = float("-inf")
        self._buzzer = None
        # The station's own dose, restored whenever the patient changes, so nobody
        # inherits the previous patient's checks and limits.
        self._base = (config.station.target_reps, config.checks.model_dump(), config.thresholds.model_dump())
        self._latest = None  # (image, sample, debug): the newest frame, for the live view
        self._latest_lock = threading.Lock()
        self._lock = threading.Lock()
        self.server = BusServer(path, group=group, frame_fps=config.bus.frame_fps, on_message=self._on_message,
                                frame_encoder=self._encode_frame, greeting=self._greeting)

    def start(self) -> "StationBus":
        self.server.start()
        return self

    def close(self) -> None:
        self.server.close()

    # ---- events in

    def handle(self, e: Event) -> None:
        st = self.state
        now = _now_iso()
        with self._lock:
            if isinstance(e, SetStarted):
                self._set_id = f"{datetime.now().strftime('%Y%m%dT%H%M%S')}-{e.set_index}"
                st.set_active, st.set_id, st.count = True, self._set_id, 0
                st.last_verdict = st.last_cue = None
                self._baseline = None
            elif isinstance(e, BaselineTaken):
                self._baseline = e.back_bend_deg
                return
            elif isinstance(e, RepFinished):
                st.count = e.counted_total
                st.target = e.target_reps
                st.last_verdict = e.rep.verdict.value
                msg = rep_message(e.rep, station_id=st.station_id, set_id=self._set_id or "-", wall_end=now,
                                  counted_total=e.counted_total, target=e.target_reps,
                                  thresholds=self.config.thresholds)
                st.last_cue = msg["cue"]  # the rep's own cue (the hint when its back was not seen)
                self.server.publish("rep", msg)
            elif isinstance(e, SetEnded):
                st.set_active = False
            payload = event_message(e, station_id=st.station_id, set_id=self._set_id, wall_time=now)
            if payload is not None:
                self.server.publish("event", payload)
            if not isinstance(e, ContactMade):
                self.server.publish("state", st.to_dict())

    def on_frame(self, frame, events=None) -> None:
        """After the station processed ``frame``: the posture trace and the live view's latest frame."""
        p: Optional[PostureSample] = self.station.last_posture
        if p is not None:
            now = p.t  # station time: the trace is ~10 samples a second of the set, however fast it runs
            present = bool(p.person)
            if present != self.state.person_present:
                self.state.person_present = present
                self.server.publish("state", self.state.to_dict())
            if now - self._last_posture_pub >= 1.0 / POSTURE_HZ:
                self._last_posture_pub = now
                rounding = None
                if p.back_bend_deg is not None and self._baseline is not None:
                    rounding = round(p.back_bend_deg - self._baseline, 1)
                self.server.publish("posture", {
                    "t": round(p.t, 2),
                    "trunk_inclination_deg": None if p.trunk_inclination_deg is None else round(p.trunk_inclination_deg, 1),
                    "rounding_deg": rounding, "in_position": bool(p.in_position), "person": present})
        if self.server.want_frames:
            debug = self.station.posture.last_debug if self.station.posture is not None else None
            with self._latest_lock:
                self._latest = (frame.image, p, debug)

    def _encode_frame(self) -> Optional[bytes]:
        with self._latest_lock:
            latest, self._latest = self._latest, None
        if latest is None:
            return None
        import cv2

        from .vision.annotate import annotate

        image, p, debug = latest
        if image is None:  # a frame nobody rendered (a ground-truth simulation): nothing to show
            return None
        rounding = None
        if p is not None and p.back_bend_deg is not None and self._baseline is not None:
            rounding = p.back_bend_deg - self._baseline
        img = annotate(image, p or PostureSample(t=0.0), debug, verdict=self.state.last_verdict,
                       rounding_deg=rounding, rep_count=self.state.count)
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 70])
        return buf.tobytes() if ok else None

    def _greeting(self) -> list[bytes]:
        return [encode("hello", {"v": 1, "station": self.state.station_id, "place": self.config.station.place}),
                encode("state", self.state.to_dict())]

    # ---- commands in (I/O thread)

    def _on_message(self, obj: dict) -> Optional[str]:
        try:
            if "prescription" in obj:
                self.apply_prescription(obj["prescription"])
            elif "cmd" in obj:
                value = obj.get("value")
                payload = "" if value is None else json.dumps(value)
                apply_command(self.control, parse_command(str(obj["cmd"]), payload))
            else:
                return "unknown message; send {\"cmd\": ...}, {\"frames\": true|false} or {\"prescription\": {...}}"
        except CommandError as e:
            return str(e)
        self.server.publish("state", self.state.to_dict())
        return None

    # ---- StationControl over the existing Station

    def start_set(self) -> None:
        # The engine starts a set at the first hip contact; "start" ends any set
        # in progress so the next contact begins a fresh one.
        self.station.reset_set(self.clock())

    def reset_set(self) -> None:
        self.station.reset_set(self.clock())
        self.state.count = 0

    def set_target(self, reps: int) -> None:
        self.config.station.target_reps = reps
        self.state.target = reps

    def select_patient(self, patient_id: Optional[int]) -> None:
        if self.config.station.place != "clinic" and patient_id is not None:
            raise CommandError(f"a {self.config.station.place} station has no patients; sets stay "
                               + ("anonymous" if self.config.station.place == "gym" else "its one user's"))
        label = None if patient_id is None else f"patient:{patient_id}"
        if label != self.state.patient:
            target, checks, thresholds = self._base
            self.set_target(target)
            for k, v in checks.items():
                setattr(self.config.checks, k, v)
            for k, v in thresholds.items():
                setattr(self.config.thresholds, k, v)
        if self.session_sink is not None:
            self.session_sink.label = label  # from the next set on
        self.state.patient = label

    def mute(self, muted: bool) -> None:
        # Feedback beeps only while it has a buzzer; the device itself stays open.
        if self.feedback is not None and hasattr(self.feedback, "buzzer"):
            if self._buzzer is None:
                self._buzzer = self.feedback.buzzer
            self.feedback.buzzer = None if muted else self._buzzer
        self.state.muted = muted

    def apply_prescription(self, p: Any) -> None:
        """A patient's dose: target reps, checks on/off, tempo limit. Validated before anything changes."""
        if not isinstance(p, dict):
            raise CommandError("prescription takes an object such as {\"target\": 12, \"checks\": {\"tempo\": true}}")
        allowed = {"target", "checks", "min_rep_s", "rounding_deg"}
        extra = set(p) - allowed
        if extra:
            raise CommandError(f"prescription: unknown field(s) {', '.join(sorted(extra))}; allowed: "
                               f"{', '.join(sorted(allowed))}")
        target = parse_command("target", str(p["target"])).value if "target" in p else None
        checks = p.get("checks") or {}
        if not isinstance(checks, dict) or not all(k in type(self.config.checks).model_fields and isinstance(v, bool)
                                                   for k, v in checks.items()):
            raise CommandError("prescription checks: give true/false for rounding, knee_lock, heel_lift, tempo")
        th = {k: p[k] for k in ("min_rep_s", "rounding_deg") if k in p}
        try:
            # validate on a copy first, so a bad value changes nothing
            type(self.config.thresholds).model_validate({**self.config.thresholds.model_dump(), **th})
        except Exception as e:
            raise CommandError(f"prescription thresholds: {e}".splitlines()[0] + "; see [thresholds] in "
                               "wallhinge.example.toml") from None
        if target is not None:
            self.set_target(target)
        for k, v in checks.items():
            setattr(self.config.checks, k, v)
        for k, v in th.items():
            setattr(self.config.thresholds, k, float(v))


def attach_bus(config, station, *, session_sink=None, feedback=None, path: Optional[Path | str] = None,
               group: Optional[str] = "wallhinge") -> Optional[StationBus]:
    """Serve the station on its channel if ``[bus] enabled``; adds the sink to ``station``.

    Returns None (and logs why) when disabled or when the socket cannot be
    served: the station counts and logs without it.
    """
    if not config.bus.enabled and path is None:
        return None
    bus = StationBus(config, station, path=path or config.bus.socket, session_sink=session_sink,
                     feedback=feedback, group=group)
    try:
        bus.start()
    except BusError as e:
        log.warning("%s; the station runs on without the dashboard channel", e)
        return None
    station.sinks.append(bus)
    return bus


# ------------------------------------------------------------ client side


class BusClient:
    """A blocking client for scripts, tests and benchmarks (the dashboard has an asyncio one)."""

    def __init__(self, path: Path | str, timeout: float = 5.0) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(str(path))
        self._buf = b""

    def send(self, obj: dict) -> None:
        self.sock.sendall((json.dumps(obj) + "\n").encode())

    def read(self) -> dict:
        while b"\n" not in self._buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the station closed the channel")
            self._buf += chunk
        line, _, self._buf = self._buf.partition(b"\n")
        return json.loads(line)

    def wait_for(self, kind: str, pred: Callable[[dict], bool] = lambda d: True, timeout: float = 10.0) -> dict:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            m = self.read()
            if m["type"] == kind and pred(m["data"]):
                return m["data"]
        raise TimeoutError(f"no {kind} message within {timeout} s")

    def close(self) -> None:
        self.sock.close()
