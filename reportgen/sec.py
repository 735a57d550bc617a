"""Turn an SEC XBRL companyfacts document into facts.csv figures, one per metric and quarter.

companyfacts lists every figure a company has tagged, once per filing that carried it, with
the filing's ``fy``/``fp`` labels. Those labels describe the filing, not the figure (a 10-K's
prior-year comparatives carry the 10-K's year), so periods here come only from each fact's
``start``/``end`` dates: a ~3-month duration is a quarter; a quarter missing as such is worked
out from year-to-date figures with the same start (6M − 3M, 9M − 6M, FY − 9M); a duration
belongs to the calendar quarter its midpoint falls in, as SEC's frames do. Balance-sheet
instants belong to the calendar quarter whose end is nearest. A filer with no quarterly
figures at all (a 20-F filer) gets ``FYyyyy`` rows instead.

Which tags feed which metric, and with what sign, is data: ``reportgen/sec_tags.yaml``.
Merging the figures into ``inputs/`` lives in :mod:`reportgen.sec_merge`.
"""

from __future__ import annotations

import bisect
import json
import logging
import math
import os
import re
import reprlib
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from reportgen import safeyaml
from reportgen.errors import (
    InputError,
    Problem,
    ReportgenError,
    SecDocumentError,
    UsageError,
    unsafe_character,
)
from reportgen.files import atomic_write
from reportgen.vocabulary import METRICS, did_you_mean

log = logging.getLogger(__name__)

TAXONOMIES = ("us-gaap", "ifrs-full")
UNIT_SCALE = {"USD": 1e-6}
"""XBRL unit → factor to our unit (USD_M). Only additive money amounts are imported."""
QUARTER_DAYS = range(80, 101)
"""A duration this long (inclusive days) is a quarter; 13-week quarters are 91 days."""
_SHORTEST_QUARTER = timedelta(days=QUARTER_DAYS.start)
_LONGEST_QUARTER = timedelta(days=QUARTER_DAYS.stop - 1)
YEAR_DAYS = range(350, 381)
"""A full fiscal year, 52/53-week years included."""
ARCHIVES_URL = "https://www.sec.gov/Archives/edgar/data/{cik}/{accession}/"
COMPANYFACTS_URL = "https://data.sec.gov/api/xbrl/companyfacts/CIK{cik:010d}.json"
USER_AGENT_ENV = "REPORTGEN_SEC_USER_AGENT"
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
NO_SEGMENTS = ("XBRL companyfacts has no segment split: it cannot tell mining from AI/HPC "
               "revenue, so only revenue_total is imported; add revenue lines from the "
               "filing's segment note by hand.")


# --- the tag mapping -------------------------------------------------------------------------

@dataclass(frozen=True)
class TagRule:
    """One XBRL tag to try for a metric, the unit it must carry and the sign to apply."""

    taxonomy: str
    tag: str
    unit: str
    sign: int

    @property
    def name(self) -> str:
        return f"{self.taxonomy}:{self.tag}"


@dataclass(frozen=True)
class TagMap:
    """Metric → tags in the order tried (a user's extra file first, then the shipped one)."""

    rules: Mapping[str, tuple[TagRule, ...]]

    def tags(self) -> set[tuple[str, str]]:
        return {(rule.taxonomy, rule.tag) for rules in self.rules.values() for rule in rules}


def load_tag_map(extra: Path | None = None) -> TagMap:
    """The shipped mapping, extended and overridden by ``extra`` (``--tags FILE``) if given."""
    shipped = resources.files("reportgen").joinpath("sec_tags.yaml")
    rules = _parse_tag_map(shipped.read_text(encoding="utf-8"), "reportgen/sec_tags.yaml")
    if extra is None:
        return TagMap(rules)
    text = safeyaml.read_text(extra, str(extra), safeyaml.MAX_BYTES)
    overrides = _parse_tag_map(text, str(extra))
    merged: dict[str, tuple[TagRule, ...]] = {}
    for metric in {**rules, **overrides}:
        mine = overrides.get(metric, ())
        taken = {(rule.taxonomy, rule.tag) for rule in mine}
        merged[metric] = (*mine, *(r for r in rules.get(metric, ())
                                   if (r.taxonomy, r.tag) not in taken))
    return TagMap(merged)


