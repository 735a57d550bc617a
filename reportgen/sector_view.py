"""What sector.html prints: the peer table with its median row, the figures it shows with
their sources, and the sources list, all from the one set of cells the table prints."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

import pandas as pd

from reportgen import columns as col
from reportgen import formatting as fmt
from reportgen import periods
from reportgen.analysis_view import figure_cell
from reportgen.claims import Claim
from reportgen.formatting import Formatter
from reportgen.model import Metrics, Source
from reportgen.peers import medians
from reportgen.provenance import FigureLookup, weakest
from reportgen.sector_charts import chart_window
from reportgen.valuation import Valuation
from reportgen.view import Cell, Row, Table, cell, combined, is_negative
from reportgen.vocabulary import STATUS_MARKS

Column = tuple[str, str, Callable[[Formatter, float], str], tuple[str, ...]]
"""(peer table column, heading, how a :class:`Formatter` words it, input metrics the cell's
provenance comes from)."""

NON_CASH_INPUTS = ("net_income", "depreciation_amortization", "impairment", "fair_value_change",
                   "digital_asset_fair_value_change", "stock_based_compensation")

COLUMNS: tuple[Column, ...] = (
    ("revenue", "Revenue", Formatter.money, ("revenue_total",)),
    ("revenue_qoq", "QoQ", Formatter.delta, ("revenue_total",)),
    ("ai_hpc_share", "AI/HPC share", Formatter.pct, ("revenue_total", "@ai_hpc")),
    ("net_income", "Net result", Formatter.money, ("net_income",)),
    ("non_cash_share", "Non-cash share", lambda f, v: f.pct(v, 0), NON_CASH_INPUTS),
    ("adjusted_ebitda", "Adj. EBITDA", Formatter.money, ("adjusted_ebitda",)),
    ("hashrate", "Hashrate", lambda f, v: f.number(v, "EH/s"), ("hashrate",)),
    ("mw_contracted", "AI/HPC MW", lambda f, v: f.number(v, "MW", 0), ("ai_hpc_mw_contracted",)),
    ("contracted_value", "Contracted", lambda f, v: f.money(v, 1), ("ai_hpc_contracted_value",)),
    ("cash", "Cash", Formatter.money, ("@cash",)),
    ("total_debt", "Debt", Formatter.money, ("total_debt",)),
)
"""``@ai_hpc``: the miner's AI/HPC revenue lines; ``@cash``: the cash definition it used."""

LABELS = {key: heading for key, heading, _, _ in COLUMNS} | {
    "revenue": "Revenue", "revenue_qoq": "Revenue growth QoQ", "net_income": "Net income",
    "non_cash_share": "Non-cash share of the loss", "mw_contracted": "AI/HPC MW contracted",
    "contracted_value": "AI/HPC contracted revenue", "total_debt": "Total debt"}


def crossover_text(peer: pd.Series) -> str:
    if isinstance(peer["crossover"], str):
        return peer["crossover"]
    return "not yet" if isinstance(peer["ai_hpc_ahead"], bool) else "no split"


def _metrics_of(names: tuple[str, ...], peer: pd.Series, miner: Metrics,
                lookup: FigureLookup, period: str) -> list[str]:
    out: list[str] = []
    for name in names:
        if name == "@ai_hpc":
            out += lookup.business_metrics(period, "ai_hpc")
        elif name == "@cash":
            cash = miner.liquidity.cash
            out += [cash.metric] if cash.as_of is not None else []
        else:
            out.append(name)
    return out


