"""The learned person mask run in OpenCV's DNN module instead of mediapipe (issue 9, peak RSS).

What matters: the masks are mediapipe's (same model file, same preprocessing), the station's
default segmenter no longer imports mediapipe, the model can be freed and comes back, and a
missing model file is a clear message.
"""

from __future__ import annotations

import hashlib
import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from device.sim.scenarios import get_scenario  # noqa: E402
from device.vision import learned_mask  # noqa: E402
from device.vision.segmentation import SegmentationError, SelfieSegmenter  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
needs_mediapipe = pytest.mark.skipif(importlib.util.find_spec("mediapipe") is None,
                                     reason="mediapipe is not installed (the original .tflite ships in its wheel)")
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


@needs_mediapipe
@needs_tflite_import
def test_opencv_runtime_gives_mediapipes_mask(frames):
    # The runtimes compared on the whole frame (the crop around the person is a second run of the
    # same model, on a box each runtime finds from its own first run).
    cv = SelfieSegmenter(runtime="opencv", crop=False)
    mp = SelfieSegmenter(runtime="mediapipe", crop=False)
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


@needs_mediapipe
@needs_tflite_import
@pytest.mark.parametrize("model", ["general", "landscape"])
def test_the_bundled_onnx_model_is_mediapipes_tflite_model(frames, model):
    """The committed ONNX conversion (which a Pi's OpenCV 4.6 can read) gives the probabilities of the
    .tflite in the pinned mediapipe wheel, and says which file it was converted from."""
    onnx = learned_mask.onnx_path(model)
    tfl = learned_mask.model_path(model)
    assert hashlib.sha256(tfl.read_bytes()).hexdigest().encode() in onnx.read_bytes(), \
        "the bundled ONNX was converted from another model file: re-run scripts/convert_selfie_model.py"
    a = learned_mask.OpenCVSelfieModel(model, source="onnx")
    b = learned_mask.OpenCVSelfieModel(model, source="tflite")
    for img in frames:
        rgb = img[:, :, ::-1].copy()
        pa, pb = a(rgb), b(rgb)
        assert pa.shape == img.shape[:2]
        assert float(np.abs(pa - pb).max()) < 1e-4
        assert 0.005 < float((pa > 0.5).mean()) < 0.9  # a person, not an empty or a full mask


def test_the_station_mask_needs_neither_mediapipe_nor_a_tflite_importer(frames):
    """What a Pi with apt OpenCV 4.6 runs: the ONNX model, loaded from the project folder."""
    m = learned_mask.open_model("general", runtime="auto")
    assert m.runtime == "opencv" and learned_mask.last_runtime() == "opencv"
    assert m._net is not None
    seg = SelfieSegmenter(runtime="opencv")
    s = seg.segment(frames[0])
    assert s is not None and 0.02 < s.mask.mean() / max(1, s.mask.max()) < 0.9


def test_a_missing_bundled_model_says_how_to_restore_it(tmp_path):
    with pytest.raises(learned_mask.LearnedMaskError, match=r"missing from this install.*git checkout -- device/vision/models"):
        learned_mask.onnx_path("general", models_dir=tmp_path)
    with pytest.raises(learned_mask.LearnedMaskError, match="'onnx' or 'tflite'"):
        learned_mask.OpenCVSelfieModel("general", source="caffe")


def test_a_missing_model_file_says_what_to_install(tmp_path):
    with pytest.raises(learned_mask.LearnedMaskError, match=r"missing.*pip install --no-deps mediapipe==0.10.18"):
        learned_mask.model_path("general", package_dir=tmp_path)
    with pytest.raises(learned_mask.LearnedMaskError, match="'general' or 'landscape'"):
        learned_mask.model_path("portrait")
    with pytest.raises(SegmentationError, match="runtime 'tpu'.*auto, opencv, mediapipe"):
        SelfieSegmenter(runtime="tpu")
