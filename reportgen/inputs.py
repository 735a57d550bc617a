"""Read ``inputs/`` as the user wrote it, then turn validated rows into typed data.

Reading and typing are separate so validation can report every problem, with file and line,
before anything is converted (see :mod:`reportgen.validate`).
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from reportgen import safeyaml
from reportgen.errors import InputError, Problem
from reportgen.model import Company, Contract, Dataset, Source

FACT_COLUMNS = ("ticker", "period", "metric", "value", "unit", "source", "status", "note")
MARKET_COLUMNS = ("period", "metric", "value", "unit", "source", "status", "note")
INPUT_FILES = ("companies.yaml", "sources.yaml", "facts.csv", "market.csv")
MAX_FILE_BYTES = 20_000_000
"""An input larger than this is refused rather than read: 20 MB of CSV is ~200,000 figures."""
MAX_ROWS = 200_000
NUMBER = re.compile(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$")
"""Plain decimal numbers only: no thousands separators, underscores, or non-ASCII digits."""
ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
YamlPath = tuple[str | int, ...]
"""A place in a YAML document: mapping keys (as text) and list indexes, from the top."""


def parse_number(text: str) -> float | None:
    """The value of a CSV cell, or ``None`` when it is not a plain finite decimal number."""
    return float(text) if NUMBER.match(text) else None


def parse_date(value: Any) -> datetime.date | None:
    """A ``date:`` as YAML gives it (a date, or text ``YYYY-MM-DD``), or ``None`` if not one.

    >>> parse_date("2025-08-07"), parse_date("2025-8-7"), parse_date("2025-02-30")
    (datetime.date(2025, 8, 7), None, None)
    """
    if isinstance(value, datetime.datetime):
        return None  # a timestamp, not a date
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str) and ISO_DATE.match(value):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return None
    return None


@dataclass(frozen=True)
class CsvRow:
    line: int
    fields: dict[str, str]


@dataclass(frozen=True)
class CsvTable:
    file: str
    header: tuple[str, ...]
    rows: tuple[CsvRow, ...]


@dataclass(frozen=True)
class RawInputs:
    """The inputs as parsed text: YAML documents and CSV rows, nothing interpreted yet."""

    companies_file: str
    companies: Any
    sources_file: str
    sources: Any
    facts: CsvTable
    market: CsvTable
    fingerprint: str
    companies_lines: Mapping[YamlPath, int] = field(default_factory=dict)
    """The line of each key and list item in companies.yaml, to locate problems."""


def read_raw(inputs_dir: Path, display_root: Path | None = None) -> RawInputs:
    """Parse every input file; unreadable files become problems raised together."""
    problems: list[Problem] = []
    digest = hashlib.sha256()

    def shown(name: str) -> str:
        path = inputs_dir / name
        try:
            return str(path.relative_to(display_root)) if display_root else str(path)
        except ValueError:
            return str(path)

    texts: dict[str, str] = {}
    for name in INPUT_FILES:
        path = inputs_dir / name
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                problems.append(Problem(shown(name), f"{size:,} bytes is more than the "
                                                     f"{MAX_FILE_BYTES:,} reportgen reads"))
                continue
            data = path.read_bytes()
        except OSError as error:
            problems.append(Problem(shown(name), f"cannot read the file ({error.strerror})"))
            continue
        digest.update(name.encode() + b"\0" + data + b"\0")
        try:
            texts[name] = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            problems.append(Problem(shown(name), f"expected UTF-8 text ({error.reason} at byte "
                                                 f"{error.start})"))
    if problems:
        raise InputError(problems)

    companies = _yaml(texts["companies.yaml"], shown("companies.yaml"), problems)
    companies_lines = yaml_lines(texts["companies.yaml"]) if not problems else {}
    sources = _yaml(texts["sources.yaml"], shown("sources.yaml"), problems)
    facts = _csv(texts["facts.csv"], shown("facts.csv"), problems)
    market = _csv(texts["market.csv"], shown("market.csv"), problems)
    if problems:
        raise InputError(problems)
    return RawInputs(shown("companies.yaml"), companies, shown("sources.yaml"), sources,
                     facts, market, digest.hexdigest(), companies_lines)


def _yaml(text: str, file: str, problems: list[Problem]) -> Any:
    try:
        return safeyaml.load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(error, "problem", None) or str(error)
        problems.append(Problem(file, f"not valid YAML: {reason}", line=line))
        return None
    except ValueError as error:  # a scalar YAML reads as a date but Python refuses: 2025-02-30
        value, line = _unbuildable_scalar(text)
        problems.append(Problem(file, f"not valid YAML: {value!r} is not a valid date or "
                                      f"number ({error}); quote it if it is text", line=line))
        return None


def _unbuildable_scalar(text: str) -> tuple[str, int | None]:
    """The first plain value YAML resolves to a type whose constructor refuses it."""
    loader = yaml.SafeLoader("")
    stack = [yaml.compose(text, Loader=yaml.SafeLoader)]  # last in, first out: document order
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            try:
                loader.construct_object(node, deep=True)
            except ValueError:
                return node.value, node.start_mark.line + 1
        elif isinstance(node, yaml.MappingNode):
            stack += reversed([part for pair in node.value for part in pair])
        elif isinstance(node, yaml.SequenceNode):
            stack += reversed(node.value)
    return "", None


def yaml_lines(text: str) -> dict[YamlPath, int]:
    r"""The 1-based line of every mapping key and list item of a YAML document.

    Call only on text :func:`reportgen.safeyaml.load` accepted (no aliases, bounded depth).

    >>> lines = yaml_lines("companies:\n- ticker: WULF\n  revenue_lines:\n    a: mining\n")
    >>> lines[("companies", 0)], lines[("companies", 0, "revenue_lines", "a")]
    (2, 4)
    """
    lines: dict[YamlPath, int] = {}

    def walk(node: yaml.Node, path: YamlPath) -> None:
        lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                name = str(key.value) if isinstance(key, yaml.ScalarNode) else "?"
                lines[(*path, name)] = key.start_mark.line + 1
                walk(value, (*path, name))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, (*path, index))

    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if root is not None:
        walk(root, ())
    return lines


def _csv(text: str, file: str, problems: list[Problem]) -> CsvTable:
    if "\0" in text:
        line = text[:text.index("\0")].count("\n") + 1
        problems.append(Problem(file, "contains a NUL byte; save it as plain UTF-8 text",
                                line=line))
        return CsvTable(file, (), ())
    reader = csv.reader(io.StringIO(text, newline=""))
    header: tuple[str, ...] = ()
    rows: list[CsvRow] = []
    try:
        while True:
            first_line = reader.line_num + 1  # a quoted field may span lines: cite the first
            fields = next(reader, None)
            if fields is None:
                break
            if len(rows) >= MAX_ROWS:
                problems.append(Problem(file, f"more than {MAX_ROWS:,} rows; split the data "
                                              "or raise reportgen.inputs.MAX_ROWS",
                                        line=first_line))
                break
            _add_row(fields, first_line, header, rows)
            if not header:
                header = tuple(name.strip() for name in fields)
    except csv.Error as error:
        problems.append(Problem(file, f"not valid CSV: {error}", line=reader.line_num))
    return CsvTable(file, header, tuple(rows))


def _add_row(fields: list[str], line: int, header: tuple[str, ...], rows: list[CsvRow]) -> None:
    if not header:
        return
    if not any(field.strip() for field in fields):
        return
    values = dict(zip(header, (field.strip() for field in fields), strict=False))
    if len(fields) > len(header):
        values["__extra__"] = ",".join(fields[len(header):])
    rows.append(CsvRow(line, values))


def to_dataset(raw: RawInputs) -> Dataset:
    """Typed, validated inputs; call only after :func:`reportgen.validate.check` found nothing."""
    sources = {
        source_id: Source(source_id, str(entry["url"]), str(entry.get("publisher", "")),
                          str(entry.get("kind", "")), str(entry.get("description", "")),
                          date=parse_date(entry.get("date")))
        for source_id, entry in raw.sources["sources"].items()
    }
    companies = {entry["ticker"]: _company(entry) for entry in raw.companies["companies"]}
    return Dataset(companies, _frame(raw.facts, FACT_COLUMNS), _frame(raw.market, MARKET_COLUMNS),
                   sources, raw.fingerprint)


def _company(entry: dict[str, Any]) -> Company:
    contracts = tuple(
        Contract(
            customer=str(item["customer"]), source=str(item["source"]),
            status=str(item["status"]), site=str(item.get("site") or ""),
            mw=_number(item.get("mw")), term_years=_number(item.get("term_years")),
            value_usd_m=_number(item.get("value_usd_m")),
            backstop=str(item.get("backstop") or ""), note=str(item.get("note") or ""),
        )
        for item in entry.get("contracts") or ()
    )
    businesses, labels = revenue_lines(entry.get("revenue_lines") or {})
    return Company(
        ticker=str(entry["ticker"]), name=str(entry["name"]),
        cik=int(entry["cik"]) if entry.get("cik") is not None else None,
        fiscal_year_end_month=int(entry.get("fiscal_year_end_month", 12)),
        revenue_lines=businesses, contracts=contracts,
        notes=str(entry.get("notes") or "").strip(), revenue_line_labels=labels,
    )


def revenue_lines(declared: Mapping[Any, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """Business and label of each revenue line, from either form companies.yaml accepts.

    ``revenue_colocation: ai_hpc`` (short) or ``revenue_colocation: {business: ai_hpc,
    label: Colocation}`` (long); anything else is left for validation to report.

    >>> revenue_lines({"revenue_a": "mining", "revenue_b": {"business": "ai_hpc",
    ...                                                     "label": "HPC lease"}})
    ({'revenue_a': 'mining', 'revenue_b': 'ai_hpc'}, {'revenue_b': 'HPC lease'})
    """
    businesses: dict[str, str] = {}
    labels: dict[str, str] = {}
    for line, value in declared.items():
        if isinstance(value, Mapping):
            if isinstance(value.get("business"), str):
                businesses[str(line)] = value["business"]
            if isinstance(value.get("label"), str) and value["label"].strip():
                labels[str(line)] = value["label"].strip()
        elif isinstance(value, str):
            businesses[str(line)] = value
    return businesses, labels


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _frame(table: CsvTable, columns: tuple[str, ...]) -> pd.DataFrame:
    records = [
        {**{name: row.fields.get(name, "") for name in columns}, "file": table.file,
         "line": row.line}
        for row in table.rows
    ]
    frame = pd.DataFrame.from_records(records, columns=[*columns, "file", "line"])
    frame["value"] = [parse_number(text) for text in frame["value"]]
    frame["value"] = frame["value"].astype(float)
    frame["line"] = frame["line"].astype(int)
    return frame
