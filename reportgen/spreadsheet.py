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
    """One sheet per table; ``formats`` maps a column name to an Excel number format."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    stamp = created.replace(tzinfo=None)
    book.properties.created = book.properties.modified = stamp
    book.properties.creator = "reportgen"
    for title, frame in sheets.items():
        sheet = book.create_sheet(title)
        safe = _safe(frame)
        sheet.append(list(safe.columns))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for record in safe.itertuples(index=False):
            sheet.append([None if isinstance(v, float) and pd.isna(v) else v for v in record])
        for column_index, name in enumerate(safe.columns, start=1):
            number_format = formats.get(name)
            letter = sheet.cell(row=1, column=column_index).column_letter
            sheet.column_dimensions[letter].width = max(10, min(40, len(str(name)) + 4))
            if number_format:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=column_index,
                                               max_col=column_index):
                    cell.number_format = number_format
        sheet.freeze_panes = "B2"
    buffer = io.BytesIO()
    book.save(buffer)
    return _fixed_zip_times(buffer.getvalue(), stamp)


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
