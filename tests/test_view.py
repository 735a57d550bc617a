"""What the briefing's templates print, from :mod:`reportgen.view` on the sample's WULF
2026Q1 (inputs/facts.csv lines 2-13 and the earlier quarters); no render, no WeasyPrint.
Every expected string is worked by hand from the input rows in the comment beside it."""

from __future__ import annotations

import pytest

from reportgen import build, claims, config, metrics, render, view, vocabulary
from reportgen.formatting import MINUS, NOT_DISCLOSED, PLAIN, Formatter, NumberStyle
from reportgen.provenance import FigureLookup
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def dataset():
    return build.load_dataset(config.load(project_root=ROOT))


@pytest.fixture(scope="module")
def wulf(dataset):
    return metrics.compute(dataset, "WULF", "2026Q1")


@pytest.fixture(scope="module")
def lookup(wulf):
    return FigureLookup(wulf)


def test_kpi_tiles_carry_text_marks_sources_and_changes(wulf, lookup):
    tiles = {t.label: t for t in view.kpi_tiles(wulf, lookup, PLAIN)}
    revenue = tiles["Revenue"]
    # 34.0 against 35.8 (2025Q4) is -5.03%; against 34.4 (2025Q1) -1.16%.
    assert (revenue.value.text, revenue.value.mark, revenue.value.sources) == (
        "$34.0M", "S", ("wulf_q1_26",))
    assert revenue.changes == (f"{MINUS}5.0% QoQ", f"{MINUS}1.2% YoY")
    # HPC lease 21.0 against 9.7: +116.5%; no AI/HPC line a year before, so no YoY.
    assert tiles["AI/HPC revenue"].value.text == "$21.0M"
    assert tiles["AI/HPC revenue"].changes == ("+116.5% QoQ",)
    # 21.0 / 34.0 = 61.76%; 9.7 / 35.8 = 27.09%: +34.7 points.
    assert tiles["AI/HPC share"].value.text == "61.8%"
    assert tiles["AI/HPC share"].changes == ("+34.7 pp QoQ",)
    # Net income -427.6; 2025Q4's -690 is an estimate, so no QoQ change from it;
    # YoY -427.6 - (-61.4) = -366.2.
    net = tiles["Net income"]
    assert (net.value.text, bool(net.value.negative)) == (f"{MINUS}$427.6M", True)
    assert net.changes == (f"{MINUS}$366.2M YoY",)
    # Adjusted EBITDA -4.1 against -4.7 a year before: +0.6.
    assert tiles["Adjusted EBITDA"].changes == ("+$0.6M YoY",)
    # Fair-value change 216.3 of a 427.6 loss: 50.6%, printed whole.
    assert tiles["Non-cash share of loss"].value.text == "51%"


def test_liquidity_facts_net_debt_is_debt_less_cash(wulf, lookup):
    facts = {f.label: f for f in view.liquidity_facts(wulf, lookup, PLAIN)}
    assert facts["Cash incl. restricted"].value.text == "$3.1B"  # 3100
    assert facts["Cash incl. restricted"].note == "as of 2026Q1"
    assert facts["Total debt"].value.text == "$5.8B"  # 5800
    net = facts["Net debt"]  # 5800 - 3100 = 2700
    assert (net.value.text, net.value.mark, net.value.sources) == ("$2.7B", "S", ("wulf_424b5",))
    assert net.note == "debt − cash incl. restricted"


def test_pipeline_facts_ratio_and_run_rate(wulf, lookup):
    facts = {f.label: f for f in view.pipeline_facts(wulf, lookup, PLAIN)}
    # 522 MW contracted (reported, 2025Q4: no mark), 18 MW energized (secondary).
    assert (facts["Contracted critical IT"].value.text,
            facts["Contracted critical IT"].value.mark) == ("522 MW", "")
    assert facts["Energized for AI/HPC"].value.text == "18.0 MW"
    ratio = facts["Energized ÷ contracted"]  # 18 / 522 = 3.45%
    assert (ratio.value.text, ratio.value.mark) == ("3.4%", "S")  # weakest of reported, secondary
    assert ratio.value.sources == ("wulf_10k25", "wulf_q4_25pr")
    assert ratio.note == "energized MW ÷ contracted MW, as of 2025Q4"
    run_rate = facts["AI/HPC revenue run-rate, a year"]  # 21.0 x 4
    assert (run_rate.value.text, run_rate.note) == ("$84.0M", "2026Q1 × 4")


def test_guidance_table_verdicts(wulf, lookup):
    table = view.guidance_table(wulf, lookup, PLAIN)
    rows = {r.label: tuple(c.text for c in r.cells) for r in table.rows}
    # EBITDA -4.1 against guidance 0 to 3 (lines 160-161): below.
    assert rows["2026Q1 Adjusted EBITDA"] == (f"{MINUS}$4.1M", "$0.0M to $3.0M", "below", "", "")
    # Revenue 35.8 against two consensus figures, 60.05 and 44.1: below both.
    assert rows["2025Q4 Revenue"] == ("$35.8M", "", "", "$60.0M; $44.1M", "below")


