"""E-mail delivery against a real SMTP server (aiosmtpd on 127.0.0.1), parsed back on arrival."""

from __future__ import annotations

import csv
import email
import html as html_module
import re
import shutil
import socket
import sqlite3
import ssl
import subprocess
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from reportgen import cli, formatting
from reportgen import config as config_module
from reportgen.errors import ReportgenError
from reportgen.mail.deliver import SendOptions, prepare, send
from reportgen.mail.ledger import open_ledger
from reportgen.mail.smtp import SmtpSession
from tests.conftest import EPOCH, replace_line

RECIPIENTS = {"desk@example.com", "mining.analyst@example.com", "ir.watch@example.com"}


class Recorder:
    """Accepts everything and keeps what arrived; subclasses misbehave on purpose."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          options: list[str]) -> str:
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.original_content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


class BusyOnce(Recorder):
    def __init__(self) -> None:
        super().__init__()
        self.refused = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refused == 0:
            self.refused += 1
            return "451 4.3.0 Try again later"
        return await super().handle_DATA(server, session, envelope)


class RejectsAnalyst(Recorder):
    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          options: list[str]) -> str:
        if address == "mining.analyst@example.com":
            return "550 5.1.1 No such user"
        return await super().handle_RCPT(server, session, envelope, address, options)


class DropsAfterData(Recorder):
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await super().handle_DATA(server, session, envelope)
        server.transport.close()
        return "250 never seen by the client"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(request: pytest.FixtureRequest) -> Iterator[tuple[Recorder, int]]:
    handler = getattr(request, "param", Recorder)()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture
def built(project: Path, sample: Path) -> Path:
    """A project copy holding the sample build (same inputs, so the briefings are current)."""
    shutil.copytree(sample, project / "outputs" / "2026Q1")
    return project


def set_status(facts: Path, ticker: str, status: str) -> None:
    """Give every row of one miner in ``facts.csv`` this status (csv-aware: notes hold commas)."""
    with facts.open(newline="") as handle:
        rows = list(csv.reader(handle))
    column = rows[0].index("status")
    changed = [[*row[:column], status, *row[column + 1:]] if row[0] == ticker else row
               for row in rows]
    assert changed != rows, f"no {ticker} rows to change in {facts}"
    with facts.open("w", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(changed)


def _section(body: str, ticker: str, start: str, end: str) -> str:
    """One miner's part of a message body: from its heading to the next heading (or the end)."""
    head = body.index(f"({ticker})")
    stop = body.find(end, head)
    return body[body.rindex(start, 0, head):stop if stop >= 0 else len(body)]


def _config(project: Path, port: int, **smtp: Any) -> config_module.Config:
    loaded = config_module.load(project / "reportgen.yaml")
    settings = replace(loaded.smtp, **{"host": "127.0.0.1", "port": port, "security": "none",
                                       "backoff_s": 0.01, "rate_per_minute": 60000.0,
                                       "timeout_s": 5.0, **smtp})
    return replace(loaded, smtp=settings)


def test_each_recipient_gets_one_message_with_both_bodies_and_the_pdfs(built, smtp_server):
    handler, port = smtp_server
    report = send(_config(built, port), SendOptions())
    assert report.ok and report.count("sent") == 3
    assert {rcpts[0] for rcpts, _ in handler.messages} == RECIPIENTS
    out = built / "outputs" / "2026Q1"
    analyst = next(m for rcpts, m in handler.messages if rcpts == ["mining.analyst@example.com"])
    assert analyst["Subject"] == "Miner briefings 2026Q1: WULF, CIFR, IREN + sector overview"
    assert analyst["To"] == "Mining analyst <mining.analyst@example.com>"
    text = analyst.get_body(("plain",)).get_content()
    html = analyst.get_body(("html",)).get_content()
    for body in (text, html):
        assert "61.8%" in body and "+116.5% QoQ" in body
        assert "overtook mining revenue this quarter" in body
        assert "IREN has not reported 2026Q1" in body
    assert 'width="600"' in html and "style=" in html
    attachments = {part.get_filename(): part.get_content() for part in
                   analyst.iter_attachments()}
    assert set(attachments) == {"WULF.pdf", "CIFR.pdf", "IREN.pdf", "sector.pdf"}
    for name, data in attachments.items():
        assert data == (out / name).read_bytes()


