"""How numbers read in a briefing: one place, so tables, tiles, narrative and charts agree.

Money is in USD millions in the data; ``money`` picks M or B. Negative values use a true
minus sign (U+2212). A figure not in the inputs prints as "—", never as 0.

The house style (:class:`NumberStyle`: currency symbol, negatives, decimal mark) comes from
``theme`` in reportgen.yaml and is passed explicitly: a :class:`Formatter` holds one style, and
every function that words a number takes the formatter as a parameter named ``fmt`` (after
its other required parameters), or finds it on the object it already carries (``Evidence.fmt``
in :mod:`reportgen.claims`, ``Quarters.fmt`` in :mod:`reportgen.moves`). Each render builds its
formatter from its config (``Formatter(config.number_style)``); :data:`PLAIN`, the default
style, is for doctests and tests only, so two styles can be used side by side in one process
and nothing falls back to a default unnoticed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

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


def missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


@dataclass(frozen=True)
class Formatter:
    """Numbers worded in one :class:`NumberStyle`.

    The style-free helpers are here too (:data:`NOT_DISCLOSED`, :func:`missing`), so code that
    receives a formatter as ``fmt`` reads the same as code using the module.
    """

    style: NumberStyle

    NOT_DISCLOSED: ClassVar[str] = NOT_DISCLOSED
    missing = staticmethod(missing)

    def _localized(self, text: str) -> str:
        if self.style.decimal == ",":
            return text.translate(str.maketrans({",": ".", ".": ","}))
        return text

    def _signed(self, text: str, negative: bool, plus: bool = False) -> str:
        text = self._localized(text)
        if negative:
            return f"({text})" if self.style.negative == "parentheses" else MINUS + text
        return "+" + text if plus else text

    def money(self, value: float | None, decimals: int = 1, plus: bool = False) -> str:
        """USD millions as read in a release.

        >>> PLAIN.money(-427.6), PLAIN.money(3100), PLAIN.money(12800), PLAIN.money(None)
        ('−$427.6M', '$3.1B', '$12.8B', '—')
        """
        if missing(value):
            return NOT_DISCLOSED
        size = round(abs(value), decimals)
        symbol = self.style.currency
        text = (f"{symbol}{size / 1000:,.{decimals}f}B" if size >= 1000
                else f"{symbol}{size:,.{decimals}f}M")
        return self._signed(text, value < 0 and size > 0, plus)

    def usd(self, value: float | None) -> str:
        """Whole dollars, for per-BTC figures: ``$45,555``."""
        if missing(value):
            return NOT_DISCLOSED
        return self._signed(f"{self.style.currency}{abs(value):,.0f}", value < 0)

    def pct(self, fraction: float | None, decimals: int = 1) -> str:
        """A share given as a fraction: ``pct(0.6176)`` → ``'61.8%'``."""
        if missing(fraction):
            return NOT_DISCLOSED
        shown = round(abs(fraction) * 100, decimals)
        return self._signed(f"{shown:.{decimals}f}%", fraction < 0 and shown > 0)

    def delta(self, fraction: float | None, decimals: int = 1) -> str:
        """A change given as a fraction, always signed: ``delta(1.1649)`` → ``'+116.5%'``."""
        if missing(fraction):
            return NOT_DISCLOSED
        shown = round(abs(fraction) * 100, decimals)
        return self._signed(f"{shown:.{decimals}f}%", fraction < 0 and shown > 0,
                            plus=fraction > 0 and shown > 0)

    def points(self, change: float | None) -> str:
        """A change in a share, in percentage points: ``points(0.3467)`` → ``'+34.7 pp'``."""
        if missing(change):
            return NOT_DISCLOSED
        return self._signed(f"{abs(change) * 100:.1f} pp", change < 0, plus=change > 0)

    def number(self, value: float | None, unit: str = "", decimals: int = 1) -> str:
        """A quantity with its unit: ``number(12.2, 'EH/s')`` → ``'12.2 EH/s'``."""
        if missing(value):
            return NOT_DISCLOSED
        text = self._signed(f"{abs(value):,.{decimals}f}", value < 0)
        return f"{text} {unit}".rstrip()

    def fact(self, value: float | None, unit: str) -> str:
        """Any input figure in its own unit, as the facts table shows it."""
        if unit == "USD_M":
            return self.money(value, decimals=3 if not missing(value)
                              and value != round(value, 1) else 1)
        if unit == "USD":
            if not missing(value) and abs(value) < 100:
                return self._signed(f"{self.style.currency}{abs(value):,.2f}", value < 0)
            return self.usd(value)
        if unit == "pct":
            return self.number(value, "%", 1).replace(" %", "%")
        decimals = 0 if unit in ("BTC",) or (not missing(value) and value == round(value)) else 1
        return self.number(value, unit, decimals)


PLAIN = Formatter(NumberStyle())
"""The default style (``$``, a true minus, a decimal point), for doctests and tests. Code that
renders a document uses the formatter built from its config, never this one."""
