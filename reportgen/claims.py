"""Claims: each sentence a briefing, the sector overview or an e-mail states, with the figures
it rests on and the rule that allowed it.

A rule returns ``None`` when its evidence is missing or below its threshold: the document then
says nothing rather than something the figures do not hold. Every threshold is a constant
here, documented in the README's "Claims and their rules" section.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import pandas as pd

from reportgen import columns as col
from reportgen import periods
from reportgen.formatting import Formatter, missing
from reportgen.metrics import BRIDGE_ITEMS, quarters_old
from reportgen.model import Dated, Metrics
from reportgen.moves import what_moved
from reportgen.peers import MIN_VALUES_FOR_MEDIAN, STALE_AFTER_QUARTERS, ai_hpc_ahead, usable
from reportgen.provenance import Claim, Figure, FigureLookup, Part, weakest

MAX_SENTENCES = 12
"""What moved (up to five threshold sentences) first, then the six of the quarter's story."""
MOST_NON_CASH = 0.60
"""'Most of the loss is non-cash' needs disclosed non-cash items of at least 60% of it ..."""
MAX_UNEXPLAINED = 0.25
"""... and an unexplained residual of at most 25% of it; otherwise both numbers are said."""
MATERIAL_RESIDUAL = 0.05
"""The unexplained part of the bridge is mentioned when it exceeds 5% of the net result."""
GUIDANCE_TOLERANCE = 0.005
"""An actual within 0.5% of a point guidance is 'in line with' it."""

def _claim(kind: str, rule: str, *parts: Part, evidence: Sequence[Figure] = ()) -> Claim:
    return Claim(kind, rule, tuple(parts), tuple(evidence))


def period_name(metrics: Metrics, period: str | None = None) -> str:
    """``2025Q4 (FY26 Q2)`` for a miner whose fiscal quarters differ from calendar ones."""
    return periods.display(period or metrics.period, metrics.company.fiscal_year_end_month)


class Evidence:
    """The covered quarter's figures of one miner, as typed :class:`Figure` values worded by
    ``fmt``."""

    def __init__(self, metrics: Metrics, fmt: Formatter, lookup: FigureLookup | None = None,
                 stale_after: int = STALE_AFTER_QUARTERS) -> None:
        self.metrics = metrics
        self.fmt = fmt
        self.lookup = lookup or FigureLookup(metrics)
        self.stale_after = stale_after
        self.period = metrics.period
        self.row = metrics.quarters.loc[periods.quarter(metrics.period)]

    def value(self, column: str) -> float:
        value = self.row.get(column, math.nan)
        return math.nan if value is None or pd.isna(value) else float(value)

    def input(self, metric: str, label: str, show: Callable[[float], str] | None = None
              ) -> Figure | None:
        """A figure straight from the inputs for the covered quarter (money unless ``show``
        says otherwise), or None."""
        value = self.value(metric)
        if missing(value):
            return None
        return Figure(label, value, (show or self.fmt.money)(value), self.period,
                      self.lookup.status(self.period, metric),
                      self.lookup.sources(self.period, metric))

    def computed(self, column: str, label: str, show: Callable[[float], str],
                 inputs: Sequence[str]) -> Figure | None:
        """A figure computed here, marked as weakly as the input figures it is built from."""
        value = self.value(column)
        if missing(value):
            return None
        status, sources = self.lookup.provenance(self.period, inputs)
        return Figure(label, value, show(value), self.period, status, sources)

    def business(self, business: str, label: str) -> Figure | None:
        return self.computed(col.revenue_of(business), label, self.fmt.money,
                             self.lookup.business_metrics(self.period, business))

    def as_of(self, label: str, dated: Dated, show: Callable[[float], str]) -> Figure | None:
        """A point-in-time figure as of its own quarter, dated when that is not the covered one."""
        value, when, status, sources = dated.value, dated.as_of, dated.status, dated.sources
        if missing(value):
            return None
        age = quarters_old(when, self.metrics.requested_period)
        return Figure(label, float(value), show(float(value)), when, status, sources,
                      dated=when is not None and when != self.period,
                      stale=age is not None and age > self.stale_after)


