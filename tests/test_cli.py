"""The command line (reportgen/cli.py): what each command prints, its exit code, and the next
step it names. Each test works on real files in a copy of the project, through
``reportgen.cli.main``.

- ``reportgen metrics`` lists the vocabulary, the guidance forms, the market metrics and each
  miner's declared revenue lines, without importing pandas, WeasyPrint or matplotlib;
- "did you mean" for a miner on the command line and a ticker a stakeholder follows (typos in
  facts.csv and companies.yaml are rows of the tables in tests/test_validate_rows.py and
  tests/test_validate_yaml_files.py);
- a ``--period`` no miner has a figure up to, or more than one quarter after the latest figure,
  exits 2 naming the latest period present, before any folder is made;
- a miner listed twice names both entries' lines; counts are singular or plural as they
  should be; ``status`` and ``send`` say which ledger they read;
- an error is one line with no traceback unless ``--debug`` asks for it.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from reportgen import __version__, cli, inputs
from reportgen.mail.ledger import open_ledger
from tests.conftest import CONTROL, fails, replace_line

COMPANIES = "inputs/companies.yaml"
FACTS = "inputs/facts.csv"


def run(project: Path, *args: str) -> int:
    return cli.main(["--config", str(project / "reportgen.yaml"), *args])


def output(project: Path, capsys: pytest.CaptureFixture[str], *args: str,
           code: int = 0) -> tuple[str, str]:
    assert run(project, *args) == code
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return captured.out, captured.err


def problems(err: str) -> list[str]:
    """The problem lines of an input error (after its "N problems in the inputs:" line)."""
    return [line.strip() for line in err.splitlines()[1:] if line.strip()]


def line_of(path: Path, text: str, after: int = 0) -> int:
    lines = path.read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if n > after and text in line)


# --- reportgen metrics -----------------------------------------------------------------------


def test_metrics_lists_vocabulary_guidance_market_and_every_miners_lines(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    companies = project / COMPANIES
    text = companies.read_text()  # HUT declares its lines; a miner that declares none is shown
    start = text.index("  revenue_lines:\n    revenue_compute")
    companies.write_text(text[:start] + "  revenue_lines: {}\n"
                         + text[text.index("  contracts:", start):])
    out, _ = output(project, capsys, "metrics")
    rows = out.splitlines()
    # the vocabulary as aligned columns: name, unit, sign rule, meaning
    header = next(line for line in rows if line.split() == ["metric", "unit", "sign", "meaning"])
    revenue = next(line for line in rows if line.split()[:1] == ["revenue_total"])
    impairment = next(line for line in rows if line.split()[:1] == ["impairment"])
    net_income = next(line for line in rows if line.split()[:1] == ["net_income"])
    for line in (revenue, impairment, net_income):
        assert line.index("USD_M") == header.index("unit")
    assert revenue.rstrip().endswith("Revenue") and ">= 0" in revenue
    assert "expense, >= 0" in impairment and "Impairment" in impairment
    assert "a loss < 0" in net_income and "Net income" in net_income
    assert "charges are positive expense amounts" in out
    # guidance forms, market metrics
    for form in ("guide_<metric>", "guide_<metric>_low", "guide_<metric>_high",
                 "consensus_<metric>"):
        assert any(line.split()[:1] == [form] for line in rows), form
    assert re.search(r"^\s+hashprice\s+USD/PH/day\s+>= 0\s+Hashprice$", out, re.M)
    assert re.search(r"^\s+hashcost_median\s+USD/PH/day", out, re.M)
    # each miner's revenue lines with business and label; HUT declares none
    assert re.search(r"^\s+WULF\s+revenue_mining\s+mining\s+Bitcoin mining$", out, re.M)
    assert re.search(r"^\s+revenue_hpc_lease\s+ai_hpc\s+HPC lease$", out, re.M)
    assert re.search(r"^\s+revenue_colocation\s+ai_hpc\s+Colocation$", out, re.M)
    assert re.search(r"^\s+HUT\s+\(none declared\)$", out, re.M)
    assert "vocabulary.py" not in out


def test_metrics_for_one_miner_lists_only_its_lines(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    replace_line(project / COMPANIES, "    revenue_colocation: {business: ai_hpc, label: "
                 "Colocation}\n", "    revenue_colocation: ai_hpc\n")
    out, _ = output(project, capsys, "metrics", "--miner", "CORZ")
    assert "revenue_total" in out  # the vocabulary is always there
    assert re.search(r"^\s+CORZ\s+revenue_self_mining\s+mining\s+Self-mining$", out, re.M)
    assert re.search(r"^\s+revenue_colocation\s+ai_hpc\s+Colocation revenue \(no label "
                     r"declared\)$", out, re.M)
    assert "revenue_hpc_lease" not in out and "WULF" not in out


def test_metrics_with_an_unknown_miner_is_a_usage_error_with_did_you_mean(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, err = output(project, capsys, "metrics", "--miner", "CROZ", code=2)
    assert err.strip() == ("reportgen: unknown miner CROZ (did you mean 'CORZ'?); "
                           "inputs/companies.yaml has WULF, CORZ, IREN, CIFR, HUT")


def test_metrics_still_lists_the_vocabulary_when_companies_yaml_is_broken(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    replace_line(project / COMPANIES, "  name: Hut 8 Corp.\n",
                 "  name: Hut 8 Corp.\n  name: Hut 8 Mining\n")
    out, _ = output(project, capsys, "metrics")
    assert "revenue_total" in out and "hashprice" in out
    assert "inputs/companies.yaml has problems; 'reportgen validate' lists them" in out


@pytest.mark.parametrize("command", [["--help"], ["metrics"], ["metrics", "--miner", "WULF"],
                                     ["validate"]])
def test_help_metrics_and_validate_import_no_heavy_library(project: Path,
                                                           command: list[str]) -> None:
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "reportgen", *command],
                          cwd=project, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines()
                if line.startswith("import time:")}
    heavy = {"weasyprint", "matplotlib", "openpyxl"}
    if command[0] != "validate":  # validate computes the derived quarters with pandas
        heavy |= {"pandas", "numpy", "jinja2", "reportgen.build"}
    assert not heavy & imported


# --- messages name the command and say "did you mean" ----------------------------------------


def test_an_unknown_miner_on_the_command_line_gets_did_you_mean(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, err = output(project, capsys, "build", "--miner", "WLUF", "--miner", "HUT", code=2)
    assert err.strip() == ("reportgen: unknown miner WLUF (did you mean 'WULF'?); "
                           "inputs/companies.yaml has WULF, CORZ, IREN, CIFR, HUT")
    assert not (project / "outputs").exists()


def test_an_unknown_ticker_a_stakeholder_follows_gets_did_you_mean(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    replace_line(project / "inputs" / "stakeholders.yaml", "follows: [WULF, CIFR, IREN]",
                 "follows: [WULF, CIRF, IREN]")
    _, err = output(project, capsys, "validate", code=1)
    assert "recipients[1].follows: unknown ticker CIRF (did you mean 'CIFR'?)" in err


# --- periods that make no sense are usage errors ---------------------------------------------


@pytest.mark.parametrize(("command", "period", "expected"), [
    pytest.param("build", "2030Q1", "period 2030Q1: more than one quarter after the latest "
                 "period present in the inputs, 2026Q1; choose 2026Q2 or earlier", id="far"),
    pytest.param("build", "2026Q3", "period 2026Q3: more than one quarter after the latest "
                 "period present in the inputs, 2026Q1; choose 2026Q2 or earlier",
                 id="two-after"),
    pytest.param("build", "2019Q1", "period 2019Q1: no miner has a figure up to it; the inputs "
                 "run from 2023Q1 to 2026Q1, the latest period present", id="before"),
    pytest.param("send", "2030Q1", "period 2030Q1: more than one quarter after the latest "
                 "period present in the inputs, 2026Q1", id="send"),
])
def test_a_period_without_figures_is_a_usage_error_naming_the_latest(
        project: Path, capsys: pytest.CaptureFixture[str], command: str, period: str,
        expected: str) -> None:
    _, err = output(project, capsys, command, "--period", period, code=2)
    assert err.startswith(f"reportgen: {expected}"), err
    assert not (project / "outputs").exists()  # refused before any folder is made


def test_guidance_alone_does_not_make_a_quarter_present(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with (project / FACTS).open("a") as handle:
        handle.write("WULF,2026Q3,guide_revenue_total,60,USD_M,wulf_424b5,secondary,\n")
    _, err = output(project, capsys, "build", "--period", "2026Q4", code=2)
    assert "latest period present in the inputs, 2026Q1" in err


def test_the_quarter_after_the_latest_is_accepted(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # send checks the period like build, then finds no briefings for it: not a usage error
    _, err = output(project, capsys, "send", "--dry-run", "--period", "2026Q2", code=1)
    assert "outputs/2026Q2/WULF.pdf: missing" in err and "run 'reportgen build' first" in err


# --- a miner twice, plurals, the ledger, the version -----------------------------------------


def test_a_miner_listed_twice_names_the_lines_of_both_entries(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = project / COMPANIES
    first = line_of(path, "- ticker: HUT")
    with path.open("a") as handle:
        handle.write("- ticker: HUT\n  name: Hut 8 Corp. (again)\n")
    second = line_of(path, "- ticker: HUT", first)
    _, err = output(project, capsys, "validate", code=1)
    assert problems(err) == [f"{COMPANIES}:{second}: HUT: companies[5]: ticker HUT appears "
                             f"twice, in companies[4] at line {first} and here at line "
                             f"{second}; keep one entry"], err


def only_wulf(project: Path) -> None:
    """Cut the sample to one miner followed by one recipient."""
    companies = project / COMPANIES
    text = companies.read_text()
    companies.write_text(text[:text.index("- ticker: CORZ")])
    facts = project / FACTS
    facts.write_text("".join(line for line in facts.read_text().splitlines(keepends=True)
                             if line.startswith(("ticker,", "WULF,"))))
    prices = project / "inputs" / "prices.csv"
    prices.write_text("".join(line for line in prices.read_text().splitlines(keepends=True)
                              if line.startswith(("ticker,", "WULF,"))))
    (project / "inputs" / "stakeholders.yaml").write_text(
        "recipients:\n  - name: Desk\n    address: desk@example.com\n    follows: [WULF]\n")


def test_validate_counts_in_the_singular_and_the_plural(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, _ = output(project, capsys, "validate")
    assert re.fullmatch(r"inputs OK: 5 miners, \d+ figures, \d+ sources, 3 recipients\n", out)
    only_wulf(project)
    out, _ = output(project, capsys, "validate")
    assert re.fullmatch(r"inputs OK: 1 miner, \d+ figures, \d+ sources, 1 recipient\n", out), out


def test_status_says_which_ledger_it_read(project: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    replace_line(project / "reportgen.yaml", "# ledger: outputs/deliveries.sqlite3",
                 "ledger: outputs/deliveries-local.sqlite3")
    out, _ = output(project, capsys, "status")
    assert out.splitlines() == ["ledger: outputs/deliveries-local.sqlite3",
                                "no deliveries recorded yet"]
    with open_ledger(project / "outputs" / "deliveries-local.sqlite3"):
        pass
    out, _ = output(project, capsys, "status")
    assert out.splitlines() == ["ledger: outputs/deliveries-local.sqlite3",
                                "0 deliveries recorded"]


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == f"reportgen {__version__}\n"


# --- one line, or the traceback with --debug -----------------------------------------------

SOURCES = "inputs/sources.yaml"
def test_debug_shows_the_traceback_and_the_message(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    replace_line(project / SOURCES, "  hut_q1_26:\n", "  hut_q1_26:\n  hut_q1_26:\n")
    err = fails(project, capsys, "validate")
    assert "appears twice" in err
    assert cli.main(["--debug", "--config", str(project / "reportgen.yaml"), "validate"]) == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "InputError" in err
    assert "reportgen: 1 problem in the inputs:" in err


def test_an_unexpected_error_is_one_line_or_a_traceback_with_debug(
        project: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom\n\x1b[2Jsecond line")

    monkeypatch.setattr(inputs, "read_raw", broken)
    err = fails(project, capsys, "validate", code=cli.EXIT_INTERNAL)
    assert err == ("reportgen: internal error: RuntimeError: boom \\x1b[2Jsecond line "
                   "(reportgen --debug shows the traceback)\n")
    assert cli.main(["--debug", "--config", str(project / "reportgen.yaml"), "validate"]) == 3
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and ", in broken" in err
    assert "RuntimeError: boom" in err and "\\x1b[2Jsecond line" in err  # escaped there too
    assert not any(ch in err for ch in CONTROL)
    assert err.splitlines()[-1].startswith("reportgen: internal error: RuntimeError: boom")
