"""Speed changes that must not change what the product does (issue 9, target "Speed").

The figures themselves come from ``scripts/bench_speed_ratio.py``, not from timed tests; these
tests pin the mechanisms: mediapipe starts without running pyplot, and pyplot still works.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

needs_mediapipe = pytest.mark.skipif(importlib.util.find_spec("mediapipe") is None,
                                     reason="mediapipe not installed (pip install --no-deps mediapipe==0.10.18)")

# In a fresh interpreter: nothing else may have imported matplotlib first.
_PYPLOT_DEFERRED = r"""
import json, sys
from device.vision.pose import make_pose_model
model = make_pose_model()
out = {"ran_before": sorted(m for m in ("matplotlib.rcsetup", "matplotlib.figure") if m in sys.modules)}
if sys.argv[1] == "submodule first":
    import matplotlib.colors  # another submodule while the package has not run: runs it first
    out["colour"] = matplotlib.colors.to_hex("red")
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
from mediapipe.python.solutions import drawing_utils
out["same_module"] = plt is drawing_utils.plt is sys.modules["matplotlib.pyplot"] is matplotlib.pyplot
out["figure_type"] = type(plt.figure()).__name__
out["backend"] = matplotlib.get_backend().lower()
model.close()
print(json.dumps(out))
"""


@needs_mediapipe
@pytest.mark.parametrize("order", ["pyplot first", "submodule first"])
def test_pose_model_starts_without_running_matplotlib_and_matplotlib_still_works(order):
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1", GLOG_minloglevel="2")
    proc = subprocess.run([sys.executable, "-c", _PYPLOT_DEFERRED, order], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    # mediapipe's drawing utilities import pyplot; matplotlib's code ran only when used, and then whole.
    expected = {"ran_before": [], "same_module": True, "figure_type": "Figure", "backend": "agg"}
    if order == "submodule first":
        expected["colour"] = "#ff0000"
    assert out == expected
