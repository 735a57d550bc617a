"""The period rules both importers share (reportgen/sec/periods.py): companyfacts facts to one
figure per metric and calendar quarter (or fiscal year).

The first cases are small hand-made documents in the shapes met in CleanSpark's real history
(fiscal year ending 30 September): a late filing misdating a balance, an inception-to-date
total and a 15-month window beside the standard year-to-date windows, a value changed and
changed back. The rest are the real Snowflake and LPA documents in
tests/fixtures/sec/, every expected value looked up in the JSON by hand, the arithmetic
written out.
"""

from __future__ import annotations

import json
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from reportgen import periods
from reportgen.sec.document import read_document
from reportgen.sec.periods import Extraction, extract
from reportgen.sec.tags import load_tag_map
from tests.sec_samples import (
    LPA_20F_2023,
    LPA_20F_2024,
    LPA_JSON,
    SNOW_10K_FY25,
    SNOW_10Q_Q1_FY26,
    SNOW_10Q_Q3_FY25,
    SNOW_JSON,
    snow_fact,
)
from tests.sec_samples import extract as chosen


def fact(start: str | None, end: str, value: int, accession: str, form: str,
         filed: str) -> dict[str, object]:
    item: dict[str, object] = {"end": end, "val": value, "accn": accession, "form": form,
                               "filed": filed}
    if start:
        item["start"] = start
    return item


def extraction(tmp_path: Path, tag: str, facts: list[dict[str, object]]) -> Extraction:
    path = tmp_path / "companyfacts.json"
    # one quarter's revenue, so the filer counts as quarterly (balances go to calendar quarters)
    quarter = [fact("2018-07-01", "2018-09-30", 1_000_000, "0000827876-18-000001", "10-K",
                    "2018-12-01")]
    tags = {"Revenues": {"units": {"USD": quarter}}, tag: {"units": {"USD": facts}}}
    path.write_text(json.dumps({"cik": 827876, "entityName": "CleanSpark-like", "facts": {
        "us-gaap": tags}}))
    tag_map = load_tag_map()
    return extract(read_document(path, tag_map.tags()), tag_map,
                   fiscal_year_end_month=9)


def rows(found: Extraction, period: str, metric: str) -> list[tuple[float, str]]:
    return [(round(f.value, 6), f.source) for f in found.figures
            if (f.period, f.metric) == (period, metric)]


EARLY = [fact(None, "2018-09-30", 412_777, f"0000827876-{18 + i // 4}-00000{i % 4 + 1}",
              "10-K" if i % 4 == 0 else "10-Q", f"20{18 + i // 4}-12-0{i % 4 + 1}")
         for i in range(10)]  # ten filings repeat 412,777 for cash at 30 Sep 2018


def test_a_later_filing_changing_a_value_keeps_both_rows(tmp_path: Path) -> None:
    late = fact(None, "2018-09-30", 7_838_857, "0000827876-21-000009", "10-K", "2021-12-01")
    found = extraction(tmp_path, "CashAndCashEquivalentsAtCarryingValue", [*EARLY, late])
    # 30 Sep 2018 is calendar 2018Q3's end; the late value first, the ten filings' beside it,
    # cited to the first of them (filed 2018-12-01)
    assert rows(found, "2018Q3", "cash") == [(7.838857, "sec_827876_000082787621000009"),
                                             (0.412777, "sec_827876_000082787618000001")]
    assert len(found.changed) == 1
    assert found.changed[0].startswith("2018Q3 cash: 0.412777 from sec_827876_000082787618000001 "
                                       "was changed to 7.838857 by "
                                       "sec_827876_000082787621000009, not an amendment")


def test_an_amendment_restates_without_a_second_row(tmp_path: Path) -> None:
    amended = fact(None, "2018-09-30", 7_838_857, "0000827876-21-000009", "10-K/A",
                   "2021-12-01")
    found = extraction(tmp_path, "CashAndCashEquivalentsAtCarryingValue", [*EARLY, amended])
    assert rows(found, "2018Q3", "cash") == [(7.838857, "sec_827876_000082787621000009")]
    assert found.changed == ()


