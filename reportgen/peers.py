"""The peer view: each miner's latest reported quarter side by side, ranks and medians.

A miner that has not reported the period keeps its place with its latest reported quarter,
flagged ``stale``; every table that shows it names that quarter, so no figure passes for the
period's when it is not. Medians and ranks count only miners that disclose the figure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from reportgen import columns as col
from reportgen import periods
from reportgen.config import SECTOR_SORTS
from reportgen.metrics import (
    best_facts,
    contracted_annual_revenue,
    latest,
    published_since,
    quarters_old,
)
from reportgen.model import Metrics
from reportgen.provenance import of_record

NUMERIC = SECTOR_SORTS


STALE_AFTER_QUARTERS = 2
"""A point-in-time figure more than this many quarters older than the document's quarter is
stale: printed with its date and marked, but left out of medians, ranks and totals."""
MIN_VALUES_FOR_MEDIAN = 3
"""A median of fewer values says nothing a reader can't see in the values themselves."""
POINT_IN_TIME = ("hashrate", "mw_contracted", "contracted_value", "cash", "total_debt")
"""Peer-table columns that are the latest disclosure, each with an ``<column>_as_of``."""


@dataclass(frozen=True)
class RankedMetric:
    key: str
    label: str
    rank: int | None
    disclosed: int
    peers: int
    value: float
    median: float
    """Median of the other miners that disclose it; NaN when fewer than 3 do."""
    median_of: int


RANKED = (
    ("ai_hpc_share", "AI/HPC share of revenue"),
    ("revenue_qoq", "Revenue growth QoQ"),
    ("non_cash_share", "Non-cash share of the net loss"),
    ("contracted_annual_revenue", "Contracted AI/HPC revenue a year"),
)
"""The headline metrics a briefing ranks its miner on; rank 1 is the highest value."""


def peer_table(miners: Sequence[Metrics], stale_after: int = STALE_AFTER_QUARTERS
               ) -> pd.DataFrame:
    """One row per miner (index: ticker) with the figures of the quarter its briefing covers.

    Point-in-time columns carry the quarter they are as of and whether that is stale against
    the requested period, so every view can date them and leave stale ones out of medians.
    """
    rows = []
    for miner in miners:
        row = miner.quarters.loc[periods.quarter(miner.period)]
        pipe, cash = miner.pipeline, miner.liquidity
        latest_of = {
            "hashrate": latest(miner.quarters, "hashrate"),
            "mw_contracted": pipe.mw_contracted,
            "contracted_value": pipe.contracted_value,
            "cash": cash.cash,
            "total_debt": cash.total_debt,
        }
        point_in_time: dict[str, object] = {}
        for key, dated in latest_of.items():
            age = quarters_old(dated.as_of, miner.requested_period)
            point_in_time |= {key: dated.value, f"{key}_as_of": dated.as_of,
                              f"{key}_stale": age is not None and age > stale_after}
        rows.append({
            "ticker": miner.company.ticker,
            "name": miner.company.name,
            "period": miner.period,
            "fiscal_period": periods.fiscal_label(miner.period,
                                                  miner.company.fiscal_year_end_month),
            "period_title": periods.display(miner.period, miner.company.fiscal_year_end_month),
            "stale": miner.is_stale,
            "published_since": ", ".join(published_since(miner)),
            "revenue": row[col.REVENUE],
            "revenue_qoq": row[col.REVENUE_QOQ],
            "ai_hpc_share": row[col.AI_HPC_SHARE],
            "ai_hpc_revenue": row[col.AI_HPC_REVENUE],
            "mining_revenue": row[col.MINING_REVENUE],
            "crossover": miner.crossover,
            "ai_hpc_ahead": ai_hpc_ahead(row),
            "net_income": row["net_income"],
            "net_income_estimated": not of_record(_status(miner, "net_income")),
            "eps_diluted": row["eps_diluted"],
            "non_cash_effect": row[col.NON_CASH_EFFECT],
            "non_cash_share": row[col.NON_CASH_SHARE],
            "before_non_cash": row[col.BEFORE_NON_CASH],
            "bridge_other": row[col.BRIDGE_OTHER],
            "adjusted_ebitda": row["adjusted_ebitda"],
            "contracted_annual_revenue": comparable_annual_revenue(miner),
            **point_in_time,
        })
    return pd.DataFrame(rows).set_index("ticker")


