"""The claim rules: each speaks when its evidence clears its threshold and is silent otherwise.

Inputs are real: Metrics computed from the sample dataset, from a copy of it with a few
facts changed (in memory, or in a project copy's facts.csv where the brief is the file), or
peer-table rows built as plain DataFrames for the property tests. No mocks.
"""

from __future__ import annotations

import dataclasses
import math
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reportgen import build, claims, config, metrics, peers
from reportgen.claims import (
    GUIDANCE_TOLERANCE,
    MATERIAL_RESIDUAL,
    MAX_UNEXPLAINED,
    MOST_NON_CASH,
    Claim,
    Evidence,
)
from reportgen.formatting import PLAIN
from reportgen.model import Dataset, Metrics
from reportgen.provenance import Figure
from tests.conftest import ROOT, replace_line

PERIOD = "2026Q1"
WULF_EBITDA = ("WULF,2026Q1,adjusted_ebitda,-4.1,USD_M,wulf_q1_26b,secondary,below the "
               "preliminary range the company gave for the quarter in a prospectus supplement\n")
WULF_GUIDANCE = (
    "WULF,2026Q1,guide_adjusted_ebitda_low,0,USD_M,wulf_424b5,secondary,preliminary guidance\n",
    "WULF,2026Q1,guide_adjusted_ebitda_high,3,USD_M,wulf_424b5,secondary,preliminary guidance\n",
)
MOST = "most of the loss is non-cash"


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return build.load_dataset(config.load(project_root=ROOT))


@pytest.fixture(scope="module")
def sample(dataset) -> dict[str, Metrics]:
    """Every sample miner's metrics for 2026Q1 (IREN covers an earlier quarter)."""
    return {ticker: metrics.compute(dataset, ticker, PERIOD)
            for ticker in sorted(dataset.companies)}


@pytest.fixture(scope="module")
def sample_peers(sample) -> pd.DataFrame:
    return peers.peer_table(list(sample.values()))


def with_facts(dataset: Dataset, ticker: str, period: str, **values: float | None) -> Dataset:
    """The dataset with ``ticker``'s figures for ``period`` set (or removed, with None)."""
    facts = dataset.facts
    for metric, value in values.items():
        same = ((facts["ticker"] == ticker) & (facts["period"] == period)
                & (facts["metric"] == metric))
        facts = facts[~same]
        if value is not None:
            row = {"ticker": ticker, "period": period, "metric": metric, "value": float(value),
                   "unit": "USD_M", "source": "wulf_q1_26", "status": "secondary", "note": "",
                   "file": "inputs/facts.csv", "line": int(facts["line"].max()) + 1}
            facts = pd.concat([facts, pd.DataFrame([row])], ignore_index=True)
    return dataclasses.replace(dataset, facts=facts)


def evidence(dataset: Dataset, ticker: str = "WULF", period: str = PERIOD) -> Evidence:
    return Evidence(metrics.compute(dataset, ticker, period), PLAIN)


def wulf_bridge(dataset: Dataset, net: float | None, fair_value: float | None,
                interest: float | None = None, ebitda: float | None = 0.0) -> Evidence:
    """WULF 2026Q1 with a hand-made bridge: net income, one non-cash item (fair-value change,
    applied as is), interest (a cash charge) and adjusted EBITDA."""
    return evidence(with_facts(dataset, "WULF", PERIOD, net_income=net,
                               fair_value_change=fair_value, interest_expense=interest,
                               adjusted_ebitda=ebitda))


def load(project) -> Dataset:
    return build.load_dataset(config.load(project_root=project))


# --- net_result_claim -------------------------------------------------------------------


def test_wulf_sample_loss_is_half_non_cash_with_a_large_residual(sample):
    claim = claims.net_result_claim(Evidence(sample["WULF"], PLAIN))
    assert claim is not None and claim.kind == "loss_partly_non_cash"
    assert "$427.6M net loss" in claim.text
    assert "51% of it" in claim.text  # 216.3 / 427.6
    assert "$140.1M (33% of the loss) is not explained" in claim.text
    assert "most" not in claim.text


