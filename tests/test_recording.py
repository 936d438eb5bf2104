"""Recordings (format v2, and v1 still read): what the station writes, the replay reads;
bad files are named, nothing is overwritten, a killed recorder leaves a readable recording."""

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
        d = max(0.3 - 0.02 * i, 0.02)
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


def write_v1(folder, n=12, fps=10.0):
    """A format v1 recording as older versions wrote it: one video.mp4, no faults.csv."""
    folder.mkdir(parents=True, exist_ok=True)
    v = cv2.VideoWriter(str(folder / "video.mp4"), cv2.VideoWriter_fourcc(*"mp4v"), fps, (160, 120))
    for i in range(n):
        v.write(frame(i, i / fps).image)
    v.release()
    (folder / "frames.csv").write_text("frame,t\n" + "".join(f"{i},{i / fps:.4f}\n" for i in range(n)))
    (folder / "proximity.csv").write_text("t,distance_m\n" + "".join(f"{i / fps:.4f},{0.3 - 0.02 * i:.4f}\n"
                                                                    for i in range(n)))
    (folder / "recording.json").write_text(json.dumps({"format": "wallhinge-recording", "version": 1, "fps": fps}))


def test_format_v1_is_still_read(tmp_path):
    write_v1(tmp_path)
    rec = open_recording(tmp_path)
    assert rec.segments is None and rec.faults == []
    assert len(list(rec.frames())) == 12 and rec.proximity[-1].distance_m == pytest.approx(0.08)


def test_v2_writes_one_second_segments(tmp_path):
    write(tmp_path, n=25, fps=10.0)
    assert sorted(p.name for p in (tmp_path / "video").iterdir()) == ["00000.avi", "00001.avi", "00002.avi"]
    assert json.loads((tmp_path / "recording.json").read_text())["version"] == 2
    assert [f.index for f in open_recording(tmp_path).frames()] == list(range(25))


@pytest.mark.parametrize("damage", ["lost", "garbled"])
@pytest.mark.parametrize("frames_csv", [True, False])
def test_a_segment_lost_in_the_middle_leaves_a_gap_and_the_frames_after_it_keep_their_times(tmp_path, damage,
                                                                                          frames_csv):
    """A segment file lost or unreadable in the middle (a damaged card, a partial copy): before, the next
    segment's frames took the lost ones' indices and times, and every rep after the gap was judged on the
    video of a later one."""
    write(tmp_path, n=35, fps=10.0)
    assert json.loads((tmp_path / "recording.json").read_text())["segment_frames"] == 10
    seg = tmp_path / "video" / "00001.avi"
    if damage == "lost":
        seg.unlink()
    else:
        seg.write_bytes(b"\x00garbage" * 200)
    if not frames_csv:
        (tmp_path / "frames.csv").unlink()
    rec = open_recording(tmp_path)
    assert rec.frame_count == 35
    frames = list(rec.frames())
    kept = list(range(10)) + list(range(20, 35))
    assert [f.index for f in frames] == kept
    assert [f.t for f in frames] == pytest.approx([i / 10 for i in kept])
    assert rec.gaps == [(10, 20)]
    # each frame is the one written at that index (the drawn box moves one pixel a frame)
    for f in frames:
        assert np.abs(f.image.astype(int) - frame(f.index, 0).image.astype(int)).mean() < 3.0, f.index


def test_a_recording_from_before_segment_frames_were_written_is_read_by_its_frame_rate(tmp_path):
    write(tmp_path, n=25, fps=10.0)
    meta = json.loads((tmp_path / "recording.json").read_text())
    del meta["segment_frames"]
    (tmp_path / "recording.json").write_text(json.dumps(meta))
    (tmp_path / "video" / "00001.avi").unlink()
    rec = open_recording(tmp_path)
    assert [f.index for f in rec.frames()] == list(range(10)) + list(range(20, 25))
    assert rec.gaps == [(10, 20)]


