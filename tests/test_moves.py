"""What moved: the revenue and adjusted-EBITDA bridges, the largest moves and the threshold
claims of :mod:`reportgen.moves`, on hand-made facts of one made-up miner.

Every dataset here is a few facts.csv rows built in memory and run through
``metrics.compute``, so the figures go through the same path as a real briefing's. Each
expected value is worked by hand in a comment beside it. No build, no WeasyPrint.
"""

from __future__ import annotations

import functools
import math
import re

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reportgen import metrics, moves
from reportgen.formatting import PLAIN
from reportgen.model import Company, Dataset, Metrics
from reportgen.moves import DEBT_MULTIPLE, DILUTION_A_YEAR, HALVED, MIN_DILUTION_SPAN
from reportgen.provenance import Figure

TICKER = "TST"
NOW, PREV = "2026Q1", "2025Q4"
COMPANY = Company(TICKER, "Test Miner Inc.", None, 12, {})
FACT_COLUMNS = ("ticker", "period", "metric", "value", "unit", "source", "status", "note",
                "file", "line")
MARKET_COLUMNS = ("period", "metric", "value", "unit", "source", "status", "note", "file",
                  "line")

Row = tuple  # (period, metric, value[, status[, source]])


def facts_frame(rows: list[Row]) -> pd.DataFrame:
    """facts.csv rows of TST: (period, metric, value, status="reported", source="src_<period>")."""
    out = []
    for line, row in enumerate(rows, start=2):
        period, metric, value, *rest = row
        status = rest[0] if rest else "reported"
        source = rest[1] if len(rest) > 1 else f"src_{period.lower()}"
        unit = "M" if metric == "shares_outstanding" else "USD_M"
        out.append((TICKER, period, metric, float(value), unit, source, status, "",
                    "inputs/facts.csv", line))
    return pd.DataFrame(out, columns=list(FACT_COLUMNS))


def compute(rows: list[Row], period: str = NOW) -> Metrics:
    return _compute(tuple(rows), period)


@functools.cache
def _compute(rows: tuple[Row, ...], period: str) -> Metrics:
    """Computed once per set of rows (Metrics is frozen; nothing here changes it)."""
    market = pd.DataFrame([("2026Q1", "hashprice", 40.0, "USD/PH/day", "mkt", "secondary", "",
                            "inputs/market.csv", 2)], columns=list(MARKET_COLUMNS))
    dataset = Dataset({TICKER: COMPANY}, facts_frame(list(rows)), market, {})
    return metrics.compute(dataset, TICKER, period)


def moved(rows: list[Row]) -> moves.WhatMoved:
    return moves.what_moved(compute(rows), PLAIN)


def figures_of(rows: list[Row]) -> moves.Quarters:
    computed = compute(rows)
    return moves.Quarters(computed, moves.FigureLookup(computed), PLAIN)


def no_nan(text: str) -> bool:
    return re.search(r"\bnan\b", text, re.IGNORECASE) is None


def kinds(what: moves.WhatMoved) -> dict[str, moves.Claim]:
    return {claim.kind: claim for claim in what.claims}


# A quarter pair with revenue split by business, used by several tests below.
SPLIT = [
    (PREV, "revenue_total", 100.0), (PREV, "revenue_mining", 70.0),
    (PREV, "revenue_ai_hpc", 30.0),
    (NOW, "revenue_total", 130.0), (NOW, "revenue_mining", 60.0, "secondary", "src_mining"),
    (NOW, "revenue_ai_hpc", 70.0),
]


# --- revenue bridge ----------------------------------------------------------------------


def test_revenue_bridge_steps_add_up_to_the_change_in_total():
    bridge = moved(SPLIT).revenue_bridge
    # 100 → Mining 70 → 60 (−10), AI/HPC 30 → 70 (+40) → 130; other is never disclosed.
    assert [(s.label, s.kind, s.amount.value) for s in bridge] == [
        ("Revenue, 2025Q4", "start", 100.0), ("Mining revenue", "step", -10.0),
        ("AI/HPC revenue", "step", 40.0), ("Revenue, 2026Q1", "end", 130.0)]
    # −10 + 40 = 30 = 130 − 100, exactly.
    assert sum(s.amount.value for s in bridge if s.kind == "step") == 130.0 - 100.0
    assert [s.amount.text for s in bridge] == ["$100.0M", "−$10.0M", "+$40.0M", "$130.0M"]