def miner_claims(metrics: Metrics, fmt: Formatter, lookup: FigureLookup | None = None,
                 stale_after: int = STALE_AFTER_QUARTERS) -> list[Claim]:
    """The claims a miner's briefing makes, most important first."""
    facts = Evidence(metrics, fmt, lookup, stale_after)
    found = [
        *what_moved(metrics, fmt, facts.lookup).claims,
        revenue_claim(facts),
        ai_hpc_claim(facts),
        crossover_claim(facts),
        net_result_claim(facts),
        ebitda_claim(facts),
        pipeline_claim(facts),
    ]
    return [claim for claim in found if claim is not None][:MAX_SENTENCES]


def revenue_claim(facts: Evidence) -> Claim | None:
    total = facts.input("revenue_total", "Revenue")
    if total is None:
        total = facts.computed(col.REVENUE, "Revenue", facts.fmt.money, [])
    if total is None:
        return None
    changes: list[Part] = []
    for column, label, back in ((col.REVENUE_QOQ, "QoQ", 1), (col.REVENUE_YOY, "YoY", 4)):
        change = facts.computed(column, f"Revenue {label}", facts.fmt.delta, ["revenue_total"])
        if change is not None:
            base = periods.shift(facts.period, -back)
            status = weakest([total.status, facts.lookup.status(base, "revenue_total")])
            changes.append(Figure(change.label, change.value, change.text, facts.period,
                                  status, change.sources))
            changes.append(f" {label}")
    tail: list[Part] = []
    if changes:
        tail = [", ", *changes[:2]] + ([" and ", *changes[2:]] if len(changes) > 2 else [])
    return _claim("revenue", "needs the quarter's revenue; growth only against a disclosed base",
                  f"{facts.metrics.company.name} reported revenue of ", total, " for ",
                  period_name(facts.metrics), *tail, ".")


def ai_hpc_claim(facts: Evidence) -> Claim | None:
    ai_hpc = facts.business("ai_hpc", "AI/HPC revenue")
    if ai_hpc is None:
        return None
    parts: list[Part] = ["AI/HPC revenue was ", ai_hpc]
    lines = facts.lookup.business_metrics(facts.period, "ai_hpc")
    share = facts.computed(col.AI_HPC_SHARE, "AI/HPC share", facts.fmt.pct,
                           [*lines, "revenue_total"])
    if share is not None:
        parts += [", ", share, " of the total"]
    growth = facts.computed(col.AI_HPC_QOQ, "AI/HPC revenue QoQ", facts.fmt.delta, lines)
    if growth is not None:
        parts += [", ", growth, " QoQ"]
    return _claim("ai_hpc_revenue", "needs the quarter's AI/HPC revenue lines", *parts, ".")


def crossover_claim(facts: Evidence) -> Claim | None:
    ai_hpc = facts.business("ai_hpc", "AI/HPC revenue")
    mining = facts.business("mining", "Mining revenue")
    if ai_hpc is None or mining is None:
        return None
    rule = ("AI/HPC revenue above mining revenue plus any revenue not split by business, "
            "first quarter in the data")
    crossover = facts.metrics.crossover
    if crossover == facts.period:
        return _claim("crossover_this_quarter", rule,
                      "AI/HPC revenue overtook mining revenue this quarter (", ai_hpc,
                      " against ", mining, "), the first quarter in the data in which it did.")
    unsplit = facts.computed(col.UNALLOCATED, "Revenue not split", facts.fmt.money,
                             ["revenue_total"])
    if crossover is not None:
        # The same test as the crossover itself: revenue not split by business counts as mining.
        still = "and still does" if ai_hpc_ahead(facts.row) else (
            "but not this quarter, counting revenue not split by business as mining"
            if unsplit is not None and unsplit.value > 0 and ai_hpc.value > mining.value
            else "but fell back below it this quarter")
        return _claim("crossover_earlier", rule, f"AI/HPC revenue first exceeded mining revenue "
                      f"in {crossover} {still} (", ai_hpc, " against ", mining, ").")
    if unsplit is not None and unsplit.value > 0 and ai_hpc.value > mining.value:
        return _claim("crossover_unclear", rule, "AI/HPC revenue (", ai_hpc, ") exceeds the "
                      "mining revenue disclosed (", mining, ") but not mining plus the ", unsplit,
                      " not split by business, so the data does not show it overtaking mining.")
    verb = "more than" if mining.value > ai_hpc.value else "as much as"
    return _claim("mining_still_leads", rule, f"Mining still earns {verb} AI/HPC (", mining,
                  " against ", ai_hpc, "); AI/HPC revenue has not overtaken it in any quarter "
                  "in the data.")


