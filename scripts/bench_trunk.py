"""Trunk inclination of the station's silhouette estimator against the synthetic truth, split into the
hip's and the shoulder's share.

Per in-position frame (trunk confidence >= min_conf) of ``random_scenario(seed, n_reps=8, fps=10)``:
the error against the true 3-D angle, and where the estimated hip joint and shoulder lie from the true
ones (``keypoints_px``), along the true trunk (toward the shoulder) and across it (forward positive), in
% of the standing height. Across errors are what tilt the axis: (shoulder across - hip across) / trunk
length. Printed per scene (the per-scene mean is the bias a person would see all session), by phase,
by true inclination, by build and by top.

Development seeds are 300 and up; 200-205 are held out (scripts/bench_pose.py --first-seed 200).

Usage: python scripts/bench_trunk.py [--first-seed 300] [--seeds 24]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from device.config import Config  # noqa: E402
from device.io.frames import Frame  # noqa: E402
from device.sim.scenarios import random_scenario  # noqa: E402
from device.vision.estimator import PostureEstimator  # noqa: E402
from device.vision.segmentation import make_segmenter  # noqa: E402


def decompose(hip, shoulder, kp, facing_right: bool) -> tuple[float, float, float, float]:
    """(hip along, hip across, shoulder along, shoulder across) in px against the true trunk."""
    J, S = np.array(kp["hip"]), np.array(kp["shoulder"])
    u = (S - J) / np.linalg.norm(S - J)
    n = np.array([-u[1], u[0]])
    if (n[0] > 0) != facing_right:
        n = -n
    dh, ds = np.array(hip) - J, np.array(shoulder) - S
    return float(dh @ u), float(dh @ n), float(ds @ u), float(ds @ n)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--first-seed", type=int, default=300)
    ap.add_argument("--seeds", type=int, default=24)
    a = ap.parse_args()
    cfg = Config()
    th = cfg.thresholds
    rows = []
    for seed in range(a.first_seed, a.first_seed + a.seeds):
        sc = random_scenario(seed, n_reps=8, fps=10)
        est = PostureEstimator.from_config(cfg.camera, th, segmenter=make_segmenter(cfg.camera.segmenter))
        for i, t in enumerate(sc.frame_times()):
            tr = sc.truth_at(t)
            s = est.process(Frame(i, t, sc.render(t)))
            m = est.last_debug.measures
            if not (tr.in_position and s.trunk_inclination_deg is not None and s.trunk_conf >= th.min_conf
                    and tr.trunk_inclination_deg is not None and m is not None and m.hip is not None
                    and tr.keypoints_px):
                continue
            H = est.last_debug.standing_height_px or m.height_px
            facing_right = est.last_debug.wall_side == "left"  # as the estimator sees it
            hu, hn, su, sn = decompose(m.hip, m.shoulder, tr.keypoints_px, facing_right)
            rows.append(dict(seed=seed, build=sc.body.build, top=sc.body.top, phase=tr.phase,
                             true=tr.trunk_inclination_deg, err=s.trunk_inclination_deg - tr.trunk_inclination_deg,
                             hu=100 * hu / H, hn=100 * hn / H, su=100 * su / H, sn=100 * sn / H))
    if not rows:
        print("no frames measured")
        return 1

    def line(name: str, rr: list[dict]) -> None:
        if not rr:
            return
        e = [r["err"] for r in rr]
        g = {k: np.mean([r[k] for r in rr]) for k in ("hu", "hn", "su", "sn")}
        print(f"  {name:26s} n {len(rr):5d} bias {np.mean(e):+5.2f} med|err| {statistics.median(map(abs, e)):4.2f} | "
              f"hip along {g['hu']:+5.2f} across {g['hn']:+5.2f} | shoulder along {g['su']:+5.2f} across {g['sn']:+5.2f}")

    e = [r["err"] for r in rows]
    per = {}
    for r in rows:
        per.setdefault(r["seed"], []).append(r)
    bias = [np.mean([r["err"] for r in rr]) for rr in per.values()]
    print(f"command: python scripts/bench_trunk.py --first-seed {a.first_seed} --seeds {a.seeds}")
    print(f"trunk inclination, {len(rows)} frames: median |err| {statistics.median(map(abs, e)):.2f} "
          f"p90 {np.percentile(np.abs(e), 90):.2f} bias {np.mean(e):+.2f} deg; per-scene bias "
          f"{min(bias):+.2f}..{max(bias):+.2f} (sd {np.std(bias):.2f}, {sum(abs(b) > 2 for b in bias)} of {len(bias)} beyond 2 deg)")
    print("by phase (hip/shoulder along and across the true trunk in % of standing height):")
    for ph in ("standing", "down", "bottom", "up"):
        line(ph, [r for r in rows if r["phase"] == ph])
    print("by true inclination:")
    for lo in range(0, 70, 10):
        line(f"{lo}..{lo + 10} deg", [r for r in rows if lo <= r["true"] < lo + 10])
    print("by build / top:")
    for lo, hi in ((0.0, 0.3), (0.3, 0.6), (0.6, 1.01)):
        line(f"build {lo:.1f}-{min(hi, 1.0):.1f}", [r for r in rows if lo <= r["build"] < hi])
    for top in ("fitted", "loose", "hoodie"):
        line(f"top {top}", [r for r in rows if r["top"] == top])
    print("per scene:")
    for seed, rr in per.items():
        line(f"seed {seed} b{rr[0]['build']:.2f} {rr[0]['top']}", rr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
