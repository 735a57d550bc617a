"""What sector.html prints: the peer table with its median row, formatted like the briefings."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from reportgen import formatting as fmt
from reportgen.model import Metrics, Source
from reportgen.peers import medians
from reportgen.view import Cell, FigureLookup, Row, Table, is_negative

Column = tuple[str, str, Callable[[float], str], str | None]
"""(peer table column, heading, formatter, input metric whose status marks the cell)."""

COLUMNS: tuple[Column, ...] = (
    ("revenue", "Revenue", fmt.money, "revenue_total"),
    ("revenue_qoq", "QoQ", fmt.delta, None),
    ("ai_hpc_share", "AI/HPC share", fmt.pct, None),
    ("net_income", "Net result", fmt.money, "net_income"),
    ("non_cash_share", "Non-cash share", lambda v: fmt.pct(v, 0), None),
    ("adjusted_ebitda", "Adj. EBITDA", fmt.money, "adjusted_ebitda"),
    ("hashrate", "Hashrate", lambda v: fmt.number(v, "EH/s"), None),
    ("mw_contracted", "AI/HPC MW", lambda v: fmt.number(v, "MW", 0), None),
    ("contracted_value", "Contracted", lambda v: fmt.money(v, 1), None),
    ("cash", "Cash", fmt.money, None),
    ("total_debt", "Debt", fmt.money, None),
)


def crossover_text(peer: pd.Series) -> str:
    if isinstance(peer["crossover"], str):
        return peer["crossover"]
    return "not yet" if isinstance(peer["ai_hpc_ahead"], bool) else "no split"


def peer_table(peers: pd.DataFrame, lookups: Mapping[str, FigureLookup], period: str) -> Table:
    rows = []
    for ticker, peer in peers.iterrows():
        lookup = lookups[str(ticker)]
        cells = [Cell(peer["period_title"]), Cell(crossover_text(peer))]
        for key, _, formatter, metric in COLUMNS:
            value = peer[key]
            if metric is not None:
                cells.append(lookup.cell(peer["period"], metric, formatter(value), value))
            else:
                cells.append(Cell(formatter(value), negative=is_negative(value)))
        note = f"latest reported: {peer['period']}" if peer["stale"] else ""
        rows.append(Row(str(ticker), tuple(cells), note, "stale" if peer["stale"] else ""))
    middle = medians(peers)
    rows.append(Row("Peer median", (Cell(""), Cell(""), *(
        Cell(formatter(middle[key]), negative=is_negative(middle[key]))
        for key, _, formatter, _ in COLUMNS)), "", "median"))
    return Table(f"Peers, {period}", ("Miner", "Quarter", "Crossover",
                                      *(heading for _, heading, _, _ in COLUMNS), "Note"),
                 tuple(rows),
                 (f"Each miner's figures are for the quarter shown; a miner that has not reported "
                  f"{period} is listed with its latest reported quarter. Hashrate, MW, contracted "
                  "value, cash and debt are the latest disclosed up to that quarter. Crossover: "
                  "the first quarter AI/HPC revenue exceeded mining revenue. Peer median: of "
                  "the miners that disclose each figure.",), "keep wide")


def shown_sources(miner: Metrics) -> set[str]:
    """Sources of the figures the peer table shows for one miner: its covered quarter, the
    quarters its latest point-in-time figures are as of, and its contracts when summed."""
    facts = miner.facts
    as_of = {miner.period} | {value for key, value in {**miner.pipeline, **miner.liquidity}.items()
                              if key.endswith("_as_of") and isinstance(value, str)}
    hashrate_quarters = facts.loc[facts["metric"] == "hashrate", "period"]
    as_of |= set(hashrate_quarters.tail(1))
    rows = facts[facts["period"].isin(as_of)]
    ids = {source for cell in rows["source"] for source in cell.split(";")}
    if miner.pipeline["from_listed_contracts"]:
        ids |= {contract.source for contract in miner.company.contracts}
    return ids


def context(miners: Sequence[Metrics], peers: pd.DataFrame, charts: list[Any],
            sentences: list[str], sources: Mapping[str, Source], period: str,
            settings: dict[str, Any]) -> dict[str, Any]:
    lookups = {m.company.ticker: FigureLookup(m) for m in miners}
    cited = {source_id: sources[source_id] for miner in miners
             for source_id in shown_sources(miner)}
    return {
        **settings,
        "title": f"Bitcoin miners' AI/HPC pivot: sector overview, {period}",
        "description": f"Peer comparison of {len(miners)} listed miners for {period}",
        "keywords": [*peers.index.astype(str), period, "bitcoin mining", "AI/HPC"],
        "running_header": f"Sector overview · {period}",
        "period": period,
        "sentences": sentences,
        "peer_table": peer_table(peers, lookups, period),
        "charts": charts,
        "sources": [cited[key] for key in sorted(cited)],
    }
