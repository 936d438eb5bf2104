"""Speed changes that must not change what the product does (issue 9, target "Speed").

The figures themselves come from ``scripts/bench_speed_ratio.py``, not from timed tests; these
tests pin the mechanisms: mediapipe starts without running pyplot or its other APIs, which still
work when used; a video's first frame is decoded once and every pass gives the same frames; the
background model's box gives the whole frame's mask; person selection on the foreground's box and the
protection mask at the background model's size give what the whole frame gave; ``analyze`` reuses the
memory it frees (no page faults for frame-sized arrays once warmed up).
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


# In a fresh interpreter: nothing may have imported mediapipe first.
_MEDIAPIPE_EXTRAS_DEFERRED = r"""
import json, sys
import numpy as np
from device.vision.pose import make_pose_model
model = make_pose_model()
sol = "mediapipe.python.solutions."
out = {"ran_before": sorted(
    [m for m in ("mediapipe.tasks.python.vision", "mediapipe.tasks.python.audio") if m in sys.modules]
    + [m for m, name in ((sol + "holistic", "Holistic"), (sol + "hands", "Hands"), (sol + "drawing_utils", "draw_landmarks"))
       if name in vars(sys.modules[m])])}
out["pose_runs"] = model.process(np.zeros((96, 96, 3), np.uint8)).pose_landmarks is None
import mediapipe as mp
from mediapipe.python.solutions import hands
from mediapipe.tasks.python import audio
out["used"] = [mp.tasks.vision.PoseLandmarker.__name__, mp.tasks.BaseOptions.__name__, hands.Hands.__name__,
               mp.solutions.holistic.Holistic.__name__, mp.solutions.drawing_utils.draw_landmarks.__name__,
               audio.AudioClassifier.__name__]
