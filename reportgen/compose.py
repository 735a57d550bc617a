"""Compose one e-mail per recipient: pure, so the same inputs give the same message bytes.

Every header value built from data passes :func:`header_value`, which refuses CR and LF (and
other line breaks) itself rather than trusting the standard library (CVE-2026-1299 is not
fixed in every Python this runs on).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any

import jinja2

from reportgen import narrative, view
from reportgen.errors import ReportgenError
from reportgen.model import Metrics
from reportgen.stakeholders import Recipient, has_line_break

LEAD_SENTENCES = 3
SUMMARY_TILES = ("Revenue", "AI/HPC revenue", "AI/HPC share", "Net income")


class HeaderInjectionError(ReportgenError):
    """A header value carried a line break: refused before any message is built."""


def header_value(value: str, field: str) -> str:
    if has_line_break(value):
        raise HeaderInjectionError(f"refused to build a message: the {field} header would "
                                   f"contain a line break ({value!r})")
    return value


@dataclass(frozen=True)
class Figure:
    label: str
    value: str
    change: str


@dataclass(frozen=True)
class MinerSummary:
    ticker: str
    name: str
    period_title: str
    stale: bool
    figures: tuple[Figure, ...]
    sentences: tuple[str, ...]


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes


@dataclass(frozen=True)
class Composed:
    recipient: Recipient
    tickers: tuple[str, ...]
    sector: bool
    subject: str
    message: EmailMessage
    content_hash: str
    message_id: str


def summarize(miner: Metrics) -> MinerSummary:
    """Key figures with their QoQ change and the lead sentences of the miner's narrative."""
    tiles = {tile.label: tile for tile in view.kpi_tiles(miner, view.FigureLookup(miner))}
    figures = tuple(
        Figure(label, tiles[label].value.text,
               next((c for c in tiles[label].changes if c.endswith("QoQ")), ""))
        for label in SUMMARY_TILES)
    return MinerSummary(miner.company.ticker, miner.company.name,
                        narrative.period_name(miner), miner.is_stale, figures,
                        tuple(narrative.sentences(miner)[:LEAD_SENTENCES]))


def subject_for(period: str, tickers: Sequence[str], sector: bool) -> str:
    """``Miner briefings 2026Q1: WULF, CORZ`` (plus the sector overview where followed)."""
    if not tickers:
        return f"Sector overview {period}"
    return f"Miner briefings {period}: {', '.join(tickers)}" + (
        " + sector overview" if sector else "")


def compose(env: jinja2.Environment, recipient: Recipient, period: str,
            summaries: Mapping[str, MinerSummary], sector_sentences: Sequence[str],
            attachments: Sequence[Attachment], sender: str, sent_at: datetime,
            theme: Mapping[str, Any]) -> Composed:
    tickers = tuple(t for t in recipient.follows if t in summaries)
    subject = subject_for(period, tickers, recipient.sector)
    context = {
        **theme, "subject": subject, "period": period, "recipient": recipient,
        "miners": [summaries[t] for t in tickers], "sector": recipient.sector,
        "sector_sentences": list(sector_sentences),
        "attachments": [a.filename for a in attachments],
    }
    text = env.get_template("email/message.txt").render(context)
    html = env.get_template("email/message.html").render(context)

    digest = hashlib.sha256()
    for part in (recipient.address, subject, text, html):
        digest.update(part.encode("utf-8") + b"\0")
    for attachment in attachments:
        digest.update(attachment.filename.encode() + hashlib.sha256(attachment.data).digest())
    content_hash = digest.hexdigest()
    domain = parseaddr(sender)[1].rpartition("@")[2] or "reportgen.invalid"
    message_id = f"<{content_hash[:32]}.{period}@{domain}>"

    message = EmailMessage()
    message["From"] = header_value(sender, "From")
    message["To"] = Address(display_name=header_value(recipient.name, "To"),
                            addr_spec=header_value(recipient.address, "To"))
    message["Subject"] = header_value(subject, "Subject")
    message["Date"] = format_datetime(sent_at)
    message["Message-ID"] = header_value(message_id, "Message-ID")
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    for attachment in attachments:
        message.add_attachment(attachment.data, maintype="application", subtype="pdf",
                               filename=header_value(attachment.filename, "filename"))
    return Composed(recipient, tickers, recipient.sector, subject, message, content_hash,
                    message_id)
