"""Downloading a companyfacts document (reportgen/sec/fetch.py), against a local server only:
the User-Agent SEC asks for is sent, and a response over the limit is refused with nothing
saved."""

from __future__ import annotations

import contextlib
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from reportgen.errors import ReportgenError, UsageError
from reportgen.sec.document import MAX_JSON_BYTES
from reportgen.sec.fetch import COMPANYFACTS_URL, USER_AGENT_ENV, fetch, user_agent
from tests.conftest import POLL
from tests.sec_samples import SNOW_JSON


@pytest.fixture
def serving() -> Iterator[tuple[str, list[str]]]:
    """A local stand-in for data.sec.gov serving Snowflake's document; the User-Agent of each
    request."""
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
    thread = threading.Thread(target=server.serve_forever, kwargs=POLL, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/CIK0001640147.json", agents
    finally:
        server.shutdown()
        server.server_close()


def test_fetch_sends_the_user_agent_and_saves_the_document(
        serving: tuple[str, list[str]], tmp_path: Path) -> None:
    url, agents = serving
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


# --- a download over the limit (issue 15, case 9) -------------------------------------------


@pytest.fixture
def local_sec() -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(MAX_JSON_BYTES + 1))
            self.end_headers()
            with contextlib.suppress(OSError):  # the client stops reading, as it should
                self.wfile.write(b" " * (MAX_JSON_BYTES + 1))

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs=POLL, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/CIK0001640147.json"
    finally:
        server.shutdown()
        server.server_close()


def test_a_download_over_the_limit_is_refused_and_nothing_saved(local_sec: str,
                                                                tmp_path: Path) -> None:
    saved = tmp_path / "snow.json"
    with pytest.raises(ReportgenError, match=f"more than the {MAX_JSON_BYTES:,} reportgen"):
        fetch(1640147, saved, "Jane Analyst jane@example.com", url=local_sec)
    assert not saved.exists()
