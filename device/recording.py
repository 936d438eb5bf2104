"""Recordings: a session on disk that the same core can replay.

A recording is a folder. Format v2 (what the station writes now)::

    video/00000.avi  the side-view video in segments of about one second, Motion-JPEG
    video/00001.avi  in AVI; a segment is closed (and synced) before the next begins,
                     so a crash or power cut loses at most the segment being written
    frames.csv       ``frame,t`` per frame (the authority on frame times)
    proximity.csv    header ``t,distance_m,after_frame`` (or ``t,contact,after_frame`` for a
                     digital sensor); t in seconds from the first video frame; empty = no reading
    faults.csv       ``t,part,fault,after_frame``: a device fault starting (fault named) or
                     ending (fault empty), so a replay judges as the live station did
                     ``after_frame`` (optional; older recordings lack it): how many frames the
                     station had taken when the reading or fault reached it. Live, the sensor
                     and the health monitor do not wait for the camera, so a reading can reach
                     the rep engine before a frame taken earlier; the replay keeps that order
                     where the column is there, and takes everything in time order where not.
    recording.json   metadata: format, version, fps, segment_frames (frames per full segment),
                     wall_side (left/right), contact_threshold_m, sensor kind, software version

Segment ``NNNNN.avi`` starts at frame ``NNNNN * segment_frames``: a segment lost or unreadable in the
middle (a damaged card, a partial copy) leaves a gap in the video, and the frames after it keep their
own times instead of sliding into the gap (:attr:`Recording.gaps`).

Format v1 (still read) has one ``video.mp4`` instead of ``video/`` and no faults.csv.
A bare video file is also accepted for analysis: contact is then unknown.
Every problem is a :class:`RecordingError` naming the file and what is wrong.
The writer never writes into a folder that already holds anything.
"""

from __future__ import annotations

import csv
import json
import logging
import math
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional

import cv2
import numpy as np

# FFmpeg's own complaints ("[mjpeg @ 0x...] overread 8" on the segment a crash cut short, "Invalid NAL
# unit size" in a phone video cut short) look like errors to a physio; every real problem gets our own
# message naming the file (a cut-short file: analyze.cut_short_message). Read by
# OpenCV when it first opens a video; --verbose (device/__main__.py) lets them through.
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")

from . import __version__  # noqa: E402
from .core.types import FaultSample, ProximitySample
from .io.frames import Frame
from .io.video_file import container_cut_short, open_upright

log = logging.getLogger(__name__)

