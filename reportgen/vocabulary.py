"""The metrics facts.csv may carry: unit, meaning and sign, stated once for every stage.

Sign convention: charges are positive expense amounts (depreciation, impairment, stock
compensation, interest, tax); gains and losses are signed (a loss is negative), as are net,
operating and pre-tax income. With that, the bridge from adjusted EBITDA to net income is
``ebitda - charges + gains_and_losses + other``.
"""

from __future__ import annotations

import difflib
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reportgen.model import Company

BUSINESSES = ("mining", "ai_hpc", "other")
STATUSES = ("reported", "secondary", "derived", "estimate")


def weakest(statuses: Iterable[str]) -> str:
    """The least certain of several input statuses: a figure built from them is no better."""
    known = [s for s in statuses if s in STATUSES]
    return max(known, key=STATUSES.index) if known else ""
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
    "cost_of_revenue": _usd("Cost of revenue", True),
    "ebitda": _usd("EBITDA"),
    "adjusted_net_income": _usd("Adjusted net income (adjusted earnings)"),
    "eps_adjusted": MetricSpec("USD", "Adjusted EPS"),
    "net_income_attributable": _usd("Net income attributable to the company's shareholders"),
    "depreciation": _usd("Depreciation (alone, where the source gives no D&A)", True),
    "sga": _usd("Selling, general and administrative expenses", True),
    "general_administrative": _usd("General and administrative expenses", True),
    "operating_expenses": _usd("Operating expenses (as the source defines them)", True),
    "interest_income": _usd("Interest income", True),
    "gain_on_disposal": _usd("Gain on disposal of property and equipment"),
    "other_non_operating": _usd("Other non-operating income"),
    "power_cost": _usd("Electricity cost, net", True),
    "power_cost_mining": _usd("Electricity cost, mining segment", True),
    "power_price": MetricSpec("USD/MWh", "Power price", True),
    "cost_per_btc_cash": MetricSpec("USD", "Cash cost per BTC mined", True),
    "cost_per_btc_all_in": MetricSpec("USD", "All-in cost per BTC mined", True),
    "btc_price_realized": MetricSpec("USD", "Average realized bitcoin price", True),
    "btc_held": MetricSpec("BTC", "Bitcoin held", True),
    "digital_assets": _usd("Digital assets (carrying value)", True),
    "capex": _usd("Capital expenditure", True),
    "capex_customer_funded": _usd("Capital expenditure funded by customers", True),
    "operating_cash_flow": _usd("Operating cash flow"),
    "free_cash_flow": _usd("Free cash flow"),
    "liquidity": _usd("Liquidity (as the company defines it)", True),
    "convertible_notes_issued": _usd("Convertible notes issued in the quarter", True),
    "debt_issued": _usd("Other notes or bonds issued in the quarter", True),
    "shares_outstanding": MetricSpec("M", "Shares outstanding", True),
    "shares_weighted_diluted": MetricSpec("M", "Weighted-average diluted shares", True),
    "total_liabilities": _usd("Total liabilities", True),
    "shareholders_equity": _usd("Shareholders' equity"),
    "hashrate_average": MetricSpec("EH/s", "Average operating hashrate", True),
    "ai_hpc_mw_billing": MetricSpec("MW", "AI/HPC capacity billing", True),
    "ai_hpc_mw_under_construction": MetricSpec("MW", "AI/HPC capacity under construction",
                                               True),
    "ai_hpc_arr": _usd("AI/HPC annualized run-rate revenue (as the company states it)", True),
    "gpus_deployed": MetricSpec("GPUs", "GPUs deployed", True),
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


CONSENSUS_PREFIX = "consensus_"
"""Sell-side consensus on a metric above (``consensus_<metric>``, a point only): not company
guidance and not a reported figure. Like guidance it sits at the period it is for, has the
unit of its metric and never makes a quarter count as reported."""