def test_hut_sample_non_cash_items_exceed_the_loss(sample):
    claim = claims.net_result_claim(Evidence(sample["HUT"], PLAIN))
    assert claim is not None and claim.kind == "non_cash_exceeds_loss"
    assert "%" not in claim.text  # never a share above 100%
    assert "$295.7M" in claim.text and "$219.8M net loss" in claim.text
    # with the 40.8 gain on derivatives, the non-cash items come to 254.9
    assert "$254.9M exceed the $219.8M net loss" in claim.text
    assert "the result was a profit of $35.1M" in claim.text
    assert claim.text.index("$295.7M") < claim.text.index("profit of $35.1M")


@pytest.mark.parametrize(("fair_value", "interest", "most"), [
    (-60.0, 15.0, True),   # exactly 60% non-cash, exactly 25% unexplained
    (-90.0, 0.0, True),    # 90% non-cash, 10% unexplained
    (-59.0, 16.0, False),  # 59% non-cash, 25% unexplained: below the share
    (-60.0, 14.0, False),  # 60% non-cash, 26% unexplained: residual too large
    (-30.0, 0.0, False),   # 30% non-cash, 70% unexplained
])
def test_most_needs_share_and_small_residual(dataset, fair_value, interest, most):
    claim = claims.net_result_claim(wulf_bridge(dataset, -100.0, fair_value, interest))
    assert claim is not None
    share = claim.figures[[f.label for f in claim.figures].index("Non-cash share of the loss")]
    residual = abs(-100.0 - fair_value + interest)
    assert math.isclose(share.value, -fair_value / 100)
    if most:
        assert share.value >= MOST_NON_CASH and residual <= MAX_UNEXPLAINED * 100
        assert claim.kind == "loss_mostly_non_cash"
        assert f"{MOST}." in claim.text or f"{MOST}; " in claim.text
    else:
        assert claim.kind == "loss_partly_non_cash"
        assert "most" not in claim.text
        # Both numbers are said instead: the share and the unexplained residual.
        assert f"{-fair_value:.0f}% of it" in claim.text
        assert f"${residual:.1f}M ({residual:.0f}% of the loss) is not explained" in claim.text


def test_without_adjusted_ebitda_never_most(dataset):
    claim = claims.net_result_claim(wulf_bridge(dataset, -100.0, -95.0, ebitda=None))
    assert claim is not None and claim.kind == "loss_partly_non_cash"
    assert "95% of it" in claim.text
    assert "most" not in claim.text
    assert "cannot be broken down, as adjusted EBITDA is not in the inputs" in claim.text


def test_wulf_without_adjusted_ebitda_in_facts_csv(project):
    replace_line(project / "inputs" / "facts.csv", WULF_EBITDA, "")
    facts = Evidence(metrics.compute(load(project), "WULF", PERIOD), PLAIN)
    claim = claims.net_result_claim(facts)
    assert claim is not None
    assert "51% of it; the rest cannot be broken down" in claim.text
    assert "most" not in claim.text and "$140.1M" not in claim.text
    assert claims.ebitda_claim(facts) is None


@pytest.mark.parametrize("fair_value", [-100.5, -427.7, -1000.0, -5e4])
def test_non_cash_above_the_loss_states_the_result_before_them(dataset, fair_value):
    claim = claims.net_result_claim(wulf_bridge(dataset, -100.0, fair_value, 5.0))
    assert claim is not None and claim.kind == "non_cash_exceeds_loss"
    assert "%" not in claim.text
    before = -100.0 - fair_value
    assert claim.text.endswith(f"the result was a profit of {PLAIN.money(before)}.")
    assert all(f.value >= 0 for f in claim.figures if f.label != "Fair-value changes on "
               "warrants and derivatives")


