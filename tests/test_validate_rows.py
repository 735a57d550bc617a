"""Rules over one CSV row (reportgen/validate/rows.py): a bad row of facts.csv, market.csv or
prices.csv gives one problem naming the file, line, ticker, period (or date) and metric (or
field), and the header must be exact.

The "a bad facts.csv row gives one located problem" cases are one table,
``test_each_row_rule_gives_one_located_problem``; prices.csv has its own, since its rows have
a date and several value fields instead of a period and a metric.
"""

from __future__ import annotations

import pytest

from reportgen import build, config
from reportgen.errors import InputError
from tests.conftest import replace_line
from tests.sample_edits import (
    APPENDED,
    BTC_MINED,
    CASH,
    COLOCATION,
    DEBT,
    EPS,
    FACTS,
    FAIR_VALUE,
    GUIDE_LOW,
    HUT_MW,
    HUT_NET_INCOME_2025,
    HUT_REVENUE,
    MARKET,
    PRICES,
    REVENUE_TOTAL,
    append_rows,
    break_row,
    check,
    only_problem,
    replace_at,
)


@pytest.mark.parametrize(
    ("row", "new", "ticker", "period", "metric", "expected"),
    [
        pytest.param(EPS, "WULF,2026Q1,eps_diluted,n/a,USD,wulf_q1_26,secondary,",
                     "WULF", "2026Q1", "eps_diluted",
                     ["expected a number in value", "'n/a'"], id="text-value"),
        pytest.param(EPS, "WOLF,2026Q1,eps_diluted,-1.01,USD,wulf_q1_26,secondary,",
                     "WOLF", "2026Q1", "eps_diluted",
                     ["unknown ticker 'WOLF'", "CIFR, CORZ, HUT, IREN, WULF"], id="ticker"),
        pytest.param(EPS, "WULF,2026Q5,eps_diluted,-1.01,USD,wulf_q1_26,secondary,",
                     "WULF", "2026Q5", "eps_diluted",
                     ["expected a period like 2026Q1", "'2026Q5'"], id="period-Q5"),
        pytest.param(EPS, "WULF,2026-03,eps_diluted,-1.01,USD,wulf_q1_26,secondary,",
                     "WULF", "2026-03", "eps_diluted",
                     ["expected a period like 2026Q1", "'2026-03'"], id="period-month"),
        pytest.param(EPS, "WULF,0000Q1,eps_diluted,-1.01,USD,wulf_q1_26,secondary,",
                     "WULF", "0000Q1", "eps_diluted",
                     ["expected a period like 2026Q1, 2025H1 or FY2025 (years 1900-2199)"],
                     id="period-year-0000"),
        pytest.param(EPS, "WULF,2026Q1,eps_basic,-1.01,USD,wulf_q1_26,secondary,",
                     "WULF", "2026Q1", "eps_basic",
                     ["unknown metric 'eps_basic'; expected a metric",
                      "'reportgen metrics --miner WULF' lists them"], id="metric"),
        pytest.param(REVENUE_TOTAL, "WULF,2026Q1,revenue_total,34,USD,wulf_q1_26,secondary,",
                     "WULF", "2026Q1", "revenue_total",
                     ["expected unit USD_M", "got 'USD'"], id="unit"),
        pytest.param(CASH, "WULF,2026Q1,cash_and_restricted,3100,USD_M,wulf_424b6,secondary,",
                     "WULF", "2026Q1", "cash_and_restricted",
                     ["unknown source id 'wulf_424b6'", "inputs/sources.yaml"], id="source"),
        pytest.param(EPS, "WULF,2026Q1,eps_diluted,-1.01,USD,wulf_q1_26;nowhere,secondary,",
                     "WULF", "2026Q1", "eps_diluted",
                     ["unknown source id 'nowhere'"], id="second-source"),
        pytest.param(EPS, "WULF,2026Q1,eps_diluted,-1.01,USD,,secondary,",
                     "WULF", "2026Q1", "eps_diluted",
                     ["expected a source id"], id="no-source"),
        pytest.param(DEBT, "WULF,2026Q1,total_debt,5800,USD_M,wulf_424b5,confirmed,",
                     "WULF", "2026Q1", "total_debt",
                     ["expected status reported, secondary, derived, estimate",
                      "'confirmed'"], id="status"),
        pytest.param(BTC_MINED, "WULF,2025Q3,btc_mined,-377,BTC,wulf_q3_25c,secondary,",
                     "WULF", "2025Q3", "btc_mined",
                     ["expected a value of 0 or more, got -377"], id="negative"),
        pytest.param(CASH, "WULF,2026Q1,cash_and_restricted,nan,USD_M,wulf_424b5,secondary,",
                     "WULF", "2026Q1", "cash_and_restricted",
                     ["expected a finite number", "'nan'"], id="nan"),
        pytest.param(DEBT, "WULF,2026Q1,total_debt,inf,USD_M,wulf_424b5,secondary,",
                     "WULF", "2026Q1", "total_debt",
                     ["expected a finite number", "'inf'"], id="inf"),
        pytest.param(FAIR_VALUE,
                     "WULF,2026Q1,fair_value_change,-inf,USD_M,wulf_q1_26,secondary,warrants",
                     "WULF", "2026Q1", "fair_value_change",
                     ["expected a finite number", "'-inf'"], id="minus-inf"),
        pytest.param(EPS, "WULF,2026Q1,eps_diluted,-1.01,USD,wulf_q1_26,secondary,a,b",
                     "WULF", "2026Q1", "eps_diluted",
                     ["more fields than the header's 8"], id="extra-fields"),
        # From tests/e2e/test_hostile_inputs.py: impossible numbers, non-ASCII digits.
        *(pytest.param(HUT_REVENUE, HUT_REVENUE[1].replace(",71.0,", f",{v},"),
                       "HUT", "2026Q1", "revenue_total",
                       ["expected a finite number in value"], id=f"hut-{v}")
          for v in ("nan", "NaN", "inf", "-inf", "+Infinity")),
        *(pytest.param(HUT_REVENUE, HUT_REVENUE[1].replace(",71.0,", f",{v},"),
                       "HUT", "2026Q1", "revenue_total",
                       [f"expected a plausible figure, got {v}"], id=v)
          for v in ("1e400", "1e12")),
        pytest.param(HUT_MW, HUT_MW[1].replace(",1020,", ",-1020,"),
                     "HUT", "2025Q1", "power_capacity",
                     ["expected a value of 0 or more, got -1020"], id="negative-mw"),
        pytest.param(HUT_NET_INCOME_2025, HUT_NET_INCOME_2025[1].replace("2025Q1", "２０２５Q1"),
                     "HUT", "２０２５Q1", "net_income",
                     ["expected a period like 2026Q1"], id="fullwidth-period"),
        *(pytest.param(HUT_REVENUE, HUT_REVENUE[1].replace(",71.0,", f",{v},"),
                       "HUT", "2026Q1", "revenue_total",
                       ["expected a number in value"], id=f"digits-{v}")
          for v in ("７１.０", "٧١")),
        # Guidance and consensus rows, formerly one test each below.
        pytest.param(GUIDE_LOW, GUIDE_LOW[1].replace(",USD_M,", ",USD,"),
                     "WULF", "2026Q1", "guide_adjusted_ebitda_low",
                     ["expected unit USD_M (the unit of adjusted_ebitda), got 'USD'"],
                     id="guidance-unit"),
        pytest.param(APPENDED, "WULF,2026Q1,guide_eps_basic,-1,USD,wulf_424b5,secondary,",
                     "WULF", "2026Q1", "guide_eps_basic",
                     ["unknown metric 'guide_eps_basic'", "guide_<metric>_low"],
                     id="guidance-metric"),
        pytest.param(APPENDED,
                     "WULF,2026Q1,consensus_revenue_total,40,USD,wulf_424b5,secondary,",
                     "WULF", "2026Q1", "consensus_revenue_total",
                     ["expected unit USD_M (the unit of revenue_total), got 'USD'"],
                     id="consensus-unit"),
        *(pytest.param(APPENDED, f"WULF,2026Q1,{m},40,USD_M,wulf_424b5,secondary,",
                       "WULF", "2026Q1", m,
                       [f"unknown metric {m!r}", "sell-side consensus (consensus_<metric>)"],
                       id=f"consensus-{m}")
          for m in ("consensus_eps_basic", "consensus_revenue_total_low", "consensus_revenue")),
        pytest.param(APPENDED,
                     "WULF,2026Q1,consensus_revenue_total,-40,USD_M,wulf_424b5,secondary,",
                     "WULF", "2026Q1", "consensus_revenue_total",
                     ["expected a value of 0 or more"], id="consensus-sign"),
        # "Did you mean" for typos, and how to write a number with thousands separators
        # (split by them or quoted) or a note with commas. The guidance typo is appended
        # beside the intact range, so it is the only problem.
        pytest.param(REVENUE_TOTAL, REVENUE_TOTAL[1].replace("revenue_total", "revenue_totl"),
                     "WULF", "2026Q1", "revenue_totl",
                     ["unknown metric 'revenue_totl'; did you mean 'revenue_total'? expected a "
                      "metric of the vocabulary"], id="typo-vocabulary"),
        pytest.param(COLOCATION, COLOCATION[1].replace("revenue_colocation", "revenue_colocaton"),
                     "CORZ", "2025Q3", "revenue_colocaton",
                     ["unknown metric 'revenue_colocaton'; did you mean 'revenue_colocation'?"],
                     id="typo-revenue-line"),
        pytest.param(APPENDED, GUIDE_LOW[1].replace("_ebitda_low", "_ebitda_lo"),
                     "WULF", "2026Q1", "guide_adjusted_ebitda_lo",
                     ["unknown metric 'guide_adjusted_ebitda_lo'; did you mean "
                      "'guide_adjusted_ebitda_low'?"], id="typo-guidance"),
        pytest.param(REVENUE_TOTAL, REVENUE_TOTAL[1].replace("wulf_q1_26", "wulf_q1_62"),
                     "WULF", "2026Q1", "revenue_total",
                     ["unknown source id 'wulf_q1_62'; did you mean 'wulf_q1_26'? or add it to "
                      "inputs/sources.yaml"], id="typo-source"),
        pytest.param(REVENUE_TOTAL, REVENUE_TOTAL[1].replace("WULF", "WLUF"),
                     "WLUF", "2026Q1", "revenue_total",
                     ["unknown ticker 'WLUF'; did you mean 'WULF'? expected one of CIFR, CORZ, "
                      "HUT, IREN, WULF"], id="typo-ticker"),
        *(pytest.param(REVENUE_TOTAL, REVENUE_TOTAL[1].replace(",34,", f",{v},"),
                       "WULF", "2026Q1", "revenue_total",
                       [f"the value {v} has a thousands separator, which splits the row into "
                        f"more fields than the header's 8; write {v.replace(',', '')}"],
                       id=f"thousands-{v}")
          for v in ("1,234.5", "12,345,678", "1,234")),
        pytest.param(REVENUE_TOTAL, REVENUE_TOTAL[1].replace(",34,", ',"1,234.5",'),
                     "WULF", "2026Q1", "revenue_total",
                     ["expected a number without thousands separators, got '1,234.5'; write "
                      "1234.5"], id="thousands-quoted"),
        pytest.param(REVENUE_TOTAL, REVENUE_TOTAL[1] + "34 total, 21 HPC",
                     "WULF", "2026Q1", "revenue_total",
                     ["more fields than the header's 8; quote a note that contains commas"],
                     id="note-with-a-comma"),
    ],
)
def test_each_row_rule_gives_one_located_problem(project, row, new, ticker, period, metric,
                                                 expected):
    if row is APPENDED:
        append_rows(project, new)
        line = len((project / FACTS).read_text().splitlines())
    else:
        break_row(project, row, new)
        line = row[0]
    problem = only_problem(project)
    assert (problem.file, problem.line) == (FACTS, line)
    assert (problem.ticker, problem.period, problem.metric) == (ticker, period, metric)
    text = str(problem)
    assert text.startswith(f"{FACTS}:{line}: {ticker} {period} {metric}: ")
    for fragment in expected:
        assert fragment in text
    assert ".py" not in text  # messages name the command, never a source file


