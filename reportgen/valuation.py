"""What the market pays for a miner against what it has contracted: market capitalization,
enterprise value, and EV per contracted MW, per EH/s and against contracted annual revenue.

Prices and share counts come from ``inputs/prices.csv`` and are of a day, not a quarter; the
balance sheet is of a quarter end. Every figure here therefore carries its own date, and the
enterprise value names both (price date, net-debt quarter), so a reader never mistakes a
January price for a March one. Nothing is computed from a missing part: no price, no value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import pandas as pd

from reportgen import periods
from reportgen.formatting import Formatter, missing
from reportgen.metrics import CASH_METRICS, quarters_old
from reportgen.model import Dated, Metrics
from reportgen.peers import STALE_AFTER_QUARTERS
from reportgen.provenance import Figure, FigureLookup, weakest

PER_CONTRACTED_MW = "EV per contracted MW"
PER_EHS = "EV per EH/s"
TO_CONTRACTED_REVENUE = "EV ÷ contracted annual revenue"
"""The ratios' names, which the briefing prints also where a ratio cannot be computed."""
BALANCE_WITHIN_DAYS = 92
"""EV uses the net debt of the quarter end nearest the price date, if within a quarter of it."""
SHARES_WITHIN_DAYS = 92
"""A close without a share count on its row is valued with the nearest count within a quarter."""


@dataclass(frozen=True)
class Valuation:
    """A miner's valuation on one price date; every part ``None`` when it cannot be computed."""

    price_date: str = ""
    price: Figure | None = None
    shares: Figure | None = None
    market_cap: Figure | None = None
    net_debt: Figure | None = None
    enterprise_value: Figure | None = None
    per_contracted_mw: Figure | None = None
    per_ehs: Figure | None = None
    to_contracted_annual_revenue: Figure | None = None
    contracted_mw: Figure | None = None
    contracted_annual_revenue: Figure | None = None
    hashrate: Figure | None = None

    @property
    def figures(self) -> tuple[Figure, ...]:
        return tuple(f for f in (self.price, self.shares, self.market_cap, self.net_debt,
                                 self.enterprise_value, self.per_contracted_mw, self.per_ehs,
                                 self.to_contracted_annual_revenue) if f is not None)


def _row_figure(row: pd.Series, column: str, label: str, show: Callable[[float], str]
                ) -> Figure | None:
    value = row.get(column)
    if value is None or pd.isna(value):
        return None
    return Figure(label, float(value), show(float(value)), _day(row["date"]), str(row["status"]),
                  tuple(str(row["source"]).split(";")), dated=True)


def _day(value: object) -> str:
    return pd.Timestamp(value).date().isoformat()  # type: ignore[arg-type]


def _combined(label: str, value: float, show: Callable[[float], str], when: str,
              *parts: Figure) -> Figure:
    return Figure(label, value, show(value), when, weakest(p.status for p in parts),
                  tuple(dict.fromkeys(s for p in parts for s in p.sources)), dated=True)


def market_cap(rows: pd.DataFrame, fmt: Formatter
               ) -> tuple[Figure | None, Figure | None, Figure | None]:
    """(market cap, price, shares) on the newest date that gives a market cap, or a close with
    a share count on its row or within SHARES_WITHIN_DAYS of it."""
    for _, row in rows.iterrows():
        price = _row_figure(row, "close", "Share price", lambda v: usd_cents(v, fmt))
        shares = _row_figure(row, "shares_outstanding", "Shares outstanding",
                             lambda v: shares_text(v, fmt))
        given = _row_figure(row, "market_cap", "Market capitalization", fmt.money)
        if given is not None:
            return given, price, shares
        if price is None:
            continue
        if shares is None:
            shares = _nearest_shares(rows, row["_date"], fmt)
        if shares is not None:
            value = price.value * shares.value
            return _combined("Market capitalization", value, fmt.money, price.period or "",
                             price, shares), price, shares
    return None, None, None


