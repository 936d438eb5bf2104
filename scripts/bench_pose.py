#!/usr/bin/env python3
"""Pose-guided estimator vs the station's silhouette estimator on synthetic ground truth.

For each seed, ``random_scenario(seed, n_reps=8, fps=FPS)`` (random body, clothes, room,
lighting, resolution, camera yaw 0-20 deg, sometimes a passer-by) is rendered once and each
frame goes through both estimators. Printed per estimator:

- trunk inclination abs error (vs the true 3-D angle) -- median and p90, deg;
- rounding abs error: back bend minus this person's standing baseline (median of the first 60
  confident standing frames, as the rep engine takes it) minus the true rounding;
- knee angle abs error; heel lift abs error (fraction of stature);
- seen: fraction of truly in-position frames where trunk / back were reported with
  ``conf >= thresholds.min_conf``; frames wrongly in position (walking in/out, absent);
- rounded reps at ``thresholds.rounding_deg``: per true rep, the peak of a running median of 3
  of the measured rounding vs the truth; precision, recall, balanced accuracy;
- ms per frame (median).

Verbose rep lists read ``R12/+14``: truly rounded (R) or not (n), true peak rounding / measured.

Usage: python scripts/bench_pose.py [--seeds 6] [--first-seed 0] [--fps 10] [--only pose|station|both]
       [--landmark-trunk] [--no-smooth] [-v]
       python scripts/bench_pose.py --engine-demo   (the rep engine on an ideal deadlift trace)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Optional

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_vision_accuracy import balanced, judge_reps, pct  # noqa: E402  (one copy of the per-rep judgement)

from device.config import Config  # noqa: E402
from device.core.engine import RepEngine, run_engine  # noqa: E402
from device.io.frames import Frame  # noqa: E402
from device.sim.scenarios import random_scenario  # noqa: E402


def make(kind: str, cfg: Config, landmark_trunk: bool = False, no_smooth: bool = False):
    if kind == "pose":
        from device.vision.pose import PoseGuidedEstimator

        return PoseGuidedEstimator.from_config(cfg.camera, cfg.thresholds, trunk_from_back=not landmark_trunk,
                                               smooth=not no_smooth)
    from device.vision.estimator import PostureEstimator
    from device.vision.segmentation import make_segmenter

    return PostureEstimator.from_config(cfg.camera, cfg.thresholds, segmenter=make_segmenter(cfg.camera.segmenter))


def score(rows: list, sc, cfg: Config, rounding_floor_deg: Optional[float] = None) -> dict:
    th = cfg.thresholds
    standing = [s.back_bend_deg for _, s, _ in rows
                if s.in_position and s.back_bend_deg is not None and s.back_conf >= th.min_conf
                and s.trunk_inclination_deg is not None and s.trunk_inclination_deg <= th.standing_deg][:60]
    baseline = statistics.median(standing) if len(standing) >= 5 else None
    out: dict = defaultdict(list)
    for t, s, tr in rows:
        if not tr.in_position:
            if s.in_position:
                out["false_in_position"].append(1)
            continue
        out["n_truth"].append(1)
        if s.in_position:
            out["in_pos"].append(1)
        if s.trunk_inclination_deg is not None and s.trunk_conf >= th.min_conf and tr.trunk_inclination_deg is not None:
            out["trunk"].append(s.trunk_inclination_deg - tr.trunk_inclination_deg)
        if s.knee_angle_deg is not None and s.knee_conf >= th.min_conf and tr.knee_angle_deg is not None:
            out["knee"].append(s.knee_angle_deg - tr.knee_angle_deg)
        if s.heel_lift is not None and s.heel_conf >= th.min_conf and tr.heel_lift is not None:
            out["heel"].append(s.heel_lift - tr.heel_lift)
        if s.back_bend_deg is not None and s.back_conf >= th.min_conf:
            out["back_seen"].append(1)
            if baseline is not None and tr.rounding_deg is not None:
                out["round"].append(s.back_bend_deg - baseline - tr.rounding_deg)
    # The rep engine as `analyze --exercise wall-drill` runs it on a bare video: no contact
    # sensor, reps from the hinge, the wall drill's own rules (tempo, knee lock) judged too, and
    # the estimator's own floor under the standing reference (``device.station``: the pose path's).
    eng = RepEngine(cfg, has_contact_sensor=False, exercise="wall-drill", rounding_floor_deg=rounding_floor_deg)
    run_engine(eng, [], [s for _, s, _ in rows])
    margin = 3.0  # truth reps within this of hinge_min_deg may fairly go either way
    sure = [r for r in sc.reps if r.peak_trunk_inclination_deg >= th.hinge_min_deg + margin]
    maybe = [r for r in sc.reps if abs(r.peak_trunk_inclination_deg - th.hinge_min_deg) < margin]
    found = eng.reps
    out["count"].append((len(found), len(sure), len(maybe)))
    for r in found:
        tr_ = [x for x in sc.reps if min(x.end_s, r.end_s) - max(x.start_s, r.start_s) > 0]
        if len(tr_) != 1:
            out["engine_unmatched"].append(1)
            continue
        if r.verdict.value == "unchecked":
            out["engine_unchecked"].append(1)
            continue
        out["engine_reps"].append((tr_[0].peak_rounding_deg > th.rounding_deg, "rounded" in [f.value for f in r.faults]))
        for fault in ("rounded", "knee_lock", "heel_lift", "too_fast"):
            out["fault_" + fault].append((fault in tr_[0].faults, fault in [f.value for f in r.faults]))
    judge_reps(sc, rows, baseline, th, out)
    return out


def report(label: str, agg: dict, ms: list[float]) -> None:
    n = len(agg["n_truth"])
    tr, ro = agg["trunk"], agg["round"]
    print(f"[{label}] in-position frames {n}: in position {len(agg['in_pos']) / max(n, 1):.0%}, trunk seen "
          f"{len(tr) / max(n, 1):.0%}, back seen {len(agg['back_seen']) / max(n, 1):.0%}; "
          f"walking/absent frames wrongly in position: {len(agg['false_in_position'])}; "
          f"{statistics.median(ms):.1f} ms/frame (median)")
    print(f"  trunk inclination abs error: median {pct(tr, 50):.2f} p90 {pct(tr, 90):.2f} deg (bias {np.mean(tr) if tr else float('nan'):+.2f})")
    print(f"  rounding abs error:          median {pct(ro, 50):.2f} p90 {pct(ro, 90):.2f} deg (bias {np.mean(ro) if ro else float('nan'):+.2f})")
    kn, he = agg["knee"], agg["heel"]
    print(f"  knee angle abs error:        median {pct(kn, 50):.2f} p90 {pct(kn, 90):.2f} deg; "
          f"heel lift abs error median {pct(he, 50):.4f} p90 {pct(he, 90):.4f} of stature")
    reps = agg["reps"]
    print(f"  rounded reps: {sum(1 for t, *_ in reps if t)} rounded of {len(reps)} seen reps "
          f"(+{len(agg['reps_unseen'])} unseen); {balanced(reps)}")
    counts = agg["count"]
    exact = sum(1 for f, n, m in counts if n <= f <= n + m)
    print(f"  rep engine, video mode (no contact; hinge >= {Config().thresholds.hinge_min_deg:g} deg): count right in "
          f"{exact}/{len(counts)} sets (found/expected: {' '.join(f'{f}/{n}' + (f'+{m}?' if m else '') for f, n, m in counts)}); "
          f"{len(agg['engine_unmatched'])} reps matching no true rep, {len(agg['engine_unchecked'])} unchecked")
    print(f"  rep engine rounded verdicts: {balanced(agg['engine_reps'])}")
    for fault in ("knee_lock", "heel_lift", "too_fast"):
        print(f"  rep engine {fault} faults: {balanced(agg['fault_' + fault])}")


def deadlift_trace(n: int, fps: float = 30.0, lockout_s: float = 0.5, ending: str = "walks off") -> list:
    """PostureSamples of a floor-pulled set as filmed: setup descent, n pulls, then the put-down.

    Standing 2 s; descend to 55 deg over 1.5 s and set the grip for 2 s; pull (1.2 s) to
    lockout (``lockout_s``); n-1 times lower (1.5 s), touch (0.3 s), pull; then (``ending``)
    "walks off": lower, let go (1 s), stand up empty-handed (1.5 s), stand 2 s and walk out of
    the picture; "at lockout": the clip ends 0.3 s into the last lockout. Neutral back throughout.
    """
    from device.core.types import PostureSample

    keys = [(0.0, 3.0), (2.0, 3.0), (3.5, 55.0), (5.5, 55.0), (6.7, 3.0), (6.7 + lockout_s, 3.0)]
    for _ in range(n - 1):
        t = keys[-1][0]
        keys += [(t + 1.5, 55.0), (t + 1.8, 55.0), (t + 3.0, 3.0), (t + 3.0 + lockout_s, 3.0)]
    t = keys[-1][0]
    if ending == "at lockout":
        keys[-1] = (keys[-2][0] + 0.3, 3.0)
    else:
        keys += [(t + 1.5, 55.0), (t + 2.5, 55.0), (t + 4.0, 3.0), (t + 6.0, 3.0)]
    kt, kv = zip(*keys)
    ts = np.arange(0.0, kt[-1], 1.0 / fps)
    incl = np.interp(ts, kt, kv)
    # hands hang at the thighs standing (0.45 of stature) and reach the bar on the floor (0.05) at 55 deg
    hands = 0.45 - (incl - 3.0) / 52.0 * 0.40
    out = [PostureSample(t=float(t), person=True, in_position=True, trunk_inclination_deg=float(a), trunk_conf=1.0,
                         back_bend_deg=5.0, back_conf=1.0, knee_angle_deg=160.0, knee_conf=1.0, heel_lift=0.0,
                         heel_conf=1.0, hands_height=float(h)) for t, a, h in zip(ts, incl, hands)]
    if ending == "walks off":  # out of the picture for 2 s
        out += [PostureSample(t=float(kt[-1] + (i + 1) / fps)) for i in range(int(2 * fps))]
    return out


def engine_demo() -> None:
    """How the video-mode rep engine counts a floor-pulled set (evidence for the report)."""
    cfg = Config()
    print("rep engine, video mode, on an ideal posture trace of a deadlift set (setup descent, n pulls, and")
    print("either the put-down, standing up and walking off, or the clip ending at the last lockout):")
    for ending in ("walks off", "at lockout"):
        for n in (1, 3, 5):
            for lock in (0.5, 0.2):
                eng = RepEngine(cfg, has_contact_sensor=False)
                run_engine(eng, [], deadlift_trace(n, lockout_s=lock, ending=ending))
                print(f"  {ending:10s} {n} pulls, lockout held {lock:.1f} s: engine found {len(eng.reps)} reps "
                      f"({', '.join(f'{r.start_s:.1f}-{r.end_s:.1f} s' for r in eng.reps)})")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=6)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--fps", type=float, default=10.0)
    ap.add_argument("--only", default="both", choices=["pose", "station", "both"])
    ap.add_argument("--landmark-trunk", action="store_true", help="pose: trunk from landmarks only, not the back edge")
    ap.add_argument("--no-smooth", action="store_true", help="pose: no One-Euro filtering of the measures")
    ap.add_argument("--engine-demo", action="store_true", help="only: how the engine counts an ideal deadlift set")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    if a.engine_demo:
        engine_demo()
        return 0
    cfg = Config()
    kinds = ["pose", "station"] if a.only == "both" else [a.only]
    print("command: python scripts/bench_pose.py " + " ".join(sys.argv[1:]))
    print(f"seeds {a.first_seed}..{a.first_seed + a.seeds - 1}, random_scenario(seed, n_reps=8, fps={a.fps:g}), "
          f"rounding threshold {cfg.thresholds.rounding_deg:g} deg, min_conf {cfg.thresholds.min_conf:g}")
    agg = {k: defaultdict(list) for k in kinds}
    ms = {k: [] for k in kinds}
    for seed in range(a.first_seed, a.first_seed + a.seeds):
        sc = random_scenario(seed, n_reps=8, fps=a.fps)
        ests = {k: make(k, cfg, a.landmark_trunk, a.no_smooth) for k in kinds}
        rows = {k: [] for k in kinds}
        for i, t in enumerate(sc.frame_times()):
            img = sc.render(t)
            tr = sc.truth_at(t)
            for k in kinds:
                t0 = time.perf_counter()
                s = ests[k].process(Frame(i, t, img))
                ms[k].append(1000 * (time.perf_counter() - t0))
                rows[k].append((t, s, tr))
        for k in kinds:
            if hasattr(ests[k], "close"):
                ests[k].close()
            r = score(rows[k], sc, cfg, ests[k].rounding_floor_deg)
            for key, v in r.items():
                agg[k][key] += v
            if a.verbose:
                rr = r.get("round", [])
                reps = " ".join(f"{'R' if t else 'n'}{tp_:.0f}/{p_:+.0f}" for t, _, tp_, p_ in r.get("reps", []))
                print(f"  {k:7s} seed {seed} {sc.camera.width}x{sc.camera.height} yaw {sc.yaw_deg:4.1f}: trunk med "
                      f"{pct(r.get('trunk', []), 50):5.2f} round med {pct(rr, 50):5.2f} p90 {pct(rr, 90):5.2f} "
                      f"bias {np.mean(rr) if rr else float('nan'):+5.2f} back seen {len(r.get('back_seen', []))}/"
                      f"{len(r.get('n_truth', []))} reps [{reps}]")
    for k in kinds:
        report(k, agg[k], ms[k])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
