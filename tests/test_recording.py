"""Recording format v1: what the station writes, the replay reads; bad files are named."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from device.core.types import ProximitySample
from device.io.frames import Frame
from device.recording import RecordingError, RecordingWriter, open_recording


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
