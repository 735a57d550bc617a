"""Settings from ``reportgen.yaml`` plus command-line overrides, checked once, then frozen.

Also where the built-in templates and the sample inputs are (:func:`packaged`): they ship
inside the package, so an installed reportgen works in any folder.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from reportgen import periods, safeyaml
from reportgen.errors import InputError, Problem, ReportgenError, UsageError
from reportgen.formatting import NumberStyle

CONFIG_NAME = "reportgen.yaml"
FORMATS = ("pdf", "html")
PAPER_SIZES = ("A4", "Letter")
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
FONT_FAMILY = re.compile(r"^[A-Za-z0-9 ,\"'-]{1,200}$")
"""Font names, quotes and commas only: the value goes into the CSS."""
SECTOR_SORTS = ("ai_hpc_share", "revenue", "revenue_qoq", "net_income", "non_cash_share",
                "adjusted_ebitda", "hashrate", "mw_contracted", "contracted_value", "cash",
                "total_debt", "contracted_annual_revenue")
"""Kept here, not imported from peers, so reading the config never imports pandas."""
SECURITY = ("starttls", "ssl", "none")
PDF_VARIANTS = ("pdf/a-3u", "pdf/ua-1", "plain")
PACKAGED = {"templates": "templates", "sample": "inputs"}
"""Folders shipped in the package, and the repository folder each is built from (the mapping
is ``[tool.setuptools.package-dir]`` in pyproject.toml)."""


def packaged(name: str) -> Path:
    """The real folder of the package's ``templates`` or ``sample`` (the sample inputs).

    An installed wheel has them as ``reportgen/templates`` and ``reportgen/sample``. A package
    imported from a zip file has them extracted once into a temporary folder removed at exit
    (Jinja2 and WeasyPrint read files). A source checkout, editable install included, uses the
    repository's own ``templates/`` and ``inputs/``: setuptools' editable finder cannot import
    a mapped folder without ``__init__.py``, and these are the very folders the wheel carries.
    """
    resource = resources.files("reportgen").joinpath(name)
    if isinstance(resource, Path):
        if resource.is_dir():
            return resource
    elif resource.is_dir():
        return _extracted(resource, name)
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / PACKAGED[name]).is_dir():
        return checkout / PACKAGED[name]
    raise ReportgenError(f"this installation of reportgen has no built-in {name} (looked in "
                         f"{resource} and {checkout / PACKAGED[name]}); reinstall it")


def _extracted(resource: Traversable, name: str) -> Path:
    """A copy of a zipped package folder on disk, removed when this process exits."""
    folder = Path(tempfile.mkdtemp(prefix=f"reportgen-{name}-"))
    atexit.register(_remove_if_owner, folder, os.getpid())

    def copy(source: Traversable, target: Path) -> None:
        for item in source.iterdir():
            if item.is_dir():
                (target / item.name).mkdir()
                copy(item, target / item.name)
            elif item.is_file():
                (target / item.name).write_bytes(item.read_bytes())

    copy(resource, folder)
    return folder


def _remove_if_owner(folder: Path, owner: int) -> None:
    if os.getpid() == owner:  # a forked worker leaving must not remove the parent's copy
        shutil.rmtree(folder, ignore_errors=True)


class Wrong(ValueError):
    """A value of the wrong type for its setting; the text says what was expected."""


@dataclass(frozen=True)
class Kind:
    """The type of a setting: how a YAML value becomes the attribute's value.

    ``parse`` raises :class:`Wrong` (or returns the value, converted); ``path`` marks values
    joined to the project folder.
    """

    name: str
    """What a value must be, as the error says it: ``expected <name>, got ...``."""
    parse: Callable[[Any], Any]
    path: bool = False


def _text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise Wrong
    return str(value)


def _optional_text(value: Any) -> str | None:
    return None if value is None or value == "" else _text(value)


def _whole(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Wrong
    return value


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Wrong
    return float(value)


def _names(value: Any) -> tuple[str, ...]:
    return tuple(_text(item) for item in (value if isinstance(value, list | tuple) else [value]))


TEXT = Kind("text", _text)
TEXT_OR_EMPTY = Kind("text (or null: none)", lambda value: "" if value is None else _text(value))
OPTIONAL_TEXT = Kind("text or null", _optional_text)
WHOLE = Kind("a whole number", _whole)
NUMBER = Kind("a number", _number)
NAMES = Kind("a list of names or one name", _names)
MINERS = Kind("all or a list of tickers such as [WULF, CORZ]",
              lambda value: () if value in (None, "all") else _names(value))
QUARTER = Kind("a quarter like 2026Q1 or 'latest'",
               lambda value: None if value in (None, "latest") else _text(value))
FOLDER = Kind("a folder path", _text, path=True)
OPTIONAL_PATH = Kind("a path or null", _optional_text, path=True)

Check = Callable[[Any, "Config"], "str | None"]
"""What is wrong with a setting's value in the finished settings (``expected ..., got ...``),
or ``None``; it may look at the other settings (a logo must be under the template folders)."""


@dataclass(frozen=True)
class Setting:
    """One setting of ``reportgen.yaml``: everything loading, checking and ``reportgen init``
    need to know about it (modelled on MkDocs' config options, kept to plain data)."""

    key: str
    """Its place in reportgen.yaml: ``paper_size``, or ``section.name`` such as
    ``limits.render_seconds``."""
    kind: Kind
    default: Any
    """As written in reportgen.yaml (``latest``, ``all``, ``null``); the attribute's default
    is this value parsed."""
    doc: str
    """One line, printed above the setting in the reportgen.yaml ``reportgen init`` writes."""
    attr: str
    """The attribute of :class:`Config` it sets (``smtp.port``: an attribute of an attribute)."""
    allowed: tuple[str, ...] = ()
    """The values it may take (each item of a list), if a fixed set."""
    check: Check | None = None
    shapes_documents: bool = False
    """A change rebuilds every document: it enters each output's content key."""

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(self.key.split("."))

    def parse(self, value: Any, root: Path | None = None) -> Any:
        """The attribute's value from the YAML ``value``; :class:`Wrong` if of the wrong type."""
        parsed = self.kind.parse(value)
        return root / parsed if self.kind.path and parsed is not None and root else parsed


def alternatives(values: tuple[str, ...]) -> str:
    """``A4 or Letter``, ``starttls, ssl or none``; ``one of ...`` for more than three."""
    shown = [value if re.search(r"\w", value) else repr(value) for value in values]
    if len(shown) > 3:
        return f"one of {', '.join(shown)}"
    return f"{', '.join(shown[:-1])} or {shown[-1]}" if len(shown) > 1 else shown[0]


def _shown(value: Any) -> str:
    """A value in a message: lists as their items, paths plain, anything else quoted."""
    if isinstance(value, dict | list):
        return f"a {'mapping' if isinstance(value, dict) else 'list'}"
    if isinstance(value, tuple):
        return ", ".join(str(item) for item in value) or "none"
    return str(value) if isinstance(value, Path) else repr(value)


def _at_least(low: float, what: str) -> Check:
    def check(value: Any, _config: Config) -> str | None:
        return None if value >= low else f"expected {what}, got {value!r}"
    return check


def _above_zero(value: Any, _config: Config) -> str | None:
    return None if value > 0 else f"expected a number above 0, got {value!r}"


def _port(value: Any, _config: Config) -> str | None:
    return None if 1 <= value <= 65535 else f"expected a port number, 1 to 65535, got {value!r}"


def _quarter(value: Any, _config: Config) -> str | None:
    return None if value is None or periods.is_quarter(value) else \
        f"expected {QUARTER.name}, got {value!r}"


def _matches(pattern: re.Pattern[str], what: str) -> Check:
    def check(value: Any, _config: Config) -> str | None:
        return None if pattern.match(value) else f"expected {what}, got {value!r}"
    return check


def _currency(value: Any, _config: Config) -> str | None:
    if 1 <= len(value) <= 4 and not any(ch in value for ch in "<>&{}\n\r"):
        return None
    return f"expected a short symbol such as $ or €, got {value!r}"


def _logo(value: Any, config: Config) -> str | None:
    if value is None:
        return None
    logo = value.resolve()
    if logo.suffix.lower() not in (".svg", ".png") or not logo.is_file():
        return f"expected an .svg or .png file, got {value}"
    if not any(logo.is_relative_to(root.resolve()) for root in config.resource_roots):
        return f"must be under the project's assets/ or templates/ folder, got {value}"
    return None


def _folder(value: Any, _config: Config) -> str | None:
    return None if value is None or value.is_dir() else f"no such folder {value}"


COUNT = _at_least(0, "a whole number, 0 or more")

SETTINGS: tuple[Setting, ...] = (
    Setting("inputs", FOLDER, "inputs", "The folder the inputs are read from.", "inputs_dir"),
    Setting("outputs", FOLDER, "outputs", "The folder the documents are written to.",
            "outputs_dir"),
    Setting("period", QUARTER, "latest", "The calendar quarter to build (such as 2026Q1), or "
            "latest: the latest quarter with figures.", "period", check=_quarter),
    Setting("miners", MINERS, "all", "The miners to build: all, or a list of tickers such as "
            "[WULF, CORZ]; the sector overview always compares every miner.", "miners"),
    Setting("formats", NAMES, FORMATS, "The documents to write.", "formats",
            allowed=FORMATS, shapes_documents=True),
    Setting("paper_size", TEXT, "A4", "The page size.", "paper_size", allowed=PAPER_SIZES,
            shapes_documents=True),
    Setting("pdf_variant", TEXT, "pdf/a-3u", "The kind of PDF (archival PDF/A-3u, tagged, "
            "carrying its data; accessible PDF/UA-1; or untagged).", "pdf_variant",
            allowed=PDF_VARIANTS, shapes_documents=True),
    Setting("stale_after_quarters", WHOLE, 2, "A point-in-time figure (cash, debt, MW, EH/s) "
            "more than this many quarters older than the document's quarter is marked stale "
            "and left out of medians, ranks and totals.", "stale_after_quarters", check=COUNT,
            shapes_documents=True),
    Setting("theme.firm_name", TEXT_OR_EMPTY, "", "Printed on the cover and the running "
            "header when set.", "firm_name", shapes_documents=True),
    Setting("theme.accent_color", TEXT, "#1f4e79", "The colour of headings and rules, as "
            "#rrggbb.", "accent_color", check=_matches(HEX_COLOUR, "a colour like #1f4e79"),
            shapes_documents=True),
    Setting("theme.font_family", TEXT, '"DejaVu Sans", sans-serif', "A CSS font list (font "
            "names, quotes and commas only).", "font_family",
            check=_matches(FONT_FAMILY, """a CSS font list such as '"DejaVu Sans", sans-serif'"""),
            shapes_documents=True),
    Setting("theme.logo", OPTIONAL_PATH, None, "An SVG or PNG under assets/ (or templates/), "
            "such as assets/logo.svg, shown in each briefing.", "logo", check=_logo,
            shapes_documents=True),
    Setting("theme.templates", OPTIONAL_PATH, None, "A folder of templates, such as "
            "my_templates, looked in first: each file overrides the one of the same name.",
            "user_templates", check=_folder, shapes_documents=True),
    Setting("theme.currency_symbol", TEXT, "$", "The currency symbol before amounts.",
            "number_style.currency", check=_currency, shapes_documents=True),
    Setting("theme.negative_numbers", TEXT, "minus", "How a negative amount is written, "
            "−$4.1M or ($4.1M).", "number_style.negative",
            allowed=("minus", "parentheses"), shapes_documents=True),
    Setting("theme.decimal_mark", TEXT, ".", "The decimal mark, as in $1,234.5M or $1.234,5M.",
            "number_style.decimal", allowed=(".", ","), shapes_documents=True),
    Setting("sector.sort_by", TEXT, "ai_hpc_share", "The column the sector peer table is "
            "sorted by, highest first.", "sector_sort", allowed=SECTOR_SORTS,
            shapes_documents=True),
    Setting("smtp.host", TEXT, "localhost", "The mail server reportgen send delivers through.",
            "smtp.host"),
    Setting("smtp.port", WHOLE, 25, "Its port.", "smtp.port", check=_port),
    Setting("smtp.security", TEXT, "starttls", "How the connection is secured (none only "
            "for a local relay).", "smtp.security", allowed=SECURITY),
    Setting("smtp.user", OPTIONAL_TEXT, None, "The login name; null: no login.", "smtp.user"),
    Setting("smtp.password_env", TEXT, "REPORTGEN_SMTP_PASSWORD", "The environment variable "
            "that holds the password (never this file).", "smtp.password_env"),
    Setting("smtp.sender", TEXT, "reportgen <briefings@localhost>", "The From of every "
            "message.", "smtp.sender"),
    Setting("smtp.timeout_s", NUMBER, 30.0, "Seconds to wait for the server.", "smtp.timeout_s",
            check=_above_zero),
    Setting("smtp.rate_per_minute", NUMBER, 60.0, "At most this many messages a minute.",
            "smtp.rate_per_minute", check=_above_zero),
    Setting("smtp.retries", WHOLE, 3, "How many times a 4xx (temporary) reply is retried, with "
            "doubling backoff.", "smtp.retries", check=COUNT),
    Setting("smtp.backoff_s", NUMBER, 2.0, "Seconds before the first retry.", "smtp.backoff_s",
            check=_at_least(0, "a number, 0 or more")),
    Setting("ledger", OPTIONAL_PATH, None, "The delivery ledger (SQLite); null: "
            "deliveries.sqlite3 in the outputs folder.", "ledger"),
    Setting("sec_user_agent", OPTIONAL_TEXT, None, "The User-Agent SEC requires for "
            'import-sec --fetch, such as "Your Name you@example.com".', "sec_user_agent"),
    Setting("limits.render_seconds", WHOLE, 300, "A render running longer is stopped with a "
            "message (0: no bound).", "render_seconds", check=COUNT),
    Setting("limits.render_memory_mb", WHOLE, 3000, "A render process's data memory bound, in "
            "MB (0: no bound).", "render_memory_mb", check=COUNT),
)
"""Every setting of ``reportgen.yaml``, in the order ``reportgen init`` writes them."""
SECTIONS = {
    "theme": "How the documents look. A templates/ folder beside this file overrides the "
             "built-in templates file by file (templates/partials/kpis.html replaces only "
             "the KPI tiles).",
    "sector": "The sector overview.",
    "smtp": "E-mail (reportgen send). The password is read from the environment variable "
            "named by password_env, never from this file.",
    "limits": "Bounds on each render (0 turns a bound off).",
}
"""The sections of ``reportgen.yaml`` (mappings of settings), with what each is for."""
REFUSED = {"smtp.password": "passwords never go in a file; set smtp.password_env to the name "
                            "of an environment variable that holds it"}
"""Keys that look like settings but are refused, with the reason."""
BY_ATTR = {setting.attr: setting for setting in SETTINGS}


def default(attr: str) -> Any:
    """The default of the attribute ``attr`` of :class:`Config` (or ``smtp.port``...)."""
    setting = BY_ATTR[attr]
    return setting.parse(setting.default)


def _defaults(prefix: str) -> dict[str, Any]:
    """The defaults of the attributes of the attribute ``prefix`` (``smtp``), by name."""
    return {attr.removeprefix(f"{prefix}."): default(attr) for attr in BY_ATTR
            if attr.startswith(f"{prefix}.")}


@dataclass(frozen=True)
class SmtpSettings:
    """How to reach the mail server (the ``smtp`` settings). The password is never here: only
    the name of the environment variable that holds it."""

    host: str = default("smtp.host")
    port: int = default("smtp.port")
    security: str = default("smtp.security")
    user: str | None = default("smtp.user")
    password_env: str = default("smtp.password_env")
    sender: str = default("smtp.sender")
    timeout_s: float = default("smtp.timeout_s")
    rate_per_minute: float = default("smtp.rate_per_minute")
    retries: int = default("smtp.retries")
    backoff_s: float = default("smtp.backoff_s")


@dataclass(frozen=True)
class Config:
    """The settings of one project, checked. Each attribute is a setting of
    :data:`SETTINGS` (its doc, default and allowed values are there), except the folders
    found rather than set (``project_root``, ``builtin_templates``)."""

    project_root: Path
    inputs_dir: Path
    outputs_dir: Path
    period: str | None = default("period")
    miners: tuple[str, ...] = default("miners")
    formats: tuple[str, ...] = default("formats")
    paper_size: str = default("paper_size")
    firm_name: str = default("firm_name")
    accent_color: str = default("accent_color")
    font_family: str = default("font_family")
    number_style: NumberStyle = field(
        default_factory=lambda: NumberStyle(**_defaults("number_style")))
    logo: Path | None = default("logo")  # noqa: RUF009 (None)
    user_templates: Path | None = default("user_templates")  # noqa: RUF009 (None)
    sector_sort: str = default("sector_sort")
    stale_after_quarters: int = default("stale_after_quarters")
    pdf_variant: str = default("pdf_variant")
    render_seconds: int = default("render_seconds")
    render_memory_mb: int = default("render_memory_mb")
    smtp: SmtpSettings = SmtpSettings()
    ledger: Path | None = default("ledger")  # noqa: RUF009 (None)
    sec_user_agent: str | None = default("sec_user_agent")
    builtin_templates: Path = field(default_factory=lambda: packaged("templates"))
    """The templates shipped in the package, found once when the settings are made."""

    @property
    def ledger_file(self) -> Path:
        return self.ledger or self.outputs_dir / "deliveries.sqlite3"

    @property
    def templates_dir(self) -> Path:
        """The project's own ``templates/`` folder (it need not exist)."""
        return self.project_root / "templates"

    @property
    def template_dirs(self) -> tuple[Path, ...]:
        """Where templates are looked up, first match wins, file by file: the theme's folder,
        the project's ``templates/``, then the built-in templates. A folder listed twice
        (the repository's own project, whose templates/ is the built-in folder) counts once."""
        dirs: list[Path] = []
        for folder in (self.user_templates, self.templates_dir, self.builtin_templates):
            if folder is not None and all(folder.resolve() != d.resolve() for d in dirs):
                dirs.append(folder)
        return tuple(dirs)

    @property
    def resource_roots(self) -> tuple[Path, ...]:
        """The only folders a PDF render may read files from."""
        return (*self.template_dirs, self.project_root / "assets")

    def with_overrides(self, **overrides: Any) -> Config:
        """A copy with the non-``None`` overrides applied and checked like the file's values."""
        changes = {key: value for key, value in overrides.items() if value is not None}
        updated = replace(self, **changes)
        problems = _check(updated, "command line")
        if problems:
            raise UsageError("\n".join(str(problem) for problem in problems))
        return updated


def load(config_file: Path | None = None, project_root: Path | None = None) -> Config:
    """Read ``reportgen.yaml``; all problems at once, each with its line.

    A folder without one is not a project: the error says to create one with ``reportgen
    init`` rather than building from defaults with inputs that are not there.
    """
    explicit = config_file is not None
    root = (project_root or (config_file.parent if config_file else Path.cwd())).resolve()
    path = config_file or root / CONFIG_NAME
    if not path.exists():
        if explicit:
            raise UsageError(f"{path}: config file not found")
        raise UsageError(f"no {CONFIG_NAME} in {root}: run 'reportgen init' to start a project "
                         "here ('reportgen init --sample' for one with the sample figures), "
                         "or name the settings file with --config")
    shown = str(path)
    document, lines = safeyaml.read_file(path, shown, safeyaml.MAX_BYTES)
    document = {} if document is None else document
    if not isinstance(document, dict):
        raise InputError([Problem(shown, "expected a mapping of settings", line=1)])
    structure = _structure(document, lines, shown)
    if structure:
        raise InputError(structure)
    values: dict[str, Any] = {}
    problems = []
    for setting in SETTINGS:
        section, name = setting.path if len(setting.path) == 2 else (None, setting.key)
        given = (document.get(section) or {}) if section else document
        value = given.get(name, setting.default)
        try:
            values[setting.attr] = setting.parse(value, root)
        except Wrong:
            values[setting.attr] = setting.parse(setting.default, root)
            problems.append(Problem(shown, f"{setting.key}: expected {setting.kind.name}, got "
                                           f"{_shown(value)}",
                                    line=safeyaml.line_of(lines, setting.path)))
    nested = {prefix: {attr.split(".")[1]: values.pop(attr) for attr in list(values)
                       if attr.startswith(f"{prefix}.")} for prefix in ("smtp", "number_style")}
    config = Config(project_root=root, **values, smtp=SmtpSettings(**nested["smtp"]),
                    number_style=NumberStyle(**nested["number_style"]))
    problems += _check(config, shown, lines)  # a value of the wrong type is the default here
    if problems:
        raise InputError(sorted(problems, key=lambda problem: problem.line or 0))
    return config


SECTION_KEYS = {section: tuple(setting.path[1] for setting in SETTINGS
                               if setting.path[0] == section) for section in SECTIONS}
"""The keys of each section; anything else is a typo reported with a "did you mean"."""
TOP_LEVEL = tuple(dict.fromkeys(setting.path[0] for setting in SETTINGS))
"""The keys reportgen.yaml may have at its top level."""


def _structure(document: dict[Any, Any], lines: Mapping[safeyaml.YamlPath, int],
               shown: str) -> list[Problem]:
    """Unknown keys (with a "did you mean"), refused keys, sections that are not mappings,
    and control characters in any key or value, each with its line; checked before any value
    is used."""
    problems = []
    for key, value in document.items():
        if key not in TOP_LEVEL:
            problems.append(Problem(shown, f"{key}: {safeyaml.unknown_key(key, TOP_LEVEL)}",
                                    line=safeyaml.line_of(lines, (str(key),))))
            continue
        known = SECTION_KEYS.get(key)
        if known is None or value is None:
            continue
        if not isinstance(value, dict):
            problems.append(Problem(shown, f"{key}: expected a mapping of settings "
                                           f"({', '.join(known)}), got {_shown(value)}",
                                    line=safeyaml.line_of(lines, (key,))))
            continue
        for name in value:
            where = f"{key}.{name}"
            if name not in known:
                reason = REFUSED.get(where) or safeyaml.unknown_key(name, known)
                problems.append(Problem(shown, f"{where}: {reason}",
                                        line=safeyaml.line_of(lines, (key, str(name)))))
    problems += [Problem(shown, f"{safeyaml.place(path)}: {reason}; remove it", line=line)
                 for path, line, reason in safeyaml.text_problems(document, lines)]
    return sorted(problems, key=lambda problem: problem.line or 0)


def _attribute(config: Config, attr: str) -> Any:
    value: Any = config
    for name in attr.split("."):
        value = getattr(value, name)
    return value


def _check(config: Config, shown: str,
           lines: Mapping[safeyaml.YamlPath, int] | None = None) -> list[Problem]:
    """The values of the finished settings against each setting's allowed values and check."""
    problems = []
    for setting in SETTINGS:
        value = _attribute(config, setting.attr)
        message = setting.check(value, config) if setting.check else None
        items = value if isinstance(value, tuple) else (value,)
        if setting.allowed and (not items or any(item not in setting.allowed for item in items)):
            wanted = (f"some of {', '.join(setting.allowed)}" if isinstance(value, tuple)
                      else alternatives(setting.allowed))
            message = f"expected {wanted}, got {_shown(value)}"
        if message:
            problems.append(Problem(shown, f"{setting.key}: {message}",
                                    line=safeyaml.line_of(lines or {}, setting.path)))
    return problems
