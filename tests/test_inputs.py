"""Reading inputs/ into typed data: revenue-line labels, contracts, consensus, source dates."""

from __future__ import annotations

import math

import pandas as pd

from reportgen import build, config, inputs, metrics, validate
from reportgen.model import PRICE_COLUMNS, Dataset


def test_guidance_alone_does_not_make_a_quarter_reported(project):
    # IREN's latest reported quarter in the sample is 2025Q4 (2026Q1 has only its mining
    # electricity cost and AI/HPC run-rate guidance); guidance or consensus is not a report.
    with (project / "inputs" / "facts.csv").open("a") as handle:
        handle.write("IREN,2026Q1,guide_revenue_total,70,USD_M,iren_q2_26,secondary,\n")
        handle.write("IREN,2026Q1,guide_adjusted_ebitda_low,1,USD_M,iren_q2_26,secondary,\n")
        handle.write("IREN,2026Q1,guide_adjusted_ebitda_high,2,USD_M,iren_q2_26,secondary,\n")
        handle.write("IREN,2026Q1,consensus_revenue_total,90,USD_M,iren_q2_26arr,secondary,\n")
    dataset = build.load_dataset(config.load(project_root=project))
    iren = dataset.facts[dataset.facts["ticker"] == "IREN"]
    assert "2026Q1" in set(iren["period"])
    assert "2026Q1" not in metrics.reported_quarters(iren, dataset.companies["IREN"])
    assert metrics.compute(dataset, "IREN", "2026Q1").period == "2025Q4"


def test_every_revenue_line_in_the_sample_has_a_label(project):
    companies = build.load_dataset(config.load(project_root=project)).companies
    labels = {(ticker, line): company.line_label(line)
              for ticker, company in companies.items() for line in company.revenue_lines}
    assert labels == {
        ("WULF", "revenue_mining"): "Bitcoin mining", ("WULF", "revenue_hpc_lease"): "HPC lease",
        ("CORZ", "revenue_self_mining"): "Self-mining",
        ("CORZ", "revenue_hosted_mining"): "Hosted mining",
        ("CORZ", "revenue_colocation"): "Colocation",
        ("IREN", "revenue_mining"): "Bitcoin mining",
        ("IREN", "revenue_ai_cloud"): "AI Cloud services",
        ("CIFR", "revenue_mining"): "Bitcoin mining",
        ("HUT", "revenue_compute"): "Compute", ("HUT", "revenue_power"): "Power",
        ("HUT", "revenue_digital_infrastructure"): "Digital Infrastructure",
    }


def test_company_notes_read_as_prose(project):
    """Notes are printed to clients: no raw unit tags or ``..`` ranges."""
    companies = build.load_dataset(config.load(project_root=project)).companies
    for company in companies.values():
        assert "$M" not in company.notes and ".." not in company.notes, company.ticker


def test_yaml_lines_locates_keys_and_items():
    text = "companies:\n- ticker: WULF\n  revenue_lines:\n    revenue_a: {business: mining}\n"
    lines = inputs.yaml_lines(text)
    assert lines[("companies",)] == 1
    assert lines[("companies", 0)] == lines[("companies", 0, "ticker")] == 2
    assert lines[("companies", 0, "revenue_lines", "revenue_a", "business")] == 4
    assert inputs.yaml_lines("") == {}


# --- what the sample loads as -------------------------------------------------------------


def test_sample_inputs_load(project):
    dataset = build.load_dataset(config.load(project_root=project))
    assert set(dataset.companies) == {"WULF", "CORZ", "IREN", "CIFR", "HUT"}
    assert dataset.facts["line"].min() == 2


