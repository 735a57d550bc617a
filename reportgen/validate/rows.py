"""Rules over one CSV row at a time: facts.csv, market.csv and prices.csv.

A row's header, ticker, period, metric, value, unit, sources and status are checked here; a
figure that contradicts another row is :mod:`reportgen.validate.cross`'s (the per-row pass
calls its same-source check so that both count towards one file's problem limit).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping

from reportgen import periods
from reportgen.errors import Problem, unsafe_character
from reportgen.inputs import PRICE_VALUES, THOUSANDS, CsvRow, CsvTable, parse_date, parse_number
from reportgen.validate.common import (
    MAX_MAGNITUDE,
    YEARS,
    Hints,
    plausible_year,
    row_problem,
    rows,
)
from reportgen.validate.cross import Given, same_source
from reportgen.vocabulary import (
    COMMAND,
    CONSENSUS_FORMS,
    GUIDANCE_FORMS,
    MARKET_METRICS,
    METRICS,
    REVENUE_LINE_UNIT,
    STATUSES,
    MetricSpec,
    consensus_target,
    forecast_spec,
    guidance_target,
)

PRICE_UNITS = {"close": "USD", "shares_outstanding": "millions of shares",
               "market_cap": "USD millions"}


def check_header(table: CsvTable, columns: tuple[str, ...]) -> list[Problem]:
    """The exact header: columns are read by name, so a renamed one would drop silently."""
    if table.header == columns:
        return []
    return [Problem(table.file, f"expected the header {','.join(columns)}, got "
                                f"{','.join(table.header) or 'nothing'}", line=1)]


def check_csv_text(table: CsvTable) -> list[Problem]:
    """Control characters and bidi overrides in any cell (the note may hold line breaks)."""
    problems: list[Problem] = []
    for row in rows(table, problems):
        fields = row.fields
        if not unsafe_character("".join(fields.values())):
            continue  # the usual case: one search a row
        for column, text in fields.items():
            reason = unsafe_character(text, multiline=column == "note")
            if reason:
                name = "extra fields" if column == "__extra__" else column
                problems.append(row_problem(table, row, f"{name}: {reason}; remove it"))
    reason = unsafe_character(",".join(table.header))
    if reason:
        problems.append(Problem(table.file, f"header: {reason}; remove it", line=1))
    return problems


def _common(table: CsvTable, row: CsvRow, spec: MetricSpec | None,
            source_ids: set[str], unit_of: str = "", hints: Hints | None = None
            ) -> list[Problem]:
    """Checks shared by facts.csv and market.csv: extra fields, value, unit, sources, status."""
    fields = row.fields
    hints = hints or Hints()
    found = []
    if "__thousands__" in fields:  # the row was split by it: one problem, not its cascade
        separated = fields["__thousands__"]
        found.append(f"the value {separated} has a thousands separator, which splits the row "
                     f"into more fields than the header's {len(table.header)}; write "
                     f"{separated.replace(',', '')}")
    if "__extra__" in fields:
        found.append(f"more fields than the header's {len(table.header)}; quote a note that "
                     "contains commas")
    raw_value = fields.get("value", "")
    value = parse_number(raw_value)
    if value is None and THOUSANDS.match(raw_value):
        found.append(f"expected a number without thousands separators, got {raw_value!r}; "
                     f"write {raw_value.replace(',', '')}")
    elif value is None:
        non_finite = raw_value.strip().lstrip("+-").lower() in ("nan", "inf", "infinity")
        found.append(f"expected a {'finite ' if non_finite else ''}number in value, got "
                     f"{raw_value!r} (digits with optional sign and '.', no separators)")
    if value is not None and abs(value) > MAX_MAGNITUDE:
        found.append(f"expected a plausible figure, got {raw_value} (more than {MAX_MAGNITUDE:g} "
                     "in its unit)")
    if spec is not None:
        if fields.get("unit") != spec.unit:
            found.append(f"expected unit {spec.unit}{unit_of}, got {fields.get('unit')!r}")
        if spec.non_negative and value is not None and value < 0:
            found.append(f"expected a value of 0 or more, got {raw_value}")
    found += _source_and_status(fields, source_ids, hints)
    return [row_problem(table, row, message) for message in found]


def _source_and_status(fields: Mapping[str, str], source_ids: set[str], hints: Hints
                       ) -> list[str]:
    """Messages for a row's ``source`` (ids known to sources.yaml) and ``status``."""
    found = []
    cited = [source for source in fields.get("source", "").split(";") if source]
    if not cited:
        found.append("expected a source id (see inputs/sources.yaml)")
    for source in cited:
        if source not in source_ids:
            found.append(_unknown_source(source, source_ids, hints))
    if fields.get("status") not in STATUSES:
        found.append(f"expected status {', '.join(STATUSES)}; got {fields.get('status')!r}")
    return found


