"""Pure pandas: from validated facts to the numbers a briefing states. No I/O, no formatting.

Conventions: money in USD millions, shares as fractions (0.618, not 61.8), growth as
fractions. A figure not disclosed is NaN and stays NaN through every computation (pandas
``min_count=1`` sums), so nothing missing is ever shown as zero.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from reportgen import columns as col
from reportgen import periods
from reportgen.model import Company, Contract, Dataset, Dated, Liquidity, Metrics, Pipeline
from reportgen.vocabulary import BUSINESSES, METRICS, STATUSES, guidance_target, weakest

STATUS_RANK = {status: rank for rank, status in enumerate(STATUSES)}
DISAGREEMENT_TOLERANCE = 0.005
"""Two sources disagree when their values differ by more than 0.5% of the larger one."""

PNL_METRICS = ("revenue_total", "net_income", "adjusted_ebitda")
"""A quarter counts as reported when one of these, or a revenue line, is present."""

BRIDGE_ITEMS: tuple[tuple[str, str, int, bool], ...] = (
    # (metric, label, sign applied to the input value, non-cash?)
    ("depreciation_amortization", "Depreciation and amortization", -1, True),
    ("impairment", "Impairments", -1, True),
    ("fair_value_change", "Fair-value changes on warrants and derivatives", 1, True),
    ("digital_asset_fair_value_change", "Digital-asset marks", 1, True),
    ("stock_based_compensation", "Stock-based compensation", -1, True),
    ("interest_expense", "Interest expense", -1, False),
    ("income_tax", "Income tax", -1, False),
)
CASH_METRICS = ("cash", "cash_and_restricted", "cash_and_btc")
"""Cash as disclosed, best definition first; the briefing names the one it used."""


def best_facts(facts: pd.DataFrame) -> pd.DataFrame:
    """One row per (ticker, period, metric): the best status wins, then the earlier line.

    >>> rows = pd.DataFrame({"ticker": ["A", "A"], "period": ["2025Q1"] * 2,
    ...     "metric": ["revenue_total"] * 2, "value": [44.0, 43.6],
    ...     "status": ["secondary", "reported"], "line": [2, 3]})
    >>> best_facts(rows)["value"].tolist()
    [43.6]
    """
    ranked = facts.assign(_rank=facts["status"].map(STATUS_RANK))
    ranked = ranked.sort_values(["_rank", "line"], kind="stable")
    best = ranked.drop_duplicates(["ticker", "period", "metric"], keep="first")
    return best.drop(columns="_rank").sort_values("line", kind="stable")


def disagreements(facts: pd.DataFrame) -> pd.DataFrame:
    """Rows of figures that two or more sources give differently (beyond rounding)."""
    keys = ["ticker", "period", "metric"]
    spread = facts.groupby(keys)["value"].agg(["min", "max", "count"])
    scale = spread[["min", "max"]].abs().max(axis=1)
    differ = spread[(spread["count"] > 1)
                    & ((spread["max"] - spread["min"]) > DISAGREEMENT_TOLERANCE * scale)]
    if differ.empty:
        return facts.iloc[0:0].assign(used=pd.Series(dtype=bool))
    rows = facts.merge(differ.reset_index()[keys], on=keys)
    chosen = set(best_facts(rows)["line"])
    return rows.assign(used=rows["line"].isin(chosen)).sort_values([*keys, "line"])


def quarterly(best: pd.DataFrame, first: str, last: str) -> pd.DataFrame:
    """Wide table of one miner's best figures, one row per calendar quarter first..last.

    Every vocabulary metric is a column, disclosed or not, so later stages never ask whether
    a column exists, only whether a value does.
    """
    index = pd.period_range(periods.quarter(first), periods.quarter(last), freq="Q")
    rows = best[best["period"].map(periods.is_quarter)]
    wide = rows.pivot(index="period", columns="metric", values="value")
    wide.index = pd.PeriodIndex(wide.index, freq="Q")
    columns = [*METRICS, *(c for c in wide.columns if c not in METRICS)]
    return wide.reindex(index=index, columns=columns).astype(float).rename_axis("period")


def revenue_mix(wide: pd.DataFrame, company: Company) -> pd.DataFrame:
    """Revenue by business from the miner's own lines, AI/HPC share of the reported total.

    ``unallocated`` is the part of the total no disclosed line accounts for; it is NaN when no
    line is disclosed, and the share is NaN unless both AI/HPC revenue and the total are known.
    """
    mix = pd.DataFrame(index=wide.index)
    for business in BUSINESSES:
        columns = [c for c in wide.columns if company.business_of(c) == business]
        mix[business] = wide[columns].sum(axis=1, min_count=1) if columns else np.nan
    total = _column(wide, "revenue_total")
    mix["total"] = total
    # Rounded (and + 0.0 turns -0.0 into 0.0) so lines that add up exactly leave 0, not noise.
    mix["unallocated"] = (total - mix[list(BUSINESSES)].sum(axis=1, min_count=1)).round(6) + 0.0
    mix["ai_hpc_share"] = mix["ai_hpc"] / total
    return mix


def _column(wide: pd.DataFrame, metric: str) -> pd.Series:
    if metric in wide.columns:
        return wide[metric].astype(float)
    return pd.Series(np.nan, index=wide.index, dtype=float)


def growth(series: pd.Series, quarters_back: int) -> pd.Series:
    """Relative change against ``quarters_back`` quarters earlier; NaN from a base of 0 or less.

    >>> idx = pd.period_range("2025Q1", periods=3, freq="Q")
    >>> growth(pd.Series([10.0, 12.0, 9.0], index=idx), 1).round(3).tolist()
    [nan, 0.2, -0.25]
    """
    base = series.shift(quarters_back)
    return (series / base - 1).where(base > 0)


def crossover(mix: pd.DataFrame) -> pd.Period | None:
    """The first quarter AI/HPC revenue exceeded mining revenue.

    Any unallocated remainder is counted as mining, so a partial split never claims a
    crossover that the full split might not show.
    """
    mining = mix["mining"] + mix["unallocated"].clip(lower=0).fillna(0)
    overtook = mix["ai_hpc"] > mining
    return overtook.idxmax() if overtook.any() else None


def loss_bridge(row: pd.Series) -> pd.DataFrame:
    """Adjusted EBITDA → net income for one quarter, the unexplained rest shown as "other".

    Items carry their effect on net income (a charge is negative). The residual is computed
    only when both ends are disclosed; it then absorbs every item the miner did not disclose.
    """
    ebitda, net = row.get("adjusted_ebitda", np.nan), row.get("net_income", np.nan)
    lines = [("adjusted_ebitda", "Adjusted EBITDA", ebitda, "start", False)]
    for metric, label, sign, non_cash in BRIDGE_ITEMS:
        lines.append((metric, label, sign * row.get(metric, np.nan), "item", non_cash))
    known = sum(amount for _, _, amount, _, _ in lines[1:] if not math.isnan(amount))
    residual = net - ebitda - known
    lines.append(("other", "Other (residual, incl. items not disclosed)", residual, "residual",
                  False))
    lines.append(("net_income", "Net income", net, "end", False))
    return pd.DataFrame(lines, columns=["metric", "label", "amount", "kind", "non_cash"])


def non_cash(wide: pd.DataFrame) -> pd.DataFrame:
    """The disclosed non-cash items' effect on net income, their share of a net loss, and
    the result before them.

    The share is only stated for a loss that the non-cash items add to and do not exceed: a
    share above 100% reads as nonsense, so the result before those items says it instead
    (HUT: a $219.8M loss is a $75.9M profit before $295.7M of non-cash items).
    """
    effect = sum(
        (sign * _column(wide, metric)).fillna(0)
        for metric, _, sign, is_non_cash in BRIDGE_ITEMS if is_non_cash
    )
    disclosed = pd.concat([_column(wide, m) for m, _, _, nc in BRIDGE_ITEMS if nc], axis=1)
    effect = effect.where(disclosed.notna().any(axis=1))
    net = _column(wide, "net_income")
    share = (effect / net).where((net < 0) & (effect < 0) & (effect >= net))
    return pd.DataFrame({col.NON_CASH_EFFECT: effect, col.NON_CASH_SHARE: share,
                         col.BEFORE_NON_CASH: net - effect})


def mining_economics(wide: pd.DataFrame, market: pd.DataFrame, mining_revenue: pd.Series
                     ) -> pd.DataFrame:
    """Revenue per BTC and realized hashprice (USD per PH/s per day) against the market's.

    Realized hashprice = mining revenue ÷ (EH/s × 1000 × days in the quarter), using the
    quarter's average operating hashrate where disclosed, else the quarter-end one (which
    understates it when the fleet grew in-quarter).
    """
    days = pd.Series([periods.days_in(periods.label(p)) for p in wide.index], index=wide.index)
    # The quarter's average operating hashrate where disclosed; else the quarter-end one.
    hashrate = _column(wide, "hashrate_average").fillna(_column(wide, "hashrate"))
    market_wide = _market_wide(market, wide.index)
    return pd.DataFrame({
        "btc_mined": _column(wide, "btc_mined"),
        col.REVENUE_PER_BTC: mining_revenue * 1e6 / _column(wide, "btc_mined"),
        "power_cost_per_btc": _column(wide, "power_cost_per_btc"),
        "hashrate": _column(wide, "hashrate"),
        "fleet_efficiency": _column(wide, "fleet_efficiency"),
        col.REALIZED_HASHPRICE: mining_revenue * 1e6 / (hashrate * 1000 * days),
        col.MARKET_HASHPRICE: market_wide.get("hashprice", np.nan),
    }, index=wide.index)


def _market_wide(market: pd.DataFrame, index: pd.PeriodIndex) -> pd.DataFrame:
    best = market.sort_values("line").drop_duplicates(["period", "metric"])
    wide = best.pivot(index="period", columns="metric", values="value")
    wide.index = pd.PeriodIndex(wide.index, freq="Q")
    return wide.reindex(index)


Cited = Mapping[tuple[str, str], tuple[str, tuple[str, ...]]]
"""(period, metric) → (status, sources) of the input row a figure comes from."""


def cited(best: pd.DataFrame) -> dict[tuple[str, str], tuple[str, tuple[str, ...]]]:
    """The status and sources of each best figure, so a value can carry its own."""
    return {(row.period, row.metric): (str(row.status), tuple(str(row.source).split(";")))
            for row in best[["period", "metric", "status", "source"]].itertuples()}


def latest(wide: pd.DataFrame, metric: str, provenance: Cited | None = None) -> Dated:
    """A point-in-time figure's latest disclosed value, the quarter it is as of and, given the
    ``provenance`` of the rows, its status and sources."""
    series = _column(wide, metric).dropna()
    if series.empty:
        return Dated(math.nan, metric=metric)
    as_of = periods.label(series.index[-1])
    status, sources = (provenance or {}).get((as_of, metric), ("", ()))
    return Dated(float(series.iloc[-1]), as_of, metric, status, sources)


def listed(contracts: Sequence[Contract], total: float, metric: str) -> Dated:
    """A total of the listed contracts, as certain as the least certain of them."""
    return Dated(total, None, metric, weakest(c.status for c in contracts),
                 tuple(dict.fromkeys(c.source for c in contracts)))


def contracted_annual_revenue(contracts: Sequence[Contract]) -> tuple[float, int]:
    """Σ value ÷ term over the contracts that give both, and how many do.

    Contract values run over 5 to 25 years; dividing a total by one quarter's run-rate gives a
    multiple no reader can use, so the comparison is made a year at a time.

    >>> from reportgen.model import Contract
    >>> contracts = (Contract("A", "s", "reported", mw=200, term_years=10, value_usd_m=3700),
    ...              Contract("B", "s", "reported", mw=168, term_years=25, value_usd_m=9500),
    ...              Contract("C", "s", "reported", mw=160, term_years=10))
    >>> contracted_annual_revenue(contracts)
    (750.0, 2)
    """
    annual = [c.value_usd_m / c.term_years for c in contracts
              if c.value_usd_m is not None and c.term_years]
    return (float(sum(annual)) if annual else math.nan), len(annual)


def revenue_per_mw_year(contract: Contract) -> float:
    """A contract's value ÷ term ÷ MW: what a megawatt earns a year at full ramp (USD M)."""
    if contract.value_usd_m is None or not contract.term_years or not contract.mw:
        return math.nan
    return contract.value_usd_m / contract.term_years / contract.mw


