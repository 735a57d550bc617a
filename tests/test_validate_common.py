"""What every validation rule shares (reportgen/validate/common.py): the problem limit, row
locations and the bounded "did you mean" lookups, on small hand-made tables."""

from __future__ import annotations

from reportgen.errors import Problem
from reportgen.inputs import CsvRow, CsvTable
from reportgen.validate.common import (
    MAX_HINTS,
    MAX_PROBLEMS,
    Hints,
    capped,
    row_problem,
    rows,
)

FILE = "inputs/facts.csv"


def table(count: int) -> CsvTable:
    """``count`` rows on lines 2, 3, ... (line 1 is the header)."""
    return CsvTable(FILE, ("ticker",), tuple(CsvRow(line, {"ticker": f"T{line}"})
                                             for line in range(2, count + 2)))


def test_capped_keeps_the_first_problems_by_line_and_says_where_it_stopped() -> None:
    problems = [Problem(FILE, "bad", line=line) for line in range(MAX_PROBLEMS + 5, 0, -1)]
    kept = capped(problems, FILE)
    assert len(kept) == MAX_PROBLEMS + 1
    assert [p.line for p in kept[:MAX_PROBLEMS]] == list(range(1, MAX_PROBLEMS + 1))
    assert kept[-1] == Problem(FILE, f"stopped checking here after {MAX_PROBLEMS:,} problems; "
                                     "fix those first", line=MAX_PROBLEMS)


def test_capped_leaves_a_list_within_the_limit_as_it_is() -> None:
    problems = [Problem(FILE, "bad", line=3), Problem(FILE, "bad", line=2)]
    assert capped(problems, FILE) is problems
    full = [Problem(FILE, "bad", line=n) for n in range(MAX_PROBLEMS)]
    assert capped(full, FILE) is full  # exactly the limit: nothing was left out


def test_rows_stops_at_the_limit_with_the_line_of_the_next_row() -> None:
    problems: list[Problem] = []
    seen = []
    for row in rows(table(MAX_PROBLEMS + 10), problems):
        seen.append(row.line)
        problems.append(Problem(FILE, "bad", line=row.line))
    assert len(seen) == MAX_PROBLEMS
    assert problems[-1].line == MAX_PROBLEMS + 2  # the first row not checked
    assert problems[-1].message.startswith("stopped checking here")


def test_rows_gives_every_row_of_a_table_without_problems() -> None:
    assert [row.line for row in rows(table(3), [])] == [2, 3, 4]


def test_a_row_problem_names_the_rows_ticker_period_and_metric() -> None:
    row = CsvRow(7, {"ticker": "WULF", "period": "2026Q1", "metric": "btc_mined"})
    problem = row_problem(table(0), row, "bad")
    assert str(problem) == f"{FILE}:7: WULF 2026Q1 btc_mined: bad"
    assert row_problem(table(0), row, "bad", metric="").metric == ""


def test_hints_are_looked_up_for_at_most_max_hints_names_and_remembered() -> None:
    hints = Hints()
    candidates = ["WULF", "CORZ"]
    assert hints("ticker", "WLUF", candidates) == "; did you mean 'WULF'?"
    for number in range(MAX_HINTS - 1):
        hints("ticker", f"X{number}", candidates)
    assert hints("ticker", "CROZ", candidates) == ""  # one name too many: no lookup
    assert hints("ticker", "WLUF", candidates) == "; did you mean 'WULF'?"  # remembered
    assert len(hints.found) == MAX_HINTS