def _cell(key: str, names: tuple[str, ...], formatter: Callable[[float], str], peer: pd.Series,
          miner: Metrics, lookup: FigureLookup) -> Cell:
    """One peer-table figure with its provenance; a point-in-time figure as of its quarter,
    dated when that is not the row's quarter, stale when too old to compare."""
    value = peer[key]
    if key == "non_cash_share" and fmt.missing(value) and not fmt.missing(
            peer["before_non_cash"]) and peer["before_non_cash"] >= 0 and peer["net_income"] < 0:
        return combined(lookup, peer["period"], NON_CASH_INPUTS, "exceed loss")
    as_of = peer.get(f"{key}_as_of")
    period = as_of if isinstance(as_of, str) else peer["period"]
    metrics = _metrics_of(names, peer, miner, lookup, period)
    if key == "contracted_value" and miner.pipeline.from_listed_contracts:
        contracts = miner.company.contracts
        return Cell(formatter(value), sources=tuple(dict.fromkeys(c.source for c in contracts)))
    if key == "mw_contracted" and not isinstance(as_of, str) and not fmt.missing(value):
        return Cell(formatter(value), sources=tuple(dict.fromkeys(
            c.source for c in miner.company.contracts)))
    shown = (cell(lookup, period, metrics[0], formatter(value), value) if len(metrics) == 1
             else combined(lookup, period, metrics, formatter(value), value))
    if key == "revenue_qoq" and not fmt.missing(value):
        # Growth rests on two quarters' revenue: both are cited.
        base = periods.shift(period, -1)
        status, sources = lookup.provenance(period, ["revenue_total"])
        base_status, base_sources = lookup.provenance(base, ["revenue_total"])
        shown = Cell(shown.text, STATUS_MARKS.get(weakest([status, base_status]), ""),
                     tuple(dict.fromkeys(sources + base_sources)), shown.negative)
    if isinstance(as_of, str) and not fmt.missing(value):
        return Cell(shown.text, shown.mark, shown.sources, shown.negative,
                    as_of=as_of if as_of != peer["period"] else "",
                    stale=bool(peer.get(f"{key}_stale", False)))
    return shown


def peer_rows(peers: pd.DataFrame, miners: Mapping[str, Metrics],
              lookups: Mapping[str, FigureLookup], fmt: Formatter) -> list[Row]:
    rows = []
    for ticker, peer in peers.iterrows():
        miner, lookup = miners[str(ticker)], lookups[str(ticker)]
        cells = [Cell(peer["period_title"]), Cell(crossover_text(peer))]
        cells += [_cell(key, names, partial(formatter, fmt), peer, miner, lookup)
                  for key, _, formatter, names in COLUMNS]
        rows.append(Row(str(ticker), tuple(cells), "", "stale" if peer["stale"] else ""))
    return rows


def peer_table(rows: Sequence[Row], peers: pd.DataFrame, period: str, stale_after: int,
               fmt: Formatter) -> Table:
    middle = medians(peers)
    median_cells = tuple(
        Cell(f"{formatter(fmt, middle.loc[key, 'median'])} ({middle.loc[key, 'count']})"
             if not fmt.missing(middle.loc[key, "median"]) else fmt.NOT_DISCLOSED,
             negative=is_negative(middle.loc[key, "median"]))
        for key, _, formatter, _ in COLUMNS)
    all_rows = (*rows, Row("Median", (Cell(""), Cell(""), *median_cells), "", "median"))
    return Table(f"Peers, {period}", ("Miner", "Quarter", "Crossover",
                                      *(heading for _, heading, _, _ in COLUMNS)),
                 all_rows,
                 (f"Each miner's figures are for the quarter shown; a miner that has not reported "
                  f"{period} is listed, in italics, with its latest reported quarter. Hashrate, "
                  "MW, contracted value, cash and debt are the latest disclosed; a quarter in "
                  "brackets dates one not of the row's quarter, and one more than "
                  f"{stale_after} quarters older than {period} is stale, left out of the median. "
                  "Crossover: the first quarter AI/HPC revenue exceeded mining revenue. Median: of "
                  "the miners that disclose each figure, with how many in brackets; left out "
                  "below 3. Non-cash share: “exceed loss” where the non-cash items are larger "
                  f"than the loss. {fmt.NOT_DISCLOSED}: not in the inputs.",), "keep wide")


