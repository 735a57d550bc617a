"""Rendering jobs, run in this process (``--jobs 1``) or in a pool of worker processes.

Each job renders one output (a miner's briefing or the sector overview) and writes only its
own files, atomically. A worker keeps one WeasyPrint font configuration for all the jobs it
runs: the only per-process state in reportgen, set up by the pool's initializer (or lazily
in-process) and never shared between processes; and before each job it collects the last
job's garbage and freezes the rest (:func:`settle_heap`). WeasyPrint's image cache is
deliberately not shared: every chart is unique to its briefing, so a shared cache only grew
(measured: about 13 MB per briefing, 611 MB after 15 briefings in one worker, against 207 MB
flat without).

The pool (:class:`WorkerPool`) is reportgen's own, not ``concurrent.futures``: each worker takes
one job at a time over its own pipe, so the build process always knows which job each worker
runs and since when. That is what lets the parent enforce ``limits.render_seconds`` with a
hard kill and name the job a dead worker was running.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import multiprocessing
import os
import pickle
import resource
import signal
import sys
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from multiprocessing.connection import Connection, wait
from pathlib import Path
from types import TracebackType
from typing import Any

import pandas as pd

from reportgen import __version__, render
from reportgen.cells import TileKey
from reportgen.config import Config
from reportgen.errors import OutputError, RenderError, RenderTimeout, ReportgenError, cannot_write
from reportgen.files import atomic_write
from reportgen.formatting import NOT_DISCLOSED, Formatter
from reportgen.model import Dataset, Metrics
from reportgen.peers import RankedMetric


@dataclass(frozen=True)
class WrittenFile:
    path: Path
    size: int
    sha256: str


@dataclass(frozen=True)
class BriefingResult:
    ticker: str
    period: str
    requested_period: str
    pages: int
    seconds: float
    files: tuple[WrittenFile, ...]
    key: str = ""
    peak_rss_mb: float = 0.0
    """The rendering process's peak resident memory so far (for --verbose and bench/)."""
    warnings: tuple[tuple[str, str], ...] = ()
    """What WeasyPrint and fontTools warned about while rendering, as (logger, message) pairs
    (the parent logs them again: :func:`relay`)."""
    headline: dict[str, Any] = field(default_factory=dict)
    """The name, quarter title and headline figures the archive page lists (:func:`headline`)."""
    record: dict[str, Any] = field(default_factory=dict)
    """What went into the content key (set by the build, kept in the manifest for --explain)."""

    @property
    def is_stale(self) -> bool:
        return self.period != self.requested_period


@dataclass(frozen=True)
class Shared:
    """What every job of one build needs; sent to each worker once, when it starts.

    Only what is known before the analysis: the build starts its workers then, so that they
    load the renderers while the build process works out the metrics (see
    :func:`reportgen.build._build`). What the analysis yields (the peer table, each miner's
    metrics) goes with the jobs that use it.
    """

    config: Config
    dataset: Dataset
    out_dir: Path
    created: datetime


class _Engine:
    """The per-process WeasyPrint font configuration."""

    def __init__(self) -> None:
        from weasyprint.text.fonts import FontConfiguration

        self.font_config = FontConfiguration()


_shared: Shared | None = None
_engine: _Engine | None = None


RELAYED = ("weasyprint", "fontTools")
"""The loggers whose warnings a worker collects and the build process prints (deduplicated)."""


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        root = next((name for name in RELAYED if record.name.split(".")[0] == name),
                    record.name)
        self.messages.append((root, record.getMessage()))


_collector = _Collector()


def init_worker(shared: Shared) -> None:
    """Set up a worker: remember the build's shared data, load the renderers, collect
    WeasyPrint's warnings so the parent can report them, then bound this process's memory.

    The renderers (WeasyPrint, matplotlib, the font configuration) are loaded here, before the
    worker says it is ready, so ``limits.render_seconds`` times the render alone, never the
    imports; and the memory bound, set last, applies to renders, not to loading the code.
    """
    global _shared, _engine
    _shared, _engine = shared, None
    for name in RELAYED:  # collected and sent with the result, not printed by the worker
        logger = logging.getLogger(name)
        logger.addHandler(_collector)
        logger.propagate = False
    from reportgen import charts, claims, sector_charts, sector_view, spreadsheet, view  # noqa: F401

    _state()
    settle_heap()
    limit = shared.config.render_memory_mb
    if limit > 0:
        size = limit * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_DATA, (size, size))


