"""Validation of inputs/: every rule gives one located problem, and all problems come at once.

Line numbers are those of the sample inputs/facts.csv: line 1 is the header, so the first
data row (WULF 2026Q1 revenue_total) is line 2.
"""

from __future__ import annotations

import pytest

from reportgen import build, config, inputs, validate
from reportgen.errors import InputError
from tests.conftest import replace_line

FACTS = "inputs/facts.csv"
COMPANIES = "inputs/companies.yaml"
SOURCES = "inputs/sources.yaml"

# Sample rows the tests break, with their line numbers in inputs/facts.csv.
REVENUE_TOTAL = (2, "WULF,2026Q1,revenue_total,34,USD_M,wulf_q1_26,secondary,")
REVENUE_MINING = (5, "WULF,2026Q1,revenue_mining,13,USD_M,wulf_q1_26,derived,"
                     "34.0 total - 21.0 HPC lease")
EPS = (7, "WULF,2026Q1,eps_diluted,-1.01,USD,wulf_q1_26,secondary,")
FAIR_VALUE = (8, "WULF,2026Q1,fair_value_change,-216.3,USD_M,wulf_q1_26,secondary,warrants")
CASH = (12, "WULF,2026Q1,cash_and_restricted,3100,USD_M,wulf_424b5,secondary,")
DEBT = (13, "WULF,2026Q1,total_debt,5800,USD_M,wulf_424b5,secondary,")
BTC_MINED = (30, "WULF,2025Q3,btc_mined,377,BTC,wulf_q3_25c,secondary,")
COLOCATION = (100, "CORZ,2025Q3,revenue_colocation,15.0,USD_M,corz_q3_25,reported,")


def check(project):
    return validate.check(inputs.read_raw(project / "inputs", project))


def break_row(project, row, new):
    """Replace a whole facts.csv row, after making sure it sits on the line the test expects."""
    line, old = row
    path = project / "inputs" / "facts.csv"
    assert path.read_text().splitlines()[line - 1] == old, f"sample line {line} changed"
    replace_line(path, old + "\n", new + "\n")


def only_problem(project):
    problems = check(project)
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def test_sample_inputs_have_no_problems(project):
    assert check(project) == []


def test_sample_inputs_load(project):
    dataset = build.load_dataset(config.load(project_root=project))
    assert set(dataset.companies) == {"WULF", "CORZ", "IREN", "CIFR", "HUT"}
    assert dataset.facts["line"].min() == 2


@pytest.mark.parametrize(
    ("row", "new", "ticker", "period", "metric", "expected"),
    [
        pytest.param(EPS, "WULF,2026Q1,eps_diluted,n/a,USD,wulf_q1_26,secondary,",
                     "WULF", "2026Q1", "eps_diluted",
                     ["expected a number in value", "'n/a'"], id="text-value"),
        pytest.param(EPS, "WOLF,2026Q1,eps_diluted,-1.01,USD,wulf_q1_26,secondary,",
                     "WOLF", "2026Q1", "eps_diluted",
                     ["unknown ticker 'WOLF'", "CIFR, CORZ, HUT, IREN, WULF"], id="ticker"),
        pytest.param(EPS, "WULF,2026Q5,eps_diluted,-1.01,USD,wulf_q1_26,secondary,",
                     "WULF", "2026Q5", "eps_diluted",
                     ["expected a period like 2026Q1", "'2026Q5'"], id="period-Q5"),
        pytest.param(EPS, "WULF,2026-03,eps_diluted,-1.01,USD,wulf_q1_26,secondary,",
                     "WULF", "2026-03", "eps_diluted",
                     ["expected a period like 2026Q1", "'2026-03'"], id="period-month"),
        pytest.param(EPS, "WULF,2026Q1,eps_basic,-1.01,USD,wulf_q1_26,secondary,",
                     "WULF", "2026Q1", "eps_basic",
                     ["unknown metric 'eps_basic'", "expected a metric"], id="metric"),
        pytest.param(REVENUE_TOTAL, "WULF,2026Q1,revenue_total,34,USD,wulf_q1_26,secondary,",
                     "WULF", "2026Q1", "revenue_total",
                     ["expected unit USD_M", "got 'USD'"], id="unit"),
        pytest.param(CASH, "WULF,2026Q1,cash_and_restricted,3100,USD_M,wulf_424b6,secondary,",
                     "WULF", "2026Q1", "cash_and_restricted",
                     ["unknown source id 'wulf_424b6'", "inputs/sources.yaml"], id="source"),
        pytest.param(EPS, "WULF,2026Q1,eps_diluted,-1.01,USD,wulf_q1_26;nowhere,secondary,",
                     "WULF", "2026Q1", "eps_diluted",
                     ["unknown source id 'nowhere'"], id="second-source"),
        pytest.param(EPS, "WULF,2026Q1,eps_diluted,-1.01,USD,,secondary,",
                     "WULF", "2026Q1", "eps_diluted",
                     ["expected a source id"], id="no-source"),
        pytest.param(DEBT, "WULF,2026Q1,total_debt,5800,USD_M,wulf_424b5,confirmed,",
                     "WULF", "2026Q1", "total_debt",
                     ["expected status reported, secondary, derived, estimate",
                      "'confirmed'"], id="status"),
        pytest.param(BTC_MINED, "WULF,2025Q3,btc_mined,-377,BTC,wulf_q3_25c,secondary,",
                     "WULF", "2025Q3", "btc_mined",
                     ["expected a value of 0 or more", "-377"], id="negative"),
        pytest.param(CASH, "WULF,2026Q1,cash_and_restricted,nan,USD_M,wulf_424b5,secondary,",
                     "WULF", "2026Q1", "cash_and_restricted",
                     ["expected a finite number", "'nan'"], id="nan"),
        pytest.param(DEBT, "WULF,2026Q1,total_debt,inf,USD_M,wulf_424b5,secondary,",
                     "WULF", "2026Q1", "total_debt",
                     ["expected a finite number", "'inf'"], id="inf"),
        pytest.param(FAIR_VALUE,
                     "WULF,2026Q1,fair_value_change,-inf,USD_M,wulf_q1_26,secondary,warrants",
                     "WULF", "2026Q1", "fair_value_change",
                     ["expected a finite number", "'-inf'"], id="minus-inf"),
        pytest.param(EPS, "WULF,2026Q1,eps_diluted,-1.01,USD,wulf_q1_26,secondary,a,b",
                     "WULF", "2026Q1", "eps_diluted",
                     ["more fields than the header's 8"], id="extra-fields"),
    ],
)
def test_each_row_rule_gives_one_located_problem(project, row, new, ticker, period, metric,
                                                 expected):
    break_row(project, row, new)
    problem = only_problem(project)
    line = row[0]
    assert (problem.file, problem.line) == (FACTS, line)
    assert (problem.ticker, problem.period, problem.metric) == (ticker, period, metric)
    text = str(problem)
    assert text.startswith(f"{FACTS}:{line}: {ticker} {period} {metric}: ")
    for fragment in expected:
        assert fragment in text


