"""Period labels (reportgen/periods.py): calendar quarters to compare, half and fiscal years
for reference, and a miner's fiscal name for a quarter for display only."""

from __future__ import annotations

import pytest

from reportgen import periods


@pytest.mark.parametrize(("label", "quarter", "valid"), [
    ("2026Q1", True, True), ("2025H1", False, True), ("FY2025", False, True),
    ("2026Q5", False, False), ("2026q1", False, False), ("2026-03", False, False),
    ("FY25", False, False), (" 2026Q1", False, False),
    ("\uff12\uff10\uff12\uff16Q1", False, False),  # fullwidth digits: pandas refuses them
])
def test_which_labels_are_periods(label: str, quarter: bool, valid: bool) -> None:
    assert (periods.is_quarter(label), periods.is_valid(label)) == (quarter, valid)


@pytest.mark.parametrize(("label", "quarters", "shifted"), [
    ("2026Q1", -1, "2025Q4"), ("2026Q1", -4, "2025Q1"), ("2025Q4", 1, "2026Q1"),
    ("2024Q2", 0, "2024Q2"),
])
def test_shift_moves_across_year_ends(label: str, quarters: int, shifted: str) -> None:
    assert periods.shift(label, quarters) == shifted
    assert periods.ordinal(shifted) - periods.ordinal(label) == quarters


@pytest.mark.parametrize(("label", "days"), [("2024Q1", 91), ("2025Q1", 90), ("2025Q3", 92)])
def test_days_in_a_quarter_count_leap_years(label: str, days: int) -> None:
    assert periods.days_in(label) == days


@pytest.mark.parametrize(("label", "month", "end"), [
    ("FY2026", 6, "2026Q2"),  # IREN's year to 30 June 2026
    ("FY2025", 9, "2025Q3"),  # a September year end
    ("FY2025", 12, "2025Q4"),
    ("2025H2", 12, "2025Q4"),
    ("2026Q1", 6, "2026Q1"),  # a quarter is its own end, whatever the fiscal year
])
def test_the_quarter_a_period_ends_in(label: str, month: int, end: str) -> None:
    assert str(periods.end_quarter(label, month)) == end
    assert periods.end_ordinal(label, month) == periods.ordinal(end)


@pytest.mark.parametrize(("label", "month", "fiscal"), [
    ("2025Q3", 6, "FY26 Q1"), ("2026Q2", 6, "FY26 Q4"),  # June year end (IREN)
    ("2025Q4", 9, "FY26 Q1"), ("2025Q3", 9, "FY25 Q4"),  # September year end
    ("2025Q1", 12, "FY25 Q1"),
])
def test_fiscal_labels_follow_the_year_end(label: str, month: int, fiscal: str) -> None:
    assert periods.fiscal_label(label, month) == fiscal


def test_display_adds_the_fiscal_label_only_where_it_differs() -> None:
    assert periods.display("2026Q2", 6) == "2026Q2 (FY26 Q4)"
    assert periods.display("2026Q2", 12) == "2026Q2"
    assert periods.display("FY2026", 6) == "FY2026"  # not a quarter: shown as it is


def test_a_years_quarters_come_before_its_half_and_full_years() -> None:
    assert sorted(["2026Q1", "FY2025", "2025H2", "2025Q3", "2025H1", "2025Q1"],
                  key=periods.sort_key) == ["2025Q1", "2025Q3", "2025H1", "FY2025", "2025H2",
                                            "2026Q1"]