def test_revenue_bridge_change_is_as_weak_as_its_weaker_end_and_cites_both():
    mining = moved(SPLIT).revenue_bridge[1].amount
    # 2025Q4 mining is reported (src_2025q4), 2026Q1 mining secondary (src_mining).
    assert mining.status == "secondary"
    assert mining.sources == ("src_2025q4", "src_mining")
    assert mining.period == NOW
    ai_hpc = moved(SPLIT).revenue_bridge[2].amount
    # Both ends reported, from the source of each quarter.
    assert ai_hpc.status == "reported"
    assert ai_hpc.sources == ("src_2025q4", "src_2026q1")


def test_no_revenue_bridge_when_a_business_is_disclosed_in_one_quarter_only():
    # AI/HPC revenue in 2025Q4 only: the steps could not be compared line for line.
    rows = [r for r in SPLIT if not (r[0] == NOW and r[1] == "revenue_ai_hpc")]
    assert moved(rows).revenue_bridge == ()
    rows = [r for r in SPLIT if not (r[0] == PREV and r[1] == "revenue_ai_hpc")]
    assert moved(rows).revenue_bridge == ()


@pytest.mark.parametrize("period", [PREV, NOW])
def test_no_revenue_bridge_when_a_total_is_missing(period):
    rows = [r for r in SPLIT if not (r[0] == period and r[1] == "revenue_total")]
    assert moved(rows).revenue_bridge == ()


def test_no_revenue_bridge_without_any_business_line():
    rows = [(PREV, "revenue_total", 100.0), (NOW, "revenue_total", 130.0)]
    assert moved(rows).revenue_bridge == ()


def test_not_split_by_business_step_when_lines_do_not_add_up():
    # 2026Q1 lines add up to 60 + 60 = 120 of a 130 total: 10 unsplit (2025Q4: 0 unsplit).
    rows = [*SPLIT[:3], (NOW, "revenue_total", 130.0, "secondary", "src_total"),
            (NOW, "revenue_mining", 60.0), (NOW, "revenue_ai_hpc", 60.0)]
    bridge = moved(rows).revenue_bridge
    assert [(s.label, s.amount.value) for s in bridge] == [
        ("Revenue, 2025Q4", 100.0), ("Mining revenue", -10.0), ("AI/HPC revenue", 30.0),
        ("Not split by business", 10.0), ("Revenue, 2026Q1", 130.0)]
    rest = bridge[3].amount
    # −10 + 30 + 10 = 30 = 130 − 100.
    assert sum(s.amount.value for s in bridge if s.kind == "step") == 30.0
    # The unsplit part is made of the two totals: reported + secondary → secondary.
    assert rest.status == "secondary"
    assert rest.sources == ("src_2025q4", "src_total")
    assert rest.text == "+$10.0M"


def test_no_not_split_step_when_the_unsplit_part_is_unchanged():
    # 10 unsplit at both ends (100 = 60 + 30 + 10; 130 = 70 + 50 + 10): nothing to bridge.
    rows = [(PREV, "revenue_total", 100.0), (PREV, "revenue_mining", 60.0),
            (PREV, "revenue_ai_hpc", 30.0), (NOW, "revenue_total", 130.0),
            (NOW, "revenue_mining", 70.0), (NOW, "revenue_ai_hpc", 50.0)]
    labels = [s.label for s in moved(rows).revenue_bridge]
    assert "Not split by business" not in labels
    assert labels == ["Revenue, 2025Q4", "Mining revenue", "AI/HPC revenue", "Revenue, 2026Q1"]


