"""Real SEC companyfacts documents and the helpers the import-sec tests share.

The fixtures are the two documents in /work/shared/data/sec/ with only the tags listed in
reportgen/sec/tags.yaml kept, each with all its facts, untouched
(``tests/test_sec_tags.py::test_fixtures_are_the_real_documents_trimmed`` checks that when the
originals are present). Every expected value in the tests was looked up in the JSON by hand.
Shared by tests/test_sec_*.py (test_sec_merge.py among them) and tests/e2e/test_sec_build.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reportgen import cli
from reportgen.sec.document import read_document
from reportgen.sec.periods import Figure
from reportgen.sec.periods import extract as extract_periods
from reportgen.sec.tags import load_tag_map

FIXTURES = Path(__file__).parent / "fixtures" / "sec"
SNOW_JSON = FIXTURES / "CIK0001640147-snowflake.json"
LPA_JSON = FIXTURES / "CIK0001997711-ifrs-lpa.json"
ORIGINALS = Path("/work/shared/data/sec")

SNOW_10Q_Q1_FY26 = "sec_1640147_000164014725000110"  # 10-Q filed 2025-05-30, Feb-Apr 2025
SNOW_10K_FY25 = "sec_1640147_000164014725000052"  # 10-K filed 2025-03-21, year to 2025-01-31
SNOW_10Q_Q3_FY25 = "sec_1640147_000164014724000250"  # 10-Q filed 2024-11-27, 9M to 2024-10-31
LPA_20F_2023 = "sec_1997711_000149315224016772"  # 20-F filed 2024-04-26 (filer agent's accn)
LPA_20F_2024 = "sec_1997711_000199771125000030"  # 20-F filed 2025-04-02

SNOW_ENTRY = """\
- ticker: SNOW
  name: Snowflake Inc.
  cik: 1640147
  fiscal_year_end_month: 1
  revenue_lines: {}
  contracts: []
"""
LPA_ENTRY = """\
- ticker: LPA
  name: Logistic Properties of the Americas
  cik: 1997711
  fiscal_year_end_month: 12
  revenue_lines: {}
  contracts: []
"""


def extract(path: Path, *, first: bool = False, month: int = 1) -> dict[tuple[str, str],
                                                                            Figure]:
    """The figure chosen for each (period, metric) of the document at ``path``."""
    tag_map = load_tag_map()
    document = read_document(path, tag_map.tags())
    extraction = extract_periods(document, tag_map, as_first_reported=first,
                                 fiscal_year_end_month=month)
    chosen: dict[tuple[str, str], Figure] = {}
    for figure in extraction.figures:  # the chosen figure comes before a changed value's row
        chosen.setdefault((figure.period, figure.metric), figure)
    return chosen


def run(project: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``reportgen import-sec ARGS...`` in the project: exit code, stdout, stderr."""
    code = cli.main(["--config", str(project / "reportgen.yaml"), "import-sec", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def snapshot(project: Path) -> tuple[bytes, bytes]:
    """The two files import-sec writes, to show it wrote nothing."""
    inputs = project / "inputs"
    return (inputs / "facts.csv").read_bytes(), (inputs / "sources.yaml").read_bytes()


def snow_fact(**changes: object) -> dict[str, object]:
    """Snowflake's revenue for Feb-Apr 2025 as companyfacts gives it, with ``changes`` (a
    change to ``None`` leaves the key out)."""
    fact: dict[str, object] = {"start": "2025-02-01", "end": "2025-04-30", "val": 1042074000,
                               "accn": "0001640147-25-000110", "fy": 2026, "fp": "Q1",
                               "form": "10-Q", "filed": "2025-05-30"}
    fact.update(changes)
    return {key: value for key, value in fact.items() if value is not None}


def document_text(fact: dict[str, object], tag: str = "Revenues",
                  name: str = "SNOWFLAKE INC.") -> str:
    """A companyfacts document holding one us-gaap fact."""
    return json.dumps({"cik": 1640147, "entityName": name, "facts": {"us-gaap": {
        tag: {"units": {"USD": [fact]}}}}})
