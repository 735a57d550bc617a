"""import-filing (reportgen/filing/importer.py): a miner's filing_map applied to real inline
XBRL filings (hand-checked values in tests/filing_samples.py), the periods derived as
companyfacts' are, then merged and validated before anything is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from reportgen.filing import importer as filing_import
from reportgen.filing.document import FilingDocument
from reportgen.sec.document import Filing
from tests.filing_samples import (
    AAPL_ACCESSION,
    AAPL_HTM,
    NVDA_ACCESSION,
    NVDA_HTM,
    NVDA_MAP,
    NVDA_SOURCE,
    PRODUCT,
    company,
    figures,
    product,
    run,
)

# --- the map and the periods -----------------------------------------------------------------


def test_nvidia_members_become_revenue_lines(nvda: FilingDocument) -> None:
    found = figures(nvda, NVDA_MAP)
    ai_hpc = found[("2025Q2", "revenue_ai_hpc")]
    assert (ai_hpc.value, ai_hpc.unit, ai_hpc.status, ai_hpc.source) == (
        pytest.approx(41_096), "USD_M", "reported", NVDA_SOURCE)
    assert ai_hpc.note == ("us-gaap:Revenues [srt:ProductOrServiceAxis=nvda:DataCenterMember], "
                           "3 months to 2025-07-27")
    assert found[("2025Q2", "revenue_other")].value == pytest.approx(5_647)
    assert found[("2025Q2", "revenue_total")].value == pytest.approx(46_743)
    assert found[("2024Q2", "revenue_ai_hpc")].value == pytest.approx(26_272)
    assert found[("2024Q2", "revenue_other")].value == pytest.approx(3_768)
    assert found[("2025Q2", "income_tax")].value == pytest.approx(4_784)
    assert found[("2025Q2", "cash")].value == pytest.approx(11_639)
    assert found[("2024Q4", "cash")].value == pytest.approx(8_589)
    # the 6-month windows (2025-01-27 .. 2025-07-27) are neither quarters nor years
    assert sorted({period for period, _ in found}) == ["2024Q2", "2024Q4", "2025Q2"]


def test_nested_members_are_not_double_counted(nvda: FilingDocument) -> None:
    # data center mapped, its children compute and networking not: 41,096, not 82,192
    found = figures(nvda, [product("nvda:DataCenterMember", "revenue_ai_hpc")])
    assert found[("2025Q2", "revenue_ai_hpc")].value == pytest.approx(41_096)
    # the children named instead are siblings, summed: 33,844 + 7,252 = 41,096
    found = figures(nvda, [product("nvda:ComputeMember", "revenue_ai_hpc"),
                           product("nvda:NetworkingMember", "revenue_ai_hpc")])
    assert found[("2025Q2", "revenue_ai_hpc")].value == pytest.approx(41_096)


def test_an_entry_without_axis_matches_only_undimensioned_facts(nvda: FilingDocument) -> None:
    # us-gaap:Revenues also carries geographic, segment and product dimensions; only the
    # undimensioned 46,743 is the total (US alone is 23,470; the segment axis 46,743 twice)
    found = figures(nvda, [{"concept": "us-gaap:Revenues", "metric": "revenue_total"}])
    assert found[("2025Q2", "revenue_total")].value == pytest.approx(46_743)
    # and an axis entry does not match a fact with that member plus another dimension
    found = figures(nvda, [{"concept": "us-gaap:Revenues", "axis": "srt:ConsolidationItemsAxis",
                            "member": "us-gaap:OperatingSegmentsMember",
                            "metric": "revenue_total"}])
    assert found[("2025Q2", "revenue_total")].value == pytest.approx(46_743)  # not + segments


def test_apple_htm_gives_the_hand_checked_members(aapl: FilingDocument) -> None:
    found = figures(aapl, [
        {"concept": "us-gaap:RevenueFromContractWithCustomerExcludingAssessedTax",
         "axis": PRODUCT, "member": "aapl:IPhoneMember", "metric": "revenue_hardware"},
        {"concept": "us-gaap:RevenueFromContractWithCustomerExcludingAssessedTax",
         "axis": PRODUCT, "member": "us-gaap:ServiceMember", "metric": "revenue_services"}],
        AAPL_ACCESSION, month=9, lines=("revenue_hardware", "revenue_services"))
    assert found[("2025Q1", "revenue_hardware")].value == pytest.approx(46_841)
    assert found[("2025Q1", "revenue_services")].value == pytest.approx(26_645)
    assert found[("2025Q1", "revenue_services")].source == "sec_320193_000032019325000057"


def test_a_sum_missing_one_of_its_members_is_skipped_not_partial(nvda: FilingDocument) -> None:
    # data center is tagged for the four duration windows, cash only at two instants: no
    # window has both, so every window would be a partial sum and none is imported
    entries = [product("nvda:DataCenterMember", "revenue_ai_hpc"),
               {"concept": "us-gaap:CashAndCashEquivalentsAtCarryingValue",
                "metric": "revenue_ai_hpc"}]
    source = filing_import.Source(nvda, Filing("", NVDA_ACCESSION, "10-Q", nvda.cik))
    extraction = filing_import.extract([source], company(entries))
    assert extraction.figures == ()
    assert len(extraction.skipped) == 6
    assert any("2025-04-28..2025-07-27" in reason and "CashAndCashEquivalentsAtCarryingValue "
               "not tagged for these dates, so the sum would be partial" in reason
               for reason in extraction.skipped)


def test_q4_from_a_10k_and_the_q3_10q_cites_both() -> None:
    # A miner with a September year end: the Q3 10-Q tags colocation revenue for the 9 months
    # to 2025-06-30 (70,000,000), the 10-K for the year to 2025-09-30 (100,000,000); neither
    # tags July-September alone. Q4 = 100 − 70 = 30 USD_M, calendar 2025Q3 (midpoint 15 Aug).
    from datetime import date

    from reportgen.filing.document import FilingFact

    member = frozenset({(PRODUCT, "corz:ColocationMember")})

    def document(start: str, end: str, value: float, form: str) -> FilingDocument:
        fact = FilingFact("us-gaap:Revenues", member, date.fromisoformat(start),
                          date.fromisoformat(end), value, -3.0, "USD")
        return FilingDocument(Path(f"{form}.htm"), 1839341, "Core Scientific", form,
                              date.fromisoformat(end), False, (fact,))

    q3 = filing_import.Source(document("2024-10-01", "2025-06-30", 70e6, "10-Q"),
                              Filing("2025-08-01", "0001839341-25-000010", "10-Q", 1839341))
    k = filing_import.Source(document("2024-10-01", "2025-09-30", 100e6, "10-K"),
                             Filing("2025-11-20", "0001839341-25-000020", "10-K", 1839341))
    entries = [product("corz:ColocationMember", "revenue_colocation")]
    extraction = filing_import.extract([q3, k], company(entries, cik=1839341, month=9,
                                                        lines=("revenue_colocation",)))
    found = {(f.period, f.metric): f for f in extraction.figures}
    q4 = found[("2025Q3", "revenue_colocation")]
    assert (q4.value, q4.status) == (pytest.approx(30.0), "derived")
    assert q4.source == "sec_1839341_000183934125000020;sec_1839341_000183934125000010"
    assert q4.note.startswith("Q4 = FY to 2025-09-30 − 9M to 2025-06-30: 100 − 70 "
                              "(us-gaap:Revenues [srt:ProductOrServiceAxis=corz:ColocationMember])")


# --- the command -----------------------------------------------------------------------------


def test_import_filing_writes_validated_rows_once(nvda_project: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    facts = nvda_project / "inputs" / "facts.csv"
    before = facts.read_bytes()
    code, out, err = run(nvda_project, capsys, "import-filing", str(NVDA_HTM), "--ticker",
                         "NVDA", "--accession", NVDA_ACCESSION)
    assert (code, err) == (0, "")
    assert facts.read_bytes() == before  # a dry run
    assert (f"NVDA,2025Q2,revenue_ai_hpc,41096,USD_M,{NVDA_SOURCE},reported,"
            '"us-gaap:Revenues [srt:ProductOrServiceAxis=nvda:DataCenterMember], 3 months to '
            '2025-07-27"') in out
    assert "not in the filing (add by hand): btc_mined, hashrate" in out
    code, out, err = run(nvda_project, capsys, "import-filing", str(NVDA_HTM), "--ticker",
                         "NVDA", "--accession", NVDA_ACCESSION, "--write")
    assert (code, err) == (0, "")
    assert "10 rows added, 0 replaced, 0 already there; inputs/sources.yaml: 1 sources" in out
    written = facts.read_bytes()
    sources = (nvda_project / "inputs" / "sources.yaml").read_text()
    assert f"  {NVDA_SOURCE}:\n" in sources and "Form 10-Q, accession 0001045810-25-000209" \
        in sources
    code, out, _ = run(nvda_project, capsys, "import-filing", str(NVDA_HTM), "--ticker",
                       "NVDA", "--accession", NVDA_ACCESSION, "--write")
    assert "0 rows added, 0 replaced, 10 already there" in out
    assert facts.read_bytes() == written  # the same filing never twice
    assert run(nvda_project, capsys, "validate")[0] == 0


def test_a_disagreeing_row_stays_beside_and_is_listed(nvda_project: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    with (nvda_project / "inputs" / "facts.csv").open("a") as handle:
        handle.write("NVDA,2025Q2,revenue_ai_hpc,41.1,USD_M,wulf_q4_24,secondary,typed in USD bn\n")
    code, out, _ = run(nvda_project, capsys, "import-filing", str(NVDA_HTM), "--ticker", "NVDA",
                       "--accession", NVDA_ACCESSION)
    assert code == 0
    assert "1 figure(s) differ" in out
    assert f"2025Q2 revenue_ai_hpc: 41096 from {NVDA_SOURCE} (reported) vs 41.1 from " \
           "wulf_q4_24 (secondary" in out


def test_nested_members_mapped_twice_fail_validation_and_nothing_is_written(
        nvda_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    companies = nvda_project / "inputs" / "companies.yaml"
    companies.write_text(companies.read_text() + f"""\
  - {{concept: us-gaap:Revenues, axis: {PRODUCT}, member: nvda:ComputeMember,
     metric: revenue_mining}}
