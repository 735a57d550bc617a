"""What sector.html prints (reportgen/sector_view.py): the peer table's cells with their
provenance, its median row, and the figures table and sources list computed from the same
cells, on the sample's 2026Q1 peers."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pytest

from reportgen import peers, sector_view
from reportgen.cells import Row
from reportgen.formatting import PLAIN
from reportgen.model import Metrics
from reportgen.provenance import FigureLookup

HEADINGS = [heading for _, heading, _, _ in sector_view.COLUMNS]


@dataclass(frozen=True)
class Sector:
    miners: list[Metrics]
    table: pd.DataFrame
    lookups: dict[str, FigureLookup]
    rows: list[Row]


@pytest.fixture(scope="module")
def sector(sample_miners: list[Metrics]) -> Sector:
    table = peers.sort_peers(peers.peer_table(sample_miners))
    by_ticker = {m.company.ticker: m for m in sample_miners}
    lookups = {ticker: FigureLookup(m) for ticker, m in by_ticker.items()}
    return Sector(sample_miners, table, lookups,
                  sector_view.peer_rows(table, by_ticker, lookups, PLAIN))


def cells_of(sector: Sector, ticker: str) -> dict[str, object]:
    row = next(r for r in sector.rows if r.label == ticker)
    return dict(zip(["Quarter", "Crossover", *HEADINGS], row.cells, strict=True))


@pytest.mark.parametrize(("crossover", "ahead", "shown"), [
    ("2025Q3", True, "2025Q3"), (None, False, "not yet"), (None, None, "no split")])
def test_crossover_text(crossover: str | None, ahead: bool | None, shown: str) -> None:
    peer = pd.Series({"crossover": crossover, "ai_hpc_ahead": ahead})
    assert sector_view.crossover_text(peer) == shown


def test_one_row_a_peer_in_the_tables_order_a_stale_one_marked(sector: Sector) -> None:
    assert [row.label for row in sector.rows] == list(sector.table.index)
    assert all(len(row.cells) == 2 + len(sector_view.COLUMNS) for row in sector.rows)
    assert {row.label: row.kind for row in sector.rows}["IREN"] == "stale"
    assert cells_of(sector, "IREN")["Quarter"].text == "2025Q4 (FY26 Q2)"


def test_a_cell_carries_its_mark_and_sources(sector: Sector) -> None:
    wulf = cells_of(sector, "WULF")
    revenue = wulf["Revenue"]
    assert (revenue.text, revenue.mark, revenue.sources) == ("$34.0M", "S", ("wulf_q1_26",))
    # growth rests on two quarters' revenue: both cited
    assert wulf["QoQ"].sources == ("wulf_q1_26", "wulf_q4_25")
    assert wulf["QoQ"].negative


def test_a_point_in_time_figure_is_dated_and_stale_when_old(sector: Sector) -> None:
    hashrate = cells_of(sector, "WULF")["Hashrate"]
    assert (hashrate.text, hashrate.as_of, hashrate.stale) == ("12.8 EH/s", "2025Q2", True)
    cash = cells_of(sector, "WULF")["Cash"]
    assert (cash.as_of, cash.stale) == ("", False)  # of the row's own quarter: not dated


def test_non_cash_items_larger_than_the_loss_say_so(sector: Sector) -> None:
    assert cells_of(sector, "HUT")["Non-cash share"].text == "exceed loss"


def test_the_median_row_counts_who_discloses_and_leaves_out_fewer_than_three(
        sector: Sector) -> None:
    table = sector_view.peer_table(sector.rows, sector.table, "2026Q1", 2, PLAIN)
    median = dict(zip(HEADINGS, table.rows[-1].cells[2:], strict=True))
    assert table.rows[-1].label == "Median" and table.rows[-1].kind == "median"
    assert median["Revenue"].text == "$71.0M (5)"
    assert median["AI/HPC share"].text == "61.8% (3)"
    assert median["Hashrate"].text == "—"  # only CIFR's is not stale
    assert "more than 2 quarters older than 2026Q1 is stale" in table.notes[0]


def test_the_figures_table_groups_each_miners_figures_by_their_sources(
        sector: Sector) -> None:
    keys = [key for key, _, _, _ in sector_view.COLUMNS]
    found = sector_view.figures_table(sector.rows, keys, [])
    corz = [(r.cells[0].text, r.cells[1].text) for r in found.rows if r.label == "CORZ"]
    assert ("Revenue growth QoQ +44.4% S", "corz_q1_26, corz_q4_25") in corz
    assert ("Hashrate 20.1 EH/s (2024Q4)", "corz_q4_24") in corz
    # every source the table cites is one the peer table printed
    cited = {s for r in found.rows for s in r.cells[1].text.split(", ")}
    assert cited == sector_view.shown_sources(sector.rows)


def test_chart_rows_cite_every_revenue_line_of_the_charts_window(sector: Sector) -> None:
    rows = {r.label: r for r in sector_view.chart_rows(sector.miners, sector.lookups,
                                                       "2026Q1")}
    # CIFR does not split its revenue; HUT gives mining revenue but no AI/HPC line, so neither
    # chart draws it and the appendix must not cite it as charted.
    assert set(rows) == {"WULF", "CORZ", "IREN"}
    assert rows["WULF"].cells[0].text == ("Revenue by business and AI/HPC share, 2025Q3 to "
                                          "2026Q1 (charts)")
    assert rows["WULF"].cells[1].text == "wulf_q3_25a, wulf_q4_25, wulf_q1_26"


def test_the_valuation_table_says_who_lacks_what() -> None:
    table = sector_view.valuation_table([], ["HUT (a price)"], ["IREN"], "2026Q1")
    assert table.notes[1] == "No EV per contracted MW for HUT (a price)."
    assert table.notes[2].startswith("IREN: contracted revenue includes GPU-cloud contracts")
    assert len(sector_view.valuation_table([], [], [], "2026Q1").notes) == 1