def pipeline(wide: pd.DataFrame, company: Company, ai_hpc_revenue: float,
             provenance: Cited | None = None) -> Pipeline:
    """Contracted and energized AI/HPC MW, contracted value, and contracted annual revenue
    against today's AI/HPC run-rate.

    A reported total wins; without one, the listed contracts are summed and flagged so the
    briefing can say the figure is ours, not the miner's.
    """
    mw_contracted = latest(wide, "ai_hpc_mw_contracted", provenance)
    value = latest(wide, "ai_hpc_contracted_value", provenance)
    listed_mw = sum(c.mw for c in company.contracts if c.mw is not None)
    listed_value = sum(c.value_usd_m for c in company.contracts if c.value_usd_m is not None)
    from_contracts = value.as_of is None and listed_value > 0
    if from_contracts:
        value = listed(company.contracts, listed_value, value.metric)
    if mw_contracted.as_of is None and listed_mw > 0:
        # MW and value are each the company's total when it gives one: a reported contracted
        # value without a reported MW total still leaves the listed contracts' MW.
        mw_contracted = listed(company.contracts, listed_mw, mw_contracted.metric)
    annual, with_terms = contracted_annual_revenue(company.contracts)
    return Pipeline(
        mw_contracted=mw_contracted,
        mw_energized=latest(wide, "ai_hpc_mw_energized", provenance),
        contracted_value=value, from_listed_contracts=from_contracts,
        annualized_run_rate=ai_hpc_revenue * 4,
        contracted_annual_revenue=annual, contracts_with_terms=with_terms,
        contracts_listed=len(company.contracts),
        listed_contracts_mw=listed_mw if company.contracts else math.nan,
        listed_contracts_value=listed_value if company.contracts else math.nan,
    )


