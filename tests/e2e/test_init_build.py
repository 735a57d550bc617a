"""``reportgen init --sample`` then ``build``: apart from tests/test_scaffold.py because it
builds."""

from __future__ import annotations

from tests.conftest import ROOT
from tests.test_scaffold import run


def test_sample_project_builds_and_its_templates_override_file_by_file(
        tmp_path, monkeypatch, capsys):
    """``init --sample`` then ``build`` writes every briefing; the project's own
    templates/partials/kpis.html replaces the KPI tiles only, the rest is built-in."""
    monkeypatch.chdir(tmp_path)
    assert run("init", "--sample") == 0
    assert not (tmp_path / "templates").exists()  # the templates come from the package
    for name in ("companies.yaml", "sources.yaml", "facts.csv", "market.csv",
                 "stakeholders.yaml"):
        assert (tmp_path / "inputs" / name).read_bytes() == (ROOT / "inputs" / name).read_bytes()
    partial = tmp_path / "templates" / "partials" / "kpis.html"
    partial.parent.mkdir(parents=True)
    partial.write_text('<p class="own-kpis">Our own tiles</p>\n')
    capsys.readouterr()
    assert run("build", "--format", "html") == 0, capsys.readouterr().err
    out = tmp_path / "outputs" / "2026Q1"
    assert sorted(p.name for p in out.glob("*.html")) == [
        "CIFR.html", "CORZ.html", "HUT.html", "IREN.html", "WULF.html", "sector.html"]
    wulf = (out / "WULF.html").read_text()
    assert '<p class="own-kpis">Our own tiles</p>' in wulf
    assert 'class="kpi' not in wulf  # the built-in tiles are gone ...
    assert "not investment advice" in wulf  # ... the built-in CSS and layout are not
    assert 'id="sources"' in wulf and "TeraWulf" in wulf
