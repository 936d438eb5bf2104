"""The frame-source seam: anything that yields timestamped BGR frames.

Sources: the Pi camera (picamera2), an OpenCV capture (USB webcam or file),
a recording, or the synthetic athlete. Each is imported only when used, so
the Pi-only ones never break a laptop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Protocol

import numpy as np


@dataclass(frozen=True)
class Frame:
    """One camera frame: ``image`` is HxWx3 uint8 BGR, ``t`` seconds."""

    index: int
    t: float
    image: np.ndarray


class FrameSource(Protocol):
    """Yields frames in time order until exhausted or closed."""

    def frames(self) -> Iterator[Frame]: ...

    def close(self) -> None: ...


class CameraError(Exception):
    """The camera cannot deliver frames; the message says why and what to check."""
