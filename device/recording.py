"""Recording format v1: a session on disk that the same core can replay.

A recording is a folder::

    video.mp4        the side-view video (any codec OpenCV reads)
    proximity.csv    header ``t,distance_m``; t in seconds from the first video frame
                     (an empty distance = no reading; a ``contact`` column, 0/1, is
                     accepted for digital sensors)
    frames.csv       optional, ``frame,t`` per frame; otherwise t = frame / fps
    recording.json   optional metadata: fps, wall_side (left/right),
                     contact_threshold_m, sensor kind, software version

A bare video file is also accepted for analysis: contact is then unknown.
Every problem is a :class:`RecordingError` naming the file and what is wrong.
"""

from __future__ import annotations

import csv
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional

import cv2
import numpy as np

from . import __version__
from .core.types import ProximitySample
from .io.frames import Frame

VIDEO = "video.mp4"
PROXIMITY = "proximity.csv"
FRAMES = "frames.csv"
META = "recording.json"
VIDEO_EXTS = (".mp4", ".avi", ".mkv", ".mov", ".m4v", ".webm")


class RecordingError(Exception):
    """A recording that cannot be read; the message names the file and the problem."""


@dataclass
class Recording:
    """An opened recording (or bare video), validated, ready to replay."""

    video_path: Path
    fps: float
    frame_count: int
    width: int
    height: int
    proximity: Optional[list[ProximitySample]] = None
    frame_times: Optional[list[float]] = None
    meta: dict = field(default_factory=dict)
    # A bare video (a phone's) may have a variable frame rate: its frames are then
    # timed by the container's timestamps. A recording folder follows format v1
    # (frames.csv, else index / fps), which is how its proximity trace is aligned.
    stream_times: bool = False

    @property
    def has_proximity(self) -> bool:
        return self.proximity is not None

    @property
    def has_distance(self) -> bool:
        """False for a digital sensor's trace (a contact column, no distances)."""
        return self.proximity is not None and not any(s.contact is not None for s in self.proximity)

    @property
    def wall_side(self) -> Optional[str]:
        side = self.meta.get("wall_side")
        return side if side in ("left", "right") else None

    def frames(self) -> Iterator[Frame]:
        """Decode the video; frame times from frames.csv, else index / fps."""
        cap = cv2.VideoCapture(str(self.video_path))
        if not cap.isOpened():
            raise RecordingError(f"{self.video_path}: cannot be opened as a video")
        clock = _StreamClock()
        try:
            i = 0
            while True:
                ok, img = cap.read()
                if not ok or img is None:
                    break
                if self.frame_times is not None:
                    if i >= len(self.frame_times):
                        break  # frames.csv is the authority on which frames exist
                    t = self.frame_times[i]
                else:
                    t = i / self.fps
                    if self.stream_times:
                        t = clock.time(i, cap.get(cv2.CAP_PROP_POS_MSEC), t)
                yield Frame(i, t, img)
                i += 1
            if i == 0:
                raise RecordingError(f"{self.video_path}: no frame could be decoded (corrupt or empty video)")
        finally:
            cap.release()


class _StreamClock:
    """Frame times from the container's timestamps, trusted only while they behave.

    Some files report no timestamps (0 throughout) or jump backwards; then, and from
    then on, frames are timed as index / fps, which is what every player assumes.
    """

    def __init__(self) -> None:
        self._t0: Optional[float] = None
        self._last: Optional[float] = None
        self._ok = True

    def time(self, i: int, pos_msec: float, nominal: float) -> float:
        if not self._ok or not math.isfinite(pos_msec) or pos_msec < 0:
            self._ok = False
            return nominal
        t = pos_msec / 1000.0
        if self._t0 is None:
            self._t0 = t
        t -= self._t0
        if i > 0 and (self._last is None or t <= self._last):
            self._ok = False  # no usable timestamps in this file
            return nominal
        self._last = t
        return t