def _non_cash_items(facts: Evidence) -> list[Part]:
    """``impairments −$x; digital-asset marks −$y``, largest first."""
    bridge = facts.metrics.bridge
    items = bridge[bridge["non_cash"] & bridge["amount"].notna()]
    items = items.reindex(items["amount"].abs().sort_values(ascending=False).index)
    labels = {metric: label for metric, label, _, _ in BRIDGE_ITEMS}
    parts: list[Part] = []
    for metric, amount in zip(items["metric"], items["amount"], strict=True):
        parts += ["; " if parts else "", f"{labels[metric].lower()} ",
                  Figure(labels[metric], float(amount), facts.fmt.money(float(amount)),
                         facts.period,
                         facts.lookup.status(facts.period, metric),
                         facts.lookup.sources(facts.period, metric))]
    return parts


def net_result_claim(facts: Evidence) -> Claim | None:
    """The loss explained by its non-cash part, only as far as the disclosed items go.

    'Most of the loss is non-cash' needs non-cash items of at least :data:`MOST_NON_CASH` of
    the loss *and* an unexplained residual of at most :data:`MAX_UNEXPLAINED` of it. When the
    items exceed the loss, the result before them is stated instead of a share above 100%.
    """
    net = facts.input("net_income", "Net income")
    if net is None:
        return None
    inputs = [m for m, _, _, non_cash in BRIDGE_ITEMS if non_cash]
    effect = facts.computed(col.NON_CASH_EFFECT, "Disclosed non-cash items", facts.fmt.money,
                            inputs)
    before = facts.computed(col.BEFORE_NON_CASH, "Result before non-cash items", facts.fmt.money,
                            ["net_income", *inputs])
    if net.value >= 0:
        if effect is not None and before is not None and effect.value < 0:
            return _claim("profit_after_non_cash", "a profit, with disclosed non-cash charges",
                          "Net income was ", net, "; before ", _abs(effect, facts.fmt),
                          " of disclosed non-cash items, it was ", before, ".")
        return _claim("net_income", "a profit", "Net income was ", net, ".")
    loss = _abs(net, facts.fmt)
    if effect is None or effect.value >= 0:
        return _claim("loss_no_non_cash", "a loss with no non-cash charges disclosed",
                      "The net loss was ", loss, "; no non-cash charges that add to it are in "
                      "the inputs.")
    items = _non_cash_items(facts)
    if before is not None and round(before.value, 1) == 0:
        return _claim("non_cash_equals_loss", "disclosed non-cash charges equal to the loss",
                      "Disclosed non-cash items (", *items, ") of ", _abs(effect, facts.fmt),
                      " match the ", loss, " net loss: before them, the result was break-even.")
    if before is not None and before.value > 0:
        return _claim("non_cash_exceeds_loss", "disclosed non-cash charges larger than the loss",
                      "Disclosed non-cash items (", *items, ") of ", _abs(effect, facts.fmt),
                      " exceed the ", loss, " net loss: before them, the result was a profit "
                      "of ", before, ".")
    share = facts.computed(col.NON_CASH_SHARE, "Non-cash share of the loss",
                           lambda v: facts.fmt.pct(v, 0), ["net_income", *inputs])
    residual = facts.value(col.BRIDGE_OTHER)
    unexplained = abs(residual) / abs(net.value) if not missing(residual) else math.nan
    opening: list[Part] = ["Of the ", loss, " net loss, disclosed non-cash items (", *items,
                           ") account for ", _abs(effect, facts.fmt)]
    if share is None:
        return None
    rule = (f"'most' needs non-cash ≥ {MOST_NON_CASH:.0%} of the loss and an unexplained "
            f"residual ≤ {MAX_UNEXPLAINED:.0%} of it")
    rest = _residual(facts)
    # 'Most' is a conclusion: never drawn from an estimated net loss (a placeholder).
    if (share.value >= MOST_NON_CASH and rest is not None and unexplained <= MAX_UNEXPLAINED
            and net.of_record):
        tail: list[Part] = ["."]
        if unexplained > MATERIAL_RESIDUAL:
            tail = ["; ", rest, f" ({facts.fmt.pct(unexplained, 0)} of it) is not explained by "
                    "the items disclosed."]
        return _claim("loss_mostly_non_cash", rule, *opening, ", ", share,
                      " of it, so most of the loss is non-cash", *tail)
    if rest is None:
        return _claim("loss_partly_non_cash", rule, *opening, ", ", share, " of it; the rest "
                      "cannot be broken down, as adjusted EBITDA is not in the inputs.")
    # A share is never above 100%: a residual larger than the loss is said as such.
    of_loss = (f"{facts.fmt.pct(unexplained, 0)} of the loss" if unexplained <= 1
               else "more than the loss itself")
    return _claim("loss_partly_non_cash", rule, *opening, ", ", share, " of it; ", rest,
                  f" ({of_loss}) is not explained by the items disclosed.")


