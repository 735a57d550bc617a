"""Rules over the raw inputs. Each returns problems; none raises, so all are reported at once."""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from reportgen import filing_map, metrics, periods, safeyaml
from reportgen.errors import Problem, UsageError, unsafe_character
from reportgen.inputs import (
    FACT_COLUMNS,
    MARKET_COLUMNS,
    PRICE_CSV_COLUMNS,
    PRICE_VALUES,
    THOUSANDS,
    CsvRow,
    CsvTable,
    RawInputs,
    YamlPath,
    is_contract_date,
    parse_date,
    parse_number,
)
from reportgen.metrics import DISAGREEMENT_TOLERANCE
from reportgen.model import DEFAULT_REVENUE_LINES, Dataset
from reportgen.vocabulary import (
    BUSINESSES,
    COMMAND,
    CONSENSUS_FORMS,
    GUIDANCE_FORMS,
    MARKET_METRICS,
    METRICS,
    REVENUE_LINE_UNIT,
    STATUSES,
    MetricSpec,
    consensus_target,
    did_you_mean,
    forecast_spec,
    guidance_target,
    named_with_hints,
)

SEGMENT_TOLERANCE = 0.01
"""Segment revenues may exceed the total by 1% (rounding in releases) before it is an error."""
MAX_MAGNITUDE = 1e9
"""No figure reportgen knows can be this large in its unit ($1 quadrillion in USD_M)."""
UNIT_SLIP = 500
"""A figure this many times larger (or smaller) than the miner's other values of the same
metric is probably in the wrong unit (USD for USD millions): a warning, not an error."""
MAX_LABEL = 60
"""A revenue line's label is a table heading, not a sentence."""
LINE_FORM_KEYS = ("business", "label")
COMPANY_KEYS = ("ticker", "name", "cik", "fiscal_year_end_month", "revenue_lines",
                "contracts", "notes", "filing_map")
CONTRACT_KEYS = ("customer", "site", "mw", "term_years", "value_usd_m", "backstop", "note",
                 "source", "status", "kind", "energization", "signed")
CONTRACT_KINDS = ("colocation", "gpu_cloud", "lease")
"""What a contract sells: space and power for the customer's machines, GPU compute as a
service, or a lease of the building; left out when the source does not say."""
CONTRACT_DATES = ("energization", "signed")
PRICE_UNITS = {"close": "USD", "shares_outstanding": "millions of shares",
               "market_cap": "USD millions"}
CONTRACT_TEXT = ("customer", "site", "backstop", "note")
SOURCE_KEYS = ("url", "publisher", "kind", "description", "date")
SOURCE_TEXT = ("publisher", "kind", "description")
YEARS = range(1900, 2200)
"""A period outside these years is refused (pandas cannot even parse year 0000)."""
MAX_PROBLEMS = 1_000
"""Each check stops after this many problems in a file, with a last problem saying so: a file
of nothing but errors then costs no more to check than a valid one (200,000 bad rows gave
1.2 million problems, 600 MB and 6 s before)."""
MAX_HINTS = 20
"""At most this many distinct unknown names a check looks up a "did you mean" for: each
lookup compares against every known name (thousands of source ids in a large sources.yaml),
so a file of nothing but typos still costs no more than a valid one (20 lookups among 8,000
source ids take 0.4 s)."""
MULTILINE_KEYS = ("notes", "note", "description")
"""Text under these keys (and the ``note`` column of the CSV files) may hold tabs and line
breaks; every other string reaching a document, spreadsheet or terminal is one line."""


def check(raw: RawInputs) -> list[Problem]:
    source_ids = set(_mapping(raw.sources, "sources"))
    companies = list(_company_entries(raw))
    lines: dict[str, Mapping[str, Any]] = {}
    for entry in companies:  # every declared line, even one whose business is wrong (reported
        if isinstance(entry, dict):  # once, there); a ticker entered twice keeps its first
            lines.setdefault(str(entry.get("ticker")), entry["revenue_lines"] if isinstance(
                entry.get("revenue_lines"), dict) else {})
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


