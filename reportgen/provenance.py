"""Where a printed figure comes from: its status, sources and the quarter it is of.

Tables, tiles, sentences and e-mails all print figures; they take their status marks and
source ids from here, so a figure carries the same provenance wherever it goes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from reportgen.model import Metrics
from reportgen.vocabulary import STATUS_MARKS, weakest


def of_record(status: str) -> bool:
    """Whether a figure with this input status may end a change, a count or a conclusion.

    An estimate (EPS × shares, say) is a placeholder for a figure not published: printed with
    its mark, never the end of a move, a KPI change, a sector count or "most of the loss is
    non-cash". One rule, so the briefing, the e-mail and the sector overview agree.
    """
    return status != "estimate"


@dataclass(frozen=True)
class Figure:
    """One figure as a sentence or a cell prints it: formatted once, with its provenance.

    ``dated`` is set when the figure is of a quarter other than the one the document covers,
    so it is printed with that quarter beside it.
    """

    label: str
    value: float
    text: str
    period: str | None = None
    status: str = ""
    """An input status (``reported`` ... ``estimate``), or "" for a figure computed here."""
    sources: tuple[str, ...] = ()
    dated: bool = False
    stale: bool = False
    margin: float | None = None
    """How far the true value may be from this one given how its inputs were written (half a
    unit of each input's last decimal, summed); ``None`` when not known."""

    @property
    def mark(self) -> str:
        return STATUS_MARKS.get(self.status, "")

    @property
    def of_record(self) -> bool:
        return of_record(self.status)

    @property
    def negative(self) -> bool:
        return self.value < 0

    @property
    def shown(self) -> str:
        """The text with its quarter when dated: ``12.8 EH/s (2025Q2)``."""
        if not self.dated or not self.period:
            return self.text
        return f"{self.text} ({self.period}{', stale' if self.stale else ''})"


Part = str | Figure


@dataclass(frozen=True)
class Claim:
    """One sentence's worth of meaning: what it says, the figures it rests on, and why.

    ``parts`` is the sentence: text and figures in reading order, so each medium (HTML with
    marks, plain text, e-mail) prints the figures its own way. ``evidence`` holds figures the
    claim counts or compares without printing them.
    """

    kind: str
    rule: str
    parts: tuple[Part, ...]
    evidence: tuple[Figure, ...] = ()

    @property
    def figures(self) -> tuple[Figure, ...]:
        return tuple(p for p in self.parts if isinstance(p, Figure)) + self.evidence

    @property
    def text(self) -> str:
        """Plain text, other quarters' figures dated; marks are left to the medium."""
        return "".join(p if isinstance(p, str) else p.shown for p in self.parts)

    def marked_text(self) -> str:
        """Plain text with each figure's status mark in brackets, for the e-mail's text part."""
        return "".join(p if isinstance(p, str) else p.shown + (f" [{p.mark}]" if p.mark else "")
                       for p in self.parts)


class FigureLookup:
    """Status and sources of the figure used for (period, metric), from the best input row."""

    def __init__(self, metrics: Metrics) -> None:
        self._rows = {(r.period, r.metric): r for r in metrics.best.itertuples()}
        self._company = metrics.company

    def status(self, period: str, metric: str) -> str:
        row = self._rows.get((period, metric))
        return str(row.status) if row is not None else ""

    def of_record(self, period: str, metric: str) -> bool:
        return of_record(self.status(period, metric))

    def sources(self, period: str, metric: str) -> tuple[str, ...]:
        row = self._rows.get((period, metric))
        return tuple(str(row.source).split(";")) if row is not None else ()

    def note(self, period: str, metric: str) -> str:
        row = self._rows.get((period, metric))
        return str(row.note) if row is not None and isinstance(row.note, str) else ""

    def margin(self, period: str, metric: str) -> float | None:
        """Half a unit of the last decimal the source wrote, twice that for a derived figure
        (usually the difference of two rounded ones); ``None`` when unknown."""
        row = self._rows.get((period, metric))
        decimals = getattr(row, "decimals", None) if row is not None else None
        if decimals is None or pd.isna(decimals):
            return None
        half = 0.5 * 10 ** -int(decimals)
        return round(half * (2 if str(row.status) == "derived" else 1), 9)

    def business_metrics(self, period: str, business: str) -> list[str]:
        return [metric for (p, metric) in self._rows
                if p == period and self._company.business_of(metric) == business]

    def provenance(self, period: str, metrics: Iterable[str]) -> tuple[str, tuple[str, ...]]:
        """The weakest status and the sources of the figures a computed value adds up."""
        names = list(metrics)
        status = weakest(self.status(period, m) for m in names)
        sources = tuple(dict.fromkeys(s for m in names for s in self.sources(period, m)))
        return status, sources
