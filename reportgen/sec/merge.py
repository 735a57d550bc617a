"""Merge figures from an SEC companyfacts document into ``inputs/`` without clobbering.

A figure already in facts.csv from another source stays; the filing's figure goes beside it
and the briefing lists any disagreement (the command reports those beyond rounding). The same
figure from the same filing is never added twice: an identical row is left alone, a changed
one is replaced in place. New filings are appended to sources.yaml as text, so its comments
and layout stay. The merged inputs are validated in a scratch copy first; only if they pass
are the two files replaced, each atomically.
"""

from __future__ import annotations

import csv
import io
import logging
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from reportgen import safeyaml
from reportgen.errors import InputError, MergeRejected, Problem, SecDocumentError, UsageError
from reportgen.files import atomic_write
from reportgen.inputs import FACT_COLUMNS, INPUT_FILES, parse_number, read_raw
from reportgen.metrics import DISAGREEMENT_TOLERANCE
from reportgen.sec.document import Filing, read_document
from reportgen.sec.fetch import COMPANYFACTS_URL, fetch, user_agent
from reportgen.sec.periods import Extraction, Figure, extract, format_value
from reportgen.sec.tags import load_tag_map
from reportgen.validate import check

log = logging.getLogger(__name__)

SOURCE_PUBLISHER = "sec.gov"
SOURCE_KIND = "SEC filing"
NO_SEGMENTS = ("XBRL companyfacts has no segment split: it cannot tell mining from AI/HPC "
               "revenue, so only revenue_total is imported; add revenue lines from the "
               "filing's segment note by hand.")


@dataclass(frozen=True)
class ImportOptions:
    file: Path
    """The companyfacts JSON to read (with ``fetch``: where the download is saved)."""
    ticker: str
    write: bool = False
    as_first_reported: bool = False
    tags: Path | None = None
    """An extra tag mapping tried before the shipped one."""
    fetch: int | None = None
    """Download the document for this CIK from SEC first."""
    user_agent: str | None = None
    """``sec_user_agent`` from reportgen.yaml (the environment variable overrides it)."""


@dataclass(frozen=True)
class Conflict:
    """An imported figure that another source gives differently, beyond rounding."""

    figure: Figure
    other_value: float
    other_source: str
    other_status: str
    place: str

    def __str__(self) -> str:
        return (f"{self.figure.period} {self.figure.metric}: {format_value(self.figure.value)}"
                f" from {self.figure.source} ({self.figure.status}) vs "
                f"{format_value(self.other_value)} from {self.other_source} "
                f"({self.other_status}, {self.place})")


@dataclass(frozen=True)
class Merge:
    """The two input files as they would be after the import, and what changed."""

    facts_text: str
    sources_text: str
    added: tuple[Figure, ...]
    replaced: tuple[Figure, ...]
    unchanged: tuple[Figure, ...]
    new_sources: tuple[Filing, ...]
    conflicts: tuple[Conflict, ...]


@dataclass(frozen=True)
class ImportReport:
    """What an import found and did; :meth:`lines` is what the command prints."""

    ticker: str
    extraction: Extraction
    merge: Merge
    written: bool
    facts_file: str
    sources_file: str
    downloaded: str = ""

    def lines(self) -> list[str]:
        figures = self.extraction.figures
        document = self.extraction.document
        out = [f"downloaded {self.downloaded}"] if self.downloaded else []
        quarters = sorted({f.period for f in figures if not f.period.startswith("FY")})
        years = sorted({f.period for f in figures if f.period.startswith("FY")})
        span = f"; quarters {quarters[0]} to {quarters[-1]}" if quarters else ""
        span += f"; full years {', '.join(years)}" if years else ""
        out.append(f"{self.ticker}: {document.entity_name} (CIK {document.cik}), "
                   f"{len(figures)} figures from {len(self.extraction.filings)} filings: "
                   f"{_count(figures, 'reported')} reported, {_count(figures, 'derived')} "
                   f"derived{span}")
        if not self.extraction.quarterly:
            out.append("no quarterly figures: this filer's XBRL has annual figures only "
                       "(e.g. 20-F), so they are imported as FYyyyy rows, which briefings show "
                       "as full-year figures; quarters must come from other sources")
        out.append(f"note: {NO_SEGMENTS}")
        out += [f"skipped {reason}" for reason in self.extraction.skipped]
        out += changed_lines(self.extraction)
        if self.merge.conflicts:
            out.append(f"{len(self.merge.conflicts)} figure(s) differ by more than "
                       f"{DISAGREEMENT_TOLERANCE:.1%} from another source already in "
                       f"{self.facts_file} (both are kept; the briefing lists them):")
            out += [f"  {conflict}" for conflict in self.merge.conflicts]
        if not self.written:
            out.append(",".join(FACT_COLUMNS))
            out += [_row_text(_row(self.ticker, figure)).rstrip("\n") for figure in figures]
            out += [f"new source {filing.source_id}: {filing.description}, {filing.url}"
                    for filing in self.merge.new_sources]
        out.append(outcome(self.merge, self.written, self.facts_file, self.sources_file))
        return out


