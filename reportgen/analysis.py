"""One analysis step, shared by ``build`` and ``send``: the period, every miner's metrics and
the peer table, computed before anything is written or sent."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from reportgen import metrics, peers, validate
from reportgen.config import Config
from reportgen.errors import UsageError
from reportgen.model import Dataset, Metrics
from reportgen.peers import RankedMetric


@dataclass(frozen=True, eq=False)
class Analysis:
    """What a build writes and a send composes from, decided before either starts."""

    period: str
    peers: tuple[Metrics, ...]
    """Every miner with a reported quarter up to the period: the peer set of every briefing."""
    chosen: tuple[str, ...]
    """The miners whose own briefings this build writes (``--miner``)."""
    silent: tuple[str, ...]
    """Miners with no reported quarter up to the period, named in the sector overview."""
    peer_table: pd.DataFrame
    """One row per peer, in the sector's order (``sector_sort``)."""
    ranked: Mapping[str, list[RankedMetric]]
    """Per peer: where it stands on each headline metric (its "Among peers" section)."""


def analyse(config: Config, dataset: Dataset, period: str | None = None) -> Analysis:
    """The period (``period``, else the config's, else the latest), every miner's metrics and
    the peer table; :class:`UsageError` when a chosen miner (``config.miners``) or every miner
    reported no quarter up to the period."""
    period = validate.check_request(dataset, period or config.period, config.miners)
    computed, silent = [], []
    for ticker in dataset.companies:
        try:
            computed.append(metrics.compute(dataset, ticker, period))
        except LookupError:
            silent.append(ticker)
    chosen = config.miners or tuple(m.company.ticker for m in computed)
    not_reported = [t for t in chosen if t in silent]
    if not_reported:
        raise UsageError(f"{', '.join(not_reported)} reported no quarter up to {period}; "
                         "choose a later --period or leave them out with --miner")
    if not computed:
        raise UsageError(f"no miner reported a quarter up to {period}")
    table = peers.sort_peers(peers.peer_table(computed, config.stale_after_quarters),
                             config.sector_sort)
    ranked = {m.company.ticker: peers.ranks(table, m.company.ticker) for m in computed}
    return Analysis(period, tuple(computed), tuple(chosen), tuple(silent), table, ranked)