def test_bare_video_has_no_contact(tmp_path):
    write_v1(tmp_path)
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
        ("recording.json", '{"fps": -3}', "fps must be a number above 0 and at most 240"),
        # a frame rate no camera has: every rep would be judged on nonsense times
        ("recording.json", '{"fps": 999}', "fps must be a number above 0 and at most 240"),
        # beyond what the station's config accepts: named here, not as a raw validation error
        ("recording.json", '{"contact_threshold_m": 0.6}', "contact_threshold_m must be a number above 0 and at "
                                                            "most 0.5"),
        ("proximity.csv", "t,distance_m\n0,0.3\n0.1,-0.2\n", "line 3: distance_m -0.2 is not a distance"),
        ("proximity.csv", "t,distance_m\n0,1e308\n", "line 2: distance_m 1e308 is not a distance"),
        ("faults.csv", "t,part,fault\n0,wheel,stuck\n", "line 2: part must be sensor or camera"),
        ("proximity.csv", "t,distance_m,after_frame\n0,0.3,0\n0.1,0.2,x\n", "line 3: after_frame must be a whole "
                                                                            "number of frames"),
        ("faults.csv", "t,part,fault,after_frame\n0,sensor,stuck,3\n0.1,sensor,,2\n", "line 3: after_frame goes "
                                                                                       "backwards (2 after 3)"),
    ],
)
def test_bad_files_are_named_with_the_problem(tmp_path, name, content, needle):
    write(tmp_path)
    (tmp_path / name).write_text(content)
    with pytest.raises(RecordingError) as err:
        rec = open_recording(tmp_path)
        list(rec.frames())
    assert name in str(err.value) and needle in str(err.value)


def test_a_last_line_a_power_cut_left_half_written_is_dropped_and_the_rest_is_read(tmp_path):
    """The station writes its CSVs a line at a time; a power cut can leave the last line cut short. Before,
    the whole recording was refused ("frames.csv: line 36: t is empty"); the complete lines are data."""
    write(tmp_path, n=35, fps=10.0)
    full = open_recording(tmp_path)
    for name, cut in (("frames.csv", "3"), ("proximity.csv", "3.4"), ("faults.csv", "3.41,sens")):
        path = tmp_path / name
        path.write_text(path.read_text() + cut)  # no line end: cut off while being written
    rec = open_recording(tmp_path)
    assert rec.frame_times == full.frame_times and len(rec.frame_times) == 35
    assert rec.proximity == full.proximity and rec.faults == full.faults
    assert len(list(rec.frames())) == 35
    # A last line that reads (a file saved without a final line end, as spreadsheets do) is kept.
    (tmp_path / "faults.csv").write_text("t,part,fault\n1.0,sensor,stuck")
    assert [f.fault for f in open_recording(tmp_path).faults] == ["stuck"]
    # A bad line that was written whole is still an error naming it.
    (tmp_path / "faults.csv").write_text("t,part,fault\n1.0,wheel,stuck\n")
    with pytest.raises(RecordingError, match="line 2: part must be sensor or camera"):
        open_recording(tmp_path)


def test_excel_saved_csv_with_a_byte_order_mark_is_read(tmp_path):
    write(tmp_path)
    (tmp_path / "proximity.csv").write_bytes("\ufefft,distance_m\r\n0,0.3\r\n0.1,0.2\r\n".encode("utf-8"))
    assert [s.distance_m for s in open_recording(tmp_path).proximity] == [0.3, 0.2]


def test_an_existing_recording_is_never_overwritten(tmp_path):
    write(tmp_path)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    with pytest.raises(RecordingError, match="already exists and is not empty.*choose a new folder"):
        RecordingWriter(tmp_path, 10.0, (160, 120))
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_faults_are_recorded_as_samples_on_the_recording_clock(tmp_path):
    from device.core.types import FaultSample

    w = RecordingWriter(tmp_path / "r", 10.0, (160, 120))
    w.add_fault(FaultSample(99.0, "sensor", "stuck"))  # before the first frame: holds from t = 0
    w.add_frame(frame(0, 100.0))
    w.add_fault(FaultSample(100.5, "sensor", None))
    w.close()
    assert open_recording(tmp_path / "r").faults == [FaultSample(0.0, "sensor", "stuck"),
                                                      FaultSample(0.5, "sensor", None)]


