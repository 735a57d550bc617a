"""Parallel and incremental builds: same bytes whatever the job count, and no work twice."""

from __future__ import annotations

import gc
import os
import shutil
import weakref
from pathlib import Path

import pikepdf
import pytest

from reportgen import build, cli, config
from reportgen.errors import OutputError
from reportgen.manifest import read_manifest
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
    heard: list[build.BriefingResult] = []
    changed = build.build(settings, jobs=2, on_briefing=heard.append)
    assert _decisions(changed) == {"WULF": False, "CORZ": False, "IREN": False, "CIFR": True,
                                   "HUT": False, "sector": True}
    after = _files(out)
    rewritten = {name for name in after if after[name] != before[name]}
    assert {n.split(".")[0].split("-")[0] for n in rewritten} == {"CIFR", "sector", "manifest"}
    # Two jobs render the sector (its documents, its data files); it is still one output.
    assert sorted(r.ticker for r in heard) == ["CIFR", "sector"]
    (sector,) = [r for r in changed.briefings if r.ticker == "sector"]
    assert [f.path.name for f in sector.files] == ["sector.html", "sector.pdf",
                                                   "sector-metrics.csv", "sector.xlsx"]
    assert sector.pages > 1 and sector.headline["name"] == "Sector overview"
    assert {"sector-metrics.csv", "sector.xlsx"} <= rewritten
    listed = {e["path"]: e for e in read_manifest(out)["files"]}
    assert {listed[name]["output"] for name in ("sector-metrics.csv", "sector.xlsx",
                                                "sector.pdf", "sector.html")} == {"sector"}


def test_the_sector_pdf_embeds_the_metrics_file_its_data_job_writes(sample):
    """The PDF job and the data-files job each work the sector's metrics out; the copy in the
    PDF and the file beside it must be the same bytes."""
    with pikepdf.open(sample / "sector.pdf") as pdf:
        embedded = pdf.attachments["sector-metrics.csv"].get_file().read_bytes()
    assert embedded == (sample / "sector-metrics.csv").read_bytes()
    assert embedded.count(b"\n") > 100


def _failing_data_files(*args: object) -> build.BriefingResult:
    """Stands in for workers.render_sector_data (looked up by name in the forked workers)."""
    raise OutputError("sector data files: cannot write the outputs (No space left on device)")


def test_a_failed_sector_data_job_publishes_nothing(tmp_path, reproducible, sample,
                                                    monkeypatch):
    from reportgen import workers

    root = _copy(tmp_path, "project")
    out = root / "outputs" / "2026Q1"
    shutil.copytree(sample, out)
    before = _files(out)
    replace_line(root / "inputs" / "facts.csv", "CIFR,2025Q3,hashrate,23.6,",
                 "CIFR,2025Q3,hashrate,23.7,")
    monkeypatch.setattr(workers, "render_sector_data", _failing_data_files)
    with pytest.raises(OutputError, match=r"^sector data files: cannot write"):
        build.build(config.load(root / "reportgen.yaml"), jobs=2)
    assert _files(out) == before  # neither the sector's documents nor CIFR's were published
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []


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


# --- --explain names what changed -----------------------------------------------------------

def _line_of(path: Path, start: str) -> int:
    return next(number for number, text in enumerate(path.read_text().splitlines(), 1)
                if text.startswith(start))


def _explained(capsys: pytest.CaptureFixture[str]) -> dict[str, list[str]]:
    """--explain's lines by output: the first after the verdict, then the continuations."""
    found: dict[str, list[str]] = {}
    name = ""
    for line in capsys.readouterr().out.splitlines():
        if line.startswith("  ") and not line.startswith(" " * 20):
            name, _verdict, first = line.split(maxsplit=2)
            found[name] = [first]
        elif line.startswith(" " * 20):
            found[name].append(line.strip())
    return found


def test_explain_names_the_fact_template_and_setting_that_changed(tmp_path, reproducible,
                                                                   capsys):
    root = _copy(tmp_path, "project")
    yaml_file, facts = root / "reportgen.yaml", root / "inputs" / "facts.csv"
    args = ["--config", str(yaml_file), "build", "--miner", "HUT", "--format", "html",
            "--explain"]
    assert cli.main(args) == 0
    assert _explained(capsys) == {"HUT": ["HUT-metrics.csv not built yet"],
                                  "sector": ["sector-metrics.csv not built yet"]}

    # One figure changes value, another status, and a third row is added at the end.
    changed = _line_of(facts, "HUT,2026Q1,revenue_total,71.0,")
    status = _line_of(facts, "HUT,2025Q1,net_income,-134.3,")
    replace_line(facts, "HUT,2026Q1,revenue_total,71.0,", "HUT,2026Q1,revenue_total,72.5,")
    replace_line(facts, "HUT,2025Q1,net_income,-134.3,USD_M,hut_q1_25,secondary,",
                 "HUT,2025Q1,net_income,-134.3,USD_M,hut_q1_25,reported,")
    added = len(facts.read_text().splitlines()) + 1
    with facts.open("a") as handle:
        handle.write("HUT,2025Q1,cash,88.5,USD_M,hut_q1_25,secondary,\n")
    assert cli.main(args) == 0
    explained = _explained(capsys)
    expected = [f"facts.csv:{changed} HUT 2026Q1 revenue_total 71.0 → 72.5",
                f"facts.csv:{status} HUT 2025Q1 net_income status secondary → reported",
                f"facts.csv:{added} HUT 2025Q1 cash 88.5 added"]
    assert explained["HUT"][:3] == expected, explained
    assert set(expected) <= set(explained["sector"]), explained  # the sector shows HUT too

    # A template and a config setting at once: both named, for every output.
    replace_line(root / "templates" / "css" / "briefing.css", "font-size: 9pt;",
                 "font-size: 9.5pt;")
    replace_line(yaml_file, 'accent_color: "#1f4e79"', 'accent_color: "#aa0000"')
    assert cli.main(args) == 0
    explained = _explained(capsys)
    for name in ("HUT", "sector"):
        assert explained[name] == ["config theme.accent_color '#1f4e79' → '#aa0000'",
                                   "template templates/css/briefing.css changed"], explained

    # Unchanged: kept, and the content key is the one it always was.
    assert cli.main(args) == 0
    assert capsys.readouterr().out.startswith("  HUT      kept     unchanged")
    manifest = read_manifest(root / "outputs" / "2026Q1")
    record = manifest["outputs"]["HUT"]["record"]
    assert record["facts"]["2026Q1 revenue_total hut_q1_26"].startswith(f"72.5 {changed} S ")
    assert manifest["environments"].keys() == {record["env"]}


