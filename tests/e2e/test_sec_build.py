"""import-sec then build: apart from the unit tests of reportgen/sec/ (tests/test_sec_*.py,
tests/test_sec_merge.py) because the last step builds the briefing (WeasyPrint's process pool)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reportgen import cli
from tests.sec_samples import (
    SNOW_10K_FY25,
    SNOW_10Q_Q1_FY26,
    SNOW_10Q_Q3_FY25,
    SNOW_ENTRY,
    SNOW_JSON,
    run,
    snapshot,
)


@pytest.fixture
def snow(project: Path) -> Path:
    """Snowflake only, for a build (a listed miner with no rows at all trips a pandas
    deprecation warning in metrics.reported_quarters, which is not this test's subject)."""
    with (project / "inputs" / "companies.yaml").open("a") as handle:
        handle.write(SNOW_ENTRY)
    return project


def test_import_beside_existing_rows_reports_conflicts_then_builds(
        snow: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inputs = snow / "inputs"
    with (inputs / "sources.yaml").open("a") as handle:
        handle.write("  snow_press:\n    url: https://example.com/snowflake-q4\n"
                     "    publisher: example.com\n    kind: press coverage\n")
    with (inputs / "facts.csv").open("a") as handle:
        # 986.8 agrees with the derived 986.770 within 0.5%; -300 against -327.474 does not.
        handle.write("SNOW,2024Q4,revenue_total,986.8,USD_M,snow_press,secondary,\n"
                     "SNOW,2024Q4,net_income,-300,USD_M,snow_press,secondary,\n")
    before_sources = (inputs / "sources.yaml").read_text()
    before_facts = (inputs / "facts.csv").read_text()

    code, out, err = run(snow, capsys, str(SNOW_JSON), "--ticker", "SNOW", "--write")
    assert code == 0, err
    assert "1 figure(s) differ by more than 0.5%" in out
    conflicts = [line for line in out.splitlines() if line.startswith("  ")]
    assert len(conflicts) == 1  # revenue agrees within rounding, so only net income is listed
    assert conflicts[0].startswith(
        f"  2024Q4 net_income: -327.474 from {SNOW_10K_FY25};{SNOW_10Q_Q3_FY25} (derived) "
        "vs -300 from snow_press (secondary, inputs/facts.csv:")

    facts = (inputs / "facts.csv").read_text()
    sources = (inputs / "sources.yaml").read_text()
    assert facts.startswith(before_facts)  # nothing rewritten, the press rows kept
    assert sources.startswith(before_sources)  # comments and entries untouched
    assert "# Every source id cited by facts.csv" in sources
    assert (f"SNOW,2024Q4,revenue_total,986.77,USD_M,{SNOW_10K_FY25};{SNOW_10Q_Q3_FY25},"
            "derived,") in facts
    assert (f"  {SNOW_10K_FY25}:\n"
            "    url: https://www.sec.gov/Archives/edgar/data/1640147/000164014725000052/\n"
            "    publisher: sec.gov\n    kind: SEC filing\n"
            "    description: Form 10-K filed 2025-03-21, accession 0001640147-25-000052\n"
            ) in sources

    # The same filing again adds nothing.
    written = snapshot(snow)
    code, out, _ = run(snow, capsys, str(SNOW_JSON), "--ticker", "SNOW", "--write")
    assert code == 0
    assert "0 rows added, 0 replaced" in out and "0 sources added" in out
    assert snapshot(snow) == written

    assert cli.main(["--config", str(snow / "reportgen.yaml"), "build", "--miner", "SNOW",
                     "--format", "html"]) == 0
    html = next((snow / "outputs").glob("*/SNOW.html")).read_text()
    assert SNOW_10Q_Q1_FY26 in html
    assert "https://www.sec.gov/Archives/edgar/data/1640147/000164014725000110/" in html
    assert "snow_press" in html  # the disagreement is listed beside the filing's figure