def settle_heap() -> None:
    """Collect the garbage the last job left, then exempt every surviving object from the
    garbage collector's later passes (:func:`gc.freeze`). Called when a worker is set up and
    before each job.

    Why: after loading WeasyPrint, matplotlib and pandas a worker holds about 170,000
    objects that live as long as it does, and every full collection during a render walked
    them all again. Measured on 30 synthetic miners, three briefings and the sector in one
    process: a briefing took 2.6-2.8 s instead of 3.0-3.2 s and the sector overview 3.7 s
    instead of 4.1-4.2 s, this call included (0.10-0.15 s after a briefing, collecting that
    briefing's garbage); the process's peak memory did not grow. Frozen objects are
    still freed when nothing refers to them; only a reference cycle among objects that
    survived an earlier job would stay (the frozen set grew by about 1,300 objects a job, the
    renderers' caches), which is why this is done in the workers, whose lives end with the
    build, and never in the build process, which a caller's program may be.
    """
    gc.collect()
    gc.freeze()


def _warnings() -> tuple[tuple[str, str], ...]:
    """The warnings collected since the last job took them: a job's own, and for a worker's
    first job also those of setting it up (loading fonts), which no one would see otherwise.
    (The time bound is the parent's: :meth:`WorkerPool.run` kills a worker whose job runs past
    ``limits.render_seconds``.)"""
    taken = tuple(_collector.messages)
    _collector.messages.clear()
    return taken


def _state() -> tuple[Shared, _Engine]:
    global _engine
    if _shared is None:
        raise RuntimeError("init_worker was not called in this process")
    if _engine is None:
        _engine = _Engine()
    return _shared, _engine


def settings(config: Config, dataset: Dataset) -> dict[str, object]:
    return {"firm_name": config.firm_name, "accent_color": config.accent_color,
            "font_family": config.font_family, "logo": render.logo_data_uri(config.logo),
            "paper_size": config.paper_size, "version": __version__,
            "fingerprint": dataset.fingerprint,
            "stale_after_quarters": config.stale_after_quarters,
            "missing_mark": NOT_DISCLOSED}


def _documents(shared: Shared, engine: _Engine, template: str, context: dict[str, object],
               stem: str, data_files: tuple[render.DataFile, ...], fmt: Formatter
               ) -> tuple[list[tuple[str, bytes]], int]:
    """The HTML and (rendered from it) PDF of one briefing, as the config's formats ask."""

    config = shared.config
    html_text = render.html(render.environment(config.template_dirs, fmt), template, context)
    outputs: list[tuple[str, bytes]] = []
    pages = 0
    if "html" in config.formats:
        outputs.append((f"{stem}.html", html_text.encode("utf-8")))
    if "pdf" in config.formats:
        pdf = render.pdf(html_text, config.resource_roots,
                         shared.created, base_dir=config.templates_dir,
                         font_config=engine.font_config, variant=config.pdf_variant,
                         data_files=data_files)
        pages = pdf.pages
        outputs.append((f"{stem}.pdf", pdf.data))
    return outputs, pages


def _write(out_dir: Path, outputs: list[tuple[str, bytes]]) -> tuple[WrittenFile, ...]:
    written = []
    for name, data in outputs:
        path = out_dir / name
        try:
            written.append(WrittenFile(path, len(data), atomic_write(path, data)))
        except OSError as error:
            raise cannot_write(path, error) from None
    return tuple(written)


class WorkerCrash(RuntimeError):
    """A bug in a worker, carried to the parent with its traceback as text (the original
    exception may not survive pickling)."""


@contextmanager
def _reported(name: str) -> Iterator[None]:
    """Turn whatever a job raises into something the parent can receive and explain."""
    try:
        yield
    except ReportgenError:
        raise
    except Exception as error:
        if isinstance(error, MemoryError) or (_limited() and _out_of_memory(error)):
            limit = _shared.config.render_memory_mb if _shared else 0
            raise RenderError(f"rendering {name} needed more than limits.render_memory_mb "
                              f"({limit} MB)") from None
        if isinstance(error, OSError):
            raise OutputError(f"{name}: cannot write the outputs ({error.strerror or error})"
                              ) from None
        raise WorkerCrash(f"{name}: {type(error).__name__}: {error}\n"
                          f"{traceback.format_exc()}") from None