out["same_module"] = mp.solutions.hands is hands is sys.modules[sol + "hands"]
model.close()
print(json.dumps(out))
"""


@needs_mediapipe
def test_pose_model_starts_without_mediapipes_other_apis_and_they_still_work():
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1", GLOG_minloglevel="2")
    proc = subprocess.run([sys.executable, "-c", _MEDIAPIPE_EXTRAS_DEFERRED], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    # The Tasks API and the other solutions had not run when the pose model started; read, they are whole.
    assert out == {"ran_before": [], "pose_runs": True, "same_module": True,
                   "used": ["PoseLandmarker", "BaseOptions", "Hands", "Holistic", "draw_landmarks", "AudioClassifier"]}


# ---------------------------------------------------------------- the first frame decoded once


def _numbered_frames(n: int, size=(160, 120)):
    import numpy as np

    w, h = size
    for i in range(n):
        img = np.full((h, w, 3), 30 + 5 * i, np.uint8)
        img[20:100, 10 + 3 * i : 40 + 3 * i] = (200, 180, 160)
        yield img


def test_a_videos_first_frame_is_decoded_once_and_every_pass_gives_the_same_frames(tmp_path):
    import cv2
    import numpy as np

    from device.io.frames import Frame
    from device.recording import RecordingWriter, open_recording

    # A bare video (timed by its container) and a station recording whose first segment is
    # empty (the frames begin in the second one).
    clip = tmp_path / "clip.mp4"
    v = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*"mp4v"), 10.0, (160, 120))
    for img in _numbered_frames(12):
        v.write(img)
    v.release()
    w = RecordingWriter(tmp_path / "rec", 10.0, (160, 120))
    for i, img in enumerate(_numbered_frames(25)):
        w.add_frame(Frame(i, 50.0 + i / 10.0, img))
    w.close()
    first = tmp_path / "rec" / "video" / "00000.avi"
    first.write_bytes(b"")
    for path, n in ((clip, 12), (tmp_path / "rec", 15)):
        rec = open_recording(path)
        kept = rec._opened
        assert kept is not None and kept[0] == (rec.segments[1] if rec.segments else clip)
        once = [(f.index, f.t, f.image) for f in rec.frames()]  # goes on from the frame opening decoded
        assert rec._opened is None and not kept[1].isOpened()  # handed over, then released
        again = [(f.index, f.t, f.image) for f in rec.frames()]  # opens the video afresh
        assert len(once) == len(again) == n
        for (i, t, img), (j, u, img2) in zip(once, again):
            assert (i, t) == (j, u) and np.array_equal(img, img2)


# ---------------------------------------------------------------- the background model's box


def _whole_frame_reference(model, small, bg):
    """The background model's mask and shadow worked out over the whole model, as before the work
    was restricted to the box of the changed pixels (the definition the box must reproduce)."""
    import cv2
    import numpy as np

    from device.vision.segmentation import _behind_columns, _K1x9, _K3, _SUM3

    d = cv2.subtract(small, bg)
    score = cv2.divide(cv2.transform(cv2.multiply(d, d), _SUM3), model._thr2())
    ib = cv2.transform(cv2.multiply(small, bg), _SUM3)
    bb = cv2.transform(cv2.multiply(bg, bg), _SUM3) + 1.0
    ii = cv2.transform(cv2.multiply(small, small), _SUM3)
    alpha = cv2.divide(ib, bb)
    shadow = (alpha > 0.6) & (alpha < 0.97) & (ii - alpha * ib < 0.0036 * bb + 25.0)
    solid = cv2.morphologyEx(((score > 1.0) & ~shadow).view(np.uint8), cv2.MORPH_OPEN, _K3)
    rows = np.flatnonzero(solid.any(axis=1))
    if len(rows):
        limit = int(rows[-1] - 0.15 * (rows[-1] - rows[0]))
        cols = cv2.dilate(solid.any(axis=0).view(np.uint8)[None, :], _K1x9)[0] > 0
        if limit > 0:
            shadow[:limit, cols] = False
    # The shadow the model does not learn from is this one: the regions joined to the person beside
    # their columns (_behind_columns) change the mask only, and the mask is not learned from either.
    unlearned = shadow.copy()
    if len(rows) and limit > 0:
        _behind_columns(shadow, solid, score, solid.any(axis=0).view(np.uint8), cols, limit,
                        int(round(model.SHADOW_REACH * (rows[-1] - rows[0]))))
    score = cv2.bitwise_and(score, score, mask=(~shadow).view(np.uint8))
    opened = cv2.morphologyEx((score > 1.0).view(np.uint8), cv2.MORPH_OPEN, _K3)
    return cv2.multiply(cv2.convertScaleAbs(score, alpha=64.0, beta=-0.5), opened), unlearned


@pytest.mark.parametrize("size", [(640, 480), (800, 600)])  # a power-of-two scale (the box upsampled) and not
def test_background_model_box_gives_the_whole_frame_mask_and_shadow(size):
    import cv2
    import numpy as np

    from device.sim.scenarios import get_scenario
    from device.vision.segmentation import BackgroundModel

    w, h = size
    sc = get_scenario("passerby", 0, width=w, height=h, fps=5.0, n_reps=1)
    model = BackgroundModel()
    checked = people = 0
    for t in list(sc.frame_times())[:45]:
        img = sc.render(t)
        bg_before = None if model._bg is None else model._bg.copy()
        seg = model.segment(img)
        if seg is None:
            model.learn(img)
            continue
        gain = model.last_gain
        bg = bg_before * gain if np.any(np.abs(gain - 1.0) > 0.02) else bg_before
        if bg is not bg_before and np.any(gain > 1.0):
            bg = np.minimum(bg, 255.0)  # the predicted picture clips as the camera's does
        graded, shadow = _whole_frame_reference(model, model._small, bg)
        if (w, h) != (graded.shape[1], graded.shape[0]):
            graded = cv2.resize(graded, (w, h), interpolation=cv2.INTER_LINEAR)
        expected = cv2.threshold(graded, 63, 255, cv2.THRESH_BINARY)[1]
        assert np.array_equal(seg.mask, expected), f"mask differs at t={t:.2f}"
        model._tick = 2  # learn from every frame, so every frame's shadow is made and compared
        model.feedback(seg.mask)
        assert np.array_equal(model._shadow, shadow), f"shadow differs at t={t:.2f}"
        checked += 1
        people += cv2.countNonZero(seg.mask) > 0.01 * w * h
    assert checked >= 30 and people >= 10, (checked, people)


def test_background_model_coverage_follows_every_learning_step():
    import numpy as np

    from device.sim.scenarios import get_scenario
    from device.vision.segmentation import BackgroundModel

    sc = get_scenario("clean", 0, width=320, height=240, fps=5.0, n_reps=1)
    model = BackgroundModel()
    person = np.zeros((240, 320), np.uint8)
    person[60:200, 100:160] = 255  # never learned under: coverage stays below 1
    seen_ready = False
    for i, t in enumerate(list(sc.frame_times())[:12]):
        model.learn(sc.render(t), person)
        truth = 1.0 - float(model.unknown().mean())
        assert model.coverage == pytest.approx(truth, abs=1e-12), i
        assert model.ready == (truth >= model.ready_coverage)
        seen_ready |= model.ready
        model.min_seen += 1  # a changed threshold is counted afresh, not served from before
        assert model.coverage == pytest.approx(1.0 - float(model.unknown().mean()), abs=1e-12)
        model.min_seen -= 1
    assert 0.5 < model.coverage < 1.0 and not seen_ready


def test_background_model_counts_stop_at_their_cap_however_they_got_there():
    # The cap's mask is skipped while no count can have reached it (each learning step adds at most 1);
    # counts put near the cap directly, with the steps' number past it, still stop there.
    import numpy as np

    from device.sim.scenarios import get_scenario
    from device.vision.segmentation import BackgroundModel

    sc = get_scenario("clean", 0, width=320, height=240, fps=5.0, n_reps=1)
    frames = [sc.render(t) for t in list(sc.frame_times())[:4]]
    person = np.zeros((240, 320), np.uint8)
    person[60:200, 100:160] = 255
    model = BackgroundModel()
    for img in frames[:3]:
        model.learn(img, person)
    assert model._seen.max() <= model._n_learn == 3  # the bound the shortcut relies on
    before = model._seen.copy()
    model._seen[:120] = 59_999
    model._seen[120:] = np.minimum(before[120:], 1) * 60_000
    model._n_learn = 60_000  # the next step is number 60001: the cap is applied
    model.learn(frames[3], person)
    assert model._seen.max() == 60_000
    learned = (before[:120] > 0) & (model._seen[:120] == 60_000)
    assert learned.any() and (model._seen[:120][~learned] == 59_999).all()


def _blob_masks(size: tuple[int, int], seed: int):
    """Person-like ellipses (some at the frame's edges), fragments and speckle."""
    import cv2
    import numpy as np

    H, W = size
    rng = np.random.default_rng(seed)
    for k in range(40):
        mask = np.zeros((H, W), np.uint8)
        for _ in range(int(rng.integers(1, 6))):
            c = (int(rng.integers(-20, W + 20)), int(rng.integers(0, H)))
            axes = (int(rng.integers(2, W // 5)), int(rng.integers(2, H // 2)))
            cv2.ellipse(mask, c, axes, float(rng.integers(0, 180)), 0, 360, 255, -1)
        if k % 2:
            mask[rng.random((H, W)) < 0.003] = 255
        if k == 0:
            mask[:] = 0
        yield mask


@pytest.mark.parametrize("size", [(480, 640), (481, 641), (240, 320)])
def test_person_selection_on_the_foregrounds_box_is_the_whole_frames(size):
    """select_person labels only the box around the foreground (label_blobs); the person it picks,
    their outline and the blobs' numbering are those of labelling the whole low-resolution grid."""
    import cv2
    import numpy as np

    from device.vision.estimator import Blobs, label_blobs, select_person

    H, W = size
    for i, mask in enumerate(_blob_masks(size, 7)):
        blobs = label_blobs(mask)
        f = blobs.f
        grid = np.ascontiguousarray(mask[::f, ::f])
        n, labels, stats, _ = cv2.connectedComponentsWithStats(grid, connectivity=8, ltype=cv2.CV_32S)
        whole = Blobs(f, int(n), labels, stats, (H, W), (0, 0), grid.shape[:2])
        assert blobs.n == n and blobs.grid == grid.shape[:2]
        assert np.array_equal(blobs.stats[1:], stats[1:])
        assert np.array_equal(blobs.labels_in(0, 0, grid.shape[1], grid.shape[0]), labels)
        previous = None if i % 2 else (W // 3, H // 4, W // 6, H // 2)
        for mh in (0.2 * H, 0.05 * H):
            a = select_person(mask, mh, previous, "left", labelled=whole)
            b = select_person(mask, mh, previous, "left", labelled=blobs)
            assert (a is None) == (b is None)
            if a is not None:
                assert (a.bbox, a.area) == (b.bbox, b.area) and np.array_equal(a.mask, b.mask)


def test_protection_mask_at_the_models_size_is_the_frame_sized_one_shrunk():
    """The background model learns at half a 640 px frame: the estimator's protection mask made at
    that size (from the blobs select_person labelled) is what shrinking the frame-sized one gives, so
    the model learns exactly where it did."""
    import cv2
    import numpy as np

    from device.vision.estimator import _people, _people_at_half, label_blobs, select_person
    from device.vision.segmentation import BackgroundModel

    H, W = 480, 640
    shown = 0
    for i, mask in enumerate(_blob_masks((H, W), 11)):
        mh = 0.2 * H
        blobs = label_blobs(mask)
        blob = select_person(mask, mh, labelled=blobs)
        last = select_person(np.roll(mask, 5 * (i % 3) - 5, axis=1), mh)
        full = _people(mask, mh)
        if full is None and (blob is not None or last is not None):
            full = np.zeros((H, W), np.uint8)
        for b in (blob, last):
            if b is not None and full is not None:
                b.paint(full)
        half = _people_at_half(blobs, mh, (H // 2, W // 2), (blob, last))
        assert (half is None) == (full is None)
        if full is None:
            continue
        small = np.zeros((H // 2, W // 2, 3), np.float32)
        assert np.array_equal(BackgroundModel._keep(half, small, 7), BackgroundModel._keep(full, small, 7))
        assert np.array_equal(half, cv2.resize(full, (W // 2, H // 2), interpolation=cv2.INTER_NEAREST))
        shown += int(np.count_nonzero(half) > 0)
    assert shown >= 20  # most masks had people to protect
    # Any other size: the frame-sized mask (the model shrinks it itself).
    assert _people_at_half(label_blobs(mask), 0.2 * H, (H // 3, W // 3)) is None


# ---------------------------------------------------------------- analyze reuses the memory it frees

# Arrays of a frame's sizes (a 640x480 frame, a 1080p frame, a 320x240 mask, ...) made and freed over
# and over, as each frame does; page faults counted once the first rounds have grown the heap.
# "analyze": after analyze() of a short recording (argv[2]), as the command runs it.
_CHURN = r"""
import resource, sys
import numpy as np
if sys.argv[1] == "kept":
    from device.analyze import keep_freed_memory
    assert keep_freed_memory()
elif sys.argv[1] == "analyze":
    from device.analyze import analyze
    analyze(sys.argv[2])
def churn():
    arrays = [np.ones(n, np.uint8) for n in (921_600, 6_220_800, 307_200, 2_073_600, 8_294_400)]
    del arrays
for _ in range(5):
    churn()
f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):
    churn()
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0) / 20)
"""


def _child(code: str, *args: str) -> str:
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1", GLOG_minloglevel="2")
    out = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.strip().splitlines()[-1]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt: Linux only")
def test_analyze_reuses_freed_frame_sized_memory_without_page_faults(tmp_path):
    # glibc's defaults map such blocks afresh and hand them back (about 1800 faults a round here);
    # kept, as analyze keeps them, the same blocks are reused (the benchmark shows what it saves).
    import numpy as np

    from device.io.frames import Frame
    from device.recording import RecordingWriter

    w = RecordingWriter(tmp_path / "rec", 10.0, (160, 120))
    for i in range(6):
        w.add_frame(Frame(i, i / 10.0, np.full((120, 160, 3), 40 * i, np.uint8)))
    w.close()
    assert float(_child(_CHURN, "default")) > 200
    assert float(_child(_CHURN, "kept")) < 5
    assert float(_child(_CHURN, "analyze", str(tmp_path / "rec"))) < 5


# ---------------------------------------------------------------- the pose path's people mask, made when read


@needs_mediapipe
def test_pose_people_mask_and_person_blob_made_when_read_are_the_eager_ones():
    import cv2
    import numpy as np

    from device.io.frames import Frame
    from device.sim.scenarios import get_scenario
    from device.vision.pose import PoseGuidedEstimator

    sc = get_scenario("clean", 0, fps=15, n_reps=1)
    times = sc.frame_times()
    probs = []
    checked = 0
    with PoseGuidedEstimator() as est:
        model = est._model
        real = model.process

        def process(rgb):  # mediapipe's own result, its probability kept to compare with
            res = real(rgb)
            probs.append(None if res.segmentation_mask is None else res.segmentation_mask.copy())
            return res

        model.process = process
        for i, t in enumerate(times[:120:6]):
            est.process(Frame(i, t, sc.render(t)))
            dbg, prob = est.last_debug, probs[-1]
            if prob is None or dbg._blob_src is None:
                continue
            xy = dbg._blob_src[1]
            assert dbg._people_mask is None  # nothing made before anything reads it
            eager = cv2.compare(prob, 0.5, cv2.CMP_GT)
            assert np.array_equal(eager, (prob > 0.5).astype(np.uint8) * 255)
            assert np.array_equal(dbg.people_mask, eager)
            blob, ref = dbg.person, PoseGuidedEstimator._person_blob(eager, xy)
            assert (blob is None) == (ref is None)
            if ref is not None:
                assert blob.bbox == ref.bbox and blob.area == ref.area
                assert np.array_equal(blob.region(*ref.bbox[:2], ref.bbox[0] + ref.bbox[2], ref.bbox[1] + ref.bbox[3]),
                                      ref.region(*ref.bbox[:2], ref.bbox[0] + ref.bbox[2], ref.bbox[1] + ref.bbox[3]))
            checked += 1
    assert checked >= 5
