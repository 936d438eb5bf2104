"""Replay a recording (or a bare side-view video) through the station's core."""

from __future__ import annotations

import os
import sys
from collections import Counter
from pathlib import Path
from typing import Callable, Optional

import cv2

from .config import Config
from .core.exercises import WALL_DRILL, choose_for_recording, choose_for_video, get_exercise
from .core.types import Event, RepFinished, Verdict
from .io.frames import Frame
from .io.video_file import container_cut_short
from .messages import CUT_BY_FRAME_REASON
from .recording import RecordingError, open_recording
from .report import NEAR_LIMIT_DEG, near_limits, report_dict
from .app import StationApp
from .station import make_estimator, replay


# Which estimator judges a bare video (a clinician's phone video, no station,
# no sensor): the landmark-guided one needs no empty frame and no still
# background, is trained on real people, and measures the hands, which tell a
# weight picked up or put down from a rep. The station's silhouette estimator
# stays the default for the station's own recordings (fixed camera).
BARE_VIDEO_ESTIMATOR = "pose"


class OutputOverInput(RecordingError):
    """An output path that would overwrite an input (or any existing file): refused, nothing written."""


def check_output(out: Path, source: Path, rec) -> None:
    """Refuse an output that is one of the inputs, lies inside the recording, or exists already."""
    o = out.resolve()
    inputs = {source.resolve(), rec.video_path.resolve(), *(p.resolve() for p in rec.segments or [])}
    if o in inputs or (source.is_dir() and source.resolve() in o.parents):
        raise OutputOverInput(f"--annotate {out} would write over the input {source}; choose a file outside "
                              f"the recording, e.g. --annotate annotated.mp4 (nothing was changed)")
    if o.exists():
        raise OutputOverInput(f"--annotate {out} already exists; choose a new file name or delete it first "
                              f"(nothing was changed)")


def _label(station: StationApp, t: float, finished, finished_at) -> str:
    """What the annotated video says now: the rep in progress with its rounding so
    far, the verdict of the rep just finished (for 2 s), else the count."""
    eng = station.engine
    p = station.last_posture
    rounding = ""
    if eng.baseline is not None and p is not None and p.back_bend_deg is not None:
        rounding = f", rounding {p.back_bend_deg - eng.baseline:+.0f} deg"
    if finished is not None and finished_at is not None and t - finished_at < 2.0:
        return f"rep {finished.index}: {finished.verdict.value}"
    if eng.phase == "rep":
        return f"rep {len(eng.reps) + 1}{rounding}"
    return f"{sum(r.counted for r in eng.reps)} counted{rounding}"


