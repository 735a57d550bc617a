"""Number wording in the house style: the cases test_narrative does not cover, chiefly the
theme's number style (parentheses for negatives, a decimal comma) and ``fact`` by unit.
Each expected string is written out by hand."""

from __future__ import annotations

import ast
import math
from pathlib import Path

import pytest

import reportgen
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


def test_styles_side_by_side_each_formatter_keeps_its_own():
    """Two styles in one process, interleaved: each formatter words numbers in its own style,
    whatever was used before it (with a style in force for a block, an interleaving like this
    was right only if every caller remembered to set it)."""
    both = Formatter(NumberStyle(currency="€", negative="parentheses", decimal=","))
    assert [f.money(-2.5) for f in (PLAIN, both, PARENS, EUROPEAN, PLAIN)] == [
        f"{MINUS}$2.5M", "(€2,5M)", "($2.5M)", f"{MINUS}€2,5M", f"{MINUS}$2.5M"]
    plain_money, euro_pct = PLAIN.money, EUROPEAN.pct  # as a view's column table keeps them
    assert (euro_pct(0.6176), plain_money(1234.5), euro_pct(-0.05)) == (
        "61,8%", "$1.2B", f"{MINUS}5,0%")


def test_a_formatter_is_a_value():
    assert Formatter(NumberStyle()) == PLAIN and hash(Formatter(NumberStyle())) == hash(PLAIN)
    assert EUROPEAN != PLAIN
    assert fmt.NOT_DISCLOSED == NOT_DISCLOSED  # the style-free helpers, from a formatter too
    with pytest.raises(AttributeError):
        EUROPEAN.style = NumberStyle()  # type: ignore[misc]
    assert not hasattr(formatting, "money")  # no module-level wording in an ambient style


def test_production_code_never_falls_back_to_the_default_style():
    """PLAIN is for doctests and tests. In reportgen itself no module but formatting names it,
    and every Formatter is built from a config's ``number_style``, so a render cannot end up
    in the default style by forgetting to pass one."""
    package = Path(reportgen.__file__).parent
    offenders = []
    for path in sorted(package.rglob("*.py")):
        if path.name == "formatting.py" and path.parent == package:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            name = node.id if isinstance(node, ast.Name) else (
                node.attr if isinstance(node, ast.Attribute) else None)
            if name == "PLAIN" or (isinstance(node, ast.alias) and node.name == "PLAIN"):
                offenders.append(f"{path.name}:{node.lineno}: PLAIN")
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(
                    node.func, "attr", None)) == "Formatter":
                given = node.args[0] if len(node.args) == 1 and not node.keywords else None
                if not (isinstance(given, ast.Attribute) and given.attr == "number_style"):
                    offenders.append(f"{path.name}:{node.lineno}: {ast.unparse(node)}")
    assert not offenders
    assert "Formatter(NumberStyle())" not in "".join(
        p.read_text() for p in package.rglob("*.py") if p.name != "formatting.py")
