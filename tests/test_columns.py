"""The computed columns' names (reportgen/columns.py): stated once, and the names the
published metrics CSVs carry, so a change here must be deliberate."""

from __future__ import annotations

from reportgen import columns as col
from reportgen.metrics import COMPUTED_UNITS


def test_revenue_columns_name_their_business_and_nothing_else_does() -> None:
    assert col.revenue_of("ai_hpc") == col.AI_HPC_REVENUE == "mix_ai_hpc"
    assert [col.business_of(c) for c in (col.MINING_REVENUE, col.AI_HPC_REVENUE,
                                         col.OTHER_REVENUE)] == ["mining", "ai_hpc", "other"]
    # The total, the remainder and the share carry the prefix but are no business.
    assert {col.business_of(c) for c in (col.REVENUE, col.UNALLOCATED, col.AI_HPC_SHARE)} == {None}
    assert col.business_of("revenue_ai_hpc") is None and col.business_of("ai_hpc") is None


def test_the_metrics_csv_names_are_unchanged() -> None:
    # Readers' spreadsheets look these up by name: renaming one breaks them.
    assert sorted(COMPUTED_UNITS) == sorted([
        "mix_mining", "mix_ai_hpc", "mix_other", "mix_total", "mix_unallocated",
        "mix_ai_hpc_share", "revenue_qoq", "revenue_yoy", "ai_hpc_qoq", "ai_hpc_yoy",
        "non_cash_effect", "non_cash_share", "before_non_cash", "revenue_per_btc",
        "realized_hashprice", "market_hashprice", "bridge_other"])
