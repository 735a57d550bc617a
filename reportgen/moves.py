"""What moved this quarter: the revenue bridge by business, the largest moves, and the
thresholds a reader must not miss (interest above revenue, debt more than doubling, dilution,
a business line halving).

An analyst's first minute goes to what changed against the previous quarter; the briefing
leads with it. Every move is built from two input figures with their provenance, so a change
is marked as weakly as the weaker of its two ends and dated by both. A rule that lacks either
end says nothing. Every threshold is a constant here, documented in the README's "Claims and
their rules" section beside those of :mod:`reportgen.claims`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

from reportgen import columns as col
from reportgen import periods
from reportgen.formatting import Formatter
from reportgen.metrics import CASH_METRICS
from reportgen.model import Metrics
from reportgen.provenance import Claim, Figure, FigureLookup, Part, of_record, weakest
from reportgen.vocabulary import BUSINESSES, METRICS

HALVED = 0.50
"""A business line 'fell by half' when its revenue is at most 50% of the previous quarter's."""
DEBT_MULTIPLE = 2.0
"""Debt 'more than doubled' when it is over 2× its level of up to four quarters earlier."""
DILUTION_A_YEAR = 0.10
"""Dilution is flagged above 10% a year (compounded from the span the share counts cover)."""
MIN_DILUTION_SPAN = 2
"""... over a span of at least two quarters, so one quarter's issuance is not made a trend."""
LOOKBACK_QUARTERS = 4
"""Point-in-time figures (debt, cash, shares) are compared with their level up to a year back."""
MAX_MOVES = 6
"""The 'largest moves' table lists at most six; the lead sentence names the top three."""
MOVES_IN_LEAD = 3

def rounding(figure: Figure) -> float:
    """How far a figure may be from the true value given how it is written: its ``margin`` when
    the inputs' written decimals are known (a sum of lines adds their margins), else half a
    unit of the last decimal its float prints (26.1 → 0.05, 34 → 0.5), twice that for a
    derived figure, which is usually the difference of two rounded ones (34 − 21 = 13 ± 1).
    Threshold sentences must hold at every value the rounding allows.

    >>> rounding(Figure("x", 26.1, "", status="secondary")), rounding(Figure("x", 13.0, "",
    ...     status="derived"))
    (0.05, 1.0)
    """
    if figure.margin is not None:
        return figure.margin
    text = repr(round(figure.value, 6)).rstrip("0").rstrip(".")
    decimals = len(text.partition(".")[2])
    half = 0.5 * 10 ** -decimals
    return round(half * (2 if figure.status == "derived" else 1), 9)


def low(figure: Figure) -> float:
    return figure.value - rounding(figure)


def high(figure: Figure) -> float:
    return figure.value + rounding(figure)


KINDS = ("moves", "halved", "demand_response", "interest", "debt", "dilution")
"""The kinds of claim this module makes: what moved, as against the quarter's own story."""

BUSINESS_LABELS = {"mining": "Mining revenue", "ai_hpc": "AI/HPC revenue",
                   "other": "Other revenue"}
FLOWS: tuple[tuple[str, str], ...] = (
    *((col.revenue_of(business), BUSINESS_LABELS[business]) for business in BUSINESSES),
    ("demand_response_income", "Demand-response income"),
    ("adjusted_ebitda", "Adjusted EBITDA"),
    ("net_income", "Net income"),
    ("depreciation_amortization", "Depreciation and amortization"),
    ("impairment", "Impairment"),
    ("fair_value_change", "Fair-value change"),
    ("interest_expense", "Interest expense"),
)
"""Quarterly flows compared with the previous quarter only (USD M)."""
STOCKS: tuple[tuple[str, str], ...] = (
    ("total_debt", "Total debt"),
    ("convertible_notes", "Convertible notes"),
)
"""Quarter-end balances compared with the previous quarter end, like the flows (USD M): a move
since last quarter is never measured from an older level (the debt rule below looks back a
year). Cash joins them under the first definition disclosed at both ends."""