def test_a_value_changed_and_changed_back_cites_the_filing_that_first_gave_it(
        tmp_path: Path) -> None:
    found = extraction(tmp_path, "CashAndCashEquivalentsAtCarryingValue", [
        fact(None, "2019-09-30", 100_000_000, "0000827876-19-000001", "10-K", "2019-12-01"),
        fact(None, "2019-09-30", 90_000_000, "0000827876-20-000001", "10-Q", "2020-02-01"),
        fact(None, "2019-09-30", 100_000_000, "0000827876-20-000002", "10-K", "2020-12-01")])
    # the README's rule: the value is the latest filing's, cited to the filing that first
    # gave that value (2019-12-01), not to the first of the latest unbroken run (2020-12-01)
    assert rows(found, "2019Q3", "cash") == [(100.0, "sec_827876_000082787619000001"),
                                             (90.0, "sec_827876_000082787620000001")]


def test_quarters_come_only_from_standard_fiscal_windows(tmp_path: Path) -> None:
    accession, form, filed = "0000827876-16-000001", "10-K", "2016-01-15"
    found = extraction(tmp_path, "Revenues", [
        fact("2014-10-01", "2015-09-30", 100_000_000, accession, form, filed),  # FY2015
        fact("2014-10-01", "2015-06-30", 70_000_000, accession, form, filed),  # 9M
        fact("2014-10-01", "2015-12-31", 130_000_000, accession, form, filed),  # 15M transition
        fact("2008-03-01", "2015-12-31", 500_000_000, accession, form, filed),  # since inception
        fact("2008-03-01", "2015-09-30", 480_000_000, accession, form, filed),
    ])
    revenue = {f.period: f for f in found.figures if f.metric == "revenue_total"}
    # Q4 = FY − 9M = 100 − 70 = 30 (July-September, calendar 2015Q3); no "Q5" = 15M − FY for
    # 2015Q4 and no "Q82" from the inception-to-date windows (500 − 480)
    assert sorted(revenue) == ["2015Q3", "FY2015"]
    assert revenue["2015Q3"].value == pytest.approx(30.0)
    assert revenue["2015Q3"].note.startswith("Q4 = FY to 2015-09-30 − 9M to 2015-06-30")


# --- periods from dates, in the real documents -------------------------------------------


def test_a_quarter_taken_directly() -> None:
    figures = chosen(SNOW_JSON)
    # RevenueFromContractWithCustomerExcludingAssessedTax, start 2025-02-01, end 2025-04-30,
    # val 1042074000, 10-Q 0001640147-25-000110 (Snowflake's fiscal Q1 FY2026). Its midpoint,
    # 2025-03-16, is in calendar Q1: 1042074000 / 1e6 = 1042.074.
    revenue = figures[("2025Q1", "revenue_total")]
    assert revenue.value == pytest.approx(1042.074)
    assert (revenue.status, revenue.source) == ("reported", SNOW_10Q_Q1_FY26)
    assert revenue.filings[0].url == (
        "https://www.sec.gov/Archives/edgar/data/1640147/000164014725000110/")
    assert revenue.filings[0].description == (
        "Form 10-Q filed 2025-05-30, accession 0001640147-25-000110")
    # NetIncomeLoss for the same three months: -430092000 → -430.092 (a loss stays negative).
    assert figures[("2025Q1", "net_income")].value == pytest.approx(-430.092)


