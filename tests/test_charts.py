"""Charts: the same data gives the same SVG bytes, and the alt text states the data."""

from __future__ import annotations

import pytest

from reportgen import charts, config, metrics
from reportgen.build import load_dataset
from reportgen.formatting import PLAIN
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def wulf() -> metrics.Metrics:
    dataset = load_dataset(config.load(project_root=ROOT))
    return metrics.compute(dataset, "WULF", "2026Q1")


def test_same_data_gives_the_same_svg_bytes(wulf: metrics.Metrics) -> None:
    first = [chart.svg for chart in charts.build_charts(wulf, PLAIN)]
    second = [chart.svg for chart in charts.build_charts(wulf, PLAIN)]
    assert first == second
    assert all("<dc:date>" not in svg for svg in first)


def test_wulf_gets_all_five_charts_with_alt_text_from_the_data(wulf: metrics.Metrics) -> None:
    drawn = {chart.key: chart for chart in charts.build_charts(wulf, PLAIN)}
    assert list(drawn) == ["revenue-bridge", "revenue-mix", "ai-hpc-share", "loss-bridge",
                           "mining-economics"]
    # Revenue last quarter, each business's change, revenue this quarter: 35.8 − 13.1 + 11.3.
    assert drawn["revenue-bridge"].alt == (
        "Revenue bridge: Revenue, 2025Q4 $35.8M; Mining revenue −$13.1M; AI/HPC revenue "
        "+$11.3M; Revenue, 2026Q1 $34.0M.")
    mix = drawn["revenue-mix"].alt
    assert "2026Q1: total $34.0M (mining $13.0M, AI/HPC $21.0M)" in mix
    assert "first exceeded mining in 2026Q1" in mix
    assert "2026Q1 61.8%" in drawn["ai-hpc-share"].alt
    bridge = drawn["loss-bridge"].alt
    assert "Adjusted EBITDA −$4.1M" in bridge and "Net income −$427.6M" in bridge
    assert "residual" in bridge and "−$140.1M" in bridge
    assert "377 BTC mined, revenue $115,066 per BTC" in drawn["mining-economics"].alt


def test_text_in_charts_stays_text(wulf: metrics.Metrics) -> None:
    drawn = {chart.key: chart.svg for chart in charts.build_charts(wulf, PLAIN)}
    assert "AI/HPC overtakes mining" in drawn["revenue-mix"]
    assert "Revenue, 2026Q1" in drawn["revenue-bridge"]


def test_charts_are_left_out_where_the_data_does_not_support_them() -> None:
    dataset = load_dataset(config.load(project_root=ROOT))
    hut = metrics.compute(dataset, "HUT", "2026Q1")
    assert [chart.key for chart in charts.build_charts(hut, PLAIN)] == ["revenue-mix"]