def test_loss_without_non_cash_charges(dataset):
    for fair_value in (None, 10.0):  # none disclosed, or a non-cash gain
        claim = claims.net_result_claim(wulf_bridge(dataset, -100.0, fair_value, 5.0))
        assert claim is not None and claim.kind == "loss_no_non_cash"
        assert claim.text.startswith("The net loss was $100.0M; no non-cash charges")
        assert "%" not in claim.text


def test_profit_with_and_without_non_cash_charges(dataset):
    claim = claims.net_result_claim(wulf_bridge(dataset, 50.0, -30.0))
    assert claim is not None and claim.kind == "profit_after_non_cash"
    assert claim.text == ("Net income was $50.0M; before $30.0M of disclosed non-cash items, "
                          "it was $80.0M.")
    plain = claims.net_result_claim(wulf_bridge(dataset, 50.0, None))
    assert plain is not None and plain.kind == "net_income"
    assert plain.text == "Net income was $50.0M."


def test_a_residual_larger_than_the_loss_is_not_a_share(sample):
    # IREN 2025Q4: a 182.5 tax benefit and no D&A in the inputs leave 323.2 of its 155.4 loss
    # unexplained; a share above 100% is never printed.
    claim = claims.net_result_claim(Evidence(sample["IREN"], PLAIN))
    assert claim is not None and claim.kind == "loss_partly_non_cash"
    assert "$323.2M (more than the loss itself) is not explained" in claim.text
    assert "208%" not in claim.text


def test_silent_without_net_income(dataset, sample):
    # CORZ discloses non-cash items and diluted EPS; without the sample's estimated net income
    # (EPS x shares) it has none.
    corz = evidence(with_facts(dataset, "CORZ", PERIOD, net_income=None), "CORZ")
    assert claims.net_result_claim(corz) is None
    facts = evidence(with_facts(dataset, "WULF", PERIOD, net_income=None))
    assert claims.net_result_claim(facts) is None
    text = " ".join(c.text for c in claims.miner_claims(facts.metrics, PLAIN)).lower()
    for word in ("net loss", "net income", "non-cash", "not explained"):
        assert word not in text, word


# --- mostly_non_cash and loss_count_claim, over generated peer rows ----------------------

amounts = st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False)
maybe = st.one_of(st.just(math.nan), amounts)


def exceeds(row: pd.Series) -> bool:
    """Non-cash charges at least as large as the loss: 'or exceed it', not 'most'."""
    return bool(row["non_cash_effect"] < 0 and row["before_non_cash"] >= 0)


def most_allowed(row: pd.Series) -> bool:
    residual = row["bridge_other"]
    return bool(row["non_cash_share"] >= MOST_NON_CASH and not math.isnan(residual)
                and abs(residual) <= MAX_UNEXPLAINED * abs(row["net_income"]))


def peer_rows(nets, effects, residuals, eps=None) -> pd.DataFrame:
    """Peer-table rows whose share and result before non-cash items are computed as
    metrics.non_cash computes them (the non-cash effect entered as a fair-value change)."""
    tickers = [f"M{i:02d}" for i in range(len(nets))]
    wide = pd.DataFrame({"net_income": nets, "fair_value_change": effects}, index=tickers,
                        dtype=float)
    table = pd.concat([wide[["net_income"]], metrics.non_cash(wide)], axis=1)
    table["bridge_other"] = np.array(residuals, dtype=float)
    table["eps_diluted"] = np.array(eps if eps is not None else [math.nan] * len(nets),
                                    dtype=float)
    return table.rename_axis("ticker")


