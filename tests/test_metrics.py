"""Metrics from the sample inputs, each expected value worked out by hand from inputs/facts.csv."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from reportgen import build, config, metrics, periods
from reportgen.vocabulary import STATUSES
from tests.conftest import ROOT

approx = pytest.approx


@pytest.fixture(scope="module")
def dataset():
    return build.load_dataset(config.load(project_root=ROOT))


@pytest.fixture(scope="module")
def computed(dataset):
    return {ticker: metrics.compute(dataset, ticker, "2026Q1") for ticker in dataset.companies}


def at(miner, period):
    return miner.quarters.loc[periods.quarter(period)]


def bridge_amount(miner, metric):
    return miner.bridge.set_index("metric").loc[metric, "amount"]


# --- WULF -------------------------------------------------------------------------------


def test_wulf_covers_the_requested_quarter(computed):
    wulf = computed["WULF"]
    assert (wulf.period, wulf.requested_period, wulf.is_stale) == ("2026Q1", "2026Q1", False)


def test_wulf_revenue_mix_and_growth(computed):
    row = at(computed["WULF"], "2026Q1")
    assert row["mix_total"] == approx(34.0)
    assert row["mix_ai_hpc"] == approx(21.0)
    assert row["mix_mining"] == approx(13.0)
    assert row["mix_unallocated"] == approx(34.0 - 21.0 - 13.0)
    assert row["mix_ai_hpc_share"] == approx(21.0 / 34.0)
    assert row["revenue_qoq"] == approx(34.0 / 35.8 - 1)
    assert row["revenue_yoy"] == approx(34.0 / 34.4 - 1)
    assert row["ai_hpc_qoq"] == approx(21.0 / 9.7 - 1)
    assert math.isnan(row["ai_hpc_yoy"])  # no AI/HPC line in 2025Q1


def test_wulf_crossover(computed):
    # 2025Q3 7.2 < 43.38, 2025Q4 9.7 < 26.1, 2026Q1 21 > 13.
    assert computed["WULF"].crossover == "2026Q1"


def test_wulf_loss_bridge(computed):
    wulf = computed["WULF"]
    assert bridge_amount(wulf, "adjusted_ebitda") == approx(-4.1)
    assert bridge_amount(wulf, "fair_value_change") == approx(-216.3)
    assert bridge_amount(wulf, "interest_expense") == approx(-67.1)
    assert bridge_amount(wulf, "net_income") == approx(-427.6)
    expected_other = -427.6 - (-4.1 - 216.3 - 67.1)
    assert bridge_amount(wulf, "other") == approx(expected_other)
    assert at(wulf, "2026Q1")["bridge_other"] == approx(expected_other)
    assert math.isnan(bridge_amount(wulf, "depreciation_amortization"))


def test_wulf_non_cash_share(computed):
    row = at(computed["WULF"], "2026Q1")
    assert row["non_cash_effect"] == approx(-216.3)
    assert row["non_cash_share"] == approx(216.3 / 427.6)


def test_wulf_pipeline(computed):
    pipe = computed["WULF"].pipeline
    assert pipe.from_listed_contracts is False
    assert (pipe.mw_contracted.value, pipe.mw_contracted.as_of) == (approx(522.0), "2025Q4")
    assert (pipe.contracted_value.value, pipe.contracted_value.as_of) == (approx(12800.0),
                                                                         "2025Q4")
    assert pipe.annualized_run_rate == approx(21.0 * 4)
    # Σ value ÷ term over the contracts giving both: Core42 1000/10, CB-3/4 3700/10, Abernathy
    # 9500/25; CB-5 gives no value. Never a multiple of the quarter's run-rate.
    assert pipe.contracted_annual_revenue == approx(100.0 + 370.0 + 380.0)
    assert pipe.contracts_with_terms == 3
    assert pipe.annualized_run_rate == approx(21.0 * 4)
    assert not hasattr(pipe, "backlog_multiple")
    assert pipe.listed_contracts_value == approx(1000.0 + 3700.0 + 9500.0)


def test_wulf_revenue_per_btc(computed):
    row = at(computed["WULF"], "2025Q3")
    assert row["revenue_per_btc"] == approx(43.38e6 / 377)
    # 2025Q3 hashprice from market.csv; no quarter-end hashrate, so no realized hashprice.
    assert row["market_hashprice"] == approx(55.0)
    assert math.isnan(row["realized_hashprice"])


def test_wulf_debt(computed):
    liquidity = computed["WULF"].liquidity
    assert (liquidity.total_debt.value, liquidity.total_debt.as_of) == (approx(5800.0), "2026Q1")


def test_wulf_liquidity_uses_latest_cash(computed):
    liquidity = computed["WULF"].liquidity
    assert liquidity.cash.metric == "cash_and_restricted"
    assert liquidity.cash.status == "secondary" and liquidity.cash.sources
    assert (liquidity.cash.value, liquidity.cash.as_of) == (approx(3100.0), "2026Q1")
    assert liquidity.net_debt == approx(5800.0 - 3100.0)


# --- CORZ -------------------------------------------------------------------------------


def test_corz_partial_mining_split(computed):
    row = at(computed["CORZ"], "2026Q1")
    assert row["mix_mining"] == approx(30.1)  # self-mining only; hosted not disclosed
    assert row["mix_ai_hpc"] == approx(77.5)
    assert row["mix_unallocated"] == approx(115.2 - 77.5 - 30.1)
    assert row["mix_ai_hpc_share"] == approx(77.5 / 115.2)
    assert computed["CORZ"].crossover == "2026Q1"


def test_corz_full_mining_split(computed):
    row = at(computed["CORZ"], "2025Q3")
    assert row["mix_mining"] == approx(57.4 + 8.7)
    assert row["mix_unallocated"] == approx(81.1 - 15.0 - (57.4 + 8.7), abs=1e-9)


def test_corz_reported_value_wins_and_its_mw_comes_from_listed_contracts(computed):
    # CORZ reports an HPC backlog ($10.2B, 2026Q1) but no contracted MW total: the value is
    # its own, the MW the sum of its listed contracts.
    pipe = computed["CORZ"].pipeline
    assert pipe.from_listed_contracts is False
    assert (pipe.contracted_value.value, pipe.contracted_value.as_of) == (approx(10200.0),
                                                                          "2026Q1")
    assert (pipe.mw_contracted.value, pipe.mw_contracted.as_of) == (approx(590.0), None)
    assert pipe.contracted_annual_revenue == approx(8700.0 / 12)


def test_hut_contracted_value_from_listed_contracts(computed):
    pipe = computed["HUT"].pipeline
    assert pipe.from_listed_contracts is True
    assert pipe.contracted_value.value == approx(7000.0)
    assert pipe.contracted_value.as_of is None
    assert pipe.mw_contracted.value == approx(245.0)
    assert pipe.contracted_annual_revenue == approx(7000.0 / 15)


def test_corz_non_cash_share_can_approach_whole_loss(computed):
    row = at(computed["CORZ"], "2025Q2")
    assert row["non_cash_share"] == approx(910.0 / 936.8)


def test_corz_no_net_income_no_share(dataset):
    # The sample's CORZ 2026Q1 net income is a rough estimate (EPS x shares); without it there
    # is no share of the loss and no residual.
    facts = dataset.facts
    without = facts[~((facts["ticker"] == "CORZ") & (facts["period"] == "2026Q1")
                      & (facts["metric"] == "net_income"))]
    corz = metrics.compute(replace(dataset, facts=without), "CORZ", "2026Q1")
    row = at(corz, "2026Q1")
    assert row["non_cash_effect"] == approx(-266.5 - 30.8)
    assert math.isnan(row["non_cash_share"])
    assert math.isnan(bridge_amount(corz, "other"))


def test_corz_share_on_an_estimated_net_income(computed):
    row = at(computed["CORZ"], "2026Q1")
    assert row["net_income"] == approx(-334.0)  # status estimate in facts.csv
    assert row["non_cash_share"] == approx((266.5 + 30.8) / 334.0)


# --- IREN, CIFR, HUT --------------------------------------------------------------------


def test_iren_covers_latest_reported_quarter(computed):
    iren = computed["IREN"]
    assert (iren.period, iren.requested_period) == ("2025Q4", "2026Q1")
    assert iren.is_stale is True
    assert iren.quarters.index[-1] == periods.quarter("2025Q4")


def test_iren_net_loss_and_non_cash(computed):
    iren = computed["IREN"]
    row = at(iren, "2025Q4")
    assert row["net_income"] == approx(-155.4)
    assert row["non_cash_effect"] == approx(-(31.8 + 58.2))
    assert row["non_cash_share"] == approx((31.8 + 58.2) / 155.4)
    # the income tax line is a benefit of 182.5 (entered negative)
    assert bridge_amount(iren, "other") == approx(-155.4 - (75.3 - 31.8 - 58.2 + 182.5))


def test_iren_no_crossover(computed):
    assert computed["IREN"].crossover is None


def test_cifr_covers_2026q1_without_split(computed):
    cifr = computed["CIFR"]
    assert (cifr.period, cifr.is_stale) == ("2026Q1", False)
    row = at(cifr, "2026Q1")
    assert row["mix_total"] == approx(34.84)
    assert math.isnan(row["mix_ai_hpc"])
    assert math.isnan(row["mix_ai_hpc_share"])
    assert cifr.crossover is None
    assert math.isnan(cifr.pipeline.annualized_run_rate)


def test_cifr_full_year_rows_kept_apart(computed):
    cifr = computed["CIFR"]
    other = cifr.other_periods
    assert set(other["period"]) == {"FY2025", "FY2024"}
    fy25 = other[(other["period"] == "FY2025") & (other["metric"] == "revenue_mining")]
    assert fy25["value"].tolist() == [approx(223.942)]
    assert all(isinstance(p, pd.Period) and p.freqstr.startswith("Q")
               for p in cifr.quarters.index)
    assert cifr.quarters["revenue_mining"].isna().all()
    # only the quarters given as quarters; FY2025's 198.973 is not spread over them
    assert cifr.quarters["depreciation_amortization"].dropna().to_dict() == {
        periods.quarter("2025Q1"): approx(43.5), periods.quarter("2025Q3"): approx(59.5)}
    assert not cifr.tidy["period"].str.startswith("FY").any()


def test_hut_non_cash_exceeds_loss(computed):
    row = at(computed["HUT"], "2026Q1")
    # Non-cash items (295.7 of digital-asset marks less a 40.8 gain on derivatives) exceed
    # the loss (219.8): no share above 100% is stated; the result before them is a profit
    # of 35.1.
    assert math.isnan(row["non_cash_share"])
    assert row["before_non_cash"] == approx(-219.8 + 295.7 - 40.8)


def test_compute_before_any_report_raises(dataset):
    with pytest.raises(LookupError):
        metrics.compute(dataset, "HUT", "2023Q4")


def test_latest_period(dataset):
    assert metrics.latest_period(dataset) == "2026Q1"


# --- best_facts, disagreements -----------------------------------------------------------


def facts_frame(rows):
    columns = ["ticker", "period", "metric", "value", "status", "line", "source", "unit",
               "note", "file"]
    records = [
        {"ticker": t, "period": p, "metric": m, "value": v, "status": s, "line": line,
         "source": src, "unit": "USD_M", "note": "", "file": "inputs/facts.csv"}
        for t, p, m, v, s, line, src in rows
    ]
    return pd.DataFrame.from_records(records, columns=columns)


def test_best_facts_prefers_reported_over_secondary():
    facts = facts_frame([
        ("CIFR", "2025Q2", "revenue_total", 44.0, "secondary", 2, "a"),
        ("CIFR", "2025Q2", "revenue_total", 43.6, "reported", 3, "b"),
        ("CIFR", "2025Q2", "net_income", -45.8, "estimate", 4, "a"),
        ("CIFR", "2025Q2", "net_income", -45.0, "derived", 5, "b"),
        ("CIFR", "2025Q2", "btc_mined", 689.0, "secondary", 6, "a"),
        ("CIFR", "2025Q2", "btc_mined", 629.0, "secondary", 7, "b"),
    ])
    best = metrics.best_facts(facts)
    # One row per figure, back in file order.
    assert best[["metric", "value", "line"]].values.tolist() == [
        ["revenue_total", 43.6, 3],  # reported beats secondary, though on a later line
        ["net_income", -45.0, 5],  # derived beats estimate
        ["btc_mined", 689.0, 6],  # same status: the earlier line
    ]
    assert list(best.columns) == list(facts.columns)


def test_disagreements_beyond_rounding_only():
    facts = facts_frame([
        ("CIFR", "2025Q2", "revenue_total", 43.6, "reported", 2, "a"),
        ("CIFR", "2025Q2", "revenue_total", 44.0, "secondary", 3, "b"),
        ("WULF", "2026Q1", "revenue_total", 34.0, "secondary", 4, "c"),
        ("WULF", "2026Q1", "revenue_total", 34.01, "secondary", 5, "d"),
        ("WULF", "2026Q1", "net_income", -427.6, "secondary", 6, "c"),
    ])
    found = metrics.disagreements(facts)
    assert found["line"].tolist() == [2, 3]
    assert set(found["ticker"]) == {"CIFR"}
    assert dict(zip(found["value"], found["used"], strict=True)) == {43.6: True, 44.0: False}


def test_no_disagreements_gives_empty_frame_with_used_column():
    facts = facts_frame([
        ("WULF", "2026Q1", "revenue_total", 34.0, "secondary", 2, "c"),
        ("WULF", "2026Q1", "revenue_total", 34.01, "secondary", 3, "d"),
    ])
    found = metrics.disagreements(facts)
    assert found.empty
    assert "used" in found.columns


# --- growth -----------------------------------------------------------------------------


def test_growth_nan_across_gap_and_from_non_positive_base():
    index = pd.period_range("2025Q1", periods=7, freq="Q")
    series = pd.Series([10.0, np.nan, 12.0, 0.0, 5.0, -2.0, 4.0], index=index)
    result = metrics.growth(series, 1)
    assert math.isnan(result.iloc[1])  # current missing
    assert math.isnan(result.iloc[2])  # base missing (gap quarter), not 12/10 - 1
    assert result.iloc[3] == approx(0.0 / 12.0 - 1)
    assert math.isnan(result.iloc[4])  # base 0
    assert result.iloc[5] == approx(-2.0 / 5.0 - 1)
    assert math.isnan(result.iloc[6])  # base negative
    yearly = metrics.growth(series, 4)
    assert yearly.iloc[4] == approx(5.0 / 10.0 - 1)
    assert yearly.iloc[:4].isna().all()


def test_growth_nan_across_gap_in_sample(computed):
    # HUT disclosed nothing for 2024Q4 and no revenue for 2025Q4.
    assert at(computed["HUT"], "2024Q4").isna().all()
    assert math.isnan(at(computed["HUT"], "2025Q1")["revenue_qoq"])
    assert math.isnan(at(computed["HUT"], "2026Q1")["revenue_qoq"])
    assert at(computed["HUT"], "2025Q2")["revenue_qoq"] == approx(41.3 / 21.8 - 1)
    # IREN 2024Q1 gives mining revenue only, so there is no total to grow from.
    assert math.isnan(at(computed["IREN"], "2024Q2")["revenue_qoq"])
    assert at(computed["IREN"], "2025Q3")["revenue_yoy"] == approx(240.3 / 52.8 - 1)


# --- tidy -------------------------------------------------------------------------------


def tidy_value(tidy, period, metric):
    rows = tidy[(tidy["period"] == period) & (tidy["metric"] == metric)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_tidy_holds_inputs_with_status_and_computed_rows(computed):
    tidy = computed["WULF"].tidy
    assert set(tidy["ticker"]) == {"WULF"}
    assert not tidy["value"].isna().any()
    assert set(tidy["status"]) <= {*STATUSES, "computed"}

    revenue = tidy_value(tidy, "2026Q1", "revenue_total")
    assert (revenue["value"], revenue["status"], revenue["source"], revenue["unit"]) == (
        34.0, "secondary", "wulf_q1_26", "USD_M")
    assert tidy_value(tidy, "2026Q1", "revenue_mining")["status"] == "derived"
    contracted = tidy_value(tidy, "2025Q4", "ai_hpc_mw_contracted")
    assert (contracted["value"], contracted["status"]) == (522.0, "reported")

    share = tidy_value(tidy, "2026Q1", "mix_ai_hpc_share")
    assert share["value"] == approx(21.0 / 34.0)
    assert (share["status"], share["source"], share["unit"]) == ("computed", "reportgen",
                                                                 "fraction")
    # A market figure keeps its own source and status (market.csv 2025Q3 hashprice, 55).
    hashprice = tidy_value(tidy, "2025Q3", "market_hashprice")
    assert (hashprice["value"], hashprice["status"], hashprice["source"]) == (
        55.0, "secondary", "mkt_coinfeather")
    other = tidy_value(tidy, "2026Q1", "bridge_other")
    assert other["value"] == approx(-427.6 - (-4.1 - 216.3 - 67.1))
    assert other["status"] == "computed"
    assert tidy_value(tidy, "2026Q1", "revenue_total")["fiscal_period"] == "FY26 Q1"


def test_tidy_of_every_miner_has_no_missing_values(computed):
    for miner in computed.values():
        assert not miner.tidy["value"].isna().any(), miner.company.ticker
        quarters = miner.tidy["period"].map(periods.quarter)
        assert quarters.is_monotonic_increasing
        assert quarters.max() == periods.quarter(miner.period)


def test_tidy_uses_fiscal_labels(computed):
    tidy = computed["IREN"].tidy
    assert set(tidy.loc[tidy["period"] == "2025Q4", "fiscal_period"]) == {"FY26 Q2"}


def test_full_year_figures_appear_only_once_the_year_has_ended(dataset):
    as_of_2025q3 = metrics.compute(dataset, "CIFR", "2025Q3").other_periods
    assert set(as_of_2025q3["period"]) == {"FY2024"}
    as_of_2026q1 = metrics.compute(dataset, "CIFR", "2026Q1").other_periods
    assert set(as_of_2026q1["period"]) == {"FY2024", "FY2025"}


def test_realized_hashprice_and_revenue_per_btc_by_hand():
    index = pd.period_range("2025Q3", periods=1, freq="Q")  # 92 days
    wide = pd.DataFrame({"hashrate": [12.8], "btc_mined": [377.0],
                         "power_cost_per_btc": [45555.0], "fleet_efficiency": [16.8]},
                        index=index)
    market = pd.DataFrame({"period": ["2025Q3"], "metric": ["hashprice"], "value": [55.0],
                           "line": [2]})
    mining = pd.Series([43.38], index=index)
    row = metrics.mining_economics(wide, market, mining).iloc[0]
    assert row["realized_hashprice"] == approx(43.38e6 / (12.8 * 1000 * 92))
    assert row["revenue_per_btc"] == approx(43.38e6 / 377)
    assert row["market_hashprice"] == 55.0


def test_caches_are_not_sent_to_workers(computed):
    # A worker is sent Metrics by pickle; the best-row table and the CSV table are worked
    # out where needed, never shipped (they would double what a job carries).
    import pickle

    wulf = computed["WULF"]
    assert len(wulf.best) and len(wulf.tidy)
    copy = pickle.loads(pickle.dumps(wulf))
    assert "best" not in copy.__dict__ and "tidy" not in copy.__dict__
    assert copy.best.equals(wulf.best)
