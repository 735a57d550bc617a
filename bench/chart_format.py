"""Which chart format should the PDF use? Times WeasyPrint on one briefing with the charts as
SVG images (what reportgen ships) against the same charts as 200 dpi PNG images.

    python bench/chart_format.py [--miner WULF] [--repeat 3]

Uses the sample inputs; writes nothing. Run by hand.
"""

from __future__ import annotations

import argparse
import base64
import io
import time
from datetime import UTC, datetime
from pathlib import Path

from reportgen import analysis, build, charts, claims, config, peers, render, view, workers
from reportgen.formatting import Formatter

ROOT = Path(__file__).resolve().parent.parent


def _html(settings: config.Config, ticker: str) -> str:
    dataset = build.load_dataset(settings)
    chosen = analysis.analyse(settings, dataset)
    table = peers.sort_peers(peers.peer_table(chosen.peers))
    miner = next(m for m in chosen.peers if m.company.ticker == ticker)
    fmt = Formatter(settings.number_style)
    found = claims.miner_claims(miner, fmt, stale_after=settings.stale_after_quarters)
    context = view.context(miner, charts.build_charts(miner, fmt), found,
                           dict(dataset.sources), workers.settings(settings, dataset),
                           peers.ranks(table, ticker), dataset.market, fmt)
    return render.html(render.environment(settings.template_dirs, fmt), "briefing.html", context)


def _png_svg(figure: object) -> str:
    """Stand-in for charts._svg: a PNG wrapped in an SVG <image>, so the template is unchanged."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=200)  # type: ignore[attr-defined]
    width, height = figure.get_size_inches()  # type: ignore[attr-defined]
    data = base64.b64encode(buffer.getvalue()).decode()
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width * 72}pt" '
            f'height="{height * 72}pt" viewBox="0 0 {width * 72} {height * 72}">'
            f'<image width="{width * 72}" height="{height * 72}" '
            f'href="data:image/png;base64,{data}"/></svg>')


def _time(html: str, settings: config.Config, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        render.pdf(html, (settings.templates_dir,), datetime.now(tz=UTC),
                   base_dir=settings.templates_dir)
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--miner", default="WULF")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    settings = config.load(ROOT / "reportgen.yaml")
    svg_html = _html(settings, args.miner)
    original = charts._svg
    charts._svg = _png_svg  # type: ignore[assignment]
    try:
        png_html = _html(settings, args.miner)
    finally:
        charts._svg = original  # type: ignore[assignment]
    svg_s, png_s = _time(svg_html, settings, args.repeat), _time(png_html, settings, args.repeat)
    print(f"{args.miner}: WeasyPrint with SVG charts {svg_s:.2f} s, with 200 dpi PNG charts "
          f"{png_s:.2f} s (best of {args.repeat}); SVG/PNG = {svg_s / png_s:.2f}")


if __name__ == "__main__":
    main()
