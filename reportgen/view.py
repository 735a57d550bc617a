"""What the templates print: Metrics turned into rows of already-formatted cells.

Templates then only lay out; every number's wording comes from :mod:`reportgen.formatting`,
and every input figure carries its status mark and source ids so the reader can trace it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from reportgen import formatting as fmt
from reportgen import periods
from reportgen.claims import Claim, guidance_verdict, period_name
from reportgen.metrics import BUSINESSES, best_facts, published_since, revenue_per_mw_year
from reportgen.model import Company, Metrics, Source
from reportgen.peers import RankedMetric, ordinal
from reportgen.provenance import FigureLookup, weakest
from reportgen.vocabulary import (
    MARKET_METRICS,
    METRICS,
    STATUS_MARKS,
    consensus_target,
    guidance_target,
)

QUARTERS_IN_TABLES = 8


@dataclass(frozen=True)
class Cell:
    text: str
    mark: str = ""
    sources: tuple[str, ...] = ()
    negative: bool = False
    wrap: bool = False
    """Text cells may wrap; numbers never break across lines."""
    as_of: str = ""
    """The quarter a figure is of, printed beside it when not the document's own."""
    stale: bool = False
    """Older than ``stale_after_quarters``: greyed and left out of medians and ranks."""

    @property
    def missing(self) -> bool:
        return self.text == fmt.NOT_DISCLOSED


@dataclass(frozen=True)
class Tile:
    label: str
    value: Cell
    changes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Row:
    label: str
    cells: tuple[Cell, ...]
    note: str = ""
    kind: str = ""


@dataclass(frozen=True)
class Table:
    caption: str
    header: tuple[str, ...]
    rows: tuple[Row, ...]
    notes: tuple[str, ...] = field(default=())
    css_class: str = ""
    """``keep`` holds a short table on one page; ``dense`` is the small print of appendices."""


def cell(lookup: FigureLookup, period: str, metric: str, text: str,
         value: float | None = None) -> Cell:
    """An input figure's cell: its status mark and sources."""
    return Cell(text, STATUS_MARKS.get(lookup.status(period, metric), ""),
                lookup.sources(period, metric), is_negative(value))


def combined(lookup: FigureLookup, period: str, metrics: Iterable[str], text: str,
             value: float | None = None) -> Cell:
    """A computed cell, marked with the weakest status among the figures it adds up."""
    status, sources = lookup.provenance(period, metrics)
    return Cell(text, STATUS_MARKS.get(status, ""), sources, is_negative(value))


def metric_label(metric: str, company: Company | None = None) -> str:
    """The reader's name for a metric: the vocabulary's, a miner's own label for its revenue
    line, guidance and sell-side consensus named after their metric; never a raw id.

    >>> metric_label("consensus_eps_diluted"), metric_label("guide_revenue_total_low")
    ('Diluted EPS consensus (sell-side)', 'Guidance: revenue, low end')
    """
    if company is not None and (label := company.line_label(metric)):
        return label
    if metric in METRICS:
        return METRICS[metric].label
    if target := guidance_target(metric):
        base, kind = target
        suffix = {"low": ", low end", "high": ", high end"}.get(kind, "")
        return f"Guidance: {metric_label(base, company).lower()}{suffix}"
    if base := consensus_target(metric):
        return f"{metric_label(base, company)} consensus (sell-side)"
    return metric.removeprefix("revenue_").replace("_", " ").capitalize() + (
        " revenue" if metric.startswith("revenue_") else "")


def is_negative(value: float | None) -> bool:
    return value is not None and not fmt.missing(value) and value < 0


def _value(row: pd.Series, column: str) -> float:
    value = row.get(column, math.nan)
    return float(value) if value is not None else math.nan


