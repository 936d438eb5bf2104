#!/usr/bin/env python3
"""Record the whole station's engine input once, then re-run the rep engine on it in seconds.

    .venv/bin/python scripts/engine_replay.py record OUT.pkl r:400 r:401 ... standing_start:3 ...
    .venv/bin/python scripts/engine_replay.py replay OUT.pkl [MORE.pkl ...] [--variant NAME] [--changed]

A scene runs through the whole station (rendered frames, the real vision, contact sensor, LEDs on mock
pins: ``run_simulation``, the path of ``python -m device simulate``), and every call into the
``RepEngine`` (its construction and every ``feed_*``, ``reset_set`` and ``finish``, with their samples) is
kept with the scene's truth. ``replay`` builds a fresh engine from the same arguments and feeds it the
same calls, so a change to the engine (``device/core/engine.py``) is measured over a hundred scenes in
seconds instead of an hour of rendering and vision; the vision is not re-run, so a change to it needs a
new recording. With the engine unchanged, ``replay`` reproduces the recorded verdicts exactly, and it
says so ("recorded N" beside the total).

Specs: ``r:SEED`` is ``random_scenario(SEED, n_reps=8, fps=15)`` (as ``scripts/bench_station_random.py``);
``NAME:SEED`` is a built-in scenario at its defaults (as ``python -m device simulate --scenario NAME
--seed SEED``). ``record`` appends to OUT.pkl and skips specs it already holds, so it can be stopped and
resumed. The recordings are research data (camera-free samples of synthetic people): never committed.

``--variant`` re-runs the engine with one of the rules measured and not adopted in round 24
(docs/station-vision.md), patched in here and never in the product:

- ``gap-1.0``: a rep whose back went unseen for more than 1.0 s in one stretch is not judged for rounding;
- ``bottom-median``: a rep's rounding is the median bend over the frames whose trunk is within 10 deg of
  the rep's held deepest inclination, instead of the largest bend held for 0.15 s;
- ``noise-0.5``: the largest held bend minus half the rep's frame-to-frame scatter of the bend (a robust
  standard deviation of successive differences).

Prints figures only; nothing here is a test.
"""

from __future__ import annotations

import argparse
import copy
import os
import pickle
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from device.core.engine import RepEngine  # noqa: E402
from device.report import compare  # noqa: E402

CALLS = ("feed_proximity", "feed_posture", "feed_fault", "reset_set", "finish")
BOTTOM_BAND_DEG = 10.0


def record(out: Path, specs: list[str]) -> int:
    from device.config import Config
    from device.sim.scenarios import get_scenario, random_scenario
    from device.simulate import run_simulation

    done = pickle.loads(out.read_bytes()) if out.exists() else {}
    calls: list = []
    init = RepEngine.__init__

    def spy_init(self, *a, **k):
        init(self, *a, **k)
        calls.append(("__init__", copy.deepcopy(a), copy.deepcopy(k)))

    RepEngine.__init__ = spy_init
    for name in CALLS:
        def spy(self, *a, _orig=getattr(RepEngine, name), _name=name, **k):
            calls.append((_name, a, k))
            return _orig(self, *a, **k)
        setattr(RepEngine, name, spy)
    for i, spec in enumerate(specs):
        if spec in done:
            continue
        kind, _, seed = spec.partition(":")
        if not seed.isdigit():
            print(f"{spec}: not a spec (r:SEED or NAME:SEED)", file=sys.stderr)
            return 2
        calls.clear()
        if kind == "r":
            sc = random_scenario(int(seed), n_reps=8, fps=15.0)
            res = run_simulation("random", Config(), scenario=sc)
        else:
            sc = get_scenario(kind, int(seed))
            res = run_simulation(kind, Config(), seed=int(seed))
        done[spec] = {"calls": list(calls), "truth": sc.reps, "expected": sc.expected_counted,
                      "verdicts": [r.verdict.value for r in res.reps], "right": res.comparison.to_dict()}
        tmp = out.with_name(out.name + ".tmp")
        tmp.write_bytes(pickle.dumps(done))
        os.replace(tmp, out)
        c = res.comparison
        print(f"{spec}: {c.verdicts_right} verdicts right{'' if c.wrong else ', exact' if c.exact else ''}"
              f"{f', wrong {c.wrong}' if c.wrong else ''}   [{i + 1}/{len(specs)}]", flush=True)
    return 0