def consensus_target(metric: str) -> str | None:
    """The base metric of a consensus metric, else ``None``.

    >>> consensus_target("consensus_revenue_total"), consensus_target("consensus_nothing")
    ('revenue_total', None)
    >>> consensus_target("revenue_total") is None
    True
    """
    if not metric.startswith(CONSENSUS_PREFIX):
        return None
    rest = metric[len(CONSENSUS_PREFIX):]
    return rest if rest in METRICS else None


def consensus_spec(metric: str) -> MetricSpec | None:
    """Unit, label and sign rule of a consensus metric (those of its base), else ``None``.

    >>> consensus_spec("consensus_eps_adjusted")
    MetricSpec(unit='USD', label='Adjusted EPS consensus (sell-side)', non_negative=False)
    """
    base = consensus_target(metric)
    if base is None:
        return None
    spec = METRICS[base]
    return MetricSpec(spec.unit, f"{spec.label} consensus (sell-side)", spec.non_negative)


def forecast_spec(metric: str) -> MetricSpec | None:
    """The spec of a guidance or consensus metric, else ``None``."""
    return guidance_spec(metric) or consensus_spec(metric)


REVENUE_LINE_UNIT = "USD_M"
"""A miner's own revenue lines (``revenue_colocation``, ...) are declared in companies.yaml."""

MARKET_METRICS: dict[str, MetricSpec] = {
    "hashprice": MetricSpec("USD/PH/day", "Hashprice", True),
    "hashcost_median": MetricSpec("USD/PH/day", "Median cash hashcost", True),
    "hashprice_low": MetricSpec("USD/PH/day", "Hashprice, low end of the quarter's range",
                                True),
    "hashprice_high": MetricSpec("USD/PH/day", "Hashprice, high end of the quarter's range",
                                 True),
    "network_hashrate": MetricSpec("EH/s", "Network hashrate (quarter average)", True),
    "btc_price_average": MetricSpec("USD", "Bitcoin price (quarter average)", True),
    "public_miner_cash_cost_per_btc": MetricSpec("USD", "Listed miners' cash cost per BTC",
                                                 True),
    "public_miner_all_in_cost_per_btc": MetricSpec("USD", "Listed miners' all-in cost per BTC",
                                                   True),
}

STATUS_MARKS = {"reported": "", "secondary": "S", "derived": "D", "estimate": "E"}
"""The letter a briefing prints beside a figure that is not straight from the company."""


CHARGES = ("depreciation_amortization", "impairment", "stock_based_compensation",
           "interest_expense")
"""Charges entered as positive expense amounts (income tax too, which may be a benefit)."""
SIGN_CONVENTION = ("Signs: charges are positive expense amounts (depreciation, impairment, stock "
                   "compensation, interest, tax); gains and losses are signed (a loss is "
                   "negative), as are net, operating and pre-tax income.")
GUIDANCE_FORMS: tuple[str, ...] = tuple(
    f"{GUIDANCE_PREFIX}{base}{suffix}" for base in METRICS for suffix in ("", "_low", "_high"))
"""Every guidance metric name facts.csv accepts, for "did you mean"."""
CONSENSUS_FORMS: tuple[str, ...] = tuple(f"{CONSENSUS_PREFIX}{base}" for base in METRICS)
"""Every consensus metric name facts.csv accepts, for "did you mean"."""
WIDTH = 100
"""Prose lines of ``reportgen metrics`` are wrapped at this width."""
COMMAND = "reportgen metrics"
"""The command that lists everything below; error messages point at it, never at this file."""


