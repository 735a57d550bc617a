"""Content keys for incremental builds: an output is rebuilt only when something it shows
could have changed, and ``--explain`` says what did.

A miner's key covers its own facts, company entry, the sources and market rows it can cite,
and the peer figures its "Among peers" section prints (ranks and medians), not every peer
fact; so changing one miner's figure rebuilds that miner and the sector overview, and other
miners only if their ranks or medians move. Every key also covers the templates and CSS, the
config, the versions of reportgen, WeasyPrint, matplotlib and pandas, and the installed fonts.

A key is one hash: it says *that* something changed, not *what*. So beside each output the
manifest keeps a small record of what went into its key (:func:`records`): per fact row its
value, line and status with a short hash of the rest, per company field, cited source, market
row and peer rank a short hash or the printed text, and, once per environment, the versions,
the config settings that enter the key and a short hash per template file. ``--explain``
compares the records of the last build with this one's (:class:`Explainer`):
``facts.csv:170 ZZZM 2026Q1 adjusted_ebitda 21.0 → 23.0``, ``template templates/css/briefing.css
changed``, ``config theme.accent_color '#1f4e79' → '#aa0000'``, ``weasyprint 69.0 → 70.0``.
The records never decide anything: the key alone does.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from reportgen import __version__
from reportgen.audit_view import cited_sources
from reportgen.config import SETTINGS, Config
from reportgen.model import Company, Dataset, Metrics
from reportgen.peers import RANKED, RankedMetric


@dataclass(frozen=True)
class Decision:
    """Whether one output is rebuilt, and why (``--explain`` prints these)."""

    name: str
    rebuild: bool
    reason: str


CHANGED = "its inputs, templates, config or tools changed"
"""The reason given when the key changed and the records cannot say what did."""
MAX_CHANGES = 12
"""``--explain`` lists at most this many changes for one output, then says how many more."""


def _digest(parts: Iterable[str | bytes]) -> str:
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def _short(text: str | bytes, size: int = 8) -> str:
    """A short hash for a record: enough to tell a change, never used to decide one."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()[:size]


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


KEY_SETTINGS = {setting.attr.partition(".")[0]: setting.key.partition(".")[0]
                if "." in setting.attr else setting.key
                for setting in SETTINGS if setting.shapes_documents}
"""The config attributes that enter every key, and how ``reportgen.yaml`` names them (one
name for a group: ``number_style`` is the theme's currency, negative and decimal settings)."""
NUMBER_STYLE_SETTINGS = {setting.attr.removeprefix("number_style."): setting.key
                         for setting in SETTINGS if setting.attr.startswith("number_style.")}
VERSIONED = ("weasyprint", "matplotlib", "pandas", "jinja2")


@dataclass(frozen=True)
class Environment:
    """Everything outside the data that shapes every output: its key, and the record that
    lets ``--explain`` say which part changed."""

    key: str
    record: dict[str, Any]

    @property
    def ref(self) -> str:
        """How output records refer to this environment in the manifest."""
        return self.key[:16]


def environment(config: Config) -> Environment:
    """The environment key (exactly :func:`environment_key`) with its record."""
    files = sorted((str(p.relative_to(root)), p, root) for root in config.resource_roots
                   if root.is_dir() for p in root.rglob("*") if p.is_file())
    # Paths count relative to the project, so moving the project folder rebuilds nothing.
    settings = {key: value for key, value in asdict(config).items() if key in KEY_SETTINGS}
    for key in ("logo", "user_templates"):
        chosen = getattr(config, key)
        settings[key] = os.path.relpath(chosen, config.project_root) if chosen else None
    versions = {"reportgen": __version__, **{name: _version(name) for name in VERSIONED}}
    fonts = _fonts()
    contents = [path.read_bytes() for _, path, _ in files]
    key = _digest([
        __version__, *(versions[name] for name in VERSIONED),
        json.dumps(settings, sort_keys=True, default=str), fonts,
        *(f"{name}\0" for name, _, _ in files), *contents,
    ])
    record = {
        "versions": versions,
        "settings": json.loads(json.dumps(settings, sort_keys=True, default=str)),
        "fonts": _short(fonts, 12),
        "files": {_file_label(config, root, name): _short(data, 12)
                  for (name, _, root), data in zip(files, contents, strict=True)},
    }
    return Environment(key, record)