money_m = st.integers(min_value=1, max_value=10_000_000).map(lambda n: n / 10)  # 0.1 .. 1M


@settings(max_examples=20, deadline=None)
@given(before=st.tuples(money_m, money_m, money_m), after=st.tuples(money_m, money_m, money_m),
       unsplit=st.tuples(st.sampled_from([0.0, 0.1, 7.3]), st.sampled_from([0.0, 2.5])))
def test_revenue_bridge_always_sums_to_the_change_in_total(before, after, unsplit):
    rows: list[Row] = []
    for period, lines, rest in ((PREV, before, unsplit[0]), (NOW, after, unsplit[1])):
        rows += [(period, "revenue_mining", lines[0]), (period, "revenue_ai_hpc", lines[1]),
                 (period, "revenue_other", lines[2]),
                 (period, "revenue_total", sum(lines) + rest)]
    bridge = moved(rows).revenue_bridge
    start, *steps, end = bridge
    assert start.kind == "start" and end.kind == "end"
    assert [s.kind for s in steps] == ["step"] * len(steps)
    # Three businesses, plus the unsplit part when it changed.
    assert len(steps) in (3, 4)
    total_change = end.amount.value - start.amount.value
    assert math.isclose(sum(s.amount.value for s in steps), total_change, abs_tol=1e-6)
    assert all(no_nan(s.amount.text) for s in bridge)


# --- adjusted-EBITDA bridge --------------------------------------------------------------


def test_ebitda_bridge_costs_are_the_difference():
    rows = [*SPLIT, (PREV, "adjusted_ebitda", 20.0),
            (NOW, "adjusted_ebitda", 35.0, "derived", "src_ebitda")]
    bridge = moved(rows).ebitda_bridge
    # Revenue +30 (100 → 130); EBITDA +15 (20 → 35): costs and other = 15 − 30 = −15.
    assert [(s.label, s.kind, s.amount.value) for s in bridge] == [
        ("Adjusted EBITDA, 2025Q4", "start", 20.0), ("Change in revenue", "step", 30.0),
        ("Change in costs and other items (the difference)", "step", -15.0),
        ("Adjusted EBITDA, 2026Q1", "end", 35.0)]
    assert bridge[1].amount.value + bridge[2].amount.value == 35.0 - 20.0
    costs = bridge[2].amount
    assert costs.text == "−$15.0M"
    # Built from four figures, one of them derived: the weakest.
    assert costs.status == "derived"
    assert set(costs.sources) == {"src_2025q4", "src_2026q1", "src_ebitda"}
    # Revenue change: both totals reported.
    assert bridge[1].amount.status == "reported"


def test_an_estimate_is_never_an_end_of_a_move():
    # EPS × share-count placeholders (status estimate) neither bridge nor move nor cross a line.
    rows = [*SPLIT, (PREV, "adjusted_ebitda", 20.0),
            (NOW, "adjusted_ebitda", 35.0, "estimate", "src_ebitda"),
            (PREV, "net_income", -690.0, "estimate", "src_guess"), (NOW, "net_income", -427.6)]
    found = moved(rows)
    assert found.ebitda_bridge == ()
    assert {m.key for m in found.moves}.isdisjoint({"adjusted_ebitda", "net_income"})


@pytest.mark.parametrize("drop", [(PREV, "adjusted_ebitda"), (NOW, "adjusted_ebitda"),
                                  (PREV, "revenue_total"), (NOW, "revenue_total")])
def test_no_ebitda_bridge_without_either_end(drop):
    rows = [*SPLIT, (PREV, "adjusted_ebitda", 20.0), (NOW, "adjusted_ebitda", 35.0)]
    rows = [r for r in rows if (r[0], r[1]) != drop]
    assert moved(rows).ebitda_bridge == ()


# --- largest moves -----------------------------------------------------------------------


