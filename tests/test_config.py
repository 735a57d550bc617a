"""reportgen.yaml: every setting declared once in ``config.SETTINGS``; its default, its type
check (with file and line), unknown keys with a "did you mean", and the commented file
``reportgen init`` writes, all derived from that table."""

import re
from pathlib import Path

import pytest

from reportgen import config, scaffold
from reportgen.errors import InputError, UsageError
from reportgen.formatting import NumberStyle

KEYS = [setting.key for setting in config.SETTINGS]
WRONG_TYPE = {config.TEXT: "[a, b]", config.TEXT_OR_EMPTY: "{a: 1}", config.OPTIONAL_TEXT: "true",
              config.WHOLE: "1.5", config.NUMBER: "fast", config.NAMES: "{pdf: 1}",
              config.MINERS: "[[WULF]]", config.QUARTER: "[2026Q1]", config.FOLDER: "null",
              config.OPTIONAL_PATH: "[a]"}
"""A value of the wrong type for each kind of setting."""


def _yaml(key: str, value: str) -> str:
    """reportgen.yaml setting ``key`` (``section.name`` too) to ``value``, after a comment line."""
    section, _, name = key.rpartition(".")
    return (f"# settings\nperiod: latest\n{section}:\n  {name}: {value}\n" if section
            else f"# settings\n{key}: {value}\n")


def _problems(tmp_path: Path, text: str) -> list[str]:
    (tmp_path / "reportgen.yaml").write_text(text)
    with pytest.raises(InputError) as caught:
        config.load(tmp_path / "reportgen.yaml")
    return [str(problem) for problem in caught.value.problems]


def test_the_table_is_consistent():
    assert len(set(KEYS)) == len(KEYS)
    assert len({setting.attr for setting in config.SETTINGS}) == len(KEYS)
    sections = [setting.path[0] for setting in config.SETTINGS if len(setting.path) > 1]
    assert set(sections) == set(config.SECTIONS)
    for section in config.SECTIONS:  # each section's settings together: init writes it once
        first = sections.index(section)
        assert sections[first:first + sections.count(section)] == [section] * sections.count(
            section)
    for setting in config.SETTINGS:
        assert setting.doc.endswith(".") and "\n" not in setting.doc, setting.key
    # NumberStyle keeps its own defaults (formatting has no config): they must agree.
    assert config.Config(Path(), Path(), Path()).number_style == NumberStyle()


@pytest.mark.parametrize("key", KEYS)
def test_every_setting_defaults_to_its_table_default(tmp_path, key):
    (tmp_path / "reportgen.yaml").write_text("# nothing set\n")
    loaded = config.load(tmp_path / "reportgen.yaml")
    setting = next(s for s in config.SETTINGS if s.key == key)
    expected = setting.parse(setting.default, tmp_path.resolve())
    assert config._attribute(loaded, setting.attr) == expected
    bare = config.Config(tmp_path.resolve(), tmp_path / "inputs", tmp_path / "outputs")
    if setting.attr not in ("inputs_dir", "outputs_dir"):
        assert config._attribute(bare, setting.attr) == expected
    # Written out explicitly, the default reads back the same.
    (tmp_path / "reportgen.yaml").write_text(_yaml(key, scaffold._value(setting.default)))
    assert config.load(tmp_path / "reportgen.yaml") == loaded


@pytest.mark.parametrize("key", KEYS)
def test_a_value_of_the_wrong_type_is_named_with_file_and_line(tmp_path, key):
    setting = next(s for s in config.SETTINGS if s.key == key)
    problems = _problems(tmp_path, _yaml(key, WRONG_TYPE[setting.kind]))
    line = 4 if "." in key else 2
    assert problems == [f"{tmp_path / 'reportgen.yaml'}:{line}: {key}: expected "
                        f"{setting.kind.name}, got " + problems[0].split(", got ")[-1]], problems


