"""The learned person mask run in OpenCV's DNN module instead of mediapipe (issue 9, peak RSS).

What matters: the masks are mediapipe's (same model file, same preprocessing), the station's
default segmenter no longer imports mediapipe, the model can be freed and comes back, and a
missing model file is a clear message.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("mediapipe")  # the model file ships in its wheel

from device.sim.scenarios import get_scenario  # noqa: E402
from device.vision import learned_mask  # noqa: E402
from device.vision.segmentation import SegmentationError, SelfieSegmenter  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
needs_tflite_import = pytest.mark.skipif(not learned_mask.opencv_can_run_tflite(),
                                         reason="this OpenCV has no TFLite importer (cv2.dnn.readNetFromTFLite)")


@pytest.fixture(scope="module")
def frames() -> list[np.ndarray]:
    """People the learned mask exists for: in view at start, camouflaged, a passer-by; one real-size 640x480."""
    out = []
    for name in ("standing_start", "camouflage", "passerby"):
        sc = get_scenario(name, 0, width=640, height=480, fps=10, n_reps=3)
        ts = [t for t in sc.frame_times() if sc.truth_at(t).in_position]
        out += [sc.render(t) for t in ts[:: max(1, len(ts) // 3)][:3]]
    return out


@needs_tflite_import
def test_opencv_runtime_gives_mediapipes_mask(frames):
    cv = SelfieSegmenter(runtime="opencv")
    mp = SelfieSegmenter(runtime="mediapipe")
    for img in frames:
        a, b = cv.segment(img), mp.segment(img)
        assert a is not None and b is not None
        assert cv.last_prob is not None and mp.last_prob is not None
        # The same probabilities (1e-4 apart here); a different resize (cv2.resize's half-pixel
        # centres instead of mediapipe's corner-to-corner warp) differs by up to 0.7.
        assert float(np.abs(cv.last_prob - mp.last_prob).max()) < 0.005
        differ = np.count_nonzero(a.mask != b.mask)
        assert differ <= 0.0005 * a.mask.size, differ
        assert np.count_nonzero(a.mask) > 0.02 * a.mask.size  # a person was found, not two empty masks


@needs_tflite_import
def test_the_station_segmenter_does_not_import_mediapipe_and_can_free_its_model():
    code = (
        "import sys\n"
        "from device.sim.scenarios import get_scenario\n"
        "from device.vision.segmentation import make_segmenter\n"
        "sc = get_scenario('standing_start', 0, width=320, height=240, fps=10, n_reps=1)\n"
        "seg = make_segmenter('auto')\n"
        "m = [seg.segment(sc.render(t)) for t in sc.frame_times()[:3]]\n"
        "assert all(s is not None and s.mask.any() for s in m), 'no person mask'\n"
        "learned = seg.learned\n"
        "learned.release(); assert not learned.loaded and learned.state.learned_loaded is False\n"
        "again = learned.segment(sc.render(0.5)); assert learned.loaded and again.mask.any()\n"
        "print('mediapipe' in sys.modules)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "False", r.stdout
    assert "XNNPACK" not in r.stderr and r.stderr.strip() == "", r.stderr


def test_a_missing_model_file_says_what_to_install(tmp_path):
    with pytest.raises(learned_mask.LearnedMaskError, match=r"missing.*pip install --no-deps mediapipe==0.10.18"):
        learned_mask.model_path("general", package_dir=tmp_path)
    with pytest.raises(learned_mask.LearnedMaskError, match="'general' or 'landscape'"):
        learned_mask.model_path("portrait")
    with pytest.raises(SegmentationError, match="runtime 'tpu'.*auto, opencv, mediapipe"):
        SelfieSegmenter(runtime="tpu")
