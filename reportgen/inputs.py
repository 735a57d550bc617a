"""Read ``inputs/`` as the user wrote it, then turn validated rows into typed data.

Reading and typing are separate so validation can report every problem, with file and line,
before anything is converted (see :mod:`reportgen.validate`).
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from reportgen import safeyaml
from reportgen.errors import InputError, Problem
from reportgen.model import PRICE_COLUMNS, Company, Contract, Dataset, Source, empty_prices
from reportgen.vocabulary import revenue_lines

FACT_COLUMNS = ("ticker", "period", "metric", "value", "unit", "source", "status", "note")
MARKET_COLUMNS = ("period", "metric", "value", "unit", "source", "status", "note")
PRICE_CSV_COLUMNS = ("ticker", "date", "close", "shares_outstanding", "market_cap", "source",
                     "status", "note")
"""The header of ``inputs/prices.csv``: one dated share price, share count and market cap a
row (close in USD, shares in millions, market cap in USD millions; each optional, one given)."""
PRICE_VALUES = ("close", "shares_outstanding", "market_cap")
INPUT_FILES = ("companies.yaml", "sources.yaml", "facts.csv", "market.csv")
"""The input files every project has."""
OPTIONAL_FILES = ("prices.csv",)
"""Input files a project may leave out: a missing one reads as a header with no rows."""
MAX_FILE_BYTES = 10_000_000
"""A CSV input larger than this is refused rather than read: 10 MB of CSV is ~100,000 figures.

