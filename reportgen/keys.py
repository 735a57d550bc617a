"""Content keys for incremental builds: an output is rebuilt only when something it shows
could have changed.

A miner's key covers its own facts, company entry, the sources and market rows it can cite,
and the peer figures its "Among peers" section prints (ranks and medians), not every peer
fact; so changing one miner's figure rebuilds that miner and the sector overview, and other
miners only if their ranks or medians move. Every key also covers the templates and CSS, the
config, the versions of reportgen, WeasyPrint, matplotlib and pandas, and the installed fonts.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

from reportgen import __version__
from reportgen.config import Config
from reportgen.model import Dataset, Metrics
from reportgen.peers import RankedMetric
from reportgen.view import cited_sources


@dataclass(frozen=True)
class Decision:
    """Whether one output is rebuilt, and why (``--explain`` prints these)."""

    name: str
    rebuild: bool
    reason: str


def _digest(parts: Iterable[str | bytes]) -> str:
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "absent"


def _fonts() -> str:
    """The installed font files, as fontconfig lists them (a new font can change layout)."""
    try:
        listing = subprocess.run(["fc-list", "--format", "%{file}\\n"], capture_output=True,
                                 text=True, timeout=10, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return "fc-list unavailable"
    return "\n".join(sorted(listing.splitlines()))


def environment_key(config: Config) -> str:
    """Everything outside the data that shapes every output."""
    files = sorted((str(p.relative_to(root)), p) for root in config.resource_roots
                   if root.is_dir() for p in root.rglob("*") if p.is_file())
    # Paths count relative to the project, so moving the project folder rebuilds nothing.
    settings = {key: value for key, value in asdict(config).items()
                if key in ("formats", "paper_size", "firm_name", "accent_color", "sector_sort",
                           "stale_after_quarters", "pdf_variant", "font_family", "number_style")}
    for key in ("logo", "user_templates"):
        chosen = getattr(config, key)
        settings[key] = os.path.relpath(chosen, config.project_root) if chosen else None
    return _digest([
        __version__, _version("weasyprint"), _version("matplotlib"), _version("pandas"),
        _version("jinja2"), json.dumps(settings, sort_keys=True, default=str), _fonts(),
        *(f"{name}\0" for name, _ in files), *(path.read_bytes() for _, path in files),
    ])


def input_key(dataset: Dataset, environment: str, period: str, miners: Iterable[str]) -> str:
    """The whole build at once: unchanged means nothing needs computing at all."""
    return _digest([dataset.fingerprint, environment, period, ",".join(miners)])


def miner_key(miner: Metrics, dataset: Dataset, ranked: list[RankedMetric],
              environment: str) -> str:
    facts = dataset.facts[dataset.facts["ticker"] == miner.company.ticker]
    return _digest([
        environment, miner.requested_period, repr(miner.company),
        facts.to_csv(index=False),  # with line numbers: the briefing prints them
        dataset.market.to_csv(index=False),
        repr(cited_sources(miner, dict(dataset.sources), dataset.market)),
        repr([asdict(item) for item in ranked]),
    ])


def sector_key(miner_keys: Iterable[str], environment: str, period: str) -> str:
    return _digest([environment, period, *sorted(miner_keys)])


def intact(out_dir: Path, entries: dict[str, dict[str, object]], names: Iterable[str],
           key: str) -> str | None:
    """``None`` when every named file exists unchanged with this key, else the reason not."""
    for name in names:
        entry = entries.get(name)
        path = out_dir / name
        if entry is None or not path.exists():
            return f"{name} not built yet"
        if entry.get("key") != key:
            return "its inputs, templates, config or tools changed"
        if entry.get("sha256") != hashlib.sha256(path.read_bytes()).hexdigest():
            return f"{name} was modified or damaged on disk"
    return None