@pytest.mark.parametrize("value", ["5_800", "\uff15\uff18\uff10\uff10"])
def test_value_float_accepts_is_loaded_or_reported(project, value):
    break_row(project, DEBT, f"WULF,2026Q1,total_debt,{value},USD_M,wulf_424b5,secondary,")
    try:
        dataset = build.load_dataset(config.load(project_root=project))
    except InputError as error:
        assert [(p.file, p.line) for p in error.problems] == [(FACTS, 13)]
    else:
        assert 5800.0 in dataset.facts["value"].tolist()


def test_header_mismatch(project):
    replace_line(project / FACTS,
                 "ticker,period,metric,value,unit,source,status,note\n",
                 "ticker,period,metric,value,units,source,status,note\n")
    problem = only_problem(project)
    assert (problem.file, problem.line) == (FACTS, 1)
    text = str(problem)
    assert text.startswith(f"{FACTS}:1: expected the header ")
    assert "ticker,period,metric,value,unit,source,status,note" in text
    assert "got ticker,period,metric,value,units,source,status,note" in text


def test_guidance_point_on_a_vocabulary_metric_is_accepted(project):
    append_rows(project, "WULF,2026Q1,guide_revenue_total,40,USD_M,wulf_424b5,estimate,")
    assert check(project) == []


