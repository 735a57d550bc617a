"""The e-mail summary on its own: status marks, the all-estimates lead and the legend."""

from __future__ import annotations

from datetime import UTC, datetime
from html import unescape
from pathlib import Path

import pytest

from reportgen import analysis, build, formatting, render
from reportgen import config as config_module
from reportgen.claims import Claim
from reportgen.formatting import PLAIN
from reportgen.mail import compose
from reportgen.mail.compose import Figure, MinerSummary
from reportgen.mail.recipients import Recipient
from reportgen.provenance import Figure as Printed
from tests.conftest import ROOT
from tests.e2e.test_deliver import set_status

SENT_AT = datetime(2026, 1, 1, tzinfo=UTC)
THEME = {"firm_name": "", "accent_color": "#1f4e79"}


def _summaries(project: Path) -> dict[str, MinerSummary]:
    config = config_module.load(project / "reportgen.yaml")
    chosen = analysis.analyse(config, build.load_dataset(config))
    return {m.company.ticker: compose.summarize(m, PLAIN) for m in chosen.peers}


def _summary(*figures: tuple[str, str], claims: tuple[Claim, ...] = ()) -> MinerSummary:
    return MinerSummary("XYZ", "XYZ Corp.", "2026Q1", False,
                        tuple(Figure(f"figure {i}", value, "", mark)
                              for i, (value, mark) in enumerate(figures)), claims)


def _claim(*figures: Printed) -> Claim:
    return Claim("test", "test", ("It was ", *figures, "."))


def _compose(summaries: dict[str, MinerSummary], follows: tuple[str, ...], sector: bool,
             sector_sentences: tuple[str, ...] = ()) -> compose.Composed:
    env = render.environment(ROOT / "templates", PLAIN)
    recipient = Recipient("Desk", "desk@example.com", "", follows, sector)
    return compose.compose(env, recipient, "2026Q1", summaries, sector_sentences, [],
                           "reportgen@example.com", SENT_AT, THEME)


def _bodies(composed: compose.Composed) -> tuple[str, str]:
    message = composed.message
    return (message.get_body(("plain",)).get_content(),
            message.get_body(("html",)).get_content())


def test_summary_figures_carry_the_briefing_marks(project):
    summaries = _summaries(project)
    wulf = summaries["WULF"]
    assert {f.mark for f in wulf.figures} == {"S"}
    # The lead: the largest moves, then the quarter's story.
    assert wulf.claims[0].kind == "moves"
    assert wulf.claims[1].marked_text().startswith("TeraWulf Inc. reported revenue of $34.0M [S]")
    assert wulf.sentences[1].startswith("TeraWulf Inc. reported revenue of $34.0M for")
    assert set(wulf.printed_marks) == {"S", "D"}  # mining revenue is derived
    cifr = {f.label: f for f in summaries["CIFR"].figures}
    assert cifr["Revenue"].mark == "S" and cifr["Net income"].mark == "S"
    assert cifr["AI/HPC share"].missing and cifr["AI/HPC share"].mark == ""
    assert not any(s.all_estimates for s in summaries.values())


def test_a_miner_with_only_estimates_gets_the_lead(project):
    set_status(project / "inputs" / "facts.csv", "WULF", "estimate")
    summaries = _summaries(project)
    wulf = summaries["WULF"]
    assert set(wulf.printed_marks) == {"E"} and len(wulf.printed_marks) > len(wulf.figures)
    assert wulf.all_estimates
    assert wulf.estimates_lead == ("All figures for WULF in this summary are estimates, not "
                                   "reported figures.")
    assert not summaries["IREN"].all_estimates and summaries["IREN"].estimates_lead == ""


def test_a_figure_not_estimated_in_a_sentence_keeps_the_lead_away(project):
    """CIFR's contracted MW and value are summed from its listed contracts in companies.yaml,
    which are secondary, not estimates: the sentence marks them S and the lead stays away."""
    set_status(project / "inputs" / "facts.csv", "CIFR", "estimate")
    cifr = _summaries(project)["CIFR"]
    assert {f.mark for f in cifr.figures if not f.missing} == {"E"}
    assert "S" in cifr.printed_marks and not cifr.all_estimates


@pytest.mark.parametrize(("figures", "expected"), [
    ((("$1.0M", "E"), ("5.0%", "E")), True),
    ((("$1.0M", "E"), (formatting.NOT_DISCLOSED, "")), True),  # missing counts neither way
    ((("$1.0M", "E"), ("5.0%", "D")), False),
    ((("$1.0M", "E"), ("5.0%", "")), False),  # a reported figure
    (((formatting.NOT_DISCLOSED, ""), (formatting.NOT_DISCLOSED, "")), False),  # nothing printed
])
def test_all_estimates_is_decided_from_the_printed_marks(figures, expected):
    assert _summary(*figures).all_estimates is expected


def test_a_sentence_figure_decides_the_lead_too():
    estimate = Printed("Revenue", 1.0, "$1.0M", "2026Q1", "estimate")
    secondary = Printed("Revenue", 1.0, "$1.0M", "2026Q1", "secondary")
    assert _summary(("$1.0M", "E"), claims=(_claim(estimate),)).all_estimates
    assert not _summary(("$1.0M", "E"), claims=(_claim(secondary),)).all_estimates


def test_both_parts_print_marks_lead_and_legend_and_are_deterministic():
    dated = Printed("Hashrate", 12.8, "12.8 EH/s", "2025Q4", "estimate", dated=True)
    summaries = {"XYZ": _summary(("$1.0M", "E"), (formatting.NOT_DISCLOSED, ""),
                                 claims=(_claim(dated),))}
    composed = _compose(summaries, ("XYZ",), False)
    text, html = _bodies(composed)
    assert "$1.0M [E]" in text and f"{formatting.NOT_DISCLOSED} [" not in text
    assert "$1.0M<sup" in html and f"{formatting.NOT_DISCLOSED}<sup" not in html
    assert "It was 12.8 EH/s (2025Q4) [E]." in text
    assert "12.8 EH/s (2025Q4)<sup" in html and ">E</sup>." in html
    assert "E estimate;" in text and ">E</sup> estimate;" in html
    for body in (text, unescape(html)):
        assert "All figures for XYZ in this summary are estimates, not reported figures." in body
        assert f"{formatting.NOT_DISCLOSED}: not in the inputs." in body
        assert "A quarter in brackets dates a figure" in body
    again = _compose(summaries, ("XYZ",), False)
    assert again.message.as_bytes() == composed.message.as_bytes()
    assert again.content_hash == composed.content_hash


def test_legend_follows_what_the_message_prints():
    reported = {"XYZ": _summary(("$1.0M", ""), ("5.0%", "S"))}
    text, _ = _bodies(_compose(reported, ("XYZ",), False))
    assert "Marks: S secondary" in text and "not in the inputs" not in text
    assert "estimates, not reported" not in text and "quarter in brackets" not in text
    assert "sector sentences" not in text
    sector_only, _ = _bodies(_compose(reported, (), True, ("The median share is 50.0%.",)))
    assert "Marks:" not in sector_only and compose.SECTOR_UNMARKED in sector_only
    assert compose.legend([], []) is None