def keep_freed_memory() -> bool:
    """Let this process reuse the memory it frees instead of handing it back to the system at once
    (glibc only; elsewhere nothing is done; returns whether it was set).

    Each frame allocates and frees arrays of a few hundred kB to several MB (the decoded frame, the
    background model's float steps, masks). With glibc's defaults, many of those are mapped fresh
    and returned on free (its mmap threshold adapts only upwards, and the heap's top is trimmed
    beyond 128 kB), so each frame pays page faults and the kernel zeroing them again: about 100
    faults and 0.15 ms of system time a frame on a 640x480 station recording. With a fixed mmap
    threshold and trim threshold of 32 MB (16 MB on a 32-bit system) the freed blocks are reused:
    the same results, the same peak RSS (measured), a few percent less CPU (docs/vision-speed.md).
    Only for ``analyze`` (a batch job): the live station's memory is left as it was."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes  # noqa: PLC0415

        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3  # glibc's malloc.h
    limit = 4 * 1024 * 1024 * ctypes.sizeof(ctypes.c_long)  # glibc's largest mmap threshold: 32 MB on 64-bit
    return bool(mallopt(m_mmap_threshold, limit)) and bool(mallopt(m_trim_threshold, limit))


def analyze(
    path: str | os.PathLike,
    config: Optional[Config] = None,
    *,
    annotate: Optional[str | os.PathLike] = None,
    wall_side: Optional[str] = None,
    segmenter: Optional[str] = None,
    estimator: Optional[str] = None,
    exercise: Optional[str] = None,
    progress: Optional[Callable[[int, int], None]] = None,
) -> dict:
    """Per-rep report of a recording folder (format v1) or a bare video file.

    With a proximity trace, hip contact is judged as on the station; a bare
    video has no contact (``contact`` is null and ``shallow`` is never judged),
    so reps are found from the hinge itself.

    ``exercise`` (``device.core.exercises.NAMES``) decides which checks apply;
    omitted, a station recording is the wall drill and a bare video is judged
    by the rules all hinges share, then named from where the hands went. The
    report says which (``exercise``) and why (``exercise_chosen``).
    """
    get_exercise(exercise)  # an unknown name fails before any work
    keep_freed_memory()
    rec = open_recording(path)
    if annotate:
        check_output(Path(annotate), Path(path), rec)
    cfg = (config or Config()).model_copy(deep=True)
    thr = rec.meta.get("contact_threshold_m")
    if thr:
        # keep the approach distance beyond the new release distance
        cfg.sensor.approach_m = max(cfg.sensor.approach_m, thr + cfg.sensor.hysteresis_m + 0.05)
        cfg.sensor.contact_threshold_m = float(thr)
    side = wall_side or rec.wall_side
    if side:
        cfg.camera.wall_side = side

    # A station recording whose hip sensor never gave a reading (unplugged, or its trace emptied): replayed
    # as it is, no rep could ever start ("0 reps found", and no word why). Its video still shows every
    # hinge, so its reps are found from the video alone, as in a recording without a trace, and it says so.
    sensor_silent = rec.proximity is not None and not any(
        s.distance_m is not None or s.contact is not None for s in rec.proximity)
    if sensor_silent:
        rec.proximity = rec.proximity_after = None
    kind = estimator or (BARE_VIDEO_ESTIMATOR if not rec.has_proximity and not sensor_silent else "silhouette")
    estimator = make_estimator(cfg, segmenter, kind)
    if exercise:
        chosen = (exercise, "named")
    elif sensor_silent:
        chosen = (WALL_DRILL.name, "auto: a station recording whose hip sensor gave no reading, so its reps "
                                "are found from the video alone")
    else:
        chosen = choose_for_recording(rec.has_proximity)
    station = StationApp(cfg, estimator, has_contact_sensor=rec.has_proximity, has_distance=rec.has_distance,
                         exercise=chosen[0] if chosen else None)

    writer = None
    on_frame = None
    if annotate:
        out = Path(annotate)
        # Written beside its final name and renamed when complete: a failure leaves nothing half-written.
        tmp = out.with_name(f".{out.stem}.partial{out.suffix}")
        writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*"mp4v"), rec.fps, (rec.width, rec.height))
        if not writer.isOpened():
            raise RecordingError(f"{out}: cannot write the annotated video (folder missing or not writable?)")
        from .vision.annotate import draw_annotations

        state: dict = {"finished": None, "at": None}

        def on_frame_drawn(frame: Frame, events: list[Event]) -> None:
            for e in events:
                if isinstance(e, RepFinished):
                    state["finished"], state["at"] = e.rep, frame.t
            img = draw_annotations(frame.image, estimator.last_debug, station.last_posture,
                                   _label(station, frame.t, state["finished"], state["at"]))
            writer.write(img)

        on_frame = on_frame_drawn

    # Why the back went unseen, frame by frame (the pose-guided estimator says; the station's
    # own estimator leaves it None): an unchecked rep's report names the commonest reason.
    unseen: list[tuple[float, str]] = []
    # The most upright and the deepest trunk measured, for a video in which no rep was found: a lifter seen
    # bent over but never standing tall (a plate in front of the trunk at the top) is told so.
    trunk_seen: list[float] = []

    def on_each_frame(frame: Frame, events: list[Event]) -> None:
        why = getattr(estimator.last_debug, "back_unseen", None)
        if why:
            unseen.append((frame.t, why))
        p = station.last_posture
        if (p is not None and p.t == frame.t and p.person and p.trunk_inclination_deg is not None
                and p.trunk_conf >= cfg.thresholds.min_conf):
            x = p.trunk_inclination_deg
            trunk_seen[:] = [x, x] if not trunk_seen else [min(trunk_seen[0], x), max(trunk_seen[1], x)]
        if on_frame is not None:
            on_frame(frame, events)

    frames = 0
    last = -1  # the index of the last frame read (frames after a gap in the video keep their own)

    def counted_frames():
        nonlocal frames, last
        for f in rec.frames():
            frames += 1
            last = f.index
            if progress is not None and frames % 30 == 0:
                progress(last + 1, rec.frame_count)  # by index: a gap in the video is no work left
            yield f

    done = False
    try:
        replay(station, counted_frames(), rec.proximity, on_each_frame, rec.faults,
               proximity_after=rec.proximity_after, faults_after=rec.faults_after)
        done = True
    finally:
        if writer is not None:
            writer.release()
            if done:
                os.replace(tmp, out)
            else:
                tmp.unlink(missing_ok=True)
        estimator.close()
    # A file cut short (a phone that ran out of space, a copy that stopped) still opens and plays up to
    # where it stops: say that only part of it was read instead of reporting the part as the whole. A
    # station recording lists its frames; a bare video's container gives its own sizes (its frame count
    # does not tell: a trimmed phone clip holds more frames than it shows).
    if rec.frame_times is not None:
        cut_short = len(rec.frame_times) - (last + 1) > max(CUT_SHORT_MIN_FRAMES, CUT_SHORT_SHARE * len(rec.frame_times))
    else:
        cut_short = any(container_cut_short(v) for v in (rec.segments or [rec.video_path]))
    if chosen is None:  # a bare video: named after the fact from the hands
        chosen = choose_for_video([r.hands_low for r in station.reps])
    out = report_dict(
        station.reps,
        exercise=chosen[0],
        exercise_chosen=chosen[1],
        source=str(path),
        estimator=kind,
        contact_known=rec.has_proximity,
        sensor_silent=sensor_silent,
        frames=frames,
        fps=round(rec.fps, 3),
        cut_short=cut_short,
        video_gaps=[[round(a, 2), round(b, 2)] for a, b in _gap_times(rec)],
        no_rep_reason=None if station.reps or rec.has_proximity else never_stood(trunk_seen, cfg.thresholds),
    )
    for r, d in zip(station.reps, out["reps"]):
        d["unseen_reason"] = (None if r.verdict is not Verdict.UNCHECKED else CUT_BY_FRAME_REASON if r.cut_by_frame
                              else unseen_reason(unseen, r.start_s, r.end_s))
        d["near_limit"] = near_limits(d, cfg.thresholds.rounding_deg if cfg.checks.rounding else None)
    out["near_limit_deg"] = NEAR_LIMIT_DEG
    return out


def never_stood(trunk_range: list[float], th) -> Optional[str]:
    """Why a video without a sensor found no rep, when the trunk says: ``trunk_range`` is (most upright,
    deepest) measured. A lifter seen hinged but never near standing tall (a clip that opens in the set-up and
    whose lockout a plate hides: the model puts the trunk on the plate, 30 deg off) gets words that say so and
    what to try; anything else (nobody seen, never hinged, seen standing) None."""
    if len(trunk_range) != 2:
        return None
    upright, deepest = trunk_range
    if deepest < th.hinge_min_deg or upright <= th.standing_deg:
        return None
    return (f"the lifter was seen bent over (trunk up to {deepest:.0f} deg) but never standing tall: the trunk "
            f"read {upright:.0f} deg at its most upright, and a rep ends standing within {th.standing_deg:.0f} deg "
            f"of vertical. If they did stand up, something hid the trunk at the top (a plate in front of it, or "
            f"the shoulders out of the picture): film with the whole body in view and the trunk clear of the plates at "
            f"the top (the camera a little higher, or a little behind the side view)")


# A station recording is reported cut short when fewer frames could be decoded than its frame list holds,
# by more than this many frames and this share of them.
CUT_SHORT_MIN_FRAMES = 10
CUT_SHORT_SHARE = 0.05


def _gap_times(rec) -> list[tuple[float, float]]:
    """The recording's gaps in its video (:attr:`device.recording.Recording.gaps`, frame ranges) as
    (from, to) in seconds on the recording's clock."""
    times = rec.frame_times

    def at(i: int) -> float:
        if times is not None and i < len(times):
            return times[i]
        if times:  # past the listed frames: one frame period on from the last listed
            return times[-1] + (i - len(times) + 1) / rec.fps
        return i / rec.fps

    return [(at(a), at(b)) for a, b in rec.gaps]