@dataclass(frozen=True)
class Move:
    """One figure's change between two quarters, both ends with their provenance."""

    key: str
    label: str
    before: Figure
    after: Figure

    @property
    def change(self) -> float:
        return self.after.value - self.before.value

    @property
    def relative(self) -> float:
        """Change as a fraction of the earlier level; NaN from a base of 0 or less."""
        return self.change / self.before.value if self.before.value > 0 else math.nan

    def change_figure(self, fmt: Formatter) -> Figure:
        """The change as a figure: marked like the weaker end, citing both ends' sources."""
        return Figure(f"{self.label}, change", self.change, fmt.money(self.change, plus=True),
                      self.after.period, weakest((self.before.status, self.after.status)),
                      tuple(dict.fromkeys(self.before.sources + self.after.sources)))


@dataclass(frozen=True)
class BridgeStep:
    label: str
    amount: Figure
    kind: str
    """``start`` and ``end`` are levels; ``step`` is a change between them."""


@dataclass(frozen=True)
class WhatMoved:
    """The covered quarter against the previous one; empty parts when the inputs lack them."""

    previous: str
    revenue_bridge: tuple[BridgeStep, ...]
    ebitda_bridge: tuple[BridgeStep, ...]
    moves: tuple[Move, ...]
    claims: tuple[Claim, ...]


class Quarters:
    """Figures of one miner by quarter, each with its status and sources (dated when it is not
    of the covered quarter), worded by ``fmt`` (money unless told otherwise)."""

    def __init__(self, metrics: Metrics, lookup: FigureLookup, fmt: Formatter) -> None:
        self.metrics, self.lookup, self.period = metrics, lookup, metrics.period
        self.fmt = fmt

    def figure(self, period: str, column: str, label: str,
               show: Callable[[float], str] | None = None) -> Figure | None:
        """The figure of ``column`` for ``period``, with its provenance, or None."""
        show = show or self.fmt.money
        quarter = periods.quarter(period)
        table = self.metrics.quarters
        if quarter not in table.index or column not in table.columns:
            return None
        value = table.at[quarter, column]
        if value is None or pd.isna(value):
            return None
        business = col.business_of(column)
        parts = self.lookup.business_metrics(period, business) if business else [column]
        status, sources = self.lookup.provenance(period, parts)
        margins = [self.lookup.margin(period, part) for part in parts]
        margin = None if None in margins else round(sum(margins), 9)  # type: ignore[arg-type]
        return Figure(label, float(value), show(float(value)), period, status, sources,
                      dated=period != self.period, margin=margin)

    def recorded(self, period: str, column: str, label: str,
                 show: Callable[[float], str] | None = None) -> Figure | None:
        """As :meth:`figure`, but None for an estimate: a move or a threshold is said only
        between figures of record, never from a placeholder (an EPS × share-count guess)."""
        found = self.figure(period, column, label, show)
        return found if found is not None and found.of_record else None

    def oldest(self, column: str, label: str, quarters: int = LOOKBACK_QUARTERS,
               show: Callable[[float], str] | None = None) -> Figure | None:
        """The oldest figure of ``column`` within ``quarters`` before the covered one."""
        for back in range(quarters, 0, -1):
            found = self.recorded(periods.shift(self.period, -back), column, label, show)
            if found is not None:
                return found
        return None


def what_moved(metrics: Metrics, fmt: Formatter, lookup: FigureLookup | None = None
               ) -> WhatMoved:
    figures = Quarters(metrics, lookup or FigureLookup(metrics), fmt)
    previous = periods.shift(metrics.period, -1)
    moves = largest_moves(figures, previous)
    found = [moves_claim(moves, previous, fmt), halved_claim(figures, previous),
             demand_response_claim(figures), interest_claim(figures), debt_claim(figures),
             dilution_claim(figures)]
    return WhatMoved(previous, revenue_bridge(figures, previous), ebitda_bridge(figures, previous),
                     tuple(moves[:MAX_MOVES]), tuple(c for c in found if c is not None))


