"""The delivery ledger: what was sent to whom, so a retry never sends the same thing twice.

One row per (period, recipient, content hash). A message is marked ``pending`` before the
server sees it and ``sent``, ``failed`` or ``unknown`` after; ``unknown`` (the connection died
after the message body went out, or a run crashed mid-send) is never resent without
``--resend``. A lock file held for the whole run keeps two ``send`` runs from overlapping.
"""

from __future__ import annotations

import fcntl
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from reportgen.errors import ReportgenError

SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    period TEXT NOT NULL,
    recipient TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed', 'unknown')),
    message_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    reply TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL,
    PRIMARY KEY (period, recipient, content_hash)
)
"""
FINAL = ("sent", "unknown")
"""States that mean 'do not send again unless asked'."""


class LedgerBusyError(ReportgenError):
    """Another ``send`` holds the ledger."""


@dataclass(frozen=True)
class Delivery:
    period: str
    recipient: str
    content_hash: str
    state: str
    message_id: str
    subject: str
    attempts: int
    reply: str
    updated_at: str


class Ledger:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection

    def get(self, period: str, recipient: str, content_hash: str) -> Delivery | None:
        row = self._db.execute(
            "SELECT * FROM deliveries WHERE period=? AND recipient=? AND content_hash=?",
            (period, recipient, content_hash)).fetchone()
        return Delivery(*row) if row else None

    def mark(self, period: str, recipient: str, content_hash: str, state: str,
             message_id: str, subject: str, reply: str = "", attempts: int = 0) -> None:
        """Record a state, committed at once so a crash right after leaves it on disk."""
        now = datetime.now(tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        with self._db:
            self._db.execute(
                "INSERT INTO deliveries (period, recipient, content_hash, state, message_id, "
                "subject, attempts, reply, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (period, recipient, content_hash) DO UPDATE SET state=excluded.state,"
                " reply=excluded.reply, updated_at=excluded.updated_at, "
                "attempts=deliveries.attempts + excluded.attempts",
                (period, recipient, content_hash, state, message_id, subject, attempts, reply,
                 now))

    def rows(self, period: str | None = None) -> list[Delivery]:
        query = "SELECT * FROM deliveries"
        args: tuple[str, ...] = ()
        if period:
            query, args = query + " WHERE period=?", (period,)
        return [Delivery(*row) for row in self._db.execute(
            query + " ORDER BY period, recipient, updated_at", args)]


@contextmanager
def open_ledger(path: Path, wait: bool = False) -> Iterator[Ledger]:
    """The ledger, locked for this process until the block ends."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(path.suffix + ".lock"), "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LedgerBusyError(f"{path} is in use by another 'reportgen send'; try again "
                                  "when it has finished") from None
        connection = sqlite3.connect(path, isolation_level="DEFERRED")
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute(SCHEMA)
            # A 'pending' row left by a run that died mid-send may have reached the server.
            with connection:
                connection.execute("UPDATE deliveries SET state='unknown', reply='interrupted "
                                   "while sending; may or may not have been delivered' "
                                   "WHERE state='pending'")
            yield Ledger(connection)
        finally:
            connection.close()
