"""Charts as matplotlib ``Figure`` objects (never pyplot state), saved as deterministic SVG.

The same data gives the same bytes: fixed SVG hash salt, no date metadata, text kept as text
(``svg.fonttype = none``: smaller, searchable, and about 40% faster for WeasyPrint to draw).
House style lives in this module only. Every chart carries alt text made from its data.
"""

from __future__ import annotations

import io
import math
import textwrap

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from reportgen import columns as col
from reportgen import periods
from reportgen.formatting import Formatter
from reportgen.model import Metrics
from reportgen.moves import what_moved

matplotlib.use("Agg")

WIDTH_IN = 6.7
HEIGHT_IN = 2.7
MINING = "#b5893a"
AI_HPC = "#1f4e79"
OTHER = "#a6a6a6"
NEGATIVE = "#b03a2e"
POSITIVE = "#2e7d4f"
TEXT = "#222222"
QUARTERS_SHOWN = 8
MIN_TREND_POINTS = 2
"""A trend chart needs two quarters with data; one point is a number, shown in the tables."""

STYLE = {
    "svg.hashsalt": "reportgen",
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#555555",
    "axes.labelcolor": TEXT,
    "xtick.color": TEXT,
    "ytick.color": TEXT,
    "hatch.linewidth": 0.6,
}


class Chart:
    """A drawn chart: SVG text plus the words a reader without the picture needs."""

    __slots__ = ("alt", "caption", "key", "svg", "title")

    def __init__(self, key: str, title: str, caption: str, alt: str, svg: str) -> None:
        self.key, self.title, self.caption, self.alt, self.svg = key, title, caption, alt, svg


def _figure() -> Figure:
    return Figure(figsize=(WIDTH_IN, HEIGHT_IN), layout=None)


def _svg(figure: Figure) -> str:
    with matplotlib.rc_context(STYLE):
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return buffer.getvalue()