def _file_label(config: Config, root: Path, name: str) -> str:
    """A template file as a reader finds it: its path in the project when it is there
    (``templates/css/briefing.css``), else its full path (the built-in templates)."""
    path = root / name
    return str(path.relative_to(config.project_root) if path.is_relative_to(
        config.project_root) else path)


def environment_key(config: Config) -> str:
    """Everything outside the data that shapes every output."""
    return environment(config).key


def input_key(dataset: Dataset, environment: str, period: str, miners: Iterable[str]) -> str:
    """The whole build at once: unchanged means nothing needs computing at all."""
    return _digest([dataset.fingerprint, environment, period, ",".join(miners)])


def _miner_parts(miner: Metrics, dataset: Dataset, ranked: list[RankedMetric]) -> list[str]:
    facts = dataset.facts[dataset.facts["ticker"] == miner.company.ticker]
    return [
        miner.requested_period, repr(miner.company),
        facts.to_csv(index=False),  # with line numbers: the briefing prints them
        dataset.market.to_csv(index=False),
        _prices_of(dataset, miner.company.ticker).to_csv(index=False),
        repr(cited_sources(miner, dict(dataset.sources), dataset.market)),
        repr([asdict(item) for item in ranked]),
    ]


def _prices_of(dataset: Dataset, ticker: str) -> pd.DataFrame:
    """The miner's rows of prices.csv, one row a value given (``period`` the date, ``metric``
    the column), in the shape :func:`_rows` reads."""
    prices = dataset.prices[dataset.prices["ticker"] == ticker]
    records = [
        {"period": f"{row.date:%Y-%m-%d}", "metric": name, "source": row.source,
         "value": getattr(row, name), "line": row.line, "status": row.status, "unit": "",
         "note": row.note, "file": row.file}
        for row in prices.itertuples() for name in ("close", "shares_outstanding", "market_cap")
        if not math.isnan(getattr(row, name))]
    return pd.DataFrame.from_records(records, columns=[
        "period", "metric", "source", "value", "line", "status", "unit", "note", "file"])


def miner_key(miner: Metrics, dataset: Dataset, ranked: list[RankedMetric],
              environment: str) -> str:
    return _digest([environment, *_miner_parts(miner, dataset, ranked)])


def sector_key(miner_keys: Iterable[str], environment: str, period: str) -> str:
    return _digest([environment, period, *sorted(miner_keys)])


# --- records: what went into each key, so --explain can name it --------------------------

STATUS_LETTERS = {"reported": "R", "secondary": "S", "derived": "D", "estimate": "E"}
STATUS_NAMES = {letter: status for status, letter in STATUS_LETTERS.items()}


def _number(value: object) -> str:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)
    return repr(number) if math.isfinite(number) else str(number)


def _rows(frame: pd.DataFrame) -> dict[str, str]:
    """One entry per input row, ``"period metric source": "value line status rest"``, where
    ``rest`` hashes the unit, note and file; a second row under the same name gets ``#2``."""
    out: dict[str, str] = {}
    columns = ("period", "metric", "source", "value", "line", "status", "unit", "note", "file")
    for period, metric, source, value, line, status, unit, note, file in zip(
            *(frame[column].tolist() for column in columns), strict=True):
        base = f"{period} {metric} {source}"
        name, copy = base, 1
        while name in out:
            copy += 1
            name = f"{base} #{copy}"
        rest = _short(f"{unit}\0{note}\0{file}", 6)
        out[name] = f"{_number(value)} {int(line)} {STATUS_LETTERS.get(str(status), '?')} {rest}"
    return out


