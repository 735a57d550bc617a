"""What the templates print: Metrics turned into rows of already-formatted cells.

Templates then only lay out; every number's wording comes from :mod:`reportgen.formatting`,
and every input figure carries its status mark and source ids so the reader can trace it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd

from reportgen import analysis_view, audit_view, moves, periods, valuation
from reportgen import columns as col
from reportgen import formatting as fmt
from reportgen.cells import Cell, Fact, Row, Table, Tile, TileKey, without_empty_columns
from reportgen.claims import Claim, guidance_verdict, period_name
from reportgen.formatting import Formatter
from reportgen.metrics import (
    BUSINESSES,
    published_since,
    revenue_per_mw_year,
)
from reportgen.model import Dated, Metrics, Pipeline, Source
from reportgen.peers import RankedMetric, ordinal
from reportgen.provenance import FigureLookup, weakest
from reportgen.vocabulary import (
    METRICS,
    STATUS_MARKS,
    consensus_target,
    guidance_target,
    metric_label,
)
from reportgen.window import ECONOMICS_INPUTS, market_rows, recent


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


def is_negative(value: float | None) -> bool:
    return value is not None and not fmt.missing(value) and value < 0


def _value(row: pd.Series, column: str) -> float:
    value = row.get(column, math.nan)
    return float(value) if value is not None else math.nan


def kpi_tiles(metrics: Metrics, lookup: FigureLookup, fmt: Formatter) -> list[Tile]:
    quarter = periods.quarter(metrics.period)
    row = metrics.quarters.loc[quarter]
    previous = metrics.quarters.shift(1).loc[quarter]
    year_ago = metrics.quarters.shift(4).loc[quarter]
    p = metrics.period

    def change_money(column: str) -> tuple[str, ...]:
        """Changes against figures of record only: never from an estimate (a placeholder)."""
        out = []
        if not lookup.of_record(p, column):
            return ()
        for label, base, back in (("QoQ", previous, 1), ("YoY", year_ago, 4)):
            if not lookup.of_record(periods.shift(p, -back), column):
                continue
            if not fmt.missing(_value(base, column)) and not fmt.missing(_value(row, column)):
                out.append(f"{fmt.money(_value(row, column) - _value(base, column), plus=True)}"
                           f" {label}")
        return tuple(out)

    def change_pct(qoq: str, yoy: str) -> tuple[str, ...]:
        return tuple(f"{fmt.delta(_value(row, c))} {label}" for c, label in
                     ((qoq, "QoQ"), (yoy, "YoY")) if not fmt.missing(_value(row, c)))

    share_change = tuple(
        f"{fmt.points(_value(row, col.AI_HPC_SHARE) - _value(base, col.AI_HPC_SHARE))} {lab}"
        for base, lab in ((previous, "QoQ"), (year_ago, "YoY"))
        if not fmt.missing(_value(row, col.AI_HPC_SHARE) - _value(base, col.AI_HPC_SHARE)))
    ai_lines = lookup.business_metrics(p, "ai_hpc")
    share_of = [*ai_lines, "revenue_total"]
    return [
        Tile(TileKey.REVENUE, "Revenue",
             cell(lookup, p, "revenue_total", fmt.money(row[col.REVENUE])),
             change_pct(col.REVENUE_QOQ, col.REVENUE_YOY)),
        Tile(TileKey.AI_HPC_REVENUE, "AI/HPC revenue",
             combined(lookup, p, ai_lines, fmt.money(row[col.AI_HPC_REVENUE])),
             change_pct(col.AI_HPC_QOQ, col.AI_HPC_YOY)),
        Tile(TileKey.AI_HPC_SHARE, "AI/HPC share",
             combined(lookup, p, share_of, fmt.pct(row[col.AI_HPC_SHARE])), share_change),
        Tile(TileKey.NET_INCOME, "Net income",
             cell(lookup, p, "net_income", fmt.money(row["net_income"]), row["net_income"]),
             change_money("net_income")),
        Tile(TileKey.ADJUSTED_EBITDA, "Adjusted EBITDA",
             cell(lookup, p, "adjusted_ebitda", fmt.money(row["adjusted_ebitda"]),
                  row["adjusted_ebitda"]),
             change_money("adjusted_ebitda")),
        _non_cash_tile(metrics, lookup, row, fmt),
    ]


def _non_cash_tile(metrics: Metrics, lookup: FigureLookup, row: pd.Series, fmt: Formatter
                   ) -> Tile:
    """The non-cash share of a loss; when the items exceed the loss, the result before them,
    since a share above 100% tells the reader nothing."""
    items = [m for m in metrics.bridge["metric"][metrics.bridge["non_cash"]]]
    effect, before = _value(row, col.NON_CASH_EFFECT), _value(row, col.BEFORE_NON_CASH)
    if not fmt.missing(effect) and effect < 0 and not fmt.missing(before) and before >= 0 and (
            _value(row, "net_income") < 0):
        return Tile(TileKey.NON_CASH, "Before non-cash items",
                    combined(lookup, metrics.period, ["net_income", *items], fmt.money(before),
                             before),
                    (f"{fmt.money(-effect)} of non-cash items exceed the loss",))
    share = row[col.NON_CASH_SHARE]
    return Tile(TileKey.NON_CASH, "Non-cash share of loss",
                combined(lookup, metrics.period, ["net_income", *items], fmt.pct(share, 0)),
                ("disclosed items",) if not fmt.missing(share) else ())


def revenue_table(metrics: Metrics, lookup: FigureLookup, fmt: Formatter) -> Table:
    table = recent(metrics, [col.REVENUE, col.MINING_REVENUE, col.AI_HPC_REVENUE])
    rows = []
    for period, row in table.iterrows():
        p = periods.label(period)
        split = any(not fmt.missing(row[col.revenue_of(b)]) for b in BUSINESSES)
        business_cells = tuple(
            combined(lookup, p, lookup.business_metrics(p, b), fmt.money(row[col.revenue_of(b)]))
            if split else Cell("") for b in BUSINESSES)
        unsplit = row[col.UNALLOCATED]
        rows.append(Row(period_name(metrics, p), (
            cell(lookup, p, "revenue_total", fmt.money(row[col.REVENUE])),
            *business_cells,
            # Blank, not $0.0M, where the lines add up to the total: the column then drops out.
            Cell("" if not fmt.missing(unsplit) and abs(unsplit) < 0.05 else fmt.money(unsplit),
                 negative=is_negative(unsplit)),
            Cell(fmt.pct(row[col.AI_HPC_SHARE]) if split else ""),
            Cell(fmt.delta(row[col.REVENUE_QOQ]), negative=is_negative(row[col.REVENUE_QOQ])),
            Cell(fmt.delta(row[col.REVENUE_YOY]), negative=is_negative(row[col.REVENUE_YOY])),
        )))
    header, kept = without_empty_columns(
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
             "(blank when they add up). A row blank beside its revenue: the sources give no "
             "split by business for that quarter."]
    notes.append(f"Revenue lines by business: {described}." if described else
                 "The sources give no split of revenue by business for this miner.")
    return Table("Revenue by business, USD", header, kept, tuple(notes), css_class="keep")


def bridge_table(metrics: Metrics, lookup: FigureLookup, fmt: Formatter) -> Table:
    """Adjusted EBITDA to net income; items the sources do not disclose are named in the note
    (they are inside the residual) rather than printed as rows without a figure."""
    rows = []
    undisclosed = []
    p = metrics.period
    for item in metrics.bridge.itertuples():
        if item.kind == "item" and fmt.missing(item.amount):
            undisclosed.append(item.label.lower())
            continue
        if item.kind == "residual":
            shown = Cell(fmt.money(item.amount), negative=is_negative(item.amount))
            note = "computed: net income − adjusted EBITDA − items above"
        else:
            shown = cell(lookup, p, item.metric, fmt.money(item.amount), item.amount)
            note = "non-cash" if item.non_cash else ""
        rows.append(Row(item.label, (shown,), note, item.kind))
    notes = ["Charges are shown as their effect on net income (negative)."]
    if undisclosed:
        notes.append(f"Not disclosed for {period_name(metrics)}, so inside the residual: "
                     f"{', '.join(undisclosed)}.")
    return Table(f"Adjusted EBITDA to net income, {period_name(metrics)}",
                 ("Item", "Effect on net income", "Note"), tuple(rows), tuple(notes),
                 css_class="keep")


def economics_table(metrics: Metrics, lookup: FigureLookup, market: pd.DataFrame,
                    fmt: Formatter) -> Table:
    """Mining unit economics by quarter, the miner's own against the market's hashprice and
    median hashcost of the same quarter."""
    table = recent(metrics, ECONOMICS_INPUTS)
    from_market = {(r.period, r.metric): r for r in market_rows(metrics, market).itertuples()}

    def market_cell(p: str, metric: str) -> Cell:
        row = from_market.get((p, metric))
        if row is None:
            return Cell(fmt.NOT_DISCLOSED)
        return Cell(fmt.usd(row.value), STATUS_MARKS.get(row.status, ""),
                    tuple(row.source.split(";")))

    rows = []
    for period, row in table.iterrows():
        p = periods.label(period)
        mining = lookup.business_metrics(p, "mining")
        rows.append(Row(period_name(metrics, p), (
            cell(lookup, p, "btc_mined", fmt.number(row["btc_mined"], "", 0)),
            cell(lookup, p, "hashrate", fmt.number(row["hashrate"], "EH/s")),
            cell(lookup, p, "fleet_efficiency", fmt.number(row["fleet_efficiency"], "J/TH")),
            cell(lookup, p, "power_price", fmt.number(row["power_price"], "$/MWh", 0)),
            cell(lookup, p, "power_cost_mining", fmt.money(row["power_cost_mining"])),
            cell(lookup, p, "power_cost_per_btc", fmt.usd(row["power_cost_per_btc"])),
            cell(lookup, p, "cost_per_btc_cash", fmt.usd(row["cost_per_btc_cash"])),
            combined(lookup, p, [*mining, "btc_mined"], fmt.usd(row[col.REVENUE_PER_BTC])),
            combined(lookup, p, [*mining, "hashrate_average" if not fmt.missing(
                row["hashrate_average"]) else "hashrate"], fmt.usd(row[col.REALIZED_HASHPRICE])),
            market_cell(p, "hashprice"),
            market_cell(p, "hashcost_median"),
            cell(lookup, p, "btc_held", fmt.number(row["btc_held"], "", 0)),
        )))
    header, kept = without_empty_columns(
        ("Quarter", "BTC mined", "Hashrate", "Efficiency", "Power price", "Mining power cost",
         "Power cost / BTC",
         "Cash cost / BTC", "Revenue / BTC", "Realized hashprice", "Market hashprice",
         "Median hashcost", "BTC held"), rows, keep=0)
    definitions = {
        "Revenue / BTC": "Revenue per BTC = mining revenue ÷ BTC mined.",
        "Realized hashprice": "Realized hashprice = mining revenue ÷ (EH/s × 1,000 × days), USD "
                              "per PH/s per day, using the average operating hashrate where "
                              "disclosed, else the quarter-end one.",
        "Market hashprice": "Market hashprice: the quarter's average as the sources give it.",
        "Median hashcost": "Median hashcost: listed miners' median cash cost per PH/s per day.",
        "BTC held": "BTC held at quarter end.",
    }
    notes = " ".join(text for heading, text in definitions.items() if heading in header)
    return Table("Mining output and costs by quarter", header, kept,
                 (notes,) if notes else (), css_class="keep")


CONTRACT_KINDS = {"colocation": "Colocation", "gpu_cloud": "GPU cloud", "lease": "Lease"}


def contracts_table(metrics: Metrics, fmt: Formatter) -> Table:
    """Each contract with its terms and what a megawatt of it earns a year; a GPU-cloud deal is
    named as such, since its revenue pays for the GPUs too and is not comparable per MW."""
    rows = []
    contracts = metrics.company.contracts
    for contract in contracts:
        per_mw = revenue_per_mw_year(contract)
        rows.append(Row(contract.customer, (
            Cell(contract.site or fmt.NOT_DISCLOSED, wrap=True),
            Cell(CONTRACT_KINDS.get(contract.kind, ""), wrap=True),
            Cell(fmt.number(contract.mw, "MW")),
            Cell(fmt.number(contract.term_years, "yrs", 0)),
            Cell(fmt.money(contract.value_usd_m), STATUS_MARKS[contract.status],
                 (contract.source,)),
            Cell(fmt.money(per_mw, 2), STATUS_MARKS[contract.status] if not fmt.missing(per_mw)
                 else "", (contract.source,) if not fmt.missing(per_mw) else ()),
            Cell(contract.energization, wrap=True),
            Cell(contract.backstop or fmt.NOT_DISCLOSED, wrap=True),
        ), contract.note))
    header, kept = without_empty_columns(
        ("Customer", "Site", "Kind", "Critical IT", "Term", "Value", "Per MW a year",
         "Full delivery", "Backstop", "Note"), rows, keep=0)
    notes = ["Per MW a year = value ÷ term ÷ critical IT MW: what a contracted megawatt earns a "
             "year at full ramp."]
    if any(c.kind == "gpu_cloud" for c in contracts):
        notes.append("GPU cloud: the customer rents the miner's GPUs as well as power and space, "
                     "so its revenue per MW is of a different kind from colocation's and is not "
                     "comparable with it.")
    if any(c.energization for c in contracts):
        notes.append("Full delivery: when the source says the contracted capacity is to be fully "
                     "delivered or energized.")
    return Table("AI/HPC contracts announced", header, kept, tuple(notes), css_class="keep")


def analysis_context(metrics: Metrics, lookup: FigureLookup, stale_after: int, fmt: Formatter
                     ) -> dict[str, Any]:
    """The analysis sections' part of a briefing's context: what moved, valuation, capital."""
    what = moves.what_moved(metrics, fmt, lookup)
    value = valuation.value(metrics, fmt, lookup=lookup, stale_after=stale_after)
    return {
        "what_moved": what,
        "moves_table": analysis_view.moves_table(what, fmt),
        "move_bridges": analysis_view.bridges(what, metrics),
        "valuation": value,
        "valuation_facts": analysis_view.valuation_facts(value, metrics, fmt),
        "capital_table": analysis_view.capital_table(metrics, lookup, fmt),
    }


def guidance_table(metrics: Metrics, lookup: FigureLookup, fmt: Formatter) -> Table:
    """Each actual against the company's guidance and the sell-side consensus for the same
    quarter, where the actual and at least one of them are in the inputs.

    Every consensus figure is shown (sources often quote different estimates: one taken long
    before the print, one just before it); the verdict against consensus is ``above`` or
    ``below`` only when the actual is beyond all of them, else ``between estimates``.
    """
    guided: dict[tuple[str, str], dict[str, float]] = {}
    for fact in metrics.best.itertuples():
        target = guidance_target(str(fact.metric))
        if target is not None and periods.is_quarter(str(fact.period)):
            guided.setdefault((str(fact.period), target[0]), {})[target[1]] = float(fact.value)
    consensus: dict[tuple[str, str], list[Any]] = {}
    for fact in metrics.facts.itertuples():
        base = consensus_target(str(fact.metric))
        if base is not None and periods.is_quarter(str(fact.period)):
            consensus.setdefault((str(fact.period), base), []).append(fact)
    rows = []
    for p, base in sorted(set(guided) | set(consensus), key=lambda k: (periods.ordinal(k[0]),
                                                                       k[1])):
        actual = _value(metrics.quarters.loc[periods.quarter(p)], base) if (
            periods.quarter(p) in metrics.quarters.index) else math.nan
        if fmt.missing(actual):
            continue
        unit = METRICS[base].unit
        show = fmt.money if unit == "USD_M" else (lambda v, u=unit: fmt.fact(v, u))
        given = guided.get((p, base), {})
        low, high = given.get("low", given.get("point")), given.get("high", given.get("point"))
        names = ([f"guide_{base}"] if "point" in given else
                 [f"guide_{base}_low", f"guide_{base}_high"]) if given else []
        if low is not None and high is not None:
            guide_text = (show(low) if low == high
                          else f"{show(low)} to {show(high)}")
            guide = combined(lookup, p, names, guide_text)
            verdict = guidance_verdict(actual, low, high)
        else:
            guide, verdict = Cell(""), ""
        estimates = consensus.get((p, base), [])
        values = [float(e.value) for e in estimates]
        sources = tuple(dict.fromkeys(str(e.source) for e in estimates))
        estimate = Cell("; ".join(show(v) for v in values),
                        weakest_mark(str(e.status) for e in estimates), sources)
        rows.append(Row(f"{period_name(metrics, p)} {metric_label(base, metrics.company)}", (
            cell(lookup, p, base, show(actual), actual),
            guide, Cell(verdict),
            estimate, Cell(consensus_verdict(actual, values)),
        )))
    header, kept = without_empty_columns((
        "Figure", "Actual", "Guidance", "Against guidance", "Consensus (sell-side)",
        "Against consensus"), rows)
    return Table("Actual against guidance and consensus", header, kept, (
        "Guidance is the company's; consensus is sell-side analysts' estimates, not the "
        "company's. Where sources quote several consensus figures (one long before the print, "
        "one just before), each is shown, in the order of the inputs; the mark applies to all. "
        "Blank: no guidance or no consensus for that quarter in the inputs. Each figure's "
        "source is in the appendix.",),
        css_class="keep short-labels")


def consensus_verdict(actual: float, estimates: list[float]) -> str:
    """``above`` or ``below`` every estimate, ``in line with`` a single one within 0.5%,
    else ``between estimates``; "" without any.

    >>> consensus_verdict(35.8, [60.05, 44.1]), consensus_verdict(2, [1]), consensus_verdict(2, [])
    ('below', 'above', '')
    """
    if not estimates:
        return ""
    if len(estimates) == 1:
        return guidance_verdict(actual, estimates[0], estimates[0])
    if actual > max(estimates):
        return "above"
    return "below" if actual < min(estimates) else "between estimates"


def exceeds_loss(metrics: Metrics) -> bool:
    """Disclosed non-cash items larger than the covered quarter's net loss."""
    row = metrics.quarters.loc[periods.quarter(metrics.period)]
    effect, before = _value(row, col.NON_CASH_EFFECT), _value(row, col.BEFORE_NON_CASH)
    return (_value(row, "net_income") < 0 and not fmt.missing(effect) and effect < 0
            and not fmt.missing(before) and before > 0)


