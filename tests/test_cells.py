"""The cell shapes templates lay out, and dropping the columns no row has a figure in."""

from __future__ import annotations

from reportgen.cells import Cell, Row, without_empty_columns
from reportgen.formatting import NOT_DISCLOSED


def _row(label: str, *texts: str) -> Row:
    return Row(label, tuple(Cell(t) for t in texts), note=f"{label} note", kind="item")


def test_a_cell_is_missing_only_when_it_prints_the_not_disclosed_dash():
    assert Cell(NOT_DISCLOSED).missing
    assert not Cell("").missing  # blank is "not applicable", not "not disclosed"
    assert not Cell("$0.0M").missing


def test_columns_without_a_figure_in_any_row_are_dropped_with_their_header():
    header = ("Figure", "Actual", "Guidance", "Consensus", "Note")
    rows = [_row("Revenue", "$34.0M", NOT_DISCLOSED, "$44.1M"),
            _row("EBITDA", "−$4.1M", "", "$1.0M")]
    kept_header, kept = without_empty_columns(header, rows)
    # Column 1 (Guidance) is "—" or "" in every row; the trailing "Note" header is kept.
    assert kept_header == ("Figure", "Actual", "Consensus", "Note")
    assert [tuple(c.text for c in r.cells) for r in kept] == [("$34.0M", "$44.1M"),
                                                             ("−$4.1M", "$1.0M")]
    assert [(r.label, r.note, r.kind) for r in kept] == [("Revenue", "Revenue note", "item"),
                                                         ("EBITDA", "EBITDA note", "item")]


def test_the_first_keep_columns_stay_even_when_empty():
    header = ("Figure", "A", "B", "C")
    rows = [_row("x", "", "", "1"), _row("y", NOT_DISCLOSED, "", "2")]
    assert without_empty_columns(header, rows)[0] == ("Figure", "A", "C")
    assert without_empty_columns(header, rows, keep=0)[0] == ("Figure", "C")
    assert without_empty_columns(header, rows, keep=2)[0] == ("Figure", "A", "B", "C")


def test_a_column_with_one_figure_stays():
    header = ("Figure", "A", "B")
    rows = [_row("x", "1", ""), _row("y", "2", "3")]
    assert without_empty_columns(header, rows) == (header, tuple(rows))


def test_no_rows_keep_the_header_as_it_is():
    assert without_empty_columns(("Figure", "A"), []) == (("Figure", "A"), ())
