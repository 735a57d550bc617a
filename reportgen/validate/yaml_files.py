"""Rules over the YAML inputs: sources.yaml's entries and companies.yaml's miners, their
revenue lines and contracts, and the text in both.

Each problem is located by its path in the document (``companies[1].contracts[0].source``)
and the line :mod:`reportgen.safeyaml` recorded for it, so a user finds it in their editor.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from reportgen import filing_map, safeyaml
from reportgen.errors import Problem
from reportgen.inputs import YamlPath, is_contract_date, parse_date
from reportgen.model import DEFAULT_REVENUE_LINES
from reportgen.safeyaml import line_of, place
from reportgen.validate.common import MAX_MAGNITUDE, MAX_PROBLEMS, Hints, stopped
from reportgen.vocabulary import BUSINESSES, METRICS, STATUSES

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
CONTRACT_TEXT = ("customer", "site", "backstop", "note")
CONTRACT_NUMBERS = ("mw", "term_years", "value_usd_m")
SOURCE_KEYS = ("url", "publisher", "kind", "description", "date")
SOURCE_TEXT = ("publisher", "kind", "description")
MULTILINE_KEYS = ("notes", "note", "description")
"""Text under these keys (and the ``note`` column of the CSV files) may hold tabs and line
breaks; every other string reaching a document, spreadsheet or terminal is one line."""

Report = Callable[[YamlPath, str], None]
"""Records a problem at a path below the entry being checked."""


def check_yaml_text(file: str, document: Any, lines: Mapping[YamlPath, int]) -> list[Problem]:
    """Control characters and bidi overrides in any key or text of a YAML input, located."""
    found = []
    for path, line, reason in safeyaml.text_problems(document, lines, MULTILINE_KEYS):
        if len(found) >= MAX_PROBLEMS:
            found.append(stopped(file, line))
            break
        found.append(Problem(file, f"{place(path) or 'the document'}: {reason}; remove it",
                             line=line))
    return sorted(found, key=lambda problem: problem.line or 0)


def check_sources(file: str, document: Any,
                  lines: Mapping[YamlPath, int] | None = None) -> list[Problem]:
    """sources.yaml: a ``sources:`` mapping of id to an http(s) URL, text fields, a date."""
    lines = lines or {}
    if not (isinstance(document, dict) and isinstance(document.get("sources"), dict)):
        return [Problem(file, "expected a 'sources:' mapping of source id to url, publisher, "
                              "kind", line=line_of(lines, ("sources",)))]
    problems = [Problem(file, f"{key}: {safeyaml.unknown_key(key, ('sources',))}",
                        line=line_of(lines, (str(key),)))
                for key in document if key != "sources"]
    for source_id, entry in document["sources"].items():
        at: YamlPath = ("sources", str(source_id))
        if len(problems) >= MAX_PROBLEMS:
            problems.append(stopped(file, line_of(lines, at)))
            break

        def problem(key: str, message: str, at: YamlPath = at) -> None:
            path = (*at, key) if key else at
            problems.append(Problem(file, f"{place(path)}: {message}",
                                    line=line_of(lines, path)))

        _source_entry(entry, problem)
    return problems


def _source_entry(entry: Any, problem: Callable[[str, str], None]) -> None:
    """One source: a mapping with an http(s) ``url``, known keys, text and an ISO date."""
    if not isinstance(entry, dict):
        problem("", f"expected a mapping with {', '.join(SOURCE_KEYS)}, got {entry!r}")
        return
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


def check_companies(file: str, document: Any, source_ids: set[str],
                    lines: Mapping[YamlPath, int] | None = None) -> list[Problem]:
    """companies.yaml: a ``companies:`` list of miners, each with one upper-case ticker."""
    if not (isinstance(document, dict) and isinstance(document.get("companies"), list)):
        return [Problem(file, "expected a 'companies:' list with one entry per miner")]
    lines = lines or {}
    problems: list[Problem] = [
        Problem(file, f"{key}: {safeyaml.unknown_key(key, ('companies',))}",
                line=line_of(lines, (str(key),)))
        for key in document if key != "companies"]
    seen: dict[str, int] = {}
    hints = Hints()
    for index, entry in enumerate(document["companies"]):
        at: YamlPath = ("companies", index)
        if len(problems) >= MAX_PROBLEMS:
            problems.append(stopped(file, line_of(lines, at)))
            break
        if not isinstance(entry, dict):
            problems.append(Problem(file, f"{place(at)}: expected a mapping with ticker, name, "
                                          "...", line=line_of(lines, at)))
            continue
        ticker = entry.get("ticker")
        if not isinstance(ticker, str) or not ticker.isalnum() or ticker != ticker.upper():
            problems.append(Problem(file, f"{place((*at, 'ticker'))}: expected an upper-case "
                                          f"ticker such as WULF, got {ticker!r}",
                                    line=line_of(lines, (*at, "ticker"))))
            ticker = str(ticker)
        elif ticker in seen:
            first = ("companies", seen[ticker])
            problems.append(Problem(file, f"{place(at)}: ticker {ticker} appears twice, in "
                                          f"{place(first)} at line "
                                          f"{line_of(lines, (*first, 'ticker'))} and here at "
                                          f"line {line_of(lines, (*at, 'ticker'))}; keep one "
                                          "entry",
                                    line=line_of(lines, (*at, "ticker")), ticker=ticker))
        seen.setdefault(ticker, index)
        problems += _company_fields(file, at, ticker, entry, source_ids, lines, hints)
    return problems


def _company_fields(file: str, at: YamlPath, ticker: str, entry: dict[str, Any],
                    source_ids: set[str], lines: Mapping[YamlPath, int], hints: Hints
                    ) -> list[Problem]:
    """Everything in one miner's entry below its ticker, in the order a reader meets it."""
    problems = []

    def problem(where: YamlPath, message: str) -> None:
        path = (*at, *where)
        problems.append(Problem(file, f"{place(path)}: {message}", line=line_of(lines, path),
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
    declared = _revenue_lines(entry.get("revenue_lines") or {}, problem)
    # filing_map: its rules live in reportgen/filing_map.py (import-filing, update)
    for map_at, message in filing_map.problems(entry.get("filing_map"), declared):
        problem(map_at, message)
    contracts = entry.get("contracts") or []
    if not isinstance(contracts, list):
        problem(("contracts",), "expected a list of contracts")
        contracts = []
    for number, contract in enumerate(contracts):
        _contract(("contracts", number), contract, source_ids, hints, problem)
    return problems


def _revenue_lines(declared: Any, problem: Report) -> dict[Any, Any]:
    """The miner's ``revenue_lines`` (``{}`` when not a mapping), each line's name and
    business checked, short form (``revenue_x: ai_hpc``) or long."""
    if not isinstance(declared, dict):
        problem(("revenue_lines",), "expected a mapping of revenue line metric to business")
        return {}
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
    return declared


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


def _contract(where: YamlPath, contract: Any, source_ids: set[str], hints: Hints,
              problem: Report) -> None:
    """One AI/HPC contract: known keys, a customer, text and non-negative numbers, a known
    source and status, and the kind and dates in the forms a briefing can print."""
    for key in contract if isinstance(contract, dict) else ():
        if key not in CONTRACT_KEYS:
            problem((*where, str(key)), safeyaml.unknown_key(key, CONTRACT_KEYS))
    if not isinstance(contract, dict) or not contract.get("customer"):
        problem(where, "expected a mapping with at least customer, source and status")
        return
    for key in CONTRACT_TEXT:
        value = contract.get(key)
        if value is not None and not isinstance(value, str | int | float):
            problem((*where, key), f"expected text, got {value!r}")
    for key in CONTRACT_NUMBERS:
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
