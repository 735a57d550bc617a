"""``reportgen send`` killed with SIGKILL at many points of a batch, against a local SMTP server
(aiosmtpd on 127.0.0.1) that logs every message it receives by recipient and Message-ID.

After each kill, ``send`` runs again to completion; then every recipient has each message
exactly once, and the ledger says ``unknown`` only for a message the server did receive.

The killed runs are ``reportgen.cli.main(["--config", FILE, "send"])``, what ``python -m
reportgen`` runs, each in a child forked from a helper process that has already imported
reportgen (a fresh interpreter costs about a second per run; 40-odd runs would not fit the
suite's time budget). The helper reaps a child only when asked, so the test's pidfd on it never
names another process. The rate-limit test runs the real ``python -m reportgen`` command.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

from reportgen import config as config_module
from reportgen.mail.deliver import SendOptions, prepare
from tests.conftest import copy_project, replace_line
from tests.e2e.test_deliver import _free_port

PERIOD = "2026Q1"
MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*(<[^>\r\n]+>)", re.IGNORECASE | re.MULTILINE)


# --- a server that logs what it receives and can kill the client at a protocol event ---------


class Log:
    """Every message received (recipient, Message-ID), the connections open, and an optional
    kill of the sending process at the n-th MAIL FROM, RCPT TO or end of DATA."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str]] = []
        self.open = 0
        self.mail_seen = threading.Event()
        self.kill_at: tuple[str, int] | None = None
        self.victim: int | None = None  # a pidfd
        self._events: Counter[str] = Counter()

    def reset(self, kill_at: tuple[str, int] | None = None) -> None:
        self.received, self.kill_at, self.victim = [], kill_at, None
        self._events.clear()
        self.mail_seen.clear()

    def _event(self, name: str) -> None:
        self._events[name] += 1
        if self.kill_at == (name, self._events[name]) and self.victim is not None:
            _kill(self.victim)

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str,
                          options: list[str]) -> str:
        self.mail_seen.set()
        self._event("MAIL")
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          options: list[str]) -> str:
        self._event("RCPT")
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        head = envelope.original_content.split(b"\r\n\r\n", 1)[0]
        found = MESSAGE_ID.search(head)
        message_id = found.group(1).decode() if found else "(none)"
        self.received += [(rcpt, message_id) for rcpt in envelope.rcpt_tos]
        self._event("DATA")  # the server has the message; the client has no reply yet
        return "250 Message accepted for delivery"


class CountingSMTP(SMTP):
    def connection_made(self, transport: Any) -> None:
        self.event_handler.open += 1
        super().connection_made(transport)

    def connection_lost(self, error: BaseException | None) -> None:
        super().connection_lost(error)
        self.event_handler.open -= 1


class LoggingController(Controller):
    def factory(self) -> SMTP:
        return CountingSMTP(self.handler, **self.SMTP_kwargs)


