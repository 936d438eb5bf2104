"""Camera frame sources: real videos through real OpenCV; the Pi-only parts that run anywhere."""

from __future__ import annotations

import builtins
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from device.io.frames import CameraError
from device.io.opencv_source import OpenCVSource, file_timestamp
from device.io.picamera_source import (
    PICAMERA2_MISSING,
    Picamera2Source,
    frame_duration_limits_us,
    sensor_timestamp_s,
)

W, H = 160, 120


def write_video(path: Path, n: int, fps: float = 20.0, fourcc: str = "mp4v") -> list[np.ndarray]:
    """Write ``n`` frames whose brightness encodes the frame index; return them."""
    vw = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, (W, H))
    assert vw.isOpened()
    frames = []
    for i in range(n):
        img = np.full((H, W, 3), 10 + 20 * (i % 12), np.uint8)
        cv2.putText(img, str(i), (50, 80), cv2.FONT_HERSHEY_SIMPLEX, 1.5, (255, 255, 255), 3)
        vw.write(img)
        frames.append(img)
    vw.release()
    return frames


# ---- OpenCV: files ----------------------------------------------------------


def test_reads_every_frame_with_the_files_own_timestamps(tmp_path):
    path = tmp_path / "clip.mp4"
    written = write_video(path, 30, fps=20.0)
    src = OpenCVSource(str(path), W, H, 30.0)
    frames = list(src.frames())
    src.close()
    assert len(frames) == 30
    assert [f.index for f in frames] == list(range(30))
    # The file says 20 fps, the config says 30: the file's clock wins.
    assert np.allclose([f.t for f in frames], np.arange(30) / 20.0, atol=1e-3)
    assert frames[0].image.shape == (H, W, 3) and frames[0].image.dtype == np.uint8
    # mp4v is lossy, but frame 7 must look like written frame 7, not a neighbour.
    err = [float(np.mean(np.abs(frames[7].image.astype(int) - w.astype(int)))) for w in written[:12]]
    assert int(np.argmin(err)) == 7


def test_a_portrait_phone_video_file_source_gives_upright_frames(tmp_path):
    from tests.test_recording import _portrait_phone_video
    upright = _portrait_phone_video(tmp_path / "phone.mp4")
    src = OpenCVSource(str(tmp_path / "phone.mp4"), W, H, 30.0)
    frames = list(src.frames())
    src.close()
    assert [f.image.shape for f in frames] == [u.shape for u in upright]  # 240 tall, 160 wide
    assert np.abs(frames[3].image.astype(int) - upright[3].astype(int)).mean() < 6


