"""import-sec on real SEC companyfacts documents, trimmed to the tags we map (no network).

The fixtures are the two documents in /work/shared/data/sec/ with only the tags listed in
reportgen/sec/tags.yaml kept, each with all its facts, untouched
(``test_fixtures_are_the_real_documents_trimmed`` checks that when the originals are present).
Every expected value below was looked up in the JSON by hand; the arithmetic is written out.
"""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from reportgen import cli, periods
from reportgen.errors import UsageError
from reportgen.sec.document import read_document
from reportgen.sec.fetch import COMPANYFACTS_URL, USER_AGENT_ENV, fetch, user_agent
from reportgen.sec.periods import Figure
from reportgen.sec.periods import extract as extract_periods
from reportgen.sec.tags import load_tag_map

FIXTURES = Path(__file__).parent / "fixtures" / "sec"
SNOW_JSON = FIXTURES / "CIK0001640147-snowflake.json"
LPA_JSON = FIXTURES / "CIK0001997711-ifrs-lpa.json"
ORIGINALS = Path("/work/shared/data/sec")

SNOW_10Q_Q1_FY26 = "sec_1640147_000164014725000110"  # 10-Q filed 2025-05-30, Feb-Apr 2025
SNOW_10K_FY25 = "sec_1640147_000164014725000052"  # 10-K filed 2025-03-21, year to 2025-01-31
SNOW_10Q_Q3_FY25 = "sec_1640147_000164014724000250"  # 10-Q filed 2024-11-27, 9M to 2024-10-31
LPA_20F_2023 = "sec_1997711_000149315224016772"  # 20-F filed 2024-04-26 (filer agent's accn)
LPA_20F_2024 = "sec_1997711_000199771125000030"  # 20-F filed 2025-04-02

SNOW_ENTRY = """\
- ticker: SNOW
  name: Snowflake Inc.
  cik: 1640147
  fiscal_year_end_month: 1
  revenue_lines: {}
  contracts: []
"""
LPA_ENTRY = """\
- ticker: LPA
  name: Logistic Properties of the Americas
  cik: 1997711
  fiscal_year_end_month: 12
  revenue_lines: {}
  contracts: []
"""


def extract(path: Path, *, first: bool = False, month: int = 1) -> dict[tuple[str, str],
                                                                            Figure]:
    tag_map = load_tag_map()
    document = read_document(path, tag_map.tags())
    extraction = extract_periods(document, tag_map, as_first_reported=first,
                                 fiscal_year_end_month=month)
    chosen: dict[tuple[str, str], Figure] = {}
    for figure in extraction.figures:  # the chosen figure comes before a changed value's row
        chosen.setdefault((figure.period, figure.metric), figure)
    return chosen


@pytest.fixture
def miners(project: Path) -> Path:
    """The sample project with Snowflake and LPA added as 'miners' (real CIKs)."""
    with (project / "inputs" / "companies.yaml").open("a") as handle:
        handle.write(SNOW_ENTRY + LPA_ENTRY)
    return project