def outcome(merge: Merge, written: bool, facts_file: str, sources_file: str) -> str:
    """The last line of an import's report: what was written, or what --write would write."""
    if not written:
        return (f"nothing written: add --write to merge {len(merge.added)} new and "
                f"{len(merge.replaced)} changed rows into {facts_file} and "
                f"{len(merge.new_sources)} sources into {sources_file}")
    return (f"{facts_file}: {len(merge.added)} rows added, {len(merge.replaced)} replaced, "
            f"{len(merge.unchanged)} already there; {sources_file}: "
            f"{len(merge.new_sources)} sources added")


def changed_lines(extraction: Extraction) -> list[str]:
    """The values a later filing changed without amending, as the command lists them."""
    if not extraction.changed:
        return []
    return [f"{len(extraction.changed)} figure(s) a later filing changed without an "
            "amendment (both rows imported; check which is right):",
            *(f"  {line}" for line in extraction.changed)]


def import_sec(inputs_dir: Path, options: ImportOptions) -> ImportReport:
    """Read (or fetch) a companyfacts document, extract, merge, and with ``write`` save."""
    display_root = inputs_dir.parent
    raw = read_raw(inputs_dir, display_root=display_root)
    cik, fiscal_year_end_month = _company(raw.companies, raw.companies_file, options.ticker)
    tag_map = load_tag_map(options.tags)
    downloaded = ""
    if options.fetch is not None:
        agent = user_agent(options.user_agent)
        fetch(options.fetch, options.file, agent)
        downloaded = f"{COMPANYFACTS_URL.format(cik=options.fetch)} to {options.file}"
    document = read_document(options.file, tag_map.tags())
    if document.cik != cik:
        raise SecDocumentError([Problem(
            str(options.file), f"this document is CIK {document.cik} "
                               f"({document.entity_name}), but {raw.companies_file} gives "
                               f"{options.ticker} CIK {cik}; import the right company's "
                               "document or fix the cik there")])
    extraction = extract(document, tag_map, as_first_reported=options.as_first_reported,
                         fiscal_year_end_month=fiscal_year_end_month)
    facts_path, sources_path = inputs_dir / "facts.csv", inputs_dir / "sources.yaml"
    merge = plan(facts_path.read_bytes().decode("utf-8"),
                 sources_path.read_bytes().decode("utf-8"), raw.facts.file, raw.sources_file,
                 options.ticker, extraction)
    if options.write:
        write(inputs_dir, merge)
    return ImportReport(options.ticker, extraction, merge, options.write, raw.facts.file,
                        raw.sources_file, downloaded)


def _company(companies: Any, file: str, ticker: str) -> tuple[int, int]:
    entries = companies.get("companies") if isinstance(companies, dict) else None
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and entry.get("ticker") == ticker:
            cik = entry.get("cik")
            if not isinstance(cik, int):
                raise InputError([Problem(file, f"{ticker} has no numeric cik; add SEC's CIK "
                                                "so the filings can be checked as its own",
                                          ticker=ticker)])
            month = entry.get("fiscal_year_end_month", 12)
            return cik, month if isinstance(month, int) else 12
    known = [str(e.get("ticker")) for e in entries or [] if isinstance(e, dict)]
    raise UsageError(f"--ticker {ticker}: not a miner in {file} (known: {', '.join(known)}); "
                     "add its entry (with cik) first")