def _nearest_shares(rows: pd.DataFrame, day: pd.Timestamp, fmt: Formatter) -> Figure | None:
    counted = rows[rows["shares_outstanding"].notna()]
    if counted.empty:
        return None
    gaps = (counted["_date"] - day).abs()
    nearest = counted.loc[gaps.idxmin()]
    if gaps.min() > pd.Timedelta(days=SHARES_WITHIN_DAYS):
        return None
    return _row_figure(nearest, "shares_outstanding", "Shares outstanding",
                       lambda v: shares_text(v, fmt))


def years(value: float, fmt: Formatter) -> str:
    """EV ÷ contracted revenue a year, read as the years of contracted revenue the EV pays for.

    >>> from reportgen.formatting import PLAIN
    >>> years(9.53, PLAIN)
    '9.5 years'
    """
    return f"{fmt.number(value, '', 1)} years"


def usd_cents(value: float, fmt: Formatter) -> str:
    """A share price: cents below $100 ($12.89), whole dollars above, in the theme's currency."""
    return fmt.fact(value, "USD")


def shares_text(value: float, fmt: Formatter) -> str:
    return fmt.number(value, "M shares", 1)


def value(metrics: Metrics, fmt: Formatter, prices: pd.DataFrame | None = None,
          lookup: FigureLookup | None = None, stale_after: int = STALE_AFTER_QUARTERS
          ) -> Valuation:
    """Market cap, EV and the EV ratios of one miner for the quarter its briefing covers, from
    ``prices`` (by default the rows :func:`reportgen.metrics.usable_prices` kept, newest
    first). A price more than ``stale_after`` quarters older than the quarter covered is shown
    as stale and values nothing: no EV, no ratio."""
    lookup = lookup or FigureLookup(metrics)
    rows = prices if prices is not None else metrics.prices
    cap, price, shares = market_cap(rows.assign(_date=pd.to_datetime(rows["date"])), fmt)
    contracted_mw = _as_of("Contracted critical IT", metrics.pipeline.mw_contracted,
                           lambda v: fmt.number(v, "MW", 0), metrics, stale_after)
    if contracted_mw is None:
        contracted_mw = _listed_mw(metrics, fmt)
    annual = _contracted_annual(metrics, fmt)
    hashrate = _latest_hashrate(metrics, lookup, stale_after, fmt)
    if cap is None:
        return Valuation(contracted_mw=contracted_mw, contracted_annual_revenue=annual,
                         hashrate=hashrate)
    when = cap.period or ""
    if _stale(periods.label(pd.Period(pd.Timestamp(when), freq="Q")), metrics, stale_after):
        cap = replace(cap, stale=True)
        return Valuation(price_date=when, price=price, shares=shares, market_cap=cap,
                         contracted_mw=contracted_mw, contracted_annual_revenue=annual,
                         hashrate=hashrate)
    day = when
    net = _net_debt(metrics, lookup, day, fmt)
    if net is not None and not _within(when, str(net.period)):
        when = f"price {when}, net debt {net.period}"  # two dates, both said
    ev = None if net is None else _combined(
        "Enterprise value", cap.value + net.value, fmt.money, when, cap, net)

    def ratio(label: str, over: Figure | None, show: Callable[[float], str]) -> Figure | None:
        if ev is None or over is None or over.stale or not over.value > 0:
            return None
        return _combined(label, ev.value / over.value, show, when, ev, over)

    return Valuation(
        price_date=day, price=price, shares=shares, market_cap=cap, net_debt=net,
        enterprise_value=ev,
        per_contracted_mw=ratio(PER_CONTRACTED_MW, contracted_mw,
                                lambda v: f"{fmt.money(v)} per MW"),
        per_ehs=ratio(PER_EHS, hashrate, lambda v: f"{fmt.money(v)} per EH/s"),
        to_contracted_annual_revenue=ratio(TO_CONTRACTED_REVENUE, annual,
                                           lambda v: years(v, fmt)),
        contracted_mw=contracted_mw, contracted_annual_revenue=annual, hashrate=hashrate)


