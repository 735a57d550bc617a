"""Every rule over the raw inputs, run at once: each returns problems and none raises, so a
user sees all of them together, in file and line order.

The rules live by what they look at: :mod:`reportgen.validate.yaml_files` (sources.yaml and
companies.yaml), :mod:`reportgen.validate.rows` (one CSV row at a time),
:mod:`reportgen.validate.cross` (across facts.csv rows); :mod:`reportgen.validate.common` is
what they share. This module gathers them (:func:`check`, :func:`warnings`) and checks a
build's request against the loaded inputs (:func:`check_request`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from reportgen import metrics, periods
from reportgen.errors import Problem, UsageError
from reportgen.inputs import FACT_COLUMNS, MARKET_COLUMNS, PRICE_CSV_COLUMNS, RawInputs
from reportgen.model import Dataset
from reportgen.validate.common import MAX_PROBLEMS
from reportgen.validate.cross import check_guidance, check_segments, unit_slips
from reportgen.validate.rows import (
    check_csv_text,
    check_facts,
    check_header,
    check_market,
    check_prices,
)
from reportgen.validate.yaml_files import check_companies, check_sources, check_yaml_text
from reportgen.vocabulary import named_with_hints

__all__ = ["MAX_PROBLEMS", "check", "check_request", "warnings"]


def check(raw: RawInputs) -> list[Problem]:
    """Every problem in the inputs, sorted by file (in the order first met) and line.

    A CSV file whose header is wrong is not checked row by row (every row would be wrong);
    facts.csv and market.csv are checked row by row only once both headers are right.
    """
    source_ids = set(_mapping(raw.sources, "sources"))
    lines = _declared_lines(raw)
    problems = [
        *check_sources(raw.sources_file, raw.sources, raw.sources_lines),
        *check_companies(raw.companies_file, raw.companies, source_ids, raw.companies_lines),
        *check_header(raw.facts, FACT_COLUMNS),
        *check_header(raw.market, MARKET_COLUMNS),
        *check_header(raw.prices, PRICE_CSV_COLUMNS),
    ]
    if not any(problem.file == raw.prices.file for problem in problems):
        problems += check_prices(raw.prices, set(lines), source_ids)
    if not any(problem.file in (raw.facts.file, raw.market.file) for problem in problems):
        problems += check_facts(raw.facts, lines, source_ids)
        problems += check_guidance(raw.facts)
        problems += check_segments(raw.facts, lines)
        problems += check_market(raw.market, source_ids)
    problems += check_yaml_text(raw.companies_file, raw.companies, raw.companies_lines)
    problems += check_yaml_text(raw.sources_file, raw.sources, raw.sources_lines)
    problems += check_csv_text(raw.facts)
    problems += check_csv_text(raw.market)
    problems += check_csv_text(raw.prices)
    files = {file: rank for rank, file in enumerate(dict.fromkeys(p.file for p in problems))}
    return sorted(problems, key=lambda p: (files[p.file], p.line or 0))


def warnings(raw: RawInputs) -> list[Problem]:
    """Figures that are valid but look wrong: worth a look, never a reason to stop."""
    return unit_slips(raw.facts)


def _declared_lines(raw: RawInputs) -> dict[str, Mapping[str, Any]]:
    """Each ticker's declared revenue lines, even a line whose business is wrong (reported
    once, by the companies check, not again on every facts.csv row using it); a ticker
    entered twice keeps its first entry's."""
    lines: dict[str, Mapping[str, Any]] = {}
    for entry in _company_entries(raw):
        if isinstance(entry, dict):
            lines.setdefault(str(entry.get("ticker")), entry["revenue_lines"] if isinstance(
                entry.get("revenue_lines"), dict) else {})
    return lines


def _mapping(document: Any, key: str) -> Mapping[str, Any]:
    if isinstance(document, dict) and isinstance(document.get(key), dict):
        return document[key]
    return {}


def _company_entries(raw: RawInputs) -> Iterator[Any]:
    if isinstance(raw.companies, dict) and isinstance(raw.companies.get("companies"), list):
        yield from raw.companies["companies"]


def check_request(dataset: Dataset, period: str | None, miners: Iterable[str] = ()) -> str:
    """The period a build or send covers, once the request is known to make sense.

    ``period`` (``--period`` or reportgen.yaml; ``None`` for the latest quarter with figures)
    must have some miner's figure at or before it, and be at most one quarter after the latest
    quarter any figure is for (a briefing on a quarter nobody has reported yet is relabelled
    old figures); ``miners`` (``--miner``) must be in companies.yaml. Otherwise a
    :class:`UsageError` (exit 2) naming what the inputs hold.
    """
    unknown = [ticker for ticker in miners if ticker not in dataset.companies]
    if unknown:
        raise UsageError(f"unknown miner {named_with_hints(unknown, dataset.companies)}; "
                         f"inputs/companies.yaml has {', '.join(dataset.companies)}")
    if period is None:
        return metrics.latest_period(dataset)
    facts = dataset.facts
    figures = facts[~facts["metric"].map(metrics.is_forecast)]  # guidance is not a figure
    quarters = sorted((p for p in figures["period"].unique() if periods.is_quarter(p)),
                      key=periods.ordinal)
    if not quarters:
        raise UsageError(f"period {period}: the inputs hold no quarterly figures yet; add them "
                         "to inputs/facts.csv")
    first, latest = quarters[0], quarters[-1]
    asked = periods.ordinal(period)
    if asked < periods.ordinal(first):
        raise UsageError(f"period {period}: no miner has a figure up to it; the inputs "
                         f"run from {first} to {latest}, the latest period present")
    if asked > periods.ordinal(latest) + 1:
        raise UsageError(f"period {period}: more than one quarter after the latest period "
                         f"present in the inputs, {latest}; choose "
                         f"{periods.shift(latest, 1)} or earlier")
    return period