def kpi_tiles(metrics: Metrics, lookup: FigureLookup) -> list[Tile]:
    quarter = periods.quarter(metrics.period)
    row = metrics.quarters.loc[quarter]
    previous = metrics.quarters.shift(1).loc[quarter]
    year_ago = metrics.quarters.shift(4).loc[quarter]
    p = metrics.period

    def change_money(column: str) -> tuple[str, ...]:
        out = []
        for label, base in (("QoQ", previous), ("YoY", year_ago)):
            if not fmt.missing(_value(base, column)) and not fmt.missing(_value(row, column)):
                out.append(f"{fmt.money(_value(row, column) - _value(base, column), plus=True)}"
                           f" {label}")
        return tuple(out)

    def change_pct(qoq: str, yoy: str) -> tuple[str, ...]:
        return tuple(f"{fmt.delta(_value(row, c))} {label}" for c, label in
                     ((qoq, "QoQ"), (yoy, "YoY")) if not fmt.missing(_value(row, c)))

    share_change = tuple(
        f"{fmt.points(_value(row, 'mix_ai_hpc_share') - _value(base, 'mix_ai_hpc_share'))} {lab}"
        for base, lab in ((previous, "QoQ"), (year_ago, "YoY"))
        if not fmt.missing(_value(row, "mix_ai_hpc_share") - _value(base, "mix_ai_hpc_share")))
    ai_lines = lookup.business_metrics(p, "ai_hpc")
    return [
        Tile("Revenue", cell(lookup, p, "revenue_total", fmt.money(row["mix_total"])),
             change_pct("revenue_qoq", "revenue_yoy")),
        Tile("AI/HPC revenue", combined(lookup, p, ai_lines, fmt.money(row["mix_ai_hpc"])),
             change_pct("ai_hpc_qoq", "ai_hpc_yoy")),
        Tile("AI/HPC share", combined(lookup, p, [*ai_lines, "revenue_total"],
                                      fmt.pct(row["mix_ai_hpc_share"])), share_change),
        Tile("Net income", cell(lookup, p, "net_income", fmt.money(row["net_income"]),
                                row["net_income"]), change_money("net_income")),
        Tile("Adjusted EBITDA", cell(lookup, p, "adjusted_ebitda",
                                     fmt.money(row["adjusted_ebitda"]), row["adjusted_ebitda"]),
             change_money("adjusted_ebitda")),
        _non_cash_tile(metrics, lookup, row),
    ]


def _non_cash_tile(metrics: Metrics, lookup: FigureLookup, row: pd.Series) -> Tile:
    """The non-cash share of a loss; when the items exceed the loss, the result before them,
    since a share above 100% tells the reader nothing."""
    items = [m for m in metrics.bridge["metric"][metrics.bridge["non_cash"]]]
    effect, before = _value(row, "non_cash_effect"), _value(row, "before_non_cash")
    if not fmt.missing(effect) and effect < 0 and not fmt.missing(before) and before >= 0 and (
            _value(row, "net_income") < 0):
        return Tile("Before non-cash items", combined(lookup, metrics.period,
                                                      ["net_income", *items],
                                                      fmt.money(before), before),
                    (f"{fmt.money(-effect)} of non-cash items exceed the loss",))
    share = row["non_cash_share"]
    return Tile("Non-cash share of loss",
                combined(lookup, metrics.period, ["net_income", *items], fmt.pct(share, 0)),
                ("disclosed items",) if not fmt.missing(share) else ())


def _recent(metrics: Metrics, columns: list[str]) -> pd.DataFrame:
    window = metrics.quarters.tail(QUARTERS_IN_TABLES)
    has = window[columns].notna().any(axis=1)
    return window[has]


def _without_empty_columns(header: tuple[str, ...], rows: list[Row], keep: int = 1
                           ) -> tuple[tuple[str, ...], tuple[Row, ...]]:
    """Drop columns (after the first ``keep`` data columns) that no row has a figure in."""
    if not rows:
        return header, ()
    width = len(rows[0].cells)
    empty = {i for i in range(keep, width)
             if all(r.cells[i].text in (fmt.NOT_DISCLOSED, "") for r in rows)}
    kept_header = (header[0], *(h for i, h in enumerate(header[1:1 + width]) if i not in empty),
                   *header[1 + width:])
    kept_rows = tuple(Row(r.label, tuple(c for i, c in enumerate(r.cells) if i not in empty),
                          r.note, r.kind) for r in rows)
    return kept_header, kept_rows


