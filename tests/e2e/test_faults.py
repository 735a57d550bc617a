"""Faults: a build killed mid-way, a full disk, an unwritable outputs/, renders over their
bounds, an SMTP server going away mid-batch, and header injection through every header."""

from __future__ import annotations

import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from pypdf import PdfReader

from reportgen import cli
from reportgen.errors import ReportgenError
from reportgen.mail.deliver import SendOptions, send
from reportgen.mail.ledger import open_ledger
from tests.conftest import replace_line
from tests.e2e.test_concurrency import worker_pids
from tests.e2e.test_deliver import Recorder, _config, _free_port

RUN = [sys.executable, "-m", "reportgen"]


def _complete(out: Path) -> None:
    """Every file with its final name is whole: PDFs parse, HTML is closed, no temp files."""
    assert not list(out.glob(".*.tmp")), "a temporary file was left in outputs/"
    for pdf in out.glob("*.pdf"):
        assert len(PdfReader(pdf).pages) >= 1, pdf
    for html in out.glob("*.html"):
        assert html.read_text().rstrip().endswith("</html>"), html


def test_a_worker_killed_mid_build_leaves_only_complete_files(project: Path) -> None:
    config = str(project / "reportgen.yaml")
    build = subprocess.Popen([*RUN, "--config", config, "build", "--jobs", "2", "--force"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    workers: list[int] = []
    while time.monotonic() < deadline and len(workers) < 1:
        time.sleep(0.2)
        workers = worker_pids(build.pid)
    assert workers, "no worker process appeared"
    time.sleep(1.5)  # let it get into a render
    os.kill(workers[0], signal.SIGKILL)
    _, err = build.communicate(timeout=120)
    assert build.returncode == 1
    assert "worker process died" in err
    out = project / "outputs" / "2026Q1"
    if out.exists():
        _complete(out)
    assert cli.main(["--config", config, "build"]) == 0
    _complete(out)
    assert len(list(out.glob("*.pdf"))) == 6


def test_a_full_disk_is_a_clear_error_and_leaves_no_partial_file(project: Path) -> None:
    def small_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))

    result = subprocess.run([*RUN, "--config", str(project / "reportgen.yaml"), "build",
                             "--miner", "HUT", "--jobs", "1"], preexec_fn=small_files,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "cannot write" in result.stderr
    assert "File too large" in result.stderr or "disk full" in result.stderr
    assert "Traceback" not in result.stderr
    out = project / "outputs" / "2026Q1"
    _complete(out)
    assert not (out / "HUT.pdf").exists()


def test_an_unwritable_outputs_folder_is_a_clear_error(project: Path, capsys) -> None:
    (project / "outputs").write_text("a file where the folder should be")
    assert cli.main(["--config", str(project / "reportgen.yaml"), "build", "--miner",
                     "HUT"]) == 1
    assert "cannot write" in capsys.readouterr().err


ENDLESS = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
"""10¹⁰ empty template iterations: hours of work on any machine, and no memory at all."""


def test_a_render_over_its_time_bound_is_stopped(project: Path) -> None:
    """Every render of this build is endless (the shared base template loops), so the build
    can only end by the time bound, whatever the machine's load; the one wall-clock check is
    the subprocess timeout, a hundred times the bound. Which render is stopped first (a miner
    or the sector overview) is up to the scheduler; the message names it."""
    yaml_file = project / "reportgen.yaml"
    replace_line(yaml_file, "render_seconds: 300", "render_seconds: 1")
    slow = project / "my_templates"
    slow.mkdir()
    base = (project / "templates" / "base.html").read_text()
    (slow / "base.html").write_text(base.replace("<body>", "<body>" + ENDLESS, 1))
    replace_line(yaml_file, "theme:\n", "theme:\n  templates: my_templates\n")
    result = subprocess.run([*RUN, "--config", str(yaml_file), "build", "--miner", "WULF",
                             "--jobs", "2"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    assert re.search(r"(WULF|sector): a render took longer than limits\.render_seconds "
                     r"\(1 s\) and was stopped", result.stderr), result.stderr
    assert "Traceback" not in result.stderr
    out = project / "outputs" / "2026Q1"
    assert not (out / "WULF.pdf").exists() and not (out / "manifest.json").exists()
    assert not list(out.glob(".staging-*")), "the stopped build left its staging folder"


def _stubborn(pid_file: str, seconds: float) -> None:
    """A job no alarm or polite signal can stop: every blockable signal blocked, then a long
    sleep in C. Only SIGKILL from the parent ends it."""
    signal.pthread_sigmask(signal.SIG_BLOCK, set(signal.Signals) - {signal.SIGKILL,
                                                                       signal.SIGSTOP})
    Path(pid_file).write_text(str(os.getpid()))
    time.sleep(seconds)


def test_a_render_that_ignores_every_signal_is_killed_by_the_build(project: Path,
                                                                   tmp_path: Path) -> None:
    from reportgen import build, config, workers

    yaml_file = project / "reportgen.yaml"
    replace_line(yaml_file, "render_seconds: 300", "render_seconds: 1")
    settings = config.load(yaml_file)
    shared = workers.Shared(settings, build.load_dataset(settings), tmp_path, build.build_time())
    pid_file = tmp_path / "worker.pid"
    started = time.monotonic()
    with pytest.raises(workers.RenderTimeout, match=r"^stubborn: a render took longer than "
                                                    r"limits\.render_seconds \(1 s\)"), \
            workers.WorkerPool(shared, 1) as pool:
        list(pool.run([("stubborn", _stubborn, (str(pid_file), 3600))]))
    assert time.monotonic() - started < 300, "stopped, but only long after its bound"
    worker = int(pid_file.read_text())
    assert not Path(f"/proc/{worker}").exists(), "the stopped worker is still there"


def test_a_render_over_its_memory_bound_is_stopped(project: Path) -> None:
    yaml_file = project / "reportgen.yaml"
    replace_line(yaml_file, "render_memory_mb: 3000", "render_memory_mb: 60")
    result = subprocess.run([*RUN, "--config", str(yaml_file), "build", "--miner", "HUT"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "needed more than limits.render_memory_mb (60 MB)" in result.stderr
    _complete(project / "outputs" / "2026Q1")


# --- mail ------------------------------------------------------------------------------------


class GoesAwayAfterOne(Recorder):
    """Accepts one message, then answers every MAIL FROM with 421 (closing down)."""

    async def handle_MAIL(self, server, session, envelope, address, options):
        if self.messages:
            return "421 4.3.2 Service shutting down"
        envelope.mail_from = address
        return "250 OK"


@pytest.fixture
def built(project: Path, sample: Path) -> Path:
    shutil.copytree(sample, project / "outputs" / "2026Q1")
    return project


def test_a_server_going_away_mid_batch_leaves_the_ledger_exact(built: Path) -> None:
    from aiosmtpd.controller import Controller

    first, port = GoesAwayAfterOne(), _free_port()
    controller = Controller(first, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        config = _config(built, port, retries=1)
        report = send(config, SendOptions())
    finally:
        controller.stop()
    assert report.count("sent") == 1 and report.count("failed") == 2
    with open_ledger(config.ledger_file) as ledger:
        states = sorted(row.state for row in ledger.rows("2026Q1"))
    assert states == ["failed", "failed", "sent"]

    second, port = Recorder(), _free_port()
    controller = Controller(second, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        again = send(replace(config, smtp=replace(config.smtp, port=port)), SendOptions())
    finally:
        controller.stop()
    assert again.count("sent") == 2 and again.count("skipped") == 1
    delivered = {rcpts[0] for rcpts, _ in first.messages + second.messages}
    assert len(delivered) == 3 and len(first.messages) + len(second.messages) == 3


def test_header_injection_through_the_sender_and_preview_address_is_refused(built: Path):
    config = _config(built, _free_port())
    bad_sender = replace(config, smtp=replace(config.smtp, sender="x <a@example.com>\r\nBcc: "
                                                                  "victim@example.net"))
    with pytest.raises(ReportgenError, match="line break"):
        send(bad_sender, SendOptions(dry_run=True))
    with pytest.raises(ReportgenError, match="--to"):
        send(config, SendOptions(dry_run=True, to="a@example.com\r\nBcc: v@example.net"))
    assert not (built / "outputs" / "2026Q1" / "outbox").exists()


def test_odd_but_valid_addresses_are_delivered(built: Path) -> None:
    from aiosmtpd.controller import Controller

    file = built / "inputs" / "stakeholders.yaml"
    replace_line(file, "address: desk@example.com", "address: o'brien+briefings@example.co.uk")
    replace_line(file, "name: Mining analyst", "name: 'Zoë Ng, CFA'")
    handler, port = Recorder(), _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        report = send(_config(built, port), SendOptions())
    finally:
        controller.stop()
    assert report.ok
    received = {rcpts[0]: message for rcpts, message in handler.messages}
    assert "o'brien+briefings@example.co.uk" in received
    analyst = received["mining.analyst@example.com"]
    assert analyst["To"].addresses[0].display_name == "Zoë Ng, CFA"
