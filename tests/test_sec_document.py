"""Reading a companyfacts document strictly (reportgen/sec/document.py): a bad or hostile
document is one located problem in the document (never "in the inputs"), nothing is written,
and a document too large or too deeply nested is refused before it is parsed."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from reportgen import inputs
from reportgen.errors import InputError, SecDocumentError
from reportgen.sec.document import ARCHIVES_URL, MAX_CONTAINERS, MAX_JSON_BYTES, read_document
from tests.conftest import fails
from tests.sec_samples import (
    SNOW_ENTRY,
    SNOW_JSON,
    document_text,
    run,
    snapshot,
    snow_fact,
)

COMPANIES = "inputs/companies.yaml"


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_a_fact_carries_its_filing_and_value_as_reported(tmp_path: Path) -> None:
    path = tmp_path / "doc.json"
    path.write_text(document_text(snow_fact()))
    document = read_document(path)
    assert (document.cik, document.entity_name) == (1640147, "SNOWFLAKE INC.")
    [fact] = document.facts[("us-gaap", "Revenues", "USD")]
    assert (fact.start.isoformat(), fact.end.isoformat(), fact.value) == (
        "2025-02-01", "2025-04-30", 1042074000)
    assert fact.filing.accession == "0001640147-25-000110"
    assert fact.filing.source_id == "sec_1640147_000164014725000110"
    assert fact.filing.url == ARCHIVES_URL.format(cik=1640147, accession="000164014725000110")


def test_only_the_tags_asked_for_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "doc.json"
    path.write_text(document_text(snow_fact()))
    assert read_document(path, {("us-gaap", "NetIncomeLoss")}).facts == {}
    assert list(read_document(path, {("us-gaap", "Revenues")}).facts) == [
        ("us-gaap", "Revenues", "USD")]


# --- a bad document ---------------------------------------------------------------------------


def test_a_bad_document_is_a_problem_in_the_document_not_the_inputs(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"cik": 1, "facts": ')
    with pytest.raises(SecDocumentError) as error:
        read_document(path)
    assert str(error.value).startswith("1 problem in the SEC document:")
    assert "in the inputs" not in str(error.value)


# --- bad and hostile documents through import-sec (issue 15, case 9) ------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ('{"cik": 1640147, "facts": {', "not valid JSON"),
    ("[1, 2]", "not an SEC companyfacts document: expected a JSON object"),
    ('{"cik": 1640147, "entityName": "SNOWFLAKE INC."}',
     "not an SEC companyfacts document: missing 'facts'"),
    ('{"cik": 1640147, "entityName": "S", "facts": {"dei": {}}}', "has no us-gaap or ifrs-full"),
    ('{"cik": 1640147, "entityName": "S", "facts": {"us-gaap": {"Revenues": {"units": {"USD": '
     '[{"start": "2025-02-01", "end": "2025-04-30", "val": 1, "form": "10-Q", '
     '"filed": "2025-05-30"}]}}}}}', "facts.us-gaap.Revenues.units.USD[0]: missing accn"),
])
def test_a_bad_document_is_named_and_nothing_is_written(
        miners: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str,
        expected: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    before = snapshot(miners)
    code, _, err = run(miners, capsys, str(path), "--ticker", "SNOW", "--write")
    assert code == 1
    assert f"{path}: " in err or f"{path}:1: " in err
    assert expected in err
    assert snapshot(miners) == before


HOSTILE = [
    pytest.param('{"cik": 1640147, "entityName": "S", "facts": ' + "[" * 100_000
                 + "]" * 100_000 + "}", "100,001 arrays and objects, more than the",
                 id="nested-1e5"),
    pytest.param('{"cik": 1640147, "entityName": "S",\n"facts": ' + "[" * 5_000
                 + "]" * 5_000 + "}", ":2: not a companyfacts document: nested too deep",
                 id="nested-5000"),
    pytest.param(document_text(snow_fact(val=0)).replace('"val": 0', '"val": ' + "9" * 5000),
                 "an integer of 5,000 digits", id="integer-5000-digits"),
    pytest.param(document_text(snow_fact(val=0)).replace('"val": 0', '"val": 1e400'),
                 "1e400' is out of range", id="1e400-val"),
    pytest.param(document_text(snow_fact()).replace('"cik": 1640147', '"cik": 1e400'),
                 "1e400' is out of range", id="1e400-cik"),
    pytest.param(document_text(snow_fact()).replace('"cik": 1640147', '"cik": NaN'),
                 "NaN is not a number", id="nan-cik"),
    pytest.param(document_text(snow_fact(start=None, end="9999-12-31"),
                           tag="CashAndCashEquivalentsAtCarryingValue"),
                 "between 1900 and 2199", id="year-9999"),
    pytest.param(document_text(snow_fact(start=None, end="0001-01-15"),
                           tag="CashAndCashEquivalentsAtCarryingValue"),
                 "between 1900 and 2199", id="year-0001"),
    pytest.param(document_text(snow_fact(start="9999-10-01", end="9999-12-31")),
                 "between 1900 and 2199", id="quarter-9999"),
    pytest.param(document_text(snow_fact(accn="0001640147-25-000110\nx: injected")),
                 "expected an accession number", id="newline-in-accn"),
    pytest.param(document_text(snow_fact(form="10-Q\n    url: javascript:alert(1)")),
                 "expected a form type", id="newline-in-form"),
    pytest.param(document_text(snow_fact(), name="\x1b]0;owned\x07\x1b[2JSNOWFLAKE"),
                 "entityName: contains a control character, ESC", id="ansi-in-entity-name"),
    pytest.param(document_text(snow_fact(val=1e300)), "expected a number in val", id="huge-val"),
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
    path.write_text(json.dumps(json.loads(document_text(snow_fact())), indent=1).replace(
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
    document = SNOW_JSON.read_bytes()
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