def _residual(facts: Evidence) -> Figure | None:
    """The part of the way from adjusted EBITDA to net income no disclosed item explains, as a
    size, citing every figure it is computed from."""
    residual = facts.value(col.BRIDGE_OTHER)
    if missing(residual):
        return None
    inputs = ["adjusted_ebitda", "net_income", *(m for m, _, _, _ in BRIDGE_ITEMS)]
    status, sources = facts.lookup.provenance(facts.period, inputs)
    return Figure("Unexplained residual", abs(residual), facts.fmt.money(abs(residual)),
                  facts.period,
                  status, sources)


def _abs(figure: Figure, fmt: Formatter) -> Figure:
    """The same figure as a size (a loss of $427.6M), for sentences that name its direction."""
    value = abs(figure.value)
    return Figure(figure.label, value, fmt.money(value), figure.period, figure.status,
                  figure.sources, figure.dated, figure.stale)


def guidance_verdict(actual: float, low: float, high: float) -> str:
    """``below``, ``within``/``in line with`` or ``above`` a guided range or point.

    >>> guidance_verdict(-4.1, 0, 3), guidance_verdict(2, 0, 3), guidance_verdict(5.01, 5, 5)
    ('below', 'within', 'in line with')
    """
    if low == high:
        if abs(actual - low) <= GUIDANCE_TOLERANCE * max(abs(low), 1e-9):
            return "in line with"
        return "below" if actual < low else "above"
    return "below" if actual < low else "above" if actual > high else "within"


def ebitda_claim(facts: Evidence) -> Claim | None:
    ebitda = facts.input("adjusted_ebitda", "Adjusted EBITDA")
    if ebitda is None:
        return None
    parts: list[Part] = ["Adjusted EBITDA was ", ebitda]
    guide = guidance(facts, "adjusted_ebitda")
    if guide is not None:
        low, high = guide
        verdict = guidance_verdict(ebitda.value, low.value, high.value)
        shown: list[Part] = [low] if low is high else [low, "–", high]
        parts += [", ", verdict, " the company's guidance of ", *shown]
    net, rest = facts.value("net_income"), _residual(facts)
    result = net_result_claim(facts)
    said = result is not None and any(f.label == "Unexplained residual" for f in result.figures)
    if not said and rest is not None and rest.value > MATERIAL_RESIDUAL * abs(net):
        parts += ["; ", rest, " of the way from it to net income is not explained by the "
                  "items disclosed"]
    return _claim("adjusted_ebitda", "needs adjusted EBITDA; guidance compared when entered",
                  *parts, ".")


def guidance(facts: Evidence, metric: str) -> tuple[Figure, Figure] | None:
    """The company's guidance for the covered quarter as (low, high); a point gives the same
    figure twice."""
    point = facts.input(f"guide_{metric}", "Guidance")
    if point is not None:
        return point, point
    low = facts.input(f"guide_{metric}_low", "Guidance, low")
    high = facts.input(f"guide_{metric}_high", "Guidance, high")
    return (low, high) if low is not None and high is not None else None


