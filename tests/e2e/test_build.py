"""End to end: the CLI builds the sample, and the PDFs, HTML, CSV and manifest are checked by
parsing them (pypdf, pdftotext, qpdf), never by trusting the code that wrote them."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

from reportgen import cli
from tests.conftest import ROOT, pdf_text, replace_line

TICKERS = ("WULF", "CORZ", "IREN", "CIFR", "HUT")


def test_every_miner_gets_a_pdf_of_at_least_three_pages_and_an_html(sample: Path) -> None:
    for ticker in TICKERS:
        assert len(PdfReader(sample / f"{ticker}.pdf").pages) >= 3, ticker
        html = (sample / f"{ticker}.html").read_text()
        assert html.startswith("<!DOCTYPE html>")
        assert (sample / f"{ticker}-metrics.csv").stat().st_size > 0


def test_wulf_pdf_states_the_headline_figures(sample: Path) -> None:
    text = " ".join(pdf_text(sample / "WULF.pdf").split())
    assert "TeraWulf Inc. (WULF)" in text
    assert "2026Q1" in text
    assert "61.8%" in text and "$21.0M" in text and "$34.0M" in text
    assert "$427.6M" in text
    assert "$216.3M" in text
    assert "overtook mining revenue this quarter" in text
    assert "Page 1 of" in text


def test_pdf_metadata_is_set_from_the_build_time(sample: Path) -> None:
    reader = PdfReader(sample / "WULF.pdf")
    meta = reader.metadata
    assert meta.title == "TeraWulf Inc. (WULF): 2026Q1 briefing"
    assert not meta.author  # no firm name is shown unless the theme sets one
    assert "AI/HPC" in meta.subject
    assert meta.creation_date.year == 2026 and meta.creation_date.month == 1
    titles = list(_titles(reader.outline))
    assert titles[0] == "TeraWulf Inc. (WULF)"
    for section in ("In brief", "The AI/HPC pivot", "The net result explained",
                    "Where sources disagree", "Sources"):
        assert section in titles


def _titles(outline: list) -> list[str]:
    for item in outline:
        if isinstance(item, list):
            yield from _titles(item)
        else:
            yield item.title


@pytest.mark.skipif(shutil.which("qpdf") is None, reason="qpdf not installed")
def test_qpdf_finds_every_pdf_well_formed(sample: Path) -> None:
    for ticker in TICKERS:
        subprocess.run(["qpdf", "--check", str(sample / f"{ticker}.pdf")], check=True,
                       capture_output=True)


def test_a_miner_behind_on_reporting_says_which_quarter_it_covers(sample: Path) -> None:
    # IREN's latest quarter with results in the sample is 2025Q4 (its 2026Q1 rows are a
    # mining electricity cost and guidance, not results).
    iren = " ".join(pdf_text(sample / "IREN.pdf").split())
    assert "IREN has not reported 2026Q1" in iren
    assert "latest reported quarter, 2025Q4 (FY26 Q2)" in iren


def test_html_is_self_contained(sample: Path) -> None:
    html = (sample / "WULF.html").read_text()
    assert "<link" not in html and "<script" not in html
    assert 'src="http' not in html and "file:" not in html
    # The revenue bridge, the mix, the AI/HPC share, the loss bridge, mining economics.
    assert html.count('src="data:image/svg+xml;base64,') == 5
    assert "<style>" in html and "@page" in html


def test_metrics_csv_round_trips_with_status_and_source(sample: Path) -> None:
    frame = pd.read_csv(sample / "WULF-metrics.csv")
    assert list(frame.columns) == ["ticker", "period", "fiscal_period", "metric", "value",
                                   "unit", "status", "source"]
    share = frame[(frame["period"] == "2026Q1") & (frame["metric"] == "mix_ai_hpc_share")]
    assert share["value"].item() == pytest.approx(21.0 / 34.0)
    assert share["status"].item() == "computed"
    warrants = frame[(frame["period"] == "2026Q1") & (frame["metric"] == "fair_value_change")]
    assert warrants["value"].item() == -216.3
    assert warrants["source"].item() == "wulf_q1_26"


def test_manifest_lists_every_file_with_its_hash(sample: Path) -> None:
    manifest = json.loads((sample / "manifest.json").read_text())
    assert manifest["period"] == "2026Q1"
    assert manifest["built_at"] == "2026-01-01T00:00:00Z"
    names = {entry["path"] for entry in manifest["files"]}
    assert names == {f"{t}{suffix}" for t in (*TICKERS, "sector") for suffix in
                     (".pdf", ".html", "-metrics.csv")} | {"sector.xlsx"}
    for entry in manifest["files"]:
        data = (sample / entry["path"]).read_bytes()
        assert entry["bytes"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    assert not list(sample.glob(".*.tmp")), "a temporary file was left behind"


def test_same_inputs_give_the_same_html_bytes(project: Path, sample: Path) -> None:
    config = str(project / "reportgen.yaml")
    assert cli.main(["--config", config, "build", "--miner", "WULF", "--format", "html"]) == 0
    rebuilt = project / "outputs" / "2026Q1" / "WULF.html"
    assert rebuilt.read_bytes() == (sample / "WULF.html").read_bytes()


def test_broken_facts_give_one_located_message_each_and_touch_no_output(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = str(project / "reportgen.yaml")
    outputs = project / "outputs"
    facts = project / "inputs" / "facts.csv"
    replace_line(facts, "WULF,2026Q1,revenue_total,34,", "WULF,2026Q1,revenue_total,n/a,")
    replace_line(facts, "CORZ,2025Q4,revenue_total,", "XYZ,2025Q4,revenue_total,")
    replace_line(facts, "HUT,2025Q1,revenue_total,", "HUT,2025Q5,revenue_total,")
    assert cli.main(["--config", config, "build"]) == 1
    err = capsys.readouterr().err
    lines = facts.read_text().splitlines()
    expected = [
        (lines.index(next(x for x in lines if x.startswith("WULF,2026Q1,revenue_total"))) + 1,
         "WULF 2026Q1 revenue_total: expected a number in value, got 'n/a'"),
        (lines.index(next(x for x in lines if x.startswith("XYZ,"))) + 1,
         "XYZ 2025Q4 revenue_total: unknown ticker 'XYZ'"),
        (lines.index(next(x for x in lines if x.startswith("HUT,2025Q5"))) + 1,
         "HUT 2025Q5 revenue_total: expected a period like 2026Q1"),
    ]
    for line, message in expected:
        assert f"inputs/facts.csv:{line}: {message}" in err
    assert "3 problems in the inputs" in err
    assert not outputs.exists(), "a failed validation created outputs/"
    assert cli.main(["--config", config, "validate"]) == 1


def test_a_failed_build_leaves_earlier_outputs_unchanged(project: Path) -> None:
    config = str(project / "reportgen.yaml")
    assert cli.main(["--config", config, "build", "--miner", "HUT", "--format", "html"]) == 0
    out = project / "outputs" / "2026Q1"
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    replace_line(project / "inputs" / "facts.csv", "HUT,2026Q1,revenue_total,71.0,",
                 "HUT,2026Q1,revenue_total,seventy,")
    assert cli.main(["--config", config, "build"]) == 1
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_usage_errors_exit_2(project: Path) -> None:
    config = str(project / "reportgen.yaml")
    assert cli.main(["--config", config, "build", "--period", "2026Q5"]) == 2
    assert cli.main(["--config", config, "build", "--miner", "NOPE"]) == 2
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["build", "--no-such-flag"])
    assert exit_info.value.code == 2


def test_data_is_escaped_not_executed(project: Path) -> None:
    companies = project / "inputs" / "companies.yaml"
    replace_line(companies, "name: TeraWulf Inc.",
                 "name: 'Tera<script>alert(1)</script><img src=file:///etc/passwd>'")
    config = str(project / "reportgen.yaml")
    assert cli.main(["--config", config, "build", "--miner", "WULF"]) == 0
    out = project / "outputs" / "2026Q1"
    html = (out / "WULF.html").read_text()
    assert "<script>" not in html and "<img src=file" not in html
    assert "Tera&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Tera<script>alert(1)</script>" in " ".join(pdf_text(out / "WULF.pdf").split())


def test_help_and_validate_do_not_import_the_renderers() -> None:
    code = ("import sys\nfrom reportgen import cli\n"
            "try:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
            f"cli.main(['--config', {str(ROOT / 'reportgen.yaml')!r}, 'validate'])\n"
            "heavy = [m for m in ('weasyprint', 'matplotlib') if m in sys.modules]\n"
            "print('HEAVY', heavy)\n")
    result = subprocess.run([sys.executable, "-c", code],
                            capture_output=True, text=True, check=True, cwd=ROOT)
    assert "HEAVY []" in result.stdout


def test_paper_size_follows_the_config(project: Path) -> None:
    replace_line(project / "reportgen.yaml", "paper_size: A4", "paper_size: Letter")
    config = str(project / "reportgen.yaml")
    assert cli.main(["--config", config, "build", "--miner", "HUT", "--format", "pdf"]) == 0
    page = PdfReader(project / "outputs" / "2026Q1" / "HUT.pdf").pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (612, 792)
    assert not (project / "outputs" / "2026Q1" / "HUT.html").exists()
