"""The metrics facts.csv may carry: unit, meaning and sign, stated once for every stage.

Sign convention: charges are positive expense amounts (depreciation, impairment, stock
compensation, interest, tax); gains and losses are signed (a loss is negative), as are net,
operating and pre-tax income. With that, the bridge from adjusted EBITDA to net income is
``ebitda - charges + gains_and_losses + other``.
"""

from __future__ import annotations

from dataclasses import dataclass

BUSINESSES = ("mining", "ai_hpc", "other")
STATUSES = ("reported", "secondary", "derived", "estimate")
"""Best first: when two sources give the same figure, the earlier status wins."""


@dataclass(frozen=True)
class MetricSpec:
    unit: str
    label: str
    non_negative: bool = False


def _usd(label: str, non_negative: bool = False) -> MetricSpec:
    return MetricSpec("USD_M", label, non_negative)


METRICS: dict[str, MetricSpec] = {
    "revenue_total": _usd("Revenue", True),
    "revenue_mining": _usd("Mining revenue", True),
    "revenue_ai_hpc": _usd("AI/HPC revenue", True),
    "revenue_other": _usd("Other revenue", True),
    "ai_hpc_revenue_share": MetricSpec("pct", "AI/HPC share of revenue (as stated)", True),
    "cost_of_revenue_mining": _usd("Cost of revenue, mining", True),
    "cost_of_revenue_ai_hpc": _usd("Cost of revenue, AI/HPC", True),
    "cost_of_revenue_ex_da": _usd("Cost of revenue excl. D&A", True),
    "gross_profit": _usd("Gross profit"),
    "gross_profit_ex_da": _usd("Gross profit excl. D&A"),
    "adjusted_ebitda": _usd("Adjusted EBITDA"),
    "depreciation_amortization": _usd("Depreciation and amortization", True),
    "impairment": _usd("Impairment", True),
    "fair_value_change": _usd("Fair-value change (warrants, derivatives)"),
    "digital_asset_fair_value_change": _usd("Digital-asset fair-value change"),
    "stock_based_compensation": _usd("Stock-based compensation", True),
    "interest_expense": _usd("Interest expense", True),
    "income_tax": _usd("Income tax expense"),
    "operating_income": _usd("Operating income"),
    "pretax_income": _usd("Income before tax"),
    "net_income": _usd("Net income"),
    "eps_diluted": MetricSpec("USD", "Diluted EPS"),
    "demand_response_income": _usd("Demand-response income", True),
    "btc_mined": MetricSpec("BTC", "Bitcoin mined", True),
    "hashrate": MetricSpec("EH/s", "Hashrate", True),
    "hashrate_site": MetricSpec("EH/s", "Hashrate at one site (note names it)", True),
    "fleet_efficiency": MetricSpec("J/TH", "Fleet efficiency", True),
    "power_cost_per_btc": MetricSpec("USD", "Power cost per BTC", True),
    "power_capacity": MetricSpec("MW", "Power capacity", True),
    "mining_mw_energized": MetricSpec("MW", "Mining capacity energized", True),
    "ai_hpc_mw_energized": MetricSpec("MW", "AI/HPC capacity energized", True),
    "ai_hpc_mw_contracted": MetricSpec("MW", "AI/HPC capacity contracted", True),
    "ai_hpc_contracted_value": _usd("AI/HPC contracted revenue", True),
    "cash": _usd("Cash", True),
    "cash_and_restricted": _usd("Cash incl. restricted", True),
    "cash_and_btc": _usd("Cash and bitcoin", True),
    "total_debt": _usd("Total debt", True),
    "convertible_notes": _usd("Convertible notes", True),
    "warrant_liability": _usd("Warrant liability", True),
}

GUIDANCE_PREFIX = "guide_"
GUIDANCE_KINDS = ("point", "low", "high")
"""Company guidance for any metric above: ``guide_<metric>`` is a point,
``guide_<metric>_low`` and ``guide_<metric>_high`` the two ends of a range. A guidance row
has the unit of its metric and sits at the quarter the guidance is *for*. Guidance (like
sell-side consensus) is not a reported figure: it never makes a quarter count as reported."""


def guidance_target(metric: str) -> tuple[str, str] | None:
    """``(base metric, "point" | "low" | "high")`` for a guidance metric, else ``None``.

    >>> guidance_target("guide_adjusted_ebitda_low")
    ('adjusted_ebitda', 'low')
    >>> guidance_target("guide_revenue_total")
    ('revenue_total', 'point')
    >>> guidance_target("adjusted_ebitda") is None, guidance_target("guide_nothing") is None
    (True, True)
    """
    if not metric.startswith(GUIDANCE_PREFIX):
        return None
    rest = metric[len(GUIDANCE_PREFIX):]
    for kind in ("low", "high"):
        base = rest.removesuffix(f"_{kind}")
        if base != rest and base in METRICS:
            return base, kind
    return (rest, "point") if rest in METRICS else None


def guidance_metric(base: str, kind: str = "point") -> str:
    """The facts.csv metric name of guidance on ``base``: the inverse of guidance_target."""
    if base not in METRICS or kind not in GUIDANCE_KINDS:
        raise ValueError(f"no guidance metric for {base!r}, {kind!r}")
    return f"{GUIDANCE_PREFIX}{base}" if kind == "point" else f"{GUIDANCE_PREFIX}{base}_{kind}"


def guidance_spec(metric: str) -> MetricSpec | None:
    """Unit, label and sign rule of a guidance metric (those of its base), else ``None``.

    >>> guidance_spec("guide_adjusted_ebitda_high")
    MetricSpec(unit='USD_M', label='Adjusted EBITDA guidance (high end)', non_negative=False)
    """
    target = guidance_target(metric)
    if target is None:
        return None
    base, kind = target
    spec = METRICS[base]
    suffix = "" if kind == "point" else f" ({kind} end)"
    return MetricSpec(spec.unit, f"{spec.label} guidance{suffix}", spec.non_negative)


REVENUE_LINE_UNIT = "USD_M"
"""A miner's own revenue lines (``revenue_colocation``, ...) are declared in companies.yaml."""

MARKET_METRICS: dict[str, MetricSpec] = {
    "hashprice": MetricSpec("USD/PH/day", "Hashprice", True),
    "hashcost_median": MetricSpec("USD/PH/day", "Median cash hashcost", True),
}

STATUS_MARKS = {"reported": "", "secondary": "S", "derived": "D", "estimate": "E"}
"""The letter a briefing prints beside a figure that is not straight from the company."""