def run(project: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["--config", str(project / "reportgen.yaml"), "import-sec", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def snapshot(project: Path) -> tuple[bytes, bytes]:
    inputs = project / "inputs"
    return (inputs / "facts.csv").read_bytes(), (inputs / "sources.yaml").read_bytes()


# --- fixtures -----------------------------------------------------------------------------------

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


# --- periods from dates -------------------------------------------------------------------------

def test_a_quarter_taken_directly() -> None:
    figures = extract(SNOW_JSON)
    # RevenueFromContractWithCustomerExcludingAssessedTax, start 2025-02-01, end 2025-04-30,
    # val 1042074000, 10-Q 0001640147-25-000110 (Snowflake's fiscal Q1 FY2026). Its midpoint,
    # 2025-03-16, is in calendar Q1: 1042074000 / 1e6 = 1042.074.
    revenue = figures[("2025Q1", "revenue_total")]
    assert revenue.value == pytest.approx(1042.074)
    assert (revenue.status, revenue.source) == ("reported", SNOW_10Q_Q1_FY26)
    assert revenue.filings[0].url == (
        "https://www.sec.gov/Archives/edgar/data/1640147/000164014725000110/")
    assert revenue.filings[0].description == (
        "Form 10-Q filed 2025-05-30, accession 0001640147-25-000110")
    # NetIncomeLoss for the same three months: -430092000 → -430.092 (a loss stays negative).
    assert figures[("2025Q1", "net_income")].value == pytest.approx(-430.092)


def test_q4_derived_from_the_10k_and_the_9_month_10q() -> None:
    figures = extract(SNOW_JSON)
    # No 3-month fact exists for Nov 2024 - Jan 2025. The 10-K gives the year 2024-02-01 ..
    # 2025-01-31: 3626396000; the Q3 10-Q gives 9 months 2024-02-01 .. 2024-10-31: 2639626000.
    # Q4 = 3626.396 − 2639.626 = 986.770, midpoint mid-December → calendar 2024Q4.
    revenue = figures[("2024Q4", "revenue_total")]
    assert revenue.value == pytest.approx(986.770)
    assert revenue.status == "derived"
    assert revenue.source == f"{SNOW_10K_FY25};{SNOW_10Q_Q3_FY25}"
    assert revenue.note.startswith("Q4 = FY to 2025-01-31 − 9M to 2024-10-31: "
                                   "3626.396 − 2639.626")
    # Net loss: -1285640000 − (-958166000) = -327474000 → -327.474.
    assert figures[("2024Q4", "net_income")].value == pytest.approx(-327.474)


def test_a_quarter_from_year_to_date_figures() -> None:
    figures = extract(SNOW_JSON)
    # DepreciationDepletionAndAmortization is a cash-flow line, tagged year-to-date only:
    # 6M to 2024-07-31 = 85332000, 3M to 2024-04-30 = 40221000 → Q2 = 85.332 − 40.221 = 45.111.
    da = figures[("2024Q2", "depreciation_amortization")]
    assert da.value == pytest.approx(45.111)
    assert da.status == "derived"
    assert da.note.startswith("Q2 = 6M to 2024-07-31 − 3M to 2024-04-30")


def test_balance_sheet_instants_go_to_the_nearest_quarter_end() -> None:
    figures = extract(SNOW_JSON)
    # CashAndCashEquivalentsAtCarryingValue at 2025-01-31 = 2628798000: 31 days after
    # 2024-12-31, 59 days before 2025-03-31, so it is calendar 2024Q4's closing cash.
    cash = figures[("2024Q4", "cash")]
    assert cash.value == pytest.approx(2628.798)
    assert cash.status == "reported"
    # First reported in the FY2025 10-K, repeated unchanged in the next 10-Q: the 10-K is cited.
    assert cash.source == SNOW_10K_FY25


def test_only_periods_the_validator_accepts() -> None:
    figures = extract(SNOW_JSON)
    assert all(periods.is_quarter(p) or periods.YEAR.match(p) for p, _ in figures)
    # Snowflake's fiscal year to 2020-01-31 predates its quarterly filings (no Feb-Jul 2019
    # quarters), so the year stays a year: FY2020 revenue 264748000 → 264.748.
    assert figures[("FY2020", "revenue_total")].value == pytest.approx(264.748)
    # ... while the year to 2025-01-31 has all four quarters and is not repeated as FY2025.
    assert ("FY2025", "revenue_total") not in figures


# --- restatements -------------------------------------------------------------------------------

def test_a_restated_fact_latest_filing_by_default_or_as_first_reported() -> None:
    # ifrs-full:AdjustmentsForDepreciationAndAmortisationExpense for 2022-01-01 .. 2022-12-31:
    # 124287 in the 20-F filed 2024-04-26, restated to 228485 in the 20-F filed 2025-04-02.
    latest = extract(LPA_JSON, month=12)[("FY2022", "depreciation_amortization")]
    assert latest.value == pytest.approx(0.228485)
    assert latest.source == LPA_20F_2024
    # the later 20-F is no amendment: the first value stays beside it, and is listed
    tag_map = load_tag_map()
    extraction = extract_periods(read_document(LPA_JSON, tag_map.tags()), tag_map,
                                 fiscal_year_end_month=12)
    rows = [(f.value, f.source) for f in extraction.figures
            if (f.period, f.metric) == ("FY2022", "depreciation_amortization")]
    assert rows == [(pytest.approx(0.228485), LPA_20F_2024),
                    (pytest.approx(0.124287), LPA_20F_2023)]
    assert any(line.startswith("FY2022 depreciation_amortization: 0.124287 from "
                               f"{LPA_20F_2023} was changed to 0.228485 by {LPA_20F_2024}")
               for line in extraction.changed)
    first = extract(LPA_JSON, first=True, month=12)[("FY2022", "depreciation_amortization")]
    assert first.value == pytest.approx(0.124287)
    assert first.source == LPA_20F_2023


def test_an_unrestated_fact_cites_the_filing_that_first_reported_it() -> None:
    # ifrs-full:Revenue 2022: 31983567 in both 20-Fs; the value is the latest filing's, the
    # citation the earlier one, so importing a newer document does not re-source old figures.
    revenue = extract(LPA_JSON, month=12)[("FY2022", "revenue_total")]
    assert revenue.value == pytest.approx(31.983567)
    assert revenue.source == LPA_20F_2023


# --- an annual-only IFRS filer ------------------------------------------------------------------

def test_ifrs_annual_filer_gets_year_rows_and_no_quarters() -> None:
    tag_map = load_tag_map()
    extraction = extract_periods(read_document(LPA_JSON, tag_map.tags()), tag_map,
                                 fiscal_year_end_month=12)
    assert not extraction.quarterly
    figures = {(f.period, f.metric): f for f in extraction.figures}
    assert all(period.startswith("FY") for period, _ in figures)
    # FY2024 (20-F filed 2025-04-02): Revenue 43862372, ProfitLossAttributableToOwnersOfParent
    # -29285428, CashAndCashEquivalents at 2024-12-31 28827347, Borrowings 267216692.
    assert figures[("FY2024", "revenue_total")].value == pytest.approx(43.862372)
    assert figures[("FY2024", "net_income")].value == pytest.approx(-29.285428)
    assert figures[("FY2024", "cash")].value == pytest.approx(28.827347)
    assert figures[("FY2024", "total_debt")].value == pytest.approx(267.216692)
    # Cash at 2024-03-26 (1121150, not a year end) is left out rather than made a quarter.
    assert not any(f.value == pytest.approx(1.12115) for f in extraction.figures)


def test_ifrs_import_says_no_quarterly_figures_exist(miners: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(miners, capsys, str(LPA_JSON), "--ticker", "LPA")
    assert code == 0
    assert "no quarterly figures" in out
    assert "LPA,FY2024,revenue_total,43.862372,USD_M," + LPA_20F_2024 + ",reported," in out
    assert "no segment split" in out


# --- signs and the tag mapping ------------------------------------------------------------------

def _document(tmp_path: Path, tag: str, value: int) -> Path:
    path = tmp_path / "warrants.json"
    fact = {"start": "2025-01-01", "end": "2025-03-31", "val": value, "accn": "0000000001-25-0"
            "00001", "fy": 2025, "fp": "Q1", "form": "10-Q", "filed": "2025-05-01"}
    path.write_text(json.dumps({"cik": 1, "entityName": "X", "facts": {
        "us-gaap": {tag: {"units": {"USD": [fact]}}}}}))
    return path


def test_expense_income_tags_are_flipped_into_our_sign_convention(tmp_path: Path) -> None:
    # FairValueAdjustmentOfWarrants is "expense (income)": 5,000,000 of expense is a 5.0 loss,
    # which our convention writes as -5 (vocabulary.py: gains and losses signed, loss negative).
    figures = extract(_document(tmp_path, "FairValueAdjustmentOfWarrants", 5_000_000))
    assert figures[("2025Q1", "fair_value_change")].value == pytest.approx(-5.0)
    # ImpairmentOfLongLivedAssetsHeldForUse is a charge and stays positive.
    figures = extract(_document(tmp_path, "ImpairmentOfLongLivedAssetsHeldForUse", 2_500_000))
    assert figures[("2025Q1", "impairment")].value == pytest.approx(2.5)


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


# --- merging, then building ---------------------------------------------------------------------

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


# --- bad documents and arguments: clear errors, nothing written ----------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ('{"cik": 1640147, "facts": {', "not valid JSON"),
    ("[1, 2]", "not an SEC companyfacts document: expected a JSON object"),
    ('{"cik": 1640147, "entityName": "SNOWFLAKE INC."}',
     "not an SEC companyfacts document: missing 'facts'"),
    ('{"cik": 1640147, "entityName": "S", "facts": {"dei": {}}}', "has no us-gaap or ifrs-full"),
    ('{"cik": 1640147, "entityName": "S", "facts": {"us-gaap": {"Revenues": {"units": {"USD": '
     '[{"start": "2025-02-01", "end": "2025-04-30", "val": 1, "form": "10-Q", '
     '"filed": "2025-05-30"}]}}}}}', "facts.us-gaap.Revenues.units.USD[0]: missing accn"),
])
def test_a_bad_document_is_named_and_nothing_is_written(
        miners: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str,
        expected: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    before = snapshot(miners)
    code, _, err = run(miners, capsys, str(path), "--ticker", "SNOW", "--write")
    assert code == 1
    assert f"{path}: " in err or f"{path}:1: " in err
    assert expected in err
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


# --- fetching, against a local server only -------------------------------------------------------

@pytest.fixture
def local_sec() -> Iterator[tuple[str, list[str]]]:
    agents: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            agents.append(self.headers.get("User-Agent", ""))
            body = SNOW_JSON.read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/CIK0001640147.json", agents
    finally:
        server.shutdown()
        server.server_close()


def test_fetch_sends_the_user_agent_and_saves_the_document(
        local_sec: tuple[str, list[str]], tmp_path: Path) -> None:
    url, agents = local_sec
    saved = fetch(1640147, tmp_path / "snow.json", "Jane Analyst jane@example.com", url=url)
    assert agents == ["Jane Analyst jane@example.com"]
    assert saved.read_bytes() == SNOW_JSON.read_bytes()
    assert COMPANYFACTS_URL.format(cik=1640147) == (
        "https://data.sec.gov/api/xbrl/companyfacts/CIK0001640147.json")


def test_fetch_needs_a_user_agent(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(USER_AGENT_ENV, raising=False)
    with pytest.raises(UsageError, match="REPORTGEN_SEC_USER_AGENT"):
        user_agent(None)
    assert user_agent("Config Person cp@example.com") == "Config Person cp@example.com"
    monkeypatch.setenv(USER_AGENT_ENV, "Jane Analyst jane@example.com")
    assert user_agent("Config Person cp@example.com") == "Jane Analyst jane@example.com"