def pipeline_claim(facts: Evidence) -> Claim | None:
    pipe = facts.metrics.pipeline
    mw = facts.as_of("AI/HPC MW contracted", pipe.mw_contracted,
                     lambda v: facts.fmt.number(v, "MW", 0))
    value = facts.as_of("AI/HPC contracted revenue", pipe.contracted_value, facts.fmt.money)
    if mw is None and value is None:
        return None
    parts: list[Part] = ["It has "]
    if mw is None:
        parts += ["AI/HPC contracts worth ", value]  # type: ignore[list-item]
    else:
        parts += [mw, " of AI/HPC capacity under contract"]
        if value is not None:
            parts += [" worth ", value]
    if pipe.from_listed_contracts:
        parts += [" (summing its listed contracts)"]
    annual = pipe.contracted_annual_revenue
    run_rate = facts.computed(col.AI_HPC_REVENUE, "AI/HPC revenue",
                              lambda v: facts.fmt.money(v * 4),
                              facts.lookup.business_metrics(facts.period, "ai_hpc"))
    if not missing(annual):
        contracts = facts.metrics.company.contracts
        used = [c for c in contracts if c.value_usd_m is not None and c.term_years]
        yearly = Figure("Contracted revenue a year", annual, facts.fmt.money(annual), None,
                        weakest(c.status for c in used), tuple(c.source for c in used))
        counted, listed = pipe.contracts_with_terms, len(contracts)
        which = (f"its {counted} listed contracts that give a value and a term add up to "
                 if counted == listed and counted > 1 else
                 "its one listed contract, which gives a value and a term, comes to "
                 if counted == listed else
                 f"the {counted} of its {listed} listed contracts that give a value and a term "
                 "add up to " if counted > 1 else
                 f"the one of its {listed} listed contracts that gives a value and a term comes "
                 "to ")
        parts += ["; ", which, yearly, " a year at full ramp, at each contract's full value"]
        if run_rate is not None:
            parts += [", against an AI/HPC run-rate of ", run_rate, " a year (",
                      period_name(facts.metrics), " × 4)"]
    return _claim("pipeline", "contracted MW and value as of their latest disclosure; annual "
                  "revenue only from contracts giving value and term", *parts, ".")


def _names(tickers: Sequence[str]) -> str:
    """``['WULF', 'CORZ', 'HUT']`` → ``'CORZ, HUT and WULF'``."""
    names = sorted(tickers)
    return " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)


def sector_claims(peers: pd.DataFrame, period: str, fmt: Formatter, silent: Sequence[str] = ()
                  ) -> list[Claim]:
    """What the peer table supports saying about the sector; counts say how many disclose."""
    found = [coverage_claim(peers, period, silent), split_claim(peers),
             share_median_claim(peers, period, fmt), loss_count_claim(peers),
             contracted_mw_claim(peers, fmt)]
    return [claim for claim in found if claim is not None][:MAX_SENTENCES]


def coverage_claim(peers: pd.DataFrame, period: str, silent: Sequence[str]) -> Claim:
    current = [str(t) for t in peers.index[~peers["stale"]]]
    behind = peers[peers["stale"]]
    text = f"Of the {len(peers)} miners, {len(current)} reported {period}"
    text += f" ({_names(current)})" if current else ""
    if not behind.empty:
        latest = "; ".join(
            f"{t} {row['period']}" + (f", though its {row['published_since']} figures are out"
                                      if row["published_since"] else "")
            for t, row in behind.iterrows())
        text += f"; the others' latest reported quarters are used ({latest})"
    if silent:
        text += f"; {_names(list(silent))} reported nothing up to {period}"
    return _claim("coverage", "which miners reported the period", text + ".")


def split_claim(peers: pd.DataFrame) -> Claim | None:
    split = peers[peers["ai_hpc_ahead"].notna()]
    if split.empty:
        return None
    ahead = [str(t) for t in split.index[split["ai_hpc_ahead"].astype(bool)]]
    unsplit = sorted(set(map(str, peers.index)) - set(map(str, split.index)))
    text = (f"{len(ahead)} of the {len(split)} miners that split revenue by business now earn "
            "more from AI/HPC than from mining")
    text += f" ({_names(ahead)})" if ahead else ""
    if unsplit:
        text += f"; {_names(unsplit)} {'does' if len(unsplit) == 1 else 'do'} not disclose a split"
    return _claim("ai_hpc_ahead_count", "counts only miners that split revenue", text + ".")


