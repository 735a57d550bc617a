"""Writing outputs so a reader never sees half a file: temp file in the same folder, rename."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path


def atomic_write(path: Path, data: bytes) -> str:
    """Write ``data`` to ``path`` atomically; returns its SHA-256 hex digest."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
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
