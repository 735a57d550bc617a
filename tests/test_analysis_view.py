"""The analysis sections' cells (:mod:`reportgen.analysis_view`): a figure's cell, the bridges,
valuation facts and the capital table, on the sample's WULF 2026Q1. Expected values are worked
by hand from inputs/facts.csv and inputs/prices.csv in the comments; no render."""

from __future__ import annotations

import pytest

from reportgen import analysis_view, build, config, metrics, moves, valuation
from reportgen.formatting import MINUS, NOT_DISCLOSED, PLAIN
from reportgen.provenance import Figure, FigureLookup
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def wulf():
    dataset = build.load_dataset(config.load(project_root=ROOT))
    return metrics.compute(dataset, "WULF", "2026Q1")


@pytest.fixture(scope="module")
def lookup(wulf):
    return FigureLookup(wulf)


def test_figure_cell_carries_mark_sources_and_its_quarter_when_dated():
    dated = Figure("Hashrate", 12.8, "12.8 EH/s", "2025Q2", "secondary", ("a", "b"), dated=True,
                   stale=True)
    cell = analysis_view.figure_cell(dated)
    assert (cell.text, cell.mark, cell.sources, cell.as_of, cell.stale) == (
        "12.8 EH/s", "S", ("a", "b"), "2025Q2", True)
    assert analysis_view.figure_cell(dated, show_date=False).as_of == ""
    own = analysis_view.figure_cell(Figure("Loss", -4.1, f"{MINUS}$4.1M", "2026Q1", "derived"))
    assert (own.mark, own.as_of, own.negative) == ("D", "", True)
    assert analysis_view.figure_cell(None).text == NOT_DISCLOSED


def test_revenue_bridge_steps_add_up(wulf, lookup):
    what = moves.what_moved(wulf, PLAIN, lookup)
    tables = analysis_view.bridges(what, wulf)
    revenue = tables[0]
    assert revenue.caption == "Revenue, 2025Q4 to 2026Q1, by business"
    # 35.8 → mining 13.0 - 26.1 = -13.1 (derived), HPC lease 21.0 - 9.7 = +11.3 → 34.0.
    assert [(r.label, r.cells[0].text, r.cells[0].mark, r.kind) for r in revenue.rows] == [
        ("Revenue, 2025Q4", "$35.8M", "S", "start"),
        ("Mining revenue", f"{MINUS}$13.1M", "D", "item"),
        ("AI/HPC revenue", "+$11.3M", "S", "item"),
        ("Revenue, 2026Q1", "$34.0M", "S", "end"),
    ]
    assert analysis_view.moves_table(what, PLAIN).caption == "Largest moves against 2025Q4, USD"


def test_valuation_facts_from_price_and_net_debt(wulf, lookup):
    value = valuation.value(wulf, PLAIN, lookup=lookup)
    facts = {f.label: f for f in analysis_view.valuation_facts(value, wulf, PLAIN)}
    assert facts["Share price"].value.text == "$12.89"
    assert facts["Share price"].note == "close on 2026-01-22"
    # 12.89 x 418.68 M shares = 5,396.8 → $5.4B; EV = 5,396.8 + (5,800 - 3,100) = 8,096.8.
    assert facts["Market capitalization"].value.text == "$5.4B"
    assert facts["Market capitalization"].note == "close × shares outstanding"
    assert facts["Net debt"].value.text == "$2.7B"
    assert facts["Enterprise value"].value.text == "$8.1B"
    # 8,096.8 / 522 MW = 15.51; 8,096.8 / 850 a year = 9.53.
    assert facts["EV per contracted MW"].value.text == "$15.5M per MW"
    assert facts["EV ÷ contracted annual revenue"].value.text == "9.5 years"
    # The latest hashrate (2025Q2) is stale: no ratio, and the note says why.
    per_ehs = facts["EV per EH/s"]
    assert per_ehs.value.text == NOT_DISCLOSED
    assert per_ehs.note.startswith("not computed: the latest hashrate") and "stale" in per_ehs.note


def test_capital_table_newest_first_one_figure_a_line(wulf, lookup):
    table = analysis_view.capital_table(wulf, lookup, PLAIN)
    first = [(r.label, r.cells[0].text, r.cells[1].text) for r in table.rows[:3]]
    assert first == [("2026Q1", "Total debt", "$5.8B"),
                     ("2025Q4", "Convertible notes issued in the quarter", "$1.0B"),
                     ("2025Q4", "Other notes or bonds issued in the quarter", "$3.2B")]
    dated = [(r.label, r.cells[1].text) for r in table.rows
             if r.cells[0].text == "Shares outstanding (dated)"]
    assert ("2026-01-22", "418.7 M") in dated  # inputs/prices.csv: 418.68 M shares
