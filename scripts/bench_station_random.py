#!/usr/bin/env python3
"""The whole station (contact sensor, real vision, rep engine, LEDs on mock pins) on random scenes.

The built-in scenarios are each one condition at a time; ``random_scenario(seed)`` draws everything at
once (body, clothing, hair, room, light, camera resolution, height, distance and yaw, the reps' kinds),
which is nearer what a renderer we do not see will show. For each seed it runs
``run_simulation(scenario=random_scenario(seed, n_reps, fps))``, the same path as
``python -m device simulate``, and compares the station's reps with the scene's truth: exact sets,
verdicts right, and every wrong verdict with the scene's conditions beside it; then, over the reps it
matched, the error of each rep's reported rounding and peak trunk inclination against the truth's (the
figures the issue's targets name: median rounding error <= 3 deg, trunk <= 2 deg). The peak trunk is
also compared with the truth's own picture of it (``image_trunk_inclination_deg``: the same angle after
the camera's yaw and perspective), which tells the vision's error from what yaw alone takes off; and
both errors are broken down by the top the person wears (fitted, loose, hoodie), the clothing the
back's outline depends on. Last, the knee angle each matched rep reports at its bottom against the
truth's, and on how many reps it was measured at all (a knee not measured fails no rep). The station's
bottom is the hips' contact with the wall, where knee lock is judged (DOMAIN.md), and the renderer's
hinge goes on deepening for about a second after it, so the knee is also compared with the truth at
the station's own bottom (``truth_at(rep.bottom_s)``): that line is the vision's error, the first one
adds the knee's bend after the touch.

Seeds 200-205 are the project's held-out seeds (never tuned on); 300 and up are for development.
``--negative-yaw`` turns each scene's camera the other way round (yaw 0 to -20 deg; every other draw the
same), which shows the contact wall's face behind a hinged back (docs/station-vision.md, round 25).
``--roll MAX`` turns each scene's camera about its axis by a roll drawn from -MAX..MAX (a bracket or
stand not quite level; every other draw the same, and the picture zoomed out to keep the body in it).
``--pitch MAX`` mounts each scene's camera higher and tilts it down by a pitch drawn from 0..MAX, aimed where
the level camera was (a camera put up high and pointed at the person): the room's verticals then converge.
A negative MAX lowers the camera and tilts it up instead (0..-MAX).
``--shading MAX`` draws each scene's people as lit, rounded surfaces, an edge turned from the light darker by a
fraction drawn from 0..MAX (the default 0 draws them flat, as the scenes always were; every other draw the same).
Prints figures only; nothing here is a test.

    python scripts/bench_station_random.py --first-seed 300 --seeds 12
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter, defaultdict
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
    ap.add_argument("--negative-yaw", action="store_true",
                    help="the same scenes with the camera turned the other way round (yaw 0 to -20 deg)")
    ap.add_argument("--roll", type=float, default=0.0, metavar="MAX_DEG",
                    help="the same scenes with the camera also turned about its axis (not level) by a roll "
                         "drawn from -MAX..MAX per seed (default 0: level)")
    ap.add_argument("--pitch", type=float, default=0.0, metavar="MAX_DEG",
                    help="the same scenes with the camera mounted higher and tilted down to aim where it did, by a "
                         "pitch drawn from 0..MAX per seed (default 0: level; negative: lowered and tilted up)")
    ap.add_argument("--shading", type=float, default=0.0, metavar="MAX",
                    help="people drawn as lit, rounded surfaces, an edge turned from the light darker by a fraction "
                         "drawn from 0..MAX per seed (default 0: flat, as before; at most 0.8)")
    a = ap.parse_args()
    if not 0.0 <= a.shading <= 0.8:
        ap.error(f"--shading must be from 0 to 0.8, not {a.shading:g}")
    print("command: python scripts/bench_station_random.py " + " ".join(sys.argv[1:]))
    exact = right = total = 0
    wrong_kinds: Counter = Counter()
    round_err: list[float] = []
    trunk_err: list[float] = []
    trunk_img_err: list[float] = []
    knee_err: list[float] = []
    knee_touch_err: list[float] = []
    matched = 0
    by_top: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    t_start = time.perf_counter()
    for i, seed in enumerate(range(a.first_seed, a.first_seed + a.seeds)):
        sc = random_scenario(seed, n_reps=a.reps, fps=a.fps, negative_yaw=a.negative_yaw, max_roll_deg=a.roll,
                             max_pitch_deg=a.pitch, max_shading=a.shading)
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
            top = by_top[sc.body.top]
            matched += 1
            if rep.knee_angle_deg is not None:
                knee_err.append(rep.knee_angle_deg - tr.knee_angle_at_bottom_deg)
                at_touch = sc.truth_at(rep.bottom_s).knee_angle_deg
                if at_touch is not None:
                    knee_touch_err.append(rep.knee_angle_deg - at_touch)
            if rep.rounding_deg is not None:
                round_err.append(rep.rounding_deg - tr.peak_rounding_deg)
                top["rounding"].append(round_err[-1])
            if rep.trunk_inclination_deg is not None:
                trunk_err.append(rep.trunk_inclination_deg - tr.peak_trunk_inclination_deg)
                top["trunk"].append(trunk_err[-1])
                pictured = _pictured_peak_trunk(sc, tr, a.fps)
                if pictured is not None:
                    trunk_img_err.append(rep.trunk_inclination_deg - pictured)
                    top["trunk vs picture"].append(trunk_img_err[-1])
        where = (f"{s['width']}x{s['height']} yaw {cam['yaw_deg']:4.1f}"
                 + (f" roll {cam['roll_deg']:+.1f}" if cam["roll_deg"] else "")
                 + (f" pitch {cam['pitch_deg']:+.1f}" if cam["pitch_deg"] else "") + f" cam {cam['height_m']:.2f} m, "
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
    for name, errs in (("rounding", round_err), ("peak trunk inclination", trunk_err),
                       ("peak trunk inclination against the picture (yaw and perspective applied)", trunk_img_err)):
        if errs:
            print(f"per-rep {name} error over {len(errs)} matched reps: {_spread(errs)}")
    if knee_err:
        print(f"knee at the bottom measured on {len(knee_err)} of {matched} matched reps: {_spread(knee_err)}")
    if knee_touch_err:
        print(f"the same knee against the truth at the station's own bottom (the touch; knee lock is judged there) "
              f"over {len(knee_touch_err)} reps: {_spread(knee_touch_err)}")
    if by_top:
        print("by top (median |error| / bias, deg; reps):")
        for name in sorted(by_top):
            parts = [f"{what} {statistics.median(abs(e) for e in errs):.2f} / {statistics.mean(errs):+.2f} ({len(errs)})"
                     for what, errs in by_top[name].items() if errs]
            print(f"  {name}: " + "; ".join(parts))
    return 0


def _spread(errs: list[float]) -> str:
    """Median and 90th percentile of the absolute errors, and their mean (the bias)."""
    ab = sorted(abs(e) for e in errs)
    return (f"median |error| {statistics.median(ab):.2f} deg, p90 {ab[int(0.9 * (len(ab) - 1))]:.2f}, "
            f"bias {statistics.mean(errs):+.2f}")


def _pictured_peak_trunk(sc, tr, fps: float) -> float | None:
    """The largest trunk inclination the picture showed during the truth's rep (its frames' times)."""
    n = max(1, int(round((tr.end_s - tr.start_s) * fps)))
    vals = [sc.truth_at(tr.start_s + i / fps).image_trunk_inclination_deg for i in range(n + 1)]
    vals = [v for v in vals if v is not None]
    return max(vals) if vals else None


if __name__ == "__main__":
    raise SystemExit(main())
