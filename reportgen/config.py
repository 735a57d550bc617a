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
from collections.abc import Mapping
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


@dataclass(frozen=True)
class SmtpSettings:
    """How to reach the mail server. The password is never here: only the name of the
    environment variable that holds it."""

    host: str = "localhost"
    port: int = 25
    security: str = "starttls"
    """``starttls`` or ``ssl`` for any real server; ``none`` only for a local relay."""
    user: str | None = None
    password_env: str = "REPORTGEN_SMTP_PASSWORD"
    sender: str = "reportgen <briefings@localhost>"
    timeout_s: float = 30.0
    rate_per_minute: float = 60.0
    retries: int = 3
    """How many times a 4xx (temporary) reply is retried, with doubling backoff."""
    backoff_s: float = 2.0


@dataclass(frozen=True)
class Config:
    project_root: Path
    inputs_dir: Path
    outputs_dir: Path
    period: str | None = None
    """Calendar quarter to build; ``None`` means the latest quarter present in the facts."""
    miners: tuple[str, ...] = ()
    """Tickers to build; empty means every miner in inputs/companies.yaml."""
    formats: tuple[str, ...] = FORMATS
    paper_size: str = "A4"
    firm_name: str = ""
    """Printed on the cover and the running header when set; nothing is shown by default."""
    accent_color: str = "#1f4e79"
    font_family: str = '"DejaVu Sans", sans-serif'
    number_style: NumberStyle = field(default_factory=NumberStyle)
    logo: Path | None = None
    """An SVG or PNG under the project's assets/ (or templates/), embedded in each briefing."""
    user_templates: Path | None = None
    """A folder whose templates override the built-in ones, file by file."""
    sector_sort: str = "ai_hpc_share"
    """Column the sector peer table is sorted by, highest first."""
    stale_after_quarters: int = 2
    """A point-in-time figure (cash, debt, MW, hashrate) older than this many quarters against
    the document's quarter is marked stale and left out of peer medians and ranks."""
    pdf_variant: str = "pdf/a-3u"
    """Archival PDF/A-3u (tagged, data embedded) by default; or pdf/ua-1, or plain."""
    render_seconds: int = 300
    """A render running longer is stopped with a message (0: no bound)."""
    render_memory_mb: int = 3000
    """A render process's data memory bound (0: no bound)."""
    smtp: SmtpSettings = SmtpSettings()
    ledger: Path | None = None
    """The delivery ledger (SQLite); ``None`` means ``deliveries.sqlite3`` in the outputs."""
    sec_user_agent: str | None = None
    """The User-Agent SEC requires for ``import-sec --fetch`` (a name and an e-mail)."""
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
    """Read ``reportgen.yaml``; all problems at once.

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
    theme = document.get("theme") or {}
    limits = document.get("limits") or {}
    limit_problems: list[Problem] = []
    period = document.get("period", "latest")
    miners = document.get("miners", "all")
    formats = document.get("formats", list(FORMATS))
    config = Config(
        project_root=root,
        inputs_dir=root / str(document.get("inputs", "inputs")),
        outputs_dir=root / str(document.get("outputs", "outputs")),
        period=None if period in (None, "latest") else str(period),
        miners=() if miners in (None, "all") else tuple(str(m) for m in _listish(miners)),
        formats=tuple(str(f) for f in _listish(formats)),
        paper_size=str(document.get("paper_size", "A4")),
        firm_name=str(theme.get("firm_name") or ""),
        accent_color=str(theme.get("accent_color", "#1f4e79")),
        font_family=str(theme.get("font_family", '"DejaVu Sans", sans-serif')),
        number_style=NumberStyle(currency=str(theme.get("currency_symbol", "$")),
                                 negative=str(theme.get("negative_numbers", "minus")),
                                 decimal=str(theme.get("decimal_mark", "."))),
        logo=root / str(theme["logo"]) if theme.get("logo") else None,
        user_templates=root / str(theme["templates"]) if theme.get("templates") else None,
        sector_sort=str((document.get("sector") or {}).get("sort_by", "ai_hpc_share")),
        pdf_variant=str(document.get("pdf_variant", "pdf/a-3u")),
        stale_after_quarters=_integer(document, "stale_after_quarters", 2, shown,
                                      limit_problems, where=""),
        render_seconds=_integer(limits, "render_seconds", 300, shown, limit_problems),
        render_memory_mb=_integer(limits, "render_memory_mb", 3000, shown, limit_problems),
        ledger=root / str(document["ledger"]) if document.get("ledger") else None,
        sec_user_agent=str(document["sec_user_agent"]) if document.get("sec_user_agent")
        else None,
    )
    smtp, smtp_problems = _smtp(document.get("smtp") or {}, shown)
    config = replace(config, smtp=smtp)
    problems = smtp_problems + limit_problems + _check(config, shown)
    if problems:
        raise InputError(problems)
    return config


SETTINGS = ("inputs", "outputs", "period", "miners", "formats", "paper_size", "theme", "sector",
            "smtp", "ledger", "stale_after_quarters", "sec_user_agent", "pdf_variant", "limits")
"""The keys reportgen.yaml may have at its top level."""
SECTIONS = {
    "theme": ("firm_name", "accent_color", "font_family", "logo", "templates",
              "currency_symbol", "negative_numbers", "decimal_mark"),
    "sector": ("sort_by",),
    "limits": ("render_seconds", "render_memory_mb"),
    "smtp": (*SmtpSettings.__dataclass_fields__, "password"),  # password: refused with a reason
}
"""The keys of each section; anything else is a typo reported with a "did you mean"."""
LISTS = ("miners", "formats")
"""Settings that may be a list (of plain names); every other setting is one value."""


def _structure(document: dict[Any, Any], lines: Mapping[safeyaml.YamlPath, int],
               shown: str) -> list[Problem]:
    """Unknown keys (with a "did you mean"), sections that are not mappings, and control
    characters in any value, each with its line; checked before any value is used."""
    problems = []
    for key, value in document.items():
        if key not in SETTINGS:
            problems.append(Problem(shown, f"{key}: {safeyaml.unknown_key(key, SETTINGS)}",
                                    line=safeyaml.line_of(lines, (str(key),))))
            continue
        known = SECTIONS.get(key)
        if known is None:
            if isinstance(value, dict) or (isinstance(value, list) and (
                    key not in LISTS or any(isinstance(v, dict | list) for v in value))):
                kind = "list" if isinstance(value, list) else "mapping"
                wanted = "a list of names or one value" if key in LISTS else "one value"
                problems.append(Problem(shown, f"{key}: expected {wanted}, got a {kind}",
                                        line=safeyaml.line_of(lines, (key,))))
            continue
        if value is None:
            continue
        if not isinstance(value, dict):
            problems.append(Problem(shown, f"{key}: expected a mapping of settings "
                                           f"({', '.join(known)}), got {value!r}",
                                    line=safeyaml.line_of(lines, (key,))))
            continue
        problems += [Problem(shown, f"{key}.{name}: {safeyaml.unknown_key(name, known)}",
                             line=safeyaml.line_of(lines, (key, str(name))))
                     for name in value if name not in known]
        problems += [Problem(shown, f"{key}.{name}: expected one value, got a "
                                    f"{'list' if isinstance(item, list) else 'mapping'}",
                             line=safeyaml.line_of(lines, (key, str(name))))
                     for name, item in value.items()
                     if name in known and isinstance(item, dict | list)]
    problems += [Problem(shown, f"{safeyaml.place(path)}: {reason}; remove it", line=line)
                 for path, line, reason in safeyaml.text_problems(document, lines)]
    return sorted(problems, key=lambda problem: problem.line or 0)


def _smtp(section: Any, shown: str) -> tuple[SmtpSettings, list[Problem]]:
    if not isinstance(section, dict):
        return SmtpSettings(), [Problem(shown, "smtp: expected a mapping of settings")]
    problems = []
    known = set(SmtpSettings.__dataclass_fields__)  # unknown keys: reported by _structure
    if "password" in section:
        problems.append(Problem(shown, "smtp.password: passwords never go in a file; set "
                                       "smtp.password_env to the name of an environment "
                                       "variable that holds it"))
    values = {key: section[key] for key in known & set(section)}
    try:
        settings = SmtpSettings(**values)
        settings = replace(settings, port=int(settings.port), timeout_s=float(settings.timeout_s),
                           rate_per_minute=float(settings.rate_per_minute),
                           retries=int(settings.retries), backoff_s=float(settings.backoff_s))
    except (TypeError, ValueError) as error:
        return SmtpSettings(), [*problems, Problem(shown, f"smtp: {error}")]
    if settings.security not in SECURITY:
        problems.append(Problem(shown, f"smtp.security: expected starttls, ssl or none, got "
                                       f"{settings.security!r}"))
    if settings.rate_per_minute <= 0 or settings.retries < 0 or settings.timeout_s <= 0:
        problems.append(Problem(shown, "smtp: rate_per_minute and timeout_s must be above 0, "
                                       "retries 0 or more"))
    return settings, problems


def _integer(section: Any, key: str, default: int, shown: str, problems: list[Problem],
             where: str = "limits.") -> int:
    value = section.get(key, default) if isinstance(section, dict) else default
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        problems.append(Problem(shown, f"{where}{key}: expected a whole number, 0 or more, got "
                                       f"{value!r}"))
        return default
    return value


def _listish(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _check(config: Config, shown: str) -> list[Problem]:
    problems = []
    if config.period is not None and not periods.is_quarter(config.period):
        problems.append(Problem(shown, f"period: expected a quarter like 2026Q1 or 'latest', "
                                       f"got {config.period!r}"))
    bad_formats = [f for f in config.formats if f not in FORMATS]
    if bad_formats or not config.formats:
        problems.append(Problem(shown, f"formats: expected some of {', '.join(FORMATS)}, got "
                                       f"{', '.join(config.formats) or 'none'}"))
    if config.pdf_variant not in PDF_VARIANTS:
        problems.append(Problem(shown, f"pdf_variant: expected one of {', '.join(PDF_VARIANTS)}, "
                                       f"got {config.pdf_variant!r}"))
    if config.paper_size not in PAPER_SIZES:
        problems.append(Problem(shown, f"paper_size: expected A4 or Letter, got "
                                       f"{config.paper_size!r}"))
    if config.sector_sort not in SECTOR_SORTS:
        problems.append(Problem(shown, f"sector.sort_by: expected one of "
                                       f"{', '.join(SECTOR_SORTS)}, got {config.sector_sort!r}"))
    if not FONT_FAMILY.match(config.font_family):
        problems.append(Problem(shown, "theme.font_family: expected a CSS font list such as "
                                       f"'\"DejaVu Sans\", sans-serif', got "
                                       f"{config.font_family!r}"))
    style = config.number_style
    if style.negative not in ("minus", "parentheses"):
        problems.append(Problem(shown, f"theme.negative_numbers: expected minus or parentheses, "
                                       f"got {style.negative!r}"))
    if style.decimal not in (".", ","):
        problems.append(Problem(shown, f"theme.decimal_mark: expected '.' or ',', got "
                                       f"{style.decimal!r}"))
    if not 1 <= len(style.currency) <= 4 or any(ch in style.currency for ch in "<>&{}\n\r"):
        problems.append(Problem(shown, f"theme.currency_symbol: expected a short symbol such as "
                                       f"$ or €, got {style.currency!r}"))
    if config.logo is not None:
        logo = config.logo.resolve()
        if logo.suffix.lower() not in (".svg", ".png") or not logo.is_file():
            problems.append(Problem(shown, f"theme.logo: expected an .svg or .png file, got "
                                           f"{config.logo}"))
        elif not any(logo.is_relative_to(r.resolve()) for r in config.resource_roots):
            problems.append(Problem(shown, "theme.logo: must be under the project's assets/ or "
                                           f"templates/ folder, got {config.logo}"))
    if config.user_templates is not None and not config.user_templates.is_dir():
        problems.append(Problem(shown, f"theme.templates: no such folder {config.user_templates}"))
    if not HEX_COLOUR.match(config.accent_color):
        problems.append(Problem(shown, f"theme.accent_color: expected a colour like #1f4e79, got "
                                       f"{config.accent_color!r}"))
    return problems
