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
from reportgen.metrics import BUSINESSES, best_facts
from reportgen.model import Metrics, Source
from reportgen.narrative import period_name
from reportgen.peers import RankedMetric, ordinal
from reportgen.vocabulary import METRICS, STATUS_MARKS, STATUSES

QUARTERS_IN_TABLES = 8


@dataclass(frozen=True)
class Cell:
    text: str
    mark: str = ""
    sources: tuple[str, ...] = ()
    negative: bool = False
    wrap: bool = False
    """Text cells may wrap; numbers never break across lines."""


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


class FigureLookup:
    """Status and sources of the figure used for (period, metric), from the best input row."""

    def __init__(self, metrics: Metrics) -> None:
        self._rows = {(r.period, r.metric): r for r in best_facts(metrics.facts).itertuples()}
        self._company = metrics.company

    def status(self, period: str, metric: str) -> str:
        row = self._rows.get((period, metric))
        return row.status if row is not None else ""

    def sources(self, period: str, metric: str) -> tuple[str, ...]:
        row = self._rows.get((period, metric))
        return tuple(row.source.split(";")) if row is not None else ()

    def business_metrics(self, period: str, business: str) -> list[str]:
        return [metric for (p, metric) in self._rows
                if p == period and self._company.business_of(metric) == business]

    def cell(self, period: str, metric: str, text: str, value: float | None = None) -> Cell:
        return Cell(text, STATUS_MARKS.get(self.status(period, metric), ""),
                    self.sources(period, metric), is_negative(value))

    def combined(self, period: str, metrics: Iterable[str], text: str,
                 value: float | None = None) -> Cell:
        """A computed cell marked with the weakest status among the figures it adds up."""
        names = list(metrics)
        statuses = [self.status(period, m) for m in names if self.status(period, m)]
        worst = max(statuses, key=STATUSES.index) if statuses else ""
        sources = tuple(dict.fromkeys(s for m in names for s in self.sources(period, m)))
        return Cell(text, STATUS_MARKS.get(worst, ""), sources, is_negative(value))


def metric_label(metric: str) -> str:
    """The reader's name for a metric; a miner's own revenue line keeps its name."""
    return METRICS[metric].label if metric in METRICS else metric


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
        Tile("Revenue", lookup.cell(p, "revenue_total", fmt.money(row["mix_total"])),
             change_pct("revenue_qoq", "revenue_yoy")),
        Tile("AI/HPC revenue", lookup.combined(p, ai_lines, fmt.money(row["mix_ai_hpc"])),
             change_pct("ai_hpc_qoq", "ai_hpc_yoy")),
        Tile("AI/HPC share", lookup.combined(p, [*ai_lines, "revenue_total"],
                                             fmt.pct(row["mix_ai_hpc_share"])), share_change),
        Tile("Net income", lookup.cell(p, "net_income", fmt.money(row["net_income"]),
                                       row["net_income"]), change_money("net_income")),
        Tile("Adjusted EBITDA", lookup.cell(p, "adjusted_ebitda",
                                            fmt.money(row["adjusted_ebitda"]),
                                            row["adjusted_ebitda"]),
             change_money("adjusted_ebitda")),
        Tile("Non-cash share of loss", Cell(fmt.pct(row["non_cash_share"], 0)),
             ("disclosed items",) if not fmt.missing(row["non_cash_share"]) else ()),
    ]


def _recent(metrics: Metrics, columns: list[str]) -> pd.DataFrame:
    window = metrics.quarters.tail(QUARTERS_IN_TABLES)
    has = window[columns].notna().any(axis=1)
    return window[has]


def revenue_table(metrics: Metrics, lookup: FigureLookup) -> Table:
    table = _recent(metrics, ["mix_total", "mix_mining", "mix_ai_hpc"])
    rows = []
    for period, row in table.iterrows():
        p = periods.label(period)
        business_cells = tuple(
            lookup.combined(p, lookup.business_metrics(p, b), fmt.money(row[f"mix_{b}"]))
            for b in BUSINESSES)
        rows.append(Row(period_name(metrics, p), (
            lookup.cell(p, "revenue_total", fmt.money(row["mix_total"])),
            *business_cells,
            Cell(fmt.money(row["mix_unallocated"]), negative=is_negative(row["mix_unallocated"])),
            Cell(fmt.pct(row["mix_ai_hpc_share"])),
            Cell(fmt.delta(row["revenue_qoq"]), negative=is_negative(row["revenue_qoq"])),
            Cell(fmt.delta(row["revenue_yoy"]), negative=is_negative(row["revenue_yoy"])),
        )))
    notes = ["Not split: the part of revenue that the disclosed lines do not account for.",
             "Lines mapped to businesses: " + ", ".join(
                 f"{line} → {business}" for line, business in
                 sorted(metrics.company.revenue_lines.items())) + "."
             if metrics.company.revenue_lines else
             "The sources give no split of revenue by business for this miner."]
    return Table("Revenue by business, USD", ("Quarter", "Revenue", "Mining", "AI/HPC", "Other",
                                              "Not split", "AI/HPC share", "QoQ", "YoY"),
                 tuple(rows), tuple(notes), css_class="keep")


