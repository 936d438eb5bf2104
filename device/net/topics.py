"""The station's topics, one place: ``wallhinge/<station_id>/...``."""

from __future__ import annotations

from dataclasses import dataclass

ROOT = "wallhinge"


@dataclass(frozen=True)
class Topics:
    station_id: str

    @property
    def base(self) -> str:
        return f"{ROOT}/{self.station_id}"

    @property
    def availability(self) -> str:  # retained online / offline (last will)
        return f"{self.base}/availability"

    @property
    def state(self) -> str:  # retained StationState JSON
        return f"{self.base}/state"

    @property
    def rep(self) -> str:  # one QoS 1 message per finished rep
        return f"{self.base}/rep"

    @property
    def event(self) -> str:  # set started/ended, target reached, fault on/off
        return f"{self.base}/event"

    @property
    def error(self) -> str:  # the answer to a bad command
        return f"{self.base}/error"

    def command(self, name: str) -> str:
        return f"{self.base}/set/{name}"

    @property
    def commands(self) -> str:  # subscription filter
        return f"{self.base}/set/+"


def station_of(topic: str) -> tuple[str, str] | None:
    """``wallhinge/<id>/<rest>`` -> (id, rest); None for any other topic."""
    parts = topic.split("/", 2)
    if len(parts) == 3 and parts[0] == ROOT and parts[1]:
        return parts[1], parts[2]
    return None
