"""scripts/realset_variants.py: the real clips mirrored or shrunk, written beside them, never over them."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import cv2
import numpy as np

from device.sim.scenarios import get_scenario

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("realset_variants", ROOT / "scripts" / "realset_variants.py")
variants = importlib.util.module_from_spec(spec)
spec.loader.exec_module(variants)


def _clip(path: Path, n: int = 6) -> list[np.ndarray]:
    sc = get_scenario("clean", 1, width=320, height=240, fps=10, n_reps=1)
    frames = [sc.render(t) for t in sc.frame_times()[20:20 + n]]
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (320, 240))
    for f in frames:
        w.write(f)
    w.release()
    return frames


def _read(path: Path) -> list[np.ndarray]:
    cap, out = cv2.VideoCapture(str(path)), []
    while True:
        ok, img = cap.read()
        if not ok:
            return out
        out.append(img)


def test_mirrored_and_shrunk_copies_show_the_same_frames_the_other_way_round(tmp_path):
    src = tmp_path / "clips"
    src.mkdir()
    frames = _clip(src / "lift.avi")
    assert variants.main([str(src), str(tmp_path / "m"), "--mirror"]) == 0
    got = _read(tmp_path / "m" / "lift.avi")
    assert len(got) == len(frames)
    for a, b in zip(frames, got):
        assert np.abs(cv2.flip(a, 1).astype(int) - b).mean() < 4.0  # the mirror image, up to JPEG
        assert np.abs(a.astype(int) - b).mean() > 4 * np.abs(cv2.flip(a, 1).astype(int) - b).mean()
    assert variants.main([str(src), str(tmp_path / "s"), "--long-side", "160"]) == 0
    small = _read(tmp_path / "s" / "lift.avi")
    assert small[0].shape == (120, 160, 3)
    assert np.abs(cv2.resize(frames[0], (160, 120), interpolation=cv2.INTER_AREA).astype(int) - small[0]).mean() < 4.0


def test_an_output_folder_with_files_in_it_is_refused_and_left_alone(tmp_path, capsys):
    src = tmp_path / "clips"
    src.mkdir()
    _clip(src / "lift.avi", n=2)
    out = tmp_path / "out"
    out.mkdir()
    (out / "lift.avi").write_bytes(b"mine")
    assert variants.main([str(src), str(out), "--mirror"]) == 2
    assert "not empty" in capsys.readouterr().err
    assert (out / "lift.avi").read_bytes() == b"mine"
    assert variants.main([str(src), str(src)]) == 2  # never into the clips' own folder
