"""The PDF renderer may load data: URLs and project files only; anything else stops the
render. Split from tests/test_render.py because these render PDFs with WeasyPrint."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from reportgen import render
from reportgen.errors import RenderError
from tests.conftest import ROOT

WHEN = datetime(2026, 1, 1, tzinfo=UTC)
TEMPLATES = ROOT / "templates"


def _pdf(body: str) -> render.Pdf:
    html = f"<!DOCTYPE html><html lang='en'><head><title>t</title></head><body>{body}</body></html>"
    return render.pdf(html, (TEMPLATES,), WHEN, base_dir=TEMPLATES)


@pytest.mark.parametrize("reference", [
    "<img src='file:///etc/passwd' alt='x'>",
    "<img src='https://example.com/logo.png' alt='x'>",
    "<link rel='stylesheet' href='http://example.com/a.css'>",
    "<div style=\"background: url('file:///etc/hostname')\">x</div>",
    "<img src='../../etc/passwd' alt='x'>",
])
def test_references_outside_the_project_fail_with_the_url_named(reference: str) -> None:
    with pytest.raises(RenderError, match="refused"):
        _pdf(reference)


def test_data_urls_are_allowed() -> None:
    svg = ("<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'>"
           "<rect width='10' height='10'/></svg>")
    result = _pdf(f"<p>ok</p><img src='{render.svg_data_uri(svg)}' alt='square'>")
    assert result.pages == 1 and result.data.startswith(b"%PDF")
