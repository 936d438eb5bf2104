"""Frames from OpenCV: a USB webcam (by index or /dev/video path) or a video file.

Files are read as fast as the consumer takes them (or paced to their own
frame rate with ``realtime=True``) and timestamped with the file's own
clock, so a replayed recording times reps exactly as it was filmed. Live
cameras are timestamped with the monotonic clock at grab time, and when one
disappears (a USB cable pulled, a hub reset) the source closes it, backs off
and reopens it until it returns, so the station never needs a restart.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Callable, Iterator, Optional

import cv2
import numpy as np

from device.io.frames import CameraError, Frame
from device.io.video_file import open_upright

log = logging.getLogger(__name__)


def file_timestamp(pos_msec: float, index: int, fps: float, prev_t: Optional[float]) -> float:
    """Seconds for frame ``index`` of a file.

    Uses the container's presentation time (CAP_PROP_POS_MSEC) when it is
    sane; some containers report 0 or go backwards, then ``index / fps`` is
    used. The result never goes backwards.
    """
    t: Optional[float] = pos_msec / 1000.0 if pos_msec is not None and np.isfinite(pos_msec) else None
    if t is None or (index > 0 and t <= 0) or (prev_t is not None and t <= prev_t):
        t = index / fps if fps > 0 else float(index)
        if prev_t is not None and t <= prev_t:
            t = prev_t + (1.0 / fps if fps > 0 else 1.0)
    return t


def _parse_device(device: str | int) -> str | int:
    if isinstance(device, int):
        return device
    d = device.strip()
    return int(d) if d.isdigit() else d


def _is_live(device: str | int) -> bool:
    if isinstance(device, int):
        return True
    return device.startswith("/dev/video") or "://" in device


class OpenCVSource:
    """A :class:`~device.io.frames.FrameSource` over ``cv2.VideoCapture``.

    ``device`` is a camera index (``0`` or ``"0"``), a ``/dev/videoN`` path,
    a stream URL, or a video file path. For live cameras ``width``, ``height``
    and ``fps`` are requested from the driver (it may pick the nearest mode);
    frames of another size are not resized here. ``reconnect_max_s`` caps the
    back-off between reopen attempts; ``give_up_s`` (None: never) ends the
    stream with :class:`CameraError` after a live camera has been gone that
    long.
    """

    def __init__(
        self,
        device: str | int,
        width: int = 640,
        height: int = 480,
        fps: float = 30.0,
        realtime: bool = False,
        *,
        reconnect_max_s: float = 5.0,
        give_up_s: Optional[float] = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.device = _parse_device(device)
        self.width = width
        self.height = height
        self.fps = fps
        self.realtime = realtime
        self.live = _is_live(self.device)
        self.reconnect_max_s = reconnect_max_s
        self.give_up_s = give_up_s
        self._clock = clock
        self._sleep = sleep
        self._cap: Optional[cv2.VideoCapture] = None
        self._closed = False
        self.reconnects = 0
        if not self.live:
            self._check_file(str(self.device))
        self._cap = self._open()
        if self._cap is None:
            if self.live:
                raise CameraError(
                    f"camera {self.device!r} cannot be opened: check it is plugged in, that "
                    f"'ls /dev/video*' lists it and that no other program uses it")
            raise CameraError(
                f"video file {self.device} cannot be read: it is corrupt or in a format this OpenCV "
                f"cannot decode; re-export it as .mp4 (H.264 or mp4v) or .avi (MJPG)")

    @staticmethod
    def _check_file(path: str) -> None:
        p = Path(path)
        if not p.exists():
            raise CameraError(f"video file {p} does not exist: check the path")
        if not p.is_file():
            raise CameraError(f"video file {p} is not a file")
        if not os.access(p, os.R_OK):
            raise CameraError(f"video file {p} is not readable: check its permissions")
        if p.stat().st_size == 0:
            raise CameraError(f"video file {p} is empty (0 bytes): the recording did not finish; record it again")

    def _open(self) -> Optional[cv2.VideoCapture]:
        if self.live:
            cap = cv2.VideoCapture(self.device)
            if cap.isOpened():
                cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
                cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
                cap.set(cv2.CAP_PROP_FPS, self.fps)
                # Keep latency low: we want the newest frame, not a queue of old ones.
                cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        else:
            cap = open_upright(self.device, cv2.CAP_FFMPEG)
        if not cap.isOpened():
            cap.release()
            return None
        if not self.live:
            file_fps = cap.get(cv2.CAP_PROP_FPS)
            if file_fps and np.isfinite(file_fps) and 1.0 <= file_fps <= 1000.0:
                self.fps = float(file_fps)
        return cap

    def frames(self) -> Iterator[Frame]:
        """Yield frames until the file ends or :meth:`close` is called."""
        return self._live_frames() if self.live else self._file_frames()

    def _file_frames(self) -> Iterator[Frame]:
        cap = self._cap
        index = 0
        prev_t: Optional[float] = None
        wall0: Optional[float] = None
        while not self._closed and cap is not None:
            ok, image = cap.read()
            if not ok or image is None:
                break
            t = file_timestamp(cap.get(cv2.CAP_PROP_POS_MSEC), index, self.fps, prev_t)
            if self.realtime:
                now = self._clock()
                if wall0 is None:
                    wall0 = now - t
                ahead = (wall0 + t) - now
                if ahead > 0:
                    self._sleep(ahead)
            yield Frame(index=index, t=t, image=image)
            prev_t = t
            index += 1
        if index == 0 and not self._closed:
            raise CameraError(
                f"video file {self.device} has no readable frames: it is corrupt or truncated; "
                f"record or export it again")

    def _live_frames(self) -> Iterator[Frame]:
        index = 0
        backoff = 0.2
        gone_since: Optional[float] = None
        while not self._closed:
            if self._cap is None:
                now = self._clock()
                if gone_since is None:
                    gone_since = now
                if self.give_up_s is not None and now - gone_since > self.give_up_s:
                    raise CameraError(
                        f"camera {self.device!r} has been gone for {now - gone_since:.0f} s: check its "
                        f"USB cable and that 'ls /dev/video*' lists it")
                self._sleep(backoff)
                backoff = min(backoff * 2, self.reconnect_max_s)
                self._cap = self._open()
                if self._cap is not None:
                    self.reconnects += 1
                    log.warning("camera %r reopened after %.1f s", self.device, self._clock() - gone_since)
                continue
            ok, image = self._cap.read()
            if not ok or image is None:
                log.warning("camera %r stopped delivering frames; reopening", self.device)
                self._cap.release()
                self._cap = None
                continue
            backoff = 0.2
            gone_since = None
            yield Frame(index=index, t=self._clock(), image=image)
            index += 1

    def close(self) -> None:
        """Release the capture; a running :meth:`frames` loop ends."""
        self._closed = True
        if self._cap is not None:
            self._cap.release()
            self._cap = None
