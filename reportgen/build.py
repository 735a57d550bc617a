"""The pipeline: load and validate everything, compute every miner, then render and write.

Nothing is written until every input is valid and every miner's metrics are computed, so a
bad input never leaves a half-updated ``outputs/``. Each file is written atomically, and the
manifest records what each file was built from.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from reportgen import __version__, inputs, metrics, validate
from reportgen.config import Config
from reportgen.errors import InputError, UsageError
from reportgen.files import atomic_write
from reportgen.model import Dataset, Metrics

log = logging.getLogger(__name__)
MANIFEST = "manifest.json"


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

    @property
    def is_stale(self) -> bool:
        return self.period != self.requested_period


@dataclass(frozen=True)
class BuildReport:
    period: str
    out_dir: Path
    briefings: tuple[BriefingResult, ...] = field(default=())
    manifest: Path | None = None


def load_dataset(config: Config) -> Dataset:
    """Read and validate ``inputs/``; raises :class:`InputError` listing every problem."""
    raw = inputs.read_raw(config.inputs_dir, config.project_root)
    problems = validate.check(raw)
    if problems:
        raise InputError(problems)
    return inputs.to_dataset(raw)


def build_time() -> datetime:
    """``SOURCE_DATE_EPOCH`` when set (reproducible builds), else now, in UTC."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    return datetime.now(tz=UTC).replace(microsecond=0)


@dataclass(frozen=True)
class Plan:
    """What a build will do, decided before anything is written."""

    period: str
    peers: tuple[Metrics, ...]
    """Every miner with a reported quarter up to the period: the peer set of every briefing."""
    chosen: tuple[str, ...]
    """The miners whose own briefings this build writes (``--miner``)."""
    silent: tuple[str, ...]
    """Miners with no reported quarter up to the period, named in the sector overview."""


def plan(config: Config, dataset: Dataset) -> Plan:
    """The period and every miner's metrics, computed before anything is written."""
    period = config.period or metrics.latest_period(dataset)
    unknown = [t for t in config.miners if t not in dataset.companies]
    if unknown:
        raise UsageError(f"unknown miner {', '.join(unknown)}; inputs/companies.yaml has "
                         f"{', '.join(dataset.companies)}")
    peers, silent = [], []
    for ticker in dataset.companies:
        try:
            peers.append(metrics.compute(dataset, ticker, period))
        except LookupError:
            silent.append(ticker)
    chosen = config.miners or tuple(m.company.ticker for m in peers)
    not_reported = [t for t in chosen if t in silent]
    if not_reported:
        raise UsageError(f"{', '.join(not_reported)} reported no quarter up to {period}; "
                         "choose a later --period or leave them out with --miner")
    if not peers:
        raise UsageError(f"no miner reported a quarter up to {period}")
    return Plan(period, tuple(peers), tuple(chosen), tuple(silent))


def build(config: Config, *, created: datetime | None = None,
          on_briefing: Callable[[BriefingResult], None] | None = None) -> BuildReport:
    """Build the chosen miners' briefings, then the sector overview, for one period."""
    from reportgen import peers as peers_module

    dataset = load_dataset(config)
    chosen_plan = plan(config, dataset)
    created = created or build_time()
    out_dir = config.outputs_dir / chosen_plan.period
    peer_table = peers_module.sort_peers(peers_module.peer_table(chosen_plan.peers),
                                         config.sector_sort)
    results = []
    for miner in chosen_plan.peers:
        if miner.company.ticker not in chosen_plan.chosen:
            continue
        result = write_briefing(config, dataset, miner, peer_table, out_dir, created)
        log.info("built %s %s in %.1fs", result.ticker, result.period, result.seconds)
        if on_briefing:
            on_briefing(result)
        results.append(result)
    sector = write_sector(config, dataset, chosen_plan, peer_table, out_dir, created)
    if on_briefing:
        on_briefing(sector)
    results.append(sector)
    manifest = write_manifest(out_dir, chosen_plan.period, dataset.fingerprint, created, results)
    return BuildReport(chosen_plan.period, out_dir, tuple(results), manifest)


def _settings(config: Config, dataset: Dataset) -> dict[str, object]:
    return {"firm_name": config.firm_name, "accent_color": config.accent_color,
            "paper_size": config.paper_size, "version": __version__,
            "fingerprint": dataset.fingerprint}


def _documents(config: Config, template: str, context: dict[str, object],
               stem: str, created: datetime) -> tuple[list[tuple[str, bytes]], int]:
    """The HTML and (rendered from it) PDF of one briefing, as the config's formats ask."""
    from reportgen import render

    html_text = render.html(render.environment(config.templates_dir), template, context)
    outputs: list[tuple[str, bytes]] = []
    pages = 0
    if "html" in config.formats:
        outputs.append((f"{stem}.html", html_text.encode("utf-8")))
    if "pdf" in config.formats:
        pdf = render.pdf(html_text, (config.templates_dir, config.project_root / "assets"),
                         created, base_dir=config.templates_dir)
        pages = pdf.pages
        outputs.append((f"{stem}.pdf", pdf.data))
    return outputs, pages