MOVES = [
    *SPLIT,
    (PREV, "adjusted_ebitda", 20.0), (NOW, "adjusted_ebitda", 35.0),       # +15
    (PREV, "net_income", -50.0), (NOW, "net_income", -120.0),             # −70
    (PREV, "interest_expense", 5.0), (NOW, "interest_expense", 5.0),       # unchanged
    (PREV, "total_debt", 200.0), (NOW, "total_debt", 500.0),              # +300
    ("2024Q4", "convertible_notes", 100.0), (NOW, "convertible_notes", 150.0),  # not 2025Q4: out
    (PREV, "cash", 100.0), (NOW, "cash", 80.0),                           # −20
]


def test_largest_moves_ordered_by_absolute_change():
    found = moved(MOVES).moves
    # |+300| debt, |−70| net income, |+40| AI/HPC, |−20| cash, |+15| EBITDA, |−10| mining.
    assert [(m.key, m.change) for m in found] == [
        ("total_debt", 300.0), ("net_income", -70.0), ("mix_ai_hpc", 40.0), ("cash", -20.0),
        ("adjusted_ebitda", 15.0), ("mix_mining", -10.0)]
    changes = [abs(m.change) for m in found]
    assert changes == sorted(changes, reverse=True)


def test_unchanged_figures_and_balances_beyond_four_quarters_are_not_moves():
    keys = {m.key for m in moves.largest_moves(figures_of(MOVES), PREV)}
    assert "interest_expense" not in keys  # 5 → 5
    assert "convertible_notes" not in keys  # 2024Q4 is not 2025Q4 (and five quarters back)


def test_balance_compared_with_the_previous_quarter_and_dated():
    # Debt in 2025Q1 (120), 2025Q4 (200) and 2026Q1 (500): the move is from 2025Q4's 200.
    rows = [*MOVES, ("2025Q1", "total_debt", 120.0)]
    debt = next(m for m in moved(rows).moves if m.key == "total_debt")
    assert debt.before.value == 200.0 and debt.before.period == PREV
    assert debt.before.dated is True and debt.before.shown == "$200.0M (2025Q4)"
    assert debt.after.dated is False and debt.after.period == NOW
    assert debt.change == 300.0  # 500 − 200


@pytest.mark.parametrize("column", ["total_debt", "convertible_notes", "cash"])
def test_balance_missing_in_the_previous_quarter_is_not_a_move(column):
    # A level in 2025Q3 (within four quarters) and 2026Q1, none in 2025Q4: a move since last
    # quarter is never measured from an older level, so there is no move at all.
    rows = [*SPLIT, ("2025Q3", column, 200.0), (NOW, column, 500.0)]
    assert column not in {m.key for m in moved(rows).moves}
    # With the 2025Q4 level added, the same balance moves: 500 − 300 = +200.
    rows.append((PREV, column, 300.0))
    assert [(m.key, m.change) for m in moved(rows).moves if m.key == column] == [(column, 200.0)]


def test_flows_are_compared_with_the_previous_quarter_only():
    # Net income in 2025Q3 and 2026Q1 but not 2025Q4: a flow is not looked back for.
    rows = [*SPLIT, ("2025Q3", "net_income", -50.0), (NOW, "net_income", -120.0)]
    assert "net_income" not in {m.key for m in moved(rows).moves}


def test_cash_compared_under_a_definition_disclosed_at_both_ends():
    # cash only now; cash incl. restricted at both ends: the move uses the latter.
    rows = [*SPLIT, (NOW, "cash", 80.0), (NOW, "cash_and_restricted", 90.0),
            (PREV, "cash_and_restricted", 140.0)]
    found = moved(rows).moves
    cash = [m for m in found if m.key in metrics.CASH_METRICS]
    assert [(m.key, m.change) for m in cash] == [("cash_and_restricted", -50.0)]  # 90 − 140


def test_at_most_six_moves_listed():
    rows = [*MOVES, (PREV, "impairment", 1.0), (NOW, "impairment", 3.0)]  # a seventh: +2
    assert len(moves.largest_moves(figures_of(rows), PREV)) == 7
    assert len(moved(rows).moves) == moves.MAX_MOVES == 6