def test_a_replay_takes_readings_and_faults_in_the_order_the_live_station_took_them(tmp_path):
    """Live, the sensor and the health monitor never wait for the camera: a reading taken at 0.25 s
    reaches the rep engine while the frame captured at 0.20 s is still being measured. The recording
    says so (``after_frame``), and a replay of it feeds the engine in that order, not in time order:
    replayed into a station that records again, the second recording holds the same order."""
    from device.config import Config
    from device.core.types import FaultSample
    from device.station import Station, replay

    w = RecordingWriter(tmp_path / "live", 10.0, (160, 120))
    w.add_proximity(ProximitySample(100.0, 0.30))  # in before the first frame is measured
    w.add_frame(frame(0, 100.0))
    w.add_frame(frame(1, 100.1))
    w.add_proximity(ProximitySample(100.15, 0.20))
    w.add_proximity(ProximitySample(100.25, 0.10))  # taken after frame 2 was captured, in before it is measured
    w.add_fault(FaultSample(100.27, "sensor", "stuck"))
    w.add_frame(frame(2, 100.2))
    w.add_frame(frame(3, 100.3))
    w.add_proximity(ProximitySample(100.35, 0.05))
    w.add_fault(FaultSample(100.36, "sensor", None))
    w.close()
    live = open_recording(tmp_path / "live")
    assert live.proximity_after == [0, 2, 2, 4] and live.faults_after == [2, 4]

    def replayed(name, **order):
        again = RecordingWriter(tmp_path / name, 10.0, (160, 120))
        replay(Station(Config(), None, recorder=again), live.frames(), live.proximity, faults=live.faults, **order)
        again.close()
        return open_recording(tmp_path / name)

    same = replayed("again", proximity_after=live.proximity_after, faults_after=live.faults_after)
    assert same.proximity_after == live.proximity_after and same.faults_after == live.faults_after
    assert same.proximity == live.proximity and same.faults == live.faults
    # In time order (an older recording, without the column) the 0.25 s reading and the fault come after frame 2.
    by_time = replayed("by-time")
    assert by_time.proximity_after == [0, 2, 3, 4] and by_time.faults_after == [3, 4]


def test_a_recording_from_before_after_frame_reads_with_no_arrival_order(tmp_path):
    write(tmp_path)
    for name, header in (("proximity.csv", "t,distance_m"), ("faults.csv", "t,part,fault")):
        path = tmp_path / name
        rows = [line.rsplit(",", 1)[0] for line in path.read_text().splitlines()[1:]]
        path.write_text("\n".join([header, *rows]) + "\n")
    rec = open_recording(tmp_path)
    assert rec.proximity_after is None and rec.faults_after is None
    assert len(rec.proximity) == 13


KILLED_WRITER = """
import sys, time
import numpy as np
from device.core.types import ProximitySample
from device.io.frames import Frame
from device.recording import RecordingWriter
w = RecordingWriter(sys.argv[1], 30.0, (160, 120))
for i in range(100000):
    img = np.full((120, 160, 3), (i * 7) % 255, np.uint8)
    w.add_frame(Frame(i, i / 30, img))
    w.add_proximity(ProximitySample(i / 30, 0.3))
    if i == 75:
        print("written", flush=True)
    time.sleep(0.002)
"""


def test_a_recording_killed_with_sigkill_is_readable_up_to_about_the_last_second(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    child = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(tmp_path / "rec")], stdout=subprocess.PIPE,
                             text=True, env={**os.environ, "PYTHONPATH": str(root)})
    assert child.stdout.readline().strip() == "written"
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    rec = open_recording(tmp_path / "rec")
    frames = list(rec.frames())
    written = len(rec.frame_times)  # frames.csv is flushed per frame
    assert written >= 76
    # everything up to the last closed one-second segment is there, in order
    assert len(frames) >= written - 30 - 1 and len(frames) >= 60
    assert [f.index for f in frames] == list(range(len(frames)))
    assert [f.t for f in frames] == pytest.approx(rec.frame_times[: len(frames)])
    assert len(rec.proximity) >= written - 1