def revenue_bridge(figures: Quarters, previous: str) -> tuple[BridgeStep, ...]:
    """Previous revenue, the change of each business, any change in the unsplit part, and this
    quarter's revenue; only when both quarters split revenue over the same businesses, so the
    steps add up exactly."""
    start = figures.recorded(previous, "revenue_total", "Revenue")
    end = figures.recorded(figures.period, "revenue_total", "Revenue")
    if start is None or end is None:
        return ()
    steps = [BridgeStep(f"Revenue, {previous}", start, "start")]
    for business in BUSINESSES:
        column = col.revenue_of(business)
        before, after = (figures.recorded(p, column, BUSINESS_LABELS[business])
                         for p in (previous, figures.period))
        if (before is None) != (after is None):
            return ()
        if before is not None and after is not None:
            move = Move(column, BUSINESS_LABELS[business], before, after)
            steps.append(BridgeStep(BUSINESS_LABELS[business], move.change_figure(figures.fmt),
                                    "step"))
    if len(steps) == 1:
        return ()
    split = sum(step.amount.value for step in steps[1:])
    rest = round(end.value - start.value - split, 6) + 0.0
    if rest:
        steps.append(BridgeStep("Not split by business", Figure(
            "Revenue not split, change", rest, figures.fmt.money(rest, plus=True), figures.period,
            weakest((start.status, end.status)), tuple(dict.fromkeys(start.sources + end.sources))),
            "step"))
    steps.append(BridgeStep(f"Revenue, {figures.period}", end, "end"))
    return tuple(steps)


def ebitda_bridge(figures: Quarters, previous: str) -> tuple[BridgeStep, ...]:
    """Previous adjusted EBITDA, the change in revenue, the change in everything else (costs
    and other items, as the difference), and this quarter's adjusted EBITDA."""
    ends = [figures.recorded(p, "adjusted_ebitda", "Adjusted EBITDA") for p in (previous,
                                                                              figures.period)]
    revenue = [figures.recorded(p, "revenue_total", "Revenue") for p in (previous, figures.period)]
    if None in ends or None in revenue:
        return ()
    start, end = ends
    revenue_move = Move("revenue_total", "Revenue", *revenue)  # type: ignore[arg-type]
    rest = end.value - start.value - revenue_move.change  # type: ignore[union-attr]
    statuses = [f.status for f in (*ends, *revenue) if f is not None]
    sources = tuple(dict.fromkeys(s for f in (*ends, *revenue) if f is not None
                                  for s in f.sources))
    return (
        BridgeStep(f"Adjusted EBITDA, {previous}", start, "start"),  # type: ignore[arg-type]
        BridgeStep("Change in revenue", revenue_move.change_figure(figures.fmt), "step"),
        BridgeStep("Change in costs and other items (the difference)", Figure(
            "Costs and other items, change", rest, figures.fmt.money(rest, plus=True),
            figures.period,
            weakest(statuses), sources), "step"),
        BridgeStep(f"Adjusted EBITDA, {figures.period}", end, "end"),  # type: ignore[arg-type]
    )


def largest_moves(figures: Quarters, previous: str) -> list[Move]:
    """Flows against the previous quarter and balances against their latest earlier level,
    largest absolute change (USD M) first; unchanged figures are not moves."""
    moves = []
    for column, label in FLOWS:
        before = figures.recorded(previous, column, label)
        after = figures.recorded(figures.period, column, label)
        if before is not None and after is not None:
            moves.append(Move(column, label, before, after))
    cash = next((m for m in CASH_METRICS if figures.recorded(figures.period, m, "")
                 and figures.recorded(previous, m, "")), None)
    stocks = [*STOCKS, *([(cash, METRICS[cash].label)] if cash else [])]
    for column, label in stocks:
        after = figures.recorded(figures.period, column, label)
        before = figures.recorded(previous, column, label)
        if before is not None and after is not None:
            moves.append(Move(column, label, before, after))
    moves = [move for move in moves if move.change]
    return sorted(moves, key=lambda move: -abs(move.change))


