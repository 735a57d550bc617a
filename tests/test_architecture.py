"""The package layout's one rule: dependencies point towards the core, never away from it.

    cli.py, __main__.py         the entry point: may import anything
    reportgen/filing/           may import the core and reportgen/sec/
    reportgen/sec/, reportgen/mail/   may import the core only
    the core (every other module in reportgen/, and reportgen/validate/)   imports none of the three

Every module's imports are read with ``ast`` (function-level ones too, since the CLI and
several modules import lazily), so a violation is found without importing anything.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "reportgen"
ENTRY_POINTS = {"reportgen.cli", "reportgen.__main__"}
CORE = "core"
ALLOWED = {
    CORE: {CORE},
    "sec": {CORE, "sec"},
    "filing": {CORE, "sec", "filing"},
    "mail": {CORE, "mail"},
}
"""Layer → the layers its modules may import."""
CORE_PACKAGES = {"validate"}
"""Folders that are part of the core: split for size, bound by the core's rule."""


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> str:
    """``reportgen.sec.periods`` → ``sec``; ``reportgen.view`` (or ``reportgen``) → core."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in ALLOWED else CORE


def imported(tree: ast.AST, module: str, is_package: bool) -> Iterator[tuple[int, str]]:
    """(line, imported module) for every ``reportgen`` import anywhere in the tree.

    ``from reportgen import sec`` and ``from reportgen.sec import periods`` both name
    ``reportgen.sec...``: the name imported from a package may be a module, so it is kept.
    """
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolved against the importing module's package
                package = module.split(".")
                package = package if is_package else package[:-1]
                package = package[:len(package) - node.level + 1]
                base = ".".join([*package, *([base] if base else [])])
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"


def offenders(source: str, module: str, is_package: bool = False) -> list[str]:
    """``module:line imports target`` for each import its layer may not make."""
    if module in ENTRY_POINTS:
        return []
    own = layer(module)
    found = []
    for line, target in imported(ast.parse(source), module, is_package):
        if target.split(".")[0] != "reportgen":
            continue
        if layer(target) not in ALLOWED[own]:
            found.append(f"{module}:{line} imports {target} ({own} may import "
                         f"{', '.join(sorted(ALLOWED[own]))})")
    return found


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_every_subpackage_has_a_rule() -> None:
    """A new folder under reportgen/ must be given a place in ALLOWED, not fall into the core."""
    folders = {path.parent.name for path in modules() if path.parent != PACKAGE}
    ruled = set(ALLOWED) - {CORE} | CORE_PACKAGES
    assert folders <= ruled, f"no layer rule for {folders - ruled}"
    assert folders == {"sec", "filing", "mail", "validate"}


def test_dependencies_point_towards_the_core() -> None:
    found = [line for path in modules()
             for line in offenders(path.read_text(encoding="utf-8"), module_name(path),
                                   path.name == "__init__.py")]
    assert not found, "imports against the layering:\n  " + "\n  ".join(found)


def test_the_entry_point_is_the_one_place_that_sees_every_package() -> None:
    """The checker reads function-level imports: cli.py's lazy ones are found (and allowed)."""
    tree = ast.parse((PACKAGE / "cli.py").read_text(encoding="utf-8"))
    targets = {layer(target) for _, target in imported(tree, "reportgen.cli", False)}
    assert {"sec", "filing", "mail"} <= targets


@pytest.mark.parametrize(("module", "source", "bad"), [
    ("reportgen.validate", "def f():\n    from reportgen.filing import importer\n", True),
    ("reportgen.view", "import reportgen.mail.compose\n", True),
    ("reportgen.build", "from reportgen import sec\n", True),
    ("reportgen.sec.merge", "from reportgen.mail import ledger\n", True),
    ("reportgen.sec.merge", "from reportgen.filing import importer\n", True),
    ("reportgen.sec.merge", "from ..filing import importer\n", True),
    ("reportgen.mail.deliver", "from reportgen.sec.periods import Figure\n", True),
    ("reportgen.mail.deliver", "from reportgen.filing.update import update\n", True),
    ("reportgen.filing.update", "from reportgen.mail import deliver\n", True),
    ("reportgen.filing.update", "from reportgen.sec import merge\n", False),
    ("reportgen.mail.deliver", "from reportgen import build\nfrom . import ledger\n", False),
    ("reportgen.sec", "from .periods import extract\n", False),
    ("reportgen.view", "import json\nfrom reportgen import formatting\n", False),
])
def test_the_checker_names_each_kind_of_offender(module: str, source: str, bad: bool) -> None:
    assert bool(offenders(source, module, is_package=module == "reportgen.sec")) is bad