def test_missing_and_corrupt_video(tmp_path):
    write_v1(tmp_path)
    (tmp_path / "video.mp4").unlink()
    with pytest.raises(RecordingError, match="video.mp4: missing"):
        open_recording(tmp_path)
    (tmp_path / "video.mp4").write_bytes(b"\x00\x01garbage" * 100)
    with pytest.raises(RecordingError, match="video.mp4"):
        open_recording(tmp_path)
    with pytest.raises(RecordingError, match="no such file"):
        open_recording(tmp_path / "nope")


def _portrait_phone_video(path, n=6):
    """An MP4 as a phone films in portrait: frames stored sideways, a 90 deg rotation in the
    container's track header (the ``tkhd`` matrix), as players and phones expect it.
    Returns the upright frames it should read back as."""
    import struct
    upright = []
    vw = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10, (240, 160))
    for i in range(n):
        img = np.full((240, 160, 3), 30, np.uint8)
        cv2.rectangle(img, (40, 10 + 4 * i), (120, 60 + 4 * i), (230, 230, 230), -1)  # a head near the top
        upright.append(img)
        vw.write(cv2.rotate(img, cv2.ROTATE_90_COUNTERCLOCKWISE))  # stored as the sensor sees it
    vw.release()
    data = bytearray(path.read_bytes())
    at = data.find(b"tkhd")
    assert at > 0 and data[at + 4] == 0, "expected a version-0 track header"
    matrix = at + 4 + 4 + 20 + 8 + 8  # version/flags, times/ids/duration, reserved, layer..volume
    assert struct.unpack(">9i", data[matrix:matrix + 36])[0] == 0x10000, "identity matrix expected"
    data[matrix:matrix + 36] = struct.pack(">9i", 0, 0x10000, 0, -0x10000, 0, 0, 0, 0, 0x40000000)
    path.write_bytes(bytes(data))
    return upright


@pytest.mark.parametrize("reader_rotates", [True, False])
def test_a_portrait_phone_video_is_read_upright(tmp_path, monkeypatch, reader_rotates):
    """A portrait phone video read sideways shows a person lying across the frame: no rep,
    no back. The file's rotation is applied by OpenCV's reader, or by us where it cannot."""
    import device.io.video_file as vf
    if not reader_rotates:
        monkeypatch.setattr(vf, "_AUTO", None)  # an OpenCV build without the reader's rotation
    upright = _portrait_phone_video(tmp_path / "phone.mp4")
    assert cv2.VideoCapture(str(tmp_path / "phone.mp4")).read()[1].shape[:2] == (160, 240)  # sideways by default
    rec = open_recording(tmp_path / "phone.mp4")
    assert (rec.width, rec.height) == (160, 240)
    got = [f.image for f in rec.frames()]
    assert len(got) == len(upright)
    for a, b in zip(got, upright):
        assert a.shape == b.shape
        assert np.abs(a.astype(int) - b.astype(int)).mean() < 6  # the same picture, up to the codec


def _avi(path, n=90):
    vw = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30, (160, 120))
    for i in range(n):
        img = np.full((120, 160, 3), 40 + i, np.uint8)
        cv2.putText(img, str(i), (10, 60), cv2.FONT_HERSHEY_SIMPLEX, 1, (255, 255, 255))
        vw.write(img)
    vw.release()
    return path


def test_a_video_cut_short_is_analysed_as_far_as_it_goes_and_says_so(tmp_path, capsys):
    """A copy that stopped halfway still opens and plays up to where it stops. Before, its report was that
    part as if it were the whole video, with nothing said (and FFmpeg's own lines about the damage)."""
    from device.__main__ import main
    from device.analyze import analyze

    whole = _avi(tmp_path / "whole.avi")
    cut = tmp_path / "cut.avi"
    data = whole.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    full = analyze(whole, estimator="silhouette")
    part = analyze(cut, estimator="silhouette")
    assert full["frames"] == 90 and full["cut_short"] is False
    assert 10 < part["frames"] < 60 and part["cut_short"] is True
    assert main(["analyze", str(cut), "--estimator", "silhouette"]) == 0
    err = capsys.readouterr().err
    assert f"{cut} looks cut short or damaged: only its first {part['frames']} frames" in err
    assert "copy it again" in err
    assert main(["analyze", str(whole), "--estimator", "silhouette"]) == 0
    assert "cut short" not in capsys.readouterr().err