def _limited() -> bool:
    """Whether this worker runs under a memory bound."""
    return bool(_shared and _shared.config.render_memory_mb > 0)


def render_miner(miner: Metrics, key: str, ranked: list[RankedMetric]) -> BriefingResult:
    """One miner's briefing; ``ranked`` is its place among peers, as its content key saw it."""
    shared, _ = _state()
    name = miner.company.ticker
    with _reported(name):
        result = _render_miner(miner, key, ranked, Formatter(shared.config.number_style))
    return replace(result, warnings=_warnings())


def _render_miner(miner: Metrics, key: str, ranked: list[RankedMetric], fmt: Formatter
                  ) -> BriefingResult:
    from reportgen import charts, claims, spreadsheet, view

    shared, engine = _state()
    started = time.perf_counter()
    ticker = miner.company.ticker
    context = view.context(miner, charts.build_charts(miner, fmt), claims.miner_claims(
        miner, fmt, stale_after=shared.config.stale_after_quarters),
                           dict(shared.dataset.sources), settings(shared.config, shared.dataset),
                           ranked, shared.dataset.market, fmt)
    metrics_csv = spreadsheet.csv_bytes(miner.tidy)
    facts_csv = spreadsheet.csv_bytes(
        miner.facts.drop(columns=["file", "decimals"], errors="ignore"))
    data_files = (
        render.DataFile(f"{ticker}-metrics.csv", metrics_csv,
                        "Every metric in this briefing, one row per quarter, with status and "
                        "source"),
        render.DataFile(f"{ticker}-facts.csv", facts_csv,
                        "The input figures behind this briefing, with their sources and "
                        "facts.csv line numbers"),
    )
    outputs, pages = _documents(shared, engine, "briefing.html", context, ticker, data_files,
                                fmt)
    outputs.insert(0, (f"{ticker}-metrics.csv", metrics_csv))
    return BriefingResult(ticker, miner.period, miner.requested_period, pages,
                          time.perf_counter() - started, _write(shared.out_dir, outputs), key,
                          _peak_rss_mb(), headline=headline(context))


HEADLINE = (TileKey.REVENUE, TileKey.AI_HPC_SHARE, TileKey.NET_INCOME)
"""The KPI tiles the archive page lists for each briefing."""


def headline(context: dict[str, Any]) -> dict[str, Any]:
    """What the archive page shows of a briefing, as its cover prints it: the miner's name,
    the quarter covered (with its fiscal label) and the :data:`HEADLINE` figures with their
    S/D/E marks (none beside a missing figure). Kept in the manifest, so the archive page
    never recomputes a briefing."""
    tiles = {tile.key: tile for tile in context["tiles"]}
    figures = []
    for key in HEADLINE:
        if key not in tiles:
            continue
        cell = tiles[key].value
        figures.append({"label": tiles[key].label, "text": str(cell.text),
                        "mark": "" if cell.missing else str(cell.mark),
                        "negative": bool(cell.negative)})
    return {"name": context["company"].name, "title": context["period_title"],
            "figures": figures}


SECTOR_FORMATS = {
    "revenue": "#,##0.0", "revenue_qoq": "0.0%", "ai_hpc_share": "0.0%",
    "ai_hpc_revenue": "#,##0.0", "mining_revenue": "#,##0.0", "net_income": "#,##0.0",
    "non_cash_share": "0.0%", "adjusted_ebitda": "#,##0.0", "hashrate": "0.0",
    "mw_contracted": "#,##0", "contracted_value": "#,##0",
    "contracted_annual_revenue": "#,##0.0", "before_non_cash": "#,##0.0",
    "non_cash_effect": "#,##0.0", "bridge_other": "#,##0.0", "eps_diluted": "0.00",
    "cash": "#,##0.0", "total_debt": "#,##0.0", "value": "General",
}