def quarters_old(as_of: str | None, period: str) -> int | None:
    """How many quarters before ``period`` a point-in-time figure is as of.

    >>> quarters_old("2025Q2", "2026Q1"), quarters_old(None, "2026Q1")
    (3, None)
    """
    return None if as_of is None else periods.ordinal(period) - periods.ordinal(as_of)


def liquidity(wide: pd.DataFrame, provenance: Cited | None = None) -> Liquidity:
    """Cash, debt and net debt as of their latest disclosure; net debt only from one quarter.

    Miners disclose cash under different definitions (cash, incl. restricted, incl. bitcoin);
    the latest disclosure is used and its definition named, rather than an older, narrower one.
    """
    disclosed = [latest(wide, metric, provenance) for metric in CASH_METRICS]
    disclosed = [cash for cash in disclosed if cash.as_of is not None]
    cash = Dated(math.nan, metric="cash")
    if disclosed:
        # The most recent quarter wins; within one quarter, the narrowest definition.
        newest = max(periods.ordinal(str(cash.as_of)) for cash in disclosed)
        cash = next(c for c in disclosed if periods.ordinal(str(c.as_of)) == newest)
    debt = latest(wide, "total_debt", provenance)
    same_quarter = cash.as_of is not None and cash.as_of == debt.as_of
    return Liquidity(
        cash=cash, cash_label=METRICS[cash.metric].label if cash.as_of else "Cash",
        total_debt=debt, net_debt=debt.value - cash.value if same_quarter else math.nan,
        convertible_notes=latest(wide, "convertible_notes", provenance),
        warrant_liability=latest(wide, "warrant_liability", provenance),
    )