def sign_rule(metric: str) -> str:
    """How a metric's value is signed, in a few words.

    >>> sign_rule("impairment"), sign_rule("net_income"), sign_rule("btc_mined")
    ('expense, >= 0', 'signed, a loss < 0', '>= 0')
    """
    spec = METRICS.get(metric) or MARKET_METRICS[metric]
    if metric == "income_tax":
        return "expense > 0, benefit < 0"
    if metric in CHARGES:
        return "expense, >= 0"
    return ">= 0" if spec.non_negative else "signed, a loss < 0"


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """``"; did you mean 'WULF'?"`` when a candidate is close to ``word``, else ``""``.

    >>> did_you_mean("adjusted_ebidta", METRICS), did_you_mean("zzz", METRICS)
    ("; did you mean 'adjusted_ebitda'?", '')
    """
    close = difflib.get_close_matches(word, list(candidates), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def named_with_hints(words: Iterable[str], candidates: Iterable[str]) -> str:
    """Unknown names, each with its closest candidate: ``WLUF (did you mean 'WULF'?), XYZ``.

    >>> named_with_hints(["WLUF", "XYZ"], ["WULF", "CORZ"])
    "WLUF (did you mean 'WULF'?), XYZ"
    """
    known = list(candidates)
    shown = []
    for word in words:
        close = difflib.get_close_matches(word, known, n=1)
        shown.append(f"{word} (did you mean {close[0]!r}?)" if close else word)
    return ", ".join(shown)


def revenue_lines(declared: Mapping[Any, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """Business and label of each revenue line, from either form companies.yaml accepts.

    ``revenue_colocation: ai_hpc`` (short) or ``revenue_colocation: {business: ai_hpc,
    label: Colocation}`` (long); anything else is left for validation to report.

    >>> revenue_lines({"revenue_a": "mining", "revenue_b": {"business": "ai_hpc",
    ...                                                     "label": "HPC lease"}})
    ({'revenue_a': 'mining', 'revenue_b': 'ai_hpc'}, {'revenue_b': 'HPC lease'})
    """
    businesses: dict[str, str] = {}
    labels: dict[str, str] = {}
    for line, value in declared.items():
        if isinstance(value, Mapping):
            if isinstance(value.get("business"), str):
                businesses[str(line)] = value["business"]
            if isinstance(value.get("label"), str) and value["label"].strip():
                labels[str(line)] = value["label"].strip()
        elif isinstance(value, str):
            businesses[str(line)] = value
    return businesses, labels


def line_name(line: str) -> str:
    """The name a briefing gives a revenue line declared without a label.

    >>> line_name("revenue_hpc_hosting")
    'Hpc hosting revenue'
    """
    return line.removeprefix("revenue_").replace("_", " ").capitalize() + " revenue"


def declared_lines(document: Any) -> dict[str, list[tuple[str, str, str]]]:
    """Each miner's declared revenue lines as ``(line, business, label)``, from the parsed
    companies.yaml; entries validation would refuse are shown as far as they can be read."""
    found: dict[str, list[tuple[str, str, str]]] = {}
    entries = document.get("companies") if isinstance(document, dict) else None
    for entry in entries if isinstance(entries, list) else ():
        if not isinstance(entry, dict) or not isinstance(entry.get("ticker"), str):
            continue
        declared = entry.get("revenue_lines")
        businesses, labels = revenue_lines(declared if isinstance(declared, Mapping) else {})
        found.setdefault(entry["ticker"], []).extend(
            (line, business, labels.get(line) or f"{line_name(line)} (no label declared)")
            for line, business in businesses.items())
    return found


def _table(rows: Iterable[tuple[str, ...]], indent: str = "  ") -> list[str]:
    """Rows as plain text columns, each as wide as its widest cell (the last not padded)."""
    rows = list(rows)
    if not rows:
        return []
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return [indent + "  ".join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)),
                                row[-1]]).rstrip() for row in rows]