@pytest.mark.parametrize(("key", "value", "message"), [
    ("period", "2026Q5", "expected a quarter like 2026Q1 or 'latest', got '2026Q5'"),
    ("formats", "[pdf, docx]", "expected some of pdf, html, got pdf, docx"),
    ("formats", "[]", "expected some of pdf, html, got none"),
    ("paper_size", "A5", "expected A4 or Letter, got 'A5'"),
    ("pdf_variant", "pdf/x", "expected pdf/a-3u, pdf/ua-1 or plain, got 'pdf/x'"),
    ("stale_after_quarters", "-1", "expected a whole number, 0 or more, got -1"),
    ("theme.accent_color", "red", "expected a colour like #1f4e79, got 'red'"),
    ("theme.font_family", "'x; } body {'", "expected a CSS font list such as"),
    ("theme.negative_numbers", "brackets", "expected minus or parentheses, got 'brackets'"),
    ("theme.decimal_mark", "';'", "expected '.' or ',', got ';'"),
    ("theme.currency_symbol", "'<b>'", "expected a short symbol such as $ or €, got '<b>'"),
    ("theme.logo", "logo.gif", "expected an .svg or .png file, got "),
    ("theme.templates", "nowhere", "no such folder "),
    ("sector.sort_by", "revenu", "expected one of ai_hpc_share, revenue, "),
    ("smtp.port", "0", "expected a port number, 1 to 65535, got 0"),
    ("smtp.security", "tls", "expected starttls, ssl or none, got 'tls'"),
    ("smtp.timeout_s", "0", "expected a number above 0, got 0.0"),
    ("smtp.rate_per_minute", "-5", "expected a number above 0, got -5.0"),
    ("smtp.retries", "-1", "expected a whole number, 0 or more, got -1"),
    ("smtp.backoff_s", "-1", "expected a number, 0 or more, got -1.0"),
    ("limits.render_seconds", "-1", "expected a whole number, 0 or more, got -1"),
])
def test_a_value_not_allowed_is_named_with_file_and_line(tmp_path, key, value, message):
    problems = _problems(tmp_path, _yaml(key, value))
    line = 4 if "." in key else 2
    assert len(problems) == 1 and problems[0].startswith(
        f"{tmp_path / 'reportgen.yaml'}:{line}: {key}: {message}"), problems


@pytest.mark.parametrize(("text", "message"), [
    ("paper_sise: A4\n", "1: paper_sise: unknown key 'paper_sise'; did you mean 'paper_size'?"),
    ("theme:\n  acent_color: '#000000'\n",
     "2: theme.acent_color: unknown key 'acent_color'; did you mean 'accent_color'?"),
    ("limits:\n  render_second: 1\n",
     "2: limits.render_second: unknown key 'render_second'; did you mean 'render_seconds'?"),
    ("smtp:\n  hots: x\n", "2: smtp.hots: unknown key 'hots'; did you mean 'host'?"),
    ("smtp:\n  password: secret\n", "2: smtp.password: passwords never go in a file"),
    ("zzz: 1\n", "1: zzz: unknown key 'zzz'; expected inputs, outputs, period"),
    ("theme: dark\n", "1: theme: expected a mapping of settings (firm_name, accent_color"),
])
def test_unknown_keys_say_did_you_mean(tmp_path, text, message):
    problems = _problems(tmp_path, text)
    assert len(problems) == 1 and problems[0].startswith(
        f"{tmp_path / 'reportgen.yaml'}:{message}"), problems


def test_every_problem_at_once_in_file_order(tmp_path):
    problems = _problems(tmp_path, "limits:\n  render_seconds: -1\npaper_size: A5\n"
                                   "smtp:\n  port: many\n")
    assert [problem.split(": ")[1] for problem in problems] == [
        "limits.render_seconds", "paper_size", "smtp.port"]


def test_command_line_overrides_are_checked_like_the_file(tmp_path):
    (tmp_path / "reportgen.yaml").write_text("# defaults\n")
    loaded = config.load(tmp_path / "reportgen.yaml")
    assert loaded.with_overrides(period="2025Q4", miners=None).period == "2025Q4"
    with pytest.raises(UsageError, match=r"command line: formats: expected some of pdf, html"):
        loaded.with_overrides(formats=("docx",))


def _preceding_comments(text: str, line: str) -> str:
    """The comment lines just above ``line`` in ``text``, joined without their '#'s."""
    lines = text.split("\n")
    index = lines.index(line)
    comments: list[str] = []
    while re.match(r"#( \S|  # )", lines[index - 1]):
        index -= 1
        comments.insert(0, re.sub(r"^#(  #)? ", "", lines[index]))
    return " ".join(comments)


@pytest.mark.parametrize("key", KEYS)
def test_init_writes_every_setting_with_its_doc_and_default(key):
    text = scaffold.settings_file()
    setting = next(s for s in config.SETTINGS if s.key == key)
    indent = "  " if "." in key else ""
    line = f"#{indent}{setting.path[-1]}: {scaffold._value(setting.default)}"
    assert line in text.split("\n"), line
    doc = _preceding_comments(text, line)
    assert doc.startswith(setting.doc.removesuffix(".")), (doc, setting.doc)
    assert all(value in doc for value in setting.allowed), doc
    if indent:
        section = text.split("\n").index(f"#{setting.path[0]}:")
        assert section < text.split("\n").index(line)


def test_init_settings_file_loads_back_to_the_defaults(tmp_path):
    text = scaffold.settings_file()
    assert all(len(line) <= 100 for line in text.split("\n"))
    (tmp_path / "reportgen.yaml").write_text(text)
    commented = config.load(tmp_path / "reportgen.yaml")
    (tmp_path / "reportgen.yaml").write_text(re.sub(r"^#(?=\w|  \w)", "", text, flags=re.M))
    uncommented = config.load(tmp_path / "reportgen.yaml")
    default = config.Config(tmp_path, tmp_path / "inputs", tmp_path / "outputs")
    assert commented == uncommented == default