@settings(max_examples=300, deadline=None)
@given(st.tuples(maybe, maybe, maybe, maybe, maybe, maybe))
def test_most_never_claimed_below_threshold_any_row(values):
    """On any row, consistent or not: 'most' only for a loss, with the share at or above the
    threshold and a known residual within it, unless the items exceed the loss."""
    net, effect, share, before, residual, eps = values
    row = pd.Series({"net_income": net, "non_cash_effect": effect, "non_cash_share": share,
                     "before_non_cash": before, "bridge_other": residual, "eps_diluted": eps})
    if claims.mostly_non_cash(row):
        assert net < 0
        assert exceeds(row) or most_allowed(row)
    if math.isnan(residual) or abs(residual) > MAX_UNEXPLAINED * abs(net):
        assert not claims.mostly_non_cash(row) or exceeds(row)
    if math.isnan(share) or share < MOST_NON_CASH:
        assert not claims.mostly_non_cash(row) or exceeds(row)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(maybe, maybe, maybe), min_size=1, max_size=8))
def test_most_on_computed_rows(rows):
    """On rows as metrics computes them the rule is exact, both ways."""
    table = peer_rows(*zip(*rows, strict=True))
    for _, row in table.iterrows():
        said = claims.mostly_non_cash(row)
        loss = row["net_income"] < 0
        assert said == bool(loss and (exceeds(row) or most_allowed(row)))
        if said and not exceeds(row):
            assert row["non_cash_share"] <= 1  # never a share above 100%


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(maybe, maybe, maybe, maybe), min_size=0, max_size=8))
def test_loss_count_counts_those_that_disclose(rows):
    nets, effects, residuals, eps = ([r[i] for r in rows] for i in range(4))
    table = peer_rows(nets, effects, residuals, eps)
    claim = claims.loss_count_claim(table)
    net, per_share = table["net_income"], table["eps_diluted"]
    disclosing = [t for t in table.index if not (math.isnan(net[t]) and math.isnan(per_share[t]))]
    if not disclosing:
        assert claim is None
        return
    assert claim is not None and claim.kind == "loss_count"
    found = re.match(r"(\d+) of the (\d+) that disclose (net income or diluted EPS|net income) "
                     r"reported a loss in their latest quarter", claim.text)
    assert found, claim.text
    losses = [t for t in table.index
              if net[t] < 0 or (math.isnan(net[t]) and per_share[t] < 0)]
    by_eps = [t for t in table.index if math.isnan(net[t]) and not math.isnan(per_share[t])]
    assert int(found[1]) == len(losses)
    assert int(found[2]) == len(disclosing)
    assert (found[3] == "net income or diluted EPS") == bool(by_eps)
    for ticker in set(table.index) - set(disclosing):
        assert ticker not in claim.text  # a miner with neither is never counted nor named
    for ticker in by_eps:
        assert ticker in claim.text.split(" by diluted EPS")[0]
    mostly = [t for t, row in table.iterrows() if claims.mostly_non_cash(row)]
    assert set(mostly) <= set(losses)
    if mostly:
        # Named after "; at": those whose items exceed the loss, then those mostly non-cash.
        tail = claim.text.split(" reported a loss")[1].split("; at ", 1)[1]
        assert sorted(re.findall(r"M\d\d", tail)) == sorted(mostly)
    else:
        assert "; at " not in claim.text


def test_loss_count_on_the_sample(sample, sample_peers):
    claim = claims.loss_count_claim(sample_peers)
    assert claim is not None
    # CORZ's net income is an estimate (EPS × shares), no disclosure: its diluted EPS counts.
    assert claim.text.startswith("5 of the 5 that disclose net income or diluted EPS reported a "
                                 "loss in their latest quarter (CORZ by diluted EPS)")
    # The sector's 'mostly non-cash' miners are those whose briefings say so or say 'exceed';
    # neither draws that conclusion from CORZ's estimated net loss.
    assert claim.text.endswith("; at HUT, disclosed non-cash items exceed the loss.")
    # Without CORZ's net income, its diluted EPS is the evidence of its loss.
    by_eps = claims.loss_count_claim(sample_peers.assign(
        net_income=sample_peers["net_income"].where(sample_peers.index != "CORZ")))
    assert by_eps is not None
    assert by_eps.text.startswith("5 of the 5 that disclose net income or diluted EPS reported "
                                  "a loss in their latest quarter (CORZ by diluted EPS)")
    kinds = {t: claims.net_result_claim(Evidence(m, PLAIN)) for t, m in sample.items()}
    said = sorted(t for t, c in kinds.items()
                  if c is not None and c.kind in {"loss_mostly_non_cash",
                                                  "non_cash_exceeds_loss"})
    assert said == sorted(t for t, row in sample_peers.iterrows()
                          if claims.mostly_non_cash(row))


