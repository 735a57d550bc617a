"""The data that flows between stages (reportgen/model.py): a miner's revenue lines and their
businesses, and a prices frame with its columns typed even when it has no rows."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from reportgen.model import PRICE_COLUMNS, Company, Dataset, empty_prices

WULF = Company("WULF", "TeraWulf Inc.", 1083301, 12,
               {"revenue_hpc_lease": "ai_hpc", "revenue_mining": "mining"},
               revenue_line_labels={"revenue_hpc_lease": "HPC lease"})


@pytest.mark.parametrize(("metric", "business"), [
    ("revenue_hpc_lease", "ai_hpc"),  # the miner's own line
    ("revenue_mining", "mining"),
    ("revenue_ai_hpc", "ai_hpc"),  # a line every miner has
    ("revenue_other", "other"),
    ("revenue_total", None),  # the total is no business
    ("revenue_colocation", None),  # another miner's line
])
def test_business_of_a_revenue_line(metric: str, business: str | None) -> None:
    assert WULF.business_of(metric) == business


def test_a_miners_own_line_decides_over_the_default() -> None:
    odd = dataclasses.replace(WULF, revenue_lines={"revenue_other": "ai_hpc"})
    assert odd.business_of("revenue_other") == "ai_hpc"


def test_a_company_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        WULF.name = "Someone else"  # type: ignore[misc]


def test_an_empty_prices_frame_has_typed_columns() -> None:
    prices = empty_prices()
    assert prices.empty and list(prices.columns) == list(PRICE_COLUMNS)
    assert pd.api.types.is_datetime64_any_dtype(prices["date"])
    assert all(prices[name].dtype == float
               for name in ("close", "shares_outstanding", "market_cap"))


# --- a dataset without prices.csv ------------------------------------------------------------


def test_a_dataset_built_without_prices_has_an_empty_frame():
    dataset = Dataset({}, pd.DataFrame(), pd.DataFrame(), {})
    assert dataset.prices.empty
    assert list(dataset.prices.columns) == list(PRICE_COLUMNS)