def peers_table(metrics: Metrics, ranked: list[RankedMetric], fmt: Formatter) -> Table:
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
                  else "too few")
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
         "(\"too few\") when fewer than 3 of them disclose the figure. The non-cash share is "
         "not stated where non-cash items exceed the loss. Contracted revenue a year: Σ value "
         "÷ term over the listed contracts that give both, GPU-cloud contracts left out (their "
         "revenue pays for the GPUs too).",),
        css_class="keep")


def dated_cell(dated: Dated, show: Callable[[float], str]) -> Cell:
    """A point-in-time figure's cell, with the mark and sources it carries."""
    return Cell(show(dated.value), STATUS_MARKS.get(dated.status, ""), dated.sources,
                is_negative(dated.value))


def _latest(dated: Dated, show: Callable[[float], str], summed: str = "") -> tuple[Cell, str]:
    """The cell and its note: the quarter it is as of, or ``summed`` for a total computed
    here from the listed contracts."""
    if dated.as_of is None:
        return dated_cell(dated, show), summed if dated.sources else ""
    return dated_cell(dated, show), f"as of {dated.as_of}"


def pipeline_facts(metrics: Metrics, lookup: FigureLookup, fmt: Formatter) -> list[Fact]:
    pipe = metrics.pipeline
    contracts = metrics.company.contracts
    summed = "sum of the contracts listed below, computed here"
    facts = [
        Fact("Contracted critical IT",
             *_latest(pipe.mw_contracted, lambda v: fmt.number(v, "MW", 0), summed)),
        Fact("Energized for AI/HPC", *_latest(pipe.mw_energized, lambda v: fmt.number(v, "MW", 1))),
        Fact("Contracted revenue, total", *_latest(pipe.contracted_value, fmt.money, summed)),
    ]
    used = [c for c in contracts if c.value_usd_m is not None and c.term_years]
    annual = Cell(fmt.money(pipe.contracted_annual_revenue),
                  weakest_mark(c.status for c in used), tuple(c.source for c in used))
    facts.append(Fact("Contracted revenue a year at full ramp", annual,
                      f"value ÷ term at each contract's full value, over the "
                      f"{pipe.contracts_with_terms} of {pipe.contracts_listed} listed "
                      "contracts that give both" if used else ""))
    energized, contracted = pipe.mw_energized, pipe.mw_contracted
    if contracted.value > 0 and not fmt.missing(energized.value):
        known = [d for d in (energized, contracted) if d.as_of is not None]
        share = Cell(fmt.pct(energized.value / contracted.value),
                     weakest_mark(d.status for d in known),
                     tuple(dict.fromkeys(s for d in known for s in d.sources)))
        as_of = " and ".join(dict.fromkeys(str(d.as_of) for d in known))
        facts.append(Fact("Energized ÷ contracted", share,
                          "energized MW ÷ contracted MW" + (f", as of {as_of}" if as_of else "")))
    run_rate = pipe.annualized_run_rate
    ai_lines = lookup.business_metrics(metrics.period, "ai_hpc")
    facts.append(Fact("AI/HPC revenue run-rate, a year",
                      combined(lookup, metrics.period, ai_lines, fmt.money(run_rate)),
                      "" if fmt.missing(run_rate) else f"{period_name(metrics)} × 4"))
    return facts


