"""The dashboard's end of the station channel: one connection, fanned out to the browsers.

Keeps the latest station state, the current set's reps, a short posture trace
and the latest live-view JPEG; every browser page subscribes to a queue of
messages (Server-Sent Events). Frames are asked for only while at least one
live view is open, and the request is withdrawn when the last one closes.
A browser that does not keep up loses messages, never slows the others.
The connection is retried every second while the station is down.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections import deque
from pathlib import Path
from typing import Any, Optional

log = logging.getLogger(__name__)

ATHLETE_STATE_KEYS = ("count", "target", "set_active", "last_verdict", "last_cue", "person_present")


def athlete_view(kind: str, data: dict) -> Optional[dict]:
    """What the athlete screen may see: the count, the verdict and its cue. Never who, never measures."""
    if kind == "state":
        return {"type": "state", **{k: data.get(k) for k in ATHLETE_STATE_KEYS}}
    if kind == "rep":
        return {"type": "rep", "verdict": data.get("verdict"), "cue": data.get("cue"),
                "count": data.get("counted_total"), "target": data.get("target"), "id": data.get("id")}
    return None


class LiveHub:
    def __init__(self, socket_path: Path | str) -> None:
        self.path = Path(socket_path)
        self.connected = False
        self.state: dict[str, Any] = {}
        self.hello: dict[str, Any] = {}
        self.reps: deque[dict] = deque(maxlen=200)  # the current set's reps
        self.trace: deque[dict] = deque(maxlen=300)  # ~30 s of posture
        self.frame: Optional[bytes] = None
        self.frame_seq = 0
        self._frame_cond: Optional[asyncio.Condition] = None
        self._subs: set[asyncio.Queue] = set()
        self._viewers = 0
        self._writer: Optional[asyncio.StreamWriter] = None
        self._task: Optional[asyncio.Task] = None

    # ---- life cycle (inside the server's event loop)

    async def start(self) -> None:
        self._frame_cond = asyncio.Condition()
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass

    async def _run(self) -> None:
        while True:
            try:
                reader, writer = await asyncio.open_unix_connection(str(self.path), limit=8 * 1024 * 1024)
            except (OSError, ValueError):
                await self._set_connected(False)
                await asyncio.sleep(1.0)
                continue
            self._writer = writer
            await self._set_connected(True)
            if self._viewers:
                await self._send({"frames": True})
            try:
                while True:
                    line = await reader.readline()
                    if not line:
                        break
                    try:
                        msg = json.loads(line)
                    except ValueError:
                        continue
                    if not isinstance(msg, dict) or not isinstance(msg.get("data") or {}, dict):
                        continue
                    try:
                        await self._on_message(str(msg.get("type", "")), msg.get("data") or {})
                    except Exception:  # one odd message must not make the dashboard deaf
                        log.exception("station channel: could not use a %r message", msg.get("type"))
            except (OSError, asyncio.IncompleteReadError, ValueError):
                pass
            finally:
                self._writer = None
                writer.close()
            await self._set_connected(False)
            await asyncio.sleep(1.0)

    async def _set_connected(self, up: bool) -> None:
        if up != self.connected:
            self.connected = up
            self._broadcast({"type": "connection", "connected": up})

    async def _on_message(self, kind: str, data: dict) -> None:
        if kind == "frame":
            try:
                self.frame = base64.b64decode(data.get("jpeg", ""))
            except ValueError:
                return
            self.frame_seq += 1
            assert self._frame_cond is not None
            async with self._frame_cond:
                self._frame_cond.notify_all()
            return
        if kind == "hello":
            self.hello = data
        elif kind == "state":
            if data.get("set_id") != self.state.get("set_id"):
                self.reps.clear()
            self.state = data
        elif kind == "rep":
            self.reps.append(data)
        elif kind == "posture":
            self.trace.append(data)
        self._broadcast({"type": kind, **data})

    # ---- browsers

    def subscribe(self) -> asyncio.Queue:
        q: asyncio.Queue = asyncio.Queue(maxsize=500)
        self._subs.add(q)
        return q

    def unsubscribe(self, q: asyncio.Queue) -> None:
        self._subs.discard(q)

    def _broadcast(self, msg: dict) -> None:
        for q in list(self._subs):
            try:
                q.put_nowait(msg)
            except asyncio.QueueFull:
                pass  # that browser is behind; it drops this message

    def snapshot(self) -> dict:
        return {"type": "snapshot", "connected": self.connected, "state": self.state, "reps": list(self.reps),
                "trace": list(self.trace), "station": self.hello.get("station"), "live_viewers": self._viewers}

    async def viewer(self, delta: int) -> None:
        before = self._viewers
        self._viewers = max(0, self._viewers + delta)
        if (before == 0) != (self._viewers == 0):
            await self._send({"frames": self._viewers > 0})

    async def next_frame(self, after: int, timeout: float = 5.0) -> Optional[tuple[int, bytes]]:
        assert self._frame_cond is not None
        async with self._frame_cond:
            try:
                await asyncio.wait_for(self._frame_cond.wait_for(lambda: self.frame_seq > after), timeout)
            except asyncio.TimeoutError:
                return None
        return (self.frame_seq, self.frame) if self.frame is not None else None

    async def command(self, obj: dict) -> bool:
        """Send one message to the station; False when it is not connected."""
        return await self._send(obj)

    async def _send(self, obj: dict) -> bool:
        w = self._writer
        if w is None:
            return False
        try:
            w.write((json.dumps(obj) + "\n").encode())
            await asyncio.wait_for(w.drain(), 2.0)
            return True
        except (OSError, asyncio.TimeoutError):
            return False
