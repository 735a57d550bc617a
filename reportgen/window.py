"""Which quarters a briefing's tables show, and so which market figures it prints beside them.

The body's tables and the appendix must agree on the window: the market figures the mining
table prints are the ones the appendix lists and cites.
"""

from __future__ import annotations

import pandas as pd

from reportgen import columns as col
from reportgen import periods
from reportgen.model import Metrics

QUARTERS_IN_TABLES = 8


def recent(metrics: Metrics, columns: list[str]) -> pd.DataFrame:
    """The last QUARTERS_IN_TABLES quarters, keeping those where any of ``columns`` is given:
    a table never prints a row of dashes."""
    window = metrics.quarters.tail(QUARTERS_IN_TABLES)
    has = window[columns].notna().any(axis=1)
    return window[has]


def market_rows(metrics: Metrics, market: pd.DataFrame) -> pd.DataFrame:
    """The market figures a briefing prints: hashprice in the quarters its economics show."""
    shown = {periods.label(p) for p in recent(metrics, ECONOMICS_INPUTS).index}
    best = market.sort_values("line").drop_duplicates(["period", "metric"])
    return best[best["metric"].isin(MARKET_SHOWN) & best["period"].isin(shown)]


MARKET_SHOWN = ("hashprice", "hashcost_median")
"""The market figures the mining table sets a miner's own against."""
ECONOMICS_INPUTS = ["btc_mined", "hashrate", "fleet_efficiency", "power_cost_per_btc",
                    "power_cost_mining",
                    "cost_per_btc_cash", "power_price", "btc_held", col.REVENUE_PER_BTC]