def _unknown_source(source: str, source_ids: set[str], hints: Hints) -> str:
    hint = hints("source", source, source_ids)
    return (f"unknown source id {source!r}{hint} or add it to inputs/sources.yaml" if hint else
            f"unknown source id {source!r}; add it to inputs/sources.yaml")


def check_facts(table: CsvTable, revenue_lines: Mapping[str, Mapping[str, str]],
                source_ids: set[str]) -> list[Problem]:
    """facts.csv: a known ticker, a plausible period, a metric of the vocabulary (or the
    miner's own revenue line, guidance or consensus on one), then :func:`_common`."""
    problems: list[Problem] = []
    earlier: dict[tuple[str, ...], Given] = defaultdict(Given)
    hints = Hints()
    for row in rows(table, problems):
        fields = row.fields
        ticker, period, metric = fields.get("ticker", ""), fields.get("period", ""), fields.get(
            "metric", "")
        if ticker not in revenue_lines:
            hint = hints("ticker", ticker, revenue_lines)
            problems.append(row_problem(table, row, f"unknown ticker {ticker!r}{hint or ';'} "
                                        f"expected one of {', '.join(sorted(revenue_lines))} "
                                        "(inputs/companies.yaml)"))
        if not periods.is_valid(period) or not plausible_year(period):
            problems.append(row_problem(table, row, f"expected a period like 2026Q1, 2025H1 "
                                        f"or FY2025 (years {YEARS.start}-{YEARS.stop - 1}), "
                                        f"got {period!r}"))
        spec = METRICS.get(metric) or forecast_spec(metric)
        if spec is None and metric in revenue_lines.get(ticker, {}):
            spec = MetricSpec(REVENUE_LINE_UNIT, metric, non_negative=True)
        if spec is None:
            problems.append(row_problem(table, row, _unknown_metric(
                ticker, metric, revenue_lines, hints)))
        target = guidance_target(metric)
        base = target[0] if target else consensus_target(metric)
        unit_of = f" (the unit of {base})" if base else ""
        problems += _common(table, row, spec, source_ids, unit_of, hints)
        problems += same_source(table, row, earlier)
    return problems


def _unknown_metric(ticker: str, metric: str, revenue_lines: Mapping[str, Mapping[str, str]],
                    hints: Hints) -> str:
    """What a facts.csv metric may be, with the command that lists them for this miner."""
    hint = hints(f"metric {ticker}", metric,
                 (*METRICS, *revenue_lines.get(ticker, {}), *GUIDANCE_FORMS, *CONSENSUS_FORMS))
    listed = f"{COMMAND} --miner {ticker}" if ticker in revenue_lines else COMMAND
    return (f"unknown metric {metric!r}{hint or ';'} "
            "expected a metric of the vocabulary, a revenue line "
            f"declared for {ticker} in inputs/companies.yaml, or "
            "guidance on a vocabulary metric (guide_<metric>, "
            "guide_<metric>_low, guide_<metric>_high) or "
            "sell-side consensus (consensus_<metric>); "
            f"'{listed}' lists them")


