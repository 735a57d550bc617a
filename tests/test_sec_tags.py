"""The tag map (reportgen/sec/tags.py): which XBRL tags feed which metric, in which unit and
with what sign; a user's ``--tags`` file tried first; every problem in it located."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reportgen.errors import InputError
from reportgen.sec.tags import TagRule, load_tag_map
from tests.conftest import fails
from tests.sec_samples import LPA_JSON, ORIGINALS, SNOW_10Q_Q1_FY26, SNOW_ENTRY, SNOW_JSON, run

COMPANIES = "inputs/companies.yaml"


def test_the_shipped_map_tries_revenues_first_and_flips_expense_income_tags() -> None:
    rules = load_tag_map().rules
    assert rules["revenue_total"][0] == TagRule("us-gaap", "Revenues", "USD", 1)
    assert {rule.taxonomy for rule in rules["revenue_total"]} == {"us-gaap", "ifrs-full"}
    warrants = next(rule for rule in rules["fair_value_change"]
                    if rule.tag == "FairValueAdjustmentOfWarrants")
    assert warrants.sign == -1  # "expense (income)": a charge is a loss, negative for us


def test_an_extra_file_goes_first_and_takes_over_a_tag_listed_in_both(tmp_path: Path) -> None:
    extra = tmp_path / "tags.yaml"
    extra.write_text("metrics:\n  revenue_total:\n    us-gaap:\n"
                     "      - {tag: RevenueFromContractWithCustomerIncludingAssessedTax, "
                     "unit: USD, sign: -1}\n")
    rules = load_tag_map(extra).rules["revenue_total"]
    assert rules[0] == TagRule("us-gaap", "RevenueFromContractWithCustomerIncludingAssessedTax",
                               "USD", -1)
    assert [rule.name for rule in rules].count(
        "us-gaap:RevenueFromContractWithCustomerIncludingAssessedTax") == 1
    assert rules[1].tag == "Revenues"  # the shipped order after it


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param("metrics:\n  btc_mined:\n    us-gaap: []\n",
                 "metrics.btc_mined: expected a USD_M metric", id="not-money"),
    pytest.param("metrics:\n  net_incom:\n    us-gaap: []\n",
                 "metrics.net_incom: expected a USD_M metric; did you mean 'net_income'?",
                 id="typo"),
    pytest.param("metrics:\n  net_income:\n    dei: []\n",
                 "metrics.net_income.dei: expected one of us-gaap, ifrs-full", id="taxonomy"),
    pytest.param("metrics:\n  net_income:\n    us-gaap:\n      - {tag: X, unit: EUR, sign: 1}\n",
                 "metrics.net_income.us-gaap[0]: unit: expected one of USD, got 'EUR'",
                 id="unit"),
    pytest.param("metrics:\n  net_income:\n    us-gaap:\n      - {tag: X, unit: USD, sing: 1}\n",
                 "metrics.net_income.us-gaap[0]: unknown key 'sing'; did you mean 'sign'?",
                 id="key"),
    pytest.param("metric:\n  net_income: {}\n", "expected a 'metrics:' mapping", id="top"),
])
def test_each_problem_in_a_tag_file_is_named_with_its_place(tmp_path: Path, text: str,
                                                            expected: str) -> None:
    extra = tmp_path / "tags.yaml"
    extra.write_text(text)
    with pytest.raises(InputError) as raised:
        load_tag_map(extra)
    [problem] = raised.value.problems
    assert str(problem).startswith(f"{extra}: {expected}"), str(problem)


# --- the fixtures keep only mapped tags ----------------------------------------------------


def test_fixtures_are_small_and_keep_only_mapped_tags() -> None:
    mapped = load_tag_map().tags()
    for path in (SNOW_JSON, LPA_JSON):
        assert path.stat().st_size < 100_000
        document = json.loads(path.read_text())
        assert set(document) == {"cik", "entityName", "facts"}
        for taxonomy, concepts in document["facts"].items():
            assert all((taxonomy, tag) in mapped for tag in concepts)


@pytest.mark.skipif(not ORIGINALS.exists(), reason="the full SEC documents are not here")
def test_fixtures_are_the_real_documents_trimmed() -> None:
    for path in (SNOW_JSON, LPA_JSON):
        original = json.loads((ORIGINALS / path.name).read_text())
        trimmed = json.loads(path.read_text())
        assert trimmed["cik"] == original["cik"]
        assert trimmed["entityName"] == original["entityName"]
        for taxonomy, concepts in trimmed["facts"].items():
            for tag, concept in concepts.items():
                assert concept == original["facts"][taxonomy][tag], f"{taxonomy}:{tag} edited"


# --- a --tags file through import-sec ---------------------------------------------------------


def test_an_extra_tag_file_is_tried_first(miners: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    extra = tmp_path / "tags.yaml"
    extra.write_text("metrics:\n  net_income:\n    us-gaap:\n"
                     "      - {tag: ProfitLoss, unit: USD, sign: 1}\n")
    code, out, _ = run(miners, capsys, str(SNOW_JSON), "--ticker", "SNOW", "--tags", str(extra))
    assert code == 0
    # ProfitLoss (incl. non-controlling interests) for Feb-Apr 2025: -429952000, where
    # NetIncomeLoss would give -430092000.
    assert f"SNOW,2025Q1,net_income,-429.952,USD_M,{SNOW_10Q_Q1_FY26},reported," in out


def test_a_bad_tag_file_is_named_with_the_place(miners: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    extra = tmp_path / "tags.yaml"
    extra.write_text("metrics:\n  net_income:\n    us-gaap:\n"
                     "      - {tag: ProfitLoss, unit: USD, sign: 2}\n")
    code, _, err = run(miners, capsys, str(SNOW_JSON), "--ticker", "SNOW", "--tags", str(extra))
    assert code == 1
    assert f"{extra}: metrics.net_income.us-gaap[0]: sign: expected 1 or -1" in err


def test_duplicate_keys_in_a_tag_file_are_refused(project: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    tags = tmp_path / "tags.yaml"
    tags.write_text("metrics:\n  net_income:\n    us-gaap: []\n  net_income:\n    us-gaap: []\n")
    with (project / COMPANIES).open("a") as handle:
        handle.write(SNOW_ENTRY)
    err = fails(project, capsys, "import-sec", str(SNOW_JSON), "--ticker", "SNOW",
                "--tags", str(tags))
    assert f"{tags}:4: metrics.net_income: the key 'net_income' appears twice" in err