def figures_table(rows: Sequence[Row], headings: Sequence[str], charted: Sequence[Row],
                  valued: Sequence[Row] = ()) -> Table:
    """Every figure the peer table and the charts print, grouped by miner and by the sources
    they rest on: what the sources list is computed from, so the two cannot drift apart.

    Grouped, not one figure a line: with 30 miners a line a figure ran to pages of dense table,
    the slowest thing WeasyPrint lays out.
    """
    lines = []
    for row in rows:
        groups: dict[tuple[str, ...], list[str]] = {}
        for heading, shown in zip(headings, row.cells[2:], strict=True):
            if shown.missing or not shown.sources:
                continue
            text = shown.text + (f" ({shown.as_of})" if shown.as_of else "")
            text += f" {shown.mark}" if shown.mark else ""
            groups.setdefault(shown.sources, []).append(f"{LABELS.get(heading, heading)} {text}")
        lines += [Row(row.label, (Cell("; ".join(figures), wrap=True),
                                  Cell(", ".join(sources), wrap=True)))
                  for sources, figures in groups.items()]
    for row in valued:
        figures = [f"{heading} {shown.text}" + (f" ({shown.as_of})" if shown.as_of else "")
                   + (f" {shown.mark}" if shown.mark else "")
                   for heading, shown in zip(VALUATION_HEADINGS[2:], row.cells[1:], strict=True)
                   if not shown.missing and shown.sources]
        sources = dict.fromkeys(s for shown in row.cells[1:] if not shown.missing
                                for s in shown.sources)
        if figures:
            lines.append(Row(row.label, (Cell(f"Valuation on {row.cells[0].text}: "
                                              + "; ".join(figures), wrap=True),
                                         Cell(", ".join(sources), wrap=True))))
    return Table("Every figure in the peer table and the charts, with its sources", (
        "Miner", "Figures", "Sources"), (*lines, *charted), css_class="dense")


def chart_rows(miners: Sequence[Metrics], lookups: Mapping[str, FigureLookup], period: str
               ) -> list[Row]:
    """The revenue split the sector charts draw (AI/HPC share over time, the crossover
    timeline): for each miner, the quarters of the charts' window with AI/HPC revenue, which
    both charts need, with the sources of every revenue line they add up. A miner with mining
    revenue alone (HUT) is drawn in neither, so it is not listed."""
    rows = []
    window = chart_window(period)
    for miner in miners:
        lookup = lookups[miner.company.ticker]
        split = miner.quarters[col.AI_HPC_REVENUE].reindex(window).dropna()
        if split.empty:
            continue
        quarters = [periods.label(q) for q in split.index]
        sources: dict[str, None] = {}
        for p in quarters:
            lines = [*lookup.business_metrics(p, "ai_hpc"), *lookup.business_metrics(p, "mining"),
                     "revenue_total"]
            sources |= dict.fromkeys(combined(lookup, p, lines, "").sources)
        when = quarters[0] if len(quarters) == 1 else f"{quarters[0]} to {quarters[-1]}"
        rows.append(Row(miner.company.ticker, (
            Cell(f"Revenue by business and AI/HPC share, {when} (charts)", wrap=True),
            Cell(", ".join(sources), wrap=True))))
    return rows


def shown_sources(rows: Sequence[Row]) -> set[str]:
    """The sources of the figures the peer table prints."""
    return {source for row in rows for shown in row.cells if not shown.missing
            for source in shown.sources}


VALUATION_HEADINGS = ("Miner", "Price date", "Market cap", "Net debt at", "EV", "Contracted MW",
                      "EV per contracted MW", "Contracted revenue a year",
                      "EV ÷ contracted revenue a year", "EV per EH/s")