""")
    before = (nvda_project / "inputs" / "facts.csv").read_bytes()
    code, _, err = run(nvda_project, capsys, "import-filing", str(NVDA_HTM), "--ticker", "NVDA",
                       "--accession", NVDA_ACCESSION, "--write")
    assert code == 1
    assert "would not validate" in err and "revenue lines add up to" in err
    assert (nvda_project / "inputs" / "facts.csv").read_bytes() == before


def test_a_local_file_needs_its_accession(nvda_project: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(nvda_project, capsys, "import-filing", str(NVDA_HTM), "--ticker", "NVDA")
    assert code == 2 and "--accession" in err


def test_another_companys_filing_is_refused(nvda_project: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(nvda_project, capsys, "import-filing", str(AAPL_HTM), "--ticker", "NVDA",
                       "--accession", AAPL_ACCESSION)
    assert code == 1 and "CIK 320193 (Apple Inc.)" in err


# --- fetching, against a local server only ---------------------------------------------------


def test_fetch_downloads_the_primary_document(nvda_project: Path, tmp_path: Path,
                                              sec_site: list[tuple[str, str]],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    saved = tmp_path / "nvda.htm"
    code, out, err = run(nvda_project, capsys, "import-filing", str(saved), "--ticker", "NVDA",
                         "--fetch", NVDA_ACCESSION)
    assert (code, err) == (0, "")
    assert saved.read_bytes() == NVDA_HTM.read_bytes()
    assert [path for path, _ in sec_site] == [
        "/submissions/CIK0001045810.json",
        "/Archives/edgar/data/1045810/000104581025000209/nvda-20250727.htm"]
    assert {agent for _, agent in sec_site} == {"Jane Analyst jane@example.com"}
    assert f"NVDA,2025Q2,revenue_ai_hpc,41096,USD_M,{NVDA_SOURCE},reported" in out
    assert "Form 10-Q filed 2025-08-27" not in out  # a dry run prints no sources.yaml text
    assert "accession 0001045810-25-000209" in out
