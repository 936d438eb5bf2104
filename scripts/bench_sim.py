#!/usr/bin/env python3
"""Benchmark the synthetic athlete: per-frame render and truth cost, scenario build, proximity trace.

    python scripts/bench_sim.py [--frames 150] [--runs 5]

Prints medians over runs (the machine is shared; single runs are noisy).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from device.sim.scenarios import get_scenario  # noqa: E402


def _ms(fn, n: int) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) / n * 1e3


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=150)
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    print(f"{'scenario':<14}{'size':>10}{'render ms':>11}{'truth ms':>10}{'build s':>9}{'proximity s':>13}")
    for name in ("clean", "mixed", "passerby"):
        for w, h in ((640, 480), (320, 240), (1280, 720)):
            builds, proxs, renders, truths = [], [], [], []
            for run in range(a.runs):
                t = time.perf_counter()
                sc = get_scenario(name, run, width=w, height=h, fps=30)
                builds.append(time.perf_counter() - t)
                if run == 0:
                    t = time.perf_counter()
                    _ = sc.proximity
                    proxs.append(time.perf_counter() - t)
                ts = sc.frame_times()[len(sc.frame_times()) // 4:][: a.frames]
                sc.render(ts[0])  # the background is built once per scenario; not part of the frame cost
                renders.append(_ms(lambda: [sc.render(x) for x in ts], len(ts)))
                sc2 = get_scenario(name, run, width=w, height=h, fps=30)
                truths.append(_ms(lambda: [sc2.truth_at(x) for x in ts[:50]], 50))
            print(f"{name:<14}{f'{w}x{h}':>10}{statistics.median(renders):>11.2f}{statistics.median(truths):>10.2f}"
                  f"{statistics.median(builds):>9.2f}{statistics.median(proxs):>13.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
