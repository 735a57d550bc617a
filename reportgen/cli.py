"""Command line: parse, call the library, print, exit. No logic lives here.

Heavy libraries (WeasyPrint, matplotlib) are imported only by the commands that render, so
``--help`` and ``validate`` stay fast.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from reportgen import __version__
from reportgen.errors import ReportgenError, UsageError, printable

if TYPE_CHECKING:
    from reportgen.build import BuildReport
    from reportgen.config import Config

EXIT_OK, EXIT_INPUT, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_INTERRUPTED = 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reportgen",
        description="Sourced quarterly briefings on listed Bitcoin miners' AI/HPC pivot.")
    parser.add_argument("--version", action="version", version=f"reportgen {__version__}")
    parser.add_argument("--config", type=Path, help="settings file (default: ./reportgen.yaml)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="print nothing but errors (build and validate; for cron)")
    parser.add_argument("--debug", action="store_true",
                        help="on an error, also print the Python traceback")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    for add in (_build_parser, _project_parsers, _mail_parsers, _sec_parser, _filing_parsers):
        add(commands)
    return parser


def _build_parser(commands: Any) -> None:
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
    build.add_argument("--jobs", type=int, metavar="N",
                       help="worker processes for rendering (default: one per core)")
    build.add_argument("--force", action="store_true",
                       help="rebuild every output even if nothing it depends on changed")
    build.add_argument("--explain", action="store_true",
                       help="print why each output was or was not rebuilt: the facts, "
                            "templates, config settings or tool versions that changed")
    build.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                       help="print nothing but errors (--explain still prints)")


def _project_parsers(commands: Any) -> None:
    """validate, init and metrics: the commands that set up and check a project."""
    commands.add_parser("validate", help="check inputs/ and report every problem; writes nothing")

    init = commands.add_parser(
        "init", help="start a project: reportgen.yaml, inputs/ and outputs/ in DIR",
        description="Create a project in DIR (default: this folder): reportgen.yaml with every "
                    "setting at its default, commented out; inputs/ with each file's header "
                    "and a commented example (inputs/README.txt has the CSV examples); an "
                    "empty outputs/. It validates as written. Nothing is overwritten: if any "
                    "of these files exists, nothing is written.")
    init.add_argument("dir", nargs="?", type=Path, default=Path(), metavar="DIR",
                      help="the project folder, made if missing (default: this folder)")
    init.add_argument("--sample", action="store_true",
                      help="fill inputs/ with the sample figures (five miners) instead")

    reference = commands.add_parser(
        "metrics", help="list the metrics facts.csv accepts and each miner's revenue lines",
        description="List the vocabulary of inputs/facts.csv (name, unit, sign rule, "
                    "meaning), the company guidance forms, the market metrics of "
                    "inputs/market.csv, and the revenue lines each miner declares in "
                    "inputs/companies.yaml with their business and label.")
    reference.add_argument("--miner", action="append", metavar="TICKER",
                           help="only this miner's revenue lines (repeatable)")


def _mail_parsers(commands: Any) -> None:
    """send and status: the deliveries and their ledger."""
    send = commands.add_parser(
        "send", help="e-mail each stakeholder the current briefings they follow",
        description="E-mail each recipient in inputs/stakeholders.yaml one message per period: "
                    "a summary of each miner they follow and the PDFs attached. Only briefings "
                    "that exist and match the current inputs are sent; if any is missing or "
                    "stale, nothing is sent and the command says to run 'reportgen build' "
                    "first (it never builds by itself). Each delivery is recorded in the "
                    "ledger, so a second run sends only what was not delivered.")
    send.add_argument("--period", help="calendar quarter (default: latest)")
    send.add_argument("--dry-run", action="store_true",
                      help="write each message as a .eml file under outputs/<period>/outbox/ "
                           "and connect to nothing")
    send.add_argument("--only", action="append", metavar="TICKER",
                      help="send only these miners' briefings (repeatable; the sector "
                           "overview is left out)")
    send.add_argument("--to", metavar="ADDR",
                      help="preview: send every message to this one address instead; "
                           "not recorded in the ledger")
    send.add_argument("--resend", action="store_true",
                      help="send again what the ledger says was sent or may have been")

    status = commands.add_parser("status", help="list who got what, when, and what failed")
    status.add_argument("--period", help="only this calendar quarter")


def _sec_parser(commands: Any) -> None:
    sec_import = commands.add_parser(
        "import-sec", help="import figures from an SEC XBRL companyfacts JSON document",
        description="Read an SEC XBRL companyfacts document and print one facts.csv row per "
                    "metric and calendar quarter, each citing its filing (form, accession, "
                    "filed date, index URL). With --write, merge them into inputs/facts.csv "
                    "and the filings into inputs/sources.yaml: figures from other sources are "
                    "kept, disagreements reported, nothing written unless the result "
                    "validates. XBRL has no segment split (mining vs AI/HPC).")
    sec_import.add_argument("file", type=Path, metavar="FILE.json",
                            help="the companyfacts document (with --fetch: where to save it)")
    sec_import.add_argument("--ticker", required=True,
                            help="the miner in inputs/companies.yaml (its cik must match)")
    sec_import.add_argument("--write", action="store_true",
                            help="merge into inputs/ (default: print the rows only)")
    sec_import.add_argument("--as-first-reported", action="store_true",
                            help="take each figure as first filed, not as latest restated")
    sec_import.add_argument("--tags", type=Path, metavar="FILE",
                            help="extra tag mapping, tried before reportgen/sec/tags.yaml")
    sec_import.add_argument("--fetch", type=int, metavar="CIK",
                            help="download the document from data.sec.gov first (User-Agent "
                                 "from $REPORTGEN_SEC_USER_AGENT)")


def _filing_parsers(commands: Any) -> None:
    """import-filing and update: a filing's segment facts, and every miner refreshed."""
    filing = commands.add_parser(
        "import-filing", help="import mapped figures from a 10-Q/10-K inline XBRL filing",
        description="Read inline XBRL filings (.htm) offline and print one facts.csv row per "
                    "mapped metric and calendar quarter (the miner's filing_map in "
                    "companies.yaml says which concept and member feed which revenue line), "
                    "each citing its filing. With --write, merge as import-sec does.")
    filing.add_argument("files", type=Path, nargs="+", metavar="FILE.htm",
                        help="the filings' inline XBRL (with --fetch: where to save each); a "
                             "10-K with its Q3 10-Q gives Q4 = FY - 9M")
    filing.add_argument("--ticker", required=True, help="the miner in inputs/companies.yaml")
    filing.add_argument("--accession", action="append", default=[], metavar="ACCESSION",
                        help="each FILE's accession number, in order (how rows cite it)")
    filing.add_argument("--filed", action="append", default=[], metavar="YYYY-MM-DD",
                        help="each FILE's filing date, in order (optional)")
    filing.add_argument("--fetch", action="append", default=[], metavar="ACCESSION",
                        help="download this filing's primary document from SEC to FILE first")
    filing.add_argument("--write", action="store_true",
                        help="merge into inputs/ (default: print the rows only)")
    update = commands.add_parser(
        "update", help="refresh every miner with a cik: companyfacts and latest filings",
        description="For every miner with a cik: import its companyfacts and, if it has a "
                    "filing_map, its latest 10-Q/10-K; print what is new, changed and "
                    "disagrees, then validate. With --write the inputs are written only if "
                    "every merged input validates. Downloads are kept in filings/.")
    update.add_argument("--fetch", action="store_true",
                        help="download from SEC first (else use what is in filings/)")
    update.add_argument("--write", action="store_true",
                        help="merge into inputs/ if everything validates")


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; every failure ends in a message on stderr and an exit code.

    A problem the user can fix (:class:`ReportgenError`) prints its message; anything else (a
    bug, memory exhausted) prints one line naming it, exit code 3. ``--debug`` adds the
    traceback in both cases.
    """
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args([*(argv if argv is not None else sys.argv[1:]), "build"])
    logging.basicConfig(level=logging.ERROR if args.quiet else
                        logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return _run(args)
    except ReportgenError as error:
        if args.debug:
            _traceback()
        _say(str(error), sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        if args.debug:
            _traceback()
        _say("interrupted", sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as error:  # a bug or an exhausted resource: one line, not a traceback
        if args.debug:
            _traceback()
        detail = str(error).replace("\n", " ")
        detail = detail if len(detail) <= 300 else detail[:300] + "..."
        hint = "the traceback is above" if args.debug else "reportgen --debug shows the traceback"
        _say(f"internal error: {type(error).__name__}{': ' + detail if detail else ''} "
             f"({hint})", sys.stderr)
        return EXIT_INTERNAL


def _traceback() -> None:
    """The traceback of the error being handled, with control characters escaped."""
    for line in traceback.format_exc().rstrip("\n").split("\n"):
        print(printable(line), file=sys.stderr)


def _say(text: str, stream: TextIO | None = None) -> None:
    """Print ``text`` with control characters from data escaped (no raw ESC, BEL, bidi)."""
    lines = [printable(line) for line in text.split("\n")]
    if stream is sys.stderr:
        lines[0] = f"reportgen: {lines[0]}"
    print("\n".join(lines), file=stream or sys.stdout)


def _run(args: argparse.Namespace) -> int:
    from reportgen import config as config_module

    if args.command == "init":
        return _init(args)
    config = config_module.load(args.config)
    if args.command == "validate":
        with contextlib.redirect_stdout(io.StringIO()) if args.quiet else \
                contextlib.nullcontext():
            return _validate(config)  # --quiet: the "inputs OK" line is not printed
    if args.command == "metrics":
        return _metrics(config, args)
    if args.command == "send":
        return _send(config, args)
    if args.command == "status":
        return _status(config, args)
    if args.command == "import-sec":
        return _import_sec(config, args)
    if args.command == "import-filing":
        return _import_filing(config, args)
    if args.command == "update":
        return _update(config, args)
    return _build(config, args)


def _send(config: Config, args: argparse.Namespace) -> int:
    from reportgen.mail.deliver import Outcome, SendOptions, send

    def show(outcome: Outcome) -> None:
        detail = f" ({outcome.reply})" if outcome.reply else ""
        _say(f"  {outcome.state:<8} {outcome.recipient}: {outcome.subject}{detail}")

    options = SendOptions(period=args.period, dry_run=args.dry_run,
                          only=tuple(args.only or ()), to=args.to, resend=args.resend)
    report = send(config, options, on_outcome=show)
    counts = ", ".join(f"{report.count(s)} {s}" for s in
                       ("sent", "written", "skipped", "failed", "unknown") if report.count(s))
    print(f"{report.period}: {counts or 'nothing to send'}")
    if report.ledger is not None:
        _say(f"ledger: {_shown(report.ledger, config)}")
    if report.count("skipped") and not report.count("sent"):
        print("already delivered messages were not sent again (use --resend to send them)")
    return EXIT_OK if report.ok else EXIT_INPUT


def _metrics(config: Config, args: argparse.Namespace) -> int:
    from reportgen.vocabulary import reference

    companies = config.inputs_dir / "companies.yaml"
    for line in reference(companies, _shown(companies, config), args.miner or ()):
        _say(line)  # tickers and labels come from the inputs
    return EXIT_OK


def _shown(path: Path, config: Config) -> str:
    """``path`` relative to the project folder where it is inside it."""
    return str(path.relative_to(config.project_root) if path.is_relative_to(
        config.project_root) else path)


def _count(number: int, word: str, plural: str = "") -> str:
    """``1 miner``, ``2 miners``, ``1 delivery``, ``3 deliveries``."""
    return f"{number:,} {word if number == 1 else plural or word + 's'}"


def _status(config: Config, args: argparse.Namespace) -> int:
    from reportgen.mail.ledger import open_ledger

    _say(f"ledger: {_shown(config.ledger_file, config)}")
    if not config.ledger_file.exists():
        print("no deliveries recorded yet")
        return EXIT_OK
    with open_ledger(config.ledger_file, wait=True) as ledger:
        rows = ledger.rows(args.period)
    for row in rows:
        _say(f"{row.period}  {row.state:<8} {row.updated_at}  {row.recipient:<32} "
             f"{row.subject}  [{row.message_id}] {row.reply}")
    print(f"{_count(len(rows), 'delivery', 'deliveries')} recorded")
    return EXIT_OK


def _import_sec(config: Config, args: argparse.Namespace) -> int:
    from reportgen.sec.merge import ImportOptions, import_sec

    report = import_sec(config.inputs_dir, ImportOptions(
        file=args.file, ticker=args.ticker, write=args.write,
        as_first_reported=args.as_first_reported, tags=args.tags, fetch=args.fetch,
        user_agent=config.sec_user_agent))
    for line in report.lines():
        _say(line)  # entity names, forms and notes come from a downloaded document
    return EXIT_OK


def _import_filing(config: Config, args: argparse.Namespace) -> int:
    from reportgen.filing.importer import FilingOptions, import_filing

    report = import_filing(config.inputs_dir, FilingOptions(
        files=tuple(args.files), ticker=args.ticker, accessions=tuple(args.accession),
        filed=tuple(args.filed), fetch=tuple(args.fetch), write=args.write,
        user_agent=config.sec_user_agent))
    for line in report.lines():
        _say(line)  # names, forms and notes come from the filing
    return EXIT_OK


def _update(config: Config, args: argparse.Namespace) -> int:
    from reportgen.filing.update import UpdateOptions, update

    report = update(config.inputs_dir, UpdateOptions(
        downloads=config.project_root / "filings", fetch=args.fetch, write=args.write,
        user_agent=config.sec_user_agent))
    for line in report.lines():
        _say(line)
    return EXIT_OK if report.ok else EXIT_INPUT


def _init(args: argparse.Namespace) -> int:
    from reportgen.scaffold import init

    project = init(args.dir.absolute(), sample=args.sample)
    inputs = [name for name in project.files if name.startswith("inputs/")]
    _say(f"created {project.root}: reportgen.yaml, inputs/ ({len(inputs)} files), outputs/")
    where = "" if project.root == Path.cwd() else f" (in {project.root})"
    if project.sample:
        _say(f"next{where}: reportgen build")
    else:
        _say(f"next{where}: add a miner to inputs/companies.yaml, its sources to "
             "inputs/sources.yaml and its figures to inputs/facts.csv (inputs/README.txt "
             "shows how), then reportgen validate and reportgen build")
    return EXIT_OK


def _validate(config: Config) -> int:
    from reportgen.build import load_dataset
    from reportgen.mail import recipients as stakeholders

    dataset = load_dataset(config)
    recipients = ""
    if (config.inputs_dir / stakeholders.FILE_NAME).exists():  # needed only by send
        found = stakeholders.load(config.inputs_dir, tuple(dataset.companies),
                                  config.project_root)
        recipients = f", {_count(len(found), 'recipient')}"
    print(f"inputs OK: {_count(len(dataset.companies), 'miner')}, "
          f"{_count(len(dataset.facts), 'figure')}, "
          f"{_count(len(dataset.sources), 'source')}{recipients}")
    return EXIT_OK


def _build(config: Config, args: argparse.Namespace) -> int:
    from reportgen.build import BriefingResult, build
    from reportgen.workers import WarningTally

    config = config.with_overrides(
        period=args.period, miners=tuple(args.miner) if args.miner else None,
        formats=args.formats, outputs_dir=args.out.resolve() if args.out else None)
    started = time.perf_counter()
    # On a terminal: a line per finished output and a summary; elsewhere (cron, a pipe, the
    # tests) only the one summary line on stdout. --quiet: only errors.
    interactive = sys.stderr.isatty() and not args.quiet

    def progress(result: BriefingResult) -> None:
        if interactive:
            covers = f" (latest reported: {result.period})" if result.is_stale else ""
            pages = f", {result.pages} pages" if result.pages else ""
            print(f"  {result.ticker:<6} {result.requested_period}{covers}{pages}, "
                  f"{result.seconds:.1f}s", file=sys.stderr)

    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs: expected 1 or more")
    with WarningTally.installed(report=not args.quiet):  # identical warnings once, counted
        report = build(config, jobs=args.jobs, force=args.force, on_briefing=progress)
    if args.explain:
        for decision in report.decisions:
            verdict = "rebuilt" if decision.rebuild else "kept"
            first, *more = decision.reason.split("\n")
            _say("\n".join([f"  {decision.name:<8} {verdict:<8} {first}",
                            *(f"{'':<20}{line}" for line in more)]))
    if args.quiet:
        return EXIT_OK
    if interactive:
        _summary(report, config)
    files = sum(len(b.files) for b in report.briefings)
    miners = sum(1 for b in report.briefings if b.ticker != "sector")
    sector = any(b.ticker == "sector" for b in report.briefings)
    kept = sum(1 for d in report.decisions if not d.rebuild)
    print(f"{report.period}: rebuilt {miners} miner briefing{'s' if miners != 1 else ''}"
          f"{' and the sector overview' if sector else ''}, {kept} unchanged ({files} files "
          f"written) in {report.out_dir} in {time.perf_counter() - started:.1f}s")
    return EXIT_OK


def _summary(report: BuildReport, config: Config) -> None:
    """On a terminal, before the summary line: pages, the slowest output, what was kept, and
    where the archive page is."""
    parts = []
    pages = sum(b.pages for b in report.briefings)
    if pages:
        parts.append(f"{pages} page{'s' if pages != 1 else ''}")
    if report.briefings:
        slowest = max(report.briefings, key=lambda b: b.seconds)
        parts.append(f"slowest {slowest.ticker} {slowest.seconds:.1f}s")
    kept = [d.name for d in report.decisions if not d.rebuild]
    if kept:
        parts.append(f"unchanged: {', '.join(kept)}")
    index = config.outputs_dir / "index.html"
    if index.is_file():
        parts.append(f"archive: {index}")
    print(printable("  " + "; ".join(parts)), file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
