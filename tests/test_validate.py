"""Validation of inputs/: every rule gives one located problem, and all problems come at once.

Line numbers are those of the sample inputs/facts.csv: line 1 is the header, so the first
data row (WULF 2026Q1 revenue_total) is line 2.
"""

from __future__ import annotations

import datetime

import pytest

from reportgen import build, config, inputs, metrics, validate
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
CIFR_TABLE = (148, "CIFR,2025Q2,revenue_total,43.6,USD_M,cifr_q2_25,secondary,"
                   "the article's table; its text gives 44.0")
GUIDE_LOW = (160, "WULF,2026Q1,guide_adjusted_ebitda_low,0,USD_M,wulf_424b5,secondary,"
                  "preliminary guidance")
GUIDE_HIGH = (161, "WULF,2026Q1,guide_adjusted_ebitda_high,3,USD_M,wulf_424b5,secondary,"
                   "preliminary guidance")
CIFR_TEXT = (162, "CIFR,2025Q2,revenue_total,44.0,USD_M,cifr_q2_25,secondary,"
                  "the article's text; its table gives 43.6")

HUT_REVENUE = (151, "HUT,2026Q1,revenue_total,71.0,USD_M,hut_q1_26,secondary,machine-written page")
HUT_NET_INCOME_2025 = (155, "HUT,2025Q1,net_income,-134.3,USD_M,hut_q1_25,secondary,")
HUT_MW = (156, "HUT,2025Q1,power_capacity,1020,MW,hut_q1_25,secondary,")
APPENDED = (0, "")
"""Not a sample row: the case's row is appended to facts.csv, and located at its last line."""

# Lines of inputs/companies.yaml the tests break.
WULF_HPC_LEASE = (13, "    revenue_hpc_lease: {business: ai_hpc, label: HPC lease}\n")
CORZ_COLOCATION = (55, "    revenue_colocation: {business: ai_hpc, label: Colocation}\n")


def check(project):
    return validate.check(inputs.read_raw(project / "inputs", project))


def break_row(project, row, new):
    """Replace a whole facts.csv row, after making sure it sits on the line the test expects."""
    line, old = row
    path = project / "inputs" / "facts.csv"
    assert path.read_text().splitlines()[line - 1] == old, f"sample line {line} changed"
    replace_line(path, old + "\n", new + "\n")


def break_company_line(project, line_and_text, new):
    """Replace one companies.yaml line, after making sure it sits where the test expects."""
    line, old = line_and_text
    path = project / "inputs" / "companies.yaml"
    assert path.read_text().splitlines(keepends=True)[line - 1] == old, f"line {line} changed"
    replace_line(path, old, new)


def remove_row(project, row):
    line, old = row
    path = project / "inputs" / "facts.csv"
    assert path.read_text().splitlines()[line - 1] == old, f"sample line {line} changed"
    replace_line(path, old + "\n", "")