def render_sector(miners: tuple[Metrics, ...], peer_table: pd.DataFrame,
                  silent: tuple[str, ...], period: str, key: str) -> BriefingResult:
    """The sector overview's documents: peer table, sector charts and narrative, as HTML and
    PDF (the PDF embeds sector-metrics.csv). Its data files are :func:`render_sector_data`'s,
    a job of their own, so that they render on the other worker at the same time."""
    shared, _ = _state()
    with _reported("sector"):
        result = _render_sector(miners, peer_table, silent, period, key,
                                Formatter(shared.config.number_style))
    return replace(result, warnings=_warnings())


def _render_sector(miners: tuple[Metrics, ...], peer_table: pd.DataFrame,
                   silent: tuple[str, ...], period: str, key: str, fmt: Formatter
                   ) -> BriefingResult:
    from reportgen import claims, sector_charts, sector_view, valuation

    shared, engine = _state()
    started = time.perf_counter()
    # Worked out once, for the valuation table and its chart alike.
    valuations = {m.company.ticker: valuation.value(
        m, fmt, stale_after=shared.config.stale_after_quarters) for m in miners}
    charts = sector_charts.build_sector_charts(miners, peer_table, period, valuations, fmt)
    sentences = claims.sector_claims(peer_table, period, fmt, silent)
    context = sector_view.context(miners, peer_table, charts, sentences, shared.dataset.sources,
                                  period, settings(shared.config, shared.dataset), valuations,
                                  fmt)
    # Only the PDF embeds the metrics (an HTML-only build never works them out here).
    data_files = (render.DataFile(
        SECTOR_METRICS, sector_csv(sector_tidy(miners)),
        "Every miner's metrics, one row per quarter, with status and source"),
    ) if "pdf" in shared.config.formats else ()
    outputs, pages = _documents(shared, engine, "sector.html", context, "sector", data_files,
                                fmt)
    return BriefingResult(SECTOR, period, period, pages, time.perf_counter() - started,
                          _write(shared.out_dir, outputs), key, _peak_rss_mb(),
                          headline={"name": "Sector overview", "title": period, "figures": []})


SECTOR = "sector"
"""The sector overview's name as an output (in the manifest, --explain and messages)."""
SECTOR_METRICS = "sector-metrics.csv"


def sector_tidy(miners: tuple[Metrics, ...]) -> pd.DataFrame:
    """Every miner's metrics in one long table: sector-metrics.csv and the workbook's Metrics
    sheet."""
    return pd.concat([m.tidy for m in miners], ignore_index=True)


def sector_csv(tidy: pd.DataFrame) -> bytes:
    """sector-metrics.csv: the same bytes whether written as a file (:func:`render_sector_data`)
    or embedded in the sector PDF (:func:`render_sector`), since both come from here."""
    from reportgen import spreadsheet

    return spreadsheet.csv_bytes(tidy)


def render_sector_data(miners: tuple[Metrics, ...], peer_table: pd.DataFrame, period: str,
                       key: str) -> BriefingResult:
    """The sector overview's data files, sector-metrics.csv and sector.xlsx: part of the sector
    output (same key, same decision), rendered as a job of its own.

    Why a separate job: the sector overview is the longest job of a build that re-renders one
    miner and the sector (measured with ``bench/run.py --miners 30``: 4.0 s against a miner's
    2.7 s), and about 0.8 s of it was these files (every miner's tidy metrics and the
    workbook). As a job of their own they run on the worker that finished the miner's
    briefing. The build merges this part's result with :func:`render_sector`'s
    (:func:`merge_parts`) before publishing, so the manifest still sees one output.
    """
    with _reported("sector data files"):
        result = _render_sector_data(miners, peer_table, period, key)
    return replace(result, warnings=_warnings())


def _render_sector_data(miners: tuple[Metrics, ...], peer_table: pd.DataFrame, period: str,
                        key: str) -> BriefingResult:
    from reportgen import spreadsheet

    shared, _ = _state()
    started = time.perf_counter()
    tidy = sector_tidy(miners)
    peers_sheet = peer_table.drop(columns=["ai_hpc_ahead"]).reset_index()
    peers_sheet["stale"] = peers_sheet["stale"].map({True: "yes", False: "no"})
    sources_sheet = pd.DataFrame([vars(s) for s in shared.dataset.sources.values()])
    outputs = [
        (SECTOR_METRICS, sector_csv(tidy)),
        ("sector.xlsx", spreadsheet.workbook(
            {"Peers": peers_sheet, "Metrics": tidy, "Sources": sources_sheet},
            SECTOR_FORMATS, shared.created)),
    ]
    return BriefingResult(SECTOR, period, period, 0, time.perf_counter() - started,
                          _write(shared.out_dir, outputs), key, _peak_rss_mb())


