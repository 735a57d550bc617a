"""Issue 15, cases 6 to 9: strict YAML, bounded inputs, control characters, no tracebacks.

Each test works on real files in a copy of the project, through ``reportgen.cli.main`` (or
the library function the command calls), and would pass silently or fail with a traceback
on the code before the issue was fixed:

- a key twice in any YAML mapping is an error naming both lines; an unknown key in any input
  or in reportgen.yaml is an error with a "did you mean";
- every input is size-limited before it is read, and a file just under a limit costs seconds;
- a control character or bidi override in any text that reaches a document, a spreadsheet or
  the terminal fails ``validate`` with the file, line and field;
- hostile companyfacts documents and a Latin-1 stakeholders.yaml give one located line and an
  exit code, never a traceback (``--debug`` showing it: tests/test_cli.py).
"""

from __future__ import annotations

import contextlib
import http.server
import json
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from reportgen import cli, errors, inputs, safeyaml, validate
from reportgen.errors import InputError, ReportgenError
from reportgen.mail import recipients as stakeholders
from reportgen.sec.document import MAX_CONTAINERS, MAX_JSON_BYTES, read_document
from reportgen.sec.fetch import fetch
from reportgen.sec.periods import extract
from reportgen.sec.tags import load_tag_map
from tests.conftest import replace_line

COMPANIES = "inputs/companies.yaml"
SOURCES = "inputs/sources.yaml"
FACTS = "inputs/facts.csv"
STAKEHOLDERS = "inputs/stakeholders.yaml"
CONTROL = "\x00\x01\x07\x08\x0b\x0c\x0e\x1b\x7f\x85\x9b\u202a\u202b\u202c\u202d\u202e\u2066" \
          "\u2067\u2068\u2069"
"""Nothing of this may reach the terminal raw."""
SNOW_ENTRY = """\
- ticker: SNOW
  name: Snowflake Inc.
  cik: 1640147
  fiscal_year_end_month: 1
  revenue_lines: {}
  contracts: []
"""


def run(project: Path, *args: str) -> int:
    return cli.main(["--config", str(project / "reportgen.yaml"), *args])


def line_of(path: Path, text: str, after: int = 0) -> int:
    """The 1-based line of the first line holding ``text`` after line ``after``."""
    lines = path.read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if n > after and text in line)


def fails(project: Path, capsys: pytest.CaptureFixture[str], *args: str,
          code: int = 1) -> str:
    """The command exits ``code`` with no traceback, no raw control character on the
    terminal and no outputs; returns stderr."""
    assert run(project, *args) == code
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert not any(ch in captured.out + captured.err for ch in CONTROL), captured.err
    assert not (project / "outputs").exists()
    return captured.err


# --- case 6: duplicate keys, anywhere -------------------------------------------------------