def append_rows(project, *rows):
    with (project / "inputs" / "facts.csv").open("a") as handle:
        handle.writelines(row + "\n" for row in rows)


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
                     ["expected a value of 0 or more, got -377"], id="negative"),
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
        # From tests/e2e/test_hostile_inputs.py: impossible numbers, non-ASCII digits.
        *(pytest.param(HUT_REVENUE, HUT_REVENUE[1].replace(",71.0,", f",{v},"),
                       "HUT", "2026Q1", "revenue_total",
                       ["expected a finite number in value"], id=f"hut-{v}")
          for v in ("nan", "NaN", "inf", "-inf", "+Infinity")),
        *(pytest.param(HUT_REVENUE, HUT_REVENUE[1].replace(",71.0,", f",{v},"),
                       "HUT", "2026Q1", "revenue_total",
                       [f"expected a plausible figure, got {v}"], id=v)
          for v in ("1e400", "1e12")),
        pytest.param(HUT_MW, HUT_MW[1].replace(",1020,", ",-1020,"),
                     "HUT", "2025Q1", "power_capacity",
                     ["expected a value of 0 or more, got -1020"], id="negative-mw"),
        pytest.param(HUT_NET_INCOME_2025, HUT_NET_INCOME_2025[1].replace("2025Q1", "２０２５Q1"),
                     "HUT", "２０２５Q1", "net_income",
                     ["expected a period like 2026Q1"], id="fullwidth-period"),
        *(pytest.param(HUT_REVENUE, HUT_REVENUE[1].replace(",71.0,", f",{v},"),
                       "HUT", "2026Q1", "revenue_total",
                       ["expected a number in value"], id=f"digits-{v}")
          for v in ("７１.０", "٧١")),
        # Guidance and consensus rows, formerly one test each below.
        pytest.param(GUIDE_LOW, GUIDE_LOW[1].replace(",USD_M,", ",USD,"),
                     "WULF", "2026Q1", "guide_adjusted_ebitda_low",
                     ["expected unit USD_M (the unit of adjusted_ebitda), got 'USD'"],
                     id="guidance-unit"),
        pytest.param(APPENDED, "WULF,2026Q1,guide_eps_basic,-1,USD,wulf_424b5,secondary,",
                     "WULF", "2026Q1", "guide_eps_basic",
                     ["unknown metric 'guide_eps_basic'", "guide_<metric>_low"],
                     id="guidance-metric"),
        pytest.param(APPENDED,
                     "WULF,2026Q1,consensus_revenue_total,40,USD,wulf_424b5,secondary,",
                     "WULF", "2026Q1", "consensus_revenue_total",
                     ["expected unit USD_M (the unit of revenue_total), got 'USD'"],
                     id="consensus-unit"),
        *(pytest.param(APPENDED, f"WULF,2026Q1,{m},40,USD_M,wulf_424b5,secondary,",
                       "WULF", "2026Q1", m,
                       [f"unknown metric {m!r}", "sell-side consensus (consensus_<metric>)"],
                       id=f"consensus-{m}")
          for m in ("consensus_eps_basic", "consensus_revenue_total_low", "consensus_revenue")),
        pytest.param(APPENDED,
                     "WULF,2026Q1,consensus_revenue_total,-40,USD_M,wulf_424b5,secondary,",
                     "WULF", "2026Q1", "consensus_revenue_total",
                     ["expected a value of 0 or more"], id="consensus-sign"),
    ],
)
def test_each_row_rule_gives_one_located_problem(project, row, new, ticker, period, metric,
                                                 expected):
    if row is APPENDED:
        append_rows(project, new)
        line = len((project / FACTS).read_text().splitlines())
    else:
        break_row(project, row, new)
        line = row[0]
    problem = only_problem(project)
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
    break_company_line(project, WULF_HPC_LEASE, "    revenue_hpc_lease: hpc\n")
    problem = only_problem(project)
    assert (problem.file, problem.line, problem.ticker) == (COMPANIES, 13, "WULF")
    text = str(problem)
    assert text.startswith(
        f"{COMPANIES}:13: WULF: companies[0].revenue_lines.revenue_hpc_lease: ")
    assert "expected one of mining, ai_hpc, other, got 'hpc'" in text
    assert "{business: ai_hpc, label: HPC lease}" in text


def test_short_form_revenue_line_is_still_accepted(project):
    break_company_line(project, WULF_HPC_LEASE, "    revenue_hpc_lease: ai_hpc\n")
    assert check(project) == []
    wulf = build.load_dataset(config.load(project_root=project)).companies["WULF"]
    assert wulf.business_of("revenue_hpc_lease") == "ai_hpc"
    assert wulf.line_label("revenue_hpc_lease") is None


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


@pytest.mark.parametrize(
    ("new", "where", "expected"),
    [
        pytest.param("{business: hpc, label: HPC lease}", ".business",
                     "expected one of mining, ai_hpc, other, got 'hpc'", id="business"),
        pytest.param("{label: HPC lease}", ".business",
                     "expected one of mining, ai_hpc, other, got None", id="no-business"),
        pytest.param("{business: ai_hpc, label: ''}", ".label",
                     "expected the line's name as a reader sees it", id="empty-label"),
        pytest.param("{business: ai_hpc, label: [HPC lease]}", ".label",
                     "got ['HPC lease']", id="list-label"),
        pytest.param("{business: ai_hpc, label: " + "x" * 61 + "}", ".label",
                     "at most 60 characters", id="long-label"),
        pytest.param("{business: ai_hpc, lable: HPC lease}", ".lable",
                     "unknown key 'lable'; did you mean 'label'?", id="typo-key"),
    ],
)
def test_long_form_revenue_line_problems_are_located(project, new, where, expected):
    break_company_line(project, WULF_HPC_LEASE, f"    revenue_hpc_lease: {new}\n")
    problem = only_problem(project)
    assert (problem.file, problem.line, problem.ticker) == (COMPANIES, 13, "WULF")
    assert str(problem).startswith(
        f"{COMPANIES}:13: WULF: companies[0].revenue_lines.revenue_hpc_lease{where}: ")
    assert expected in str(problem)


