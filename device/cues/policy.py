"""Faded feedback: which moments are spoken. Pure: no audio, no clock, no threads.

The rules (motor-learning work on faded feedback; products such as Tempo cue
only some of the time; DOMAIN.md):

- the count of a good rep is always spoken: it is always welcome;
- a technique cue for a fault is spoken for the first fault of its kind in a
  set, then for every ``faults_every``-th one of that kind (1 = every fault);
- set start, target reached and an installer fault (camera or sensor lost)
  are always spoken; a hint (the camera cannot see the back) once a set;
- muted: nothing is spoken (the fading still counts, so unmuting mid-set
  carries on where it was), except the confirmation "sound on".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from .phrases import MAX_COUNT, SET_START, TARGET, UNMUTED, MUTED, count_key, cue_key, cue_words, fault_key


@dataclass
class CuePolicy:
    """Decides, moment by moment, which phrase (by name) to say, or ``None`` for silence."""

    faults_every: int = 1
    muted: bool = False
    _faults_seen: dict[str, int] = field(default_factory=dict)
    _hints_said: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        if self.faults_every < 1:
            raise ValueError("faults_every must be 1 or more (1 = every fault)")

    def set_started(self) -> Optional[str]:
        self._faults_seen.clear()  # "the first of a kind" is per set
        self._hints_said.clear()
        return self._say(SET_START)

    def fault(self, verdict: str) -> Optional[str]:
        """A rep with this fault verdict; the cue, if this occurrence is one to speak."""
        if cue_words(verdict) is None:
            return None
        k = self._faults_seen.get(verdict, 0) + 1
        self._faults_seen[verdict] = k
        return self._say(cue_key(verdict)) if (k - 1) % self.faults_every == 0 else None

    def hint(self, name: str) -> Optional[str]:
        """A hint (how to make the camera see): the first time in a set only."""
        if name in self._hints_said:
            return None
        self._hints_said.add(name)
        return self._say(name)

    def counted(self, total: int) -> Optional[str]:
        return self._say(count_key(total)) if 1 <= total <= MAX_COUNT else None

    def target_reached(self) -> Optional[str]:
        return self._say(TARGET)

    def device_fault(self, part: str) -> Optional[str]:
        return self._say(fault_key(part))

    def set_muted(self, muted: bool) -> Optional[str]:
        """Change mute; returns the confirmation to say when sound comes back."""
        changed = muted != self.muted
        self.muted = muted
        return UNMUTED if changed and not muted else None

    def _say(self, name: str) -> Optional[str]:
        return None if self.muted else name


__all__ = ["CuePolicy", "MUTED", "UNMUTED"]
