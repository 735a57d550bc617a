"""Hostile inputs: markup, formulas, YAML bombs, huge files, odd numbers, fuzzed CSV and YAML.

Each test asserts either a clear, located error (an ``InputError``/``ReportgenError``, or exit
code 1 with the file named on stderr) or safe output, and that ``outputs/`` is never created,
lost or half-written. Builds are of HUT (the smallest miner) or one other miner only.

Bugs these tests found are fixed; the tests near the end of the file keep them fixed, and the
property-based tests generate those shapes too.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import markupsafe
import openpyxl
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from reportgen import cli, inputs, render, safeyaml, validate
from reportgen.errors import InputError, Problem
from reportgen.inputs import FACT_COLUMNS
from reportgen.vocabulary import METRICS, STATUSES
from tests.conftest import EPOCH, ROOT, copy_project, pdf_text, replace_line

FACTS = "inputs/facts.csv"
COMPANIES = "inputs/companies.yaml"
SOURCES = "inputs/sources.yaml"
MARKET = "inputs/market.csv"
PRICES = "inputs/prices.csv"
TICKERS = ("WULF", "CORZ", "IREN", "CIFR", "HUT")

# Sample lines the tests change (checked against the file before each change).
HUT_REVENUE = (151, "HUT,2026Q1,revenue_total,71.0,USD_M,hut_q1_26,secondary,machine-written page")
HUT_NET_INCOME_2025 = (155, "HUT,2025Q1,net_income,-134.3,USD_M,hut_q1_25,secondary,")
WULF_REVENUE_2025Q1 = (45, "WULF,2025Q1,revenue_total,34.4,USD_M,wulf_q1_25,secondary,")
HUT_NAME = "  name: Hut 8 Corp.\n"
HUT_NOTES = ("  notes: Its River Bend LA contract is with Fluidstack, with Anthropic as end user "
             "and a Google backstop. Hut 8 reports revenue by segment (Power, Digital "
             "Infrastructure, Compute); these briefings count Compute as mining and the other two "
             "as other, since none is reported as AI/HPC revenue.\n")
HUT_REVENUE_LINES = ("  revenue_lines:\n"
                     "    revenue_compute: {business: mining, label: Compute}\n"
                     "    revenue_power: {business: other, label: Power}\n"
                     "    revenue_digital_infrastructure: {business: other, label: Digital "
                     "Infrastructure}\n")
HUT_SOURCE_DESCRIPTION = "    description: Hut 8 2026Q1 figures\n"

SCRIPT = "<script>alert(1)</script>"
IMAGE = "<img src=file:///etc/passwd>"
JAVASCRIPT = "javascript:alert(1)"
STYLE = "</style><style>body{background:url(file:///etc/passwd)}</style>"
MARKUP = f"{SCRIPT} {IMAGE} {JAVASCRIPT} {STYLE}"


# --- helpers -------------------------------------------------------------------------------


def run(project: Path, *args: str) -> int:
    return cli.main(["--config", str(project / "reportgen.yaml"), *args])


def set_line(project: Path, row: tuple[int, str], new: str) -> None:
    """Replace a whole facts.csv row, after checking it sits on the line the test expects."""
    line, old = row
    path = project / "inputs" / "facts.csv"
    assert path.read_text().splitlines()[line - 1] == old, f"sample line {line} changed"
    replace_line(path, old + "\n", new + "\n")


def snapshot(outputs: Path) -> dict[str, bytes]:
    """Every file under outputs/ (hidden ones too) with its bytes."""
    if not outputs.exists():
        return {}
    return {str(p.relative_to(outputs)): p.read_bytes() for p in sorted(outputs.rglob("*"))
            if p.is_file()}


def assert_no_temp_files(outputs: Path) -> None:
    leftovers = [p.name for p in outputs.rglob(".*.tmp")] if outputs.exists() else []
    assert not leftovers, f"temporary files left behind: {leftovers}"


def read_raw(project: Path) -> inputs.RawInputs:
    return inputs.read_raw(project / "inputs", project)


def raised_problems(project: Path) -> tuple[Problem, ...]:
    with pytest.raises(InputError) as caught:
        read_raw(project)
    return caught.value.problems


def check(project: Path) -> list[Problem]:
    return validate.check(read_raw(project))


def only_problem(problems: list[Problem] | tuple[Problem, ...]) -> Problem:
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def validate_fails_naming(project: Path, capsys: pytest.CaptureFixture[str],
                          *expected: str) -> str:
    """``reportgen validate`` exits 1, stderr names every expected text, no traceback."""
    assert run(project, "validate") == 1
    err = capsys.readouterr().err
    for text in expected:
        assert text in err, (text, err)
    assert "Traceback" not in err
    assert not (project / "outputs").exists()
    return err


@pytest.fixture
def epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fixed build time, so a rebuild of unchanged content gives the same bytes."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


@pytest.fixture(scope="module")
def built_hut(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project copy with HUT and the sector overview built (PDF and HTML), once per module."""
    root = copy_project(tmp_path_factory.mktemp("built-hut"))
    monkey = pytest.MonkeyPatch()
    monkey.setenv("SOURCE_DATE_EPOCH", EPOCH)
    try:
        assert run(root, "build", "--miner", "HUT") == 0
    finally:
        monkey.undo()
    return root


