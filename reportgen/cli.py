"""Command line: parse, call the library, print, exit. No logic lives here.

Heavy libraries (WeasyPrint, matplotlib) are imported only by the commands that render, so
``--help`` and ``validate`` stay fast.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from reportgen import __version__
from reportgen.errors import ReportgenError

if TYPE_CHECKING:
    from reportgen.config import Config

EXIT_OK, EXIT_INPUT, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reportgen",
        description="Sourced quarterly briefings on listed Bitcoin miners' AI/HPC pivot.")
    parser.add_argument("--version", action="version", version=f"reportgen {__version__}")
    parser.add_argument("--config", type=Path, help="settings file (default: ./reportgen.yaml)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    build = commands.add_parser(
        "build", help="validate inputs/ and write briefings to outputs/<period>/",
        description="Validate inputs/, then write each miner's PDF, HTML and metrics CSV to "
                    "outputs/<period>/ with a manifest. A miner that has not reported the "
                    "period gets a briefing on its latest reported quarter, and says so.")
    build.add_argument("--period", help="calendar quarter such as 2026Q1 (default: latest)")
    build.add_argument("--miner", action="append", metavar="TICKER",
                       help="build only this miner (repeatable; default: all)")
    build.add_argument("--format", dest="formats", metavar="pdf,html",
                       type=lambda text: tuple(p.strip() for p in text.split(",") if p.strip()),
                       help="which documents to write (default: pdf,html)")
    build.add_argument("--out", type=Path, help="output folder (default: outputs/)")

    commands.add_parser("validate", help="check inputs/ and report every problem; writes nothing")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args([*(argv if argv is not None else sys.argv[1:]), "build"])
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return _run(args)
    except ReportgenError as error:
        print(f"reportgen: {error}", file=sys.stderr)
        return error.exit_code


def _run(args: argparse.Namespace) -> int:
    from reportgen import config as config_module

    config = config_module.load(args.config)
    if args.command == "validate":
        return _validate(config)
    return _build(config, args)


def _validate(config: Config) -> int:
    from reportgen.build import load_dataset

    dataset = load_dataset(config)
    print(f"inputs OK: {len(dataset.companies)} miners, {len(dataset.facts)} figures, "
          f"{len(dataset.sources)} sources")
    return EXIT_OK


def _build(config: Config, args: argparse.Namespace) -> int:
    from reportgen.build import BriefingResult, build

    config = config.with_overrides(
        period=args.period, miners=tuple(args.miner) if args.miner else None,
        formats=args.formats, outputs_dir=args.out.resolve() if args.out else None)
    started = time.perf_counter()
    interactive = sys.stderr.isatty()

    def progress(result: BriefingResult) -> None:
        if interactive:
            covers = f" (latest reported: {result.period})" if result.is_stale else ""
            pages = f", {result.pages} pages" if result.pages else ""
            print(f"  {result.ticker:<6} {result.requested_period}{covers}{pages}, "
                  f"{result.seconds:.1f}s", file=sys.stderr)

    report = build(config, on_briefing=progress)
    files = sum(len(b.files) for b in report.briefings)
    miners = sum(1 for b in report.briefings if b.ticker != "sector")
    print(f"built {miners} miner briefing{'s' if miners != 1 else ''} and the sector overview "
          f"for {report.period} "
          f"({files} files) in {report.out_dir} in {time.perf_counter() - started:.1f}s")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
