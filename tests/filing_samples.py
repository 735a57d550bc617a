"""Real inline XBRL filings and the helpers the filing tests share (trimmed, see
fixtures/filing/README.md). Shared by tests/test_filing_*.py and tests/test_filing_map.py; the
fixtures reading them (``nvda``, ``aapl``, ``nvda_project``, ``sec_site``) are in conftest.py.

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

import json
from pathlib import Path

import pytest
import yaml

from reportgen import cli, filing_map
from reportgen.filing import importer as filing_import
from reportgen.filing.document import FilingDocument
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


def run(project: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["--config", str(project / "reportgen.yaml"), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


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


def keep_only(companies: Path, tickers: tuple[str, ...]) -> None:
    """Drop the sample's other miners (and their facts) so only served CIKs are updated."""
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
