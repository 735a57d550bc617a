"""Frozen data that flows between stages; each stage returns new values, none mutates."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

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
    date: datetime.date | None = None
    """When the source was published, if known (``date:`` in sources.yaml); never guessed."""


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
    kind: str = ""
    """``colocation``, ``gpu_cloud``, ``lease``, or empty when the source does not say."""
    energization: str = ""
    """When the source says the contracted capacity is fully delivered or energized:
    ``YYYY-MM``, ``YYYY-MM-DD`` or ``YYYY-Qn`` as text; empty when not given."""
    signed: str = ""
    """When the contract was signed, in the same forms; empty when the source does not say."""


@dataclass(frozen=True)
class Company:
    ticker: str
    name: str
    cik: int | None
    fiscal_year_end_month: int
    revenue_lines: Mapping[str, str]
    """The miner's own revenue line metrics and the business each belongs to."""
    contracts: tuple[Contract, ...] = ()
    notes: str = ""
    revenue_line_labels: Mapping[str, str] = field(default_factory=dict)
    """A reader's name for some of those lines, as the company's release calls them."""

    def business_of(self, metric: str) -> str | None:
        """Which business (mining, ai_hpc, other) a revenue line belongs to, if any."""
        return self.revenue_lines.get(metric) or DEFAULT_REVENUE_LINES.get(metric)

    def line_label(self, metric: str) -> str | None:
        """The label declared for one of the miner's own revenue lines, or ``None``.

        >>> wulf = Company("WULF", "TeraWulf Inc.", None, 12,
        ...                {"revenue_hpc_lease": "ai_hpc"}, revenue_line_labels={
        ...                    "revenue_hpc_lease": "HPC lease"})
        >>> wulf.line_label("revenue_hpc_lease"), wulf.line_label("revenue_mining")
        ('HPC lease', None)
        """
        return self.revenue_line_labels.get(metric)


PRICE_COLUMNS = ("ticker", "date", "close", "shares_outstanding", "market_cap", "source",
                 "status", "note", "file", "line")
"""The columns of :attr:`Dataset.prices`: ``date`` a pandas Timestamp, ``close`` in USD,
``shares_outstanding`` in millions, ``market_cap`` in USD millions (each NaN when not given)."""


def empty_prices() -> pd.DataFrame:
    """A prices frame with no rows (no ``inputs/prices.csv``, or one with a header only)."""
    frame = pd.DataFrame({name: pd.Series(dtype=object) for name in PRICE_COLUMNS})
    frame["date"] = pd.Series(dtype="datetime64[ns]")
    for name in ("close", "shares_outstanding", "market_cap"):
        frame[name] = pd.Series(dtype=float)
    frame["line"] = pd.Series(dtype=int)
    return frame


@dataclass(frozen=True)
class Dataset:
    """Everything read from ``inputs/``, validated.

    ``facts``, ``market`` and ``prices`` keep one row per input row (with ``file`` and
    ``line``) so any figure shown can be traced to the line it came from. ``prices`` holds
    dated share prices, share counts and market capitalizations (``inputs/prices.csv``,
    optional; columns :data:`PRICE_COLUMNS`).
    """

    companies: Mapping[str, Company]
    facts: pd.DataFrame
    market: pd.DataFrame
    sources: Mapping[str, Source]
    fingerprint: str = field(default="")
    prices: pd.DataFrame = field(default_factory=empty_prices)


@dataclass(frozen=True)
class Dated:
    """A point-in-time figure (MW, cash, debt) and the quarter it is as of.

    Balance-sheet and capacity figures are carried forward from their latest disclosure, so
    the value never travels without its date: a page that prints it can always say when.
    ``as_of`` is None when the value was not disclosed, or (a total of the listed contracts)
    is computed here rather than reported as of a quarter.
    """

    value: float
    as_of: str | None = None
    metric: str = ""
    """The input metric it is the latest of ("" for a total computed here)."""
    status: str = ""
    """The input status of the row it comes from; for a total of the listed contracts, the
    weakest of theirs. The value never travels without its mark."""
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Pipeline:
    """Contracted and energized AI/HPC capacity, and what the contracts are worth."""

    mw_contracted: Dated
    mw_energized: Dated
    contracted_value: Dated
    from_listed_contracts: bool
    """The contracted value is our sum of the listed contracts, not a total the miner gave."""
    annualized_run_rate: float
    """The covered quarter's AI/HPC revenue × 4."""
    contracted_annual_revenue: float
    """Σ value ÷ term over the listed contracts that give both."""
    contracts_with_terms: int
    contracts_listed: int
    listed_contracts_mw: float
    listed_contracts_value: float


@dataclass(frozen=True)
class Liquidity:
    """Cash, debt and net debt as of their latest disclosure."""

    cash: Dated
    """Of the definition disclosed latest (``cash.metric``: ``cash``, ``cash_and_restricted``,
    ...), which the briefing names."""
    cash_label: str
    total_debt: Dated
    net_debt: float
    """Debt − cash, only when both are as of the same quarter end; NaN otherwise."""
    convertible_notes: Dated
    warrant_liability: Dated


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
    pipeline: Pipeline
    liquidity: Liquidity
    facts: pd.DataFrame
    """Every input row for this miner up to the covered period (all sources), for citations."""
    disagreements: pd.DataFrame
    other_periods: pd.DataFrame
    """Half-year and full-year figures, shown for reference only."""
    prices: pd.DataFrame = field(default_factory=lambda: empty_prices())
    """The miner's rows of prices.csv a briefing may use (see :mod:`reportgen.valuation`)."""
    market: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    """The dataset's market rows, for :attr:`tidy`."""

    @cached_property
    def best(self) -> pd.DataFrame:
        """:attr:`facts` with one row per (period, metric), the one each figure comes from.
        Worked out once per process that needs it: status marks, sources, guidance, CSV."""
        from reportgen.metrics import best_facts

        return best_facts(self.facts)

    @cached_property
    def tidy(self) -> pd.DataFrame:
        """The long table of the miner's metrics CSV. Worked out on first use, in the process
        that writes the CSV: a build that re-renders one miner need not work out all of them."""
        from reportgen.metrics import tidy

        return tidy(self.company.ticker, self.quarters, self.best, self.company, self.market)

    CACHED = ("best", "tidy")

    def __getstate__(self) -> dict[str, object]:
        """What a worker is sent: never the caches, which would double what a job carries
        (workers run under a memory limit); the worker works out what it needs itself."""
        return {k: v for k, v in self.__dict__.items() if k not in self.CACHED}

    @property
    def is_stale(self) -> bool:
        return self.period != self.requested_period