def listed_contracts_sum(pipeline: Pipeline, fmt: Formatter) -> str:
    """Where the company gives its own totals, what the listed contracts add up to beside them
    (``600.5 MW and $14.2B``), so a reader who sums the contracts table is not left wondering;
    a total that is already our sum of the contracts (CORZ's MW) is not repeated as if it were
    the company's. Empty when there is nothing to set beside."""
    if pipeline.from_listed_contracts or fmt.missing(pipeline.listed_contracts_mw):
        return ""
    sums = [fmt.number(pipeline.listed_contracts_mw, "MW", 1)] if (
        pipeline.mw_contracted.as_of is not None) else []
    return " and ".join([*sums, fmt.money(pipeline.listed_contracts_value)])


def liquidity_facts(metrics: Metrics, lookup: FigureLookup, fmt: Formatter) -> list[Fact]:
    cash = metrics.liquidity
    net = cash.net_debt
    return [
        Fact(cash.cash_label, *_latest(cash.cash, fmt.money)),
        Fact("Total debt", *_latest(cash.total_debt, fmt.money)),
        Fact("Net debt", combined(lookup, str(cash.cash.as_of),
                                  [cash.cash.metric, "total_debt"], fmt.money(net)),
             "needs cash and debt at the same quarter end" if fmt.missing(net)
             else f"debt − {cash.cash_label.lower()}"),
        Fact("Convertible notes", *_latest(cash.convertible_notes, fmt.money)),
        Fact("Warrant liability", *_latest(cash.warrant_liability, fmt.money)),
    ]


