"""The archive page: ``outputs/index.html`` lists every period and briefing built so far.

Each build writes it after its manifest (:func:`write_index`), from the manifests of
``outputs/*/`` alone: every manifest keeps, per output, the quarter it covers, its name and
the headline figures as its cover printed them, with their S/D/E marks (taken at build time by
:func:`reportgen.workers.headline`), so the page never recomputes or reopens a briefing. It
lists only files a manifest lists and that are there, and links to them relatively
(``2026Q1/WULF.pdf``), so the folder can be moved or served as it is.

The page fits the build's publish design (see :func:`reportgen.build.publish`): it is derived
data, written atomically (:func:`~reportgen.files.atomic_write`) after a manifest commits, and
never read by a build. Two builds of different periods may finish together: each holds a lock
on the ``outputs`` folder itself while it reads the manifests and writes the page, so the page
written last has read both commits. A file system that cannot lock a folder goes without: the
next build writes the page again.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from reportgen import __version__, periods, render
from reportgen import manifest as manifests
from reportgen.config import Config
from reportgen.errors import OutputError
from reportgen.files import atomic_write
from reportgen.formatting import NOT_DISCLOSED, Formatter

INDEX = "index.html"
TEMPLATE = "archive.html"
FORMATS = ("pdf", "html")
MARKS = {"S": "secondary (press coverage of a release, or a machine-written page)",
         "D": "derived from other figures", "E": "estimate"}
"""What each mark means, as the briefings' legend says it."""


@dataclass(frozen=True)
class Figure:
    label: str
    text: str
    mark: str = ""
    negative: bool = False
    as_of: str = ""
    """The quarter the figure is of, printed beside it when not the period's own."""


@dataclass(frozen=True)
class Link:
    label: str
    href: str


@dataclass(frozen=True)
class Entry:
    """One briefing (a miner's, or the sector overview) as the page lists it."""

    output: str
    name: str
    covers: str
    title: str
    figures: tuple[Figure, ...]
    links: tuple[Link, ...]
    recorded: bool
    """Whether the manifest has its headline figures (a build before the archive page did not
    keep them)."""
    stale: bool = False
    """It covers an earlier quarter than the period: the miner had not reported the period."""


@dataclass(frozen=True)
class Period:
    period: str
    built_at: str
    sector: Entry | None
    miners: tuple[Entry, ...]
    incomplete: bool
    """A build of this period stopped while replacing files; those are not listed."""


def write_index(config: Config) -> Path:
    """Write ``outputs/index.html`` from the manifests of ``outputs/*/``; returns its path."""
    outputs_dir = config.outputs_dir
    path = outputs_dir / INDEX
    with _folder_lock(outputs_dir):
        found = collect(outputs_dir)
        context = {
            "title": "Briefings archive", "firm_name": config.firm_name,
            "accent_color": config.accent_color, "font_family": config.font_family,
            "periods": found, "version": __version__,
            "marks": [(mark, meaning) for mark, meaning in MARKS.items()
                      if any(f.mark == mark for p in found for e in p.miners
                             for f in e.figures)],
            "dated": any(f.as_of for p in found for e in p.miners for f in e.figures),
        }
        env = render.environment(config.template_dirs, Formatter(config.number_style))
        text = render.html(env, TEMPLATE, context)
        try:
            atomic_write(path, text.encode("utf-8"))
        except OSError as error:
            raise OutputError(f"cannot write {path}: {error.strerror or error} (the briefings "
                              "themselves were published)") from None
    return path


@contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """An exclusive ``flock`` on ``folder`` itself for the block; waits for the other holder
    (who only reads manifests and writes one page). No lock where the folder cannot be
    locked."""
    try:
        handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        yield
        return
    try:
        with suppress(OSError):  # no lock here: the next build writes the page again
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # releases the lock


def collect(outputs_dir: Path) -> list[Period]:
    """Every period folder with a manifest, latest first."""
    found = []
    try:
        folders = [p for p in outputs_dir.iterdir()
                   if periods.is_quarter(p.name) and (p / manifests.MANIFEST).is_file()]
    except OSError:
        folders = []
    for folder in sorted(folders, key=lambda p: periods.ordinal(p.name), reverse=True):
        period = _period(folder)
        if period is not None:
            found.append(period)
    return found


def _period(folder: Path) -> Period | None:
    manifest = manifests.load(folder)
    if manifest is None:
        return None
    period = folder.name
    replacing = manifests.publishing(manifest)
    listed = [entry for entry in manifest.get("files") or [] if isinstance(entry, dict)
              and isinstance(entry.get("path"), str) and isinstance(entry.get("output"), str)
              and entry["path"] not in replacing]
    # Every build of an output writes its metrics CSV: a PDF or HTML with another key is left
    # from an earlier build in another format, and is not listed as the current briefing.
    current = {entry["output"]: entry.get("key") for entry in listed
               if entry["path"] == f"{entry['output']}-metrics.csv"}
    files: dict[str, dict[str, str]] = {}
    for entry in listed:
        name, output = entry["path"], entry["output"]
        stem, _, kind = name.rpartition(".")
        if stem != output or kind not in FORMATS or not (folder / name).is_file():
            continue
        if output in current and entry.get("key") != current[output]:
            continue
        files.setdefault(output, {})[kind] = f"{quote(period)}/{quote(name)}"
        files[output].setdefault("covers", str(entry.get("covers") or period))
    records = manifest.get("outputs")
    records = records if isinstance(records, dict) else {}
    entries = {output: _entry(period, output, links, records.get(output))
               for output, links in files.items()}
    sector = entries.pop("sector", None)
    built_at = manifest.get("built_at")
    return Period(period, str(built_at).replace("T", " ").replace("Z", " UTC")
                  if isinstance(built_at, str) else "", sector,
                  tuple(entries[name] for name in sorted(entries)), bool(replacing))


def _entry(period: str, output: str, found: dict[str, str], record: Any) -> Entry:
    links = tuple(Link(kind.upper(), found[kind]) for kind in FORMATS if kind in found)
    covers = found.get("covers", period)
    if not isinstance(record, dict):
        return Entry(output, output, covers, covers, (), links, False, covers != period)
    covers = _text(record.get("covers")) or covers
    as_of = covers if covers != period else ""
    figures = []
    for item in record.get("figures") or []:
        if not isinstance(item, dict):
            continue
        text = _text(item.get("text"))
        missing = text in ("", NOT_DISCLOSED)
        figures.append(Figure(_text(item.get("label")), text or NOT_DISCLOSED,
                              "" if missing else _text(item.get("mark")),
                              item.get("negative") is True, "" if missing else as_of))
    return Entry(output, _text(record.get("name")) or output, covers,
                 _text(record.get("title")) or covers, tuple(figures), links, True,
                 covers != period)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