def bridge_table(metrics: Metrics, lookup: FigureLookup) -> Table:
    rows = []
    p = metrics.period
    for item in metrics.bridge.itertuples():
        if item.kind == "residual":
            cell = Cell(fmt.money(item.amount), negative=is_negative(item.amount))
            note = "computed: net income − adjusted EBITDA − items above"
        else:
            cell = lookup.cell(p, item.metric, fmt.money(item.amount), item.amount)
            note = "non-cash" if item.non_cash else ""
        rows.append(Row(item.label, (cell,), note, item.kind))
    return Table(f"Adjusted EBITDA to net income, {period_name(metrics)}",
                 ("Item", "Effect on net income", "Note"), tuple(rows),
                 ("Charges are shown as their effect on net income (negative). n/d: not "
                  "disclosed in the sources; an undisclosed item is inside the residual.",),
                 css_class="keep")


def economics_table(metrics: Metrics, lookup: FigureLookup) -> Table:
    columns = ["btc_mined", "hashrate", "fleet_efficiency", "power_cost_per_btc",
               "revenue_per_btc", "realized_hashprice", "market_hashprice"]
    table = _recent(metrics, columns[:5])
    rows = []
    for period, row in table.iterrows():
        p = periods.label(period)
        rows.append(Row(period_name(metrics, p), (
            lookup.cell(p, "btc_mined", fmt.number(row["btc_mined"], "", 0)),
            lookup.cell(p, "hashrate", fmt.number(row["hashrate"], "EH/s")),
            lookup.cell(p, "fleet_efficiency", fmt.number(row["fleet_efficiency"], "J/TH")),
            lookup.cell(p, "power_cost_per_btc", fmt.usd(row["power_cost_per_btc"])),
            Cell(fmt.usd(row["revenue_per_btc"])),
            Cell(fmt.usd(row["realized_hashprice"])),
            Cell(fmt.usd(row["market_hashprice"])),
        )))
    return Table("Mining economics", ("Quarter", "BTC mined", "Hashrate", "Efficiency",
                                      "Power cost / BTC", "Revenue / BTC",
                                      "Realized hashprice", "Market hashprice"), tuple(rows),
                 ("Revenue per BTC = mining revenue ÷ BTC mined. Realized hashprice = mining "
                  "revenue ÷ (EH/s × 1,000 × days), USD per PH/s per day, using quarter-end "
                  "hashrate. Market hashprice from inputs/market.csv.",), css_class="keep")


def contracts_table(metrics: Metrics) -> Table:
    rows = tuple(
        Row(contract.customer, (
            Cell(contract.site or "n/d", wrap=True), Cell(fmt.number(contract.mw, "MW")),
            Cell(fmt.number(contract.term_years, "yrs", 0)),
            Cell(fmt.money(contract.value_usd_m), STATUS_MARKS[contract.status],
                 (contract.source,)),
            Cell(contract.backstop or "—", wrap=True),
        ), contract.note)
        for contract in metrics.company.contracts
    )
    return Table("AI/HPC contracts announced", ("Customer", "Site", "Critical IT", "Term",
                                                "Value", "Backstop", "Note"), rows,
                 css_class="keep")


def facts_table(metrics: Metrics) -> Table:
    facts = metrics.facts.assign(_order=metrics.facts["period"].map(_period_order))
    facts = facts.sort_values(["_order", "metric", "line"], ascending=[False, True, True])
    rows = tuple(
        Row(f"{fact.period}", (
            Cell(metric_label(fact.metric), wrap=True),
            Cell(fmt.fact(fact.value, fact.unit), STATUS_MARKS[fact.status], negative=(
                fact.value < 0)),
            Cell(fact.status), Cell(fact.source.replace(";", ", "), wrap=True),
            Cell(str(fact.line)),
        ), fact.note)
        for fact in facts.itertuples()
    )
    return Table("Every figure used, with its source", ("Period", "Figure", "Value", "Status",
                                                        "Source", "Line in facts.csv", "Note"),
                 rows, css_class="dense")


