"""Publication-grade documents: archival tagged PDF carrying its data, a table of contents
that matches, themes and template overrides, glyphs, and the HTML in a real browser."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pandas as pd
import pikepdf
import pytest
from pypdf import PdfReader

from reportgen import cli
from tests.conftest import pdf_text, replace_line

TICKERS = ("WULF", "CORZ", "IREN", "CIFR", "HUT")


def test_pdfs_are_archival_tagged_and_carry_their_data(sample: Path) -> None:
    for ticker in TICKERS:
        with pikepdf.open(sample / f"{ticker}.pdf") as pdf:
            root = pdf.Root
            assert "/OutputIntents" in root and "/StructTreeRoot" in root
            assert str(root.Lang) == "en"
            assert str(pdf.open_metadata().get("pdfaid:part")) == "3"
            assert "/EmbeddedFiles" in root.Names
            embedded = pdf.attachments[f"{ticker}-metrics.csv"].get_file().read_bytes()
            assert embedded == (sample / f"{ticker}-metrics.csv").read_bytes()
            frame = pd.read_csv(io.BytesIO(embedded))
            assert list(frame["ticker"].unique()) == [ticker]
            facts = pd.read_csv(io.BytesIO(
                pdf.attachments[f"{ticker}-facts.csv"].get_file().read_bytes()))
            assert {"source", "status", "line"} <= set(facts.columns)


def test_the_table_of_contents_points_at_the_right_pages(sample: Path) -> None:
    for name in ("WULF.pdf", "CIFR.pdf", "sector.pdf"):
        path = sample / name
        pages = len(PdfReader(path).pages)
        texts = {n: pdf_text(path, n) for n in range(1, pages + 1)}
        # The contents follow the brief: on the cover, or the page after when the brief is long.
        entries = next(found for n in (1, 2) if len(found := re.findall(
            r"^(\S.*?)\s?\.{3,}\s*(\d+)\s*$", texts[n], flags=re.MULTILINE)) >= 3)
        assert len(entries) >= 3, name
        for title, page in entries:
            found = next(n for n in range(2, pages + 1)
                         if re.search(rf"^\s*{re.escape(title.strip())}\s*$", texts[n],
                                      flags=re.MULTILINE))
            assert found == int(page), f"{name}: {title} is on page {found}, TOC says {page}"


@pytest.mark.parametrize(("variant", "intents"), [("plain", False), ("pdf/ua-1", False)])
def test_the_pdf_variant_is_a_config_switch(project: Path, variant: str, intents: bool) -> None:
    yaml_file = project / "reportgen.yaml"
    yaml_file.write_text(yaml_file.read_text() + f"pdf_variant: {variant}\n")
    assert cli.main(["--config", str(yaml_file), "build", "--miner", "HUT",
                     "--format", "pdf"]) == 0
    with pikepdf.open(project / "outputs" / "2026Q1" / "HUT.pdf") as pdf:
        assert ("/OutputIntents" in pdf.Root) is intents
        assert ("/StructTreeRoot" in pdf.Root) is (variant != "plain")


def _kpis_removed(html: str) -> str:
    return re.sub(r'<div class="kpis">.*?</section>', "", html, count=1, flags=re.DOTALL)


def test_a_user_template_overrides_only_its_part(project: Path) -> None:
    yaml_file = project / "reportgen.yaml"
    args = ["--config", str(yaml_file), "build", "--miner", "WULF", "--format", "html"]
    assert cli.main(args) == 0
    out = project / "outputs" / "2026Q1" / "WULF.html"
    default = out.read_text()
    custom = project / "my_templates" / "partials"
    custom.mkdir(parents=True)
    (custom / "kpis.html").write_text(
        '<div class="kpis"><p class="house-kpis">{{ tiles | length }} house KPIs</p></div>\n'
        '<section class="summary">')
    replace_line(yaml_file, "theme:\n", "theme:\n  templates: my_templates\n")
    assert cli.main(args) == 0
    overridden = out.read_text()
    assert "6 house KPIs" in overridden and "6 house KPIs" not in default
    assert _kpis_removed(overridden) == _kpis_removed(default)


def test_a_logo_from_assets_is_embedded(project: Path) -> None:
    (project / "assets").mkdir()
    (project / "assets" / "logo.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="10">'
        '<rect width="40" height="10" fill="#1f4e79"/></svg>')
    yaml_file = project / "reportgen.yaml"
    replace_line(yaml_file, "theme:\n", "theme:\n  logo: assets/logo.svg\n")
    assert cli.main(["--config", str(yaml_file), "build", "--miner", "HUT"]) == 0
    html = (project / "outputs" / "2026Q1" / "HUT.html").read_text()
    assert 'class="logo" src="data:image/svg+xml;base64,' in html


def test_a_logo_outside_the_project_folders_is_refused(project: Path, capsys) -> None:
    yaml_file = project / "reportgen.yaml"
    replace_line(yaml_file, "theme:\n", "theme:\n  logo: /etc/hostname.svg\n")
    assert cli.main(["--config", str(yaml_file), "validate"]) == 1
    assert "theme.logo" in capsys.readouterr().err


def test_symbols_render_with_the_house_font(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from reportgen import render
    from tests.conftest import ROOT

    html = ('<!DOCTYPE html><html lang="en"><head><title>g</title><style>'
            'body { font-family: "DejaVu Sans"; }</style></head>'
            "<body><p>€ 1.0 − 2.0 ≈ 3.0 × 4</p></body></html>")
    result = render.pdf(html, (ROOT / "templates",), datetime.now(tz=UTC),
                        base_dir=ROOT / "templates", variant="plain")
    path = tmp_path / "glyphs.pdf"
    path.write_bytes(result.data)
    assert "€ 1.0 − 2.0 ≈ 3.0 × 4" in pdf_text(path)
    with pikepdf.open(path) as pdf:
        fonts = {str(font.BaseFont) for page in pdf.pages
                 for font in page.Resources.Font.values()}
    assert fonts and all("DejaVu" in font for font in fonts), fonts


# --- the HTML in a real browser -----------------------------------------------------------

WIDTHS = (390, 1280)


@pytest.fixture(scope="module")
def browser():
    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not driver_path:
        pytest.skip("Debian's chromium and chromium-driver are needed (.ci/run installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    yield driver
    driver.quit()


def test_html_briefings_load_cleanly_and_fit_phone_and_desktop(sample: Path, browser,
                                                               tmp_path: Path) -> None:
    shots = tmp_path / "screenshots"
    shots.mkdir()
    pages = {name: sample / f"{name}.html" for name in (*TICKERS, "sector")}
    pages["index"] = sample.parent / "index.html"  # the archive page
    for name, page in pages.items():
        for width in WIDTHS:
            browser.set_window_size(width, 900)
            browser.get(page.as_uri())
            inner = browser.execute_script("return window.innerWidth")
            scroll = browser.execute_script("return document.documentElement.scrollWidth")
            assert scroll <= inner, f"{name} at {width}px overflows: {scroll} > {inner}"
            errors = [entry for entry in browser.get_log("browser")
                      if entry["level"] in ("SEVERE", "ERROR")]
            assert not errors, f"{name} at {width}px: {errors}"
            images = browser.execute_script(
                "return Array.from(document.images).filter(i => !i.complete || "
                "i.naturalWidth === 0).length")
            assert images == 0, f"{name}: an image did not load"
            assert browser.save_screenshot(str(shots / f"{name}-{width}.png"))
    assert len(list(shots.glob("*.png"))) == 2 * len(pages)


def test_number_style_comes_from_the_theme(project: Path) -> None:
    yaml_file = project / "reportgen.yaml"
    replace_line(yaml_file, "theme:\n", "theme:\n  currency_symbol: €\n  negative_numbers: "
                 "parentheses\n  decimal_mark: ','\n")
    assert cli.main(["--config", str(yaml_file), "build", "--miner", "WULF"]) == 0
    out = project / "outputs" / "2026Q1"
    html = (out / "WULF.html").read_text()
    assert "(€427,6M)" in html and "€12,8B" in html and "61,8%" in html
    assert "−€" not in html and "$427" not in html
    assert "(€427,6M)" in " ".join(pdf_text(out / "WULF.pdf").split())
