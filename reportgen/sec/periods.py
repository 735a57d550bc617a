"""Turn an SEC XBRL companyfacts document into facts.csv figures, one per metric and quarter.

companyfacts lists every figure a company has tagged, once per filing that carried it, with
the filing's ``fy``/``fp`` labels. Those labels describe the filing, not the figure (a 10-K's
prior-year comparatives carry the 10-K's year), so periods here come only from each fact's
``start``/``end`` dates: a ~3-month duration is a quarter; a quarter missing as such is worked
out from year-to-date figures with the same start (6M − 3M, 9M − 6M, FY − 9M); a duration
belongs to the calendar quarter its midpoint falls in, as SEC's frames do. Balance-sheet
instants belong to the calendar quarter whose end is nearest. A filer with no quarterly
figures at all (a 20-F filer) gets ``FYyyyy`` rows instead.

Which tags feed which metric, and with what sign, is data: ``reportgen/sec/tags.yaml``
(:mod:`reportgen.sec.tags`). Merging the figures into ``inputs/`` lives in
:mod:`reportgen.sec.merge`.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from reportgen.sec.document import Document, Fact, Filing
from reportgen.sec.tags import UNIT_SCALE, TagMap, TagRule
from reportgen.vocabulary import METRICS

QUARTER_DAYS = range(80, 101)
"""A duration this long (inclusive days) is a quarter; 13-week quarters are 91 days."""
_SHORTEST_QUARTER = timedelta(days=QUARTER_DAYS.start)
_LONGEST_QUARTER = timedelta(days=QUARTER_DAYS.stop - 1)
YEAR_DAYS = range(350, 381)
"""A full fiscal year, 52/53-week years included."""


@dataclass(frozen=True)
class Figure:
    """One facts.csv row to be: a metric for a period, in USD_M and our sign convention."""

    metric: str
    period: str
    value: float
    filings: tuple[Filing, ...]
    status: str
    note: str
    unit: str = "USD_M"
    """Our unit: USD_M for companyfacts; a filing map may name an operating figure's unit."""

    @property
    def source(self) -> str:
        return ";".join(dict.fromkeys(filing.source_id for filing in self.filings))


@dataclass(frozen=True)
class Extraction:
    """What a companyfacts document yields for one company."""

    document: Document
    figures: tuple[Figure, ...]
    skipped: tuple[str, ...] = ()
    """Why figures were left out (a negative value where our vocabulary forbids one, ...)."""
    quarterly: bool = True
    """False when the filer has no quarterly figures at all (annual 20-F/10-K only)."""
    changed: tuple[str, ...] = ()
    """Values a later filing changed without amending them; both rows are in ``figures``."""

    @property
    def filings(self) -> tuple[Filing, ...]:
        found = {filing for figure in self.figures for filing in figure.filings}
        return tuple(sorted(found))


@dataclass(frozen=True)
class _Window:
    """A value for one date range of one tag, already chosen among the filings."""

    start: date | None
    end: date
    value: float
    filings: tuple[Filing, ...]
    derived_from: tuple[_Window, ...] = field(default=(), compare=False)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1 if self.start else 0


def extract(document: Document, tag_map: TagMap, *, as_first_reported: bool = False,
            fiscal_year_end_month: int = 12) -> Extraction:
    """Every figure the mapping finds, one per metric and period, in USD_M and our signs.

    For each period the first tag (in mapping order) with a figure wins; FY rows and, for
    annual filers, year-end balances come after the quarters are known. A value that a later
    filing changed without amending is kept too, as a second row citing the filing that gave
    it (:func:`_changed`), and listed in :attr:`Extraction.changed`.
    """
    groups = {
        metric: [(rule, [(_choose(group, as_first_reported), group) for group in _by_dates(
            document.facts.get((rule.taxonomy, rule.tag, rule.unit), ()))]) for rule in rules]
        for metric, rules in tag_map.rules.items()
    }
    windows = {metric: [(rule, [window for window, _ in found]) for rule, found in per_rule]
               for metric, per_rule in groups.items()}
    quarters = {metric: _first_per_period(
        pair for rule, found in per_rule
        for pair in _quarter_figures(metric, rule, found, fiscal_year_end_month))
        for metric, per_rule in windows.items()}
    quarterly = any(quarters.values())
    figures: list[Figure] = []
    chosen: dict[tuple[str, str], Figure] = {}
    for metric, per_rule in windows.items():
        others = _first_per_period(
            [*(pair for rule, found in per_rule
               for pair in _instant_figures(metric, rule, found, quarterly,
                                            fiscal_year_end_month)),
             *(pair for rule, found in per_rule
               for pair in _year_figures(metric, rule, found, set(quarters[metric])))])
        figures += [*quarters[metric].values(), *others.values()]
        chosen.update({(period, metric): figure
                       for period, figure in [*quarters[metric].items(), *others.items()]})
    changed: list[str] = []
    if not as_first_reported:
        for metric, per_rule in groups.items():
            for rule, found in per_rule:
                for window, facts in found:
                    for extra, line in _changed_figures(metric, rule, window, facts, chosen,
                                                        quarterly, fiscal_year_end_month):
                        figures.append(extra)
                        changed.append(line)
    kept, skipped = _within_vocabulary(figures)
    return Extraction(document, tuple(sorted(kept, key=_order)), tuple(skipped), quarterly,
                      tuple(changed))


