#!/usr/bin/env python3
"""Vision accuracy on synthetic ground truth (device.sim): trunk inclination, rounding, rounded reps.

For each seed a random scenario (random body, clothes, room, lighting, camera yaw 0-20 deg) is
rendered at each resolution and run through PostureEstimator frame by frame, exactly as the
station would. Printed:

- per-frame absolute error of trunk inclination (vs the true 3-D angle, and vs the angle as it
  appears in the yawed picture) and of rounding (back bend minus this person's standing baseline,
  taken like the rep engine: median of standing frames) -- median and p90, in degrees;
- rounded-rep detection at the default threshold (``thresholds.rounding_deg``): per true rep, the
  peak of a running median of 3 of the measured rounding vs the truth; precision, recall,
  balanced accuracy;
- seen fraction: frames where the person is truly in position and the measure was reported with
  at least ``thresholds.min_conf``.

Usage: python scripts/bench_vision_accuracy.py [--seeds 8] [--fps 10] [--backend auto]
       [--res 640x480,320x240] [--yaw-max 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from device.config import Config  # noqa: E402
from device.io.frames import Frame  # noqa: E402
from device.sim.scenarios import get_scenario  # noqa: E402
from device.vision import PostureEstimator, make_segmenter  # noqa: E402


def run_one(seed: int, width: int, height: int, fps: float, backend: str, yaw_max: float, cfg: Config) -> dict:
    rng = np.random.default_rng([seed, 77])
    sc = get_scenario("random", seed, width=width, height=height, fps=fps, n_reps=8,
                      yaw_deg=float(rng.uniform(0, yaw_max)))
    th = cfg.thresholds
    est = PostureEstimator(make_segmenter(backend), wall_side="auto", standing_deg=th.standing_deg)
    rows = []
    for i, t in enumerate(sc.frame_times()):
        s = est.process(Frame(i, t, sc.render(t)))
        rows.append((t, s, sc.truth_at(t)))
    # Standing baseline as the engine takes it: median of the standing frames seen.
    standing = [s.back_bend_deg for _, s, _ in rows
                if s.in_position and s.back_bend_deg is not None and s.back_conf >= th.min_conf
                and s.trunk_inclination_deg is not None and s.trunk_inclination_deg <= th.standing_deg][:60]
    baseline = statistics.median(standing) if len(standing) >= 5 else None
    out: dict = defaultdict(list)
    out["yaw"] = sc.yaw_deg
    for t, s, tr in rows:
        if not tr.in_position:
            if s.in_position:
                out["false_in_position"].append(1)
            continue
        out["n_truth"].append(1)
        if s.trunk_inclination_deg is not None and s.trunk_conf >= th.min_conf and tr.trunk_inclination_deg is not None:
            out["trunk"].append(s.trunk_inclination_deg - tr.trunk_inclination_deg)
            if tr.image_trunk_inclination_deg is not None:
                out["trunk_img"].append(s.trunk_inclination_deg - tr.image_trunk_inclination_deg)
        if s.knee_angle_deg is not None and s.knee_conf >= th.min_conf and tr.knee_angle_deg is not None:
            out["knee"].append(s.knee_angle_deg - tr.knee_angle_deg)
        if s.heel_lift is not None and s.heel_conf >= th.min_conf and tr.heel_lift is not None:
            out["heel"].append(s.heel_lift - tr.heel_lift)
        if (baseline is not None and s.back_bend_deg is not None and s.back_conf >= th.min_conf
                and tr.rounding_deg is not None):
            out["round"].append(s.back_bend_deg - baseline - tr.rounding_deg)
    judge_reps(sc, rows, baseline, th, out)
    return out


def judge_reps(sc, rows, baseline, th, out: dict) -> None:
    """Per true rep: rounded or not by the measured back (median of 3, then the peak), vs the truth."""
    for rep in sc.reps:
        vals = [s.back_bend_deg for t, s, _ in rows if rep.start_s <= t <= rep.end_s
                and s.back_bend_deg is not None and s.back_conf >= th.min_conf]
        truth_rounded = rep.peak_rounding_deg > th.rounding_deg
        if baseline is None or len(vals) < 3:
            out["reps_unseen"].append(int(truth_rounded))
            continue
        med = [statistics.median(vals[i - 1 : i + 2]) for i in range(1, len(vals) - 1)]
        pred = max(med) - baseline
        out["reps"].append((truth_rounded, pred > th.rounding_deg, rep.peak_rounding_deg, pred))


def pct(a: list[float], q: float) -> float:
    return float(np.percentile(np.abs(a), q)) if a else float("nan")


def balanced(pairs) -> str:
    """Precision, recall and balanced accuracy of (truth, predicted, ...) pairs, as printed."""
    tp = sum(1 for t, p, *_ in pairs if t and p)
    fp = sum(1 for t, p, *_ in pairs if not t and p)
    fn = sum(1 for t, p, *_ in pairs if t and not p)
    tn = sum(1 for t, p, *_ in pairs if not t and not p)
    prec = tp / (tp + fp) if tp + fp else float("nan")
    rec = tp / (tp + fn) if tp + fn else float("nan")
    spec = tn / (tn + fp) if tn + fp else float("nan")
    return (f"precision {prec:.2f} recall {rec:.2f} balanced accuracy {(rec + spec) / 2:.2f} "
            f"(tp {tp} fp {fp} fn {fn} tn {tn})")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--fps", type=float, default=10.0)
    ap.add_argument("--backend", default="auto", choices=["auto", "background", "selfie"])
    ap.add_argument("--res", default="640x480,320x240")
    ap.add_argument("--yaw-max", type=float, default=20.0)
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    cfg = Config()
    print("command: python scripts/bench_vision_accuracy.py " + " ".join(sys.argv[1:]))
    print(f"backend={a.backend} fps={a.fps} seeds={a.first_seed}..{a.first_seed + a.seeds - 1} "
          f"yaw 0-{a.yaw_max:g} deg, rounding threshold {cfg.thresholds.rounding_deg:g} deg")
    total: dict = defaultdict(list)
    for res in a.res.split(","):
        w, h = (int(v) for v in res.split("x"))
        agg: dict = defaultdict(list)
        t0 = time.perf_counter()
        for seed in range(a.first_seed, a.first_seed + a.seeds):
            r = run_one(seed, w, h, a.fps, a.backend, a.yaw_max, cfg)
            for k, v in r.items():
                if isinstance(v, list):
                    agg[k] += v
                    total[k] += v
            if a.verbose:
                rr = r.get("round", [])
                print(f"  seed {seed} yaw {r['yaw']:4.1f}: trunk med {pct(r.get('trunk', []), 50):5.2f} "
                      f"round med {pct(rr, 50):5.2f} p90 {pct(rr, 90):5.2f} bias {np.mean(rr) if rr else float('nan'):+5.2f} "
                      f"seen {len(r.get('trunk', []))}/{len(r.get('n_truth', []))}")
        report(f"{w}x{h}", agg, time.perf_counter() - t0)
    report("all", total, None)
    return 0


def report(label: str, agg: dict, secs) -> None:
    n = len(agg["n_truth"])
    tr, ti, ro = agg["trunk"], agg["trunk_img"], agg["round"]
    print(f"[{label}] frames in position: {n}; trunk seen {len(tr) / max(n, 1):.0%}, back seen {len(ro) / max(n, 1):.0%}"
          + (f"  ({secs:.0f} s)" if secs else ""))
    print(f"  trunk inclination abs error: median {pct(tr, 50):.2f} p90 {pct(tr, 90):.2f} deg "
          f"(vs picture angle: median {pct(ti, 50):.2f} p90 {pct(ti, 90):.2f})")
    print(f"  rounding abs error:          median {pct(ro, 50):.2f} p90 {pct(ro, 90):.2f} deg "
          f"(bias {np.mean(ro) if ro else float('nan'):+.2f})")
    kn, he = agg["knee"], agg["heel"]
    print(f"  knee angle abs error:        median {pct(kn, 50):.2f} p90 {pct(kn, 90):.2f} deg; "
          f"heel lift abs error median {pct(he, 50):.4f} p90 {pct(he, 90):.4f} of height "
          f"(threshold {Config().thresholds.heel_lift:g})")
    reps = agg["reps"]
    print(f"  rounded reps: {sum(1 for t, *_ in reps if t)} of {len(reps)} seen reps "
          f"(+{len(agg['reps_unseen'])} unseen); {balanced(reps)}")
    print(f"  walking/absent frames wrongly in position: {len(agg['false_in_position'])}")


if __name__ == "__main__":
    raise SystemExit(main())
