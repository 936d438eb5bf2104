#!/usr/bin/env python3
"""Record the whole station's engine input once, then re-run the rep engine on it in seconds.

    .venv/bin/python scripts/engine_replay.py record OUT.pkl r:400 r:401 ... standing_start:3 ...
    .venv/bin/python scripts/engine_replay.py replay OUT.pkl [MORE.pkl ...] [--variant NAME] [--changed]
    .venv/bin/python scripts/engine_replay.py stats OUT.pkl [MORE.pkl ...]

A scene runs through the whole station (rendered frames, the real vision, contact sensor, LEDs on mock
pins: ``run_simulation``, the path of ``python -m device simulate``), and every call into the
``RepEngine`` (its construction and every ``feed_*``, ``reset_set`` and ``finish``, with their samples) is
kept with the scene's truth. ``replay`` builds a fresh engine from the same arguments and feeds it the
same calls, so a change to the engine (``device/core/engine.py``) is measured over a hundred scenes in
seconds instead of an hour of rendering and vision; the vision is not re-run, so a change to it needs a
new recording. With the engine unchanged, ``replay`` reproduces the recorded verdicts exactly, and it
says so ("recorded N" beside the total).

Specs: ``r:SEED`` is ``random_scenario(SEED, n_reps=8, fps=15)`` (as ``scripts/bench_station_random.py``),
``r:SEED@FPS`` the same scene filmed at another frame rate (``--fps`` of that bench);
``NAME:SEED`` is a built-in scenario at its defaults (as ``python -m device simulate --scenario NAME
--seed SEED``). Any spec may end in ``~K``: its people drawn as lit, rounded surfaces (``r:SEED~K`` as the
bench's ``--shading K``, ``NAME:SEED~K`` as ``simulate --shading K``). ``record`` appends to OUT.pkl and skips specs it already holds, so it can be stopped and
resumed. ``record --enlarge-to ROWS`` measures every frame shorter than ROWS enlarged to ROWS rows (bilinear),
round 71's experiment at 320x240, not the product. The recordings are research data (camera-free samples of synthetic people): never committed.

``--variant`` re-runs the engine with one of the rules measured in rounds 24, 27, 38 and 39
(docs/station-vision.md), patched in here (``bottom-median`` has been the wall drill's own rule since round
39; the others are not in the product):

- ``gap-1.0``: a rep whose back went unseen for more than 1.0 s in one stretch is not judged for rounding;
- ``bottom-median``: a rep's rounding is the median bend over the frames whose trunk is within the
  product's ``ROUNDING_BAND_DEG`` (``device/core/engine.py``, 7 deg; round 24 measured 10) of the rep's held
  deepest inclination, instead of the largest bend held for 0.15 s (``BOTTOM_BAND_DEG=N`` in the
  environment: another band, for this and the next two). Since round 39 it is the wall drill's own rule,
  so on station recordings made since it changes nothing;
- ``largest-held`` (round 39): every rep's rounding the largest bend held for 0.15 s, as the wall drill's was
  before round 39 (and every other exercise's still is);
- ``bottom-qN`` (round 39): the N-th percentile of the same frames' bend instead of the median;
- ``bottom-held`` (round 39): the largest bend held for 0.15 s over the same frames;
- ``held-median-S`` (round 39): the largest median bend over any S seconds of the rep;
- ``offset-N`` (round 39): every rep's rounding N deg lower (what raising the threshold by N would do);
- ``noise-0.5``: the largest held bend minus half the rep's frame-to-frame scatter of the bend (a robust
  standard deviation of successive differences);
- ``scatter-N`` (round 38): a rep whose back bend scatters from frame to frame by more than N deg (the
  robust standard deviation of ``noise-0.5``) is not judged for rounding (``unchecked``, unless its legs or
  the sensor show a fault), as a back seen in too few frames is not;
- ``floor-N`` (round 27): the station's standing reference raised to at least N deg (the phone-video path
  has such a floor; the station has none);
- ``truth-reference`` (round 27): every loose-top scene judged against the truth's own standing bend
  (put on the station's scale by the median offset of the fitted tops' references in the same
  recordings): what a perfect standing reference alone would do for loose tops;
- ``min-samples-N`` (round 28): a level is "held" only over at least N frames as well as 0.15 s (every
  measure: rounding, trunk, knee, heel); at 15 fps and above 0.15 s already spans 4 frames. Not adopted:
  ``min-samples-4`` gained 7 verdicts on scenes at 10 fps it was tried on and lost one on fresh ones.
- ``baseline-grow-N`` (round 43): the standing reference is taken again at each rep's start from all the
  standing samples so far (at most 30 s old) until it rests on N of them, instead of 30
  (``BASELINE_FULL_SAMPLES``): more of the standing between reps, less of the first moments at the wall;
- ``baseline-rolling`` (round 43): the reference is taken again at every rep's start from the latest
  standing samples (up to ``BASELINE_SAMPLES``, 60), so each rep is judged against the standing just
  before it;
- ``baseline-conf-C`` (round 49): the standing reference taken from the standing samples whose back confidence
  is at least C (0-1) when there are ``BASELINE_MIN_SAMPLES`` of them (else from all, as the product), and taken
  again at a rep's start while it rests on fewer than ``BASELINE_FULL_SAMPLES`` such samples and more are at
  hand: a reference from a moment at the wall measured poorly gives way to later, better measured standing.

``stats`` prints what the recordings say without changing the engine: the standing reference the engine
took against the truth's, by top; each rep's rounding error by the kind of rep the athlete did; and how
many seen frames read more than 25 deg above the reference, on truly rounded reps and on the others; and,
per run, the good reps' hinged bend error minus the reference's (the gap that makes a good rep read
``rounded``), with the runs where it passes 4 deg.

Prints figures only; nothing here is a test.
"""

