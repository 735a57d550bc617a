"""The exceptions reportgen raises on purpose; anything else is a bug and keeps its traceback."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


class ReportgenError(Exception):
    """A problem the user can fix: the CLI prints the message and exits non-zero."""

    exit_code = 1


class UsageError(ReportgenError):
    """The command line or config asks for something that cannot be done (exit code 2)."""

    exit_code = 2


class RenderError(ReportgenError):
    """A template or the PDF engine refused to produce a briefing."""


class OutputError(ReportgenError):
    """An output could not be written (an unwritable folder, a full disk)."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the inputs, located precisely enough to fix without searching."""

    file: str
    message: str
    line: int | None = None
    ticker: str = ""
    period: str = ""
    metric: str = ""

    def __str__(self) -> str:
        place = f"{self.file}:{self.line}" if self.line else self.file
        subject = " ".join(part for part in (self.ticker, self.period, self.metric) if part)
        return f"{place}: {subject}: {self.message}" if subject else f"{place}: {self.message}"


class InputError(ReportgenError):
    """Every problem found in the inputs, reported together so one edit pass fixes them all."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        lines = [f"{count} problem{'s' if count != 1 else ''} in the inputs:"]
        lines += [f"  {problem}" for problem in self.problems]
        super().__init__("\n".join(lines))