def check_market(table: CsvTable, source_ids: set[str]) -> list[Problem]:
    """market.csv: a plausible calendar quarter and a known market metric, then
    :func:`_common`; one row a period, metric and source."""
    problems: list[Problem] = []
    seen: dict[tuple[str, ...], int] = {}
    for row in rows(table, problems):
        fields = row.fields
        if not periods.is_quarter(fields.get("period", "")) or not plausible_year(
                fields.get("period", "")):
            problems.append(row_problem(table, row, "expected a calendar quarter like 2025Q3, "
                                        f"got {fields.get('period')!r}"))
        spec = MARKET_METRICS.get(fields.get("metric", ""))
        if spec is None:
            problems.append(row_problem(table, row, "unknown market metric; expected one of "
                                        f"{', '.join(MARKET_METRICS)}"))
        problems += _common(table, row, spec, source_ids)
        key = (fields.get("period", ""), fields.get("metric", ""), fields.get("source", ""))
        if key in seen:
            problems.append(row_problem(table, row, "the same figure from the same source "
                                        f"appears twice (first at line {seen[key]})"))
        seen.setdefault(key, row.line)
    return problems


PriceReport = Callable[[CsvRow, str, str], None]
"""Records a problem at a prices.csv row and field."""


def check_prices(table: CsvTable, tickers: set[str], source_ids: set[str]) -> list[Problem]:
    """``prices.csv``: a known ticker, an ISO date, at least one of close, shares outstanding
    and market cap (plain non-negative numbers), known sources, a status; one row a ticker,
    date and source. Each problem names the line, ticker, date and field."""
    problems: list[Problem] = []
    seen: dict[tuple[str, ...], int] = {}
    hints = Hints()

    def problem(row: CsvRow, field: str, message: str) -> None:
        problems.append(Problem(table.file, message, line=row.line,
                                ticker=row.fields.get("ticker", ""),
                                period=row.fields.get("date", ""), metric=field))

    for row in rows(table, problems):
        fields = row.fields
        ticker, date = fields.get("ticker", ""), fields.get("date", "")
        if ticker not in tickers:
            hint = hints("ticker", ticker, tickers)
            problem(row, "ticker", f"unknown ticker {ticker!r}{hint or ';'} expected one of "
                                   f"{', '.join(sorted(tickers))} (inputs/companies.yaml)")
        if parse_date(date) is None or not plausible_year(date):
            problem(row, "date", f"expected the trading day as YYYY-MM-DD (years "
                                 f"{YEARS.start}-{YEARS.stop - 1}), got {date!r}")
        if "__thousands__" in fields or "__extra__" in fields:
            problem(row, "", f"more fields than the header's {len(table.header)}; write "
                             "numbers without thousands separators and quote a note that "
                             "contains commas")
        _price_values(row, problem)
        cited = [source for source in fields.get("source", "").split(";") if source]
        if not cited:
            problem(row, "source", "expected a source id (see inputs/sources.yaml)")
        for source in cited:
            if source not in source_ids:
                problem(row, "source", _unknown_source(source, source_ids, hints))
        if fields.get("status") not in STATUSES:
            problem(row, "status", f"expected status {', '.join(STATUSES)}; got "
                                   f"{fields.get('status')!r}")
        key = (ticker, date, *sorted(cited))
        if key in seen:
            problem(row, "", f"the same ticker, date and source appear twice (first at line "
                             f"{seen[key]}); give the values in one row")
        seen.setdefault(key, row.line)
    return problems


def _price_values(row: CsvRow, problem: PriceReport) -> None:
    """Close, shares outstanding and market cap: each a plain number from 0 to
    :data:`~reportgen.validate.common.MAX_MAGNITUDE` when given, at least one given."""
    given = 0
    for name in PRICE_VALUES:
        text = row.fields.get(name, "")
        if not text:
            continue
        given += 1
        value = parse_number(text)
        if value is None:
            written = (f"; write {text.replace(',', '')}" if THOUSANDS.match(text) else
                       " (digits with optional '.', no separators)")
            problem(row, name, f"expected a number in {PRICE_UNITS[name]}, got "
                               f"{text!r}{written}")
        elif value < 0:
            problem(row, name, f"expected a value of 0 or more, got {text}")
        elif value > MAX_MAGNITUDE:
            problem(row, name, f"expected a plausible figure, got {text} (more than "
                               f"{MAX_MAGNITUDE:g} {PRICE_UNITS[name]})")
    if not given:
        problem(row, "", "expected at least one of close (USD), shares_outstanding "
                         "(millions) and market_cap (USD millions)")
