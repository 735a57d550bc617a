"""The peer view (reportgen/peers.py): miners side by side at the quarter each briefing
covers, stale figures dated and left out of medians and ranks, ranks among the miners that
disclose a figure, medians of the others."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from reportgen import metrics, peers
from reportgen.model import Metrics


def table(**columns: list[object]) -> pd.DataFrame:
    """A peer table of miners A, B, C, D with the given columns (stale: none, unless given)."""
    frame = pd.DataFrame(columns, index=pd.Index(["A", "B", "C", "D"], name="ticker"))
    return frame if "stale" in frame else frame.assign(stale=False)


def test_a_miner_behind_the_period_keeps_its_latest_quarter_flagged_stale(
        sample_miners: list[Metrics]) -> None:
    found = peers.peer_table(sample_miners)
    assert found.loc["IREN", ["period", "stale"]].tolist() == ["2025Q4", True]
    assert found.loc["WULF", ["period", "stale", "period_title"]].tolist() == [
        "2026Q1", False, "2026Q1"]
    assert found.loc["IREN", "period_title"] == "2025Q4 (FY26 Q2)"  # June year end


def test_a_point_in_time_figure_is_stale_past_the_threshold(sample_miners: list[Metrics]) -> None:
    # CIFR's cash is of 2025Q3, two quarters before 2026Q1: stale only past one quarter
    assert peers.peer_table(sample_miners).loc["CIFR", ["cash_as_of", "cash_stale"]].tolist() == [
        "2025Q3", False]
    assert bool(peers.peer_table(sample_miners, stale_after=1).loc["CIFR", "cash_stale"]) is True


def test_a_gpu_cloud_contract_is_left_out_of_comparable_contracted_revenue(
        sample_miners: list[Metrics]) -> None:
    iren = next(m for m in sample_miners if m.company.ticker == "IREN")
    assert metrics.contracted_annual_revenue(iren.company.contracts) == (9700 / 5, 1)
    assert math.isnan(peers.comparable_annual_revenue(iren))  # Microsoft: GPU cloud


def test_current_miners_first_then_by_value_then_undisclosed_then_ticker() -> None:
    peer = table(ai_hpc_share=[0.2, math.nan, 0.2, 0.9], stale=[False, False, False, True])
    assert list(peers.sort_peers(peer).index) == ["A", "C", "B", "D"]
    assert "_ticker" not in peers.sort_peers(peer).columns


def test_stale_values_are_not_usable_and_medians_need_three() -> None:
    peer = table(cash=[1.0, 2.0, 3.0, math.nan], cash_stale=[False, False, True, False])
    assert peers.usable(peer, "cash").tolist() == [1.0, 2.0]
    assert math.isnan(peers.median(peers.usable(peer, "cash")))
    assert peers.median(pd.Series([1.0, 2.0, 10.0])) == 2.0


def test_ranks_count_those_that_disclose_and_compare_with_the_others() -> None:
    peer = table(ai_hpc_share=[0.6, 0.1, 0.3, math.nan],
                 revenue_qoq=[0.1, 0.2, 0.3, 0.4],
                 non_cash_share=[math.nan] * 4,
                 contracted_annual_revenue=[100.0, 200.0, 300.0, 400.0])
    ranked = {r.key: r for r in peers.ranks(peer, "A")}
    share = ranked["ai_hpc_share"]
    assert (share.rank, share.disclosed, share.peers) == (1, 3, 4)
    assert (math.isnan(share.median), share.median_of) == (True, 2)  # B and C: too few
    growth = ranked["revenue_qoq"]
    assert (growth.rank, growth.median, growth.median_of) == (4, 0.3, 3)  # B, C, D
    assert ranked["non_cash_share"].rank is None  # A does not disclose it
    assert {r.key: r.rank for r in peers.ranks(peer, "D")}["ai_hpc_share"] is None


@pytest.mark.parametrize(("ai_hpc", "mining", "unsplit", "ahead"), [
    (30.0, 20.0, math.nan, True),
    (30.0, 20.0, 15.0, False),  # revenue not split counts as mining
    (30.0, 20.0, -5.0, True),  # a negative remainder is not added
    (20.0, 20.0, 0.0, False),
    (math.nan, 20.0, 0.0, None),  # no split: no answer
])
def test_ai_hpc_ahead_of_mining(ai_hpc: float, mining: float, unsplit: float,
                                ahead: bool | None) -> None:
    row = pd.Series({"mix_ai_hpc": ai_hpc, "mix_mining": mining, "mix_unallocated": unsplit})
    assert peers.ai_hpc_ahead(row) is ahead
