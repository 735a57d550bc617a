"""Frozen data that flows between stages; each stage returns new values, none mutates."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

DEFAULT_REVENUE_LINES = {
    "revenue_mining": "mining",
    "revenue_ai_hpc": "ai_hpc",
    "revenue_other": "other",
}


@dataclass(frozen=True)
class Source:
    id: str
    url: str
    publisher: str
    kind: str
    description: str = ""


@dataclass(frozen=True)
class Contract:
    customer: str
    source: str
    status: str
    site: str = ""
    mw: float | None = None
    term_years: float | None = None
    value_usd_m: float | None = None
    backstop: str = ""
    note: str = ""


@dataclass(frozen=True)
class Company:
    ticker: str
    name: str
    cik: int | None
    fiscal_year_end_month: int
    revenue_lines: Mapping[str, str]
    contracts: tuple[Contract, ...] = ()
    notes: str = ""

    def business_of(self, metric: str) -> str | None:
        """Which business (mining, ai_hpc, other) a revenue line belongs to, if any."""
        return self.revenue_lines.get(metric) or DEFAULT_REVENUE_LINES.get(metric)


@dataclass(frozen=True)
class Dataset:
    """Everything read from ``inputs/``, validated.

    ``facts`` and ``market`` keep one row per input row (with ``file`` and ``line``) so any
    figure shown can be traced to the line it came from.
    """

    companies: Mapping[str, Company]
    facts: pd.DataFrame
    market: pd.DataFrame
    sources: Mapping[str, Source]
    fingerprint: str = field(default="")


@dataclass(frozen=True)
class Metrics:
    """What a briefing says about one miner, computed from the dataset for one period.

    ``quarters`` is indexed by calendar quarter (a continuous ``PeriodIndex``, so a gap in
    reporting is a row of NaN, never a shifted comparison) and holds both the best input
    figure per metric and the computed columns (mix, share, growth, non-cash, economics).
    """

    company: Company
    requested_period: str
    period: str
    """The quarter the briefing covers: the requested one, or the latest reported before it."""
    quarters: pd.DataFrame
    bridge: pd.DataFrame
    crossover: str | None
    pipeline: Mapping[str, object]
    liquidity: Mapping[str, object]
    facts: pd.DataFrame
    """Every input row for this miner up to the covered period (all sources), for citations."""
    disagreements: pd.DataFrame
    other_periods: pd.DataFrame
    """Half-year and full-year figures, shown for reference only."""
    tidy: pd.DataFrame

    @property
    def is_stale(self) -> bool:
        return self.period != self.requested_period
