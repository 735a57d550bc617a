"""The peer view: each miner's latest reported quarter side by side, ranks and medians.

A miner that has not reported the period keeps its place with its latest reported quarter,
flagged ``stale``; every table that shows it names that quarter, so no figure passes for the
period's when it is not. Medians and ranks count only miners that disclose the figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from reportgen import periods
from reportgen.config import SECTOR_SORTS
from reportgen.metrics import latest
from reportgen.model import Metrics

NUMERIC = SECTOR_SORTS


@dataclass(frozen=True)
class RankedMetric:
    key: str
    label: str
    rank: int | None
    disclosed: int
    peers: int
    value: float
    median: float


RANKED = (
    ("ai_hpc_share", "AI/HPC share of revenue"),
    ("revenue_qoq", "Revenue growth QoQ"),
    ("non_cash_share", "Non-cash share of the net loss"),
    ("backlog_multiple", "Backlog ÷ annualized AI/HPC revenue"),
)
"""The headline metrics a briefing ranks its miner on; rank 1 is the highest value."""


def peer_table(miners: Sequence[Metrics]) -> pd.DataFrame:
    """One row per miner (index: ticker) with the figures of the quarter its briefing covers."""
    rows = []
    for miner in miners:
        row = miner.quarters.loc[periods.quarter(miner.period)]
        hashrate, hashrate_as_of = latest(miner.quarters, "hashrate")
        rows.append({
            "ticker": miner.company.ticker,
            "name": miner.company.name,
            "period": miner.period,
            "fiscal_period": periods.fiscal_label(miner.period,
                                                  miner.company.fiscal_year_end_month),
            "period_title": periods.display(miner.period, miner.company.fiscal_year_end_month),
            "stale": miner.is_stale,
            "revenue": row["mix_total"],
            "revenue_qoq": row["revenue_qoq"],
            "ai_hpc_share": row["mix_ai_hpc_share"],
            "ai_hpc_revenue": row["mix_ai_hpc"],
            "mining_revenue": row["mix_mining"],
            "crossover": miner.crossover,
            "ai_hpc_ahead": ai_hpc_ahead(row),
            "net_income": row["net_income"],
            "non_cash_share": row["non_cash_share"],
            "adjusted_ebitda": row["adjusted_ebitda"],
            "hashrate": hashrate,
            "hashrate_as_of": hashrate_as_of,
            "mw_contracted": miner.pipeline["mw_contracted"],
            "contracted_value": miner.pipeline["contracted_value"],
            "backlog_multiple": miner.pipeline["backlog_multiple"],
            "cash": miner.liquidity["cash"],
            "total_debt": miner.liquidity["total_debt"],
        })
    return pd.DataFrame(rows).set_index("ticker")


def ai_hpc_ahead(row: pd.Series) -> bool | None:
    """Whether AI/HPC revenue beat mining in this quarter (revenue not split counted as
    mining, as for the crossover); ``None`` when the quarter has no split."""
    ai_hpc, mining = row["mix_ai_hpc"], row["mix_mining"]
    if pd.isna(ai_hpc) or pd.isna(mining):
        return None
    unsplit = row["mix_unallocated"]
    return bool(ai_hpc > mining + (unsplit if pd.notna(unsplit) and unsplit > 0 else 0.0))


def sort_peers(table: pd.DataFrame, by: str = "ai_hpc_share") -> pd.DataFrame:
    """Miners current for the period first, then those behind; each group by ``by``, highest
    first, undisclosed last, ties by ticker so the order never depends on input order."""
    ordered = table.assign(_ticker=table.index).sort_values(
        ["stale", by, "_ticker"], ascending=[True, False, True], na_position="last")
    return ordered.drop(columns="_ticker")


def medians(table: pd.DataFrame) -> pd.Series:
    """Median of each numeric column over the miners that disclose it."""
    return table[list(NUMERIC)].astype(float).median(skipna=True)


def ranks(table: pd.DataFrame, ticker: str) -> list[RankedMetric]:
    """Where ``ticker`` stands on each headline metric among the peers that disclose it."""
    out = []
    middle = medians(table)
    for key, label in RANKED:
        values = table[key].astype(float).dropna()
        value = float(table.loc[ticker, key])
        rank = int((values > value).sum()) + 1 if ticker in values.index else None
        out.append(RankedMetric(key, label, rank, len(values), len(table), value,
                                float(middle[key])))
    return out


def ordinal(number: int) -> str:
    """``1`` → ``'1st'``; ranks read as words do in a briefing.

    >>> [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21)]
    ['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st']
    """
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(
        number % 10, "th")
    return f"{number}{suffix}"