VIDEO = "video.mp4"
PROXIMITY = "proximity.csv"
FRAMES = "frames.csv"
META = "recording.json"
FAULTS = "faults.csv"
SEGMENTS = "video"  # v2: the folder of video segments
SEGMENT_S = 1.0  # seconds of video per segment (what a crash can lose at most)
MAX_FPS = 240.0
MIN_FREE_BYTES = 64 * 1024  # a recording stops before a segment when less is free than this (or twice the last one)
MAX_DISTANCE_M = 10.0  # no hip sensor measures beyond this: a bigger value is a broken file
# contact_threshold_m in recording.json follows the config's bounds (sensor.contact_threshold_m)
MAX_CONTACT_THRESHOLD_M = 0.5
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
    faults: list[FaultSample] = field(default_factory=list)
    # For each proximity reading and fault, how many frames the live station had taken when it arrived
    # (the files' ``after_frame``; None for an older recording): the order a replay feeds them in.
    proximity_after: Optional[list[int]] = None
    faults_after: Optional[list[int]] = None
    # Format v2: the video as segments, read in order (video_path is the first).
    segments: Optional[list[Path]] = None
    # Frames in every full segment (v2): segment NNNNN starts at frame NNNNN * segment_frames.
    segment_frames: Optional[int] = None
    # Frame ranges (first, end) the video lacks, found while reading (a segment lost or unreadable in
    # the middle); filled by frames(), empty for a whole video.
    gaps: list[tuple[int, int]] = field(default_factory=list)
    # A bare video (a phone's) may have a variable frame rate: its frames are then
    # timed by the container's timestamps. A recording folder follows format v1
    # (frames.csv, else index / fps), which is how its proximity trace is aligned.
    stream_times: bool = False
    # The first video opened by open_recording, left open after its first frame (capture, that
    # frame, its position in ms): the first pass of frames() goes on from there instead of opening
    # and decoding the start again (a phone's 1080p H.264 spends about 60 ms of CPU on that).
    _opened: Optional[tuple] = field(default=None, repr=False, compare=False)

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
        """Decode the video; frame times from frames.csv, else index / fps.

        A v2 recording's segments are read in order; a last segment cut short
        by a crash gives the frames it holds, an unreadable one is skipped. A segment
        starts at the frame its number says (``segment_frames``): after a segment lost
        or unreadable in the middle, the frames go on at their own index and time, and
        the missing range is added to :attr:`gaps`.
        """
        clock = _StreamClock()
        i = 0
        self.gaps = []
        skipped_from: Optional[int] = None  # frames skipped from here on, a gap once a frame follows
        opened, self._opened = self._opened, None
        for path in self.segments or [self.video_path]:
            start = _segment_start(path, self.segment_frames) if self.segments else None
            if start is not None and start > i:
                if skipped_from is None:
                    skipped_from = i
                i = start
            first = None
            if opened is not None and opened[0] == path:
                cap, first, first_msec = opened[1:]
                opened = None
            else:
                cap = open_upright(path)
            if not cap.isOpened():
                if self.segments:
                    continue  # a segment the crash left without a single frame
                raise RecordingError(f"{self.video_path}: cannot be opened as a video")
            try:
                while True:
                    if first is not None:
                        ok, img, msec, first = True, first, first_msec, None
                    else:
                        ok, img = cap.read()
                        msec = None
                    if not ok or img is None:
                        break
                    if self.frame_times is not None:
                        if i >= len(self.frame_times):
                            return  # frames.csv is the authority on which frames exist
                        t = self.frame_times[i]
                    else:
                        t = i / self.fps
                        if self.stream_times:
                            t = clock.time(i, cap.get(cv2.CAP_PROP_POS_MSEC) if msec is None else msec, t)
                    if skipped_from is not None:  # video missing before this frame (none at the end: cut short)
                        self.gaps.append((skipped_from, i))
                        skipped_from = None
                    yield Frame(i, t, img)
                    i += 1
            finally:
                cap.release()
        if opened is not None:
            opened[1].release()
        if i == 0:
            raise RecordingError(f"{self.video_path}: no frame could be decoded (corrupt or empty video)")


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
    seg_dir = p / SEGMENTS
    if seg_dir.is_dir():
        segments = sorted(q for q in seg_dir.iterdir() if q.suffix.lower() == ".avi")
        if not segments:
            raise RecordingError(f"{seg_dir}: holds no video segment (*.avi); the recording has no video")
        rec = None
        for seg in segments:  # the first segment with a frame gives the size
            try:
                rec = _open_video(seg, meta)
                break
            except RecordingError:
                continue
        if rec is None:
            raise RecordingError(f"{seg_dir}: no segment could be decoded (corrupt video)")
        rec.segments = segments
        rec.segment_frames = _segment_frames(meta, rec.fps)
        # The first segment's own count is no frame count for the whole; without frames.csv the
        # last segment's start plus its own count is (for the progress shown while analysing).
        last_start = _segment_start(segments[-1], rec.segment_frames)
        if last_start is not None:
            cap = cv2.VideoCapture(str(segments[-1]))
            try:
                rec.frame_count = last_start + int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0) if cap.isOpened() \
                    else last_start
            finally:
                cap.release()
    else:
        video = p / VIDEO
        if not video.exists():
            others = sorted(q.name for q in p.iterdir() if q.suffix.lower() in VIDEO_EXTS)
            if len(others) == 1:
                video = p / others[0]
            else:
                raise RecordingError(f"{video}: missing; a recording folder needs the side-view video "
                                     f"as {VIDEO} (format v1) or a {SEGMENTS}/ folder of segments (v2)")
        rec = _open_video(video, meta)
    if (p / FRAMES).exists():
        rec.frame_times = _read_frames(p / FRAMES)
        rec.frame_count = len(rec.frame_times)
    if (p / PROXIMITY).exists():
        rec.proximity, rec.proximity_after = _read_proximity(p / PROXIMITY)
    if (p / FAULTS).exists():
        rec.faults, rec.faults_after = _read_faults(p / FAULTS)
    return rec


