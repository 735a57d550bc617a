"""Rendering jobs, run in this process (``--jobs 1``) or in a pool of worker processes.

Each job renders one output (a miner's briefing or the sector overview) and writes only its
own files, atomically. A worker keeps one WeasyPrint font configuration for all the jobs it
runs: the only per-process state in reportgen, set up by the pool's initializer (or lazily
in-process) and never shared between processes. WeasyPrint's image cache is deliberately not
shared: every chart is unique to its briefing, so a shared cache only grew (measured: about
13 MB per briefing, 611 MB after 15 briefings in one worker, against 207 MB flat without).
"""

from __future__ import annotations

import logging
import resource
import signal
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import pandas as pd

from reportgen import __version__, render
from reportgen.config import Config
from reportgen.errors import OutputError, RenderError, ReportgenError
from reportgen.files import atomic_write
from reportgen.formatting import NOT_DISCLOSED, number_style
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
    warnings: tuple[str, ...] = ()
    """What WeasyPrint warned about while rendering (the parent logs them again)."""

    @property
    def is_stale(self) -> bool:
        return self.period != self.requested_period


@dataclass(frozen=True)
class Shared:
    """What every job of one build needs; sent to each worker once."""

    config: Config
    dataset: Dataset
    peer_table: pd.DataFrame
    out_dir: Path
    created: datetime


class _Engine:
    """The per-process WeasyPrint font configuration."""

    def __init__(self) -> None:
        from weasyprint.text.fonts import FontConfiguration

        self.font_config = FontConfiguration()


_shared: Shared | None = None
_engine: _Engine | None = None


class RenderTimeout(RenderError):
    """A render ran past limits.render_seconds."""


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


_collector = _Collector()


def init_worker(shared: Shared) -> None:
    """Pool initializer: remember the build's shared data, bound this process's memory, and
    collect WeasyPrint's warnings so the parent can report them."""
    global _shared, _engine
    _shared, _engine = shared, None
    limit = shared.config.render_memory_mb
    if limit > 0:
        size = limit * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_DATA, (size, size))
    logging.getLogger("weasyprint").addHandler(_collector)
    signal.signal(signal.SIGALRM, _timed_out)


def _timed_out(signum: int, frame: object) -> None:
    raise RenderTimeout(f"a render took longer than limits.render_seconds "
                        f"({_shared.config.render_seconds if _shared else '?'} s) and was "
                        "stopped")


@contextmanager
def _bounded(name: str) -> Iterator[None]:
    """Run one job under the time bound, with the WeasyPrint warnings of this job only."""
    seconds = _shared.config.render_seconds if _shared else 0
    _collector.messages.clear()
    signal.alarm(seconds if seconds > 0 else 0)
    try:
        yield
    except RenderTimeout as error:
        raise RenderTimeout(f"{name}: {error}") from None
    finally:
        signal.alarm(0)


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
               stem: str, data_files: tuple[render.DataFile, ...]
               ) -> tuple[list[tuple[str, bytes]], int]:
    """The HTML and (rendered from it) PDF of one briefing, as the config's formats ask."""

    config = shared.config
    html_text = render.html(render.environment(config.template_dirs), template, context)
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
            raise OutputError(f"cannot write {path}: {error.strerror or error}") from None
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
    except MemoryError:
        limit = _shared.config.render_memory_mb if _shared else 0
        raise RenderError(f"rendering {name} needed more than limits.render_memory_mb "
                          f"({limit} MB)") from None
    except OSError as error:
        raise OutputError(f"{name}: cannot write the outputs ({error.strerror or error})"
                          ) from None
    except Exception as error:
        raise WorkerCrash(f"{name}: {type(error).__name__}: {error}\n"
                          f"{traceback.format_exc()}") from None


def render_miner(miner: Metrics, key: str, ranked: list[RankedMetric]) -> BriefingResult:
    """One miner's briefing; ``ranked`` is its place among peers, as its content key saw it."""
    shared, _ = _state()
    name = miner.company.ticker
    with _reported(name), _bounded(name), number_style(shared.config.number_style):
        result = _render_miner(miner, key, ranked)
    return replace(result, warnings=tuple(_collector.messages))


