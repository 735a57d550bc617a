"""Sector charts: every miner on one axis, each with its own marker so greyscale still reads.

Same house style and determinism as :mod:`reportgen.charts` (whose helpers these reuse).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import matplotlib
import numpy as np
import pandas as pd

from reportgen import columns as col
from reportgen import periods
from reportgen.charts import QUARTERS_SHOWN, STYLE, TEXT, Chart, _figure, _svg
from reportgen.formatting import Formatter
from reportgen.model import Metrics
from reportgen.valuation import Valuation

PALETTE = ("#1f4e79", "#b5893a", "#2e7d4f", "#b03a2e", "#6a4c93", "#4d4d4d", "#0f7c8c",
           "#8c564b")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


Styles = dict[str, tuple[str, str]]


def styles_for(tickers: Sequence[str]) -> Styles:
    """Colour and marker per ticker, by alphabetical order, so a miner looks the same in
    every chart whatever the table's sort order."""
    return {ticker: (PALETTE[i % len(PALETTE)], MARKERS[i % len(MARKERS)])
            for i, ticker in enumerate(sorted(tickers))}


def build_sector_charts(miners: Sequence[Metrics], peers: pd.DataFrame, period: str,
                        valuations: Mapping[str, Valuation], fmt: Formatter) -> list[Chart]:
    styles = styles_for([m.company.ticker for m in miners])
    with matplotlib.rc_context(STYLE):
        drawn = [share_over_time(miners, period, styles, fmt),
                 share_against_non_cash(peers, styles, fmt),
                 crossover_timeline(miners, period), contracted_mw(peers, fmt),
                 ev_per_mw_against_share(miners, peers, styles, valuations)]
    return [chart for chart in drawn if chart is not None]


def chart_window(period: str) -> pd.PeriodIndex:
    """The quarters the over-time charts draw; the sector's figures appendix lists the same."""
    end = periods.quarter(period)
    return pd.period_range(end - (QUARTERS_SHOWN - 1), end, freq="Q")


def share_over_time(miners: Sequence[Metrics], period: str, styles: Styles, fmt: Formatter
                    ) -> Chart | None:
    window = chart_window(period)
    labels = [periods.label(p) for p in window]
    figure = _figure()
    axes = figure.add_axes((0.08, 0.16, 0.76, 0.74))
    described = []
    for miner in miners:
        shares = miner.quarters[col.AI_HPC_SHARE].reindex(window)
        if shares.notna().sum() == 0:
            continue
        colour, marker = styles[miner.company.ticker]
        axes.plot(np.arange(len(window)), shares.to_numpy() * 100, color=colour, marker=marker,
                  label=miner.company.ticker, linewidth=1.4)
        points = ", ".join(f"{periods.label(p)} {fmt.pct(v)}"
                           for p, v in shares.dropna().items())
        described.append(f"{miner.company.ticker}: {points}")
    if not described:
        return None
    axes.axhline(50, color="#a6a6a6", linestyle=":", linewidth=0.8)
    axes.set_xticks(np.arange(len(window)), labels)
    axes.set_ylim(0, 100)
    axes.set_ylabel("% of revenue")
    figure.legend(loc="center right", frameon=False, fontsize=7)
    return Chart("sector-share", "AI/HPC share of revenue by miner",
                 "Each miner's AI/HPC revenue as a share of its total, per calendar quarter; "
                 "miners that do not split revenue by business are not drawn.",
                 "AI/HPC share by miner. " + "; ".join(described) + ".", _svg(figure))


def share_against_non_cash(peers: pd.DataFrame, styles: Styles, fmt: Formatter
                           ) -> Chart | None:
    both = peers.dropna(subset=["ai_hpc_share", "non_cash_share"])
    if both.empty:
        return None
    figure = _figure()
    axes = figure.add_axes((0.09, 0.16, 0.86, 0.76))
    for ticker, row in both.iterrows():
        colour, marker = styles[str(ticker)]
        x, y = row["ai_hpc_share"] * 100, row["non_cash_share"] * 100
        axes.scatter([x], [y], color=colour, marker=marker, s=40)
        axes.annotate(f"{ticker} ({row['period']})", (x, y), xytext=(5, 4),
                      textcoords="offset points", fontsize=7, color=TEXT)
    axes.set_xlim(0, 100)
    axes.set_ylim(0, max(110.0, float(both["non_cash_share"].max()) * 100 * 1.15))
    axes.set_xlabel("AI/HPC share of revenue, %")
    axes.set_ylabel("Non-cash share of net loss, %")
    missing = sorted(set(peers.index) - set(both.index))
    points = "; ".join(f"{t}: AI/HPC {fmt.pct(r['ai_hpc_share'])}, "
                       f"non-cash {fmt.pct(r['non_cash_share'])}"
                       for t, r in both.iterrows())
    left_out = f" Not drawn (a figure not disclosed): {', '.join(missing)}." if missing else ""
    return Chart("sector-scatter", "How far the pivot has gone, and how much of the loss is "
                 "non-cash", "One point per miner for its latest reported quarter: AI/HPC share "
                 "of revenue against the share of its net loss from disclosed non-cash items."
                 + left_out, f"{points}.{left_out}", _svg(figure))


