"""Rules across facts.csv rows (reportgen/validate/cross.py): one source giving a figure
twice, guidance ranges with both ends, revenue lines adding up to more than their total, and
unit-slip warnings."""

from __future__ import annotations

from pathlib import Path

import pytest

from reportgen import build, config, inputs, safeyaml, validate
from tests.conftest import replace_line
from tests.sample_edits import (
    BTC_MINED,
    CIFR_TABLE,
    CIFR_TEXT,
    EPS,
    FACTS,
    GUIDE_HIGH,
    GUIDE_LOW,
    REVENUE_MINING,
    REVENUE_TOTAL,
    break_row,
    check,
    only_problem,
    remove_row,
)

# --- revenue lines against their total -----------------------------------------------------


def test_segments_more_than_one_percent_above_total(project):
    break_row(project, REVENUE_MINING,
              "WULF,2026Q1,revenue_mining,13.5,USD_M,wulf_q1_26,derived,")
    problem = only_problem(project)
    # Located at the total (line 2), which the lines 21 + 13.5 = 34.5 exceed by 1.5%.
    assert (problem.file, problem.line) == (FACTS, 2)
    assert (problem.ticker, problem.period, problem.metric) == ("WULF", "2026Q1",
                                                                "revenue_total")
    text = str(problem)
    assert text.startswith(f"{FACTS}:2: WULF 2026Q1 revenue_total: ")
    assert "34.5" in text
    assert "revenue_hpc_lease 21" in text
    assert "revenue_mining 13.5" in text
    assert "more than 1% above the total 34" in text


def test_segments_half_a_percent_above_total_are_accepted(project):
    assert pytest.approx(34.0 * 1.005) == 21.0 + 13.17
    break_row(project, REVENUE_MINING,
              "WULF,2026Q1,revenue_mining,13.17,USD_M,wulf_q1_26,derived,")
    assert check(project) == []


# --- the same figure from the same source ------------------------------------------------


def test_same_figure_twice_from_same_source(project):
    line, row = EPS
    replace_line(project / "inputs" / "facts.csv", row + "\n", row + "\n" + row + "\n")
    problem = only_problem(project)
    assert (problem.file, problem.line) == (FACTS, line + 1)
    assert (problem.ticker, problem.period, problem.metric) == ("WULF", "2026Q1", "eps_diluted")
    text = str(problem)
    assert text.startswith(f"{FACTS}:8: WULF 2026Q1 eps_diluted: ")
    assert "appears twice (first at line 7)" in text


def test_same_figure_from_two_sources_is_accepted(project):
    _, row = REVENUE_TOTAL
    other = row.replace("wulf_q1_26,", "wulf_q1_26b,")
    replace_line(project / "inputs" / "facts.csv", row + "\n", row + "\n" + other + "\n")
    assert check(project) == []


def test_source_order_does_not_hide_a_duplicate(project):
    facts = project / "inputs" / "facts.csv"
    with facts.open("a") as handle:
        handle.write("WULF,2026Q1,btc_mined,1,BTC,wulf_q1_26;wulf_q1_26b,secondary,\n")
        handle.write("WULF,2026Q1,btc_mined,1,BTC,wulf_q1_26b;wulf_q1_26,secondary,\n")
    problems = check(project)
    assert len(problems) == 1 and "appears twice" in problems[0].message


def test_a_source_contradicting_itself_is_accepted_with_a_note(project):
    # The sample's CIFR 2025Q2 revenue: the article's table (43.6) and its text (44.0).
    assert CIFR_TABLE[1].split(",")[5] == CIFR_TEXT[1].split(",")[5] == "cifr_q2_25"
    assert check(project) == []
    facts = build.load_dataset(config.load(project_root=project)).facts
    cifr = facts[(facts["ticker"] == "CIFR") & (facts["period"] == "2025Q2")
                 & (facts["metric"] == "revenue_total")]
    assert cifr["value"].tolist() == [43.6, 44.0]


def test_a_source_contradicting_itself_without_a_note_is_refused(project):
    break_row(project, CIFR_TEXT, "CIFR,2025Q2,revenue_total,44.0,USD_M,cifr_q2_25,secondary,")
    problem = only_problem(project)
    assert (problem.file, problem.line) == (FACTS, 162)
    assert (problem.ticker, problem.period, problem.metric) == ("CIFR", "2025Q2",
                                                                "revenue_total")
    text = str(problem)
    assert "the same source already gives 43.6 at line 148" in text
    assert "say in this row's note where in the source 44.0 comes from" in text


@pytest.mark.parametrize("value", ["43.6", "43.60", "43.7"])
def test_the_same_value_twice_from_one_source_is_refused_even_with_a_note(project, value):
    # 43.7 is within rounding (0.5%) of 43.6: the briefing would not show it as a disagreement.
    break_row(project, CIFR_TEXT, f"CIFR,2025Q2,revenue_total,{value},USD_M,cifr_q2_25,"
                                  "secondary,the article's text")
    problem = only_problem(project)
    assert problem.line == 162
    assert "appears twice (first at line 148)" in problem.message