def revenue_table(metrics: Metrics, lookup: FigureLookup) -> Table:
    table = _recent(metrics, ["mix_total", "mix_mining", "mix_ai_hpc"])
    rows = []
    for period, row in table.iterrows():
        p = periods.label(period)
        business_cells = tuple(
            combined(lookup, p, lookup.business_metrics(p, b), fmt.money(row[f"mix_{b}"]))
            for b in BUSINESSES)
        unsplit = row["mix_unallocated"]
        rows.append(Row(period_name(metrics, p), (
            cell(lookup, p, "revenue_total", fmt.money(row["mix_total"])),
            *business_cells,
            # Blank, not $0.0M, where the lines add up to the total: the column then drops out.
            Cell("" if not fmt.missing(unsplit) and abs(unsplit) < 0.05 else fmt.money(unsplit),
                 negative=is_negative(unsplit)),
            Cell(fmt.pct(row["mix_ai_hpc_share"])),
            Cell(fmt.delta(row["revenue_qoq"]), negative=is_negative(row["revenue_qoq"])),
            Cell(fmt.delta(row["revenue_yoy"]), negative=is_negative(row["revenue_yoy"])),
        )))
    header, kept = _without_empty_columns(
        ("Quarter", "Revenue", "Mining", "AI/HPC", "Other", "Not split", "AI/HPC share", "QoQ",
         "YoY"), rows)
    company = metrics.company
    mapped = {business: [metric_label(line, company) for line, b in
                         sorted(company.revenue_lines.items()) if b == business]
              for business in BUSINESSES}
    described = "; ".join(f"{name}: {', '.join(mapped[b])}" for b, name in
                          (("mining", "Mining"), ("ai_hpc", "AI/HPC"), ("other", "Other"))
                          if mapped[b])
    notes = ["Not split: the part of revenue that the lines disclosed do not account for "
             "(blank when they add up)."]
    notes.append(f"Revenue lines by business: {described}." if described else
                 "The sources give no split of revenue by business for this miner.")
    return Table("Revenue by business, USD", header, kept, tuple(notes), css_class="keep")


def bridge_table(metrics: Metrics, lookup: FigureLookup) -> Table:
    rows = []
    p = metrics.period
    for item in metrics.bridge.itertuples():
        if item.kind == "residual":
            shown = Cell(fmt.money(item.amount), negative=is_negative(item.amount))
            note = "computed: net income − adjusted EBITDA − items above"
        else:
            shown = cell(lookup, p, item.metric, fmt.money(item.amount), item.amount)
            note = "non-cash" if item.non_cash else ""
        rows.append(Row(item.label, (shown,), note, item.kind))
    return Table(f"Adjusted EBITDA to net income, {period_name(metrics)}",
                 ("Item", "Effect on net income", "Note"), tuple(rows),
                 (f"Charges are shown as their effect on net income (negative). "
                  f"{fmt.NOT_DISCLOSED}: not in the inputs; such an item is inside the "
                  "residual.",), css_class="keep")


def market_rows(metrics: Metrics, market: pd.DataFrame) -> pd.DataFrame:
    """The market figures a briefing prints: hashprice in the quarters its economics show."""
    shown = {periods.label(p) for p in _recent(metrics, ECONOMICS_INPUTS).index}
    best = market.sort_values("line").drop_duplicates(["period", "metric"])
    return best[(best["metric"] == "hashprice") & best["period"].isin(shown)]


ECONOMICS_INPUTS = ["btc_mined", "hashrate", "fleet_efficiency", "power_cost_per_btc",
                    "revenue_per_btc"]