def _ranked_text(item: RankedMetric) -> str:
    rank = f"rank {item.rank} of {item.disclosed}" if item.rank is not None else "not ranked"
    median = (f"median {item.median:.4g} of {item.median_of}" if not math.isnan(item.median)
              else "no median")
    return f"{rank}, {median}"


def miner_record(miner: Metrics, dataset: Dataset, ranked: list[RankedMetric],
                 env: Environment, market: dict[str, str] | None = None) -> dict[str, Any]:
    """What went into one miner's key, small enough to keep in the manifest.

    Its sources are those of its facts and contracts and every market row: the market rows a
    briefing prints are a window of them, and working the window out for every miner would
    cost more than the record is worth."""
    company = miner.company
    facts = dataset.facts[dataset.facts["ticker"] == company.ticker]
    ids = {s for cell in facts["source"] for s in str(cell).split(";")}
    ids |= {c.source for c in company.contracts}
    ids |= {s for cell in dataset.market["source"] for s in str(cell).split(";")}
    prices = _prices_of(dataset, company.ticker)
    ids |= {s for cell in prices["source"] for s in str(cell).split(";")}
    record = {
        "period": miner.requested_period,
        "company": {f.name: _short(repr(getattr(company, f.name)))
                    for f in fields(Company)},
        "sources": {i: _short(repr(dataset.sources[i])) for i in sorted(ids)
                    if i in dataset.sources},
        "peers": {item.key: f"{_ranked_text(item)} {_short(repr(asdict(item)), 6)}"
                  for item in ranked},
        "market": _rows(dataset.market) if market is None else market,
        "facts": _rows(facts),
        "prices": _rows(prices),
    }
    # "data" stands for everything but the environment: the sector's record names it per peer.
    data = _short(json.dumps(record, sort_keys=True), 16)
    return {"env": env.ref, "data": data, **record}


@dataclass(frozen=True)
class Records:
    """This build's records: each output's, and the environment they refer to."""

    environment: Environment
    outputs: dict[str, dict[str, Any]]

    def for_output(self, name: str) -> dict[str, Any]:
        """An output's record as the manifest keeps it, with its environment's record."""
        record = self.outputs.get(name)
        if record is None:
            return {}
        return {**record, "environment": self.environment.record}


def records(miners: Sequence[Metrics], dataset: Dataset,
            ranked: Mapping[str, list[RankedMetric]], env: Environment,
            period: str) -> Records:
    """The record of every peer's briefing and of the sector overview (whose key covers every
    peer's key: its record names each peer's data hash, and the miners' own records say
    what changed in them)."""
    market = _rows(dataset.market)
    outputs = {m.company.ticker: miner_record(m, dataset, ranked[m.company.ticker], env, market)
               for m in miners}
    outputs["sector"] = {"env": env.ref, "period": period,
                         "miners": {ticker: record["data"] for ticker, record in
                                    outputs.items()}}
    return Records(env, outputs)