def test_moves_claim_names_top_three_with_both_ends():
    claim = kinds(moved(MOVES))["moves"]
    # Top three: debt +300 (200 in 2025Q4 → 500), net income −70 (−50 → −120),
    # AI/HPC +40 (30 → 70).
    assert claim.text == (
        "Largest moves against 2025Q4: total debt +$300.0M (from $200.0M (2025Q4) to $500.0M), "
        "net income −$70.0M (from −$50.0M (2025Q4) to −$120.0M) and "
        "AI/HPC revenue +$40.0M (from $30.0M (2025Q4) to $70.0M).")
    assert no_nan(claim.text)


def test_moves_claim_with_two_moves_joined_by_and():
    rows = [(PREV, "revenue_total", 100.0), (NOW, "revenue_total", 100.0),
            (PREV, "net_income", -5.0), (NOW, "net_income", 4.0),          # +9
            (PREV, "interest_expense", 2.0), (NOW, "interest_expense", 3.0)]  # +1
    claim = kinds(moved(rows))["moves"]
    assert claim.text == ("Largest moves against 2025Q4: net income +$9.0M (from −$5.0M (2025Q4) "
                          "to $4.0M) and interest expense +$1.0M (from $2.0M (2025Q4) to $3.0M).")


def test_no_moves_claim_when_nothing_changed():
    rows = [(PREV, "revenue_total", 100.0), (NOW, "revenue_total", 100.0),
            (PREV, "net_income", -5.0), (NOW, "net_income", -5.0)]
    what = moved(rows)
    assert what.moves == () and "moves" not in kinds(what)


# --- threshold claims --------------------------------------------------------------------
# A threshold sentence must hold at every value the rounding of its figures allows: a figure
# is ± half a unit of its last decimal as its float prints (26.1 → ±0.05; 13.0 prints 13 →
# ±0.5; 13.02 → ±0.005), twice that when derived (13 D → ±1.0).


def test_rounding_of_reported_and_derived_figures():
    def figure(value: float, status: str = "reported") -> Figure:
        return Figure("x", value, "", NOW, status)

    # Reported: half a unit of the last printed decimal; a trailing zero is lost in the float.
    assert moves.rounding(figure(26.1)) == 0.05
    assert moves.rounding(figure(26.10)) == 0.05      # the float 26.10 prints 26.1
    assert moves.rounding(figure(13.0)) == 0.5        # 13.0 prints 13: ±0.5
    assert moves.rounding(figure(34.0)) == 0.5
    assert moves.rounding(figure(13.02)) == 0.005
    # Derived: twice that (34 − 21 = 13 ± 1).
    assert moves.rounding(figure(13.0, "derived")) == 1.0
    assert moves.rounding(figure(26.1, "derived")) == 0.1
    # low and high: 26.1 ± 0.05; 13 D ± 1.
    assert moves.low(figure(26.1)) == pytest.approx(26.05)
    assert moves.high(figure(26.1)) == pytest.approx(26.15)
    assert (moves.low(figure(13.0, "derived")), moves.high(figure(13.0, "derived"))) == (12.0, 14.0)


def mining(before: float | None, after: float | None, before_status: str = "reported",
           after_status: str = "reported") -> list[Row]:
    rows: list[Row] = [(PREV, "revenue_total", 40.0), (NOW, "revenue_total", 40.0)]
    if before is not None:
        rows.append((PREV, "revenue_mining", before, before_status))
    if after is not None:
        rows.append((NOW, "revenue_mining", after, after_status))
    return rows


def test_halved_speaks_below_half_at_every_rounding():
    # 12.5 + 0.05 = 12.55 ≤ 0.5 × (26.1 − 0.05) = 13.025; 12.5 / 26.1 − 1 = −52.11% → −52.1%.
    claim = kinds(moved(mining(26.1, 12.5)))["halved"]
    assert claim.text == ("Mining revenue fell by half or more: from $26.1M (2025Q4) to $12.5M "
                          "(−52.1%).")
    assert [f.value for f in claim.figures] == [26.1, 12.5]


