"""``reportgen init``: a project that validates as written, never over existing files; a
folder with no reportgen.yaml names init; a project's templates override the built-in ones
file by file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reportgen import cli, config, inputs, keys, render, scaffold
from reportgen.formatting import PLAIN
from reportgen.inputs import FACT_COLUMNS, MARKET_COLUMNS

ROOT = Path(__file__).resolve().parent.parent


def run(*argv: str) -> int:
    return cli.main(list(argv))


def uncommented_example(text: str, key: str, empty: str) -> str:
    """A skeleton YAML file with its commented example in place of the empty value, as its
    comment tells the user to do."""
    head, example = text.split(f"# {scaffold.EXAMPLE_NOTE.format(empty=empty)}\n")
    assert head.endswith(f"\n{key}: {empty}\n")
    return head.removesuffix(f"{empty}\n") + "\n" + "".join(
        line.removeprefix("#").removeprefix(" ") + "\n" for line in example.splitlines())


def test_skeleton_validates_and_has_nothing_to_build(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert run("init") == 0
    created = capsys.readouterr().out
    assert "reportgen.yaml, inputs/ (6 files), outputs/" in created
    assert {p.name for p in (tmp_path / "inputs").iterdir()} == {
        "companies.yaml", "sources.yaml", "facts.csv", "market.csv", "stakeholders.yaml",
        "README.txt"}
    assert (tmp_path / "outputs").is_dir() and not any((tmp_path / "outputs").iterdir())
    assert (tmp_path / "inputs" / "facts.csv").read_text() == ",".join(FACT_COLUMNS) + "\n"
    assert (tmp_path / "inputs" / "market.csv").read_text() == ",".join(MARKET_COLUMNS) + "\n"

    assert run("validate") == 0
    assert "inputs OK: 0 miners" in capsys.readouterr().out

    assert run("build") == 2  # a usage condition: nothing was written, and the line says why
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and "nothing to build yet" in error, error
    assert not any((tmp_path / "outputs").iterdir())


def test_examples_in_the_skeleton_are_valid(tmp_path, monkeypatch, capsys):
    """Uncommenting every example (and adding README.txt's CSV rows) gives valid inputs."""
    monkeypatch.chdir(tmp_path)
    assert run("init") == 0
    inputs = tmp_path / "inputs"
    for name, key, empty in (("companies.yaml", "companies", "[]"),
                             ("sources.yaml", "sources", "{}"),
                             ("stakeholders.yaml", "recipients", "[]")):
        path = inputs / name
        path.write_text(uncommented_example(path.read_text(), key, empty))
    readme = (inputs / "README.txt").read_text()
    assert scaffold.FACTS_EXAMPLE in readme and scaffold.MARKET_EXAMPLE in readme
    with (inputs / "facts.csv").open("a") as handle:
        handle.write(scaffold.FACTS_EXAMPLE)
    with (inputs / "market.csv").open("a") as handle:
        handle.write(scaffold.MARKET_EXAMPLE)
    capsys.readouterr()
    assert run("validate") == 0, capsys.readouterr().err
    assert "1 miner, 3 figures, 3 sources, 2 recipients" in capsys.readouterr().out


def test_init_refuses_to_overwrite_and_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "reportgen.yaml").write_text("period: 2025Q4\n")
    (tmp_path / "inputs").mkdir()
    (tmp_path / "inputs" / "facts.csv").write_text("mine\n")
    for argv in (["init"], ["init", "--sample"], ["init", "."]):
        assert run(*argv) == 2
        error = capsys.readouterr().err
        assert "reportgen.yaml, inputs/facts.csv; nothing was written" in error, error
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == [
        "inputs", "inputs/facts.csv", "reportgen.yaml"]
    assert (tmp_path / "reportgen.yaml").read_text() == "period: 2025Q4\n"
    assert (tmp_path / "inputs" / "facts.csv").read_text() == "mine\n"


def test_init_into_a_new_folder_leaves_the_working_folder_alone(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert run("init", "clients/acme") == 0
    assert "next (in " in capsys.readouterr().out
    assert Path.cwd() == tmp_path and os.listdir(tmp_path) == ["clients"]
    assert (tmp_path / "clients" / "acme" / "reportgen.yaml").is_file()
    assert run("--config", "clients/acme/reportgen.yaml", "validate") == 0


@pytest.mark.parametrize("command", ["build", "validate", "send", "status"])
def test_a_folder_without_settings_names_init(tmp_path, monkeypatch, capsys, command):
    monkeypatch.chdir(tmp_path)
    assert run(command) == 2
    error = capsys.readouterr().err
    assert f"no reportgen.yaml in {tmp_path}: run 'reportgen init'" in error, error
    assert os.listdir(tmp_path) == []


def test_template_lookup_order_theme_project_builtin(tmp_path):
    for folder, names in (("theme", ("partials/kpis.html",)),
                          ("templates", ("partials/kpis.html", "partials/legend.html"))):
        for name in names:
            (tmp_path / folder / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / folder / name).write_text(f"{folder}:{name}")
    (tmp_path / "reportgen.yaml").write_text("theme:\n  templates: theme\n")
    settings = config.load(tmp_path / "reportgen.yaml")
    assert settings.template_dirs == (tmp_path / "theme", tmp_path / "templates",
                                      config.packaged("templates"))
    env = render.environment(settings.template_dirs, PLAIN)
    assert env.get_template("partials/kpis.html").render() == "theme:partials/kpis.html"
    assert env.get_template("partials/legend.html").render() == "templates:partials/legend.html"
    assert env.loader.get_source(env, "partials/table.html")[1] == str(
        config.packaged("templates") / "partials" / "table.html")
    # The PDF may read from each of them; none counts twice for this very repository.
    roots = [root.resolve() for root in settings.resource_roots]
    assert config.packaged("templates").resolve() in roots
    assert config.load(ROOT / "reportgen.yaml").template_dirs == (ROOT / "templates",)


def test_environment_key_covers_the_builtin_templates(tmp_path):
    """The key hashes the templates a build uses, the packaged ones included."""
    import shutil

    builtin = shutil.copytree(config.packaged("templates"), tmp_path / "builtin")
    project = tmp_path / "project"
    project.mkdir()
    settings = config.Config(project, project / "inputs", project / "outputs",
                             builtin_templates=builtin)
    before = keys.environment_key(settings)
    (builtin / "partials" / "legend.html").write_text("changed")
    assert keys.environment_key(settings) != before


# --- init and prices.csv -------------------------------------------------------------------

PRICES_HEADER = "ticker,date,close,shares_outstanding,market_cap,source,status,note\n"


def test_init_names_the_prices_header_it_reads():
    assert scaffold.PRICE_HEADER == ",".join(inputs.PRICE_CSV_COLUMNS) + "\n" == (
        PRICES_HEADER)
    assert "prices.csv         optional, dated share prices: " + PRICES_HEADER.strip() in (
        scaffold.README)


def test_init_sample_ships_prices(tmp_path):
    made = scaffold.init(tmp_path / "new", sample=True)
    assert "inputs/prices.csv" in made.files
    assert (tmp_path / "new" / "inputs" / "prices.csv").read_bytes() == (
        config.packaged("sample") / "prices.csv").read_bytes()
