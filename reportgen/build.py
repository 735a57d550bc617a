"""The pipeline: load and validate everything, compute every miner, then render and write.

Nothing is published until every input is valid, every miner's metrics are computed and
every render has succeeded (the workers write into a staging folder, removed on failure), so
a bad input never leaves a half-updated ``outputs/``. Each file is written atomically, and the
manifest records what each file was built from.

Three rules keep ``outputs/<period>/`` trustworthy when builds overlap, fail or are killed:

- **One build at a time per period folder** (:func:`build_lock`): a second build exits 2 at
  once; it does not wait.
- **Publishing is one step, committed by the manifest** (:func:`publish`): ``manifest.json`` is
  written last and lists each file with its SHA-256; a file is trusted (by ``send`` and by the
  next build) only when the manifest lists it and its bytes match.
- **Clean-up touches only reportgen's own leftovers** (:func:`remove_leftovers`).
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import secrets
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from reportgen import analysis, archive, derive, inputs, keys, manifest, metrics, periods, validate
from reportgen.config import Config
from reportgen.errors import BuildBusy, InputError, NothingToBuild, OutputError, cannot_write
from reportgen.files import is_own_temp, sync_folder
from reportgen.model import Dataset, Metrics
from reportgen.workers import BriefingResult, WrittenFile

if TYPE_CHECKING:
    from reportgen import workers
    from reportgen.peers import RankedMetric

__all__ = ["BriefingResult", "BuildBusy", "BuildReport", "WrittenFile", "build", "build_lock",
           "load_dataset"]

log = logging.getLogger(__name__)
MANIFEST = manifest.MANIFEST


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


def has_quarters(dataset: Dataset) -> bool:
    """Whether any miner has a figure for a quarter (company guidance is not one)."""
    facts = dataset.facts
    return any(periods.is_quarter(period) and not metrics.is_forecast(metric)
               for period, metric in zip(facts["period"], facts["metric"], strict=True))


def build_time() -> datetime:
    """``SOURCE_DATE_EPOCH`` when set (reproducible builds), else now, in UTC."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    return datetime.now(tz=UTC).replace(microsecond=0)


def build(config: Config, *, created: datetime | None = None, jobs: int | None = None,
          force: bool = False, on_briefing: Callable[[BriefingResult], None] | None = None
          ) -> BuildReport:
    """Build the chosen miners' briefings and the sector overview for one period.

    Outputs whose content key is unchanged (and whose files are intact) are skipped unless
    ``force``; the rest are rendered by ``jobs`` worker processes (default: one per core).
    Everything after validation runs under the period folder's build lock.
    """
    dataset = load_dataset(config)
    if not has_quarters(dataset):
        raise NothingToBuild(config)
    period = validate.check_request(dataset, config.period, config.miners)  # before any folder
    with build_lock(config.outputs_dir / period):
        report = _build(config, dataset, period, created, jobs, force, on_briefing)
        archive.write_index(config)  # after the manifest: it lists what manifests commit
    return report


def _build(config: Config, dataset: Dataset, period: str, created: datetime | None,
           jobs: int | None, force: bool,
           on_briefing: Callable[[BriefingResult], None] | None) -> BuildReport:
    out_dir = config.outputs_dir / period
    previous = manifest.read_manifest(out_dir)
    env = keys.environment(config)
    environment = env.key
    whole = keys.input_key(dataset, environment, period, config.miners)
    entries = manifest.manifest_entries(previous)
    if not force and previous.get("input_key") == whole and not manifest.publishing(previous):
        unchanged = all(manifest.intact(out_dir, entries, [name], str(entry.get("key")))
                        is None for name, entry in entries.items())
        if unchanged:
            decisions = tuple(keys.Decision(name, False, "unchanged (nothing in the inputs, "
                                            "templates, config or tools changed)")
                              for name in sorted({str(e.get("output")) for e in
                                                  entries.values()}))
            return BuildReport(period, out_dir, (), decisions, out_dir / MANIFEST)

    from reportgen import workers

    remove_leftovers(out_dir)
    # Workers write into this build's own staging folder; only when every render succeeded
    # are the files published, so a failed build changes nothing.
    staging = _make_staging(out_dir)
    shared = workers.Shared(config, dataset, staging, created or build_time())
    try:
        # The workers start now, before the analysis: each spends about a second loading
        # WeasyPrint, matplotlib and its fonts, which this process's analysis (about as long
        # on 30 miners) would otherwise wait for. Measured in bench/run.py's one-fact rebuild.
        with workers.WorkerPool(shared, _pool_size(config, dataset, jobs)) as pool:
            plan = _plan(config, dataset, period, env, previous, entries, force)
            staged = _run(pool, plan, on_briefing)
        staged = [replace(result, record=plan.records.for_output(result.ticker))
                  for result in staged]
        results, written = publish(out_dir, staged, period, dataset.fingerprint,
                                   shared.created, whole)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return BuildReport(period, out_dir, tuple(results), tuple(plan.decisions), written)


