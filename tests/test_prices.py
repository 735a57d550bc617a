"""inputs/prices.csv: dated share prices, share counts and market caps (issue #12).

Checked like facts.csv: every problem names the file, line, ticker, date and field, all of them
come at once, and nothing else is loaded. The file is optional; when present it is part of the
input fingerprint and of each miner's content key.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from reportgen import build, config, inputs, scaffold, validate
from reportgen.errors import InputError
from reportgen.model import PRICE_COLUMNS, Dataset

PRICES = "inputs/prices.csv"
HEADER = "ticker,date,close,shares_outstanding,market_cap,source,status,note\n"
GOOD = "WULF,2026-01-22,12.89,418.68,,wulf_sa,secondary,machine-written page (A)\n"


def write(project, *rows, header=HEADER):
    (project / "inputs" / "prices.csv").write_text(header + "".join(rows))


def check(project):
    return validate.check(inputs.read_raw(project / "inputs", project))


def load(project) -> Dataset:
    return build.load_dataset(config.load(project_root=project))


def test_the_sample_prices_load_typed(project):
    assert check(project) == []
    prices = load(project).prices
    assert list(prices.columns) == list(PRICE_COLUMNS)
    assert len(prices) == 19
    assert pd.api.types.is_datetime64_any_dtype(prices["date"])
    wulf = prices[(prices["ticker"] == "WULF") & (prices["date"] == "2026-01-22")].iloc[0]
    assert (wulf.close, wulf.shares_outstanding, wulf.source) == (12.89, 418.68, "wulf_sa")
    assert math.isnan(wulf.market_cap)  # not given: missing, not zero
    assert (wulf.file, wulf.line) == (PRICES, 4)


@pytest.mark.parametrize(
    ("row", "field", "expected"),
    [
        ("WLUF,2026-01-23,12.89,,,wulf_sa,secondary,\n", "ticker",
         "unknown ticker 'WLUF'; did you mean 'WULF'?"),
        ("WULF,2026-1-22,12.89,,,wulf_sa,secondary,\n", "date",
         "expected the trading day as YYYY-MM-DD"),
        ("WULF,2026-02-30,12.89,,,wulf_sa,secondary,\n", "date",
         "expected the trading day as YYYY-MM-DD"),
        ("WULF,2026-01-23,-12.89,,,wulf_sa,secondary,\n", "close",
         "expected a value of 0 or more, got -12.89"),
        ("WULF,2026-01-23,,,n/a,wulf_sa,secondary,\n", "market_cap",
         "expected a number in USD millions, got 'n/a'"),
        ('WULF,2026-01-23,,,"5,400",wulf_sa,secondary,\n', "market_cap",
         "write 5400"),
        ("WULF,2026-01-23,,,,wulf_sa,secondary,\n", "",
         "expected at least one of close (USD), shares_outstanding (millions) and market_cap"),
        ("WULF,2026-01-23,12.89,,,wulf_zz,secondary,\n", "source",
         "unknown source id 'wulf_zz'"),
        ("WULF,2026-01-23,12.89,,,,secondary,\n", "source", "expected a source id"),
        ("WULF,2026-01-23,12.89,,,wulf_sa,rumour,\n", "status",
         "expected status reported, secondary, derived, estimate; got 'rumour'"),
        ("WULF,2026-01-23,12.89,,,wulf_sa,secondary,a, b\n", "",
         "more fields than the header's 8"),
    ],
)
def test_each_bad_row_gives_one_located_problem(project, row, field, expected):
    write(project, GOOD, row)
    problems = check(project)
    assert len(problems) == 1, [str(p) for p in problems]
    problem = problems[0]
    ticker, date = row.split(",")[:2]
    assert (problem.file, problem.line, problem.ticker, problem.period) == (PRICES, 3, ticker,
                                                                            date)
    if field:
        assert problem.metric == field
        assert str(problem).startswith(f"{PRICES}:3: {ticker} {date} {field}: ")
    assert expected in problem.message


def test_every_problem_is_reported_at_once_and_nothing_loads(project):
    write(project, "WULF,2025-11-10,-1,,,wulf_sa,secondary,\n", GOOD,
          "HUT,yesterday,11.48,,,hut_sa,secondary,\n", "IREN,2025-04-17,,,,iren_sa,secondary,\n")
    with pytest.raises(InputError) as raised:
        load(project)
    assert [(p.line, p.metric) for p in raised.value.problems] == [
        (2, "close"), (4, "date"), (5, "")]
    assert "inputs/prices.csv:4: HUT yesterday date: expected" in str(raised.value)


def test_the_same_ticker_date_and_source_twice(project):
    write(project, GOOD, "WULF,2026-01-22,,,5400,wulf_sa,secondary,\n")
    (problem,) = check(project)
    assert (problem.line, problem.ticker, problem.period) == (3, "WULF", "2026-01-22")
    assert "first at line 2" in problem.message


def test_the_same_day_from_two_sources_is_accepted(project):
    write(project, GOOD, "WULF,2026-01-22,12.9,,,wulf_psavvy,secondary,\n")
    assert check(project) == []


def test_the_header_must_be_exact(project):
    write(project, GOOD, header="ticker,date,price,shares,market_cap,source,status,note\n")
    (problem,) = check(project)
    assert (problem.file, problem.line) == (PRICES, 1)
    assert problem.message.startswith("expected the header ticker,date,close,shares_outstanding")


def test_a_control_character_in_a_note_is_refused(project):
    write(project, GOOD.replace("(A)", "(A)\x1b[2J"))
    (problem,) = check(project)
    assert (problem.file, problem.line) == (PRICES, 2)
    assert "ESC" in problem.message


def test_a_missing_prices_file_is_an_empty_frame(project):
    (project / "inputs" / "prices.csv").unlink()
    assert check(project) == []
    prices = load(project).prices
    assert prices.empty
    assert list(prices.columns) == list(PRICE_COLUMNS)
    assert pd.api.types.is_datetime64_any_dtype(prices["date"])


def test_a_header_only_prices_file_is_an_empty_frame(project):
    write(project)
    assert check(project) == []
    assert load(project).prices.empty


def test_a_dataset_built_without_prices_has_an_empty_frame():
    dataset = Dataset({}, pd.DataFrame(), pd.DataFrame(), {})
    assert dataset.prices.empty
    assert list(dataset.prices.columns) == list(PRICE_COLUMNS)


def test_the_fingerprint_covers_prices(project):
    fingerprints = [load(project).fingerprint]
    write(project, GOOD.replace("12.89", "12.9"))
    fingerprints.append(load(project).fingerprint)
    write(project, GOOD.replace("12.89", "12.9"), "HUT,2025-03-10,11.48,,,hut_sa,secondary,\n")
    fingerprints.append(load(project).fingerprint)
    (project / "inputs" / "prices.csv").unlink()
    fingerprints.append(load(project).fingerprint)
    assert len(set(fingerprints)) == 4


def test_the_fingerprint_of_the_same_prices_is_the_same(project):
    assert load(project).fingerprint == load(project).fingerprint


def test_init_names_the_prices_header_it_reads():
    assert scaffold.PRICE_HEADER == ",".join(inputs.PRICE_CSV_COLUMNS) + "\n" == HEADER
    assert "prices.csv         optional, dated share prices: " + HEADER.strip() in (
        scaffold.README)


def test_init_sample_ships_prices(tmp_path):
    made = scaffold.init(tmp_path / "new", sample=True)
    assert "inputs/prices.csv" in made.files
    assert (tmp_path / "new" / "inputs" / "prices.csv").read_bytes() == (
        config.packaged("sample") / "prices.csv").read_bytes()
