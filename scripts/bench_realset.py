#!/usr/bin/env python3
"""Rounding and reps on real footage: the development set in ../shared/realset (never in tests).

Two figures, both on the clips that ``../shared/realset/build.py`` extracts (fetch the
repositories it names first; the clips are evaluation data only and never committed):

1. **The product as a clinician runs it**: ``score.py`` runs ``python -m device analyze CLIP
   --json`` on every clip and prints per clip, per person and the ``DEV:`` line (counts, reps
   found, rounded-vs-not balanced accuracy).
2. **Leave-one-person-out check of the one number fitted on this data**, the pose estimator's
   rounding floor (``PoseGuidedEstimator.rounding_floor_deg``): for each of the 18 people, the
   cut on the back's bend is chosen on the other 17 people's labelled reps (best balanced
   accuracy) and applied to the held-out person's. The bend of a rep is the largest back bend the
   estimator measured from 10 frames before the labelled bottom to 40 % of the way to lockout. A
   rep whose back is unseen counts as "not rounded". Printed: the held-out balanced accuracy and
   the range of cuts the folds chose (the product's cut is floor + ``thresholds.rounding_deg``).

usage: python scripts/bench_realset.py CLIPS_DIR [--raw DIR] [--skip-score] [--skip-lopo]

``--raw DIR`` keeps each clip's report (score.py's ``--raw``), so a rerun with ``--reuse`` in
score.py is instant. Both parts run MediaPipe pose on every frame: about 5 minutes each here.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
PROJECT = HERE.parent
REALSET = PROJECT.parent / "shared" / "realset"


def ba(pairs: list[tuple[bool, bool]]) -> tuple[float, tuple[int, int, int, int]]:
    """Balanced accuracy of (truth rounded, said rounded) pairs, with (tp, fp, tn, fn)."""
    tp = sum(y and p for y, p in pairs)
    fn = sum(y and not p for y, p in pairs)
    fp = sum(p and not y for y, p in pairs)
    tn = sum(not y and not p for y, p in pairs)
    rec = tp / (tp + fn) if tp + fn else 0.0
    spec = tn / (tn + fp) if tn + fp else 0.0
    return (rec + spec) / 2, (tp, fp, tn, fn)


def rep_bends(clips: pathlib.Path, labels: dict) -> list[tuple[str, bool, float | None]]:
    """(person, labelled rounded, the rep's largest measured bend or None) for every labelled rep."""
    sys.path.insert(0, str(PROJECT))
    from device.recording import open_recording
    from device.vision.pose import PoseGuidedEstimator

    out = []
    for n, (name, lab) in enumerate(labels.items(), 1):
        path = clips / name
        if not path.exists():
            print(f"  {name}: missing (run build.py)", file=sys.stderr)
            continue
        t0 = time.monotonic()
        bends: list[float | None] = []
        with PoseGuidedEstimator() as est:
            for f in open_recording(path).frames():
                p = est.process(f)
                bends.append(p.back_bend_deg if p.back_bend_deg is not None and p.back_conf >= 0.5 else None)
        for r in lab["reps"]:
            b, lo = r["bottom"], r["lockout"]
            window = [x for x in bends[max(0, b - 10): b + max(1, int(0.4 * (lo - b))) + 1] if x is not None]
            out.append((lab["person"], r["spine"] == "R", max(window) if window else None))
        print(f"  [{n}/{len(labels)}] {name}: {len(bends)} frames in {time.monotonic() - t0:.0f} s", file=sys.stderr)
    return out


def lopo(reps: list[tuple[str, bool, float | None]]) -> None:
    from device.config import Config
    from device.vision.pose import PoseGuidedEstimator

    persons = sorted({p for p, _, _ in reps})
    held_out: list[tuple[bool, bool]] = []
    cuts = []
    for person in persons:
        train = [(y, v) for p, y, v in reps if p != person and v is not None]
        candidates = sorted({v for _, v in train})
        cut = max(candidates, key=lambda c: (ba([(y, v >= c) for y, v in train])[0], -c))
        cuts.append(cut)
        held_out += [(y, v is not None and v >= cut) for p, y, v in reps if p == person]
    score, (tp, fp, tn, fn) = ba(held_out)
    product_cut = PoseGuidedEstimator.rounding_floor_deg + Config().thresholds.rounding_deg
    fixed, (ftp, ffp, ftn, ffn) = ba([(y, v is not None and v >= product_cut) for _, y, v in reps])
    print(f"LOPO: rounded_BA={score:.3f} (tp={tp} fp={fp} tn={tn} fn={fn}) over {len(persons)} people; "
          f"cuts chosen {min(cuts):.1f}-{max(cuts):.1f} deg (median {sorted(cuts)[len(cuts) // 2]:.1f})")
    print(f"product cut {product_cut:.1f} deg on all labelled reps: rounded_BA={fixed:.3f} "
          f"(tp={ftp} fp={ffp} tn={ftn} fn={ffn}); back unseen on {sum(v is None for *_, v in reps)} reps")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("clips", type=pathlib.Path)
    ap.add_argument("--raw", type=pathlib.Path, help="keep each clip's report here (score.py --raw)")
    ap.add_argument("--skip-score", action="store_true", help="only the leave-one-person-out check")
    ap.add_argument("--skip-lopo", action="store_true", help="only score.py")
    a = ap.parse_args()
    score_py = REALSET / "score.py"
    if not score_py.exists():
        print(f"no {score_py}: this benchmark needs ../shared/realset beside the project", file=sys.stderr)
        return 2
    if not a.clips.is_dir():
        print(f"{a.clips} is not a folder: build the clips with python {REALSET / 'build.py'} MIRROR_DIR OUT_DIR",
              file=sys.stderr)
        return 2
    if not a.skip_score:
        cmd = [sys.executable, str(score_py), str(a.clips), "--python", sys.executable, "--project", str(PROJECT)]
        if a.raw:
            cmd += ["--raw", str(a.raw)]
        print("== the product: python -m device analyze on every clip (score.py)", flush=True)
        subprocess.run(cmd, check=False)
    if not a.skip_lopo:
        print("== leave-one-person-out check of the rounding cut (estimator level)", flush=True)
        labels = json.loads((REALSET / "labels.json").read_text())["clips"]
        lopo(rep_bends(a.clips, labels))
    return 0


if __name__ == "__main__":
    sys.exit(main())