def test_loss_count_silent_when_nobody_discloses(sample_peers):
    nobody = sample_peers.assign(net_income=math.nan, eps_diluted=math.nan)
    assert claims.loss_count_claim(nobody) is None


# --- guidance -------------------------------------------------------------------------------


@pytest.mark.parametrize(("actual", "low", "high", "verdict"), [
    (-4.1, 0.0, 3.0, "below"),
    (0.0, 0.0, 3.0, "within"),
    (1.5, 0.0, 3.0, "within"),
    (3.0, 0.0, 3.0, "within"),
    (3.01, 0.0, 3.0, "above"),
    (100.0, 100.0, 100.0, "in line with"),
    (100.4, 100.0, 100.0, "in line with"),   # within 0.5% of a point
    (99.6, 100.0, 100.0, "in line with"),
    (100.6, 100.0, 100.0, "above"),
    (99.4, 100.0, 100.0, "below"),
    (-100.4, -100.0, -100.0, "in line with"),
    (-101.0, -100.0, -100.0, "below"),
    (0.0, 0.0, 0.0, "in line with"),
    (0.01, 0.0, 0.0, "above"),
])
def test_guidance_verdict(actual, low, high, verdict):
    assert claims.guidance_verdict(actual, low, high) == verdict


@settings(max_examples=200, deadline=None)
@given(amounts, amounts)
def test_point_guidance_in_line_only_within_tolerance(actual, point):
    verdict = claims.guidance_verdict(actual, point, point)
    near = abs(actual - point) <= GUIDANCE_TOLERANCE * max(abs(point), 1e-9)
    assert (verdict == "in line with") == near
    if not near:
        assert verdict == ("below" if actual < point else "above")


def test_wulf_sample_ebitda_below_guidance(sample):
    claim = claims.ebitda_claim(Evidence(sample["WULF"], PLAIN))
    assert claim is not None
    assert claim.text == ("Adjusted EBITDA was −$4.1M, below the company's guidance of "
                          "$0.0M–$3.0M.")


def test_without_guidance_rows_nothing_about_guidance(project):
    for line in WULF_GUIDANCE:
        replace_line(project / "inputs" / "facts.csv", line, "")
    facts = Evidence(metrics.compute(load(project), "WULF", PERIOD), PLAIN)
    claim = claims.ebitda_claim(facts)
    assert claim is not None
    assert claim.text == "Adjusted EBITDA was −$4.1M."
    assert claims.guidance(facts, "adjusted_ebitda") is None


def test_one_end_of_a_range_is_not_guidance(dataset):
    facts = evidence(with_facts(dataset, "WULF", PERIOD, guide_adjusted_ebitda_high=None))
    claim = claims.ebitda_claim(facts)
    assert claim is not None and "guidance" not in claim.text


def test_point_guidance_in_line(dataset):
    facts = evidence(with_facts(dataset, "WULF", PERIOD, guide_adjusted_ebitda=-4.1))
    claim = claims.ebitda_claim(facts)
    assert claim is not None
    assert "−$4.1M, in line with the company's guidance of −$4.1M" in claim.text


def test_ebitda_silent_without_it(sample):
    assert claims.ebitda_claim(Evidence(sample["HUT"], PLAIN)) is None


