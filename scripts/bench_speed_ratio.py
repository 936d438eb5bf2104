#!/usr/bin/env python3
"""Whole ``python -m device analyze`` vs MediaPipe pose alone on the same video, one core.

    .venv/bin/python scripts/bench_speed_ratio.py [--runs 3] [--recording DIR] [--reps 10] [--cpu N]
        [--root CHECKOUT] [--before OLD_CHECKOUT] [CLIP.mp4 ...]

For each video, in fresh processes pinned to one CPU (``sched_setaffinity``) with one
thread (OMP/OpenBLAS/TFLite) and the child's own CPU time counted (``wait4``: user + sys
of every thread; the wall time is printed too but a shared machine inflates it):

- **analyze**: the whole command, ``python -m device analyze VIDEO --json``: start-up,
  imports, decoding, the estimator the product picks (the silhouette estimator with the
  ``auto`` mask for a station recording, the pose-guided one for a bare video), the rep
  engine and the report;
- **pose alone**: MediaPipe Pose made by the product's own ``make_pose_model`` (so with
  the same model complexity and settings: complexity 1, landmark and segmentation
  smoothing, segmentation mask on), run on the same frames decoded by the product's own
  reader; only ``cvtColor`` + ``Pose.process`` per frame is timed (CPU time of the whole
  process during those calls, mediapipe's graph threads included), not decoding, start-up
  or model loading. It is given the frames as decoded, at the video's own size; ``analyze``
  gives the model a frame shrunk to ``PoseModelParams.model_max_side`` (960 px) when the video
  is larger (a 1080p frame's ``process`` costs about a third less at 960x540: docs/vision-speed.md,
  round 8), so on such a video the ratio can fall below 1.

ratio = analyze / pose alone (medians over ``--runs``): the target's ratio. Also printed: the ratio
to pose alone *with* its decoding of the video (the same reader, timed around each frame it yields;
any program running pose on a video decodes it, so this tells how much of the excess is the video's
decoding, which the target's ratio charges to analyze alone); to tell a fixed cost from a
per-frame one: ``analyze()`` run in-process, its CPU per frame after the first 30 frames (stamped by
its progress callback) over pose alone's per frame, and the start-up CPU that leaves (interpreter,
imports, model loading, first frames' extra). Targets (issue 9): a 640x480 station
recording <= 0.20x, a bare phone video <= 1.3x.

The station recording is made once with ``python -m device simulate --scenario clean
--size 640x480 --reps N --record DIR`` in a temporary folder, unless ``--recording`` names one.
Clips are given as paths (real phone footage is never committed). ``--root`` measures another
checkout (e.g. an exported older commit) with this venv; ``--before OLD`` measures an older checkout
in the same runs, interleaved (a shared machine's load changes by the minute), and says whether the
two ``analyze --json`` reports are identical.

Bytecode: the children inherit this shell's environment. Where ``PYTHONDONTWRITEBYTECODE=1`` is set
(this development machine) and a checkout has no ``__pycache__``, every run compiles the project's
modules from source, which an installed station never does (``pip install``, as
``scripts/install.sh`` runs it, writes the bytecode of every module). ``--bytecode`` first compiles
each measured checkout's ``device`` package (``python -m compileall -q``, into its ``__pycache__``
folders, which git ignores) so that both sides start as an install does; without it nothing is
written and the figures are comparable with earlier rounds'.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[1]
CHECKOUT = ROOT  # the code measured (--root)
TARGET_RECORDING = 0.20
TARGET_CLIP = 1.3

POSE_ALONE = r"""
import json, sys, time
import cv2
from device.recording import open_recording
from device.vision.pose import make_pose_model
rec = open_recording(sys.argv[1])
model = make_pose_model()
cpu = wall = decode = 0.0
n = 0
frames = rec.frames()
while True:
    d0 = time.process_time()
    f = next(frames, None)
    decode += time.process_time() - d0
    if f is None:
        break
    c0, w0 = time.process_time(), time.perf_counter()
    model.process(cv2.cvtColor(f.image, cv2.COLOR_BGR2RGB))
    cpu += time.process_time() - c0
    wall += time.perf_counter() - w0
    n += 1
model.close()
print(json.dumps({"cpu": cpu, "wall": wall, "frames": n, "decode": decode}))
"""


# analyze() in-process, to split start-up from the per-frame work: its progress callback (every 30
# frames) stamps the CPU time, so frames 30..N give the steady per-frame cost.
ANALYZE_STEADY = r"""
import json, sys, time
from device.analyze import analyze
marks = []
analyze(sys.argv[1], progress=lambda n, total: marks.append((n, time.process_time())))
if len(marks) < 2:
    sys.exit(f"{sys.argv[1]}: fewer than 60 frames; the split of start-up from per-frame work needs at least 60")
