"""Rules across facts.csv rows: a figure given twice by one source, guidance ranges with both
ends, revenue lines that add up to no more than their total, and unit-slip warnings.

Each rule first groups the rows it compares (by miner, period, metric or source), so the cost
grows with the number of rows, not with the number of pairs of them.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Mapping

from reportgen.errors import Problem
from reportgen.inputs import CsvRow, CsvTable, parse_number
from reportgen.metrics import DISAGREEMENT_TOLERANCE
from reportgen.model import DEFAULT_REVENUE_LINES
from reportgen.validate.common import MAX_PROBLEMS, capped, row_problem
from reportgen.vocabulary import guidance_target

SEGMENT_TOLERANCE = 0.01
"""Segment revenues may exceed the total by 1% (rounding in releases) before it is an error."""
UNIT_SLIP = 500
"""A figure this many times larger (or smaller) than the miner's other values of the same
metric is probably in the wrong unit (USD for USD millions): a warning, not an error."""


class Given:
    """The values one source gives for one figure so far, sorted, with their lines."""

    __slots__ = ("first", "lines", "values")

    def __init__(self) -> None:
        self.values: list[float] = []
        self.lines: list[int] = []
        self.first: tuple[int, float] | None = None

    def agreeing(self, value: float) -> int | None:
        """The earliest line of a value that agrees with ``value`` within rounding.

        Stored values never agree with each other (a value agreeing with one already stored
        is an error and is not stored), and agreement only narrows towards ``value``, so
        only the two neighbours of its sorted place can agree: O(log n) a row, not O(n).
        """
        at = bisect.bisect_left(self.values, value)
        found = [self.lines[i] for i in (at - 1, at) if 0 <= i < len(self.values)
                 and agree(value, self.values[i])]
        return min(found) if found else None

    def add(self, line: int, value: float) -> None:
        at = bisect.bisect_left(self.values, value)
        self.values.insert(at, value)
        self.lines.insert(at, line)
        self.first = self.first or (line, value)


def same_source(table: CsvTable, row: CsvRow, earlier: dict[tuple[str, ...], Given]
                ) -> list[Problem]:
    """The same figure twice from the same source.

    Two values that agree within rounding are one figure entered twice: an error. Two values
    that differ are the source contradicting itself (its text and its table, say), which a
    briefing shows like any disagreement, provided the later row's note says where in the
    source its value comes from. ``earlier`` holds what the rows before this one gave.
    """
    fields = row.fields
    key = (fields.get("ticker", ""), fields.get("period", ""), fields.get("metric", ""),
           *sorted(fields.get("source", "").split(";")))
    value = parse_number(fields.get("value", ""))
    if value is None:
        return []  # already reported as not a number
    given = earlier[key]
    same = given.agreeing(value)
    if same is not None:
        return [row_problem(table, row, "the same figure from the same source appears "
                                        f"twice (first at line {same})")]
    found = []
    if given.first is not None and not fields.get("note", "").strip():
        line, other = given.first
        found.append(row_problem(table, row, (
            f"the same source already gives {other:g} at line {line}; if it really states "
            f"both, say in this row's note where in the source {fields.get('value')} comes "
            f"from (e.g. \"the article's text; its table gives {other:g}\")")))
    given.add(row.line, value)
    return found


def agree(a: float, b: float) -> bool:
    """Equal within rounding: what the briefing would not show as a disagreement.

    >>> agree(43.6, 43.7), agree(43.6, 44.0)
    (True, False)
    """
    return abs(a - b) <= DISAGREEMENT_TOLERANCE * max(abs(a), abs(b))


def check_guidance(table: CsvTable) -> list[Problem]:
    """A guidance range has both ends, from the same source, with low <= high."""
    ends: dict[tuple[str, ...], dict[str, list[tuple[float, CsvRow]]]] = defaultdict(
        lambda: defaultdict(list))
    for row in table.rows:
        fields = row.fields
        target = guidance_target(fields.get("metric", ""))
        value = parse_number(fields.get("value", ""))
        if target is None or target[1] == "point" or value is None:
            continue
        base, kind = target
        key = (fields.get("ticker", ""), fields.get("period", ""), base,
               *sorted(fields.get("source", "").split(";")))
        ends[key][kind].append((value, row))
    problems: list[Problem] = []
    for (_, _, base, *_), found in ends.items():
        if len(problems) >= MAX_PROBLEMS:
            return capped(problems, table.file)
        for kind, other in (("low", "high"), ("high", "low")):
            if found[kind] and not found[other]:
                for _, row in found[kind]:
                    problems.append(row_problem(table, row, (
                        f"guidance gives the {kind} end of a range without its {other} end; "
                        f"add guide_{base}_{other} from the same source (or enter a single "
                        f"figure as guide_{base})")))
        highs = sorted(found["high"], key=lambda pair: pair[0])
        for low, low_row in found["low"]:
            if highs and low > highs[0][0]:  # one problem a low end, against the lowest high
                high, high_row = highs[0]
                row = max(low_row, high_row, key=lambda r: r.line)
                problems.append(row_problem(table, row, (
                    f"guidance range is upside down: low {low:g} (line {low_row.line}) "
                    f"is above high {high:g} (line {high_row.line})")))
    return capped(problems, table.file)


def check_segments(table: CsvTable, revenue_lines: Mapping[str, Mapping[str, str]]) -> list[
        Problem]:
    """Revenue lines of one quarter may not add up to more than its reported total."""
    totals: dict[tuple[str, str], list[tuple[float, CsvRow]]] = defaultdict(list)
    lines: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
    for row in table.rows:
        fields = row.fields
        value = parse_number(fields.get("value", ""))
        if value is None:
            continue
        key = (fields.get("ticker", ""), fields.get("period", ""))
        metric = fields.get("metric", "")
        if metric == "revenue_total":
            totals[key].append((value, row))
        elif metric in revenue_lines.get(key[0], {}) or metric in DEFAULT_REVENUE_LINES:
            lines[key].setdefault(metric, value)
    problems: list[Problem] = []
    for key, candidates in totals.items():
        if len(problems) >= MAX_PROBLEMS:
            break
        segment_sum = sum(lines.get(key, {}).values())
        parts = ""
        for total, row in candidates:
            if segment_sum > total * (1 + SEGMENT_TOLERANCE):
                parts = parts or " + ".join(f"{name} {value:g}"
                                            for name, value in lines[key].items())
                problems.append(row_problem(
                    table, row, f"revenue lines add up to {segment_sum:g} ({parts}), more than "
                                f"1% above the total {total:g}"))
    return capped(problems, table.file)


def unit_slips(table: CsvTable) -> list[Problem]:
    """Figures :data:`UNIT_SLIP` times off their miner's typical value of the same metric:
    valid but probably in the wrong unit, so warnings, never a reason to stop."""
    series: dict[tuple[str, str], list[tuple[float, CsvRow]]] = defaultdict(list)
    for row in table.rows:
        value = parse_number(row.fields.get("value", ""))
        if value is not None and value != 0:
            series[(row.fields.get("ticker", ""), row.fields.get("metric", ""))].append(
                (abs(value), row))
    found: list[Problem] = []
    for (_, metric), values in series.items():
        if len(values) < 3 or len(found) >= MAX_PROBLEMS:
            continue
        ordered = sorted(v for v, _ in values)
        # One typical value per miner and metric (the median of all its values), so every
        # warning of a long history compares against the same number.
        typical = ordered[(len(ordered) - 1) // 2]
        for value, row in values:
            ratio = value / typical
            if ratio >= UNIT_SLIP or ratio <= 1 / UNIT_SLIP:
                found.append(row_problem(table, row, (
                    f"{value:g} is {ratio:,.0f}× the miner's typical {metric} ({typical:g}); "
                    "is it in the wrong unit?") if ratio > 1 else (
                    f"{value:g} is 1/{1 / ratio:,.0f} of the miner's typical {metric} "
                    f"({typical:g}); is it in the wrong unit?")))
    return found[:MAX_PROBLEMS]