def test_long_form_revenue_lines_load_with_their_labels(project):
    companies = build.load_dataset(config.load(project_root=project)).companies
    wulf, corz = companies["WULF"], companies["CORZ"]
    assert wulf.revenue_lines == {"revenue_mining": "mining", "revenue_hpc_lease": "ai_hpc"}
    assert wulf.line_label("revenue_hpc_lease") == "HPC lease"
    assert corz.business_of("revenue_colocation") == "ai_hpc"
    assert corz.line_label("revenue_colocation") == "Colocation"
    assert corz.line_label("revenue_total") is None
    assert companies["HUT"].revenue_lines == {"revenue_compute": "mining",
                                              "revenue_power": "other",
                                              "revenue_digital_infrastructure": "other"}
    assert companies["HUT"].line_label("revenue_digital_infrastructure") == (
        "Digital Infrastructure")


def test_consensus_in_the_sample_loads(project):
    facts = build.load_dataset(config.load(project_root=project)).facts
    consensus = facts[facts["metric"].str.startswith("consensus_")]
    assert set(consensus["metric"]) == {"consensus_revenue_total", "consensus_eps_diluted"}
    assert set(consensus["status"]) == {"secondary"}


def test_contract_kind_and_dates_in_the_sample_load(project):
    companies = build.load_dataset(config.load(project_root=project)).companies
    aws = next(c for c in companies["CIFR"].contracts if c.customer == "Amazon Web Services")
    barber = next(c for c in companies["CIFR"].contracts if c.site == "Barber Lake")
    microsoft = companies["IREN"].contracts[0]
    assert (aws.kind, aws.energization, aws.signed) == ("lease", "2026-Q4", "")
    assert (barber.kind, barber.energization) == ("lease", "2026-09-30")  # a YAML date, as text
    assert (microsoft.kind, microsoft.energization) == ("gpu_cloud", "")


# --- prices.csv loads typed, optional, and in the fingerprint -------------------------------

PRICES = "inputs/prices.csv"
PRICES_HEADER = "ticker,date,close,shares_outstanding,market_cap,source,status,note\n"
GOOD = "WULF,2026-01-22,12.89,418.68,,wulf_sa,secondary,machine-written page (A)\n"


def write(project, *rows, header=PRICES_HEADER):
    (project / "inputs" / "prices.csv").write_text(header + "".join(rows))


def check(project):
    return validate.check(inputs.read_raw(project / "inputs", project))


def load(project) -> Dataset:
    return build.load_dataset(config.load(project_root=project))


def test_the_sample_prices_load_typed(project):
    assert check(project) == []
    prices = load(project).prices
    assert list(prices.columns) == list(PRICE_COLUMNS)
    assert len(prices) == 19
    assert pd.api.types.is_datetime64_any_dtype(prices["date"])
    wulf = prices[(prices["ticker"] == "WULF") & (prices["date"] == "2026-01-22")].iloc[0]
    assert (wulf.close, wulf.shares_outstanding, wulf.source) == (12.89, 418.68, "wulf_sa")
    assert math.isnan(wulf.market_cap)  # not given: missing, not zero
    assert (wulf.file, wulf.line) == (PRICES, 4)


def test_a_missing_prices_file_is_an_empty_frame(project):
    (project / "inputs" / "prices.csv").unlink()
    assert check(project) == []
    prices = load(project).prices
    assert prices.empty
    assert list(prices.columns) == list(PRICE_COLUMNS)
    assert pd.api.types.is_datetime64_any_dtype(prices["date"])


def test_a_header_only_prices_file_is_an_empty_frame(project):
    write(project)
    assert check(project) == []
    assert load(project).prices.empty


def test_the_fingerprint_covers_prices(project):
    fingerprints = [load(project).fingerprint]
    write(project, GOOD.replace("12.89", "12.9"))
    fingerprints.append(load(project).fingerprint)
    write(project, GOOD.replace("12.89", "12.9"), "HUT,2025-03-10,11.48,,,hut_sa,secondary,\n")
    fingerprints.append(load(project).fingerprint)
    (project / "inputs" / "prices.csv").unlink()
    fingerprints.append(load(project).fingerprint)
    assert len(set(fingerprints)) == 4


def test_the_fingerprint_of_the_same_prices_is_the_same(project):
    assert load(project).fingerprint == load(project).fingerprint