def in_sentence(label: str) -> str:
    """A label inside a sentence: its first word lowercased unless it is an acronym.

    >>> in_sentence("Total debt"), in_sentence("AI/HPC revenue")
    ('total debt', 'AI/HPC revenue')
    """
    first, _, rest = label.partition(" ")
    word = first if first[1:2].isupper() else first.lower()
    return f"{word} {rest}" if rest else word


def _from_to(move: Move, fmt: Formatter) -> list[Part]:
    change = move.change_figure(fmt)
    return [f"{in_sentence(move.label)} {'+' if move.change > 0 else '−'}",
            Figure(change.label, abs(move.change), fmt.money(abs(move.change)),
                   move.after.period, change.status, change.sources),
            " (from ", move.before, " to ", move.after, ")"]


def moves_claim(moves: Sequence[Move], previous: str, fmt: Formatter) -> Claim | None:
    """The top moves by size, each from its level to its level, against ``previous`` (a balance
    compared with an earlier quarter carries that quarter)."""
    if not moves:
        return None
    parts: list[Part] = [f"Largest moves against {previous}: "]
    for n, move in enumerate(moves[:MOVES_IN_LEAD]):
        parts += ([", " if n < min(len(moves), MOVES_IN_LEAD) - 1 else " and "] if n else [])
        parts += _from_to(move, fmt)
    parts.append(".")
    return Claim("moves", "largest absolute changes in USD", tuple(parts))


def halved_claim(figures: Quarters, previous: str) -> Claim | None:
    """Each business line at most half its previous quarter's revenue (HALVED)."""
    fallen = []
    for business in BUSINESSES:
        column = col.revenue_of(business)
        before = figures.recorded(previous, column, BUSINESS_LABELS[business])
        after = figures.recorded(figures.period, column, BUSINESS_LABELS[business])
        if before is None or after is None or before.value <= 0:
            continue
        if high(after) <= (1 - HALVED) * low(before):
            fallen.append(Move(column, BUSINESS_LABELS[business], before, after))
    if not fallen:
        return None
    parts: list[Part] = []
    for n, move in enumerate(fallen):
        parts += ["; " if n else "", f"{move.label} fell by half or more: from ", move.before,
                  " to ", move.after, f" ({figures.fmt.delta(move.relative)})"]
    return Claim("halved", f"a business line at most {1 - HALVED:.0%} of the previous quarter",
                 (*parts, "."))


def demand_response_claim(figures: Quarters) -> Claim | None:
    """Demand-response income above mining revenue: the miner earned more by not mining."""
    income = figures.recorded(figures.period, "demand_response_income", "Demand-response income")
    mining = figures.recorded(figures.period, col.MINING_REVENUE, "Mining revenue")
    if income is None or mining is None or low(income) <= high(mining):
        return None
    return Claim("demand_response", "demand-response income above mining revenue", (
        "Demand-response income of ", income, " exceeded mining revenue of ", mining,
        ": power sold back or curtailed earned more than the bitcoin mined."))


def interest_claim(figures: Quarters) -> Claim | None:
    """Interest expense above revenue in the covered quarter."""
    interest = figures.recorded(figures.period, "interest_expense", "Interest expense")
    revenue = figures.recorded(figures.period, "revenue_total", "Revenue")
    if interest is None or revenue is None or revenue.value <= 0 or low(interest) <= high(revenue):
        return None
    return Claim("interest", "interest expense above revenue", (
        "Interest expense of ", interest, " exceeded revenue of ", revenue, "."))