def _parse_tag_map(text: str, file: str) -> dict[str, tuple[TagRule, ...]]:
    document, _ = safeyaml.parse(text, file)  # no duplicate keys, no tags, bounded depth
    metrics = document.get("metrics") if isinstance(document, dict) else None
    if not isinstance(metrics, dict):
        raise InputError([Problem(file, "expected a 'metrics:' mapping of metric → "
                                        "taxonomy → list of {tag, unit, sign}")])
    problems = [Problem(file, f"{key}: {safeyaml.unknown_key(key, ('metrics',))}")
                for key in document if key != "metrics"]
    rules: dict[str, tuple[TagRule, ...]] = {}
    for metric, by_taxonomy in metrics.items():
        spec = METRICS.get(metric)
        if spec is None or spec.unit != "USD_M":
            problems.append(Problem(file, f"metrics.{metric}: expected a USD_M metric"
                                          f"{did_you_mean(str(metric), METRICS)} "
                                          "('reportgen metrics' lists them)"))
            continue
        if not isinstance(by_taxonomy, dict):
            problems.append(Problem(file, f"metrics.{metric}: expected a mapping of taxonomy "
                                          f"({', '.join(TAXONOMIES)}) to a list of tags"))
            continue
        found: list[TagRule] = []
        for taxonomy, entries in by_taxonomy.items():
            place = f"metrics.{metric}.{taxonomy}"
            if taxonomy not in TAXONOMIES:
                problems.append(Problem(file, f"{place}: expected one of {', '.join(TAXONOMIES)}"))
                continue
            for index, entry in enumerate(entries or ()):
                rule, problem = _rule(taxonomy, entry)
                if problem:
                    problems.append(Problem(file, f"{place}[{index}]: {problem}"))
                elif rule is not None:
                    found.append(rule)
        rules[metric] = tuple(found)
    if problems:
        raise InputError(problems)
    return rules


def _rule(taxonomy: str, entry: Any) -> tuple[TagRule | None, str]:
    if not isinstance(entry, dict) or not isinstance(entry.get("tag"), str):
        return None, "expected {tag: Name, unit: USD, sign: 1}"
    unknown = [key for key in entry if key not in ("tag", "unit", "sign")]
    if unknown:
        return None, safeyaml.unknown_key(unknown[0], ("tag", "unit", "sign"))
    if entry.get("unit") not in UNIT_SCALE:
        return None, f"unit: expected one of {', '.join(UNIT_SCALE)}, got {entry.get('unit')!r}"
    if entry.get("sign") not in (1, -1):
        return None, f"sign: expected 1 or -1, got {entry.get('sign')!r}"
    return TagRule(taxonomy, entry["tag"], entry["unit"], int(entry["sign"])), ""


# --- the companyfacts document ---------------------------------------------------------------

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


# --- periods -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Figure:
    """One facts.csv row to be: a metric for a period, in USD_M and our sign convention."""

    metric: str
    period: str
    value: float
    filings: tuple[Filing, ...]
    status: str
    note: str
    unit: str = "USD_M"
    """Our unit: USD_M for companyfacts; a filing map may name an operating figure's unit."""

    @property
    def source(self) -> str:
        return ";".join(dict.fromkeys(filing.source_id for filing in self.filings))


@dataclass(frozen=True)
class Extraction:
    """What a companyfacts document yields for one company."""

    document: Document
    figures: tuple[Figure, ...]
    skipped: tuple[str, ...] = ()
    """Why figures were left out (a negative value where our vocabulary forbids one, ...)."""
    quarterly: bool = True
    """False when the filer has no quarterly figures at all (annual 20-F/10-K only)."""
    changed: tuple[str, ...] = ()
    """Values a later filing changed without amending them; both rows are in ``figures``."""

    @property
    def filings(self) -> tuple[Filing, ...]:
        found = {filing for figure in self.figures for filing in figure.filings}
        return tuple(sorted(found))


@dataclass(frozen=True)
class _Window:
    """A value for one date range of one tag, already chosen among the filings."""

    start: date | None
    end: date
    value: float
    filings: tuple[Filing, ...]
    derived_from: tuple[_Window, ...] = field(default=(), compare=False)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1 if self.start else 0


