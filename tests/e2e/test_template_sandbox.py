"""A theme's templates are not trusted (SECURITY.md): through the real `build` and `send`
commands, a template that reaches for Python runs nothing, and a template file that leads
outside its folder (a link, a FIFO) is refused by name and read by no output."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from reportgen import cli
from tests.conftest import pdf_text, replace_line

MARK = "MARK"
"""Replaced by the absolute path of a file the payload would create if it ran."""

PAYLOADS = {
    "cycler globals": "{{ cycler.__init__.__globals__.os.popen('touch MARK').read() }}",
    "str subclasses": "{% for c in ''.__class__.__mro__[1].__subclasses__() "
                      "if c.__name__ == 'Popen' %}{{ c(['touch', 'MARK']).wait() }}{% endfor %}",
    "self globals": "{{ self.__init__.__globals__['__builtins__']['__import__']('os')"
                    ".system('touch MARK') }}",
    "lipsum globals": "{{ lipsum.__globals__['os'].popen('touch MARK').read() }}",
    "attr filter": "{{ (cycler|attr('__init__')|attr('__globals__'))['os']"
                   ".popen('touch MARK').read() }}",
    "namespace globals": "{{ namespace.__init__.__globals__['os'].popen('touch MARK').read() }}",
}


def _use_templates(project: Path, folder: str = "my_templates") -> Path:
    """Point the project's theme at a user template folder (created empty)."""
    replace_line(project / "reportgen.yaml", "theme:\n", f"theme:\n  templates: {folder}\n")
    (project / folder).mkdir(exist_ok=True)
    return project / folder


def _outputs(project: Path) -> list[Path]:
    outputs = project / "outputs"
    return sorted(p for p in outputs.rglob("*") if p.is_file()) if outputs.exists() else []


def _one_line_error(err: str, *names: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert all(name in lines[0] for name in names), lines[0]
    return lines[0]


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_a_user_template_that_reaches_for_python_runs_nothing(project: Path, tmp_path_factory,
                                                              payload: str, capfd) -> None:
    marker = tmp_path_factory.mktemp("marker") / "PWNED"
    partials = _use_templates(project) / "partials"
    partials.mkdir()
    (partials / "kpis.html").write_text(
        f'<div class="kpis">\n{payload.replace(MARK, str(marker))}\n</div>\n')
    yaml_file = str(project / "reportgen.yaml")
    code = cli.main(["--config", yaml_file, "build", "--miner", "WULF", "--format", "html"])
    err = capfd.readouterr().err
    assert not marker.exists(), "the template ran a command"
    assert code == 1
    _one_line_error(err, "partials/kpis.html", str(project / "my_templates"))
    assert _outputs(project) == []


@pytest.mark.parametrize("name", ["email/message.txt", "email/message.html"])
@pytest.mark.parametrize("payload", [PAYLOADS["cycler globals"], PAYLOADS["str subclasses"]],
                         ids=["cycler globals", "str subclasses"])
def test_an_email_template_that_reaches_for_python_runs_nothing(project: Path, sample: Path,
                                                                tmp_path_factory, name: str,
                                                                payload: str, capfd) -> None:
    shutil.copytree(sample, project / "outputs" / "2026Q1")  # current briefings to attach
    marker = tmp_path_factory.mktemp("marker") / "PWNED"
    folder = _use_templates(project)
    (folder / "email").mkdir()
    (folder / name).write_text(f"Briefings\n{payload.replace(MARK, str(marker))}\n")
    code = cli.main(["--config", str(project / "reportgen.yaml"), "send", "--dry-run"])
    err = capfd.readouterr().err
    assert not marker.exists(), "the e-mail template ran a command"
    assert code == 1
    _one_line_error(err, name, "sandbox")
    outbox = project / "outputs" / "2026Q1" / "outbox"
    assert not outbox.exists() or not any(outbox.iterdir())


SECRET = "SECRET-7f3a9c-do-not-publish"


@pytest.mark.parametrize("how", ["file link", "folder link", "link to a link"])
def test_a_template_linked_outside_its_folder_is_refused_and_never_read(
        project: Path, tmp_path_factory, how: str, capfd) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (elsewhere / "kpis.html").write_text(f"<p>{SECRET}</p>\n")
    folder = _use_templates(project)
    if how == "folder link":
        (folder / "partials").symlink_to(elsewhere, target_is_directory=True)
    else:
        (folder / "partials").mkdir()
        target = elsewhere / "kpis.html"
        if how == "link to a link":  # the first hop stays inside; the second leaves
            (folder / "partials" / "hop.html").symlink_to(target)
            target = folder / "partials" / "hop.html"
        (folder / "partials" / "kpis.html").symlink_to(target)
    code = cli.main(["--config", str(project / "reportgen.yaml"), "build", "--miner", "WULF"])
    captured = capfd.readouterr()
    assert code == 1
    line = _one_line_error(captured.err, "partials/kpis.html", "outside its folder")
    assert SECRET not in line and SECRET not in captured.out
    for path in _outputs(project):
        text = pdf_text(path) if path.suffix == ".pdf" else path.read_bytes().decode("latin-1")
        assert SECRET not in text, path
    assert not (project / "outputs" / "2026Q1" / "WULF.html").exists()


def test_a_fifo_in_the_template_folder_is_refused_not_skipped(project: Path, capfd) -> None:
    partials = _use_templates(project) / "partials"
    partials.mkdir()
    os.mkfifo(partials / "kpis.html")  # opening it for reading would wait for a writer
    code = cli.main(["--config", str(project / "reportgen.yaml"), "build", "--miner", "WULF",
                     "--format", "html"])
    assert code == 1
    _one_line_error(capfd.readouterr().err, "partials/kpis.html", "not a regular file (a FIFO)")
    assert _outputs(project) == []


def test_a_link_inside_the_template_folder_is_followed(project: Path) -> None:
    """Allowed: a link that resolves to a regular file inside the same folder."""
    partials = _use_templates(project) / "partials"
    partials.mkdir()
    (partials / "house_kpis.html").write_text(
        '<div class="kpis"><p class="house-kpis">{{ tiles | length }} house KPIs</p></div>\n')
    (partials / "kpis.html").symlink_to("house_kpis.html")  # relative, as a theme ships it
    args = ["--config", str(project / "reportgen.yaml"), "build", "--miner", "WULF",
            "--format", "html"]
    assert cli.main(args) == 0
    assert "6 house KPIs" in (project / "outputs" / "2026Q1" / "WULF.html").read_text()
