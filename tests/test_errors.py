"""The errors reportgen raises on purpose (reportgen/errors.py): a located problem prints as
``file:line: ticker period metric: message``, a list of them is headed by its count and cut
at MAX_SHOWN, and nothing unsafe for a terminal is printed raw."""

from __future__ import annotations

from pathlib import Path

import pytest

from reportgen import errors
from reportgen.config import Config
from reportgen.errors import (
    MAX_SHOWN,
    FilingDocumentError,
    InputError,
    MergeRejected,
    NothingToBuild,
    Problem,
    SecDocumentError,
    UsageError,
)


@pytest.mark.parametrize(("problem", "printed"), [
    (Problem("inputs/facts.csv", "bad", line=42, ticker="WULF", period="2026Q1",
             metric="revenue_ai_hpc"), "inputs/facts.csv:42: WULF 2026Q1 revenue_ai_hpc: bad"),
    (Problem("inputs/companies.yaml", "bad", line=7, ticker="HUT"),
     "inputs/companies.yaml:7: HUT: bad"),
    (Problem("inputs/stakeholders.yaml", "bad"), "inputs/stakeholders.yaml: bad"),
    (Problem("inputs/prices.csv", "bad", line=3, ticker="WULF", period="2026-01-22"),
     "inputs/prices.csv:3: WULF 2026-01-22: bad"),
])
def test_a_problem_prints_where_it_is_and_what_it_is_about(problem: Problem,
                                                            printed: str) -> None:
    assert str(problem) == printed


def test_an_input_error_counts_its_problems_in_the_singular_and_the_plural() -> None:
    one = InputError([Problem("f.csv", "bad", line=2)])
    assert str(one) == "1 problem in the inputs:\n  f.csv:2: bad"
    two = InputError([Problem("f.csv", "bad", line=2), Problem("f.csv", "worse", line=3)])
    assert str(two).splitlines() == ["2 problems in the inputs:", "  f.csv:2: bad",
                                     "  f.csv:3: worse"]


def test_an_input_error_lists_at_most_max_shown_and_says_how_many_more() -> None:
    error = InputError(Problem("f.csv", "bad", line=n) for n in range(1, MAX_SHOWN + 1_201))
    lines = str(error).splitlines()
    assert lines[0] == f"{MAX_SHOWN + 1_200:,} problems in the inputs:"
    assert len(lines) == MAX_SHOWN + 2
    assert lines[-1] == "  ... and 1,200 more (fix these first)"
    assert len(error.problems) == MAX_SHOWN + 1_200  # every problem kept for the caller


def test_document_errors_blame_the_document_not_the_inputs() -> None:
    sec = SecDocumentError([Problem("snow.json", "bad")] * (SecDocumentError.max_shown + 2))
    assert str(sec).splitlines()[0] == "22 problems in the SEC document:"
    assert str(sec).splitlines()[-1] == "  ... and 2 more"
    filing = FilingDocumentError([Problem("x.htm", "bad")])
    assert str(filing) == "1 problem in the filing document:\n  x.htm: bad"
    merged = MergeRejected([Problem("inputs/facts.csv", "bad", line=9)])
    assert str(merged).startswith("the SEC figures were not written: the merged inputs would "
                                  "not validate")
    assert str(merged).endswith("1 problem in the inputs:\n  inputs/facts.csv:9: bad")


def test_usage_errors_exit_2_and_other_errors_exit_1() -> None:
    assert UsageError.exit_code == 2 and NothingToBuild.exit_code == 2
    assert InputError([]).exit_code == 1 and errors.OutputError.exit_code == 1


def test_nothing_to_build_names_facts_csv_relative_to_the_project(tmp_path: Path) -> None:
    settings = Config(tmp_path, tmp_path / "inputs", tmp_path / "outputs")
    assert str(NothingToBuild(settings)).startswith(
        "nothing to build yet: inputs/facts.csv has no quarterly figures")


def test_cannot_write_names_the_target_and_the_reason() -> None:
    error = errors.cannot_write(Path("outputs/2026Q1"), OSError(28, "No space left on device"))
    assert str(error) == "cannot write outputs/2026Q1: No space left on device"


# --- terminal safety -------------------------------------------------------------------------


def test_data_printed_to_the_terminal_is_escaped() -> None:
    assert errors.printable("ok \x1b[2J\x07\u202e") == "ok \\x1b[2J\\x07\\u202e"
    problem = errors.Problem("f.csv", "bad", line=3, ticker="A\x1bB")
    assert str(problem) == "f.csv:3: A\\x1bB: bad"