def extract(document: Document, tag_map: TagMap, *, as_first_reported: bool = False,
            fiscal_year_end_month: int = 12) -> Extraction:
    """Every figure the mapping finds, one per metric and period, in USD_M and our signs.

    For each period the first tag (in mapping order) with a figure wins; FY rows and, for
    annual filers, year-end balances come after the quarters are known. A value that a later
    filing changed without amending is kept too, as a second row citing the filing that gave
    it (:func:`_changed`), and listed in :attr:`Extraction.changed`.
    """
    groups = {
        metric: [(rule, [(_choose(group, as_first_reported), group) for group in _by_dates(
            document.facts.get((rule.taxonomy, rule.tag, rule.unit), ()))]) for rule in rules]
        for metric, rules in tag_map.rules.items()
    }
    windows = {metric: [(rule, [window for window, _ in found]) for rule, found in per_rule]
               for metric, per_rule in groups.items()}
    quarters = {metric: _first_per_period(
        pair for rule, found in per_rule
        for pair in _quarter_figures(metric, rule, found, fiscal_year_end_month))
        for metric, per_rule in windows.items()}
    quarterly = any(quarters.values())
    figures: list[Figure] = []
    chosen: dict[tuple[str, str], Figure] = {}
    for metric, per_rule in windows.items():
        others = _first_per_period(
            [*(pair for rule, found in per_rule
               for pair in _instant_figures(metric, rule, found, quarterly,
                                            fiscal_year_end_month)),
             *(pair for rule, found in per_rule
               for pair in _year_figures(metric, rule, found, set(quarters[metric])))])
        figures += [*quarters[metric].values(), *others.values()]
        chosen.update({(period, metric): figure
                       for period, figure in [*quarters[metric].items(), *others.items()]})
    changed: list[str] = []
    if not as_first_reported:
        for metric, per_rule in groups.items():
            for rule, found in per_rule:
                for window, facts in found:
                    for extra, line in _changed_figures(metric, rule, window, facts, chosen,
                                                        quarterly, fiscal_year_end_month):
                        figures.append(extra)
                        changed.append(line)
    kept, skipped = _within_vocabulary(figures)
    return Extraction(document, tuple(sorted(kept, key=_order)), tuple(skipped), quarterly,
                      tuple(changed))


def _changed_figures(metric: str, rule: TagRule, window: _Window, facts: list[Fact],
                     chosen: Mapping[tuple[str, str], Figure], quarterly: bool,
                     fiscal_year_end_month: int) -> Iterator[tuple[Figure, str]]:
    """A row for each earlier value of ``window`` that a later filing changed, beside the
    figure chosen for that period (only when that figure is this window's, not a derived one)."""
    for earlier in _changed(facts, window):
        one = [earlier]
        pairs = [*_quarter_figures(metric, rule, [w for w in one if w.days in QUARTER_DAYS],
                                   fiscal_year_end_month),
                 *_instant_figures(metric, rule, one, quarterly, fiscal_year_end_month),
                 *(_year_figures(metric, rule, one, set()) if window.days in YEAR_DAYS else ())]
        for period, figure in pairs[:1]:
            primary = chosen.get((period, metric))
            if primary is None or primary.status != "reported" or \
                    window.filings[0] not in primary.filings or not _differs(figure.value,
                                                                             primary.value):
                continue
            note = (f"{figure.note}; {primary.source} later gives "
                    f"{format_value(primary.value)} without amending: both kept")
            line = (f"{period} {metric}: {format_value(figure.value)} from {figure.source} "
                    f"was changed to {format_value(primary.value)} by {primary.source}, not an "
                    "amendment: both rows kept (a disagreement the briefing lists)")
            yield Figure(metric, period, figure.value, figure.filings, "reported", note), line


CHANGE_TOLERANCE = 0.005
"""A later value within 0.5% of an earlier one is rounding, not a change (the briefing's
disagreement tolerance, metrics.DISAGREEMENT_TOLERANCE, which this module cannot import
without pandas)."""


def _differs(a: float, b: float) -> bool:
    return abs(a - b) > CHANGE_TOLERANCE * max(abs(a), abs(b))


def _changed(facts: list[Fact], chosen: _Window) -> list[_Window]:
    """Earlier values of one date range that a later filing changed without amending them.

    CleanSpark's cash at 30 September 2018 was 412,777 in ten filings and 7,838,857 in one
    late filing (the 2019 balance, misdated): taking the latest silently would hide that.
    Each other value is kept, cited to the filing that first gave it, unless an amendment
    (form ``.../A``) filed after it gives the chosen value: an amendment restates on purpose.
    """
    ordered = sorted(facts, key=lambda fact: fact.filing)
    amended = max((index for index, fact in enumerate(ordered)  # linear: documents may be big
                   if fact.filing.form.endswith("/A") and not _differs(fact.value, chosen.value)),
                  default=-1)
    found: dict[float, _Window] = {}
    for fact in ordered[amended + 1:]:
        if _differs(fact.value, chosen.value) and fact.value not in found:
            found[fact.value] = _Window(fact.start, fact.end, fact.value, (fact.filing,))
    return list(found.values())