def _changed_figures(metric: str, rule: TagRule, window: _Window, facts: list[Fact],
                     chosen: Mapping[tuple[str, str], Figure], quarterly: bool,
                     fiscal_year_end_month: int) -> Iterator[tuple[Figure, str]]:
    """A row for each earlier value of ``window`` that a later filing changed, beside the
    figure chosen for that period (only when that figure is this window's, not a derived one)."""
    for earlier in _changed(facts, window):
        one = [earlier]
        pairs = [*_quarter_figures(metric, rule, [w for w in one if w.days in QUARTER_DAYS],
                                   fiscal_year_end_month),
                 *_instant_figures(metric, rule, one, quarterly, fiscal_year_end_month),
                 *(_year_figures(metric, rule, one, set()) if window.days in YEAR_DAYS else ())]
        for period, figure in pairs[:1]:
            primary = chosen.get((period, metric))
            if primary is None or primary.status != "reported" or \
                    window.filings[0] not in primary.filings or not _differs(figure.value,
                                                                             primary.value):
                continue
            note = (f"{figure.note}; {primary.source} later gives "
                    f"{format_value(primary.value)} without amending: both kept")
            line = (f"{period} {metric}: {format_value(figure.value)} from {figure.source} "
                    f"was changed to {format_value(primary.value)} by {primary.source}, not an "
                    "amendment: both rows kept (a disagreement the briefing lists)")
            yield Figure(metric, period, figure.value, figure.filings, "reported", note), line


CHANGE_TOLERANCE = 0.005
"""A later value within 0.5% of an earlier one is rounding, not a change (the briefing's
disagreement tolerance, metrics.DISAGREEMENT_TOLERANCE, which this module cannot import
without pandas)."""


def _differs(a: float, b: float) -> bool:
    return abs(a - b) > CHANGE_TOLERANCE * max(abs(a), abs(b))


def _changed(facts: list[Fact], chosen: _Window) -> list[_Window]:
    """Earlier values of one date range that a later filing changed without amending them.

    CleanSpark's cash at 30 September 2018 was 412,777 in ten filings and 7,838,857 in one
    late filing (the 2019 balance, misdated): taking the latest silently would hide that.
    Each other value is kept, cited to the filing that first gave it, unless an amendment
    (form ``.../A``) filed after it gives the chosen value: an amendment restates on purpose.
    """
    ordered = sorted(facts, key=lambda fact: fact.filing)
    amended = max((index for index, fact in enumerate(ordered)  # linear: documents may be big
                   if fact.filing.form.endswith("/A") and not _differs(fact.value, chosen.value)),
                  default=-1)
    found: dict[float, _Window] = {}
    for fact in ordered[amended + 1:]:
        if _differs(fact.value, chosen.value) and fact.value not in found:
            found[fact.value] = _Window(fact.start, fact.end, fact.value, (fact.filing,))
    return list(found.values())


def _first_per_period(pairs: Iterable[tuple[str, Figure]]) -> dict[str, Figure]:
    chosen: dict[str, Figure] = {}
    for period, figure in pairs:
        chosen.setdefault(period, figure)
    return chosen


def _order(figure: Figure) -> tuple[int, str, int]:
    names = list(METRICS)  # a miner's own revenue line (revenue_colocation) sorts last
    metric_rank = names.index(figure.metric) if figure.metric in names else len(names)
    year = figure.period.removeprefix("FY")[:4]
    return int(year), figure.period, metric_rank


def _by_dates(facts: Iterable[Fact]) -> Iterator[list[Fact]]:
    groups: dict[tuple[date | None, date], list[Fact]] = {}
    for fact in facts:
        groups.setdefault((fact.start, fact.end), []).append(fact)
    yield from groups.values()


def _choose(facts: list[Fact], as_first_reported: bool) -> _Window:
    """One value for one date range reported by several filings.

    By default the latest filing's value wins, cited to the filing that first gave that value
    (as the README says), so a figure repeated unchanged as a comparative keeps citing the
    filing that first reported it and re-imports stay stable; an earlier value it replaced is
    kept beside it (:func:`_changed`). ``as_first_reported`` takes the first filing's value.
    """
    ordered = sorted(facts, key=lambda fact: fact.filing)
    if as_first_reported:
        first = ordered[0]
        return _Window(first.start, first.end, first.value, (first.filing,))
    latest = ordered[-1]
    cited = next(fact for fact in ordered if fact.value == latest.value)
    return _Window(latest.start, latest.end, latest.value, (cited.filing,))


