#!/usr/bin/env bash
# Run the station's vision under the OpenCV a Raspberry Pi gets from apt
# (Bookworm: 4.6.0), on this machine: a scratch venv with
# opencv-python-headless 4.6.0.66, then
#   1. the learned person mask's ONNX model against the TFLite original
#      (run in this project's .venv, OpenCV 4.11), on rendered frames;
#   2. a simulated set of a person in view from power-on, judged in both venvs.
# Not a Pi (x86-64, pip's OpenCV build rather than Debian's), but the same
# OpenCV version and the same DNN importer code.
#
#   bash scripts/check_pi_opencv.sh [SCENARIO] [SEED]     (about 2-4 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=${1:-standing_start}
seed=${2:-0}
venv=${WALLHINGE_CV46_VENV:-/tmp/wallhinge-cv46}
if [ ! -x .venv/bin/python ]; then
    echo "check_pi_opencv: run scripts/setup.sh first (the project's .venv is the reference)" >&2
    exit 2
fi
if [ ! -x "$venv/bin/python" ]; then
    echo "check_pi_opencv: making $venv (opencv-python-headless 4.6.0.66, numpy<2, pydantic 2, gpiozero)"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "opencv-python-headless==4.6.0.66" "numpy>=1.24,<2" "pydantic>=2.5,<3" "gpiozero>=2,<3"
fi
"$venv/bin/python" -c "import cv2; assert cv2.__version__.startswith('4.6.'), cv2.__version__; print('OpenCV', cv2.__version__, 'in', '$venv')"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/probs.py" <<'PY'
import sys
import numpy as np
from device.sim.scenarios import get_scenario
from device.vision import learned_mask
out = {}
for name in ("standing_start", "camouflage", "passerby"):  # 3 reps: passerby times its walker on the third
    sc = get_scenario(name, 0, width=640, height=480, fps=10, n_reps=3)
    ts = [t for t in sc.frame_times() if sc.truth_at(t).in_position][::7][:4]
    for model in ("general", "landscape"):
        m = learned_mask.OpenCVSelfieModel(model, source=sys.argv[2])
        for i, t in enumerate(ts):
            out[f"{name}-{model}-{i}"] = m(sc.render(t)[:, :, ::-1].copy())
np.savez_compressed(sys.argv[1], **out)
PY
echo "1. learned mask: ONNX in OpenCV 4.6 vs the TFLite original in OpenCV $(.venv/bin/python -c 'import cv2; print(cv2.__version__)')"
PYTHONPATH=. "$venv/bin/python" "$tmp/probs.py" "$tmp/onnx46.npz" onnx
PYTHONPATH=. .venv/bin/python "$tmp/probs.py" "$tmp/tflite.npz" tflite
.venv/bin/python - "$tmp/onnx46.npz" "$tmp/tflite.npz" <<'PY'
import sys
import numpy as np
a, b = np.load(sys.argv[1]), np.load(sys.argv[2])
diff = max(float(np.abs(a[k] - b[k]).max()) for k in a.files)
flips = sum(int(((a[k] > 0.5) != (b[k] > 0.5)).sum()) for k in a.files)
print(f"   {len(a.files)} frames: largest probability difference {diff:.1e}, mask pixels flipped {flips}")
sys.exit(0 if diff < 1e-3 and flips == 0 else 1)
PY

echo "2. python -m device simulate --scenario $scenario --seed $seed --json, in both venvs"
"$venv/bin/python" -m device simulate --scenario "$scenario" --seed "$seed" --json > "$tmp/cv46.json"
.venv/bin/python -m device simulate --scenario "$scenario" --seed "$seed" --json > "$tmp/here.json"
.venv/bin/python - "$tmp/cv46.json" "$tmp/here.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
keys = ("verdict", "counted", "trunk_inclination_deg", "rounding_deg", "knee_angle_deg")
ra = [tuple(r[k] for k in keys) for r in a["reps"]]
rb = [tuple(r[k] for k in keys) for r in b["reps"]]
print(f"   OpenCV 4.6: {a['counted']} counted of {len(ra)} reps, truth exact={a['truth']['exact']}; "
      f"here: {b['counted']} of {len(rb)}, exact={b['truth']['exact']}; identical reps: {ra == rb}")
if ra != rb:
    for x, y in zip(ra, rb):
        print("   ", x, "|", y)
sys.exit(0 if ra == rb else 1)
PY
echo "check_pi_opencv: OK"
