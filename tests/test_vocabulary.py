"""The metric vocabulary (reportgen/vocabulary.py): units and signs, guidance and consensus
metrics named after a vocabulary metric, and the "did you mean" every message offers."""

from __future__ import annotations

from pathlib import Path

import pytest

from reportgen.errors import UsageError
from reportgen.vocabulary import (
    CONSENSUS_PREFIX,
    METRICS,
    MetricSpec,
    consensus_target,
    declared_lines,
    did_you_mean,
    forecast_spec,
    guidance_metric,
    guidance_spec,
    guidance_target,
    named_with_hints,
    reference,
    revenue_lines,
)


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


def test_guidance_metric_refuses_what_has_no_guidance() -> None:
    with pytest.raises(ValueError, match="no guidance metric for 'revenue_hpc_lease'"):
        guidance_metric("revenue_hpc_lease")
    with pytest.raises(ValueError, match="'mid'"):
        guidance_metric("revenue_total", "mid")


def test_every_vocabulary_metric_has_its_consensus_metric() -> None:
    for base, spec in METRICS.items():
        metric = CONSENSUS_PREFIX + base
        assert consensus_target(metric) == base
        assert forecast_spec(metric) == MetricSpec(spec.unit, f"{spec.label} consensus "
                                                   "(sell-side)", spec.non_negative)


@pytest.mark.parametrize("metric", ["revenue_total", "consensus_revenue_total_low",
                                    "guide_consensus_revenue_total", "consensus_", "guide_"])
def test_forecast_spec_is_none_for_anything_else(metric: str) -> None:
    assert forecast_spec(metric) is None


def test_did_you_mean_offers_the_closest_name_or_nothing() -> None:
    assert did_you_mean("revenu_total", METRICS) == "; did you mean 'revenue_total'?"
    assert did_you_mean("WLUF", ["WULF", "CORZ"]) == "; did you mean 'WULF'?"
    assert did_you_mean("zzz", ["WULF", "CORZ"]) == ""
    assert did_you_mean("WULF", []) == ""


def test_named_with_hints_keeps_the_order_given() -> None:
    assert named_with_hints(["XYZ", "CROZ"], ["WULF", "CORZ"]) == (
        "XYZ, CROZ (did you mean 'CORZ'?)")


def test_revenue_lines_leave_what_is_neither_form_to_validation() -> None:
    businesses, labels = revenue_lines({"revenue_a": 7, "revenue_b": {"label": "  B  "},
                                        "revenue_c": {"business": "other", "label": " "}})
    assert businesses == {"revenue_c": "other"}
    assert labels == {"revenue_b": "B"}


def test_declared_lines_name_an_unlabelled_line_and_skip_unreadable_entries() -> None:
    document = {"companies": [
        {"ticker": "WULF", "revenue_lines": {"revenue_hpc_hosting": "ai_hpc",
                                             "revenue_mining": {"business": "mining",
                                                                "label": "Bitcoin mining"}}},
        {"ticker": 7, "revenue_lines": {"revenue_x": "other"}},
        "not an entry",
        {"ticker": "HUT", "revenue_lines": ["revenue_compute"]},
    ]}
    assert declared_lines(document) == {
        "WULF": [("revenue_hpc_hosting", "ai_hpc", "Hpc hosting revenue (no label declared)"),
                 ("revenue_mining", "mining", "Bitcoin mining")],
        "HUT": [],
    }
    assert declared_lines(["not", "a", "mapping"]) == {}


def test_reference_without_miners_and_with_an_unknown_one(tmp_path: Path) -> None:
    companies = tmp_path / "companies.yaml"
    companies.write_text("companies: []\n")
    assert reference(companies, "inputs/companies.yaml")[-1] == (
        "  inputs/companies.yaml lists no miners yet")
    with pytest.raises(UsageError) as raised:
        reference(companies, "inputs/companies.yaml", ["WULF"])
    assert str(raised.value) == "unknown miner WULF; inputs/companies.yaml has no miners yet"
