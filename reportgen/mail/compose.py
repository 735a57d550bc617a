"""Compose one e-mail per recipient: pure, so the same inputs give the same message bytes.

Every figure a summary prints carries the status mark its briefing prints beside it (S, D, E
from :data:`reportgen.vocabulary.STATUS_MARKS`): the key figures from the briefing's tiles, the
lead sentences from the briefing's claims. Each message that prints a figure has a one-line
legend, and a miner whose printed figures are all estimates gets a lead line saying so.

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

from reportgen import formatting, provenance, view
from reportgen.cells import TileKey
from reportgen.claims import Claim, miner_claims, period_name
from reportgen.errors import HeaderInjectionError
from reportgen.formatting import Formatter
from reportgen.mail.recipients import Recipient, has_line_break
from reportgen.model import Metrics
from reportgen.moves import KINDS as MOVE_KINDS
from reportgen.peers import STALE_AFTER_QUARTERS
from reportgen.vocabulary import STATUS_MARKS

LEAD_SENTENCES = 3
SUMMARY_TILES = (TileKey.REVENUE, TileKey.AI_HPC_REVENUE, TileKey.AI_HPC_SHARE,
                 TileKey.NET_INCOME)
ESTIMATE = STATUS_MARKS["estimate"]
MARK_MEANINGS = {
    "secondary": "secondary (press coverage of a release, or a machine-written page)",
    "derived": "derived from other figures",
    "estimate": "estimate",
}
"""What each status mark means; the legend prints them in the order of STATUS_MARKS."""
UNMARKED = ("unmarked figures come from the company's release or filing, or are computed "
            "here; the changes beside the key figures are not marked.")
DATED = ("A quarter in brackets dates a figure that is not of the quarter covered; “stale” "
         "marks one too old for medians and ranks.")
SECTOR_UNMARKED = "The sector sentences count and combine the miners' figures without marks."
TRACE = "Each miner's briefing lists every figure with its status and source."


def header_value(value: str, field: str) -> str:
    if has_line_break(value):
        raise HeaderInjectionError(f"refused to build a message: the {field} header would "
                                   f"contain a line break ({value!r})")
    return value


@dataclass(frozen=True)
class Figure:
    """A key figure as the summary's table prints it."""

    label: str
    value: str
    change: str
    mark: str = ""
    """S, D or E as the briefing prints it beside the value; empty when reported or missing."""

    @property
    def missing(self) -> bool:
        return self.value == formatting.NOT_DISCLOSED


@dataclass(frozen=True)
class MinerSummary:
    ticker: str
    name: str
    period_title: str
    stale: bool
    figures: tuple[Figure, ...]
    claims: tuple[Claim, ...]
    """The lead sentences, each with its figures (and their marks) as the briefing has them."""

    @property
    def sentences(self) -> tuple[str, ...]:
        """The lead sentences as plain text, without marks."""
        return tuple(claim.text for claim in self.claims)

    @property
    def printed_marks(self) -> tuple[str, ...]:
        """The mark of every figure the summary prints ("" for an unmarked one), key figures
        first; a missing key figure prints no figure and has no entry."""
        return tuple(f.mark for f in self.figures if not f.missing) + tuple(
            part.mark for claim in self.claims for part in claim.parts
            if isinstance(part, provenance.Figure))

    @property
    def has_dated(self) -> bool:
        """A sentence prints a figure of another quarter, with that quarter beside it."""
        return any(part.dated for claim in self.claims for part in claim.parts
                   if isinstance(part, provenance.Figure))

    @property
    def all_estimates(self) -> bool:
        """Every figure the summary prints is marked E (missing ones count neither way)."""
        marks = self.printed_marks
        return bool(marks) and all(mark == ESTIMATE for mark in marks)

    @property
    def estimates_lead(self) -> str:
        """The line that opens an all-estimates summary; empty otherwise."""
        if not self.all_estimates:
            return ""
        return f"All figures for {self.ticker} in this summary are estimates, not reported figures."


@dataclass(frozen=True)
class Legend:
    """One line: what the marks mean (when a miner's figures are printed), then notes."""

    marks: tuple[tuple[str, str], ...]
    """(mark, meaning) pairs, e.g. ("S", "secondary (...)"); empty without a miner summary."""
    unmarked: str
    notes: tuple[str, ...]


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


def summarize(miner: Metrics, fmt: Formatter, stale_after: int = STALE_AFTER_QUARTERS
              ) -> MinerSummary:
    """Key figures with their QoQ change and the lead claims of the miner's briefing, worded
    by ``fmt`` as the briefing words them."""
    lookup = provenance.FigureLookup(miner)
    tiles = {tile.key: tile for tile in view.kpi_tiles(miner, lookup, fmt)}
    figures = tuple(_figure(tiles[key]) for key in SUMMARY_TILES)
    return MinerSummary(miner.company.ticker, miner.company.name, period_name(miner),
                        miner.is_stale, figures,
                        lead(miner_claims(miner, fmt, lookup, stale_after)))


def lead(claims: list[Claim]) -> tuple[Claim, ...]:
    """An e-mail's lead for one miner: the largest moves, then the first LEAD_SENTENCES of
    the quarter's story (the threshold sentences stay in the briefing, which has room)."""
    moved = [claim for claim in claims if claim.kind == "moves"]
    story = [claim for claim in claims if claim.kind not in MOVE_KINDS]
    return (*moved[:1], *story[:LEAD_SENTENCES])


def _figure(tile: view.Tile) -> Figure:
    """A tile's value with the mark the briefing prints beside it (none beside a missing one)."""
    cell = tile.value
    mark = "" if cell.text == formatting.NOT_DISCLOSED else cell.mark
    return Figure(tile.label, cell.text,
                  next((c for c in tile.changes if c.endswith("QoQ")), ""), mark)


def legend(miners: Sequence[MinerSummary], sector_sentences: Sequence[str]) -> Legend | None:
    """The legend of a message printing these summaries and sector sentences; None when it
    prints neither."""
    if not miners and not sector_sentences:
        return None
    marks = tuple((mark, MARK_MEANINGS[status]) for status, mark in STATUS_MARKS.items()
                  if mark) if miners else ()
    notes = []
    if any(m.has_dated for m in miners):
        notes.append(DATED)
    if any(f.missing for m in miners for f in m.figures):
        notes.append(f"{formatting.NOT_DISCLOSED}: not in the inputs.")
    if sector_sentences:
        notes.append(SECTOR_UNMARKED)
    notes.append(TRACE)
    return Legend(marks, UNMARKED if marks else "", tuple(notes))


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
    miners = [summaries[t] for t in tickers]
    sector = list(sector_sentences) if recipient.sector else []
    context = {
        **theme, "subject": subject, "period": period, "recipient": recipient,
        "miners": miners, "sector": recipient.sector,
        "sector_sentences": list(sector_sentences),
        "attachments": [a.filename for a in attachments],
        "legend": legend(miners, sector),
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
    # The standard library picks random MIME boundaries; these come from the content instead,
    # so the same inputs give the same bytes.
    for number, part in enumerate(p for p in message.walk() if p.is_multipart()):
        part.set_boundary(f"reportgen-{content_hash[:40]}-{number}")
    return Composed(recipient, tickers, recipient.sector, subject, message, content_hash,
                    message_id)