def _segment_frames(meta: dict, fps: float) -> int:
    """Frames per full segment: as recording.json says, else what the writer makes of ``fps``
    (older v2 recordings did not say)."""
    n = meta.get("segment_frames")
    if isinstance(n, int) and not isinstance(n, bool) and 0 < n <= 100_000:
        return n
    return max(1, round(fps * SEGMENT_S))


def _segment_start(path: Path, per_segment: Optional[int]) -> Optional[int]:
    """The first frame of segment ``path`` (named by its number, ``00012.avi``), or None when its name
    is not a number."""
    if not per_segment or not path.stem.isdigit():
        return None
    return int(path.stem) * per_segment


def _open_video(video: Path, meta: dict) -> Recording:
    """The video checked (it opens and its first frame decodes) and described; the capture is kept
    open, after that first frame, for the first pass of :meth:`Recording.frames`."""
    cap = open_upright(video)
    try:
        if not cap.isOpened():
            raise RecordingError(f"{video}: cannot be opened as a video ({_why_unreadable(video)})")
        ok, img = cap.read()
        if not ok or img is None:
            raise RecordingError(f"{video}: no frame could be decoded ({_why_unreadable(video, 'corrupt or empty video')})")
        msec = cap.get(cv2.CAP_PROP_POS_MSEC)
        fps = float(meta.get("fps") or cap.get(cv2.CAP_PROP_FPS) or 0.0)
        if not math.isfinite(fps) or fps <= 0 or fps > 1000:
            fps = 30.0
        n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        h, w = img.shape[:2]
    except BaseException:
        cap.release()
        raise
    return Recording(video_path=video, fps=fps, frame_count=n, width=w, height=h, meta=meta,
                     _opened=(video, cap, img, msec))


def _why_unreadable(video: Path, otherwise: str = "corrupt, or a codec OpenCV cannot read") -> str:
    """Why a video file cannot be read, as far as its container tells."""
    if container_cut_short(video):
        return "the file is cut short: it ends before its own header says it should, as a copy or a download " \
               "that stopped leaves it; copy it again from where it was recorded"
    return otherwise


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
    limits = {"fps": (MAX_FPS, "frames per second"), "contact_threshold_m": (MAX_CONTACT_THRESHOLD_M, "metres")}
    for key, (top, unit) in limits.items():
        if key in meta and meta[key] is not None:
            v = meta[key]
            if (isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v)
                    or v <= 0 or v > top):
                raise RecordingError(
                    f"{path}: {key} must be a number above 0 and at most {top:g} ({unit}), not {v!r}; "
                    f"correct it, or delete the key to use the default")
    return meta


def _rows(path: Path, required: tuple[str, ...]) -> Iterator[tuple[int, dict, bool]]:
    """(line number, row, whether it is a last line without its line end) for each row of the CSV ``path``.

    The station writes a line at a time; a power cut can leave the last one cut short (``12.3`` of
    ``12.345,0.2100``). The readers drop such a line when it does not read, instead of refusing the whole
    recording (:func:`_cut_last_line`)."""
    try:
        # utf-8-sig: a file saved by Excel starts with a byte-order mark
        f = path.open(newline="", encoding="utf-8-sig")
        with path.open("rb") as b:
            size = b.seek(0, os.SEEK_END)
            if size:
                b.seek(size - 1)
            unterminated = size > 0 and b.read(1) not in (b"\n", b"\r")
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
            held: Optional[tuple[int, dict]] = None
            for n, row in enumerate(reader, start=2):
                if held is not None:
                    yield held[0], held[1], False
                held = (n, row)
            if held is not None:
                yield held[0], held[1], unterminated
        except (csv.Error, UnicodeDecodeError) as e:
            raise RecordingError(f"{path}: unreadable CSV near line {reader.line_num} ({e})") from None


