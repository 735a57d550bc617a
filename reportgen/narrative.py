"""Sentences as plain text, from the claims the rules in :mod:`reportgen.claims` allow.

Documents that can mark figures (HTML, PDF) print the claims' parts themselves; this module
serves the places that want a plain sentence (tests, CSV, an e-mail's lead).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from reportgen.claims import MAX_SENTENCES, miner_claims, period_name, sector_claims
from reportgen.formatting import Formatter
from reportgen.model import Metrics

__all__ = ["MAX_SENTENCES", "period_name", "sector_sentences", "sentences"]


def sentences(metrics: Metrics, fmt: Formatter) -> list[str]:
    return [claim.text for claim in miner_claims(metrics, fmt)]


def sector_sentences(peers: pd.DataFrame, period: str, fmt: Formatter,
                     silent: Sequence[str] = ()) -> list[str]:
    return [claim.text for claim in sector_claims(peers, period, fmt, silent)]