def test_q4_derived_from_the_10k_and_the_9_month_10q() -> None:
    figures = chosen(SNOW_JSON)
    # No 3-month fact exists for Nov 2024 - Jan 2025. The 10-K gives the year 2024-02-01 ..
    # 2025-01-31: 3626396000; the Q3 10-Q gives 9 months 2024-02-01 .. 2024-10-31: 2639626000.
    # Q4 = 3626.396 − 2639.626 = 986.770, midpoint mid-December → calendar 2024Q4.
    revenue = figures[("2024Q4", "revenue_total")]
    assert revenue.value == pytest.approx(986.770)
    assert revenue.status == "derived"
    assert revenue.source == f"{SNOW_10K_FY25};{SNOW_10Q_Q3_FY25}"
    assert revenue.note.startswith("Q4 = FY to 2025-01-31 − 9M to 2024-10-31: "
                                   "3626.396 − 2639.626")
    # Net loss: -1285640000 − (-958166000) = -327474000 → -327.474.
    assert figures[("2024Q4", "net_income")].value == pytest.approx(-327.474)


def test_a_quarter_from_year_to_date_figures() -> None:
    figures = chosen(SNOW_JSON)
    # DepreciationDepletionAndAmortization is a cash-flow line, tagged year-to-date only:
    # 6M to 2024-07-31 = 85332000, 3M to 2024-04-30 = 40221000 → Q2 = 85.332 − 40.221 = 45.111.
    da = figures[("2024Q2", "depreciation_amortization")]
    assert da.value == pytest.approx(45.111)
    assert da.status == "derived"
    assert da.note.startswith("Q2 = 6M to 2024-07-31 − 3M to 2024-04-30")


def test_balance_sheet_instants_go_to_the_nearest_quarter_end() -> None:
    figures = chosen(SNOW_JSON)
    # CashAndCashEquivalentsAtCarryingValue at 2025-01-31 = 2628798000: 31 days after
    # 2024-12-31, 59 days before 2025-03-31, so it is calendar 2024Q4's closing cash.
    cash = figures[("2024Q4", "cash")]
    assert cash.value == pytest.approx(2628.798)
    assert cash.status == "reported"
    # First reported in the FY2025 10-K, repeated unchanged in the next 10-Q: the 10-K is cited.
    assert cash.source == SNOW_10K_FY25


def test_only_periods_the_validator_accepts() -> None:
    figures = chosen(SNOW_JSON)
    assert all(periods.is_quarter(p) or periods.YEAR.match(p) for p, _ in figures)
    # Snowflake's fiscal year to 2020-01-31 predates its quarterly filings (no Feb-Jul 2019
    # quarters), so the year stays a year: FY2020 revenue 264748000 → 264.748.
    assert figures[("FY2020", "revenue_total")].value == pytest.approx(264.748)
    # ... while the year to 2025-01-31 has all four quarters and is not repeated as FY2025.
    assert ("FY2025", "revenue_total") not in figures


# --- restatements ----------------------------------------------------------------------------


def test_a_restated_fact_latest_filing_by_default_or_as_first_reported() -> None:
    # ifrs-full:AdjustmentsForDepreciationAndAmortisationExpense for 2022-01-01 .. 2022-12-31:
    # 124287 in the 20-F filed 2024-04-26, restated to 228485 in the 20-F filed 2025-04-02.
    latest = chosen(LPA_JSON, month=12)[("FY2022", "depreciation_amortization")]
    assert latest.value == pytest.approx(0.228485)
    assert latest.source == LPA_20F_2024
    # the later 20-F is no amendment: the first value stays beside it, and is listed
    tag_map = load_tag_map()
    extraction = extract(read_document(LPA_JSON, tag_map.tags()), tag_map,
                                 fiscal_year_end_month=12)
    rows = [(f.value, f.source) for f in extraction.figures
            if (f.period, f.metric) == ("FY2022", "depreciation_amortization")]
    assert rows == [(pytest.approx(0.228485), LPA_20F_2024),
                    (pytest.approx(0.124287), LPA_20F_2023)]
    assert any(line.startswith("FY2022 depreciation_amortization: 0.124287 from "
                               f"{LPA_20F_2023} was changed to 0.228485 by {LPA_20F_2024}")
               for line in extraction.changed)
    first = chosen(LPA_JSON, first=True, month=12)[("FY2022", "depreciation_amortization")]
    assert first.value == pytest.approx(0.124287)
    assert first.source == LPA_20F_2023