from __future__ import annotations

import argparse
import copy
import functools
import os
import pickle
import statistics
import sys
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from device.core.engine import ROUNDING_BAND_DEG, RepEngine, sustained_max  # noqa: E402
from device.report import compare  # noqa: E402

CALLS = ("feed_proximity", "feed_posture", "feed_fault", "reset_set", "finish")
BOTTOM_BAND_DEG = float(os.environ.get("BOTTOM_BAND_DEG", ROUNDING_BAND_DEG))


def record(out: Path, specs: list[str], enlarge_to: int = 0) -> int:
    from device.config import Config
    from device.simulate import run_simulation

    if enlarge_to > 0:
        _enlarge_frames(enlarge_to)

    done = pickle.loads(out.read_bytes()) if out.exists() else {}
    other = {d.get("enlarge_to", 0) for d in done.values()} - {enlarge_to}
    if other:
        print(f"{out} holds scenes recorded with --enlarge-to {other.pop()}, not {enlarge_to}: record into another file",
              file=sys.stderr)
        return 2
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
        parts = _parse(spec)
        if parts is None:
            print(f"{spec}: not a spec (r:SEED, r:SEED@FPS or NAME:SEED, each optionally ~SHADING)", file=sys.stderr)
            return 2
        calls.clear()
        sc = _scene(spec)
        res = run_simulation("random" if parts[0] == "r" else parts[0], Config(), scenario=sc)
        done[spec] = {"calls": list(calls), "truth": sc.reps, "expected": sc.expected_counted, "enlarge_to": enlarge_to,
                      "verdicts": [r.verdict.value for r in res.reps], "right": res.comparison.to_dict()}
        tmp = out.with_name(out.name + ".tmp")
        tmp.write_bytes(pickle.dumps(done))
        os.replace(tmp, out)
        c = res.comparison
        print(f"{spec}: {c.verdicts_right} verdicts right{'' if c.wrong else ', exact' if c.exact else ''}"
              f"{f', wrong {c.wrong}' if c.wrong else ''}   [{i + 1}/{len(specs)}]", flush=True)
    return 0