def test_long_form_label_on_its_own_line_is_located_there(project):
    break_company_line(project, WULF_HPC_LEASE,
                       "    revenue_hpc_lease:\n      business: ai_hpc\n      label: 7\n")
    problem = only_problem(project)
    assert (problem.line, problem.ticker) == (15, "WULF")
    assert "revenue_hpc_lease.label: " in problem.message


def test_revenue_line_problems_in_two_companies_are_reported_together(project):
    break_company_line(project, WULF_HPC_LEASE, "    revenue_hpc_lease: {business: hpc}\n")
    break_company_line(project, CORZ_COLOCATION, "    revenue_colocation: {business: ai}\n")
    problems = check(project)
    assert [(p.file, p.line, p.ticker) for p in problems] == [(COMPANIES, 13, "WULF"),
                                                             (COMPANIES, 55, "CORZ")]


def test_companies_contract_with_unknown_source(project):
    replace_line(project / "inputs" / "companies.yaml",
                 "    source: corz_coreweave\n", "    source: corz_cw\n")
    problem = only_problem(project)
    assert (problem.file, problem.line, problem.ticker) == (COMPANIES, 62, "CORZ")
    text = str(problem)
    assert text.startswith(f"{COMPANIES}:62: CORZ: companies[1].contracts[0].source: ")
    assert "unknown source id 'corz_cw'" in text


def test_companies_duplicate_ticker(project):
    path = project / "inputs" / "companies.yaml"
    path.write_text(path.read_text() + "- ticker: HUT\n  name: Hut 8 Corp.\n")
    problem = only_problem(project)
    assert (problem.file, problem.ticker) == (COMPANIES, "HUT")
    line = len(path.read_text().splitlines()) - 1
    assert str(problem) == (f"{COMPANIES}:{line}: HUT: companies[5]: ticker HUT appears twice, "
                            f"in companies[4] at line 119 and here at line {line}; keep one "
                            "entry")


def test_sources_url_must_be_http(project):
    replace_line(project / "inputs" / "sources.yaml",
                 "url: https://dcpulse.com/news/hut-fluidstack-ai-data-center-deal-river-bend",
                 "url: javascript:alert(1)")
    problem = only_problem(project)
    assert problem.file == SOURCES
    line = project.joinpath(SOURCES).read_text().splitlines().index(
        "    url: javascript:alert(1)") + 1
    text = str(problem)
    assert text.startswith(f"{SOURCES}:{line}: sources.hut_river_bend.url: ")
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


def test_a_source_contradicting_itself_is_accepted_with_a_note(project):
    # The sample's CIFR 2025Q2 revenue: the article's table (43.6) and its text (44.0).
    assert CIFR_TABLE[1].split(",")[5] == CIFR_TEXT[1].split(",")[5] == "cifr_q2_25"
    assert check(project) == []
    facts = build.load_dataset(config.load(project_root=project)).facts
    cifr = facts[(facts["ticker"] == "CIFR") & (facts["period"] == "2025Q2")
                 & (facts["metric"] == "revenue_total")]
    assert cifr["value"].tolist() == [43.6, 44.0]


def test_a_source_contradicting_itself_without_a_note_is_refused(project):
    break_row(project, CIFR_TEXT, "CIFR,2025Q2,revenue_total,44.0,USD_M,cifr_q2_25,secondary,")
    problem = only_problem(project)
    assert (problem.file, problem.line) == (FACTS, 162)
    assert (problem.ticker, problem.period, problem.metric) == ("CIFR", "2025Q2",
                                                                "revenue_total")
    text = str(problem)
    assert "the same source already gives 43.6 at line 148" in text
    assert "say in this row's note where in the source 44.0 comes from" in text