def test_ebitda_mentions_a_material_residual_only_when_not_said(dataset, sample):
    # WULF's residual is stated by the loss sentence, so not again.
    assert "not explained" not in claims.ebitda_claim(Evidence(sample["WULF"], PLAIN)).text
    # A profit with a residual above 5% of it: the EBITDA sentence says it.
    facts = wulf_bridge(dataset, 50.0, None, 10.0, ebitda=70.0)  # residual 50 - 70 + 10 = -10
    claim = claims.ebitda_claim(facts)
    assert claim is not None
    assert "$10.0M of the way from it to net income is not explained" in claim.text
    # At 5% of the net result or less it is not material.
    small = wulf_bridge(dataset, 100.0, None, 10.0, ebitda=100.0 + 10.0 - 100.0 * 0.04)
    assert abs(small.value("bridge_other")) <= MATERIAL_RESIDUAL * 100.0
    assert "not explained" not in claims.ebitda_claim(small).text


# --- sector claims: medians and totals ---------------------------------------------------------


def test_share_median_needs_three_values(sample_peers):
    claim = claims.share_median_claim(sample_peers, "2026Q1", PLAIN)
    assert claim is not None
    # The extremes are named, and dated when not of the period (IREN covers 2025Q4).
    assert claim.text == ("The median AI/HPC share of revenue among the 3 that disclose it is "
                          "61.8%, from 9.4% (IREN, 2025Q4) to 67.3% (CORZ).")
    assert claims.share_median_claim(sample_peers.drop(index="IREN"), "2026Q1", PLAIN) is None
    two = pd.DataFrame({"ai_hpc_share": [0.2, math.nan, 0.6, math.nan],
                        "period": ["2026Q1"] * 4}, index=["A", "B", "C", "D"])
    assert claims.share_median_claim(two, "2026Q1", PLAIN) is None
    assert claims.share_median_claim(two.iloc[0:0], "2026Q1", PLAIN) is None
    three = pd.DataFrame({"ai_hpc_share": [0.2, math.nan, 0.6, 0.3],
                          "period": ["2026Q1"] * 4}, index=list("ABCD"))
    claim = claims.share_median_claim(three, "2026Q1", PLAIN)
    assert claim is not None
    assert "among the 3 that disclose it is 30.0%, from 20.0% (A) to 60.0% (C)" in claim.text
    assert peers.MIN_VALUES_FOR_MEDIAN == 3


def test_contracted_mw_leaves_out_stale_rows(sample, sample_peers):
    claim = claims.contracted_mw_claim(sample_peers, PLAIN)
    assert claim is not None
    assert "5 miners have 2,101 MW" in claim.text and "WULF as of 2025Q4" in claim.text
    # WULF's 522 MW is of 2025Q4 and CIFR's 544 MW of 2025Q3: stale once figures over 0
    # quarters old are.
    strict = peers.peer_table(list(sample.values()), stale_after=0)
    assert strict.loc["WULF", "mw_contracted_stale"] and strict.loc["CIFR", "mw_contracted_stale"]
    claim = claims.contracted_mw_claim(strict, PLAIN)
    assert claim is not None
    assert "3 miners have 1,035 MW" in claim.text
    assert "WULF" not in claim.text and "CIFR" not in claim.text
    assert peers.STALE_AFTER_QUARTERS >= 1  # 1 quarter old is not stale by default


def test_contracted_mw_silent_when_all_stale_or_missing(sample_peers):
    all_stale = sample_peers.assign(mw_contracted_stale=True)
    assert claims.contracted_mw_claim(all_stale, PLAIN) is None
    nothing = sample_peers.assign(mw_contracted=math.nan)
    assert claims.contracted_mw_claim(nothing, PLAIN) is None
    rows = pd.DataFrame({"mw_contracted": [100.0, 900.0, 50.0],
                         "mw_contracted_as_of": ["2026Q1", "2025Q1", math.nan],
                         "mw_contracted_stale": [False, True, False]}, index=["A", "B", "C"])
    claim = claims.contracted_mw_claim(rows, PLAIN)
    assert claim is not None
    assert claim.text == ("Together, 2 miners have 150 MW of AI/HPC capacity under contract "
                          "(A as of 2026Q1; C summed from listed contracts).")
    # A leader is named only among figures counted one way.


