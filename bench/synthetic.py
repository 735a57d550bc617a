"""Synthetic miners for benchmarks: plausible shapes, deterministic, and marked synthetic.

Every row is status ``estimate`` with the note "synthetic benchmark data", every company is
named "Synthetic miner NNN (synthetic)", and the only source is example.invalid. The project
is written to a folder the caller chooses (a temporary one), never into ``inputs/``.
"""

from __future__ import annotations

import csv
import random
import shutil
from pathlib import Path

import yaml

QUARTERS = [f"{year}Q{q}" for year in (2024, 2025) for q in (1, 2, 3, 4)] + ["2026Q1"]
NOTE = "synthetic benchmark data"
SOURCE = "synthetic"


def write_project(root: Path, miners: int, templates: Path, seed: int = 7) -> Path:
    """A complete project (inputs, templates, config) with ``miners`` synthetic miners."""
    rng = random.Random(seed)
    inputs = root / "inputs"
    inputs.mkdir(parents=True)
    shutil.copytree(templates, root / "templates")
    (root / "reportgen.yaml").write_text("period: latest\nformats: [pdf, html]\n")
    companies, rows = [], []
    for number in range(1, miners + 1):
        ticker = f"SYN{number:03d}"
        companies.append({
            "ticker": ticker, "name": f"Synthetic miner {number:03d} (synthetic)",
            "fiscal_year_end_month": 6 if number % 4 == 0 else 12,
            "revenue_lines": {"revenue_mining": "mining", "revenue_ai_hpc": "ai_hpc"},
            "contracts": [{"customer": f"Synthetic customer {k}", "mw": rng.choice([50, 100, 200]),
                           "term_years": 10, "value_usd_m": rng.choice([500, 1500, 3000]),
                           "source": SOURCE, "status": "estimate", "note": NOTE}
                          for k in range(1, rng.randint(2, 4))],
            "notes": "Synthetic company for benchmarks; not a real miner.",
        })
        rows += _facts(ticker, rng)
    (inputs / "companies.yaml").write_text(yaml.safe_dump({"companies": companies},
                                                          sort_keys=False))
    (inputs / "sources.yaml").write_text(yaml.safe_dump({"sources": {SOURCE: {
        "url": "https://example.invalid/synthetic-benchmark-data", "publisher": "reportgen bench",
        "kind": "estimate", "description": "Synthetic figures generated for benchmarks"}}}))
    with open(inputs / "facts.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["ticker", "period", "metric", "value", "unit", "source", "status", "note"])
        writer.writerows(rows)
    (inputs / "market.csv").write_text(
        "period,metric,value,unit,source,status,note\n"
        + "".join(f"{q},hashprice,{60 - 3 * i},USD/PH/day,{SOURCE},estimate,{NOTE}\n"
                  for i, q in enumerate(QUARTERS)))
    (inputs / "stakeholders.yaml").write_text("recipients: []\n")
    return root


def _facts(ticker: str, rng: random.Random) -> list[list[object]]:
    rows: list[list[object]] = []
    mining = rng.uniform(30, 200)
    ai_hpc = rng.uniform(0, 5)
    for index, quarter in enumerate(QUARTERS):
        mining *= rng.uniform(0.85, 1.1)
        ai_hpc = ai_hpc * rng.uniform(1.2, 1.8) + rng.uniform(0, 3)
        ebitda = (mining + ai_hpc) * rng.uniform(-0.2, 0.5)
        depreciation = (mining + ai_hpc) * rng.uniform(0.2, 0.6)
        fair_value = -rng.uniform(0, 150)
        interest = rng.uniform(1, 40)
        net = ebitda - depreciation + fair_value - interest - rng.uniform(-20, 20)
        figures = {
            "revenue_total": (mining + ai_hpc, "USD_M"), "revenue_mining": (mining, "USD_M"),
            "revenue_ai_hpc": (ai_hpc, "USD_M"), "adjusted_ebitda": (ebitda, "USD_M"),
            "depreciation_amortization": (depreciation, "USD_M"),
            "fair_value_change": (fair_value, "USD_M"), "interest_expense": (interest, "USD_M"),
            "net_income": (net, "USD_M"), "btc_mined": (round(mining * 1e6 / 95000), "BTC"),
            "hashrate": (rng.uniform(5, 40), "EH/s"), "cash": (rng.uniform(50, 900), "USD_M"),
            "total_debt": (rng.uniform(100, 2000), "USD_M"),
        }
        if index == len(QUARTERS) - 1:
            figures["ai_hpc_mw_contracted"] = (rng.choice([100, 250, 400]), "MW")
        rows += [[ticker, quarter, metric, round(value, 3), unit, SOURCE, "estimate", NOTE]
                 for metric, (value, unit) in figures.items()]
    return rows