@pytest.mark.parametrize(("before", "after"), [
    ((26.1, "reported"), (13.01, "reported")),  # 13.015 ≤ 13.025: just below, speaks
    ((28.0, "derived"), (13.0, "reported")),    # 13 + 0.5 = 13.5 = 0.5 × (28 − 1): "at most"
])
def test_halved_speaks_at_the_edge_of_rounding(before, after):
    assert HALVED == 0.50
    assert "halved" in kinds(moved(mining(before[0], after[0], before[1], after[1])))


@pytest.mark.parametrize(("before", "after"), [
    (26.1, 13.0),   # 13.0 may be 13.5 > 0.5 × 26.05 = 13.025
    (26.1, 13.03),  # 13.035 > 13.025: just above
    (27.0, 13.0),   # 13.5 > 0.5 × 26.5 = 13.25
    (26.0, 13.0),   # exactly half as printed, but 13.5 > 0.5 × 25.5 = 12.75
    (26.0, 13.1),   # 13.1 > 13.0: 50.4%, not half
    (26.0, 30.0),   # grew
    (None, 13.0),   # no previous quarter
    (26.0, None),   # no covered quarter
    (0.0, 0.0),     # nothing to halve
])
def test_halved_silent(before, after):
    assert "halved" not in kinds(moved(mining(before, after)))


def test_halved_silent_when_a_derived_end_may_not_have_halved():
    # 13 D may be 14 > 0.5 × (28 − 0.5) = 13.75 (as reported, 13.5 ≤ 13.75 would speak).
    assert "halved" in kinds(moved(mining(28.0, 13.0)))
    assert "halved" not in kinds(moved(mining(28.0, 13.0, after_status="derived")))


def test_halved_names_each_fallen_line():
    rows = [*mining(26.1, 12.5), (PREV, "revenue_other", 10.0), (NOW, "revenue_other", 2.0)]
    text = kinds(moved(rows))["halved"].text
    # Other 10 → 2: 2.5 ≤ 0.5 × 9.5 = 4.75; −80.0%.
    assert text == ("Mining revenue fell by half or more: from $26.1M (2025Q4) to $12.5M (−52.1%); "
                    "Other revenue fell by half or more: from $10.0M (2025Q4) to $2.0M (−80.0%).")


def demand_response(income: float | None, mined: float | None) -> list[Row]:
    rows: list[Row] = [(NOW, "revenue_total", 50.0)]
    if income is not None:
        rows.append((NOW, "demand_response_income", income))
    if mined is not None:
        rows.append((NOW, "revenue_mining", mined))
    return rows


def test_demand_response_above_mining_speaks():
    # 20 − 0.5 = 19.5 > 19.4 + 0.05 = 19.45.
    claim = kinds(moved(demand_response(20.0, 19.4)))["demand_response"]
    assert claim.text.startswith(
        "Demand-response income of $20.0M exceeded mining revenue of $19.4M: ")
    assert no_nan(claim.text)


def test_demand_response_speaks_just_above_rounding():
    # 20.06 − 0.005 = 20.055 > 20.04 + 0.005 = 20.045.
    assert "demand_response" in kinds(moved(demand_response(20.06, 20.04)))


@pytest.mark.parametrize(("income", "mined"), [
    (20.0, 19.9),   # 19.5 ≤ 19.95: 20.0 may be below 19.9
    (21.0, 20.0),   # 20.5 = 20.5: equal at the edge is not above
    (20.0, 20.0), (19.9, 20.0), (None, 20.0), (20.0, None),
])
def test_demand_response_silent(income, mined):
    assert "demand_response" not in kinds(moved(demand_response(income, mined)))


def interest(paid: float | None, revenue: float | None) -> list[Row]:
    rows: list[Row] = [(NOW, "net_income", -10.0)]
    if paid is not None:
        rows.append((NOW, "interest_expense", paid))
    if revenue is not None:
        rows.append((NOW, "revenue_total", revenue))
    return rows


