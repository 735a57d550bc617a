"""What the analysis sections print: what moved, valuation and capital, as formatted cells.

Kept apart from :mod:`reportgen.view` (the quarter's own tables and the audit trail) because
these sections compare across quarters and with the market: every cell here is built from a
typed :class:`~reportgen.provenance.Figure`, so its mark, sources and date travel with it.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from reportgen import formatting as fmt
from reportgen import periods
from reportgen.cells import Cell, Fact, Row, Table
from reportgen.claims import period_name
from reportgen.formatting import Formatter
from reportgen.model import Metrics
from reportgen.moves import BridgeStep, Quarters, WhatMoved
from reportgen.provenance import Figure, FigureLookup
from reportgen.valuation import PER_CONTRACTED_MW, PER_EHS, TO_CONTRACTED_REVENUE, Valuation
from reportgen.vocabulary import METRICS, STATUS_MARKS

QUARTERS_SHOWN = 8
"""As many quarters as the revenue table shows (window.QUARTERS_IN_TABLES)."""


def figure_cell(figure: Figure | None, show_date: bool = True) -> Cell:
    """A figure's cell: its text, mark and sources, and its date when it is not the
    document's quarter."""
    if figure is None:
        return Cell(fmt.NOT_DISCLOSED)
    return Cell(figure.text, figure.mark, figure.sources, figure.negative,
                as_of=str(figure.period) if show_date and figure.dated and figure.period else "",
                stale=figure.stale)


def moves_table(what: WhatMoved, fmt: Formatter) -> Table:
    rows = tuple(Row(move.label, (
        figure_cell(move.before), figure_cell(move.after),
        figure_cell(move.change_figure(fmt), show_date=False),
        Cell("" if fmt.missing(move.relative) else fmt.delta(move.relative),
             negative=move.relative < 0),
    )) for move in what.moves)
    return Table(f"Largest moves against {what.previous}, USD", (
        "Figure", "Before", "Now", "Change", "Change, %"), rows, (
        "Flows and quarter-end balances (debt, cash, notes) against the previous quarter, "
        "ranked by the size of the change. No percentage from a base of zero or less.",),
        css_class="keep")


def bridge_table(steps: Iterable[BridgeStep], caption: str, note: str) -> Table:
    rows = tuple(Row(step.label, (figure_cell(step.amount, show_date=False),), "",
                     "start" if step.kind == "start" else "end" if step.kind == "end" else "item")
                 for step in steps)
    return Table(caption, ("Step", "USD"), rows, (note,), css_class="keep")


def bridges(what: WhatMoved, metrics: Metrics) -> list[Table]:
    """The revenue bridge by business and the adjusted-EBITDA bridge, where their parts exist."""
    found = []
    now = period_name(metrics)
    if what.revenue_bridge:
        found.append(bridge_table(what.revenue_bridge, f"Revenue, {what.previous} to {now}, "
                                  "by business", "Each step is a business's change in revenue; "
                                  "the steps add up to the change in total revenue."))
    if what.ebitda_bridge:
        found.append(bridge_table(what.ebitda_bridge, f"Adjusted EBITDA, {what.previous} to "
                                  f"{now}", "Costs and other items is the difference: the "
                                  "change in adjusted EBITDA less the change in revenue."))
    return found


