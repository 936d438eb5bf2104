#!/usr/bin/env python3
"""What was tried for the back measure on real footage, and what each scored (leave-one-person-out).

Runs the product's pose-guided estimator (``device.vision.pose.PoseGuidedEstimator``: MediaPipe
pose, its person mask, the smoothed trunk axis and facing) over every clip of
``../shared/realset`` and, on each frame of each labelled rep, measures the back again in several
ways from the very same inputs (mask, hip, shoulder, facing). Per rep, a variant's value is the
largest measured bend from the labelled bottom to 40 % of the way to lockout, after a running
median of 3 frames; unseen frames are skipped, a rep never seen counts as "not rounded". For each
of the 18 people, the cut is chosen on the other 17 people's reps (best balanced accuracy) and
applied to the held-out person's reps. Printed per variant: held-out balanced accuracy, (tp, fp,
tn, fn), the range of cuts the folds chose.

Variants:
- ``window A-B``: the product's parabola fit to the mask's back edge between A and B of the
  hip-shoulder distance (the product uses 0.15-1.0; ``product stream`` is the product's own
  smoothed per-frame output over the same frames, no re-measure);
- ``edge snapped to the image``: each back-edge point moved along its ray to the strongest colour
  step within a reach of R x trunk (edge refinement on the image, a Gaussian prior on the distance);
- ``selfie mask on a trunk crop``: MediaPipe selfie segmentation run on a square crop of 1.8x the
  trunk around it (a learned mask at a higher resolution on the back), alone and averaged with
  the pose model's mask;
- round 9: ``window -0.20-1.00`` / ``-0.10-1.00`` (the back from below the hip landmark: the
  buttocks' crest and the sacrum in the fit, so a tucked pelvis shows), the same from the
  buttocks' crest up (``from_crest``), and the top of the back at the neck's notch found per frame
  (``to_neck_notch``);
- ``logistic regression``: a small model on several of the above per-rep values plus the trunk's
  inclination at the bottom, fitted on the 17 people and applied to the 18th.

usage: python scripts/bench_back_variants.py CLIPS_DIR

The clips are evaluation data only (``../shared/realset/build.py``); never in tests. MediaPipe
runs on every frame of every clip: about 10 minutes here (2026-12-01, 2 shared cores).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import pathlib
import sys
from typing import Optional

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
PROJECT = HERE.parent
REALSET = PROJECT.parent / "shared" / "realset"
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(HERE))

import cv2  # noqa: E402

from bench_realset import ba  # noqa: E402  (balanced accuracy with its tp/fp/tn/fn, as the DEV check prints it)
from device.recording import open_recording  # noqa: E402
from device.vision import pose as P  # noqa: E402

WIN = 0.4  # of the way from bottom to lockout
PRE = 10  # frames before the bottom kept for the running median


def lopo_cut(reps):
    """reps: (person, rounded, value or None). Held-out BA, counts, (min cut, max cut)."""
    out, cuts = [], []
    for person in sorted({p for p, _, _ in reps}):
        train = [(y, v) for q, y, v in reps if q != person and v is not None]
        cands = sorted({v for _, v in train})
        mid = float(np.median(cands))
        best = max(cands, key=lambda c: (ba([(y, v >= c) for y, v in train])[0], -abs(c - mid)))
        cuts.append(best)
        out += [(y, v is not None and v >= best) for q, y, v in reps if q == person]
    b, counts = ba(out)
    return b, counts, (min(cuts), max(cuts))


# ---------------------------------------------------------------- the variants, per frame

def fit_conf(points, hip, sho, L):
    """The product's bend and its confidence (size and cleanness of the fit) for back points."""
    fit = P.fit_bend(points, hip, sho)
    if fit is None:
        return None
    bend, _chord, resid = fit
    size = float(np.clip((L - 40.0) / 50.0, 0, 1))
    clean = float(np.clip(1.5 - resid / max(0.02 * L, 0.6), 0, 1))
    return bend if (0.5 + 0.5 * size) * clean >= 0.5 else None


