"""The delivery ledger: what was sent to whom, so a retry never sends the same thing twice.

One row per (period, recipient, content hash), written only once the message could be
delivered: ``pending`` immediately before the end-of-data line that hands the message to the
server, then ``sent``, ``failed`` or ``unknown``. A message whose transfer never reached that
line has no row (or keeps its earlier, non-final state) and is sent by the next run.
``unknown`` (the connection died after the end-of-data line, or a run died while a row was
``pending``) is never resent without ``--resend``. A lock file held for the whole run keeps two
``send`` runs from overlapping.

The ledger is never recreated behind the operator's back: a damaged file, an empty file or a
database without the ledger's table stops the run with a one-line :class:`LedgerError`, since
starting over would send every message again. A new ledger is built under a temporary name and
renamed into place, so an empty file at the ledger's path was never made by reportgen.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from reportgen.errors import LedgerBusyError, LedgerError

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

RESTORE = ("restore it from a backup, or move it away to start a new ledger (which sends every "
           "message again)")


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


def _problem(path: Path, error: sqlite3.DatabaseError, outcome: str = "nothing sent"
             ) -> LedgerError:
    """One line naming the file: damaged (not a database, malformed) or otherwise unusable."""
    if isinstance(error, sqlite3.OperationalError):  # locked, unreadable, read-only, full, I/O
        return LedgerError(f"{path}: cannot use the delivery ledger ({error}); {outcome}")
    return LedgerError(f"{path} is damaged ({error}), not a usable delivery ledger; {outcome}: "
                       f"{RESTORE}")


class Ledger:
    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self.path = path

    @contextmanager
    def _using(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.DatabaseError as error:
            raise _problem(self.path, error, "stopped") from None

    def get(self, period: str, recipient: str, content_hash: str) -> Delivery | None:
        with self._using():
            row = self._db.execute(
                "SELECT * FROM deliveries WHERE period=? AND recipient=? AND content_hash=?",
                (period, recipient, content_hash)).fetchone()
        return Delivery(*row) if row else None

    def mark(self, period: str, recipient: str, content_hash: str, state: str,
             message_id: str, subject: str, reply: str = "", attempts: int = 0,
             synced: bool = True) -> None:
        """Record a state, committed at once so a crash right after leaves it on disk.

        ``synced=False`` commits without waiting for the disk (a few microseconds instead of
        milliseconds): the row survives the process being killed at once, though not a power
        loss until :meth:`sync` (or the next synced mark). ``pending`` is marked so, right
        before the end-of-data line, to keep the moment between "marked" and "handed to the
        server" as short as it can be."""
        now = datetime.now(tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        with self._using():
            if not synced:
                self._db.execute("PRAGMA synchronous=NORMAL")
            try:
                with self._db:
                    self._db.execute(
                        "INSERT INTO deliveries (period, recipient, content_hash, state, "
                        "message_id, subject, attempts, reply, updated_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (period, recipient, "
                        "content_hash) DO UPDATE SET state=excluded.state, reply=excluded.reply,"
                        " updated_at=excluded.updated_at, "
                        "attempts=deliveries.attempts + excluded.attempts",
                        (period, recipient, content_hash, state, message_id, subject, attempts,
                         reply, now))
            finally:
                if not synced:
                    self._db.execute("PRAGMA synchronous=FULL")

    def sync(self) -> None:
        """Put every committed mark on disk (the write-ahead log holds the recent ones)."""
        wal = self.path.with_name(self.path.name + "-wal")
        target = wal if wal.exists() else self.path
        try:
            descriptor = os.open(target, os.O_RDONLY)
            try:
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
        except OSError as error:
            raise LedgerError(f"{self.path}: cannot write the delivery ledger to disk "
                              f"({error.strerror})") from None

    def rows(self, period: str | None = None) -> list[Delivery]:
        query = "SELECT * FROM deliveries"
        args: tuple[str, ...] = ()
        if period:
            query, args = query + " WHERE period=?", (period,)
        with self._using():
            return [Delivery(*row) for row in self._db.execute(
                query + " ORDER BY period, recipient, updated_at", args)]


def _create(path: Path) -> None:
    """A new, empty ledger at ``path``, built under a temporary name and renamed into place:
    a process killed while creating it leaves no file at ``path``."""
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size:
        raise LedgerError(f"{path} is missing but its write-ahead log {wal.name} (recent "
                          f"deliveries) is there; nothing sent: restore the ledger beside it, or"
                          f" delete {wal.name} too to start a new ledger (a new ledger sends "
                          "every message again)")
    temporary = path.with_name(f".{path.name}.new")
    for leftover in (temporary, *(temporary.with_name(temporary.name + suffix)
                                  for suffix in ("-journal", "-wal", "-shm")),
                     path.with_name(path.name + "-shm"), wal):
        leftover.unlink(missing_ok=True)
    connection = sqlite3.connect(temporary)
    try:
        connection.execute("PRAGMA synchronous=FULL")
        with connection:
            connection.execute(SCHEMA)
    finally:
        connection.close()
    descriptor = os.open(temporary, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    os.replace(temporary, path)


def _connect(path: Path) -> sqlite3.Connection:
    """The existing ledger at ``path``, checked whole before anything is sent."""
    if path.stat().st_size == 0:
        raise LedgerError(f"{path} is an empty file, not a delivery ledger; nothing sent: "
                          f"{RESTORE}")
    connection = sqlite3.connect(path, isolation_level="DEFERRED")
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        problems = [row[0] for row in connection.execute("PRAGMA quick_check")]
        if problems != ["ok"]:
            raise LedgerError(f"{path} is damaged ({problems[0]}), not a usable delivery "
                              f"ledger; nothing sent: {RESTORE}")
        tables = {row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type='table'")}
        if "deliveries" not in tables:
            raise LedgerError(f"{path} is an SQLite database but not a delivery ledger (no "
                              "deliveries table); nothing sent: point 'ledger:' in the config "
                              "at the ledger, or move this file away")
        # A 'pending' row left by a run that died mid-send may have reached the server.
        with connection:
            connection.execute("UPDATE deliveries SET state='unknown', reply='interrupted "
                               "while sending; may or may not have been delivered' "
                               "WHERE state='pending'")
    except sqlite3.DatabaseError as error:
        connection.close()
        raise _problem(path, error) from None
    except BaseException:
        connection.close()
        raise
    return connection


@contextmanager
def open_ledger(path: Path, wait: bool = False) -> Iterator[Ledger]:
    """The ledger, locked for this process until the block ends; created if there is none."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = open(path.with_suffix(path.suffix + ".lock"), "a+")  # noqa: SIM115
    except OSError as error:
        raise LedgerError(f"{path}: cannot open the delivery ledger ({error.strerror}); "
                          "nothing sent") from None
    with lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LedgerBusyError(f"{path} is in use by another 'reportgen send'; try again "
                                  "when it has finished") from None
        try:
            if not path.exists():
                _create(path)
            connection = _connect(path)
        except sqlite3.DatabaseError as error:
            raise _problem(path, error) from None
        except OSError as error:
            raise LedgerError(f"{path}: cannot use the delivery ledger ({error.strerror}); "
                              "nothing sent") from None
        try:
            yield Ledger(connection, path)
        finally:
            connection.close()
