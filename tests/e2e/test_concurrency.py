"""Builds that overlap, builds killed while publishing, workers that must die with their build,
and ``--out`` folders holding files reportgen did not create (issue 15, cases 4, 5 and 10).

Every build here is a real ``python -m reportgen`` process; kills are real SIGKILLs. The
publishing design these tests hold (see ``reportgen/build.py``): ``manifest.json`` is the
commit record. A file is trusted only when the manifest lists it with its SHA-256; before a
build renames new files over listed ones it first removes their entries, so at every instant
each listed file matches the manifest, and a file the manifest does not list is not trusted
(``send`` refuses it, the next build rebuilds it).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import replace_line

RUN = [sys.executable, "-m", "reportgen"]
PERIOD = "2026Q1"


def _build(project: Path, *args: str) -> list[str]:
    return [*RUN, "--config", str(project / "reportgen.yaml"), "build", *args]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _listed_files_match(out: Path, together: set[str] | None = None) -> dict[str, dict]:
    """The invariant after any kill: the manifest parses, every file it lists exists with the
    listed SHA-256, and the listed files of one output that are written ``together`` (by
    default: all) carry the same content key, so no output is half old, half new. Returns
    the listed entries by name."""
    manifest_path = out / "manifest.json"
    if not manifest_path.exists():
        return {}
    manifest = json.loads(manifest_path.read_text())
    entries = {entry["path"]: entry for entry in manifest["files"]}
    for name, entry in entries.items():
        assert (out / name).is_file(), f"{name} is listed in manifest.json but missing"
        assert _sha256(out / name) == entry["sha256"], f"{name} does not match manifest.json"
    keys: dict[str, set[str]] = {}
    for name, entry in entries.items():
        if together is not None and name not in together:
            continue
        keys.setdefault(entry["output"], set()).add(entry["key"])
    mixed = {output: k for output, k in keys.items() if len(k) > 1}
    assert not mixed, f"outputs listed half old, half new: {mixed}"
    assert not set(manifest.get("publishing", ())) & set(entries), \
        "a file being replaced is still listed as trusted"
    return entries


def _every_file_matches(out: Path, together: set[str] | None = None) -> None:
    """After a completed build: every file in the folder is listed and matches."""
    entries = _listed_files_match(out, together)
    files = {p.name for p in out.iterdir() if p.is_file() and not p.name.startswith(".")
             and p.name != "manifest.json"}
    assert files == set(entries), f"not listed in manifest.json: {files - set(entries)}"
    manifest = json.loads((out / "manifest.json").read_text())
    assert not manifest.get("publishing"), manifest.get("publishing")
    ours = [p.name for p in out.iterdir() if p.name.startswith(".staging-")
            or p.name.endswith(".reportgen.tmp")]
    assert not ours, f"leftovers of a build: {ours}"


def _wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def _staging(out: Path) -> list[Path]:
    return list(out.glob(".staging-*")) if out.is_dir() else []


def test_a_second_build_at_the_same_time_exits_2_and_the_first_publishes_intact(
        project: Path) -> None:
    """The first build is paused (SIGSTOP) while it holds the lock and renders, so the second
    certainly runs while the first is mid-build, however busy the machine is."""
    out = project / "outputs" / PERIOD
    first = subprocess.Popen(_build(project, "--force", "--miner", "HUT", "--format", "html"),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(lambda: _staging(out) or first.poll() is not None, 120,
                  "the first build to start rendering")
        assert first.poll() is None, f"the first build ended early: {first.communicate()}"
        os.kill(first.pid, signal.SIGSTOP)
        try:
            second = subprocess.run(_build(project, "--force"), capture_output=True, text=True,
                                    timeout=120)
            staged_while_paused = _staging(out)
        finally:
            os.kill(first.pid, signal.SIGCONT)
        assert second.returncode == 2, second.stderr
        assert "another reportgen build" in second.stderr and str(out) in second.stderr
        assert "Traceback" not in second.stderr
        assert staged_while_paused, "the second build removed the first build's staging folder"
        _, err = first.communicate(timeout=120)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert first.returncode == 0, err
    _every_file_matches(out)
    assert {"HUT.html", "sector.html", "manifest.json"} <= {p.name for p in out.iterdir()}


KILLER = """
import os, signal, sys
out, at = os.path.realpath(sys.argv[1]), int(sys.argv[2])
main_pid, seen = os.getpid(), [0]

def hook(event, args):
    # Count each rename into outputs/<period>/ (os.replace included), in the build process
    # only, and SIGKILL the build just before the chosen one happens.
    if os.getpid() != main_pid or event != "os.rename":
        return
    if os.path.dirname(os.path.realpath(os.fsdecode(args[1]))) != out:
        return
    seen[0] += 1
    if seen[0] == at:
        os.kill(main_pid, signal.SIGKILL)

