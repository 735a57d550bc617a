"""Valuation: market cap from price rows, EV = market cap + net debt, and the EV ratios of
:mod:`reportgen.valuation`, on hand-made facts and price rows of one made-up miner.

Metrics come from ``metrics.compute`` over a few facts.csv rows built in memory; price rows
are a plain DataFrame set on ``Metrics.prices``. Each expected value is worked by hand in a
comment beside it. No build, no WeasyPrint.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reportgen import metrics, valuation
from reportgen.formatting import PLAIN
from reportgen.metrics import PRICE_AFTER_QUARTERS, usable_prices
from reportgen.model import PRICE_COLUMNS, Company, Contract, Dataset, Metrics
from reportgen.valuation import SHARES_WITHIN_DAYS

TICKER = "TST"
NOW = "2026Q1"
CONTRACT = Contract("Hyperscaler", "src_contract", "estimate", mw=200, term_years=10,
                    value_usd_m=5000)  # 5000 / 10 = 500 a year
COMPANY = Company(TICKER, "Test Miner Inc.", None, 12, {}, contracts=(CONTRACT,))
FACT_COLUMNS = ("ticker", "period", "metric", "value", "unit", "source", "status", "note",
                "file", "line")
MARKET_COLUMNS = ("period", "metric", "value", "unit", "source", "status", "note", "file",
                  "line")
# Balance sheet, hashrate and contracted MW of 2026Q1: net debt 800 − 300 = 500.
BALANCE = [
    (NOW, "revenue_total", 10.0, "reported", "src_q1"),
    (NOW, "total_debt", 800.0, "reported", "src_bs"),
    (NOW, "cash", 300.0, "secondary", "src_cash"),
    (NOW, "hashrate", 20.0, "reported", "src_ops"),
    (NOW, "ai_hpc_mw_contracted", 200.0, "derived", "src_mw"),
]


def compute(rows: list[tuple], company: Company = COMPANY, period: str = NOW) -> Metrics:
    """Metrics of TST from rows (period, metric, value, status, source)."""
    facts = pd.DataFrame(
        [(TICKER, p, m, float(v), "USD_M", src, status, "", "inputs/facts.csv", line)
         for line, (p, m, v, status, src) in enumerate(rows, start=2)],
        columns=list(FACT_COLUMNS))
    market = pd.DataFrame([(NOW, "hashprice", 40.0, "USD/PH/day", "mkt", "secondary", "",
                            "inputs/market.csv", 2)], columns=list(MARKET_COLUMNS))
    return metrics.compute(Dataset({TICKER: company}, facts, market, {}), TICKER, period)


@functools.cache
def balance_metrics() -> Metrics:
    return compute(BALANCE)


def price(date: str, close: float | None = None, shares: float | None = None,
          cap: float | None = None, source: str = "px_a", status: str = "reported",
          ticker: str = TICKER) -> dict:
    return {"ticker": ticker, "date": pd.Timestamp(date),
            "close": math.nan if close is None else close,
            "shares_outstanding": math.nan if shares is None else shares,
            "market_cap": math.nan if cap is None else cap, "source": source,
            "status": status, "note": "", "file": "inputs/prices.csv"}


def prices(*rows: dict) -> pd.DataFrame:
    frame = pd.DataFrame([{**row, "line": line} for line, row in enumerate(rows, start=2)])
    return frame[list(PRICE_COLUMNS)]


def value(*rows: dict, base: Metrics | None = None) -> valuation.Valuation:
    """The valuation of TST with these price rows, kept as compute keeps them, on its Metrics."""
    miner = base or balance_metrics()
    miner = dataclasses.replace(miner, prices=usable_prices(prices(*rows), TICKER, miner.period))
    return valuation.value(miner, PLAIN)


def no_nan(text: str) -> bool:
    return re.search(r"\bnan\b", text, re.IGNORECASE) is None


# --- market cap ----------------------------------------------------------------------------


def test_market_cap_given_on_the_row_wins_over_close_times_shares():
    found = value(price("2026-03-31", close=10.0, shares=400.0, cap=4200.0, source="px_cap",
                        status="secondary"))
    # 10 × 400 would be 4000; the row's 4200 is used as given.
    assert found.market_cap.value == 4200.0
    assert found.market_cap.status == "secondary" and found.market_cap.sources == ("px_cap",)
    assert found.market_cap.period == "2026-03-31" and found.market_cap.dated is True
    assert found.price.value == 10.0 and found.shares.value == 400.0
    assert found.price_date == "2026-03-31"


def test_market_cap_is_close_times_shares_of_the_same_row():
    found = value(price("2026-03-31", close=10.0, shares=400.0),
                  price("2026-03-20", shares=500.0, source="px_b", status="estimate"))
    # 10 × 400 = 4000, not 10 × 500 from the row 11 days earlier.
    assert found.market_cap.value == 4000.0
    assert found.market_cap.text == "$4.0B"
    assert found.market_cap.status == "reported" and found.market_cap.sources == ("px_a",)
    assert found.shares.value == 400.0 and found.shares.period == "2026-03-31"
    assert found.price.text == "$10.00"


def test_close_without_shares_uses_the_nearest_count_within_92_days():
    found = value(price("2026-03-31", close=10.0),
                  price("2026-01-15", shares=300.0, source="px_b", status="secondary"),
                  price("2025-12-01", shares=250.0, source="px_c"))
    # 75 days back: 300 (not 250, 120 days back); 10 × 300 = 3000.
    assert found.market_cap.value == 3000.0
    assert found.shares.value == 300.0 and found.shares.period == "2026-01-15"
    # Dated with the price, not the count; reported + secondary → secondary; both sources.
    assert found.market_cap.period == "2026-03-31"
    assert found.market_cap.status == "secondary"
    assert found.market_cap.sources == ("px_a", "px_b")


def test_nearest_count_may_be_after_the_close():
    found = value(price("2026-04-20", shares=320.0, source="px_b"),
                  price("2026-03-31", close=10.0),
                  price("2026-01-15", shares=300.0, source="px_c"))
    # 20 days after (320) is nearer than 75 days before (300): 10 × 320 = 3200.
    assert found.market_cap.value == 3200.0
    assert found.price_date == "2026-03-31"


@pytest.mark.parametrize(("count_date", "cap"), [
    ("2025-12-29", 3000.0),   # 2026-03-31 − 92 days: still within
    ("2025-12-28", None),     # 93 days: too far, no market cap at all
])
def test_share_count_at_most_92_days_from_the_close(count_date, cap):
    assert SHARES_WITHIN_DAYS == 92
    found = value(price("2026-03-31", close=10.0), price(count_date, shares=300.0))
    if cap is None:
        assert found.market_cap is None and found.enterprise_value is None
        assert found.per_contracted_mw is None and found.per_ehs is None
        assert found.to_contracted_annual_revenue is None
        assert found.price_date == "" and found.figures == ()
        # What does not depend on the price is still there.
        assert found.contracted_mw.value == 200.0 and found.hashrate.value == 20.0
    else:
        assert found.market_cap.value == cap


def test_newer_close_without_a_count_falls_back_to_an_older_complete_row():
    found = value(price("2026-06-30", close=12.0),
                  price("2026-02-01", close=9.0, shares=400.0, source="px_b"))
    # 2026-06-30 has no count within 92 days (149 days to 2026-02-01): 9 × 400 = 3600.
    assert found.market_cap.value == 3600.0
    assert found.price_date == "2026-02-01" and found.price.value == 9.0


# --- the price cutoff -----------------------------------------------------------------------


def test_price_after_the_quarter_after_the_covered_one_is_ignored():
    assert PRICE_AFTER_QUARTERS == 1
    found = value(price("2026-07-01", cap=9999.0, source="px_late"),
                  price("2026-06-30", cap=4000.0),
                  price("2026-03-31", cap=3500.0))
    # Covered 2026Q1 → prices up to 2026-06-30 (end of 2026Q2), the newest of those wins.
    assert found.market_cap.value == 4000.0
    assert found.price_date == "2026-06-30"


def test_share_count_after_the_cutoff_is_not_used_either():
    found = value(price("2026-07-15", shares=400.0, source="px_late"),
                  price("2026-06-30", close=10.0),
                  price("2026-05-01", shares=300.0, source="px_b"))
    # 2026-07-15 is nearer (15 days) but after the cutoff: 60 days back, 10 × 300 = 3000.
    assert found.market_cap.value == 3000.0
    assert "px_late" not in found.market_cap.sources


def test_cutoff_follows_the_covered_quarter_not_the_requested_one():
    # Requested 2026Q2, latest reported 2026Q1: the cutoff stays 2026-06-30.
    base = compute(BALANCE, period="2026Q2")
    assert base.period == NOW and base.is_stale
    found = value(price("2026-08-15", cap=9999.0), price("2026-05-01", cap=4000.0), base=base)
    assert found.market_cap.value == 4000.0


def test_same_day_rows_the_earlier_line_wins():
    found = value(price("2026-03-31", cap=4000.0, source="px_first"),
                  price("2026-03-31", cap=4100.0, source="px_second"))
    assert found.market_cap.value == 4000.0 and found.market_cap.sources == ("px_first",)


def test_other_tickers_rows_are_not_used():
    found = value(price("2026-06-30", cap=9999.0, ticker="OTHER"), price("2026-03-31", cap=4000.0))
    assert found.market_cap.value == 4000.0
    assert value(price("2026-06-30", cap=9999.0, ticker="OTHER")).market_cap is None


# --- enterprise value ---------------------------------------------------------------------


def test_enterprise_value_is_market_cap_plus_net_debt():
    found = value(price("2026-03-31", close=10.0, shares=400.0))
    # Net debt 800 − 300 = 500 of 2026Q1; EV 4000 + 500 = 4500.
    net = found.net_debt
    assert net.value == 500.0 and net.period == NOW and net.dated is False
    assert net.status == "secondary"  # cash secondary, debt reported
    assert set(net.sources) == {"src_cash", "src_bs"}
    ev = found.enterprise_value
    assert ev.value == 4500.0 and ev.text == "$4.5B"
    assert ev.period == "2026-03-31" and ev.dated is True
    assert ev.status == "secondary"
    assert set(ev.sources) == {"px_a", "src_cash", "src_bs"}


def test_net_cash_lowers_enterprise_value():
    rows = [r for r in BALANCE if r[1] != "total_debt"] + [(NOW, "total_debt", 100.0,
                                                             "reported", "src_bs")]
    found = value(price("2026-03-31", cap=4000.0), base=compute(rows))
    # Net debt 100 − 300 = −200; EV 4000 − 200 = 3800.
    assert found.net_debt.value == -200.0
    assert found.enterprise_value.value == 3800.0


@pytest.mark.parametrize("rows", [
    # Cash of 2025Q4 and debt of 2026Q1: not one quarter end, no net debt.
    [r for r in BALANCE if r[1] != "cash"] + [("2025Q4", "cash", 300.0, "secondary", "src_c")],
    [r for r in BALANCE if r[1] != "total_debt"],  # no debt
    [r for r in BALANCE if r[1] != "cash"],        # no cash
], ids=["different-quarters", "no-debt", "no-cash"])
def test_no_enterprise_value_without_net_debt(rows):
    found = value(price("2026-03-31", cap=4000.0), base=compute(rows))
    assert found.market_cap.value == 4000.0
    assert found.net_debt is None and found.enterprise_value is None
    assert found.per_contracted_mw is None and found.per_ehs is None
    assert found.to_contracted_annual_revenue is None


# --- EV ratios ----------------------------------------------------------------------------


def test_ev_ratios_values_dates_sources_and_marks():
    found = value(price("2026-03-31", close=10.0, shares=400.0))
    # EV 4500: ÷ 200 MW = 22.5; ÷ 20 EH/s = 225; ÷ 500 a year (5000 over 10 years) = 9.0×.
    mw, ehs, annual = (found.per_contracted_mw, found.per_ehs,
                       found.to_contracted_annual_revenue)
    assert (mw.value, ehs.value, annual.value) == (22.5, 225.0, 9.0)
    assert (mw.text, ehs.text, annual.text) == ("$22.5M per MW", "$225.0M per EH/s", "9.0 years")
    for ratio, denominator in ((mw, "src_mw"), (ehs, "src_ops"), (annual, "src_contract")):
        assert ratio.period == "2026-03-31" and ratio.dated is True
        assert {"px_a", "src_cash", "src_bs", denominator} <= set(ratio.sources)
        assert no_nan(ratio.shown)
    # Weakest of EV (secondary) and the denominator: derived MW, reported hashrate,
    # contract an estimate.
    assert (mw.status, ehs.status, annual.status) == ("derived", "secondary", "estimate")
    assert found.contracted_annual_revenue.value == 500.0


@pytest.mark.parametrize(("drop", "metric_value", "company", "gone"), [
    ("ai_hpc_mw_contracted", None, dataclasses.replace(COMPANY, contracts=(
        dataclasses.replace(CONTRACT, mw=None),)), "per_contracted_mw"),
    ("ai_hpc_mw_contracted", 0.0, COMPANY, "per_contracted_mw"),
    ("hashrate", None, COMPANY, "per_ehs"),
    ("hashrate", 0.0, COMPANY, "per_ehs"),
    (None, None, dataclasses.replace(COMPANY, contracts=()), "to_contracted_annual_revenue"),
    (None, None, dataclasses.replace(COMPANY, contracts=(dataclasses.replace(
        CONTRACT, term_years=None),)), "to_contracted_annual_revenue"),
], ids=["no-mw", "zero-mw", "no-hashrate", "zero-hashrate", "no-contracts", "no-term"])
def test_ratio_none_when_its_denominator_is_missing_or_zero(drop, metric_value, company,
                                                           gone):
    rows = [r for r in BALANCE if r[1] != drop]
    if metric_value is not None:
        rows.append((NOW, drop, metric_value, "reported", "src_x"))
    found = value(price("2026-03-31", cap=4000.0), base=compute(rows, company=company))
    assert found.enterprise_value.value == 4500.0
    ratios = {"per_contracted_mw", "per_ehs", "to_contracted_annual_revenue"}
    assert getattr(found, gone) is None
    for other in ratios - {gone}:
        assert getattr(found, other) is not None, other


def test_without_a_reported_total_the_listed_contracts_mw_are_used():
    # No ai_hpc_mw_contracted row: the one listed contract's 200 MW, marked as it is (E).
    rows = [r for r in BALANCE if r[1] != "ai_hpc_mw_contracted"]
    found = value(price("2026-03-31", cap=4000.0), base=compute(rows))
    assert found.contracted_mw.value == 200.0 and found.contracted_mw.status == "estimate"
    assert found.contracted_mw.sources == ("src_contract",)
    assert found.per_contracted_mw.value == 4500.0 / 200.0  # EV 4000 + 500 net debt


def test_a_stale_price_values_nothing():
    # 2025-06-30 is 2025Q2: three quarters before 2026Q1, over the default two.
    found = value(price("2025-06-30", cap=4000.0))
    assert found.market_cap.stale and found.market_cap.value == 4000.0
    assert found.enterprise_value is None and found.per_contracted_mw is None


def test_no_prices_no_valuation():
    miner = balance_metrics()
    found = valuation.value(miner, PLAIN)  # the default: an empty frame
    assert found.market_cap is None and found.price_date == "" and found.figures == ()


@settings(max_examples=30, deadline=None)
@given(close=st.integers(1, 100_000).map(lambda n: n / 100),
       shares=st.integers(1, 5_000_000).map(lambda n: n / 1000))
def test_market_cap_and_ev_add_up_for_any_close_and_count(close, shares):
    found = value(price("2026-03-31", close=close, shares=shares))
    assert found.market_cap.value == close * shares
    # EV = market cap + 500 net debt; per EH/s = EV / 20.
    assert math.isclose(found.enterprise_value.value, close * shares + 500.0)
    assert math.isclose(found.per_ehs.value, (close * shares + 500.0) / 20.0)
    assert all(no_nan(f.shown) for f in found.figures)
