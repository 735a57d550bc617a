"""One SMTP connection for a batch, with the failure rules the ledger depends on.

A 4xx reply is retried with doubling backoff up to ``retries`` times; a 5xx fails that message
only; a connection lost after the end-of-data line went out is ``unknown`` (the server may have
accepted it), never retried; lost before it (while waiting out the rate limit, at MAIL FROM,
RCPT TO, DATA or during the body), the server cannot have the message and it is retried.
Credentials are sent only over TLS, or when the operator chose ``security: none`` for a local
relay.

A message becomes deliverable only with its end-of-data line (CRLF.CRLF): until then the server
discards it if the connection ends. So the caller's ``before_end`` hook (the ledger's
``pending``) runs after the rate-limit wait, after MAIL FROM, RCPT TO, DATA and the body were
accepted, immediately before those three bytes; ``after_end`` right after them.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import parseaddr
from types import TracebackType

from reportgen.config import SmtpSettings
from reportgen.errors import SmtpSetupError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Result:
    state: str
    """``sent``, ``failed`` or ``unknown``."""
    reply: str
    attempts: int


class _Reply(Exception):
    def __init__(self, code: int, text: bytes | str, stage: str) -> None:
        self.code = code
        self.text = text.decode(errors="replace") if isinstance(text, bytes) else text
        super().__init__(f"{code} {self.text} (at {stage})")


END_OF_DATA = b".\r\n"
"""What follows the body's last CRLF to end the DATA phase: the server may deliver from here."""


def _nothing(*_: object) -> None:
    return None


