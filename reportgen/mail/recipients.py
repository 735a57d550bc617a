"""Who gets which briefings, read from ``inputs/stakeholders.yaml`` and checked like all inputs."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from email.utils import formataddr
from pathlib import Path
from typing import Any

from reportgen import safeyaml
from reportgen.errors import InputError, Problem, unsafe_character
from reportgen.vocabulary import named_with_hints

FILE_NAME = "stakeholders.yaml"
MAX_BYTES = safeyaml.MAX_BYTES
"""A stakeholders.yaml larger than this is refused unread (it holds about 8,000 recipients).
A 50 MB file used to take 181 s and 4.9 GB before any check; it is now refused in
milliseconds, and the worst file just under the limit costs what
:mod:`reportgen.safeyaml` states."""
MAX_PROBLEMS = 1_000
RECIPIENT_KEYS = ("name", "address", "role", "follows", "sector")
ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                     r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")
"""An ASCII addr-spec with a dotted domain: strict on purpose, since it goes into headers."""


@dataclass(frozen=True)
class Recipient:
    name: str
    address: str
    role: str
    follows: tuple[str, ...]
    sector: bool

    @property
    def header(self) -> str:
        return formataddr((self.name, self.address))


def load(inputs_dir: Path, tickers: Iterable[str], display_root: Path | None = None
         ) -> list[Recipient]:
    """Recipients with ``follows: all`` expanded; every problem raised together.

    The file is read like every input (:func:`reportgen.safeyaml.read_file`): at most
    :data:`MAX_BYTES`, UTF-8, no duplicate keys; a bigger file is refused before it is read.
    """
    path = inputs_dir / FILE_NAME
    try:
        shown = str(path.relative_to(display_root)) if display_root else str(path)
    except ValueError:  # inputs outside the project folder
        shown = str(path)
    document, lines = safeyaml.read_file(path, shown, MAX_BYTES)
    recipients, problems = parse(document, shown, tuple(tickers), lines)
    if problems:
        raise InputError(problems)
    return recipients


def parse(document: Any, shown: str, tickers: tuple[str, ...],
          lines: Mapping[safeyaml.YamlPath, int] | None = None
          ) -> tuple[list[Recipient], list[Problem]]:
    if not (isinstance(document, dict) and isinstance(document.get("recipients"), list)):
        return [], [Problem(shown, "expected a 'recipients:' list")]
    recipients: list[Recipient] = []
    problems = [Problem(shown, f"{key}: {safeyaml.unknown_key(key, ('recipients',))}",
                        line=safeyaml.line_of(lines or {}, (str(key),)))
                for key in document if key != "recipients"]
    seen: dict[str, int] = {}
    for index, entry in enumerate(document["recipients"]):
        place = f"recipients[{index}]"
        if len(problems) >= MAX_PROBLEMS:
            problems.append(Problem(shown, f"{place}: stopped checking here after "
                                           f"{MAX_PROBLEMS:,} problems; fix those first"))
            break
        if not isinstance(entry, dict):
            problems.append(Problem(shown, f"{place}: expected name, address, follows, sector"))
            continue
        found = [f"{place}.{key}: {safeyaml.unknown_key(key, RECIPIENT_KEYS)}"
                 for key in entry if key not in RECIPIENT_KEYS]
        name, address = entry.get("name"), entry.get("address")
        if not isinstance(name, str) or not name.strip() or has_line_break(name):
            found.append(f"{place}.name: expected a name on one line, got {name!r}")
        elif reason := unsafe_character(name):
            found.append(f"{place}.name: {reason}; remove it")
        if not isinstance(address, str) or not ADDRESS.match(address):
            found.append(f"{place}.address: expected an e-mail address like "
                         f"name@example.com, got {address!r}")
        elif address.lower() in seen:
            first = seen[address.lower()]
            found.append(f"{place}.address: {address} is already recipients[{first}]")
        else:
            seen[address.lower()] = index
        role = entry.get("role") or ""
        if not isinstance(role, str) or has_line_break(role):
            found.append(f"{place}.role: expected text on one line, got {role!r}")
        elif reason := unsafe_character(role):
            found.append(f"{place}.role: {reason}; remove it")
        follows = entry.get("follows", [])
        if follows == "all":
            follows = list(tickers)
        if not isinstance(follows, list) or not all(isinstance(t, str) for t in follows):
            found.append(f"{place}.follows: expected a list of tickers or 'all', got "
                         f"{follows!r}")
            follows = []
        unknown = [t for t in follows if t not in tickers]
        if unknown:
            found.append(f"{place}.follows: unknown ticker {named_with_hints(unknown, tickers)}"
                         f"; expected some of {', '.join(tickers)} or 'all'")
        sector = entry.get("sector", False)
        if not isinstance(sector, bool):
            found.append(f"{place}.sector: expected true or false, got {sector!r}")
        if not follows and sector is not True:
            found.append(f"{place}: follows nothing; give tickers, 'all', or sector: true")
        if found:  # placed by path (recipients[2].address)
            problems += [Problem(shown, message) for message in found]
            continue
        recipients.append(Recipient(name.strip(), address, role, tuple(follows), sector))
    return recipients, problems


LINE_BREAKS = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
"""Everything Python's str.splitlines treats as a line end: any of them could end a header."""


def has_line_break(text: str) -> bool:
    return any(ch in text for ch in LINE_BREAKS)
