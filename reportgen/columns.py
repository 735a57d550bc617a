"""The columns :func:`reportgen.metrics.compute` adds to a miner's quarterly table, named once.

They are also the metric names of the metrics CSVs (``mix_ai_hpc``...), so a rename here is a
change to a published file: the names stay as readers' spreadsheets know them, and code refers
to them through these constants, so a misspelling fails at import, not as a KeyError inside a
render worker. The sector peer table has its own, reader-facing keys (``ai_hpc_share``,
``revenue``), made from these in :func:`reportgen.peers.peer_table`.
"""

from __future__ import annotations

from reportgen.vocabulary import BUSINESSES

MIX_PREFIX = "mix_"
"""The revenue mix's columns (by business, total, share) carry it."""


def revenue_of(business: str) -> str:
    """The revenue column of a business (``mining``, ``ai_hpc``, ``other``)."""
    return f"{MIX_PREFIX}{business}"


def business_of(column: str) -> str | None:
    """The business a revenue column is of; None for any other column."""
    business = column.removeprefix(MIX_PREFIX)
    return business if column.startswith(MIX_PREFIX) and business in BUSINESSES else None


REVENUE = f"{MIX_PREFIX}total"
"""Revenue as reported (the company's total)."""
MINING_REVENUE = revenue_of("mining")
AI_HPC_REVENUE = revenue_of("ai_hpc")
OTHER_REVENUE = revenue_of("other")
UNALLOCATED = f"{MIX_PREFIX}unallocated"
"""The part of the total no disclosed revenue line accounts for."""
AI_HPC_SHARE = f"{MIX_PREFIX}ai_hpc_share"
REVENUE_QOQ, REVENUE_YOY = "revenue_qoq", "revenue_yoy"
AI_HPC_QOQ, AI_HPC_YOY = "ai_hpc_qoq", "ai_hpc_yoy"
NON_CASH_EFFECT = "non_cash_effect"
NON_CASH_SHARE = "non_cash_share"
BEFORE_NON_CASH = "before_non_cash"
REVENUE_PER_BTC = "revenue_per_btc"
REALIZED_HASHPRICE = "realized_hashprice"
MARKET_HASHPRICE = "market_hashprice"
BRIDGE_OTHER = "bridge_other"
"""The loss bridge's residual, in the covered quarter's row only."""
