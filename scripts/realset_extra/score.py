#!/usr/bin/env python3
"""Score video analysis on the extra real clips (labels.json here) with the dev set's matching rule.

usage: python score.py CLIPS_DIR [--mode auto|named|both] [--python PY] [--project DIR]
                       [--raw DIR] [--reuse] [--only NAME...] [--score-py PATH]

Runs ``PY -m device analyze CLIP --json`` in the project folder for every clip in labels.json found in
CLIPS_DIR: ``auto`` without ``--exercise`` (the product chooses), ``named`` with the clip's labelled
``exercise_arg`` (clips without one are run as in auto), ``both`` (default) prints both.
Reported reps are matched to labelled reps with ``match()`` from the dev set's score.py
(../../../shared/realset/score.py, or --score-py), so figures compare with its DEV line.

Differences from the dev set's score.py, because this set has what that one lacks:
- a rep labelled spine "?" (back not judgeable by eye, e.g. front-oblique views) is left out of the
  rounded figures (the dev set's score.py would count it as "not rounded");
- a rep labelled ``squat: true`` (hips go down, trunk upright) should get the verdict ``squat``:
  printed as squat_R (squat reps judged squat) and squat_FP (reps labelled ``squat: false`` judged
  squat); ``squat: null`` (undecidable by DOMAIN.md's definition) is left out of both;
- counts are checked on whole-body clips in side view (as there) and, separately, on oblique ones.

Prints one line per clip, the rounded figures on side-view clips only (and how many of those reps the report
marked ``near_limit``, and how many of each were wrong against the label), and a line per mode:
  EXTRA[mode]: counts=a/b (oblique c/d) matched=m/n rounded_BA=x (tp fp tn fn) squat_R=i/j squat_FP=k/l
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import pathlib
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
PROJECT = HERE.parent.parent
DEV_SCORE = PROJECT.parent / "shared" / "realset" / "score.py"


def load_match(path: pathlib.Path):
    if not path.exists():
        sys.exit(f"no {path}: this scorer reuses the dev set's matching rule; pass --score-py PATH")
    spec = importlib.util.spec_from_file_location("dev_score", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.match


def analyze(py: str, project: str, clip: pathlib.Path, exercise: str | None, raw: pathlib.Path | None,
            reuse: bool):
    tag = exercise or "auto"
    saved = raw / f"{clip.name}.{tag}.json" if raw else None
    if reuse and saved and saved.exists():
        return json.loads(saved.read_text()), None
    cmd = [py, "-m", "device", "analyze", str(clip), "--json"] + (["--exercise", exercise] if exercise else [])
    p = subprocess.run(cmd, cwd=project, capture_output=True, text=True, timeout=1800)
    if p.returncode != 0:
        tail = (p.stderr or p.stdout).strip().splitlines()[-1:] or ["(no output)"]
        return None, f"exit {p.returncode}: {tail[0]}"
    try:
        report = json.loads(p.stdout)
    except json.JSONDecodeError as e:
        return None, f"not JSON: {e}"
    if saved:
        saved.parent.mkdir(parents=True, exist_ok=True)
        saved.write_text(p.stdout)
    return report, None


def score(mode: str, labels: dict, a, match) -> None:
    tp = fp = tn = fn = 0
    side = [0, 0, 0, 0]  # tp fp tn fn on side-view clips only
    matched = total = 0
    counts = {"side": [0, 0], "oblique": [0, 0]}
    sq_hit = sq_n = sq_fp = nsq_n = 0
    near = [0, 0, 0, 0]  # side views, labelled R/N/E reps: marked near the limit (right, wrong), not marked (right, wrong)
    for name, lab in labels.items():
        if a.only and name not in a.only:
            continue
        path = pathlib.Path(a.clips) / name
        if not path.exists():
            print(f"  {name}: missing (run build.py)")
            continue
        exercise = lab.get("exercise_arg") if mode == "named" else None
        report, err = analyze(a.python, a.project, path, exercise, a.raw, a.reuse)
        if err:
            print(f"  {name}: ERROR {err}")
            continue
        fps = float(lab["fps"])
        reps_l = lab["reps"]
        truth = [(r["bottom"] / fps, i) for i, r in enumerate(reps_l)]
        total += len(truth)
        reps = report.get("reps", [])
        accepted = lab["count"] if isinstance(lab["count"], list) else [lab["count"]]
        note = ""
        if lab.get("whole_body"):
            kind = "side" if lab.get("view") == "side" else "oblique"
            ok = len(reps) in accepted
            counts[kind][0] += ok
            counts[kind][1] += 1
            note = " count ok" if ok else f" COUNT WRONG (accepted {accepted})"
        pairs = match(reps, truth)
        matched += len(pairs)
        for i, r in pairs:
            lr = reps_l[i]
            said_rounded = r.get("verdict") == "rounded"
            cell = None
            if lr.get("spine") == "R":
                tp += said_rounded; fn += not said_rounded
                cell = 0 if said_rounded else 3
            elif lr.get("spine") in ("N", "E"):
                fp += said_rounded; tn += not said_rounded
                cell = 1 if said_rounded else 2
            if cell is not None and lab.get("view") == "side":
                side[cell] += 1
                wrong = cell in (1, 3)
                near[(0 if "rounding" in (r.get("near_limit") or []) else 2) + wrong] += 1
            said_squat = r.get("verdict") == "squat" or "squat" in (r.get("faults") or [])
            if lr.get("squat") is None:
                pass  # squat pattern not decidable by the label's definition: left out
            elif lr["squat"]:
                sq_n += 1; sq_hit += said_squat
            else:
                nsq_n += 1; sq_fp += said_squat
        print(f"  {name} [{exercise or 'auto'} -> {report.get('exercise')}]: reps={len(reps)} "
              f"labelled={len(truth)} matched={len(pairs)}{note} "
              f"verdicts={[r.get('verdict') for r in reps]} "
              f"labels={[r.get('spine') + ('/squat' if r.get('squat') else '') for r in reps_l]}")
    def bal(tp, fp, tn, fn):
        return ((tp / (tp + fn) if tp + fn else 0.0) + (tn / (tn + fp) if tn + fp else 0.0)) / 2
    print(f"EXTRA[{mode}] side view only: rounded_BA={bal(*side):.3f} "
          f"(tp={side[0]} fp={side[1]} tn={side[2]} fn={side[3]})")
    print(f"EXTRA[{mode}] side view only, near the limit (the report's near_limit): marked={near[0] + near[1]} "
          f"(wrong against the label {near[1]}), not marked={near[2] + near[3]} (wrong {near[3]})")
    rec = tp / (tp + fn) if tp + fn else 0.0
    spec = tn / (tn + fp) if tn + fp else 0.0
    print(f"EXTRA[{mode}]: counts={counts['side'][0]}/{counts['side'][1]} "
          f"(oblique {counts['oblique'][0]}/{counts['oblique'][1]}) matched={matched}/{total} "
          f"rounded_BA={(rec + spec) / 2:.3f} (tp={tp} fp={fp} tn={tn} fn={fn}) "
          f"squat_R={sq_hit}/{sq_n} squat_FP={sq_fp}/{nsq_n}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("clips")
    ap.add_argument("--mode", choices=("auto", "named", "both"), default="both")
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--project", default=str(PROJECT))
    ap.add_argument("--raw", type=pathlib.Path, help="folder to save each clip's report in")
    ap.add_argument("--reuse", action="store_true", help="read reports saved in --raw instead of running")
    ap.add_argument("--only", nargs="*", help="clip names to score (default: all)")
    ap.add_argument("--score-py", type=pathlib.Path, default=DEV_SCORE)
    a = ap.parse_args()
    match = load_match(a.score_py)
    labels = json.loads((HERE / "labels.json").read_text())["clips"]
    for mode in (("auto", "named") if a.mode == "both" else (a.mode,)):
        score(mode, labels, a, match)


if __name__ == "__main__":
    main()
