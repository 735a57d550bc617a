"""The archive page, outputs/index.html: every period and briefing built so far, headline
figures marked and dated as the briefings print them, links that resolve, nothing fetched."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

from reportgen import archive, cli, config
from tests.conftest import replace_line


class _Page(HTMLParser):
    """The links, sections and figures of the archive page, as a reader's browser sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.sections: list[str] = []
        self.fetches: list[str] = []
        self.cards: dict[tuple[str, str], str] = {}
        self._section = ""
        self._card: list[str] | None = None
        self._ticker = ""
        self._in_ticker = self._in_mark = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a" and values.get("href") and not str(values["href"]).startswith("#"):
            self.links.append(str(values["href"]))
        if tag in ("img", "script", "link", "iframe") or "src" in values:
            self.fetches.append(tag)
        if tag == "section":
            self._section = str(values.get("id", "")).removeprefix("p-")
            self.sections.append(self._section)
        if tag == "li" and values.get("class") == "briefing":
            self._card = []
        if tag == "span" and values.get("class") == "ticker":
            self._in_ticker = True
        self._in_mark = tag == "sup" and values.get("class") == "mark"

    def handle_endtag(self, tag: str) -> None:
        if tag == "li" and self._card is not None:
            self.cards[(self._section, self._ticker)] = " ".join(" ".join(self._card).split())
            self._card = None

    def handle_data(self, data: str) -> None:
        if self._in_ticker:
            self._ticker, self._in_ticker = data, False
        if self._card is not None:
            self._card.append(f"[{data}]" if self._in_mark else data)
        self._in_mark = False


def _build(project: Path, *args: str) -> None:
    assert cli.main(["--config", str(project / "reportgen.yaml"), "build", "--format", "html",
                     *args]) == 0


def _read(outputs: Path) -> tuple[str, _Page]:
    html = (outputs / "index.html").read_text(encoding="utf-8")
    page = _Page()
    page.feed(html)
    return html, page


def test_the_archive_lists_every_period_with_marked_dated_figures_and_links(
        project: Path) -> None:
    replace_line(project / "inputs" / "companies.yaml", "name: TeraWulf Inc.",
                 "name: 'TeraWulf <b>&</b> Co.'")
    _build(project, "--miner", "IREN", "--miner", "WULF")
    _build(project, "--period", "2025Q4", "--miner", "WULF")
    outputs = project / "outputs"
    html, page = _read(outputs)
    assert page.sections == ["2026Q1", "2025Q4"]  # latest first

    # Every link is relative and resolves to a file of the build; nothing is fetched.
    assert page.fetches == [] and "http" not in html and "<style>" in html
    expected = {f"{period}/{name}.html" for period, name in (
        ("2026Q1", "IREN"), ("2026Q1", "WULF"), ("2026Q1", "sector"), ("2025Q4", "WULF"),
        ("2025Q4", "sector"))}
    assert set(page.links) == expected
    for link in page.links:
        assert (outputs / unquote(link)).is_file(), link

    # Figures as each briefing's cover prints them, with their marks.
    wulf = page.cards[("2026Q1", "WULF")]
    assert "TeraWulf <b>&</b> Co." in wulf and "TeraWulf &lt;b&gt;&amp;&lt;/b&gt; Co." in html
    assert "Revenue $34.0M [S] AI/HPC share 61.8% [S] Net income −$427.6M [S]" in wulf, wulf
    briefing = (outputs / "2026Q1" / "WULF.html").read_text()
    assert ">$34.0M</span><sup class=\"mark mark-S\"" in briefing
    assert "(2026Q1)" not in wulf and "latest reported" not in wulf

    # IREN had not reported 2026Q1: its figures are of 2025Q4, dated, and the card says so.
    iren = page.cards[("2026Q1", "IREN")]
    assert "latest reported: 2025Q4" in iren
    assert ("Revenue $184.7M [S] (2025Q4) AI/HPC share 9.4% [S] (2025Q4) "
            "Net income −$155.4M [S] (2025Q4)" in iren), iren
    assert "A quarter in brackets" in html and "secondary" in html
    assert "2025Q4 (2025Q4)" not in page.cards[("2025Q4", "WULF")]


def test_the_archive_is_written_by_every_build_and_reads_only_what_manifests_commit(
        project: Path) -> None:
    _build(project, "--miner", "HUT")
    outputs = project / "outputs"
    index = outputs / "index.html"
    index.unlink()
    _build(project, "--miner", "HUT")  # nothing to rebuild: the page is written all the same
    assert index.is_file()

    # A manifest from before the archive page: links, and a note instead of figures.
    manifest_path = outputs / "2026Q1" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    del manifest["outputs"]
    manifest_path.write_text(json.dumps(manifest))
    archive.write_index(config.load(project / "reportgen.yaml"))
    html, page = _read(outputs)
    assert "Headline figures not recorded" in page.cards[("2026Q1", "HUT")]
    assert set(page.links) == {"2026Q1/HUT.html", "2026Q1/sector.html"}

    # A file being replaced when a build stopped is not listed, and the page says why.
    manifest["publishing"] = ["HUT.html"]
    manifest_path.write_text(json.dumps(manifest))
    archive.write_index(config.load(project / "reportgen.yaml"))
    html, page = _read(outputs)
    assert "2026Q1/HUT.html" not in page.links and "stopped while replacing files" in html

    # Folders that are not built periods are not listed.
    for name, text in (("notes", "{}"), ("2026Q5", "{}"), ("1999Q1", "{not json")):
        (outputs / name).mkdir()
        (outputs / name / "manifest.json").write_text(text)
    archive.write_index(config.load(project / "reportgen.yaml"))
    assert _read(outputs)[1].sections == ["2026Q1"]