def share_median_claim(peers: pd.DataFrame, period: str, fmt: Formatter) -> Claim | None:
    shares = peers["ai_hpc_share"].dropna()
    if len(shares) < MIN_VALUES_FOR_MEDIAN:
        return None

    def who(ticker: object) -> str:
        quarter = peers.loc[ticker, "period"]
        return f"{ticker}" + (f", {quarter}" if quarter != period else "")

    low, high = shares.idxmin(), shares.idxmax()
    return _claim("ai_hpc_share_median", f"a median needs {MIN_VALUES_FOR_MEDIAN} values",
                  f"The median AI/HPC share of revenue among the {len(shares)} that disclose it "
                  f"is {fmt.pct(shares.median())}, from {fmt.pct(shares.min())} ({who(low)}) to "
                  f"{fmt.pct(shares.max())} ({who(high)}).")


def mostly_non_cash(peer: pd.Series) -> bool:
    """The loss-is-mostly-non-cash rule applied to one peer-table row."""
    net, before, share = peer["net_income"], peer["before_non_cash"], peer["non_cash_share"]
    if missing(net) or net >= 0 or bool(peer.get("net_income_estimated", False)):
        return False
    if not missing(before) and not missing(peer["non_cash_effect"]) and (
            peer["non_cash_effect"] < 0 and before >= 0):
        return True
    residual = peer["bridge_other"]
    return (not missing(share) and share >= MOST_NON_CASH and not missing(residual)
            and abs(residual) <= MAX_UNEXPLAINED * abs(net))


def loss_count_claim(peers: pd.DataFrame) -> Claim | None:
    """``3 of the 4 that disclose net income reported a loss``; a negative diluted EPS is
    evidence of a loss where net income is not in the inputs."""
    # An estimated net income (an EPS × share-count placeholder) is no disclosure: such a miner
    # counts by its diluted EPS, if it gives one, like a miner without net income.
    estimated = peers.get("net_income_estimated", pd.Series(False, index=peers.index)).astype(
        bool)
    net, eps = peers["net_income"].where(~estimated), peers["eps_diluted"]
    evidenced = net.notna() | eps.notna()
    if not evidenced.any():
        return None
    loss = (net < 0) | (net.isna() & (eps < 0))
    losses = [str(t) for t in peers.index[loss & evidenced]]
    by_eps = [str(t) for t in peers.index[net.isna() & eps.notna()]]
    what = "net income" if not by_eps else "net income or diluted EPS"
    text = (f"{len(losses)} of the {int(evidenced.sum())} that disclose {what} reported a loss "
            "in their latest quarter")
    if by_eps:
        text += f" ({_names(by_eps)} by diluted EPS)"
    exceed = [str(t) for t, peer in peers.iterrows() if mostly_non_cash(peer)
              and not missing(peer["before_non_cash"]) and peer["before_non_cash"] >= 0]
    mostly = [str(t) for t, peer in peers.iterrows() if mostly_non_cash(peer)
              and str(t) not in exceed]
    if exceed:
        text += f"; at {_names(exceed)}, disclosed non-cash items exceed the loss"
    if mostly:
        text += (f"; at {_names(mostly)}, most of the loss is non-cash (at least "
                 f"{MOST_NON_CASH:.0%} of it, with at most {MAX_UNEXPLAINED:.0%} unexplained)")
    return _claim("loss_count", "counts the miners that disclose net income (or diluted EPS)",
                  text + ".")


def contracted_mw_claim(peers: pd.DataFrame, fmt: Formatter) -> Claim | None:
    contracted = usable(peers, "mw_contracted")
    if contracted.empty:
        return None
    as_of = {str(t): peers.loc[t, "mw_contracted_as_of"] for t in contracted.index}
    dated = sorted(f"{t} as of {q}" for t, q in as_of.items() if isinstance(q, str))
    summed = sorted(t for t, q in as_of.items() if not isinstance(q, str))
    basis = [*dated, *([f"{_names(summed)} summed from listed contracts"] if summed else [])]
    miners = "one miner has" if len(contracted) == 1 else f"{len(contracted)} miners have"
    text = (f"Together, {miners} {fmt.number(contracted.sum(), 'MW', 0)} of AI/HPC capacity under "
            f"contract ({'; '.join(basis)})")
    if not (dated and summed):
        # A leader is named only among figures of one kind: a company's own total and a sum of
        # its listed contracts are not counted the same way.
        leader = str(contracted.idxmax())
        text += f", the most at {leader} ({fmt.number(contracted.max(), 'MW', 0)})"
    text += "."
    return _claim("contracted_mw_total", "sums the latest disclosures that are not stale", text)