def _enlarge_frames(rows: int) -> None:
    """Round 71's experiment (docs/station-vision.md), not the product: every frame shorter than ``rows`` is
    enlarged (bilinear, aspect kept) to ``rows`` before the station's vision sees it (320x240 -> 640x480)."""
    import dataclasses

    import cv2

    from device.vision.estimator import PostureEstimator

    process = PostureEstimator.process

    def enlarged(self, frame):
        img = frame.image
        if img is not None and img.ndim == 3 and img.shape[0] < rows:
            size = (int(round(img.shape[1] * rows / img.shape[0])), rows)
            frame = dataclasses.replace(frame, image=cv2.resize(img, size, interpolation=cv2.INTER_LINEAR))
        return process(self, frame)

    PostureEstimator.process = enlarged


def _bottom_backs(eng: RepEngine, rep, until):
    held = eng._held_incl(rep, until)
    if held is None:
        return []
    incl = dict(rep.incl)
    return [b for t, b in rep.back
            if (until is None or t <= until) and t in incl and incl[t] >= held - BOTTOM_BAND_DEG]


def _scatter(backs: list[float]) -> float:
    """A robust standard deviation of a bend's frame-to-frame changes (deg): 1.4826 x their median
    absolute size, over sqrt(2) because each change is the difference of two readings."""
    d = statistics.median(abs(backs[i] - backs[i - 1]) for i in range(1, len(backs)))
    return 1.4826 * d / 2 ** 0.5


