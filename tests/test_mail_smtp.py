"""One SMTP session (reportgen/mail/smtp.py) against a real aiosmtpd server on 127.0.0.1: the
bytes on the wire, the hooks around the end-of-data line, 4xx retried with doubling backoff,
5xx failed at once, and setup problems named before anything is sent."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from reportgen.config import SmtpSettings
from reportgen.errors import SmtpSetupError
from reportgen.mail.smtp import END_OF_DATA, SmtpSession, wire_bytes

SENDER = "Briefings <briefings@example.com>"


class Server:
    """Accepts mail and keeps it, or refuses the next RCPT TOs with the replies queued."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []
        self.rcpt_replies: list[str] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          options: list[str]) -> str:
        if self.rcpt_replies:
            return self.rcpt_replies.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos),
                              envelope.original_content))
        return "250 Message accepted for delivery"


@pytest.fixture(scope="module")
def running() -> Iterator[tuple[Server, int]]:
    handler = Server()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture
def server(running: tuple[Server, int]) -> tuple[Server, int]:
    handler, port = running
    handler.received.clear()
    handler.rcpt_replies.clear()
    return handler, port


def settings(port: int, **changes: Any) -> SmtpSettings:
    return SmtpSettings(**{"host": "127.0.0.1", "port": port, "security": "none",
                           "timeout_s": 5.0, "rate_per_minute": 60000.0, "retries": 2,
                           "backoff_s": 0.5, **changes})


def message(body: str = "Hello.\n") -> EmailMessage:
    made = EmailMessage()
    made["From"], made["To"], made["Subject"] = SENDER, "desk@example.com", "WULF 2026Q1"
    made.set_content(body)
    return made


def test_wire_bytes_end_every_line_in_crlf_and_double_leading_dots() -> None:
    data = wire_bytes(message("one\n.two\r\nthree\rfour"))
    assert data.endswith(b"\r\n" + END_OF_DATA)
    body = data.split(b"\r\n\r\n", 1)[1]
    assert body == b"one\r\n..two\r\nthree\r\nfour\r\n.\r\n"
    assert b"\n" not in data.replace(b"\r\n", b"")


def test_a_message_is_delivered_with_the_hooks_around_the_end_of_data(
        server: tuple[Server, int]) -> None:
    handler, port = server
    calls: list[str] = []
    with SmtpSession(settings(port), None) as session:
        result = session.send(message(), SENDER, "desk@example.com",
                              before_end=lambda: calls.append("before"),
                              after_end=lambda: calls.append("after"))
    assert (result.state, result.attempts) == ("sent", 1)
    assert result.reply.startswith("250 Message accepted")
    assert calls == ["before", "after"]
    [(sender, recipients, content)] = handler.received
    assert (sender, recipients) == ("briefings@example.com", ["desk@example.com"])
    assert b"Subject: WULF 2026Q1" in content


def test_a_temporary_refusal_is_retried_with_doubling_backoff(
        server: tuple[Server, int]) -> None:
    handler, port = server
    handler.rcpt_replies += ["451 4.3.0 Try again later"] * 3
    slept: list[float] = []
    with SmtpSession(settings(port, retries=3), None, sleep=slept.append) as session:
        result = session.send(message(), SENDER, "desk@example.com")
    assert (result.state, result.attempts) == ("sent", 4)
    # backoff 0.5 s, doubling (the other sleeps are the rate limit's, a millisecond here)
    assert [wait for wait in slept if wait > 0.1] == [0.5, 1.0, 2.0]
    assert len(handler.received) == 1


def test_a_temporary_refusal_past_the_retries_fails(server: tuple[Server, int]) -> None:
    handler, port = server
    handler.rcpt_replies += ["451 4.3.0 Try again later"] * 3
    with SmtpSession(settings(port, retries=1), None, sleep=lambda _: None) as session:
        result = session.send(message(), SENDER, "desk@example.com")
    assert (result.state, result.attempts) == ("failed", 2)
    assert result.reply == "451 4.3.0 Try again later (at RCPT TO)"


def test_a_permanent_refusal_fails_that_message_only(server: tuple[Server, int]) -> None:
    handler, port = server
    handler.rcpt_replies.append("550 5.1.1 No such user")
    with SmtpSession(settings(port), None, sleep=lambda _: None) as session:
        refused = session.send(message(), SENDER, "nobody@example.com")
        delivered = session.send(message(), SENDER, "desk@example.com")
    assert (refused.state, refused.attempts) == ("failed", 1)
    assert refused.reply == "550 5.1.1 No such user (at RCPT TO)"
    assert delivered.state == "sent"
    assert [recipients for _, recipients, _ in handler.received] == [["desk@example.com"]]


def test_starttls_is_required_when_asked_for(server: tuple[Server, int]) -> None:
    _, port = server
    with pytest.raises(SmtpSetupError, match="does not offer STARTTLS; refusing to continue "
                                             "in clear text"), \
            SmtpSession(settings(port, security="starttls"), None) as session:
        session.connect()


def test_a_user_without_a_password_is_a_setup_error(server: tuple[Server, int]) -> None:
    _, port = server
    with pytest.raises(SmtpSetupError) as raised, \
            SmtpSession(settings(port, user="briefings"), None) as session:
        session.connect()
    assert str(raised.value) == "smtp.user is set but $REPORTGEN_SMTP_PASSWORD is empty"


def test_nothing_listening_is_a_setup_error_naming_the_address() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    with pytest.raises(SmtpSetupError, match=f"cannot talk to 127.0.0.1:{port} \\(none\\)"), \
            SmtpSession(settings(port), None) as session:
        session.connect()
