"""Rules over sources.yaml and companies.yaml (reportgen/validate/yaml_files.py): each broken entry
is one problem located by file, line, ticker and its path in the document."""

from __future__ import annotations

import datetime

import pytest

from reportgen import build, config
from tests.conftest import replace_line
from tests.sample_edits import (
    COMPANIES,
    CORZ_COLOCATION,
    SOURCES,
    WULF_HPC_LEASE,
    break_company_line,
    check,
    only_problem,
    replace_at,
)

HPC_LEASE = WULF_HPC_LEASE[1]
AWS_DATE = "    energization: 2026-Q4\n"
SOURCE_DATE = "    date: 2025-08-07\n"
HUT_CONTRACT_MW = "    mw: 245\n"


def case(file: str, old: str, new: str, ticker: str, place: str, *expected: str,
         below: int = 0, id: str) -> object:
    """One row of the table: ``old`` replaced by ``new`` in ``file`` gives one problem at
    ``place``, on the line ``new`` starts on (or ``below`` lines further down)."""
    return pytest.param(file, old, new, ticker, place, expected, below, id=id)


YAML_CASES = [
    # a revenue line: short form, long form
    case(COMPANIES, HPC_LEASE, "    revenue_hpc_lease: hpc\n", "WULF",
         "companies[0].revenue_lines.revenue_hpc_lease",
         "expected one of mining, ai_hpc, other, got 'hpc'",
         "{business: ai_hpc, label: HPC lease}", id="short-form-business"),
    case(COMPANIES, HPC_LEASE, "    revenue_hpc_lease: {business: hpc, label: HPC lease}\n",
         "WULF", "companies[0].revenue_lines.revenue_hpc_lease.business",
         "expected one of mining, ai_hpc, other, got 'hpc'", id="business"),
    case(COMPANIES, HPC_LEASE, "    revenue_hpc_lease: {label: HPC lease}\n", "WULF",
         "companies[0].revenue_lines.revenue_hpc_lease.business",
         "expected one of mining, ai_hpc, other, got None", id="no-business"),
    case(COMPANIES, HPC_LEASE, "    revenue_hpc_lease: {business: ai_hpc, label: ''}\n",
         "WULF", "companies[0].revenue_lines.revenue_hpc_lease.label",
         "expected the line's name as a reader sees it", id="empty-label"),
    case(COMPANIES, HPC_LEASE, "    revenue_hpc_lease: {business: ai_hpc, label: [HPC lease]}\n",
         "WULF", "companies[0].revenue_lines.revenue_hpc_lease.label", "got ['HPC lease']",
         id="list-label"),
    case(COMPANIES, HPC_LEASE,
         "    revenue_hpc_lease: {business: ai_hpc, label: " + "x" * 61 + "}\n", "WULF",
         "companies[0].revenue_lines.revenue_hpc_lease.label", "at most 60 characters",
         id="long-label"),
    case(COMPANIES, HPC_LEASE, "    revenue_hpc_lease: {business: ai_hpc, lable: HPC lease}\n",
         "WULF", "companies[0].revenue_lines.revenue_hpc_lease.lable",
         "unknown key 'lable'; did you mean 'label'?", id="typo-key"),
    case(COMPANIES, HPC_LEASE,
         "    revenue_hpc_lease:\n      business: ai_hpc\n      label: 7\n", "WULF",
         "companies[0].revenue_lines.revenue_hpc_lease.label",
         "expected the line's name as a reader sees it", below=2, id="label-on-its-own-line"),
    # a contract: its source, numbers, kind and dates
    case(COMPANIES, "    source: corz_coreweave\n", "    source: corz_cw\n", "CORZ",
         "companies[1].contracts[0].source", "unknown source id 'corz_cw'",
         id="contract-source"),
    case(COMPANIES, "    source: hut_river_bend\n", "    source: hut_riverbend\n", "HUT",
         "companies[4].contracts[0].source",
         "unknown source id 'hut_riverbend'; did you mean 'hut_river_bend'? or add it to "
         "inputs/sources.yaml", id="contract-source-typo"),
    case(COMPANIES, "    source: hut_river_bend\n", "    source: [hut_river_bend]\n", "HUT",
         "companies[4].contracts[0].source", "unknown source id ['hut_river_bend']",
         id="contract-source-list"),
    case(COMPANIES, HUT_CONTRACT_MW, "    mw: -245\n", "HUT", "companies[4].contracts[0].mw",
         "expected a non-negative number, got -245", id="negative-mw"),
    case(COMPANIES, HUT_CONTRACT_MW, "    mw: .inf\n", "HUT", "companies[4].contracts[0].mw",
         "expected a non-negative number, got inf", id="infinite-mw"),
    *(case(COMPANIES, "    kind: gpu_cloud\n", f"    kind: {kind}\n", "IREN",
           "companies[2].contracts[0].kind", "expected one of colocation, gpu_cloud, lease",
           id=f"kind-{kind}")
      for kind in ("hosting", "Lease", "[lease]", "1")),
    *(case(COMPANIES, AWS_DATE, f"    {key}: {value}\n", "CIFR",
           f"companies[3].contracts[2].{key}",
           "expected the date the source gives as YYYY-MM, YYYY-MM-DD or YYYY-Qn",
           id=f"{key}-{value}")
      for key in ("energization", "signed")
      for value in ("early 2027", "2026-13", "2026-Q5", "'2026-02-30'", "2026", "H2 2026",
                    "2026-8", "[2026-08]")),
    # a source: its url and date
    case(SOURCES, "url: https://dcpulse.com/news/hut-fluidstack-ai-data-center-deal-river-bend",
         "url: javascript:alert(1)", "", "sources.hut_river_bend.url",
         "expected an http(s) URL, got 'javascript:alert(1)'", id="source-url"),
    *(case(SOURCES, SOURCE_DATE, f"    date: {date}\n", "", "sources.cifr_q2_25.date",
           "expected the date it was published as YYYY-MM-DD", id=f"source-date-{date}")
      for date in ("2025-8-7", "'2025-02-30'", "07/08/2025", "August 2025",
                   "2025-08-07 10:00:00", "20250807", "[2025-08-07]")),
]


