"""import-filing and update on real inline XBRL filings (trimmed, see fixtures/filing/README.md).

Every expected value was read in the filing by hand (the ix:nonFraction text times 10^scale):

NVIDIA 10-Q, quarter 2025-04-28 .. 2025-07-27 (midpoint 2025-06-11, so calendar 2025Q2),
``us-gaap:Revenues`` on ``srt:ProductOrServiceAxis``, scale 6:
  data center 41,096 (= compute 33,844 + networking 7,252, nested inside it);
  gaming 4,287 + professional visualization 601 + automotive 586 + OEM and other 173 = 5,647;
  undimensioned total 46,743 = 41,096 + 5,647.
Prior-year quarter 2024-04-29 .. 2024-07-28 (2024Q2): data center 26,272; others
2,880 + 454 + 346 + 88 = 3,768; total 30,040.
``IncomeTaxExpenseBenefit`` for the quarter is tagged twice: 4,784 (decimals -6, the statement)
and 4,800 (decimals -8, "$4.8 billion" in the text): 4,784 is kept.
Cash at 2025-07-27 11,639 (nearest quarter end 2025-06-30: 2025Q2); at 2025-01-26 8,589 (2024Q4).
Apple 10-Q, quarter 2024-12-29 .. 2025-03-29 (2025Q1): iPhone 46,841, services 26,645.
"""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from reportgen import cli, filing_map
from reportgen.filing import importer as filing_import
from reportgen.filing.document import FilingDocument, FilingDocumentError, most_precise, read_filing
from reportgen.sec.document import Filing

FIXTURES = Path(__file__).parent / "fixtures" / "filing"
NVDA_HTM = FIXTURES / "nvda-10-q-2025-08-27.html"
AAPL_HTM = FIXTURES / "aapl-20250329.htm"
AAPL_XML = FIXTURES / "aapl-20250329_htm.xml"
NVDA_ACCESSION = "0001045810-25-000209"  # illustrative: the file does not carry its accession
NVDA_SOURCE = "sec_1045810_000104581025000209"
AAPL_ACCESSION = "0000320193-25-000057"
PRODUCT = "srt:ProductOrServiceAxis"

NVDA_ENTRY = f"""\
- ticker: NVDA
  name: NVIDIA Corporation
  cik: 1045810
  fiscal_year_end_month: 1
  revenue_lines: {{}}
  contracts: []
  filing_map:
  - {{concept: us-gaap:Revenues, metric: revenue_total}}
  - {{concept: us-gaap:Revenues, axis: {PRODUCT}, member: nvda:DataCenterMember,
     metric: revenue_ai_hpc}}
  - {{concept: us-gaap:Revenues, axis: {PRODUCT}, member: nvda:GamingMember,
     metric: revenue_other}}
  - {{concept: us-gaap:Revenues, axis: {PRODUCT}, member: nvda:ProfessionalVisualizationMember,
     metric: revenue_other}}
  - {{concept: us-gaap:Revenues, axis: {PRODUCT}, member: nvda:AutomotiveMember,
     metric: revenue_other}}
  - {{concept: us-gaap:Revenues, axis: {PRODUCT}, member: nvda:OEMAndOtherMember,
     metric: revenue_other}}
  - {{concept: us-gaap:IncomeTaxExpenseBenefit, metric: income_tax}}
  - {{concept: us-gaap:CashAndCashEquivalentsAtCarryingValue, metric: cash}}
"""


@pytest.fixture(scope="module")
def nvda() -> FilingDocument:
    """One arelle load of the NVIDIA filing, shared by the module's tests."""
    return read_filing(NVDA_HTM)


@pytest.fixture(scope="module")
def aapl() -> FilingDocument:
    return read_filing(AAPL_HTM)


def company(entries: list[dict[str, object]], *, cik: int = 1045810, month: int = 1,
            lines: tuple[str, ...] = ()) -> filing_import.Company:
    problems = filing_map.problems(entries, dict.fromkeys(lines, "ai_hpc"))
    assert problems == []
    return filing_import.Company("T", cik, month, filing_map.parse(entries, dict.fromkeys(
        lines, "ai_hpc")), lines)


def product(member: str, metric: str) -> dict[str, object]:
    return {"concept": "us-gaap:Revenues", "axis": PRODUCT, "member": member, "metric": metric}


NVDA_MAP: list[dict[str, object]] = [
    {"concept": "us-gaap:Revenues", "metric": "revenue_total"},
    product("nvda:DataCenterMember", "revenue_ai_hpc"),
    *(product(f"nvda:{name}Member", "revenue_other")
      for name in ("Gaming", "ProfessionalVisualization", "Automotive", "OEMAndOther")),
    {"concept": "us-gaap:IncomeTaxExpenseBenefit", "metric": "income_tax"},
    {"concept": "us-gaap:CashAndCashEquivalentsAtCarryingValue", "metric": "cash"},
]