def test_an_mp4_cut_before_its_index_says_it_is_cut_short_not_just_unreadable(tmp_path):
    from device.io.video_file import container_cut_short

    path = tmp_path / "phone.mp4"
    vw = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10, (160, 120))
    for i in range(20):
        vw.write(np.full((120, 160, 3), 10 * i, np.uint8))
    vw.release()
    assert not container_cut_short(path)
    data = path.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * 0.6)])  # OpenCV's writer puts the index (moov) last: lost
    assert container_cut_short(cut)
    with pytest.raises(RecordingError, match=r"cut\.mp4: cannot be opened as a video \(the file is cut short"):
        open_recording(cut)
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"\x00\x01garbage" * 100)
    assert not container_cut_short(garbage)
    with pytest.raises(RecordingError, match=r"corrupt, or a codec OpenCV cannot read"):
        open_recording(garbage)


def _noisy(i: int) -> Frame:
    """A frame Motion-JPEG cannot shrink much (about 60 KB): a small disk fills in a few frames."""
    img = np.random.default_rng(i).integers(0, 256, (240, 320, 3), dtype=np.uint8)
    return Frame(i, 100.0 + i / 4, img)


def test_a_disk_that_fills_up_keeps_what_was_written_and_never_raises_on_close(small_fs):
    """A real ENOSPC (256 KiB tmpfs). Writing fails with an error the station catches (it goes on
    counting without the recording); closing must not fail again (before, the full disk's error ended
    the whole session after its last rep), and the frames of the closed segments read back."""
    w = RecordingWriter(small_fs / "rec", 4.0, (320, 240), segment_s=0.5)
    written = 0
    with pytest.raises((OSError, RecordingError)):
        for i in range(200):
            w.add_frame(_noisy(i))
            w.add_proximity(ProximitySample(100.0 + i / 4 + 0.01, 0.3, None))
            written += 1
    w.close()  # the disk is still full: no error
    assert written >= 2
    rec = open_recording(small_fs / "rec")
    frames = list(rec.frames())
    assert 2 <= len(frames) <= written
    assert [f.index for f in frames] == list(range(len(frames)))


def test_a_recording_started_on_a_full_disk_says_so_and_leaves_nothing_behind(small_fs):
    filler = small_fs / "filler.bin"
    with pytest.raises(OSError):
        with filler.open("wb") as f:
            f.write(b"\0" * (512 * 1024))
    with pytest.raises(RecordingError, match="cannot be written .*free some space on that disk") as err:
        RecordingWriter(small_fs / "rec", 10.0, (160, 120))
    assert "Nothing was recorded" in str(err.value)
    assert not (small_fs / "rec").exists()


def test_a_station_whose_recording_disk_is_full_still_starts_without_the_recording(small_fs, caplog):
    """storage.record_video on a full disk: the live station starts and counts (as with a session log
    that cannot be opened), with the reason in the log; before, the RecordingError stopped it starting,
    and a home unit restarted again and again."""
    from device.config import Config
    from device.live import _open_recorder

    with pytest.raises(OSError):
        with (small_fs / "filler.bin").open("wb") as f:
            f.write(b"\0" * (512 * 1024))
    cfg = Config()
    cfg.storage.record_video = True
    cfg.storage.recordings_dir = small_fs / "recordings"
    assert _open_recorder(cfg, digital=False) is None
    assert "no video recording this session" in caplog.text and "free some space on that disk" in caplog.text
    (small_fs / "filler.bin").unlink()
    rec = _open_recorder(cfg, digital=False)  # with room again, the next session records
    assert rec is not None
    rec.close()
    cfg.storage.record_video = False
    assert _open_recorder(cfg, digital=False) is None