def open_recording(path: str | os.PathLike) -> Recording:
    """Open a recording folder or a bare video file."""
    p = Path(path)
    if not p.exists():
        raise RecordingError(f"{p}: no such file or folder")
    if p.is_file():
        if p.suffix.lower() not in VIDEO_EXTS:
            raise RecordingError(f"{p}: not a recording folder or a video file ({', '.join(VIDEO_EXTS)})")
        rec = _open_video(p, meta={})
        rec.stream_times = True
        return rec
    meta = _read_meta(p / META)
    video = p / VIDEO
    if not video.exists():
        others = sorted(q.name for q in p.iterdir() if q.suffix.lower() in VIDEO_EXTS)
        if len(others) == 1:
            video = p / others[0]
        else:
            raise RecordingError(f"{video}: missing; a recording folder needs the side-view video as {VIDEO}")
    rec = _open_video(video, meta)
    if (p / FRAMES).exists():
        rec.frame_times = _read_frames(p / FRAMES)
    if (p / PROXIMITY).exists():
        rec.proximity = _read_proximity(p / PROXIMITY)
    return rec


def _open_video(video: Path, meta: dict) -> Recording:
    cap = cv2.VideoCapture(str(video))
    try:
        if not cap.isOpened():
            raise RecordingError(f"{video}: cannot be opened as a video (corrupt, or a codec OpenCV cannot read)")
        ok, img = cap.read()
        if not ok or img is None:
            raise RecordingError(f"{video}: no frame could be decoded (corrupt or empty video)")
        fps = float(meta.get("fps") or cap.get(cv2.CAP_PROP_FPS) or 0.0)
        if not math.isfinite(fps) or fps <= 0 or fps > 1000:
            fps = 30.0
        n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        h, w = img.shape[:2]
    finally:
        cap.release()
    return Recording(video_path=video, fps=fps, frame_count=n, width=w, height=h, meta=meta)


def _read_meta(path: Path) -> dict:
    if not path.exists():
        return {}
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise RecordingError(f"{path}: not valid JSON ({e})") from None
    if not isinstance(meta, dict):
        raise RecordingError(f"{path}: must hold a JSON object")
    if "wall_side" in meta and meta["wall_side"] not in ("left", "right", "auto", None):
        raise RecordingError(f"{path}: wall_side must be 'left' or 'right', not {meta['wall_side']!r}")
    for key in ("fps", "contact_threshold_m"):
        if key in meta and meta[key] is not None:
            v = meta[key]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
                raise RecordingError(f"{path}: {key} must be a positive number, not {v!r}")
    return meta


def _rows(path: Path, required: tuple[str, ...]) -> Iterator[tuple[int, dict]]:
    try:
        f = path.open(newline="", encoding="utf-8")
    except OSError as e:
        raise RecordingError(f"{path}: cannot be read ({e.strerror})") from None
    with f:
        reader = csv.DictReader(f)
        try:
            header = [h.strip() for h in (reader.fieldnames or [])]
        except (csv.Error, UnicodeDecodeError) as e:
            raise RecordingError(f"{path}: not a readable CSV file ({e})") from None
        missing = [c for c in required if c not in header]
        if missing:
            raise RecordingError(
                f"{path}: header must include {','.join(required)}; missing {', '.join(missing)} (found {header})"
            )
        reader.fieldnames = header
        try:
            for n, row in enumerate(reader, start=2):
                yield n, row
        except (csv.Error, UnicodeDecodeError) as e:
            raise RecordingError(f"{path}: unreadable CSV near line {reader.line_num} ({e})") from None


def _num(path: Path, line: int, col: str, text: Optional[str], allow_empty: bool = False) -> Optional[float]:
    text = (text or "").strip()
    if text == "" or text.lower() in ("nan", "none", "null"):
        if allow_empty:
            return None
        raise RecordingError(f"{path}: line {line}: {col} is empty")
    try:
        v = float(text)
    except ValueError:
        raise RecordingError(f"{path}: line {line}: {col} is not a number ({text!r})") from None
    if not math.isfinite(v):
        if allow_empty:
            return None
        raise RecordingError(f"{path}: line {line}: {col} is not finite ({text!r})")
    return v


