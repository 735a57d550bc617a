"""What every validation rule shares: locating a row's problem, capping how many, hinting a
name. (A place in a YAML document is located by :mod:`reportgen.safeyaml`'s ``place`` and
``line_of``, which the YAML loader uses too.)

The rules themselves live in :mod:`reportgen.validate.yaml_files` (sources.yaml, companies.yaml),
:mod:`reportgen.validate.rows` (one CSV row at a time) and :mod:`reportgen.validate.cross`
(rules across rows); :mod:`reportgen.validate` runs them all. Kept in one place so that every
rule stops after the same number of problems and words its locations the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from reportgen.errors import Problem
from reportgen.inputs import CsvRow, CsvTable
from reportgen.vocabulary import did_you_mean

MAX_MAGNITUDE = 1e9
"""No figure reportgen knows can be this large in its unit ($1 quadrillion in USD_M)."""
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


def plausible_year(period: str) -> bool:
    """``2026Q1``, ``2025H1`` or ``FY2025`` with its year in :data:`YEARS`.

    >>> plausible_year("2026Q1"), plausible_year("FY2025"), plausible_year("0000Q1")
    (True, True, False)
    """
    year = period.removeprefix("FY")[:4]
    return year.isascii() and year.isdigit() and int(year) in YEARS


def stopped(file: str, line: int | None) -> Problem:
    """The last problem of a check that gave up after :data:`MAX_PROBLEMS`."""
    return Problem(file, f"stopped checking here after {MAX_PROBLEMS:,} problems; fix those "
                         "first", line=line)


def capped(problems: list[Problem], file: str) -> list[Problem]:
    """The first :data:`MAX_PROBLEMS` problems in line order, and one saying the rest were
    not listed."""
    if len(problems) <= MAX_PROBLEMS:
        return problems
    kept = sorted(problems, key=lambda problem: problem.line or 0)[:MAX_PROBLEMS]
    return [*kept, stopped(file, kept[-1].line)]


def rows(table: CsvTable, problems: list[Problem]) -> Iterator[CsvRow]:
    """The table's rows, until :data:`MAX_PROBLEMS` are found (then a last problem says so)."""
    for row in table.rows:
        if len(problems) >= MAX_PROBLEMS:
            problems.append(stopped(table.file, row.line))
            return
        yield row


def row_problem(table: CsvTable, row: CsvRow, message: str, metric: str | None = None
                ) -> Problem:
    """A problem located at a CSV row, naming its ticker, period and metric as the row has
    them (so the message reads ``facts.csv:42: WULF 2026Q1 revenue_total: ...``)."""
    fields = row.fields
    return Problem(table.file, message, line=row.line, ticker=fields.get("ticker", ""),
                   period=fields.get("period", ""),
                   metric=fields.get("metric", "") if metric is None else metric)


class Hints:
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
