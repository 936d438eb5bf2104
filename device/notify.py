"""Talk to systemd: ready, status, stopping, and a watchdog that only a live pipeline feeds.

The sd_notify protocol is one datagram of ``KEY=value`` lines sent to the
AF_UNIX socket named in ``$NOTIFY_SOCKET``; a leading ``@`` means the Linux
abstract namespace. That is a dozen lines of socket code, so we write them
rather than depend on a library (the ``sdnotify`` package does the same and
has had no release since 2017). Outside systemd ``$NOTIFY_SOCKET`` is unset
and every call is a no-op, so the same code runs from a terminal.

:class:`Watchdog` is pure: it is given the times of the last processed frame
and the last sensor sample and answers whether to send ``WATCHDOG=1`` now. A
pipeline that stops delivering either goes silent, and systemd restarts the
service after ``WatchdogSec``.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from typing import Mapping, Optional

log = logging.getLogger(__name__)


class Notifier:
    """Sends sd_notify messages to systemd; silent no-op when not run by systemd.

    ``env`` defaults to ``os.environ``; tests and the station may pass their own.
    Send errors are logged once and never raised: losing a status line must
    never stop the station (a lost ``WATCHDOG=1`` is what the watchdog is for).
    """

    def __init__(self, env: Optional[Mapping[str, str]] = None) -> None:
        env = os.environ if env is None else env
        addr = env.get("NOTIFY_SOCKET", "")
        self._addr: Optional[str | bytes] = None
        if addr.startswith("@"):
            self._addr = b"\0" + addr[1:].encode()
        elif addr.startswith("/"):
            self._addr = addr
        elif addr:
            log.warning("NOTIFY_SOCKET=%r is neither a path nor @abstract; not notifying systemd", addr)
        self._sock: Optional[socket.socket] = None
        self._warned = False
        self.watchdog_s = watchdog_timeout_s(env)

    @property
    def enabled(self) -> bool:
        """True when systemd is listening (the service runs with Type=notify)."""
        return self._addr is not None

    def send(self, *fields: str) -> bool:
        """Send ``KEY=value`` fields in one datagram; True if it was sent."""
        if self._addr is None:
            return False
        msg = "\n".join(f.replace("\n", " ") for f in fields).encode("utf-8", "replace")
        try:
            if self._sock is None:
                self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
            self._sock.sendto(msg, self._addr)
            return True
        except OSError as e:
            if not self._warned:
                log.warning("cannot notify systemd at %r: %s", self._addr, e)
                self._warned = True
            return False

    def ready(self, status: Optional[str] = None) -> bool:
        """Tell systemd start-up is done (Type=notify waits for this)."""
        return self.send("READY=1", *([f"STATUS={status}"] if status else []))

    def status(self, text: str) -> bool:
        """A one-line state shown by ``systemctl status wallhinge``."""
        return self.send(f"STATUS={text}")

    def watchdog(self) -> bool:
        """Keep-alive ping; send only when :class:`Watchdog` says the pipeline is alive."""
        return self.send("WATCHDOG=1")

    def stopping(self, status: Optional[str] = None) -> bool:
        """Tell systemd a clean shutdown has begun."""
        return self.send("STOPPING=1", *([f"STATUS={status}"] if status else []))

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None


def watchdog_timeout_s(env: Optional[Mapping[str, str]] = None) -> Optional[float]:
    """The service's watchdog timeout from ``$WATCHDOG_USEC``, or None if no watchdog.

    ``$WATCHDOG_PID``, when set, names the process meant; a child that
    inherited the environment must not ping for its parent.
    """
    env = os.environ if env is None else env
    usec = env.get("WATCHDOG_USEC")
    if not usec:
        return None
    pid = env.get("WATCHDOG_PID")
    if pid and pid != str(os.getpid()):
        return None
    try:
        value = int(usec)
    except ValueError:
        log.warning("WATCHDOG_USEC=%r is not a number; watchdog off", usec)
        return None
    return value / 1e6 if value > 0 else None


@dataclass
class Watchdog:
    """Decides when to ping the systemd watchdog: only while frames and sensor samples are fresh.

    ``timeout_s`` is the service's watchdog timeout (``WatchdogSec``). A frame or
    sample counts as fresh for half of it, so a pipeline that stalls stops the
    pings with half the timeout still to run, and a ping goes out at most every
    quarter of it (systemd asks for one at least every half). All times are
    seconds on one monotonic clock: pass when the station *processed* the last
    frame and the last sensor sample, not the camera's own timestamps.
    ``need_frames``/``need_sensor`` drop a source the station runs without.
    """

    timeout_s: float
    need_frames: bool = True
    need_sensor: bool = True
    last_ping: Optional[float] = None

    def __post_init__(self) -> None:
        if not self.timeout_s > 0:
            raise ValueError(f"watchdog timeout must be positive, got {self.timeout_s}")

    @property
    def fresh_s(self) -> float:
        return self.timeout_s / 2

    @property
    def interval_s(self) -> float:
        return self.timeout_s / 4

    def alive(self, now: float, last_frame_t: Optional[float], last_sensor_t: Optional[float]) -> bool:
        """True if every needed input arrived within the last half timeout."""

        def fresh(t: Optional[float]) -> bool:
            return t is not None and 0 <= now - t <= self.fresh_s

        return (not self.need_frames or fresh(last_frame_t)) and (not self.need_sensor or fresh(last_sensor_t))

    def due(self, now: float, last_frame_t: Optional[float], last_sensor_t: Optional[float]) -> bool:
        """True when a ``WATCHDOG=1`` should go out now; records it as sent.

        Call it every loop iteration; it says yes at most once per interval and
        never while an input is stale.
        """
        if not self.alive(now, last_frame_t, last_sensor_t):
            return False
        if self.last_ping is not None and now - self.last_ping < self.interval_s:
            return False
        self.last_ping = now
        return True
