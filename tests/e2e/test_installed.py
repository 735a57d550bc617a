"""The tool as a new user gets it: a wheel built from this checkout, installed into a fresh
virtual environment outside it (its dependencies resolved by pip from the same index the
Makefile uses, nothing shared with the test environment), run in an empty folder.

One test, so that pytest-xdist runs it once, on one worker. It costs about 25 s on 2 quiet
cores (wheel 3 s, install 4 s, building the sample 12 s, the rest 5 s); up to 80 s while the
other worker and other processes load the machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ("pyproject.toml", "README.md", "reportgen", "templates", "inputs")
"""What the wheel is built from: pyproject.toml names nothing else."""
MINERS = ("CIFR", "CORZ", "HUT", "IREN", "WULF")

pytestmark = pytest.mark.installed


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}


def _run(argv: list[str | Path], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    done = subprocess.run([str(a) for a in argv], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600, check=False)
    print(f"$ {' '.join(map(str, argv))} -> {done.returncode}\n{done.stdout}{done.stderr}")
    return done


def test_installed_tool_starts_and_builds_a_project(tmp_path):
    clean = {key: value for key, value in os.environ.items()
             if key not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    clean["SOURCE_DATE_EPOCH"] = "1767225600"

    # A wheel from a clean copy of the sources (a build/ folder in the checkout could carry
    # files that are no longer there).
    source = tmp_path / "source"
    source.mkdir()
    for name in SOURCE:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy(ROOT / name, source / name)
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                  tmp_path / "dist", source], tmp_path, clean)
    assert built.returncode == 0
    (wheel,) = (tmp_path / "dist").glob("reportgen-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = ({f"reportgen/templates/{name}" for name in _files(ROOT / "templates")} |
               {f"reportgen/sample/{name}" for name in _files(ROOT / "inputs")} |
               {f"reportgen/{name}" for name in _files(ROOT / "reportgen")})  # sec/tags.yaml
    missing = sorted(shipped - names)
    assert not missing, f"not in the wheel (pyproject.toml's package data): {missing}"

    # Imported from the zip itself, the templates are extracted into a real folder.
    zipped = _run([sys.executable, "-c", "from reportgen import config; "
                   "print(config.packaged('templates'))"], tmp_path,
                  {**clean, "PYTHONPATH": str(wheel)})
    assert zipped.returncode == 0
    extracted = Path(zipped.stdout.strip())
    assert not extracted.is_relative_to(ROOT) and "reportgen-templates-" in extracted.name
    assert not extracted.exists()  # removed when the process ended

    # A fresh environment: its own interpreter, reportgen and the dependencies pip resolves.
    venv = tmp_path / "venv"
    assert _run([sys.executable, "-m", "venv", "--without-pip", venv], tmp_path,
                clean).returncode == 0
    python, reportgen = venv / "bin" / "python", venv / "bin" / "reportgen"
    # --no-compile: the modules a run imports are compiled then (saves 7 s of 11).
    assert _run([sys.executable, "-m", "pip", "--python", python, "install", "-q",
                 "--no-compile", wheel], tmp_path, clean).returncode == 0
    where = _run([python, "-c", "import reportgen.config as c; print(c.__file__); "
                  "print(c.packaged('templates'))"], tmp_path, clean)
    for line in where.stdout.split():
        assert Path(line).is_relative_to(venv), where.stdout

    # The skeleton: valid, and nothing to build yet.
    skeleton = tmp_path / "skeleton"
    skeleton.mkdir()
    assert _run([reportgen, "init"], skeleton, clean).returncode == 0
    assert _run([reportgen, "validate"], skeleton, clean).returncode == 0
    nothing = _run([reportgen, "build"], skeleton, clean)
    assert nothing.returncode == 2 and "nothing to build yet" in nothing.stderr
    assert nothing.stderr.count("\n") == 1

    # The sample: every briefing, as PDFs a reader opens.
    project = tmp_path / "project"
    project.mkdir()
    assert _run([reportgen, "init", "--sample"], project, clean).returncode == 0
    build = _run([reportgen, "build"], project, clean)
    assert build.returncode == 0
    assert "WeasyPrint" not in build.stderr and "WARNING" not in build.stderr
    out = project / "outputs" / "2026Q1"
    for name in (*MINERS, "sector"):
        reader = PdfReader(out / f"{name}.pdf")
        assert len(reader.pages) >= 3, name
        assert (out / f"{name}.html").stat().st_size > 10_000
    wulf = "\n".join(page.extract_text() for page in PdfReader(out / "WULF.pdf").pages)
    assert "TeraWulf" in wulf