def ev_per_mw_against_share(miners: Sequence[Metrics], peers: pd.DataFrame, styles: Styles,
                            valuations: Mapping[str, Valuation]) -> Chart | None:
    """EV per contracted MW against AI/HPC share: does the market pay for contracts or for
    revenue already earned?"""
    points = []
    for miner in miners:
        ticker = miner.company.ticker
        found = valuations[ticker]
        share = peers.loc[ticker, "ai_hpc_share"] if ticker in peers.index else float("nan")
        if found.per_contracted_mw is not None and not pd.isna(share):
            points.append((ticker, float(share) * 100, found.per_contracted_mw.value,
                           found.price_date))
    if not points:
        return None
    figure = _figure()
    axes = figure.add_axes((0.09, 0.16, 0.86, 0.76))
    for ticker, x, y, day in points:
        colour, marker = styles[ticker]
        axes.scatter([x], [y], color=colour, marker=marker, s=40)
        axes.annotate(f"{ticker} ({day})", (x, y), xytext=(5, 4), textcoords="offset points",
                      fontsize=7, color=TEXT)
    axes.set_xlim(0, 100)
    axes.set_ylim(0, max(y for _, _, y, _ in points) * 1.25)
    axes.set_xlabel("AI/HPC share of revenue, % (latest reported quarter)")
    axes.set_ylabel("EV per contracted MW, USD M")
    missing = sorted({m.company.ticker for m in miners} - {p[0] for p in points})
    left_out = f" Not drawn (a figure missing): {', '.join(missing)}." if missing else ""
    described = "; ".join(f"{t}: AI/HPC {x:.1f}%, EV ${y:,.1f}M per MW on {d}"
                          for t, x, y, d in points)
    return Chart("sector-ev-mw", "What the market pays per contracted MW, against how far the "
                 "pivot has gone", "One point per miner: EV per contracted MW on its price date "
                 "against its AI/HPC share of revenue." + left_out,
                 f"{described}.{left_out}", _svg(figure))


def crossover_timeline(miners: Sequence[Metrics], period: str) -> Chart | None:
    window = chart_window(period)
    split = [m for m in miners if m.quarters[col.AI_HPC_REVENUE].reindex(window).notna().any()
             and m.quarters[col.MINING_REVENUE].reindex(window).notna().any()]
    if not split:
        return None
    figure = _figure()
    axes = figure.add_axes((0.1, 0.16, 0.86, 0.76))
    described = []
    ahead: list[tuple[int, int]] = []
    behind: list[tuple[int, int]] = []
    for row, miner in enumerate(split):
        ai_hpc = miner.quarters[col.AI_HPC_REVENUE].reindex(window)
        mining = miner.quarters[col.MINING_REVENUE].reindex(window)
        for column, (a, m) in enumerate(zip(ai_hpc, mining, strict=True)):
            if not (math.isnan(a) or math.isnan(m)):
                (ahead if a > m else behind).append((column, row))
        if miner.crossover and periods.quarter(miner.crossover) in window:
            axes.annotate("crossover", (window.get_loc(periods.quarter(miner.crossover)), row),
                          xytext=(0, 8), textcoords="offset points", ha="center", fontsize=7)
        described.append(f"{miner.company.ticker}: "
                         f"{'crossover ' + miner.crossover if miner.crossover else 'not yet'}")
    for cells, face in ((ahead, PALETTE[0]), (behind, "white")):
        if cells:
            columns, rows = zip(*cells, strict=True)
            axes.scatter(columns, rows, s=70, marker="s", color=face, edgecolors=PALETTE[0])
    axes.set_xticks(np.arange(len(window)), [periods.label(p) for p in window])
    axes.set_yticks(range(len(split)), [m.company.ticker for m in split])
    axes.set_ylim(len(split) - 0.4, -0.9)
    axes.set_xlim(-0.5, len(window) - 0.5)
    return Chart("sector-crossover", "When AI/HPC revenue overtook mining",
                 "Filled square: AI/HPC revenue above mining revenue that quarter; hollow: mining "
                 "ahead; blank: no split disclosed.", "Crossover by miner. "
                 + "; ".join(described) + ".", _svg(figure))


def _as_of(peer: pd.Series) -> str:
    """`` (2025Q4)`` for a total reported as of a quarter other than the miner's row."""
    as_of = peer["mw_contracted_as_of"]
    if not isinstance(as_of, str) or as_of == peer["period"]:
        return ""
    return f" ({as_of}{', stale' if peer['mw_contracted_stale'] else ''})"


def contracted_mw(peers: pd.DataFrame, fmt: Formatter) -> Chart | None:
    shown = peers.dropna(subset=["mw_contracted"]).sort_values("mw_contracted")
    if shown.empty:
        return None
    figure = _figure()
    axes = figure.add_axes((0.1, 0.16, 0.84, 0.76))
    bars = axes.barh(list(shown.index), shown["mw_contracted"], color=PALETTE[0])
    labels = {t: fmt.number(v, "MW", 0) + _as_of(shown.loc[t]) for t, v in
              shown["mw_contracted"].items()}
    for bar, label in zip(bars, labels.values(), strict=True):
        axes.annotate(label, (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                      xytext=(3, 0), textcoords="offset points", va="center", fontsize=7)
    axes.set_xlabel("Contracted AI/HPC critical IT, MW")
    axes.set_xlim(0, float(shown["mw_contracted"].max()) * 1.3)
    return Chart("sector-mw", "Contracted AI/HPC capacity by miner",
                 "Critical IT load under AI/HPC contracts: the miner's reported total where "
                 "there is one, else the sum of its listed contracts.",
                 "Contracted AI/HPC MW. " + "; ".join(
                     f"{t} {label}" for t, label in labels.items()) + ".",
                 _svg(figure))