def _pool_size(config: Config, dataset: Dataset, jobs: int | None) -> int:
    """How many workers to start before knowing what needs rendering: one per core (or
    ``jobs``), but no more than the jobs there could be (each chosen miner and the sector's
    two, :data:`SECTOR_JOBS`)."""
    most = len(config.miners or dataset.companies) + len(SECTOR_JOBS)
    return max(1, min(jobs or os.cpu_count() or 1, most))


@dataclass(frozen=True)
class _Plan:
    """What this build renders, worked out from the analysis: the miners whose briefings
    changed (with their keys and places among peers), whether the sector did, why each
    output is rebuilt or kept, and the records the manifest keeps for --explain."""

    analysed: analysis.Analysis
    todo: list[tuple[Metrics, str, list[RankedMetric]]]
    sector_key: str | None
    """The sector's key when it is rebuilt, else ``None``."""
    decisions: list[keys.Decision]
    records: keys.Records


def _plan(config: Config, dataset: Dataset, period: str, env: keys.Environment,
          previous: dict[str, Any], entries: dict[str, dict[str, Any]], force: bool) -> _Plan:
    """Analyse the period (while the workers start) and decide, output by output, what to
    rebuild: an output is rebuilt when its content key changed, one of its files is missing
    or damaged, a killed build was replacing it, or ``force``."""
    out_dir = config.outputs_dir / period
    environment = env.key
    analysed = analysis.analyse(config, dataset, period)
    ranked = analysed.ranked
    miner_keys = {m.company.ticker: keys.miner_key(m, dataset, ranked[m.company.ticker],
                                                   environment) for m in analysed.peers}
    sector_key = keys.sector_key(miner_keys.values(), environment, period)
    records = keys.records(analysed.peers, dataset, ranked, env, period)
    explain = keys.Explainer(previous, records)

    interrupted = manifest.publishing(previous)
    decisions: list[keys.Decision] = []
    todo: list[tuple[Metrics, str, list[RankedMetric]]] = []
    for miner in analysed.peers:
        ticker = miner.company.ticker
        if ticker not in analysed.chosen:
            continue
        names = [f"{ticker}-metrics.csv", *(f"{ticker}.{f}" for f in config.formats)]
        decision = _decide(ticker, names, miner_keys[ticker], out_dir, entries, force,
                           interrupted, explain)
        decisions.append(decision)
        if decision.rebuild:
            todo.append((miner, miner_keys[ticker], ranked[ticker]))
    sector_names = ["sector-metrics.csv", "sector.xlsx", *(f"sector.{f}" for f in
                                                           config.formats)]
    sector_decision = _decide("sector", sector_names, sector_key, out_dir, entries, force,
                              interrupted, explain)
    decisions.append(sector_decision)
    return _Plan(analysed, todo, sector_key if sector_decision.rebuild else None, decisions,
                 records)


