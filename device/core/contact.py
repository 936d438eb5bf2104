"""Hip contact from a noisy proximity sensor: one touch is one contact.

Ultrasonic and time-of-flight readings off a moving, clothed body spike,
drop out and flicker around any threshold. Two mechanisms keep one touch one
contact:

- *confirmation*: contact begins only after ``confirm_samples`` consecutive
  readings at or below the threshold, so a single spurious low echo while
  someone stands tall is ignored;
- *hysteresis and release time*: contact ends only when readings stay above
  ``threshold + hysteresis`` for ``release_s``, so bounce at the wall never
  splits one touch into two.

Dropouts (no reading) neither confirm nor release; a long run of them does
release, since a sensor that stopped answering cannot vouch for contact.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from .types import ProximitySample

# A sensor silent this long cannot keep a contact alive.
_DROPOUT_RELEASE_S = 1.0


@dataclass
class ContactChange:
    """Contact began (``contact=True``) or ended at time ``t``."""

    t: float
    contact: bool


class ContactDetector:
    """Debounced hip contact from distance or digital proximity samples."""

    def __init__(
        self,
        threshold_m: float,
        hysteresis_m: float,
        confirm_samples: int = 2,
        release_s: float = 0.15,
    ) -> None:
        self.on_m = threshold_m
        self.off_m = threshold_m + hysteresis_m
        self.confirm_samples = max(1, confirm_samples)
        self.release_s = release_s
        self.contact = False
        self._low_run = 0
        self._above_since: Optional[float] = None
        self._last_reading_t: Optional[float] = None

    @classmethod
    def from_config(cls, sensor) -> "ContactDetector":
        return cls(sensor.contact_threshold_m, sensor.hysteresis_m, sensor.confirm_samples, sensor.release_s)

    def update(self, s: ProximitySample) -> Optional[ContactChange]:
        """Feed one sample; returns the change it caused, if any."""
        near = self._near(s)
        if near is None:  # dropout
            if (
                self.contact
                and self._last_reading_t is not None
                and s.t - self._last_reading_t >= max(_DROPOUT_RELEASE_S, self.release_s)
            ):
                return self._release(self._last_reading_t)
            return None
        self._last_reading_t = s.t

        if not self.contact:
            if near == "on":
                self._low_run += 1
                if self._low_run >= self.confirm_samples:
                    self.contact = True
                    self._above_since = None
                    return ContactChange(s.t, True)
            else:
                self._low_run = 0
            return None

        # In contact: only readings beyond the release distance, held, end it.
        if near == "off":
            if self._above_since is None:
                self._above_since = s.t
            if s.t - self._above_since >= self.release_s:
                return self._release(self._above_since)
        else:
            self._above_since = None
        return None

    def _release(self, t: float) -> ContactChange:
        self.contact = False
        self._low_run = 0
        self._above_since = None
        return ContactChange(t, False)

    def _near(self, s: ProximitySample) -> Optional[str]:
        """'on' at/below the contact threshold, 'off' beyond the release distance, 'mid' between."""
        if s.contact is not None:
            return "on" if s.contact else "off"
        if s.distance_m is None:
            return None
        if s.distance_m <= self.on_m:
            return "on"
        if s.distance_m > self.off_m:
            return "off"
        return "mid"
