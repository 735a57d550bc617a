"""Reading an SEC XBRL companyfacts JSON document, bounded and strict: every problem named."""

from __future__ import annotations

import json
import math
import re
import reprlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from reportgen import safeyaml
from reportgen.errors import Problem, SecDocumentError, unsafe_character
from reportgen.sec.tags import TAXONOMIES

ARCHIVES_URL = "https://www.sec.gov/Archives/edgar/data/{cik}/{accession}/"
MAX_JSON_BYTES = 15_000_000
"""A companyfacts document larger than this is refused unread (and a download stops there).

Snowflake's full document is 2.6 MB; a miner's is smaller. Measured worst case just under
the limits (``/usr/bin/time -v reportgen import-sec``, 2 cores, Python 3.11.7): 15 MB of
two-letter strings (the most Python objects a byte once containers are capped) 0.9 s and
312 MB peak RSS; 100,000 empty objects plus strings 0.9 s, 315 MB; 99,980 facts of one mapped
tag with overlapping year-to-date windows 3.5 s, 195 MB. At 20 MB and no container cap a
document of empty arrays took 540 MB."""
MAX_CONTAINERS = 100_000
"""Arrays and objects a document may hold (counted before parsing, brackets inside strings
included): ``[[],[],...]`` costs ~20 bytes of memory a byte of JSON. Snowflake's full
document has 9,191 in 2.6 MB (one a fact, ~280 bytes each)."""
MAX_INT_DIGITS = 20
MAX_VALUE = 1e15
"""$1 quadrillion: no figure in a filing is larger (validation refuses it in USD_M anyway)."""
YEARS = range(1900, 2200)
"""Dates outside these years are refused: no filing reports them, and date arithmetic at
year 1 or 9999 overflows."""
ACCESSION = re.compile(r"^[0-9]{10}-[0-9]{2}-[0-9]{6}$")
FORM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ./-]{0,19}$")
"""10-Q, 10-K/A, 20-F, 40-F, 6-K, S-1, 424B5, DEF 14A: one line, a few plain characters."""
MAX_ENTITY_NAME = 200
MAX_SHOWN = SecDocumentError.max_shown
"""A bad document is refused naming its first 20 problems; the rest is not read."""
_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = 60
_SHORT.maxlevel = 2


@dataclass(frozen=True, order=True)
class Filing:
    """One filing (10-Q, 10-K, 20-F, ...): what facts.csv cites as the source of a figure."""

    filed: str
    accession: str
    form: str
    cik: int

    @property
    def source_id(self) -> str:
        return f"sec_{self.cik}_{self.accession.replace('-', '')}"

    @property
    def url(self) -> str:
        return ARCHIVES_URL.format(cik=self.cik, accession=self.accession.replace("-", ""))

    @property
    def description(self) -> str:
        filed = f" filed {self.filed}" if self.filed else ""  # a local filing: date not given
        return f"Form {self.form}{filed}, accession {self.accession}"


@dataclass(frozen=True)
class Fact:
    """One tagged value as one filing reported it; ``start`` is ``None`` for an instant."""

    start: date | None
    end: date
    value: float
    filing: Filing


@dataclass(frozen=True)
class Document:
    path: Path
    cik: int
    entity_name: str
    facts: Mapping[tuple[str, str, str], tuple[Fact, ...]]
    """(taxonomy, tag, unit) → every fact of that tag, across filings."""


def read_document(path: Path, tags: set[tuple[str, str]] | None = None) -> Document:
    """Parse a companyfacts JSON file, keeping the tags asked for; every problem named.

    The file is at most :data:`MAX_JSON_BYTES` with at most :data:`MAX_CONTAINERS` arrays
    and objects (both checked before parsing); integers of more than :data:`MAX_INT_DIGITS`
    digits, numbers out of range (``1e400``), ``NaN`` and nesting too deep for the decoder
    are refused with their line.
    """
    shown = str(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_JSON_BYTES + 1)
    except OSError as error:
        raise SecDocumentError([Problem(shown, f"cannot read the file ({error.strerror})")]) \
            from None
    data = _bounded(data, shown)
    try:
        document = json.loads(data, parse_int=_json_int, parse_float=_json_float,
                              parse_constant=_json_constant)
    except _Refused as error:
        raise SecDocumentError([Problem(shown, f"not a companyfacts document: {error}",
                                        line=_line_of_token(data, error.token))]) from None
    except RecursionError:
        raise SecDocumentError([Problem(shown, "not a companyfacts document: nested too deep "
                                               f"for the JSON decoder (more than {_DEEP} "
                                               "levels here; a companyfacts document has 7)",
                                        line=_line_too_deep(data))]) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        line = error.lineno if isinstance(error, json.JSONDecodeError) else \
            data.count(b"\n", 0, error.start) + 1
        raise SecDocumentError([Problem(shown, f"not valid JSON ({error}); expected "
                                               "an SEC companyfacts document",
                                        line=line)]) from None
    return _document(document, path, shown, tags)