def _degrees(variant: str, prefix: str) -> float:
    try:
        return float(variant[len(prefix):])
    except ValueError:
        raise SystemExit(f"variant {variant!r}: {prefix}N needs a number of degrees, e.g. {prefix}8") from None


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
    elif variant == "largest-held":
        def largest_held(self, rep, until=None):
            keep, self.rounding_at_bottom = self.rounding_at_bottom, False
            try:
                return rounding(self, rep, until)
            finally:
                self.rounding_at_bottom = keep

        RepEngine._rounding = largest_held
    elif variant.startswith("bottom-q"):
        q = _degrees(variant, "bottom-q") / 100.0

        def bottom_quantile(self, rep, until=None):
            backs = sorted(_bottom_backs(self, rep, until))
            if self.baseline is None or len(backs) < 3:
                return rounding(self, rep, until)
            x = q * (len(backs) - 1)
            i = int(x)
            j = min(i + 1, len(backs) - 1)
            return backs[i] + (backs[j] - backs[i]) * (x - i) - self.baseline

        RepEngine._rounding = bottom_quantile
    elif variant.startswith("held-median-"):
        span = _degrees(variant, "held-median-")

        def held_median(self, rep, until=None):
            if self.baseline is None:
                return None
            pts = [(t, b) for t, b in rep.back if until is None or t <= until]
            if not pts:
                return None
            best = None
            j = 0
            for i in range(len(pts)):
                j = max(j, i)
                while j < len(pts) and pts[j][0] - pts[i][0] < span:
                    j += 1
                if j >= len(pts):
                    break
                m = statistics.median(b for _, b in pts[i:j + 1])
                best = m if best is None else max(best, m)
            if best is None:
                return rounding(self, rep, until)
            return best - self.baseline

        RepEngine._rounding = held_median
    elif variant == "bottom-held":
        def bottom_held(self, rep, until=None):
            held = self._held_incl(rep, until)
            if self.baseline is None or held is None:
                return rounding(self, rep, until)
            incl = dict(rep.incl)
            pts = [(t, b) for t, b in rep.back
                   if (until is None or t <= until) and t in incl and incl[t] >= held - BOTTOM_BAND_DEG]
            peak = sustained_max(pts) if len(pts) >= 3 else None
            return rounding(self, rep, until) if peak is None else peak - self.baseline

        RepEngine._rounding = bottom_held
    elif variant == "noise-0.5":
        def less_noise(self, rep, until=None):
            r = rounding(self, rep, until)
            b = [v for t, v in rep.back if until is None or t <= until]
            if r is None or len(b) < 6:
                return r
            return r - 0.5 * _scatter(b)

        RepEngine._rounding = less_noise
    elif variant.startswith("scatter-"):
        limit = _degrees(variant, "scatter-")
        checked = RepEngine._checked

        def steady_enough(self, rep):
            b = [v for _, v in rep.back]
            return (len(b) < 6 or _scatter(b) <= limit) and checked(self, rep)

        RepEngine._checked = steady_enough
    elif variant.startswith("floor-"):
        floor = _degrees(variant, "floor-")
        take = RepEngine._take_baseline

        def floored(self, t, events):
            take(self, t, events)
            if self.baseline is not None and self.baseline < floor:
                self.baseline = floor

        RepEngine._take_baseline = floored
    elif variant.startswith("min-samples-"):
        try:
            n_min = int(variant[len("min-samples-"):])
        except ValueError:
            raise SystemExit(f"variant {variant!r}: min-samples-N needs a whole number of frames") from None
        import device.core.engine as engine_module

        engine_module.sustained_max = functools.partial(engine_module.sustained_max, min_frames=n_min)
    elif variant == "truth-reference":
        take = RepEngine._take_baseline

        def from_truth(self, t, events):
            take(self, t, events)
            if self.baseline is not None and _TRUTH_REFERENCE.get(_CURRENT[0]) is not None:
                self.baseline = _TRUTH_REFERENCE[_CURRENT[0]]

        RepEngine._take_baseline = from_truth
    elif variant.startswith("baseline-grow-"):
        try:
            n_full = int(variant[len("baseline-grow-"):])
        except ValueError:
            raise SystemExit(f"variant {variant!r}: baseline-grow-N needs a whole number of samples") from None
        import device.core.engine as engine_module

        engine_module.BASELINE_FULL_SAMPLES = n_full
        engine_module.BASELINE_SAMPLES = max(engine_module.BASELINE_SAMPLES, n_full)
    elif variant == "baseline-rolling":
        begin = RepEngine._begin_rep

        def begin_rolling(self, start_s, t, events):
            if self.set_active and self.baseline is not None:
                self._baseline_n = -1  # taken again from the latest standing samples
            begin(self, start_s, t, events)

        import device.core.engine as engine_module

        engine_module.BASELINE_FULL_SAMPLES = 10 ** 9
        RepEngine._begin_rep = begin_rolling
    elif variant.startswith("baseline-conf-"):
        try:
            c_min = float(variant[len("baseline-conf-"):])
        except ValueError:
            c_min = -1.0
        if not 0.0 <= c_min <= 1.0:
            raise SystemExit(f"variant {variant!r}: baseline-conf-C needs a confidence from 0 to 1, "
                             "e.g. baseline-conf-0.8")
        import device.core.engine as engine_module

        step, take, begin = RepEngine._step, RepEngine._take_baseline, RepEngine._begin_rep

        def step_conf(self, t, events):
            backs = self._standing_backs
            last = backs[-1] if backs else None
            step(self, t, events)
            if backs and backs[-1] is not last:  # a standing sample was kept: remember its confidence
                p = self._fresh_posture(t)
                if not hasattr(self, "_sample_conf"):
                    self._sample_conf = {}
                self._sample_conf[backs[-1][0]] = p.back_conf if p is not None else 0.0

        def confident(self):
            conf = getattr(self, "_sample_conf", {})
            return [b for tt, b in self._standing_backs if conf.get(tt, 0.0) >= c_min]

        def take_conf(self, t, events):
            take(self, t, events)
            good = confident(self)
            self._conf_n = 0
            if self.baseline is not None and len(good) >= engine_module.BASELINE_MIN_SAMPLES:
                self.baseline = statistics.median(good)
                if self.rounding_floor_deg is not None:
                    self.baseline = min(max(self.baseline, self.rounding_floor_deg), self.rounding_ceiling_deg)
                self._conf_n = len(good)

        def begin_conf(self, start_s, t, events):
            if self.set_active and self.baseline is not None:
                n, had = len(confident(self)), getattr(self, "_conf_n", 0)
                if had < engine_module.BASELINE_FULL_SAMPLES and n >= engine_module.BASELINE_MIN_SAMPLES and n > had:
                    self._baseline_n = -1  # taken again at this rep's start
            begin(self, start_s, t, events)

        RepEngine._step, RepEngine._take_baseline, RepEngine._begin_rep = step_conf, take_conf, begin_conf
    else:
        raise SystemExit(f"unknown variant {variant!r}: {VARIANTS}")


