"""What a station tells the outside world: one JSON shape per message, shared by every channel.

The MQTT adapter (``wallhinge/<station_id>/...`` topics), the local channel the
dashboard and the athlete screen read, and any log or export that wants the
same words all build their payloads here, so a field has one name everywhere.
Nothing here touches the network, a clock or the disk: callers pass the wall
time and ids in.

Payloads (all plain JSON objects, ``"v": 1`` is the schema version):

- ``state``: retained picture of the station (:class:`StationState`).
- ``rep``: one finished rep (:func:`rep_message`), with a stable ``id`` a
  consumer uses to drop a duplicate.
- ``event``: set started or ended, target reached, a fault on or off
  (:func:`event_message`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Optional

from .core.types import (
    ContactMade,
    Event,
    Rep,
    RepFinished,
    SetEnded,
    SetStarted,
    TargetReached,
    Verdict,
)

SCHEMA_VERSION = 1

# The cue in words for each verdict: technique, never danger (docs/DOMAIN.md).
CUES: dict[str, str] = {
    Verdict.GOOD.value: "good rep",
    Verdict.SHALLOW.value: "reach the wall",
    Verdict.ROUNDED.value: "chest tall",
    Verdict.SQUAT.value: "hips back, not down",
    Verdict.KNEE_LOCK.value: "soften your knees",
    Verdict.HEEL_LIFT.value: "keep your heels down",
    Verdict.TOO_FAST.value: "slower",
    Verdict.UNCHECKED.value: "step into view",
}

# A hint, not a verdict: a rep is `unchecked` although the camera saw the person hinge, because it could
# not measure their back (a top the colour of the wall, clipped white on white, a dim room). "Step into
# view" would be wrong there; what helps is contrast. Said once a set (device/cues), and the rep
# message's cue for such a rep (so the dashboard, MQTT and the speaker all say the same).
BACK_UNSEEN_HINT = "the camera cannot see your back: a top that contrasts with the wall helps"
# A hint, not a verdict: a rep is `unchecked` because the picture cuts the person off (feet below its bottom
# edge, shoulders above its top, the body past a side) while they stand where they should. "Step into view"
# would send them looking for a spot they are already on; what helps is aiming the camera.
FRAMING_HINT = "the camera cannot see all of you: aim it so it sees you from head to feet"
# The same, as the reason `analyze` gives for such a rep (``unseen_reason``), for the clinician or fitter reading it.
CUT_BY_FRAME_REASON = "the picture cuts the person off (feet or shoulders past its edge): aim the camera so it sees them from head to feet"
# The defaults of the station's [thresholds] hinge_min_deg and min_seen_fraction, for a caller that has no
# config. A station passes its own thresholds (``thresholds=config.thresholds``), so the hint moves with them.
BACK_UNSEEN_MIN_TRUNK_DEG = 30.0  # the camera saw the trunk reach a hinge (thresholds.hinge_min_deg)
BACK_UNSEEN_MAX_SEEN = 0.5  # ... but the back on less than this fraction of the rep (thresholds.min_seen_fraction)


def back_unseen(rep: Rep, thresholds: Any = None) -> bool:
    """The rep is `unchecked` because the back was not seen: the camera saw the trunk hinge to at least
    ``thresholds.hinge_min_deg`` but measured the back on under ``thresholds.min_seen_fraction`` of the rep.
    Or the person stood in view where they should on most of the rep's frames and the back was still not judged
    (``Rep.unseen_in_view``). (A rep the camera did not see at all has no trunk inclination: that is "step into view".)

    ``thresholds`` is the station's ``config.thresholds`` (read at each call, so a prescription that
    changes them moves the hint too); without it, ``BACK_UNSEEN_MIN_TRUNK_DEG`` and ``BACK_UNSEEN_MAX_SEEN``.
    """
    min_trunk = BACK_UNSEEN_MIN_TRUNK_DEG if thresholds is None else thresholds.hinge_min_deg
    max_seen = BACK_UNSEEN_MAX_SEEN if thresholds is None else thresholds.min_seen_fraction
    if rep.verdict is not Verdict.UNCHECKED:
        return False
    # Or the engine saw the person in view where they should be on most of the rep, yet could not judge the
    # back there (:attr:`device.core.types.Rep.unseen_in_view`: a trunk read short of a hinge, or no standing
    # reference): they stood in view, so "step into view" would be wrong.
    return rep.unseen_in_view or (rep.trunk_inclination_deg is not None and rep.trunk_inclination_deg >= min_trunk
                                  and rep.seen_fraction < max_seen)


def framing_cut(rep: Rep) -> bool:
    """The rep is `unchecked` with the person in view but cut by the picture's edge on most of its frames
    (:attr:`device.core.types.Rep.cut_by_frame`): the camera needs aiming."""
    return rep.verdict is Verdict.UNCHECKED and rep.cut_by_frame


def rep_cue(rep: Rep, thresholds: Any = None) -> Optional[str]:
    """The words for a finished rep: its verdict's cue, or a hint when the camera cut the person off
    (:func:`framing_cut`) or could not see their back (:func:`back_unseen`).

    The one place a rep's cue is decided: the rep message, the station state (dashboard, MQTT) and
    the speaker all take it from here, with the station's ``config.thresholds``.
    """
    if framing_cut(rep):
        return FRAMING_HINT
    return BACK_UNSEEN_HINT if back_unseen(rep, thresholds) else CUES.get(rep.verdict.value)


@dataclass
class StationState:
    """The station as a person would describe it right now.

    Kept by the station app and published whenever it changes.
    """

    station_id: str
    app_state: str = "starting"  # starting | ready | running | faulted | stopping
    person_present: bool = False
    set_active: bool = False
    set_id: Optional[str] = None
    count: int = 0
    target: int = 20
    last_verdict: Optional[str] = None
    last_cue: Optional[str] = None
    patient: Optional[str] = None  # the selected patient's label (clinic); None elsewhere
    muted: bool = False
    faults: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"v": SCHEMA_VERSION, **asdict(self)}


def rep_id(station_id: str, set_id: str, index: int) -> str:
    """A rep's stable id: the same rep always gets the same id, across restarts and resends."""
    return f"{station_id}/{set_id}/{index}"


