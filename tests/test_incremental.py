"""Parallel and incremental builds: same bytes whatever the job count, and no work twice."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reportgen import build, config
from tests.conftest import EPOCH, copy_project, replace_line


def _copy(tmp_path: Path, name: str) -> Path:
    return copy_project(tmp_path / name)


def _files(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}


@pytest.fixture
def reproducible(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


def test_one_and_two_jobs_write_identical_bytes(tmp_path, reproducible, sample):
    """``sample`` is the session's build with two jobs (one per core here), same build time."""
    one = _copy(tmp_path, "one")
    build.build(config.load(one / "reportgen.yaml"), jobs=1)
    first, second = _files(one / "outputs" / "2026Q1"), _files(sample)
    assert sorted(first) == sorted(second) and len(first) == 20
    assert first == second


def _decisions(report: build.BuildReport) -> dict[str, bool]:
    return {d.name: d.rebuild for d in report.decisions}


def test_a_one_fact_change_rebuilds_that_miner_and_the_sector_only(tmp_path, reproducible,
                                                                   sample):
    root = _copy(tmp_path, "project")
    settings = config.load(root / "reportgen.yaml")
    out = root / "outputs" / "2026Q1"
    shutil.copytree(sample, out)  # the same inputs built elsewhere: nothing is out of date
    before = _files(out)

    noop = build.build(settings, jobs=2)
    assert noop.briefings == () and not any(_decisions(noop).values())
    assert _files(out) == before

    replace_line(root / "inputs" / "facts.csv", "CIFR,2025Q3,hashrate,23.6,",
                 "CIFR,2025Q3,hashrate,23.7,")
    changed = build.build(settings, jobs=2)
    assert _decisions(changed) == {"WULF": False, "CORZ": False, "IREN": False, "CIFR": True,
                                   "HUT": False, "sector": True}
    after = _files(out)
    rewritten = {name for name in after if after[name] != before[name]}
    assert {n.split(".")[0].split("-")[0] for n in rewritten} == {"CIFR", "sector", "manifest"}


def test_force_and_a_damaged_file_rebuild(tmp_path, reproducible):
    root = _copy(tmp_path, "project")
    settings = config.load(root / "reportgen.yaml").with_overrides(miners=("HUT", "WULF"))
    build.build(settings, jobs=2)
    out = root / "outputs" / "2026Q1"
    (out / "HUT.pdf").write_bytes(b"not a pdf")
    repaired = build.build(settings, jobs=2)
    assert _decisions(repaired)["HUT"] and not _decisions(repaired)["WULF"]
    assert (out / "HUT.pdf").read_bytes().startswith(b"%PDF")
    forced = build.build(settings, jobs=2, force=True)
    assert all(_decisions(forced).values())


def test_a_template_change_rebuilds_everything(tmp_path, reproducible):
    root = _copy(tmp_path, "project")
    settings = config.load(root / "reportgen.yaml").with_overrides(miners=("HUT",))
    build.build(settings, jobs=2, force=True)
    replace_line(root / "templates" / "css" / "briefing.css", "font-size: 9pt;",
                 "font-size: 9.5pt;")
    again = build.build(settings, jobs=2)
    assert all(_decisions(again).values())