def test_a_second_send_delivers_nothing_new(built, smtp_server):
    handler, port = smtp_server
    config = _config(built, port)
    send(config, SendOptions())
    again = send(config, SendOptions())
    assert again.count("skipped") == 3 and again.count("sent") == 0
    assert len(handler.messages) == 3
    resent = send(config, SendOptions(resend=True))
    assert resent.count("sent") == 3 and len(handler.messages) == 6


def test_message_id_is_the_same_for_the_same_content(built, smtp_server):
    handler, port = smtp_server
    config = _config(built, port)
    send(config, SendOptions())
    send(config, SendOptions(resend=True))
    ids = [m["Message-ID"] for _, m in handler.messages]
    assert ids[:3] == ids[3:] and len(set(ids[:3])) == 3


@pytest.mark.parametrize("smtp_server", [BusyOnce], indirect=True)
def test_a_temporary_refusal_is_retried_and_delivered_once(built, smtp_server):
    handler, port = smtp_server
    report = send(_config(built, port), SendOptions(only=("WULF",)))
    assert report.ok and report.count("sent") == 3
    assert handler.refused == 1 and len(handler.messages) == 3
    with open_ledger(_config(built, port).ledger_file) as ledger:
        attempts = sorted(row.attempts for row in ledger.rows("2026Q1"))
    assert attempts == [1, 1, 2]


@pytest.mark.parametrize("smtp_server", [RejectsAnalyst], indirect=True)
def test_a_rejected_recipient_fails_alone_and_exits_1(built, smtp_server, capsys):
    handler, port = smtp_server
    config = _config(built, port)
    report = send(config, SendOptions())
    assert not report.ok and report.count("failed") == 1 and report.count("sent") == 2
    assert {rcpts[0] for rcpts, _ in handler.messages} == RECIPIENTS - {
        "mining.analyst@example.com"}
    with open_ledger(config.ledger_file) as ledger:
        states = {row.recipient: (row.state, row.reply) for row in ledger.rows()}
    assert states["mining.analyst@example.com"][0] == "failed"
    assert "550" in states["mining.analyst@example.com"][1]
    again = send(config, SendOptions())
    assert again.count("skipped") == 2 and again.count("failed") == 1
    assert len(handler.messages) == 2


@pytest.mark.parametrize("smtp_server", [DropsAfterData], indirect=True)
def test_a_connection_lost_after_data_is_unknown_and_not_resent(built, smtp_server):
    handler, port = smtp_server
    config = _config(built, port)
    report = send(config, SendOptions(only=("WULF",)))
    assert report.count("unknown") == 3 and not report.ok
    arrived = len(handler.messages)
    again = send(config, SendOptions(only=("WULF",)))
    assert again.count("skipped") == 3 and len(handler.messages) == arrived


def test_cli_send_and_status(built, smtp_server, capsys):
    _, port = smtp_server
    yaml_file = built / "reportgen.yaml"
    replace_line(yaml_file, "  host: localhost\n  port: 25\n  security: starttls",
                 f"  host: 127.0.0.1\n  port: {port}\n  security: none")
    assert cli.main(["--config", str(yaml_file), "send"]) == 0
    assert cli.main(["--config", str(yaml_file), "send"]) == 0
    out = capsys.readouterr().out
    assert "3 sent" in out and "3 skipped" in out and "--resend" in out
    assert cli.main(["--config", str(yaml_file), "status", "--period", "2026Q1"]) == 0
    status = capsys.readouterr().out
    assert status.count("sent") >= 3 and "desk@example.com" in status


def test_dry_run_writes_eml_files_and_connects_to_nothing(built):
    config = _config(built, _free_port())  # nothing listens there
    report = send(config, SendOptions(dry_run=True))
    assert report.count("written") == 3
    outbox = built / "outputs" / "2026Q1" / "outbox"
    parsed = email.message_from_bytes((outbox / "ir.watch@example.com.eml").read_bytes(),
                                      policy=policy.default)
    assert parsed["Subject"] == "Miner briefings 2026Q1: WULF"
    assert [p.get_content_type() for p in parsed.walk()] == [
        "multipart/mixed", "multipart/alternative", "text/plain", "text/html",
        "application/pdf"]
    assert not config.ledger_file.exists()