def debt_claim(figures: Quarters) -> Claim | None:
    """Total debt over DEBT_MULTIPLE times its oldest level within the last four quarters."""
    after = figures.recorded(figures.period, "total_debt", "Total debt")
    before = figures.oldest("total_debt", "Total debt")
    if after is None or before is None or before.value <= 0:
        return None
    if low(after) <= DEBT_MULTIPLE * high(before):
        return None
    span = periods.ordinal(figures.period) - periods.ordinal(str(before.period))
    return Claim("debt", f"total debt over {DEBT_MULTIPLE:g}× within {LOOKBACK_QUARTERS} "
                 "quarters", ("Total debt rose from ", before, " to ", after,
                              f" in {span} quarter{'s' if span > 1 else ''}: "
                              f"{figures.fmt.number(after.value / before.value, '', 1)} times "
                              "its level."))


def share_counts(figures: Quarters) -> list[tuple[pd.Timestamp, Figure]]:
    """Every share count of record, oldest first: quarter-end counts from facts.csv (dated by
    their quarter) and dated counts from prices.csv (dated by their day)."""
    show: Callable[[float], str] = lambda v: figures.fmt.number(v, "M shares", 1)  # noqa: E731
    counts = []
    for quarter in figures.metrics.quarters.index:
        found = figures.recorded(periods.label(quarter), "shares_outstanding",
                                 "Shares outstanding", show)
        if found is not None:
            counts.append((quarter.end_time.normalize(), found))
    prices = figures.metrics.prices
    for row in prices.itertuples() if not prices.empty else ():
        if pd.isna(row.shares_outstanding) or not of_record(str(row.status)):
            continue
        day = pd.Timestamp(row.date)
        counts.append((day, Figure("Shares outstanding", float(row.shares_outstanding),
                                   show(float(row.shares_outstanding)), day.date().isoformat(),
                                   str(row.status), tuple(str(row.source).split(";")),
                                   dated=True)))
    return sorted(counts, key=lambda item: item[0])


def dilution_claim(figures: Quarters) -> Claim | None:
    """Shares outstanding growing more than DILUTION_A_YEAR a year, compounded: the latest
    count of record (within two quarters of the covered one) against the oldest within a year
    (LOOKBACK_QUARTERS) before it, over a
    span of at least MIN_DILUTION_SPAN quarters. Quarter-end counts span whole quarters; a
    dated count (prices.csv) spans its days."""
    counts = share_counts(figures)
    if len(counts) < 2:
        return None
    last_day, after = counts[-1]
    covered = periods.quarter(figures.period)
    if last_day < (covered - MIN_DILUTION_SPAN).end_time.normalize():
        return None  # no count of record near the quarter covered
    window = last_day - pd.DateOffset(months=3 * LOOKBACK_QUARTERS)
    older = [(day, count) for day, count in counts[:-1] if day >= window]
    if not older:
        return None
    first_day, before = older[0]
    if before.value <= 0:
        return None
    if periods.is_quarter(str(after.period)) and periods.is_quarter(str(before.period)):
        quarters = periods.ordinal(str(after.period)) - periods.ordinal(str(before.period))
        years, span = quarters / 4, f"{quarters} quarters"
    else:
        days = (last_day - first_day).days
        quarters, years, span = days / 91.3, days / 365.25, f"{days} days"
    if quarters < MIN_DILUTION_SPAN:
        return None
    yearly = (after.value / before.value) ** (1 / years) - 1
    if round(yearly, 9) <= DILUTION_A_YEAR:  # exactly 10% a year is not 'over' it
        return None
    return Claim("dilution", f"share count growing over {DILUTION_A_YEAR:.0%} a year", (
        "Shares outstanding grew from ", before, " to ", after,
        f" ({figures.fmt.delta(after.value / before.value - 1)} in {span}, about "
        f"{figures.fmt.delta(yearly, 0)} a year)."))