def test_interest_above_revenue_speaks():
    # 51.1 − 0.05 = 51.05 > 50 + 0.5 = 50.5.
    claim = kinds(moved(interest(51.1, 50.0)))["interest"]
    assert claim.text == "Interest expense of $51.1M exceeded revenue of $50.0M."


def test_interest_speaks_just_above_rounding():
    # 50.07 − 0.005 = 50.065 > 50.05 + 0.005 = 50.055.
    assert "interest" in kinds(moved(interest(50.07, 50.05)))


@pytest.mark.parametrize(("paid", "revenue"), [
    (51.0, 50.0),   # 50.5 = 50.5: equal at the edge is not above
    (50.5, 50.0),   # 50.45 ≤ 50.5: 50.0 may be 50.5
    (50.0, 50.0),   # equal: not above
    (49.9, 50.0),
    (5.0, 0.0),     # no revenue to compare with
    (None, 50.0),
    (50.5, None),
])
def test_interest_silent(paid, revenue):
    assert "interest" not in kinds(moved(interest(paid, revenue)))


def debt(levels: dict[str, float | tuple[float, str]]) -> list[Row]:
    """Total debt by period: a value (reported) or (value, status)."""
    return [(NOW, "revenue_total", 10.0),
            *((p, "total_debt", *(v if isinstance(v, tuple) else (v,))) for p, v in levels.items())]


def test_debt_more_than_doubled_against_oldest_level_within_a_year():
    # Oldest within four quarters: 2025Q1's 100 (not 2025Q3's 150); 250 − 0.5 = 249.5 >
    # 2 × (100 + 0.5) = 201; 250 / 100 = 2.5 times.
    claim = kinds(moved(debt({"2025Q1": 100.0, "2025Q3": 150.0, NOW: 250.0})))["debt"]
    assert claim.text == ("Total debt rose from $100.0M (2025Q1) to $250.0M in 4 quarters: "
                          "2.5 times its level.")


def test_debt_sentence_states_the_multiple():
    # 290 / 25 = 11.6 (289.5 > 2 × 25.5 = 51).
    claim = kinds(moved(debt({"2025Q2": 25.0, NOW: 290.0})))["debt"]
    assert claim.text == ("Total debt rose from $25.0M (2025Q2) to $290.0M in 3 quarters: "
                          "11.6 times its level.")


def test_debt_doubled_in_one_quarter_is_singular():
    # 249.5 > 2 × 100.5 = 201; 250 / 100 = 2.5.
    claim = kinds(moved(debt({PREV: 100.0, NOW: 250.0})))["debt"]
    assert "in 1 quarter: 2.5 times its level." in claim.text


@pytest.mark.parametrize("after", [202.0, 201.4])
def test_debt_speaks_just_above_double_at_every_rounding(after):
    # 202 − 0.5 = 201.5 and 201.4 − 0.05 = 201.35, both > 2 × (100 + 0.5) = 201.
    assert "debt" in kinds(moved(debt({"2025Q1": 100.0, NOW: after})))


@pytest.mark.parametrize("levels", [
    {"2025Q1": 100.0, NOW: (202.0, "derived")},  # 202 − 1 = 201 = 2 × 100.5: not more
    {"2025Q1": 100.0, NOW: 201.0},       # 200.5 ≤ 201: 100 may be 100.5, 201 may be 200.5
    {"2025Q1": 100.0, NOW: 200.0},       # exactly 2×: not more
    {"2025Q1": 100.0, NOW: 199.0},
    {"2024Q4": 50.0, NOW: 201.0},        # five quarters back: beyond the window
    {"2025Q1": 100.0},                   # no debt now
    {NOW: 201.0},                        # nothing earlier
    {"2025Q1": 0.0, NOW: 201.0},         # from nothing: no multiple
])
def test_debt_silent(levels):
    assert DEBT_MULTIPLE == 2.0
    assert "debt" not in kinds(moved(debt(levels)))


def shares(levels: dict[str, float]) -> list[Row]:
    return [(NOW, "revenue_total", 10.0),
            *((p, "shares_outstanding", v) for p, v in levels.items())]


