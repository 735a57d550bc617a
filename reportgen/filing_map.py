"""A miner's filing map: which facts of its filings feed which of its metrics.

Each miner tags its revenue split its own way (``corz:ColocationMember`` on
``srt:ProductOrServiceAxis``, lease income as an undimensioned concept), so the map is data,
per miner, under ``filing_map:`` in companies.yaml::

    filing_map:
    - {concept: us-gaap:Revenues, axis: srt:ProductOrServiceAxis,
       member: nvda:DataCenterMember, metric: revenue_ai_hpc}
    - {concept: us-gaap:OperatingLeaseLeaseIncome, metric: revenue_hpc_lease}

An entry matches a fact whose dimensions are EXACTLY the entry's (none for an entry without
``axis``; ``dimensions: {axis: member, ...}`` for several), never "has this axis somewhere":
a fact on the same member but also broken down by segment is a different figure. Members nest
(NVIDIA's data center member is the sum of its compute and networking members), so nothing is
summed that the map does not name; several entries for one metric are summed (siblings the
user chose, e.g. every non-data-center product line into ``revenue_other``).

Operating figures (``btc_mined`` in ``BTC``, ...) may be mapped too: ``unit`` is the XBRL
measure the fact must carry (default ``USD``, turned into USD millions) and ``scale`` the
factor into our unit for any other measure (default 1). ``sign: -1`` flips a concept tagged
with the opposite sign convention.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from reportgen.vocabulary import METRICS

ENTRY_KEYS = ("concept", "axis", "member", "dimensions", "metric", "unit", "scale", "sign")
QNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,40}:[A-Za-z_][A-Za-z0-9_.-]{0,200}$")
MEASURE = re.compile(r"^[A-Za-z][A-Za-z0-9_./*-]{0,40}$")
MAX_ENTRIES = 200
USD_SCALE = 1e-6
Placed = tuple[tuple[str | int, ...], str]
"""A problem's place under the company entry (``("filing_map", 2)``) and its message."""


@dataclass(frozen=True)
class MapEntry:
    """One (concept, exact dimensions) → metric rule."""

    concept: str
    dimensions: frozenset[tuple[str, str]]
    metric: str
    unit: str = "USD"
    scale: float = USD_SCALE
    sign: int = 1

    def matches(self, concept: str, dimensions: frozenset[tuple[str, str]], unit: str) -> bool:
        return concept == self.concept and dimensions == self.dimensions and unit == self.unit

    @property
    def label(self) -> str:
        """How a note names it: ``us-gaap:Revenues [srt:ProductOrServiceAxis=nvda:X]``."""
        dims = ", ".join(f"{axis}={member}" for axis, member in sorted(self.dimensions))
        return f"{self.concept} [{dims}]" if dims else self.concept


def problems(value: Any, revenue_lines: Mapping[Any, Any]) -> list[Placed]:
    """Every problem with a ``filing_map:`` value, as (place under the entry, message).

    Called from :func:`reportgen.validate.check` for each company; ``revenue_lines`` are the
    company's declared lines, which a map may target besides the vocabulary's metrics.
    """
    _, found = _parse(value, revenue_lines)
    return found


def parse(value: Any, revenue_lines: Mapping[Any, Any]) -> tuple[MapEntry, ...]:
    """The map's entries; call after validation passed (problems are dropped here)."""
    entries, _ = _parse(value, revenue_lines)
    return entries


def _parse(value: Any, revenue_lines: Mapping[Any, Any]) -> tuple[
        tuple[MapEntry, ...], list[Placed]]:
    if value is None:
        return (), []
    if not isinstance(value, list):
        return (), [(("filing_map",), "expected a list of {concept, axis, member, metric}")]
    if len(value) > MAX_ENTRIES:
        return (), [(("filing_map",), f"{len(value):,} entries, more than the {MAX_ENTRIES} "
                                      "reportgen reads")]
    entries: list[MapEntry] = []
    found: list[Placed] = []
    seen: dict[tuple[str, frozenset[tuple[str, str]], str], int] = {}
    for index, item in enumerate(value):
        where: tuple[str | int, ...] = ("filing_map", index)
        entry, message = _entry(item, revenue_lines)
        if entry is None:
            found.append((where, message))
            continue
        key = (entry.concept, entry.dimensions, entry.unit)
        if key in seen:
            found.append((where, f"{entry.label} is already mapped by entry [{seen[key]}]; "
                                 "a fact feeds one metric"))
            continue
        seen[key] = index
        entries.append(entry)
    return tuple(entries), found