def gaps_message(path: Path | str, report: dict) -> Optional[str]:
    """The words for a recording whose video has gaps (segment files lost or unreadable), or None."""
    gaps = report.get("video_gaps") or []
    if not gaps:
        return None
    spans = ", ".join(f"{a:.1f}-{b:.1f} s" for a, b in gaps)
    lost = sum(b - a for a, b in gaps)
    return (f"warning: {path} has no readable video for {lost:.1f} s ({spans}): a segment file in "
            f"{Path(path) / 'video'} is missing or damaged. Reps there were found by the hip sensor but not "
            f"seen by the camera (`unchecked`); the rest of the report is not affected. If the folder is a copy, "
            f"copy it again.")


def cut_short_message(path: Path | str, report: dict) -> Optional[str]:
    """The words for a report whose input could be read only in part, or None."""
    if not report.get("cut_short"):
        return None
    fps = report.get("fps") or 0.0
    n = report["frames"]
    span = f" ({n / fps:.1f} s)" if fps > 0 else ""
    return (f"warning: {path} looks cut short or damaged: only its first {n} frames{span} could be read, and the "
            f"report covers that part only (if the file is a copy, copy it again).")


def unseen_reason(unseen: list[tuple[float, str]], t0: float, t1: float) -> Optional[str]:
    """The commonest reason the back went unseen between ``t0`` and ``t1`` (None: none given)."""
    reasons = Counter(why for t, why in unseen if t0 <= t <= t1)
    return reasons.most_common(1)[0][0] if reasons else None
