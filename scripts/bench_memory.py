#!/usr/bin/env python3
"""Peak resident memory (VmHWM) of the station path, each in a fresh process.

    .venv/bin/python scripts/bench_memory.py [--runs 3] [--scenarios camouflage,standing_start,clean]
        [--reps 5] [--root CHECKOUT] [--size 1280x720]

What is measured, per run, in a new Python process (nothing subtracted):

- ``import``: the import baseline: numpy, OpenCV and the station's modules
  (``device.app``, ``device.simulate``, ``device.vision``), nothing run;
- one row per scenario: ``python -m device simulate --scenario NAME --reps N`` in full:
  the synthetic athlete rendered frame by frame, the silhouette estimator with the
  default ``auto`` segmenter, the rep engine, LEDs on mock pins -- the live station's
  path with a synthetic camera. ``camouflage``, ``standing_start`` and ``passerby``
  need the learned person mask (someone in view at start, a shirt the colour of the
  wall); ``clean`` starts with an empty scene and needs it only for the first frames.

The figure is the kernel's VmHWM (peak resident set) read in the child as it exits,
cross-checked with ``wait4``'s ``ru_maxrss``; the median over ``--runs`` runs is
printed with the range. Also printed: whether mediapipe was imported and which
learned-mask runtime ran (``device.vision.learned_mask``, when the checkout has it).
``--root`` measures another checkout (e.g. an exported older commit) with this venv.
One thread (OMP/TFLite/OpenCV), under ``nice`` if you run it that way.
Target (issue 9): <= 150 MB for the station path.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_MB = 150.0

# Runs inside the child: the workload, then (atexit, also after SystemExit) its own VmHWM.
CHILD = r"""
import atexit, json, os, runpy, sys
def _report():
    status = open('/proc/self/status').read()
    kb = {l.split(':')[0]: int(l.split()[1]) for l in status.splitlines() if l.startswith(('VmHWM', 'VmRSS'))}
    runtime = ''
    lm = sys.modules.get('device.vision.learned_mask')
    if lm is not None:
        runtime = getattr(lm, 'last_runtime', lambda: '')() or ''
    with open(os.environ['BENCH_MEMORY_OUT'], 'w') as f:
        json.dump({'hwm_kb': kb.get('VmHWM', 0), 'rss_kb': kb.get('VmRSS', 0),
                   'mediapipe': 'mediapipe' in sys.modules, 'runtime': runtime}, f)
atexit.register(_report)
if sys.argv[1] == 'import':
    import numpy, cv2
    import device.app, device.simulate, device.vision
else:
    sys.argv = ['device'] + sys.argv[1:]
    runpy.run_module('device', run_name='__main__', alter_sys=True)
"""


def run_child(root: Path, args: list[str]) -> dict:
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "TFLITE_NUM_THREADS"):
        env[var] = "1"
    env["GLOG_minloglevel"] = "2"
    env["PYTHONPATH"] = str(root)
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        env["BENCH_MEMORY_OUT"] = out.name
        proc = subprocess.Popen([sys.executable, "-c", CHILD, *args], cwd=root, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert proc.stdout is not None
        text = proc.stdout.read().decode(errors="replace")
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        try:
            res = json.loads(Path(out.name).read_text())
        except (OSError, ValueError):
            sys.exit(f"bench_memory: the child {args} wrote no figures (exit {proc.returncode}):\n{text[-2000:]}")
    res["maxrss_kb"] = usage.ru_maxrss
    res["exit"] = proc.returncode
    last = [ln for ln in text.splitlines() if "counted out of" in ln]
    res["counted"] = last[-1].strip() if last else ""
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--scenarios", default="camouflage,standing_start,clean")
    ap.add_argument("--reps", type=int, default=5, help="reps per simulated set (fewer = faster; peak is reached early)")
    ap.add_argument("--root", type=Path, default=ROOT, help="checkout to measure (default: this one)")
    ap.add_argument("--size", default=None, help="frame size for the simulated camera, e.g. 1280x720 (default: the scenario's)")
    a = ap.parse_args()
    root = a.root.resolve()
    size = f"; frames {a.size}" if a.size else ""
    print(f"peak RSS (VmHWM) of a fresh process, median of {a.runs} runs, MB; checkout {root}{size}")
    rows = [("import", ["import"])] + [
        (s, ["simulate", "--scenario", s, "--reps", str(a.reps)] + (["--size", a.size] if a.size else []))
        for s in a.scenarios.split(",") if s
    ]
    worst = 0.0
    for name, args in rows:
        runs = [run_child(root, args) for _ in range(a.runs)]
        hwm = [r["hwm_kb"] / 1024 for r in runs]
        maxrss = [r["maxrss_kb"] / 1024 for r in runs]
        med = statistics.median(hwm)
        if name != "import":
            worst = max(worst, med)
        r0 = runs[-1]
        notes = f"mediapipe imported: {'yes' if r0['mediapipe'] else 'no'}"
        if r0["runtime"]:
            notes += f"; learned mask: {r0['runtime']}"
        if r0["counted"]:
            notes += f"; {r0['counted']}"
        print(f"{name:16s} {med:6.1f}  (runs {min(hwm):.1f}-{max(hwm):.1f}; wait4 ru_maxrss {statistics.median(maxrss):.1f})  {notes}")
    verdict = "meets" if worst <= TARGET_MB else "misses"
    print(f"station path peak: {worst:.1f} MB, {verdict} the {TARGET_MB:.0f} MB target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