def _entry(item: Any, revenue_lines: Mapping[Any, Any]) -> tuple[MapEntry | None, str]:
    if not isinstance(item, dict):
        return None, "expected {concept: us-gaap:Revenues, axis: ..., member: ..., metric: ...}"
    unknown = [key for key in item if key not in ENTRY_KEYS]
    if unknown:
        return None, f"unknown key {unknown[0]!r}; expected {', '.join(ENTRY_KEYS)}"
    concept = item.get("concept")
    if not isinstance(concept, str) or not QNAME.match(concept):
        return None, f"concept: expected a prefixed name like us-gaap:Revenues, got {concept!r}"
    dimensions, message = _dimensions(item)
    if message:
        return None, message
    metric = item.get("metric")
    unit = item.get("unit", "USD")
    if not isinstance(unit, str) or not MEASURE.match(unit):
        return None, f"unit: expected an XBRL measure such as USD, got {unit!r}"
    spec = METRICS.get(metric) if isinstance(metric, str) else None
    if spec is None and not (isinstance(metric, str) and metric in revenue_lines):
        return None, (f"metric: expected a metric ('reportgen metrics' lists them) or one of "
                      f"this miner's revenue_lines, got {metric!r}")
    our_unit = spec.unit if spec is not None else "USD_M"
    if (our_unit == "USD_M") != (unit == "USD"):
        return None, f"unit: {metric} is in {our_unit}, so the fact's unit must be " + (
            "USD" if our_unit == "USD_M" else "that figure's measure (not USD)")
    scale = item.get("scale", USD_SCALE if unit == "USD" else 1)
    if "scale" in item and unit == "USD":
        return None, "scale: USD is always turned into USD millions; leave scale out"
    if isinstance(scale, bool) or not isinstance(scale, int | float) or not 0 < scale < 1e12:
        return None, f"scale: expected a positive number, got {scale!r}"
    sign = item.get("sign", 1)
    if sign not in (1, -1) or isinstance(sign, bool):
        return None, f"sign: expected 1 or -1, got {sign!r}"
    return MapEntry(concept, dimensions, str(metric), unit, float(scale), int(sign)), ""


def _dimensions(item: Mapping[str, Any]) -> tuple[frozenset[tuple[str, str]], str]:
    axis, member, many = item.get("axis"), item.get("member"), item.get("dimensions")
    if many is not None and (axis is not None or member is not None):
        return frozenset(), "give either axis and member or dimensions, not both"
    if many is not None:
        if not isinstance(many, dict) or not many:
            return frozenset(), "dimensions: expected a mapping of axis to member"
        pairs = list(many.items())
    elif (axis is None) != (member is None):
        return frozenset(), "axis and member go together (leave both out for an " \
                            "undimensioned fact)"
    else:
        pairs = [(axis, member)] if axis is not None else []
    for name in (name for pair in pairs for name in pair):
        if not isinstance(name, str) or not QNAME.match(name):
            return frozenset(), (f"expected axis and member as prefixed names like "
                                 f"srt:ProductOrServiceAxis, got {name!r}")
    return frozenset(pairs), ""


def metrics(entries: Iterable[MapEntry]) -> dict[str, tuple[MapEntry, ...]]:
    """Entries grouped by the metric they feed, in map order."""
    grouped: dict[str, list[MapEntry]] = {}
    for entry in entries:
        grouped.setdefault(entry.metric, []).append(entry)
    return {metric: tuple(found) for metric, found in grouped.items()}