def _recent(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The last quarters shown, trimmed to those where any of ``columns`` is disclosed."""
    window = frame.tail(QUARTERS_SHOWN)
    has_data = window[columns].notna().any(axis=1)
    if not has_data.any():
        return window.iloc[0:0]
    return window.loc[has_data.idxmax():]


def build_charts(metrics: Metrics, fmt: Formatter) -> list[Chart]:
    """Every chart the data supports for this briefing, in reading order; labels and alt text
    worded by ``fmt``."""
    with matplotlib.rc_context(STYLE):
        drawn = [revenue_bridge(metrics, fmt), revenue_mix(metrics, fmt),
                 ai_hpc_share(metrics, fmt), loss_bridge(metrics, fmt),
                 mining_economics(metrics, fmt)]
    return [chart for chart in drawn if chart is not None]


def revenue_bridge(metrics: Metrics, fmt: Formatter) -> Chart | None:
    """Last quarter's revenue, each business's change, this quarter's revenue: a waterfall."""
    steps = what_moved(metrics, fmt).revenue_bridge
    if not steps:
        return None
    colours = {"mining": MINING, "ai/hpc": AI_HPC}
    figure = Figure(figsize=(WIDTH_IN, 2.6))
    axes = figure.add_axes((0.1, 0.2, 0.88, 0.72))
    running = 0.0
    for x, step in enumerate(steps):
        amount = step.amount.value
        if step.kind in ("start", "end"):
            bottom, height, colour = 0.0, amount, TEXT
            running = amount
        else:
            bottom, height = running, amount
            colour = next((c for name, c in colours.items() if step.label.lower().startswith(
                name)), OTHER)
            running += amount
        axes.bar(x, height, bottom=bottom, color=colour, width=0.6,
                 edgecolor=NEGATIVE if step.kind == "step" and amount < 0 else "white",
                 hatch="///" if step.kind == "step" and amount < 0 else None)
        top = max(bottom, bottom + height)
        axes.annotate(step.amount.text, (x, top), xytext=(0, 2), textcoords="offset points",
                      ha="center", va="bottom", fontsize=7)
    axes.set_xticks(range(len(steps)), [textwrap.fill(step.label, 16) for step in steps])
    axes.axhline(0, color="#555555", linewidth=0.8)
    axes.set_ylabel("USD millions")
    axes.set_ylim(0, max(max(step.amount.value for step in steps if step.kind != "step"),
                         *(0.0,)) * 1.25)
    described = "; ".join(f"{step.label} {step.amount.text}" for step in steps)
    return Chart("revenue-bridge", f"What moved revenue, {steps[0].label.rsplit(' ', 1)[-1]} "
                 f"to {metrics.period}",
                 "Revenue last quarter, the change in each business (hatched: a fall), and "
                 "revenue this quarter.", f"Revenue bridge: {described}.", _svg(figure))


def revenue_mix(metrics: Metrics, fmt: Formatter) -> Chart | None:
    table = _recent(metrics.quarters, [col.REVENUE, col.MINING_REVENUE, col.AI_HPC_REVENUE])
    if table.empty:
        return None
    labels = [periods.label(p) for p in table.index]
    x = np.arange(len(labels))
    mining = table[col.MINING_REVENUE].fillna(0).to_numpy()
    ai_hpc = table[col.AI_HPC_REVENUE].fillna(0).to_numpy()
    other = (table[col.OTHER_REVENUE].fillna(0) + table[col.UNALLOCATED].clip(lower=0).fillna(0))
    no_split = table[col.MINING_REVENUE].isna() & table[col.AI_HPC_REVENUE].isna()
    other = other.where(~no_split, table[col.REVENUE]).fillna(0).to_numpy()

    figure = _figure()
    axes = figure.add_axes((0.08, 0.16, 0.72, 0.74))
    axes.bar(x, mining, color=MINING, hatch="///", edgecolor="white", label="Mining")
    axes.bar(x, ai_hpc, bottom=mining, color=AI_HPC, label="AI/HPC")
    axes.bar(x, other, bottom=mining + ai_hpc, color=OTHER, hatch="...", edgecolor="white",
             label="Other / not split")
    axes.set_xticks(x, labels)
    axes.set_ylabel("USD millions")
    tops = mining + ai_hpc + other
    for position, top, total in zip(x, tops, table[col.REVENUE], strict=True):
        if not math.isnan(total):
            axes.annotate(fmt.money(total), (position, top), textcoords="offset points",
                          xytext=(0, 2), ha="center", fontsize=7)
    if metrics.crossover in labels:
        where = labels.index(metrics.crossover)
        axes.axvline(where - 0.5, color=TEXT, linestyle="--", linewidth=0.8)
    top = max(tops.max(), 1) * 1.22
    axes.set_ylim(0, top)
    if metrics.crossover in labels:
        axes.annotate("AI/HPC overtakes mining", (labels.index(metrics.crossover) - 0.5, top),
                      xytext=(3, -2), textcoords="offset points", ha="left", va="top",
                      fontsize=7)
    figure.legend(loc="center right", frameon=False, fontsize=7)

    parts = []
    for label, (_, row) in zip(labels, table.iterrows(), strict=True):
        mining_of, ai_hpc_of = row[col.MINING_REVENUE], row[col.AI_HPC_REVENUE]
        split = (f"mining {fmt.money(mining_of)}, AI/HPC {fmt.money(ai_hpc_of)}"
                 if not (math.isnan(mining_of) and math.isnan(ai_hpc_of))
                 else "no split disclosed")
        parts.append(f"{label}: total {fmt.money(row[col.REVENUE])} ({split})")
    cross = (f" AI/HPC revenue first exceeded mining in {metrics.crossover}."
             if metrics.crossover else "")
    return Chart("revenue-mix", "Revenue by business",
                 "Stacked revenue by business per calendar quarter; grey is revenue not split "
                 "by business in the sources." + cross,
                 "Revenue by business. " + "; ".join(parts) + "." + cross, _svg(figure))


def ai_hpc_share(metrics: Metrics, fmt: Formatter) -> Chart | None:
    table = _recent(metrics.quarters, [col.AI_HPC_SHARE])
    shares = table[col.AI_HPC_SHARE]
    if shares.notna().sum() < MIN_TREND_POINTS:
        return None
    labels = [periods.label(p) for p in table.index]
    x = np.arange(len(labels))
    figure = _figure()
    axes = figure.add_axes((0.08, 0.16, 0.88, 0.74))
    values = shares.to_numpy() * 100
    axes.plot(x, values, color=AI_HPC, marker="o", linewidth=1.6)
    axes.axhline(50, color=OTHER, linestyle=":", linewidth=0.8)
    axes.annotate("half of revenue", (x[0], 50), xytext=(2, 2), textcoords="offset points",
                  fontsize=7, color="#555555")
    for position, value in zip(x, values, strict=True):
        if not math.isnan(value):
            axes.annotate(f"{value:.1f}%", (position, value), xytext=(0, 5),
                          textcoords="offset points", ha="center", fontsize=7)
    axes.set_xticks(x, labels)
    axes.set_ylim(0, 100)
    axes.set_ylabel("% of revenue")
    points = [f"{label} {fmt.pct(value)}" for label, value in zip(labels, shares, strict=True)
              if not math.isnan(value)]
    return Chart("ai-hpc-share", "AI/HPC share of revenue",
                 "AI/HPC revenue as a share of total revenue; gaps are quarters without a split.",
                 "AI/HPC share of revenue: " + ", ".join(points) + ".", _svg(figure))


def loss_bridge(metrics: Metrics, fmt: Formatter) -> Chart | None:
    bridge = metrics.bridge
    ends = bridge.set_index("metric")["amount"]
    shown = bridge[bridge["amount"].notna()]
    if math.isnan(ends["net_income"]) or math.isnan(ends["adjusted_ebitda"]):
        return None
    figure = Figure(figsize=(WIDTH_IN, 3.0))
    axes = figure.add_axes((0.27, 0.12, 0.7, 0.84))
    running = 0.0
    for row, item in enumerate(shown.itertuples()):
        if item.kind in ("start", "end"):
            left, width, colour = 0.0, item.amount, AI_HPC
            running = item.amount
        else:
            left, width = running, item.amount
            colour = NEGATIVE if item.amount < 0 else POSITIVE
            running += item.amount
        hatch = "///" if item.kind == "residual" else None
        axes.barh(row, width, left=left, color=colour, hatch=hatch, edgecolor="white",
                  height=0.6)
        end = left + width
        axes.annotate(fmt.money(item.amount), (min(left, end), row), xytext=(-3, 0),
                      textcoords="offset points", ha="right", va="center", fontsize=7)
    axes.set_yticks(range(len(shown)), [textwrap.fill(label, 26) for label in shown["label"]])
    axes.invert_yaxis()
    axes.axvline(0, color="#555555", linewidth=0.8)
    axes.set_xlabel("USD millions")
    low = min(0.0, *(np.cumsum(shown["amount"].where(shown["kind"] != "end", 0))))
    axes.set_xlim(low * 1.3 - 1, max(0.0, float(shown["amount"].max())) * 1.1 + 1)
    steps = "; ".join(f"{label} {fmt.money(amount)}" for label, amount in
                      zip(shown["label"], shown["amount"], strict=True))
    return Chart("loss-bridge", f"From adjusted EBITDA to net income, {metrics.period}",
                 "Each bar is an item's effect on net income; the hatched bar is the residual "
                 "that the disclosed items do not explain.",
                 f"Bridge for {metrics.period}: {steps}.", _svg(figure))


def mining_economics(metrics: Metrics, fmt: Formatter) -> Chart | None:
    table = _recent(metrics.quarters, ["btc_mined"])
    if table["btc_mined"].notna().sum() < MIN_TREND_POINTS:
        return None
    labels = [periods.label(p) for p in table.index]
    x = np.arange(len(labels))
    figure = _figure()
    left = figure.add_axes((0.08, 0.16, 0.4, 0.72))
    left.bar(x, table["btc_mined"].fillna(0), color=MINING, hatch="///", edgecolor="white")
    for position, value in zip(x, table["btc_mined"], strict=True):
        if not math.isnan(value):
            left.annotate(f"{value:,.0f}", (position, value), xytext=(0, 2),
                          textcoords="offset points", ha="center", fontsize=7)
    left.set_xticks(x, labels, rotation=45, ha="right")
    left.set_title("BTC mined", fontsize=8, loc="left")
    right = figure.add_axes((0.58, 0.16, 0.4, 0.72))
    right.plot(x, table[col.REVENUE_PER_BTC] / 1000, marker="o", color=MINING,
               label="Mining revenue per BTC")
    right.plot(x, table["power_cost_per_btc"] / 1000, marker="s", linestyle="--", color=TEXT,
               label="Power cost per BTC")
    right.set_xticks(x, labels, rotation=45, ha="right")
    right.set_ylim(bottom=0)
    right.set_title("USD thousands per BTC", fontsize=8, loc="left")
    right.legend(frameon=False, fontsize=7, loc="lower left")
    parts = []
    for label, row in zip(labels, table.itertuples(), strict=True):
        bits = [f"{fmt.number(row.btc_mined, 'BTC', 0)} mined"]
        if not math.isnan(row.revenue_per_btc):
            bits.append(f"revenue {fmt.usd(row.revenue_per_btc)} per BTC")
        if not math.isnan(row.power_cost_per_btc):
            bits.append(f"power cost {fmt.usd(row.power_cost_per_btc)} per BTC")
        parts.append(f"{label}: " + ", ".join(bits))
    return Chart("mining-economics", "Mining economics",
                 "Bitcoin mined per quarter, and mining revenue and power cost per bitcoin "
                 "where disclosed.", "Mining economics. " + "; ".join(parts) + ".",
                 _svg(figure))
