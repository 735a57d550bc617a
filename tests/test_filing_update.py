"""reportgen update (reportgen/filing/update.py): every miner with a CIK refreshed from SEC
(companyfacts, then its latest filings), against a local server only, all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from reportgen.filing import importer as filing_import
from reportgen.filing.update import latest_periodic
from reportgen.sec.document import Filing
from tests.filing_samples import NVDA_ACCESSION, NVDA_SOURCE, PRODUCT, keep_only, run
from tests.sec_samples import SNOW_ENTRY


def test_update_refreshes_every_miner_with_a_cik(nvda_project: Path,
                                                 sec_site: list[tuple[str, str]],
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    with (nvda_project / "inputs" / "companies.yaml").open("a") as handle:
        handle.write(SNOW_ENTRY)
    # the sample miners have CIKs too; only these two are served, so keep just them
    companies = nvda_project / "inputs" / "companies.yaml"
    keep_only(companies, ("NVDA", "SNOW"))
    code, out, err = run(nvda_project, capsys, "update", "--fetch", "--write")
    assert err == ""
    assert code == 0, out
    assert "NVDA (CIK 1045810):" in out and "SNOW (CIK 1640147):" in out
    # companyfacts' NVDA revenue and the filing's are the same filing's same figure: one row
    facts = (nvda_project / "inputs" / "facts.csv").read_text()
    assert facts.count(f"NVDA,2025Q2,revenue_total,46743,USD_M,{NVDA_SOURCE}") == 1
    assert f"NVDA,2025Q2,revenue_ai_hpc,41096,USD_M,{NVDA_SOURCE},reported" in facts
    assert "SNOW,2025Q1,revenue_total," in facts
    assert "filings: no filing_map" in out  # SNOW
    assert "not in the filings (add by hand): btc_mined" in out
    assert "inputs validated and written" in out
    assert (nvda_project / "filings" / "CIK0001045810" / NVDA_ACCESSION /
            "nvda-20250727.htm").exists()
    # offline from the downloads: nothing new
    code, out, _ = run(nvda_project, capsys, "update")
    assert code == 0 and "0 new, 0 changed" in out


def test_update_writes_nothing_when_a_merged_input_fails_validation(
        nvda_project: Path, sec_site: list[tuple[str, str]],
        capsys: pytest.CaptureFixture[str]) -> None:
    companies = nvda_project / "inputs" / "companies.yaml"
    companies.write_text(companies.read_text() + f"""\
  - {{concept: us-gaap:Revenues, axis: {PRODUCT}, member: nvda:ComputeMember,
     metric: revenue_mining}}
""")  # compute is inside data center: mapping both double counts, and validation says so
    with companies.open("a") as handle:
        handle.write(SNOW_ENTRY)
    keep_only(companies, ("NVDA", "SNOW"))
    before = [(nvda_project / "inputs" / name).read_bytes() for name in ("facts.csv",
                                                                         "sources.yaml")]
    code, out, _ = run(nvda_project, capsys, "update", "--fetch", "--write")
    assert code == 1
    assert "nothing written" in out and "revenue lines add up to" in out
    assert [(nvda_project / "inputs" / name).read_bytes()
            for name in ("facts.csv", "sources.yaml")] == before


def test_latest_periodic_takes_the_10q_before_a_10k() -> None:
    def listed(accession: str, form: str, filed: str) -> filing_import.Listed:
        return filing_import.Listed(Filing(filed, accession, form, 1), "x.htm", filed)

    q3 = listed("0000000001-25-000003", "10-Q", "2025-11-01")
    k = listed("0000000001-26-000001", "10-K", "2026-02-20")
    other = listed("0000000001-26-000002", "8-K", "2026-02-21")
    assert latest_periodic([q3, k, other]) == [q3, k]
    assert latest_periodic([q3, other]) == [q3]


def test_update_writes_nothing_when_one_miners_download_fails(
        nvda_project: Path, sec_site: list[tuple[str, str]],
        capsys: pytest.CaptureFixture[str]) -> None:
    # the sample's miners have CIKs the local server does not serve (404): NVDA's figures
    # would be fine, but the run is all or nothing
    before = [(nvda_project / "inputs" / name).read_bytes() for name in ("facts.csv",
                                                                         "sources.yaml")]
    code, out, _ = run(nvda_project, capsys, "update", "--fetch", "--write")
    assert code == 1
    assert "WULF: failed:" in out and "answered 404" in out and "nothing written" in out
    assert "NVDA (CIK 1045810):" in out
    assert [(nvda_project / "inputs" / name).read_bytes()
            for name in ("facts.csv", "sources.yaml")] == before
