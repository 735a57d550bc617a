"""Atomic writes (reportgen/files.py): a reader sees the old file or the new one, never half of
one, and only reportgen's own temporary names are recognised as its leftovers."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest

from reportgen.files import TEMP_SUFFIX, atomic_write, is_own_temp, sync_folder


def test_a_write_creates_the_folders_replaces_the_file_and_returns_its_digest(
        tmp_path: Path) -> None:
    path = tmp_path / "outputs" / "2026Q1" / "WULF.html"
    assert atomic_write(path, b"first") == hashlib.sha256(b"first").hexdigest()
    assert atomic_write(path, b"second") == hashlib.sha256(b"second").hexdigest()
    assert path.read_bytes() == b"second"
    assert os.listdir(path.parent) == ["WULF.html"]  # no temporary file left


def test_a_written_file_is_readable_by_others(tmp_path: Path) -> None:
    path = tmp_path / "WULF.pdf"
    atomic_write(path, b"%PDF")
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "WULF.html"
    path.write_bytes(b"old")
    with pytest.raises(TypeError):
        atomic_write(path, "text, not bytes")  # type: ignore[arg-type]
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["WULF.html"]


def test_a_folder_in_the_way_is_refused_and_nothing_is_left(tmp_path: Path) -> None:
    (tmp_path / "WULF.html").mkdir()
    with pytest.raises(IsADirectoryError):
        atomic_write(tmp_path / "WULF.html", b"new")
    assert os.listdir(tmp_path) == ["WULF.html"]


@pytest.mark.parametrize(("name", "own"), [
    (f".WULF.html.ab12_x9z{TEMP_SUFFIX}", True),
    (f".manifest.json.abcdefgh{TEMP_SUFFIX}", True),
    (f".WULF.html.short{TEMP_SUFFIX}", False),  # not 8 random characters
    (f"WULF.html.abcdefgh{TEMP_SUFFIX}", False),  # not hidden
    (".WULF.html.abcdefgh.tmp", False),  # someone else's temporary file
    ("WULF.html", False),
])
def test_only_reportgens_own_temporary_names_are_its_own(name: str, own: bool) -> None:
    assert is_own_temp(name) is own


def test_the_temporary_names_atomic_write_makes_are_its_own(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    seen: list[str] = []
    replace = os.replace

    def watching(source: str, target: Path) -> None:
        seen.append(Path(source).name)
        replace(source, target)

    monkeypatch.setattr(os, "replace", watching)
    atomic_write(tmp_path / "WULF.html", b"x")
    assert len(seen) == 1 and is_own_temp(seen[0]), seen


def test_sync_folder_needs_a_folder(tmp_path: Path) -> None:
    sync_folder(tmp_path)
    with pytest.raises(NotADirectoryError):
        sync_folder(Path(__file__))
