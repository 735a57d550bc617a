"""The manifest of a period folder: reading it, writing it, and whether an output is current.

``outputs/<period>/manifest.json`` lists each published file with its SHA-256, its content
key and the inputs it was built from; it is written last and commits a build (see
:func:`reportgen.build.publish`). A file is trusted, by ``send`` and by the next build, only
when the manifest lists it and its bytes match (:func:`check`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from reportgen import __version__, keys
from reportgen.errors import cannot_write
from reportgen.files import atomic_write

if TYPE_CHECKING:
    from reportgen.workers import BriefingResult

MANIFEST = "manifest.json"


def load(out_dir: Path) -> dict[str, Any] | None:
    """The manifest of ``out_dir``, or ``None`` when it is missing, unreadable or not an object."""
    try:
        manifest = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def read_manifest(out_dir: Path) -> dict[str, Any]:
    """The manifest of ``out_dir``; ``{}`` when there is none to read."""
    return load(out_dir) or {}


def publishing(manifest: Mapping[str, Any]) -> set[str]:
    """The files a killed build was replacing (see :func:`reportgen.build.publish`): none of
    them is trusted."""
    names = manifest.get("publishing")
    return {n for n in names if isinstance(n, str)} if isinstance(names, list) else set()


def manifest_entries(manifest: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The manifest's file entries by file name; a damaged entry is as good as absent."""
    files = manifest.get("files")
    return {e["path"]: e for e in files if isinstance(e, dict) and "path" in e} if isinstance(
        files, list) else {}


State = Literal["missing", "other", "changed", "current"]


def check(out_dir: Path, entries: Mapping[str, Mapping[str, Any]], name: str, field: str,
          expected: object) -> tuple[State, bytes]:
    """Whether the file ``name`` in ``out_dir`` is the one its manifest entry describes.

    ``missing``: not on disk or not listed; ``other``: listed with another ``field`` (its
    content ``key``, or the ``inputs_sha256`` it was built from) than ``expected``;
    ``changed``: its bytes no longer match the SHA-256 listed; ``current``, with its bytes.
    """
    entry, path = entries.get(name), out_dir / name
    if entry is None or not path.exists():
        return "missing", b""
    if entry.get(field) != expected:
        return "other", b""
    data = path.read_bytes()
    if entry.get("sha256") != hashlib.sha256(data).hexdigest():
        return "changed", b""
    return "current", data


def intact(out_dir: Path, entries: Mapping[str, Mapping[str, Any]], names: Iterable[str],
           key: str, changed: Callable[[], str] | None = None) -> str | None:
    """``None`` when every named file exists unchanged with this key, else the reason not;
    ``changed`` says what changed when the key did."""
    for name in names:
        state, _ = check(out_dir, entries, name, "key", key)
        if state == "missing":
            return f"{name} not built yet"
        if state == "other":
            return (changed() if changed else "") or keys.CHANGED
        if state == "changed":
            return f"{name} was modified or damaged on disk"
    return None


def write_manifest(out_dir: Path, period: str, fingerprint: str, created: datetime,
                   results: list[BriefingResult], input_key: str) -> Path:
    """Record each file with its hash, its content key and the inputs it was built from.

    Entries for files this build did not touch (unchanged, or other miners in a ``--miner``
    build) are kept with their own input hash, so the manifest describes the whole folder.
    """
    path = out_dir / MANIFEST
    previous = read_manifest(out_dir)
    entries = manifest_entries(previous)
    stamp = created.strftime("%Y-%m-%dT%H:%M:%SZ")
    for result in results:
        for file in result.files:
            entries[file.path.name] = {
                "path": file.path.name, "output": result.ticker, "covers": result.period,
                "bytes": file.size, "sha256": file.sha256, "key": result.key,
                "inputs_sha256": fingerprint, "built_at": stamp,
            }
    write_document(out_dir, {
        "period": period, "reportgen_version": __version__, "inputs_sha256": fingerprint,
        "input_key": input_key, "built_at": stamp,
        "files": [entries[name] for name in sorted(entries)],
        **keys.manifest_sections(previous, results, entries),
    })
    return path


def write_document(out_dir: Path, manifest: Mapping[str, Any]) -> None:
    """Write ``manifest`` as the manifest of ``out_dir``, atomically."""
    try:
        atomic_write(out_dir / MANIFEST, (json.dumps(manifest, indent=2) + "\n").encode())
    except OSError as error:
        raise cannot_write(out_dir / MANIFEST, error) from None
