"""The tag map: which XBRL tags feed which metric, in which unit and with what sign.

The mapping is data, ``reportgen/sec/tags.yaml`` (shipped with the package), extended by a
user's ``--tags FILE``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from reportgen import safeyaml
from reportgen.errors import InputError, Problem
from reportgen.vocabulary import METRICS, did_you_mean

TAXONOMIES = ("us-gaap", "ifrs-full")
UNIT_SCALE = {"USD": 1e-6}
"""XBRL unit → factor to our unit (USD_M). Only additive money amounts are imported."""


@dataclass(frozen=True)
class TagRule:
    """One XBRL tag to try for a metric, the unit it must carry and the sign to apply."""

    taxonomy: str
    tag: str
    unit: str
    sign: int

    @property
    def name(self) -> str:
        return f"{self.taxonomy}:{self.tag}"


@dataclass(frozen=True)
class TagMap:
    """Metric → tags in the order tried (a user's extra file first, then the shipped one)."""

    rules: Mapping[str, tuple[TagRule, ...]]

    def tags(self) -> set[tuple[str, str]]:
        return {(rule.taxonomy, rule.tag) for rules in self.rules.values() for rule in rules}


def load_tag_map(extra: Path | None = None) -> TagMap:
    """The shipped mapping, extended and overridden by ``extra`` (``--tags FILE``) if given."""
    shipped = resources.files("reportgen.sec").joinpath("tags.yaml")
    rules = _parse_tag_map(shipped.read_text(encoding="utf-8"), "reportgen/sec/tags.yaml")
    if extra is None:
        return TagMap(rules)
    text = safeyaml.read_text(extra, str(extra), safeyaml.MAX_BYTES)
    overrides = _parse_tag_map(text, str(extra))
    merged: dict[str, tuple[TagRule, ...]] = {}
    for metric in {**rules, **overrides}:
        mine = overrides.get(metric, ())
        taken = {(rule.taxonomy, rule.tag) for rule in mine}
        merged[metric] = (*mine, *(r for r in rules.get(metric, ())
                                   if (r.taxonomy, r.tag) not in taken))
    return TagMap(merged)


def _parse_tag_map(text: str, file: str) -> dict[str, tuple[TagRule, ...]]:
    document, _ = safeyaml.parse(text, file)  # no duplicate keys, no tags, bounded depth
    metrics = document.get("metrics") if isinstance(document, dict) else None
    if not isinstance(metrics, dict):
        raise InputError([Problem(file, "expected a 'metrics:' mapping of metric → "
                                        "taxonomy → list of {tag, unit, sign}")])
    problems = [Problem(file, f"{key}: {safeyaml.unknown_key(key, ('metrics',))}")
                for key in document if key != "metrics"]
    rules: dict[str, tuple[TagRule, ...]] = {}
    for metric, by_taxonomy in metrics.items():
        spec = METRICS.get(metric)
        if spec is None or spec.unit != "USD_M":
            problems.append(Problem(file, f"metrics.{metric}: expected a USD_M metric"
                                          f"{did_you_mean(str(metric), METRICS)} "
                                          "('reportgen metrics' lists them)"))
            continue
        if not isinstance(by_taxonomy, dict):
            problems.append(Problem(file, f"metrics.{metric}: expected a mapping of taxonomy "
                                          f"({', '.join(TAXONOMIES)}) to a list of tags"))
            continue
        found: list[TagRule] = []
        for taxonomy, entries in by_taxonomy.items():
            place = f"metrics.{metric}.{taxonomy}"
            if taxonomy not in TAXONOMIES:
                problems.append(Problem(file, f"{place}: expected one of {', '.join(TAXONOMIES)}"))
                continue
            for index, entry in enumerate(entries or ()):
                rule, problem = _rule(taxonomy, entry)
                if problem:
                    problems.append(Problem(file, f"{place}[{index}]: {problem}"))
                elif rule is not None:
                    found.append(rule)
        rules[metric] = tuple(found)
    if problems:
        raise InputError(problems)
    return rules


def _rule(taxonomy: str, entry: Any) -> tuple[TagRule | None, str]:
    if not isinstance(entry, dict) or not isinstance(entry.get("tag"), str):
        return None, "expected {tag: Name, unit: USD, sign: 1}"
    unknown = [key for key in entry if key not in ("tag", "unit", "sign")]
    if unknown:
        return None, safeyaml.unknown_key(unknown[0], ("tag", "unit", "sign"))
    if entry.get("unit") not in UNIT_SCALE:
        return None, f"unit: expected one of {', '.join(UNIT_SCALE)}, got {entry.get('unit')!r}"
    if entry.get("sign") not in (1, -1):
        return None, f"sign: expected 1 or -1, got {entry.get('sign')!r}"
    return TagRule(taxonomy, entry["tag"], entry["unit"], int(entry["sign"])), ""