VARIANTS = ("none, largest-held, gap-1.0, bottom-median, bottom-qN (e.g. bottom-q75), bottom-held, held-median-S (e.g. "
            "held-median-0.5), offset-N, noise-0.5, scatter-N (e.g. scatter-8), floor-N (e.g. floor-8), "
            "truth-reference, min-samples-N, baseline-grow-N (e.g. baseline-grow-120), baseline-rolling, "
            "baseline-conf-C (e.g. baseline-conf-0.8)")
# truth-reference: the spec being replayed, and the reference each loose-top spec is given.
_CURRENT: list = [None]
_TRUTH_REFERENCE: dict = {}


def _parse(spec: str) -> Optional[tuple[str, int, float, float]]:
    """(kind, seed, frame rate or 0 for the scene's own, shading) of ``r:SEED[@FPS]`` or ``NAME:SEED``, each
    optionally ``~SHADING``; None for anything else."""
    body, _, shade = spec.partition("~")
    kind, _, seed = body.partition(":")
    seed, _, fps = seed.partition("@")
    try:
        shading = float(shade) if shade else 0.0
    except ValueError:
        return None
    if not seed.isdigit() or (fps and (kind != "r" or not fps.isdigit())) or not 0.0 <= shading <= 0.8:
        return None
    return kind, int(seed), float(fps or 0), shading


def _scene(spec: str):
    """The scene a spec was recorded from (built again: cheap, nothing is rendered)."""
    from device.sim.scenarios import get_scenario, random_scenario
    parts = _parse(spec)
    if parts is None:
        raise ValueError(f"{spec}: not a spec (r:SEED, r:SEED@FPS or NAME:SEED, each optionally ~SHADING)")
    kind, seed, fps, shading = parts
    if kind == "r":
        return random_scenario(seed, n_reps=8, fps=fps or 15.0, max_shading=shading)
    return get_scenario(kind, seed, shading=shading)


def _run(d: dict) -> tuple[RepEngine, list, list]:
    """Re-run the engine on one recorded spec: the engine, the references it took, its posture samples."""
    taken: list[float] = []
    posture: list = []
    eng = None
    for name, args, kw in d["calls"]:
        if name == "__init__":
            eng = RepEngine(*args, **kw)
            take = eng._take_baseline

            def spy(t, events, _take=take, _eng=eng):
                _take(t, events)
                if _eng.baseline is not None:
                    taken.append(_eng.baseline)
            eng._take_baseline = spy
        else:
            if name == "feed_posture":
                posture.append(args[0])
            getattr(eng, name)(*args, **kw)
    return eng, taken, posture


def _references(paths: list[Path]) -> dict:
    """Per spec: (top, the truth's standing bend, the median reference the engine took, or None)."""
    out = {}
    for path in paths:
        for spec, d in pickle.loads(path.read_bytes()).items():
            sc = _scene(spec)
            _, taken, _ = _run(d)
            out[spec] = (sc.body.top, sc.standing_bend_deg, statistics.median(taken) if taken else None)
    return out


