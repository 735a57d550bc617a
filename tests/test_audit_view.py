"""The appendix (reportgen/audit_view.py) on the sample's WULF 2026Q1, and the quarters the
tables show (reportgen/window.py), which decide what the appendix lists and cites."""

from __future__ import annotations

import pytest

from reportgen import audit_view, window


@pytest.fixture(scope="module")
def dataset(sample_dataset):
    return sample_dataset


@pytest.fixture(scope="module")
def wulf(sample_miners):
    return next(m for m in sample_miners if m.company.ticker == "WULF")


def test_caveats_skip_figures_tabled_elsewhere(wulf):
    found = audit_view.caveats(wulf)
    assert found[0].startswith("At the end of 2025 TeraWulf reported 522 MW")  # company notes
    assert "Bitcoin mining (derived): 34.0 total - 21.0 HPC lease" in found
    # Adjusted EBITDA's note is about guidance, which the guidance table shows instead.
    assert not any(c.startswith("Adjusted EBITDA") for c in found)


def test_cited_sources_are_sorted_and_cover_the_quarter(wulf, dataset):
    ids = [s.id for s in audit_view.cited_sources(wulf, dict(dataset.sources), dataset.market)]
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    assert {"wulf_q1_26", "wulf_q1_26b", "wulf_424b5", "wulf_q4_25pr"} <= set(ids)
    assert not any(i.startswith(("cifr_", "corz_", "iren_", "hut_")) for i in ids)


def test_market_rows_are_those_of_the_quarters_the_mining_table_shows(wulf, dataset):
    # WULF's mining figures stop at 2025Q3 (view.section_dates says so): hashprice of later
    # quarters is in market.csv but printed nowhere in its briefing, so neither listed nor cited.
    shown = {str(p) for p in window.recent(wulf, window.ECONOMICS_INPUTS).index}
    rows = window.market_rows(wulf, dataset.market)
    assert set(rows["period"]) <= shown
    assert "2026Q1" not in set(rows["period"]) and not rows.empty
    assert set(rows["metric"]) <= set(window.MARKET_SHOWN)


def test_the_facts_table_lists_every_input_row_with_its_line(wulf, dataset):
    from reportgen.formatting import PLAIN

    table = audit_view.facts_table(wulf, dataset.market, PLAIN)
    lines = {c.text for row in table.rows for c in row.cells if "facts.csv:" in c.text}
    assert len(lines) == len(wulf.facts)