def _differences(durations: dict[tuple[date | None, date], _Window],
                 taken: set[tuple[date | None, date]],
                 fiscal_year_end_month: int) -> list[_Window]:
    """Quarters worked out as a longer year-to-date window less the shorter one of the same
    start, for quarters no window gives directly (``taken``); by end date, first found on a tie.
    """
    order = {key: index for index, key in enumerate(durations)}
    ends: dict[date | None, list[date]] = {}
    for start, end in durations:
        ends.setdefault(start, []).append(end)
    for found_ends in ends.values():
        found_ends.sort()
    best: dict[str, tuple[date, int, _Window, _Window]] = {}
    found = 0
    for longer in durations.values():
        # The shorter window that leaves a quarter has the same start and ends 80-100 days
        # before the longer one (QUARTER_DAYS): find those by bisection instead of pairing
        # every two windows.
        same_start = ends[longer.start]
        low = bisect.bisect_left(same_start, longer.end - _LONGEST_QUARTER)
        high = bisect.bisect_right(same_start, longer.end - _SHORTEST_QUARTER)
        candidates = sorted(((longer.start, end) for end in same_start[low:high]),
                            key=order.__getitem__)
        for key in candidates:
            shorter = durations[key]
            if not _fiscal_pair(longer, shorter, fiscal_year_end_month):
                continue
            start = shorter.end + timedelta(days=1)
            if (start, longer.end) in taken:
                continue
            taken.add((start, longer.end))
            period = _quarter_label(start + (longer.end - start) / 2)
            found += 1
            if period not in best or (longer.end, found) < best[period][:2]:
                best[period] = (longer.end, found, longer, shorter)
    return [_Window(shorter.end + timedelta(days=1), longer.end,
                    longer.value - shorter.value, (longer.filings[0], shorter.filings[0]),
                    (longer, shorter))
            for _, _, longer, shorter in sorted(best.values(), key=lambda b: b[:2])]


def _quarter_figures(metric: str, rule: TagRule, windows: list[_Window],
                     fiscal_year_end_month: int = 12) -> Iterator[tuple[str, Figure]]:
    """Quarters taken directly, then quarters worked out from year-to-date differences.

    Only the first figure of each period counts (:func:`_first_per_period`), so only it is
    built: direct quarters by end date, then derived ones by end date (first found on a tie).
    The work is linear in the number of windows, which a hostile document may make large.
    """
    durations = {(w.start, w.end): w for w in windows if w.start is not None}
    direct = [w for w in durations.values() if w.days in QUARTER_DAYS]
    derived = _differences(durations, {(w.start, w.end) for w in direct}, fiscal_year_end_month)
    scale = UNIT_SCALE.get(rule.unit, 1.0) * rule.sign
    yielded: set[str] = set()
    for window in [*sorted(direct, key=_end), *derived]:
        midpoint = window.start + (window.end - window.start) / 2  # type: ignore[operator]
        period = _quarter_label(midpoint)
        if period in yielded:
            continue  # a later window of a period already given never counts
        yielded.add(period)
        if window.derived_from:
            longer, shorter = window.derived_from
            label = f"Q{round(longer.days / 30.44) // 3}"
            note = (f"{label} = {_span(longer)} − {_span(shorter)}: "
                    f"{format_value(longer.value * scale)} − {format_value(shorter.value * scale)} "
                    f"({rule.name})")
            yield period, Figure(metric, period, window.value * scale, window.filings,
                                 "derived", note)
        else:
            note = f"{rule.name}, 3 months to {window.end.isoformat()}"
            yield period, Figure(metric, period, window.value * scale, window.filings,
                                 "reported", note)


FISCAL_WINDOWS = {6: 3, 9: 6, 12: 9}
"""Year-to-date windows a quarter is derived from: 6M − 3M, 9M − 6M, FY − 9M."""


