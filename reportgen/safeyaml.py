"""YAML for files other people edit: plain values only, every key once, bounded size and depth.

Every YAML file reportgen reads (the inputs, ``stakeholders.yaml``, ``reportgen.yaml``, a
``--tags`` file) goes through :func:`read_file` or :func:`load_located`, which build the
document straight from libyaml's event stream (no node tree, no Python constructor walk):

- only the safe scalar types (text, numbers, booleans, null, dates); any other tag
  (``!!python/...``, ``!!set``, ``!!binary``) is refused, so nothing runs;
- anchors/aliases are refused (an alias "billion laughs" expands a few lines into billions of
  nodes for whatever walks the result), as are merge keys (``<<``) and a second document;
- nesting deeper than :data:`MAX_DEPTH` is refused as soon as it is seen;
- a key that appears twice in one mapping is an error naming both lines (YAML would silently
  keep the second: a second ``wulf_q1_26:`` replaced the URL every figure cites);
- an integer of more than :data:`MAX_INT_DIGITS` digits or a date Python refuses is a located
  problem, not a traceback;
- a file over :data:`MAX_BYTES` is not read.

Cost, measured just under the limit (``/usr/bin/time -v reportgen validate``, 2 cores, Python
3.11.7, PyYAML 6.0 with libyaml): the worst shapes, a 1 MB flow list of 333,000 empty lists or
500,000 nulls or integers (the most nodes a byte), take 2.5-2.8 s and at most 236 MB peak RSS
(a 1 MB ``stakeholders.yaml`` of such lists 2.1 s, 146 MB); a realistic 1 MB ``sources.yaml``
(7,000 entries) 0.5 s and 77 MB. A 25 MB ``companies.yaml`` (176 s and 3.9 GB before) or a
50 MB ``stakeholders.yaml`` (181 s and 4.9 GB) is refused in 0.6 s and 82 MB. Without libyaml
the pure-Python parser is about 15 times slower.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from reportgen.errors import InputError, Problem, describe, unsafe_character

MAX_DEPTH = 32
MAX_BYTES = 1_000_000
"""A YAML file larger than this is refused unread. The sample's largest is 14 kB; 1 MB holds
about 7,000 sources. See the module docstring for the measured worst case."""
MAX_INT_DIGITS = 20
"""No integer reportgen reads (a CIK, a month, a count) has more digits than this."""
MAX_PROBLEMS = 1_000
"""Parsing stops after this many problems (duplicate keys, refused values) in one file."""

YamlPath = tuple[str | int, ...]
"""A place in a YAML document: mapping keys (as text) and list indexes, from the top."""

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TAG = "tag:yaml.org,2002:"
_MAP, _SEQ, _STR = f"{_TAG}map", f"{_TAG}seq", f"{_TAG}str"
_SCALARS = {f"{_TAG}{name}" for name in ("null", "bool", "int", "float", "timestamp")}
_MERGE = f"{_TAG}merge"
_INT, _NULL = f"{_TAG}int", f"{_TAG}null"
_NO_KEY = object()
_RAW_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")
"""Characters a YAML file may not hold raw (libyaml stops at the first without a line)."""


class StrictYamlError(yaml.YAMLError):
    """What :func:`load_located` refused: ``(line or None, message)`` pairs, in file order."""

    def __init__(self, problems: Iterable[tuple[int | None, str]]) -> None:
        self.problems = sorted(problems, key=lambda problem: problem[0] or 0)
        super().__init__("; ".join(f"line {line}: {message}" if line else message
                                   for line, message in self.problems))


class _Resolver(yaml.resolver.Resolver):
    pass


class _Constructor(yaml.constructor.SafeConstructor):
    pass


_RESOLVER = _Resolver()
_IMPLICIT = _Resolver.yaml_implicit_resolvers
_WILDCARD = None in _IMPLICIT
_CONSTRUCTOR = _Constructor()


def load(text: str) -> Any:
    """Parse ``text``; raises ``yaml.YAMLError`` on anything refused."""
    return load_located(text)[0]


def load_located(text: str) -> tuple[Any, dict[YamlPath, int]]:
    r"""The document and the 1-based line of every mapping key and list item in it.

    Raises :class:`StrictYamlError` (every problem found, each with its line) or, for text
    that is not YAML at all, libyaml's ``yaml.MarkedYAMLError``.

    >>> document, lines = load_located("companies:\n- ticker: WULF\n  cik: 1083301\n")
    >>> document, lines[("companies", 0, "cik")]
    ({'companies': [{'ticker': 'WULF', 'cik': 1083301}]}, 3)
    >>> try:
    ...     load_located("a: 1\nb: 2\na: 3\n")
    ... except StrictYamlError as error:
    ...     print(error.problems[0][1].split(" (")[0])
    a: the key 'a' appears twice in one mapping, at lines 1 and 3
    """
    return _Builder(text).build()


class _Frame:
    __slots__ = ("container", "key", "key_line", "path", "seen")

    def __init__(self, container: Any, path: YamlPath) -> None:
        self.container = container
        self.path = path
        self.key: Any = _NO_KEY
        self.key_line = 0
        self.seen: dict[Any, int] = {}


class _Builder:
    def __init__(self, text: str) -> None:
        self.text = text
        self.problems: list[tuple[int | None, str]] = []
        self.lines: dict[YamlPath, int] = {}
        self.stack: list[_Frame] = []
        self.root: Any = None

    def fail(self, line: int, message: str) -> None:
        raise StrictYamlError([*self.problems, (line, f"not valid YAML: {message}")])

    def refuse(self, line: int, message: str) -> None:
        self.note(line, f"not valid YAML: {message}")

    def note(self, line: int, message: str) -> None:
        self.problems.append((line, message))
        if len(self.problems) >= MAX_PROBLEMS:
            raise StrictYamlError([*self.problems, (line, f"stopped reading here after "
                                                          f"{MAX_PROBLEMS:,} problems")])

    def build(self) -> tuple[Any, dict[YamlPath, int]]:
        documents = 0
        loader = _Loader(self.text)
        try:
            while loader.check_event():
                event = loader.get_event()
                kind = type(event)
                if kind is yaml.ScalarEvent:
                    line = event.start_mark.line + 1
                    path = self.child_path(line)
                    self.attach(self.scalar(event, line, path), line, path)
                elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                    frame = self.stack.pop()
                    self.attach(frame.container, self.lines.get(frame.path, 0), frame.path)
                elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                    self.open(event, event.start_mark.line + 1)
                elif kind is yaml.AliasEvent:
                    self.fail(event.start_mark.line + 1, "anchors and aliases (*name) are not "
                                                         "accepted in reportgen inputs")
                elif kind is yaml.DocumentStartEvent:
                    documents += 1
                    if documents > 1:
                        self.fail(event.start_mark.line + 1, "a second YAML document (---); "
                                                             "put everything in one")
        finally:
            loader.dispose()
        if self.problems:
            raise StrictYamlError(self.problems)
        return self.root, self.lines

    def child_path(self, line: int) -> YamlPath:
        """Where the node starting now sits; records its line as ``yaml_lines`` did."""
        if not self.stack:
            path: YamlPath = ()
        else:
            frame = self.stack[-1]
            if isinstance(frame.container, list):
                path = (*frame.path, len(frame.container))
            elif frame.key is _NO_KEY:
                return (*frame.path, "?")  # a key: its own line is recorded when it is done
            else:
                path = (*frame.path, _name(frame.key))
        self.lines.setdefault(path, line)
        return path

    def open(self, event: Any, line: int) -> None:
        if len(self.stack) >= MAX_DEPTH:
            self.fail(line, f"nested more than {MAX_DEPTH} levels deep")
        is_map = isinstance(event, yaml.MappingStartEvent)
        path = self.child_path(line)
        if event.tag not in (None, "!", _MAP if is_map else _SEQ):
            self.refuse(line, f"the tag {event.tag!r} is not accepted in reportgen inputs "
                              f"(plain values only), at {place(path)}")
        self.stack.append(_Frame({} if is_map else [], path))

    def scalar(self, event: Any, line: int, path: YamlPath) -> Any:
        tag, value = event.tag, event.value
        if tag is None or tag == "!":
            if not event.implicit[0] or not (_WILDCARD or _IMPLICIT.get(value[:1])):
                return value  # quoted, or plain text no implicit type starts with
            tag = _RESOLVER.resolve(yaml.ScalarNode, value, event.implicit)
        if tag == _STR:
            return value
        where = place(path)
        if tag == _MERGE:
            self.refuse(line, f"merge keys (<<) are not accepted in reportgen inputs, at "
                              f"{where}; write the keys out")
            return None
        if tag not in _SCALARS:
            self.refuse(line, f"the tag {event.tag or tag!r} is not accepted in reportgen "
                              f"inputs (plain values only), at {where}")
            return None
        if tag == _INT and value.isascii() and value.isdigit() and (
                value[0] != "0" or value == "0") and len(value) <= MAX_INT_DIGITS:
            return int(value)  # the common case, without a node (0-led text is octal in YAML)
        if tag == _NULL:
            return None
        digits = sum(ch.isdigit() for ch in value)
        if tag.endswith(":int") and digits > MAX_INT_DIGITS:
            self.refuse(line, f"an integer of {digits:,} digits, at {where}: more than the "
                              f"{MAX_INT_DIGITS} any value reportgen reads can have")
            return None
        node = yaml.ScalarNode(tag, value, event.start_mark, event.end_mark, event.style)
        try:
            value = _CONSTRUCTOR.yaml_constructors[tag](_CONSTRUCTOR, node)
        except (ValueError, OverflowError, ArithmeticError, yaml.YAMLError) as error:
            shown = value if len(value) <= 40 else value[:40] + "..."
            self.refuse(line, f"{shown!r} is not a valid date or number ({error}), at "
                              f"{where}; quote it if it is text")
            return None
        return value

    def attach(self, value: Any, line: int, path: YamlPath) -> None:
        if not self.stack:
            self.root = value
            return
        frame = self.stack[-1]
        if isinstance(frame.container, list):
            frame.container.append(value)
            return
        if frame.key is _NO_KEY:
            if isinstance(value, dict | list):
                self.note(line, f"{place(frame.path) or 'the document'}: a key must be a "
                                "plain value, not a list or mapping")
                value = _Unhashable(line)
            frame.key, frame.key_line = value, line
            if not isinstance(value, _Unhashable):
                self.lines[(*frame.path, _name(value))] = line
            return
        key, key_line = frame.key, frame.key_line
        frame.key = _NO_KEY
        if isinstance(key, _Unhashable):
            return
        first = frame.seen.get(key)
        if first is not None:
            self.lines[(*frame.path, _name(key))] = first
            self.note(key_line, f"{place((*frame.path, _name(key)))}: the key {_name(key)!r} "
                                f"appears twice in one mapping, at lines {first} and "
                                f"{key_line} (the second would silently replace the first)")
            return
        frame.seen[key] = key_line
        frame.container[key] = value


class _Unhashable:
    def __init__(self, line: int) -> None:
        self.line = line


def _name(key: Any) -> str:
    return str(key)


def place(path: YamlPath) -> str:
    """``("companies", 0, "contracts", 1, "mw")`` as ``companies[0].contracts[1].mw``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