@pytest.fixture
def rebuilt(built_hut: Path, tmp_path: Path, epoch: None) -> Iterator[Path]:
    """A private copy of the built project, to change and rebuild."""
    copy = tmp_path / "built"
    shutil.copytree(built_hut, copy)
    yield copy


# --- 1. markup in data ---------------------------------------------------------------------


def test_markup_in_data_is_escaped_in_html_and_literal_in_pdf(project: Path) -> None:
    companies = project / "inputs" / "companies.yaml"
    replace_line(companies, HUT_NAME, f"  name: 'Hut 8 {MARKUP}'\n")
    replace_line(companies, HUT_NOTES, f"  notes: 'CNOTE {MARKUP}'\n")
    set_line(project, HUT_REVENUE, HUT_REVENUE[1].replace("machine-written page",
                                                          f"FNOTE {MARKUP}"))
    sources = project / "inputs" / "sources.yaml"
    replace_line(sources, HUT_SOURCE_DESCRIPTION, f"    description: 'SDESC {MARKUP}'\n")
    hostile_url = 'https://example.com/"><script>alert(2)</script>'
    replace_line(sources, "url: https://www.stocktitan.net/sec-filings/HUT/10-q-hut-8-corp-"
                          "quarterly-earnings-report-dbcfba973171.html",
                 f"url: '{hostile_url}'")
    assert run(project, "build", "--miner", "HUT") == 0
    out = project / "outputs" / "2026Q1"
    assert_no_temp_files(project / "outputs")

    html = (out / "HUT.html").read_text()
    for marker in ("Hut 8", "CNOTE", "FNOTE", "SDESC"):
        assert str(markupsafe.escape(f"{marker} {MARKUP}")) in html, marker
    assert str(markupsafe.escape(hostile_url)) in html
    for name in ("HUT.html", "sector.html"):
        page = (out / name).read_text()
        assert "<script" not in page.lower(), name
        assert "<img src=file" not in page and 'src="file:' not in page, name
        assert 'href="javascript:' not in page.lower(), name
        assert page.count("</style>") == 1 and page.count("<style") == 1, name
        style = page[page.index("<style"):page.index("</style>")]
        assert "passwd" not in style and "alert" not in style, name
    assert str(markupsafe.escape(f"SDESC {MARKUP}")) in (out / "sector.html").read_text()

    text = "".join(pdf_text(out / "HUT.pdf").split())
    for marker in ("Hut8", "CNOTE", "FNOTE", "SDESC"):
        assert marker + "".join(MARKUP.split()) in text, marker