def test_an_unrestated_fact_cites_the_filing_that_first_reported_it() -> None:
    # ifrs-full:Revenue 2022: 31983567 in both 20-Fs; the value is the latest filing's, the
    # citation the earlier one, so importing a newer document does not re-source old figures.
    revenue = chosen(LPA_JSON, month=12)[("FY2022", "revenue_total")]
    assert revenue.value == pytest.approx(31.983567)
    assert revenue.source == LPA_20F_2023


# --- an annual-only IFRS filer; signs -------------------------------------------------------


def test_ifrs_annual_filer_gets_year_rows_and_no_quarters() -> None:
    tag_map = load_tag_map()
    extraction = extract(read_document(LPA_JSON, tag_map.tags()), tag_map,
                                 fiscal_year_end_month=12)
    assert not extraction.quarterly
    figures = {(f.period, f.metric): f for f in extraction.figures}
    assert all(period.startswith("FY") for period, _ in figures)
    # FY2024 (20-F filed 2025-04-02): Revenue 43862372, ProfitLossAttributableToOwnersOfParent
    # -29285428, CashAndCashEquivalents at 2024-12-31 28827347, Borrowings 267216692.
    assert figures[("FY2024", "revenue_total")].value == pytest.approx(43.862372)
    assert figures[("FY2024", "net_income")].value == pytest.approx(-29.285428)
    assert figures[("FY2024", "cash")].value == pytest.approx(28.827347)
    assert figures[("FY2024", "total_debt")].value == pytest.approx(267.216692)
    # Cash at 2024-03-26 (1121150, not a year end) is left out rather than made a quarter.
    assert not any(f.value == pytest.approx(1.12115) for f in extraction.figures)


def warrants_document(tmp_path: Path, tag: str, value: int) -> Path:
    path = tmp_path / "warrants.json"
    fact = {"start": "2025-01-01", "end": "2025-03-31", "val": value, "accn": "0000000001-25-0"
            "00001", "fy": 2025, "fp": "Q1", "form": "10-Q", "filed": "2025-05-01"}
    path.write_text(json.dumps({"cik": 1, "entityName": "X", "facts": {
        "us-gaap": {tag: {"units": {"USD": [fact]}}}}}))
    return path


def test_expense_income_tags_are_flipped_into_our_sign_convention(tmp_path: Path) -> None:
    # FairValueAdjustmentOfWarrants is "expense (income)": 5,000,000 of expense is a 5.0 loss,
    # which our convention writes as -5 (vocabulary.py: gains and losses signed, loss negative).
    figures = chosen(warrants_document(tmp_path, "FairValueAdjustmentOfWarrants", 5_000_000))
    assert figures[("2025Q1", "fair_value_change")].value == pytest.approx(-5.0)
    # ImpairmentOfLongLivedAssetsHeldForUse is a charge and stays positive.
    figures = chosen(warrants_document(tmp_path, "ImpairmentOfLongLivedAssetsHeldForUse",
                                       2_500_000))
    assert figures[("2025Q1", "impairment")].value == pytest.approx(2.5)


# --- the cost of many windows (issue 15) ------------------------------------------------------


@pytest.mark.budget
def test_many_year_to_date_windows_are_worked_out_in_linear_time(tmp_path: Path) -> None:
    """20,000 windows sharing one start date: the quarter derivation paired every two
    (4e8 pairs) before; now it looks up the few end dates that leave a quarter."""
    start = date(1950, 1, 1)
    facts = [snow_fact(start=start.isoformat(), end=(start + timedelta(days=n)).isoformat(),
                   val=n) for n in range(100, 20_100)]
    path = tmp_path / "windows.json"
    path.write_text(json.dumps({"cik": 1640147, "entityName": "X", "facts": {"us-gaap": {
        "Revenues": {"units": {"USD": facts}}}}}))
    tag_map = load_tag_map()
    started = time.perf_counter()
    extraction = extract(read_document(path, tag_map.tags()), tag_map)
    assert time.perf_counter() - started < 30
    assert extraction.figures
