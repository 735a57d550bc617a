"""Where a printed figure comes from (reportgen/provenance.py): its status mark, sources,
rounding margin and quarter, the same wherever it is printed."""

from __future__ import annotations

import pytest

from reportgen.model import Metrics
from reportgen.provenance import Claim, Figure, FigureLookup, weakest


@pytest.fixture
def wulf(sample_miners: list[Metrics]) -> FigureLookup:
    return FigureLookup(next(m for m in sample_miners if m.company.ticker == "WULF"))


def test_a_figure_of_another_quarter_is_printed_with_it() -> None:
    hashrate = Figure("Hashrate", 12.8, "12.8 EH/s", period="2025Q2", dated=True)
    assert hashrate.shown == "12.8 EH/s (2025Q2)"
    stale = Figure("Hashrate", 12.8, "12.8 EH/s", period="2025Q2", dated=True, stale=True)
    assert stale.shown == "12.8 EH/s (2025Q2, stale)"
    assert Figure("Hashrate", 12.8, "12.8 EH/s", period="2026Q1").shown == "12.8 EH/s"


@pytest.mark.parametrize(("status", "mark"), [("reported", ""), ("secondary", "S"),
                                               ("derived", "D"), ("estimate", "E"), ("", "")])
def test_each_status_has_its_mark(status: str, mark: str) -> None:
    assert Figure("x", 1.0, "1", status=status).mark == mark


def test_a_claim_prints_its_figures_dated_and_marked_where_the_medium_wants() -> None:
    loss = Figure("Net loss", -427.6, "$427.6M", period="2026Q1", status="secondary",
                  sources=("wulf_q1_26",))
    hashrate = Figure("Hashrate", 12.8, "12.8 EH/s", period="2025Q2", status="reported",
                      dated=True)
    counted = Figure("Miners", 3.0, "3")
    claim = Claim("example", "a rule", ("A loss of ", loss, " at ", hashrate, "."), (counted,))
    assert claim.text == "A loss of $427.6M at 12.8 EH/s (2025Q2)."
    assert claim.marked_text() == "A loss of $427.6M [S] at 12.8 EH/s (2025Q2)."
    assert claim.figures == (loss, hashrate, counted)
    assert loss.negative and not hashrate.negative


@pytest.mark.parametrize(("statuses", "worst"), [
    (["reported", "secondary"], "secondary"), (["derived", "estimate", "reported"], "estimate"),
    (["reported", ""], "reported"), (["", "unknown"], ""), ([], ""),
])
def test_weakest_is_the_least_certain_known_status(statuses: list[str], worst: str) -> None:
    assert weakest(statuses) == worst


def test_status_sources_and_note_of_the_best_input_row(wulf: FigureLookup) -> None:
    assert wulf.status("2026Q1", "revenue_mining") == "derived"
    assert wulf.sources("2026Q1", "revenue_mining") == ("wulf_q1_26",)
    assert wulf.note("2026Q1", "revenue_mining") == "34.0 total - 21.0 HPC lease"
    assert (wulf.status("2026Q1", "btc_mined_nowhere"), wulf.sources("2026Q1", "x"),
            wulf.note("2026Q1", "x"), wulf.margin("2026Q1", "x")) == ("", (), "", None)


@pytest.mark.parametrize(("metric", "margin"), [
    ("revenue_total", 0.5),  # "34": half a unit
    ("net_income", 0.05),  # "-427.6"
    ("eps_diluted", 0.005),  # "-1.01"
    ("revenue_mining", 1.0),  # "13", derived: twice half a unit
])
def test_the_margin_is_half_the_last_decimal_written(wulf: FigureLookup, metric: str,
                                                     margin: float) -> None:
    assert wulf.margin("2026Q1", metric) == margin


def test_provenance_of_a_sum_is_its_weakest_status_and_every_source(
        wulf: FigureLookup) -> None:
    assert wulf.business_metrics("2026Q1", "ai_hpc") == ["revenue_hpc_lease"]
    assert wulf.provenance("2026Q1", ["revenue_hpc_lease", "revenue_mining",
                                      "adjusted_ebitda"]) == (
        "derived", ("wulf_q1_26", "wulf_q1_26b"))
