#!/usr/bin/env python3
"""A person framed with their head or feet on the picture's edge, through the whole station.

A camera set low or close, or a tall person, puts the head on the picture's top edge; a camera fitted to
the floor where the person stands puts the soles on its bottom edge (docs/station-vision.md, round 58).
For each `clean` seed this draws the scene as usual, then keeps only part of each frame
(``device.sim.scenarios.CutFrame``): from a fraction of the person's standing height below the crown
down (``--edge top``), or from the top down to that fraction above the soles (``--edge bottom``; 0: the
soles on the last row). It prints each cut's verdicts against the truth and the rounding each rounded
rep reads, beside the uncut frame's.

    .venv/bin/python scripts/bench_edge_cut.py --edge top --seeds 1,2,3 --cuts 0,0.03,0.06,0.1
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from device.sim.scenarios import CutFrame, get_scenario, person_rows  # noqa: E402
from device.simulate import run_simulation  # noqa: E402

KINDS = ["good", "rounded", "heel_lift", "good", "rounded", "good"]


def _floats(text: str) -> list[float]:
    try:
        return [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers separated by commas, got {text!r}") from None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--edge", choices=("top", "bottom"), default="top")
    ap.add_argument("--seeds", type=lambda s: [int(float(x)) for x in _floats(s)], default=[1, 2, 3])
    ap.add_argument("--cuts", type=_floats, default=[0.0, 0.03, 0.06, 0.1],
                    help="fractions of the person's standing height cut off at that edge")
    ap.add_argument("--size", default="320x240", help="the drawn frame, WxH")
    ap.add_argument("--fps", type=float, default=15.0)
    args = ap.parse_args(argv)
    try:
        w, h = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        ap.error(f"--size must look like 320x240, got {args.size!r}")
    if any(not 0.0 <= c < 0.5 for c in args.cuts):
        ap.error("--cuts must lie in 0..0.5 (fractions of the person's height)")

    total: dict[object, list[int]] = {}
    for seed in args.seeds:
        sc = get_scenario("clean", seed, width=w, height=h, fps=args.fps, kinds=KINDS)
        crown, soles = person_rows(sc)
        tall = soles - crown
        truth = [r.kind for r in sc.reps]
        peaks = [round(r.peak_rounding_deg, 1) for r in sc.reps if r.kind == "rounded"]
        print(f"clean seed {seed} ({w}x{h}): person {tall + 1} px tall, drawn rounding of the rounded reps {peaks}")
        for cut in [None, *args.cuts]:
            if cut is None:
                framed, label = sc, "uncut"
            elif args.edge == "top":
                framed, label = CutFrame(sc, sc.height, first=crown + int(cut * tall)), f"{cut:.0%} cut at the top"
            else:
                framed, label = CutFrame(sc, soles + 1 - int(cut * tall)), f"{cut:.0%} cut at the bottom"
            res = run_simulation("clean", scenario=framed, fps=args.fps, width=w, height=framed.height)
            got = [r.verdict.value for r in res.reps]
            c = res.comparison  # the station's reps paired with the truth's by time, as every benchmark scores them
            tally = total.setdefault(cut, [0, 0])
            tally[0] += c.verdicts_right
            tally[1] += len(truth)
            station_rep = {it: ir for ir, it in c.pairs}
            rounding = [None if it not in station_rep or res.reps[station_rep[it]].rounding_deg is None
                        else round(res.reps[station_rep[it]].rounding_deg, 1)
                        for it, k in enumerate(truth) if k == "rounded"]
            print(f"  {label:>22}: {c.verdicts_right} of {len(truth)} right {got}; rounded reps read {rounding}",
                  flush=True)
    print("verdicts right over the seeds: " + "; ".join(
        f"{'uncut' if c is None else f'{c:.0%}'} {r} of {n}" for c, (r, n) in total.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