def valuation_rows(miners: Sequence[Metrics], valuations: Mapping[str, Valuation]
                   ) -> tuple[list[Row], list[str]]:
    """Each miner's valuation against its contracted capacity, and what each miner lacks for
    EV per contracted MW (said in the table's note, never left to a dash alone)."""
    rows, lacking = [], []
    for miner in miners:
        ticker = miner.company.ticker
        found = valuations[ticker]
        stale = found.market_cap is not None and found.market_cap.stale
        rows.append(Row(ticker, (
            Cell(found.price_date + (" (stale)" if stale else "") if found.price_date
                 else fmt.NOT_DISCLOSED, stale=stale),
            figure_cell(found.market_cap, show_date=False),
            Cell(str(found.net_debt.period) if found.net_debt is not None else fmt.NOT_DISCLOSED),
            figure_cell(found.enterprise_value, show_date=False),
            figure_cell(found.contracted_mw),
            *(figure_cell(f, show_date=False) for f in (
                found.per_contracted_mw, found.contracted_annual_revenue,
                found.to_contracted_annual_revenue, found.per_ehs)))))
        if found.per_contracted_mw is None:
            parts = (("a price", found.market_cap), ("net debt", found.net_debt),
                     ("contracted MW", found.contracted_mw))
            needs = [what for what, part in parts if part is None]
            if stale:
                needs = ["a price of the last two quarters", *needs[1:]]
            lacking.append(f"{ticker} ({', '.join(needs) or 'EV'})")
    return rows, lacking


def valuation_table(rows: Sequence[Row], lacking: Sequence[str], gpu_cloud: Sequence[str],
                    period: str) -> Table:
    notes = ["Market cap on the price date shown (the latest in prices.csv up to the end of the "
             f"quarter after {period}; a stale one values nothing); EV = that market cap + the "
             "net debt of the quarter end nearest the price date (within a quarter), shown in "
             "\"Net debt at\": the two dates differ unless the price is of that quarter end. "
             "Contracted revenue a year: Σ value ÷ term over the listed contracts that give both; "
             "EV ÷ it, in years of contracted revenue. A quarter in brackets dates a figure of "
             "another quarter."]
    if lacking:
        notes.append("No EV per contracted MW for " + "; ".join(lacking) + ".")
    if gpu_cloud:
        notes.append(f"{', '.join(gpu_cloud)}: contracted revenue includes GPU-cloud contracts, "
                     "whose revenue pays for the GPUs too; not comparable with colocation's.")
    return Table(f"Valuation against contracted capacity, {period}", VALUATION_HEADINGS,
                 tuple(rows), tuple(notes), "keep wide")


def context(miners: Sequence[Metrics], peers: pd.DataFrame, charts: list[Any],
            claims: list[Claim], sources: Mapping[str, Source], period: str,
            settings: dict[str, Any], valuations: Mapping[str, Valuation], fmt: Formatter
            ) -> dict[str, Any]:
    by_ticker = {m.company.ticker: m for m in miners}
    lookups = {ticker: FigureLookup(m) for ticker, m in by_ticker.items()}
    rows = peer_rows(peers, by_ticker, lookups, fmt)
    charted = chart_rows(miners, lookups, period)
    keys = [key for key, _, _, _ in COLUMNS]
    valued, lacking = valuation_rows(miners, valuations)
    cited = shown_sources(rows) | shown_sources(valued) | {
        s for row in charted for s in row.cells[1].text.split(", ") if s} | {
        s for claim in claims for f in claim.figures for s in f.sources}
    return {
        **settings,
        "title": f"Bitcoin miners' AI/HPC pivot: sector overview, {period}",
        "description": f"Peer comparison of {len(miners)} listed miners for {period}",
        "keywords": [*peers.index.astype(str), period, "bitcoin mining", "AI/HPC"],
        "running_header": f"Sector overview · {period}",
        "period": period,
        "claims": claims,
        "peer_table": peer_table(rows, peers, period, int(settings["stale_after_quarters"]),
                                 fmt),
        "valuation_table": valuation_table(valued, lacking, [
            m.company.ticker for m in miners if any(c.kind == "gpu_cloud" and c.term_years
                                                    for c in m.company.contracts)], period),
        "figures_table": figures_table(rows, keys, charted, valued),
        "charts": charts,
        "sources": [sources[key] for key in sorted(cited)],
    }