def _first_per_period(pairs: Iterable[tuple[str, Figure]]) -> dict[str, Figure]:
    chosen: dict[str, Figure] = {}
    for period, figure in pairs:
        chosen.setdefault(period, figure)
    return chosen


def _order(figure: Figure) -> tuple[int, str, int]:
    names = list(METRICS)  # a miner's own revenue line (revenue_colocation) sorts last
    metric_rank = names.index(figure.metric) if figure.metric in names else len(names)
    year = figure.period.removeprefix("FY")[:4]
    return int(year), figure.period, metric_rank


def _by_dates(facts: Iterable[Fact]) -> Iterator[list[Fact]]:
    groups: dict[tuple[date | None, date], list[Fact]] = {}
    for fact in facts:
        groups.setdefault((fact.start, fact.end), []).append(fact)
    yield from groups.values()


def _choose(facts: list[Fact], as_first_reported: bool) -> _Window:
    """One value for one date range reported by several filings.

    By default the latest filing's value wins, cited to the filing that first gave that value
    (as the README says), so a figure repeated unchanged as a comparative keeps citing the
    filing that first reported it and re-imports stay stable; an earlier value it replaced is
    kept beside it (:func:`_changed`). ``as_first_reported`` takes the first filing's value.
    """
    ordered = sorted(facts, key=lambda fact: fact.filing)
    if as_first_reported:
        first = ordered[0]
        return _Window(first.start, first.end, first.value, (first.filing,))
    latest = ordered[-1]
    cited = next(fact for fact in ordered if fact.value == latest.value)
    return _Window(latest.start, latest.end, latest.value, (cited.filing,))


def _quarter_figures(metric: str, rule: TagRule, windows: list[_Window],
                     fiscal_year_end_month: int = 12) -> Iterator[tuple[str, Figure]]:
    """Quarters taken directly, then quarters worked out from year-to-date differences.

    Only the first figure of each period counts (:func:`_first_per_period`), so only it is
    built: direct quarters by end date, then derived ones by end date (first found on a tie).
    The work is linear in the number of windows, which a hostile document may make large.
    """
    durations = {(w.start, w.end): w for w in windows if w.start is not None}
    direct = [w for w in durations.values() if w.days in QUARTER_DAYS]
    taken = {(w.start, w.end) for w in direct}
    order = {key: index for index, key in enumerate(durations)}
    ends: dict[date | None, list[date]] = {}
    for start, end in durations:
        ends.setdefault(start, []).append(end)
    for found_ends in ends.values():
        found_ends.sort()
    best: dict[str, tuple[date, int, _Window, _Window]] = {}
    found = 0
    for longer in durations.values():
        # The shorter window that leaves a quarter has the same start and ends 80-100 days
        # before the longer one (QUARTER_DAYS): find those by bisection instead of pairing
        # every two windows.
        same_start = ends[longer.start]
        low = bisect.bisect_left(same_start, longer.end - _LONGEST_QUARTER)
        high = bisect.bisect_right(same_start, longer.end - _SHORTEST_QUARTER)
        candidates = sorted(((longer.start, end) for end in same_start[low:high]),
                            key=order.__getitem__)
        for key in candidates:
            shorter = durations[key]
            if not _fiscal_pair(longer, shorter, fiscal_year_end_month):
                continue
            start = shorter.end + timedelta(days=1)
            if (start, longer.end) in taken:
                continue
            taken.add((start, longer.end))
            period = _quarter_label(start + (longer.end - start) / 2)
            found += 1
            if period not in best or (longer.end, found) < best[period][:2]:
                best[period] = (longer.end, found, longer, shorter)
    derived = [_Window(shorter.end + timedelta(days=1), longer.end,
                       longer.value - shorter.value, (longer.filings[0], shorter.filings[0]),
                       (longer, shorter))
               for _, _, longer, shorter in sorted(best.values(), key=lambda b: b[:2])]
    scale = UNIT_SCALE.get(rule.unit, 1.0) * rule.sign
    yielded: set[str] = set()
    for window in [*sorted(direct, key=_end), *derived]:
        midpoint = window.start + (window.end - window.start) / 2  # type: ignore[operator]
        period = _quarter_label(midpoint)
        if period in yielded:
            continue  # a later window of a period already given never counts
        yielded.add(period)
        if window.derived_from:
            longer, shorter = window.derived_from
            label = f"Q{round(longer.days / 30.44) // 3}"
            note = (f"{label} = {_span(longer)} − {_span(shorter)}: "
                    f"{format_value(longer.value * scale)} − {format_value(shorter.value * scale)} "
                    f"({rule.name})")
            yield period, Figure(metric, period, window.value * scale, window.filings,
                                 "derived", note)
        else:
            note = f"{rule.name}, 3 months to {window.end.isoformat()}"
            yield period, Figure(metric, period, window.value * scale, window.filings,
                                 "reported", note)


