"""The learned person mask's model, run without importing mediapipe.

The selfie segmentation model runs in OpenCV's own DNN module, which the station
loads anyway. Its weights are MediaPipe's ``selfie_segmentation.tflite`` (from the
mediapipe 0.10.18 wheel, Apache-2.0), converted once to ONNX by
``scripts/convert_selfie_model.py`` and committed in ``device/vision/models/``
(see the NOTICE there): every OpenCV 4.x reads ONNX, while only 4.8 and later read
TFLite, and Raspberry Pi OS Bookworm's apt OpenCV is 4.6. So the station needs
neither mediapipe nor a download for its learned mask, on a laptop or a Pi. The
ONNX model gives exactly the TFLite model's probabilities in OpenCV 4.11 and
within 1e-4 of them in OpenCV 4.6.0 (``tests/test_learned_mask.py``; the 4.6 figure
from a scratch venv with opencv-python-headless 4.6.0.66, not from a Pi).

Importing mediapipe costs about 50 MB of resident memory and its graph about 30 MB
more; OpenCV's network about 20 MB. The model has a MediaPipe custom operator
(``Convolution2DTransposeBias``) that a stock TFLite interpreter (``tflite-runtime``,
``ai-edge-litert``) does not resolve; the converter writes it as an ONNX
``ConvTranspose``.

The input is prepared as mediapipe's ``ImageToTensorCalculator`` does it for this
graph (the whole frame warped onto 256x256 with bilinear interpolation, zero border,
values 0..1), and the output resized back as its ``TensorsToSegmentationCalculator``
does (bilinear): the probabilities match mediapipe's to about 1e-4, so the masks are
the same.

``runtime`` chooses explicitly: ``opencv`` (the bundled ONNX model), ``mediapipe``
(mediapipe's own solution) or ``auto`` (OpenCV when it has a DNN module, else
mediapipe).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import importlib.util
from pathlib import Path
from typing import Callable, Optional

import cv2
import numpy as np

MEDIAPIPE_HINT = (
    "pip install --no-deps mediapipe==0.10.18 (its model files ship in the wheel; "
    "plus protobuf<5 absl-py attrs flatbuffers matplotlib to run mediapipe itself)"
)

# model name -> (file in mediapipe/modules/selfie_segmentation, input width, input height)
MODELS = {
    "general": ("selfie_segmentation.tflite", 256, 256),
    "landscape": ("selfie_segmentation_landscape.tflite", 256, 144),
}
RUNTIMES = ("auto", "opencv", "mediapipe")

_last_runtime = ""


class LearnedMaskError(Exception):
    """The learned model cannot run here; the message says why and how to fix it."""


def last_runtime() -> str:
    """Which runtime the most recently opened learned model uses (``""`` if none was opened)."""
    return _last_runtime


def model_path(model: str = "general", package_dir: Optional[Path] = None) -> Path:
    """The selfie segmentation ``.tflite`` inside the installed mediapipe package.

    Found with ``importlib.util.find_spec``, which locates the package without
    importing it. ``package_dir`` overrides the search (tests).
    """
    if model not in MODELS:
        raise LearnedMaskError(f"unknown selfie model {model!r}; use 'general' or 'landscape'")
    if package_dir is None:
        spec = importlib.util.find_spec("mediapipe")
        locations = list(spec.submodule_search_locations or []) if spec is not None else []
        if not locations:
            raise LearnedMaskError(f"the learned person mask's model ships in the mediapipe wheel, which is not installed: {MEDIAPIPE_HINT}")
        package_dir = Path(locations[0])
    path = Path(package_dir) / "modules" / "selfie_segmentation" / MODELS[model][0]
    if not path.is_file():
        raise LearnedMaskError(f"the learned person mask's model {path} is missing (a broken mediapipe install?): {MEDIAPIPE_HINT}")
    return path


def opencv_can_run_tflite() -> bool:
    return hasattr(cv2, "dnn") and hasattr(cv2.dnn, "readNetFromTFLite")


MODELS_DIR = Path(__file__).resolve().parent / "models"


def onnx_path(model: str = "general", models_dir: Optional[Path] = None) -> Path:
    """The bundled ONNX conversion of the selfie model (``device/vision/models/``)."""
    if model not in MODELS:
        raise LearnedMaskError(f"unknown selfie model {model!r}; use 'general' or 'landscape'")
    path = Path(models_dir or MODELS_DIR) / MODELS[model][0].replace(".tflite", ".onnx")
    if not path.is_file():
        raise LearnedMaskError(
            f"the learned person mask's model {path} is missing from this install: restore it with "
            f"'git checkout -- device/vision/models' in the project folder (or re-create it with "
            f"scripts/convert_selfie_model.py)")
    return path


def opencv_can_run_onnx() -> bool:
    return hasattr(cv2, "dnn") and hasattr(cv2.dnn, "readNetFromONNX")


class OpenCVSelfieModel:
    """The selfie segmentation model in OpenCV's DNN module: RGB frame in, person probability out."""

    runtime = "opencv"

    def __init__(self, model: str = "general", source: str = "onnx") -> None:
        """``source``: ``onnx`` (the bundled conversion, any OpenCV 4.x) or ``tflite`` (the file in
        the mediapipe wheel, OpenCV 4.8 and later; the tests compare the two)."""
        if source == "tflite":
            if not opencv_can_run_tflite():
                raise LearnedMaskError(f"OpenCV {cv2.__version__} has no TFLite importer (cv2.dnn.readNetFromTFLite)")
            path, read = model_path(model), cv2.dnn.readNetFromTFLite
        elif source == "onnx":
            if not opencv_can_run_onnx():
                raise LearnedMaskError(f"OpenCV {cv2.__version__} was built without its DNN module (cv2.dnn)")
            path, read = onnx_path(model), cv2.dnn.readNetFromONNX
        else:
            raise LearnedMaskError(f"unknown model source {source!r}; use 'onnx' or 'tflite'")
        _, self.in_w, self.in_h = MODELS[model]
        try:
            self._net = read(str(path))
        except cv2.error as e:
            raise LearnedMaskError(f"OpenCV could not load {path}: {e}") from None
        self._net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
        self._net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
        self._size: Optional[tuple[int, int]] = None
        self._warp: Optional[np.ndarray] = None

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        """float32 HxW person probability (0..1) for an HxWx3 RGB uint8 image."""
        h, w = rgb.shape[:2]
        if self._size != (w, h):
            # The whole image onto the model's input, corners on corners (mediapipe's
            # ImageToTensorCalculator with keep_aspect_ratio false), not cv2.resize's
            # half-pixel-centre mapping: the model was run that way in mediapipe.
            self._warp = np.array([[self.in_w / w, 0.0, 0.0], [0.0, self.in_h / h, 0.0]], np.float64)
            self._size = (w, h)
        x = cv2.warpAffine(rgb, self._warp, (self.in_w, self.in_h), flags=cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        self._net.setInput(cv2.dnn.blobFromImage(x, 1.0 / 255.0))
        prob = self._net.forward()[0, 0]
        return cv2.resize(prob, (w, h), interpolation=cv2.INTER_LINEAR)

    def close(self) -> None:
        self._net = None  # type: ignore[assignment]


class MediapipeSelfieModel:
    """The same model through mediapipe's own solution (imports mediapipe: about 80 MB more)."""

    runtime = "mediapipe"

    def __init__(self, model: str = "general", quiet: Optional[Callable] = None) -> None:
        if model not in MODELS:
            raise LearnedMaskError(f"unknown selfie model {model!r}; use 'general' or 'landscape'")
        try:
            from mediapipe.python.solutions import selfie_segmentation as mp_selfie  # noqa: PLC0415
        except ImportError as e:
            raise LearnedMaskError(f"the learned person mask needs mediapipe 0.10.18 here: {MEDIAPIPE_HINT} ({e})") from None
        self._seg = mp_selfie.SelfieSegmentation(model_selection=0 if model == "general" else 1)

    def __call__(self, rgb: np.ndarray) -> Optional[np.ndarray]:
        return self._seg.process(rgb).segmentation_mask

    def close(self) -> None:
        self._seg.close()


def open_model(model: str = "general", runtime: str = "auto") -> "OpenCVSelfieModel | MediapipeSelfieModel":
    """The selfie model in the lightest runtime that can run it (see the module's docstring)."""
    global _last_runtime
    if runtime not in RUNTIMES:
        raise LearnedMaskError(f"unknown learned-mask runtime {runtime!r}; use one of: {', '.join(RUNTIMES)}")
    if runtime == "opencv" or (runtime == "auto" and opencv_can_run_onnx()):
        m: "OpenCVSelfieModel | MediapipeSelfieModel" = OpenCVSelfieModel(model)
    else:
        m = MediapipeSelfieModel(model)
    _last_runtime = m.runtime
    return m


def release_freed_memory() -> None:
    """Hand memory freed by the C/C++ heap back to the system (glibc ``malloc_trim``); no-op elsewhere."""
    name = ctypes.util.find_library("c")
    if not name:
        return
    try:
        libc = ctypes.CDLL(name)
        libc.malloc_trim(0)
    except (OSError, AttributeError):
        pass