def check_yaml_text(file: str, document: Any, lines: Mapping[YamlPath, int]) -> list[Problem]:
    """Control characters and bidi overrides in any key or text of a YAML input, located."""
    found = []
    for path, line, reason in safeyaml.text_problems(document, lines, MULTILINE_KEYS):
        if len(found) >= MAX_PROBLEMS:
            found.append(_stopped(file, line))
            break
        found.append(Problem(file, f"{_place(path) or 'the document'}: {reason}; remove it",
                             line=line))
    return sorted(found, key=lambda problem: problem.line or 0)


def check_csv_text(table: CsvTable) -> list[Problem]:
    """Control characters and bidi overrides in any cell (the note may hold line breaks)."""
    problems: list[Problem] = []
    for row in _rows(table, problems):
        fields = row.fields
        if not unsafe_character("".join(fields.values())):
            continue  # the usual case: one search a row
        for column, text in fields.items():
            reason = unsafe_character(text, multiline=column == "note")
            if reason:
                name = "extra fields" if column == "__extra__" else column
                problems.append(_row_problem(table, row, f"{name}: {reason}; remove it"))
    reason = unsafe_character(",".join(table.header))
    if reason:
        problems.append(Problem(table.file, f"header: {reason}; remove it", line=1))
    return problems


def _mapping(document: Any, key: str) -> Mapping[str, Any]:
    if isinstance(document, dict) and isinstance(document.get(key), dict):
        return document[key]
    return {}


def _company_entries(raw: RawInputs) -> Iterator[Any]:
    if isinstance(raw.companies, dict) and isinstance(raw.companies.get("companies"), list):
        yield from raw.companies["companies"]


def _plausible_year(period: str) -> bool:
    """``2026Q1``, ``2025H1`` or ``FY2025`` with its year in :data:`YEARS`."""
    year = period.removeprefix("FY")[:4]
    return year.isascii() and year.isdigit() and int(year) in YEARS


def _stopped(file: str, line: int | None) -> Problem:
    return Problem(file, f"stopped checking here after {MAX_PROBLEMS:,} problems; fix those "
                         "first", line=line)


def _capped(problems: list[Problem], file: str) -> list[Problem]:
    """The first :data:`MAX_PROBLEMS` problems in line order, and one saying the rest were
    not listed."""
    if len(problems) <= MAX_PROBLEMS:
        return problems
    kept = sorted(problems, key=lambda problem: problem.line or 0)[:MAX_PROBLEMS]
    return [*kept, _stopped(file, kept[-1].line)]


def _rows(table: CsvTable, problems: list[Problem]) -> Iterator[CsvRow]:
    """The table's rows, until :data:`MAX_PROBLEMS` are found (then a last problem says so)."""
    for row in table.rows:
        if len(problems) >= MAX_PROBLEMS:
            problems.append(_stopped(table.file, row.line))
            return
        yield row


def check_sources(file: str, document: Any,
                  lines: Mapping[YamlPath, int] | None = None) -> list[Problem]:
    lines = lines or {}
    if not (isinstance(document, dict) and isinstance(document.get("sources"), dict)):
        return [Problem(file, "expected a 'sources:' mapping of source id to url, publisher, "
                              "kind", line=_line(lines, ("sources",)))]
    problems = [Problem(file, f"{key}: {safeyaml.unknown_key(key, ('sources',))}",
                        line=_line(lines, (str(key),)))
                for key in document if key != "sources"]
    for source_id, entry in document["sources"].items():
        at: YamlPath = ("sources", str(source_id))
        if len(problems) >= MAX_PROBLEMS:
            problems.append(_stopped(file, _line(lines, at)))
            break

        def problem(key: str, message: str, at: YamlPath = at) -> None:
            path = (*at, key) if key else at
            problems.append(Problem(file, f"{_place(path)}: {message}", line=_line(lines, path)))

        if not isinstance(entry, dict):
            problem("", f"expected a mapping with {', '.join(SOURCE_KEYS)}, got {entry!r}")
            continue
        url = entry.get("url")
        if not isinstance(url, str) or not url.lower().startswith(("https://", "http://")):
            problem("url", f"expected an http(s) URL, got {url!r}")
        for key in entry:
            if key not in SOURCE_KEYS:
                problem(str(key), safeyaml.unknown_key(key, SOURCE_KEYS))
        for key in SOURCE_TEXT:
            if entry.get(key) is not None and not isinstance(entry[key], str):
                problem(key, f"expected text, got {entry[key]!r}")
        date = entry.get("date")
        if date is not None and parse_date(date) is None:
            problem("date", f"expected the date it was published as YYYY-MM-DD, got {date!r} "
                            "(leave date out when it is not known)")
    return problems