Measured worst case just under the limits (``/usr/bin/time -v reportgen validate``, 2 cores,
Python 3.11.7): a facts.csv of 99,990 valid rows (9.7 MB, everything down to the derived
quarters) 2.8-4.1 s and 219-231 MB peak RSS depending on how the rows spread over miners,
metrics and quarters; 99,990 rows that are all errors 1.2 s and 123 MB
(validation stops after :data:`reportgen.validate.MAX_PROBLEMS`); one row of 10 million empty
fields 1.4 s and 222 MB. At 20 MB and 200,000 rows (the limits before) valid rows took 7.7 s
and 382 MB, and rows of errors 5.6 s and 600 MB. YAML inputs are bounded by
:data:`reportgen.safeyaml.MAX_BYTES` (see there)."""
MAX_ROWS = 100_000
MAX_BYTES = {"companies.yaml": safeyaml.MAX_BYTES, "sources.yaml": safeyaml.MAX_BYTES,
             "facts.csv": MAX_FILE_BYTES, "market.csv": MAX_FILE_BYTES,
             "prices.csv": MAX_FILE_BYTES}
"""The size each input may have."""
NUMBER = re.compile(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$")
"""Plain decimal numbers only: no thousands separators, underscores, or non-ASCII digits."""
THOUSANDS = re.compile(r"^[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?$")
"""A number written with thousands separators (``1,234.5``): refused, with how to write it."""
ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
YamlPath = safeyaml.YamlPath
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
    sources_lines: Mapping[YamlPath, int] = field(default_factory=dict)
    """The same for sources.yaml."""
    prices: CsvTable = CsvTable("inputs/prices.csv", PRICE_CSV_COLUMNS, ())
    """``prices.csv``; a header and no rows when the project has none."""


def read_raw(inputs_dir: Path, display_root: Path | None = None) -> RawInputs:
    """Parse every input file; unreadable files become problems raised together.

    Each file's size is checked before it is read (:data:`MAX_BYTES`); YAML goes through
    :mod:`reportgen.safeyaml` (no duplicate keys, no tags, no aliases, bounded depth).
    """
    problems: list[Problem] = []
    digest = hashlib.sha256()

    def shown(name: str) -> str:
        path = inputs_dir / name
        try:
            return str(path.relative_to(display_root)) if display_root else str(path)
        except ValueError:
            return str(path)

    texts: dict[str, str] = {}
    for name in (*INPUT_FILES, *OPTIONAL_FILES):
        limit = MAX_BYTES[name]
        if name in OPTIONAL_FILES and not (inputs_dir / name).exists():
            continue  # missing is allowed, and leaves the fingerprint as it was without it
        try:
            with (inputs_dir / name).open("rb") as handle:
                size = os.fstat(handle.fileno()).st_size
                if size > limit:
                    problems.append(Problem(shown(name), safeyaml.too_big(size, limit)))
                    continue
                data = handle.read(limit + 1)
        except OSError as error:
            problems.append(Problem(shown(name), f"cannot read the file ({error.strerror})"))
            continue
        if len(data) > limit:
            problems.append(Problem(shown(name), safeyaml.too_big(len(data), limit, True)))
            continue
        digest.update(name.encode() + b"\0" + data + b"\0")
        try:
            texts[name] = safeyaml.decode(data, shown(name))
        except InputError as error:
            problems += error.problems
    if problems:
        raise InputError(problems)

    companies, companies_lines = _yaml(texts["companies.yaml"], shown("companies.yaml"),
                                       problems)
    sources, sources_lines = _yaml(texts["sources.yaml"], shown("sources.yaml"), problems)
    facts = _csv(texts["facts.csv"], shown("facts.csv"), problems)
    market = _csv(texts["market.csv"], shown("market.csv"), problems)
    prices = (_csv(texts["prices.csv"], shown("prices.csv"), problems) if "prices.csv" in texts
              else CsvTable(shown("prices.csv"), PRICE_CSV_COLUMNS, ()))
    if problems:
        raise InputError(problems)
    return RawInputs(shown("companies.yaml"), companies, shown("sources.yaml"), sources,
                     facts, market, digest.hexdigest(), companies_lines, sources_lines,
                     prices)


def _yaml(text: str, file: str, problems: list[Problem]) -> tuple[Any, dict[YamlPath, int]]:
    try:
        return safeyaml.parse(text, file)
    except InputError as error:
        problems += error.problems
        return None, {}


def yaml_lines(text: str) -> dict[YamlPath, int]:
    r"""The 1-based line of every mapping key and list item of a YAML document.

    Call only on text :func:`reportgen.safeyaml.load` accepts.

    >>> lines = yaml_lines("companies:\n- ticker: WULF\n  revenue_lines:\n    a: mining\n")
    >>> lines[("companies", 0)], lines[("companies", 0, "revenue_lines", "a")]
    (2, 4)
    """
    return safeyaml.load_located(text)[1]


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
    separated = _thousands(fields, header)
    if separated:  # rejoined, so the one problem reported is the separator, not its cascade
        at, width = header.index("value"), separated.count(",") + 1
        fields = [*fields[:at], separated.replace(",", ""), *fields[at + width:]]
    values = dict(zip(header, (field.strip() for field in fields), strict=False))
    if len(fields) > len(header):
        values["__extra__"] = ",".join(fields[len(header):])
    if separated:
        values["__thousands__"] = separated
    rows.append(CsvRow(line, values))


def _thousands(fields: list[str], header: tuple[str, ...]) -> str:
    """``1,234.5`` when an unquoted value with thousands separators split the row into more
    fields than the header has (``...,1,234.5,USD_M,...``), else ``""``.

    >>> _thousands(["WULF", "2026Q1", "cash", "1", "234.5", "USD_M"],
    ...            ("ticker", "period", "metric", "value", "unit"))
    '1,234.5'
    >>> _thousands(["WULF", "2026Q1", "cash", "1", "USD_M", "a note, split"],
    ...            ("ticker", "period", "metric", "value", "unit", "note"))
    ''
    """
    extra = len(fields) - len(header)
    if extra <= 0 or "value" not in header:
        return ""
    at = header.index("value")
    joined = ",".join(field.strip() for field in fields[at:at + extra + 1])
    return joined if THOUSANDS.match(joined) else ""


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
                   sources, raw.fingerprint, _prices(raw.prices))


def _company(entry: dict[str, Any]) -> Company:
    contracts = tuple(
        Contract(
            customer=str(item["customer"]), source=str(item["source"]),
            status=str(item["status"]), site=str(item.get("site") or ""),
            mw=_number(item.get("mw")), term_years=_number(item.get("term_years")),
            value_usd_m=_number(item.get("value_usd_m")),
            backstop=str(item.get("backstop") or ""), note=str(item.get("note") or ""),
            kind=str(item.get("kind") or ""), energization=contract_date(item.get("energization")),
            signed=contract_date(item.get("signed")),
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


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


CONTRACT_DATE = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])(-[0-9]{2})?$|^[0-9]{4}-Q[1-4]$")
"""A contract date as the source gives it: ``2026-08``, ``2026-09-30`` or ``2026-Q4``."""


def contract_date(value: Any) -> str:
    """A contract's ``energization`` or ``signed`` as text (YAML reads ``2026-09-30`` as a
    date); ``""`` when not given.

    >>> contract_date(datetime.date(2026, 9, 30)), contract_date("2026-Q4"), contract_date(None)
    ('2026-09-30', '2026-Q4', '')
    """
    if value is None:
        return ""
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value.isoformat()
    return str(value).strip()


def is_contract_date(value: Any) -> bool:
    """Whether ``value`` is a contract date :func:`contract_date` accepts (a real day, if one).

    >>> is_contract_date("2026-08"), is_contract_date("2026-Q4"), is_contract_date("2026-02-30")
    (True, True, False)
    >>> is_contract_date("early 2027"), is_contract_date("2026-13"), is_contract_date(2026)
    (False, False, False)
    """
    if isinstance(value, datetime.datetime) or not isinstance(value, str | datetime.date):
        return False
    text = contract_date(value)
    if not CONTRACT_DATE.match(text):
        return False
    return len(text) != 10 or parse_date(text) is not None


def _prices(table: CsvTable) -> pd.DataFrame:
    """The rows of prices.csv as :data:`reportgen.model.PRICE_COLUMNS`, typed."""
    if not table.rows:
        return empty_prices()
    records = [
        {**{name: row.fields.get(name, "") for name in PRICE_CSV_COLUMNS}, "file": table.file,
         "line": row.line}
        for row in table.rows
    ]
    frame = pd.DataFrame.from_records(records, columns=list(PRICE_COLUMNS))
    frame["date"] = pd.to_datetime(frame["date"], format="%Y-%m-%d")
    for name in PRICE_VALUES:
        frame[name] = [parse_number(text) if text else None for text in frame[name]]
        frame[name] = frame[name].astype(float)
    frame["line"] = frame["line"].astype(int)
    return frame


def _frame(table: CsvTable, columns: tuple[str, ...]) -> pd.DataFrame:
    records = [
        {**{name: row.fields.get(name, "") for name in columns}, "file": table.file,
         "line": row.line}
        for row in table.rows
    ]
    frame = pd.DataFrame.from_records(records, columns=[*columns, "file", "line"])
    # How many decimals the source wrote ("13.0" has one): the float alone cannot tell.
    frame["decimals"] = [len(text.strip().partition(".")[2]) for text in frame["value"]]
    frame["value"] = [parse_number(text) for text in frame["value"]]
    frame["value"] = frame["value"].astype(float)
    frame["line"] = frame["line"].astype(int)
    return frame
