"""The pipeline: load and validate everything, compute every miner, then render and write.

Nothing is written until every input is valid and every miner's metrics are computed, so a
bad input never leaves a half-updated ``outputs/``. Each file is written atomically, and the
manifest records what each file was built from.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from reportgen import __version__, derive, inputs, keys, metrics, validate
from reportgen.config import Config
from reportgen.errors import InputError, OutputError, RenderError, UsageError
from reportgen.files import atomic_write
from reportgen.model import Dataset, Metrics
from reportgen.workers import BriefingResult, WrittenFile

if TYPE_CHECKING:
    from reportgen import workers
    from reportgen.peers import RankedMetric

__all__ = ["BriefingResult", "BuildReport", "WrittenFile", "build", "load_dataset", "plan"]

log = logging.getLogger(__name__)
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class BuildReport:
    period: str
    out_dir: Path
    briefings: tuple[BriefingResult, ...] = field(default=())
    """The outputs written by this build (unchanged ones are not rebuilt, so not here)."""
    decisions: tuple[keys.Decision, ...] = field(default=())
    manifest: Path | None = None


def load_dataset(config: Config) -> Dataset:
    """Read and validate ``inputs/``; raises :class:`InputError` listing every problem."""
    raw = inputs.read_raw(config.inputs_dir, config.project_root)
    problems = validate.check(raw)
    if problems:
        raise InputError(problems)
    for warning in validate.warnings(raw):
        log.warning("%s", warning)
    dataset = inputs.to_dataset(raw)
    # A quarter missing beside its year (FY − Q1 − Q2 − Q3) is worked out once, here, so the
    # covered quarter, "latest reported" and every table see the same derived rows.
    derived = derive.derive_quarters(dataset.facts, dataset.companies)
    if derived.empty:
        return dataset
    return replace(dataset, facts=pd.concat([dataset.facts, derived], ignore_index=True))


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


def build(config: Config, *, created: datetime | None = None, jobs: int | None = None,
          force: bool = False, on_briefing: Callable[[BriefingResult], None] | None = None
          ) -> BuildReport:
    """Build the chosen miners' briefings and the sector overview for one period.

    Outputs whose content key is unchanged (and whose files are intact) are skipped unless
    ``force``; the rest are rendered by ``jobs`` worker processes (default: one per core).
    """
    dataset = load_dataset(config)
    period = config.period or metrics.latest_period(dataset)
    out_dir = config.outputs_dir / period
    previous = read_manifest(out_dir)
    environment = keys.environment_key(config)
    whole = keys.input_key(dataset, environment, period, config.miners)
    entries = manifest_entries(previous)
    if not force and previous.get("input_key") == whole:
        unchanged = all(keys.intact(out_dir, entries, [name], str(entry.get("key")))
                        is None for name, entry in entries.items())
        if unchanged:
            decisions = tuple(keys.Decision(name, False, "unchanged (nothing in the inputs, "
                                            "templates, config or tools changed)")
                              for name in sorted({str(e.get("output")) for e in
                                                  entries.values()}))
            return BuildReport(period, out_dir, (), decisions, out_dir / MANIFEST)

    from reportgen import peers, workers

    _remove_leftovers(out_dir)
    chosen_plan = plan(replace(config, period=period), dataset)
    peer_table = peers.sort_peers(
        peers.peer_table(chosen_plan.peers, config.stale_after_quarters), config.sector_sort)
    ranked = {m.company.ticker: peers.ranks(peer_table, m.company.ticker)
              for m in chosen_plan.peers}
    miner_keys = {m.company.ticker: keys.miner_key(m, dataset, ranked[m.company.ticker],
                                                   environment) for m in chosen_plan.peers}
    sector_key = keys.sector_key(miner_keys.values(), environment, period)

    decisions: list[keys.Decision] = []
    todo: list[Metrics] = []
    for miner in chosen_plan.peers:
        ticker = miner.company.ticker
        if ticker not in chosen_plan.chosen:
            continue
        names = [f"{ticker}-metrics.csv", *(f"{ticker}.{f}" for f in config.formats)]
        decision = _decide(ticker, names, miner_keys[ticker], out_dir, entries, force)
        decisions.append(decision)
        if decision.rebuild:
            todo.append(miner)
    sector_names = ["sector-metrics.csv", "sector.xlsx", *(f"sector.{f}" for f in
                                                           config.formats)]
    sector_decision = _decide("sector", sector_names, sector_key, out_dir, entries, force)
    decisions.append(sector_decision)

    # Workers write into a staging folder; only when every render succeeded are the files
    # moved into place and the manifest written, so a failed build changes nothing.
    staging = out_dir / f"{STAGING_PREFIX}{os.getpid()}"
    shared = workers.Shared(config, dataset, peer_table, staging, created or build_time())
    try:
        staged = _run(shared, [(m, miner_keys[m.company.ticker], ranked[m.company.ticker])
                               for m in todo], chosen_plan,
                      sector_decision.rebuild and sector_key, jobs, on_briefing)
        results = [_publish(result, out_dir) for result in staged]
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    manifest = write_manifest(out_dir, period, dataset.fingerprint, shared.created, results,
                              whole)
    return BuildReport(period, out_dir, tuple(results), tuple(decisions), manifest)


STAGING_PREFIX = ".staging-"


def _remove_leftovers(out_dir: Path) -> None:
    """Temporary files and staging folders a killed build left behind."""
    if not out_dir.is_dir():
        return
    for leftover in out_dir.glob(".*.tmp"):
        leftover.unlink(missing_ok=True)
    for folder in out_dir.glob(f"{STAGING_PREFIX}*"):
        shutil.rmtree(folder, ignore_errors=True)


def _publish(result: BriefingResult, out_dir: Path) -> BriefingResult:
    """Move one output's staged files into ``out_dir``, each by an atomic rename."""
    moved = []
    for file in result.files:
        final = out_dir / file.path.name
        try:
            os.replace(file.path, final)
        except OSError as error:
            raise OutputError(f"cannot write {final}: {error.strerror or error}") from None
        moved.append(replace(file, path=final))
    return replace(result, files=tuple(moved))


