"""Merging imported SEC figures into facts.csv and sources.yaml (reportgen/sec/merge.py).

:func:`sec.merge.plan` on texts written here: rows added, replaced in place or left alone;
conflicts beyond 0.5%; sources appended under ``sources:`` with the file's own indentation,
comments untouched. Then :func:`sec.merge.import_sec` as ``reportgen import-sec`` runs it on
the real documents in tests/fixtures/sec/: a dry run writes nothing,
merged inputs that would not validate are not written, another company's document is refused.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reportgen.errors import InputError
from reportgen.sec import merge as sec_merge
from reportgen.sec.document import Document, Filing
from reportgen.sec.periods import Extraction, Figure
from tests.sec_samples import (
    LPA_20F_2023,
    LPA_20F_2024,
    LPA_JSON,
    SNOW_10K_FY25,
    SNOW_10Q_Q1_FY26,
    SNOW_JSON,
    run,
    snapshot,
)

FILING = Filing("2025-05-30", "0001640147-25-000110", "10-Q", 1640147)
SOURCE = "sec_1640147_000164014725000110"
HEADER = "ticker,period,metric,value,unit,source,status,note\n"
SOURCES = "# cited by facts.csv\nsources:\n    press:\n        url: https://example.com/p\n"


def _extraction(*figures: tuple[str, str, float]) -> Extraction:
    document = Document(Path("snow.json"), 1640147, "Snowflake Inc.", {})
    return Extraction(document, tuple(
        Figure(metric, period, value, (FILING,), "reported", "")
        for period, metric, value in figures))


def _plan(facts: str, *figures: tuple[str, str, float], sources: str = SOURCES
          ) -> sec_merge.Merge:
    return sec_merge.plan(facts, sources, "inputs/facts.csv", "inputs/sources.yaml", "SNOW",
                          _extraction(*figures))


def test_new_figures_are_appended_and_the_filing_becomes_a_source():
    merge = _plan(HEADER, ("2025Q1", "revenue_total", 996.766), ("2025Q1", "net_income", -429.952))
    assert merge.facts_text == HEADER + (
        f"SNOW,2025Q1,revenue_total,996.766,USD_M,{SOURCE},reported,\n"
        f"SNOW,2025Q1,net_income,-429.952,USD_M,{SOURCE},reported,\n")
    assert [f.metric for f in merge.added] == ["revenue_total", "net_income"]
    assert merge.replaced == merge.unchanged == merge.conflicts == ()
    assert merge.new_sources == (FILING,)
    # Appended at the file's own four-space indent, the comment and old entry untouched.
    assert merge.sources_text == SOURCES + (
        f"    {SOURCE}:\n"
        "        url: https://www.sec.gov/Archives/edgar/data/1640147/000164014725000110/\n"
        "        publisher: sec.gov\n        kind: SEC filing\n"
        "        description: Form 10-Q filed 2025-05-30, accession 0001640147-25-000110\n")


def test_the_same_row_again_is_unchanged_and_a_changed_value_is_replaced_in_place():
    facts = (HEADER + f"SNOW,2025Q1,revenue_total,996.766,USD_M,{SOURCE},reported,\n"
             "SNOW,2025Q1,capex,10,USD_M,press,secondary,kept\n"
             f"SNOW,2025Q1,net_income,-400,USD_M,{SOURCE},reported,\n")
    merge = _plan(facts, ("2025Q1", "revenue_total", 996.766),
                  ("2025Q1", "net_income", -429.952))
    assert [f.metric for f in merge.unchanged] == ["revenue_total"]
    assert [f.metric for f in merge.replaced] == ["net_income"]
    assert merge.added == () and merge.conflicts == ()  # same source: a correction, no conflict
    assert merge.facts_text == facts.replace("-400,", "-429.952,")


def test_another_sources_value_beyond_half_a_percent_is_a_conflict_and_both_are_kept():
    facts = (HEADER + "SNOW,2025Q1,revenue_total,997,USD_M,press,secondary,\n"
             "SNOW,2025Q1,net_income,-300,USD_M,press,secondary,\n")
    # 997 vs 996.766: 0.02% apart, rounding; -300 vs -429.952: 30% apart.
    merge = _plan(facts, ("2025Q1", "revenue_total", 996.766),
                  ("2025Q1", "net_income", -429.952))
    assert len(merge.added) == 2
    (conflict,) = merge.conflicts
    assert str(conflict) == (f"2025Q1 net_income: -429.952 from {SOURCE} (reported) vs -300 "
                             "from press (secondary, inputs/facts.csv:3)")


def test_crlf_files_stay_crlf_and_a_missing_final_newline_is_added():
    facts = HEADER.replace("\n", "\r\n") + "SNOW,2024Q4,capex,1,USD_M,press,secondary,"
    merge = _plan(facts, ("2025Q1", "capex", 2.0))
    assert merge.facts_text == facts + (
        f"\r\nSNOW,2025Q1,capex,2,USD_M,{SOURCE},reported,\r\n")


def test_a_known_filing_is_not_added_twice():
    sources = SOURCES + f"    {SOURCE}:\n        url: https://example.com\n"
    merge = _plan(HEADER, ("2025Q1", "capex", 2.0), sources=sources)
    assert merge.new_sources == () and merge.sources_text == sources


def test_sources_not_last_in_the_file_cannot_be_appended_to():
    sources = "sources:\n  press:\n    url: https://example.com/p\nother: 1\n"
    with pytest.raises(InputError, match="keep 'sources:' as the file's last top-level key"):
        _plan(HEADER, ("2025Q1", "capex", 2.0), sources=sources)


@pytest.mark.parametrize(("a", "b", "differ"), [
    (100.0, 100.5, False),  # 0.5% of 100.5 is 0.5025
    (100.0, 100.6, True),
    (-429.952, -300.0, True),
    (0.0, 0.0, False),
])
def test_differ_is_the_disagreement_rule(a, b, differ):
    assert sec_merge._differ(a, b) is differ


@pytest.mark.parametrize(("value", "written"), [
    ("https://example.com/a", "https://example.com/a"),
    ("Form 10-Q filed 2025-05-30, accession 0001640147-25-000110",
     "Form 10-Q filed 2025-05-30, accession 0001640147-25-000110"),
    ("yes", '"yes"'),  # would read back as a boolean
    ("2025", '"2025"'),  # would read back as a number
    ('say "hi" #1', '"say \\"hi\\" #1"'),
    ("Core Scientific: Q1 results", '"Core Scientific: Q1 results"'),  # a mapping unquoted
])
def test_scalar_quotes_only_what_would_not_read_back(value, written):
    assert sec_merge._scalar(value) == written


# --- reportgen import-sec on the real documents ---------------------------------------------


def test_ifrs_import_says_no_quarterly_figures_exist(miners: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(miners, capsys, str(LPA_JSON), "--ticker", "LPA")
    assert code == 0
    assert "no quarterly figures" in out
    assert "LPA,FY2024,revenue_total,43.862372,USD_M," + LPA_20F_2024 + ",reported," in out
    assert "no segment split" in out


def test_a_changed_row_from_the_same_filing_is_replaced_in_place(
        miners: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inputs = miners / "inputs"
    with (inputs / "sources.yaml").open("a") as handle:
        handle.write(f"  {SNOW_10Q_Q1_FY26}:\n    url: https://example.com/typed-by-hand\n"
                     "    publisher: sec.gov\n    kind: SEC filing\n")
    with (inputs / "facts.csv").open("a") as handle:
        handle.write(f"SNOW,2025Q1,revenue_total,1040,USD_M,{SNOW_10Q_Q1_FY26},reported,typo\n")
    line = len((inputs / "facts.csv").read_text().splitlines())

    code, out, _ = run(miners, capsys, str(SNOW_JSON), "--ticker", "SNOW", "--write")
    assert code == 0
    assert "1 replaced" in out
    lines = (inputs / "facts.csv").read_text().splitlines()
    assert lines[line - 1].startswith(f"SNOW,2025Q1,revenue_total,1042.074,USD_M,"
                                      f"{SNOW_10Q_Q1_FY26},reported,")
    assert sum(1 for text in lines if text.startswith("SNOW,2025Q1,revenue_total,")) == 1
    # The hand-typed source entry is kept as it was (only new ids are added).
    assert (inputs / "sources.yaml").read_text().count(f"  {SNOW_10Q_Q1_FY26}:") == 1


def test_dry_run_prints_rows_and_writes_nothing(miners: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(miners)
    code, out, _ = run(miners, capsys, str(SNOW_JSON), "--ticker", "SNOW")
    assert code == 0
    assert "ticker,period,metric,value,unit,source,status,note" in out
    assert f"new source {SNOW_10K_FY25}: Form 10-K filed 2025-03-21" in out
    assert "nothing written: add --write" in out
    assert snapshot(miners) == before


def test_as_first_reported_flag(miners: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(miners, capsys, str(LPA_JSON), "--ticker", "LPA", "--as-first-reported")
    assert code == 0
    assert f"LPA,FY2022,depreciation_amortization,0.124287,USD_M,{LPA_20F_2023}," in out


def test_merged_inputs_that_would_not_validate_are_not_written(
        miners: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A revenue line far above the filing's total: valid alone, invalid once the total is in.
    with (miners / "inputs" / "facts.csv").open("a") as handle:
        handle.write("SNOW,2025Q1,revenue_mining,5000,USD_M,wulf_q1_26,estimate,\n")
    before = snapshot(miners)
    code, _, err = run(miners, capsys, str(SNOW_JSON), "--ticker", "SNOW", "--write")
    assert code == 1
    assert "the SEC figures were not written" in err
    assert "revenue lines add up to 5000" in err
    assert snapshot(miners) == before


def test_unknown_ticker_is_a_usage_error(miners: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(miners, capsys, str(SNOW_JSON), "--ticker", "MSTR")
    assert code == 2
    assert "--ticker MSTR: not a miner in inputs/companies.yaml" in err


def test_document_of_another_company_is_refused(miners: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(miners)
    code, _, err = run(miners, capsys, str(LPA_JSON), "--ticker", "SNOW", "--write")
    assert code == 1
    assert "this document is CIK 1997711 (Logistic Properties of the Americas)" in err
    assert "SNOW CIK 1640147" in err
    assert snapshot(miners) == before