def stats(paths: list[Path]) -> int:
    """What the recordings say about the standing reference and the rounding, per top and per rep kind."""
    runs = 0
    by_top: dict = {}
    errs: dict = {}
    gaps: dict = {}
    high = {"rounded": [0, 0], "other": [0, 0]}
    for path in paths:
        for spec, d in pickle.loads(path.read_bytes()).items():
            runs += 1
            sc = _scene(spec)
            top, truth_standing = sc.body.top, sc.standing_bend_deg
            eng, taken, posture = _run(d)
            c = compare(eng.reps, d["truth"], d["expected"])
            for i_rep, i_truth in c.pairs:
                rep, tr = eng.reps[i_rep], d["truth"][i_truth]
                if rep.rounding_deg is not None:
                    errs.setdefault(tr.kind, []).append(rep.rounding_deg - tr.peak_rounding_deg)
            if not taken:
                continue
            ref = statistics.median(taken)
            by_top.setdefault(top, []).append((ref, truth_standing))
            # The good reps' hinged bend error against the reference's own error: the two cancel in
            # the rounding where they are equal; where the hinged back reads less straight than the
            # standing one, good reps gain rounding.
            hinged = [(eng.reps[i].rounding_deg + ref) - (d["truth"][j].peak_rounding_deg + truth_standing)
                      for i, j in c.pairs if eng.reps[i].rounding_deg is not None
                      and d["truth"][j].peak_rounding_deg <= eng.th.rounding_deg]
            if hinged:
                gap = statistics.median(hinged) - (ref - truth_standing)
                gaps.setdefault(top, []).append((gap, spec, ref - truth_standing, statistics.median(hinged)))
            for tr in d["truth"]:
                cls = "rounded" if tr.peak_rounding_deg > eng.th.rounding_deg else "other"
                bends = [p.back_bend_deg - ref for p in posture if tr.start_s <= p.t <= tr.end_s
                         and p.back_bend_deg is not None and p.back_conf >= eng.th.min_conf]
                high[cls][0] += len(bends)
                high[cls][1] += sum(b > HIGH_BEND_DEG for b in bends)
    print(f"{runs} recorded runs")
    print("the standing reference the engine took, by top (deg; measured on the station's scale, truth = the "
          "drawn back's bend standing):")
    for top, xs in sorted(by_top.items()):
        r = sorted(x[0] for x in xs)
        print(f"  {top:7s} {len(xs):3d} runs: reference min {r[0]:6.1f}, median {statistics.median(r):5.1f}, "
              f"max {r[-1]:5.1f}; truth min {min(x[1] for x in xs):5.1f}; reference - truth median "
              f"{statistics.median(x[0] - x[1] for x in xs):+5.1f}")
    print("a rep's rounding minus the truth's, by the kind of rep the athlete did (deg):")
    for kind, e in sorted(errs.items()):
        print(f"  {kind:9s} {len(e):4d} reps: median {statistics.median(e):+5.2f}, mean {statistics.mean(e):+5.2f}")
    print("the good reps' hinged bend error minus the reference's error, per run, by top (deg; positive: the "
          "hinged back reads less straight than the standing one, so good reps gain rounding):")
    for top, xs in sorted(gaps.items()):
        far = sorted((x for x in xs if abs(x[0]) > GAP_DEG), reverse=True)
        print(f"  {top:7s} {len(xs):3d} runs: median {statistics.median(x[0] for x in xs):+5.1f}; beyond "
              f"{GAP_DEG:g}: " + (", ".join(f"{spec} {g:+.1f} (reference {r:+.1f}, hinged {h:+.1f})"
                                          for g, spec, r, h in far) or "none"))
    print(f"seen frames of a rep whose back read more than {HIGH_BEND_DEG:g} deg above the reference:")
    for cls, (n, k) in high.items():
        print(f"  {'truly rounded reps' if cls == 'rounded' else 'all other reps':18s} {k:5d} of {n:6d} frames")
    return 0


