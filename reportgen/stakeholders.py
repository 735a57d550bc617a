"""Who gets which briefings, read from ``inputs/stakeholders.yaml`` and checked like all inputs."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import formataddr
from pathlib import Path
from typing import Any

import yaml

from reportgen import safeyaml
from reportgen.errors import InputError, Problem

FILE_NAME = "stakeholders.yaml"
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
    """Recipients with ``follows: all`` expanded; every problem raised together."""
    path = inputs_dir / FILE_NAME
    shown = str(path.relative_to(display_root)) if display_root else str(path)
    try:
        document = safeyaml.load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise InputError([Problem(shown, f"cannot read the file ({error.strerror})")]) from None
    except yaml.YAMLError as error:
        raise InputError([Problem(shown, f"not valid YAML: {error}")]) from None
    recipients, problems = parse(document, shown, tuple(tickers))
    if problems:
        raise InputError(problems)
    return recipients


def parse(document: Any, shown: str, tickers: tuple[str, ...]
          ) -> tuple[list[Recipient], list[Problem]]:
    if not (isinstance(document, dict) and isinstance(document.get("recipients"), list)):
        return [], [Problem(shown, "expected a 'recipients:' list")]
    recipients, problems = [], []
    seen: dict[str, int] = {}
    for index, entry in enumerate(document["recipients"]):
        place = f"recipients[{index}]"
        if not isinstance(entry, dict):
            problems.append(Problem(shown, f"{place}: expected name, address, follows, sector"))
            continue
        found = []
        name, address = entry.get("name"), entry.get("address")
        if not isinstance(name, str) or not name.strip() or has_line_break(name):
            found.append(f"{place}.name: expected a name on one line, got {name!r}")
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
        follows = entry.get("follows", [])
        if follows == "all":
            follows = list(tickers)
        if not isinstance(follows, list) or not all(isinstance(t, str) for t in follows):
            found.append(f"{place}.follows: expected a list of tickers or 'all', got {follows!r}")
            follows = []
        unknown = [t for t in follows if t not in tickers]
        if unknown:
            found.append(f"{place}.follows: unknown ticker {', '.join(unknown)}; expected some "
                         f"of {', '.join(tickers)} or 'all'")
        sector = entry.get("sector", False)
        if not isinstance(sector, bool):
            found.append(f"{place}.sector: expected true or false, got {sector!r}")
        if not follows and sector is not True:
            found.append(f"{place}: follows nothing; give tickers, 'all', or sector: true")
        if found:
            problems += [Problem(shown, message) for message in found]
            continue
        recipients.append(Recipient(name.strip(), address, role, tuple(follows), sector))
    return recipients, problems


LINE_BREAKS = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
"""Everything Python's str.splitlines treats as a line end: any of them could end a header."""


def has_line_break(text: str) -> bool:
    return any(ch in text for ch in LINE_BREAKS)
