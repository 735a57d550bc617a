"""``reportgen init``: a new project folder that validates as it is written.

The skeleton is ``reportgen.yaml`` with every setting shown at its default (commented out, so
the defaults in :mod:`reportgen.config` stay the only ones), ``inputs/`` with each file's
header and one commented example (the YAML files) or its example rows in ``inputs/README.txt``
(the CSV readers take no comment lines, so the CSV files are a header only), and an empty
``outputs/``. With ``sample=True`` the inputs are the sample shipped in the package instead.
Nothing that exists is ever overwritten: if any file is in the way, nothing is written.
"""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportgen import config as config_module
from reportgen.config import CONFIG_NAME, SECTIONS, SETTINGS
from reportgen.errors import OutputError, UsageError

INPUTS, OUTPUTS = "inputs", "outputs"
EXAMPLE_NOTE = 'replace "{empty}" above with entries like this one, without the "# ":'
"""The line before each commented YAML example; tests uncomment the example after it."""


@dataclass(frozen=True)
class Project:
    """What :func:`init` created."""

    root: Path
    files: tuple[str, ...]
    """Paths relative to ``root``, in the order written."""
    sample: bool


def init(root: Path, *, sample: bool = False) -> Project:
    """Create a project in ``root`` (made if missing); a :class:`UsageError` listing every
    file already there, and nothing written, if any is in the way."""
    files = _files(sample)
    folders = (root, root / INPUTS, root / OUTPUTS)
    taken = [name for name in files if (root / name).exists() or (root / name).is_symlink()]
    taken += [f"{folder.relative_to(root)} (not a folder)" for folder in folders[1:]
              if (folder.exists() or folder.is_symlink()) and not folder.is_dir()]
    if root.exists() and not root.is_dir():
        raise UsageError(f"{root} exists and is not a folder; choose another place")
    if taken:
        raise UsageError(f"{root} already has {', '.join(taken)}; nothing was written (move "
                         "them away, or run 'reportgen init' in another folder)")
    made: list[Path] = []
    try:
        for folder in folders:
            if not folder.is_dir():
                folder.mkdir(parents=True)
                made.append(folder)
        for name, data in files.items():
            with (root / name).open("xb") as handle:  # never replaces a file
                made.append(root / name)
                handle.write(data)
    except OSError as error:
        for path in reversed(made):  # leave the folder as it was
            if path.is_dir():
                path.rmdir()
            else:
                path.unlink(missing_ok=True)
        raise OutputError(f"cannot write {error.filename or root}: "
                          f"{error.strerror or error}; nothing was kept") from None
    return Project(root, tuple(files), sample)


def _files(sample: bool) -> dict[str, bytes]:
    files = {CONFIG_NAME: settings_file().encode()}
    if sample:
        source = config_module.packaged("sample")
        files.update({f"{INPUTS}/{path.name}": path.read_bytes()
                      for path in sorted(source.iterdir())
                      if path.is_file() and path.suffix in (".yaml", ".csv")})
    else:
        files.update({f"{INPUTS}/{name}": text.encode() for name, text in SKELETON.items()})
    files[f"{INPUTS}/README.txt"] = README.encode()
    return files


# -- reportgen.yaml ----------------------------------------------------------------------------

def _value(value: Any) -> str:
    """A default as YAML: plain where that reads back the same, quoted where it would not."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"{value:g}"
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    text = str(value)
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9_./-]*", text) and text.lower() not in (
            "null", "true", "false", "yes", "no", "on", "off", "y", "n"):
        return text
    if '"' in text and "'" not in text:
        return f"'{text}'"
    return json.dumps(text, ensure_ascii=False)


def settings_file() -> str:
    """``reportgen.yaml`` with every setting of :data:`reportgen.config.SETTINGS` at its
    default, commented out, each after its doc (and its allowed values)."""
    lines = [
        "# reportgen settings for this project. Every setting is shown at its default, "
        "commented out:",
        "# to change one, remove the '#' before it (and before its section's name, such as",
        "# theme:). Paths are relative to this file. Flags override these: reportgen build --help.",
    ]
    section = None
    for setting in SETTINGS:
        parent = setting.path[0] if len(setting.path) > 1 else None
        if parent != section and parent is not None:
            lines += ["", *_comment(SECTIONS[parent], "# "), f"#{parent}:"]
        elif parent is None:
            lines.append("")
        section = parent
        indent = "  " if parent else ""
        doc = setting.doc
        if setting.allowed:
            alternatives = (f"any of {', '.join(setting.allowed)}"
                            if isinstance(setting.default, tuple)
                            else config_module.alternatives(setting.allowed))
            doc = f"{doc.removesuffix('.')}: {alternatives}."
        lines += _comment(doc, "#  # " if parent else "# ")
        lines.append(f"#{indent}{setting.path[-1]}: {_value(setting.default)}")
    return "\n".join(lines) + "\n"


def _comment(text: str, prefix: str) -> list[str]:
    return textwrap.wrap(text, 92, initial_indent=prefix, subsequent_indent=prefix,
                         break_on_hyphens=False)


# -- inputs/ -----------------------------------------------------------------------------------

def _commented(header: str, key: str, empty: str, example: str) -> str:
    """A YAML file whose ``key`` is empty, with ``example`` commented out after it."""
    body = "".join(f"# {line}".rstrip() + "\n" for line in example.strip("\n").split("\n"))
    return f"{header}{key}: {empty}\n# {EXAMPLE_NOTE.format(empty=empty)}\n{body}"


COMPANIES_EXAMPLE = """\
- ticker: WULF
  name: TeraWulf Inc.
  cik: 1083301
  fiscal_year_end_month: 12
  revenue_lines:
    revenue_mining: {business: mining, label: Bitcoin mining}
    revenue_hpc_lease: {business: ai_hpc, label: HPC lease}
  contracts:
  - customer: Fluidstack
    site: Lake Mariner CB-3/CB-4
    mw: 200
    term_years: 10
    value_usd_m: 3700
    backstop: Google backstops $1.8B; warrants ~8%
    source: wulf_fluidstack_cb34
    status: secondary
  notes: At the end of 2025 TeraWulf reported 522 MW of contracted critical IT load.