def _bottom_backs(eng: RepEngine, rep, until):
    held = eng._held_incl(rep, until)
    if held is None:
        return []
    incl = dict(rep.incl)
    return [b for t, b in rep.back
            if (until is None or t <= until) and t in incl and incl[t] >= held - BOTTOM_BAND_DEG]


def _patch(variant: str) -> None:
    if variant == "none":
        return
    rounding = RepEngine._rounding
    if variant == "gap-1.0":
        checked, feed = RepEngine._checked, RepEngine.feed_posture

        def feed_posture(self, p):
            rep = self._rep
            out = feed(self, p)
            if rep is not None and self._rep is rep:
                last = getattr(rep, "_back_last", p.t)
                rep._gap = max(getattr(rep, "_gap", 0.0), p.t - last)
                rep._back_last = p.t if rep.back and rep.back[-1][0] == p.t else last
            return out

        def checked_gap(self, rep):
            return checked(self, rep) and (not self.checks.rounding or getattr(rep, "_gap", 0.0) <= 1.0)

        RepEngine.feed_posture, RepEngine._checked = feed_posture, checked_gap
    elif variant == "bottom-median":
        def bottom_median(self, rep, until=None):
            backs = _bottom_backs(self, rep, until)
            if self.baseline is None or len(backs) < 3:
                return rounding(self, rep, until)
            return statistics.median(backs) - self.baseline

        RepEngine._rounding = bottom_median
    elif variant == "noise-0.5":
        def less_noise(self, rep, until=None):
            r = rounding(self, rep, until)
            b = [v for t, v in rep.back if until is None or t <= until]
            if r is None or len(b) < 6:
                return r
            d = statistics.median(abs(b[i] - b[i - 1]) for i in range(1, len(b)))
            return r - 0.5 * 1.4826 * d / 2 ** 0.5

        RepEngine._rounding = less_noise
    else:
        raise SystemExit(f"unknown variant {variant!r}: none, gap-1.0, bottom-median, noise-0.5")


def replay(paths: list[Path], variant: str, changed: bool) -> int:
    _patch(variant)
    runs = exact = right = total = recorded_right = 0
    kinds: dict[str, int] = {}
    for path in paths:
        for spec, d in pickle.loads(path.read_bytes()).items():
            eng = None
            for name, args, kw in d["calls"]:
                if name == "__init__":
                    eng = RepEngine(*args, **kw)
                else:
                    getattr(eng, name)(*args, **kw)
            c = compare(eng.reps, d["truth"], d["expected"])
            runs += 1
            exact += c.exact
            right += c.verdicts_right
            total += c.matched + len(c.missed)
            recorded_right += d["right"]["verdicts_right"]
            for _, want, got in c.wrong:
                kinds[f"{want} -> {got}"] = kinds.get(f"{want} -> {got}", 0) + 1
            now = [r.verdict.value for r in eng.reps]
            if changed and now != d["verdicts"]:
                diff = [(i, a, b) for i, (a, b) in enumerate(zip(d["verdicts"], now)) if a != b]
                print(f"{spec}: changed {diff or (d['verdicts'], now)}; wrong now {c.wrong}")
    print(f"variant {variant}: {runs} runs, {exact} exact, verdicts right {right}/{total} (recorded {recorded_right})")
    if kinds:
        print("wrong: " + ", ".join(f"{k} x{n}" for k, n in sorted(kinds.items(), key=lambda kv: -kv[1])))
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("record", help="run scenes through the whole station and keep the engine's input")
    r.add_argument("out", type=Path)
    r.add_argument("specs", nargs="+", help="r:SEED (random scene) or NAME:SEED (built-in scenario)")
    p = sub.add_parser("replay", help="re-run the engine on recordings")
    p.add_argument("recordings", nargs="+", type=Path)
    p.add_argument("--variant", default="none", help="none, gap-1.0, bottom-median, noise-0.5")
    p.add_argument("--changed", action="store_true", help="list every scene whose verdicts changed")
    a = ap.parse_args()
    if a.cmd == "record":
        return record(a.out, a.specs)
    missing = [str(x) for x in a.recordings if not x.is_file()]
    if missing:
        print(f"no such recording: {', '.join(missing)} (make one with: engine_replay.py record OUT.pkl r:400 ...)",
              file=sys.stderr)
        return 2
    return replay(a.recordings, a.variant, a.changed)


if __name__ == "__main__":
    sys.exit(main())
