"""``reportgen send``: e-mail each stakeholder the current briefings they follow, once.

Only briefings that exist and match the current inputs (per the build manifest) are sent;
otherwise the run stops and says which to rebuild. Every message goes through the ledger, so
running ``send`` again delivers only what was not delivered.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from reportgen import analysis, build, manifest, narrative, render
from reportgen.config import Config
from reportgen.errors import SmtpSetupError, StaleBriefingsError, UsageError
from reportgen.files import atomic_write
from reportgen.formatting import Formatter
from reportgen.mail import compose
from reportgen.mail import recipients as stakeholders
from reportgen.mail.ledger import FINAL, Ledger, open_ledger
from reportgen.mail.smtp import SmtpSession

log = logging.getLogger(__name__)


SETUP_FAILURE = "not sent, server setup failed: "


@dataclass(frozen=True)
class SendOptions:
    period: str | None = None
    dry_run: bool = False
    only: tuple[str, ...] = ()
    to: str | None = None
    resend: bool = False


@dataclass(frozen=True)
class Outcome:
    recipient: str
    subject: str
    state: str
    """``sent``, ``failed``, ``unknown``, ``skipped`` (already delivered) or ``written``."""
    reply: str = ""


@dataclass(frozen=True)
class SendReport:
    period: str
    outcomes: tuple[Outcome, ...]
    ledger: Path | None = None
    """The ledger this run read and recorded to (``None``: a dry run, or a ``--to`` preview,
    which is never recorded)."""

    @property
    def ok(self) -> bool:
        return not any(o.state in ("failed", "unknown") for o in self.outcomes)

    def count(self, state: str) -> int:
        return sum(1 for o in self.outcomes if o.state == state)


def prepare(config: Config, options: SendOptions, sent_at: datetime
            ) -> tuple[str, list[compose.Composed]]:
    """Every message of the run, composed before anything is sent or written, its numbers
    in the config's number style."""
    fmt = Formatter(config.number_style)
    dataset = build.load_dataset(config)
    unknown = [t for t in options.only if t not in dataset.companies]
    if unknown:
        raise UsageError(f"--only: unknown miner {', '.join(unknown)}")
    if options.to and not stakeholders.ADDRESS.match(options.to):
        raise UsageError(f"--to: expected an e-mail address like name@example.com, got "
                         f"{options.to!r}")
    recipients = stakeholders.load(config.inputs_dir, tuple(dataset.companies),
                                   config.project_root)
    analysed = analysis.analyse(replace(config, miners=()), dataset, options.period)
    period = analysed.period
    out_dir = config.outputs_dir / period
    summaries = {m.company.ticker: compose.summarize(m, fmt, config.stale_after_quarters)
                 for m in analysed.peers}
    sector_lead = narrative.sector_sentences(analysed.peer_table, period, fmt,
                                             analysed.silent)[:3]

    wanted = []
    for recipient in recipients:
        follows = tuple(t for t in recipient.follows if t in summaries
                        and (not options.only or t in options.only))
        sector = recipient.sector and not options.only
        if follows or sector:
            wanted.append(replace(recipient, follows=follows, sector=sector))
    files = sorted({f"{t}.pdf" for r in wanted for t in r.follows}
                   | ({"sector.pdf"} if any(r.sector for r in wanted) else set()))
    pdfs = current_files(out_dir, files, dataset.fingerprint)

    env = render.environment(config.template_dirs, fmt)
    theme = {"firm_name": config.firm_name, "accent_color": config.accent_color}
    messages = []
    for recipient in wanted:
        names = [f"{t}.pdf" for t in recipient.follows] + (
            ["sector.pdf"] if recipient.sector else [])
        attachments = [compose.Attachment(name, pdfs[name]) for name in names]
        composed = compose.compose(env, recipient, period, summaries, sector_lead, attachments,
                                   config.smtp.sender, sent_at, theme)
        if options.to:
            del composed.message["To"]
            composed.message["To"] = compose.header_value(options.to, "To")
        messages.append(composed)
    return period, messages