def test_a_second_source_id_is_an_error_naming_both_lines(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sources = project / SOURCES
    first = line_of(sources, "  wulf_q1_26:")
    with sources.open("a") as handle:
        handle.write("  wulf_q1_26:\n    url: https://example.com/not-the-release\n"
                     "    publisher: example.com\n    kind: press coverage\n"
                     "    description: a second entry under the same id\n")
    second = line_of(sources, "  wulf_q1_26:", first)
    err = fails(project, capsys, "validate")
    assert (f"{SOURCES}:{second}: sources.wulf_q1_26: the key 'wulf_q1_26' appears twice in "
            f"one mapping, at lines {first} and {second}") in err
    fails(project, capsys, "build", "--miner", "HUT")


def test_a_duplicate_name_in_a_company_names_both_lines(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    companies = project / COMPANIES
    replace_line(companies, "  name: Hut 8 Corp.\n",
                 "  name: Hut 8 Corp.\n  name: Hut 8 Mining (old name)\n")
    first = line_of(companies, "  name: Hut 8 Corp.")
    err = fails(project, capsys, "validate")
    assert (f"{COMPANIES}:{first + 1}: companies[4].name: the key 'name' appears twice in one "
            f"mapping, at lines {first} and {first + 1}") in err


@pytest.mark.parametrize(("file", "old", "new", "place"), [
    pytest.param(STAKEHOLDERS, "    address: desk@example.com\n",
                 "    address: desk@example.com\n    address: someone.else@example.com\n",
                 "recipients[0].address", id="stakeholders"),
    pytest.param("reportgen.yaml", "paper_size: A4", "paper_size: A4\npaper_size: Letter",
                 "paper_size", id="config-top"),
    pytest.param("reportgen.yaml", '  accent_color: "#1f4e79"\n',
                 '  accent_color: "#1f4e79"\n  accent_color: "#ff0000"\n',
                 "theme.accent_color", id="config-section"),
    pytest.param(COMPANIES, "    mw: 245\n", "    mw: 245\n    mw: 2450\n",
                 "companies[4].contracts[0].mw", id="contract"),
    pytest.param(COMPANIES, "    revenue_hpc_lease: {business: ai_hpc, label: HPC lease}\n",
                 "    revenue_hpc_lease: {business: ai_hpc, label: HPC lease, business: mining}\n",
                 "companies[0].revenue_lines.revenue_hpc_lease.business", id="flow-mapping"),
])
def test_a_duplicate_key_in_any_yaml_file_names_both_lines(
        project: Path, capsys: pytest.CaptureFixture[str], file: str, old: str, new: str,
        place: str) -> None:
    path = project / file
    replace_line(path, old, new)
    key = place.rsplit(".", 1)[-1]
    first = line_of(path, new.splitlines()[0])
    second = first if new.count("\n") == old.count("\n") else first + 1
    err = fails(project, capsys, "validate")
    shown = str(path) if file == "reportgen.yaml" else file
    assert (f"{shown}:{second}: {place}: the key '{key}' appears twice in one mapping, at lines "
            f"{first} and {second}") in err, err


def test_duplicate_keys_in_a_tag_file_are_refused(project: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    tags = tmp_path / "tags.yaml"
    tags.write_text("metrics:\n  net_income:\n    us-gaap: []\n  net_income:\n    us-gaap: []\n")
    with (project / COMPANIES).open("a") as handle:
        handle.write(SNOW_ENTRY)
    err = fails(project, capsys, "import-sec", str(sec_fixture()), "--ticker", "SNOW",
                "--tags", str(tags))
    assert f"{tags}:4: metrics.net_income: the key 'net_income' appears twice" in err


# --- case 6: unknown keys, with "did you mean" ------------------------------------------------


@pytest.mark.parametrize(("file", "old", "new", "expected"), [
    pytest.param(COMPANIES, "  contracts:\n  - customer: Fluidstack (Anthropic end user)\n",
                 "  contract:\n  - customer: Fluidstack (Anthropic end user)\n",
                 "HUT: companies[4].contract: unknown key 'contract'; did you mean "
                 "'contracts'?",
                 id="contract"),
    pytest.param(COMPANIES, "    value_usd_m: 7000\n", "    value_usd: 7000\n",
                 "HUT: companies[4].contracts[0].value_usd: unknown key 'value_usd'; did you mean "
                 "'value_usd_m'?", id="contract-key"),
    pytest.param(COMPANIES, "  fiscal_year_end_month: 6\n", "  fiscal_year_end: 6\n",
                 "IREN: companies[2].fiscal_year_end: unknown key 'fiscal_year_end'; did you mean "
                 "'fiscal_year_end_month'?", id="company-key"),
    pytest.param(SOURCES, "    description: Hut 8 2026Q1 figures\n",
                 "    descripton: Hut 8 2026Q1 figures\n",
                 "sources.hut_q1_26.descripton: unknown key 'descripton'; did you mean "
                 "'description'?", id="source-key"),
    pytest.param(SOURCES, "    date: 2025-08-07\n", "    when: 2025-08-07\n",
                 "sources.cifr_q2_25.when: unknown key 'when'; expected url, publisher, kind, "
                 "description, date", id="source-no-close-match"),
    pytest.param(STAKEHOLDERS, "    role: equity analyst\n", "    rol: equity analyst\n",
                 "recipients[1].rol: unknown key 'rol'; did you mean 'role'?",
                 id="stakeholders"),
    pytest.param("reportgen.yaml", "paper_size: A4", "paper_sise: A4",
                 "paper_sise: unknown key 'paper_sise'; did you mean 'paper_size'?",
                 id="config-top"),
    pytest.param("reportgen.yaml", '  firm_name: ""', '  firm_nam: ""',
                 "theme.firm_nam: unknown key 'firm_nam'; did you mean 'firm_name'?",
                 id="config-theme"),
    pytest.param("reportgen.yaml", "  render_seconds: 300", "  render_second: 300",
                 "limits.render_second: unknown key 'render_second'; did you mean "
                 "'render_seconds'?", id="config-limits"),
    pytest.param("reportgen.yaml", "  sort_by: ai_hpc_share", "  sortby: ai_hpc_share",
                 "sector.sortby: unknown key 'sortby'; did you mean 'sort_by'?",
                 id="config-sector"),
    pytest.param("reportgen.yaml", "  host: localhost", "  hots: localhost",
                 "smtp.hots: unknown key 'hots'; did you mean 'host'?", id="config-smtp"),
])
def test_an_unknown_key_is_an_error_with_did_you_mean(
        project: Path, capsys: pytest.CaptureFixture[str], file: str, old: str, new: str,
        expected: str) -> None:
    path = project / file
    replace_line(path, old, new)
    line = line_of(path, new.splitlines()[0])
    err = fails(project, capsys, "validate")
    shown = str(path) if file == "reportgen.yaml" else file
    place = f"{shown}: " if file == STAKEHOLDERS else f"{shown}:{line}: "  # by path, no line
    assert place + expected in err, err


def test_the_contract_typo_no_longer_drops_the_contracts_silently(project: Path) -> None:
    replace_line(project / COMPANIES, "  contracts:\n  - customer: Fluidstack (Anthropic end",
                 "  contract:\n  - customer: Fluidstack (Anthropic end")
    problems = validate.check(inputs.read_raw(project / "inputs", project))
    assert [(p.file, p.ticker, p.message.split(":")[0]) for p in problems] == [
        (COMPANIES, "HUT", "companies[4].contract")]


# --- case 7: size limits, and the cost just under them -----------------------------------------


def _recipients(size: int) -> str:
    entry = "  - {name: A, address: a@example.com, follows: all}\n"
    return "recipients:\n" + entry * (size // len(entry))


def test_a_50_mb_stakeholders_yaml_is_refused_fast(project: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = project / STAKEHOLDERS
    path.write_text(_recipients(50_000_000))
    started = time.perf_counter()
    with pytest.raises(InputError) as caught:
        stakeholders.load(project / "inputs", ("WULF",), project)
    assert time.perf_counter() - started < 2  # was 181 s and 4.9 GB before any check
    [problem] = caught.value.problems
    assert problem.file == STAKEHOLDERS
    assert f"bytes is more than the {stakeholders.MAX_BYTES:,} reportgen reads" in \
        problem.message
    err = fails(project, capsys, "validate")
    assert f"{STAKEHOLDERS}: " in err and "bytes is more than" in err


@pytest.mark.parametrize("file", [COMPANIES, SOURCES, STAKEHOLDERS, "reportgen.yaml"])
def test_every_yaml_file_has_a_size_limit(project: Path, capsys: pytest.CaptureFixture[str],
                                          file: str) -> None:
    path = project / file
    with path.open("a") as handle:
        handle.write("# padding\n" * (safeyaml.MAX_BYTES // 10 + 1))
    err = fails(project, capsys, "validate")
    assert f"bytes is more than the {safeyaml.MAX_BYTES:,} reportgen reads" in err


@pytest.mark.budget
def test_yaml_just_under_the_limit_costs_seconds(project: Path) -> None:
    """The worst shape measured (the most YAML nodes a byte: empty flow lists) just under
    the limit is read and refused with located problems in a few seconds (2.6 s measured
    through validate, 2 cores); the bound here is loose on purpose for busy machines."""
    path = project / COMPANIES
    head = "companies: ["
    path.write_text(head + "[]," * ((safeyaml.MAX_BYTES - len(head) - 2) // 3) + "]\n")
    assert path.stat().st_size <= safeyaml.MAX_BYTES
    started = time.perf_counter()
    problems = validate.check(inputs.read_raw(project / "inputs", project))
    assert time.perf_counter() - started < 30
    assert problems[0].file == COMPANIES
    assert problems[0].message == "companies[0]: expected a mapping with ticker, name, ..."


@pytest.mark.budget
def test_one_source_giving_many_values_of_a_figure_is_checked_in_linear_time(
        project: Path) -> None:
    """30,000 rows of one figure from one source, values 0.6% apart (so none is a repeat),
    each with a note: every row was compared with every earlier one (4.5e8 comparisons)."""
    with (project / FACTS).open("a") as handle:
        handle.writelines(f"HUT,2026Q1,btc_mined,{1e-80 * 1.006 ** n:.6e},BTC,hut_q1_26,"
                          f"secondary,row {n} of the source's table\n" for n in range(30_000))
    started = time.perf_counter()
    problems = validate.check(inputs.read_raw(project / "inputs", project))
    assert time.perf_counter() - started < 30
    assert problems == []


@pytest.mark.budget
def test_a_file_of_errors_stops_after_the_problem_limit(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    row = "HUT,2026Q1,btc_mined,1000,BTC,hut_q1_26,secondary,\n"
    first = len((project / FACTS).read_text().splitlines()) + 1
    with (project / FACTS).open("a") as handle:
        handle.write(row * 30_000)
    problems = validate.check(inputs.read_raw(project / "inputs", project))
    assert len(problems) == validate.MAX_PROBLEMS + 1
    assert problems[0].message == ("the same figure from the same source appears twice "
                                   f"(first at line {first})")
    assert problems[-1].message.startswith(f"stopped checking here after "
                                           f"{validate.MAX_PROBLEMS:,} problems")
    err = fails(project, capsys, "validate")
    assert f"{validate.MAX_PROBLEMS + 1:,} problems in the inputs:" in err
    assert f"... and {validate.MAX_PROBLEMS + 1 - errors.MAX_SHOWN:,} more" in err


@pytest.mark.budget
def test_a_long_series_is_checked_for_unit_slips_in_n_log_n(project: Path) -> None:
    """30,000 figures of one metric (1,200 quarters from 25 sources): the median of the others
    was re-sorted for each (about 1e10 steps)."""
    ids = sorted(safeyaml.load((project / SOURCES).read_text())["sources"])
    with (project / FACTS).open("a") as handle:
        handle.writelines(f"HUT,{1900 + n % 1200 // 4}Q{n % 4 + 1},btc_mined,{100 + n % 7},BTC,"
                          f"{ids[n // 1200]},secondary,\n" for n in range(30_000))
        handle.write(f"HUT,2199Q4,btc_mined,1000000,BTC,{ids[30]},secondary,\n")
    raw = inputs.read_raw(project / "inputs", project)
    assert validate.check(raw) == []
    started = time.perf_counter()
    warned = validate.warnings(raw)
    assert time.perf_counter() - started < 30
    assert [(p.period, p.metric) for p in warned] == [("2199Q4", "btc_mined")]


def test_a_period_pandas_cannot_read_fails_validate_not_the_build(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with (project / FACTS).open("a") as handle:
        handle.write("HUT,0000Q1,btc_mined,5,BTC,hut_q1_26,secondary,\n")
    line = len((project / FACTS).read_text().splitlines())
    err = fails(project, capsys, "validate")
    assert f"{FACTS}:{line}: HUT 0000Q1 btc_mined: expected a period like 2026Q1" in err
    fails(project, capsys, "build", "--miner", "HUT")


# --- case 8: control characters and bidi overrides are refused at validation -----------------


@pytest.mark.parametrize("character", [
    pytest.param("\x1b[31m", id="ESC"), pytest.param("\x07", id="BEL"),
    pytest.param("\x7f", id="DEL"), pytest.param("\x9b", id="C1-CSI"),
    pytest.param("\u202e", id="bidi-override"), pytest.param("\u2066", id="bidi-isolate"),
])
def test_a_control_character_in_a_source_description_fails_validate(
        project: Path, capsys: pytest.CaptureFixture[str], character: str) -> None:
    sources = project / SOURCES
    replace_line(sources, "    description: Hut 8 2026Q1 figures\n",
                 f'    description: "Hut 8 {character}2026Q1 figures"\n')
    line = line_of(sources, "  hut_q1_26:") + 4
    err = fails(project, capsys, "validate")
    assert f"{SOURCES}:{line}: sources.hut_q1_26.description: contains " in err
    assert f"U+{ord(character[0]):04X}" in err
    err = fails(project, capsys, "build", "--miner", "HUT")  # stops before any rendering
    assert f"{SOURCES}:{line}: sources.hut_q1_26.description" in err


@pytest.mark.parametrize(("file", "old", "new", "expected"), [
    pytest.param(COMPANIES, "  name: Hut 8 Corp.\n", '  name: "Hut 8\\e[2J Corp."\n',
                 "companies[4].name: contains a control character, ESC", id="name"),
    pytest.param(COMPANIES, "  name: Hut 8 Corp.\n", "  name: Hut 8\x1b[2J Corp.\n",
                 "companies[4].name: contains a control character, ESC (U+001B), at column 14",
                 id="raw-in-yaml"),
    pytest.param(FACTS, "hut_q1_26,secondary,machine-written page",
                 "hut_q1_26,secondary,machine\a-written page",
                 "HUT 2026Q1 revenue_total: note: contains a control character, BEL",
                 id="csv-note"),
    pytest.param(FACTS, "71.0,USD_M,hut_q1_26,secondary,machine",
                 "71.0,USD_M,hut_q1\t_26,secondary,machine",
                 "source: contains a control character, tab", id="csv-tab-in-a-code"),
    pytest.param("reportgen.yaml", '  firm_name: ""', '  firm_name: "Example\\e]0;pwned\\a"',
                 "theme.firm_name: contains a control character, ESC", id="config"),
    pytest.param(STAKEHOLDERS, "    role: equity analyst\n", '    role: "equity\\u202e analyst"\n',
                 "recipients[1].role: contains a bidirectional control U+202E", id="recipient"),
])
def test_control_characters_anywhere_are_located(
        project: Path, capsys: pytest.CaptureFixture[str], file: str, old: str, new: str,
        expected: str) -> None:
    path = project / file
    replace_line(path, old, new)
    err = fails(project, capsys, "validate")
    assert expected in err, err
    if file in (COMPANIES, FACTS):
        line = next(n for n, text in enumerate(path.read_text().splitlines(), 1)
                    if new.splitlines()[0] in text)
        assert f"{file}:{line}: " in err


def test_line_breaks_and_tabs_stay_allowed_in_notes_and_descriptions(project: Path) -> None:
    replace_line(project / SOURCES, "    description: Hut 8 2026Q1 figures\n",
                 '    description: "Hut 8 2026Q1 figures,\\n\\tpage 2"\n')
    replace_line(project / COMPANIES, "  notes: Fiscal year ends 30 June.\n",
                 "  notes: |\n    Fiscal year ends 30 June.\n    Second line.\n")
    replace_line(project / FACTS, "hut_q1_26,secondary,machine-written page",
                 'hut_q1_26,secondary,"machine-written page\r\n\tsecond line"')
    assert validate.check(inputs.read_raw(project / "inputs", project)) == []


# --- case 9: hostile companyfacts documents: one located line, never a traceback ---------------


def sec_fixture() -> Path:
    return Path(__file__).parent / "fixtures" / "sec" / "CIK0001640147-snowflake.json"


def _fact(**changes: object) -> dict[str, object]:
    fact: dict[str, object] = {"start": "2025-02-01", "end": "2025-04-30", "val": 1042074000,
                               "accn": "0001640147-25-000110", "fy": 2026, "fp": "Q1",
                               "form": "10-Q", "filed": "2025-05-30"}
    fact.update(changes)
    return {key: value for key, value in fact.items() if value is not None}


def _document(fact: dict[str, object], tag: str = "Revenues",
              name: str = "SNOWFLAKE INC.") -> str:
    return json.dumps({"cik": 1640147, "entityName": name, "facts": {"us-gaap": {
        tag: {"units": {"USD": [fact]}}}}})


HOSTILE = [
    pytest.param('{"cik": 1640147, "entityName": "S", "facts": ' + "[" * 100_000
                 + "]" * 100_000 + "}", "100,001 arrays and objects, more than the",
                 id="nested-1e5"),
    pytest.param('{"cik": 1640147, "entityName": "S",\n"facts": ' + "[" * 5_000
                 + "]" * 5_000 + "}", ":2: not a companyfacts document: nested too deep",
                 id="nested-5000"),
    pytest.param(_document(_fact(val=0)).replace('"val": 0', '"val": ' + "9" * 5000),
                 "an integer of 5,000 digits", id="integer-5000-digits"),
    pytest.param(_document(_fact(val=0)).replace('"val": 0', '"val": 1e400'),
                 "1e400' is out of range", id="1e400-val"),
    pytest.param(_document(_fact()).replace('"cik": 1640147', '"cik": 1e400'),
                 "1e400' is out of range", id="1e400-cik"),
    pytest.param(_document(_fact()).replace('"cik": 1640147', '"cik": NaN'),
                 "NaN is not a number", id="nan-cik"),
    pytest.param(_document(_fact(start=None, end="9999-12-31"),
                           tag="CashAndCashEquivalentsAtCarryingValue"),
                 "between 1900 and 2199", id="year-9999"),
    pytest.param(_document(_fact(start=None, end="0001-01-15"),
                           tag="CashAndCashEquivalentsAtCarryingValue"),
                 "between 1900 and 2199", id="year-0001"),
    pytest.param(_document(_fact(start="9999-10-01", end="9999-12-31")),
                 "between 1900 and 2199", id="quarter-9999"),
    pytest.param(_document(_fact(accn="0001640147-25-000110\nx: injected")),
                 "expected an accession number", id="newline-in-accn"),
    pytest.param(_document(_fact(form="10-Q\n    url: javascript:alert(1)")),
                 "expected a form type", id="newline-in-form"),
    pytest.param(_document(_fact(), name="\x1b]0;owned\x07\x1b[2JSNOWFLAKE"),
                 "entityName: contains a control character, ESC", id="ansi-in-entity-name"),
    pytest.param(_document(_fact(val=1e300)), "expected a number in val", id="huge-val"),
]


@pytest.mark.parametrize(("text", "expected"), HOSTILE)
def test_a_hostile_companyfacts_document_is_one_located_line(
        project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str,
        expected: str) -> None:
    with (project / COMPANIES).open("a") as handle:
        handle.write(SNOW_ENTRY)
    before = {name: (project / "inputs" / name).read_bytes() for name in inputs.INPUT_FILES}
    path = tmp_path / "hostile.json"
    path.write_text(text)
    err = fails(project, capsys, "import-sec", str(path), "--ticker", "SNOW", "--write")
    assert err.startswith(f"reportgen: 1 problem in the SEC document:\n  {path}"), err
    assert expected in err, err
    assert len(err.splitlines()) == 2, err
    assert before == {name: (project / "inputs" / name).read_bytes()
                      for name in inputs.INPUT_FILES}


def test_the_line_of_a_refused_number_is_named(tmp_path: Path) -> None:
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(json.loads(_document(_fact())), indent=1).replace(
        '"val": 1042074000', '"val": 1e400'))
    with pytest.raises(InputError) as caught:
        read_document(path)
    [problem] = caught.value.problems
    assert problem.line == line_of(path, '       "val": 1e400,')


def test_a_companyfacts_document_over_the_limit_is_refused_unparsed(
        project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with (project / COMPANIES).open("a") as handle:
        handle.write(SNOW_ENTRY)
    path = tmp_path / "big.json"
    document = sec_fixture().read_bytes()
    path.write_bytes(document[:1] + b" " * MAX_JSON_BYTES + document[1:])  # valid JSON
    started = time.perf_counter()
    err = fails(project, capsys, "import-sec", str(path), "--ticker", "SNOW")
    assert time.perf_counter() - started < 5
    assert f"bytes is more than the {MAX_JSON_BYTES:,} reportgen reads" in err


def test_a_document_of_nothing_but_containers_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "lists.json"
    path.write_text('{"cik": 1, "entityName": "X", "facts": [' + "[]," * MAX_CONTAINERS
                    + "[]]}")
    with pytest.raises(InputError, match=f"arrays and objects, more than the "
                                         f"{MAX_CONTAINERS:,}"):
        read_document(path)


@pytest.mark.budget
def test_many_year_to_date_windows_are_worked_out_in_linear_time(tmp_path: Path) -> None:
    """20,000 windows sharing one start date: the quarter derivation paired every two
    (4e8 pairs) before; now it looks up the few end dates that leave a quarter."""
    start = date(1950, 1, 1)
    facts = [_fact(start=start.isoformat(), end=(start + timedelta(days=n)).isoformat(),
                   val=n) for n in range(100, 20_100)]
    path = tmp_path / "windows.json"
    path.write_text(json.dumps({"cik": 1640147, "entityName": "X", "facts": {"us-gaap": {
        "Revenues": {"units": {"USD": facts}}}}}))
    tag_map = load_tag_map()
    started = time.perf_counter()
    extraction = extract(read_document(path, tag_map.tags()), tag_map)
    assert time.perf_counter() - started < 30
    assert extraction.figures


@pytest.fixture
def local_sec() -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(MAX_JSON_BYTES + 1))
            self.end_headers()
            with contextlib.suppress(OSError):  # the client stops reading, as it should
                self.wfile.write(b" " * (MAX_JSON_BYTES + 1))

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/CIK0001640147.json"
    finally:
        server.shutdown()
        server.server_close()


def test_a_download_over_the_limit_is_refused_and_nothing_saved(local_sec: str,
                                                                tmp_path: Path) -> None:
    saved = tmp_path / "snow.json"
    with pytest.raises(ReportgenError, match=f"more than the {MAX_JSON_BYTES:,} reportgen"):
        fetch(1640147, saved, "Jane Analyst jane@example.com", url=local_sec)
    assert not saved.exists()


# --- case 9: a Latin-1 stakeholders.yaml ----------------------------------------------------------


def test_a_latin1_stakeholders_yaml_is_a_located_message(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = project / STAKEHOLDERS
    text = path.read_text().replace("name: Mining analyst", "name: Analyste minière")
    path.write_bytes(text.encode("latin-1"))
    line = text.splitlines().index("  - name: Analyste minière") + 1
    with pytest.raises(InputError) as caught:
        stakeholders.load(project / "inputs", ("WULF", "CIFR", "IREN"), project)
    [problem] = caught.value.problems
    assert (problem.file, problem.line) == (STAKEHOLDERS, line)
    assert "expected UTF-8 text" in problem.message
    err = fails(project, capsys, "validate")
    assert f"{STAKEHOLDERS}:{line}: expected UTF-8 text" in err