def merge_parts(parts: list[BriefingResult]) -> BriefingResult:
    """One output's result from the results of the jobs that rendered its parts (the sector
    overview's documents and its data files): every file, the pages, the seconds of work
    added up, the largest process peak, and the headline of the part that has one."""
    first, *rest = parts
    if any(part.ticker != first.ticker or part.key != first.key for part in rest):
        raise ValueError(f"cannot merge results of different outputs: "
                         f"{sorted({(p.ticker, p.key[:8]) for p in parts})}")
    return replace(
        first, pages=sum(p.pages for p in parts), seconds=sum(p.seconds for p in parts),
        files=tuple(f for p in parts for f in p.files),
        peak_rss_mb=max(p.peak_rss_mb for p in parts),
        warnings=tuple(w for p in parts for w in p.warnings),
        headline=next((p.headline for p in parts if p.headline), {}))


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- warnings: relayed from the workers, each printed once -----------------------------------

def relay(result: BriefingResult) -> None:
    """Log a render's warnings again in the build process, where callers and tests see them:
    each as ``TICKER: message`` on the logger that gave it, marked so that a
    :class:`WarningTally` can count identical ones rather than print each."""
    for name, message in result.warnings:
        logging.getLogger(name).warning("%s: %s", result.ticker, message,
                                        extra={"relayed": (result.ticker, message)})


