#!/usr/bin/env python3
"""The silhouette measures alone, replayed on the inputs a real run gave them: speed and exactness.

    .venv/bin/python scripts/bench_silhouette.py capture REC OUT.pkl [--every 2]
    .venv/bin/python scripts/bench_silhouette.py compare OUT.pkl [OUT2.pkl ...] --before OLD_CHECKOUT
        [--root CHECKOUT] [--repeats 7]

``capture`` runs ``python -m device analyze``'s own ``analyze()`` in-process on a station recording
(``python -m device simulate --scenario S --record REC``) and keeps every ``--every``-th call of
``measure_silhouette`` the estimator makes (the person's crop, the wall side, the standing height,
the colour patch and the keyword arguments) in a pickle.

``compare`` loads ``device.vision.silhouette`` from two checkouts (``--root``, default this one, and
``--before``), runs both on every captured call and checks that every field of the answers is the
same bit for bit (floats compared with ``==``, NaN equal to NaN; arrays by their bytes); then times
each side (``time.thread_time``, one thread: ``cv2.setNumThreads(1)``) over all calls, the two sides
interleaved call by call (a shared machine's load changes by the second), and prints the median
microseconds per call of each side over ``--repeats`` passes and the median of the per-pass after /
before ratios.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import math  # noqa: E402
import pickle  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def capture(rec: Path, out: Path, every: int) -> None:
    sys.path.insert(0, str(ROOT))
    import device.vision.estimator as E
    from device.analyze import analyze

    orig = E.measure_silhouette
    calls: list = []
    count = [0]

    def keep(*args, **kw):
        if count[0] % every == 0:
            calls.append(pickle.dumps((args, kw), protocol=pickle.HIGHEST_PROTOCOL))
        count[0] += 1
        return orig(*args, **kw)

    E.measure_silhouette = keep
    try:
        analyze(str(rec))
    finally:
        E.measure_silhouette = orig
    out.write_bytes(pickle.dumps(calls, protocol=pickle.HIGHEST_PROTOCOL))
    print(f"{rec}: {count[0]} calls, kept {len(calls)} in {out}")


def load_module(root: Path, name: str):
    """``device/vision/silhouette.py`` of a checkout, imported under its own module name."""
    spec = importlib.util.spec_from_file_location(name, root / "device" / "vision" / "silhouette.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def same(a, b) -> bool:
    if a is None or b is None:
        return a is b
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()
    if isinstance(a, (tuple, list)):
        return isinstance(b, (tuple, list)) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) or isinstance(b, float):
        if type(a) is not type(b):
            return False
        return (math.isnan(a) and math.isnan(b)) or a == b
    return type(a) is type(b) and a == b


def diff_fields(r1, r2) -> list[str]:
    if r1 is None or r2 is None:
        return [] if r1 is r2 else ["None"]
    return [k for k in vars(r1) if not same(getattr(r1, k), getattr(r2, k))]


def run_all(mod, calls) -> list:
    fn = mod.measure_silhouette
    # The estimator's own two steps: the measures on the crop, then moved to the frame.
    out = []
    for args, kw, dx, dy in calls:
        r = fn(*args, **kw)
        if r is not None and (dx or dy):
            r = mod.shift_measures(r, dx, dy)
        out.append(r)
    return out


def time_pair(mods, calls, first: int) -> list[float]:
    """Thread CPU seconds of each module over all calls, the two run call by call in turn (which goes
    first alternates from call to call), so that the machine's load weighs on both alike."""
    fns = [(m.measure_silhouette, m.shift_measures) for m in mods]
    tot = [0.0, 0.0]
    tt = time.thread_time
    for i, (args, kw, dx, dy) in enumerate(calls):
        for k in ((0, 1) if (i + first) % 2 == 0 else (1, 0)):
            fn, shift = fns[k]
            t0 = tt()
            r = fn(*args, **kw)
            if r is not None:
                shift(r, dx, dy)
            tot[k] += tt() - t0
    return tot


def compare(pkls: list[Path], root: Path, before: Path, repeats: int) -> int:
    cv2.setNumThreads(1)
    sys.path.insert(0, str(root))  # the pickled BodyModel (both sides read only its fields)
    calls = []
    for p in pkls:
        for blob in pickle.loads(p.read_bytes()):
            args, kw = pickle.loads(blob)
            calls.append((args, kw, 3, 5))  # a crop's offset in the frame (any: both sides get the same)
    new = load_module(root, "silhouette_after")
    old = load_module(before, "silhouette_before")
    bad = 0
    for i, (a, b) in enumerate(zip(run_all(new, calls), run_all(old, calls))):
        d = diff_fields(a, b)
        if d:
            bad += 1
            if bad <= 10:
                print(f"call {i}: differs in {d}")
    print(f"{len(calls)} calls: {'identical' if not bad else f'{bad} differ'}")
    t_new, t_old, ratios = [], [], []
    for k in range(repeats):
        a, b = time_pair((new, old), calls, k)
        t_new.append(a)
        t_old.append(b)
        ratios.append(a / b)
    us = 1e6 / len(calls)
    print(f"before {statistics.median(t_old) * us:.1f} us/call (runs {min(t_old) * us:.1f}-{max(t_old) * us:.1f}); "
          f"after {statistics.median(t_new) * us:.1f} us/call (runs {min(t_new) * us:.1f}-{max(t_new) * us:.1f}); "
          f"after / before run by run: median {statistics.median(ratios):.3f} ({min(ratios):.3f}-{max(ratios):.3f})")
    return 1 if bad else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("capture")
    c.add_argument("rec", type=Path)
    c.add_argument("out", type=Path)
    c.add_argument("--every", type=int, default=2)
    m = sub.add_parser("compare")
    m.add_argument("pkls", type=Path, nargs="+")
    m.add_argument("--root", type=Path, default=ROOT)
    m.add_argument("--before", type=Path, required=True)
    m.add_argument("--repeats", type=int, default=7)
    a = ap.parse_args()
    if a.cmd == "capture":
        capture(a.rec, a.out, a.every)
        return 0
    return compare(a.pkls, a.root, a.before, a.repeats)


if __name__ == "__main__":
    sys.exit(main())