def rep_message(rep: Rep, *, station_id: str, set_id: str, wall_start: Optional[str] = None,
                wall_end: Optional[str] = None, counted_total: Optional[int] = None,
                target: Optional[int] = None, thresholds: Any = None) -> dict[str, Any]:
    """One finished rep. ``wall_start``/``wall_end`` are ISO 8601 wall-clock times when known;
    ``thresholds`` (the station's ``config.thresholds``) decide its cue (:func:`rep_cue`)."""
    d = rep.to_dict()
    return {
        "v": SCHEMA_VERSION,
        "id": rep_id(station_id, set_id, rep.index),
        "station": station_id,
        "set": set_id,
        **d,
        "cue": rep_cue(rep, thresholds),
        "started_at": wall_start,
        "ended_at": wall_end,
        "counted_total": counted_total,
        "target": target,
    }


def event_message(e: Event, *, station_id: str, set_id: Optional[str] = None,
                  wall_time: Optional[str] = None) -> Optional[dict[str, Any]]:
    """The ``event`` payload for an engine event, or None for events that are not published
    on their own (a finished rep has its own ``rep`` message; a baseline is internal)."""
    base = {"v": SCHEMA_VERSION, "station": station_id, "set": set_id, "at": wall_time}
    if isinstance(e, SetStarted):
        return {**base, "event": "set_started", "set_index": e.set_index}
    if isinstance(e, SetEnded):
        return {**base, "event": "set_ended", "set_index": e.set_index, "counted": e.counted_total,
                "reason": e.reason}
    if isinstance(e, TargetReached):
        return {**base, "event": "target_reached", "counted": e.counted_total}
    if isinstance(e, ContactMade):
        return {**base, "event": "contact", "verdict": e.verdict.value}
    if isinstance(e, RepFinished):
        return None
    return None


def fault_message(part: str, status: str, on: bool, message: str, *, station_id: str,
                  wall_time: Optional[str] = None) -> dict[str, Any]:
    """A device fault turning on or off (camera, proximity sensor, storage)."""
    return {"v": SCHEMA_VERSION, "station": station_id, "at": wall_time,
            "event": "fault_on" if on else "fault_off", "part": part, "status": status, "message": message}