def test_consensus_on_a_vocabulary_metric_is_accepted(project):
    append_rows(project, "WULF,2026Q1,consensus_revenue_total,40,USD_M,wulf_424b5,secondary,",
                "WULF,2026Q1,consensus_eps_adjusted,-0.2,USD,wulf_424b5,secondary,")
    assert check(project) == []


# --- prices.csv (issue #12): a date and up to three values a row ---------------------------

PRICES_HEADER = "ticker,date,close,shares_outstanding,market_cap,source,status,note\n"
GOOD = "WULF,2026-01-22,12.89,418.68,,wulf_sa,secondary,machine-written page (A)\n"


def write_prices(project, *rows, header=PRICES_HEADER):
    (project / PRICES).write_text(header + "".join(rows))


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
        ("WULF,2026-01-23,,,1e12,wulf_sa,secondary,\n", "market_cap",
         "expected a plausible figure, got 1e12 (more than 1e+09 USD millions)"),
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
def test_each_bad_prices_row_gives_one_located_problem(project, row, field, expected):
    write_prices(project, GOOD, row)
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
    write_prices(project, "WULF,2025-11-10,-1,,,wulf_sa,secondary,\n", GOOD,
          "HUT,yesterday,11.48,,,hut_sa,secondary,\n", "IREN,2025-04-17,,,,iren_sa,secondary,\n")
    with pytest.raises(InputError) as raised:
        build.load_dataset(config.load(project_root=project))
    assert [(p.line, p.metric) for p in raised.value.problems] == [
        (2, "close"), (4, "date"), (5, "")]
    assert "inputs/prices.csv:4: HUT yesterday date: expected" in str(raised.value)


