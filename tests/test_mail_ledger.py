"""The delivery ledger (reportgen/mail/ledger.py), on real SQLite files in a temporary folder:
one row per period, recipient and content, states that only move forward, a run that died
mid-send read back as unknown, one send at a time, and a damaged file never replaced."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from reportgen.errors import LedgerBusyError, LedgerError
from reportgen.mail.ledger import FINAL, open_ledger

DELIVERY = ("2026Q1", "desk@example.com", "abc123")
"""(period, recipient, content hash): what a row is for."""


def test_a_new_ledger_is_made_and_marks_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "outputs" / "deliveries.sqlite3"
    with open_ledger(path) as ledger:
        assert ledger.get(*DELIVERY) is None
        ledger.mark(*DELIVERY, "pending", "<id@x>", "WULF 2026Q1", attempts=1, synced=False)
        ledger.mark(*DELIVERY, "sent", "<id@x>", "WULF 2026Q1", reply="250 OK")
        ledger.sync()
    with open_ledger(path) as ledger:
        row = ledger.get(*DELIVERY)
        assert row is not None
        assert (row.state, row.reply, row.attempts, row.message_id) == ("sent", "250 OK", 1,
                                                                       "<id@x>")
        assert row.updated_at.endswith("Z")
    assert not path.with_name(".deliveries.sqlite3.new").exists()


def test_attempts_add_up_and_other_content_is_another_row(tmp_path: Path) -> None:
    path = tmp_path / "deliveries.sqlite3"
    with open_ledger(path) as ledger:
        ledger.mark(*DELIVERY, "failed", "<id@x>", "s", reply="451 try later", attempts=2)
        ledger.mark(*DELIVERY, "sent", "<id@x>", "s", attempts=1)
        ledger.mark("2026Q1", "desk@example.com", "def456", "sent", "<id2@x>", "s")
        ledger.mark("2025Q4", "desk@example.com", "abc123", "sent", "<id3@x>", "s")
        assert ledger.get(*DELIVERY).attempts == 3
        assert [(r.period, r.content_hash) for r in ledger.rows()] == [
            ("2025Q4", "abc123"), ("2026Q1", "abc123"), ("2026Q1", "def456")]
        assert len(ledger.rows("2026Q1")) == 2
    assert "sent" in FINAL and "unknown" in FINAL and "failed" not in FINAL


def test_a_run_that_died_while_pending_reads_back_as_unknown(tmp_path: Path) -> None:
    path = tmp_path / "deliveries.sqlite3"
    with open_ledger(path) as ledger:
        ledger.mark(*DELIVERY, "pending", "<id@x>", "s", synced=False)
    with open_ledger(path) as ledger:
        row = ledger.get(*DELIVERY)
        assert row is not None and row.state == "unknown"
        assert "may or may not have been delivered" in row.reply


def test_a_second_send_at_the_same_time_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "deliveries.sqlite3"
    with open_ledger(path), pytest.raises(LedgerBusyError, match="in use by another"), \
            open_ledger(path):
        pass


@pytest.mark.parametrize(("content", "expected"), [
    pytest.param(b"", "is an empty file, not a delivery ledger; nothing sent", id="empty"),
    pytest.param(b"this is not a database at all" * 200, "is damaged", id="not-sqlite"),
])
def test_a_damaged_ledger_stops_the_run_and_is_left_as_it_is(tmp_path: Path, content: bytes,
                                                             expected: str) -> None:
    path = tmp_path / "deliveries.sqlite3"
    path.write_bytes(content)
    with pytest.raises(LedgerError, match=expected), open_ledger(path):
        pass
    assert path.read_bytes() == content


def test_another_sqlite_database_is_not_taken_for_a_ledger(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE notes (text TEXT)")
    connection.close()
    with pytest.raises(LedgerError, match="not a delivery ledger \\(no deliveries table\\)"), \
            open_ledger(path):
        pass


def test_a_missing_ledger_beside_its_write_ahead_log_is_not_recreated(tmp_path: Path) -> None:
    path = tmp_path / "deliveries.sqlite3"
    path.with_name("deliveries.sqlite3-wal").write_bytes(b"recent deliveries")
    with pytest.raises(LedgerError, match="is missing but its write-ahead log"), \
            open_ledger(path):
        pass
    assert not path.exists()