def test_segments_more_than_one_percent_above_total(project):
    break_row(project, REVENUE_MINING,
              "WULF,2026Q1,revenue_mining,13.5,USD_M,wulf_q1_26,derived,")
    problem = only_problem(project)
    # Located at the total (line 2), which the lines 21 + 13.5 = 34.5 exceed by 1.5%.
    assert (problem.file, problem.line) == (FACTS, 2)
    assert (problem.ticker, problem.period, problem.metric) == ("WULF", "2026Q1",
                                                                "revenue_total")
    text = str(problem)
    assert text.startswith(f"{FACTS}:2: WULF 2026Q1 revenue_total: ")
    assert "34.5" in text
    assert "revenue_hpc_lease 21" in text
    assert "revenue_mining 13.5" in text
    assert "more than 1% above the total 34" in text


def test_segments_half_a_percent_above_total_are_accepted(project):
    assert pytest.approx(34.0 * 1.005) == 21.0 + 13.17
    break_row(project, REVENUE_MINING,
              "WULF,2026Q1,revenue_mining,13.17,USD_M,wulf_q1_26,derived,")
    assert check(project) == []


def test_same_figure_twice_from_same_source(project):
    line, row = EPS
    replace_line(project / "inputs" / "facts.csv", row + "\n", row + "\n" + row + "\n")
    problem = only_problem(project)
    assert (problem.file, problem.line) == (FACTS, line + 1)
    assert (problem.ticker, problem.period, problem.metric) == ("WULF", "2026Q1", "eps_diluted")
    text = str(problem)
    assert text.startswith(f"{FACTS}:8: WULF 2026Q1 eps_diluted: ")
    assert "appears twice (first at line 7)" in text


def test_same_figure_from_two_sources_is_accepted(project):
    _, row = REVENUE_TOTAL
    other = row.replace("wulf_q1_26,", "wulf_q1_26b,")
    replace_line(project / "inputs" / "facts.csv", row + "\n", row + "\n" + other + "\n")
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


@pytest.mark.parametrize("value", ["5_800", "\uff15\uff18\uff10\uff10"])
def test_value_float_accepts_is_loaded_or_reported(project, value):
    break_row(project, DEBT, f"WULF,2026Q1,total_debt,{value},USD_M,wulf_424b5,secondary,")
    try:
        dataset = build.load_dataset(config.load(project_root=project))
    except InputError as error:
        assert [(p.file, p.line) for p in error.problems] == [(FACTS, 13)]
    else:
        assert 5800.0 in dataset.facts["value"].tolist()


