"""How numbers read in a briefing: one place, so tables, tiles, narrative and charts agree.

Money is in USD millions in the data; ``money`` picks M or B. Negative values use a true
minus sign (U+2212). A figure not in the inputs prints as "—", never as 0.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

MINUS = "\u2212"
NOT_DISCLOSED = "—"
"""A figure not in the inputs; every legend says so in those words."""


@dataclass(frozen=True)
class NumberStyle:
    """The house style for numbers, from ``theme`` in reportgen.yaml."""

    currency: str = "$"
    negative: str = "minus"
    """``minus`` (−$4.1M, a true minus sign) or ``parentheses`` (($4.1M))."""
    decimal: str = "."
    """``.`` (1,234.5) or ``,`` (1.234,5)."""


_style: ContextVar[NumberStyle] = ContextVar("number_style", default=NumberStyle())  # noqa: B039 (frozen)
"""The style in force: set for the length of one render with :func:`number_style`, so every
formatter (tables, narrative, chart labels, e-mail) agrees without passing it everywhere."""


@contextmanager
def number_style(style: NumberStyle) -> Iterator[None]:
    token = _style.set(style)
    try:
        yield
    finally:
        _style.reset(token)


def missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _localized(text: str) -> str:
    if _style.get().decimal == ",":
        return text.translate(str.maketrans({",": ".", ".": ","}))
    return text


def _signed(text: str, negative: bool, plus: bool = False) -> str:
    text = _localized(text)
    if negative:
        return f"({text})" if _style.get().negative == "parentheses" else MINUS + text
    return "+" + text if plus else text


def money(value: float | None, decimals: int = 1, plus: bool = False) -> str:
    """USD millions as read in a release.

    >>> money(-427.6), money(3100), money(12800), money(None)
    ('−$427.6M', '$3.1B', '$12.8B', '—')
    """
    if missing(value):
        return NOT_DISCLOSED
    size = round(abs(value), decimals)
    symbol = _style.get().currency
    text = (f"{symbol}{size / 1000:,.{decimals}f}B" if size >= 1000
            else f"{symbol}{size:,.{decimals}f}M")
    return _signed(text, value < 0 and size > 0, plus)


def usd(value: float | None) -> str:
    """Whole dollars, for per-BTC figures: ``$45,555``."""
    if missing(value):
        return NOT_DISCLOSED
    return _signed(f"{_style.get().currency}{abs(value):,.0f}", value < 0)


def pct(fraction: float | None, decimals: int = 1) -> str:
    """A share given as a fraction: ``pct(0.6176)`` → ``'61.8%'``."""
    if missing(fraction):
        return NOT_DISCLOSED
    shown = round(abs(fraction) * 100, decimals)
    return _signed(f"{shown:.{decimals}f}%", fraction < 0 and shown > 0)


def delta(fraction: float | None, decimals: int = 1) -> str:
    """A change given as a fraction, always signed: ``delta(1.1649)`` → ``'+116.5%'``."""
    if missing(fraction):
        return NOT_DISCLOSED
    shown = round(abs(fraction) * 100, decimals)
    return _signed(f"{shown:.{decimals}f}%", fraction < 0 and shown > 0,
                   plus=fraction > 0 and shown > 0)


def points(change: float | None) -> str:
    """A change in a share, in percentage points: ``points(0.3467)`` → ``'+34.7 pp'``."""
    if missing(change):
        return NOT_DISCLOSED
    return _signed(f"{abs(change) * 100:.1f} pp", change < 0, plus=change > 0)


def number(value: float | None, unit: str = "", decimals: int = 1) -> str:
    """A quantity with its unit: ``number(12.2, 'EH/s')`` → ``'12.2 EH/s'``."""
    if missing(value):
        return NOT_DISCLOSED
    text = _signed(f"{abs(value):,.{decimals}f}", value < 0)
    return f"{text} {unit}".rstrip()


def fact(value: float | None, unit: str) -> str:
    """Any input figure in its own unit, as the facts table shows it."""
    if unit == "USD_M":
        return money(value, decimals=3 if not missing(value) and value != round(value, 1) else 1)
    if unit == "USD":
        if not missing(value) and abs(value) < 100:
            return _signed(f"{_style.get().currency}{abs(value):,.2f}", value < 0)
        return usd(value)
    if unit == "pct":
        return number(value, "%", 1).replace(" %", "%")
    decimals = 0 if unit in ("BTC",) or (not missing(value) and value == round(value)) else 1
    return number(value, unit, decimals)