def _write(out_dir: Path, outputs: list[tuple[str, bytes]]) -> tuple[WrittenFile, ...]:
    return tuple(WrittenFile(out_dir / name, len(data), atomic_write(out_dir / name, data))
                 for name, data in outputs)


def write_briefing(config: Config, dataset: Dataset, miner: Metrics,
                   peer_table: pd.DataFrame, out_dir: Path, created: datetime
                   ) -> BriefingResult:
    from reportgen import charts, narrative, peers, spreadsheet, view

    started = time.perf_counter()
    ticker = miner.company.ticker
    context = view.context(miner, charts.build_charts(miner), narrative.sentences(miner),
                           dict(dataset.sources), _settings(config, dataset),
                           peers.ranks(peer_table, ticker))
    outputs, pages = _documents(config, "briefing.html", context, ticker, created)
    outputs.insert(0, (f"{ticker}-metrics.csv", spreadsheet.csv_bytes(miner.tidy)))
    return BriefingResult(ticker, miner.period, miner.requested_period, pages,
                          time.perf_counter() - started, _write(out_dir, outputs))


SECTOR_FORMATS = {
    "revenue": "#,##0.0", "revenue_qoq": "0.0%", "ai_hpc_share": "0.0%",
    "ai_hpc_revenue": "#,##0.0", "mining_revenue": "#,##0.0", "net_income": "#,##0.0",
    "non_cash_share": "0.0%", "adjusted_ebitda": "#,##0.0", "hashrate": "0.0",
    "mw_contracted": "#,##0", "contracted_value": "#,##0", "backlog_multiple": "0.0",
    "cash": "#,##0.0", "total_debt": "#,##0.0", "value": "General",
}


def write_sector(config: Config, dataset: Dataset, chosen_plan: Plan,
                 peer_table: pd.DataFrame, out_dir: Path, created: datetime
                 ) -> BriefingResult:
    """The sector overview: peer table, sector charts and narrative, CSV and XLSX."""
    from reportgen import narrative, sector_charts, sector_view, spreadsheet

    started = time.perf_counter()
    period = chosen_plan.period
    charts = sector_charts.build_sector_charts(chosen_plan.peers, peer_table, period)
    sentences = narrative.sector_sentences(peer_table, period, chosen_plan.silent)
    context = sector_view.context(chosen_plan.peers, peer_table, charts, sentences,
                                  dataset.sources, period, _settings(config, dataset))
    outputs, pages = _documents(config, "sector.html", context, "sector", created)
    tidy = pd.concat([m.tidy for m in chosen_plan.peers], ignore_index=True)
    peers_sheet = peer_table.drop(columns=["ai_hpc_ahead"]).reset_index()
    peers_sheet["stale"] = peers_sheet["stale"].map({True: "yes", False: "no"})
    sources_sheet = pd.DataFrame([vars(source) for source in dataset.sources.values()])
    outputs += [
        ("sector-metrics.csv", spreadsheet.csv_bytes(tidy)),
        ("sector.xlsx", spreadsheet.workbook(
            {"Peers": peers_sheet, "Metrics": tidy, "Sources": sources_sheet},
            SECTOR_FORMATS, created)),
    ]
    return BriefingResult("sector", period, period, pages, time.perf_counter() - started,
                          _write(out_dir, outputs))


def write_manifest(out_dir: Path, period: str, fingerprint: str, created: datetime,
                   results: list[BriefingResult]) -> Path:
    """Record each file with its hash and the inputs it was built from.

    Entries for files this build did not touch (``--miner`` builds) are kept with their own
    input hash, so the manifest always describes the whole folder honestly.
    """
    path = out_dir / MANIFEST
    previous: dict[str, dict[str, object]] = {}
    if path.exists():
        try:
            previous = {entry["path"]: entry for entry in json.loads(path.read_text())["files"]}
        except (ValueError, KeyError, TypeError):
            log.warning("%s was unreadable; writing a fresh manifest", path)
    stamp = created.strftime("%Y-%m-%dT%H:%M:%SZ")
    for result in results:
        for file in result.files:
            previous[file.path.name] = {
                "path": file.path.name, "ticker": result.ticker, "covers": result.period,
                "bytes": file.size, "sha256": file.sha256, "inputs_sha256": fingerprint,
                "built_at": stamp,
            }
    manifest = {
        "period": period, "reportgen_version": __version__, "inputs_sha256": fingerprint,
        "built_at": stamp, "files": [previous[name] for name in sorted(previous)],
    }
    atomic_write(path, (json.dumps(manifest, indent=2) + "\n").encode())
    return path
