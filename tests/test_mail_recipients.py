"""Recipients from stakeholders.yaml (:func:`reportgen.mail.recipients.parse`), on documents built
in memory: ``follows: all`` expanded, every problem placed by its path, all found at once."""

from __future__ import annotations

import pytest

from reportgen.mail import recipients as stakeholders
from reportgen.mail.recipients import Recipient

TICKERS = ("WULF", "CIFR", "IREN")


def _parse(*entries, **extra):
    return stakeholders.parse({"recipients": list(entries), **extra}, "stakeholders.yaml",
                              TICKERS)


def _messages(*entries, **extra) -> list[str]:
    recipients, problems = _parse(*entries, **extra)
    assert not recipients or problems
    return [p.message for p in problems]


def test_follows_all_expands_to_every_ticker_and_names_are_stripped():
    recipients, problems = _parse(
        {"name": " Desk ", "address": "desk@example.com", "role": "pm", "follows": "all",
         "sector": True},
        {"name": "IR", "address": "ir@example.com", "follows": ["WULF"]})
    assert problems == []
    assert recipients == [
        Recipient("Desk", "desk@example.com", "pm", TICKERS, True),
        Recipient("IR", "ir@example.com", "", ("WULF",), False),
    ]
    assert recipients[0].header == "Desk <desk@example.com>"


def test_sector_alone_is_enough():
    recipients, problems = _parse({"name": "S", "address": "s@example.com", "sector": True})
    assert problems == [] and recipients[0].follows == () and recipients[0].sector


@pytest.mark.parametrize(("entry", "message"), [
    ({"name": "", "address": "a@example.com", "follows": "all"},
     "recipients[0].name: expected a name on one line, got ''"),
    ({"name": "A\nB", "address": "a@example.com", "follows": "all"},
     "recipients[0].name: expected a name on one line, got 'A\\nB'"),
    ({"name": "A", "address": "a@localhost", "follows": "all"},
     "recipients[0].address: expected an e-mail address like name@example.com, "
     "got 'a@localhost'"),
    ({"name": "A", "address": "a@example.com", "follows": "WULF", "sector": True},
     "recipients[0].follows: expected a list of tickers or 'all', got 'WULF'"),
    ({"name": "A", "address": "a@example.com", "follows": "all", "sector": "yes"},
     "recipients[0].sector: expected true or false, got 'yes'"),
    ({"name": "A", "address": "a@example.com"},
     "recipients[0]: follows nothing; give tickers, 'all', or sector: true"),
    ({"name": "A", "address": "a@example.com", "follows": "all", "role": "a\rb"},
     "recipients[0].role: expected text on one line, got 'a\\rb'"),
])
def test_each_bad_field_is_one_placed_problem(entry, message):
    assert _messages(entry) == [message]


def test_unknown_ticker_and_key_get_hints():
    (ticker,) = _messages({"name": "A", "address": "a@example.com", "follows": ["WULFF"]})
    assert ticker.startswith("recipients[0].follows: unknown ticker WULFF")
    assert "WULF" in ticker and ticker.endswith("expected some of WULF, CIFR, IREN or 'all'")
    (key,) = _messages({"name": "A", "address": "a@example.com", "follows": "all",
                        "adress": "x"})
    assert key.startswith("recipients[0].adress: ") and "address" in key


def test_a_repeated_address_names_the_first_entry_case_blind():
    messages = _messages({"name": "A", "address": "a@example.com", "follows": "all"},
                         {"name": "B", "address": "A@Example.com", "follows": "all"})
    assert messages == ["recipients[1].address: A@Example.com is already recipients[0]"]


def test_every_problem_comes_at_once():
    messages = _messages({"name": "", "address": "nope", "follows": 3},
                         "just text",
                         {"name": "Ok", "address": "ok@example.com", "follows": "all"})
    assert [m.split(":")[0] for m in messages] == [
        "recipients[0].name", "recipients[0].address", "recipients[0].follows",
        "recipients[0]", "recipients[1]"]


@pytest.mark.parametrize("document", [None, [], {"recipients": "desk@example.com"}])
def test_a_document_without_a_recipients_list(document):
    recipients, problems = stakeholders.parse(document, "s.yaml", TICKERS)
    assert recipients == [] and [p.message for p in problems] == [
        "expected a 'recipients:' list"]


@pytest.mark.parametrize(("text", "broken"), [
    ("one line", False), ("a\nb", True), ("a\u2028b", True), ("a\x85b", True), ("a\tb", False)])
def test_has_line_break(text, broken):
    assert stakeholders.has_line_break(text) is broken