@pytest.mark.parametrize(("file", "old", "new", "ticker", "place", "expected", "below"),
                         YAML_CASES)
def test_each_yaml_rule_gives_one_located_problem(project, file, old, new, ticker, place,
                                                  expected, below):
    line = replace_at(project / file, old, new) + below
    problem = only_problem(project)
    assert (problem.file, problem.line, problem.ticker) == (file, line, ticker)
    text = str(problem)
    assert text.startswith(f"{file}:{line}: {ticker + ': ' if ticker else ''}{place}: "), text
    for fragment in expected:
        assert fragment in text


def test_revenue_line_problems_in_two_companies_are_reported_together(project):
    break_company_line(project, WULF_HPC_LEASE, "    revenue_hpc_lease: {business: hpc}\n")
    break_company_line(project, CORZ_COLOCATION, "    revenue_colocation: {business: ai}\n")
    problems = check(project)
    assert [(p.file, p.line, p.ticker) for p in problems] == [(COMPANIES, 13, "WULF"),
                                                             (COMPANIES, 55, "CORZ")]


def test_companies_duplicate_ticker(project):
    path = project / COMPANIES
    path.write_text(path.read_text() + "- ticker: HUT\n  name: Hut 8 Corp.\n")
    problem = only_problem(project)
    assert (problem.file, problem.ticker) == (COMPANIES, "HUT")
    line = len(path.read_text().splitlines()) - 1
    assert str(problem) == (f"{COMPANIES}:{line}: HUT: companies[5]: ticker HUT appears twice, "
                            f"in companies[4] at line 119 and here at line {line}; keep one "
                            "entry")


# --- what the rules accept ---------------------------------------------------------------------

def test_short_form_revenue_line_is_still_accepted(project):
    break_company_line(project, WULF_HPC_LEASE, "    revenue_hpc_lease: ai_hpc\n")
    assert check(project) == []
    wulf = build.load_dataset(config.load(project_root=project)).companies["WULF"]
    assert wulf.business_of("revenue_hpc_lease") == "ai_hpc"
    assert wulf.line_label("revenue_hpc_lease") is None


def test_url_scheme_is_case_insensitive(project):
    replace_line(project / SOURCES, "url: https://t.bxjddjt.com", "url: HTTPS://t.bxjddjt.com")
    assert check(project) == []


@pytest.mark.parametrize("date", ["'2025-08-07'", "2025-08-07"])
def test_source_date_is_accepted_quoted_or_not(project, date):
    replace_line(project / SOURCES, SOURCE_DATE, f"    date: {date}\n")
    assert check(project) == []
    sources = build.load_dataset(config.load(project_root=project)).sources
    assert sources["cifr_q2_25"].date == datetime.date(2025, 8, 7)
    assert sources["cifr_q4_24"].date is None


@pytest.mark.parametrize("value", ["2026-08", "2026-09-30", "'2026-09-30'", "2027-Q1"])
def test_contract_dates_in_each_form_are_accepted(project, value):
    replace_line(project / COMPANIES, AWS_DATE,
                 f"    energization: {value}\n    signed: {value}\n")
    assert check(project) == []
    companies = build.load_dataset(config.load(project_root=project)).companies
    aws = next(c for c in companies["CIFR"].contracts if c.customer == "Amazon Web Services")
    assert aws.energization == aws.signed == value.strip("'")


def test_contract_kind_may_be_left_out(project):
    replace_line(project / COMPANIES, "    kind: gpu_cloud\n", "")
    assert check(project) == []