def _place(path: YamlPath) -> str:
    """``("companies", 0, "contracts", 1, "mw")`` as ``companies[0].contracts[1].mw``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _line(lines: Mapping[YamlPath, int], path: YamlPath) -> int | None:
    """The line of ``path`` in the document, or of its nearest enclosing key or item."""
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return None


class _Hints:
    """``"; did you mean 'WULF'?"`` for unknown names, remembered per name, looked up for at
    most :data:`MAX_HINTS` distinct names (then none: the message stands without it)."""

    def __init__(self) -> None:
        self.found: dict[tuple[str, str], str] = {}

    def __call__(self, kind: str, word: str, candidates: Iterable[str]) -> str:
        key = (kind, word)
        if key not in self.found:
            if len(self.found) >= MAX_HINTS:
                return ""
            self.found[key] = did_you_mean(word, candidates)
        return self.found[key]


def check_companies(file: str, document: Any, source_ids: set[str],
                    lines: Mapping[YamlPath, int] | None = None) -> list[Problem]:
    if not (isinstance(document, dict) and isinstance(document.get("companies"), list)):
        return [Problem(file, "expected a 'companies:' list with one entry per miner")]
    lines = lines or {}
    problems: list[Problem] = [
        Problem(file, f"{key}: {safeyaml.unknown_key(key, ('companies',))}",
                line=_line(lines, (str(key),)))
        for key in document if key != "companies"]
    seen: dict[str, int] = {}
    hints = _Hints()
    for index, entry in enumerate(document["companies"]):
        at: YamlPath = ("companies", index)
        if len(problems) >= MAX_PROBLEMS:
            problems.append(_stopped(file, _line(lines, at)))
            break
        if not isinstance(entry, dict):
            problems.append(Problem(file, f"{_place(at)}: expected a mapping with ticker, name, "
                                          "...", line=_line(lines, at)))
            continue
        ticker = entry.get("ticker")
        if not isinstance(ticker, str) or not ticker.isalnum() or ticker != ticker.upper():
            problems.append(Problem(file, f"{_place((*at, 'ticker'))}: expected an upper-case "
                                          f"ticker such as WULF, got {ticker!r}",
                                    line=_line(lines, (*at, "ticker"))))
            ticker = str(ticker)
        elif ticker in seen:
            first = ("companies", seen[ticker])
            problems.append(Problem(file, f"{_place(at)}: ticker {ticker} appears twice, in "
                                          f"{_place(first)} at line "
                                          f"{_line(lines, (*first, 'ticker'))} and here at line "
                                          f"{_line(lines, (*at, 'ticker'))}; keep one entry",
                                    line=_line(lines, (*at, "ticker")), ticker=ticker))
        seen.setdefault(ticker, index)
        problems += _company_fields(file, at, ticker, entry, source_ids, lines, hints)
    return problems


def _company_fields(file: str, at: YamlPath, ticker: str, entry: dict[str, Any],
                    source_ids: set[str], lines: Mapping[YamlPath, int], hints: _Hints
                    ) -> list[Problem]:
    problems = []

    def problem(where: YamlPath, message: str) -> None:
        path = (*at, *where)
        problems.append(Problem(file, f"{_place(path)}: {message}", line=_line(lines, path),
                                ticker=ticker))

    for key in entry:
        if key not in COMPANY_KEYS:
            problem((str(key),), safeyaml.unknown_key(key, COMPANY_KEYS))
    if not isinstance(entry.get("name"), str) or not entry["name"].strip():
        problem(("name",), "expected the company's name")
    if entry.get("notes") is not None and not isinstance(entry["notes"], str):
        problem(("notes",), f"expected sentences a client reads, got {entry['notes']!r}")
    if entry.get("cik") is not None and not isinstance(entry["cik"], int):
        problem(("cik",), f"expected SEC's numeric CIK, got {entry['cik']!r}")
    month = entry.get("fiscal_year_end_month", 12)
    if not isinstance(month, int) or not 1 <= month <= 12:
        problem(("fiscal_year_end_month",), f"expected a month number 1-12, got {month!r}")
    declared = entry.get("revenue_lines") or {}
    if not isinstance(declared, dict):
        problem(("revenue_lines",), "expected a mapping of revenue line metric to business")
        declared = {}
    for line, value in declared.items():
        where = ("revenue_lines", str(line))
        if not str(line).startswith("revenue_") or (line in METRICS
                                                    and line not in DEFAULT_REVENUE_LINES):
            problem(where, "expected a revenue line name starting with 'revenue_' (not "
                           "revenue_total)")
        if isinstance(value, dict):
            for message_at, message in _long_revenue_line(value):
                problem((*where, *message_at), message)
        elif value not in BUSINESSES:
            problem(where, f"expected one of {', '.join(BUSINESSES)}, got {value!r} (or the "
                           "long form {business: ai_hpc, label: HPC lease})")
    # filing_map: its rules live in reportgen/filing_map.py (import-filing, update)
    for map_at, message in filing_map.problems(entry.get("filing_map"), declared):
        problem(map_at, message)
    contracts = entry.get("contracts") or []
    if not isinstance(contracts, list):
        problem(("contracts",), "expected a list of contracts")
        contracts = []
    for number, contract in enumerate(contracts):
        where = ("contracts", number)
        for key in contract if isinstance(contract, dict) else ():
            if key not in CONTRACT_KEYS:
                problem((*where, str(key)), safeyaml.unknown_key(key, CONTRACT_KEYS))
        if not isinstance(contract, dict) or not contract.get("customer"):
            problem(where, "expected a mapping with at least customer, source and status")
            continue
        for key in CONTRACT_TEXT:
            value = contract.get(key)
            if value is not None and not isinstance(value, str | int | float):
                problem((*where, key), f"expected text, got {value!r}")
        for key in ("mw", "term_years", "value_usd_m"):
            value = contract.get(key)
            if value is not None and (not isinstance(value, int | float)
                                      or isinstance(value, bool) or not math.isfinite(value)
                                      or value < 0 or value > MAX_MAGNITUDE):
                problem((*where, key), f"expected a non-negative number, got {value!r}")
        if not isinstance(contract.get("source"), str) or contract["source"] not in source_ids:
            hint = (hints("source", contract["source"], source_ids)
                    if isinstance(contract.get("source"), str) else "")
            problem((*where, "source"), f"unknown source id {contract.get('source')!r}"
                                        f"{hint + ' or add' if hint else '; add'} it to "
                                        "inputs/sources.yaml")
        if not isinstance(contract.get("status"), str) or contract["status"] not in STATUSES:
            problem((*where, "status"), f"expected one of {', '.join(STATUSES)}, "
                                        f"got {contract.get('status')!r}")
        kind = contract.get("kind")
        if kind not in (None, "", *CONTRACT_KINDS):
            problem((*where, "kind"), f"expected one of {', '.join(CONTRACT_KINDS)} (or leave "
                                      f"kind out when the source does not say), got {kind!r}")
        for key in CONTRACT_DATES:
            value = contract.get(key)
            if value is not None and not is_contract_date(value):
                problem((*where, key), f"expected the date the source gives as YYYY-MM, "
                                       f"YYYY-MM-DD or YYYY-Qn (e.g. 2026-08, 2026-09-30, "
                                       f"2026-Q4), got {value!r} (leave {key} out when the "
                                       "source gives no such date)")
    return problems


def _long_revenue_line(value: dict[Any, Any]) -> list[tuple[YamlPath, str]]:
    """Problems with ``{business: ai_hpc, label: HPC lease}``, each with where it is."""
    found: list[tuple[YamlPath, str]] = []
    for key in value:
        if key not in LINE_FORM_KEYS:
            found.append(((str(key),), safeyaml.unknown_key(key, LINE_FORM_KEYS)))
    business = value.get("business")
    if business not in BUSINESSES:
        found.append((("business",), f"expected one of {', '.join(BUSINESSES)}, "
                                     f"got {business!r}"))
    label = value.get("label")
    if label is not None and not (isinstance(label, str) and label.strip()
                                  and len(label.strip()) <= MAX_LABEL
                                  and not any(c in label for c in "\r\n")):
        found.append((("label",), f"expected the line's name as a reader sees it, one line of "
                                  f"at most {MAX_LABEL} characters (e.g. HPC lease), "
                                  f"got {label!r}"))
    return found


def check_header(table: CsvTable, columns: tuple[str, ...]) -> list[Problem]:
    if table.header == columns:
        return []
    return [Problem(table.file, f"expected the header {','.join(columns)}, got "
                                f"{','.join(table.header) or 'nothing'}", line=1)]


def _row_problem(table: CsvTable, row: CsvRow, message: str, metric: str | None = None) -> Problem:
    fields = row.fields
    return Problem(table.file, message, line=row.line, ticker=fields.get("ticker", ""),
                   period=fields.get("period", ""),
                   metric=fields.get("metric", "") if metric is None else metric)


def _common(table: CsvTable, row: CsvRow, spec: MetricSpec | None,
            source_ids: set[str], unit_of: str = "", hints: _Hints | None = None
            ) -> list[Problem]:
    """Checks shared by facts.csv and market.csv: extra fields, value, unit, sources, status."""
    fields = row.fields
    hints = hints or _Hints()
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
    cited = [source for source in fields.get("source", "").split(";") if source]
    if not cited:
        found.append("expected a source id (see inputs/sources.yaml)")
    for source in cited:
        if source not in source_ids:
            hint = hints("source", source, source_ids)
            found.append(f"unknown source id {source!r}{hint} or add it to inputs/sources.yaml"
                         if hint else f"unknown source id {source!r}; add it to "
                                      "inputs/sources.yaml")
    if fields.get("status") not in STATUSES:
        found.append(f"expected status {', '.join(STATUSES)}; got {fields.get('status')!r}")
    return [_row_problem(table, row, message) for message in found]


def check_facts(table: CsvTable, revenue_lines: Mapping[str, Mapping[str, str]],
                source_ids: set[str]) -> list[Problem]:
    problems: list[Problem] = []
    earlier: dict[tuple[str, ...], _Given] = defaultdict(_Given)
    hints = _Hints()
    for row in _rows(table, problems):
        fields = row.fields
        ticker, period, metric = fields.get("ticker", ""), fields.get("period", ""), fields.get(
            "metric", "")
        if ticker not in revenue_lines:
            hint = hints("ticker", ticker, revenue_lines)
            problems.append(_row_problem(table, row, f"unknown ticker {ticker!r}{hint or ';'} "
                                         f"expected one of {', '.join(sorted(revenue_lines))} "
                                         "(inputs/companies.yaml)"))
        if not periods.is_valid(period) or not _plausible_year(period):
            problems.append(_row_problem(table, row, f"expected a period like 2026Q1, 2025H1 "
                                         f"or FY2025 (years {YEARS.start}-{YEARS.stop - 1}), "
                                         f"got {period!r}"))
        spec = METRICS.get(metric) or forecast_spec(metric)
        if spec is None and metric in revenue_lines.get(ticker, {}):
            spec = MetricSpec(REVENUE_LINE_UNIT, metric, non_negative=True)
        if spec is None:
            hint = hints(f"metric {ticker}", metric,
                         (*METRICS, *revenue_lines.get(ticker, {}), *GUIDANCE_FORMS,
                          *CONSENSUS_FORMS))
            listed = f"{COMMAND} --miner {ticker}" if ticker in revenue_lines else COMMAND
            problems.append(_row_problem(table, row, f"unknown metric {metric!r}{hint or ';'} "
                                         "expected a metric of the vocabulary, a revenue line "
                                         f"declared for {ticker} in inputs/companies.yaml, or "
                                         "guidance on a vocabulary metric (guide_<metric>, "
                                         "guide_<metric>_low, guide_<metric>_high) or "
                                         "sell-side consensus (consensus_<metric>); "
                                         f"'{listed}' lists them"))
        target = guidance_target(metric)
        base = target[0] if target else consensus_target(metric)
        unit_of = f" (the unit of {base})" if base else ""
        problems += _common(table, row, spec, source_ids, unit_of, hints)
        problems += _same_source(table, row, earlier)
    return problems


class _Given:
    """The values one source gives for one figure so far, sorted, with their lines."""

    __slots__ = ("first", "lines", "values")

    def __init__(self) -> None:
        self.values: list[float] = []
        self.lines: list[int] = []
        self.first: tuple[int, float] | None = None

    def agreeing(self, value: float) -> int | None:
        """The earliest line of a value that agrees with ``value`` within rounding.

        Stored values never agree with each other (a value agreeing with one already stored
        is an error and is not stored), and agreement only narrows towards ``value``, so
        only the two neighbours of its sorted place can agree: O(log n) a row, not O(n).
        """
        at = bisect.bisect_left(self.values, value)
        found = [self.lines[i] for i in (at - 1, at) if 0 <= i < len(self.values)
                 and _agree(value, self.values[i])]
        return min(found) if found else None

    def add(self, line: int, value: float) -> None:
        at = bisect.bisect_left(self.values, value)
        self.values.insert(at, value)
        self.lines.insert(at, line)
        self.first = self.first or (line, value)


def _same_source(table: CsvTable, row: CsvRow, earlier: dict[tuple[str, ...], _Given]
                 ) -> list[Problem]:
    """The same figure twice from the same source.

    Two values that agree within rounding are one figure entered twice: an error. Two values
    that differ are the source contradicting itself (its text and its table, say), which a
    briefing shows like any disagreement, provided the later row's note says where in the
    source its value comes from.
    """
    fields = row.fields
    key = (fields.get("ticker", ""), fields.get("period", ""), fields.get("metric", ""),
           *sorted(fields.get("source", "").split(";")))
    value = parse_number(fields.get("value", ""))
    if value is None:
        return []  # already reported as not a number
    given = earlier[key]
    same = given.agreeing(value)
    if same is not None:
        return [_row_problem(table, row, "the same figure from the same source appears "
                                         f"twice (first at line {same})")]
    found = []
    if given.first is not None and not fields.get("note", "").strip():
        line, other = given.first
        found.append(_row_problem(table, row, (
            f"the same source already gives {other:g} at line {line}; if it really states "
            f"both, say in this row's note where in the source {fields.get('value')} comes "
            f"from (e.g. \"the article's text; its table gives {other:g}\")")))
    given.add(row.line, value)
    return found


def _agree(a: float, b: float) -> bool:
    """Equal within rounding: what the briefing would not show as a disagreement."""
    return abs(a - b) <= DISAGREEMENT_TOLERANCE * max(abs(a), abs(b))


def check_guidance(table: CsvTable) -> list[Problem]:
    """A guidance range has both ends, from the same source, with low <= high."""
    ends: dict[tuple[str, ...], dict[str, list[tuple[float, CsvRow]]]] = defaultdict(
        lambda: defaultdict(list))
    for row in table.rows:
        fields = row.fields
        target = guidance_target(fields.get("metric", ""))
        value = parse_number(fields.get("value", ""))
        if target is None or target[1] == "point" or value is None:
            continue
        base, kind = target
        key = (fields.get("ticker", ""), fields.get("period", ""), base,
               *sorted(fields.get("source", "").split(";")))
        ends[key][kind].append((value, row))
    problems: list[Problem] = []
    for (_, _, base, *_), found in ends.items():
        if len(problems) >= MAX_PROBLEMS:
            return _capped(problems, table.file)
        for kind, other in (("low", "high"), ("high", "low")):
            if found[kind] and not found[other]:
                for _, row in found[kind]:
                    problems.append(_row_problem(table, row, (
                        f"guidance gives the {kind} end of a range without its {other} end; "
                        f"add guide_{base}_{other} from the same source (or enter a single "
                        f"figure as guide_{base})")))
        highs = sorted(found["high"], key=lambda pair: pair[0])
        for low, low_row in found["low"]:
            if highs and low > highs[0][0]:  # one problem a low end, against the lowest high
                high, high_row = highs[0]
                row = max(low_row, high_row, key=lambda r: r.line)
                problems.append(_row_problem(table, row, (
                    f"guidance range is upside down: low {low:g} (line {low_row.line}) "
                    f"is above high {high:g} (line {high_row.line})")))
    return _capped(problems, table.file)


def check_segments(table: CsvTable, revenue_lines: Mapping[str, Mapping[str, str]]) -> list[
        Problem]:
    """Revenue lines of one quarter may not add up to more than its reported total."""
    totals: dict[tuple[str, str], list[tuple[float, CsvRow]]] = defaultdict(list)
    lines: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
    for row in table.rows:
        fields = row.fields
        value = parse_number(fields.get("value", ""))
        if value is None:
            continue
        key = (fields.get("ticker", ""), fields.get("period", ""))
        metric = fields.get("metric", "")
        if metric == "revenue_total":
            totals[key].append((value, row))
        elif metric in revenue_lines.get(key[0], {}) or metric in DEFAULT_REVENUE_LINES:
            lines[key].setdefault(metric, value)
    problems: list[Problem] = []
    for key, candidates in totals.items():
        if len(problems) >= MAX_PROBLEMS:
            break
        segment_sum = sum(lines.get(key, {}).values())
        parts = ""
        for total, row in candidates:
            if segment_sum > total * (1 + SEGMENT_TOLERANCE):
                parts = parts or " + ".join(f"{name} {value:g}"
                                            for name, value in lines[key].items())
                problems.append(_row_problem(
                    table, row, f"revenue lines add up to {segment_sum:g} ({parts}), more than "
                                f"1% above the total {total:g}"))
    return _capped(problems, table.file)


def check_prices(table: CsvTable, tickers: set[str], source_ids: set[str]) -> list[Problem]:
    """``prices.csv``: a known ticker, an ISO date, at least one of close, shares outstanding
    and market cap (plain non-negative numbers), known sources, a status; one row a ticker,
    date and source. Each problem names the line, ticker, date and field."""
    problems: list[Problem] = []
    seen: dict[tuple[str, ...], int] = {}
    hints = _Hints()

    def problem(row: CsvRow, field: str, message: str) -> None:
        problems.append(Problem(table.file, message, line=row.line,
                                ticker=row.fields.get("ticker", ""),
                                period=row.fields.get("date", ""), metric=field))

    for row in _rows(table, problems):
        fields = row.fields
        ticker, date = fields.get("ticker", ""), fields.get("date", "")
        if ticker not in tickers:
            hint = hints("ticker", ticker, tickers)
            problem(row, "ticker", f"unknown ticker {ticker!r}{hint or ';'} expected one of "
                                   f"{', '.join(sorted(tickers))} (inputs/companies.yaml)")
        if parse_date(date) is None or not _plausible_year(date):
            problem(row, "date", f"expected the trading day as YYYY-MM-DD (years "
                                 f"{YEARS.start}-{YEARS.stop - 1}), got {date!r}")
        if "__thousands__" in fields or "__extra__" in fields:
            problem(row, "", f"more fields than the header's {len(table.header)}; write "
                             "numbers without thousands separators and quote a note that "
                             "contains commas")
        given = 0
        for name in PRICE_VALUES:
            text = fields.get(name, "")
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
        cited = [source for source in fields.get("source", "").split(";") if source]
        if not cited:
            problem(row, "source", "expected a source id (see inputs/sources.yaml)")
        for source in cited:
            if source not in source_ids:
                hint = hints("source", source, source_ids)
                problem(row, "source", f"unknown source id {source!r}{hint} or add it to "
                                       "inputs/sources.yaml" if hint else
                                       f"unknown source id {source!r}; add it to "
                                       "inputs/sources.yaml")
        if fields.get("status") not in STATUSES:
            problem(row, "status", f"expected status {', '.join(STATUSES)}; got "
                                   f"{fields.get('status')!r}")
        key = (ticker, date, *sorted(cited))
        if key in seen:
            problem(row, "", f"the same ticker, date and source appear twice (first at line "
                             f"{seen[key]}); give the values in one row")
        seen.setdefault(key, row.line)
    return problems


def check_market(table: CsvTable, source_ids: set[str]) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[tuple[str, ...], int] = {}
    for row in _rows(table, problems):
        fields = row.fields
        if not periods.is_quarter(fields.get("period", "")) or not _plausible_year(
                fields.get("period", "")):
            problems.append(_row_problem(table, row, "expected a calendar quarter like 2025Q3, "
                                         f"got {fields.get('period')!r}"))
        spec = MARKET_METRICS.get(fields.get("metric", ""))
        if spec is None:
            problems.append(_row_problem(table, row, "unknown market metric; expected one of "
                                         f"{', '.join(MARKET_METRICS)}"))
        problems += _common(table, row, spec, source_ids)
        key = (fields.get("period", ""), fields.get("metric", ""), fields.get("source", ""))
        if key in seen:
            problems.append(_row_problem(table, row, "the same figure from the same source "
                                         f"appears twice (first at line {seen[key]})"))
        seen.setdefault(key, row.line)
    return problems


def warnings(raw: RawInputs) -> list[Problem]:
    """Figures that are valid but look wrong: worth a look, never a reason to stop."""
    series: dict[tuple[str, str], list[tuple[float, CsvRow]]] = defaultdict(list)
    for row in raw.facts.rows:
        value = parse_number(row.fields.get("value", ""))
        if value is not None and value != 0:
            series[(row.fields.get("ticker", ""), row.fields.get("metric", ""))].append(
                (abs(value), row))
    found: list[Problem] = []
    for (_, metric), values in series.items():
        if len(values) < 3 or len(found) >= MAX_PROBLEMS:
            continue
        ordered = sorted(v for v, _ in values)
        # One typical value per miner and metric (the median of all its values), so every
        # warning of a long history compares against the same number.
        typical = ordered[(len(ordered) - 1) // 2]
        for value, row in values:
            ratio = value / typical
            if ratio >= UNIT_SLIP or ratio <= 1 / UNIT_SLIP:
                found.append(_row_problem(raw.facts, row, (
                    f"{value:g} is {ratio:,.0f}× the miner's typical {metric} ({typical:g}); "
                    "is it in the wrong unit?") if ratio > 1 else (
                    f"{value:g} is 1/{1 / ratio:,.0f} of the miner's typical {metric} "
                    f"({typical:g}); is it in the wrong unit?")))
    return found[:MAX_PROBLEMS]


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
