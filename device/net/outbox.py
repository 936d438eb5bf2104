"""The rep outbox: every rep message waits here until the broker has acknowledged it.

The session log (``device/storage.py``) stays the source of truth for reps;
this is only the delivery queue of the MQTT channel, in its own small SQLite
file so the network never touches the session log's writer. A rep message is
written here first, then published with QoS 1; the broker's PUBACK sets its
``delivered_at``. After a broker outage or a station restart the rows without
``delivered_at`` are sent again, oldest first, and nothing that was
acknowledged is sent twice. (A rep acknowledged in the instant before a power
cut may be sent once more: each carries its stable ``id`` for the consumer to
drop the duplicate.)

Used by one thread only (the adapter's network thread).
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,  -- send order
    msg_id        TEXT NOT NULL UNIQUE,               -- the rep's stable id (messages.rep_id)
    topic         TEXT NOT NULL,
    payload       TEXT NOT NULL,                      -- the JSON sent
    created_at    TEXT NOT NULL,
    delivered_at  TEXT                                -- set on the broker's PUBACK; NULL = still to send
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox(delivered_at, seq);
"""

# Delivered rows are kept this long (for a look at what went out), then pruned.
KEEP_DELIVERED_DAYS = 7


@dataclass(frozen=True)
class Pending:
    seq: int
    msg_id: str
    topic: str
    payload: str


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


class Outbox:
    """Rep messages in send order, each with a delivered marker."""

    def __init__(self, path: Optional[Path | str]) -> None:
        """``path`` None keeps the outbox in memory (reps then survive an outage, not a restart)."""
        self.path = None if path is None else Path(path)
        target = ":memory:" if self.path is None else str(self.path)
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(target, timeout=5, isolation_level=None)
        if self.path is not None:
            self.conn.execute("PRAGMA journal_mode=WAL")
            # A rep written here must survive a power cut until the broker has it.
            self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.executescript(SCHEMA)
        self.conn.execute(
            "DELETE FROM outbox WHERE delivered_at IS NOT NULL AND delivered_at < ?",
            (datetime.fromtimestamp(datetime.now(timezone.utc).timestamp() - KEEP_DELIVERED_DAYS * 86400,
                                    timezone.utc).isoformat(),),
        )

    def add(self, msg_id: str, topic: str, payload: str) -> bool:
        """Queue a message; False if a message with this id is already here (sent or not)."""
        cur = self.conn.execute(
            "INSERT OR IGNORE INTO outbox (msg_id, topic, payload, created_at) VALUES (?, ?, ?, ?)",
            (msg_id, topic, payload, _now()),
        )
        return cur.rowcount == 1

    def pending(self, limit: int = 100, exclude: tuple[int, ...] | set[int] = ()) -> list[Pending]:
        """Undelivered messages, oldest first, skipping the sequence numbers in ``exclude`` (in flight)."""
        rows = self.conn.execute(
            "SELECT seq, msg_id, topic, payload FROM outbox WHERE delivered_at IS NULL ORDER BY seq LIMIT ?",
            (limit + len(exclude),),
        ).fetchall()
        return [Pending(*r) for r in rows if r[0] not in exclude][:limit]

    def delivered(self, seq: int) -> None:
        self.conn.execute("UPDATE outbox SET delivered_at = ? WHERE seq = ? AND delivered_at IS NULL", (_now(), seq))

    def count_pending(self) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL").fetchone()[0]

    def close(self) -> None:
        try:
            self.conn.close()
        except sqlite3.Error:
            log.debug("outbox close failed", exc_info=True)


def read_outbox(path: Path | str) -> list[dict]:
    """Every row, oldest first (for tests and a look by hand)."""
    conn = sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True)
    try:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute("SELECT * FROM outbox ORDER BY seq")]
    finally:
        conn.close()