def snap_to_image(points, image, hip, sho, facing, L, reach_frac, min_step=8.0):
    a = (sho - hip) / np.linalg.norm(sho - hip)
    back = -(np.array([-a[1], a[0]]) if facing == "right" else np.array([a[1], -a[0]]))
    reach = max(2.0, reach_frac * L)
    ks = np.arange(-reach, reach + 0.01, 0.5)
    Q = (points[:, None, :] + ks[None, :, None] * back[None, None, :]).astype(np.float32)
    img = image.astype(np.float32)
    vals = np.stack([cv2.remap(img[..., c], Q[..., 0], Q[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
                     for c in range(3)], -1)
    step = np.abs(np.diff(vals, axis=1)).max(-1) / 0.5
    mid = (ks[:-1] + ks[1:]) / 2
    j = (step * np.exp(-0.5 * (mid / reach) ** 2)).argmax(1)
    ok = step[np.arange(len(j)), j] >= min_step
    out = points.copy()
    out[ok] += mid[j[ok]][:, None] * back[None, :]
    return out


def from_crest(points, hip, sho, lumbar=0.15):
    """Back points from the buttocks' crest (the deepest point below ``lumbar`` of the trunk) up;
    all of them when the deepest is at ``lumbar`` itself (the edge falls all the way down)."""
    x, y, L = P._along_and_out(points, hip, sho)
    low = np.flatnonzero(x / L <= lumbar + 1e-6)
    if len(low) < 2:
        return points
    k = int(low[np.argmax(y[low])])
    return points if k == low[-1] else points[k:]


def to_neck_notch(points, hip, sho, rise=0.05, step=0.10):
    """Back points up to the neck's notch: above the shoulder's level, the lowest edge point
    before the edge moves out again by ``rise`` of the trunk (the head). None if the kept edge
    jumps by more than ``step`` between neighbours (the product's check)."""
    x, y, L = P._along_and_out(points, hip, sho)
    u, d = x / L, y / L
    i0 = int(np.searchsorted(u, 1.0))
    if i0 >= len(u):
        return points
    best = i0
    for i in range(i0, len(u)):
        if d[i] <= d[best]:
            best = i
        elif d[i] - d[best] > rise:
            break
    kept = points[:best + 1]
    return None if np.abs(np.diff(d[:best + 1])).max() > step else kept


class Variants:
    """Every variant's bend for one frame, from the product's own back-measure inputs."""

    def __init__(self) -> None:
        base = P.PoseModelParams()
        self.windows = {f"window {a:.2f}-{b:.2f}": dataclasses.replace(base, lumbar_frac=a, upper_frac=b)
                        for a, b in [(0.15, 1.0), (0.0, 1.0), (0.05, 1.0), (0.10, 1.0), (0.0, 0.9), (0.15, 0.9),
                                     (0.0, 0.6), (0.4, 1.0), (0.5, 1.0), (0.3, 0.8), (-0.2, 1.0), (-0.1, 1.0)]}
        # Round 9: the back's top at the neck's notch, found per frame (rays on to 1.45 of the trunk).
        self.to_neck = dataclasses.replace(base, upper_frac=1.45, n_rays=49, max_step=10.0)
        from mediapipe.python.solutions import selfie_segmentation as mps  # noqa: PLC0415

        self.selfie = mps.SelfieSegmentation(model_selection=0)

    def measure(self, image, prob, hip, sho, facing, L) -> dict[str, Optional[float]]:
        out: dict[str, Optional[float]] = {}
        for name, prm in self.windows.items():
            pts, _ = P.back_edge(prob, hip, sho, facing, prm)
            out[name] = None if pts is None else fit_conf(pts, hip, sho, L)
            if name in ("window 0.15-1.00", "window 0.00-1.00"):
                for reach in (0.03, 0.05):
                    out[f"{name}, edge snapped to the image (reach {reach})"] = (
                        None if pts is None else fit_conf(snap_to_image(pts, image, hip, sho, facing, L, reach), hip, sho, L))
        # Round 9: the window from 0.2 below the hip landmark, cut at the buttocks' crest when there
        # is one below 0.15 (the pelvis tucked under a dome has none: the whole stretch is kept).
        pts, _ = P.back_edge(prob, hip, sho, facing, self.windows["window -0.20-1.00"])
        out["window -0.20-1.00 from the buttocks' crest"] = None if pts is None else fit_conf(from_crest(pts, hip, sho), hip, sho, L)
        pts, _ = P.back_edge(prob, hip, sho, facing, self.to_neck)
        top = None if pts is None else to_neck_notch(pts, hip, sho)
        out["window 0.15 to the neck's notch"] = None if top is None else fit_conf(top, hip, sho, L)
        # The learned selfie mask on a square crop of 1.8x the trunk around it.
        c = (hip + sho) / 2
        r = 0.9 * L
        H, W = prob.shape
        x0, y0 = int(max(c[0] - r, 0)), int(max(c[1] - r, 0))
        x1, y1 = int(min(c[0] + r, W)), int(min(c[1] + r, H))
        crop = image[y0:y1, x0:x1]
        off = np.array([x0, y0], float)
        m = self.selfie.process(cv2.cvtColor(crop, cv2.COLOR_BGR2RGB)).segmentation_mask.astype(np.float32)
        blend = 0.5 * m + 0.5 * prob[y0:y1, x0:x1]
        for tag, mask in (("selfie mask on a trunk crop", m), ("selfie crop mask + pose mask, averaged", blend)):
            for name in ("window 0.15-1.00", "window 0.00-1.00"):
                pts, _ = P.back_edge(mask, hip - off, sho - off, facing, self.windows[name])
                out[f"{name}, {tag}"] = None if pts is None else fit_conf(pts, hip - off, sho - off, L)
        return out

    def close(self) -> None:
        self.selfie.close()


# ---------------------------------------------------------------- per rep

def running_median(seq: dict[int, Optional[float]]) -> dict[int, Optional[float]]:
    out = {}
    for i, v in seq.items():
        w = [seq[j] for j in (i - 1, i, i + 1) if seq.get(j) is not None]
        out[i] = float(np.median(w)) if v is not None and len(w) >= 2 else None
    return out


def rep_value(seq: dict[int, Optional[float]], bottom: int, lockout: int, smooth: bool = True) -> Optional[float]:
    s = running_median(seq) if smooth else seq
    vals = [s[i] for i in range(bottom, bottom + max(1, int(WIN * (lockout - bottom))) + 1) if s.get(i) is not None]
    return max(vals) if vals else None


def fit_logistic(X, y, C=3.0):
    mu, sd = X.mean(0), X.std(0) + 1e-9
    A = np.c_[(X - mu) / sd, np.ones(len(X))]
    w = np.zeros(A.shape[1])
    for _ in range(3000):
        p = 1 / (1 + np.exp(-A @ w))
        w -= 0.5 * (A.T @ (p - y) / len(y) + np.r_[w[:-1], 0] / (C * len(y)))
    return lambda Xn: 1 / (1 + np.exp(-np.c_[(Xn - mu) / sd, np.ones(len(Xn))] @ w))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("clips", type=pathlib.Path, help="folder of clips written by ../shared/realset/build.py")
    args = ap.parse_args(argv)
    labels = json.loads((REALSET / "labels.json").read_text())["clips"]
    variants = Variants()
    rows = []  # (person, rounded, {variant: value}, trunk at bottom)
    try:
        for n, (name, lab) in enumerate(labels.items(), 1):
            path = args.clips / name
            if not path.exists():
                print(f"  {name}: missing (run ../shared/realset/build.py)", file=sys.stderr)
                continue
            want = set()
            for r in lab["reps"]:
                want |= set(range(max(0, r["bottom"] - PRE), r["lockout"] + 1))
            est = P.PoseGuidedEstimator()
            seen: dict[str, tuple] = {}
            measure_back = est._back

            def capture(prob, hip, sho, facing, L, meas, _orig=measure_back):
                seen["args"] = (prob, hip.copy(), sho.copy(), facing, L)
                return _orig(prob, hip, sho, facing, L, meas)

            est._back = capture
            per_frame: dict[int, dict] = {}
            product: dict[int, Optional[float]] = {}
            trunk: dict[int, Optional[float]] = {}
            try:
                for i, frame in enumerate(open_recording(path).frames()):
                    seen.clear()
                    s = est.process(frame)
                    if i not in want:
                        continue
                    product[i] = s.back_bend_deg if s.back_conf >= 0.5 else None
                    trunk[i] = s.trunk_inclination_deg
                    if "args" in seen and (est._shoulder_spread is None
                                           or est._shoulder_spread <= est.params.max_shoulder_spread):
                        per_frame[i] = variants.measure(frame.image, *seen["args"])
            finally:
                est.close()
            names = sorted({k for v in per_frame.values() for k in v})
            for r in lab["reps"]:
                b, lo = r["bottom"], r["lockout"]
                vals = {k: rep_value({i: per_frame.get(i, {}).get(k) for i in range(b - PRE, lo + 1)}, b, lo)
                        for k in names}
                vals["product stream (smoothed, no re-measure)"] = rep_value(
                    {i: product.get(i) for i in range(b - PRE, lo + 1)}, b, lo, smooth=False)
                tr = [trunk[i] for i in range(b, b + 3) if trunk.get(i) is not None]
                rows.append((lab["person"], r["spine"] == "R", vals, float(np.median(tr)) if tr else None))
            print(f"  [{n}/{len(labels)}] {name}", file=sys.stderr, flush=True)
    finally:
        variants.close()

    print(f"\nBack-measure variants on {len(rows)} labelled reps, {len({r[0] for r in rows})} people "
          f"(leave-one-person-out cut):")
    keys = sorted({k for _, _, v, _ in rows for k in v})
    for k in keys:
        b, c, (lo, hi) = lopo_cut([(p, y, v.get(k)) for p, y, v, _ in rows])
        unseen = sum(v.get(k) is None for _, _, v, _ in rows)
        print(f"  {k:62s} BA {b:.3f}  tp/fp/tn/fn {c}  cuts {lo:.1f}..{hi:.1f}  unseen {unseen}")

    # A small fitted model on several per-rep values (rows with any value missing: "not rounded").
    feats = {"whole back 0.15-1.0": "window 0.15-1.00", "whole back 0-1.0": "window 0.00-1.00",
             "upper 0.5-1.0": "window 0.50-1.00", "lower 0-0.6": "window 0.00-0.60"}
    X = np.array([[v.get(f) if v.get(f) is not None else np.nan for f in feats.values()] + [t if t is not None else np.nan]
                  for _, _, v, t in rows], float)
    y = np.array([yy for _, yy, _, _ in rows], float)
    people = np.array([p for p, _, _, _ in rows])
    names = list(feats) + ["trunk inclination"]
    for cols in ([0, 2, 3], [1, 2, 3, 4], [0, 1, 2, 3, 4]):
        pairs = []
        for person in sorted(set(people)):
            Xc = X[:, cols]
            ok = ~np.isnan(Xc).any(1)
            train = (people != person) & ok
            f = fit_logistic(Xc[train], y[train])
            for i in np.where(people == person)[0]:
                pairs.append((bool(y[i]), bool(ok[i]) and f(Xc[i:i + 1])[0] >= 0.5))
        b, c = ba(pairs)
        print(f"  {'logistic regression: ' + ', '.join(names[i] for i in cols):62s} BA {b:.3f}  tp/fp/tn/fn {c}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