# --- files ---------------------------------------------------------------------------------


def read_text(path: Path, shown: str, max_bytes: int) -> str:
    """A UTF-8 text file of at most ``max_bytes``; refused otherwise with a located problem.

    The size is checked before reading, and only ``max_bytes + 1`` bytes are ever read (a
    file growing meanwhile, or a FIFO, cannot make it read more).
    """
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError([Problem(shown, too_big(size, max_bytes))])
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as error:
        raise InputError([Problem(shown, f"cannot read the file ({error.strerror})")]) \
            from None
    if len(data) > max_bytes:
        raise InputError([Problem(shown, too_big(len(data), max_bytes, at_least=True))])
    return decode(data, shown)


def too_big(size: int, limit: int, at_least: bool = False) -> str:
    return (f"{'more than ' if at_least else ''}{size:,} bytes is more than the {limit:,} "
            "reportgen reads")


def decode(data: bytes, shown: str) -> str:
    """UTF-8 (with or without a BOM), or a problem naming the line and byte of the first bad
    byte (a file saved as Latin-1 or Windows-1252, say)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise InputError([Problem(shown, f"expected UTF-8 text ({error.reason} at byte "
                                         f"{error.start}); save the file as UTF-8",
                                  line=line)]) from None


def parse(text: str, shown: str) -> tuple[Any, dict[YamlPath, int]]:
    """:func:`load_located`, with every problem raised as a located :class:`InputError`.

    A control character written raw into the file (YAML allows none) is named with its line
    and the key it belongs to, rather than libyaml's bare "unacceptable character".
    """
    if _RAW_CONTROL.search(text):
        raise InputError(_raw_controls(text, shown))
    try:
        return load_located(text)
    except yaml.YAMLError as error:
        raise InputError(problems(error, shown)) from None


def _raw_controls(text: str, shown: str) -> list[Problem]:
    """One problem a line holding raw control characters, naming the key on that line."""
    try:  # the same text with each one replaced, to find which key each line holds
        _, lines = load_located(_RAW_CONTROL.sub("\ufffd", text))
    except yaml.YAMLError:
        lines = {}
    keys: dict[int, YamlPath] = {}
    for path, line in lines.items():
        if len(path) >= len(keys.get(line, ())):
            keys[line] = path
    found: dict[int, Problem] = {}
    line, counted = 1, 0
    for match in _RAW_CONTROL.finditer(text):
        line += text.count("\n", counted, match.start())
        counted = match.start()
        if line not in found:
            if len(found) >= MAX_PROBLEMS:
                found[line] = Problem(shown, f"stopped reading here after {MAX_PROBLEMS:,} "
                                             "problems", line=line)
                break
            column = match.start() - text.rfind("\n", 0, match.start())
            field = f"{place(keys[line])}: " if line in keys else ""
            found[line] = Problem(shown, field + describe(match.group(), f"at column {column}")
                                  + "; remove it", line=line)
    return list(found.values())


def read_file(path: Path, shown: str, max_bytes: int = MAX_BYTES
              ) -> tuple[Any, dict[YamlPath, int]]:
    """Read, decode and parse one YAML file; every problem a located :class:`InputError`."""
    return parse(read_text(path, shown, max_bytes), shown)


def problems(error: yaml.YAMLError, shown: str) -> list[Problem]:
    """A YAML error as located problems (libyaml's own errors, or :class:`StrictYamlError`)."""
    if isinstance(error, StrictYamlError):
        return [Problem(shown, message, line=line) for line, message in error.problems]
    mark = getattr(error, "problem_mark", None)
    line = mark.line + 1 if mark is not None else None
    reason = getattr(error, "problem", None) or str(error)
    return [Problem(shown, f"not valid YAML: {reason}", line=line)]


# --- keys ----------------------------------------------------------------------------------


def unknown_key(key: Any, known: Iterable[str]) -> str:
    """``unknown key 'contract'; did you mean 'contracts'?`` (or the keys it may have).

    >>> unknown_key("contract", ("ticker", "name", "contracts", "notes"))
    "unknown key 'contract'; did you mean 'contracts'?"
    >>> unknown_key("zzz", ("url", "kind"))
    "unknown key 'zzz'; expected url, kind"
    """
    known = tuple(known)
    close = difflib.get_close_matches(str(key), known, n=1)
    if close:
        return f"unknown key {str(key)!r}; did you mean {close[0]!r}?"
    return f"unknown key {str(key)!r}; expected {', '.join(known)}"


# --- text ----------------------------------------------------------------------------------


def line_of(lines: Mapping[YamlPath, int], path: YamlPath) -> int | None:
    """The line of ``path``, or of its nearest enclosing key or item."""
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return None


def text_problems(document: Any, lines: Mapping[YamlPath, int],
                  multiline_keys: Iterable[str] = ()
                  ) -> Iterator[tuple[YamlPath, int | None, str]]:
    r"""Every key and text value holding a control character or a bidirectional override,
    as (path, line, what is wrong); iterative, so any depth is fine.

    Text under ``multiline_keys`` may hold tabs and line breaks; keys and all other text are
    one line.

    >>> document, lines = load_located("a:\n  b: [ok, \"bell\\a\"]\n  note: \"x\\ny\"\n")
    >>> [(path, line, reason.split(",")[1]) for path, line, reason in
    ...  text_problems(document, lines, ("note",))]
    [(('a', 'b', 1), 2, ' BEL (U+0007)')]
    """
    multiline = frozenset(multiline_keys)
    stack: list[tuple[YamlPath, Any]] = [((), document)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                where = (*path, str(key))
                if isinstance(key, str) and (reason := unsafe_character(key)):
                    yield where, line_of(lines, where), f"the key {reason}"
                stack.append((where, value))
        elif isinstance(node, list):
            stack += [((*path, index), item) for index, item in enumerate(node)]
        elif isinstance(node, str):
            reason = unsafe_character(node, multiline=bool(path) and path[-1] in multiline)
            if reason:
                yield path, line_of(lines, path), reason