def _period_order(label: str) -> tuple[int, int]:
    if periods.is_quarter(label):
        quarter = periods.quarter(label)
        return quarter.year, quarter.quarter
    digits = "".join(ch for ch in label if ch.isdigit())
    return int(digits[:4]), 5 if label.startswith("FY") else 2 + 2 * int(label[-1])


def cited_sources(metrics: Metrics, sources: dict[str, Source]) -> list[Source]:
    ids = {s for cell in metrics.facts["source"] for s in cell.split(";")}
    ids |= {c.source for c in metrics.company.contracts}
    return [sources[i] for i in sorted(ids)]


def source_notes(metrics: Metrics) -> list[str]:
    """Caveats the data itself carries: notes on the covered quarter's rows that are not
    straight from a release or filing (a reported row's note only describes it)."""
    facts = metrics.facts
    current = facts[(facts["period"] == metrics.period) & (facts["note"] != "")
                    & (facts["status"] != "reported")]
    return [f"{metric_label(r.metric)}: {r.note}"
            for r in current.itertuples()]




def other_periods_table(metrics: Metrics) -> Table:
    facts = metrics.other_periods.assign(
        _order=metrics.other_periods["period"].map(_period_order)).sort_values(
        ["_order", "line"], ascending=[False, True])
    rows = tuple(
        Row(fact.period, (
            Cell(metric_label(fact.metric)),
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
            Cell(metric_label(row.metric)),
            Cell(fmt.fact(row.value, row.unit), STATUS_MARKS[row.status]),
            Cell(row.source), Cell(row.status), Cell("used" if row.used else "not used"),
        ), row.note)
        for row in metrics.disagreements.itertuples()
    )
    return Table("Figures the sources give differently", ("Period", "Figure", "Value", "Source",
                                                          "Status", "In this briefing", "Note"),
                 rows, ("The better status wins (reported, then secondary, derived, estimate); "
                        "on a tie, the first row in facts.csv.",))


def peers_table(metrics: Metrics, ranked: list[RankedMetric]) -> Table:
    formatters = {"ai_hpc_share": fmt.pct, "revenue_qoq": fmt.delta,
                  "non_cash_share": lambda v: fmt.pct(v, 0), "backlog_multiple": fmt.multiple}
    rows = []
    for item in ranked:
        show = formatters[item.key]
        rank = (f"{ordinal(item.rank)} of {item.disclosed}" if item.rank is not None
                else "n/d")
        rows.append(Row(item.label, (
            Cell(show(item.value), negative=is_negative(item.value)), Cell(rank),
            Cell(show(item.median), negative=is_negative(item.median)),
            Cell(f"{item.disclosed} of {item.peers}"),
        )))
    return Table(f"{metrics.company.ticker} among its peers", (
        "Metric", metrics.company.ticker, "Rank (1st = highest)", "Peer median",
        "Peers disclosing"), tuple(rows),
        ("Ranks and medians count the peers that disclose the figure, each for its latest "
         f"reported quarter up to {metrics.requested_period}; the sector overview lists them.",),
        css_class="keep")


def context(metrics: Metrics, charts: list[Any], sentences: list[str],
            sources: dict[str, Source], settings: dict[str, Any],
            ranked: list[RankedMetric]) -> dict[str, Any]:
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
        "tiles": kpi_tiles(metrics, lookup),
        "sentences": sentences,
        "charts": charts,
        "revenue_table": revenue_table(metrics, lookup),
        "pipeline": metrics.pipeline,
        "contracts_table": contracts_table(metrics),
        "bridge_table": bridge_table(metrics, lookup),
        "bridge_complete": not (fmt.missing(amounts["net_income"])
                                or fmt.missing(amounts["adjusted_ebitda"])),
        "bridge_missing_net": fmt.missing(amounts["net_income"]),
        "economics_table": economics_table(metrics, lookup),
        "peers_table": peers_table(metrics, ranked),
        "liquidity": metrics.liquidity,
        "other_periods_table": other_periods_table(metrics),
        "disagreements_table": disagreements_table(metrics),
        "caveats": source_notes(metrics),
        "facts_table": facts_table(metrics),
        "sources": cited_sources(metrics, dict(sources)),
    }
