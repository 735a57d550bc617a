"""What a build prints: progress and a summary on a terminal, one line elsewhere, nothing but
errors with --quiet, and identical warnings from the renders once with a count."""

from __future__ import annotations

import io
import logging
import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reportgen import cli, workers
from tests.conftest import ROOT, replace_line


def _in_a_terminal(project: Path, *args: str, seconds: float = 180) -> tuple[int, str]:
    """Run ``python -m reportgen`` with a pseudo-terminal as its stdin, stdout and stderr, as
    in an interactive shell; returns the exit code and everything the terminal showed."""
    main, other = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "reportgen", "--config",
                                str(project / "reportgen.yaml"), *args],
                               stdin=other, stdout=other, stderr=other, cwd=project,
                               close_fds=True)
    os.close(other)
    shown = bytearray()
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([main], [], [], 1)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                data = os.read(main, 65536)
            except OSError:  # EIO: the process and its workers closed the terminal
                break
            if not data:
                break
            shown += data
        else:
            pytest.fail(f"the build did not finish in {seconds} s: {shown.decode()}")
        code = process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(main)
    return code, shown.decode("utf-8").replace("\r\n", "\n")


def _override_kpis_with_an_ignored_property(project: Path) -> None:
    """A user template whose CSS WeasyPrint ignores, with a warning, in every miner's PDF."""
    custom = project / "my_templates" / "partials"
    custom.mkdir(parents=True)
    kpis = (ROOT / "templates" / "partials" / "kpis.html").read_text()
    assert '<div class="kpis">' in kpis
    (custom / "kpis.html").write_text(
        kpis.replace('<div class="kpis">', '<div class="kpis" style="foo-bar: 1">', 1))
    replace_line(project / "reportgen.yaml", "theme:\n", "theme:\n  templates: my_templates\n")


def test_a_terminal_shows_each_output_a_summary_and_each_warning_once(project: Path) -> None:
    _override_kpis_with_an_ignored_property(project)
    code, shown = _in_a_terminal(project, "build", "--miner", "HUT", "--miner", "WULF",
                                 "--format", "pdf")
    assert code == 0, shown
    lines = shown.splitlines()
    for name in ("HUT", "WULF", "sector"):
        assert any(re.fullmatch(rf"  {name}\s+2026Q1, \d+ pages, \d+\.\ds", line)
                   for line in lines), (name, shown)
    # WeasyPrint warned in both miners' renders: printed once, counted, never by the workers.
    warned = [line for line in lines if "foo-bar" in line]
    assert warned == ["WARNING weasyprint: Ignored `foo-bar: 1` at 1:1, unknown property. (×2)"
                      ], shown
    summary = re.search(r"^  \d+ pages; slowest (HUT|WULF|sector) \d+\.\ds; archive: (.*)$",
                        shown, flags=re.MULTILINE)
    assert summary and Path(summary.group(2)) == project / "outputs" / "index.html", shown
    assert re.search(r"^2026Q1: rebuilt 2 miner briefings and the sector overview, 0 unchanged "
                     r"\(7 files written\) in .* in \d+\.\ds$", shown, flags=re.MULTILINE), shown

    # --quiet, even on a terminal: nothing at all when nothing failed.
    code, shown = _in_a_terminal(project, "--quiet", "build", "--miner", "HUT", "--format",
                                 "html")
    assert (code, shown) == (0, "")


def test_elsewhere_one_summary_line_and_quiet_prints_nothing(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Not a terminal (cron, a pipe, these tests): today's one line on stdout, nothing else."""
    config = str(project / "reportgen.yaml")
    assert cli.main(["--config", config, "build", "--miner", "HUT", "--format", "html"]) == 0
    out, err = capsys.readouterr()
    assert re.fullmatch(r"2026Q1: rebuilt 1 miner briefing and the sector overview, 0 unchanged "
                        r"\(5 files written\) in \S+ in \d+\.\ds\n", out), out
    assert err == ""
    for args in (["--quiet", "--config", config, "build", "--force", "--miner", "HUT",
                  "--format", "html"],
                 ["--config", config, "build", "--force", "--miner", "HUT", "--format",
                  "html", "-q"],
                 ["-q", "--config", config, "validate"]):
        assert cli.main(args) == 0
        assert capsys.readouterr() == ("", ""), args
    # Errors still print.
    assert cli.main(["--quiet", "--config", config, "build", "--miner", "NOPE"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "unknown miner NOPE" in err


def test_warnings_relayed_from_renders_are_counted_per_message() -> None:
    """fontTools warns once per subset font, so once per briefing: the same tally applies."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        with workers.WarningTally.installed():
            for ticker in ("WULF", "CORZ", "IREN"):
                workers.relay(workers.BriefingResult(
                    ticker, "2026Q1", "2026Q1", 1, 0.1, (), warnings=(
                        ("fontTools", "timestamp seems very low; regarding as unix timestamp"),
                        *((("fontTools", "glyph 7 missing"),) if ticker == "IREN" else ()))))
            logging.getLogger("reportgen.test").warning("not relayed: printed at once")
            assert stream.getvalue() == "WARNING reportgen.test: not relayed: printed at once\n"
    finally:
        root.removeHandler(handler)
    assert stream.getvalue().splitlines()[1:] == [
        "WARNING fontTools: timestamp seems very low; regarding as unix timestamp (×3)",
        "WARNING fontTools: IREN: glyph 7 missing"]
