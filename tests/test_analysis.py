"""The analysis step build and send share (reportgen/analysis.py): the period, every miner's
metrics and the peer table, decided before anything is written or sent."""

from __future__ import annotations

import dataclasses

import pytest

from reportgen import config
from reportgen.analysis import analyse
from reportgen.config import Config
from reportgen.errors import UsageError
from reportgen.model import Dataset
from tests.conftest import ROOT

SAMPLE_MINERS = ("WULF", "CORZ", "IREN", "CIFR", "HUT")


@pytest.fixture(scope="module")
def settings() -> Config:
    return config.load(project_root=ROOT)


def test_the_latest_quarter_every_miner_and_their_ranks(settings: Config,
                                                        sample_dataset: Dataset) -> None:
    found = analyse(settings, sample_dataset)
    assert found.period == "2026Q1"
    assert tuple(m.company.ticker for m in found.peers) == SAMPLE_MINERS
    assert (found.chosen, found.silent) == (SAMPLE_MINERS, ())
    assert sorted(found.peer_table.index) == sorted(SAMPLE_MINERS)
    assert set(found.ranked) == set(SAMPLE_MINERS)
    # ranks are among the peers that disclose the figure: WULF's AI/HPC share (21/34) is
    # second of the three miners reporting one
    share = next(r for r in found.ranked["WULF"] if r.key == "ai_hpc_share")
    assert (share.rank, share.disclosed, share.peers) == (2, 3, 5)
    assert share.value == pytest.approx(21 / 34)


def test_a_miner_without_a_quarter_up_to_the_period_is_silent_not_a_peer(
        settings: Config, sample_dataset: Dataset) -> None:
    found = analyse(settings, sample_dataset, "2023Q4")  # only WULF reported by then
    assert [m.company.ticker for m in found.peers] == ["WULF"]
    assert found.silent == ("CORZ", "IREN", "CIFR", "HUT")
    assert found.chosen == ("WULF",)
    assert list(found.peer_table.index) == ["WULF"]


def test_asking_for_a_silent_miner_is_a_usage_error(settings: Config,
                                                    sample_dataset: Dataset) -> None:
    chosen = dataclasses.replace(settings, miners=("WULF", "CORZ"))
    with pytest.raises(UsageError) as raised:
        analyse(chosen, sample_dataset, "2023Q4")
    assert str(raised.value) == ("CORZ reported no quarter up to 2023Q4; choose a later "
                                 "--period or leave them out with --miner")


def test_one_miner_chosen_is_still_ranked_among_all_peers(settings: Config,
                                                          sample_dataset: Dataset) -> None:
    chosen = dataclasses.replace(settings, miners=("HUT",), period="2025Q4")
    found = analyse(chosen, sample_dataset)  # the configured period, as no --period is given
    assert (found.period, found.chosen) == ("2025Q4", ("HUT",))
    assert len(found.peers) == len(SAMPLE_MINERS)
