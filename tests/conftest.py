"""Shared fixtures: a throwaway copy of the project; a guard failing on WeasyPrint warnings; the
CLI run in-process; the SEC documents and inline XBRL filings the importer tests read."""

from __future__ import annotations

import http.server
import logging
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from reportgen import cli
from reportgen.filing import importer as filing_import
from reportgen.filing.document import FilingDocument, read_filing
from reportgen.model import Dataset, Metrics
from tests.filing_samples import (
    AAPL_HTM,
    NVDA_ACCESSION,
    NVDA_COMPANYFACTS,
    NVDA_ENTRY,
    NVDA_HTM,
    submissions,
)
from tests.sec_samples import LPA_ENTRY, SNOW_ENTRY, SNOW_JSON

ROOT = Path(__file__).resolve().parent.parent
EPOCH = "1767225600"  # 2026-01-01T00:00:00Z, the build time of the shared sample build
POLL = {"poll_interval": 0.01}
"""How often a local test server checks for shutdown: the default half second was spent at
the end of every test using one."""


def copy_project(root: Path) -> Path:
    """A copy of the sample project (inputs, templates, config) at ``root``."""
    for name in ("inputs", "templates"):
        shutil.copytree(ROOT / name, root / name)
    shutil.copy(ROOT / "reportgen.yaml", root / "reportgen.yaml")
    return root


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the sample project that a test may change freely."""
    return copy_project(tmp_path)


@pytest.fixture(autouse=True)
def no_weasyprint_warnings(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Any warning WeasyPrint logs (a CSS rule ignored, a font missing) is a test failure."""
    caplog.set_level(logging.WARNING, logger="weasyprint")
    yield
    warnings = [r.getMessage() for r in caplog.records
                if r.name.startswith("weasyprint") and r.levelno >= logging.WARNING]
    assert not warnings, f"WeasyPrint warned: {warnings}"


CONTROL = "\x00\x01\x07\x08\x0b\x0c\x0e\x1b\x7f\x85\x9b\u202a\u202b\u202c\u202d\u202e\u2066" \
          "\u2067\u2068\u2069"
"""Control characters and bidi overrides: nothing of this may reach the terminal raw."""


def run_cli(project: Path, *args: str) -> int:
    """``reportgen --config PROJECT/reportgen.yaml ARGS...`` in this process; its exit code."""
    return cli.main(["--config", str(project / "reportgen.yaml"), *args])


def fails(project: Path, capsys: pytest.CaptureFixture[str], *args: str,
          code: int = 1) -> str:
    """The command exits ``code`` with no traceback, no raw control character on the
    terminal and no outputs; returns stderr."""
    assert run_cli(project, *args) == code
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert not any(ch in captured.out + captured.err for ch in CONTROL), captured.err
    assert not (project / "outputs").exists()
    return captured.err


@pytest.fixture
def miners(project: Path) -> Path:
    """The sample project with Snowflake and LPA added as 'miners' (real CIKs), for import-sec
    on the documents in tests/fixtures/sec/."""
    with (project / "inputs" / "companies.yaml").open("a") as handle:
        handle.write(SNOW_ENTRY + LPA_ENTRY)
    return project


@pytest.fixture(scope="session")
def sample_dataset() -> Dataset:
    """The sample inputs, loaded once in the process; read it, never change it."""
    from reportgen import build, config

    return build.load_dataset(config.load(project_root=ROOT))


@pytest.fixture(scope="session")
def sample_miners(sample_dataset: Dataset) -> list[Metrics]:
    """Every sample miner's metrics for 2026Q1, in companies.yaml's order, computed once."""
    from reportgen import metrics

    return [metrics.compute(sample_dataset, ticker, "2026Q1")
            for ticker in sample_dataset.companies]


def replace_line(path: Path, old: str, new: str) -> None:
    """Edit one input file in a test, failing loudly if the text to change is not there."""
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample built once through the CLI; WeasyPrint warnings fail every test using it."""
    root = copy_project(tmp_path_factory.mktemp("sample"))
    collect = _Collect()
    logging.getLogger("weasyprint").addHandler(collect)
    monkey = pytest.MonkeyPatch()
    monkey.setenv("SOURCE_DATE_EPOCH", EPOCH)
    try:
        assert cli.main(["--config", str(root / "reportgen.yaml"), "build"]) == 0
    finally:
        monkey.undo()
        logging.getLogger("weasyprint").removeHandler(collect)
    assert not collect.messages, f"WeasyPrint warned: {collect.messages}"
    return root / "outputs" / "2026Q1"


def pdf_text(path: Path, page: int | None = None) -> str:
    """Text of a PDF (or of one 1-based page) as a reader's tool extracts it."""
    if shutil.which("pdftotext"):
        pages = ["-f", str(page), "-l", str(page)] if page else []
        return subprocess.run(["pdftotext", "-layout", *pages, str(path), "-"], check=True,
                              capture_output=True, text=True).stdout
    chosen = PdfReader(path).pages
    chosen = chosen[page - 1:page] if page else chosen
    return "\n".join(p.extract_text() for p in chosen)


# --- inline XBRL filings (tests/filing_samples.py) ------------------------------------------


@pytest.fixture(scope="session")
def nvda() -> FilingDocument:
    """One arelle load of the NVIDIA filing (1-2 s), shared by every test in the process."""
    return read_filing(NVDA_HTM)


@pytest.fixture(scope="session")
def aapl() -> FilingDocument:
    """Apple's 10-Q, read once in the process."""
    return read_filing(AAPL_HTM)


@pytest.fixture
def nvda_project(project: Path) -> Path:
    with (project / "inputs" / "companies.yaml").open("a") as handle:
        handle.write(NVDA_ENTRY)
    return project


@pytest.fixture
def sec_site(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, str]]]:
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
    thread = threading.Thread(target=server.serve_forever, kwargs=POLL, daemon=True)
    thread.start()
    monkeypatch.setenv(filing_import.SEC_URL_ENV, f"http://127.0.0.1:{server.server_port}")
    monkeypatch.setenv("REPORTGEN_SEC_USER_AGENT", "Jane Analyst jane@example.com")
    try:
        yield requests
    finally:
        server.shutdown()
        server.server_close()