class WarningTally(logging.Filter):
    """Identical warnings from the renders, printed once with a count.

    Installed (:meth:`installed`) on the command line's own stderr handler for the length of
    a build: each relayed warning is held back and counted by logger and message; at the end
    each is printed once, as ``WULF: message`` when one output gave it and ``message (×24)``
    when several did (a font warning comes once per briefing). Other records pass through.
    Anyone else's handlers (pytest's log capture, an application embedding reportgen) are left
    alone and still see every warning.
    """

    def __init__(self) -> None:
        super().__init__()
        self.seen: dict[tuple[str, str], list[str]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        relayed = getattr(record, "relayed", None)
        if relayed is None:
            return True
        output, message = relayed
        self.seen.setdefault((record.name, message), []).append(output)
        return False

    def lines(self) -> list[tuple[str, str]]:
        """(logger, text) for each distinct warning, in the order first seen."""
        return [(name, f"{message} (×{len(outputs)})" if len(outputs) > 1
                 else f"{outputs[0]}: {message}")
                for (name, message), outputs in self.seen.items()]

    @classmethod
    @contextmanager
    def installed(cls, report: bool = True) -> Iterator[WarningTally]:
        """Count relayed warnings on the root logger's plain stream handlers (the one
        ``logging.basicConfig`` made) during the block; print them on leaving if ``report``."""
        handlers = [h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler]
        tally = cls()
        for handler in handlers:
            handler.addFilter(tally)
        try:
            yield tally
        finally:
            for handler in handlers:
                handler.removeFilter(tally)
            if report:
                for name, text in tally.lines():
                    record = logging.LogRecord(name, logging.WARNING, __file__, 0, text, None,
                                               None)
                    for handler in handlers:
                        handler.handle(record)


# --- the pool: worker processes the build process starts, times and kills ------------------

STARTUP_SECONDS = 120
"""How long a new worker may take to load the renderers before the build gives up on it."""

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>

Call = tuple[str, Callable[..., BriefingResult], tuple[object, ...]]
"""A job: its name in messages (a ticker or "sector"), a module-level function, its arguments."""


def _die_with_parent(parent: int | None) -> None:
    """Ask Linux to SIGKILL this process the moment the process that started it dies, however
    it dies (SIGKILL included), so no worker outlives its build. Elsewhere, only the parent's
    kill on the way out (:meth:`WorkerPool.__exit__`) applies."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, ctypes.c_ulong(signal.SIGKILL), ctypes.c_ulong(0),
                       ctypes.c_ulong(0), ctypes.c_ulong(0))
        except (OSError, AttributeError):
            pass
    if parent is not None and os.getppid() != parent:
        os._exit(1)  # the build died before the request above took effect


def _portable(error: BaseException) -> BaseException:
    """``error`` if it survives the trip to the parent, else a WorkerCrash carrying its text."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        trace = "".join(traceback.format_exception(error))
        return WorkerCrash(f"{type(error).__name__}: {error}\n{trace}")
    return error


_OUT_OF_MEMORY = pickle.dumps(("memory", None))
"""The "memory" message, pickled before any limit applies: a worker that has just failed to
allocate must be able to say so without allocating (``recv`` unpickles it like any message)."""
OUT_OF_MEMORY_EXIT = 86
"""A worker that cannot even send :data:`_OUT_OF_MEMORY` exits with this code, which the
pool reads as "needed more than limits.render_memory_mb"."""


def _send(conn: Connection, message: tuple[str, object]) -> None:
    try:
        conn.send(message)
    except MemoryError:
        _send_out_of_memory(conn)
    except (pickle.PicklingError, TypeError, AttributeError) as error:
        conn.send(("raised", WorkerCrash(f"a result could not be sent back: {error}")))


def _send_out_of_memory(conn: Connection) -> None:
    try:
        conn.send_bytes(_OUT_OF_MEMORY)
    except MemoryError:
        os._exit(OUT_OF_MEMORY_EXIT)


def _out_of_memory(error: BaseException) -> bool:
    """Whether ``error`` is an allocation failing under the memory bound, however a library
    surfaced it: C code may raise SystemError or its own error with the MemoryError as its
    cause or context, or only say "out of memory" / "cannot allocate" in its message."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, MemoryError):
            return True
        text = str(current).lower()
        if "out of memory" in text or "cannot allocate" in text or "bad_alloc" in text:
            return True
        current = current.__cause__ or current.__context__
    return False


def _serve(conn: Connection, shared: Shared, parent: int | None) -> None:
    """A worker's life: set up, say ready, then run one job at a time until told to stop."""
    _die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the build stops and kills us
    try:
        init_worker(shared)
    except BaseException as error:
        _send(conn, ("raised", _portable(error)))
        return
    _send(conn, ("ready", None))
    while True:
        try:
            job = conn.recv()
        except MemoryError:
            _send_out_of_memory(conn)
            continue
        except (EOFError, OSError):
            return  # the build closed the pipe: nothing more to do
        if job is None:
            return
        function, args = job
        try:
            settle_heap()
            outcome: tuple[str, object] = ("done", function(*args))
        except MemoryError:
            _send_out_of_memory(conn)
            continue
        except BaseException as error:
            if _limited() and _out_of_memory(error):
                _send_out_of_memory(conn)
                continue
            outcome = ("raised", _portable(error))
        _send(conn, outcome)


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: Connection
    started: float
    ready: bool = False
    job: str | None = None
    deadline: float | None = None


class WorkerPool:
    """Worker processes owned by the build process, which alone decides when they die.

    - **Time bound**: a job is timed from the moment it is handed to an idle, ready worker;
      past ``limits.render_seconds`` the build SIGKILLs that worker and stops with a message
      naming the job and the limit. No alarm runs inside the worker: a render stuck in C code,
      or a library catching every exception, cannot delay or swallow a kill.
    - **No orphans**: each worker asks Linux to kill it when its parent dies
      (``PR_SET_PDEATHSIG``), so even a SIGKILLed build leaves no worker behind; and leaving
      the ``with`` block for any reason (done, an error, Ctrl-C) kills every worker.
    - A worker that dies mid-job is named with the job it was running.
    """

    def __init__(self, shared: Shared, size: int) -> None:
        self._shared = shared
        self._size = max(1, size)
        self._workers: list[_Worker] = []

    def __enter__(self) -> WorkerPool:
        context = multiprocessing.get_context()
        # Only a forked worker's OS parent is this process (forkserver and spawn go through a
        # helper process), so only then can a worker check that its parent is still here.
        parent = os.getpid() if context.get_start_method() == "fork" else None
        try:
            for number in range(self._size):
                ours, theirs = context.Pipe()
                process = context.Process(target=_serve, args=(theirs, self._shared, parent),
                                          name=f"reportgen-worker-{number}", daemon=True)
                process.start()
                theirs.close()
                self._workers.append(_Worker(process, ours, time.monotonic()))
        except BaseException:
            self.kill()
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.kill()

    def kill(self) -> None:
        """SIGKILL every worker and reap it. Workers hold no state worth saving: their files
        are in the build's staging folder, which the build removes or publishes."""
        for worker in self._workers:
            if worker.process.is_alive():
                worker.process.kill()
        for worker in self._workers:
            worker.process.join(5)
            worker.conn.close()
        self._workers = []

    def run(self, calls: list[Call]) -> Iterator[BriefingResult]:
        """Run every job, yielding each result as it arrives; the first failure raises."""
        for _, result in self.run_named(calls):
            yield result

    def run_named(self, calls: list[Call]) -> Iterator[tuple[str, BriefingResult]]:
        """:meth:`run`, each result with the name of the job that gave it (one output may be
        rendered by several jobs, whose results all carry the output's name)."""
        queue = deque(calls)
        limit = self._shared.config.render_seconds
        while queue or any(w.job for w in self._workers):
            for worker in self._workers:
                if worker.ready and worker.job is None and queue:
                    name, function, args = queue.popleft()
                    worker.job = name
                    worker.deadline = time.monotonic() + limit if limit > 0 else None
                    try:
                        worker.conn.send((function, args))
                    except (BrokenPipeError, ConnectionResetError):
                        self._died(worker)
            # Workers still starting count only while jobs wait for them.
            busy = [w for w in self._workers if w.job or (queue and not w.ready)]
            deadlines = [w.deadline if w.ready else w.started + STARTUP_SECONDS for w in busy
                         if w.deadline is not None or not w.ready]
            timeout = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
            ready = wait([o for w in busy for o in (w.conn, w.process.sentinel)], timeout)
            for worker in busy:
                if worker.conn in ready or worker.process.sentinel in ready:
                    received = self._receive(worker)
                    if received is not None:
                        yield received
            self._check_deadlines(limit, bool(queue))

    def _receive(self, worker: _Worker) -> tuple[str, BriefingResult] | None:
        try:
            if not worker.conn.poll():
                self._died(worker)
            kind, payload = worker.conn.recv()
        except (EOFError, OSError):
            self._died(worker)
        if kind == "ready":
            worker.ready = True
            return None
        if not worker.ready:  # setting up failed: a bug, or a ReportgenError with its message
            raise payload if isinstance(payload, BaseException) else WorkerCrash(
                f"a worker process failed to start: {kind!r}")
        name, worker.job, worker.deadline = worker.job, None, None
        if kind == "done":
            return str(name), payload  # type: ignore[return-value]
        if kind == "memory":
            raise RenderError(f"rendering {name} needed more than limits.render_memory_mb "
                              f"({self._shared.config.render_memory_mb} MB)")
        if isinstance(payload, BaseException):
            raise payload
        raise WorkerCrash(f"{name}: unexpected message from a worker: {kind!r}")

    def _died(self, worker: _Worker) -> None:
        worker.process.join(1)
        code = worker.process.exitcode
        how = f"killed by signal {-code}" if code is not None and code < 0 else (
            f"exit code {code}" if code is not None else "no longer answering")
        if not worker.ready:
            raise RenderError(f"a worker process died while starting ({how})")
        if code == OUT_OF_MEMORY_EXIT:
            raise RenderError(f"rendering {worker.job} needed more than limits.render_memory_mb "
                              f"({self._shared.config.render_memory_mb} MB)")
        raise RenderError(f"a worker process died while rendering {worker.job} ({how}: "
                          "killed, or out of memory); nothing was published: run the build "
                          "again")

    def _check_deadlines(self, limit: int, queue_waiting: bool) -> None:
        now = time.monotonic()
        for worker in self._workers:
            if worker.job and worker.deadline is not None and now >= worker.deadline:
                worker.process.kill()
                raise RenderTimeout(f"{worker.job}: a render took longer than "
                                    f"limits.render_seconds ({limit} s) and was stopped")
            if queue_waiting and not worker.ready and now >= worker.started + STARTUP_SECONDS:
                worker.process.kill()
                raise RenderError(f"a worker process did not start within {STARTUP_SECONDS} s")