def reported_quarters(facts: pd.DataFrame, company: Company) -> list[str]:
    """Quarters in which the miner disclosed a P&L figure, oldest first."""
    lines = {m for m in facts["metric"].unique() if company.business_of(m) is not None}
    pnl = facts["metric"].isin(PNL_METRICS) | facts["metric"].isin(lines)
    is_quarter = facts["period"].map({p: periods.is_quarter(p) for p in facts["period"].unique()})
    quarters = facts.loc[pnl & is_quarter, "period"]
    return sorted(set(quarters))


def published_since(miner: Metrics) -> list[str]:
    """Half and full years that end after the quarter a briefing covers: the miner has
    published results that the quarterly figures in the inputs do not split out yet."""
    labels = miner.other_periods["period"].unique()
    later = [label for label in labels if periods.end_ordinal(
        label, miner.company.fiscal_year_end_month) > periods.ordinal(miner.period)]
    return sorted(later, key=lambda label: periods.end_ordinal(
        label, miner.company.fiscal_year_end_month))


def latest_period(dataset: Dataset) -> str:
    """The latest calendar quarter any miner reported: the default period of a build."""
    # Guidance and consensus for a quarter nobody has reported yet must not make it the default.
    facts = dataset.facts[~dataset.facts["metric"].map(is_forecast)]
    quarters = [p for p in facts["period"].unique() if periods.is_quarter(p)]
    return max(quarters, key=periods.ordinal)


