"""The samples the core consumes and the reps and events it produces.

Everything here is plain data: timestamps are seconds on whatever clock the
caller uses (monotonic on the station, video time in a recording). The core
never reads a clock itself.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Optional


@dataclass(frozen=True)
class ProximitySample:
    """One reading of the hip proximity sensor.

    ``distance_m`` is None when the sensor gave no reading (echo lost, out of
    range, I2C error). A digital sensor or contact switch has no distance; it
    reports ``contact`` directly and leaves ``distance_m`` None.
    """

    t: float
    distance_m: Optional[float] = None
    contact: Optional[bool] = None


@dataclass(frozen=True)
class FaultSample:
    """A device fault starting or ending, on the same clock as the other samples.

    ``part`` is ``"sensor"`` (the proximity sensor) or ``"camera"``; ``fault`` is
    the fault's name (``"stuck"``, ``"no readings"``, ...) or None when the part
    recovered. Faults enter the engine as samples, and are recorded as samples,
    so the replay of a recording judges exactly as the live station did.
    """

    t: float
    part: str
    fault: Optional[str] = None


@dataclass(frozen=True)
class PostureSample:
    """What the camera measured of the person in one frame.

    A measure that could not be seen is None, never guessed. Confidences are
    0..1; the engine treats a measure below its minimum confidence as unseen.

    - ``trunk_inclination_deg``: angle between vertical and the hip-to-shoulder
      line; 0 standing tall, positive leaning forward.
    - ``back_bend_deg``: bend of the back contour between the lumbar region and
      the upper back, as the angle of the circular arc ``4*atan(2*s/c)``. This
      is the raw shape; *rounding* is this minus the person's standing baseline,
      which the rep engine takes at the start of a set.
    - ``knee_angle_deg``: hip-knee-ankle angle, 180 = straight.
    - ``heel_lift``: rise of the heel above the floor line, as a fraction of the
      person's standing height (0 = heel down).
    - ``person``: a person is in view at the station (the one being tracked).
    - ``in_position``: that person stands at the wall in the working area, whole
      body in view; False for someone walking past or still walking in.
    - ``hands_height``: the lower hand above the floor / standing height.
    - ``hip_height``: the hip joint above the floor / standing height (about
      0.5 standing tall; it drops in a squat or a deadlift's setup and hardly
      in a wall hinge, where the hips travel back, not down).
    - ``cut_by_frame``: the tracked person runs off the picture's edge in a way
      that leaves them unmeasured (feet or more below the bottom edge, the
      shoulders above the top one, a side of the body outside the picture): the
      camera needs aiming, and stepping "into view" would not help.
    """

    t: float
    person: bool = False
    in_position: bool = False
    trunk_inclination_deg: Optional[float] = None
    trunk_conf: float = 0.0
    back_bend_deg: Optional[float] = None
    back_conf: float = 0.0
    knee_angle_deg: Optional[float] = None
    knee_conf: float = 0.0
    heel_lift: Optional[float] = None
    heel_conf: float = 0.0
    # The lower hand's height above the floor as a fraction of standing height
    # (None: not measured). Near 0 at the bottom of a hinge means a weight is
    # picked up from, or put down on, the floor.
    hands_height: Optional[float] = None
    # The hip joint's height above the floor as a fraction of standing height
    # (None: not measured). Video analysis finds reps from its path as well as
    # the trunk's (a squat-style rep or a setup at the floor barely tilts the trunk).
    hip_height: Optional[float] = None
    cut_by_frame: bool = False


class Verdict(str, enum.Enum):
    """A rep's verdict. Only ``good`` reps are counted."""

    GOOD = "good"
    SHALLOW = "shallow"
    ROUNDED = "rounded"
    SQUAT = "squat"
    KNEE_LOCK = "knee_lock"
    HEEL_LIFT = "heel_lift"
    TOO_FAST = "too_fast"
    UNCHECKED = "unchecked"


# When a rep has several faults its verdict is the first of these (docs/DOMAIN.md).
FAULT_ORDER: tuple[Verdict, ...] = (
    Verdict.SHALLOW,
    Verdict.ROUNDED,
    Verdict.SQUAT,
    Verdict.KNEE_LOCK,
    Verdict.HEEL_LIFT,
    Verdict.TOO_FAST,
)


@dataclass
class Rep:
    """One rep: tall standing -> hips back -> (hip contact) -> tall standing."""

    index: int
    start_s: float
    bottom_s: float
    end_s: float
    contact: Optional[bool]
    verdict: Verdict
    faults: list[Verdict] = field(default_factory=list)
    trunk_inclination_deg: Optional[float] = None
    rounding_deg: Optional[float] = None
    knee_angle_deg: Optional[float] = None
    heel_lift: Optional[float] = None
    seen_fraction: float = 0.0
    # The hands reached the floor at the bottom (video analysis: tells a weight
    # picked up or put down from a rep). Internal to the engine: not reported.
    hands_at_floor: Optional[bool] = None
    # The lowest the hands came in the rep (fraction of stature); internal too.
    hands_low: Optional[float] = None
    # The person was in view but cut by the picture's edge on most of the rep's
    # frames (PostureSample.cut_by_frame): an `unchecked` rep's cue is then to
    # aim the camera, not to step into view. Internal: not reported.
    cut_by_frame: bool = False
    # The rep's back was not judged (not measured on enough frames, or no standing
    # reference) while the person was in view where they should be (at the wall,
    # whole) on most of its frames: its cue is then the back-unseen hint, never
    # "step into view". Internal: not reported.
    unseen_in_view: bool = False

    @property
    def counted(self) -> bool:
        return self.verdict is Verdict.GOOD

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    def to_dict(self) -> dict:
        def r(x: Optional[float], nd: int = 1) -> Optional[float]:
            return None if x is None else round(float(x), nd)

        return {
            "index": self.index,
            "start_s": r(self.start_s, 3),
            "bottom_s": r(self.bottom_s, 3),
            "end_s": r(self.end_s, 3),
            "contact": self.contact,
            "verdict": self.verdict.value,
            "counted": self.counted,
            "faults": [f.value for f in self.faults],
            "trunk_inclination_deg": r(self.trunk_inclination_deg),
            "rounding_deg": r(self.rounding_deg),
            "knee_angle_deg": r(self.knee_angle_deg),
            "heel_lift": r(self.heel_lift, 4),
            "seen_fraction": r(self.seen_fraction, 2),
        }


# ---- events the engine emits; adapters (LEDs, buzzer, storage) react to them


@dataclass(frozen=True)
class SetStarted:
    t: float
    set_index: int


@dataclass(frozen=True)
class BaselineTaken:
    t: float
    back_bend_deg: float


@dataclass(frozen=True)
class ContactMade:
    """Hip contact during a rep; ``verdict`` is the verdict so far, for the LEDs."""

    t: float
    verdict: Verdict


@dataclass(frozen=True)
class RepFinished:
    t: float
    rep: Rep
    counted_total: int
    target_reps: int


@dataclass(frozen=True)
class TargetReached:
    t: float
    counted_total: int


@dataclass(frozen=True)
class SetEnded:
    t: float
    set_index: int
    counted_total: int
    reason: str


Event = SetStarted | BaselineTaken | ContactMade | RepFinished | TargetReached | SetEnded
