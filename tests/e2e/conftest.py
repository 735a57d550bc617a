"""End-to-end suites: real builds (WeasyPrint), the CLI in a subprocess, the installed wheel, a
browser, SMTP. Every test here is marked ``e2e`` so the fast loop can leave them out
(``make test-fast`` runs ``pytest -m "not e2e"``). The shared fixtures (``project``,
``sample``) and helpers stay in ``tests/conftest.py``, which both levels see."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.e2e)