@contextmanager
def build_lock(out_dir: Path) -> Iterator[None]:
    """Hold the build lock of the period folder ``out_dir`` for the block; :class:`BuildBusy`
    if another build holds it.

    The lock is ``flock`` on the folder itself (opened read-only), so a build adds no lock
    file to the folder or beside it; on a file system that cannot lock a folder (NFS emulates
    ``flock`` with byte-range locks, which need a file open for writing) it falls back to
    ``.<period>.build.lock`` beside the folder. A second build **exits 2 at once rather than
    waiting**: a build takes minutes, and a command that sits silent that long looks hung; two
    builds of one period at once are almost always an overlap (a cron job, a second terminal)
    and the second would find next to nothing left to do; ``send`` answers a locked ledger the
    same way. The kernel releases the lock when its holder dies, however it dies, so a killed
    build never leaves a stale lock.
    """
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        handle = os.open(out_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as error:
        raise cannot_write(out_dir, error) from None
    try:
        try:
            _lock(handle, out_dir)
        except OSError:  # this file system cannot lock a folder: lock a file beside it
            os.close(handle)
            handle = -1
            beside = out_dir.parent / f".{out_dir.name}.build.lock"
            try:
                handle = os.open(beside, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
                _lock(handle, out_dir)
            except OSError as error:
                raise OutputError(f"cannot lock {beside}: {error.strerror or error}") from None
        yield
    finally:
        if handle >= 0:
            os.close(handle)  # releases the lock


def _lock(handle: int, out_dir: Path) -> None:
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise BuildBusy(f"another reportgen build is writing {out_dir}; nothing was changed: "
                        "build again when it has finished") from None


STAGING_PREFIX = ".staging-"
_STAGING = re.compile(re.escape(STAGING_PREFIX) + r"\d+-[0-9a-f]{16}")
STAGING_MARKER = ".reportgen-staging"
"""A file in every staging folder reportgen makes: clean-up removes only folders that have it."""


def _make_staging(out_dir: Path) -> Path:
    """This build's staging folder, named with its pid and a random token, and marked."""
    staging = out_dir / f"{STAGING_PREFIX}{os.getpid()}-{secrets.token_hex(8)}"
    try:
        staging.mkdir(parents=True)
        (staging / STAGING_MARKER).write_bytes(b"")
    except OSError as error:
        raise cannot_write(out_dir, error) from None
    return staging


def remove_leftovers(out_dir: Path) -> None:
    """Remove what killed reportgen builds left in ``out_dir``, and nothing else.

    Called only under the build lock, so no other build is using the folder: a staging folder
    named like reportgen's (``.staging-<pid>-<16 hex digits>``) holding its marker file (or
    empty: killed before the marker was written), and a temporary file named like
    :func:`~reportgen.files.atomic_write`'s (``.<name>.<8 characters>.reportgen.tmp``).
    Anyone else's ``.*.tmp`` files and ``.staging-*`` folders are left alone.
    """
    try:
        entries = list(os.scandir(out_dir))
    except (FileNotFoundError, NotADirectoryError):
        return
    for entry in entries:
        if _STAGING.fullmatch(entry.name) and entry.is_dir(follow_symlinks=False):
            folder = Path(entry.path)
            if (folder / STAGING_MARKER).is_file() or not any(folder.iterdir()):
                shutil.rmtree(folder, ignore_errors=True)
        elif is_own_temp(entry.name) and entry.is_file(follow_symlinks=False):
            Path(entry.path).unlink(missing_ok=True)


def publish(out_dir: Path, staged: list[BriefingResult], period: str, fingerprint: str,
            created: datetime, input_key: str) -> tuple[list[BriefingResult], Path]:
    """Publish a build's staged files and commit them with the manifest, as one step.

    Design: **the manifest is written last and is the commit**, rather than a new generation
    folder behind a symlink switch. A file is trusted, by ``send`` and by the next build, only
    when ``manifest.json`` lists it and its SHA-256 matches. The steps:

    1. *Retract*: rewrite the manifest without the entries of every file about to be replaced
       (they are named under ``"publishing"``, and ``input_key`` is dropped so the next build
       cannot take the folder for up to date), even when none is listed, so the manifest
       always says what a stopped build was doing;
    2. rename each staged file into place (each rename atomic), then sync the folder;
    3. *Commit*: write the manifest with the new entries.

    Killed at any point, every file the manifest lists matches it (old files before 1, the
    untouched ones during 2, the new set after 3); a file the manifest does not list is not
    trusted: ``send`` refuses it and the next build rebuilds it. No reader is ever told that a
    mixed set is current.

    Why not generation folders: ``outputs/<period>/`` stays a plain folder that people, scripts,
    ``--out`` targets and ``send --dry-run`` (its ``outbox/``) share. A generation switch would
    have to copy or move everything else in it into each new generation, which touches files
    reportgen did not create, and turning an existing folder into a symlink cannot be done
    atomically without Linux-only ``renameat2``. The cost of this design is that outputs a
    killed build was replacing stay untrusted until the next build, which is the safe failure.
    """
    manifest_path = out_dir / MANIFEST
    incoming = sorted(file.path.name for result in staged for file in result.files)
    previous = manifest.read_manifest(out_dir)
    entries = manifest.manifest_entries(previous)
    try:
        if incoming:
            kept = {name: entry for name, entry in entries.items() if name not in incoming}
            manifest.write_document(out_dir, {
                **{k: v for k, v in previous.items() if k not in ("files", "input_key")},
                "period": period, "input_key": None,
                "publishing": sorted({*incoming, *manifest.publishing(previous)}),
                "files": [kept[name] for name in sorted(kept)]})
        published = []
        for result in staged:
            moved = []
            for file in result.files:
                final = out_dir / file.path.name
                os.replace(file.path, final)
                moved.append(replace(file, path=final))
            published.append(replace(result, files=tuple(moved)))
        sync_folder(out_dir)
    except OSError as error:
        name = getattr(error, "filename2", None) or getattr(error, "filename", None) or out_dir
        raise cannot_write(name, error) from None
    manifest.write_manifest(out_dir, period, fingerprint, created, published, input_key)
    return published, manifest_path


def _decide(name: str, files: list[str], key: str, out_dir: Path,
            entries: dict[str, dict[str, object]], force: bool,
            interrupted: set[str], explain: Callable[[str], str] | None = None
            ) -> keys.Decision:
    if force:
        return keys.Decision(name, True, "forced (--force)")
    stopped = [file for file in files if file in interrupted]
    if stopped:
        return keys.Decision(name, True, f"{stopped[0]} was being replaced when an earlier "
                                         "build stopped")
    reason = manifest.intact(out_dir, entries, files, key,
                         (lambda: explain(name)) if explain else None)
    if reason is None:
        return keys.Decision(name, False, "unchanged")
    return keys.Decision(name, True, reason)


def _run(pool: workers.WorkerPool, plan: _Plan,
         on_briefing: Callable[[BriefingResult], None] | None) -> list[BriefingResult]:
    """Render what needs rendering in the pool's worker processes, never in this one.

    Workers isolate the renders: a render over its time bound is killed by this process, a
    render over its memory bound or a worker killed mid-way stops the build with a message
    naming the output, and only this build's staging folder has been written to.

    The sector overview is two jobs (:data:`SECTOR_JOBS`): its documents go first (with many
    miners the longest job; starting it early keeps both cores busy to the end) and its data
    files last (short: they fill the other worker's tail). Their results are merged into the
    one sector output once both are in, before ``on_briefing`` hears of it.
    """
    from reportgen import workers

    analysed, sector_key = plan.analysed, plan.sector_key
    documents, data_files = SECTOR_JOBS
    calls: list[workers.Call] = []
    if sector_key:
        calls.append((documents, workers.render_sector, (
            analysed.peers, analysed.peer_table, analysed.silent, analysed.period, sector_key)))
    calls += [(m.company.ticker, workers.render_miner, (m, key, ranked))
              for m, key, ranked in plan.todo]
    if sector_key:
        calls.append((data_files, workers.render_sector_data, (
            analysed.peers, analysed.peer_table, analysed.period, sector_key)))
    results: list[BriefingResult] = []
    sector_parts: dict[str, BriefingResult] = {}
    for job, result in pool.run_named(calls):
        workers.relay(result)  # its warnings, logged here where callers and tests see them
        if job in SECTOR_JOBS:
            sector_parts[job] = result
            if len(sector_parts) < len(SECTOR_JOBS):
                continue
            result = workers.merge_parts([sector_parts[name] for name in SECTOR_JOBS])
        log.info("built %s %s in %.1fs (process peak %.0f MB)", result.ticker,
                 result.period, result.seconds, result.peak_rss_mb)
        if on_briefing:
            on_briefing(result)
        results.append(result)
    order = {name: i for i, name in enumerate(m.company.ticker for m in analysed.peers)}
    return sorted(results, key=lambda r: order.get(r.ticker, len(order)))


SECTOR_JOBS = ("sector", "sector data files")
"""The jobs that render the sector output, as messages name them: its documents, then its
data files (:func:`reportgen.workers.render_sector_data` says why they are two)."""
