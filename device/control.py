"""Commands a station accepts from outside (MQTT ``.../set/<name>``, the dashboard, the button).

Every channel validates a command here, then calls the same method of the
station app (:class:`StationControl`), so a command means one thing however it
arrives. A bad command raises :class:`CommandError` with a sentence a person can
act on; channels answer it (MQTT on ``.../error``) and never crash the station.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Optional, Protocol


class CommandError(ValueError):
    """A command that cannot be carried out; the message says why and what is allowed."""


class StationControl(Protocol):
    """What the station app offers to command channels."""

    def start_set(self) -> None: ...

    def reset_set(self) -> None: ...

    def set_target(self, reps: int) -> None: ...

    def select_patient(self, patient_id: Optional[int]) -> None: ...

    def mute(self, muted: bool) -> None: ...


@dataclass(frozen=True)
class Command:
    name: str
    value: Any = None


COMMANDS = ("start", "reset", "target", "patient", "mute")
HELP = ("start (no value), reset (no value), target (a whole number 1-200), "
        "patient (a patient id, or empty to clear), mute (true/false or on/off)")


def _bool(text: Any) -> bool:
    if isinstance(text, bool):
        return text
    t = str(text).strip().lower()
    if t in ("1", "true", "on", "yes"):
        return True
    if t in ("0", "false", "off", "no"):
        return False
    raise CommandError(f"mute takes true or false (or on/off), not {text!r}")


def parse_command(name: str, payload: bytes | str | None) -> Command:
    """Validate one command; ``payload`` is the raw message body (text or JSON)."""
    if isinstance(payload, bytes):
        try:
            payload = payload.decode("utf-8")
        except UnicodeDecodeError:
            raise CommandError(f"command {name!r}: the message is not UTF-8 text") from None
    text = (payload or "").strip()
    if len(text) > 200:
        raise CommandError(f"command {name!r}: the message is too long ({len(text)} characters)")
    value: Any = text
    if text[:1] in ("{", "[", '"') or text in ("true", "false", "null"):
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            raise CommandError(f"command {name!r}: the message looks like JSON but is not valid JSON") from None
        if isinstance(value, dict):
            value = value.get("value")
    if name in ("start", "reset"):
        return Command(name)
    if name == "target":
        try:
            n = int(str(value).strip())
        except ValueError:
            raise CommandError(f"target takes a whole number of reps from 1 to 200, not {value!r}") from None
        if not 1 <= n <= 200:
            raise CommandError(f"target takes a whole number of reps from 1 to 200, not {n}")
        return Command(name, n)
    if name == "patient":
        if value in (None, ""):
            return Command(name, None)
        try:
            pid = int(str(value).strip())
        except ValueError:
            raise CommandError(f"patient takes a patient id (a whole number) or nothing, not {value!r}") from None
        if pid < 1:
            raise CommandError(f"patient takes a patient id of 1 or more, not {pid}")
        return Command(name, pid)
    if name == "mute":
        return Command(name, _bool(value if value not in (None, "") else "true"))
    raise CommandError(f"unknown command {name!r}; the commands are: {HELP}")


def apply_command(control: StationControl, cmd: Command) -> None:
    """Carry out a validated command on the station app."""
    if cmd.name == "start":
        control.start_set()
    elif cmd.name == "reset":
        control.reset_set()
    elif cmd.name == "target":
        control.set_target(cmd.value)
    elif cmd.name == "patient":
        control.select_patient(cmd.value)
    elif cmd.name == "mute":
        control.mute(cmd.value)
    else:  # parse_command never returns one
        raise CommandError(f"unknown command {cmd.name!r}")
