"""Tables for the reader's own model: CSV and XLSX with numbers as numbers.

Text that a spreadsheet would run as a formula (``=HYPERLINK(...)``, ``+``, ``-``, ``@``) is
prefixed with an apostrophe, so opening our files never executes something from the inputs.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping
from datetime import datetime

import pandas as pd

from reportgen.errors import OutputError

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralize(text: str) -> str:
    """``'=HYPERLINK("x")'`` → ``"'=HYPERLINK(\\"x\\")"``; numbers never pass through here."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _safe(frame: pd.DataFrame) -> pd.DataFrame:
    text_columns = [c for c in frame.columns if frame[c].dtype == object
                    or pd.api.types.is_string_dtype(frame[c])]
    return frame.assign(**{c: frame[c].map(lambda v: neutralize(v) if isinstance(v, str) else v)
                           for c in text_columns})


def csv_bytes(frame: pd.DataFrame) -> bytes:
    return _safe(frame).to_csv(index=False, lineterminator="\n").encode("utf-8")


def workbook(sheets: Mapping[str, pd.DataFrame], formats: Mapping[str, str],
             created: datetime) -> bytes:
    """One sheet per table; ``formats`` maps a column name to an Excel number format.

    Written in openpyxl's write-only mode: a sector of 30 miners has ~9,000 metric rows, which
    the normal mode took over a second to write. That mode stages each sheet in a temporary
    file, so a full disk surfaces here, in lxml's or openpyxl's own exception types.
    """
    try:
        return _workbook(sheets, formats, created)
    except Exception as error:  # lxml's SerialisationError is a bare Exception
        raise OutputError(f"cannot write the spreadsheet ({type(error).__name__}: {error}); "
                          "is the disk full?") from None


def _workbook(sheets: Mapping[str, pd.DataFrame], formats: Mapping[str, str],
              created: datetime) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    stamp = created.replace(tzinfo=None)
    book.properties.created = book.properties.modified = stamp
    book.properties.creator = "reportgen"
    bold = Font(bold=True)
    for title, frame in sheets.items():
        sheet = book.create_sheet(title)
        safe = _safe(frame)
        columns = list(safe.columns)
        for index, name in enumerate(columns):
            letter = _column_letter(index + 1)
            sheet.column_dimensions[letter].width = max(10, min(40, len(str(name)) + 4))
        sheet.freeze_panes = "B2"
        header = []
        for name in columns:
            cell = WriteOnlyCell(sheet, value=str(name))
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        number_formats = [formats.get(str(name)) for name in columns]
        for record in safe.itertuples(index=False):
            row: list[object] = []
            for value, number_format in zip(record, number_formats, strict=True):
                value = None if isinstance(value, float) and pd.isna(value) else value
                if number_format and number_format != "General" and value is not None:
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.number_format = number_format
                    row.append(cell)
                else:
                    row.append(value)
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return _fixed_zip_times(buffer.getvalue(), stamp)


def _column_letter(number: int) -> str:
    """1 → A, 27 → AA (openpyxl's helper, without importing it at module level)."""
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _fixed_zip_times(data: bytes, stamp: datetime) -> bytes:
    """Rewrite the XLSX zip with every member, and the document's 'modified' property, dated
    ``stamp``: openpyxl stamps both with 'now', so two builds of the same inputs would differ."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    when = max(stamp, datetime(1980, 1, 1)).timetuple()[:6]
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            content = source.read(member.filename)
            if member.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                                 rb"\g<1>" + iso + rb"\g<2>", content)
            fixed = zipfile.ZipInfo(member.filename, date_time=when)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, content)
    return out.getvalue()