def _within(day: str, quarter: str) -> bool:
    """Whether a day is the quarter's last: only then are price and balance sheet of one date."""
    return pd.Timestamp(day) == periods.quarter(quarter).end_time.normalize()


def _stale(as_of: str, metrics: Metrics, stale_after: int) -> bool:
    """Older than ``stale_after`` quarters before the requested period, as peers and claims
    count it (:func:`reportgen.metrics.quarters_old`)."""
    age = quarters_old(as_of, metrics.requested_period)
    return age is not None and age > stale_after


def _listed_mw(metrics: Metrics, fmt: Formatter) -> Figure | None:
    """Contracted MW as the sum of the listed contracts, when the company gives no total."""
    listed = [c for c in metrics.company.contracts if c.mw]
    if not listed:
        return None
    total = float(sum(c.mw for c in listed if c.mw))
    return Figure("Contracted critical IT (sum of listed contracts)", total,
                  fmt.number(total, "MW", 0), None, weakest(c.status for c in listed),
                  tuple(dict.fromkeys(c.source for c in listed)))


def _as_of(label: str, dated: Dated, show: Callable[[float], str], metrics: Metrics,
           stale_after: int) -> Figure | None:
    amount, as_of = dated.value, dated.as_of
    if missing(amount) or as_of is None:
        return None
    return Figure(label, amount, show(amount), as_of, dated.status, dated.sources,
                  dated=as_of != metrics.period,
                  stale=_stale(as_of, metrics, stale_after))


def _net_debt(metrics: Metrics, lookup: FigureLookup, day: str, fmt: Formatter
              ) -> Figure | None:
    """Net debt (total debt − cash of one definition, both of one quarter end) at the quarter
    end nearest the price date, within BALANCE_WITHIN_DAYS: an EV adds a market value of one
    day to the balance sheet closest to it, never to whichever is latest."""
    on = pd.Timestamp(day)
    table = metrics.quarters
    best: tuple[int, str, str] | None = None
    for quarter in table.index:
        debt = table.at[quarter, "total_debt"]
        cash_metric = next((m for m in CASH_METRICS if m in table.columns
                            and pd.notna(table.at[quarter, m])), None)
        if pd.isna(debt) or cash_metric is None:
            continue
        gap = abs((quarter.end_time.normalize() - on).days)
        if gap <= BALANCE_WITHIN_DAYS and (best is None or gap < best[0]):
            best = (gap, periods.label(quarter), cash_metric)
    if best is None:
        return None
    _, as_of, cash_metric = best
    quarter = periods.quarter(as_of)
    net = float(table.at[quarter, "total_debt"] - table.at[quarter, cash_metric])
    status, sources = lookup.provenance(as_of, [cash_metric, "total_debt"])
    return Figure("Net debt", net, fmt.money(net), as_of, status, sources,
                  dated=as_of != metrics.period)


def _contracted_annual(metrics: Metrics, fmt: Formatter) -> Figure | None:
    annual = metrics.pipeline.contracted_annual_revenue
    if missing(annual):
        return None
    used = [c for c in metrics.company.contracts if c.value_usd_m is not None and c.term_years]
    return Figure("Contracted revenue a year", float(annual), fmt.money(float(annual)), None,
                  weakest(c.status for c in used), tuple(dict.fromkeys(c.source for c in used)))


def _latest_hashrate(metrics: Metrics, lookup: FigureLookup, stale_after: int,
                     fmt: Formatter) -> Figure | None:
    if "hashrate" not in metrics.quarters.columns:
        return None
    series = metrics.quarters["hashrate"].dropna()
    if series.empty:
        return None
    as_of = periods.label(series.index[-1])
    amount = float(series.iloc[-1])
    return Figure("Hashrate", amount, fmt.number(amount, "EH/s"), as_of,
                  lookup.status(as_of, "hashrate"), lookup.sources(as_of, "hashrate"),
                  dated=as_of != metrics.period,
                  stale=_stale(as_of, metrics, stale_after))
