#!/usr/bin/env python3
"""Write a contact sheet PNG of a few frames per synthetic scenario, for a human to look at.

    python scripts/render_sim_preview.py [--out sim_preview.png] [--seed 0] [--width 320 --height 240]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from device.sim.scenarios import SCENARIO_NAMES, get_scenario  # noqa: E402


def _pick_times(sc, n: int) -> list[float]:
    """Frames worth seeing: walking in, standing, the bottom of reps, a passer-by, leaving."""
    times = []
    for s in sc.segments:
        if s.kind == "walk":
            times.append((s.t0 + s.t1) / 2)
    times += [r.bottom_s for r in sc.reps[:: max(1, len(sc.reps) // max(1, n - 2))]]
    times += [p.t0 + (p.t1 - p.t0) * 0.45 for p in sc.passers]
    times = sorted(set(round(t, 3) for t in times))
    if len(times) > n:
        idx = np.linspace(0, len(times) - 1, n).round().astype(int)
        times = [times[i] for i in idx]
    return times


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="sim_preview.png")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--width", type=int, default=320)
    ap.add_argument("--height", type=int, default=240)
    ap.add_argument("--per-row", type=int, default=6)
    ap.add_argument("--scenarios", default=",".join(SCENARIO_NAMES))
    a = ap.parse_args()
    rows = []
    for name in a.scenarios.split(","):
        try:
            sc = get_scenario(name.strip(), a.seed, width=a.width, height=a.height, fps=15, n_reps=6)
        except ValueError as e:
            print(f"render_sim_preview: {e}", file=sys.stderr)
            return 2
        tiles = []
        for t in _pick_times(sc, a.per_row):
            img = sc.render(t)
            tr = sc.truth_at(t)
            label = f"{name} t={t:.1f} {tr.phase}"
            if tr.trunk_inclination_deg is not None:
                label += f" inc={tr.trunk_inclination_deg:.0f} rnd={tr.rounding_deg:.0f}"
            cv2.putText(img, label, (3, 12), cv2.FONT_HERSHEY_PLAIN, 0.8, (0, 0, 0), 2, cv2.LINE_AA)
            cv2.putText(img, label, (3, 12), cv2.FONT_HERSHEY_PLAIN, 0.8, (255, 255, 255), 1, cv2.LINE_AA)
            tiles.append(img)
        while len(tiles) < a.per_row:
            tiles.append(np.zeros_like(tiles[0]))
        rows.append(np.hstack(tiles[: a.per_row]))
    sheet = np.vstack(rows)
    if not cv2.imwrite(a.out, sheet):
        print(f"render_sim_preview: could not write {a.out}; check the folder exists and the name ends in .png",
              file=sys.stderr)
        return 1
    print(f"wrote {a.out} ({sheet.shape[1]}x{sheet.shape[0]})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