def _read_proximity(path: Path) -> list[ProximitySample]:
    out: list[ProximitySample] = []
    has_contact_col = None
    last_t = -math.inf
    for line, row in _rows(path, ("t",)):
        if has_contact_col is None:
            has_contact_col = "contact" in row
            if "distance_m" not in row and not has_contact_col:
                raise RecordingError(f"{path}: header must be t,distance_m (or t,contact for a digital sensor)")
        t = _num(path, line, "t", row.get("t"))
        if t < last_t:
            raise RecordingError(f"{path}: line {line}: t goes backwards ({t} after {last_t}); sort the file by t")
        last_t = t
        d = _num(path, line, "distance_m", row.get("distance_m"), allow_empty=True) if "distance_m" in row else None
        if d is not None and d < 0:
            d = None  # a negative distance is a sensor error code, not a position
        c = None
        if has_contact_col and (row.get("contact") or "").strip() != "":
            c = _num(path, line, "contact", row.get("contact")) != 0
        out.append(ProximitySample(t, d, c))
    return out


def _read_frames(path: Path) -> list[float]:
    times: list[float] = []
    for line, row in _rows(path, ("frame", "t")):
        idx = _num(path, line, "frame", row.get("frame"))
        t = _num(path, line, "t", row.get("t"))
        if int(idx) != len(times):
            raise RecordingError(f"{path}: line {line}: expected frame {len(times)}, found {int(idx)}")
        if times and t < times[-1]:
            raise RecordingError(f"{path}: line {line}: t goes backwards")
        times.append(t)
    return times


class RecordingWriter:
    """Writes a recording in format v1 while the station runs.

    Rows are flushed as they are written so a crash or power cut keeps what was
    recorded; the video is written with the headless OpenCV wheel's mp4v codec.
    Video is stored only when the user asks for it (``storage.record_video``).
    """

    def __init__(
        self,
        folder: str | os.PathLike,
        fps: float,
        size: tuple[int, int],
        meta: Optional[dict] = None,
        digital: bool = False,
    ):
        self.folder = Path(folder)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise RecordingError(f"{self.folder}: cannot create the recording folder ({e.strerror})") from None
        self.fps = fps
        self.size = size
        self._t0: Optional[float] = None
        self._n = 0
        self._video = cv2.VideoWriter(str(self.folder / VIDEO), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
        if not self._video.isOpened():
            raise RecordingError(f"{self.folder / VIDEO}: cannot be written (disk full or no permission?)")
        self._frames = (self.folder / FRAMES).open("w", newline="", encoding="utf-8")
        self._frames.write("frame,t\n")
        self._prox = (self.folder / PROXIMITY).open("w", newline="", encoding="utf-8")
        # A digital sensor has no distance: record its contact state instead.
        self.digital = digital
        self._prox.write("t,contact\n" if digital else "t,distance_m\n")
        self._pending_prox: list[ProximitySample] = []
        m = {"format": "wallhinge-recording", "version": 1, "fps": fps, "software": f"wallhinge {__version__}"}
        m.update(meta or {})
        (self.folder / META).write_text(json.dumps(m, indent=2) + "\n", encoding="utf-8")

    def add_frame(self, frame: Frame) -> None:
        if self._t0 is None:
            self._t0 = frame.t
            for s in self._pending_prox:
                self.add_proximity(s)
            self._pending_prox.clear()
        img = frame.image
        if (img.shape[1], img.shape[0]) != self.size:
            img = cv2.resize(img, self.size)
        self._video.write(np.ascontiguousarray(img))
        self._frames.write(f"{self._n},{frame.t - self._t0:.4f}\n")
        self._frames.flush()
        self._n += 1

    def add_proximity(self, s: ProximitySample) -> None:
        if self._t0 is None:
            self._pending_prox.append(s)
            return
        t = s.t - self._t0
        if t < 0:
            return  # before the first frame: outside the recording's clock
        if self.digital:
            d = "" if s.contact is None else str(int(s.contact))
        else:
            d = "" if s.distance_m is None else f"{s.distance_m:.4f}"
        self._prox.write(f"{t:.4f},{d}\n")
        self._prox.flush()

    def close(self) -> None:
        self._video.release()
        self._frames.close()
        self._prox.close()
