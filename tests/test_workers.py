"""The pure parts of :mod:`reportgen.workers`: the archive headline, the warning tally, error
translation in and out of a worker, writing outputs. The pool itself (processes, kills) is
tested end to end in tests/e2e/test_faults.py and test_concurrency.py."""

from __future__ import annotations

import gc
import hashlib
import logging
import multiprocessing
import pickle
import weakref
from dataclasses import replace
from multiprocessing.connection import Connection
from pathlib import Path
from types import SimpleNamespace

import pytest

from reportgen import workers
from reportgen.cells import Cell, Tile, TileKey
from reportgen.errors import InputError, OutputError, Problem, RenderError
from reportgen.formatting import NOT_DISCLOSED


def _result(ticker: str, *warnings: tuple[str, str], period: str = "2026Q1"
            ) -> workers.BriefingResult:
    return workers.BriefingResult(ticker, period, "2026Q1", 3, 1.0, (), warnings=warnings)


def test_headline_lists_the_three_archive_figures_with_marks():
    context = {"company": SimpleNamespace(name="TeraWulf Inc."), "period_title": "2026Q1",
               "tiles": [Tile(TileKey.REVENUE, "Revenue", Cell("$34.0M", "S")),
                         Tile(TileKey.ADJUSTED_EBITDA, "Adjusted EBITDA",
                              Cell("−$4.1M", "S", negative=True)),
                         Tile(TileKey.AI_HPC_SHARE, "AI/HPC share", Cell(NOT_DISCLOSED, "S")),
                         Tile(TileKey.NET_INCOME, "Net income",
                              Cell("−$427.6M", "E", negative=True))]}
    assert workers.headline(context) == {"name": "TeraWulf Inc.", "title": "2026Q1", "figures": [
        {"label": "Revenue", "text": "$34.0M", "mark": "S", "negative": False},
        {"label": "AI/HPC share", "text": NOT_DISCLOSED, "mark": "", "negative": False},
        {"label": "Net income", "text": "−$427.6M", "mark": "E", "negative": True}]}


def test_a_result_is_stale_when_it_covers_an_earlier_quarter():
    assert not _result("WULF").is_stale
    assert _result("HUT", period="2025Q4").is_stale


def test_the_tally_prints_identical_warnings_once_with_a_count():
    tally = workers.WarningTally()
    for result in (_result("WULF", ("fontTools", "no glyph")),
                   _result("CIFR", ("fontTools", "no glyph"), ("fontTools", "odd table"))):
        for name, message in result.warnings:
            record = logging.LogRecord(name, logging.WARNING, __file__, 0, "%s: %s",
                                       (result.ticker, message), None)
            record.relayed = (result.ticker, message)
            assert tally.filter(record) is False  # held back, counted
    plain = logging.LogRecord("other", logging.WARNING, __file__, 0, "x", None, None)
    assert tally.filter(plain) is True
    assert tally.lines() == [("fontTools", "no glyph (×2)"), ("fontTools", "CIFR: odd table")]


def test_relay_logs_each_warning_again_marked_for_the_tally(caplog):
    caplog.set_level(logging.WARNING, logger="fontTools")
    workers.relay(_result("WULF", ("fontTools", "no glyph")))
    (record,) = [r for r in caplog.records if r.name == "fontTools"]
    assert record.getMessage() == "WULF: no glyph"
    assert record.relayed == ("WULF", "no glyph")


def test_write_returns_sizes_and_hashes(tmp_path: Path):
    (written,) = workers._write(tmp_path, [("WULF.html", b"<p>x</p>")])
    assert written == workers.WrittenFile(tmp_path / "WULF.html", 8,
                                          hashlib.sha256(b"<p>x</p>").hexdigest())
    assert (tmp_path / "WULF.html").read_bytes() == b"<p>x</p>"
    (tmp_path / "blocker").write_text("a file where the folder should be")
    with pytest.raises(OutputError, match=r"^cannot write .*blocker/WULF\.html: "):
        workers._write(tmp_path / "blocker", [("WULF.html", b"x")])


@pytest.mark.parametrize(("error", "expected"), [
    (MemoryError(), True),
    (SystemError("cairo: out of memory"), True),
    (RuntimeError("std::bad_alloc"), True),
    (OSError("Cannot allocate memory"), True),
    (ValueError("bad value"), False),
])
def test_out_of_memory_is_recognised_however_it_is_raised(error, expected):
    assert workers._out_of_memory(error) is expected