def _status(miner: Metrics, metric: str) -> str:
    """The status of the input row a miner's covered-quarter figure comes from."""
    rows = miner.facts[(miner.facts["period"] == miner.period) & (miner.facts["metric"] == metric)]
    return "" if rows.empty else str(best_facts(rows)["status"].iloc[0])


def comparable_annual_revenue(miner: Metrics) -> float:
    """Contracted revenue a year over the contracts that are not GPU cloud: a GPU-cloud deal's
    revenue pays for the GPUs too, so ranking it against colocation would compare unlike things
    (IREN's Microsoft contract is left out of ranks and medians, not of its own briefing)."""
    comparable = [c for c in miner.company.contracts if c.kind != "gpu_cloud"]
    return contracted_annual_revenue(comparable)[0]


def ai_hpc_ahead(row: pd.Series) -> bool | None:
    """Whether AI/HPC revenue beat mining in this quarter (revenue not split counted as
    mining, as for the crossover); ``None`` when the quarter has no split."""
    ai_hpc, mining = row[col.AI_HPC_REVENUE], row[col.MINING_REVENUE]
    if pd.isna(ai_hpc) or pd.isna(mining):
        return None
    unsplit = row[col.UNALLOCATED]
    return bool(ai_hpc > mining + (unsplit if pd.notna(unsplit) and unsplit > 0 else 0.0))


def sort_peers(table: pd.DataFrame, by: str = "ai_hpc_share") -> pd.DataFrame:
    """Miners current for the period first, then those behind; each group by ``by``, highest
    first, undisclosed last, ties by ticker so the order never depends on input order."""
    ordered = table.assign(_ticker=table.index).sort_values(
        ["stale", by, "_ticker"], ascending=[True, False, True], na_position="last")
    return ordered.drop(columns="_ticker")


def usable(table: pd.DataFrame, key: str) -> pd.Series:
    """A column's disclosed values that may enter a median, rank or total: not stale ones."""
    values = table[key].astype(float)
    if f"{key}_stale" in table.columns:
        values = values[~table[f"{key}_stale"].astype(bool)]
    return values.dropna()


def median(values: pd.Series) -> float:
    """The median, or NaN when fewer than :data:`MIN_VALUES_FOR_MEDIAN` values give one."""
    return float(values.median()) if len(values) >= MIN_VALUES_FOR_MEDIAN else math.nan


def medians(table: pd.DataFrame) -> pd.DataFrame:
    """Median of each numeric column over the miners that disclose it (stale figures left
    out), and how many values each median has."""
    columns = list(NUMERIC)
    counts = [len(usable(table, key)) for key in columns]
    values = [median(usable(table, key)) for key in columns]
    return pd.DataFrame({"median": values, "count": counts}, index=columns)


def ranks(table: pd.DataFrame, ticker: str) -> list[RankedMetric]:
    """Where ``ticker`` stands on each headline metric among the peers that disclose it, and
    the median of the *other* miners, so the miner is never compared with itself."""
    out = []
    for key, label in RANKED:
        values = usable(table, key)
        value = float(table.loc[ticker, key])
        rank = int((values > value).sum()) + 1 if ticker in values.index else None
        others = values.drop(ticker, errors="ignore")
        out.append(RankedMetric(key, label, rank, len(values), len(table), value,
                                median(others), len(others)))
    return out


def ordinal(number: int) -> str:
    """``1`` → ``'1st'``; ranks read as words do in a briefing.

    >>> [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21)]
    ['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st']
    """
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(
        number % 10, "th")
    return f"{number}{suffix}"
