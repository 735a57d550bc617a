"""Shared fixtures: a throwaway copy of the project; a guard failing on WeasyPrint warnings."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the sample project (inputs, templates, config) that a test may change freely."""
    for name in ("inputs", "templates"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / "reportgen.yaml", tmp_path / "reportgen.yaml")
    return tmp_path


@pytest.fixture(autouse=True)
def no_weasyprint_warnings(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Any warning WeasyPrint logs (a CSS rule ignored, a font missing) is a test failure."""
    caplog.set_level(logging.WARNING, logger="weasyprint")
    yield
    warnings = [r.getMessage() for r in caplog.records
                if r.name.startswith("weasyprint") and r.levelno >= logging.WARNING]
    assert not warnings, f"WeasyPrint warned: {warnings}"


def replace_line(path: Path, old: str, new: str) -> None:
    """Edit one input file in a test, failing loudly if the text to change is not there."""
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))