@pytest.mark.parametrize("value", ["43.6", "43.60", "43.7"])
def test_the_same_value_twice_from_one_source_is_refused_even_with_a_note(project, value):
    # 43.7 is within rounding (0.5%) of 43.6: the briefing would not show it as a disagreement.
    break_row(project, CIFR_TEXT, f"CIFR,2025Q2,revenue_total,{value},USD_M,cifr_q2_25,"
                                  "secondary,the article's text")
    problem = only_problem(project)
    assert problem.line == 162
    assert "appears twice (first at line 148)" in problem.message


def test_guidance_range_in_the_sample_is_accepted(project):
    assert check(project) == []
    facts = build.load_dataset(config.load(project_root=project)).facts
    guide = facts[facts["metric"].str.startswith("guide_") & (facts["ticker"] == "WULF")
                  & (facts["period"] == "2026Q1")]
    assert dict(zip(guide["metric"], guide["value"], strict=True)) == {
        "guide_adjusted_ebitda_low": 0.0, "guide_adjusted_ebitda_high": 3.0}


def test_guidance_point_on_a_vocabulary_metric_is_accepted(project):
    append_rows(project, "WULF,2026Q1,guide_revenue_total,40,USD_M,wulf_424b5,estimate,")
    assert check(project) == []


@pytest.mark.parametrize(
    ("removed", "kept", "expected"),
    [
        pytest.param(GUIDE_HIGH, GUIDE_LOW, "the low end of a range without its high end",
                     id="low-only"),
        pytest.param(GUIDE_LOW, GUIDE_HIGH, "the high end of a range without its low end",
                     id="high-only"),
    ],
)
def test_half_a_guidance_range(project, removed, kept, expected):
    remove_row(project, removed)
    problem = only_problem(project)
    assert (problem.file, problem.line) == (FACTS, 160)  # the row kept, now on line 160
    assert problem.metric == kept[1].split(",")[2]
    assert expected in problem.message


def test_guidance_range_ends_from_different_sources_are_half_ranges(project):
    break_row(project, GUIDE_HIGH, GUIDE_HIGH[1].replace(",wulf_424b5,", ",wulf_q1_26,"))
    problems = check(project)
    assert [(p.line, p.metric) for p in problems] == [
        (160, "guide_adjusted_ebitda_low"), (161, "guide_adjusted_ebitda_high")]


def test_guidance_low_above_high(project):
    break_row(project, GUIDE_LOW, GUIDE_LOW[1].replace(",0,", ",5,"))
    problem = only_problem(project)
    assert (problem.file, problem.line, problem.metric) == (FACTS, 161,
                                                            "guide_adjusted_ebitda_high")
    assert "low 5 (line 160) is above high 3 (line 161)" in problem.message


def test_guidance_low_equal_to_high_is_accepted(project):
    break_row(project, GUIDE_LOW, GUIDE_LOW[1].replace(",0,", ",3,"))
    assert check(project) == []


@pytest.mark.parametrize("date", ["'2025-08-07'", "2025-08-07"])
def test_source_date_is_accepted_quoted_or_not(project, date):
    replace_line(project / "inputs" / "sources.yaml", "    date: 2025-08-07\n",
                 f"    date: {date}\n")
    assert check(project) == []
    sources = build.load_dataset(config.load(project_root=project)).sources
    assert sources["cifr_q2_25"].date == datetime.date(2025, 8, 7)
    assert sources["cifr_q4_24"].date is None


@pytest.mark.parametrize("date", ["2025-8-7", "'2025-02-30'", "07/08/2025", "August 2025",
                                  "2025-08-07 10:00:00", "20250807", "[2025-08-07]"])
def test_source_date_must_be_an_iso_day(project, date):
    replace_line(project / "inputs" / "sources.yaml", "    date: 2025-08-07\n",
                 f"    date: {date}\n")
    problem = only_problem(project)
    assert problem.file == SOURCES
    line = project.joinpath(SOURCES).read_text().splitlines().index(f"    date: {date}") + 1
    assert str(problem).startswith(f"{SOURCES}:{line}: sources.cifr_q2_25.date: ")
    assert "expected the date it was published as YYYY-MM-DD" in str(problem)


def test_an_impossible_unquoted_date_is_a_located_yaml_problem(project):
    replace_line(project / "inputs" / "sources.yaml", "    date: 2025-08-07\n",
                 "    date: 2025-02-30\n")
    line = project.joinpath(SOURCES).read_text().splitlines().index("    date: 2025-02-30") + 1
    with pytest.raises(InputError) as caught:
        inputs.read_raw(project / "inputs", project)
    [problem] = caught.value.problems
    assert (problem.file, problem.line) == (SOURCES, line)
    assert "not valid YAML: '2025-02-30' is not a valid date or number" in problem.message


