"""Play rendered phrases through ALSA's ``aplay``, on a thread of its own.

Why ``aplay`` and not a Python audio library: it is in ``alsa-utils`` on every
Raspberry Pi OS image, it is maintained with ALSA itself, it plays a WAV to
any ALSA device (a USB speaker, an I2S HAT, HDMI, or ``null`` for tests and
benchmarks) and needs no compiled Python module. The obvious library,
simpleaudio, is unmaintained: its last release (1.0.4, 2019) has no wheels
past Python 3.8 and fails to build on newer ones (py-simple-audio issues #63,
#64, open since 2022); PortAudio bindings add a C dependency for no gain. A process per phrase
costs a few milliseconds, well inside the latency budget (see
``scripts/bench_cue_latency.py``), and killing it is how a newer cue
pre-empts an older one.

Nothing here blocks the caller: :meth:`Player.play` puts a request on a
queue and returns; the player thread spawns ``aplay``.
"""

from __future__ import annotations

import collections
import logging
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional, Union

log = logging.getLogger(__name__)


class PlayerUnavailable(Exception):
    """No way to play sound here; the message says what to install."""


Source = Union[Path, Callable[[], Path]]  # a WAV, or a function that renders it (called on the player thread)


@dataclass
class Played:
    """One request and what became of it (times are ``time.monotonic()``)."""

    name: str
    requested: float
    started: Optional[float] = None  # aplay began playing (its "Playing WAVE" line)
    ended: Optional[float] = None
    outcome: str = "queued"  # queued | played | pre-empted | dropped | failed
    path: Optional[Path] = None
    error: str = ""


@dataclass
class _Request:
    record: Played
    source: Source = field(repr=False)


class Player:
    """Plays one phrase at a time with ``aplay -D device``; a newer phrase can pre-empt the one playing.

    ``play(name, source, interrupt=True)`` drops anything queued and stops
    what is playing; ``interrupt=False`` queues behind it. ``history`` keeps
    the last requests with their times (for the benchmark, the tests and the
    dashboard).
    """

    def __init__(self, device: str = "default", aplay: str = "aplay", history: int = 200) -> None:
        path = shutil.which(aplay)
        if path is None:
            raise PlayerUnavailable(f"{aplay} is not installed, so the station cannot speak: "
                                    "sudo apt-get install alsa-utils (or set [audio] enabled = false)")
        self.cmd = [path, "-D", device]
        self.device = device
        self.history: collections.deque[Played] = collections.deque(maxlen=history)
        self._queue: collections.deque[_Request] = collections.deque()
        self._cv = threading.Condition()
        self._proc: Optional[subprocess.Popen] = None
        self._current: Optional[Played] = None
        self._closed = False
        self._warned: set[str] = set()
        self._thread = threading.Thread(target=self._run, name="cue-player", daemon=True)
        self._thread.start()

    # -- called from any thread (the rep loop's): never blocks on audio

    def play(self, name: str, source: Source, interrupt: bool = True) -> Played:
        rec = Played(name, time.monotonic())
        with self._cv:
            if self._closed:
                rec.outcome = "dropped"
                return rec
            if interrupt:
                for old in self._queue:
                    old.record.outcome = "dropped"
                self._queue.clear()
                self._stop_current()
            self._queue.append(_Request(rec, source))
            self.history.append(rec)
            self._cv.notify()
        return rec

    def stop(self) -> None:
        """Silence now: drop the queue and stop what is playing (mute)."""
        with self._cv:
            for old in self._queue:
                old.record.outcome = "dropped"
            self._queue.clear()
            self._stop_current()

    def idle(self, timeout: float = 5.0) -> bool:
        """Wait until nothing is queued or playing (tests, selftest); False on timeout."""
        end = time.monotonic() + timeout
        with self._cv:
            while self._queue or self._current is not None:
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self._cv.wait(left)
        return True

    def close(self) -> None:
        with self._cv:
            self._closed = True
            self._queue.clear()
            self._stop_current()
            self._cv.notify_all()
        self._thread.join(timeout=2.0)

    def _stop_current(self) -> None:  # with self._cv held
        if self._current is not None and self._current.outcome == "queued":
            self._current.outcome = "pre-empted"  # also stops one still being rendered
        if self._proc is not None and self._proc.poll() is None:
            try:
                self._proc.kill()  # SIGKILL: aplay defers SIGTERM while blocked opening a device
            except ProcessLookupError:
                pass

    # -- the player thread

    def _run(self) -> None:
        while True:
            with self._cv:
                while not self._queue and not self._closed:
                    self._cv.wait()
                if self._closed:
                    return
                req = self._queue.popleft()
                self._current = req.record
            try:
                self._play(req)
            except Exception as e:  # a broken phrase must not end the player
                req.record.outcome, req.record.error = "failed", str(e)
                self._warn_once(str(e))
            finally:
                log.debug("cue %s: %s", req.record.name, req.record.outcome)
                with self._cv:
                    self._current = None
                    self._proc = None
                    self._cv.notify_all()

    def _play(self, req: _Request) -> None:
        rec = req.record
        path = req.source() if callable(req.source) else req.source  # renders here if not cached yet
        rec.path = Path(path)
        with self._cv:
            if rec.outcome != "queued":  # pre-empted while it was being rendered
                return
        # Spawned outside the lock, so play() on the rep loop's thread never waits for a fork.
        # Not -q: aplay's "Playing WAVE" line on stderr is the moment it starts to play.
        proc = subprocess.Popen([*self.cmd, str(path)], stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        with self._cv:
            self._proc = proc
            if rec.outcome != "queued":  # pre-empted while it was starting
                proc.kill()
        assert proc.stderr is not None
        said: list[str] = []
        for line in proc.stderr:  # ALSA may warn before it starts; the "Playing" line is the start
            if rec.started is None and line.startswith("Playing"):
                rec.started = time.monotonic()
            else:
                said.append(line)
        code = proc.wait()
        rec.ended = time.monotonic()
        if rec.outcome == "pre-empted":
            return
        if code != 0:
            msg = "".join(said).strip().splitlines()
            rec.outcome = "failed"
            rec.error = msg[-1] if msg else f"aplay exit status {code}"
            self._warn_once(f"audio device {self.device!r} cannot play ({rec.error}); "
                            "check [audio] device against `aplay -L` and that the speaker is plugged in")
        else:
            rec.outcome = "played"

    def _warn_once(self, message: str) -> None:
        if message not in self._warned:
            self._warned.add(message)
            log.warning("%s", message)
