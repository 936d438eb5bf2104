"""The broker address: ``mqtt://[user[:password]@]host[:port]`` or ``mqtts://...`` (TLS)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional
from urllib.parse import unquote, urlsplit

EXAMPLE = "mqtt://broker.local:1883 or mqtts://broker.local:8883"


@dataclass(frozen=True)
class BrokerUrl:
    tls: bool
    host: str
    port: int
    username: Optional[str] = None
    password: Optional[str] = None

    def display(self) -> str:
        """The address for people and logs: never the password."""
        user = f"{self.username}@" if self.username else ""
        return f"{'mqtts' if self.tls else 'mqtt'}://{user}{self.host}:{self.port}"


def parse_url(text: str) -> BrokerUrl:
    """Parse a broker URL; a ValueError says what is wrong and what a good one looks like."""
    try:
        u = urlsplit(text.strip())
        port = u.port
    except ValueError as e:
        raise ValueError(f"{text!r} is not a broker address ({e}); write it like {EXAMPLE}") from None
    if u.scheme not in ("mqtt", "mqtts"):
        raise ValueError(f"{text!r} must start with mqtt:// or mqtts:// (TLS); write it like {EXAMPLE}")
    if not u.hostname:
        raise ValueError(f"{text!r} has no host name; write it like {EXAMPLE}")
    if u.path not in ("", "/") or u.query or u.fragment:
        raise ValueError(f"{text!r}: a broker address has no path or query; write it like {EXAMPLE}")
    tls = u.scheme == "mqtts"
    return BrokerUrl(
        tls=tls,
        host=u.hostname,
        port=port or (8883 if tls else 1883),
        username=unquote(u.username) if u.username else None,
        password=unquote(u.password) if u.password is not None else None,
    )