HIGH_BEND_DEG = 25.0
GAP_DEG = 4.0


def replay(paths: list[Path], variant: str, changed: bool) -> int:
    if variant == "truth-reference":
        # Loose-top runs judged against the truth's standing bend put on the station's scale (plus the
        # median offset the fitted tops' references read at, in the same recordings).
        refs = _references(paths)
        fitted = [ref - truth for top, truth, ref in refs.values() if top == "fitted" and ref is not None]
        offset = statistics.median(fitted) if fitted else 0.0
        _TRUTH_REFERENCE.update({spec: truth + offset for spec, (top, truth, _) in refs.items() if top == "loose"})
        print(f"truth-reference: {len(_TRUTH_REFERENCE)} loose-top runs given the truth's standing bend "
              f"{offset:+.1f} deg (the fitted tops' median offset)")
    _patch(variant)
    runs = exact = right = total = recorded_right = 0
    kinds: dict[str, int] = {}
    round_err: list[float] = []
    for path in paths:
        for spec, d in pickle.loads(path.read_bytes()).items():
            _CURRENT[0] = spec
            eng, _, _ = _run(d)
            c = compare(eng.reps, d["truth"], d["expected"])
            runs += 1
            exact += c.exact
            right += c.verdicts_right
            total += c.matched + len(c.missed)
            recorded_right += d["right"]["verdicts_right"]
            for i_rep, i_truth in c.pairs:
                if eng.reps[i_rep].rounding_deg is not None:
                    round_err.append(abs(eng.reps[i_rep].rounding_deg - d["truth"][i_truth].peak_rounding_deg))
            for _, want, got in c.wrong:
                kinds[f"{want} -> {got}"] = kinds.get(f"{want} -> {got}", 0) + 1
            now = [r.verdict.value for r in eng.reps]
            if changed and now != d["verdicts"]:
                diff = [(i, a, b) for i, (a, b) in enumerate(zip(d["verdicts"], now)) if a != b]
                print(f"{spec}: changed {diff or (d['verdicts'], now)}; wrong now {c.wrong}")
    print(f"variant {variant}: {runs} runs, {exact} exact, verdicts right {right}/{total} (recorded {recorded_right})")
    if round_err:
        print(f"rounding against the truth's peak: median error {statistics.median(round_err):.2f} deg over "
              f"{len(round_err)} matched reps given a rounding")
    if kinds:
        print("wrong: " + ", ".join(f"{k} x{n}" for k, n in sorted(kinds.items(), key=lambda kv: -kv[1])))
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("record", help="run scenes through the whole station and keep the engine's input")
    r.add_argument("out", type=Path)
    r.add_argument("specs", nargs="+", help="r:SEED (random scene) or NAME:SEED (built-in scenario), ~K for shading K")
    r.add_argument("--enlarge-to", type=int, default=0, metavar="ROWS",
                   help="round 71's experiment: frames shorter than ROWS measured enlarged to ROWS (not the product)")
    p = sub.add_parser("replay", help="re-run the engine on recordings")
    p.add_argument("recordings", nargs="+", type=Path)
    p.add_argument("--variant", default="none", help=VARIANTS)
    p.add_argument("--changed", action="store_true", help="list every scene whose verdicts changed")
    st = sub.add_parser("stats", help="the standing reference by top, the rounding error by rep kind")
    st.add_argument("recordings", nargs="+", type=Path)
    a = ap.parse_args()
    if a.cmd == "record":
        return record(a.out, a.specs, a.enlarge_to)
    missing = [str(x) for x in a.recordings if not x.is_file()]
    if missing:
        print(f"no such recording: {', '.join(missing)} (make one with: engine_replay.py record OUT.pkl r:400 ...)",
              file=sys.stderr)
        return 2
    if a.cmd == "stats":
        return stats(a.recordings)
    return replay(a.recordings, a.variant, a.changed)


if __name__ == "__main__":
    sys.exit(main())
