"""Edits to the sample inputs that the validation tests make, each checked in place first.

Line numbers are those of the sample ``inputs/facts.csv``: line 1 is the header, so the first
data row (WULF 2026Q1 revenue_total) is line 2. Every edit asserts that the text it replaces
still sits on the line the test expects, so a changed sample fails loudly instead of moving a
problem to another line. Shared by tests/test_validate*.py.
"""

from __future__ import annotations

from pathlib import Path

from reportgen import inputs, validate
from reportgen.errors import Problem
from tests.conftest import replace_line

FACTS = "inputs/facts.csv"
COMPANIES = "inputs/companies.yaml"
SOURCES = "inputs/sources.yaml"
PRICES = "inputs/prices.csv"
MARKET = "inputs/market.csv"

# Sample rows the tests break, with their line numbers in inputs/facts.csv.
REVENUE_TOTAL = (2, "WULF,2026Q1,revenue_total,34,USD_M,wulf_q1_26,secondary,")
REVENUE_MINING = (5, "WULF,2026Q1,revenue_mining,13,USD_M,wulf_q1_26,derived,"
                     "34.0 total - 21.0 HPC lease")
EPS = (7, "WULF,2026Q1,eps_diluted,-1.01,USD,wulf_q1_26,secondary,")
FAIR_VALUE = (8, "WULF,2026Q1,fair_value_change,-216.3,USD_M,wulf_q1_26,secondary,warrants")
CASH = (12, "WULF,2026Q1,cash_and_restricted,3100,USD_M,wulf_424b5,secondary,")
DEBT = (13, "WULF,2026Q1,total_debt,5800,USD_M,wulf_424b5,secondary,")
BTC_MINED = (30, "WULF,2025Q3,btc_mined,377,BTC,wulf_q3_25c,secondary,")
COLOCATION = (100, "CORZ,2025Q3,revenue_colocation,15.0,USD_M,corz_q3_25,reported,")
CIFR_TABLE = (148, "CIFR,2025Q2,revenue_total,43.6,USD_M,cifr_q2_25,secondary,"
                   "the article's table; its text gives 44.0")
GUIDE_LOW = (160, "WULF,2026Q1,guide_adjusted_ebitda_low,0,USD_M,wulf_424b5,secondary,"
                  "preliminary guidance")
GUIDE_HIGH = (161, "WULF,2026Q1,guide_adjusted_ebitda_high,3,USD_M,wulf_424b5,secondary,"
                   "preliminary guidance")
CIFR_TEXT = (162, "CIFR,2025Q2,revenue_total,44.0,USD_M,cifr_q2_25,secondary,"
                  "the article's text; its table gives 43.6")
HUT_REVENUE = (151, "HUT,2026Q1,revenue_total,71.0,USD_M,hut_q1_26,secondary,machine-written page")
HUT_NET_INCOME_2025 = (155, "HUT,2025Q1,net_income,-134.3,USD_M,hut_q1_25,secondary,")
HUT_MW = (156, "HUT,2025Q1,power_capacity,1020,MW,hut_q1_25,secondary,")
APPENDED = (0, "")
"""Not a sample row: the case's row is appended to facts.csv, and located at its last line."""

# Lines of inputs/companies.yaml the tests break.
WULF_HPC_LEASE = (13, "    revenue_hpc_lease: {business: ai_hpc, label: HPC lease}\n")
CORZ_COLOCATION = (55, "    revenue_colocation: {business: ai_hpc, label: Colocation}\n")


def check(project: Path) -> list[Problem]:
    """What ``reportgen validate`` finds in the project's inputs."""
    return validate.check(inputs.read_raw(project / "inputs", project))


def only_problem(project: Path) -> Problem:
    problems = check(project)
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def break_row(project: Path, row: tuple[int, str], new: str) -> None:
    """Replace a whole facts.csv row, after making sure it sits on the line the test expects."""
    line, old = row
    path = project / FACTS
    assert path.read_text().splitlines()[line - 1] == old, f"sample line {line} changed"
    replace_line(path, old + "\n", new + "\n")


def remove_row(project: Path, row: tuple[int, str]) -> None:
    line, old = row
    path = project / FACTS
    assert path.read_text().splitlines()[line - 1] == old, f"sample line {line} changed"
    replace_line(path, old + "\n", "")


def append_rows(project: Path, *rows: str) -> None:
    with (project / FACTS).open("a") as handle:
        handle.writelines(row + "\n" for row in rows)


def break_company_line(project: Path, line_and_text: tuple[int, str], new: str) -> None:
    """Replace one companies.yaml line, after making sure it sits where the test expects."""
    line, old = line_and_text
    path = project / COMPANIES
    assert path.read_text().splitlines(keepends=True)[line - 1] == old, f"line {line} changed"
    replace_line(path, old, new)


def replace_at(path: Path, old: str, new: str) -> int:
    """Replace the first ``old`` in the file with ``new``; the line ``new`` starts on."""
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))
    return text[:text.index(old)].count("\n") + 1