(n0, c0), (n1, c1) = marks[0], marks[-1]
print(json.dumps({"steady_cpu_per_frame": (c1 - c0) / max(1, n1 - n0), "startup_cpu": c0 - n0 * (c1 - c0) / max(1, n1 - n0)}))
"""


def _env(root: Path) -> dict:
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "TFLITE_NUM_THREADS"):
        env[var] = "1"
    env["GLOG_minloglevel"] = "2"
    env["PYTHONPATH"] = str(root)
    return env


def child_cpu(args: list[str], cpu: int, root: Optional[Path] = None) -> tuple[float, float, str]:
    """(CPU seconds of the child, wall seconds, its stdout) for a command pinned to one CPU, run on
    the code of checkout ``root`` (default: the one measured)."""
    root = root or CHECKOUT
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, cwd=root, env=_env(root), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=lambda: os.sched_setaffinity(0, {cpu}))
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"bench_speed_ratio: {' '.join(args)} failed ({proc.returncode}):\n{err.decode(errors='replace')[-2000:]}")
    # The reaped child's user + sys time (all its threads) is added to RUSAGE_CHILDREN.
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return used, wall, out.decode(errors="replace")


def cpu_identity() -> str:
    """The processor's model name and its widest SIMD extension, from /proc/cpuinfo (Linux). The
    ratio depends on the machine, not only on the code: nearly the same code read 0.229x on 2026-12-02
    (pose alone 22.0 ms a frame; that machine's CPU was not recorded) and 0.116-0.118x on 2026-12-03 (an
    AMD EPYC with AVX2, pose alone 35.6-35.7 ms a frame), so every figure is printed with its CPU."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return "CPU unknown (no /proc/cpuinfo)"
    model = next((ln.split(":", 1)[1].strip() for ln in text.splitlines() if ln.startswith("model name")), "unknown")
    flags = next((ln.split(":", 1)[1].split() for ln in text.splitlines() if ln.startswith("flags")), [])
    simd = next((f for f in ("avx512f", "avx2", "avx", "sse4_2") if f in flags), "no AVX")
    return f"{model}, {simd}"


def _bytecode_state(root: Path) -> str:
    """Whether the children will load ``root``'s modules from bytecode or compile them every run."""
    if any((root / "device" / "__pycache__").glob(f"*.{sys.implementation.cache_tag}.pyc")):
        return "bytecode cached"
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        return "no bytecode: modules compiled from source on every run"
    return "no bytecode yet (the first run writes it)"


def make_recording(folder: Path, reps: int, cpu: int) -> Path:
    rec = folder / "station-640x480"
    child_cpu([sys.executable, "-m", "device", "simulate", "--scenario", "clean", "--size", "640x480",
               "--reps", str(reps), "--record", str(rec)], cpu)
    return rec


