"""Number wording in the house style: the cases test_narrative does not cover, chiefly the
theme's number style (parentheses for negatives, a decimal comma) and ``fact`` by unit.
Each expected string is written out by hand."""

from __future__ import annotations

import math

import pytest

from reportgen import formatting
from reportgen.formatting import MINUS, NOT_DISCLOSED, PLAIN, Formatter, NumberStyle

fmt = PLAIN
PARENS = Formatter(NumberStyle(negative="parentheses"))
EUROPEAN = Formatter(NumberStyle(currency="€", decimal=","))


def test_usd_points_and_number():
    assert fmt.usd(45555.4) == "$45,555"
    assert fmt.usd(-66084) == f"{MINUS}$66,084"
    assert fmt.points(0.3467) == "+34.7 pp"
    assert fmt.points(-0.05) == f"{MINUS}5.0 pp"
    assert fmt.points(0.0) == "0.0 pp"
    assert fmt.number(12.2, "EH/s") == "12.2 EH/s"
    assert fmt.number(1234.56, "MW", 0) == "1,235 MW"
    assert fmt.number(-3.0) == f"{MINUS}3.0"  # no unit: no trailing space
    # A share price: cents below $100, whole dollars above (valuation and the appendix).
    assert fmt.fact(12.89, "USD") == "$12.89" and fmt.fact(115066, "USD") == "$115,066"


def test_missing_is_none_or_nan_only():
    for missing in (formatting.missing, fmt.missing):  # the module's, and a formatter's
        assert missing(None) and missing(math.nan) and missing(float("nan"))
        assert not missing(0.0) and not missing(0) and not missing("")


@pytest.mark.parametrize(("value", "unit", "expected"), [
    (34.0, "USD_M", "$34.0M"),
    (13.125, "USD_M", "$13.125M"),  # more precise than 0.1 M: three decimals
    (-1.01, "USD", f"{MINUS}$1.01"),  # per-share: cents below $100
    (66084.0, "USD", "$66,084"),
    (62.0, "pct", "62.0%"),
    (372.0, "BTC", "372 BTC"),
    (12.2, "EH/s", "12.2 EH/s"),
    (245.0, "MW", "245 MW"),  # a whole number prints without decimals
    (None, "USD_M", NOT_DISCLOSED),
    (math.nan, "MW", NOT_DISCLOSED),
])
def test_fact_prints_each_unit_as_the_facts_table_does(value, unit, expected):
    assert fmt.fact(value, unit) == expected


def test_parentheses_style_for_negatives_only():
    assert PARENS.money(-427.6) == "($427.6M)"
    assert PARENS.delta(-0.05) == "(5.0%)"
    assert PARENS.usd(-66084) == "($66,084)"
    assert PARENS.money(3100) == "$3.1B"
    assert PARENS.delta(0.05) == "+5.0%"


def test_decimal_comma_swaps_separators_and_currency():
    assert EUROPEAN.money(1234.5) == "€1,2B"
    assert EUROPEAN.money(216.3) == "€216,3M"
    assert EUROPEAN.usd(45555) == "€45.555"
    assert EUROPEAN.pct(0.6176) == "61,8%"
    assert EUROPEAN.number(1234.5, "MW") == "1.234,5 MW"
    assert EUROPEAN.fact(12.89, "USD") == "€12,89"
