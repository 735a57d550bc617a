"""Quarters derived from half and full years, each expected value worked out by hand."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from reportgen import build, config, inputs
from reportgen.derive import derive_quarters
from reportgen.inputs import FACT_COLUMNS
from reportgen.model import Company
from tests.conftest import ROOT, replace_line

COMPANIES = {
    "DEC": Company("DEC", "December Miner", None, 12, {}),
    "JUN": Company("JUN", "June Miner", None, 6, {}),
}


def frame(*rows: tuple[str, str, str, float, str, str, str]) -> pd.DataFrame:
    """Facts as inputs._frame builds them; each row (ticker, period, metric, value, unit,
    source, status) on its own line, numbered from 2 as under a CSV header."""
    records = [
        {**dict(zip(FACT_COLUMNS, (*row, ""), strict=True)), "file": "inputs/facts.csv",
         "line": line}
        for line, row in enumerate(rows, start=2)
    ]
    result = pd.DataFrame.from_records(records, columns=[*FACT_COLUMNS, "file", "line"])
    return result.astype({"value": float, "line": int})


def one(derived: pd.DataFrame) -> pd.Series:
    assert len(derived) == 1, derived
    return derived.iloc[0]


def test_q4_from_a_december_fiscal_year():
    facts = frame(
        ("DEC", "FY2025", "revenue_mining", 100.0, "USD_M", "fy", "reported"),
        ("DEC", "2025Q1", "revenue_mining", 20.0, "USD_M", "q1", "reported"),
        ("DEC", "2025Q2", "revenue_mining", 25.5, "USD_M", "q2", "secondary"),
        ("DEC", "2025Q3", "revenue_mining", 30.25, "USD_M", "q3", "reported"),
    )
    derived = derive_quarters(facts, COMPANIES)
    row = one(derived)
    # 100 − 20 − 25.5 − 30.25 = 24.25
    assert (row["ticker"], row["period"], row["metric"]) == ("DEC", "2025Q4", "revenue_mining")
    assert row["value"] == pytest.approx(24.25)
    assert row["status"] == "derived"
    assert row["unit"] == "USD_M"
    assert row["source"] == "fy;q1;q2;q3"
    assert row["note"] == "FY2025 − Q1 − Q2 − Q3"
    assert (row["file"], row["line"]) == ("inputs/facts.csv", 2)  # the FY row
    assert list(derived.columns) == list(facts.columns)
    assert derived.dtypes.to_dict() == facts.dtypes.to_dict()


def test_june_fiscal_year_covers_calendar_q3_to_q2():
    # FY2025 with a June year end = calendar 2024Q3, 2024Q4, 2025Q1, 2025Q2.
    facts = frame(
        ("JUN", "FY2025", "btc_mined", 2000.0, "BTC", "fy25", "reported"),
        ("JUN", "2024Q3", "btc_mined", 400.0, "BTC", "a", "reported"),
        ("JUN", "2025Q1", "btc_mined", 550.0, "BTC", "c", "reported"),
        ("JUN", "2025Q2", "btc_mined", 600.0, "BTC", "d", "reported"),
        # Calendar 2025Q3 lies in FY2026: it must not count as a quarter of FY2025.
        ("JUN", "2025Q3", "btc_mined", 999.0, "BTC", "e", "reported"),
    )
    row = one(derive_quarters(facts, COMPANIES))
    # 2000 − 400 − 550 − 600 = 450, for calendar 2024Q4 (fiscal Q2)
    assert (row["period"], row["value"]) == ("2024Q4", pytest.approx(450.0))
    assert row["note"] == "FY2025 − Q1 − Q3 − Q4 (calendar 2024Q3, 2025Q1, 2025Q2)"
    assert row["source"] == "fy25;a;c;d"


def test_second_quarter_from_first_half():
    facts = frame(
        ("DEC", "2025H1", "net_income", -79.8, "USD_M", "h1", "secondary"),
        ("DEC", "2025Q1", "net_income", -61.4, "USD_M", "q1", "secondary"),
    )
    row = one(derive_quarters(facts, COMPANIES))
    # −79.8 − (−61.4) = −18.4
    assert (row["period"], row["value"]) == ("2025Q2", pytest.approx(-18.4))
    assert row["note"] == "2025H1 − Q1"
    assert row["source"] == "h1;q1"


def test_nothing_when_the_quarter_already_has_a_row():
    facts = frame(
        ("DEC", "FY2025", "revenue_total", 100.0, "USD_M", "fy", "reported"),
        ("DEC", "2025Q1", "revenue_total", 20.0, "USD_M", "q1", "reported"),
        ("DEC", "2025Q2", "revenue_total", 25.0, "USD_M", "q2", "reported"),
        ("DEC", "2025Q3", "revenue_total", 30.0, "USD_M", "q3", "reported"),
        ("DEC", "2025Q4", "revenue_total", 26.0, "USD_M", "q4", "estimate"),
    )
    assert derive_quarters(facts, COMPANIES).empty


def test_nothing_from_a_year_with_only_two_quarters():
    facts = frame(
        ("DEC", "FY2025", "revenue_total", 100.0, "USD_M", "fy", "reported"),
        ("DEC", "2025Q1", "revenue_total", 20.0, "USD_M", "q1", "reported"),
        ("DEC", "2025Q3", "revenue_total", 30.0, "USD_M", "q3", "reported"),
    )
    assert derive_quarters(facts, COMPANIES).empty


@pytest.mark.parametrize(("metric", "unit"), [
    ("cash", "USD_M"), ("total_debt", "USD_M"), ("hashrate", "EH/s"),
    ("ai_hpc_mw_contracted", "MW"), ("eps_diluted", "USD"), ("guide_revenue_total", "USD_M"),
    ("consensus_revenue_total", "USD_M"),
])
def test_nothing_for_figures_that_do_not_sum_over_time(metric, unit):
    year = frame(
        ("DEC", "FY2025", metric, 100.0, unit, "fy", "reported"),
        ("DEC", "2025Q1", metric, 20.0, unit, "q1", "reported"),
        ("DEC", "2025Q2", metric, 25.0, unit, "q2", "reported"),
        ("DEC", "2025Q3", metric, 30.0, unit, "q3", "reported"),
    )
    half = frame(
        ("DEC", "2025H1", metric, 50.0, unit, "h1", "reported"),
        ("DEC", "2025Q1", metric, 20.0, unit, "q1", "reported"),
    )
    assert derive_quarters(year, COMPANIES).empty
    assert derive_quarters(half, COMPANIES).empty


def test_sources_are_a_union_in_order_without_repeats():
    facts = frame(
        ("DEC", "FY2025", "impairment", 10.0, "USD_M", "fy;q3", "reported"),
        ("DEC", "2025Q1", "impairment", 1.0, "USD_M", "q1", "reported"),
        ("DEC", "2025Q2", "impairment", 2.0, "USD_M", "q1;q2", "derived"),
        ("DEC", "2025Q3", "impairment", 3.0, "USD_M", "q3", "reported"),
    )
    row = one(derive_quarters(facts, COMPANIES))
    # 10 − 1 − 2 − 3 = 4
    assert row["value"] == pytest.approx(4.0)
    assert row["source"] == "fy;q3;q1;q2"


def test_the_best_status_row_of_a_quarter_is_used():
    facts = frame(
        ("DEC", "2025H2", "revenue_total", 90.0, "USD_M", "h2", "reported"),
        ("DEC", "2025Q3", "revenue_total", 44.0, "USD_M", "press", "secondary"),
        ("DEC", "2025Q3", "revenue_total", 43.6, "USD_M", "filing", "reported"),
    )
    row = one(derive_quarters(facts, COMPANIES))
    # 90 − 43.6 (the reported row, not the earlier secondary 44.0) = 46.4
    assert (row["period"], row["value"]) == ("2025Q4", pytest.approx(46.4))
    assert row["source"] == "h2;filing"
    assert row["note"] == "2025H2 − Q3"


def test_half_wins_over_year_and_nothing_is_chained():
    facts = frame(
        ("DEC", "FY2025", "revenue_total", 100.0, "USD_M", "fy", "reported"),
        ("DEC", "2025Q1", "revenue_total", 20.0, "USD_M", "q1", "reported"),
        ("DEC", "2025Q2", "revenue_total", 25.0, "USD_M", "q2", "reported"),
        ("DEC", "2025H2", "revenue_total", 56.0, "USD_M", "h2", "reported"),
    )
    # FY − Q1 − Q2 leaves two quarters open; H2 alone cannot give either: nothing derived,
    # and in particular no quarter of H2 feeds the year.
    assert derive_quarters(facts, COMPANIES).empty
    facts = frame(
        ("DEC", "FY2025", "revenue_total", 100.0, "USD_M", "fy", "reported"),
        ("DEC", "2025Q1", "revenue_total", 20.0, "USD_M", "q1", "reported"),
        ("DEC", "2025Q2", "revenue_total", 25.0, "USD_M", "q2", "reported"),
        ("DEC", "2025Q3", "revenue_total", 30.0, "USD_M", "q3", "reported"),
        ("DEC", "2025H2", "revenue_total", 56.0, "USD_M", "h2", "reported"),
    )
    # Both give 2025Q4: FY 100 − 20 − 25 − 30 = 25, H2 56 − 30 = 26; the half is used.
    row = one(derive_quarters(facts, COMPANIES))
    assert (row["value"], row["note"]) == (pytest.approx(26.0), "2025H2 − Q3")


def test_no_rows_gives_an_empty_frame_of_the_same_columns():
    facts = frame()
    derived = derive_quarters(facts, COMPANIES)
    assert derived.empty and list(derived.columns) == list(facts.columns)


# --- the sample inputs ------------------------------------------------------------------


def test_sample_inputs_give_nothing_to_derive():
    # CIFR has FY2025 revenue_mining 223.942 (facts.csv line 134) but no 2025Q1-Q3
    # revenue_mining rows (its 2025 quarters carry revenue_total only), so its 2025Q4
    # revenue_mining cannot be worked out. Every other year or half in the sample either
    # has all its quarters already or lacks two or more.
    dataset = build.load_dataset(config.load(project_root=ROOT))
    assert derive_quarters(dataset.facts, dataset.companies).empty


def _derived_keys(derived: pd.DataFrame) -> set[tuple[str, str, str]]:
    return set(zip(derived["ticker"], derived["period"], derived["metric"], strict=True))


def _without(project: Path, line: str) -> pd.DataFrame:
    """The rows a build derives once ``line`` is gone and did not derive before: what
    load_dataset added to the input (the sample has quarters of its own to derive too)."""
    settings = config.load(project / "reportgen.yaml")
    raw = inputs.to_dataset(inputs.read_raw(settings.inputs_dir, settings.project_root))
    before = _derived_keys(derive_quarters(raw.facts, raw.companies))
    replace_line(project / "inputs" / "facts.csv", line + "\n", "")
    dataset = build.load_dataset(settings)
    raw = inputs.to_dataset(inputs.read_raw(settings.inputs_dir, settings.project_root))
    derived = derive_quarters(raw.facts, raw.companies)
    assert len(dataset.facts) == len(raw.facts) + len(derived), "the build derives them itself"
    pd.testing.assert_frame_equal(dataset.facts.tail(len(derived)).reset_index(drop=True),
                                  derived.reset_index(drop=True), check_dtype=False)
    new = [key not in before for key in zip(derived["ticker"], derived["period"],
                                            derived["metric"], strict=True)]
    return derived[new].reset_index(drop=True)


def test_sample_wulf_2024q4_revenue_is_rederived_when_the_hand_row_is_removed(project):
    derived = _without(project, "WULF,2024Q4,revenue_total,35.0,USD_M,wulf_q4_25;wulf_q1_24;"
                                "wulf_q2_24;wulf_q3_24,derived,FY2024 140.1 - Q1 42.433 - "
                                "Q2 35.574 - Q3 27.059")
    row = one(derived)
    # facts.csv: FY2024 140.1 (line 55) − 2024Q1 42.433 − Q2 35.574 − Q3 27.059 = 35.034
    assert (row["ticker"], row["period"], row["metric"]) == ("WULF", "2024Q4", "revenue_total")
    assert row["value"] == pytest.approx(35.034)
    assert row["source"] == "wulf_q4_25;wulf_q1_24;wulf_q2_24;wulf_q3_24"
    assert row["line"] == 54  # FY2024 moved up one line once the hand row was removed


def test_sample_wulf_2025q2_net_income_is_rederived_when_the_hand_row_is_removed(project):
    derived = _without(project, "WULF,2025Q2,net_income,-18.4,USD_M,wulf_h1_25;wulf_q1_25b,"
                                "derived,H1 -79.8 minus Q1 -61.4")
    row = one(derived)
    # facts.csv: 2025H1 −79.8 (line 43) − 2025Q1 −61.4 (line 48) = −18.4
    assert (row["period"], row["metric"], row["value"]) == ("2025Q2", "net_income",
                                                            pytest.approx(-18.4))
    assert row["source"] == "wulf_h1_25;wulf_q1_25b"
    assert (row["note"], row["line"]) == ("2025H1 − Q1", 43)