def measure(video: Path, runs: int, cpu: int, roots: Optional[list[Path]] = None) -> list[dict]:
    """The figures of each checkout in ``roots`` (default: the one measured) on ``video``. With several,
    each run measures them one after the other, so a shared machine's changing load falls on all
    alike; pose alone runs once per run (on the measured checkout) and is the denominator of every
    ratio."""
    roots = roots or [CHECKOUT]
    k = len(roots)
    an_cpu, an_wall, an_steady, an_startup = ([[] for _ in roots] for _ in range(4))
    pose_cpu, pose_wall, pose_decode = [], [], []
    frames = 0
    reports: list[dict] = [{} for _ in roots]
    for _ in range(runs):
        for i, root in enumerate(roots):
            c, w, out = child_cpu([sys.executable, "-m", "device", "analyze", str(video), "--json"], cpu, root)
            an_cpu[i].append(c)
            an_wall[i].append(w)
            reports[i] = json.loads(out)
            _, _, out = child_cpu([sys.executable, "-c", ANALYZE_STEADY, str(video)], cpu, root)
            st = json.loads(out.strip().splitlines()[-1])
            an_steady[i].append(st["steady_cpu_per_frame"])
            an_startup[i].append(st["startup_cpu"])
        _, _, out = child_cpu([sys.executable, "-c", POSE_ALONE, str(video)], cpu)
        p = json.loads(out.strip().splitlines()[-1])
        pose_cpu.append(p["cpu"])
        pose_wall.append(p["wall"])
        pose_decode.append(p["decode"])
        frames = p["frames"]
    m = statistics.median
    return [{
        "root": roots[i],
        "frames": frames,
        "estimator": reports[i].get("estimator", "?"),
        "same_report": all(r == reports[0] for r in reports),
        "analyze_cpu": m(an_cpu[i]), "analyze_wall": m(an_wall[i]),
        "pose_cpu": m(pose_cpu), "pose_wall": m(pose_wall),
        "ratio": m(an_cpu[i]) / max(1e-9, m(pose_cpu)),
        "ratio_wall": m(an_wall[i]) / max(1e-9, m(pose_wall)),
        "ratios": sorted(a / max(1e-9, p) for a, p in zip(an_cpu[i], pose_cpu)),
        "analyze_cpus": list(an_cpu[i]),  # in run order
        "pose_decode": m(pose_decode),
        "ratio_with_decode": m(an_cpu[i]) / max(1e-9, m(p + d for p, d in zip(pose_cpu, pose_decode))),
        "steady": m(an_steady[i]), "startup": m(an_startup[i]),
        "ratio_steady": m(an_steady[i]) / max(1e-9, m(pose_cpu) / max(1, frames)),
    } for i in range(k)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("clips", nargs="*", type=Path, help="bare phone videos (.mp4)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--recording", type=Path, help="a station recording folder (default: make one)")
    ap.add_argument("--no-recording", action="store_true", help="clips only")
    ap.add_argument("--reps", type=int, default=10, help="reps in the recording made for the benchmark")
    ap.add_argument("--cpu", type=int, default=None, help="CPU to pin to (default: the last one allowed)")
    ap.add_argument("--root", type=Path, default=ROOT, help="checkout to measure (default: this one)")
    ap.add_argument("--before", type=Path, help="an older checkout (e.g. a `git archive` export) measured in the "
                    "same runs, interleaved, for a before/after on a shared machine")
    ap.add_argument("--bytecode", action="store_true", help="compile each measured checkout's device package "
                    "first (as an install has it; see the module's doc)")
    a = ap.parse_args()
    global CHECKOUT
    CHECKOUT = a.root.resolve()
    roots = ([a.before.resolve()] if a.before else []) + [CHECKOUT]
    if a.bytecode:
        for root in roots:
            subprocess.run([sys.executable, "-m", "compileall", "-q", str(root / "device")], check=True)
    cpu = a.cpu if a.cpu is not None else max(os.sched_getaffinity(0))
    for c in a.clips:
        if not c.is_file():
            sys.exit(f"bench_speed_ratio: {c}: no such video file")
    print(f"whole analyze vs MediaPipe pose alone, one core (CPU {cpu}), child CPU time, median of {a.runs} runs;"
          f" checkout {CHECKOUT}" + (f", before: {roots[0]} (interleaved)" if a.before else "")
          + "; " + ", ".join(f"{r.name}: {_bytecode_state(r)}" for r in roots))
    print(f"processor: {cpu_identity()} (the ratio depends on the machine: quote it with the figures)")
    with tempfile.TemporaryDirectory(prefix="wallhinge-speed-") as tmp:
        videos: list[tuple[str, Path, float]] = []
        if not a.no_recording:
            rec = a.recording or make_recording(Path(tmp), a.reps, cpu)
            videos.append(("station recording", rec, TARGET_RECORDING))
        videos += [("bare video", c, TARGET_CLIP) for c in a.clips]
        for kind, video, target in videos:
            results = measure(video, a.runs, cpu, roots)
            for r in results:
                n = max(1, r["frames"])
                ok = "meets" if r["ratio"] <= target else "MISSES"
                label = "" if not a.before else ("before: " if r["root"] == roots[0] else "after:  ")
                print(f"{label}{kind:17s} {video.name:28s} {r['frames']:4d} frames  analyze ({r['estimator']}) "
                      f"{1000 * r['analyze_cpu'] / n:6.1f} ms/frame  pose alone {1000 * r['pose_cpu'] / n:6.1f} ms/frame  "
                      f"ratio {r['ratio']:.3f}x (runs {r['ratios'][0]:.3f}-{r['ratios'][-1]:.3f}; wall {r['ratio_wall']:.2f}x)"
                      f"  {ok} <= {target}x")
                print(f"{' ' * len(label)}{'':17s} {'':28s} after start-up: analyze {1000 * r['steady']:.1f} ms/frame = "
                      f"{r['ratio_steady']:.2f}x pose alone; start-up (imports, models) {r['startup']:.2f} s CPU")
                print(f"{' ' * len(label)}{'':17s} {'':28s} decoding the video: {1000 * r['pose_decode'] / n:.1f} ms/frame; "
                      f"analyze / (pose alone + its decoding) {r['ratio_with_decode']:.2f}x")
                if a.before and r["root"] != roots[0]:
                    print(f"{' ' * len(label)}{'':17s} {'':28s} the two `analyze --json` reports are "
                          f"{'identical' if r['same_report'] else 'DIFFERENT'}")
                    # Each run's after / before (the same run's load on both): the change itself.
                    per_run = sorted(x / max(1e-9, y) for x, y in zip(r["analyze_cpus"], results[0]["analyze_cpus"]))
                    print(f"{' ' * len(label)}{'':17s} {'':28s} after / before, run by run: median "
                          f"{statistics.median(per_run):.3f} (runs {per_run[0]:.3f}-{per_run[-1]:.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