@pytest.mark.parametrize(("actual", "estimates", "expected"), [
    (35.8, [60.05, 44.1], "below"),
    (50.0, [44.1, 60.05], "between estimates"),
    (61.0, [44.1, 60.05], "above"),
    (2.0, [], ""),
])
def test_consensus_verdict(actual, estimates, expected):
    assert view.consensus_verdict(actual, estimates) == expected


def test_metric_labels_are_never_raw_ids(wulf):
    assert vocabulary.metric_label("revenue_total") == "Revenue"
    assert vocabulary.metric_label("revenue_hpc_lease", wulf.company) == "HPC lease"
    assert vocabulary.metric_label("guide_adjusted_ebitda") == "Guidance: adjusted ebitda"
    assert vocabulary.metric_label("revenue_foo_bar") == "Foo bar revenue"  # an undeclared line


def test_section_dates_name_only_sections_older_than_the_quarter(wulf):
    # Liquidity is of 2026Q1 itself; the pipeline stops at 2025Q4 and mining at 2025Q3.
    assert view.section_dates(wulf) == {"mining": "2025Q3", "liquidity": "",
                                        "pipeline": "2025Q4"}


def test_weakest_mark_and_is_negative():
    assert view.weakest_mark(["reported", "secondary", "derived"]) == "D"
    assert view.weakest_mark(["reported"]) == ""
    assert view.weakest_mark([]) == ""
    assert view.is_negative(-0.1) and not view.is_negative(0.0)
    assert not view.is_negative(None) and not view.is_negative(float("nan"))
    assert NOT_DISCLOSED == "—"


def test_contracted_mw_summed_from_listed_contracts_says_so_and_cites_them(dataset):
    # CORZ gives its own backlog ($10.2B, 2026Q1) but no contracted-MW total: the 590 MW is
    # the CoreWeave contract's (companies.yaml), summed here, so the fact cites the contract
    # and says it is our sum, even though the value beside it is the company's own.
    corz = metrics.compute(dataset, "CORZ", "2026Q1")
    facts = {f.label: f for f in view.pipeline_facts(corz, FigureLookup(corz), PLAIN)}
    mw = facts["Contracted critical IT"]
    assert (mw.value.text, mw.value.mark, mw.value.sources) == ("590 MW", "", ("corz_coreweave",))
    assert mw.note == "sum of the contracts listed below, computed here"
    assert facts["Contracted revenue, total"].note == "as of 2026Q1"


def test_two_number_styles_side_by_side_in_one_process(wulf, lookup):
    """Each document is worded by the formatter it is given, whichever was used before or
    after it: the tiles, the claims and a template's number filters of a European briefing
    and a plain one, built interleaved. (With a style in force for the length of a block, an
    environment or a lazily built part used outside its block silently fell back to the
    default: right only as long as every caller remembered.)"""
    euro = Formatter(NumberStyle(currency="€", negative="parentheses", decimal=","))
    euro_env = render.environment(ROOT / "templates", euro)
    plain_env = render.environment(ROOT / "templates", PLAIN)
    euro_tiles = {t.label: t.value.text for t in view.kpi_tiles(wulf, lookup, euro)}
    plain_tiles = {t.label: t.value.text for t in view.kpi_tiles(wulf, lookup, PLAIN)}
    euro_claims = " ".join(c.text for c in claims.miner_claims(wulf, euro, lookup))
    plain_claims = " ".join(c.text for c in claims.miner_claims(wulf, PLAIN, lookup))

    # Net income -427.6, AI/HPC share 21.0 / 34.0 = 61.76%.
    assert (euro_tiles["Net income"], euro_tiles["AI/HPC share"]) == ("(€427,6M)", "61,8%")
    assert (plain_tiles["Net income"], plain_tiles["AI/HPC share"]) == (
        f"{MINUS}$427.6M", "61.8%")
    assert "€427,6M" in euro_claims and "$" not in euro_claims
    assert "$427.6M" in plain_claims and "€" not in plain_claims
    template = "{{ -4.1 | money }} {{ 0.6176 | pct }} {{ 1234.5 | number('MW') }}"
    assert euro_env.from_string(template).render() == "(€4,1M) 61,8% 1.234,5 MW"
    assert plain_env.from_string(template).render() == f"{MINUS}$4.1M 61.8% 1,234.5 MW"


def test_listed_contracts_note_sets_only_the_companys_own_totals_beside_their_sum(dataset, wulf):
    # WULF gives its own MW and value (522 MW, $12.8B): the contracts' sums are set beside
    # both. CORZ gives its own value only; its MW is already our sum of the contracts, so the
    # note must not present it as the company's total (it did: "590.0 MW and $8.7B ... the
    # company's own total above is what the briefing uses", beside "590 MW (sum of the
    # contracts listed below, computed here)").
    corz = metrics.compute(dataset, "CORZ", "2026Q1")
    assert view.listed_contracts_sum(wulf.pipeline, PLAIN) == "600.5 MW and $14.2B"
    assert view.listed_contracts_sum(corz.pipeline, PLAIN) == "$8.7B"
    hut = metrics.compute(dataset, "HUT", "2026Q1")
    assert view.listed_contracts_sum(hut.pipeline, PLAIN) == ""  # its totals are the sums
