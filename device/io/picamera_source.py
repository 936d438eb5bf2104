"""Frames from the Raspberry Pi camera through picamera2 (libcamera).

picamera2 exists only on a Pi (apt package ``python3-picamera2``) and is
imported inside :meth:`Picamera2Source._open`, so this module imports
anywhere. The loop follows the picamera2 manual: a video configuration with
an ``RGB888`` main stream (libcamera's RGB888 is B,G,R in memory, i.e. the BGR
array OpenCV wants), ``FrameDurationLimits`` for the frame rate, auto-exposure that
protects highlights (:func:`camera_controls`), each frame
taken with ``with picam2.captured_request() as req`` so its buffer always goes
back to libcamera, and the frame time from the request's ``SensorTimestamp``
(integer nanoseconds; picamera2's own ``flush`` logic compares it with
``time.monotonic_ns()``, so it shares the clock of the proximity samples).

A camera that errors (a loose ribbon, a libcamera timeout, the ISP wedged) is
closed, the source waits with a growing back-off and reopens it, and goes on
yielding frames when it returns: the station never has to be restarted.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Callable, Iterator, Optional

from device.io.frames import CameraError, Frame

log = logging.getLogger(__name__)

PICAMERA2_MISSING = (
    "picamera2 not installed: sudo apt install python3-picamera2 and create the venv with "
    "--system-site-packages"
)


def sensor_timestamp_s(metadata: dict) -> Optional[float]:
    """The frame time in seconds from picamera2 request metadata, or None.

    ``SensorTimestamp`` is an integer count of nanoseconds on the clock of
    ``time.monotonic()`` (picamera2 compares it with ``time.monotonic_ns()``),
    so frame times are comparable with the proximity sensor's timestamps.
    """
    ts = metadata.get("SensorTimestamp") if metadata else None
    if ts is None:
        return None
    try:
        ns = int(ts)
    except (TypeError, ValueError):
        return None
    if ns <= 0:
        return None
    return ns / 1e9


def frame_duration_limits_us(fps: float) -> tuple[int, int]:
    """``FrameDurationLimits`` (min, max microseconds) that pin the frame rate to ``fps``."""
    if not fps > 0:
        raise ValueError(f"fps must be positive (got {fps!r})")
    us = int(round(1_000_000 / fps))
    return (us, us)


# libcamera's ``AeConstraintMode`` values (control_ids.yaml): Normal 0, Highlight 1, Shadows 2, Custom 3.
AE_CONSTRAINT_HIGHLIGHT = 1


def camera_controls(fps: float) -> dict:
    """The controls the station's camera runs with.

    ``FrameDurationLimits`` pins the frame rate. ``AeConstraintMode`` Highlight makes the
    auto-exposure keep the brightest part of the picture below clipping: with the default
    (Normal) a white wall in a bright room can be exposed to pure white, and a light top
    against it then has no edge the vision could find (the synthetic camera models the same
    guard: ``device.sim.scene.highlight_exposure``).
    """
    return {"FrameDurationLimits": frame_duration_limits_us(fps), "AeConstraintMode": AE_CONSTRAINT_HIGHLIGHT}


def import_picamera2() -> Any:
    """Import and return the ``Picamera2`` class, or raise :class:`CameraError` saying how to install it."""
    try:
        from picamera2 import Picamera2  # type: ignore[import-not-found]
    except ImportError:
        raise CameraError(PICAMERA2_MISSING) from None
    except Exception as e:  # libcamera bindings present but broken (wrong Python, old OS)
        raise CameraError(f"{PICAMERA2_MISSING} (import failed: {e})") from None
    return Picamera2


class Picamera2Source:
    """A :class:`~device.io.frames.FrameSource` for the Pi camera (CSI ribbon).

    ``width`` and ``height`` are rounded down to even numbers (libcamera
    requires it). ``capture_timeout_s`` bounds the wait for one frame; a
    timeout counts as a camera error. ``give_up_s`` (None: never) ends the
    stream with :class:`CameraError` after the camera has failed for that long.
    """

    def __init__(
        self,
        width: int = 640,
        height: int = 480,
        fps: float = 30.0,
        *,
        camera_num: int = 0,
        capture_timeout_s: float = 2.0,
        backoff_max_s: float = 10.0,
        give_up_s: Optional[float] = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.width = width - width % 2
        self.height = height - height % 2
        self.fps = fps
        self.camera_num = camera_num
        self.capture_timeout_s = capture_timeout_s
        self.backoff_max_s = backoff_max_s
        self.give_up_s = give_up_s
        self._clock = clock
        self._sleep = sleep
        self._Picamera2 = import_picamera2()  # fail at construction, with the fix, not mid-session
        self._cam: Any = None
        self._closed = False
        self.restarts = 0

    def _open(self) -> Any:
        cam = self._Picamera2(self.camera_num)
        try:
            config = cam.create_video_configuration(
                main={"size": (self.width, self.height), "format": "RGB888"},
                controls=camera_controls(self.fps),
            )
            cam.configure(config)
            cam.start()
        except Exception:
            cam.close()
            raise
        return cam

    def _shutdown(self) -> None:
        cam, self._cam = self._cam, None
        if cam is None:
            return
        try:
            cam.stop()
        except Exception as e:  # already broken: closing is what matters
            log.debug("picamera2 stop failed: %s", e)
        try:
            cam.close()
        except Exception as e:
            log.debug("picamera2 close failed: %s", e)

    def frames(self) -> Iterator[Frame]:
        """Yield frames until :meth:`close`; camera failures are retried, not raised."""
        index = 0
        backoff = 0.5
        failing_since: Optional[float] = None
        last_t: Optional[float] = None
        while not self._closed:
            try:
                if self._cam is None:
                    self._cam = self._open()
                    if failing_since is not None:
                        self.restarts += 1
                        log.warning("camera reopened after %.1f s", self._clock() - failing_since)
                with self._cam.captured_request(wait=self.capture_timeout_s) as req:
                    image = req.make_array("main")
                    t = sensor_timestamp_s(req.get_metadata())
                # make_array copies out of the buffer, so the image outlives the request.
            except Exception as e:
                if self._closed:
                    break
                now = self._clock()
                if failing_since is None:
                    failing_since = now
                    log.warning("camera error (%s); restarting the camera", e)
                if self.give_up_s is not None and now - failing_since > self.give_up_s:
                    self._shutdown()
                    raise CameraError(
                        f"Pi camera failing for {now - failing_since:.0f} s ({e}): check the ribbon cable at "
                        f"both ends and that 'rpicam-hello --list-cameras' lists the camera") from None
                self._shutdown()
                self._sleep(backoff)
                backoff = min(backoff * 2, self.backoff_max_s)
                continue
            backoff = 0.5
            failing_since = None
            if t is None:
                t = self._clock()
            if last_t is not None and t <= last_t:
                continue  # a duplicate after a restart: never yield time going backwards
            last_t = t
            yield Frame(index=index, t=t, image=image)
            index += 1

    def close(self) -> None:
        """Stop and close the camera; a running :meth:`frames` loop ends."""
        self._closed = True
        self._shutdown()
