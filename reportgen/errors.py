"""The exceptions reportgen raises on purpose; anything else is a bug and keeps its traceback."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reportgen.config import Config

BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
"""Bidirectional embeddings, overrides and isolates: they make text display in another order
than it is stored ("Trojan Source"), so a figure or a name can read as something else."""
_UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f{BIDI_CONTROLS}]")
"""Every character refused in one-line text: C0 (tab and line breaks included), DEL, C1, bidi."""
_UNSAFE_MULTILINE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{BIDI_CONTROLS}]"
                               "|\r(?!\n)")
"""The same, but tab, line feed and CR LF allowed (notes and descriptions)."""
_NAMES = {0x00: "NUL", 0x07: "BEL", 0x08: "backspace", 0x09: "tab", 0x0a: "line break",
          0x0d: "carriage return", 0x1b: "ESC", 0x7f: "DEL", 0x85: "NEL"}
MAX_SHOWN = 200
"""An InputError lists at most this many problems (and says how many more there are)."""


def unsafe_character(text: str, multiline: bool = False) -> str:
    r"""What is wrong with ``text`` for a document, a spreadsheet or a terminal, or ``""``.

    Control characters (C0, DEL, C1: ESC starts terminal escape sequences, BEL rings, and
    openpyxl refuses them in a cell) and bidirectional overrides are refused; ``multiline``
    text (a note, a description) may hold tabs and line breaks.

    >>> unsafe_character("TeraWulf \x1b[31mQ1")
    'contains a control character, ESC (U+001B), at character 10'
    >>> unsafe_character("two\nlines", multiline=True), unsafe_character("two\nlines")
    ('', 'contains a control character, line break (U+000A), at character 4')
    >>> unsafe_character("abc\u202edcba").split(", which")[0]
    'contains a bidirectional control U+202E, at character 4'
    """
    found = (_UNSAFE_MULTILINE if multiline else _UNSAFE).search(text)
    if found is None:
        return ""
    return describe(found.group()[0], f"at character {found.start() + 1}")


def describe(character: str, where: str) -> str:
    """What a refused character is, for a message: ``contains a control character, ESC
    (U+001B), at character 3``."""
    code = ord(character)
    if character in BIDI_CONTROLS:
        return (f"contains a bidirectional control U+{code:04X}, {where}, which makes text "
                "display in another order than it is stored")
    name = _NAMES.get(code)
    shown = f"{name} (U+{code:04X})" if name else f"U+{code:04X}"
    return f"contains a control character, {shown}, {where}"


def printable(text: str) -> str:
    r"""``text`` safe to print on one terminal line: unsafe characters as escapes.

    >>> print(printable("ESC\x1b[2J here\nand \u202e there"))
    ESC\x1b[2J here\nand \u202e there
    """
    if not _UNSAFE.search(text):
        return text
    return _UNSAFE.sub(lambda m: repr(m.group())[1:-1], text)


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


def cannot_write(target: object, error: OSError) -> OutputError:
    """The :class:`OutputError` for ``error`` raised while writing ``target`` (a file or a
    folder): ``cannot write <target>: <reason>``; raise it ``from None``."""
    return OutputError(f"cannot write {target}: {error.strerror or error}")


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
        text = f"{place}: {subject}: {self.message}" if subject else f"{place}: {self.message}"
        return printable(text)


class InputError(ReportgenError):
    """Every problem found in the inputs, reported together so one edit pass fixes them all."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        lines = [f"{count:,} problem{'s' if count != 1 else ''} in the inputs:"]
        lines += [f"  {problem}" for problem in self.problems[:MAX_SHOWN]]
        if count > MAX_SHOWN:
            lines.append(f"  ... and {count - MAX_SHOWN:,} more (fix these first)")
        super().__init__("\n".join(lines))


# --- documents read by the importers ---------------------------------------------------------

class SecDocumentError(InputError):
    """The JSON file is not a companyfacts document we can read (names what is missing).

    Its heading names the document, not "the inputs": inputs/ is not at fault."""

    max_shown = 20
    """Lists at most this many problems (``reportgen.sec.MAX_SHOWN``: the rest is not read)."""

    def __str__(self) -> str:
        count = len(self.problems)
        lines = [f"{count} problem{'s' if count != 1 else ''} in the SEC document:",
                 *(f"  {problem}" for problem in self.problems[:self.max_shown])]
        if count > self.max_shown:
            lines.append(f"  ... and {count - self.max_shown:,} more")
        return "\n".join(lines)


class FilingDocumentError(InputError):
    """The file is not an inline XBRL filing we can read (names what is wrong and the fix).

    Its heading speaks of the document, not of the inputs: the user's inputs are fine."""

    def __str__(self) -> str:
        count = len(self.problems)
        lines = [f"{count} problem{'s' if count != 1 else ''} in the filing document:"]
        return "\n".join([*lines, *(f"  {problem}" for problem in self.problems)])


class MergeRejected(InputError):
    """The merged inputs would not validate; nothing was written."""

    def __str__(self) -> str:
        return ("the SEC figures were not written: the merged inputs would not validate "
                "(line numbers are those of the merged facts.csv)\n" + super().__str__())


# --- build and render ----------------------------------------------------------------------

class NothingToBuild(UsageError):
    """A project with no quarterly figure yet (just made by ``reportgen init``): one line
    saying what to add, exit 2, nothing written."""

    def __init__(self, config: Config) -> None:
        facts = config.inputs_dir / "facts.csv"
        shown = facts.relative_to(config.project_root) if facts.is_relative_to(
            config.project_root) else facts
        super().__init__(f"nothing to build yet: {shown} has no quarterly figures; add a "
                         "miner to companies.yaml, its sources to sources.yaml and its "
                         "figures to facts.csv (README.txt beside them shows how)")


class BuildBusy(UsageError):
    """Another build holds the period folder's lock (exit code 2)."""


class TemplateRefused(RenderError):
    """A template the loader will not read (see
    :class:`reportgen.render.TemplateFolderLoader`)."""

    placed = False
    """Whether the message already says which template asked for this one."""


class RenderTimeout(RenderError):
    """A render ran past limits.render_seconds (its worker was killed by the build)."""


# --- send ------------------------------------------------------------------------------------

class StaleBriefingsError(ReportgenError):
    """The briefings on disk are missing or were built from other inputs."""


class HeaderInjectionError(ReportgenError):
    """A header value carried a line break: refused before any message is built."""


class SmtpSetupError(ReportgenError):
    """The server cannot be reached or will not talk as configured (TLS, login)."""


class LedgerBusyError(ReportgenError):
    """Another ``send`` holds the ledger."""


class LedgerError(ReportgenError):
    """The ledger file cannot be used: damaged, empty, not a ledger, or not readable."""
