"""Sector charts (reportgen/sector_charts.py): one style per miner whatever the order, the
charts' window, and alt text and captions that say what is drawn, dated and left out."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pytest

from reportgen import peers, sector_charts
from reportgen.formatting import PLAIN
from reportgen.model import Metrics


@dataclass(frozen=True)
class Sector:
    miners: list[Metrics]
    table: pd.DataFrame


@pytest.fixture(scope="module")
def sector(sample_miners: list[Metrics]) -> Sector:
    return Sector(sample_miners, peers.sort_peers(peers.peer_table(sample_miners)))


def test_each_miner_keeps_its_style_whatever_the_order() -> None:
    styles = sector_charts.styles_for(["WULF", "CORZ", "HUT"])
    assert styles == sector_charts.styles_for(["HUT", "WULF", "CORZ"])
    assert styles["CORZ"] == (sector_charts.PALETTE[0], sector_charts.MARKERS[0])
    assert len(set(styles.values())) == 3


def test_the_window_is_the_last_eight_quarters_to_the_period() -> None:
    window = sector_charts.chart_window("2026Q1")
    assert [str(q) for q in window[[0, -1]]] == ["2024Q2", "2026Q1"]
    assert len(window) == 8


def test_contracted_mw_is_sorted_and_dates_a_total_of_another_quarter(sector: Sector) -> None:
    chart = sector_charts.contracted_mw(sector.table, PLAIN)
    assert chart is not None and chart.key == "sector-mw"
    assert chart.alt == ("Contracted AI/HPC MW. IREN 200 MW; HUT 245 MW; WULF 522 MW (2025Q4); "
                         "CIFR 544 MW (2025Q3); CORZ 590 MW.")
    assert chart.svg.startswith("<?xml")


def test_the_scatter_names_the_miners_it_cannot_draw(sector: Sector) -> None:
    styles = sector_charts.styles_for(list(sector.table.index))
    chart = sector_charts.share_against_non_cash(sector.table, styles, PLAIN)
    assert chart is not None
    assert chart.alt.startswith("CORZ: AI/HPC 67.3%, non-cash 89.0%; WULF: AI/HPC 61.8%, ")
    assert chart.caption.endswith("Not drawn (a figure not disclosed): CIFR, HUT.")


def test_the_crossover_timeline_draws_only_miners_that_split_revenue(sector: Sector) -> None:
    chart = sector_charts.crossover_timeline(sector.miners, "2026Q1")
    assert chart is not None
    assert chart.alt == ("Crossover by miner. WULF: crossover 2026Q1; CORZ: crossover 2026Q1; "
                         "IREN: not yet.")
    no_split = [m for m in sector.miners if m.company.ticker in ("CIFR", "HUT")]
    assert sector_charts.crossover_timeline(no_split, "2026Q1") is None


def test_nothing_to_draw_gives_no_chart(sector: Sector) -> None:
    styles = sector_charts.styles_for(list(sector.table.index))
    cifr = [m for m in sector.miners if m.company.ticker == "CIFR"]
    assert sector_charts.share_over_time(cifr, "2026Q1", styles, PLAIN) is None
    no_mw = sector.table.assign(mw_contracted=float("nan"))
    assert sector_charts.contracted_mw(no_mw, PLAIN) is None
    assert sector_charts.share_against_non_cash(
        sector.table.assign(non_cash_share=float("nan")), styles, PLAIN) is None