def manifest_sections(previous: Mapping[str, Any], results: Iterable[Any],
                      entries: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The manifest's ``outputs`` (per output: what it covers, its headline figures for the
    archive page, its record) and ``environments`` (each record once) sections.

    Outputs this build did not touch keep what the previous manifest said of them, as long as
    any of their files is still listed; environments no output refers to are dropped."""
    listed = {str(entry.get("output")) for entry in entries.values()}
    before = previous.get("outputs")
    outputs: dict[str, Any] = {name: value for name, value in before.items()
                               if name in listed and isinstance(value, dict)
                               } if isinstance(before, dict) else {}
    known = previous.get("environments")
    environments: dict[str, Any] = dict(known) if isinstance(known, dict) else {}
    for result in results:
        record = dict(getattr(result, "record", None) or {})
        env = record.pop("environment", None)
        if env is not None and "env" in record:
            environments[record["env"]] = env
        outputs[result.ticker] = {"covers": result.period, **(result.headline or {}),
                                  "record": record}
    used = {value.get("record", {}).get("env") for value in outputs.values()}
    return {"outputs": {name: outputs[name] for name in sorted(outputs)},
            "environments": {ref: env for ref, env in sorted(environments.items())
                             if ref in used}}


class Explainer:
    """What changed for an output since the last build, from the manifest's records."""

    def __init__(self, previous: Mapping[str, Any], current: Records) -> None:
        outputs = previous.get("outputs")
        self._before: Mapping[str, Any] = outputs if isinstance(outputs, dict) else {}
        environments = previous.get("environments")
        self._environments: Mapping[str, Any] = (environments if isinstance(environments, dict)
                                                 else {})
        self._current = current

    def _old(self, name: str) -> dict[str, Any] | None:
        entry = self._before.get(name)
        record = entry.get("record") if isinstance(entry, dict) else None
        return record if isinstance(record, dict) else None

    def __call__(self, name: str) -> str:
        """The changes, one a line (at most :data:`MAX_CHANGES`), or "" when the records
        cannot tell (an output built before records were kept)."""
        old, new = self._old(name), self._current.outputs.get(name)
        if old is None or new is None:
            return ""
        try:
            lines = self._environment(old.get("env"))
            if name == "sector":
                lines += self._sector(old, new)
            else:
                lines += miner_changes(name, old, new)
        except (AttributeError, TypeError, ValueError, KeyError):
            return ""  # a damaged record explains nothing; the key still decided
        if len(lines) > MAX_CHANGES:
            more = len(lines) - MAX_CHANGES + 1
            lines = [*lines[:MAX_CHANGES - 1], f"… and {more} more changes"]
        return "\n".join(lines)

    def _environment(self, ref: object) -> list[str]:
        current = self._current.environment
        if ref == current.ref:
            return []
        old = self._environments.get(ref) if isinstance(ref, str) else None
        if not isinstance(old, dict):
            return ["templates, config or tools changed (the manifest has no record of the "
                    "earlier ones)"]
        return environment_changes(old, current.record) or [
            "templates, config or tools changed"]

    def _sector(self, old: dict[str, Any], new: dict[str, Any]) -> list[str]:
        lines = []
        if old.get("period") != new.get("period"):
            lines.append(f"period {old.get('period')} → {new.get('period')}")
        before, after = old.get("miners") or {}, new.get("miners") or {}
        for ticker in sorted(set(before) | set(after), key=lambda t: (t not in after, t)):
            if ticker not in before:
                lines.append(f"{ticker} joined the peers")
            elif ticker not in after:
                lines.append(f"{ticker} left the peers")
            elif before[ticker] != after[ticker]:
                # The miner's own record from the build the sector was last built with.
                record = self._old(ticker)
                if record is not None and record.get("data") == before[ticker]:
                    lines += miner_changes(ticker, record, self._current.outputs[ticker]) or [
                        f"{ticker}: its inputs changed"]
                else:
                    lines.append(f"{ticker}: its figures, entry, sources or peer ranks changed")
        return lines