def _fiscal_pair(longer: _Window, shorter: _Window, fiscal_year_end_month: int) -> bool:
    """Whether two windows are standard year-to-date windows of one fiscal year.

    Only 3, 6, 9 and 12 months from the start of a fiscal year count: an inception-to-date
    total or a 15-month transition period minus a year is not a quarter (CleanSpark's
    history gave "Q82" and "Q5" that way).

    >>> w = lambda a, b: _Window(date.fromisoformat(a), date.fromisoformat(b), 0.0, ())
    >>> _fiscal_pair(w("2024-10-01", "2025-09-30"), w("2024-10-01", "2025-06-30"), 9)
    True
    >>> _fiscal_pair(w("2014-10-01", "2015-12-31"), w("2014-10-01", "2015-09-30"), 9)
    False
    >>> _fiscal_pair(w("2025-01-01", "2025-06-30"), w("2025-01-01", "2025-03-31"), 9)
    False
    """
    longer_months = 12 if longer.days in YEAR_DAYS else round(longer.days / 30.44)
    if FISCAL_WINDOWS.get(longer_months) != round(shorter.days / 30.44) or longer.start is None:
        return False
    start = longer.start
    month_start = start.replace(day=1) if start.day <= 15 else \
        (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return month_start.month == fiscal_year_end_month % 12 + 1


def _instant_figures(metric: str, rule: TagRule, windows: list[_Window], quarterly: bool,
                     fiscal_year_end_month: int) -> Iterator[tuple[str, Figure]]:
    """Balance-sheet figures at the nearest calendar quarter end (the instant nearest to it
    first), or, for an annual filer, at its fiscal year end."""
    def distance(window: _Window) -> int:
        return abs((window.end - _nearest_quarter_end(window.end)).days)

    for window in sorted((w for w in windows if w.start is None), key=distance):
        if quarterly:
            period = _quarter_label(_nearest_quarter_end(window.end))
        else:
            month_end = _nearest_month_end(window.end)
            if month_end.month != fiscal_year_end_month:
                continue
            period = f"FY{month_end.year}"
        value = window.value * UNIT_SCALE.get(rule.unit, 1.0) * rule.sign
        yield period, Figure(metric, period, value, window.filings, "reported",
                             f"{rule.name}, at {window.end.isoformat()}")


def _year_figures(metric: str, rule: TagRule, windows: list[_Window],
                  quarters: set[str]) -> Iterator[tuple[str, Figure]]:
    """A full fiscal year as ``FYyyyy`` when its four quarters cannot all be worked out."""
    for window in windows:
        if window.start is None or window.days not in YEAR_DAYS:
            continue
        inside = {_quarter_label(window.start + timedelta(days=45 + 91 * i)) for i in range(4)}
        if inside <= quarters:
            continue
        period = f"FY{_nearest_month_end(window.end).year}"
        value = window.value * UNIT_SCALE.get(rule.unit, 1.0) * rule.sign
        yield period, Figure(metric, period, value, window.filings, "reported",
                             f"{rule.name}, 12 months to {window.end.isoformat()}")


def _within_vocabulary(figures: list[Figure]) -> tuple[list[Figure], list[str]]:
    """Drop what validation would refuse (a negative revenue or charge), saying why."""
    kept, skipped = [], []
    for figure in figures:
        spec = METRICS.get(figure.metric)
        non_negative = spec.non_negative if spec else figure.metric.startswith("revenue_")
        if non_negative and figure.value < 0:
            skipped.append(f"{figure.period} {figure.metric}: {format_value(figure.value)} is "
                           f"negative, which {figure.metric} cannot be ({figure.note})")
        else:
            kept.append(figure)
    return kept, skipped


def _end(window: _Window) -> date:
    return window.end


def _span(window: _Window) -> str:
    months = round(window.days / 30.44)
    label = "FY" if months == 12 else f"{months}M"
    return f"{label} to {window.end.isoformat()}"


def _quarter_label(day: date) -> str:
    """The calendar quarter a day falls in; for a duration, pass its midpoint.

    >>> _quarter_label(date(2025, 3, 16))  # Snowflake's Feb-Apr quarter: calendar Q1
    '2025Q1'
    """
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def _quarter_end(year: int, quarter: int) -> date:
    return date(year + quarter // 4, quarter * 3 % 12 + 1, 1) - timedelta(days=1)


def _nearest_quarter_end(day: date) -> date:
    """Where a balance-sheet date belongs: Snowflake's 31 January is calendar 2024Q4's end.

    >>> _nearest_quarter_end(date(2025, 1, 31)), _nearest_quarter_end(date(2025, 4, 30))
    (datetime.date(2024, 12, 31), datetime.date(2025, 3, 31))
    """
    candidates = [_quarter_end(day.year - 1, 4), *(_quarter_end(day.year, q) for q in range(1, 5))]
    return min(candidates, key=lambda end: abs((end - day).days))


def _nearest_month_end(day: date) -> date:
    """The month end a 52/53-week period end stands for (2025-01-02 → 2024-12-31)."""
    this_month_end = (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    last_month_end = day.replace(day=1) - timedelta(days=1)
    return last_month_end if (day - last_month_end).days < (this_month_end - day).days \
        else this_month_end


def format_value(value: float) -> str:
    """A value as facts.csv writes it: plain decimal, no exponent, to the dollar in USD_M.

    >>> format_value(190465000 * 1e-6), format_value(-0.0), format_value(2.0)
    ('190.465', '0', '2')
    """
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
