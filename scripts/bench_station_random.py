#!/usr/bin/env python3
"""The whole station (contact sensor, real vision, rep engine, LEDs on mock pins) on random scenes.

The built-in scenarios are each one condition at a time; ``random_scenario(seed)`` draws everything at
once (body, clothing, hair, room, light, camera resolution, height, distance and yaw, the reps' kinds),
which is nearer what a renderer we do not see will show. For each seed it runs
``run_simulation(scenario=random_scenario(seed, n_reps, fps))``, the same path as
``python -m device simulate``, and compares the station's reps with the scene's truth: exact sets,
verdicts right, and every wrong verdict with the scene's conditions beside it; then, over the reps it
matched, the error of each rep's reported rounding and peak trunk inclination against the truth's (the
figures the issue's targets name: median rounding error <= 3 deg, trunk <= 2 deg).

Seeds 200-205 are the project's held-out seeds (never tuned on); 300 and up are for development.
Prints figures only; nothing here is a test.

    python scripts/bench_station_random.py --first-seed 300 --seeds 12
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from device.config import Config  # noqa: E402
from device.sim.scenarios import random_scenario  # noqa: E402
from device.simulate import run_simulation  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--first-seed", type=int, default=300)
    ap.add_argument("--seeds", type=int, default=12)
    ap.add_argument("--reps", type=int, default=8, help="reps per scene")
    ap.add_argument("--fps", type=float, default=15.0, help="camera frames per second")
    a = ap.parse_args()
    print("command: python scripts/bench_station_random.py " + " ".join(sys.argv[1:]))
    exact = right = total = 0
    wrong_kinds: Counter = Counter()
    round_err: list[float] = []
    trunk_err: list[float] = []
    t_start = time.perf_counter()
    for i, seed in enumerate(range(a.first_seed, a.first_seed + a.seeds)):
        sc = random_scenario(seed, n_reps=a.reps, fps=a.fps)
        res = run_simulation("random", Config(), scenario=sc)
        c = res.comparison
        s = sc.summary()
        cam, room, body = s["camera"], s["room"], s["body"]
        n_truth = len(s["reps"])
        exact += c.exact
        right += c.verdicts_right
        total += n_truth
        for _, want, got in c.wrong:
            wrong_kinds[f"{want} -> {got}"] += 1
        truth = sc.reps
        for i_rep, i_truth in c.pairs:
            rep, tr = res.reps[i_rep], truth[i_truth]
            if rep.rounding_deg is not None:
                round_err.append(rep.rounding_deg - tr.peak_rounding_deg)
            if rep.trunk_inclination_deg is not None:
                trunk_err.append(rep.trunk_inclination_deg - tr.peak_trunk_inclination_deg)
        where = (f"{s['width']}x{s['height']} yaw {cam['yaw_deg']:4.1f} cam {cam['height_m']:.2f} m, "
                 f"{room['lighting']}, {sc.body.top} top, build {body['build']:.2f}")
        what = "exact" if c.exact else (
            f"counted {c.counted}/{c.expected_counted}"
            + (f", wrong {[(w, g) for _, w, g in c.wrong]}" if c.wrong else "")
            + (f", missed {c.missed}" if c.missed else "") + (f", extra {c.extra}" if c.extra else ""))
        print(f"seed {seed} ({where}): {c.verdicts_right}/{n_truth} verdicts right; {what}"
              f"   [{i + 1}/{a.seeds}, {time.perf_counter() - t_start:.0f} s]", flush=True)
    print(f"exact sets {exact}/{a.seeds}; verdicts right {right}/{total} ({right / max(total, 1):.3f})")
    if wrong_kinds:
        print("wrong verdicts: " + ", ".join(f"{k} x{n}" for k, n in wrong_kinds.most_common()))
    for name, errs in (("rounding", round_err), ("peak trunk inclination", trunk_err)):
        if errs:
            ab = sorted(abs(e) for e in errs)
            print(f"per-rep {name} error over {len(errs)} matched reps: median |error| "
                  f"{statistics.median(ab):.2f} deg, p90 {ab[int(0.9 * (len(ab) - 1))]:.2f}, "
                  f"bias {statistics.mean(errs):+.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
