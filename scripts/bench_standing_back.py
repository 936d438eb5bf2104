#!/usr/bin/env python3
"""The station's reading of a person's standing back, against the truth, on random scenes.

Rounding is judged relative to the person's own standing back, so a back read too straight both
standing and bent cancels out of the verdict; the absolute reading still matters to a clinician who
looks at a patient's posture, and it shows where the measure stops following the spine. For each
seed, ``random_scenario(seed)`` is run through the silhouette estimator up to its second rep: the
median bend of the confident standing frames before the first rep, and of the bottom of the first
rep where that rep is a good one, each beside the truth's (sacrum to neck base) and the body's
kyphosis (the extra thoracic curve the renderer gives it at rest).

Prints figures only; nothing here is a test.

    python scripts/bench_standing_back.py --first-seed 300 --seeds 36
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from device.config import Config  # noqa: E402
from device.io.frames import Frame  # noqa: E402
from device.sim.scenarios import random_scenario  # noqa: E402
from device.vision.estimator import PostureEstimator  # noqa: E402


def _median(v: list[float]) -> float | None:
    return statistics.median(v) if v else None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--first-seed", type=int, default=300)
    ap.add_argument("--seeds", type=int, default=12)
    a = ap.parse_args()
    print("command: python scripts/bench_standing_back.py " + " ".join(sys.argv[1:]))
    cfg = Config()
    rows = []
    t_start = time.perf_counter()
    for k, seed in enumerate(range(a.first_seed, a.first_seed + a.seeds)):
        sc = random_scenario(seed, n_reps=8, fps=15)
        s0 = sc.summary()
        est = PostureEstimator.from_config(cfg.camera, cfg.thresholds)
        first, second = sc.reps[0], sc.reps[1]
        stand, stand_t, bottom, bottom_t = [], [], [], []
        for i, t in enumerate(sc.frame_times()):
            if t > second.start_s:
                break
            tr = sc.truth_at(t)
            s = est.process(Frame(i, t, sc.render(t)))
            if s.back_bend_deg is None or s.back_conf < cfg.thresholds.min_conf or not s.in_position:
                continue
            if tr.phase == "standing" and t < first.start_s:
                stand.append(s.back_bend_deg)
                stand_t.append(tr.back_bend_deg)
            elif tr.phase == "bottom" and first.verdict == "good":
                bottom.append(s.back_bend_deg)
                bottom_t.append(tr.back_bend_deg)
        read, true = _median(stand), _median(stand_t)
        err = None if read is None else read - true
        b_err = None if not bottom else _median(bottom) - _median(bottom_t)
        rows.append((sc.body.kyphosis_deg, err, b_err))
        fmt = (lambda v: "  -  " if v is None else f"{v:+5.1f}")
        print(f"seed {seed} ({s0['width']}x{s0['height']}, {sc.body.top} top, build {sc.body.build:.2f}, "
              f"kyphosis {sc.body.kyphosis_deg:4.1f} deg): standing read {fmt(read)} for {fmt(true)}, "
              f"error {fmt(err)}; bottom of a good rep, error {fmt(b_err)}"
              f"   [{k + 1}/{a.seeds}, {time.perf_counter() - t_start:.0f} s]", flush=True)
    for lo, hi in ((0.0, 10.0), (10.0, 99.0)):
        e = [r[1] for r in rows if lo <= r[0] < hi and r[1] is not None]
        b = [r[2] for r in rows if lo <= r[0] < hi and r[2] is not None]
        if e:
            print(f"kyphosis {lo:g}-{hi:g} deg: standing error median {statistics.median(e):+.1f} deg over {len(e)} "
                  f"scenes (range {min(e):+.1f}..{max(e):+.1f})"
                  + (f"; bottom of a good rep {statistics.median(b):+.1f} over {len(b)}" if b else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