def is_forecast(metric: str) -> bool:
    """Company guidance or sell-side consensus: about a period, never a figure of it."""
    return guidance_target(metric) is not None or metric.startswith("consensus_")


def compute(dataset: Dataset, ticker: str, period: str) -> Metrics:
    """Everything the briefing of ``ticker`` needs for ``period`` (or its latest quarter before)."""
    company = dataset.companies[ticker]
    facts = dataset.facts[dataset.facts["ticker"] == ticker]
    requested = periods.ordinal(period)
    reported = [q for q in reported_quarters(facts, company) if periods.ordinal(q) <= requested]
    if not reported:
        raise LookupError(f"{ticker} reported no quarter up to {period}")
    covered = reported[-1]
    # Quarters up to the one covered; half and full years that ended by the requested period
    # (a miner behind on quarterly figures may have published its annual ones since).
    last = periods.ordinal(covered)
    kept = {label: (periods.ordinal(label) <= last) if periods.is_quarter(label)
            else periods.end_ordinal(label, company.fiscal_year_end_month) <= requested
            for label in facts["period"].unique()}
    in_range = facts[facts["period"].map(kept)]
    quarter_rows = in_range["period"].map({p: periods.is_quarter(p) for p in kept})
    best = best_facts(in_range)
    first = min((p for p in best["period"].unique() if periods.is_quarter(p)),
                key=periods.ordinal)
    wide = quarterly(best, first, covered)

    mix = revenue_mix(wide, company)
    table = pd.concat([
        wide,
        mix.add_prefix(col.MIX_PREFIX),
        pd.DataFrame({
            col.REVENUE_QOQ: growth(mix["total"], 1), col.REVENUE_YOY: growth(mix["total"], 4),
            col.AI_HPC_QOQ: growth(mix["ai_hpc"], 1), col.AI_HPC_YOY: growth(mix["ai_hpc"], 4),
        }),
        non_cash(wide),
        mining_economics(wide, dataset.market, mix["mining"]).drop(
            columns=["btc_mined", "power_cost_per_btc", "hashrate", "fleet_efficiency"]),
    ], axis=1)
    current = table.loc[periods.quarter(covered)]
    bridge = loss_bridge(current)
    table[col.BRIDGE_OTHER] = np.nan
    table.loc[periods.quarter(covered), col.BRIDGE_OTHER] = bridge.set_index("metric").loc[
        "other", "amount"]
    cross = crossover(mix)
    ai_hpc_now = current[col.AI_HPC_REVENUE]
    provenance = cited(best)
    pipe = pipeline(wide, company, float(ai_hpc_now) if pd.notna(ai_hpc_now) else math.nan,
                    provenance)
    return Metrics(
        company=company, requested_period=period, period=covered, quarters=table, bridge=bridge,
        crossover=periods.label(cross) if cross is not None else None, pipeline=pipe,
        liquidity=liquidity(wide, provenance), facts=in_range,
        disagreements=disagreements(in_range), other_periods=in_range[~quarter_rows],
        market=dataset.market,
        prices=usable_prices(dataset.prices, ticker, covered),
    )