def test_dilution_over_ten_percent_a_year_compounded():
    # Two quarters: 104.9 / 100 = 1.049; 1.049^(4/2) − 1 = 0.100401 > 10% → speaks.
    claim = kinds(moved(shares({"2025Q3": 100.0, NOW: 104.9})))["dilution"]
    assert claim.text == ("Shares outstanding grew from 100.0 M shares (2025Q3) to 104.9 M shares "
                          "(+4.9% in 2 quarters, about +10% a year).")


@pytest.mark.parametrize(("levels", "speaks"), [
    ({"2025Q3": 100.0, NOW: 104.8}, False),   # 1.048² − 1 = 9.83%
    ({"2025Q1": 100.0, NOW: 110.1}, True),    # four quarters: 10.1%
    ({"2025Q1": 100.0, NOW: 109.9}, False),   # 9.9%
    ({"2025Q1": 100.0, "2025Q3": 109.0, NOW: 110.1}, True),  # the oldest count is the base
    ({PREV: 100.0, NOW: 150.0}, False),       # one quarter: span < MIN_DILUTION_SPAN
    ({"2024Q4": 100.0, NOW: 150.0}, False),   # five quarters back: beyond the window
    ({"2025Q3": 100.0}, False),               # no count now
    ({NOW: 150.0}, False),                    # nothing earlier
])
def test_dilution_threshold(levels, speaks):
    assert MIN_DILUTION_SPAN == 2 and DILUTION_A_YEAR == 0.10
    assert ("dilution" in kinds(moved(shares(levels)))) is speaks


def test_dilution_silent_at_exactly_ten_percent_a_year():
    # Four quarters: 100 → 110 is exactly +10% a year: not over it.
    assert "dilution" not in kinds(moved(shares({"2025Q1": 100.0, NOW: 110.0})))


# --- all claims together -----------------------------------------------------------------


def test_every_claim_prints_its_figures_and_never_nan():
    rows = [
        (PREV, "revenue_total", 100.0), (PREV, "revenue_mining", 80.0),
        (PREV, "revenue_ai_hpc", 20.0), (PREV, "adjusted_ebitda", 10.0),
        (NOW, "revenue_total", 60.0), (NOW, "revenue_mining", 30.0),
        (NOW, "revenue_ai_hpc", 30.0), (NOW, "interest_expense", 62.0),
        (NOW, "demand_response_income", 32.0), (NOW, "net_income", -90.0),
        ("2025Q2", "total_debt", 100.0), (NOW, "total_debt", 300.0),
        ("2025Q2", "shares_outstanding", 100.0), (NOW, "shares_outstanding", 130.0),
    ]
    found = kinds(moved(rows))
    assert set(found) == {"moves", "halved", "demand_response", "interest", "debt", "dilution"}
    for claim in found.values():
        assert no_nan(claim.text), claim.text
        assert claim.figures, claim.kind
        for figure in claim.figures:
            assert figure.shown in claim.text
            assert not math.isnan(figure.value)
    # Mining 80 → 30 (−62.5%; 30.5 ≤ 0.5 × 79.5 = 39.75); interest 62 − 0.5 = 61.5 > revenue
    # 60 + 0.5; demand response 32 − 0.5 = 31.5 > mining 30 + 0.5; debt 100 → 300 in 3 quarters
    # (299.5 > 2 × 100.5 = 201), 3.0 times; shares 100 → 130 in 3 quarters: 1.3^(4/3) − 1 =
    # 41.9% a year.
    assert "from $80.0M (2025Q4) to $30.0M (−62.5%)" in found["halved"].text
    assert "exceeded revenue of $60.0M." in found["interest"].text
    assert "from $100.0M (2025Q2) to $300.0M in 3 quarters: 3.0 times" in found["debt"].text
    assert "(+30.0% in 3 quarters, about +42% a year)" in found["dilution"].text
    assert "of $32.0M exceeded mining revenue of $30.0M" in found["demand_response"].text