def _decide(name: str, files: list[str], key: str, out_dir: Path,
            entries: dict[str, dict[str, object]], force: bool) -> keys.Decision:
    if force:
        return keys.Decision(name, True, "forced (--force)")
    reason = keys.intact(out_dir, entries, files, key)
    if reason is None:
        return keys.Decision(name, False, "unchanged")
    return keys.Decision(name, True, reason)


def _run(shared: workers.Shared, todo: list[tuple[Metrics, str, list[RankedMetric]]],
         chosen_plan: Plan, sector_key: str | bool, jobs: int | None,
         on_briefing: Callable[[BriefingResult], None] | None) -> list[BriefingResult]:
    """Render what needs rendering in worker processes, never in this one.

    Workers isolate the renders: a render over its time or memory bound, or a worker killed
    mid-way, stops with a clear message and leaves only complete files (each is renamed into
    place when whole). The sector overview goes first: with many miners it is the longest
    job, and starting it early keeps both cores busy to the end.
    """
    from reportgen import workers

    calls: list[tuple[str, Callable[..., BriefingResult], tuple[object, ...]]] = []
    if sector_key:
        calls.append(("sector", workers.render_sector, (
            chosen_plan.peers, chosen_plan.silent, chosen_plan.period, sector_key)))
    calls += [(m.company.ticker, workers.render_miner, (m, key, ranked))
              for m, key, ranked in todo]
    if not calls:
        return []
    results: list[BriefingResult] = []
    weasyprint_log = logging.getLogger("weasyprint")
    with ProcessPoolExecutor(min(jobs or os.cpu_count() or 1, len(calls)),
                             initializer=workers.init_worker, initargs=(shared,)) as pool:
        futures = {pool.submit(function, *args): name for name, function, args in calls}
        for future in as_completed(futures):
            result = _outcome(future, futures[future], shared.config)
            for warning in result.warnings:  # re-logged here, where callers and tests see them
                weasyprint_log.warning("%s: %s", result.ticker, warning)
            log.info("built %s %s in %.1fs (process peak %.0f MB)", result.ticker,
                     result.period, result.seconds, result.peak_rss_mb)
            if on_briefing:
                on_briefing(result)
            results.append(result)
    order = {name: i for i, name in enumerate(m.company.ticker for m in chosen_plan.peers)}
    return sorted(results, key=lambda r: order.get(r.ticker, len(order)))


def _outcome(future: Future[BriefingResult], name: str, config: Config) -> BriefingResult:
    """The job's result, or the reason it has none, as an error a user can act on."""
    try:
        return future.result()
    except BrokenProcessPool:
        raise RenderError(f"a worker process died while rendering {name} (killed, or out of "
                          "memory); the files already written are complete: run the build "
                          "again") from None
    except MemoryError:
        raise RenderError(f"rendering {name} needed more than limits.render_memory_mb "
                          f"({config.render_memory_mb} MB)") from None


def read_manifest(out_dir: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((out_dir / MANIFEST).read_text())
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


def manifest_entries(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The manifest's file entries by file name; a damaged entry is as good as absent."""
    files = manifest.get("files")
    return {e["path"]: e for e in files if isinstance(e, dict) and "path" in e} if isinstance(
        files, list) else {}


def write_manifest(out_dir: Path, period: str, fingerprint: str, created: datetime,
                   results: list[BriefingResult], input_key: str) -> Path:
    """Record each file with its hash, its content key and the inputs it was built from.

    Entries for files this build did not touch (unchanged, or other miners in a ``--miner``
    build) are kept with their own input hash, so the manifest describes the whole folder.
    """
    path = out_dir / MANIFEST
    entries = manifest_entries(read_manifest(out_dir))
    stamp = created.strftime("%Y-%m-%dT%H:%M:%SZ")
    for result in results:
        for file in result.files:
            entries[file.path.name] = {
                "path": file.path.name, "output": result.ticker, "covers": result.period,
                "bytes": file.size, "sha256": file.sha256, "key": result.key,
                "inputs_sha256": fingerprint, "built_at": stamp,
            }
    manifest = {
        "period": period, "reportgen_version": __version__, "inputs_sha256": fingerprint,
        "input_key": input_key, "built_at": stamp,
        "files": [entries[name] for name in sorted(entries)],
    }
    atomic_write(path, (json.dumps(manifest, indent=2) + "\n").encode())
    return path