def _render_miner(miner: Metrics, key: str, ranked: list[RankedMetric]) -> BriefingResult:
    from reportgen import charts, claims, spreadsheet, view

    shared, engine = _state()
    started = time.perf_counter()
    ticker = miner.company.ticker
    context = view.context(miner, charts.build_charts(miner), claims.miner_claims(miner),
                           dict(shared.dataset.sources), settings(shared.config, shared.dataset),
                           ranked, shared.dataset.market)
    metrics_csv = spreadsheet.csv_bytes(miner.tidy)
    facts_csv = spreadsheet.csv_bytes(miner.facts.drop(columns=["file"]))
    data_files = (
        render.DataFile(f"{ticker}-metrics.csv", metrics_csv,
                        "Every metric in this briefing, one row per quarter, with status and "
                        "source"),
        render.DataFile(f"{ticker}-facts.csv", facts_csv,
                        "The input figures behind this briefing, with their sources and "
                        "facts.csv line numbers"),
    )
    outputs, pages = _documents(shared, engine, "briefing.html", context, ticker, data_files)
    outputs.insert(0, (f"{ticker}-metrics.csv", metrics_csv))
    return BriefingResult(ticker, miner.period, miner.requested_period, pages,
                          time.perf_counter() - started, _write(shared.out_dir, outputs), key,
                          _peak_rss_mb())


SECTOR_FORMATS = {
    "revenue": "#,##0.0", "revenue_qoq": "0.0%", "ai_hpc_share": "0.0%",
    "ai_hpc_revenue": "#,##0.0", "mining_revenue": "#,##0.0", "net_income": "#,##0.0",
    "non_cash_share": "0.0%", "adjusted_ebitda": "#,##0.0", "hashrate": "0.0",
    "mw_contracted": "#,##0", "contracted_value": "#,##0",
    "contracted_annual_revenue": "#,##0.0", "before_non_cash": "#,##0.0",
    "non_cash_effect": "#,##0.0", "bridge_other": "#,##0.0", "eps_diluted": "0.00",
    "cash": "#,##0.0", "total_debt": "#,##0.0", "value": "General",
}


def render_sector(miners: tuple[Metrics, ...], silent: tuple[str, ...], period: str,
                  key: str) -> BriefingResult:
    """The sector overview: peer table, sector charts and narrative, CSV and XLSX."""
    shared, _ = _state()
    with _reported("sector"), _bounded("sector"), number_style(shared.config.number_style):
        result = _render_sector(miners, silent, period, key)
    return replace(result, warnings=tuple(_collector.messages))


def _render_sector(miners: tuple[Metrics, ...], silent: tuple[str, ...], period: str,
                   key: str) -> BriefingResult:
    from reportgen import claims, sector_charts, sector_view, spreadsheet

    shared, engine = _state()
    started = time.perf_counter()
    peer_table = shared.peer_table
    charts = sector_charts.build_sector_charts(miners, peer_table, period)
    sentences = claims.sector_claims(peer_table, period, silent)
    context = sector_view.context(miners, peer_table, charts, sentences, shared.dataset.sources,
                                  period, settings(shared.config, shared.dataset))
    tidy = pd.concat([m.tidy for m in miners], ignore_index=True)
    sector_csv = spreadsheet.csv_bytes(tidy)
    outputs, pages = _documents(shared, engine, "sector.html", context, "sector", (
        render.DataFile("sector-metrics.csv", sector_csv,
                        "Every miner's metrics, one row per quarter, with status and source"),))
    peers_sheet = peer_table.drop(columns=["ai_hpc_ahead"]).reset_index()
    peers_sheet["stale"] = peers_sheet["stale"].map({True: "yes", False: "no"})
    sources_sheet = pd.DataFrame([vars(s) for s in shared.dataset.sources.values()])
    outputs += [
        ("sector-metrics.csv", sector_csv),
        ("sector.xlsx", spreadsheet.workbook(
            {"Peers": peers_sheet, "Metrics": tidy, "Sources": sources_sheet},
            SECTOR_FORMATS, shared.created)),
    ]
    return BriefingResult("sector", period, period, pages, time.perf_counter() - started,
                          _write(shared.out_dir, outputs), key, _peak_rss_mb())


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
