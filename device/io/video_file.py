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