FISCAL_WINDOWS = {6: 3, 9: 6, 12: 9}
"""Year-to-date windows a quarter is derived from: 6M − 3M, 9M − 6M, FY − 9M."""


def _fiscal_pair(longer: _Window, shorter: _Window, fiscal_year_end_month: int) -> bool:
    """Whether two windows are standard year-to-date windows of one fiscal year.

    Only 3, 6, 9 and 12 months from the start of a fiscal year count: an inception-to-date
    total or a 15-month transition period minus a year is not a quarter (CleanSpark's
    history gave "Q82" and "Q5" that way).

    >>> w = lambda a, b: _Window(date.fromisoformat(a), date.fromisoformat(b), 0.0, ())
    >>> _fiscal_pair(w("2024-10-01", "2025-09-30"), w("2024-10-01", "2025-06-30"), 9)
    True
    >>> _fiscal_pair(w("2014-10-01", "2015-12-31"), w("2014-10-01", "2015-09-30"), 9)
    False
    >>> _fiscal_pair(w("2025-01-01", "2025-06-30"), w("2025-01-01", "2025-03-31"), 9)
    False
    """
    longer_months = 12 if longer.days in YEAR_DAYS else round(longer.days / 30.44)
    if FISCAL_WINDOWS.get(longer_months) != round(shorter.days / 30.44) or longer.start is None:
        return False
    start = longer.start
    month_start = start.replace(day=1) if start.day <= 15 else \
        (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return month_start.month == fiscal_year_end_month % 12 + 1


def _instant_figures(metric: str, rule: TagRule, windows: list[_Window], quarterly: bool,
                     fiscal_year_end_month: int) -> Iterator[tuple[str, Figure]]:
    """Balance-sheet figures at the nearest calendar quarter end (the instant nearest to it
    first), or, for an annual filer, at its fiscal year end."""
    def distance(window: _Window) -> int:
        return abs((window.end - _nearest_quarter_end(window.end)).days)

    for window in sorted((w for w in windows if w.start is None), key=distance):
        if quarterly:
            period = _quarter_label(_nearest_quarter_end(window.end))
        else:
            month_end = _nearest_month_end(window.end)
            if month_end.month != fiscal_year_end_month:
                continue
            period = f"FY{month_end.year}"
        value = window.value * UNIT_SCALE.get(rule.unit, 1.0) * rule.sign
        yield period, Figure(metric, period, value, window.filings, "reported",
                             f"{rule.name}, at {window.end.isoformat()}")


def _year_figures(metric: str, rule: TagRule, windows: list[_Window],
                  quarters: set[str]) -> Iterator[tuple[str, Figure]]:
    """A full fiscal year as ``FYyyyy`` when its four quarters cannot all be worked out."""
    for window in windows:
        if window.start is None or window.days not in YEAR_DAYS:
            continue
        inside = {_quarter_label(window.start + timedelta(days=45 + 91 * i)) for i in range(4)}
        if inside <= quarters:
            continue
        period = f"FY{_nearest_month_end(window.end).year}"
        value = window.value * UNIT_SCALE.get(rule.unit, 1.0) * rule.sign
        yield period, Figure(metric, period, value, window.filings, "reported",
                             f"{rule.name}, 12 months to {window.end.isoformat()}")


def _within_vocabulary(figures: list[Figure]) -> tuple[list[Figure], list[str]]:
    """Drop what validation would refuse (a negative revenue or charge), saying why."""
    kept, skipped = [], []
    for figure in figures:
        spec = METRICS.get(figure.metric)
        non_negative = spec.non_negative if spec else figure.metric.startswith("revenue_")
        if non_negative and figure.value < 0:
            skipped.append(f"{figure.period} {figure.metric}: {format_value(figure.value)} is "
                           f"negative, which {figure.metric} cannot be ({figure.note})")
        else:
            kept.append(figure)
    return kept, skipped


def _end(window: _Window) -> date:
    return window.end


def _span(window: _Window) -> str:
    months = round(window.days / 30.44)
    label = "FY" if months == 12 else f"{months}M"
    return f"{label} to {window.end.isoformat()}"


def _quarter_label(day: date) -> str:
    """The calendar quarter a day falls in; for a duration, pass its midpoint.

    >>> _quarter_label(date(2025, 3, 16))  # Snowflake's Feb-Apr quarter: calendar Q1
    '2025Q1'
    """
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def _quarter_end(year: int, quarter: int) -> date:
    return date(year + quarter // 4, quarter * 3 % 12 + 1, 1) - timedelta(days=1)


def _nearest_quarter_end(day: date) -> date:
    """Where a balance-sheet date belongs: Snowflake's 31 January is calendar 2024Q4's end.

    >>> _nearest_quarter_end(date(2025, 1, 31)), _nearest_quarter_end(date(2025, 4, 30))
    (datetime.date(2024, 12, 31), datetime.date(2025, 3, 31))
    """
    candidates = [_quarter_end(day.year - 1, 4), *(_quarter_end(day.year, q) for q in range(1, 5))]
    return min(candidates, key=lambda end: abs((end - day).days))


def _nearest_month_end(day: date) -> date:
    """The month end a 52/53-week period end stands for (2025-01-02 → 2024-12-31)."""
    this_month_end = (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    last_month_end = day.replace(day=1) - timedelta(days=1)
    return last_month_end if (day - last_month_end).days < (this_month_end - day).days \
        else this_month_end


def format_value(value: float) -> str:
    """A value as facts.csv writes it: plain decimal, no exponent, to the dollar in USD_M.

    >>> format_value(190465000 * 1e-6), format_value(-0.0), format_value(2.0)
    ('190.465', '0', '2')
    """
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


# --- fetching (optional) -----------------------------------------------------------------------

def user_agent(configured: str | None) -> str:
    """The User-Agent SEC requires (a name and an e-mail address): the environment variable
    wins, else ``sec_user_agent`` from reportgen.yaml."""
    value = os.environ.get(USER_AGENT_ENV, "").strip() or (configured or "").strip()
    if not value or "@" not in value:
        raise UsageError(f"--fetch needs the User-Agent SEC requires, naming you and an e-mail "
                         f"address: set sec_user_agent in reportgen.yaml or "
                         f"{USER_AGENT_ENV}='Your Name you@example.com'")
    return value


def fetch(cik: int, destination: Path, agent: str, *, url: str | None = None,
          timeout: float = 30.0) -> Path:
    """Download the companyfacts document for ``cik`` to ``destination`` (atomically)."""
    address = url or COMPANYFACTS_URL.format(cik=cik)
    request = urllib.request.Request(address, headers={"User-Agent": agent,
                                                       "Accept": "application/json"})
    log.info("fetching %s", address)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            declared = response.headers.get("Content-Length", "").strip()
            if declared.isascii() and declared.isdigit() and (
                    len(declared) > 12 or int(declared) > MAX_JSON_BYTES):
                raise ReportgenError(f"{address}: SEC offers {_short(declared)} bytes, more "
                                     f"than the {MAX_JSON_BYTES:,} reportgen reads; nothing "
                                     "was saved")
            data = _read_bounded(response, address, time.monotonic() + FETCH_SECONDS)
    except urllib.error.HTTPError as error:
        raise ReportgenError(f"{address}: SEC answered {error.code} {error.reason}") from error
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise ReportgenError(f"{address}: could not download ({reason})") from error
    if len(data) > MAX_JSON_BYTES:
        raise ReportgenError(f"{address}: the download passed {MAX_JSON_BYTES:,} bytes, more "
                             "than reportgen reads; nothing was saved")
    atomic_write(destination, data)
    return destination


FETCH_SECONDS = 300
"""A download taking longer than this in all (a server trickling bytes) is abandoned."""


def _read_bounded(response: Any, address: str, deadline: float) -> bytes:
    """At most ``MAX_JSON_BYTES + 1`` bytes (never more, whatever the header said), read in
    chunks so a server trickling bytes cannot hold the command past ``deadline``."""
    chunks: list[bytes] = []
    size = 0
    while size <= MAX_JSON_BYTES:
        if time.monotonic() > deadline:
            raise ReportgenError(f"{address}: the download took more than {FETCH_SECONDS} s; "
                                 "nothing was saved")
        chunk = response.read(min(1 << 20, MAX_JSON_BYTES + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)
