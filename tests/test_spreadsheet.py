"""CSV and XLSX for the reader's own model (:mod:`reportgen.spreadsheet`): formulas neutralized,
numbers kept as numbers, the same bytes for the same table and date."""

from __future__ import annotations

import io
import math
import zipfile
from datetime import UTC, datetime

import pandas as pd
import pytest
from openpyxl import load_workbook

from reportgen import spreadsheet

WHEN = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(("text", "expected"), [
    ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
    ("+1", "'+1"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("TeraWulf", "TeraWulf"), ("a=b", "a=b"), ("", ""),
])
def test_neutralize_prefixes_only_formula_starts(text, expected):
    assert spreadsheet.neutralize(text) == expected


def test_csv_neutralizes_text_and_keeps_numbers():
    frame = pd.DataFrame({"ticker": ["=cmd", "WULF"], "value": [-4.1, 34.0],
                          "note": ["-ish", None]})
    assert spreadsheet.csv_bytes(frame) == b"ticker,value,note\n'=cmd,-4.1,'-ish\nWULF,34.0,\n"


@pytest.mark.parametrize(("number", "letters"), [(1, "A"), (26, "Z"), (27, "AA"), (52, "AZ"),
                                                 (53, "BA"), (702, "ZZ"), (703, "AAA")])
def test_column_letters(number, letters):
    assert spreadsheet._column_letter(number) == letters


def test_workbook_numbers_formats_and_fixed_dates():
    frame = pd.DataFrame({"ticker": ["+x", "WULF"], "value": [1234.5, math.nan]})
    data = spreadsheet.workbook({"Metrics": frame}, {"value": "#,##0.0"}, WHEN)
    assert data == spreadsheet.workbook({"Metrics": frame}, {"value": "#,##0.0"}, WHEN)
    members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    assert {m.date_time for m in members} == {(2026, 1, 1, 0, 0, 0)}
    sheet = load_workbook(io.BytesIO(data))["Metrics"]
    assert [c.value for c in sheet[1]] == ["ticker", "value"]
    assert sheet["A2"].value == "'+x" and sheet["B2"].value == 1234.5
    assert sheet["B2"].number_format == "#,##0.0"
    assert sheet["B3"].value is None  # NaN is an empty cell, not text
    assert sheet.freeze_panes == "B2"