# --- planning the merge ------------------------------------------------------------------------

@dataclass(frozen=True)
class _Record:
    first: int
    """Index of its first physical line (0-based) in the file's text."""
    last: int
    line: int
    """1-based line number as validation reports it (the record's last line)."""
    fields: Mapping[str, str]


def plan(facts_text: str, sources_text: str, facts_file: str, sources_file: str, ticker: str,
         extraction: Extraction) -> Merge:
    """The merged texts; pure, so a dry run and a write plan the same change."""
    records = _records(facts_text)
    by_key = {_key(r.fields): r for r in records}
    by_figure: dict[tuple[str, str, str], list[_Record]] = {}
    for record in records:
        fields = record.fields
        by_figure.setdefault((fields.get("ticker", ""), fields.get("period", ""),
                              fields.get("metric", "")), []).append(record)
    added, replaced, unchanged, conflicts = [], [], [], []
    replacements: dict[int, tuple[_Record, str]] = {}
    newline = "\r\n" if "\r\n" in facts_text else "\n"
    for figure in extraction.figures:
        row = _row(ticker, figure)
        existing = by_key.get(_key(row))
        if existing is None:
            added.append(figure)
        elif dict(existing.fields) == row:
            unchanged.append(figure)
        else:
            replaced.append(figure)
            replacements[existing.first] = (existing, _row_text(row, newline))
        for other in by_figure.get((ticker, figure.period, figure.metric), []):
            value = parse_number(other.fields.get("value", ""))
            if _key(other.fields) != _key(row) and value is not None and _differ(
                    value, figure.value):
                conflicts.append(Conflict(figure, value, other.fields.get("source", ""),
                                          other.fields.get("status", ""),
                                          f"{facts_file}:{other.line}"))
    lines = facts_text.splitlines(keepends=True)
    for first in sorted(replacements, reverse=True):
        record, text = replacements[first]
        lines[record.first:record.last + 1] = [text]
    merged = "".join(lines)
    if added and merged and not merged.endswith("\n"):
        merged += newline
    merged += "".join(_row_text(_row(ticker, figure), newline) for figure in added)
    new_sources = _new_filings(sources_text, extraction)
    return Merge(merged, _append_sources(sources_text, sources_file, new_sources), tuple(added),
                 tuple(replaced), tuple(unchanged), new_sources, tuple(conflicts))


def _records(text: str) -> list[_Record]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] = []
    records = []
    previous = 0
    for fields in reader:
        first, previous = previous, reader.line_num
        if not header:
            header = [name.strip().lstrip("\ufeff") for name in fields]
            continue
        if any(field.strip() for field in fields):
            values = dict(zip(header, (field.strip() for field in fields), strict=False))
            records.append(_Record(first, reader.line_num - 1, reader.line_num, values))
    return records


def _key(fields: Mapping[str, str]) -> tuple[str, str, str, frozenset[str]]:
    sources = frozenset(s for s in fields.get("source", "").split(";") if s)
    return fields.get("ticker", ""), fields.get("period", ""), fields.get("metric", ""), sources


def _row(ticker: str, figure: Figure) -> dict[str, str]:
    return {"ticker": ticker, "period": figure.period, "metric": figure.metric,
            "value": format_value(figure.value), "unit": figure.unit, "source": figure.source,
            "status": figure.status, "note": figure.note}


def _row_text(row: Mapping[str, str], newline: str = "\n") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=newline).writerow([row[c] for c in FACT_COLUMNS])
    return buffer.getvalue()


def _differ(a: float, b: float) -> bool:
    """Beyond rounding, by the rule the briefing's disagreement table uses."""
    return abs(a - b) > DISAGREEMENT_TOLERANCE * max(abs(a), abs(b))


def _new_filings(sources_text: str, extraction: Extraction) -> tuple[Filing, ...]:
    known = _sources(sources_text)
    return tuple(f for f in extraction.filings if f.source_id not in known)


