"""``send`` and ``status`` name the ledger they use (issue 13): apart from tests/test_cli.py
because it needs the built sample and a local SMTP server."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import replace_line
from tests.e2e.test_deliver import built, smtp_server  # noqa: F401 (fixtures)
from tests.test_cli import output


def test_send_says_which_ledger_it_recorded_to(
        built: Path, smtp_server: tuple[object, int],  # noqa: F811
        capsys: pytest.CaptureFixture[str]) -> None:
    _, port = smtp_server
    replace_line(built / "reportgen.yaml", "  host: localhost\n  port: 25\n  security: starttls",
                 f"  host: 127.0.0.1\n  port: {port}\n  security: none")
    out, _ = output(built, capsys, "send", "--only", "WULF")
    assert out.splitlines()[-1] == "ledger: outputs/deliveries.sqlite3", out
    out, _ = output(built, capsys, "status")
    assert out.splitlines()[0] == "ledger: outputs/deliveries.sqlite3"
    assert out.splitlines()[-1] == "3 deliveries recorded"  # WULF to each recipient