# --- revenue, AI/HPC and crossover -----------------------------------------------------------


def test_revenue_claim_needs_revenue(dataset, sample):
    claim = claims.revenue_claim(Evidence(sample["WULF"], PLAIN))
    assert claim is not None
    assert claim.text == ("TeraWulf Inc. reported revenue of $34.0M for 2026Q1, −5.0% QoQ and "
                          "−1.2% YoY.")
    facts = evidence(with_facts(dataset, "WULF", PERIOD, revenue_total=None))
    assert claims.revenue_claim(facts) is None


def test_revenue_growth_only_against_a_disclosed_base(sample):
    claim = claims.revenue_claim(Evidence(sample["HUT"], PLAIN))  # no 2025Q4 revenue, 2025Q1 there
    assert claim is not None
    assert "YoY" in claim.text and "QoQ" not in claim.text


def test_ai_hpc_claim_needs_ai_hpc_lines(dataset, sample):
    claim = claims.ai_hpc_claim(Evidence(sample["WULF"], PLAIN))
    assert claim is not None
    assert claim.text == "AI/HPC revenue was $21.0M, 61.8% of the total, +116.5% QoQ."
    assert claims.ai_hpc_claim(Evidence(sample["CIFR"], PLAIN)) is None  # no split by business
    facts = evidence(with_facts(dataset, "WULF", PERIOD, revenue_hpc_lease=None))
    assert claims.ai_hpc_claim(facts) is None
    assert claims.crossover_claim(facts) is None


def test_crossover_claim_needs_both_businesses(dataset, sample):
    assert claims.crossover_claim(Evidence(sample["WULF"], PLAIN)).kind == "crossover_this_quarter"
    assert claims.crossover_claim(Evidence(sample["IREN"], PLAIN)).kind == "mining_still_leads"
    assert claims.crossover_claim(Evidence(sample["CIFR"], PLAIN)) is None
    assert claims.crossover_claim(Evidence(sample["HUT"], PLAIN)) is None
    facts = evidence(with_facts(dataset, "WULF", PERIOD, revenue_mining=None))
    assert claims.crossover_claim(facts) is None
    assert claims.ai_hpc_claim(facts) is not None


def test_crossover_unclear_with_revenue_not_split(dataset):
    # 21 AI/HPC > 13 mining, but not > 13 + 16 not split: no crossover is claimed.
    facts = evidence(with_facts(dataset, "WULF", PERIOD, revenue_total=50.0))
    claim = claims.crossover_claim(facts)
    assert claim is not None and claim.kind == "crossover_unclear"
    assert "overtook" not in claim.text and "$16.0M not split by business" in claim.text


# --- every figure is of the covered quarter, dated, or contract-level ---------------------------


def test_claims_use_only_the_covered_quarters_figures(sample):
    assert {m.period for m in sample.values()} > {PERIOD}  # some miners are behind
    for ticker, miner in sample.items():
        found = claims.miner_claims(miner, PLAIN)
        assert found, ticker
        assert len(found) <= claims.MAX_SENTENCES
        for claim in found:
            for figure in claim.figures:
                where = f"{ticker} {claim.kind} {figure.label} {figure.period}"
                assert (figure.period == miner.period or figure.dated
                        or figure.period is None), where
                if figure.dated:
                    assert figure.period is not None and figure.period != miner.period, where
                    if figure in claim.parts:
                        assert f"{figure.text} ({figure.period}" in claim.text, where


def test_wulf_claims_print_no_earlier_quarters_figure_undated(sample):
    text = " ".join(c.text for c in claims.miner_claims(sample["WULF"], PLAIN))
    for earlier in ("$35.8M", "$26.1M", "$9.7M", "$50.6M", "$43.4M"):  # 2025Q4 and 2025Q3
        # What moved names last quarter's levels, each with its quarter; never undated.
        assert re.sub(r"\$[\d.]+M \((2025Q[34])\)", "", text).count(earlier) == 0, earlier
    assert "522 MW (2025Q4)" in text and "$12.8B (2025Q4)" in text


