"""The entry point of validation (reportgen/validate.py): every rule at once, problems in file
and line order, nothing loaded on error; and a build's request checked against the inputs.

The rules have their own files: tests/test_validate_rows.py (one CSV row),
tests/test_validate_yaml_files.py (sources.yaml, companies.yaml), tests/test_validate_cross.py
(across rows), tests/test_validate_common.py (the limits they share). The sample edits they
make are in tests/sample_edits.py.
"""

from __future__ import annotations

import pytest

from reportgen import build, config, metrics, validate
from reportgen.errors import InputError, UsageError
from tests.conftest import replace_line
from tests.sample_edits import (
    BTC_MINED,
    COLOCATION,
    COMPANIES,
    EPS,
    FACTS,
    REVENUE_MINING,
    SOURCES,
    append_rows,
    break_row,
    check,
)


def test_sample_inputs_have_no_problems(project):
    assert check(project) == []


def test_several_problems_are_all_reported_in_file_order(project):
    break_row(project, EPS, "WULF,2026Q1,eps_diluted,n/a,USD,wulf_q1_26,secondary,")
    break_row(project, BTC_MINED, "WULF,2025Q3,btc_mined,-377,BTC,wulf_q3_25c,secondary,")
    break_row(project, COLOCATION,
              "CORZ,2025Q3,revenue_colocation,15.0,USD_M,corz_q3_26,reported,")
    problems = check(project)
    assert [(p.file, p.line) for p in problems] == [(FACTS, 7), (FACTS, 30), (FACTS, 100)]
    assert "expected a number" in str(problems[0])
    assert "expected a value of 0 or more" in str(problems[1])
    assert "unknown source id 'corz_q3_26'" in str(problems[2])


def test_load_dataset_raises_every_problem_together(project):
    break_row(project, EPS, "WULF,2026Q1,eps_diluted,n/a,USD,wulf_q1_26,secondary,")
    break_row(project, BTC_MINED, "WULF,2025Q3,btc_mined,-377,BTC,wulf_q3_25c,secondary,")
    with pytest.raises(InputError) as caught:
        build.load_dataset(config.load(project_root=project))
    assert [p.line for p in caught.value.problems] == [7, 30]
    assert str(caught.value).startswith("2 problems in the inputs:")
    assert f"{FACTS}:30: WULF 2025Q3 btc_mined:" in str(caught.value)


def test_segment_problem_is_listed_in_file_order(project):
    break_row(project, REVENUE_MINING,
              "WULF,2026Q1,revenue_mining,13.5,USD_M,wulf_q1_26,derived,")
    break_row(project, EPS, "WULF,2026Q1,eps_diluted,n/a,USD,wulf_q1_26,secondary,")
    assert [p.line for p in check(project)] == [2, 7]


def test_consensus_alone_does_not_make_a_quarter_the_latest(project):
    append_rows(project, "WULF,2026Q2,consensus_revenue_total,40,USD_M,wulf_424b5,secondary,")
    assert check(project) == []
    dataset = build.load_dataset(config.load(project_root=project))
    assert metrics.latest_period(dataset) == "2026Q1"
    assert validate.check_request(dataset, None) == "2026Q1"


def test_problems_come_file_by_file_in_the_order_files_are_first_met(project):
    break_row(project, EPS, "WULF,2026Q1,eps_diluted,n/a,USD,wulf_q1_26,secondary,")
    replace_line(project / COMPANIES, "    kind: gpu_cloud\n", "    kind: hosting\n")
    replace_line(project / SOURCES, "url: https://t.bxjddjt.com", "url: t.bxjddjt.com")
    problems = check(project)
    # sources.yaml and companies.yaml are checked before facts.csv, whatever the lines
    assert [p.file for p in problems] == [SOURCES, COMPANIES, FACTS]


def test_a_wrong_facts_header_stops_the_row_checks_of_facts_and_market(project):
    replace_line(project / FACTS, "ticker,period,metric,value,unit,source,status,note\n",
                 "ticker,period,metric,value,units,source,status,note\n")
    break_row(project, EPS, "WULF,2026Q1,eps_diluted,n/a,USD,wulf_q1_26,secondary,")
    replace_line(project / "inputs" / "market.csv", ",92,", ",-92,")
    assert [(p.file, p.line) for p in check(project)] == [(FACTS, 1)]


# --- the request: --period and --miner against what the inputs hold -------------------------


def test_no_period_asked_is_the_latest_quarter_with_figures(sample_dataset):
    assert validate.check_request(sample_dataset, None, ["WULF", "HUT"]) == "2026Q1"


@pytest.mark.parametrize("period", ["2023Q1", "2025Q3", "2026Q1", "2026Q2"])
def test_a_period_from_the_first_to_one_after_the_latest_is_accepted(sample_dataset, period):
    assert validate.check_request(sample_dataset, period) == period


@pytest.mark.parametrize(("period", "expected"), [
    pytest.param("2022Q4", "period 2022Q4: no miner has a figure up to it; the inputs run from "
                 "2023Q1 to 2026Q1, the latest period present", id="before-the-first"),
    pytest.param("2026Q3", "period 2026Q3: more than one quarter after the latest period "
                 "present in the inputs, 2026Q1; choose 2026Q2 or earlier", id="two-after"),
])
def test_a_period_without_figures_is_a_usage_error(sample_dataset, period, expected):
    with pytest.raises(UsageError) as raised:
        validate.check_request(sample_dataset, period)
    assert str(raised.value) == expected


def test_an_unknown_miner_is_a_usage_error_naming_the_miners(sample_dataset):
    with pytest.raises(UsageError) as raised:
        validate.check_request(sample_dataset, "2026Q1", ["WULF", "CRZO"])
    assert str(raised.value) == ("unknown miner CRZO (did you mean 'CORZ'?); "
                                 "inputs/companies.yaml has WULF, CORZ, IREN, CIFR, HUT")
