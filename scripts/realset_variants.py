#!/usr/bin/env python3
"""Copies of real clips mirrored left to right, or shrunk, to score with the real sets' own ``score.py``.

The held-out lifters face either way and come at any size; the development clips each face one way at
the size they were filmed. This writes every clip of CLIPS_DIR again into OUT_DIR (same names, so the
labels still apply), upright, as MJPEG at quality 95:

- ``--mirror``: flipped left to right (the lifter faces the other way);
- ``--long-side N``: shrunk (area) so the longer side is at most N px, as a messaging app does;
- neither: written again unchanged, the control (the new encoding alone).

    python scripts/realset_variants.py /work/clips /tmp/clips_mirror --mirror
    python scripts/realset_variants.py /work/clips /tmp/clips_again
    python ../shared/realset/score.py /tmp/clips_mirror --python .venv/bin/python

docs/real-footage.md round 15 has what these gave. OUT_DIR must be new or empty: an input is never
written over. Nothing here is a test (the clips are not in the repository). OpenCV says, once a clip, that
MJPEG goes into an .mp4 under another tag ("fallback to use tag 'mp4v'"): the copies keep their names,
since the labels go by name, and OpenCV reads them back as written.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import cv2

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from device.io.video_file import open_upright  # noqa: E402

VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".avi")


def write_variant(src: Path, dst: Path, mirror: bool, long_side: int) -> int:
    """``src`` written to ``dst`` mirrored and/or shrunk; the number of frames written (0: none read)."""
    cap = open_upright(src)
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    out = None
    n = 0
    try:
        while True:
            ok, img = cap.read()
            if not ok or img is None:
                break
            if mirror:
                img = cv2.flip(img, 1)
            h, w = img.shape[:2]
            k = long_side / max(h, w) if long_side else 1.0
            if k < 1.0:
                img = cv2.resize(img, (max(1, round(w * k)), max(1, round(h * k))), interpolation=cv2.INTER_AREA)
            if out is None:
                out = cv2.VideoWriter(str(dst), cv2.VideoWriter_fourcc(*"MJPG"), fps, (img.shape[1], img.shape[0]))
                out.set(cv2.VIDEOWRITER_PROP_QUALITY, 95)
                if not out.isOpened():
                    raise OSError(f"cannot write {dst}")
            out.write(img)
            n += 1
    finally:
        cap.release()
        if out is not None:
            out.release()
    return n


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("clips", type=Path, help="folder of the real clips")
    ap.add_argument("out", type=Path, help="new (or empty) folder for the copies")
    ap.add_argument("--mirror", action="store_true", help="flip every clip left to right")
    ap.add_argument("--long-side", type=int, default=0, help="shrink so the longer side is at most this (px)")
    a = ap.parse_args(argv)
    if not a.clips.is_dir():
        print(f"error: {a.clips} is not a folder of clips", file=sys.stderr)
        return 2
    if a.out.exists() and (not a.out.is_dir() or any(a.out.iterdir())):
        print(f"error: {a.out} exists and is not empty; choose a new folder (nothing is written over)", file=sys.stderr)
        return 2
    if a.out.resolve() == a.clips.resolve():
        print("error: the copies must go to another folder than the clips", file=sys.stderr)
        return 2
    clips = sorted(p for p in a.clips.iterdir() if p.suffix.lower() in VIDEO_SUFFIXES)
    if not clips:
        print(f"error: no video files in {a.clips}", file=sys.stderr)
        return 2
    a.out.mkdir(parents=True, exist_ok=True)
    bad = 0
    for i, clip in enumerate(clips, 1):
        n = write_variant(clip, a.out / clip.name, a.mirror, a.long_side)
        if n == 0:
            bad += 1
            (a.out / clip.name).unlink(missing_ok=True)
        print(f"[{i}/{len(clips)}] {clip.name}: {n} frames" + ("  (unreadable: skipped)" if n == 0 else ""),
              flush=True)
    print(f"wrote {len(clips) - bad} clips to {a.out}" + (f"; {bad} unreadable" if bad else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