def test_header_mismatch(project):
    replace_line(project / "inputs" / "facts.csv",
                 "ticker,period,metric,value,unit,source,status,note\n",
                 "ticker,period,metric,value,units,source,status,note\n")
    problem = only_problem(project)
    assert (problem.file, problem.line) == (FACTS, 1)
    text = str(problem)
    assert text.startswith(f"{FACTS}:1: expected the header ")
    assert "ticker,period,metric,value,unit,source,status,note" in text
    assert "got ticker,period,metric,value,units,source,status,note" in text


def test_companies_bad_business(project):
    replace_line(project / "inputs" / "companies.yaml",
                 "    revenue_hpc_lease: ai_hpc\n", "    revenue_hpc_lease: hpc\n")
    problem = only_problem(project)
    assert (problem.file, problem.ticker) == (COMPANIES, "WULF")
    text = str(problem)
    assert text.startswith(f"{COMPANIES}: WULF: companies[0].revenue_lines.revenue_hpc_lease: ")
    assert "expected one of mining, ai_hpc, other, got 'hpc'" in text


def test_companies_contract_with_unknown_source(project):
    replace_line(project / "inputs" / "companies.yaml",
                 "    source: corz_coreweave\n", "    source: corz_cw\n")
    problem = only_problem(project)
    assert (problem.file, problem.ticker) == (COMPANIES, "CORZ")
    text = str(problem)
    assert text.startswith(f"{COMPANIES}: CORZ: companies[1].contracts[0].source: ")
    assert "unknown source id 'corz_cw'" in text


def test_companies_duplicate_ticker(project):
    path = project / "inputs" / "companies.yaml"
    path.write_text(path.read_text() + "- ticker: HUT\n  name: Hut 8 Corp.\n")
    problem = only_problem(project)
    assert (problem.file, problem.ticker) == (COMPANIES, "HUT")
    assert str(problem) == f"{COMPANIES}: HUT: companies[5]: ticker HUT appears twice"


def test_sources_url_must_be_http(project):
    replace_line(project / "inputs" / "sources.yaml",
                 "url: https://dcpulse.com/news/hut-fluidstack-ai-data-center-deal-river-bend",
                 "url: javascript:alert(1)")
    problem = only_problem(project)
    assert problem.file == SOURCES
    text = str(problem)
    assert text.startswith(f"{SOURCES}: sources.hut_river_bend.url: ")
    assert "expected an http(s) URL, got 'javascript:alert(1)'" in text


def test_yaml_syntax_error_names_the_file(project):
    replace_line(project / "inputs" / "sources.yaml",
                 "    publisher: dcpulse.com\n", "    publisher: [dcpulse.com\n")
    with pytest.raises(InputError) as caught:
        inputs.read_raw(project / "inputs", project)
    [problem] = caught.value.problems
    assert problem.file == SOURCES
    assert problem.line is not None
    assert str(problem).startswith(f"{SOURCES}:{problem.line}: not valid YAML")
    assert SOURCES in str(caught.value)


def test_yaml_python_tag_is_refused_and_not_run(project, capfd):
    replace_line(project / "inputs" / "companies.yaml",
                 "  notes: Fiscal year ends 30 June.\n",
                 '  notes: !!python/object/apply:os.system ["echo hi"]\n')
    with pytest.raises(InputError) as caught:
        inputs.read_raw(project / "inputs", project)
    [problem] = caught.value.problems
    assert problem.file == COMPANIES
    assert "not valid YAML" in str(problem)
    assert "python/object/apply:os.system" in str(problem)
    assert "hi" not in capfd.readouterr().out


def test_yaml_python_tag_in_sources_does_not_touch_the_disk(project, tmp_path):
    marker = tmp_path / "ran"
    replace_line(project / "inputs" / "sources.yaml",
                 "    publisher: dcpulse.com\n",
                 f'    publisher: !!python/object/apply:os.system ["touch {marker}"]\n')
    with pytest.raises(InputError) as caught:
        inputs.read_raw(project / "inputs", project)
    assert [p.file for p in caught.value.problems] == [SOURCES]
    assert not marker.exists()


def test_source_order_does_not_hide_a_duplicate(project):
    facts = project / "inputs" / "facts.csv"
    with facts.open("a") as handle:
        handle.write("WULF,2026Q1,btc_mined,1,BTC,wulf_q1_26;wulf_q1_26b,secondary,\n")
        handle.write("WULF,2026Q1,btc_mined,1,BTC,wulf_q1_26b;wulf_q1_26,secondary,\n")
    problems = check(project)
    assert len(problems) == 1 and "appears twice" in problems[0].message


def test_url_scheme_is_case_insensitive(project):
    replace_line(project / "inputs" / "sources.yaml", "url: https://t.bxjddjt.com",
                 "url: HTTPS://t.bxjddjt.com")
    assert check(project) == []