def _sources(text: str) -> dict[str, Any]:
    try:
        document = safeyaml.load(text)  # libyaml-backed: fast, and no duplicate keys
    except yaml.YAMLError:
        return {}
    found = document.get("sources") if isinstance(document, dict) else None
    return found if isinstance(found, dict) else {}


def _append_sources(text: str, file: str, filings: tuple[Filing, ...]) -> str:
    """``text`` with an entry per filing appended under ``sources:``, comments untouched.

    Appending is only right when ``sources:`` is the file's last top-level key; the result is
    parsed back to make sure the old entries are unchanged and the new ones are where meant.
    """
    if not filings:
        return text
    indent = _entry_indent(text)
    parts = [text + ("" if text.endswith("\n") or not text else "\n")]
    size = len(parts[0].encode("utf-8"))
    for filing in filings:
        parts.append(f"{indent}{filing.source_id}:\n" + "".join(
            f"{indent * 2}{key}: {_scalar(value)}\n" for key, value in _entry(filing).items()))
        size += len(parts[-1].encode("utf-8"))
        if size > safeyaml.MAX_BYTES:  # checked as it grows, so a huge document costs little
            raise InputError([Problem(file, f"the {len(filings):,} filings of this document "
                                            "would make the file larger than the "
                                            f"{safeyaml.MAX_BYTES:,} bytes reportgen reads; "
                                            "nothing was written")])
    merged = "".join(parts)
    expected = {**_sources(text), **{f.source_id: _entry(f) for f in filings}}
    if _sources(merged) != expected:
        raise InputError([Problem(file, "cannot append the SEC filings safely: keep 'sources:' "
                                        "as the file's last top-level key, in block style")])
    return merged


def _entry(filing: Filing) -> dict[str, str]:
    return {"url": filing.url, "publisher": SOURCE_PUBLISHER, "kind": SOURCE_KIND,
            "description": filing.description}


def _entry_indent(text: str) -> str:
    """The indentation of the file's source ids (two spaces when it has none yet)."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if line.rstrip() == "sources:":
            for following in lines[index + 1:]:
                if following.strip() and not following.lstrip().startswith("#"):
                    width = len(following) - len(following.lstrip(" "))
                    return " " * width if width else "  "
    return "  "


def _scalar(value: str) -> str:
    """A plain YAML scalar when it reads back as itself, else a double-quoted one."""
    try:
        if safeyaml.load(f"key: {value}") == {"key": value}:
            return value
    except (ValueError, yaml.YAMLError):  # "a: b" is not a plain scalar: quote it
        pass
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


# --- writing -----------------------------------------------------------------------------------

def merged_problems(inputs_dir: Path, merge: Merge) -> list[Problem]:
    """What validation says of the inputs as they would be after ``merge`` (a scratch copy)."""
    with tempfile.TemporaryDirectory(prefix="reportgen-sec-") as scratch:
        copy = Path(scratch) / inputs_dir.name
        copy.mkdir()
        for name in INPUT_FILES:
            shutil.copyfile(inputs_dir / name, copy / name)
        (copy / "facts.csv").write_text(merge.facts_text, encoding="utf-8", newline="")
        (copy / "sources.yaml").write_text(merge.sources_text, encoding="utf-8", newline="")
        return check(read_raw(copy, display_root=Path(scratch)))


def write(inputs_dir: Path, merge: Merge) -> None:
    """Validate the merged inputs in a scratch copy, then replace the two files atomically."""
    problems = merged_problems(inputs_dir, merge)
    if problems:
        raise MergeRejected(problems)
    if merge.new_sources:
        atomic_write(inputs_dir / "sources.yaml", merge.sources_text.encode("utf-8"))
    if merge.added or merge.replaced:
        atomic_write(inputs_dir / "facts.csv", merge.facts_text.encode("utf-8"))
    log.info("merged %d rows and %d sources into %s", len(merge.added) + len(merge.replaced),
             len(merge.new_sources), inputs_dir)


def _count(figures: tuple[Figure, ...], status: str) -> int:
    return sum(1 for figure in figures if figure.status == status)