def economics_table(metrics: Metrics, lookup: FigureLookup, market: pd.DataFrame) -> Table:
    table = _recent(metrics, ECONOMICS_INPUTS)
    hashprice = {r.period: r for r in market_rows(metrics, market).itertuples()}
    rows = []
    for period, row in table.iterrows():
        p = periods.label(period)
        mining = lookup.business_metrics(p, "mining")
        market_row = hashprice.get(p)
        rows.append(Row(period_name(metrics, p), (
            cell(lookup, p, "btc_mined", fmt.number(row["btc_mined"], "", 0)),
            cell(lookup, p, "hashrate", fmt.number(row["hashrate"], "EH/s")),
            cell(lookup, p, "fleet_efficiency", fmt.number(row["fleet_efficiency"], "J/TH")),
            cell(lookup, p, "power_cost_per_btc", fmt.usd(row["power_cost_per_btc"])),
            combined(lookup, p, [*mining, "btc_mined"], fmt.usd(row["revenue_per_btc"])),
            combined(lookup, p, [*mining, "hashrate"], fmt.usd(row["realized_hashprice"])),
            Cell(fmt.usd(row["market_hashprice"]),
                 STATUS_MARKS.get(market_row.status, "") if market_row else "",
                 tuple(market_row.source.split(";")) if market_row else ()),
        )))
    header, kept = _without_empty_columns(
        ("Quarter", "BTC mined", "Hashrate", "Efficiency", "Power cost / BTC", "Revenue / BTC",
         "Realized hashprice", "Market hashprice"), rows, keep=0)
    definitions = {
        "Revenue / BTC": "Revenue per BTC = mining revenue ÷ BTC mined.",
        "Realized hashprice": "Realized hashprice = mining revenue ÷ (EH/s × 1,000 × days), USD "
                              "per PH/s per day, using quarter-end hashrate.",
        "Market hashprice": "Market hashprice: the quarter's average as the sources give it.",
    }
    notes = " ".join(text for heading, text in definitions.items() if heading in header)
    return Table("Mining output and costs by quarter", header, kept,
                 (notes,) if notes else (), css_class="keep")


def contracts_table(metrics: Metrics) -> Table:
    rows = []
    for contract in metrics.company.contracts:
        per_mw = revenue_per_mw_year(contract)
        rows.append(Row(contract.customer, (
            Cell(contract.site or fmt.NOT_DISCLOSED, wrap=True),
            Cell(fmt.number(contract.mw, "MW")),
            Cell(fmt.number(contract.term_years, "yrs", 0)),
            Cell(fmt.money(contract.value_usd_m), STATUS_MARKS[contract.status],
                 (contract.source,)),
            Cell(fmt.money(per_mw, 2), STATUS_MARKS[contract.status] if not fmt.missing(per_mw)
                 else "", (contract.source,) if not fmt.missing(per_mw) else ()),
            Cell(contract.backstop or fmt.NOT_DISCLOSED, wrap=True),
        ), contract.note))
    return Table("AI/HPC contracts announced", ("Customer", "Site", "Critical IT", "Term",
                                                "Value", "Per MW a year", "Backstop", "Note"),
                 tuple(rows), ("Per MW a year = value ÷ term ÷ critical IT MW: what a contracted "
                               "megawatt earns a year at full ramp.",), css_class="keep")


def facts_table(metrics: Metrics, market: pd.DataFrame) -> Table:
    facts = metrics.facts.assign(_order=metrics.facts["period"].map(_period_order))
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
            Cell(f"Market: {metric_label_market(fact.metric)}", wrap=True),
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
    return Table(f"Every figure in the inputs for {metrics.company.ticker} up to "
                 f"{period_name(metrics)}, with its source", ("Period", "Figure", "Value", "Status",
                                                        "Source", "Input", "Note"),
                 tuple(rows), css_class="dense")


def metric_label_market(metric: str) -> str:
    return MARKET_METRICS[metric].label if metric in MARKET_METRICS else metric


def _period_order(label: str) -> tuple[int, int]:
    if periods.is_quarter(label):
        quarter = periods.quarter(label)
        return quarter.year, quarter.quarter
    digits = "".join(ch for ch in label if ch.isdigit())
    return int(digits[:4]), 5 if label.startswith("FY") else 2 + 2 * int(label[-1])


