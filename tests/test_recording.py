"""Recording format v1: what the station writes, the replay reads; bad files are named."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from device.core.types import ProximitySample
from device.io.frames import Frame
from device.recording import RecordingError, RecordingWriter, _StreamClock, open_recording


def frame(i: int, t: float) -> Frame:
    img = np.full((120, 160, 3), 40, np.uint8)
    cv2.rectangle(img, (10 + i, 20), (40 + i, 100), (200, 180, 160), -1)
    return Frame(i, t, img)


def write(folder, n=12, fps=10.0, digital=False):
    w = RecordingWriter(folder, fps, (160, 120), meta={"wall_side": "left", "contact_threshold_m": 0.06},
                        digital=digital)
    # a sensor sample before the first frame is kept until the clock starts
    w.add_proximity(ProximitySample(100.0, 0.3, None if not digital else False))
    for i in range(n):
        t = 100.0 + i / fps
        w.add_frame(frame(i, t))
        d = 0.3 - 0.02 * i
        w.add_proximity(ProximitySample(t + 0.01, d if not digital else None, (d < 0.1) if digital else None))
    w.close()


def test_round_trip(tmp_path):
    write(tmp_path)
    rec = open_recording(tmp_path)
    assert rec.has_proximity and rec.has_distance
    assert rec.wall_side == "left" and rec.meta["contact_threshold_m"] == 0.06
    frames = list(rec.frames())
    assert len(frames) == 12
    assert [f.t for f in frames] == pytest.approx([i / 10 for i in range(12)])
    assert rec.proximity[0].t == pytest.approx(0.0) and rec.proximity[0].distance_m == pytest.approx(0.3)
    assert rec.proximity[-1].distance_m == pytest.approx(0.08)
    assert (rec.width, rec.height) == (160, 120)


def test_digital_sensor_round_trip_keeps_contact_state(tmp_path):
    write(tmp_path, digital=True)
    rec = open_recording(tmp_path)
    assert not rec.has_distance
    assert [s.contact for s in rec.proximity][-3:] == [False, True, True]  # 0.12, 0.10, 0.08 m
    assert rec.proximity[1].contact is False


def test_frame_times_default_to_index_over_fps(tmp_path):
    write(tmp_path, fps=10.0)
    (tmp_path / "frames.csv").unlink()
    (tmp_path / "recording.json").write_text(json.dumps({"fps": 5}))
    rec = open_recording(tmp_path)
    assert [f.t for f in rec.frames()][:3] == pytest.approx([0.0, 0.2, 0.4])


def test_bare_video_has_no_contact(tmp_path):
    write(tmp_path)
    rec = open_recording(tmp_path / "video.mp4")
    assert not rec.has_proximity and rec.proximity is None
    # Timed by the container's timestamps (a constant-rate file: the same as index / fps).
    assert rec.stream_times
    assert [f.t for f in rec.frames()] == pytest.approx([i / 10 for i in range(12)], abs=1e-3)


def test_a_phones_variable_frame_rate_is_timed_by_its_timestamps_until_they_misbehave():
    """A phone drops to 20 fps in dim light for a while: index / fps would stretch the
    rest of the clip (a too_fast rep would read slow). Files without usable timestamps
    (all zero, or jumping back) are timed as index / fps from then on."""
    pts_ms = [0, 33.3, 66.7, 116.7, 166.7, 216.7, 250.0]  # 30 fps, then 20 fps, then 30 fps
    c = _StreamClock()
    got = [c.time(i, p, i / 30) for i, p in enumerate(pts_ms)]
    assert got == pytest.approx([p / 1000 for p in pts_ms])
    # Starting late in the stream (a trimmed clip): times are from the first frame.
    c = _StreamClock()
    assert [c.time(i, 5000 + 50 * i, i / 20) for i in range(3)] == pytest.approx([0.0, 0.05, 0.1])
    # No timestamps: every frame at 0 ms.
    c = _StreamClock()
    assert [c.time(i, 0.0, i / 30) for i in range(4)] == pytest.approx([0, 1 / 30, 2 / 30, 3 / 30])
    # A jump backwards: index / fps from there on, never time going backwards.
    c = _StreamClock()
    got = [c.time(i, p, i / 30) for i, p in enumerate([0, 33.3, 66.7, 10.0, 133.3])]
    assert got == pytest.approx([0, 0.0333, 0.0667, 0.1, 4 / 30])


@pytest.mark.parametrize(
    "name, content, needle",
    [
        ("proximity.csv", "time,dist\n0,0.3\n", "header must include t"),
        ("proximity.csv", "t,distance_m\n0,0.3\n0.1,abc\n", "line 3: distance_m is not a number"),
        ("proximity.csv", "t,distance_m\n0.5,0.3\n0.1,0.2\n", "t goes backwards"),
        ("frames.csv", "frame,t\n0,0\n2,0.1\n", "expected frame 1"),
        ("recording.json", "{not json", "not valid JSON"),
        ("recording.json", '{"wall_side": "up"}', "wall_side must be"),
        ("recording.json", '{"fps": -3}', "fps must be a positive number"),
    ],
)
def test_bad_files_are_named_with_the_problem(tmp_path, name, content, needle):
    write(tmp_path)
    (tmp_path / name).write_text(content)
    with pytest.raises(RecordingError) as err:
        rec = open_recording(tmp_path)
        list(rec.frames())
    assert name in str(err.value) and needle in str(err.value)


def test_missing_and_corrupt_video(tmp_path):
    write(tmp_path)
    (tmp_path / "video.mp4").unlink()
    with pytest.raises(RecordingError, match="video.mp4: missing"):
        open_recording(tmp_path)
    (tmp_path / "video.mp4").write_bytes(b"\x00\x01garbage" * 100)
    with pytest.raises(RecordingError, match="video.mp4"):
        open_recording(tmp_path)
    with pytest.raises(RecordingError, match="no such file"):
        open_recording(tmp_path / "nope")