def test_a_javascript_source_url_is_refused_with_the_file_named(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    replace_line(project / "inputs" / "sources.yaml",
                 "url: https://www.stocktitan.net/sec-filings/HUT/10-q-hut-8-corp-quarterly-"
                 "earnings-report-dbcfba973171.html", f"url: {JAVASCRIPT}")
    assert run(project, "build", "--miner", "HUT") == 1
    err = capsys.readouterr().err
    line = (project / SOURCES).read_text().splitlines().index(f"    url: {JAVASCRIPT}") + 1
    assert f"{SOURCES}:{line}: sources.hut_q1_26.url: expected an http(s) URL, got " \
           "'javascript:alert(1)'" \
        in err
    assert not (project / "outputs").exists()
    validate_fails_naming(project, capsys, SOURCES, "hut_q1_26.url")


# --- 2. templates that reach outside the project -------------------------------------------


def _override_kpis(project: Path, content: str) -> None:
    custom = project / "my_templates" / "partials"
    custom.mkdir(parents=True, exist_ok=True)
    (custom / "kpis.html").write_text(content)
    replace_line(project / "reportgen.yaml", "theme:\n", "theme:\n  templates: my_templates\n")


@pytest.mark.parametrize(
    ("markup", "named"),
    [
        pytest.param('<img src="file:///etc/passwd" alt="x">', "file:///etc/passwd", id="file"),
        pytest.param('<div style="background: url(https://example.com/a.png)">x</div>',
                     "https://example.com/a.png", id="css-network"),
        pytest.param('<img src="https://example.com/x.png" alt="x">',
                     "https://example.com/x.png", id="img-network"),
    ],
)
def test_a_template_reference_outside_the_project_stops_the_build(
        rebuilt: Path, capsys: pytest.CaptureFixture[str], markup: str, named: str) -> None:
    outputs = rebuilt / "outputs"
    before = snapshot(outputs)
    _override_kpis(rebuilt, f'<div class="kpis">{markup}</div>\n')
    capsys.readouterr()
    assert run(rebuilt, "build", "--miner", "HUT") == 1
    err = capsys.readouterr().err
    assert "refused" in err and named in err, err
    assert "Traceback" not in err
    assert snapshot(outputs) == before
    assert_no_temp_files(outputs)


def test_a_huge_image_in_a_user_template_is_refused_naming_its_size(
        rebuilt: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outputs = rebuilt / "outputs"
    before = snapshot(outputs)
    size = 11_000_000
    big = rebuilt / "my_templates" / "big.png"
    big.parent.mkdir()
    with big.open("wb") as handle:
        handle.write(b"\x89PNG\r\n\x1a\n")
        handle.truncate(size)  # sparse: no 11 MB written to disk
    assert size > render.MAX_RESOURCE_BYTES
    _override_kpis(rebuilt, f'<div class="kpis"><img src="{big.as_uri()}" alt="big"></div>\n')
    capsys.readouterr()
    assert run(rebuilt, "build", "--miner", "HUT") == 1
    err = capsys.readouterr().err
    assert "refused" in err and "big.png" in err, err
    assert f"{size:,} bytes" in err and f"{render.MAX_RESOURCE_BYTES:,}" in err
    assert snapshot(outputs) == before
    assert_no_temp_files(outputs)


# --- 3. YAML -------------------------------------------------------------------------------


def _billion_laughs() -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 9)]
    return "\n".join(lines) + "\ncompanies: *a8\n"


def _nested(levels: int) -> str:
    return "[" * levels + "]" * levels


def _hostile_companies(kind: str, text: str, marker: Path) -> tuple[str, str, int | None]:
    """(new companies.yaml, text the problem must contain, its line or None)."""
    if kind == "python-tag":
        hostile = f'  notes: !!python/object/apply:os.system ["touch {marker}"]\n'
        new = text.replace(HUT_NOTES, hostile)
        return new, "python/object/apply:os.system", new.splitlines().index(
            hostile.rstrip("\n")) + 1
    if kind == "billion-laughs":
        return _billion_laughs(), "anchors and aliases", 2
    if kind == "nested-100":
        hostile = f"  notes: {_nested(100)}\n"
        new = text.replace(HUT_NOTES, hostile)
        return new, f"nested more than {safeyaml.MAX_DEPTH} levels deep", new.splitlines(
            ).index(hostile.rstrip("\n")) + 1
    padding = "# " + "x" * 98 + "\n"
    copies = 25_000_000 // len(padding) + 1
    return (text + padding * copies,
            f"bytes is more than the {safeyaml.MAX_BYTES:,} reportgen reads", None)