"""
SOURCES_EXAMPLE = """\
  wulf_q4_25:
    url: https://cointelegraph.com/news/terawulf-q4-2025-miss-estimate-mining-revenue-drop
    publisher: cointelegraph.com
    kind: press coverage
    description: TeraWulf 2025Q4 figures
  wulf_fluidstack_cb34:
    url: https://particle.news/story/terawulf-secures-37-billion-ai-hosting-deals-with-google-backstop
    publisher: particle.news
    kind: press coverage
    description: TeraWulf AI/HPC contract with Fluidstack (Lake Mariner CB-3/CB-4)
  mkt_coinfeather:
    url: https://www.coinfeather.com/en/news/btc-mining-faced-unprecedented-margin-pressure-in-nov-2025/43852
    publisher: coinfeather.com
    kind: press coverage
    description: hashprice and median hashcost, 2025Q3-2025Q4
"""
STAKEHOLDERS_EXAMPLE = """\
  - name: Portfolio desk
    address: desk@example.com
    role: portfolio manager
    follows: all
    sector: true
  - name: TeraWulf IR watch
    address: ir.watch@example.com
    follows: [WULF]
    sector: false
"""
FACTS_EXAMPLE = """\
WULF,2025Q4,revenue_total,35.8,USD_M,wulf_q4_25,secondary,
WULF,2025Q4,revenue_mining,26.1,USD_M,wulf_q4_25,secondary,
WULF,2025Q4,revenue_hpc_lease,9.7,USD_M,wulf_q4_25,secondary,
"""
MARKET_EXAMPLE = """\
2025Q4,hashprice,35,USD/PH/day,mkt_coinfeather,secondary,"November 2025, about"
"""
FACT_HEADER = "ticker,period,metric,value,unit,source,status,note\n"
MARKET_HEADER = "period,metric,value,unit,source,status,note\n"
PRICE_HEADER = "ticker,date,close,shares_outstanding,market_cap,source,status,note\n"
"""The header of the optional prices.csv (init writes no such file: a missing one is empty)."""

SKELETON = {
    "companies.yaml": _commented(
        "# One entry per miner. revenue_lines maps the miner's own revenue lines in facts.csv\n"
        "# to the three businesses (mining, ai_hpc, other), as `revenue_x: ai_hpc` or with the\n"
        "# name its release uses: `revenue_x: {business: ai_hpc, label: HPC lease}`.\n"
        "# fiscal_year_end_month: 12 for calendar years. Each contract cites a source id from\n"
        "# sources.yaml. notes are printed in every briefing of the miner: write sentences a\n"
        "# client reads.\n", "companies", "[]", COMPANIES_EXAMPLE),
    "sources.yaml": _commented(
        "# Every source id cited by facts.csv, market.csv, prices.csv and the contracts in\n"
        "# companies.yaml.\n"
        "# kind: company release, SEC filing, press coverage, machine-written page, data page.\n"
        "# date (optional): the day the source was published, YYYY-MM-DD, as the page shows it.\n",
        "sources", "{}", SOURCES_EXAMPLE),
    "facts.csv": FACT_HEADER,
    "market.csv": MARKET_HEADER,
    "stakeholders.yaml": _commented(
        "# Who receives which briefings (reportgen send). follows: a list of tickers or all;\n"
        "# sector: true adds the sector overview. Addresses at example.com never deliver.\n",
        "recipients", "[]", STAKEHOLDERS_EXAMPLE),
}
"""The skeleton's ``inputs/``: valid as written, each with the example of :data:`README`."""

README = f"""\
The inputs of this reportgen project. `reportgen validate` checks them all and lists every
problem with its file and line; `reportgen build` turns them into briefings in outputs/.
`reportgen metrics` lists the metrics facts.csv accepts, with their units and sign rules.

companies.yaml     one entry per miner (a commented example is in the file)
sources.yaml       every source the figures cite (commented examples in the file)
facts.csv          one figure a row: {FACT_HEADER.strip()}
market.csv         market hashprice and hashcost a quarter: {MARKET_HEADER.strip()}
prices.csv         optional, dated share prices: {PRICE_HEADER.strip()}
                   (close in USD, shares in millions, market cap in USD millions)
stakeholders.yaml  who receives which briefings by e-mail (a commented example in the file)

The CSV files take no comment lines: every line after the header is a row. With the example
miner and sources of companies.yaml and sources.yaml, these rows are valid:

facts.csv:
{FACTS_EXAMPLE}
market.csv:
{MARKET_EXAMPLE}
- period is a calendar quarter (2026Q1); for a fiscal year not ending in December, the
  calendar quarter most of the fiscal quarter falls in. Cash, debt, MW and EH/s are at the
  quarter's end. 2025H1 and FY2025 are accepted too.
- source is one or more ids from sources.yaml, separated by ";".
- status is reported (company release or filing), secondary (press coverage), derived
  (computed from other figures; the note says how) or estimate.
- Charges are positive amounts (depreciation, impairment, interest, tax); gains and losses
  are signed (a loss is negative), as is net income.
- A figure you do not have is left out, never entered as 0.
"""