def _eml(path: Path) -> tuple[str, str]:
    """The text part and the HTML part of a written .eml file."""
    parsed = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    return (parsed.get_body(("plain",)).get_content(),
            parsed.get_body(("html",)).get_content())


FIGURE = re.compile(r"[−+]?\$?\d[\d,.]*(?:[MB]\b|%| MW\b)")
"""A money amount, a percentage or a capacity as the summaries print them (not 2026Q1)."""


def test_summary_figures_carry_their_marks_and_an_all_estimates_miner_says_so(project,
                                                                              monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    set_status(project / "inputs" / "facts.csv", "WULF", "estimate")
    yaml_file = str(project / "reportgen.yaml")
    assert cli.main(["--config", yaml_file, "build"]) == 0
    assert cli.main(["--config", yaml_file, "send", "--dry-run"]) == 0
    outbox = project / "outputs" / "2026Q1" / "outbox"
    text, html = _eml(outbox / "mining.analyst@example.com.eml")
    lead = "All figures for WULF in this summary are estimates, not reported figures."
    legend = ("Marks: S secondary (press coverage of a release, or a machine-written page), "
              "D derived from other figures, E estimate; unmarked figures come from the "
              "company's release or filing, or are computed here")

    wulf, cifr = _section(text, "WULF", "== ", "\n== "), _section(text, "CIFR", "== ", "\n== ")
    assert lead in wulf and "[S]" not in wulf and "[D]" not in wulf
    figures, sentences = (block.strip().splitlines() for block in wulf.split("\n\n")[-2:])
    table = [line for line in figures
             if line.startswith(("Revenue", "AI/HPC revenue", "AI/HPC share", "Net income"))]
    assert len(table) == 4 and all("[E]" in line for line in table)
    assert "$34.0M [E]" in table[0] and "$34.0M [E] for 2026Q1, −5.0% [E] QoQ" in sentences[0]
    unmarked = [(line, m.group()) for line in sentences for m in FIGURE.finditer(line)
                if not line[m.end():].startswith(" [E]")]
    assert len(sentences) == 3 and not unmarked
    assert "$34.8M [S]" in cifr and "$114.3M [S]" in cifr and "estimates" not in cifr
    missing = [line for line in cifr.split("\n\n")[-2].splitlines()
               if line.startswith("AI/HPC")]
    assert len(missing) == 2 and all(formatting.NOT_DISCLOSED in line and "[" not in line
                                     for line in missing)
    assert legend in text and f"{formatting.NOT_DISCLOSED}: not in the inputs." in text

    wulf, cifr = _section(html, "WULF", "<h2", "<h2"), _section(html, "CIFR", "<h2", "<h2")
    assert lead in html_module.unescape(wulf) and ">S</sup>" not in wulf
    assert len(re.findall(r"\$34\.0M<sup[^>]*>E</sup>", wulf)) == 2  # key figure and sentence
    assert re.search(r"−\$427\.6M<sup[^>]*>E</sup>", wulf)
    assert re.search(r"\$34\.8M<sup[^>]*>S</sup>", cifr) and "estimates" not in cifr
    assert not re.search(re.escape(formatting.NOT_DISCLOSED) + r"<sup", cifr)
    assert legend in re.sub(r"<sup[^>]*>(.)</sup>", r"\1", html_module.unescape(html))

    text, html = _eml(outbox / "ir.watch@example.com.eml")  # WULF alone: no figure missing
    for body in (text, re.sub(r"<sup[^>]*>(.)</sup>", r"\1", html_module.unescape(html))):
        assert lead in body and legend in body and "not in the inputs" not in body


def test_preview_goes_to_one_address_and_is_not_recorded(built, smtp_server):
    handler, port = smtp_server
    config = _config(built, port)
    report = send(config, SendOptions(to="preview@example.org"))
    assert report.count("sent") == 3
    assert {rcpts[0] for rcpts, _ in handler.messages} == {"preview@example.org"}
    assert all(m["To"] == "preview@example.org" for _, m in handler.messages)
    assert send(config, SendOptions()).count("sent") == 3


def test_stale_briefings_are_not_sent(built, smtp_server):
    handler, port = smtp_server
    replace_line(built / "inputs" / "facts.csv", "WULF,2026Q1,revenue_total,34,",
                 "WULF,2026Q1,revenue_total,34.5,")
    with pytest.raises(ReportgenError, match="not current") as error:
        send(_config(built, port), SendOptions())
    assert "WULF.pdf: built from other inputs" in str(error.value)
    assert "reportgen build" in str(error.value)
    assert handler.messages == []


def test_header_injection_in_data_is_refused_before_sending(built, smtp_server):
    handler, port = smtp_server
    replace_line(built / "inputs" / "stakeholders.yaml", "name: Portfolio desk",
                 'name: "Desk\\r\\nBcc: victim@example.net"')
    with pytest.raises(ReportgenError, match="name on one line"):
        send(_config(built, port), SendOptions())
    assert handler.messages == []


def test_stakeholder_problems_are_located(built):
    file = built / "inputs" / "stakeholders.yaml"
    replace_line(file, "address: desk@example.com", "address: not-an-address")
    replace_line(file, "follows: [WULF, CIFR, IREN]", "follows: [WULF, NOPE]")
    replace_line(file, "address: ir.watch@example.com", "address: mining.analyst@example.com")
    with pytest.raises(ReportgenError) as error:
        send(_config(built, _free_port()), SendOptions(dry_run=True))
    text = str(error.value)
    assert "inputs/stakeholders.yaml: recipients[0].address" in text
    assert "recipients[1].follows: unknown ticker NOPE" in text
    assert "recipients[2].address: mining.analyst@example.com is already recipients[1]" in text


# --- STARTTLS with AUTH -----------------------------------------------------------------


@pytest.fixture
def tls_files(tmp_path: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True)
    return cert, key


def test_starttls_with_auth(built, tls_files, monkeypatch):
    cert, key = tls_files
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        assert isinstance(auth_data, LoginPassword)
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret", handled=False)

    handler, port = Recorder(), _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, tls_context=server_tls,
                            require_starttls=True, authenticator=authenticator,
                            auth_require_tls=True)
    controller.start()
    try:
        monkeypatch.setenv("REPORTGEN_SMTP_PASSWORD", "s3cret")
        config = _config(built, port, security="starttls", user="reportgen")
        client_tls = ssl.create_default_context(cafile=str(cert))
        report = send(config, SendOptions(only=("WULF",)), session_factory=lambda: SmtpSession(
            config.smtp, "s3cret", tls_context=client_tls))
        assert report.count("sent") == 3
        assert logins == [(b"reportgen", b"s3cret")]
        assert len(handler.messages) == 3

        monkeypatch.setenv("REPORTGEN_SMTP_PASSWORD", "wrong")
        failed = send(config, SendOptions(only=("WULF",), resend=True),
                      session_factory=lambda: SmtpSession(config.smtp, "wrong",
                                                          tls_context=client_tls))
        assert failed.count("failed") == 3 and "refused the login" in failed.outcomes[0].reply
    finally:
        controller.stop()


