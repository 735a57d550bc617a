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


def plan(config: Config, dataset: Dataset) -> tuple[str, list[Metrics]]:
    """The period to build and every chosen miner's metrics, computed before anything is written."""
    period = config.period or metrics.latest_period(dataset)
    unknown = [t for t in config.miners if t not in dataset.companies]
    if unknown:
        raise UsageError(f"unknown miner {', '.join(unknown)}; inputs/companies.yaml has "
                         f"{', '.join(dataset.companies)}")
    tickers = config.miners or tuple(dataset.companies)
    computed, silent = [], []
    for ticker in tickers:
        try:
            computed.append(metrics.compute(dataset, ticker, period))
        except LookupError:
            silent.append(ticker)
    if silent:
        raise UsageError(f"{', '.join(silent)} reported no quarter up to {period}; choose a "
                         "later --period or leave them out with --miner")
    return period, computed


def build(config: Config, *, created: datetime | None = None,
          on_briefing: Callable[[BriefingResult], None] | None = None) -> BuildReport:
    """Build every chosen miner's briefing for the configured (or latest) period."""
    dataset = load_dataset(config)
    period, computed = plan(config, dataset)
    created = created or build_time()
    out_dir = config.outputs_dir / period
    results = []
    for miner in computed:
        result = write_briefing(config, dataset, miner, out_dir, created)
        log.info("built %s %s in %.1fs", result.ticker, result.period, result.seconds)
        if on_briefing:
            on_briefing(result)
        results.append(result)
    manifest = write_manifest(out_dir, period, dataset.fingerprint, created, results)
    return BuildReport(period, out_dir, tuple(results), manifest)


def write_briefing(config: Config, dataset: Dataset, miner: Metrics, out_dir: Path,
                   created: datetime) -> BriefingResult:
    from reportgen import charts, narrative, render, view

    started = time.perf_counter()
    ticker = miner.company.ticker
    settings = {"firm_name": config.firm_name, "accent_color": config.accent_color,
                "paper_size": config.paper_size, "version": __version__,
                "fingerprint": dataset.fingerprint}
    context = view.context(miner, charts.build_charts(miner), narrative.sentences(miner),
                           dict(dataset.sources), settings)
    html_text = render.html(render.environment(config.templates_dir), "briefing.html", context)
    outputs: list[tuple[str, bytes]] = [
        (f"{ticker}-metrics.csv", miner.tidy.to_csv(index=False, lineterminator="\n").encode())]
    pages = 0
    if "html" in config.formats:
        outputs.append((f"{ticker}.html", html_text.encode("utf-8")))
    if "pdf" in config.formats:
        assets = config.project_root / "assets"
        pdf = render.pdf(html_text, (config.templates_dir, assets), created,
                         base_dir=config.templates_dir)
        pages = pdf.pages
        outputs.append((f"{ticker}.pdf", pdf.data))
    written = tuple(
        WrittenFile(out_dir / name, len(data), atomic_write(out_dir / name, data))
        for name, data in outputs
    )
    return BriefingResult(ticker, miner.period, miner.requested_period, pages,
                          time.perf_counter() - started, written)


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