# --- guidance ranges ------------------------------------------------------------------------


def test_guidance_range_in_the_sample_is_accepted(project):
    assert check(project) == []
    facts = build.load_dataset(config.load(project_root=project)).facts
    guide = facts[facts["metric"].str.startswith("guide_") & (facts["ticker"] == "WULF")
                  & (facts["period"] == "2026Q1")]
    assert dict(zip(guide["metric"], guide["value"], strict=True)) == {
        "guide_adjusted_ebitda_low": 0.0, "guide_adjusted_ebitda_high": 3.0}


@pytest.mark.parametrize(
    ("removed", "kept", "expected"),
    [
        pytest.param(GUIDE_HIGH, GUIDE_LOW, "the low end of a range without its high end",
                     id="low-only"),
        pytest.param(GUIDE_LOW, GUIDE_HIGH, "the high end of a range without its low end",
                     id="high-only"),
    ],
)
def test_half_a_guidance_range(project, removed, kept, expected):
    remove_row(project, removed)
    problem = only_problem(project)
    assert (problem.file, problem.line) == (FACTS, 160)  # the row kept, now on line 160
    assert problem.metric == kept[1].split(",")[2]
    assert expected in problem.message


def test_guidance_range_ends_from_different_sources_are_half_ranges(project):
    break_row(project, GUIDE_HIGH, GUIDE_HIGH[1].replace(",wulf_424b5,", ",wulf_q1_26,"))
    problems = check(project)
    assert [(p.line, p.metric) for p in problems] == [
        (160, "guide_adjusted_ebitda_low"), (161, "guide_adjusted_ebitda_high")]


def test_guidance_low_above_high(project):
    break_row(project, GUIDE_LOW, GUIDE_LOW[1].replace(",0,", ",5,"))
    problem = only_problem(project)
    assert (problem.file, problem.line, problem.metric) == (FACTS, 161,
                                                            "guide_adjusted_ebitda_high")
    assert "low 5 (line 160) is above high 3 (line 161)" in problem.message


def test_guidance_low_equal_to_high_is_accepted(project):
    break_row(project, GUIDE_LOW, GUIDE_LOW[1].replace(",0,", ",3,"))
    assert check(project) == []


# --- unit-slip warnings (valid, but worth a look) -----------------------------------------


def test_every_warning_of_a_series_names_the_same_typical_value(project: Path) -> None:
    # HUT btc_mined 0.01, 10, 20, 30, 40, 50000: the median of all six (the lower one) is 20.
    # Compared with "the median of the others" instead, 0.01 was set against 30 and 50000
    # against 20: two different "typical" values in one run.
    ids = sorted(safeyaml.load((project / "inputs" / "sources.yaml").read_text())["sources"])
    with (project / "inputs" / "facts.csv").open("a") as handle:
        handle.writelines(f"HUT,219{n}Q1,btc_mined,{value},BTC,{ids[0]},secondary,\n"
                          for n, value in enumerate((0.01, 10, 20, 30, 40, 50000)))
    raw = inputs.read_raw(project / "inputs", project)
    warned = [p for p in validate.warnings(raw) if p.metric == "btc_mined" and p.ticker == "HUT"
              and p.period.startswith("219")]
    assert [(p.period, "typical btc_mined (20)" in p.message) for p in warned] == [
        ("2190Q1", True), ("2195Q1", True)]


def warnings_of(project: Path) -> list[str]:
    return [str(p) for p in validate.warnings(inputs.read_raw(project / "inputs", project))]


def test_the_sample_has_no_unit_slip(project: Path) -> None:
    assert warnings_of(project) == []


def test_a_figure_500_times_smaller_than_the_typical_is_a_warning_not_an_error(
        project: Path) -> None:
    # WULF mined a few hundred BTC a quarter: 0.377 (entered in thousands) is about 1/1,000
    break_row(project, BTC_MINED, BTC_MINED[1].replace(",377,", ",0.377,"))
    assert check(project) == []
    [warning] = warnings_of(project)
    assert warning.startswith(f"{FACTS}:30: WULF 2025Q3 btc_mined: 0.377 is 1/")
    assert "of the miner's typical btc_mined (" in warning
    assert warning.endswith("); is it in the wrong unit?")


def test_a_figure_just_under_the_slip_is_not_a_warning(project: Path) -> None:
    # 499× HUT's typical btc_mined would be a warning at 500×
    ids = sorted(safeyaml.load((project / "inputs" / "sources.yaml").read_text())["sources"])
    with (project / FACTS).open("a") as handle:
        handle.writelines(f"HUT,219{n}Q1,btc_mined,{value},BTC,{ids[0]},secondary,\n"
                          for n, value in enumerate((10, 10, 10, 4990)))
    assert [w for w in warnings_of(project) if "2193Q1" in w] == []
