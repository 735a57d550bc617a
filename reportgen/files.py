"""Writing outputs so a reader never sees half a file: temp file in the same folder, rename.

Every temporary file reportgen makes is named ``.<final name>.<8 random characters>.reportgen.tmp``
(:data:`TEMP_SUFFIX`), so clean-up can tell its own leftovers from anyone else's ``.*.tmp``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from pathlib import Path

TEMP_SUFFIX = ".reportgen.tmp"
_OWN_TEMP = re.compile(r"\..+\.[a-z0-9_]{8}" + re.escape(TEMP_SUFFIX))


def is_own_temp(name: str) -> bool:
    """Whether ``name`` is a temporary file name :func:`atomic_write` makes.

    >>> is_own_temp(".manifest.json.k3j_9x0a.reportgen.tmp"), is_own_temp(".x.tmp")
    (True, False)
    """
    return _OWN_TEMP.fullmatch(name) is not None


def atomic_write(path: Path, data: bytes) -> str:
    """Write ``data`` to ``path`` atomically; returns its SHA-256 hex digest."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                         suffix=TEMP_SUFFIX)
    try:
        os.chmod(temp_name, 0o644)  # mkstemp's 0600 would hide briefings from other users
        with os.fdopen(handle, "wb") as temp:
            temp.write(data)
            temp.flush()
            os.fsync(temp.fileno())
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise
    return hashlib.sha256(data).hexdigest()


def sync_folder(folder: Path) -> None:
    """Make the renames already done in ``folder`` durable (a power cut cannot undo them)."""
    handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
