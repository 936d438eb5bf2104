"""Video files opened upright.

A phone filming in portrait usually stores its frames sideways (as the sensor
sees them) and a rotation in the container (the ``tkhd`` matrix of an MP4/MOV):
every player turns them upright, but OpenCV's reader does not unless asked
(``CAP_PROP_ORIENTATION_AUTO``; off by default in the opencv-python 4.11 wheel).
Analysed sideways, a standing person lies across the frame and no rep or back is
ever seen. :func:`open_upright` asks the reader to apply the rotation, and where a
build cannot (another backend, an older OpenCV) turns each frame itself.
"""

from __future__ import annotations

import os
import struct
from typing import Optional

import cv2
import numpy as np

# Container rotation (degrees clockwise to display) -> the cv2.rotate code that applies it.
_ROTATE = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
_AUTO = getattr(cv2, "CAP_PROP_ORIENTATION_AUTO", None)
_META = getattr(cv2, "CAP_PROP_ORIENTATION_META", None)


class UprightCapture:
    """A ``cv2.VideoCapture`` whose frames come out the way the file is meant to be shown.

    It offers the calls the project makes on a file (``isOpened``, ``read``, ``get``,
    ``release``); ``get`` of the frame width and height answers for the upright frames.
    """

    def __init__(self, cap: cv2.VideoCapture, turn: Optional[int]) -> None:
        self._cap = cap
        self._turn = turn  # a cv2.rotate code when frames are turned here, else None

    def isOpened(self) -> bool:  # noqa: N802 - OpenCV's own spelling
        return self._cap.isOpened()

    def read(self) -> tuple[bool, Optional[np.ndarray]]:
        ok, img = self._cap.read()
        if ok and img is not None and self._turn is not None:
            img = cv2.rotate(img, self._turn)
        return ok, img

    def get(self, prop: int) -> float:
        if self._turn in (cv2.ROTATE_90_CLOCKWISE, cv2.ROTATE_90_COUNTERCLOCKWISE):
            if prop == cv2.CAP_PROP_FRAME_WIDTH:
                prop = cv2.CAP_PROP_FRAME_HEIGHT
            elif prop == cv2.CAP_PROP_FRAME_HEIGHT:
                prop = cv2.CAP_PROP_FRAME_WIDTH
        return self._cap.get(prop)

    def release(self) -> None:
        self._cap.release()


def container_rotation(cap: cv2.VideoCapture) -> int:
    """The rotation (0, 90, 180, 270 degrees clockwise) the file asks a player to apply."""
    if _META is None:
        return 0
    v = cap.get(_META)
    if not np.isfinite(v):
        return 0
    r = int(round(v)) % 360
    return r if r in _ROTATE else 0


def open_upright(path, api: Optional[int] = None) -> UprightCapture:
    """Open a video file so that its frames come out upright (see the module's doc)."""
    cap = cv2.VideoCapture(str(path)) if api is None else cv2.VideoCapture(str(path), api)
    rotation = container_rotation(cap) if cap.isOpened() else 0
    turn = None
    if rotation:
        applied = _AUTO is not None and cap.set(_AUTO, 1) and cap.get(_AUTO) == 1
        if not applied:
            turn = _ROTATE[rotation]
    return UprightCapture(cap, turn)


def container_cut_short(path) -> bool:
    """The file ends before its container says it should: a copy or a download that stopped, a phone
    that ran out of space. Read from the container's own sizes, which a complete file always matches: the
    top-level boxes of an MP4/MOV (a trimmed phone clip is complete, however few of its frames it shows)
    and the RIFF size of an AVI. Any other format, or a file that cannot be read: False (not known)."""
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            head = f.read(12)
            if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"AVI ":
                return struct.unpack("<I", head[4:8])[0] + 8 > size
            if len(head) < 8 or head[4:8] not in (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip"):
                return False
            at = 0
            while at + 8 <= size:
                f.seek(at)
                box = f.read(16)
                n = struct.unpack(">I", box[:4])[0]
                if n == 1:  # a 64-bit size follows the type
                    if len(box) < 16:
                        return True
                    n = struct.unpack(">Q", box[8:16])[0]
                elif n == 0:  # the last box runs to the end of the file
                    return False
                if n < 8:
                    return False  # not boxes after all: not known
                if at + n > size:
                    return True
                at += n
            return False  # every box whole (a few stray bytes after the last one are not called a cut)
    except OSError:
        return False