# --- sell-side consensus (issue #12) ---------------------------------------------------------

def test_consensus_on_a_vocabulary_metric_is_accepted(project):
    append_rows(project, "WULF,2026Q1,consensus_revenue_total,40,USD_M,wulf_424b5,secondary,",
                "WULF,2026Q1,consensus_eps_adjusted,-0.2,USD,wulf_424b5,secondary,")
    assert check(project) == []


def test_consensus_in_the_sample_loads(project):
    facts = build.load_dataset(config.load(project_root=project)).facts
    consensus = facts[facts["metric"].str.startswith("consensus_")]
    assert set(consensus["metric"]) == {"consensus_revenue_total", "consensus_eps_diluted"}
    assert set(consensus["status"]) == {"secondary"}


def test_consensus_alone_does_not_make_a_quarter_the_latest(project):
    append_rows(project, "WULF,2026Q2,consensus_revenue_total,40,USD_M,wulf_424b5,secondary,")
    assert check(project) == []
    dataset = build.load_dataset(config.load(project_root=project))
    assert metrics.latest_period(dataset) == "2026Q1"


# --- contract kind and dates (issue #12) -----------------------------------------------------

AWS_DATE = "    energization: 2026-Q4\n"


def test_contract_kind_and_dates_in_the_sample_load(project):
    companies = build.load_dataset(config.load(project_root=project)).companies
    aws = next(c for c in companies["CIFR"].contracts if c.customer == "Amazon Web Services")
    barber = next(c for c in companies["CIFR"].contracts if c.site == "Barber Lake")
    microsoft = companies["IREN"].contracts[0]
    assert (aws.kind, aws.energization, aws.signed) == ("lease", "2026-Q4", "")
    assert (barber.kind, barber.energization) == ("lease", "2026-09-30")  # a YAML date, as text
    assert (microsoft.kind, microsoft.energization) == ("gpu_cloud", "")


@pytest.mark.parametrize("value", ["2026-08", "2026-09-30", "'2026-09-30'", "2027-Q1"])
def test_contract_dates_in_each_form_are_accepted(project, value):
    replace_line(project / "inputs" / "companies.yaml", AWS_DATE,
                 f"    energization: {value}\n    signed: {value}\n")
    assert check(project) == []
    companies = build.load_dataset(config.load(project_root=project)).companies
    aws = next(c for c in companies["CIFR"].contracts if c.customer == "Amazon Web Services")
    assert aws.energization == aws.signed == value.strip("'")


@pytest.mark.parametrize("value", ["early 2027", "2026-13", "2026-Q5", "'2026-02-30'", "2026",
                                   "H2 2026", "2026-8", "[2026-08]"])
@pytest.mark.parametrize("key", ["energization", "signed"])
def test_contract_dates_in_other_forms_are_located_problems(project, key, value):
    replace_line(project / "inputs" / "companies.yaml", AWS_DATE, f"    {key}: {value}\n")
    problem = only_problem(project)
    assert (problem.file, problem.line, problem.ticker) == (COMPANIES, 118, "CIFR")
    assert str(problem).startswith(f"{COMPANIES}:118: CIFR: companies[3].contracts[2].{key}: ")
    assert "expected the date the source gives as YYYY-MM, YYYY-MM-DD or YYYY-Qn" in str(problem)


@pytest.mark.parametrize("kind", ["hosting", "Lease", "[lease]", "1"])
def test_contract_kind_must_be_one_of_the_kinds(project, kind):
    replace_line(project / "inputs" / "companies.yaml", "    kind: gpu_cloud\n",
                 f"    kind: {kind}\n")
    problem = only_problem(project)
    assert (problem.file, problem.line, problem.ticker) == (COMPANIES, 82, "IREN")
    assert "companies[2].contracts[0].kind: expected one of colocation, gpu_cloud, lease" in str(
        problem)


def test_contract_kind_may_be_left_out(project):
    replace_line(project / "inputs" / "companies.yaml", "    kind: gpu_cloud\n", "")
    assert check(project) == []