PRICE_AFTER_QUARTERS = 1
"""A briefing uses prices up to the end of the quarter after the one it covers (results come
out then); a later price would value the company on news the briefing does not cover."""


def usable_prices(prices: pd.DataFrame, ticker: str, covered: str) -> pd.DataFrame:
    """The miner's prices.csv rows a briefing of ``covered`` may use, newest first."""
    cutoff = periods.quarter(periods.shift(covered, PRICE_AFTER_QUARTERS)).end_time
    rows = prices[(prices["ticker"] == ticker) & (pd.to_datetime(prices["date"]) <= cutoff)]
    return rows.assign(_date=pd.to_datetime(rows["date"])).sort_values(
        ["_date", "line"], ascending=[False, True]).drop(columns="_date")


COMPUTED_UNITS: Mapping[str, str] = {
    col.MINING_REVENUE: "USD_M", col.AI_HPC_REVENUE: "USD_M", col.OTHER_REVENUE: "USD_M",
    col.REVENUE: "USD_M",
    col.UNALLOCATED: "USD_M", col.AI_HPC_SHARE: "fraction", col.REVENUE_QOQ: "fraction",
    col.REVENUE_YOY: "fraction", col.AI_HPC_QOQ: "fraction", col.AI_HPC_YOY: "fraction",
    col.NON_CASH_EFFECT: "USD_M", col.NON_CASH_SHARE: "fraction", col.BEFORE_NON_CASH: "USD_M",
    col.REVENUE_PER_BTC: "USD",
    col.REALIZED_HASHPRICE: "USD/PH/day", col.MARKET_HASHPRICE: "USD/PH/day",
    col.BRIDGE_OTHER: "USD_M",
}


def tidy(ticker: str, table: pd.DataFrame, best: pd.DataFrame, company: Company,
         market: pd.DataFrame) -> pd.DataFrame:
    """Long table for the reader's own model: input figures with status and source, then ours.

    A market figure keeps the status and source of its row in market.csv: it is not ours.
    """
    labels = best["period"].unique()
    inputs = best[best["period"].map({p: periods.is_quarter(p) for p in labels})][
        ["period", "metric", "value", "unit", "status", "source"]]
    computed = (
        table[list(COMPUTED_UNITS)].rename_axis("period").reset_index()
        .melt(id_vars="period", var_name="metric", value_name="value").dropna(subset=["value"])
    )
    computed["period"] = computed["period"].map({p: periods.label(p) for p in table.index})
    computed = computed.assign(unit=computed["metric"].map(COMPUTED_UNITS), status="computed",
                               source="reportgen")
    hashprice = market[market["metric"] == "hashprice"].sort_values("line").drop_duplicates(
        "period").set_index("period")
    from_market = (computed["metric"] == col.MARKET_HASHPRICE) & computed["period"].isin(
        hashprice.index)
    for column in ("status", "source"):
        computed.loc[from_market, column] = computed.loc[from_market, "period"].map(
            hashprice[column])
    rows = pd.concat([inputs, computed], ignore_index=True)
    rows.insert(0, "ticker", ticker)
    shown = rows["period"].unique()
    rows.insert(2, "fiscal_period", rows["period"].map(
        {p: periods.fiscal_label(p, company.fiscal_year_end_month) for p in shown}))
    order = rows["period"].map({p: periods.ordinal(p) for p in shown})
    return rows.assign(_order=order).sort_values(["_order", "metric"], kind="stable").drop(
        columns="_order").reset_index(drop=True)