def _cut_last_line(rows: Iterator[tuple[int, dict, bool]], parse) -> Iterator:
    """``parse(line, row)`` of every row, but a last line left without its line end (a power cut in the
    middle of writing it) is dropped when it does not read; a whole file's errors stand."""
    for line, row, cut in rows:
        try:
            yield parse(line, row)
        except RecordingError:
            if cut:
                return
            raise


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


def _after_frame(path: Path, line: int, row: dict, last: list[int]) -> Optional[int]:
    """The row's ``after_frame`` (the frames the station had taken when it arrived), or None when the
    file has no such column; ``last`` holds the previous row's, as the rows must not go backwards."""
    if "after_frame" not in row:
        return None
    text = (row.get("after_frame") or "").strip()
    if not (text.isascii() and text.isdigit()):
        raise RecordingError(f"{path}: line {line}: after_frame must be a whole number of frames, 0 or more "
                             f"(found {text!r}); delete the column to replay the file in time order")
    n = int(text)
    if last and n < last[0]:
        raise RecordingError(f"{path}: line {line}: after_frame goes backwards ({n} after {last[0]}); the rows "
                             f"must stay in the order the station wrote them")
    last[:] = [n]
    return n


def _read_proximity(path: Path) -> tuple[list[ProximitySample], Optional[list[int]]]:
    """The readings, and each one's ``after_frame`` when the file has that column."""
    out: list[ProximitySample] = []
    after: list[Optional[int]] = []
    last_after: list[int] = []
    has_contact_col = None
    last_t = -math.inf

    def parse(line: int, row: dict) -> ProximitySample:
        nonlocal has_contact_col, last_t
        if has_contact_col is None:
            has_contact_col = "contact" in row
            if "distance_m" not in row and not has_contact_col:
                raise RecordingError(f"{path}: header must be t,distance_m (or t,contact for a digital sensor)")
        t = _num(path, line, "t", row.get("t"))
        if t < last_t:
            raise RecordingError(f"{path}: line {line}: t goes backwards ({t} after {last_t}); sort the file by t")
        last_t = t
        d = _num(path, line, "distance_m", row.get("distance_m"), allow_empty=True) if "distance_m" in row else None
        if d is not None and not 0 <= d <= MAX_DISTANCE_M:
            raise RecordingError(
                f"{path}: line {line}: distance_m {row.get('distance_m', '').strip()} is not a distance "
                f"(0 to {MAX_DISTANCE_M:g} m); leave the cell empty where the sensor gave no reading")
        c = None
        if has_contact_col and (row.get("contact") or "").strip() != "":
            c = _num(path, line, "contact", row.get("contact")) != 0
        after.append(_after_frame(path, line, row, last_after))
        return ProximitySample(t, d, c)

    out.extend(_cut_last_line(_rows(path, ("t",)), parse))
    return out, _order(after, len(out))


def _order(after: list[Optional[int]], n: int) -> Optional[list[int]]:
    """The ``after_frame`` of the ``n`` rows kept (a last line cut short is not), None without the column."""
    after = after[:n]
    return None if not after or after[0] is None else after  # the column is in every row or in none


