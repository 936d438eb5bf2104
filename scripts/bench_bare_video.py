#!/usr/bin/env python3
"""`analyze` on bare videos of the synthetic athlete: what a clinician's phone video of the drill gets.

The station sees hip contact; a phone video does not, so its reps are found from the hips' path and the
trunk alone (DOMAIN.md: "In a video with no proximity trace, contact is unknown, so shallow is never
judged there"). This renders built-in scenarios to plain MP4 files (no proximity trace, no recording
folder: what a phone gives), runs ``device.analyze.analyze`` on each as ``python -m device analyze VIDEO``
does, and compares the reps with the scene's truth (``device.report.compare``: a rep matches the truth rep
whose span holds its bottom).

What the truth expects of a bare video:
- a ``shallow`` rep of the drill is a lean of 20-28 deg that stops at the wall; without the sensor it is
  neither a hinge (30 deg) nor a squat, so it is left out of the truth (printed apart when found);
- the other reps keep their faults, but only the checks the exercise applies can be said: with no
  ``--exercise`` the rules every hinge shares (rounding, squat pattern, heel lift), with
  ``--exercise wall-drill`` all of them. The expected verdict is the first of those faults in
  DOMAIN.md's order, else ``good``.

Prints one line per scene and the totals. Rendering and the pose model make this slow (about a minute
and a half a scene at 15 fps on one core); nothing here is a test.

    python scripts/bench_bare_video.py --scenes mixed:0 mixed:1 mixed:2 --exercise wall-drill
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import cv2

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from device.analyze import analyze  # noqa: E402
from device.config import Config  # noqa: E402
from device.core.exercises import ANY_HINGE, get_exercise  # noqa: E402
from device.core.types import FAULT_ORDER, Verdict  # noqa: E402
from device.report import compare  # noqa: E402
from device.sim.scenarios import get_scenario  # noqa: E402


def render_video(name: str, seed: int, fps: float, out: Path, size: tuple[int, int] = (640, 480)):
    """The scene as a phone would film it: every frame in an MP4, nothing else."""
    sc = get_scenario(name, seed, fps=fps, width=size[0], height=size[1])
    writer = None
    for t in sc.frame_times():
        img = sc.render(t)
        if writer is None:
            writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), fps, (img.shape[1], img.shape[0]))
            if not writer.isOpened():
                raise SystemExit(f"cannot write {out}")
        writer.write(img)
    if writer is not None:
        writer.release()
    return sc


def expected_truth(sc, checks: frozenset[str]) -> tuple[list, list]:
    """(truth reps a bare video should find, with the verdict it can give; the drill's shallow reps)."""
    judged = {Verdict.ROUNDED: "rounding", Verdict.SQUAT: "squat", Verdict.KNEE_LOCK: "knee_lock",
              Verdict.HEEL_LIFT: "heel_lift", Verdict.TOO_FAST: "tempo"}
    keep, shallow = [], []
    for tr in sc.reps:
        if tr.kind == "shallow":
            shallow.append(tr)
            continue
        faults = [v for v in FAULT_ORDER if v.value in tr.faults and judged.get(v) in checks]
        verdict = faults[0].value if faults else ("good" if tr.seen else "unchecked")
        keep.append(SimpleNamespace(index=tr.index, start_s=tr.start_s, end_s=tr.end_s, verdict=verdict))
    return keep, shallow


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scenes", nargs="+", default=[f"mixed:{s}" for s in range(3)],
                    help="NAME:SEED of built-in scenarios (default: mixed:0 mixed:1 mixed:2)")
    ap.add_argument("--fps", type=float, default=15.0, help="frames per second of the rendered video")
    ap.add_argument("--exercise", default=None, help="passed to analyze (default: none, as a clinician who names nothing)")
    ap.add_argument("--size", default="640x480", help="WIDTHxHEIGHT of the rendered video (default 640x480; a phone "
                    "films 1280x720 or more)")
    ap.add_argument("--keep", type=Path, default=None, help="keep the rendered videos in this folder")
    a = ap.parse_args()
    try:
        size = tuple(int(v) for v in a.size.lower().split("x"))
        if len(size) != 2:
            raise ValueError
    except ValueError:
        ap.error(f"--size {a.size!r}: give WIDTHxHEIGHT, e.g. 1280x960")
    ex = get_exercise(a.exercise) if a.exercise else ANY_HINGE
    print("command: python scripts/bench_bare_video.py " + " ".join(sys.argv[1:]))
    print(f"checks that apply ({ex.name}): {', '.join(sorted(ex.checks))}; video {size[0]}x{size[1]} at {a.fps:g} fps")
    tot = dict(truth=0, found=0, right=0, extra=0, exact=0, shallow_found=0)
    folder = a.keep or Path(tempfile.mkdtemp(prefix="wallhinge-bare-"))
    folder.mkdir(parents=True, exist_ok=True)
    t_start = time.time()
    for k, spec in enumerate(a.scenes, 1):
        name, _, seed = spec.partition(":")
        video = folder / f"{name}_{seed or 0}.mp4"
        sc = render_video(name, int(seed or 0), a.fps, video, size)
        report = analyze(video, Config(), exercise=a.exercise)
        # numbered by position in the report, so reps[i - 1] is rep i whatever the report numbers them
        reps = [SimpleNamespace(index=j, bottom_s=d["bottom_s"], verdict=Verdict(d["verdict"]),
                                counted=d["counted"]) for j, d in enumerate(report["reps"], 1)]
        truth, shallow = expected_truth(sc, ex.checks)
        cmp = compare(reps, truth, expected_counted=sum(1 for t in truth if t.verdict == "good"))
        # reps matching no kept truth rep but lying on a drill's shallow rep are not extra: said apart
        on_shallow = [i for i in cmp.extra
                      if any(s.start_s - 0.3 <= reps[i - 1].bottom_s <= s.end_s + 0.3 for s in shallow)]
        extra = [i for i in cmp.extra if i not in on_shallow]
        exact = not cmp.missed and not extra and not cmp.wrong
        tot["truth"] += len(truth)
        tot["found"] += cmp.matched
        tot["right"] += cmp.verdicts_right
        tot["extra"] += len(extra)
        tot["exact"] += exact
        tot["shallow_found"] += len(on_shallow)
        line = (f"{spec}: {cmp.matched}/{len(truth)} reps found, {cmp.verdicts_right} verdicts right, "
                f"counted {cmp.counted}/{cmp.expected_counted}")
        if exact:
            line += "; exact"
        if cmp.missed:
            line += f"; missed truth {cmp.missed}"
        if extra:
            line += f"; extra reps {extra}"
        if cmp.wrong:
            line += f"; wrong {[(i, e, g) for i, e, g in cmp.wrong]}"
        if on_shallow:
            line += f"; {len(on_shallow)} of the drill's {len(shallow)} shallow leans found as reps"
        print(f"{line}   [{k}/{len(a.scenes)}, {time.time() - t_start:.0f} s]", flush=True)
    n = len(a.scenes)
    print(f"total: {tot['found']}/{tot['truth']} reps found, {tot['right']} verdicts right, {tot['extra']} extra, "
          f"{tot['exact']} of {n} scenes exact; the drill's shallow leans found as reps: {tot['shallow_found']}")
    if a.keep is None:
        for f in folder.glob("*.mp4"):
            f.unlink()
        folder.rmdir()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