def test_starttls_refuses_a_server_without_tls(built, smtp_server):
    handler, port = smtp_server
    config = _config(built, port, security="starttls", user="reportgen")
    report = send(config, SendOptions(only=("WULF",)),
                  session_factory=lambda: SmtpSession(config.smtp, "s3cret"))
    assert report.count("failed") == 3
    assert "does not offer STARTTLS" in report.outcomes[0].reply
    assert handler.messages == []


def test_two_sends_at_once_do_not_overlap(built, smtp_server):
    handler, port = smtp_server
    config = _config(built, port)
    with open_ledger(config.ledger_file), pytest.raises(ReportgenError, match="in use"):
        send(config, SendOptions())
    assert handler.messages == []


def test_a_run_that_died_mid_send_leaves_unknown_not_resent(built, smtp_server):
    handler, port = smtp_server
    config = _config(built, port)
    period, messages = prepare(config, SendOptions(), datetime.now(tz=UTC))
    with open_ledger(config.ledger_file) as ledger:
        first = messages[0]
        ledger.mark(period, first.recipient.address, first.content_hash, "pending",
                    first.message_id, first.subject)
    report = send(config, SendOptions())
    states = {o.recipient: o.state for o in report.outcomes}
    assert states[messages[0].recipient.address] == "skipped"
    assert len(handler.messages) == 2