@pytest.mark.parametrize("kind", ["python-tag", "billion-laughs", "nested-100", "25-mb"])
def test_hostile_companies_yaml_is_a_located_input_error(
        project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str) -> None:
    path = project / "inputs" / "companies.yaml"
    marker = tmp_path / "ran"
    new, expected, line = _hostile_companies(kind, path.read_text(), marker)
    path.write_text(new)
    started = time.perf_counter()
    problem = only_problem(raised_problems(project))
    assert time.perf_counter() - started < 5
    assert problem.file == COMPANIES
    assert expected in problem.message
    assert problem.line == line
    assert str(problem).startswith(f"{COMPANIES}:{line}: " if line else f"{COMPANIES}: ")
    validate_fails_naming(project, capsys, COMPANIES, expected)
    assert not marker.exists(), "a YAML tag ran a command"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param("theme:\n", "theme: &theme\n", "anchors and aliases", id="alias"),
        pytest.param("paper_size: A4", "paper_size: !!python/object/apply:os.getcwd []",
                     "python/object/apply:os.getcwd", id="python-tag"),
        pytest.param("paper_size: A4", f"paper_size: {_nested(100)}", "nested more than",
                     id="nested-100"),
    ],
)
def test_hostile_config_yaml_is_a_clear_error(project: Path, capsys: pytest.CaptureFixture[str],
                                              old: str, new: str, expected: str) -> None:
    config = project / "reportgen.yaml"
    replace_line(config, old, new)
    if expected.startswith("anchors"):
        config.write_text(config.read_text() + "ledger: *theme\n")
    for command in ("validate", "build"):
        assert run(project, command) == 1
        err = capsys.readouterr().err
        assert str(config) in err and expected in err, err
        assert "Traceback" not in err
    assert not (project / "outputs").exists()


# --- 4. CSV --------------------------------------------------------------------------------


def _facts_with(project: Path, line: str, count: int) -> None:
    header = ",".join(FACT_COLUMNS) + "\n"
    (project / "inputs" / "facts.csv").write_text(header + (line + "\n") * count)


@pytest.mark.parametrize(
    ("line", "count", "expected", "at"),
    [
        pytest.param(HUT_REVENUE[1], 1_000_000,
                     f"bytes is more than the {inputs.MAX_FILE_BYTES:,}", None,
                     id="million-rows-over-the-size-limit"),
        pytest.param(HUT_REVENUE[1], 120_000, f"more than {inputs.MAX_ROWS:,} rows",
                     inputs.MAX_ROWS + 2, id="row-limit-under-the-size-limit"),
        pytest.param("HUT,2026Q1", 900_000, f"more than {inputs.MAX_ROWS:,} rows",
                     inputs.MAX_ROWS + 2, id="many-short-rows"),
    ],
)
def test_a_huge_facts_csv_is_refused_fast(project: Path, capsys: pytest.CaptureFixture[str],
                                          line: str, count: int, expected: str,
                                          at: int | None) -> None:
    _facts_with(project, line, count)
    started = time.perf_counter()
    problem = only_problem(raised_problems(project))
    assert time.perf_counter() - started < 10
    assert (problem.file, problem.line) == (FACTS, at)
    assert expected in problem.message
    started = time.perf_counter()
    validate_fails_naming(project, capsys, FACTS, expected)
    assert time.perf_counter() - started < 10


