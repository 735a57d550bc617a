"""The PDF renderer may load data: URLs and project files only; anything else stops the build.
Templates run in the sandbox and are loaded only from regular files inside their folder."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from jinja2.sandbox import ImmutableSandboxedEnvironment

from reportgen import render
from reportgen.errors import RenderError
from reportgen.formatting import PLAIN
from tests.conftest import ROOT

WHEN = datetime(2026, 1, 1, tzinfo=UTC)
TEMPLATES = ROOT / "templates"


def test_templates_escape_data() -> None:
    env = render.environment(TEMPLATES, PLAIN)
    template = env.from_string("<p>{{ name }}</p>")
    assert template.render(name="<b>x</b>") == "<p>&lt;b&gt;x&lt;/b&gt;</p>"


def test_an_undefined_template_variable_is_an_error() -> None:
    env = render.environment(TEMPLATES, PLAIN)
    env.loader = None
    with pytest.raises(Exception, match="undefined"):
        env.from_string("{{ missing_value }}").render()


def test_every_template_runs_in_the_immutable_sandbox() -> None:
    env = render.environment(TEMPLATES, PLAIN)
    assert isinstance(env, ImmutableSandboxedEnvironment)
    items = [1]
    with pytest.raises(RenderError, match=r"sandbox.*'append'"):
        env.from_string("{{ items.append(2) }}").render(items=items)
    with pytest.raises(RenderError, match=r"sandbox.*'__class__'"):
        env.from_string("{{ ''.__class__.__mro__ }}").render()
    assert items == [1]


def _folder(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_a_sandbox_refusal_names_the_template_and_its_line(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {"page.html": "<p>{% include 'partials/evil.html' %}</p>",
                                "partials/evil.html": "ok\n{{ cycler.__init__.__globals__ }}"})
    with pytest.raises(RenderError) as caught:
        render.html(render.environment(folder, PLAIN), "page.html", {})
    message = str(caught.value)
    assert "'partials/evil.html'" in message and f"{folder / 'partials/evil.html'}:2" in message
    assert "sandbox" in message and "\n" not in message and caught.value.__cause__ is None


def _unsafe_entry(how: str, user: Path, builtin: Path, outside: Path) -> str:
    """Make ``user/partials/x.html`` (or another name) unsafe as ``how`` says; its name."""
    partials = user / "partials"
    partials.mkdir(parents=True)
    (outside / "secret.html").write_text("SECRET")
    if how == "a link outside":
        (partials / "x.html").symlink_to(outside / "secret.html")
    elif how == "a folder link outside":
        partials.rmdir()
        partials.symlink_to(outside, target_is_directory=True)
        (outside / "x.html").write_text("SECRET")
    elif how == "a link into the next folder":
        (partials / "x.html").symlink_to(builtin / "partials" / "x.html")
    elif how == "a broken link":
        (partials / "x.html").symlink_to(user / "gone.html")
    elif how == "a link loop":
        (partials / "x.html").symlink_to(partials / "y.html")
        (partials / "y.html").symlink_to(partials / "x.html")
    elif how == "a FIFO":
        os.mkfifo(partials / "x.html")
    elif how == "a folder":
        (partials / "x.html").mkdir()
    elif how == "too big":
        (partials / "x.html").write_text("x" * (render.MAX_TEMPLATE_BYTES + 1))
    elif how == "not UTF-8":
        (partials / "x.html").write_bytes(b"caf\xe9")
    elif how == "a name with ..":
        return "partials/../../" + outside.name + "/secret.html"
    return "partials/x.html"


REFUSALS = {
    "a link outside": "outside its folder", "a folder link outside": "outside its folder",
    "a link into the next folder": "outside its folder", "a broken link": "leads nowhere",
    "a link loop": "leads nowhere", "a FIFO": r"not a regular file \(a FIFO\)",
    "a folder": r"not a regular file \(a folder\)", "too big": "more than the 1,000,000",
    "not UTF-8": r"not UTF-8 text \(byte 3\)", "a name with ..": "leaves the template folder",
}


@pytest.mark.parametrize("how", REFUSALS)
def test_the_loader_refuses_what_is_not_a_regular_file_inside_its_folder(
        tmp_path: Path, how: str) -> None:
    user, outside = tmp_path / "user", tmp_path / "outside"
    outside.mkdir()
    builtin = _folder(tmp_path / "builtin", {"partials/x.html": "BUILT-IN",
                                             "page.html": "{% include 'partials/x.html' %}"})
    name = _unsafe_entry(how, user, builtin, outside)
    env = render.environment((user, builtin), PLAIN)
    with pytest.raises(render.TemplateRefused, match=REFUSALS[how]) as caught:
        env.get_template(name)  # refused: never the built-in one instead, never the secret
    assert str(caught.value).startswith(f"template {name!r} refused:")
    assert "SECRET" not in str(caught.value) and "\n" not in str(caught.value)
    if name == "partials/x.html":  # asked for by another template: that one is named too
        asked = re.escape(f"asked for by 'page.html' at {builtin / 'page.html'}:1")
        with pytest.raises(RenderError, match=asked):
            render.html(env, "page.html", {})


def test_a_link_inside_its_folder_is_loaded_and_so_is_the_rest(tmp_path: Path) -> None:
    """Allowed: a link resolving to a regular file in the same folder; the folder itself may be
    a link (the operator's config chose it)."""
    real = _folder(tmp_path / "real", {"partials/shared.html": "{{ n }} shared"})
    (real / "partials" / "x.html").symlink_to("shared.html")
    (tmp_path / "theme").symlink_to(real, target_is_directory=True)
    builtin = _folder(tmp_path / "builtin", {"page.html": "<p>{% include 'partials/x.html' %}</p>"})
    env = render.environment((tmp_path / "theme", builtin), PLAIN)
    assert render.html(env, "page.html", {"n": 3}) == "<p>3 shared</p>"