sys.addaudithook(hook)
from reportgen import cli
sys.exit(cli.main(sys.argv[3:]))
"""


def test_a_build_killed_while_publishing_leaves_only_trusted_files_listed(project: Path,
                                                                          sample: Path):
    """SIGKILL at three points of publishing: just before the first rename into the folder
    (the manifest's retraction), at a random rename among the five files, and just before the
    rename that commits the new manifest. Each build starts from the state the last one left
    and changes every output (a new firm name), so old and new sets differ in bytes."""
    out = project / "outputs" / PERIOD
    shutil.copytree(sample, out)  # a complete earlier build: every file listed and matching
    yaml_file = project / "reportgen.yaml"
    args = ("--force", "--miner", "HUT", "--format", "html", "--jobs", "2")
    new_files = {"HUT-metrics.csv", "HUT.html", "sector-metrics.csv", "sector.html",
                 "sector.xlsx"}
    # Renames into the folder: 1 the retracted manifest, 2-6 the five files, 7 the commit.
    points = [1, random.randint(2, 6), 7]
    firm = '""'
    for run, point in enumerate(points):
        replace_line(yaml_file, f"firm_name: {firm}", f"firm_name: Run {run}")
        firm = f"Run {run}"
        killed = subprocess.run(
            [sys.executable, "-c", KILLER, str(out), str(point), "--config", str(yaml_file),
             "build", *args], capture_output=True, text=True, timeout=120)
        assert killed.returncode == -signal.SIGKILL, (point, killed.stderr)
        entries = _listed_files_match(out, new_files)
        manifest = json.loads((out / "manifest.json").read_text())
        if point == 1:
            assert not manifest.get("publishing") and new_files <= set(entries)
        else:
            assert new_files <= set(manifest["publishing"]) and not new_files & set(entries)
    # The next build, without --force, sees what the killed one left untrusted and repairs it.
    result = subprocess.run(_build(project, *args[1:], "--explain"), capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    for output in ("HUT", "sector"):
        assert re.search(rf"{output} +rebuilt +\S+ was being replaced when an earlier build "
                         "stopped", result.stdout), result.stdout
    _every_file_matches(out, new_files)  # the PDFs stay from the earlier, pdf+html build
    assert f"Run {len(points) - 1}" in (out / "HUT.html").read_text()


def _process_state(pid: int) -> str | None:
    """The process's state letter (Z for a zombie), or None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[0]


def worker_pids(pid: int) -> list[int]:
    """The build's child processes that are forks of it (not fc-list or another program)."""
    try:
        exe = os.readlink(f"/proc/{pid}/exe")
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return []
    children: list[int] = []
    for task in tasks:
        try:
            children += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    found = []
    for child in children:
        try:
            if os.readlink(f"/proc/{child}/exe") == exe:
                found.append(child)
        except OSError:
            continue
    return found


def test_workers_do_not_outlive_a_killed_build(project: Path) -> None:
    build = subprocess.Popen(_build(project, "--force", "--jobs", "2"),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: list[int] = []
    try:
        _wait_for(lambda: len(worker_pids(build.pid)) >= 2 or build.poll() is not None, 120,
                  "two worker processes")
        workers = worker_pids(build.pid)
        assert len(workers) >= 2 and build.poll() is None
        time.sleep(0.5)  # into their renders
        build.kill()
        build.wait()
        deadline = time.monotonic() + 15
        alive = workers
        while alive and time.monotonic() < deadline:
            time.sleep(0.05)
            alive = [w for w in workers if _process_state(w) not in (None, "Z")]
        assert not alive, f"worker processes {alive} outlived their killed build"
    finally:
        if build.poll() is None:
            build.kill()
            build.wait()
        for worker in workers:
            if _process_state(worker) not in (None, "Z"):
                os.kill(worker, signal.SIGKILL)


def test_out_into_a_folder_with_foreign_temp_and_staging_names_leaves_them_untouched(
        project: Path, tmp_path: Path) -> None:
    target = tmp_path / "shared"
    foreign = {}
    for folder in (target, target / PERIOD):
        (folder / ".staging-foo").mkdir(parents=True)
        for path, text in ((folder / ".x.tmp", "someone else's temp file"),
                           (folder / ".staging-foo" / "work.txt", "someone else's work"),
                           (folder / ".manifest.json.abc.tmp", "not ours either")):
            path.write_text(text)
            foreign[path] = (text, path.stat().st_ino)
    staging_inode = (target / PERIOD / ".staging-foo").stat().st_ino
    result = subprocess.run(_build(project, "--out", str(target), "--miner", "HUT",
                                   "--format", "html"), capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    for path, (text, inode) in foreign.items():
        assert path.read_text() == text and path.stat().st_ino == inode, path
    assert (target / PERIOD / ".staging-foo").stat().st_ino == staging_inode
    assert (target / PERIOD / "HUT.html").exists()
    listed = _listed_files_match(target / PERIOD)
    assert "HUT.html" in listed and ".x.tmp" not in listed