def _read_faults(path: Path) -> tuple[list[FaultSample], Optional[list[int]]]:
    """The faults, and each one's ``after_frame`` when the file has that column."""
    last_t = -math.inf
    after: list[Optional[int]] = []
    last_after: list[int] = []

    def parse(line: int, row: dict) -> FaultSample:
        nonlocal last_t
        t = _num(path, line, "t", row.get("t"))
        if t < last_t:
            raise RecordingError(f"{path}: line {line}: t goes backwards ({t} after {last_t}); sort the file by t")
        last_t = t
        part = (row.get("part") or "").strip()
        if part not in ("sensor", "camera"):
            raise RecordingError(f"{path}: line {line}: part must be sensor or camera, not {part!r}")
        after.append(_after_frame(path, line, row, last_after))
        return FaultSample(t, part, (row.get("fault") or "").strip() or None)

    out = list(_cut_last_line(_rows(path, ("t", "part", "fault")), parse))
    return out, _order(after, len(out))


def _read_frames(path: Path) -> list[float]:
    times: list[float] = []

    def parse(line: int, row: dict) -> float:
        idx = _num(path, line, "frame", row.get("frame"))
        t = _num(path, line, "t", row.get("t"))
        if int(idx) != len(times):
            raise RecordingError(f"{path}: line {line}: expected frame {len(times)}, found {int(idx)}")
        if times and t < times[-1]:
            raise RecordingError(f"{path}: line {line}: t goes backwards")
        times.append(t)
        return t

    for _ in _cut_last_line(_rows(path, ("frame", "t")), parse):
        pass
    return times


def free_folder(folder: str | os.PathLike) -> Path:
    """``folder`` if it does not exist yet, else the first free ``folder-2``, ``folder-3``, ...
    (the live station names recordings by time; two in one second must not collide)."""
    p = Path(folder)
    n = 2
    while p.exists():
        p = Path(f"{folder}-{n}")
        n += 1
    return p