def valuation_facts(valuation: Valuation, metrics: Metrics, fmt: Formatter) -> list[Fact]:
    """Market cap, EV and the EV ratios, each with the dates it rests on; empty without a
    price, so the template can say what is missing instead."""
    if valuation.market_cap is None:
        return []
    day = valuation.price_date
    cap = valuation.market_cap
    how = ("as given by the source" if valuation.price is None or valuation.shares is None
           else "close × shares outstanding")
    facts = [Fact("Share price", figure_cell(valuation.price), f"close on {day}")
             if valuation.price else None,
             Fact("Market capitalization", figure_cell(cap), how)]
    if cap.stale:
        return [fact for fact in facts if fact is not None] + [Fact(
            "Enterprise value and ratios", Cell(fmt.NOT_DISCLOSED),
            f"not computed: the latest price in the inputs ({day}) is stale")]
    net = valuation.net_debt
    facts.append(Fact("Net debt", figure_cell(net), f"at {net.period}, for the EV below"
                      if net is not None else "needs cash and debt at the same quarter end"))
    ev = valuation.enterprise_value
    facts.append(Fact("Enterprise value", figure_cell(ev), (
        f"market capitalization on {day} + net debt at {net.period}, the quarter end nearest "
        "the price date") if ev is not None and net is not None
        else "not computed: no quarter end within a quarter of the price date gives both cash "
             "and debt"))
    for label, ratio, over, what in (
            (PER_CONTRACTED_MW, valuation.per_contracted_mw, valuation.contracted_mw,
             "contracted critical IT"),
            (PER_EHS, valuation.per_ehs, valuation.hashrate, "hashrate"),
            (TO_CONTRACTED_REVENUE, valuation.to_contracted_annual_revenue,
             valuation.contracted_annual_revenue, "contracted revenue a year at full ramp")):
        if ratio is not None and over is not None:
            note = f"EV ÷ {over.shown} of {what}"
            if ratio is valuation.to_contracted_annual_revenue:
                used = [c for c in metrics.company.contracts
                        if c.value_usd_m is not None and c.term_years]
                listed = sum(c.mw or 0 for c in used)
                note += (f", over the {len(used)} listed contracts that give value and term "
                         f"({fmt.number(listed, 'MW', 1)}), which need not match the company's "
                         "own contracted total")
        elif over is not None and over.stale:
            note = f"not computed: the latest {what}, {over.text} of {over.period}, is stale"
        else:
            lacking = [name for name, part in (("EV", valuation.enterprise_value), (what, over))
                       if part is None]
            note = f"not computed: needs {' and '.join(lacking)}"
        facts.append(Fact(label, figure_cell(ratio), note))
    return [fact for fact in facts if fact is not None]


CAPITAL_METRICS: tuple[str, ...] = (
    "total_debt", "convertible_notes", "convertible_notes_issued", "debt_issued", "capex",
    "capex_customer_funded", "shares_outstanding")
"""Balances at quarter end and issuance or spending in the quarter: how the build-out is paid
for. Listed one figure a line, since miners disclose them in different quarters."""


def capital_table(metrics: Metrics, lookup: FigureLookup, fmt: Formatter) -> Table:
    """Debt, issuance, capex and share count by quarter, newest first, one figure a line."""
    figures = Quarters(metrics, lookup, fmt)
    shown = [m for m in CAPITAL_METRICS if m in metrics.quarters.columns]
    rows = []
    for quarter in reversed(metrics.quarters.tail(QUARTERS_SHOWN).index):
        p = periods.label(quarter)
        for metric in shown:
            show = (lambda v: fmt.number(v, "M", 1)) if METRICS[metric].unit == "M" else fmt.money
            found = figures.figure(p, metric, METRICS[metric].label, show)
            if found is not None:
                rows.append(Row(period_name(metrics, p), (
                    Cell(found.label, wrap=True), figure_cell(found, show_date=False)),
                    lookup.note(p, metric)))
    prices = metrics.prices
    for row in prices.itertuples() if not prices.empty else ():
        if not pd.isna(row.shares_outstanding):
            rows.append(Row(pd.Timestamp(row.date).date().isoformat(), (
                Cell("Shares outstanding (dated)", wrap=True),
                Cell(fmt.number(row.shares_outstanding, "M", 1),
                     STATUS_MARKS.get(str(row.status), ""),
                     tuple(str(row.source).split(";")))), str(row.note or "")))
    return Table("Capital and funding by quarter", ("Quarter or date", "Figure", "Value", "Note"),
                 tuple(rows), ("Balances at quarter end (debt, notes, shares outstanding in "
                               "millions); issuance and capex during the quarter; share counts "
                               "of a day (from the price sources) last, newest first.",),
                 css_class="keep")
