"""Reading inputs/ into typed data: revenue-line labels, guidance metrics, source dates."""

from __future__ import annotations

import pytest

from reportgen import build, config, inputs, metrics
from reportgen.vocabulary import METRICS, guidance_metric, guidance_spec, guidance_target


@pytest.mark.parametrize(
    ("metric", "target"),
    [
        ("guide_adjusted_ebitda_low", ("adjusted_ebitda", "low")),
        ("guide_adjusted_ebitda_high", ("adjusted_ebitda", "high")),
        ("guide_revenue_total", ("revenue_total", "point")),
        ("guide_cash_and_btc", ("cash_and_btc", "point")),
        ("adjusted_ebitda", None),
        ("guide_", None),
        ("guide_revenue_hpc_lease", None),  # a miner's own line is not vocabulary
        ("guide_adjusted_ebitda_mid", None),
        ("consensus_revenue_total", None),
    ],
)
def test_guidance_target(metric, target):
    assert guidance_target(metric) == target


def test_every_vocabulary_metric_has_its_guidance_metrics():
    for base in METRICS:
        for kind in ("point", "low", "high"):
            metric = guidance_metric(base, kind)
            assert guidance_target(metric) == (base, kind)
            spec = guidance_spec(metric)
            assert spec is not None and spec.unit == METRICS[base].unit
            assert metric not in METRICS


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