def _states(ledger_file: Path) -> dict[str, str]:
    """recipient → state, read from the side (as another process would) without changing it."""
    connection = sqlite3.connect(f"file:{ledger_file}?mode=ro", uri=True)
    try:
        return dict(connection.execute("SELECT recipient, state FROM deliveries"))
    finally:
        connection.close()


@pytest.mark.parametrize("smtp_server", [BusyOnce], indirect=True)
def test_a_message_is_pending_only_while_the_server_may_have_it(built, smtp_server):
    """Never ``pending`` while waiting out the rate limit or a retry's backoff: killed there, the
    next run would take the message for ``unknown`` and not send it. Refused with a 4xx after
    its data, it waits for its retry as ``failed`` (retried by the next run if this one dies)."""
    handler, port = smtp_server
    # One message a second: slower than composing one (the sample's briefings are larger
    # now), so the two rate-limit waits happen however fast the machine is.
    config = _config(built, port, rate_per_minute=60.0, backoff_s=0.2)
    seen: list[dict[str, str]] = []

    def sleep(seconds: float) -> None:
        seen.append(_states(config.ledger_file))
        time.sleep(seconds)

    report = send(config, SendOptions(only=("WULF",)),
                  session_factory=lambda: SmtpSession(config.smtp, None, sleep=sleep))
    assert report.ok and report.count("sent") == 3 and handler.refused == 1
    assert len(seen) >= 3  # two rate-limit waits and one backoff
    assert not any("pending" in states.values() for states in seen), seen
    assert any(list(states.values()).count("failed") == 1 for states in seen), seen
    assert set(_states(config.ledger_file).values()) == {"sent"}


def _ledger_of_an_earlier_period(path: Path) -> None:
    """A real ledger of many pages: 200 deliveries of 2025Q4."""
    with open_ledger(path):
        pass
    connection = sqlite3.connect(path)
    with connection:
        connection.executemany("INSERT INTO deliveries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            ("2025Q4", f"reader{n}@example.com", f"{n:064x}", "sent",
             f"<{n}.2025Q4@example.com>", "Miner briefings 2025Q4: WULF " * 4, 1, "250 OK",
             "2026-01-05T09:00:00Z") for n in range(200)])
    connection.close()


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty"])
def test_a_damaged_or_empty_ledger_stops_the_run_and_sends_nothing(built, smtp_server, capsys,
                                                                   damage):
    """A partly truncated or garbage ledger is not a traceback, and a 0-byte file is not a new
    ledger (that would send everything again): one line naming the file, exit 1, nothing sent,
    the file left as it was."""
    handler, port = smtp_server
    yaml_file = built / "reportgen.yaml"
    replace_line(yaml_file, "  host: localhost\n  port: 25\n  security: starttls",
                 f"  host: 127.0.0.1\n  port: {port}\n  security: none")
    ledger = built / "outputs" / "deliveries.sqlite3"
    _ledger_of_an_earlier_period(ledger)
    whole = ledger.read_bytes()
    assert len(whole) > 8 * 4096
    ledger.write_bytes({"truncated": whole[:len(whole) // 2], "garbage": b"\x7fgarbage" * 4096,
                        "empty": b""}[damage])
    before = ledger.read_bytes()
    capsys.readouterr()
    for command in ("send", "status"):
        assert cli.main(["--config", str(yaml_file), command]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith(f"reportgen: {ledger} "), err
        assert ("is an empty file" if damage == "empty" else "is damaged") in err
        assert "restore it from a backup" in err and "sends every message again" in err
    assert handler.messages == []
    assert ledger.read_bytes() == before
