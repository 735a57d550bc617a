"""Quarters worked out from half and full years: the one missing quarter of a flow metric.

Miners often publish a fiscal year (or a half) and only three (or one) of its quarters; the
briefing compares quarters, so the missing one is worked out rather than left as a gap:
Q4 = FY − Q1 − Q2 − Q3, and Q2 = H1 − Q1. This is only true of amounts that add up over
time (revenue, charges, net income, BTC mined), never of balances at a date (cash, debt,
EH/s, MW) or of ratios and per-unit figures, so those are left alone.

The derived rows are ``derived`` and cite every source they rest on; their ``file`` and
``line`` are those of the year or half row, so the appendix points at a real line. Only
input rows are used (the best row per figure, as :func:`reportgen.metrics.best_facts`
chooses it), so a derived quarter never feeds another derivation, and a quarter that has
any input row of its own is never overwritten.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from reportgen import periods
from reportgen.metrics import best_facts
from reportgen.model import Company

MINUS = "\u2212"
ADDITIVE_UNITS = frozenset({"USD_M", "BTC"})
"""Units of amounts that sum over time; a metric in another unit (EH/s, MW, J/TH, pct,
USD per unit) is never derived, whatever its name."""
POINT_IN_TIME = frozenset({
    "cash", "cash_and_restricted", "cash_and_btc", "total_debt", "convertible_notes",
    "warrant_liability", "hashrate", "hashrate_site", "fleet_efficiency", "power_capacity",
    "ai_hpc_contracted_value", "btc_held", "digital_assets", "liquidity", "total_liabilities",
    "shareholders_equity", "shares_outstanding", "ai_hpc_arr",
})
PER_UNIT = frozenset({"ai_hpc_revenue_share", "eps_diluted", "eps_adjusted", "power_cost_per_btc",
                      "power_price", "cost_per_btc_cash", "cost_per_btc_all_in",
                      "btc_price_realized", "shares_weighted_diluted"})
NOT_FIGURES_OF_RECORD = ("guide_", "consensus_")
"""Guidance and consensus are forecasts of a period, not parts of a reported total."""


def is_flow(metric: str, unit: str) -> bool:
    """Whether a metric's quarters add up to its half and full years.

    >>> is_flow("revenue_mining", "USD_M"), is_flow("cash", "USD_M"), is_flow("hashrate", "EH/s")
    (True, False, False)
    """
    return (unit in ADDITIVE_UNITS and metric not in POINT_IN_TIME and metric not in PER_UNIT
            and "_mw_" not in metric and not metric.startswith(NOT_FIGURES_OF_RECORD))


def quarters_of(label: str, fiscal_year_end_month: int) -> list[str]:
    """The calendar quarters of a fiscal year (four) or a calendar half (two), oldest first.

    >>> quarters_of("FY2025", 6), quarters_of("2025H2", 6)
    (['2024Q3', '2024Q4', '2025Q1', '2025Q2'], ['2025Q3', '2025Q4'])
    """
    end = periods.end_quarter(label, fiscal_year_end_month)
    count = 4 if periods.YEAR.match(label) else 2
    return [periods.label(end - back) for back in range(count - 1, -1, -1)]


def derive_quarters(facts: pd.DataFrame, companies: Mapping[str, Company]) -> pd.DataFrame:
    """The missing quarter of each year or half whose other quarters are all given.

    Returns only the new rows, with the columns (and dtypes) of ``facts``. Where a quarter
    could be worked out both from its half and from its year, the half wins (two rounded
    figures instead of four), then the earlier line.
    """
    best = best_facts(facts)
    rows = best.to_dict("records")
    by_key = {(row["ticker"], row["period"], row["metric"]): row for row in rows}
    candidates: list[tuple[int, int, dict[str, Any]]] = []
    for start in rows:
        label, ticker = str(start["period"]), str(start["ticker"])
        company = companies.get(ticker)
        is_year, is_half = periods.YEAR.match(label), periods.HALF.match(label)
        if not (is_half or (is_year and company is not None)):
            continue
        if not is_flow(str(start["metric"]), str(start["unit"])) or pd.isna(start["value"]):
            continue
        year_end = company.fiscal_year_end_month if company is not None else 12
        quarters = quarters_of(label, year_end)
        given = [by_key.get((ticker, q, start["metric"])) for q in quarters]
        missing = [q for q, row in zip(quarters, given, strict=True) if row is None]
        parts = [row for row in given if row is not None]
        if len(missing) != 1 or any(row["unit"] != start["unit"] for row in parts):
            continue
        derived = {
            **start,
            "period": missing[0],
            "value": round(start["value"] - sum(row["value"] for row in parts), 6) + 0.0,
            "source": _union([start["source"], *(row["source"] for row in parts)]),
            "status": "derived",
            "note": _note(label, quarters, missing[0], year_end),
        }
        candidates.append((len(quarters), int(start["line"]), derived))
    candidates.sort(key=lambda item: item[:2])
    chosen: dict[tuple[str, str, str], dict[str, Any]] = {}
    for _, _, row in candidates:
        chosen.setdefault((row["ticker"], row["period"], row["metric"]), row)
    result = pd.DataFrame.from_records(list(chosen.values()), columns=facts.columns)
    return result.astype(facts.dtypes.to_dict())


def _union(sources: list[str]) -> str:
    """``a;b`` and ``b;c`` → ``a;b;c``: every id once, in the order first cited."""
    ids = (part.strip() for source in sources for part in str(source).split(";"))
    return ";".join(dict.fromkeys(i for i in ids if i))


def _note(label: str, quarters: list[str], missing: str, fiscal_year_end_month: int) -> str:
    """``FY2025 − Q1 − Q2 − Q3``, with the calendar quarters when the year is not calendar.

    Quarters of a fiscal year are numbered in the fiscal year; those of a half (always a
    calendar half) by their calendar number.
    """
    used = [q for q in quarters if q != missing]
    if periods.YEAR.match(label):
        names = [f"Q{quarters.index(q) + 1}" for q in used]
    else:
        names = [f"Q{q[-1]}" for q in used]
    note = " ".join([label, *(f"{MINUS} {name}" for name in names)])
    if fiscal_year_end_month != 12:
        note += f" (calendar {', '.join(used)})"
    return note