def figures(document: FilingDocument, entries: list[dict[str, object]],
            accession: str = NVDA_ACCESSION, **kwargs: object) -> dict[tuple[str, str], object]:
    source = filing_import.Source(document, Filing("2025-08-27", accession, "10-Q",
                                                   document.cik))
    extraction = filing_import.extract([source], company(entries, cik=document.cik, **kwargs))
    return {(f.period, f.metric): f for f in extraction.figures}


# --- reading the filing ------------------------------------------------------------------------

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


# --- the map and the periods -------------------------------------------------------------------

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


# --- the command -------------------------------------------------------------------------------

@pytest.fixture
def nvda_project(project: Path) -> Path:
    with (project / "inputs" / "companies.yaml").open("a") as handle:
        handle.write(NVDA_ENTRY)
    return project


def run(project: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["--config", str(project / "reportgen.yaml"), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


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


# --- fetching and update, against a local server only --------------------------------------------

SNOW_JSON = Path(__file__).parent / "fixtures" / "sec" / "CIK0001640147-snowflake.json"


def submissions(cik: int, *filings: tuple[str, str, str, str, str]) -> bytes:
    columns = list(zip(*filings, strict=True))
    return json.dumps({"cik": str(cik), "filings": {"recent": {
        "accessionNumber": list(columns[0]), "filingDate": list(columns[1]),
        "form": list(columns[2]), "primaryDocument": list(columns[3]),
        "reportDate": list(columns[4])}}}).encode()


NVDA_COMPANYFACTS = json.dumps({"cik": 1045810, "entityName": "NVIDIA CORP", "facts": {
    "us-gaap": {"Revenues": {"units": {"USD": [
        {"start": "2025-04-28", "end": "2025-07-27", "val": 46743000000, "accn": NVDA_ACCESSION,
         "fy": 2026, "fp": "Q2", "form": "10-Q", "filed": "2025-08-27"}]}}}}}).encode()


@pytest.fixture
def local_sec(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, str]]]:
    """A local stand-in for data.sec.gov and www.sec.gov: (path, User-Agent) of each request."""
    served = {
        "/api/xbrl/companyfacts/CIK0001045810.json": NVDA_COMPANYFACTS,
        "/api/xbrl/companyfacts/CIK0001640147.json": SNOW_JSON.read_bytes(),
        "/submissions/CIK0001045810.json": submissions(
            1045810, ("0001045810-25-000116", "2025-05-28", "10-Q", "nvda-20250427.htm",
                      "2025-04-27"),
            ("0001045810-25-000150", "2025-06-02", "8-K", "nvda-8k.htm", "2025-06-01"),
            (NVDA_ACCESSION, "2025-08-27", "10-Q", "nvda-20250727.htm", "2025-07-27")),
        "/Archives/edgar/data/1045810/000104581025000209/nvda-20250727.htm":
            NVDA_HTM.read_bytes(),
    }
    requests: list[tuple[str, str]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append((self.path, self.headers.get("User-Agent", "")))
            body = served.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv(filing_import.SEC_URL_ENV, f"http://127.0.0.1:{server.server_port}")
    monkeypatch.setenv("REPORTGEN_SEC_USER_AGENT", "Jane Analyst jane@example.com")
    try:
        yield requests
    finally:
        server.shutdown()
        server.server_close()


def test_fetch_downloads_the_primary_document(nvda_project: Path, tmp_path: Path,
                                              local_sec: list[tuple[str, str]],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    saved = tmp_path / "nvda.htm"
    code, out, err = run(nvda_project, capsys, "import-filing", str(saved), "--ticker", "NVDA",
                         "--fetch", NVDA_ACCESSION)
    assert (code, err) == (0, "")
    assert saved.read_bytes() == NVDA_HTM.read_bytes()
    assert [path for path, _ in local_sec] == [
        "/submissions/CIK0001045810.json",
        "/Archives/edgar/data/1045810/000104581025000209/nvda-20250727.htm"]
    assert {agent for _, agent in local_sec} == {"Jane Analyst jane@example.com"}
    assert f"NVDA,2025Q2,revenue_ai_hpc,41096,USD_M,{NVDA_SOURCE},reported" in out
    assert "Form 10-Q filed 2025-08-27" not in out  # a dry run prints no sources.yaml text
    assert "accession 0001045810-25-000209" in out


SNOW_ENTRY = """\
- ticker: SNOW
  name: Snowflake Inc.
  cik: 1640147
  fiscal_year_end_month: 1
  revenue_lines: {}
  contracts: []
"""


def test_update_refreshes_every_miner_with_a_cik(nvda_project: Path,
                                                 local_sec: list[tuple[str, str]],
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    with (nvda_project / "inputs" / "companies.yaml").open("a") as handle:
        handle.write(SNOW_ENTRY)
    # the sample miners have CIKs too; only these two are served, so keep just them
    companies = nvda_project / "inputs" / "companies.yaml"
    _keep_only(companies, ("NVDA", "SNOW"))
    code, out, err = run(nvda_project, capsys, "update", "--fetch", "--write")
    assert err == ""
    assert code == 0, out
    assert "NVDA (CIK 1045810):" in out and "SNOW (CIK 1640147):" in out
    # companyfacts' NVDA revenue and the filing's are the same filing's same figure: one row
    facts = (nvda_project / "inputs" / "facts.csv").read_text()
    assert facts.count(f"NVDA,2025Q2,revenue_total,46743,USD_M,{NVDA_SOURCE}") == 1
    assert f"NVDA,2025Q2,revenue_ai_hpc,41096,USD_M,{NVDA_SOURCE},reported" in facts
    assert "SNOW,2025Q1,revenue_total," in facts
    assert "filings: no filing_map" in out  # SNOW
    assert "not in the filings (add by hand): btc_mined" in out
    assert "inputs validated and written" in out
    assert (nvda_project / "filings" / "CIK0001045810" / NVDA_ACCESSION /
            "nvda-20250727.htm").exists()
    # offline from the downloads: nothing new
    code, out, _ = run(nvda_project, capsys, "update")
    assert code == 0 and "0 new, 0 changed" in out


def test_update_writes_nothing_when_a_merged_input_fails_validation(
        nvda_project: Path, local_sec: list[tuple[str, str]],
        capsys: pytest.CaptureFixture[str]) -> None:
    companies = nvda_project / "inputs" / "companies.yaml"
    companies.write_text(companies.read_text() + f"""\
  - {{concept: us-gaap:Revenues, axis: {PRODUCT}, member: nvda:ComputeMember,
     metric: revenue_mining}}
""")  # compute is inside data center: mapping both double counts, and validation says so
    with companies.open("a") as handle:
        handle.write(SNOW_ENTRY)
    _keep_only(companies, ("NVDA", "SNOW"))
    before = [(nvda_project / "inputs" / name).read_bytes() for name in ("facts.csv",
                                                                         "sources.yaml")]
    code, out, _ = run(nvda_project, capsys, "update", "--fetch", "--write")
    assert code == 1
    assert "nothing written" in out and "revenue lines add up to" in out
    assert [(nvda_project / "inputs" / name).read_bytes()
            for name in ("facts.csv", "sources.yaml")] == before


def test_latest_periodic_takes_the_10q_before_a_10k() -> None:
    def listed(accession: str, form: str, filed: str) -> filing_import.Listed:
        return filing_import.Listed(Filing(filed, accession, form, 1), "x.htm", filed)

    from reportgen.filing.update import latest_periodic
    q3 = listed("0000000001-25-000003", "10-Q", "2025-11-01")
    k = listed("0000000001-26-000001", "10-K", "2026-02-20")
    other = listed("0000000001-26-000002", "8-K", "2026-02-21")
    assert latest_periodic([q3, k, other]) == [q3, k]
    assert latest_periodic([q3, other]) == [q3]


def _keep_only(companies: Path, tickers: tuple[str, ...]) -> None:
    """Drop the sample's other miners (and their facts) so only served CIKs are updated."""
    import yaml

    document = yaml.safe_load(companies.read_text())
    document["companies"] = [c for c in document["companies"] if c["ticker"] in tickers]
    companies.write_text(yaml.safe_dump(document, sort_keys=False))
    facts = companies.parent / "facts.csv"
    lines = facts.read_text().splitlines(keepends=True)
    facts.write_text("".join([lines[0], *(line for line in lines[1:]
                                          if line.split(",", 1)[0] in tickers)]))
    config = companies.parent.parent / "reportgen.yaml"
    text = config.read_text()
    if "miners:" in text:
        config.write_text("\n".join(line for line in text.splitlines()
                                    if not line.startswith("miners:")) + "\n")


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


def test_update_writes_nothing_when_one_miners_download_fails(
        nvda_project: Path, local_sec: list[tuple[str, str]],
        capsys: pytest.CaptureFixture[str]) -> None:
    # the sample's miners have CIKs the local server does not serve (404): NVDA's figures
    # would be fine, but the run is all or nothing
    before = [(nvda_project / "inputs" / name).read_bytes() for name in ("facts.csv",
                                                                         "sources.yaml")]
    code, out, _ = run(nvda_project, capsys, "update", "--fetch", "--write")
    assert code == 1
    assert "WULF: failed:" in out and "answered 404" in out and "nothing written" in out
    assert "NVDA (CIK 1045810):" in out
    assert [(nvda_project / "inputs" / name).read_bytes()
            for name in ("facts.csv", "sources.yaml")] == before
