#!/usr/bin/env python3
"""Pin the vision estimators' output, to show a refactor changes nothing.

``record OUT.json`` runs

- the station's estimator on station recordings (``--recordings``, as ``analyze`` builds it),
- the station's silhouette estimator (:class:`device.vision.PostureEstimator`, segmenter
  "auto", wall side "auto") on rendered scenarios (default ``clean``, ``walk_in_out``,
  ``hoodie``, ``standing_start`` and ``camouflage``: the last two start on the learned mask
  and switch mask sources; seed 0, 15 fps, 3 reps, 640x480), and
- the pose-guided estimator (:class:`device.vision.pose.PoseGuidedEstimator`, default
  settings) on real clips (default: four from ``/work/clips``) and on one rendered scenario
  (``walk_in_out``: walking in and out, a lost track), skipped with a note when mediapipe
  or a clip is missing,

and writes, per frame, every :class:`PostureSample` field plus what the estimator kept
about the person (``last_debug``: wall side, facing, standing height, whole body, feet
still, notes; the pose estimator's ``last_hands_height``) to a JSON file.

``compare A.json B.json`` says whether two such files agree: numbers to ``--tol``
(default 1e-9, absolute), everything else exactly; it prints the first differences and
exits 1 if there are any (2 if the two files did not run the same inputs).

Usage::

    python scripts/pin_vision.py record /tmp/pin_before.json
    # ... change the code ...
    python scripts/pin_vision.py record /tmp/pin_after.json
    python scripts/pin_vision.py compare /tmp/pin_before.json /tmp/pin_after.json

The clips and the JSON files are not committed (the clips are real people's footage).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SCENARIOS = ("clean", "walk_in_out", "hoodie", "standing_start", "camouflage")
CLIPS_DIR = Path("/work/clips")
POSE_SCENARIOS = ("walk_in_out",)
CLIPS = ("jeff_nico_blocked.mp4", "jeff_good_bad.mp4", "bich_barbell_bad_form.mp4", "jrplatin_deadlift.mp4")


def _row(sample, debug, extra: dict | None = None) -> dict:
    row = {f.name: getattr(sample, f.name) for f in dataclasses.fields(sample)}
    if debug is not None:
        row["dbg"] = {
            "wall_side": debug.wall_side,
            "facing": debug.facing,
            "standing_height_px": debug.standing_height_px,
            "whole_body": debug.whole_body,
            "still": debug.still,
            "backend": debug.backend,
            "notes": list(debug.notes),
        }
    if extra:
        row.update(extra)
    return row


def run_silhouette(name: str, seed: int, fps: float, reps: int) -> list[dict]:
    from device.config import Config
    from device.io.frames import Frame
    from device.sim.scenarios import get_scenario
    from device.vision import PostureEstimator, make_segmenter

    cfg = Config()
    sc = get_scenario(name, seed, fps=fps, n_reps=reps)
    est = PostureEstimator(make_segmenter("auto"), wall_side="auto", standing_deg=cfg.thresholds.standing_deg)
    rows = []
    for i, t in enumerate(sc.frame_times()):
        s = est.process(Frame(i, t, sc.render(t)))
        rows.append(_row(s, est.last_debug))
    return rows


def run_recording(path: Path) -> list[dict]:
    """A station recording through the estimator ``analyze`` builds for it (config defaults, the
    recording's wall side), on the frames its reader decodes."""
    from device.config import Config
    from device.recording import open_recording
    from device.station import make_estimator

    rec = open_recording(path)
    cfg = Config()
    if rec.wall_side:
        cfg.camera.wall_side = rec.wall_side
    est = make_estimator(cfg, None, "silhouette")
    rows = []
    for frame in rec.frames():
        s = est.process(frame)
        rows.append(_row(s, est.last_debug))
    est.close()
    return rows


def run_pose(frames) -> list[dict]:
    from device.vision.pose import PoseGuidedEstimator

    rows = []
    with PoseGuidedEstimator() as est:
        for frame in frames:
            s = est.process(frame)
            rows.append(_row(s, est.last_debug, {"hands_height_attr": est.last_hands_height}))
    return rows


def clip_frames(path: Path):
    from device.recording import open_recording

    return open_recording(path).frames()


def scenario_frames(name: str, seed: int, fps: float, reps: int):
    from device.io.frames import Frame
    from device.sim.scenarios import get_scenario

    sc = get_scenario(name, seed, fps=fps, n_reps=reps)
    for i, t in enumerate(sc.frame_times()):
        yield Frame(i, t, sc.render(t))


def record(out: Path, scenarios: list[str], clips: list[str], pose_scenarios: list[str], seed: int, fps: float,
           reps: int, recordings: list[str] = ()) -> int:
    import importlib.util

    data: dict = {"silhouette": {}, "pose": {}, "skipped": []}
    for r in recordings:
        t0 = time.perf_counter()
        key = f"recording:{Path(r).name}"
        data["silhouette"][key] = run_recording(Path(r))
        print(f"silhouette {key}: {len(data['silhouette'][key])} frames, {time.perf_counter() - t0:.1f} s")
    for name in scenarios:
        t0 = time.perf_counter()
        data["silhouette"][name] = run_silhouette(name, seed, fps, reps)
        print(f"silhouette {name}: {len(data['silhouette'][name])} frames, {time.perf_counter() - t0:.1f} s")
    if (clips or pose_scenarios) and importlib.util.find_spec("mediapipe") is None:
        data["skipped"].append("pose: mediapipe not installed")
        print("pose runs skipped: mediapipe is not installed")
        clips, pose_scenarios = [], []
    for name in pose_scenarios:
        t0 = time.perf_counter()
        key = f"scenario:{name}"
        data["pose"][key] = run_pose(scenario_frames(name, seed, fps, reps))
        print(f"pose {key}: {len(data['pose'][key])} frames, {time.perf_counter() - t0:.1f} s")
    for c in clips:
        p = Path(c) if Path(c).is_absolute() else CLIPS_DIR / c
        if not p.exists():
            data["skipped"].append(f"pose: {p} missing")
            print(f"pose {p}: missing, skipped")
            continue
        t0 = time.perf_counter()
        data["pose"][p.name] = run_pose(clip_frames(p))
        print(f"pose {p.name}: {len(data['pose'][p.name])} frames, {time.perf_counter() - t0:.1f} s")
    out.write_text(json.dumps(data, default=_jsonable))
    print(f"wrote {out}")
    return 0


def _jsonable(o):
    if hasattr(o, "item"):  # numpy scalars
        return o.item()
    if dataclasses.is_dataclass(o):
        return dataclasses.asdict(o)
    raise TypeError(f"cannot pin a {type(o).__name__}")


def _diff(a, b, path: str, tol: float, out: list[str]) -> None:
    if isinstance(a, bool) or isinstance(b, bool) or not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
        if isinstance(a, dict) and isinstance(b, dict):
            for k in sorted(set(a) | set(b)):
                if k not in a or k not in b:
                    out.append(f"{path}.{k}: only in {'B' if k not in a else 'A'}")
                else:
                    _diff(a[k], b[k], f"{path}.{k}", tol, out)
        elif isinstance(a, list) and isinstance(b, list):
            if len(a) != len(b):
                out.append(f"{path}: {len(a)} vs {len(b)} items")
            for i, (x, y) in enumerate(zip(a, b)):
                _diff(x, y, f"{path}[{i}]", tol, out)
        elif a != b:
            out.append(f"{path}: {a!r} != {b!r}")
        return
    if math.isnan(a) and math.isnan(b):
        return
    if abs(a - b) > tol:
        out.append(f"{path}: {a!r} != {b!r} (diff {a - b:+.3g})")


def compare(a_path: Path, b_path: Path, tol: float) -> int:
    a, b = json.loads(a_path.read_text()), json.loads(b_path.read_text())
    runs_a = {(k, n): len(v) for k in ("silhouette", "pose") for n, v in a.get(k, {}).items()}
    runs_b = {(k, n): len(v) for k in ("silhouette", "pose") for n, v in b.get(k, {}).items()}
    if set(runs_a) != set(runs_b):
        print(f"the files ran different inputs: {sorted(runs_a)} vs {sorted(runs_b)}")
        return 2
    diffs: list[str] = []
    _diff({k: a[k] for k in ("silhouette", "pose")}, {k: b[k] for k in ("silhouette", "pose")}, "", tol, diffs)
    for (kind, name), n in sorted(runs_a.items()):
        print(f"{kind} {name}: {n} frames")
    if diffs:
        print(f"{len(diffs)} differences (tolerance {tol:g}); first ones:")
        for d in diffs[:20]:
            print("  " + d)
        return 1
    print(f"identical (numbers within {tol:g}): {sum(runs_a.values())} frames over {len(runs_a)} runs")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("record", help="run the estimators and write their output")
    r.add_argument("out", type=Path)
    r.add_argument("--scenarios", default=",".join(SCENARIOS), help="rendered scenarios (comma-separated)")
    r.add_argument("--clips", default=",".join(CLIPS), help=f"real clips for the pose estimator (names in {CLIPS_DIR} "
                   "or paths; empty: none)")
    r.add_argument("--pose-scenarios", default=",".join(POSE_SCENARIOS),
                   help="rendered scenarios for the pose estimator (comma-separated; empty: none)")
    r.add_argument("--recordings", default="", help="station recording folders (python -m device simulate --record "
                   "DIR) run through the station's estimator as analyze builds it (comma-separated; default: none)")
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--fps", type=float, default=15.0)
    r.add_argument("--reps", type=int, default=3)
    c = sub.add_parser("compare", help="compare two recorded files")
    c.add_argument("a", type=Path)
    c.add_argument("b", type=Path)
    c.add_argument("--tol", type=float, default=1e-9)
    args = ap.parse_args(argv)
    if args.cmd == "record":
        if args.out.exists():
            print(f"{args.out} exists; choose a new file name (nothing was written)")
            return 2
        split = lambda s: [x for x in s.split(",") if x]  # noqa: E731
        return record(args.out, split(args.scenarios), split(args.clips), split(args.pose_scenarios), args.seed,
                      args.fps, args.reps, split(args.recordings))
    for p in (args.a, args.b):
        if not p.exists():
            print(f"{p}: no such file (make it with: python scripts/pin_vision.py record {p})")
            return 2
    return compare(args.a, args.b, args.tol)


if __name__ == "__main__":
    sys.exit(main())
