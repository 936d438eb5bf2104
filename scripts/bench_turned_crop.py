#!/usr/bin/env python3
"""The learned mask on a hinged trunk: the crop as it is, against the crop turned so the trunk stands upright.

When the station never sees its scene empty (someone stands in view from power-on) or the shirt is the
colour of the wall, the learned mask (MediaPipe's selfie segmentation model, made for upright people)
outlines the person alone. At the bottom of a deep hinge it sometimes loses most of the trunk for a
few frames, and a rounded rep is then judged from its upper frames (`standing_start` seed 5,
docs/station-vision.md, round 21). This measures, at the mask level only, whether turning the model's crop by the trunk's
lean (so the trunk stands upright, as the model was trained) outlines the trunk better.

For each scene it runs the product's ``SelfieSegmenter`` (its own crop tracking, on every ``--every``-th
frame) and, on the frames where the truth's trunk leans ``--min-lean`` deg or more in the picture,
compares with the exact silhouette (IoU, whole person and the upper 45 % of the person's rows):
- ``as is``: the segmenter's mask given no lean;
- ``turned``: the model run again on the same square crop, padded to 1.42 times its side, turned by the
  truth's trunk angle in the picture, and the answer turned back;
- ``selected``: the turned answer where the mask as it is covers less than ``--ratio`` of the turned
  answer's area over the upper ``--upper`` of the rows the two span inside the crop (it lost part of
  the trunk), else the mask as it is;
- ``whole-crop rule``: the same, comparing the areas over the whole crop (round 21's first version).
The lean is the truth's here. The station does what ``selected`` does (``SelfieSegmenter``'s
``turn_min_deg``, ``turn_ratio`` and ``turn_upper``), with the lean the estimator measured on the frame before; ``as is``
is the segmenter without a lean, as before round 21. Prints figures only; nothing here is a test.

    python scripts/bench_turned_crop.py --scenes standing_start:5,camouflage:5
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from device.sim.scenarios import get_scenario  # noqa: E402
from device.vision.segmentation import SelfieSegmenter, _in_frame, _paste  # noqa: E402

UPPER = 0.45  # the upper part of the person's rows (head, shoulders, most of a hinged trunk)


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    u = int(np.count_nonzero(a | b))
    return float(np.count_nonzero(a & b)) / u if u else float("nan")


def run_scene(name: str, seed: int, every: int, min_lean: float, ratio: float, upper: float) -> np.ndarray:
    sc = get_scenario(name, seed)
    seg = SelfieSegmenter(turn_ratio=ratio, turn_upper=upper)
    # With the wall on the left the person faces right and leans right: turning the picture
    # counter-clockwise (OpenCV's positive angle) by the lean stands the trunk up.
    sign = 1.0 if sc.camera.wall_side == "left" else -1.0
    rows = []
    for i, t in enumerate(sc.frame_times()):
        if i % every:
            continue
        img = sc.render(t)
        seg.segment(img)
        tr = sc.truth_at(t)
        lean = tr.image_trunk_inclination_deg
        box = seg._last_box
        if not tr.in_position or lean is None or lean < min_lean or box is None or seg.last_prob is None:
            continue
        truth = sc.render_mask(t) > 0
        ys = np.flatnonzero(truth.any(axis=1))
        if len(ys) == 0:
            continue
        top = int(ys[0] + UPPER * (ys[-1] - ys[0]))
        as_is = seg.last_prob > seg.threshold
        # The station's own turn and choice (SelfieSegmenter._infer_turned, _prefers_turned) on this crop.
        cx0, cy0, cx1, cy1 = _in_frame(box, img.shape[1], img.shape[0])
        sub = seg._infer_turned(img, box, sign * lean)
        if sub is None:
            continue
        turned_prob = np.zeros(img.shape[:2], np.float32)
        _paste(turned_prob, sub, box)
        turned = turned_prob > seg.threshold
        chosen = turned if seg._prefers_turned(seg.last_prob[cy0:cy1, cx0:cx1], sub) else as_is
        a_area = np.count_nonzero(as_is[cy0:cy1, cx0:cx1])
        t_area = np.count_nonzero(turned[cy0:cy1, cx0:cx1])
        whole_rule = turned if a_area < ratio * t_area else as_is
        rows.append([_iou(m, truth) for m in (as_is, turned, chosen)]
                    + [_iou(m[:top], truth[:top]) for m in (as_is, turned, chosen, whole_rule)])
    return np.array(rows, float).reshape(-1, 7)


def _line(label: str, a: np.ndarray) -> str:
    if len(a) == 0:
        return f"{label}: no frame leaned that far"
    med = np.nanmedian(a, axis=0)
    p10 = np.nanpercentile(a, 10, axis=0)
    return (f"{label}: {len(a)} frames; IoU median whole / upper: as is {med[0]:.3f} / {med[3]:.3f}, "
            f"turned {med[1]:.3f} / {med[4]:.3f}, selected {med[2]:.3f} / {med[5]:.3f}; "
            f"10th percentile upper: as is {p10[3]:.3f}, turned {p10[4]:.3f}, selected {p10[5]:.3f}; "
            f"frames with upper IoU under 0.7: as is {int(np.sum(a[:, 3] < 0.7))}, selected {int(np.sum(a[:, 5] < 0.7))}, "
            f"whole-crop rule {int(np.sum(a[:, 6] < 0.7))} (its upper median {med[6]:.3f})")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scenes", default="standing_start:3,standing_start:5,camouflage:3,camouflage:5",
                    help="comma-separated SCENARIO:SEED")
    ap.add_argument("--every", type=int, default=3, help="measure every n-th frame (the crop is tracked on those)")
    ap.add_argument("--min-lean", type=float, default=35.0, help="trunk lean in the picture, deg")
    ap.add_argument("--ratio", type=float, default=0.8)
    ap.add_argument("--upper", type=float, default=0.55, help="upper fraction of the rows compared")
    a = ap.parse_args()
    print("command: python scripts/bench_turned_crop.py " + " ".join(sys.argv[1:]), flush=True)
    pooled = []
    t0 = time.perf_counter()
    scenes = [s.split(":") for s in a.scenes.split(",") if s]
    for k, (name, seed) in enumerate(scenes):
        r = run_scene(name, int(seed), a.every, a.min_lean, a.ratio, a.upper)
        pooled.append(r)
        print(_line(f"{name} {seed}", r) + f"   [{k + 1}/{len(scenes)}, {time.perf_counter() - t0:.0f} s]", flush=True)
    print(_line("all", np.concatenate(pooled) if pooled else np.zeros((0, 7))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