def wire_bytes(message: EmailMessage) -> bytes:
    """The DATA payload: CRLF line ends, leading dots doubled, terminated by CRLF.CRLF."""
    data = message.as_bytes(policy=SMTP_POLICY)
    data = re.sub(rb"(?:\r\n|\n|\r(?!\n))", b"\r\n", data)
    data = re.sub(rb"(?m)^\.", b"..", data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + END_OF_DATA


def _login_once(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """Log in with the best mechanism both sides support, once: ``SMTP.login`` would retry a
    wrong password with every other mechanism, which some servers count against lockouts."""
    offered = smtp.esmtp_features.get("auth", "").upper().split()
    mechanism = next((m for m in ("CRAM-MD5", "PLAIN", "LOGIN") if m in offered), None)
    if mechanism is None:
        raise SmtpSetupError("the server offers no login mechanism reportgen supports "
                             f"(offered: {' '.join(offered) or 'none'})")
    smtp.user, smtp.password = user, password
    method = getattr(smtp, "auth_" + mechanism.lower().replace("-", "_"))
    smtp.auth(mechanism, method, initial_response_ok=True)


class SmtpSession:
    def __init__(self, settings: SmtpSettings, password: str | None,
                 sleep: Callable[[float], None] = time.sleep,
                 tls_context: ssl.SSLContext | None = None) -> None:
        self._settings = settings
        self._password = password
        self._sleep = sleep
        self._tls = tls_context or ssl.create_default_context()
        self._smtp: smtplib.SMTP | None = None
        self._last_sent: float | None = None
        self._in_data = False
        """Between DATA's 354 and the final reply: the connection can only be dropped, since a
        QUIT now would be taken as part of the message."""

    def __enter__(self) -> SmtpSession:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        if self._in_data:
            self._drop()
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None

    def connect(self) -> None:
        """Open the connection now, so setup problems surface before any message is marked."""
        if self._smtp is None:
            self._smtp = self._connect()

    def _connect(self) -> smtplib.SMTP:
        s = self._settings
        try:
            if s.security == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout_s,
                                                      context=self._tls)
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout_s)
            smtp.ehlo()
            if s.security == "starttls":
                if not smtp.has_extn("starttls"):
                    smtp.close()
                    raise SmtpSetupError(f"{s.host}:{s.port} does not offer STARTTLS; refusing "
                                         "to continue in clear text (security: starttls)")
                smtp.starttls(context=self._tls)
                smtp.ehlo()
            if s.user:
                if self._password is None:
                    smtp.close()
                    raise SmtpSetupError(f"smtp.user is set but ${s.password_env} is empty")
                _login_once(smtp, s.user, self._password)
        except smtplib.SMTPAuthenticationError as error:
            raise SmtpSetupError(f"{s.host}:{s.port} refused the login for {s.user}: "
                                 f"{error.smtp_code} {error.smtp_error!r}") from None
        except (OSError, smtplib.SMTPException) as error:
            raise SmtpSetupError(f"cannot talk to {s.host}:{s.port} ({s.security}): "
                                 f"{error}") from None
        return smtp

    def _pace(self) -> None:
        interval = 60.0 / self._settings.rate_per_minute
        if self._last_sent is not None:
            wait = interval - (time.monotonic() - self._last_sent)
            if wait > 0:
                self._sleep(wait)
        self._last_sent = time.monotonic()

    def send(self, message: EmailMessage, sender: str, recipient: str,
             before_end: Callable[[], None] = _nothing,
             after_end: Callable[[], None] = _nothing,
             refused: Callable[[str], None] = _nothing) -> Result:
        """Deliver one message to one envelope recipient, following the module's rules.

        ``before_end`` runs immediately before the end-of-data line of each attempt (if it
        raises, the connection is dropped, so the server discards the message); ``after_end``
        right after that line went out; ``refused(reply)`` when the server then refused the
        message with a 4xx that will be retried (it does not have the message)."""
        payload = wire_bytes(message)
        body = payload[:-len(END_OF_DATA)]
        envelope_from = parseaddr(sender)[1]
        attempts = 0
        while True:
            attempts += 1
            may_have_it = False
            try:
                if self._smtp is None:
                    self._smtp = self._connect()
                smtp = self._smtp
                self._pace()
                code, text = smtp.mail(envelope_from)
                if code != 250:
                    raise _Reply(code, text, "MAIL FROM")
                code, text = smtp.rcpt(recipient)
                if code not in (250, 251):
                    raise _Reply(code, text, "RCPT TO")
                code, text = smtp.docmd("DATA")
                if code != 354:
                    raise _Reply(code, text, "DATA")
                self._in_data = True
                smtp.send(body)
                try:
                    before_end()
                except BaseException:
                    self._drop()
                    raise
                may_have_it = True
                smtp.send(END_OF_DATA)
                after_end()
                code, text = smtp.getreply()
                self._in_data = False
                if code != 250:
                    raise _Reply(code, text, "end of data")
                return Result("sent", f"{code} {text.decode(errors='replace')}", attempts)
            except _Reply as reply:
                self._reset()
                if 400 <= reply.code < 500 and attempts <= self._settings.retries:
                    delay = self._settings.backoff_s * 2 ** (attempts - 1)
                    if may_have_it:
                        refused(f"{reply}; retrying in {delay:.1f}s")
                    log.info("temporary failure for %s (%s); retrying in %.1fs", recipient,
                             reply, delay)
                    self._sleep(delay)
                    continue
                return Result("failed", str(reply), attempts)
            except SmtpSetupError as error:  # reconnecting for a retry failed
                return Result("failed", f"connection failed: {error}", attempts)
            except (smtplib.SMTPServerDisconnected, OSError) as error:
                self._drop()
                if may_have_it:
                    return Result("unknown", f"connection lost after the message was sent "
                                             f"({error}); it may have been delivered", attempts)
                if attempts <= self._settings.retries:
                    self._sleep(self._settings.backoff_s * 2 ** (attempts - 1))
                    continue
                return Result("failed", f"connection failed: {error}", attempts)

    def _reset(self) -> None:
        if self._smtp is None:
            return
        try:
            self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
        self._smtp = None
        self._in_data = False