def _document(data: Any, path: Path, shown: str, tags: set[tuple[str, str]] | None
              ) -> Document:
    if not isinstance(data, dict):
        raise SecDocumentError([Problem(shown, "not an SEC companyfacts document: expected a "
                                               "JSON object with cik, entityName and facts")])
    missing = [key for key in ("cik", "entityName", "facts") if key not in data]
    if missing:
        raise SecDocumentError([Problem(shown, "not an SEC companyfacts document: missing "
                                               f"{', '.join(repr(k) for k in missing)} (expected "
                                               "top-level cik, entityName and facts)")])
    cik = _cik(data["cik"])
    if cik is None or not isinstance(data["facts"], dict):
        raise SecDocumentError([Problem(shown, "not an SEC companyfacts document: expected "
                                               "'cik' to be a number and 'facts' an object of "
                                               "taxonomies, got "
                                               f"cik={_short(data['cik'])}")])
    name = data["entityName"]
    reason = unsafe_character(name) if isinstance(name, str) else "is not text"
    if reason or not name.strip() or len(name) > MAX_ENTITY_NAME:
        raise SecDocumentError([Problem(shown, f"entityName: {reason or 'expected the name'} "
                                               f"(got {_short(name)}); not a companyfacts "
                                               "document SEC would serve")])
    if not any(isinstance(data["facts"].get(t), dict) for t in TAXONOMIES):
        found = ", ".join(_short(str(key)) for key in list(data["facts"])[:10])
        raise SecDocumentError([Problem(shown, f"has no {' or '.join(TAXONOMIES)} facts "
                                               f"(only {found or 'none'}); nothing to import")])
    problems: list[Problem] = []
    facts = dict(_facts(data["facts"], cik, tags, shown, problems))
    if problems:
        raise SecDocumentError(problems[:MAX_SHOWN])
    return Document(path, cik, name, facts)


class _Refused(ValueError):
    """A JSON number reportgen will not take, with the text to find it by."""

    def __init__(self, message: str, token: str) -> None:
        super().__init__(message)
        self.token = token


def _json_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise _Refused(f"an integer of {digits:,} digits (more than the {MAX_INT_DIGITS} any "
                       "figure has)", text)
    return int(text)


def _json_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"{_short(text)} is out of range for a number", text)
    return value


def _json_constant(text: str) -> float:
    raise _Refused(f"{text} is not a number (JSON has no NaN or Infinity)", text)


_DEEP = 100


def _bounded(data: bytes, shown: str) -> bytes:
    """``data`` if within :data:`MAX_JSON_BYTES` and :data:`MAX_CONTAINERS`, else refused."""
    if len(data) > MAX_JSON_BYTES:
        raise SecDocumentError([Problem(shown, safeyaml.too_big(len(data), MAX_JSON_BYTES,
                                                                at_least=True))])
    containers = data.count(b"[") + data.count(b"{")  # an upper bound: brackets in strings too
    if containers > MAX_CONTAINERS:
        raise SecDocumentError([Problem(shown, f"not a companyfacts document: {containers:,} "
                                               "arrays and objects, more than the "
                                               f"{MAX_CONTAINERS:,} reportgen reads")])
    return data


def _line_of_token(data: bytes, token: str) -> int | None:
    """The line of the first ``token`` that stands as a JSON value (not inside a string)."""
    found = re.search(rb"[:\[,]\s*(" + re.escape(token.encode()) + rb")(?![0-9.eE+-])", data)
    return data.count(b"\n", 0, found.start(1)) + 1 if found else None


