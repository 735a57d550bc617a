"""Period labels: calendar quarters as the unit of comparison, fiscal labels only for display.

Facts carry calendar quarters (``2026Q1``) so miners with different fiscal years line up;
half years (``2025H1``) and fiscal years (``FY2025``) are kept for reference tables only.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where used, so reading the config (every command) stays light
    import pandas as pd

QUARTER = re.compile(r"^([0-9]{4})Q([1-4])$")
HALF = re.compile(r"^([0-9]{4})H([12])$")
YEAR = re.compile(r"^FY([0-9]{4})$")
r"""ASCII digits only: ``\d`` would also accept other scripts' digits, which pandas rejects."""


def is_quarter(label: str) -> bool:
    return bool(QUARTER.match(label))


def is_valid(label: str) -> bool:
    return bool(QUARTER.match(label) or HALF.match(label) or YEAR.match(label))


def quarter(label: str) -> pd.Period:
    """``'2026Q1'`` as a pandas quarterly period, so arithmetic (``- 4`` = a year back) works."""
    import pandas as pd

    return pd.Period(label, freq="Q")


def ordinal(label_: str) -> int:
    """A quarter label as a sortable integer, without building a ``pd.Period`` (hot path).

    >>> ordinal("2026Q1") - ordinal("2025Q4")
    1
    """
    return int(label_[:4]) * 4 + int(label_[5]) - 1


def sort_key(label_: str) -> tuple[int, int]:
    """Any period label (quarter, half or fiscal year) as a sortable key, the one order every
    table of periods uses: by year, then Q1, Q2, Q3, Q4 and H1, FY, H2.

    >>> sorted(["FY2025", "2025H2", "2026Q1", "2025Q4", "2025H1", "2025Q2"], key=sort_key)
    ['2025Q2', '2025Q4', '2025H1', 'FY2025', '2025H2', '2026Q1']
    """
    if is_quarter(label_):
        return int(label_[:4]), int(label_[5])
    digits = "".join(ch for ch in label_ if ch.isdigit())
    return int(digits[:4]), 5 if label_.startswith("FY") else 2 + 2 * int(label_[-1])


def end_ordinal(label_: str, fiscal_year_end_month: int) -> int:
    """:func:`ordinal` of the calendar quarter a period of any kind ends in."""
    if is_quarter(label_):
        return ordinal(label_)
    end = end_quarter(label_, fiscal_year_end_month)
    return end.year * 4 + end.quarter - 1


def label(period: pd.Period) -> str:
    return f"{period.year}Q{period.quarter}"


def shift(label_: str, quarters: int) -> str:
    return label(quarter(label_) + quarters)


def fiscal_label(label_: str, fiscal_year_end_month: int) -> str:
    """The miner's own name for a calendar quarter, e.g. IREN (June year end): 2025Q4 → FY26 Q2.

    >>> fiscal_label("2025Q4", 6)
    'FY26 Q2'
    >>> fiscal_label("2025Q1", 6)
    'FY25 Q3'
    >>> fiscal_label("2026Q1", 12)
    'FY26 Q1'
    """
    period = quarter(label_)
    end_month = period.quarter * 3
    fiscal_year = period.year + 1 if end_month > fiscal_year_end_month else period.year
    fiscal_quarter = ((end_month - fiscal_year_end_month - 1) % 12) // 3 + 1
    return f"FY{fiscal_year % 100:02d} Q{fiscal_quarter}"


def display(label_: str, fiscal_year_end_month: int) -> str:
    """A calendar quarter with the miner's fiscal label where they differ.

    >>> display("2025Q4", 6), display("2025Q4", 12)
    ('2025Q4 (FY26 Q2)', '2025Q4')
    """
    if fiscal_year_end_month == 12 or not is_quarter(label_):
        return label_
    return f"{label_} ({fiscal_label(label_, fiscal_year_end_month)})"


def days_in(label_: str) -> int:
    period = quarter(label_)
    return int((period.end_time.normalize() - period.start_time.normalize()).days) + 1


def end_quarter(label_: str, fiscal_year_end_month: int) -> pd.Period:
    """The calendar quarter a period ends in, so half and full years can be cut off in time.

    >>> str(end_quarter("FY2026", 6)), str(end_quarter("2025H1", 12)), str(end_quarter("2025Q3", 6))
    ('2026Q2', '2025Q2', '2025Q3')
    """
    import pandas as pd

    if match := YEAR.match(label_):
        return pd.Period(year=int(match[1]), month=fiscal_year_end_month, freq="M").asfreq("Q")
    if match := HALF.match(label_):
        return pd.Period(year=int(match[1]), quarter=2 * int(match[2]), freq="Q")
    return quarter(label_)