def test_a_nul_byte_is_refused_naming_its_line(project: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    set_line(project, HUT_REVENUE, HUT_REVENUE[1].replace("machine-written", "machine\0written"))
    problem = only_problem(raised_problems(project))
    assert (problem.file, problem.line) == (FACTS, HUT_REVENUE[0])
    assert "NUL byte" in problem.message
    validate_fails_naming(project, capsys, f"{FACTS}:{HUT_REVENUE[0]}: ", "NUL byte")


def test_a_latin1_byte_in_utf8_is_refused_naming_its_offset(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = project / "inputs" / "facts.csv"
    data = path.read_bytes()
    old = HUT_REVENUE[1].encode()
    assert old in data
    data = data.replace(old, old.replace(b"machine-written page", "café ≈ page".encode()
                                         .replace("é".encode(), "é".encode("latin-1"))))
    path.write_bytes(data)
    offset = data.index(b"caf\xe9") + 3
    problem = only_problem(raised_problems(project))
    assert problem.file == FACTS
    assert "expected UTF-8" in problem.message and f"at byte {offset}" in problem.message
    validate_fails_naming(project, capsys, FACTS, "expected UTF-8")


FORMULA_NAME = '=HYPERLINK("http://evil.example","x")'
FORMULA_NOTE = "+cmd|' /C calc'!A0"
FORMULA_DESCRIPTION = "@SUM(1+9)*cmd|' /C calc'!A0"
FORMULA_SOURCE_ID = "-2+3+cmd|' /C calc'!A0"
FORMULA_STARTS = ("=", "+", "-", "@")


def _assert_no_live_formula(rows: list[list[str]], where: str) -> None:
    for row in rows:
        for cell in row:
            if cell.startswith(FORMULA_STARTS):
                assert inputs.parse_number(cell) is not None, (where, cell)


def test_formulas_in_data_are_neutralised_in_csv_and_xlsx(project: Path) -> None:
    companies = project / "inputs" / "companies.yaml"
    replace_line(companies, HUT_NAME, f"  name: '{FORMULA_NAME}'\n")
    set_line(project, HUT_REVENUE, HUT_REVENUE[1].replace("machine-written page", FORMULA_NOTE))
    sources = project / "inputs" / "sources.yaml"
    replace_line(sources, HUT_SOURCE_DESCRIPTION, f'    description: "{FORMULA_DESCRIPTION}"\n')
    replace_line(sources, "  hut_q1_26:\n", f'  "{FORMULA_SOURCE_ID}":\n')
    facts = project / "inputs" / "facts.csv"
    facts.write_text(facts.read_text().replace(",hut_q1_26,", f",{FORMULA_SOURCE_ID},"))
    assert run(project, "build", "--miner", "HUT") == 0
    out = project / "outputs" / "2026Q1"
    assert_no_temp_files(project / "outputs")

    book = openpyxl.load_workbook(out / "sector.xlsx")
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "a formula in sector.xlsx"
    texts = {c.value: c for c in cells if isinstance(c.value, str)}
    for hostile in (FORMULA_NAME, FORMULA_DESCRIPTION, FORMULA_SOURCE_ID):
        cell = texts.get("'" + hostile)
        assert cell is not None and cell.data_type == "s", hostile
    assert not [v for v in texts if v.startswith(FORMULA_STARTS)]

    embedded = PdfReader(out / "HUT.pdf").attachments
    tables = {name: (out / name).read_text() for name in ("sector-metrics.csv",
                                                          "HUT-metrics.csv")}
    tables["HUT-facts.csv (in HUT.pdf)"] = embedded["HUT-facts.csv"][0].decode()
    for name, text in tables.items():
        rows = list(csv.reader(io.StringIO(text)))
        _assert_no_live_formula(rows, name)
        assert any("'" + FORMULA_SOURCE_ID in row for row in rows), name
    assert "'" + FORMULA_NOTE in tables["HUT-facts.csv (in HUT.pdf)"]


# --- 5. numbers ----------------------------------------------------------------------------

# Impossible numbers (NaN, infinities, 1e400, negatives), non-ASCII digits and a period in
# fullwidth digits in facts.csv are rows of the table in tests/test_validate_rows.py; a
# negative or infinite contract MW and a contract source that is a list are rows of the table
# in tests/test_validate_yaml_files.py.

def test_a_revenue_in_the_wrong_unit_builds_with_a_located_warning(
        project: Path, caplog: pytest.LogCaptureFixture,
        capsys: pytest.CaptureFixture[str]) -> None:
    set_line(project, WULF_REVENUE_2025Q1, WULF_REVENUE_2025Q1[1].replace(",34.4,", ",34400,"))
    assert run(project, "build", "--miner", "WULF") == 0
    assert_no_temp_files(project / "outputs")
    warned = [r.getMessage() for r in caplog.records
              if r.name == "reportgen.build" and r.levelname == "WARNING"]
    assert len(warned) == 1, warned
    assert warned[0].startswith(f"{FACTS}:{WULF_REVENUE_2025Q1[0]}: WULF 2025Q1 revenue_total: ")
    assert "34400" in warned[0] and "wrong unit" in warned[0]
    caplog.clear()
    assert run(project, "validate") == 0
    assert "inputs OK" in capsys.readouterr().out
    assert any(f"{FACTS}:{WULF_REVENUE_2025Q1[0]}:" in r.getMessage() for r in caplog.records
               if r.name == "reportgen.build")


# --- 6. property-based: fuzzed facts.csv and companies.yaml --------------------------------

SOURCE_IDS = sorted(yaml.safe_load((ROOT / "inputs" / "sources.yaml").read_text())["sources"])
UNITS = sorted({spec.unit for spec in METRICS.values()})
FILE_LEVEL = ("expected UTF-8", "bytes is more than", "cannot read")
FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])

words = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\0"), max_size=12)
tricky = st.text(st.sampled_from(list('ab1 ,;"\'\n\r\t=+-@.Q')), max_size=16)
cells = {
    "ticker": st.sampled_from(TICKERS) | words,
    "period": st.sampled_from(("2026Q1", "2025Q4", "2025Q3", "2025H1", "FY2025", "2026Q5",
                               "2026-03", " 2026Q1 ")) | words,
    "metric": st.sampled_from(sorted(METRICS)) | st.sampled_from(("revenue_colocation",
                                                                  "revenue_x")) | words,
    "value": st.floats().map(str) | st.integers().map(str) | words | st.just("")
    | st.sampled_from(("nan", "-inf", "1e400", "1e12", "-0", ".5", "1,000", "1_000", " 12 ")),
    "unit": st.sampled_from(UNITS) | words,
    "source": st.lists(st.sampled_from(SOURCE_IDS), min_size=1, max_size=3).map(";".join)
    | words,
    "status": st.sampled_from(STATUSES) | words,
    "note": tricky | words,
}
fact_row = st.fixed_dictionaries(cells).map(lambda row: [row[c] for c in FACT_COLUMNS])
valid_row = st.builds(
    lambda ticker, period, metric, value, source, status, note: [
        ticker, period, metric[0], value, metric[1].unit, source, status, note],
    st.sampled_from(TICKERS), st.sampled_from(("2026Q1", "2025Q4", "2025Q3", "2025H1", "FY2025")),
    st.sampled_from(sorted(METRICS.items())),
    st.floats(0, 1000).map(lambda v: f"{v:.3f}") | st.integers(0, 10**6).map(str),
    st.sampled_from(SOURCE_IDS), st.sampled_from(STATUSES), tricky)
loose_row = st.lists(tricky | words, max_size=11)
facts_header = st.just(list(FACT_COLUMNS)) | st.lists(words, max_size=9)


@st.composite
def facts_documents(draw: st.DrawFn) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator=draw(st.sampled_from(("\n", "\r\n"))))
    writer.writerow(draw(facts_header))
    rows = valid_row | fact_row | loose_row | (tricky | words).map(lambda t: [t])
    for row in draw(st.lists(valid_row, max_size=6)) + draw(st.lists(rows, max_size=6)):
        writer.writerow(row)
    text = buffer.getvalue()
    if draw(st.booleans()):
        text += draw(tricky)  # an unfinished last line, maybe an unclosed quote
    if draw(st.integers(0, 9)) == 0:  # now and then a NUL byte somewhere
        at = draw(st.integers(0, len(text)))
        text = text[:at] + "\0" + text[at:]
    return text


def assert_located(problems: list[Problem] | tuple[Problem, ...], facts_text: str) -> None:
    physical_lines = len(re.split(r"\r\n|\r|\n", facts_text))
    for problem in problems:
        assert isinstance(problem, Problem)
        assert problem.file in (FACTS, COMPANIES, SOURCES, MARKET, PRICES), problem
        assert problem.message, problem
        if problem.file == FACTS and not problem.message.startswith(FILE_LEVEL):
            assert problem.line is not None and 1 <= problem.line <= physical_lines + 1, (
                str(problem), physical_lines)


def load_or_refuse(project: Path, facts_text: str) -> None:
    """read_raw → check → to_dataset (and the warnings a build logs): a located InputError
    or success, never any other exception."""
    try:
        raw = read_raw(project)
    except InputError as error:
        assert error.problems
        assert_located(error.problems, facts_text)
        return
    problems = validate.check(raw)
    assert_located(problems, facts_text)
    if not problems:
        assert_located(validate.warnings(raw), facts_text)
        inputs.to_dataset(raw)


@FUZZ
@given(text=facts_documents())
def test_fuzzed_facts_csv_is_loaded_or_refused_with_located_problems(project: Path,
                                                                    text: str) -> None:
    (project / "inputs" / "facts.csv").write_text(text, encoding="utf-8", newline="")
    load_or_refuse(project, text)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | words,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(words, children, max_size=4),
    max_leaves=20)
