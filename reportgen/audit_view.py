"""The appendix, "the audit trail": every input figure with its source and line, the figures
disclosed only for a half or full year, the figures sources give differently, the caveats and
the sources cited. What a reader needs to check the body without re-deriving it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from reportgen import periods
from reportgen.cells import Cell, Row, Table
from reportgen.claims import period_name
from reportgen.formatting import Formatter
from reportgen.metrics import is_forecast
from reportgen.model import Metrics, Source
from reportgen.vocabulary import STATUS_MARKS, guidance_target, market_metric_label, metric_label
from reportgen.window import market_rows


def facts_table(metrics: Metrics, market: pd.DataFrame, fmt: Formatter) -> Table:
    facts = metrics.facts.assign(_order=metrics.facts["period"].map(periods.sort_key))
    facts = facts.sort_values(["_order", "metric", "line"], ascending=[False, True, True])
    rows = [
        Row(f"{fact.period}", (
            Cell(metric_label(fact.metric, metrics.company), wrap=True),
            Cell(fmt.fact(fact.value, fact.unit), STATUS_MARKS[fact.status], negative=(
                fact.value < 0)),
            Cell(fact.status), Cell(fact.source.replace(";", ", "), wrap=True),
            Cell(f"{fact.metric}, facts.csv:{fact.line}", wrap=True),
        ), fact.note)
        for fact in facts.itertuples()
    ]
    rows += [
        Row(f"{fact.period}", (
            Cell(f"Market: {market_metric_label(fact.metric)}", wrap=True),
            Cell(fmt.fact(fact.value, fact.unit), STATUS_MARKS[fact.status]),
            Cell(fact.status), Cell(fact.source.replace(";", ", "), wrap=True),
            Cell(f"{fact.metric}, market.csv:{fact.line}", wrap=True),
        ), fact.note)
        for fact in market_rows(metrics, market).itertuples()
    ]
    rows += [
        Row("contract", (
            Cell(f"Contract: {c.customer}" + (f", {c.site}" if c.site else ""), wrap=True),
            Cell(fmt.money(c.value_usd_m), STATUS_MARKS[c.status]),
            Cell(c.status), Cell(c.source, wrap=True), Cell("companies.yaml", wrap=True),
        ), c.note)
        for c in metrics.company.contracts
    ]
    rows += [
        Row(fact.date.date().isoformat(), (
            Cell(f"Price: {label}", wrap=True),
            Cell(shown, STATUS_MARKS[fact.status]),
            Cell(fact.status), Cell(fact.source.replace(";", ", "), wrap=True),
            Cell(f"prices.csv:{fact.line}", wrap=True),
        ), fact.note)
        for fact in (metrics.prices.itertuples() if not metrics.prices.empty else ())
        for label, shown in _price_figures(fact, fmt)
    ]
    return Table(f"Every figure in the inputs for {metrics.company.ticker} up to "
                 f"{period_name(metrics)}, with its source", ("Period", "Figure", "Value", "Status",
                                                        "Source", "Input", "Note"),
                 tuple(rows), css_class="dense")


def _price_figures(row: Any, fmt: Formatter) -> list[tuple[str, str]]:
    """The values one prices.csv row gives, each as (label, text)."""
    shown = [("close", fmt.fact(row.close, "USD")),
             ("shares outstanding", fmt.number(row.shares_outstanding, "M", 3)),
             ("market capitalization", fmt.money(row.market_cap))]
    values = (row.close, row.shares_outstanding, row.market_cap)
    return [item for item, value in zip(shown, values, strict=True) if not fmt.missing(value)]


def cited_sources(metrics: Metrics, sources: dict[str, Source], market: pd.DataFrame
                  ) -> list[Source]:
    """The sources of exactly the figures the briefing prints: every input row in its
    appendix (which the body's figures are drawn from), its contracts and market figures."""
    ids = {s for cell in metrics.facts["source"] for s in cell.split(";")}
    ids |= {c.source for c in metrics.company.contracts}
    ids |= {s for cell in market_rows(metrics, market)["source"] for s in cell.split(";")}
    if not metrics.prices.empty:
        ids |= {s for cell in metrics.prices["source"] for s in cell.split(";")}
    return [sources[i] for i in sorted(ids)]


def caveats(metrics: Metrics) -> list[str]:
    """What the reader should keep in mind, from one place: the company's notes, then the
    notes on the covered quarter's figures that are not straight from a release or filing.

    Figures the sources give differently, and actuals compared with guidance, are left to
    their tables, so a caveat can never say something those tables contradict.
    """
    facts = metrics.facts
    tabled = set(zip(metrics.disagreements["period"], metrics.disagreements["metric"],
                     strict=True))
    guided = {(str(r.period), target[0]) for r in facts.itertuples()
              if (target := guidance_target(str(r.metric))) is not None}
    current = facts[(facts["period"] == metrics.period) & (facts["note"] != "")
                    & (facts["status"] != "reported")]
    notes = [metrics.company.notes] if metrics.company.notes else []
    return notes + [
        f"{metric_label(r.metric, metrics.company)} ({r.status}): {r.note}"
        for r in current.itertuples()
        if (r.period, r.metric) not in tabled | guided and not is_forecast(r.metric)]


def other_periods_table(metrics: Metrics, fmt: Formatter) -> Table:
    facts = metrics.other_periods.assign(
        _order=metrics.other_periods["period"].map(periods.sort_key)).sort_values(
        ["_order", "line"], ascending=[False, True])
    rows = tuple(
        Row(fact.period, (
            Cell(metric_label(fact.metric, metrics.company)),
            Cell(fmt.fact(fact.value, fact.unit), STATUS_MARKS[fact.status], (fact.source,),
                 fact.value < 0),
        ), fact.note)
        for fact in facts.itertuples()
    )
    return Table("Figures disclosed only for a half or full year", ("Period", "Figure", "Value",
                                                                    "Note"), rows)


def disagreements_table(metrics: Metrics, fmt: Formatter) -> Table:
    rows = tuple(
        Row(row.period, (
            Cell(metric_label(row.metric, metrics.company)),
            Cell(fmt.fact(row.value, row.unit), STATUS_MARKS[row.status]),
            Cell(row.source), Cell(row.status), Cell("used" if row.used else "not used"),
        ), row.note)
        for row in metrics.disagreements.itertuples()
    )
    return Table("Figures the sources give differently", ("Period", "Figure", "Value", "Source",
                                                          "Status", "In this briefing", "Note"),
                 rows, ("The better status wins (reported, then secondary, derived, estimate); "
                        "on a tie, the first row in the inputs.",))