# --- Claim.text and Claim.marked_text -------------------------------------------------------------


def test_marks_only_in_marked_text():
    claim = Claim("k", "r", (
        "A ", Figure("a", 1.0, "$1.0M", PERIOD, "secondary"),
        ", b ", Figure("b", 2.0, "$2.0M", PERIOD, "reported"),
        ", c ", Figure("c", 3.0, "$3.0M", "2025Q4", "derived", dated=True),
        ", d ", Figure("d", 4.0, "$4.0M", None, ""),
        ", e ", Figure("e", 5.0, "$5.0M", "2025Q1", "estimate", dated=True, stale=True), "."))
    assert claim.text == "A $1.0M, b $2.0M, c $3.0M (2025Q4), d $4.0M, e $5.0M (2025Q1, stale)."
    assert claim.marked_text() == ("A $1.0M [S], b $2.0M, c $3.0M (2025Q4) [D], d $4.0M, "
                                   "e $5.0M (2025Q1, stale) [E].")


def test_sample_marks_only_in_marked_text(sample):
    for ticker, miner in sample.items():
        for claim in claims.miner_claims(miner, PLAIN):
            assert "[" not in claim.text, (ticker, claim.text)
            marked = claim.marked_text()
            assert re.sub(r" \[[SDE]\]", "", marked) == claim.text, (ticker, marked)
            marks = [f.mark for f in claim.parts if isinstance(f, Figure) and f.mark]
            assert re.findall(r"\[([SDE])\]", marked) == marks
    found = claims.miner_claims(sample["WULF"], PLAIN)
    # What moved leads; the quarter's story follows.
    assert found[0].marked_text().startswith(
        "Largest moves against 2025Q4: mining revenue −$13.1M [D] (from $26.1M (2025Q4) [S]")
    story = next(c for c in found if c.kind == "revenue").marked_text()
    assert story.startswith("TeraWulf Inc. reported revenue of $34.0M [S] for 2026Q1")


# --- bugs found in the rules (documented, not fixed here) ----------------------------------------


def test_still_ahead_counts_revenue_not_split_as_mining(dataset):
    # Crossover in 2026Q1 (21 > 13); in 2026Q2, 21 > 13 but not > 13 + 16 not split.
    changed = with_facts(dataset, "WULF", "2026Q2", revenue_total=50.0, revenue_hpc_lease=21.0,
                         revenue_mining=13.0)
    miner = metrics.compute(changed, "WULF", "2026Q2")
    quarter = miner.quarters.loc[pd.Period("2026Q2", freq="Q")]
    assert peers.ai_hpc_ahead(quarter) is False  # the sector's split claim counts it behind
    claim = claims.crossover_claim(Evidence(miner, PLAIN))
    assert claim is not None and claim.kind == "crossover_earlier"
    assert "still does" not in claim.text


def test_material_residual_said_when_loss_mostly_non_cash(dataset):
    facts = wulf_bridge(dataset, -100.0, -70.0, 15.0)  # residual 15% of the loss
    text = " ".join(c.text for c in claims.miner_claims(facts.metrics, PLAIN))
    assert MOST in text
    assert "$15.0M" in text


def test_residual_cites_every_figure_it_is_computed_from(sample):
    claim = claims.net_result_claim(Evidence(sample["WULF"], PLAIN))
    residual = next(f for f in claim.figures if f.label == "Unexplained residual")
    assert "wulf_q1_26b" in residual.sources  # adjusted EBITDA's source


def test_non_cash_equal_to_the_loss_is_not_a_profit(dataset):
    claim = claims.net_result_claim(wulf_bridge(dataset, -100.0, -100.0, 0.0))
    assert claim is not None
    assert "profit of $0.0M" not in claim.text
