"""The period rules both importers share (sec.periods), on small hand-made companyfacts documents.

Each case is the shape met in CleanSpark's real history (fiscal year ending 30 September): a
late filing misdating a balance, an inception-to-date total and a 15-month window beside the
standard year-to-date windows, a value changed and changed back.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reportgen.sec.document import SecDocumentError, read_document
from reportgen.sec.periods import Extraction, extract
from reportgen.sec.tags import load_tag_map


def fact(start: str | None, end: str, value: int, accession: str, form: str,
         filed: str) -> dict[str, object]:
    item: dict[str, object] = {"end": end, "val": value, "accn": accession, "form": form,
                               "filed": filed}
    if start:
        item["start"] = start
    return item


def extraction(tmp_path: Path, tag: str, facts: list[dict[str, object]]) -> Extraction:
    path = tmp_path / "companyfacts.json"
    # one quarter's revenue, so the filer counts as quarterly (balances go to calendar quarters)
    quarter = [fact("2018-07-01", "2018-09-30", 1_000_000, "0000827876-18-000001", "10-K",
                    "2018-12-01")]
    tags = {"Revenues": {"units": {"USD": quarter}}, tag: {"units": {"USD": facts}}}
    path.write_text(json.dumps({"cik": 827876, "entityName": "CleanSpark-like", "facts": {
        "us-gaap": tags}}))
    tag_map = load_tag_map()
    return extract(read_document(path, tag_map.tags()), tag_map,
                   fiscal_year_end_month=9)


def rows(found: Extraction, period: str, metric: str) -> list[tuple[float, str]]:
    return [(round(f.value, 6), f.source) for f in found.figures
            if (f.period, f.metric) == (period, metric)]


EARLY = [fact(None, "2018-09-30", 412_777, f"0000827876-{18 + i // 4}-00000{i % 4 + 1}",
              "10-K" if i % 4 == 0 else "10-Q", f"20{18 + i // 4}-12-0{i % 4 + 1}")
         for i in range(10)]  # ten filings repeat 412,777 for cash at 30 Sep 2018


def test_a_later_filing_changing_a_value_keeps_both_rows(tmp_path: Path) -> None:
    late = fact(None, "2018-09-30", 7_838_857, "0000827876-21-000009", "10-K", "2021-12-01")
    found = extraction(tmp_path, "CashAndCashEquivalentsAtCarryingValue", [*EARLY, late])
    # 30 Sep 2018 is calendar 2018Q3's end; the late value first, the ten filings' beside it,
    # cited to the first of them (filed 2018-12-01)
    assert rows(found, "2018Q3", "cash") == [(7.838857, "sec_827876_000082787621000009"),
                                             (0.412777, "sec_827876_000082787618000001")]
    assert len(found.changed) == 1
    assert found.changed[0].startswith("2018Q3 cash: 0.412777 from sec_827876_000082787618000001 "
                                       "was changed to 7.838857 by "
                                       "sec_827876_000082787621000009, not an amendment")


def test_an_amendment_restates_without_a_second_row(tmp_path: Path) -> None:
    amended = fact(None, "2018-09-30", 7_838_857, "0000827876-21-000009", "10-K/A",
                   "2021-12-01")
    found = extraction(tmp_path, "CashAndCashEquivalentsAtCarryingValue", [*EARLY, amended])
    assert rows(found, "2018Q3", "cash") == [(7.838857, "sec_827876_000082787621000009")]
    assert found.changed == ()


def test_a_value_changed_and_changed_back_cites_the_filing_that_first_gave_it(
        tmp_path: Path) -> None:
    found = extraction(tmp_path, "CashAndCashEquivalentsAtCarryingValue", [
        fact(None, "2019-09-30", 100_000_000, "0000827876-19-000001", "10-K", "2019-12-01"),
        fact(None, "2019-09-30", 90_000_000, "0000827876-20-000001", "10-Q", "2020-02-01"),
        fact(None, "2019-09-30", 100_000_000, "0000827876-20-000002", "10-K", "2020-12-01")])
    # the README's rule: the value is the latest filing's, cited to the filing that first
    # gave that value (2019-12-01), not to the first of the latest unbroken run (2020-12-01)
    assert rows(found, "2019Q3", "cash") == [(100.0, "sec_827876_000082787619000001"),
                                             (90.0, "sec_827876_000082787620000001")]


def test_quarters_come_only_from_standard_fiscal_windows(tmp_path: Path) -> None:
    accession, form, filed = "0000827876-16-000001", "10-K", "2016-01-15"
    found = extraction(tmp_path, "Revenues", [
        fact("2014-10-01", "2015-09-30", 100_000_000, accession, form, filed),  # FY2015
        fact("2014-10-01", "2015-06-30", 70_000_000, accession, form, filed),  # 9M
        fact("2014-10-01", "2015-12-31", 130_000_000, accession, form, filed),  # 15M transition
        fact("2008-03-01", "2015-12-31", 500_000_000, accession, form, filed),  # since inception
        fact("2008-03-01", "2015-09-30", 480_000_000, accession, form, filed),
    ])
    revenue = {f.period: f for f in found.figures if f.metric == "revenue_total"}
    # Q4 = FY − 9M = 100 − 70 = 30 (July-September, calendar 2015Q3); no "Q5" = 15M − FY for
    # 2015Q4 and no "Q82" from the inception-to-date windows (500 − 480)
    assert sorted(revenue) == ["2015Q3", "FY2015"]
    assert revenue["2015Q3"].value == pytest.approx(30.0)
    assert revenue["2015Q3"].note.startswith("Q4 = FY to 2015-09-30 − 9M to 2015-06-30")


def test_a_bad_document_is_a_problem_in_the_document_not_the_inputs(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"cik": 1, "facts": ')
    with pytest.raises(SecDocumentError) as error:
        read_document(path)
    assert str(error.value).startswith("1 problem in the SEC document:")
    assert "in the inputs" not in str(error.value)
