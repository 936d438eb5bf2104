"""Which rules judge which exercise (DOMAIN.md, "Other hinges").

The wall drill is the station's exercise: hip contact, tempo and knee lock
at contact are its own rules. A clinician also films other hinges from the
side; their lockout is standing tall on straight knees, often fast, so the
wall drill's tempo and knee-lock rules must not judge it. Rounding and the
squat pattern matter in all of them.

Each :class:`Exercise` says which checks apply, overrides thresholds where the
exercise differs, and says whether its reps start and end with the weight on
the floor (``from_floor``): a deadlift's do, so the setup descent before the
first pull belongs to rep 1 and the last descent to the floor is the put-down;
an RDL's or a good morning's never touch the floor, so descents to the floor at
the start and end of a set are picking the weight up and putting it down.

A clinician's config still wins: a check switched off in ``[checks]`` stays off
for every exercise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Sequence

from ..config import ChecksConfig, Config, ThresholdsConfig

CHECKS = ("rounding", "squat", "knee_lock", "heel_lift", "tempo")


@dataclass(frozen=True)
class Exercise:
    name: str
    title: str
    # Checks that apply (names of ChecksConfig fields).
    checks: frozenset[str]
    # True: every rep starts and ends with the weight on the floor; False: never
    # touches it; None: not known (decided per set from where the hands went).
    from_floor: Optional[bool]
    # ThresholdsConfig fields this exercise sets differently.
    thresholds: dict = field(default_factory=dict)
    # True: a rep's rounding is read near its deepest lean (the wall drill's fault is a back that rounds
    # at the wall, where the hinge ends); False: anywhere in the rep (a deadlift's back rounds in the pull
    # from the floor as much as at the bottom: docs/real-footage.md, round 10; docs/station-vision.md,
    # round 39).
    rounding_at_bottom: bool = False

    def apply(self, config: Config) -> Config:
        """A copy of ``config`` with this exercise's checks and thresholds."""
        checks = {k: bool(getattr(config.checks, k)) and k in self.checks for k in CHECKS}
        cfg = config.model_copy(deep=True)
        cfg.checks = ChecksConfig(**{**config.checks.model_dump(), **checks})
        cfg.thresholds = ThresholdsConfig(**{**config.thresholds.model_dump(), **self.thresholds})
        return cfg


WALL_DRILL = Exercise(
    "wall-drill", "wall drill (hips back to the wall)",
    frozenset(CHECKS), from_floor=False, rounding_at_bottom=True,
)
DEADLIFT = Exercise(
    "deadlift", "deadlift from the floor",
    frozenset({"rounding", "squat", "heel_lift"}), from_floor=True,
)
KETTLEBELL_DEADLIFT = Exercise(
    "kettlebell-deadlift", "kettlebell deadlift",
    frozenset({"rounding", "squat", "heel_lift"}), from_floor=True,
)
RDL = Exercise(
    "rdl", "Romanian deadlift (from standing, the weight never touches the floor)",
    frozenset({"rounding", "squat", "heel_lift"}), from_floor=False,
)
GOOD_MORNING = Exercise(
    "good-morning", "good morning (weight on the back or at the chest)",
    frozenset({"rounding", "squat", "heel_lift"}), from_floor=False,
)
# A bare video whose exercise was not named: the rules every hinge shares;
# whether reps start at the floor is decided per set from the hands.
ANY_HINGE = Exercise(
    "hinge", "a hinge (exercise not named)",
    frozenset({"rounding", "squat", "heel_lift"}), from_floor=None,
)

EXERCISES: dict[str, Exercise] = {e.name: e for e in (WALL_DRILL, DEADLIFT, RDL, KETTLEBELL_DEADLIFT, GOOD_MORNING)}
NAMES: tuple[str, ...] = tuple(EXERCISES)


class ExerciseError(ValueError):
    """An exercise name that is not known; the message lists the known ones."""


def get_exercise(name: Optional[str]) -> Optional[Exercise]:
    """The exercise called ``name`` (None for None); a clear error for an unknown name."""
    if name is None:
        return None
    ex = EXERCISES.get(name) or (ANY_HINGE if name == ANY_HINGE.name else None)
    if ex is None:
        raise ExerciseError(f"unknown exercise {name!r}; choose one of: {', '.join(NAMES)}")
    return ex


# Where the lower hand was at the bottom of the reps (fraction of stature).
HANDS_FLOOR = 0.15  # at the floor: a pull from the floor
HANDS_HIGH = 0.55  # held at the chest or on the back (ball, bar on the shoulders)


def choose_for_video(hands_low: Sequence[Optional[float]]) -> tuple[str, str]:
    """(exercise name, why) for a bare video whose exercise was not named.

    ``hands_low``: for each rep found, the lowest the hands came (None when
    not seen). Most reps with the hands at the floor: a deadlift; hands that
    stayed at the chest or above: a good morning. Hands that stopped in
    between name nothing: the video was judged by the rules every hinge
    shares, and the report says so. (That band once named an RDL: on 55 real
    clips it was right for 2 of 27; a pose model's wrists at the bottom of a
    pull from the floor, behind plates or a bell, read anywhere from the floor
    to the knees, and squats land there too.)
    """
    seen = sorted(h for h in hands_low if h is not None)
    if not seen:
        return ANY_HINGE.name, "auto: no reps with the hands in view; rounding and squat pattern judged"
    floor = sum(h < HANDS_FLOOR for h in seen)
    if 2 * floor >= len(seen):
        return DEADLIFT.name, f"auto: the hands reached the floor in {floor} of {len(seen)} reps"
    median = seen[len(seen) // 2]
    if median >= HANDS_HIGH:
        return GOOD_MORNING.name, "auto: the hands stayed at the chest or above"
    return ANY_HINGE.name, ("auto: the hands stopped between the floor and the chest, which does not tell a deadlift, "
                            "an RDL or a kettlebell deadlift apart; rounding and squat pattern judged "
                            "(name the exercise with --exercise for its own rules)")


def choose_for_recording(has_proximity: bool) -> Optional[tuple[str, str]]:
    """A station recording (with a proximity trace) is the wall drill; None for a bare video."""
    if has_proximity:
        return WALL_DRILL.name, "auto: a station recording with a proximity trace"
    return None