class RecordingWriter:
    """Writes a recording in format v2 while the station runs.

    Crash-safe: rows are flushed as they are written, the video goes into
    Motion-JPEG segments of about a second, and each closed segment is synced
    with the CSVs, so a SIGKILL or power cut keeps everything up to about the
    last second. Never overwrites: the folder must be new or empty.
    Video is stored only when the user asks for it (``storage.record_video``).
    """

    def __init__(
        self,
        folder: str | os.PathLike,
        fps: float,
        size: tuple[int, int],
        meta: Optional[dict] = None,
        digital: bool = False,
        segment_s: float = SEGMENT_S,
    ):
        self.folder = Path(folder)
        if self.folder.exists() and (not self.folder.is_dir() or any(self.folder.iterdir())):
            raise RecordingError(
                f"{self.folder}: already exists and is not empty; a recording is never written over "
                f"another: choose a new folder (nothing was changed)")
        made_folder = not self.folder.exists()
        try:
            (self.folder / SEGMENTS).mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise RecordingError(f"{self.folder}: cannot create the recording folder ({e.strerror})") from None
        self.fps = fps
        self.size = size
        self._t0: Optional[float] = None
        self._n = 0
        self._per_segment = max(1, round(fps * segment_s))
        self._video: Optional[cv2.VideoWriter] = None
        self._segment = 0
        self._segment_bytes = 0  # the size of the last closed segment (how much room the next one needs)
        self._video_path: Optional[Path] = None
        # A digital sensor has no distance: record its contact state instead.
        self.digital = digital
        self._pending: list = []
        self._frames = self._prox = self._faults = None
        self._closed = False
        m = {"format": "wallhinge-recording", "version": 2, "fps": fps, "segment_frames": self._per_segment,
             "software": f"wallhinge {__version__}"}
        m.update(meta or {})
        try:
            self._frames = (self.folder / FRAMES).open("w", newline="", encoding="utf-8")
            self._frames.write("frame,t\n")
            self._prox = (self.folder / PROXIMITY).open("w", newline="", encoding="utf-8")
            self._prox.write("t,contact,after_frame\n" if digital else "t,distance_m,after_frame\n")
            self._faults = (self.folder / FAULTS).open("w", newline="", encoding="utf-8")
            self._faults.write("t,part,fault,after_frame\n")
            (self.folder / META).write_text(json.dumps(m, indent=2) + "\n", encoding="utf-8")
        except OSError as e:  # a full disk, a read-only card
            self._closed = True
            self._close_files()
            # Leave the folder as it was (empty, or not there): no half-made recording to puzzle over later.
            for name in (FRAMES, PROXIMITY, FAULTS, META):
                (self.folder / name).unlink(missing_ok=True)
            for d in ((self.folder / SEGMENTS, self.folder) if made_folder else (self.folder / SEGMENTS,)):
                try:
                    d.rmdir()
                except OSError:
                    pass
            raise RecordingError(
                f"{self.folder}: the recording cannot be written ({e.strerror}); free some space on that disk "
                f"or record to a folder on another one. Nothing was recorded") from None

    def _open_segment(self) -> None:
        path = self.folder / SEGMENTS / f"{self._segment:05d}.avi"
        # OpenCV's writer drops frames without a word when the disk is full (the segment stays empty while
        # frames.csv goes on listing them): stop while the last segment would still fit twice.
        try:
            free = shutil.disk_usage(self.folder).free
        except OSError:
            free = None
        if free is not None and free < max(2 * self._segment_bytes, MIN_FREE_BYTES):
            raise RecordingError(
                f"{self.folder}: the disk is full ({free / 1e6:.1f} MB free), so the recording stops here; what "
                f"was written before is kept. Free some space or record to another disk")
        self._video = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), self.fps, self.size)
        if not self._video.isOpened():
            raise RecordingError(f"{path}: cannot be written (disk full or no permission?)")
        self._video_path = path
        self._segment += 1

    def _close_segment(self) -> None:
        if self._video is not None:
            self._video.release()
            self._video = None
            try:
                self._segment_bytes = self._video_path.stat().st_size
            except OSError:
                pass
            for f in (self._frames, self._prox, self._faults):
                f.flush()
                os.fsync(f.fileno())

    def add_frame(self, frame: Frame) -> None:
        if self._t0 is None:
            self._t0 = frame.t
            for s in self._pending:
                (self.add_fault if isinstance(s, FaultSample) else self.add_proximity)(s)
            self._pending.clear()
        img = frame.image
        if (img.shape[1], img.shape[0]) != self.size:
            img = cv2.resize(img, self.size)
        if self._video is None:
            self._open_segment()
        self._video.write(np.ascontiguousarray(img))
        self._frames.write(f"{self._n},{frame.t - self._t0:.4f}\n")
        self._frames.flush()
        self._n += 1
        if self._n % self._per_segment == 0:
            self._close_segment()

    def add_proximity(self, s: ProximitySample) -> None:
        if self._t0 is None:
            self._pending.append(s)
            return
        t = s.t - self._t0
        if t < 0:
            return  # before the first frame: outside the recording's clock
        if self.digital:
            d = "" if s.contact is None else str(int(s.contact))
        else:
            ok = s.distance_m is not None and 0 <= s.distance_m <= MAX_DISTANCE_M
            d = f"{s.distance_m:.4f}" if ok else ""  # a sensor's error code is no reading
        self._prox.write(f"{t:.4f},{d},{self._n}\n")  # _n: the frames taken before this reading
        self._prox.flush()

    def add_fault(self, f: FaultSample) -> None:
        if self._t0 is None:
            self._pending.append(f)
            return
        t = max(0.0, f.t - self._t0)  # a fault already present when recording began holds from t = 0
        self._faults.write(f"{t:.4f},{f.part},{f.fault or ''},{self._n}\n")
        self._faults.flush()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._close_segment()
        except OSError as e:  # a disk that filled up: what was written before stays readable
            log.warning("%s: the recording's last second could not be saved (%s); what was written before it is "
                        "kept", self.folder, e.strerror)
        self._close_files()

    def _close_files(self) -> None:
        for f in (self._frames, self._prox, self._faults):
            if f is None:
                continue
            try:
                f.close()
            except OSError:
                pass  # its unwritten tail is lost with the space; the lines before it are on disk