def current_files(out_dir: Path, names: Sequence[str], fingerprint: str) -> dict[str, bytes]:
    """The named files' bytes, if each exists, is in the manifest, is unchanged since, and
    was built from these very inputs; otherwise one error naming every file to rebuild."""
    entries = manifest.manifest_entries(manifest.read_manifest(out_dir))
    problems, found = [], {}
    for name in names:
        path = out_dir / name
        state, data = manifest.check(out_dir, entries, name, "inputs_sha256", fingerprint)
        if state == "missing":
            problems.append(f"{path}: missing")
        elif state == "other":
            problems.append(f"{path}: built from other inputs than the current ones")
        elif state == "changed":
            problems.append(f"{path}: changed since it was built")
        else:
            found[name] = data
    if problems:
        raise StaleBriefingsError("nothing sent; these briefings are not current:\n  "
                                  + "\n  ".join(problems)
                                  + "\nrun 'reportgen build' first, then send again")
    return found


def send(config: Config, options: SendOptions, sent_at: datetime | None = None,
         session_factory: Callable[[], SmtpSession] | None = None,
         on_outcome: Callable[[Outcome], None] | None = None) -> SendReport:
    sent_at = sent_at or build.build_time()
    period, messages = prepare(config, options, sent_at)
    if options.dry_run:
        outcomes = [_write_eml(config.outputs_dir / period / "outbox", m) for m in messages]
        for outcome in outcomes:
            if on_outcome:
                on_outcome(outcome)
        return SendReport(period, tuple(outcomes))
    password = os.environ.get(config.smtp.password_env) if config.smtp.user else None
    factory = session_factory or (lambda: SmtpSession(config.smtp, password))
    outcomes: list[Outcome] = []
    with open_ledger(config.ledger_file) as ledger, factory() as session:
        for composed in messages:
            setup_failure = next((o.reply for o in outcomes if o.state == "failed"
                                  and o.reply.startswith(SETUP_FAILURE)), None)
            outcome = _deliver_one(config, period, composed, options, ledger, session,
                                   setup_failure)
            log.info("%s %s: %s", composed.recipient.address, composed.subject, outcome.state)
            if on_outcome:
                on_outcome(outcome)
            outcomes.append(outcome)
    return SendReport(period, tuple(outcomes), None if options.to else config.ledger_file)


def _deliver_one(config: Config, period: str, composed: compose.Composed,
                 options: SendOptions, ledger: Ledger, session: SmtpSession,
                 setup_failure: str | None) -> Outcome:
    address = options.to or composed.recipient.address
    subject = composed.subject
    recorded = None if options.to else ledger  # a preview is never recorded as delivered
    if recorded is not None:
        done = ledger.get(period, address, composed.content_hash)
        if done is not None and done.state in FINAL and not options.resend:
            return Outcome(address, subject, "skipped", f"already {done.state} {done.updated_at}")
    if setup_failure is not None:  # the server could not be set up: do not try it again
        if recorded is not None:
            recorded.mark(period, address, composed.content_hash, "failed",
                          composed.message_id, subject, setup_failure)
        return Outcome(address, subject, "failed", setup_failure)
    return _send(session, config, composed, address, recorded, period)


def _send(session: SmtpSession, config: Config, composed: compose.Composed, address: str,
          ledger: Ledger | None, period: str) -> Outcome:
    """Send one message, recording it as it goes.

    Nothing is written before the transfer can deliver the message: a run killed while it
    waits out the rate limit, or before the server has the whole body, leaves no row (or the
    earlier, non-final one), so the next run sends it. ``pending`` is committed immediately
    before the end-of-data line (without waiting for the disk, then synced right after it),
    so a run killed from then on leaves ``pending``, read as ``unknown`` by the next run."""
    subject = composed.subject

    def mark(state: str, reply: str = "", attempts: int = 0, synced: bool = True) -> None:
        if ledger is not None:
            ledger.mark(period, address, composed.content_hash, state, composed.message_id,
                        subject, reply, attempts, synced=synced)

    try:
        session.connect()
    except SmtpSetupError as error:
        reply = f"{SETUP_FAILURE}{error}"
        mark("failed", reply)
        return Outcome(address, subject, "failed", reply)
    result = session.send(composed.message, config.smtp.sender, address,
                          before_end=lambda: mark("pending", synced=False),
                          after_end=ledger.sync if ledger is not None else lambda: None,
                          refused=lambda reply: mark("failed", reply))
    mark(result.state, result.reply, result.attempts)
    return Outcome(address, subject, result.state, result.reply)


def _write_eml(outbox: Path, composed: compose.Composed) -> Outcome:
    slug = re.sub(r"[^A-Za-z0-9.@_-]", "_", composed.recipient.address)
    path = outbox / f"{slug}.eml"
    atomic_write(path, composed.message.as_bytes())
    return Outcome(composed.recipient.address, composed.subject, "written", str(path))