def cited_sources(metrics: Metrics, sources: dict[str, Source], market: pd.DataFrame
                  ) -> list[Source]:
    """The sources of exactly the figures the briefing prints: every input row in its
    appendix (which the body's figures are drawn from), its contracts and market figures."""
    ids = {s for cell in metrics.facts["source"] for s in cell.split(";")}
    ids |= {c.source for c in metrics.company.contracts}
    ids |= {s for cell in market_rows(metrics, market)["source"] for s in cell.split(";")}
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
        if (r.period, r.metric) not in tabled | guided and guidance_target(r.metric) is None]


def other_periods_table(metrics: Metrics) -> Table:
    facts = metrics.other_periods.assign(
        _order=metrics.other_periods["period"].map(_period_order)).sort_values(
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


def disagreements_table(metrics: Metrics) -> Table:
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


def guidance_table(metrics: Metrics, lookup: FigureLookup) -> Table:
    """Each actual against the company's guidance for the same quarter, where both are in the
    inputs."""
    rows = []
    guided: dict[tuple[str, str], dict[str, float]] = {}
    for fact in best_facts(metrics.facts).itertuples():
        target = guidance_target(str(fact.metric))
        if target is not None and periods.is_quarter(str(fact.period)):
            guided.setdefault((str(fact.period), target[0]), {})[target[1]] = float(fact.value)
    for (p, base), given in sorted(guided.items(), key=lambda item: periods.ordinal(item[0][0])):
        low, high = given.get("low", given.get("point")), given.get("high", given.get("point"))
        actual = _value(metrics.quarters.loc[periods.quarter(p)], base) if (
            periods.quarter(p) in metrics.quarters.index) else math.nan
        if low is None or high is None or fmt.missing(actual):
            continue
        names = [f"guide_{base}"] if "point" in given else [f"guide_{base}_low",
                                                            f"guide_{base}_high"]
        guide_text = fmt.money(low) if low == high else f"{fmt.money(low)} to {fmt.money(high)}"
        rows.append(Row(period_name(metrics, p), (
            Cell(metric_label(base, metrics.company)),
            cell(lookup, p, base, fmt.money(actual), actual),
            combined(lookup, p, names, guide_text),
            Cell(guidance_verdict(actual, low, high)),
            Cell(", ".join(dict.fromkeys(lookup.sources(p, base) + tuple(
                s for n in names for s in lookup.sources(p, n)))), wrap=True),
        )))
    return Table("Actual against the company's guidance", (
        "Quarter", "Figure", "Actual", "Guidance", "Actual is", "Sources"), tuple(rows),
        css_class="keep")


def exceeds_loss(metrics: Metrics) -> bool:
    """Disclosed non-cash items larger than the covered quarter's net loss."""
    row = metrics.quarters.loc[periods.quarter(metrics.period)]
    effect, before = _value(row, "non_cash_effect"), _value(row, "before_non_cash")
    return (_value(row, "net_income") < 0 and not fmt.missing(effect) and effect < 0
            and not fmt.missing(before) and before > 0)


def peers_table(metrics: Metrics, ranked: list[RankedMetric]) -> Table:
    formatters = {"ai_hpc_share": fmt.pct, "revenue_qoq": fmt.delta,
                  "non_cash_share": lambda v: fmt.pct(v, 0),
                  "contracted_annual_revenue": fmt.money}
    rows = []
    for item in ranked:
        show = formatters[item.key]
        rank = (f"{ordinal(item.rank)} of {item.disclosed}" if item.rank is not None
                else fmt.NOT_DISCLOSED)
        shown = show(item.value)
        if item.key == "non_cash_share" and fmt.missing(item.value) and exceeds_loss(metrics):
            shown, rank = "exceeds loss", "not ranked"
        median = (f"{show(item.median)} (of {item.median_of})" if not fmt.missing(item.median)
                  else fmt.NOT_DISCLOSED)
        rows.append(Row(item.label, (
            Cell(shown, negative=is_negative(item.value)), Cell(rank),
            Cell(median, negative=is_negative(item.median)),
            Cell(f"{item.disclosed} of {item.peers}"),
        )))
    return Table(f"{metrics.company.ticker} among its peers", (
        "Metric", metrics.company.ticker, "Rank (1st = highest)", "Median of the others",
        "Peers disclosing"), tuple(rows),
        ("Ranks count the miners that disclose the figure, each for its latest reported quarter "
         f"up to {metrics.requested_period}; the median is of the other miners and is left out "
         "when fewer than 3 of them disclose the figure. The non-cash share is not stated where "
         "non-cash items exceed the loss. Contracted revenue a year: Σ value ÷ term over the "
         "listed contracts that give both.",),
        css_class="keep")


@dataclass(frozen=True)
class Fact:
    """One line of a definition list: a label, a marked figure, and what it is as of or how
    it was computed."""

    label: str
    value: Cell
    note: str = ""


def _latest_cell(lookup: FigureLookup, metric: str, value: object, as_of: object,
                 show: Any = fmt.money) -> tuple[Cell, str]:
    if not isinstance(as_of, str):
        return Cell(show(value)), ""
    return cell(lookup, as_of, metric, show(value), float(value)), f"as of {as_of}"  # type: ignore[arg-type]


def pipeline_facts(metrics: Metrics, lookup: FigureLookup) -> list[Fact]:
    pipe = metrics.pipeline
    contracts = metrics.company.contracts
    summed = "sum of the contracts listed below, computed here"
    listed_status = weakest_mark(c.status for c in contracts)
    listed_sources = tuple(dict.fromkeys(c.source for c in contracts))
    facts = []
    mw, note = _latest_cell(lookup, "ai_hpc_mw_contracted", pipe["mw_contracted"],
                            pipe["mw_contracted_as_of"], lambda v: fmt.number(v, "MW", 0))
    if pipe["mw_contracted_as_of"] is None and pipe["from_listed_contracts"]:
        mw, note = Cell(mw.text, listed_status, listed_sources), summed
    facts.append(Fact("Contracted critical IT", mw, note))
    facts.append(Fact("Energized for AI/HPC", *_latest_cell(
        lookup, "ai_hpc_mw_energized", pipe["mw_energized"], pipe["mw_energized_as_of"],
        lambda v: fmt.number(v, "MW", 1))))
    value, note = _latest_cell(lookup, "ai_hpc_contracted_value", pipe["contracted_value"],
                               pipe["contracted_value_as_of"])
    if pipe["from_listed_contracts"]:
        value, note = Cell(value.text, listed_status, listed_sources), summed
    facts.append(Fact("Contracted revenue, total", value, note))
    used = [c for c in contracts if c.value_usd_m is not None and c.term_years]
    annual = Cell(fmt.money(pipe["contracted_annual_revenue"]),  # type: ignore[arg-type]
                  weakest_mark(c.status for c in used), tuple(c.source for c in used))
    facts.append(Fact("Contracted revenue a year at full ramp", annual,
                      f"value ÷ term at each contract's full value, over the "
                      f"{pipe['contracts_with_terms']} of {pipe['contracts_listed']} listed "
                      "contracts that give both" if used else ""))
    run_rate = pipe["annualized_run_rate"]
    ai_lines = lookup.business_metrics(metrics.period, "ai_hpc")
    facts.append(Fact("AI/HPC revenue run-rate, a year",
                      combined(lookup, metrics.period, ai_lines, fmt.money(run_rate)),  # type: ignore[arg-type]
                      "" if fmt.missing(run_rate) else f"{period_name(metrics)} × 4"))
    return facts


def liquidity_facts(metrics: Metrics, lookup: FigureLookup) -> list[Fact]:
    cash = metrics.liquidity
    metric = str(cash["cash_metric"] or "cash")
    facts = [
        Fact(str(cash["cash_label"]), *_latest_cell(lookup, metric, cash["cash"],
                                                    cash["cash_as_of"])),
        Fact("Total debt", *_latest_cell(lookup, "total_debt", cash["total_debt"],
                                         cash["total_debt_as_of"])),
    ]
    net = cash["net_debt"]
    facts.append(Fact("Net debt", combined(lookup, str(cash["cash_as_of"]),
                                           [metric, "total_debt"], fmt.money(net)),  # type: ignore[arg-type]
                      "needs cash and debt at the same quarter end" if fmt.missing(net)  # type: ignore[arg-type]
                      else f"debt − {str(cash['cash_label']).lower()}"))
    for key, label in (("convertible_notes", "Convertible notes"),
                       ("warrant_liability", "Warrant liability")):
        value, as_of = cash[key]  # type: ignore[misc]
        facts.append(Fact(label, *_latest_cell(lookup, key, value, as_of)))
    return facts


def weakest_mark(statuses: Iterable[str]) -> str:
    return STATUS_MARKS.get(weakest(statuses), "")


def section_dates(metrics: Metrics) -> dict[str, str]:
    """For each section whose latest figure predates the covered quarter, the quarter it
    stops at, so the section can say so in its first line."""
    economics = _recent(metrics, ECONOMICS_INPUTS)
    liquidity = [metrics.liquidity["cash_as_of"], metrics.liquidity["total_debt_as_of"]]
    pipeline = [metrics.pipeline["mw_contracted_as_of"], metrics.pipeline["mw_energized_as_of"],
                metrics.pipeline["contracted_value_as_of"]]
    latest = {
        "mining": periods.label(economics.index[-1]) if not economics.empty else None,
        "liquidity": max((q for q in liquidity if isinstance(q, str)), key=periods.ordinal,
                         default=None),
        "pipeline": max((q for q in pipeline if isinstance(q, str)), key=periods.ordinal,
                        default=None),
    }
    # Every section is a key, so a template can test one without StrictUndefined failing.
    return {section: period_name(metrics, quarter) if quarter is not None and periods.ordinal(
        quarter) < periods.ordinal(metrics.period) else "" for section, quarter in latest.items()}


def context(metrics: Metrics, charts: list[Any], claims: list[Claim],
            sources: dict[str, Source], settings: dict[str, Any],
            ranked: list[RankedMetric], market: pd.DataFrame) -> dict[str, Any]:
    """Everything briefing.html prints, already formatted; ``settings`` carries theme and paper."""
    lookup = FigureLookup(metrics)
    amounts = metrics.bridge.set_index("metric")["amount"]
    company = metrics.company
    title_period = period_name(metrics)
    return {
        **settings,
        "title": f"{company.name} ({company.ticker}): {title_period} briefing",
        "description": f"AI/HPC pivot and net result of {company.name}, {title_period}",
        "keywords": [company.ticker, title_period, "bitcoin mining", "AI/HPC"],
        "running_header": f"{company.name} ({company.ticker}) · {title_period}",
        "company": company,
        "period_title": title_period,
        "requested_period": metrics.requested_period,
        "stale": metrics.is_stale,
        "published_since": ", ".join(published_since(metrics)),
        "tiles": kpi_tiles(metrics, lookup),
        "claims": claims,
        "charts": charts,
        "revenue_table": revenue_table(metrics, lookup),
        "pipeline": metrics.pipeline,
        "pipeline_facts": pipeline_facts(metrics, lookup),
        "liquidity_facts": liquidity_facts(metrics, lookup),
        "contracts_table": contracts_table(metrics),
        "bridge_table": bridge_table(metrics, lookup),
        "bridge_complete": not (fmt.missing(amounts["net_income"])
                                or fmt.missing(amounts["adjusted_ebitda"])),
        "bridge_missing_net": fmt.missing(amounts["net_income"]),
        "economics_table": economics_table(metrics, lookup, market),
        "section_dates": section_dates(metrics),
        "peers_table": peers_table(metrics, ranked),
        "liquidity": metrics.liquidity,
        "other_periods_table": other_periods_table(metrics),
        "disagreements_table": disagreements_table(metrics),
        "guidance_table": guidance_table(metrics, lookup),
        "caveats": caveats(metrics),
        "facts_table": facts_table(metrics, market),
        "sources": cited_sources(metrics, dict(sources), market),
    }

