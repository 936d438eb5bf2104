"""Per-rep reports (text and JSON) and comparison against ground truth."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Sequence

from .core.types import Rep, Verdict


def report_dict(reps: Sequence[Rep], **extra) -> dict:
    """The JSON report: ``counted`` and ``reps`` (format documented in the README)."""
    out = {"counted": sum(1 for r in reps if r.counted), "reps": [r.to_dict() for r in reps]}
    faults: dict[str, int] = {}
    for r in reps:
        if not r.counted:
            faults[r.verdict.value] = faults.get(r.verdict.value, 0) + 1
    out["not_counted"] = faults
    out.update(extra)
    return out


# A rep's rounding this close to the limit (either side) is flagged ``near_limit`` (the text report, the
# dashboard's session page): the verdict there rests on a reading a few degrees can move. Measured
# (docs/real-footage.md, round 16): the 38 real development clips read by the pose estimator as filmed and
# mirrored left to right give the same rep a rounding that differs by a median of 2.2 deg (p90 8.0; 39 reps),
# so each reading lies a median 1.1 deg (p90 4.0) from the two's mean; the station's per-rep rounding error on
# the synthetic athlete has a median of 1.2-3.3 deg per set of random scenes (README).
NEAR_LIMIT_DEG = 3.0


def near_limits(rep: dict, rounding_limit: Optional[float], margin: float = NEAR_LIMIT_DEG) -> list[str]:
    """The measures of a reported rep (its ``report_dict`` entry) within ``margin`` of the limit that
    judges them: ``["rounding"]`` or ``[]``. A rep not judged (``unchecked``) or with no rounding read
    has none; ``rounding_limit`` None (the check is off) flags nothing."""
    r = rep.get("rounding_deg")
    if rounding_limit is None or r is None or rep.get("verdict") == Verdict.UNCHECKED.value:
        return []
    return ["rounding"] if abs(r - rounding_limit) <= margin else []


ADVICE = {
    Verdict.GOOD: "good rep",
    Verdict.ROUNDED: "back rounded: hips back, chest tall",
    Verdict.SHALLOW: "hips did not reach the wall: reach back further",
    Verdict.SQUAT: "squat pattern: hips back, not down",
    Verdict.KNEE_LOCK: "knees locked: keep them soft",
    Verdict.HEEL_LIFT: "heels lifted: keep the whole foot down",
    Verdict.TOO_FAST: "too fast: slow and controlled",
    Verdict.UNCHECKED: "the camera could not see this rep: step into view",
}


def _f(x: Optional[float], unit: str = "") -> str:
    # round first: -0.3 must read "0", never "-0"
    return "-" if x is None else f"{round(x) + 0:.0f}{unit}"


def rep_line(r: Rep) -> str:
    contact = {True: "contact", False: "no contact", None: "contact ?"}[r.contact]
    mark = "counted" if r.counted else "not counted"
    return (
        f"rep {r.index:2d}  {r.start_s:7.2f}-{r.end_s:7.2f}s  {contact:10s}  "
        f"trunk {_f(r.trunk_inclination_deg, '°'):>4s}  rounding {_f(r.rounding_deg, '°'):>4s}  "
        f"{r.verdict.value:9s} {mark:11s}  {ADVICE[r.verdict]}"
    )


def report_text(reps: Sequence[Rep]) -> str:
    lines = [rep_line(r) for r in reps]
    counted = sum(1 for r in reps if r.counted)
    lines.append(f"{counted} counted of {len(reps)} reps")
    return "\n".join(lines)


@dataclass
class Comparison:
    """How the station's reps compare with the ground truth of a scenario."""

    expected_counted: int
    counted: int
    matched: int  # truth reps found by the station
    verdicts_right: int
    missed: list[int]  # truth indices with no station rep
    extra: list[int]  # station reps matching no truth rep
    wrong: list[tuple[int, str, str]]  # (truth index, expected, got)
    # (position in the station's reps, position in the truth) of every match, for benchmarks that
    # compare the matched reps' measures; not part of the report.
    pairs: list[tuple[int, int]] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        return self.counted == self.expected_counted and not self.missed and not self.extra and not self.wrong

    def to_dict(self) -> dict:
        return {
            "exact": self.exact,
            "expected_counted": self.expected_counted,
            "counted": self.counted,
            "matched": self.matched,
            "verdicts_right": self.verdicts_right,
            "missed": self.missed,
            "extra": self.extra,
            "wrong": [{"truth_index": i, "expected": e, "got": g} for i, e, g in self.wrong],
        }


def compare(reps: Sequence[Rep], truth: Sequence, expected_counted: int) -> Comparison:
    """Match station reps to truth reps by the time of their deepest point.

    ``truth`` items need ``index``, ``start_s``, ``end_s``, ``verdict`` (str).
    A station rep matches the truth rep whose [start, end] contains its bottom.
    """
    used: set[int] = set()
    matched = right = 0
    wrong: list[tuple[int, str, str]] = []
    extra: list[int] = []
    pairs: list[tuple[int, int]] = []
    for i, r in enumerate(reps):
        hit = None
        for k, tr in enumerate(truth):
            if k not in used and tr.start_s - 0.3 <= r.bottom_s <= tr.end_s + 0.3:
                hit = k
                break
        if hit is None:
            extra.append(r.index)
            continue
        used.add(hit)
        pairs.append((i, hit))
        matched += 1
        tr = truth[hit]
        if r.verdict.value == tr.verdict:
            right += 1
        else:
            wrong.append((tr.index, tr.verdict, r.verdict.value))
    missed = [tr.index for k, tr in enumerate(truth) if k not in used]
    return Comparison(
        expected_counted=expected_counted,
        counted=sum(1 for r in reps if r.counted),
        matched=matched,
        verdicts_right=right,
        missed=missed,
        extra=extra,
        wrong=wrong,
        pairs=pairs,
    )
