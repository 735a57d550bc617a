"""Content keys and ``--explain`` (:mod:`reportgen.keys`) on hand-made records: what makes a
key change, when a published file is trusted, and how each change is worded."""

from __future__ import annotations

import hashlib

from reportgen import keys


def test_digest_separates_its_parts():
    # Each part is length-prefixed: ("ab", "c") and ("a", "bc") never collide.
    assert keys._digest(["ab", "c"]) != keys._digest(["a", "bc"])
    assert keys._digest(["ab", "c"]) == keys._digest([b"ab", b"c"])
    assert keys._digest([]) == hashlib.sha256().hexdigest()


def test_sector_key_ignores_the_order_of_the_miner_keys():
    assert keys.sector_key(["b", "a"], "env", "2026Q1") == keys.sector_key(["a", "b"], "env",
                                                                           "2026Q1")
    assert keys.sector_key(["a"], "env", "2026Q1") != keys.sector_key(["a"], "env", "2025Q4")


def test_environment_changes_name_versions_settings_fonts_and_templates():
    old = {"versions": {"weasyprint": "66.0"}, "settings": {
        "paper_size": "A4", "number_style": {"currency": "$", "negative": "minus",
                                             "decimal": "."}, "formats": ["pdf", "html"]},
        "fonts": "a", "files": {"briefing.html": "1", "old.css": "2"}}
    new = {"versions": {"weasyprint": "67.0", "pandas": "2.3"}, "settings": {
        "paper_size": "letter", "number_style": {"currency": "€", "negative": "minus",
                                                 "decimal": "."}, "formats": []},
        "fonts": "b", "files": {"briefing.html": "9", "new.css": "3"}}
    assert keys.environment_changes(old, new) == [
        "weasyprint 66.0 → 67.0",
        "pandas absent → 2.3",
        "config formats pdf, html → none",
        "config theme.currency_symbol '$' → '€'",
        "config paper_size 'A4' → 'letter'",
        "the installed fonts changed",
        "template briefing.html changed",
        "template new.css added",
        "template old.css removed",
    ]
    assert keys.environment_changes(old, old) == []


def test_row_changes_word_each_kind_of_change():
    # "value line status rest": rest hashes unit, note and file.
    old = {"2026Q1 revenue_total src": "34.0 2 S aaaaaa",
           "2026Q1 net_income src": "-427.6 6 S aaaaaa",
           "2026Q1 eps_diluted src": "-1.01 7 S aaaaaa",
           "2026Q1 capex src": "10.0 8 S aaaaaa",
           "2025Q4 hashrate src": "12.0 9 S aaaaaa"}
    new = {"2026Q1 revenue_total src": "35.0 2 S aaaaaa",  # value
           "2026Q1 net_income src": "-427.6 6 E aaaaaa",  # status
           "2026Q1 eps_diluted src": "-1.01 7 S bbbbbb",  # unit, note or file
           "2026Q1 capex src": "10.0 12 S aaaaaa",  # only moved
           "2026Q1 cash src": "3100.0 13 S aaaaaa"}  # added; 2025Q4 hashrate removed
    assert keys._row_changes("facts.csv", "WULF", old, new) == [
        "facts.csv:2 WULF 2026Q1 revenue_total 34.0 → 35.0",
        "facts.csv:6 WULF 2026Q1 net_income status secondary → estimate",
        "facts.csv:7 WULF 2026Q1 eps_diluted: unit, note or file changed",
        "facts.csv:13 WULF 2026Q1 cash 3100.0 added",
        "facts.csv:9 WULF 2025Q4 hashrate 12.0 removed",
        "facts.csv: 1 row of WULF moved to other lines (line 8 is now 12); the briefing prints "
        "line numbers",
    ]


def test_miner_changes_cover_period_company_sources_and_peers():
    old = {"period": "2025Q4", "company": {"name": "TeraWulf", "cik": 1},
           "sources": {"a": "1", "b": "2"}, "peers": {"revenue_qoq": "rank 2 of 5, median 0.1 x"}}
    new = {"period": "2026Q1", "company": {"name": "TeraWulf Inc.", "cik": 1},
           "sources": {"a": "1", "c": "3"}, "peers": {"revenue_qoq": "rank 1 of 5, median 0.1 y"}}
    lines = keys.miner_changes("WULF", old, new)
    assert lines[:4] == ["period 2025Q4 → 2026Q1", "companies.yaml WULF: name changed",
                         "sources.yaml b no longer cited", "sources.yaml c now cited"]
    assert lines[4].startswith("among peers, ") and lines[4].endswith(
        ": rank 2 of 5, median 0.1 → rank 1 of 5, median 0.1")
    assert len(lines) == 5


def test_numbers_in_records():
    assert keys._number(34) == "34.0" and keys._number("x") == "x"
    assert keys._number(float("nan")) == "nan" and keys._number(None) == "None"