def environment_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Tool versions, config settings, fonts and template files that differ."""
    lines = []
    for name, version in new.get("versions", {}).items():
        was = old.get("versions", {}).get(name)
        if was != version:
            lines.append(f"{name} {was or 'absent'} → {version}")
    before, after = old.get("settings", {}), new.get("settings", {})
    for key in sorted(set(before) | set(after)):
        if before.get(key) == after.get(key):
            continue
        if key == "number_style" and isinstance(before.get(key), dict) and isinstance(
                after.get(key), dict):
            for part, shown in NUMBER_STYLE_SETTINGS.items():
                if before[key].get(part) != after[key].get(part):
                    lines.append(f"config {shown} {_setting(before[key].get(part))} → "
                                 f"{_setting(after[key].get(part))}")
            continue
        lines.append(f"config {KEY_SETTINGS.get(key, key)} {_setting(before.get(key))} → "
                     f"{_setting(after.get(key))}")
    if old.get("fonts") != new.get("fonts"):
        lines.append("the installed fonts changed")
    lines += [f"template {label} {how}"
              for label, how in _keyed_changes(old.get("files", {}), new.get("files", {}))]
    return lines


def _keyed_changes(before: Mapping[str, Any], after: Mapping[str, Any]
                   ) -> list[tuple[str, str]]:
    """(key, "added" | "removed" | "changed") for every key whose entry differs, sorted."""
    found = []
    for key in sorted(set(before) | set(after)):
        if key not in before:
            found.append((key, "added"))
        elif key not in after:
            found.append((key, "removed"))
        elif before[key] != after[key]:
            found.append((key, "changed"))
    return found


def _setting(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "none"
    return "none" if value is None else repr(value)


def miner_changes(ticker: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """A miner's facts, company entry, cited sources, market rows and peer ranks that differ."""
    lines = []
    if old.get("period") != new.get("period"):
        lines.append(f"period {old.get('period')} → {new.get('period')}")
    lines += _row_changes("facts.csv", ticker, old.get("facts", {}), new.get("facts", {}))
    changed = [name for name in new.get("company", {})
               if old.get("company", {}).get(name) != new["company"][name]]
    if changed:
        lines.append(f"companies.yaml {ticker}: {', '.join(changed)} changed")
    cited = {"added": "now cited", "removed": "no longer cited", "changed": "changed"}
    lines += [f"sources.yaml {source} {cited[how]}" for source, how in
              _keyed_changes(old.get("sources", {}), new.get("sources", {}))]
    lines += _row_changes("market.csv", "", old.get("market", {}), new.get("market", {}))
    lines += _row_changes("prices.csv", ticker, old.get("prices", {}), new.get("prices", {}))
    before, after = old.get("peers", {}), new.get("peers", {})
    labels = dict(RANKED)
    for key in after:
        was = str(before.get(key, "")).rsplit(" ", 1)[0]
        now = str(after[key]).rsplit(" ", 1)[0]
        if was != now:
            lines.append(f"among peers, {labels.get(key, key)}: {was or 'not shown'} → {now}")
    return lines


def _row_changes(file: str, ticker: str, old: Mapping[str, str], new: Mapping[str, str]
                 ) -> list[str]:
    """Rows added, removed or changed; rows that only moved to another line are counted."""
    lines, moved = [], []
    who = f"{ticker} " if ticker else ""

    def what(name: str) -> str:
        return f"{who}{name.split(' #')[0].rsplit(' ', 1)[0]}"

    for name in new:
        now = new[name].split(" ")
        if name not in old:
            lines.append(f"{file}:{now[1]} {what(name)} {now[0]} added")
            continue
        was = old[name].split(" ")
        if was[0] != now[0]:
            lines.append(f"{file}:{now[1]} {what(name)} {was[0]} → {now[0]}")
        elif was[2:3] != now[2:3]:
            lines.append(f"{file}:{now[1]} {what(name)} status "
                         f"{STATUS_NAMES.get(was[2], was[2])} → "
                         f"{STATUS_NAMES.get(now[2], now[2])}")
        elif was[3:] != now[3:]:
            lines.append(f"{file}:{now[1]} {what(name)}: unit, note or file changed")
        elif was[1] != now[1]:
            moved.append((was[1], now[1]))
    for name in old:
        if name not in new:
            was = old[name].split(" ")
            lines.append(f"{file}:{was[1]} {what(name)} {was[0]} removed")
    if moved:
        first = min(moved, key=lambda pair: int(pair[0]))
        lines.append(f"{file}: {len(moved)} row{'s' if len(moved) != 1 else ''} of "
                     f"{ticker or 'the market'} moved to other lines (line {first[0]} is now "
                     f"{first[1]}); the briefing prints line numbers")
    return lines