def weakest_mark(statuses: Iterable[str]) -> str:
    return STATUS_MARKS.get(weakest(statuses), "")


def section_dates(metrics: Metrics) -> dict[str, str]:
    """For each section whose latest figure predates the covered quarter, the quarter it
    stops at, so the section can say so in its first line."""
    economics = recent(metrics, ECONOMICS_INPUTS)
    cash, pipe = metrics.liquidity, metrics.pipeline
    liquidity = [cash.cash.as_of, cash.total_debt.as_of]
    pipeline = [pipe.mw_contracted.as_of, pipe.mw_energized.as_of, pipe.contracted_value.as_of]
    latest = {
        "mining": periods.label(economics.index[-1]) if not economics.empty else None,
        "liquidity": max((q for q in liquidity if q is not None), key=periods.ordinal,
                         default=None),
        "pipeline": max((q for q in pipeline if q is not None), key=periods.ordinal,
                        default=None),
    }
    # Every section is a key, so a template can test one without StrictUndefined failing.
    return {section: period_name(metrics, quarter) if quarter is not None and periods.ordinal(
        quarter) < periods.ordinal(metrics.period) else "" for section, quarter in latest.items()}


def context(metrics: Metrics, charts: list[Any], claims: list[Claim],
            sources: dict[str, Source], settings: dict[str, Any],
            ranked: list[RankedMetric], market: pd.DataFrame, fmt: Formatter) -> dict[str, Any]:
    """Everything briefing.html prints, already formatted in ``fmt``'s number style;
    ``settings`` carries theme and paper."""
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
        "tiles": kpi_tiles(metrics, lookup, fmt),
        "claims": claims,
        "charts": charts,
        "revenue_table": revenue_table(metrics, lookup, fmt),
        "listed_contracts": listed_contracts_sum(metrics.pipeline, fmt),
        "pipeline_facts": pipeline_facts(metrics, lookup, fmt),
        "liquidity_facts": liquidity_facts(metrics, lookup, fmt),
        "contracts_table": contracts_table(metrics, fmt),
        "bridge_table": bridge_table(metrics, lookup, fmt),
        "bridge_complete": not (fmt.missing(amounts["net_income"])
                                or fmt.missing(amounts["adjusted_ebitda"])),
        "bridge_missing_net": fmt.missing(amounts["net_income"]),
        "economics_table": economics_table(metrics, lookup, market, fmt),
        "section_dates": section_dates(metrics),
        "peers_table": peers_table(metrics, ranked, fmt),
        "other_periods_table": audit_view.other_periods_table(metrics, fmt),
        "disagreements_table": audit_view.disagreements_table(metrics, fmt),
        "guidance_table": guidance_table(metrics, lookup, fmt),
        "caveats": audit_view.caveats(metrics),
        "facts_table": audit_view.facts_table(metrics, market, fmt),
        **analysis_context(metrics, lookup, int(settings["stale_after_quarters"]), fmt),
        "sources": audit_view.cited_sources(metrics, dict(sources), market),
    }

