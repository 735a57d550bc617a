"""Reading a filing's inline XBRL offline with arelle (reportgen/filing/document.py): the
cover page, scaled and signed values, nil facts missing rather than zero, duplicates resolved
by precision, and an XBRL instance refused with what to import instead."""

from __future__ import annotations

import pytest

from reportgen.filing.document import FilingDocument, FilingDocumentError, most_precise, read_filing
from tests.filing_samples import AAPL_XML, PRODUCT


def test_the_cover_page_and_arelles_scaled_values(nvda: FilingDocument) -> None:
    assert (nvda.cik, nvda.entity_name, nvda.form) == (1045810, "NVIDIA CORP", "10-Q")
    assert nvda.period_end is not None and nvda.period_end.isoformat() == "2025-07-27"
    data_center = [f for f in nvda.facts if f.dimensions == {(PRODUCT, "nvda:DataCenterMember")}
                   and f.start is not None and f.start.isoformat() == "2025-04-28"]
    assert [(f.value, f.end.isoformat(), f.unit) for f in data_center] == [
        (41_096_000_000.0, "2025-07-27", "USD")]  # "41,096" with scale="6"


def test_sign_minus_flips_and_nil_facts_are_missing(nvda: FilingDocument) -> None:
    # OtherComprehensiveIncomeUnrealizedHoldingGainLoss... shows "52" with sign="-", scale 6
    signed = {f.value for f in nvda.facts if f.concept.endswith(
        "UnrealizedHoldingGainLossOnSecuritiesArisingDuringPeriodNetOfTax")}
    assert -52_000_000.0 in signed
    # us-gaap:CommitmentsAndContingencies is xsi:nil="true" in both its contexts: not a zero
    assert not [f for f in nvda.facts if f.concept == "us-gaap:CommitmentsAndContingencies"]


def test_duplicates_keep_the_highest_decimals(nvda: FilingDocument) -> None:
    taxes = [f for f in most_precise(nvda.facts).values()
             if f.concept == "us-gaap:IncomeTaxExpenseBenefit" and f.start is not None
             and f.start.isoformat() == "2025-04-28"]
    assert [f.value for f in taxes] == [4_784_000_000.0]


def test_an_xbrl_instance_is_refused_naming_the_htm() -> None:
    with pytest.raises(FilingDocumentError, match=r"import the filing's inline XBRL \.htm") as e:
        read_filing(AAPL_XML)
    assert "in the filing document" in str(e.value)
    assert "in the inputs" not in str(e.value)
