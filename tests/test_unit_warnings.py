"""Unit-slip warnings compare every figure of a series against one typical value."""

from __future__ import annotations

from pathlib import Path

from reportgen import inputs, safeyaml, validate


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
