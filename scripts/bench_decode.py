#!/usr/bin/env python3
"""Decoding a station recording's Motion-JPEG segments: FFmpeg (what ``device.recording`` uses) vs
libjpeg-turbo (``cv2.imdecode`` on the raw packets), speed and pixels.

    .venv/bin/python scripts/bench_decode.py [--recording DIR] [--segments 15] [--repeats 5]

Prints, per frame, the CPU time (of the whole process, FFmpeg's threads included; one OpenCV
thread; pin the process with ``taskset`` on a shared machine) of:

- FFmpeg: ``VideoCapture.read`` (the product's reader), and its two halves, ``grab`` (the JPEG
  decode) and ``retrieve`` (its YUV-to-BGR conversion);
- libjpeg-turbo: the packets read raw (``CAP_PROP_FORMAT -1``, no decoding) then ``cv2.imdecode``;

medians over ``--repeats``; then how the two decoders' frames differ, and how far each is from the
frames the recorder was given (60 rendered frames written as MJPG by ``cv2.VideoWriter``, as the
station's recorder writes them, decoded both ways). Without ``--recording`` a
recording is made with ``python -m device simulate --scenario clean --size 640x480 --reps 3``.
Not a product path: the README says why the decoder was not changed (its pixels differ).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import cv2  # noqa: E402
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def ffmpeg_frames(path: Path) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(path))
    out = []
    while True:
        ok, img = cap.read()
        if not ok:
            break
        out.append(img)
    cap.release()
    return out


def packets(path: Path) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG, [cv2.CAP_PROP_FORMAT, -1])
    out = []
    while True:
        ok, pkt = cap.read()
        if not ok:
            break
        out.append(pkt.reshape(-1))
    cap.release()
    return out


def cpu_per_frame(fn, segs: list[Path]) -> float:
    t = time.process_time()  # every thread of the process: FFmpeg may decode in its own
    n = fn(segs)
    return (time.process_time() - t) / max(1, n) * 1e3


def run_read(segs):
    return sum(len(ffmpeg_frames(p)) for p in segs)


def run_grab(segs):
    n = 0
    for p in segs:
        cap = cv2.VideoCapture(str(p))
        while cap.grab():
            n += 1
        cap.release()
    return n


def run_imdecode(segs):
    n = 0
    for p in segs:
        for pkt in packets(p):
            cv2.imdecode(pkt, cv2.IMREAD_COLOR)
            n += 1
    return n


def diff_stats(a: list[np.ndarray], b: list[np.ndarray]) -> tuple[float, int, float]:
    """(mean absolute difference, max, fraction of values differing) over all frames."""
    d = [np.abs(x.astype(np.int16) - y.astype(np.int16)) for x, y in zip(a, b)]
    return (float(np.mean([x.mean() for x in d])), int(max(x.max() for x in d)),
            float(np.mean([(x > 0).mean() for x in d])))


def fidelity(n_frames: int = 60) -> None:
    from device.sim.scenarios import get_scenario

    sc = get_scenario("clean", 0, fps=15, n_reps=2)
    originals = [sc.render(t) for t in list(sc.frame_times())[::4][:n_frames]]
    with tempfile.TemporaryDirectory(prefix="wallhinge-decode-") as tmp:
        path = Path(tmp) / "x.avi"
        h, w = originals[0].shape[:2]
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 15, (w, h))
        for img in originals:
            writer.write(img)
        writer.release()
        ff = ffmpeg_frames(path)
        lj = [cv2.imdecode(p, cv2.IMREAD_COLOR) for p in packets(path)]
    for name, frames in (("FFmpeg", ff), ("imdecode", lj)):
        mean, mx, _ = diff_stats(originals, frames)
        print(f"  {name:9s} vs the frames written ({len(frames)} rendered 640x480 frames): mean abs error "
              f"{mean:.2f} levels, max {mx}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--recording", type=Path, help="a station recording folder (default: make one)")
    ap.add_argument("--segments", type=int, default=15, help="segments decoded per repeat")
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args()
    cv2.setNumThreads(1)
    with tempfile.TemporaryDirectory(prefix="wallhinge-decode-") as tmp:
        rec = a.recording
        if rec is None:
            rec = Path(tmp) / "rec"
            subprocess.run([sys.executable, "-m", "device", "simulate", "--scenario", "clean", "--size", "640x480",
                            "--reps", "3", "--record", str(rec)], cwd=ROOT, check=True, capture_output=True)
        segs = sorted((rec / "video").glob("*.avi"))[: a.segments]
        if not segs:
            sys.exit(f"bench_decode: {rec}/video holds no .avi segment")
        times: dict[str, list[float]] = {"read": [], "grab": [], "imdecode": []}
        for _ in range(a.repeats):
            times["read"].append(cpu_per_frame(run_read, segs))
            times["grab"].append(cpu_per_frame(run_grab, segs))
            times["imdecode"].append(cpu_per_frame(run_imdecode, segs))
        m = {k: statistics.median(v) for k, v in times.items()}
        n = run_read(segs)
        print(f"{rec}: {len(segs)} segments, {n} frames, median of {a.repeats} repeats, CPU ms per frame")
        print(f"  FFmpeg read {m['read']:.2f} (decode {m['grab']:.2f} + YUV-to-BGR {m['read'] - m['grab']:.2f}); "
              f"raw packets + cv2.imdecode {m['imdecode']:.2f}")
        ff = [f for p in segs for f in ffmpeg_frames(p)]
        lj = [cv2.imdecode(pkt, cv2.IMREAD_COLOR) for p in segs for pkt in packets(p)]
        mean, mx, frac = diff_stats(ff, lj)
        print(f"  the two decoders' frames: {100 * frac:.0f} % of values differ, mean {mean:.2f}, max {mx} levels")
    fidelity()
    return 0


if __name__ == "__main__":
    sys.exit(main())
