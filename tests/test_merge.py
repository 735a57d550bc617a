"""Merging imported SEC figures into facts.csv and sources.yaml (:func:`sec.merge.plan`), on
texts written here: rows added, replaced in place or left alone; conflicts beyond 0.5%;
sources appended under ``sources:`` with the file's own indentation, comments untouched."""

from __future__ import annotations

from pathlib import Path

import pytest

from reportgen.errors import InputError
from reportgen.sec import merge as sec_merge
from reportgen.sec.document import Document, Filing
from reportgen.sec.periods import Extraction, Figure

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
