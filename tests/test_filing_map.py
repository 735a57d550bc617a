"""A miner's filing map (reportgen/filing_map.py): which facts of its filings feed which
metric; every problem placed under the company entry, and validate naming it with its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from reportgen import filing_map
from reportgen.filing_map import USD_SCALE, MapEntry
from tests.filing_samples import PRODUCT, run

REVENUES = {"concept": "us-gaap:Revenues", "metric": "revenue_total"}


def test_an_entry_is_parsed_with_its_exact_dimensions_unit_scale_and_sign() -> None:
    entries = filing_map.parse([
        REVENUES,
        {"concept": "us-gaap:Revenues", "axis": PRODUCT, "member": "corz:ColocationMember",
         "metric": "revenue_colocation", "sign": -1},
        {"concept": "wulf:BitcoinMined", "metric": "btc_mined", "unit": "BTC", "scale": 1},
    ], {"revenue_colocation": "ai_hpc"})
    assert entries == (
        MapEntry("us-gaap:Revenues", frozenset(), "revenue_total"),
        MapEntry("us-gaap:Revenues", frozenset({(PRODUCT, "corz:ColocationMember")}),
                 "revenue_colocation", "USD", USD_SCALE, -1),
        MapEntry("wulf:BitcoinMined", frozenset(), "btc_mined", "BTC", 1.0, 1),
    )
    assert entries[1].label == "us-gaap:Revenues [srt:ProductOrServiceAxis=corz:ColocationMember]"
    assert entries[0].label == "us-gaap:Revenues"


def test_an_entry_matches_only_its_exact_dimensions_and_unit() -> None:
    [entry] = filing_map.parse([REVENUES], {})
    assert entry.matches("us-gaap:Revenues", frozenset(), "USD")
    assert not entry.matches("us-gaap:Revenues", frozenset({(PRODUCT, "x:Member")}), "USD")
    assert not entry.matches("us-gaap:Revenues", frozenset(), "EUR")


@pytest.mark.parametrize(("entry", "expected"), [
    pytest.param({**REVENUES, "unit": "shares"}, "unit: revenue_total is in USD_M, so the "
                 "fact's unit must be USD", id="money-in-shares"),
    pytest.param({"concept": "x:BitcoinMined", "metric": "btc_mined"}, "unit: btc_mined is in "
                 "BTC, so the fact's unit must be that figure's measure", id="btc-in-usd"),
    pytest.param({**REVENUES, "scale": 1000}, "scale: USD is always turned into USD millions",
                 id="scale-on-usd"),
    pytest.param({**REVENUES, "sign": True}, "sign: expected 1 or -1, got True", id="bool-sign"),
    pytest.param({**REVENUES, "dimensions": {PRODUCT: "x:A"}, "axis": PRODUCT,
                  "member": "x:A"}, "give either axis and member or dimensions, not both",
                 id="both-forms"),
    pytest.param({**REVENUES, "dimensions": {PRODUCT: "A"}}, "expected axis and member as "
                 "prefixed names", id="unprefixed-member"),
])
def test_each_bad_entry_is_one_placed_problem(entry: dict[str, object], expected: str) -> None:
    [(place, message)] = filing_map.problems([entry], {})
    assert place == ("filing_map", 0)
    assert message.startswith(expected), message


def test_a_map_that_is_not_a_list_or_too_long_is_one_problem() -> None:
    assert filing_map.problems({"concept": "us-gaap:Revenues"}, {}) == [
        (("filing_map",), "expected a list of {concept, axis, member, metric}")]
    [(place, message)] = filing_map.problems([REVENUES] * (filing_map.MAX_ENTRIES + 1), {})
    assert place == ("filing_map",) and "more than the 200 reportgen reads" in message
    assert filing_map.problems(None, {}) == []


def test_metrics_groups_entries_in_map_order() -> None:
    entries = filing_map.parse([
        {"concept": "x:A", "metric": "revenue_other"}, REVENUES,
        {"concept": "x:B", "metric": "revenue_other"}], {})
    grouped = filing_map.metrics(entries)
    assert list(grouped) == ["revenue_other", "revenue_total"]
    assert [entry.concept for entry in grouped["revenue_other"]] == ["x:A", "x:B"]


# --- problems placed, and named by validate ---------------------------------------------------


def test_map_problems_are_named() -> None:
    bad = [{"concept": "Revenues", "metric": "revenue_total"},
           {"concept": "us-gaap:Revenues", "axis": PRODUCT, "metric": "revenue_total"},
           {"concept": "us-gaap:Revenues", "metric": "revenue_nonsense"},
           {"concept": "us-gaap:Revenues", "metric": "revenue_total"},
           {"concept": "us-gaap:Revenues", "metric": "revenue_other"},
           {"concept": "us-gaap:Revenues", "metric": "revenue_total", "colour": "red"}]
    found = filing_map.problems(bad, {})
    assert [place for place, _ in found] == [("filing_map", i) for i in (0, 1, 2, 4, 5)]
    messages = [message for _, message in found]
    assert "prefixed name" in messages[0] and "go together" in messages[1]
    assert "revenue_nonsense" in messages[2] and "already mapped by entry [3]" in messages[3]
    assert "unknown key 'colour'" in messages[4]


def test_validate_names_a_bad_filing_map_entry_with_its_line(
        nvda_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    companies = nvda_project / "inputs" / "companies.yaml"
    companies.write_text(companies.read_text() + f"""\
  - {{concept: us-gaap:Revenues, axis: {PRODUCT}, metric: revenue_other}}
""")
    line = len(companies.read_text().splitlines())
    code, _, err = run(nvda_project, capsys, "validate")
    assert code == 1
    assert f"inputs/companies.yaml:{line}: NVDA: companies[" in err
    assert "].filing_map[8]: axis and member go together" in err
