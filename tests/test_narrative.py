"""Narrative sentences and number formatting: each claim needs its figures, formats agree."""

from __future__ import annotations

import math

import pytest

from reportgen import build, config, formatting, metrics, narrative
from reportgen.formatting import MINUS, PLAIN
from tests.conftest import ROOT, replace_line

money, pct, delta = PLAIN.money, PLAIN.pct, PLAIN.delta
WULF_NET_INCOME = "WULF,2026Q1,net_income,-427.6,USD_M,wulf_q1_26,secondary,\n"


@pytest.fixture(scope="module")
def dataset():
    return build.load_dataset(config.load(project_root=ROOT))


def sentences_of(dataset, ticker, period="2026Q1"):
    return narrative.sentences(metrics.compute(dataset, ticker, period), PLAIN)


def test_wulf_sentences(dataset):
    found = sentences_of(dataset, "WULF")
    text = " ".join(found)
    assert "61.8%" in text  # 21 / 34
    assert "overtook mining" in text
    assert "$427.6M" in text
    assert "$216.3M" in text
    assert "+116.5% QoQ" in text  # AI/HPC 21 / 9.7 - 1
    assert len(found) <= narrative.MAX_SENTENCES
    assert all(s.endswith(".") for s in found)
    assert formatting.NOT_DISCLOSED not in text  # a missing figure drops the claim


def test_cifr_makes_no_claim_about_split_or_crossover(dataset):
    found = sentences_of(dataset, "CIFR")
    text = " ".join(found)
    assert found, "CIFR still gets its revenue sentence"
    assert "$34.8M for 2026Q1" in text
    for claim in ("AI/HPC revenue was", "of the total", "overtook", "overtaken",
                  "exceeded mining", "Mining still earns", "non-cash items ("):
        assert claim not in text, claim
    assert formatting.NOT_DISCLOSED not in text


def test_iren_says_mining_still_leads_with_fiscal_label(dataset):
    text = " ".join(sentences_of(dataset, "IREN"))
    assert "2025Q4 (FY26 Q2)" in text
    assert "Mining still earns more than AI/HPC ($167.4M against $17.3M)" in text
    assert "$155.4M net loss" in text


def test_hut_non_cash_more_than_loss(dataset):
    text = " ".join(sentences_of(dataset, "HUT"))
    assert "exceed the $219.8M net loss" in text
    assert "profit of $35.1M" in text  # after the 40.8 gain on derivatives
    assert "%" not in text.split("net loss")[0].split("Disclosed")[-1]


def test_without_net_income_no_sentence_about_the_loss(project):
    replace_line(project / "inputs" / "facts.csv", WULF_NET_INCOME, "")
    dataset = build.load_dataset(config.load(project_root=project))
    miner = metrics.compute(dataset, "WULF", "2026Q1")
    assert miner.period == "2026Q1"
    found = narrative.sentences(miner, PLAIN)
    text = " ".join(found).lower()
    assert found
    for claim in ("net loss", "net income", "427.6", "non-cash", "not explained"):
        assert claim not in text, claim
    assert "adjusted ebitda was −$4.1m, below the company's guidance" in text


def test_no_self_contradicting_crossover_sentence(project):
    facts = project / "inputs" / "facts.csv"
    replace_line(facts, "CORZ,2026Q1,revenue_colocation,77.5,",
                 "CORZ,2026Q1,revenue_colocation,50,")
    replace_line(facts, "CORZ,2026Q1,revenue_self_mining,30.1,",
                 "CORZ,2026Q1,revenue_self_mining,40,")
    dataset = build.load_dataset(config.load(project_root=project))
    corz = metrics.compute(dataset, "CORZ", "2026Q1")
    assert corz.crossover is None  # 50 <= 40 + (115.2 - 50 - 40) unallocated
    text = " ".join(narrative.sentences(corz, PLAIN))
    assert "Mining still earns more than AI/HPC ($40.0M against $50.0M)" not in text


# --- formatting -------------------------------------------------------------------------


def test_money():
    assert money(-427.6) == "\u2212$427.6M"
    assert MINUS == "\u2212"
    assert money(3100) == "$3.1B"
    assert money(12800) == "$12.8B"
    assert money(216.3) == "$216.3M"
    assert money(-0.04) == "$0.0M"  # no minus on a figure that rounds to zero
    assert money(5.0, plus=True) == "+$5.0M"


def test_percentages():
    assert pct(21.0 / 34.0) == "61.8%"
    assert pct(216.3 / 427.6, 0) == "51%"
    assert delta(21.0 / 9.7 - 1) == "+116.5%"
    assert delta(34.0 / 35.8 - 1) == "\u22125.0%"
    assert delta(0.0) == "0.0%"


@pytest.mark.parametrize("value", [None, math.nan, float("nan")])
def test_missing_values_print_a_dash(value):
    for format_ in (money, pct, delta, PLAIN.usd, PLAIN.points, PLAIN.number):
        assert format_(value) == formatting.NOT_DISCLOSED == "—", format_.__name__
    assert PLAIN.fact(value, "USD_M") == formatting.NOT_DISCLOSED
    assert formatting.missing(value)


def test_zero_is_not_missing():
    assert not formatting.missing(0.0)
    assert money(0.0) == "$0.0M"
    assert pct(0.0) == "0.0%"


def test_rounding_decides_unit_and_sign():
    assert money(999.96) == "$1.0B"
    assert money(-0.01) == "$0.0M"
    assert pct(-0.00001) == "0.0%"
    assert delta(-0.00001) == "0.0%"