def test_the_same_ticker_date_and_source_twice(project):
    write_prices(project, GOOD, "WULF,2026-01-22,,,5400,wulf_sa,secondary,\n")
    (problem,) = check(project)
    assert (problem.line, problem.ticker, problem.period) == (3, "WULF", "2026-01-22")
    assert "first at line 2" in problem.message


def test_the_same_day_from_two_sources_is_accepted(project):
    write_prices(project, GOOD, "WULF,2026-01-22,12.9,,,wulf_psavvy,secondary,\n")
    assert check(project) == []


def test_the_prices_header_must_be_exact(project):
    write_prices(project, GOOD, header="ticker,date,price,shares,market_cap,source,status,note\n")
    (problem,) = check(project)
    assert (problem.file, problem.line) == (PRICES, 1)
    assert problem.message.startswith("expected the header ticker,date,close,shares_outstanding")


def test_a_control_character_in_a_prices_note_is_refused(project):
    write_prices(project, GOOD.replace("(A)", "(A)\x1b[2J"))
    (problem,) = check(project)
    assert (problem.file, problem.line) == (PRICES, 2)
    assert "ESC" in problem.message


# --- market.csv: calendar quarters and market metrics ----------------------------------------

HASHPRICE = "2024Q1,hashprice,92,USD/PH/day,mkt_blockspace,secondary,quarter average\n"


@pytest.mark.parametrize(("new", "expected"), [
    pytest.param(HASHPRICE.replace("2024Q1", "2024H1"),
                 "expected a calendar quarter like 2025Q3, got '2024H1'", id="half-year"),
    pytest.param(HASHPRICE.replace("2024Q1", "1850Q1"),
                 "expected a calendar quarter like 2025Q3, got '1850Q1'", id="year"),
    pytest.param(HASHPRICE.replace("hashprice", "hash_price"),
                 "unknown market metric; expected one of hashprice", id="metric"),
    pytest.param(HASHPRICE.replace("USD/PH/day", "USD"),
                 "expected unit USD/PH/day, got 'USD'", id="unit"),
    pytest.param(HASHPRICE.replace(",92,", ",-92,"), "expected a value of 0 or more, got -92",
                 id="negative"),
    pytest.param(HASHPRICE.replace("mkt_blockspace", "mkt_blokspace"),
                 "unknown source id 'mkt_blokspace'; did you mean 'mkt_blockspace'?",
                 id="source"),
])
def test_each_bad_market_row_gives_one_located_problem(project, new, expected):
    line = replace_at(project / MARKET, HASHPRICE, new)
    problem = only_problem(project)
    assert (problem.file, problem.line, problem.ticker) == (MARKET, line, "")
    assert expected in problem.message, problem.message


def test_the_same_market_figure_from_the_same_source_twice(project):
    line = replace_at(project / MARKET, HASHPRICE, HASHPRICE + HASHPRICE.replace(",92,", ",93,"))
    problem = only_problem(project)
    assert problem.line == line + 1
    assert problem.message == ("the same figure from the same source appears twice (first at "
                               f"line {line})")