def test_explain_names_rows_that_moved_and_a_tool_version(tmp_path, reproducible, capsys,
                                                          monkeypatch):
    from reportgen import keys

    root = _copy(tmp_path, "project")
    facts = root / "inputs" / "facts.csv"
    args = ["--config", str(root / "reportgen.yaml"), "build", "--miner", "HUT", "--format",
            "html", "--explain"]
    assert cli.main(args) == 0
    capsys.readouterr()
    first = _line_of(facts, "HUT,")
    lines = facts.read_text().splitlines(keepends=True)
    lines.insert(first - 1, "HUT,2024Q1,power_capacity,300,MW,hut_q1_24,reported,\n")
    facts.write_text("".join(lines))
    monkeypatch.setattr(keys, "__version__", "99.0")
    assert cli.main(args) == 0
    hut = _explained(capsys)["HUT"]
    assert hut[0].startswith("reportgen ") and hut[0].endswith(" → 99.0"), hut
    assert f"facts.csv:{first} HUT 2024Q1 power_capacity 300.0 added" in hut
    moved = [line for line in hut if "moved to other lines" in line]
    assert moved and moved[0].startswith("facts.csv: ") and \
        f"line {first} is now {first + 1}" in moved[0], hut


# --- the workers start before the analysis ---------------------------------------------------

def test_the_pool_is_as_large_as_the_jobs_there_could_be(tmp_path):
    settings = config.load(_copy(tmp_path, "project") / "reportgen.yaml")
    dataset = build.load_dataset(settings)
    assert build._pool_size(settings, dataset, 8) == 5 + 2  # five miners and the sector's two
    assert build._pool_size(settings.with_overrides(miners=("HUT",)), dataset, 8) == 3
    assert build._pool_size(settings, dataset, 1) == 1


def test_workers_load_the_renderers_while_the_build_analyses(tmp_path, reproducible,
                                                             monkeypatch):
    """The analysis runs with the workers already started (they load WeasyPrint and
    matplotlib meanwhile, on the other core); when it fails, they are stopped and the staging
    folder removed, and nothing is published."""
    from reportgen import analysis
    from reportgen.errors import UsageError
    from tests.e2e.test_concurrency import _process_state, worker_pids

    root = _copy(tmp_path, "project")
    settings = config.load(root / "reportgen.yaml").with_overrides(miners=("HUT",))
    seen: list[int] = []

    def analyse(*args: object, **kwargs: object) -> analysis.Analysis:
        seen.extend(worker_pids(os.getpid()))
        raise UsageError("stopped in the analysis")

    monkeypatch.setattr(analysis, "analyse", analyse)
    with pytest.raises(UsageError, match="stopped in the analysis"):
        build.build(settings, jobs=2)
    assert len(seen) == 2, "the workers were not started before the analysis"
    assert all(_process_state(pid) in (None, "Z") for pid in seen), "a worker outlived it"
    out = root / "outputs" / "2026Q1"
    assert not out.exists() or [p.name for p in out.iterdir()] == []


class _Node:
    """Something only the garbage collector frees once it refers to itself."""

    itself: object = None


_left: list[weakref.ref[_Node]] = []


def _leave_a_cycle() -> int:
    """A job (run in a worker) that leaves a reference cycle behind, with the automatic
    collector off, so that only an explicit collection frees it."""
    gc.disable()
    node = _Node()
    node.itself = node
    _left.append(weakref.ref(node))
    return gc.get_freeze_count()


def _was_it_collected() -> bool:
    return _left[0]() is None


def test_each_job_starts_with_the_last_jobs_garbage_collected(tmp_path):
    """workers.settle_heap runs before every job: the renderers' objects are frozen at start
    (out of the collector's way) and what a job left is collected before the next."""
    from reportgen import workers

    settings = config.load(_copy(tmp_path, "project") / "reportgen.yaml")
    shared = workers.Shared(settings, build.load_dataset(settings), tmp_path,
                            build.build_time())
    with workers.WorkerPool(shared, 1) as pool:
        frozen, collected = pool.run([("first", _leave_a_cycle, ()),
                                      ("second", _was_it_collected, ())])
    assert frozen > 10_000
    assert collected is True