def test_out_of_memory_follows_the_cause_chain():
    try:
        try:
            raise MemoryError
        except MemoryError as inner:
            raise RuntimeError("render failed") from inner
    except RuntimeError as outer:
        assert workers._out_of_memory(outer)


def test_reported_translates_what_a_job_raises():
    job = workers._reported("WULF")
    with pytest.raises(OutputError, match=r"^WULF: cannot write the outputs \(No space"), job:
        raise OSError(28, "No space left on device")
    job = workers._reported("WULF")
    with pytest.raises(RenderError, match=r"^rendering WULF needed more than"), job:
        raise MemoryError
    job = workers._reported("WULF")
    with pytest.raises(workers.WorkerCrash, match=r"^WULF: KeyError: 'mix_total'"), job:
        raise KeyError("mix_total")
    problem = InputError([Problem("inputs/facts.csv", "bad", line=2)])
    # reportgen's own errors pass unchanged
    with pytest.raises(InputError) as raised, workers._reported("WULF"):
        raise problem
    assert raised.value is problem


class _Unpicklable(Exception):
    def __reduce__(self):
        raise TypeError("cannot pickle")


def test_portable_keeps_what_pickles_and_wraps_what_does_not():
    error = OutputError("disk full")
    assert workers._portable(error) is error
    wrapped = workers._portable(_Unpicklable("held a socket"))
    assert isinstance(wrapped, workers.WorkerCrash)
    assert str(wrapped).startswith("_Unpicklable: held a socket\n")
    pickle.loads(pickle.dumps(wrapped))


def _part(pages: int, seconds: float, names: tuple[str, ...], peak: float,
          headline: dict[str, object] | None = None, key: str = "k1",
          warnings: tuple[tuple[str, str], ...] = ()) -> workers.BriefingResult:
    files = tuple(workers.WrittenFile(Path(name), 1, "0" * 64) for name in names)
    return workers.BriefingResult("sector", "2026Q1", "2026Q1", pages, seconds, files, key,
                                  peak, warnings, headline or {})


def test_the_sector_parts_merge_into_one_output_in_the_order_given():
    documents = _part(13, 3.0, ("sector.html", "sector.pdf"), 210.0,
                      {"name": "Sector overview", "title": "2026Q1", "figures": []},
                      warnings=(("weasyprint", "a"),))
    data = _part(0, 0.5, ("sector-metrics.csv", "sector.xlsx"), 250.0,
                 warnings=(("fontTools", "b"),))
    merged = workers.merge_parts([documents, data])
    assert [f.path.name for f in merged.files] == ["sector.html", "sector.pdf",
                                                   "sector-metrics.csv", "sector.xlsx"]
    assert (merged.ticker, merged.key, merged.pages) == ("sector", "k1", 13)
    assert merged.seconds == pytest.approx(3.5) and merged.peak_rss_mb == 250.0
    assert merged.headline["name"] == "Sector overview"
    assert merged.warnings == (("weasyprint", "a"), ("fontTools", "b"))
    # The headline comes from the part that has one, whichever comes first.
    assert workers.merge_parts([data, documents]).headline["name"] == "Sector overview"


def test_parts_of_different_outputs_or_keys_are_not_merged():
    documents = _part(13, 3.0, ("sector.pdf",), 200.0)
    with pytest.raises(ValueError, match="different outputs"):
        workers.merge_parts([documents, _part(0, 0.5, ("sector.xlsx",), 200.0, key="k2")])
    with pytest.raises(ValueError, match="different outputs"):
        workers.merge_parts([documents, replace(_part(0, 0.5, ("x",), 1.0), ticker="WULF")])


def _settled_in_a_fresh_process(conn: Connection) -> None:
    class Node:
        pass

    node = Node()
    node.itself = node  # a reference cycle: only the garbage collector frees it
    ref = weakref.ref(node)
    gc.disable()  # so that only settle_heap collects it
    del node
    workers.settle_heap()
    conn.send((ref() is None, gc.get_freeze_count(), gc.get_count()[0]))


def test_settle_heap_collects_garbage_and_freezes_what_survives():
    """Run in a forked process: freezing the test process's own heap would outlive the test."""
    ours, theirs = multiprocessing.get_context("fork").Pipe()
    process = multiprocessing.get_context("fork").Process(
        target=_settled_in_a_fresh_process, args=(theirs,))
    process.start()
    collected, frozen, young = ours.recv()
    process.join(10)
    assert collected, "the reference cycle left before the job was not collected"
    assert frozen > 1000  # pytest's and pandas' objects: out of later collections' way
    assert young < 50
