"""Sentences from metrics. Each sentence needs its figures; a missing figure drops the claim.

Thresholds are named constants so a reader of a briefing can find why a word was used.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from reportgen import periods
from reportgen.formatting import delta, missing, money, multiple, number, pct
from reportgen.metrics import BRIDGE_ITEMS
from reportgen.model import Metrics

MAX_SENTENCES = 6
MATERIAL_RESIDUAL = 0.05
"""The unexplained part of the bridge is mentioned when it exceeds 5% of the net result."""
MOSTLY = 0.5
"""Non-cash items 'make up most of' a loss from 50% of it."""


def period_name(metrics: Metrics, period: str | None = None) -> str:
    """``2025Q4 (FY26 Q2)`` for a miner whose fiscal quarters differ from calendar ones."""
    return periods.display(period or metrics.period, metrics.company.fiscal_year_end_month)


def sentences(metrics: Metrics) -> list[str]:
    row = metrics.quarters.loc[periods.quarter(metrics.period)]
    found = [
        _revenue(metrics, row),
        _ai_hpc(row),
        _crossover(metrics, row),
        _net_result(metrics, row),
        _ebitda(metrics),
        _pipeline(metrics),
    ]
    return [sentence for sentence in found if sentence][:MAX_SENTENCES]


def _revenue(metrics: Metrics, row: pd.Series) -> str:
    if missing(row["mix_total"]):
        return ""
    changes = [f"{delta(row[column])} {label}" for column, label in
               (("revenue_qoq", "QoQ"), ("revenue_yoy", "YoY")) if not missing(row[column])]
    change = f", {' and '.join(changes)}" if changes else ""
    return (f"{metrics.company.name} reported revenue of {money(row['mix_total'])} for "
            f"{period_name(metrics)}{change}.")


def _ai_hpc(row: pd.Series) -> str:
    if missing(row["mix_ai_hpc"]):
        return ""
    share = f", {pct(row['mix_ai_hpc_share'])} of the total" if not missing(
        row["mix_ai_hpc_share"]) else ""
    growth = f", {delta(row['ai_hpc_qoq'])} QoQ" if not missing(row["ai_hpc_qoq"]) else ""
    return f"AI/HPC revenue was {money(row['mix_ai_hpc'])}{share}{growth}."


def _crossover(metrics: Metrics, row: pd.Series) -> str:
    ai_hpc, mining = row["mix_ai_hpc"], row["mix_mining"]
    if missing(ai_hpc) or missing(mining):
        return ""
    if metrics.crossover == metrics.period:
        return (f"AI/HPC revenue overtook mining revenue this quarter ({money(ai_hpc)} against "
                f"{money(mining)}), the first quarter in the data in which it did.")
    if metrics.crossover is not None:
        still = "and still does" if ai_hpc > mining else "but fell back below it this quarter"
        return (f"AI/HPC revenue first exceeded mining revenue in {metrics.crossover} {still} "
                f"({money(ai_hpc)} against {money(mining)}).")
    unsplit = row["mix_unallocated"]
    if not missing(unsplit) and unsplit > 0 and ai_hpc > mining:
        return (f"AI/HPC revenue ({money(ai_hpc)}) exceeds the mining revenue disclosed "
                f"({money(mining)}) but not mining plus the {money(unsplit)} not split by "
                "business, so the data does not show it overtaking mining.")
    return (f"Mining still earns more than AI/HPC ({money(mining)} against {money(ai_hpc)}); "
            "AI/HPC revenue has not overtaken it in any quarter in the data.")


def _net_result(metrics: Metrics, row: pd.Series) -> str:
    net = row.get("net_income", math.nan)
    if missing(net):
        return ""
    if net >= 0:
        return f"Net income was {money(net)}."
    share, effect = row["non_cash_share"], row["non_cash_effect"]
    if missing(share):
        return f"The net loss was {money(-net)}; no non-cash items that add to it were disclosed."
    items = _largest_non_cash(metrics)
    if share >= 1:
        verdict = "more than the loss itself"
    elif share >= MOSTLY:
        verdict = f"{pct(share, 0)} of it, so most of the loss is non-cash"
    else:
        verdict = f"{pct(share, 0)} of it"
    return (f"Of the {money(-net)} net loss, disclosed non-cash items ({items}) account for "
            f"{money(-effect)}, {verdict}.")


def _largest_non_cash(metrics: Metrics) -> str:
    bridge = metrics.bridge
    non_cash = bridge[bridge["non_cash"] & bridge["amount"].notna()]
    largest = non_cash.reindex(non_cash["amount"].abs().sort_values(ascending=False).index)
    labels = {metric: label for metric, label, _, _ in BRIDGE_ITEMS}
    return "; ".join(f"{labels[m].lower()} {money(a)}" for m, a in
                     zip(largest["metric"], largest["amount"], strict=True))


def _ebitda(metrics: Metrics) -> str:
    amounts = metrics.bridge.set_index("metric")["amount"]
    ebitda, net, residual = amounts["adjusted_ebitda"], amounts["net_income"], amounts["other"]
    if missing(ebitda):
        return ""
    sentence = f"Adjusted EBITDA was {money(ebitda)}"
    if not missing(residual) and abs(residual) > MATERIAL_RESIDUAL * abs(net):
        sentence += (f"; {money(abs(residual))} of the way from it to net income is not "
                     "explained by the items disclosed")
    return sentence + "."


def _pipeline(metrics: Metrics) -> str:
    pipe = metrics.pipeline
    mw, value = pipe["mw_contracted"], pipe["contracted_value"]
    if missing(mw) and missing(value):
        return ""
    if missing(mw):
        what = f"AI/HPC contracts worth {money(value)}"
    else:
        what = f"{number(mw, 'MW', 0)} of AI/HPC capacity under contract"
        what += "" if missing(value) else f" worth {money(value)}"
    basis = ("summing its listed contracts" if pipe["from_listed_contracts"]
             else f"as of {pipe['contracted_value_as_of'] or pipe['mw_contracted_as_of']}")
    backlog = (f", {multiple(pipe['backlog_multiple'])} its annualized AI/HPC revenue"
               if not missing(pipe["backlog_multiple"]) else "")
    return f"It has {what} ({basis}){backlog}."


def _names(tickers: list[str]) -> str:
    """``['WULF', 'CORZ', 'HUT']`` → ``'CORZ, HUT and WULF'``."""
    names = sorted(tickers)
    return " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)


def sector_sentences(peers: pd.DataFrame, period: str, silent: Sequence[str] = ()
                     ) -> list[str]:
    """What the peer table supports saying about the sector, miners without a figure excluded."""
    found = []
    total = len(peers)
    current = [str(t) for t in peers.index[~peers["stale"]]]
    behind = peers[peers["stale"]]
    coverage = f"Of the {total} miners, {len(current)} reported {period}"
    coverage += f" ({_names(current)})" if current else ""
    if not behind.empty:
        latest = "; ".join(f"{t} {row['period']}" for t, row in behind.iterrows())
        coverage += f"; the others' latest reported quarters are used ({latest})"
    if silent:
        coverage += f"; {_names(list(silent))} reported nothing up to {period}"
    found.append(coverage + ".")

    split = peers[peers["ai_hpc_ahead"].notna()]
    if not split.empty:
        ahead = [str(t) for t in split.index[split["ai_hpc_ahead"].astype(bool)]]
        unsplit = sorted(set(map(str, peers.index)) - set(map(str, split.index)))
        sentence = (f"{len(ahead)} of the {len(split)} miners that split revenue by business "
                    "now earn more from AI/HPC than from mining")
        sentence += f" ({_names(ahead)})" if ahead else ""
        if unsplit:
            verb = "does" if len(unsplit) == 1 else "do"
            sentence += f"; {_names(unsplit)} {verb} not disclose a split"
        found.append(sentence + ".")

    shares = peers["ai_hpc_share"].dropna()
    if len(shares) >= 2:
        found.append(f"The median AI/HPC share of revenue among the {len(shares)} that disclose "
                     f"it is {pct(shares.median())}, from {pct(shares.min())} to "
                     f"{pct(shares.max())}.")

    losses = peers[peers["net_income"] < 0]
    if not losses.empty:
        mostly = [str(t) for t in losses.index[losses["non_cash_share"] >= MOSTLY]]
        sentence = f"{len(losses)} of the {total} reported a net loss in their latest quarter"
        if mostly:
            sentence += (f"; for {len(mostly)} of them ({_names(mostly)}) disclosed non-cash "
                         "items make up most of it")
        found.append(sentence + ".")

    contracted = peers["mw_contracted"].dropna()
    if not contracted.empty:
        leader = str(contracted.idxmax())
        found.append(f"Together, {len(contracted)} miners have {number(contracted.sum(), 'MW', 0)}"
                     f" of AI/HPC capacity under contract, the most at {leader} "
                     f"({number(contracted.max(), 'MW', 0)}).")
    return found[:MAX_SENTENCES]
