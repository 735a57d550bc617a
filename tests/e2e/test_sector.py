"""The sector overview and the peer section of each briefing, checked from the built files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from reportgen import cli
from tests.conftest import pdf_text, replace_line

TICKERS = ("WULF", "CORZ", "IREN", "CIFR", "HUT")


def _flat(path: Path) -> str:
    return " ".join(pdf_text(path).split())


def _is_peer_table(text: str) -> bool:
    return "Crossover" in text and "\nMedian" in text


def _peer_rows(path: Path) -> dict[str, str]:
    """Lines of the peer table page that start with a ticker, in order."""
    number = next(i for i, page in enumerate(PdfReader(path).pages, start=1)
                  if _is_peer_table(page.extract_text()))
    return {line.split()[0]: line for line in pdf_text(path, number).splitlines()
            if line.split() and line.split()[0] in TICKERS}


def test_sector_pdf_shows_every_miner_with_its_share_and_the_median(sample: Path) -> None:
    rows = _peer_rows(sample / "sector.pdf")
    text = pdf_text(sample / "sector.pdf")
    assert set(rows) == set(TICKERS)
    assert "67.3%" in rows["CORZ"] and "61.8%" in rows["WULF"] and "9.4%" in rows["IREN"]
    assert "—" in rows["HUT"] and "—" in rows["CIFR"]
    flat = " ".join(text.split())
    assert "Median $71.0M (5)" in flat  # how many values each median has
    assert "listed, in italics, with its latest reported quarter" in flat
    assert "2025Q4 (FY26 Q2)" in rows["IREN"] and "2026Q1" in rows["CIFR"]
    assert "4 reported 2026Q1 (CIFR, CORZ, HUT and WULF)" in flat
    assert "2 of the 3 miners that split revenue by business now earn more from AI/HPC" in flat


def test_peer_table_is_sorted_by_share_current_miners_first(sample: Path) -> None:
    # IREN, behind on reporting, comes after the miners that reported 2026Q1
    assert list(_peer_rows(sample / "sector.pdf")) == ["CORZ", "WULF", "CIFR", "HUT", "IREN"]


def test_wulf_briefing_ranks_it_among_its_peers(sample: Path) -> None:
    text = _flat(sample / "WULF.pdf")
    assert "Among peers" in text
    # The median is of the other miners: two others disclose the share (CORZ, IREN), too few.
    assert "AI/HPC share of revenue 61.8% 2nd of 3 too few 3 of 5" in text
    # CORZ +44.4%, IREN −23.1%, CIFR −41.6%: the median of the other three.
    assert "Revenue growth QoQ −5.0% 2nd of 4 −23.1% (of 3) 4 of 5" in text


def test_xlsx_holds_numbers_with_formats(sample: Path) -> None:
    book = load_workbook(sample / "sector.xlsx")
    assert book.sheetnames == ["Peers", "Metrics", "Sources"]
    sheet = book["Peers"]
    header = [cell.value for cell in sheet[1]]
    share = header.index("ai_hpc_share") + 1
    tickers = {sheet.cell(row=r, column=1).value: r for r in range(2, sheet.max_row + 1)}
    wulf_share = sheet.cell(row=tickers["WULF"], column=share)
    assert isinstance(wulf_share.value, float)
    assert wulf_share.value == pytest.approx(21.0 / 34.0)
    assert wulf_share.number_format == "0.0%"
    assert sheet.cell(row=tickers["HUT"], column=share).value is None


def test_sector_csv_round_trips_with_the_tables_values(sample: Path) -> None:
    tidy = pd.read_csv(sample / "sector-metrics.csv")
    assert set(tidy["ticker"]) == set(TICKERS)
    assert {"status", "source", "fiscal_period"} <= set(tidy.columns)
    peers = pd.read_excel(sample / "sector.xlsx", sheet_name="Peers").set_index("ticker")
    for ticker, row in peers.iterrows():
        mine = tidy[(tidy["ticker"] == ticker) & (tidy["period"] == row["period"])]
        share = mine.loc[mine["metric"] == "mix_ai_hpc_share", "value"]
        if pd.isna(row["ai_hpc_share"]):
            assert share.empty
        else:
            assert share.item() == pytest.approx(row["ai_hpc_share"])
        revenue = mine.loc[mine["metric"] == "revenue_total", "value"]
        assert revenue.item() == pytest.approx(row["revenue"])


def test_a_miner_missing_its_latest_quarter_is_listed_with_the_one_before(project: Path) -> None:
    facts = project / "inputs" / "facts.csv"
    kept = [line for line in facts.read_text().splitlines(keepends=True)
            if not line.startswith("HUT,2026Q1,")]
    facts.write_text("".join(kept))
    config = str(project / "reportgen.yaml")
    assert cli.main(["--config", config, "build", "--miner", "WULF", "--format", "pdf"]) == 0
    out = project / "outputs" / "2026Q1"
    hut = _peer_rows(out / "sector.pdf")["HUT"]
    assert "2025Q4" in hut
    # HUT's 2025Q4 net loss; no revenue in the inputs for 2025Q4, and nothing of 2026Q1 mixed in
    assert "−$301.8M" in hut and "$71.0M" not in hut and "$219.8M" not in hut
    assert "HUT 2025Q4" in _flat(out / "sector.pdf")
    assert not (out / "HUT.pdf").exists(), "--miner WULF built another miner's briefing"
    assert "of 5" in _flat(out / "WULF.pdf"), "--miner changed the peer set"


@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_peer_table_page_is_landscape_and_fits(project: Path, paper: str) -> None:
    replace_line(project / "reportgen.yaml", "paper_size: A4", f"paper_size: {paper}")
    config = str(project / "reportgen.yaml")
    assert cli.main(["--config", config, "build", "--miner", "HUT", "--format", "pdf"]) == 0
    reader = PdfReader(project / "outputs" / "2026Q1" / "sector.pdf")
    table_page = next(page for page in reader.pages if _is_peer_table(page.extract_text()))
    width, height = float(table_page.mediabox.width), float(table_page.mediabox.height)
    assert width > height
    text = table_page.extract_text()
    assert "Median" in text and "Debt" in text and "CIFR" in text
    assert "$5.8B" in text  # WULF's debt: the last column is not cut off


def test_sort_order_comes_from_the_config(project: Path) -> None:
    yaml_file = project / "reportgen.yaml"
    replace_line(yaml_file, "sort_by: ai_hpc_share", "sort_by: revenue")
    assert cli.main(["--config", str(yaml_file), "build", "--miner", "HUT",
                     "--format", "pdf"]) == 0
    order = list(_peer_rows(project / "outputs" / "2026Q1" / "sector.pdf"))
    assert order == ["CORZ", "HUT", "CIFR", "WULF", "IREN"]
