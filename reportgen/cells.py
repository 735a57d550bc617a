"""The shapes every view hands its templates: cells, rows, tables, tiles and fact lines,
already formatted, so a template only lays them out."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from reportgen import formatting as fmt


@dataclass(frozen=True)
class Cell:
    text: str
    mark: str = ""
    sources: tuple[str, ...] = ()
    negative: bool = False
    wrap: bool = False
    """Text cells may wrap; numbers never break across lines."""
    as_of: str = ""
    """The quarter a figure is of, printed beside it when not the document's own."""
    stale: bool = False
    """Older than ``stale_after_quarters``: greyed and left out of medians and ranks."""

    @property
    def missing(self) -> bool:
        return self.text == fmt.NOT_DISCLOSED


class TileKey(StrEnum):
    """Which key figure a tile shows. The e-mail and the archive page pick tiles by key, so a
    reworded label changes what a reader sees, never which figure is picked."""

    REVENUE = "revenue"
    AI_HPC_REVENUE = "ai_hpc_revenue"
    AI_HPC_SHARE = "ai_hpc_share"
    NET_INCOME = "net_income"
    ADJUSTED_EBITDA = "adjusted_ebitda"
    NON_CASH = "non_cash"
    """The non-cash share of a loss, or the result before non-cash items (labelled so)."""


@dataclass(frozen=True)
class Tile:
    key: TileKey
    label: str
    value: Cell
    changes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Row:
    label: str
    cells: tuple[Cell, ...]
    note: str = ""
    kind: str = ""


@dataclass(frozen=True)
class Table:
    caption: str
    header: tuple[str, ...]
    rows: tuple[Row, ...]
    notes: tuple[str, ...] = field(default=())
    css_class: str = ""
    """``keep`` holds a short table on one page; ``dense`` is the small print of appendices."""


@dataclass(frozen=True)
class Fact:
    """One line of a definition list: a label, a marked figure, and what it is as of or how
    it was computed."""

    label: str
    value: Cell
    note: str = ""


def without_empty_columns(header: tuple[str, ...], rows: list[Row], keep: int = 1
                           ) -> tuple[tuple[str, ...], tuple[Row, ...]]:
    """Drop columns (after the first ``keep`` data columns) that no row has a figure in."""
    if not rows:
        return header, ()
    width = len(rows[0].cells)
    empty = {i for i in range(keep, width)
             if all(r.cells[i].text in (fmt.NOT_DISCLOSED, "") for r in rows)}
    kept_header = (header[0], *(h for i, h in enumerate(header[1:1 + width]) if i not in empty),
                   *header[1 + width:])
    kept_rows = tuple(Row(r.label, tuple(c for i, c in enumerate(r.cells) if i not in empty),
                          r.note, r.kind) for r in rows)
    return kept_header, kept_rows