scalars = st.none() | st.booleans() | st.integers() | st.floats() | words
contract = st.fixed_dictionaries({}, optional={
    "customer": words | json_values,
    "source": st.sampled_from(SOURCE_IDS) | json_values,
    "status": st.sampled_from(STATUSES) | json_values,
    "mw": st.floats(min_value=-10, max_value=1e6) | st.integers() | json_values,
    "term_years": st.integers(-1, 30) | json_values,
    "value_usd_m": st.floats(min_value=-1, max_value=1e5) | json_values,
    "site": words | json_values,
    "note": words | json_values,
})
company = st.fixed_dictionaries({}, optional={
    "ticker": st.sampled_from(TICKERS) | json_values,
    "name": words | json_values,
    "cik": st.integers() | json_values,
    "fiscal_year_end_month": st.integers(0, 13) | json_values,
    "revenue_lines": json_values | st.dictionaries(
        st.sampled_from(("revenue_colocation", "revenue_total", "revenue_mining")) | words,
        st.sampled_from(("mining", "ai_hpc", "other")) | json_values, max_size=3),
    "contracts": st.lists(contract, max_size=3) | scalars,
    "notes": json_values,
})
valid_contract = st.fixed_dictionaries({
    "customer": words.filter(str.strip), "source": st.sampled_from(SOURCE_IDS),
    "status": st.sampled_from(STATUSES)}, optional={
    "mw": st.none() | st.floats(0, 1e4), "term_years": st.none() | st.integers(0, 30),
    "value_usd_m": st.none() | st.floats(0, 1e5), "site": words, "note": words})
valid_company = st.fixed_dictionaries({
    "ticker": st.sampled_from(TICKERS), "name": words.filter(str.strip)}, optional={
    "cik": st.none() | st.integers(1, 10**10), "fiscal_year_end_month": st.integers(1, 12),
    "revenue_lines": st.dictionaries(st.sampled_from(("revenue_colocation", "revenue_hosting")),
                                     st.sampled_from(("mining", "ai_hpc", "other"))),
    "contracts": st.lists(valid_contract, max_size=2), "notes": words})
companies_documents = (
    st.fixed_dictionaries({"companies": st.lists(valid_company | company, max_size=4)})
    | st.fixed_dictionaries({"companies": st.lists(json_values, max_size=3)})
    | json_values
)


@FUZZ
@given(document=companies_documents)
def test_fuzzed_companies_yaml_is_loaded_or_refused_with_located_problems(
        project: Path, document: object) -> None:
    header = ",".join(FACT_COLUMNS) + "\n"
    (project / "inputs" / "facts.csv").write_text(header)
    (project / "inputs" / "companies.yaml").write_text(yaml.safe_dump(document))
    load_or_refuse(project, header)


# --- bugs these tests found, fixed -----------------------------------------------------------


@pytest.mark.parametrize("value", ["[revenue_colocation]", "revenue_colocation", "[1, 2]"])
def test_revenue_lines_that_is_not_a_mapping_is_a_located_problem(
        project: Path, capsys: pytest.CaptureFixture[str], value: str) -> None:
    replace_line(project / "inputs" / "companies.yaml", HUT_REVENUE_LINES,
                 f"  revenue_lines: {value}\n")
    validate_fails_naming(project, capsys, COMPANIES, "revenue_lines: expected a mapping")


def test_a_failed_render_at_a_later_time_leaves_earlier_outputs_unchanged(
        rebuilt: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    outputs = rebuilt / "outputs"
    before = snapshot(outputs)
    _override_kpis(rebuilt, '<div class="kpis"><img src="file:///etc/passwd" alt="x"></div>\n')
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(EPOCH) + 86_400))  # the next day
    capsys.readouterr()
    assert run(rebuilt, "build", "--miner", "HUT") == 1
    assert "refused" in capsys.readouterr().err
    assert_no_temp_files(outputs)
    folder = outputs / "2026Q1"
    manifest = json.loads((folder / "manifest.json").read_text())
    out_of_step = [entry["path"] for entry in manifest["files"] if hashlib.sha256(
        (folder / entry["path"]).read_bytes()).hexdigest() != entry["sha256"]]
    assert not out_of_step, f"manifest.json no longer matches {out_of_step}"
    assert snapshot(outputs) == before


def test_a_multi_line_row_is_located_at_its_first_line(project: Path) -> None:
    line, old = HUT_NET_INCOME_2025
    set_line(project, HUT_NET_INCOME_2025, old + '"first\nsecond\nthird"\n' + old)
    problem = only_problem(check(project))
    assert problem.line == line + 3
    assert f"(first at line {line})" in problem.message