def test_realtime_paces_a_file_to_its_frame_rate(tmp_path):
    path = tmp_path / "clip.avi"
    write_video(path, 10, fps=25.0, fourcc="MJPG")
    now = [100.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    src = OpenCVSource(str(path), realtime=True, clock=lambda: now[0], sleep=sleep)
    frames = list(src.frames())
    assert len(frames) == 10
    # Decoding takes no time on the fake clock, so it sleeps one frame period each time.
    assert sum(slept) == pytest.approx(9 / 25.0, abs=1e-3)


def test_missing_file_names_the_path(tmp_path):
    missing = tmp_path / "nope.mp4"
    with pytest.raises(CameraError, match=f"{missing}.*does not exist"):
        OpenCVSource(str(missing), W, H, 30.0)


def test_empty_file_is_rejected_clearly(tmp_path):
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(CameraError, match="empty"):
        OpenCVSource(str(empty), W, H, 30.0)


@pytest.mark.parametrize("keep", [0.3, 0.6])
def test_truncated_mp4_gives_camera_error_naming_the_file(tmp_path, keep):
    good = tmp_path / "good.mp4"
    write_video(good, 40)
    data = good.read_bytes()
    bad = tmp_path / "cut.mp4"
    # mp4v from OpenCV writes the index (moov) at the end: a cut file has none.
    bad.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(CameraError, match=str(bad)):
        src = OpenCVSource(str(bad), W, H, 30.0)
        list(src.frames())


def test_garbage_file_gives_camera_error(tmp_path):
    bad = tmp_path / "notavideo.mp4"
    bad.write_bytes(np.random.default_rng(1).integers(0, 256, 50_000, dtype=np.uint8).tobytes())
    with pytest.raises(CameraError, match="notavideo.mp4"):
        src = OpenCVSource(str(bad), W, H, 30.0)
        list(src.frames())


def test_close_ends_iteration_early(tmp_path):
    path = tmp_path / "clip.mp4"
    write_video(path, 30)
    src = OpenCVSource(str(path))
    got = []
    for f in src.frames():
        got.append(f)
        if len(got) == 5:
            src.close()
    assert len(got) == 5


def test_file_timestamp_falls_back_to_index_and_never_goes_back():
    assert file_timestamp(500.0, 10, 20.0, 0.45) == pytest.approx(0.5)
    # Container reports 0 after the first frame: use index / fps.
    assert file_timestamp(0.0, 4, 20.0, 0.15) == pytest.approx(0.2)
    # Container goes backwards: still strictly increasing.
    assert file_timestamp(100.0, 3, 20.0, 0.2) > 0.2
    assert file_timestamp(float("nan"), 2, 10.0, None) == pytest.approx(0.2)


# ---- OpenCV: live cameras ---------------------------------------------------


def test_absent_usb_camera_fails_with_how_to_check():
    # No /dev/video99 here (nor on a station): the error says what to look at.
    with pytest.raises(CameraError, match=r"camera 99 cannot be opened.*ls /dev/video"):
        OpenCVSource("99", W, H, 30.0)


# ---- picamera2 (no Pi here) -------------------------------------------------


def test_picamera2_missing_gives_the_install_instructions(monkeypatch):
    real_import = builtins.__import__

    def no_picamera2(name, *args, **kwargs):
        if name == "picamera2" or name.startswith("picamera2."):
            raise ModuleNotFoundError("No module named 'picamera2'")
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(sys.modules, "picamera2", raising=False)
    monkeypatch.setattr(builtins, "__import__", no_picamera2)
    with pytest.raises(CameraError) as e:
        Picamera2Source(640, 480, 30.0)
    assert str(e.value) == PICAMERA2_MISSING
    assert "sudo apt install python3-picamera2" in str(e.value)
    assert "--system-site-packages" in str(e.value)


def test_sensor_timestamp_is_nanoseconds_to_seconds():
    assert sensor_timestamp_s({"SensorTimestamp": 1_234_567_890_123}) == pytest.approx(1234.567890123)
    # Exact enough that 30 fps frames stay distinct and ordered at large uptimes.
    a = sensor_timestamp_s({"SensorTimestamp": 9_000_000_000_000_000})
    b = sensor_timestamp_s({"SensorTimestamp": 9_000_000_033_333_333})
    assert b - a == pytest.approx(0.033333333, abs=1e-6)
    assert sensor_timestamp_s({}) is None
    assert sensor_timestamp_s({"SensorTimestamp": 0}) is None
    assert sensor_timestamp_s({"SensorTimestamp": "junk"}) is None


def test_frame_duration_limits_pin_the_rate():
    assert frame_duration_limits_us(30.0) == (33333, 33333)
    assert frame_duration_limits_us(25.0) == (40000, 40000)
    with pytest.raises(ValueError):
        frame_duration_limits_us(0)


def test_the_pi_camera_runs_at_its_rate_with_highlights_protected():
    from device.io.picamera_source import camera_controls

    c = camera_controls(25.0)
    assert c["FrameDurationLimits"] == (40000, 40000)
    # libcamera's AeConstraintMode Highlight (1): a white wall in a bright room is not exposed to pure white.
    assert c["AeConstraintMode"] == 1