def _line_too_deep(data: bytes) -> int | None:
    """The line where nesting first passes :data:`_DEEP` levels (strings skipped)."""
    depth = 0
    for token in re.finditer(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', data):
        mark = token.group()
        if mark in (b"[", b"{"):
            depth += 1
            if depth > _DEEP:
                return data.count(b"\n", 0, token.start()) + 1
        elif mark in (b"]", b"}"):
            depth -= 1
    return None


def _short(value: Any) -> str:
    r"""A value for a message: at most ~60 characters, no control characters, any depth.

    >>> len(_short("x" * 100)), _short("\x1b[2J"), _short([[[[1]]]])
    (60, "'\\x1b[2J'", '[[[...]]]')
    """
    return _SHORT.repr(value)


def _cik(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 10**10:
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit() \
            and len(value.strip()) <= 10:
        return int(value)
    return None


def _facts(taxonomies: Mapping[str, Any], cik: int, tags: set[tuple[str, str]] | None,
           shown: str, problems: list[Problem]) -> Iterator[tuple[tuple[str, str, str],
                                                                  tuple[Fact, ...]]]:
    for taxonomy in TAXONOMIES:
        concepts = taxonomies.get(taxonomy)
        for tag, concept in (concepts if isinstance(concepts, dict) else {}).items():
            if tags is not None and (taxonomy, tag) not in tags:
                continue
            units = concept.get("units") if isinstance(concept, dict) else None
            if not isinstance(units, dict):
                problems.append(Problem(shown, f"facts.{taxonomy}.{tag}: missing 'units'"))
                continue
            for unit, items in units.items():
                if len(problems) >= MAX_SHOWN:
                    return  # enough to act on; the rest of a hostile document is not read
                place = f"facts.{taxonomy}.{tag}.units.{unit}"
                facts = [_fact(item, cik, f"{place}[{i}]", shown, problems)
                         for i, item in enumerate(items if isinstance(items, list) else [None])
                         if len(problems) < MAX_SHOWN]
                yield (taxonomy, tag, unit), tuple(f for f in facts if f is not None)


def _fact(item: Any, cik: int, place: str, shown: str, problems: list[Problem]) -> Fact | None:
    if not isinstance(item, dict):
        problems.append(Problem(shown, f"{place}: expected an object with end, val, accn, "
                                       "form, filed"))
        return None
    missing = [key for key in ("end", "val", "accn", "form", "filed") if key not in item]
    if missing:
        problems.append(Problem(shown, f"{place}: missing {', '.join(missing)}"))
        return None
    dates = {key: _date(item[key]) for key in ("start", "end", "filed") if key in item}
    bad = [key for key, day in dates.items() if day is None]
    if bad:
        shown_values = ", ".join(f"{key} {_short(item[key])}" for key in bad)
        problems.append(Problem(shown, f"{place}: expected dates as YYYY-MM-DD between "
                                       f"{YEARS.start} and {YEARS.stop - 1} in start, end and "
                                       f"filed, got {shown_values}"))
        return None
    value = item["val"]
    if isinstance(value, bool) or not isinstance(value, int | float) or abs(value) > MAX_VALUE:
        problems.append(Problem(shown, f"{place}: expected a number in val (at most "
                                       f"{MAX_VALUE:g} in size), got {_short(value)}"))
        return None
    accession, form = item["accn"], item["form"]
    if not isinstance(accession, str) or not ACCESSION.match(accession):
        problems.append(Problem(shown, f"{place}: expected an accession number like "
                                       f"0001640147-25-000110 in accn, got {_short(accession)}"))
        return None
    if not isinstance(form, str) or not FORM.match(form):
        problems.append(Problem(shown, f"{place}: expected a form type like 10-Q or 10-K/A in "
                                       f"form, got {_short(form)}"))
        return None
    return Fact(dates.get("start"), dates["end"], float(value),
                Filing(str(item["filed"]), accession, form, cik))


ISO_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _date(value: Any) -> date | None:
    """A ``YYYY-MM-DD`` date within :data:`YEARS`, else ``None``.

    >>> _date("2025-04-30"), _date("9999-12-31"), _date("0001-01-01"), _date("20250430")
    (datetime.date(2025, 4, 30), None, None, None)
    """
    if not isinstance(value, str) or not ISO_DAY.match(value):
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return day if day.year in YEARS else None