def _kill(pidfd: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # it had finished already
        signal.pidfd_send_signal(pidfd, signal.SIGKILL)


def _quiet(log: Log, timeout: float = 20.0) -> None:
    """Wait until the server has closed every connection, so what it received is final."""
    deadline = time.monotonic() + timeout
    while log.open and time.monotonic() < deadline:
        time.sleep(0.01)
    assert log.open == 0, "the server still has a connection open"


# --- a helper that forks one child per ``reportgen send`` --------------------------------------

HELPER = r"""
import json, os, sys, traceback
import reportgen.cli, reportgen.mail.deliver  # what a send needs, imported once
from reportgen.cli import main

child = None
for line in sys.stdin:
    request = json.loads(line)
    if request["do"] == "run":
        sys.stdout.flush(); sys.stderr.flush()
        child = os.fork()
        if child == 0:
            code = 70
            try:
                out = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                os.dup2(out, 1); os.dup2(out, 2); os.close(out)
                os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
                code = main(request["argv"])
            except SystemExit as stop:
                code = stop.code if isinstance(stop.code, int) else 1
            except BaseException:
                traceback.print_exc()
            finally:
                sys.stdout.flush(); sys.stderr.flush()
                os._exit(code)
        print(child, flush=True)
    else:  # "wait": reap the child and say how it ended
        _, status = os.waitpid(child, 0)
        print(os.waitstatus_to_exitcode(status), flush=True)
"""


class Helper:
    def __init__(self, cwd: Path) -> None:
        self._process = subprocess.Popen([sys.executable, "-c", HELPER], cwd=cwd,
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         text=True)

    def _ask(self, **request: Any) -> int:
        assert self._process.stdin and self._process.stdout
        self._process.stdin.write(json.dumps(request) + "\n")
        self._process.stdin.flush()
        answer = self._process.stdout.readline()
        assert answer, "the helper process died"
        return int(answer)

    def start(self, config: Path, log: Path) -> int:
        """Start ``reportgen --config CONFIG send``; a pidfd for the child, valid until wait."""
        pid = self._ask(do="run", argv=["--config", str(config), "send"], log=str(log))
        return os.pidfd_open(pid)

    def wait(self, pidfd: int) -> int:
        """The child's exit code (negative: killed by that signal)."""
        try:
            return self._ask(do="wait")
        finally:
            os.close(pidfd)

    def close(self) -> None:
        if self._process.stdin:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


# --- the project: built once, one config and one ledger per case -------------------------------


@pytest.fixture(scope="module")
def site(sample: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("kill"))
    shutil.copytree(sample, root / "outputs" / PERIOD)
    (root / "ledgers").mkdir()
    return root


def _write_config(root: Path, name: str, port: int, rate: float, ledger: str) -> Path:
    """A copy of the project's config sending to 127.0.0.1:port at ``rate`` per minute."""
    path = root / name
    shutil.copy(root / "reportgen.yaml", path)
    replace_line(path, "  host: localhost\n  port: 25\n  security: starttls",
                 f"  host: 127.0.0.1\n  port: {port}\n  security: none")
    replace_line(path, "rate_per_minute: 60", f"rate_per_minute: {rate}")
    replace_line(path, "timeout_s: 30", "timeout_s: 10")
    replace_line(path, "backoff_s: 2", "backoff_s: 0.05")
    with path.open("a") as handle:
        handle.write(f"ledger: {ledger}\n")
    return path


@pytest.fixture(scope="module")
def expected(site: Path) -> set[tuple[str, str]]:
    """(recipient, Message-ID) of every message in the batch."""
    config = config_module.load(site / "reportgen.yaml")
    _, messages = prepare(config, SendOptions(), datetime.now(tz=UTC))
    assert len(messages) == 3
    return {(m.recipient.address, m.message_id) for m in messages}


def _ledger(path: Path) -> dict[tuple[str, str], str]:
    """(recipient, Message-ID) → state, read without changing anything."""
    if not path.exists():
        return {}
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {(recipient, message_id): state for recipient, message_id, state in
                connection.execute("SELECT recipient, message_id, state FROM deliveries")}
    finally:
        connection.close()


# --- the cases ------------------------------------------------------------------------------

RATE = 150.0  # one message every 0.4 s: the batch of three lasts about a second
SPAN = 1.0
TIMED = [round(i * SPAN / 12, 3) for i in range(12)]
"""Seconds after the server sees the first MAIL FROM: during transfers and rate-limit waits."""
EVENTS = [(event, n) for n in (1, 2, 3) for event in ("MAIL", "RCPT", "DATA")]
"""At the server's n-th MAIL FROM, RCPT TO (the message is not deliverable yet) or end of DATA
(the server has it, the client has no reply)."""


@dataclass(frozen=True)
class Case:
    name: str
    after_start: float | None = None
    after_mail: float | None = None
    at_event: tuple[str, int] | None = None


CASES = ([Case("during start-up", after_start=0.2)]
         + [Case(f"{delay:.2f}s after the first MAIL FROM", after_mail=delay)
            for delay in TIMED]
         + [Case(f"at {event} #{n}", at_event=(event, n)) for event, n in EVENTS])


@dataclass
class Lane:
    """One server, one helper; runs its cases one after another."""

    root: Path
    log: Log = field(default_factory=Log)

    def run(self, index: int, case: Case, expected: set[tuple[str, str]]) -> dict[str, Any]:
        ledger = f"ledgers/case-{index:02d}.sqlite3"
        killed_config = _write_config(self.root, f"case-{index:02d}.yaml", self.port, RATE,
                                      ledger)
        finish_config = _write_config(self.root, f"case-{index:02d}-finish.yaml", self.port,
                                      60000.0, ledger)
        killed_log, finish_log = (self.root / f"case-{index:02d}{suffix}.log"
                                  for suffix in ("", "-finish"))
        self.log.reset(case.at_event)
        pidfd = self.helper.start(killed_config, killed_log)
        self.log.victim = pidfd  # long before the run reaches the server (it composes first)
        if case.after_start is not None:
            time.sleep(case.after_start)
            _kill(pidfd)
        elif case.after_mail is not None:
            assert self.log.mail_seen.wait(60), "the run never reached the server"
            time.sleep(case.after_mail)
            _kill(pidfd)
        killed = self.helper.wait(pidfd)
        _quiet(self.log)
        first = list(self.log.received)
        self.log.reset()

        pidfd = self.helper.start(finish_config, finish_log)
        finished = self.helper.wait(pidfd)
        _quiet(self.log)
        output = finish_log.read_text()
        assert finished == 0 and "Traceback" not in output, f"{case.name}: {output}"
        received = Counter(first + self.log.received)
        states = _ledger(self.root / ledger)
        assert set(states) == expected, f"{case.name}: ledger rows {states}"
        for message, state in states.items():
            assert state in ("sent", "unknown"), f"{case.name}: {message} {state}"
            assert received[message] == 1, (f"{case.name}: {message} is {state} and the server "
                                            f"received it {received[message]} times")
        assert set(received) == expected, f"{case.name}: unexpected messages {received}"
        return {"case": case, "killed": killed, "states": states}

    def __enter__(self) -> Lane:
        self.port = _free_port()
        self.controller = LoggingController(self.log, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        self.helper = Helper(self.root)
        return self

    def __exit__(self, *_: object) -> None:
        self.helper.close()
        self.controller.stop()


@pytest.fixture
def lanes(site: Path) -> Iterator[list[Lane]]:
    with Lane(site) as one, Lane(site) as two:
        yield [one, two]


def test_send_killed_at_22_points_of_a_batch_delivers_each_message_once(lanes, expected):
    assert len(CASES) >= 20
    order = sorted(range(len(CASES)), key=lambda i: (i % 2, i))  # each lane a spread of cases

    def run_lane(lane: Lane, indexes: list[int]) -> list[dict[str, Any]]:
        return [lane.run(i, CASES[i], expected) for i in indexes]

    with ThreadPoolExecutor(len(lanes)) as pool:
        futures = [pool.submit(run_lane, lane, order[k::len(lanes)])
                   for k, lane in enumerate(lanes)]
        results = [result for future in futures for result in future.result()]

    assert sum(r["killed"] == -signal.SIGKILL for r in results) >= 20
    by_name = {r["case"].name: r for r in results}
    for event, n in EVENTS:
        states = by_name[f"at {event} #{n}"]["states"]
        # Killed at the end of DATA, the server had the message: 'unknown' (and received once).
        # Killed at MAIL FROM or RCPT TO, it could not have it: the next run sent it.
        assert (sum(state == "unknown" for state in states.values())
                == (1 if event == "DATA" else 0)), (event, n, states)
    assert set(by_name["during start-up"]["states"].values()) == {"sent"}


# --- killed while waiting out the rate limit: the real command --------------------------------


def test_send_killed_while_waiting_out_the_rate_limit_is_completed_by_the_next_send(site,
                                                                                   expected):
    log = Log()
    port = _free_port()
    controller = LoggingController(log, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        ledger = "ledgers/rate-wait.sqlite3"
        slow = _write_config(site, "rate-wait.yaml", port, 1.0, ledger)  # 60 s between messages
        run = subprocess.Popen([sys.executable, "-m", "reportgen", "--config", str(slow),
                                "send"], cwd=site, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
        try:
            deadline = time.monotonic() + 60
            while not log.received and time.monotonic() < deadline and run.poll() is None:
                time.sleep(0.02)
            assert len(log.received) == 1, "the first message did not arrive"
            time.sleep(1.0)  # recorded as sent, now waiting 60 s before the second
            assert run.poll() is None
            run.send_signal(signal.SIGKILL)
        finally:
            run.kill()
            run.communicate(timeout=30)
        _quiet(log)
        states = _ledger(site / ledger)
        assert list(states.values()) == ["sent"], states  # the waiting message has no row
        first = list(log.received)

        log.reset()
        fast = _write_config(site, "rate-wait-finish.yaml", port, 60000.0, ledger)
        again = subprocess.run([sys.executable, "-m", "reportgen", "--config", str(fast),
                                "send"], cwd=site, capture_output=True, text=True, timeout=120)
        assert again.returncode == 0, again.stdout + again.stderr
        assert "2 sent, 1 skipped" in again.stdout
        _quiet(log)
    finally:
        controller.stop()
    assert Counter(first + log.received) == Counter(expected)
    assert set(_ledger(site / ledger).values()) == {"sent"}