def reference(companies_file: Path, shown: str, miners: Iterable[str] = ()) -> list[str]:
    """What ``reportgen metrics`` prints: the vocabulary (name, unit, sign rule, meaning),
    the guidance forms, the market metrics, and each miner's declared revenue lines.

    ``miners`` limits the revenue lines to those miners (an unknown ticker is a usage error
    with a "did you mean"). A companies.yaml that cannot be read still leaves the vocabulary
    printed, with a line saying so (or raises its problems when ``miners`` were asked for).
    Reads nothing but ``companies_file``, and imports no heavy library.
    """
    from reportgen import safeyaml
    from reportgen.errors import InputError, UsageError

    miners = tuple(miners)
    lines = ["Metrics of inputs/facts.csv (the vocabulary):"]
    lines += _table([("metric", "unit", "sign", "meaning"),
                     *((name, spec.unit, sign_rule(name), spec.label)
                       for name, spec in METRICS.items())])
    lines += ["", *textwrap.wrap(SIGN_CONVENTION, WIDTH), "",
              *textwrap.wrap("Company guidance on any metric above (in that metric's unit, at "
                             "the quarter the guidance is for; not a reported figure):", WIDTH)]
    lines += _table([
        ("guide_<metric>", "a single figure, e.g. guide_revenue_total"),
        ("guide_<metric>_low", "the low end of a range, e.g. guide_adjusted_ebitda_low"),
        ("guide_<metric>_high", "the high end of a range (both ends from the same source, "
                                "low <= high)"),
    ])
    lines += ["", *textwrap.wrap("Sell-side consensus on any metric above (not company "
                                 "guidance; in that metric's unit, at the period it is for; "
                                 "not a reported figure):", WIDTH)]
    lines += _table([
        ("consensus_<metric>", "a single figure, e.g. consensus_revenue_total, "
                               "consensus_eps_adjusted"),
    ])
    lines += ["", "Metrics of inputs/market.csv:"]
    lines += _table([("metric", "unit", "sign", "meaning"),
                     *((name, spec.unit, sign_rule(name), spec.label)
                       for name, spec in MARKET_METRICS.items())])
    lines += ["", *textwrap.wrap(f"Revenue lines each miner declares in {shown} (unit "
                                 f"{REVENUE_LINE_UNIT}, >= 0; revenue_mining, revenue_ai_hpc "
                                 "and revenue_other need no declaring):", WIDTH)]
    try:
        document, _ = safeyaml.read_file(companies_file, shown)
    except InputError:
        if miners:
            raise
        return [*lines, f"  {shown} has problems; 'reportgen validate' lists them"]
    declared = declared_lines(document)
    unknown = [ticker for ticker in miners if ticker not in declared]
    if unknown:
        raise UsageError(f"unknown miner {named_with_hints(unknown, declared)}; {shown} has "
                         f"{', '.join(declared) or 'no miners yet'}")
    chosen = [ticker for ticker in declared if not miners or ticker in miners]
    if not chosen:
        return [*lines, f"  {shown} lists no miners yet"]
    rows = []
    for ticker in chosen:
        found = declared[ticker] or [("(none declared)", "", "")]
        rows += [(ticker if n == 0 else "", *line) for n, line in enumerate(found)]
    return [*lines, *_table(rows)]


def metric_label(metric: str, company: Company | None = None) -> str:
    """The reader's name for a metric: the vocabulary's, a miner's own label for its revenue
    line, guidance and sell-side consensus named after their metric; never a raw id.

    >>> metric_label("consensus_eps_diluted"), metric_label("guide_revenue_total_low")
    ('Diluted EPS consensus (sell-side)', 'Guidance: revenue, low end')
    """
    if company is not None and (label := company.line_label(metric)):
        return label
    if metric in METRICS:
        return METRICS[metric].label
    if target := guidance_target(metric):
        base, kind = target
        suffix = {"low": ", low end", "high": ", high end"}.get(kind, "")
        return f"Guidance: {metric_label(base, company).lower()}{suffix}"
    if base := consensus_target(metric):
        return f"{metric_label(base, company)} consensus (sell-side)"
    return metric.removeprefix("revenue_").replace("_", " ").capitalize() + (
        " revenue" if metric.startswith("revenue_") else "")


def market_metric_label(metric: str) -> str:
    """The reader's name for a market.csv metric."""
    return MARKET_METRICS[metric].label if metric in MARKET_METRICS else metric
