"""``reportgen import-filing``: a filing's mapped facts → facts.csv rows, merged as import-sec.

The facts come from :mod:`reportgen.filing.document` (arelle, offline), the miner's map
from :mod:`reportgen.filing_map`. Periods are not worked out twice: the mapped facts become a
companyfacts-shaped :class:`reportgen.sec.document.Document` (one pseudo-tag per metric) and
go through :func:`reportgen.sec.periods.extract`, so a 3-month fact is a quarter, Q4 = FY − 9M
when a 10-K and the Q3 10-Q are imported together (both cited), a fiscal quarter belongs to
the calendar quarter of its midpoint. Merging is :mod:`reportgen.sec.merge`'s: beside rows
from other sources, disagreements listed, validated before an atomic write, one filing never
twice.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportgen import filing_map
from reportgen.errors import FilingDocumentError, InputError, Problem, UsageError
from reportgen.filing.document import FilingDocument, most_precise, read_filing
from reportgen.inputs import FACT_COLUMNS, read_raw
from reportgen.metrics import DISAGREEMENT_TOLERANCE
from reportgen.sec import merge as sec_merge
from reportgen.sec.document import (
    ACCESSION,
    FORM,
    MAX_JSON_BYTES,
    Document,
    Fact,
    Filing,
    SecDocumentError,
    _date,
)
from reportgen.sec.fetch import fetch, user_agent
from reportgen.sec.periods import Extraction, Figure
from reportgen.sec.periods import extract as extract_periods
from reportgen.sec.tags import TagMap, TagRule
from reportgen.vocabulary import METRICS

PSEUDO_TAXONOMY = "filing"
OPERATING = ("btc_mined", "hashrate", "fleet_efficiency", "power_capacity",
             "ai_hpc_mw_energized", "ai_hpc_mw_contracted", "ai_hpc_contracted_value")
"""Figures a briefing wants that filings rarely tag; listed when the map does not name them."""
SEC_URL_ENV = "REPORTGEN_SEC_URL"
"""Where SEC is (``https://`` hosts by default); a local server's address in tests."""
SUBMISSIONS_PATH = "/submissions/CIK{cik:010d}.json"
DOCUMENT_PATH = "/Archives/edgar/data/{cik}/{accession}/{name}"
PERIODIC_FORMS = ("10-Q", "10-K", "20-F", "40-F", "10-Q/A", "10-K/A", "20-F/A", "40-F/A")
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}\.html?$")


@dataclass(frozen=True)
class Company:
    ticker: str
    cik: int
    fiscal_year_end_month: int
    entries: tuple[filing_map.MapEntry, ...]
    revenue_lines: tuple[str, ...]


@dataclass(frozen=True)
class Source:
    """One filing read: its facts and what facts.csv cites."""

    document: FilingDocument
    filing: Filing


@dataclass(frozen=True)
class FilingOptions:
    files: tuple[Path, ...]
    """The inline XBRL documents (with ``fetch``: where each download is saved)."""
    ticker: str
    accessions: tuple[str, ...] = ()
    """One a file, in order, for local files (the filing is cited by it)."""
    filed: tuple[str, ...] = ()
    fetch: tuple[str, ...] = ()
    """Accession numbers to download (their primary documents) into ``files``."""
    write: bool = False
    user_agent: str | None = None


@dataclass(frozen=True)
class FilingReport:
    ticker: str
    sources: tuple[Source, ...]
    extraction: Extraction
    merge: sec_merge.Merge
    written: bool
    facts_file: str
    sources_file: str
    not_given: tuple[str, ...]
    downloaded: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        figures = self.extraction.figures
        out = [f"downloaded {item}" for item in self.downloaded]
        for source in self.sources:
            doc = source.document
            ended = doc.period_end.isoformat() if doc.period_end else "?"
            out.append(f"{self.ticker}: {doc.entity_name} (CIK {doc.cik}), {doc.form} for the "
                       f"period ended {ended}, accession {source.filing.accession}")
        quarters = sorted({f.period for f in figures if not f.period.startswith("FY")})
        span = f"; quarters {quarters[0]} to {quarters[-1]}" if quarters else ""
        out.append(f"{len(figures)} figures: {_count(figures, 'reported')} reported, "
                   f"{_count(figures, 'derived')} derived{span}")
        out += [f"skipped {reason}" for reason in self.extraction.skipped]
        out += sec_merge.changed_lines(self.extraction)
        out += conflict_lines(self.merge, self.facts_file)
        out += [f"not in the filing (add by hand): {', '.join(self.not_given)}"] \
            if self.not_given else []
        if not self.written:
            out.append(",".join(FACT_COLUMNS))
            out += [sec_merge._row_text(sec_merge._row(self.ticker, f)).rstrip("\n")
                    for f in figures]
        out.append(sec_merge.outcome(self.merge, self.written, self.facts_file,
                                     self.sources_file))
        return out


def conflict_lines(merge: sec_merge.Merge, facts_file: str) -> list[str]:
    if not merge.conflicts:
        return []
    return [f"{len(merge.conflicts)} figure(s) differ by more than "
            f"{DISAGREEMENT_TOLERANCE:.1%} from another source already in {facts_file} "
            "(both are kept; the briefing lists them):",
            *(f"  {conflict}" for conflict in merge.conflicts)]


def import_filing(inputs_dir: Path, options: FilingOptions) -> FilingReport:
    """Read (or fetch) the filings, extract the mapped figures, merge, and with ``write`` save."""
    raw = read_raw(inputs_dir, display_root=inputs_dir.parent)
    company = company_of(raw.companies, raw.companies_file, options.ticker)
    downloaded: list[str] = []
    if options.fetch:
        if len(options.fetch) != len(options.files):
            raise UsageError("--fetch: give one FILE (where to save) per accession number")
        agent = user_agent(options.user_agent)
        filings = []
        for accession, path in zip(options.fetch, options.files, strict=True):
            filing, url = fetch_filing(company.cik, accession, path, agent)
            filings.append(filing)
            downloaded.append(f"{url} to {path}")
    else:
        filings = local_filings(company.cik, options)
    sources = [Source(read_filing(path), filing)
               for path, filing in zip(options.files, filings, strict=True)]
    sources = [_with_form(source, company, raw.companies_file) for source in sources]
    extraction = extract(sources, company)
    facts_path, sources_path = inputs_dir / "facts.csv", inputs_dir / "sources.yaml"
    merge = sec_merge.plan(facts_path.read_bytes().decode("utf-8"),
                           sources_path.read_bytes().decode("utf-8"), raw.facts.file,
                           raw.sources_file, options.ticker, extraction)
    if options.write:
        sec_merge.write(inputs_dir, merge)
    return FilingReport(options.ticker, tuple(sources), extraction, merge, options.write,
                        raw.facts.file, raw.sources_file, not_given(company),
                        tuple(downloaded))


def company_of(companies: Any, file: str, ticker: str) -> Company:
    """The miner's CIK, fiscal year end and filing map from companies.yaml."""
    cik, month = sec_merge._company(companies, file, ticker)
    entry = next(e for e in companies["companies"]
                 if isinstance(e, dict) and e.get("ticker") == ticker)
    lines = entry.get("revenue_lines") if isinstance(entry.get("revenue_lines"), dict) else {}
    value = entry.get("filing_map")
    found = filing_map.problems(value, lines)
    if found:
        raise InputError([Problem(file, f"filing_map: {message}", ticker=ticker)
                          for _, message in found])
    return Company(ticker, cik, month, filing_map.parse(value, lines), tuple(lines))


def local_filings(cik: int, options: FilingOptions) -> list[Filing]:
    """The filings local files stand for: the accession numbers must be given, one a file."""
    if len(options.accessions) != len(options.files):
        raise UsageError("--accession: give the accession number of each FILE, in order (it "
                         "is how facts.csv cites the filing); EDGAR's filing index shows it")
    if options.filed and len(options.filed) != len(options.files):
        raise UsageError("--filed: give one date per FILE, in order, or none")
    filings = []
    for index, accession in enumerate(options.accessions):
        if not ACCESSION.match(accession):
            raise UsageError(f"--accession {accession!r}: expected 0001045810-25-000209 form")
        filed = options.filed[index] if options.filed else ""
        if filed and _date(filed) is None:
            raise UsageError(f"--filed {filed!r}: expected YYYY-MM-DD")
        filings.append(Filing(filed, accession, "", cik))
    return filings


def _with_form(source: Source, company: Company, file: str) -> Source:
    """The filing's form from its cover page; the document must be the miner's own."""
    document = source.document
    if document.cik != company.cik:
        raise FilingDocumentError([Problem(str(document.path), f"this filing is CIK {document.cik} "
                                  f"({document.entity_name}), but {file} gives {company.ticker} "
                                  f"CIK {company.cik}; import the right company's filing or "
                                  "fix the cik there")])
    form = source.filing.form or (document.form if FORM.match(document.form) else "filing")
    return Source(document, dataclasses.replace(source.filing, form=form))


def extract(sources: Sequence[Source], company: Company) -> Extraction:
    """The mapped figures of the filings, one per metric and period (see the module doc)."""
    groups = filing_map.metrics(company.entries)
    facts: dict[tuple[str, str, str], list[Fact]] = {}
    skipped: list[str] = []
    for source in sources:
        chosen = most_precise(source.document.facts).values()
        for metric, entries in groups.items():
            parts: dict[tuple[Any, Any], dict[filing_map.MapEntry, float]] = {}
            for fact in chosen:
                for entry in entries:
                    if entry.matches(fact.concept, fact.dimensions, fact.unit):
                        parts.setdefault((fact.start, fact.end), {})[entry] = \
                            fact.value * entry.scale * entry.sign
            tagged = {entry for found in parts.values() for entry in found}
            for (start, end), found in parts.items():
                if set(found) != tagged:
                    missing = ", ".join(e.label for e in entries if e in tagged - set(found))
                    skipped.append(f"{metric} {start or ''}..{end} in "
                                   f"{source.filing.accession}: {missing} not tagged for these "
                                   "dates, so the sum would be partial")
                    continue
                facts.setdefault((PSEUDO_TAXONOMY, metric, ""), []).append(
                    Fact(start, end, sum(found.values()), source.filing))
    latest = max(sources, key=lambda s: s.filing).document
    document = Document(latest.path, latest.cik, latest.entity_name,
                        {key: tuple(found) for key, found in facts.items()})
    rules = TagMap({metric: (TagRule(PSEUDO_TAXONOMY, metric, "", 1),)
                    for metric in groups})
    extraction = extract_periods(document, rules,
                                 fiscal_year_end_month=company.fiscal_year_end_month)
    labels = {f"{PSEUDO_TAXONOMY}:{metric}": " + ".join(e.label for e in entries)
              for metric, entries in groups.items()}
    figures = tuple(_relabelled(figure, labels) for figure in extraction.figures)
    return dataclasses.replace(extraction, figures=figures,
                               skipped=(*skipped, *extraction.skipped))


def _relabelled(figure: Figure, labels: Mapping[str, str]) -> Figure:
    note = figure.note
    for pseudo, label in labels.items():
        note = note.replace(f"({pseudo})", f"({label})").replace(pseudo, label)
    spec = METRICS.get(figure.metric)
    return dataclasses.replace(figure, note=note, unit=spec.unit if spec else "USD_M")


def not_given(company: Company) -> tuple[str, ...]:
    """What the briefing wants that this miner's map does not take from filings."""
    mapped = {entry.metric for entry in company.entries}
    missing = [metric for metric in OPERATING if metric not in mapped]
    missing += [line for line in company.revenue_lines if line not in mapped]
    return (*missing, "AI/HPC contracts (companies.yaml)")


# --- fetching ------------------------------------------------------------------------------------

def sec_urls() -> tuple[str, str]:
    """(data.sec.gov, www.sec.gov) base URLs; :data:`SEC_URL_ENV` replaces both (tests)."""
    override = os.environ.get(SEC_URL_ENV, "").strip().rstrip("/")
    return (override, override) if override else ("https://data.sec.gov", "https://www.sec.gov")


@dataclass(frozen=True)
class Listed:
    """One filing as SEC's submissions document lists it."""

    filing: Filing
    primary_document: str
    report_date: str


def fetch_submissions(cik: int, destination: Path, agent: str) -> list[Listed]:
    """Download the company's submissions document (its recent filings) and list them."""
    data_url, _ = sec_urls()
    fetch(cik, destination, agent, url=data_url + SUBMISSIONS_PATH.format(cik=cik))
    return read_submissions(destination, cik)


def read_submissions(path: Path, cik: int) -> list[Listed]:
    """The filings a submissions document lists (``filings.recent``), oldest first."""
    try:
        document = json.loads(path.read_bytes()[:MAX_JSON_BYTES])
        recent = document["filings"]["recent"]
        rows = zip(recent["accessionNumber"], recent["filingDate"], recent["form"],
                   recent["primaryDocument"], recent["reportDate"], strict=False)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise SecDocumentError([Problem(str(path), "not an SEC submissions document "
                                                   f"({error!r})")]) from None
    listed = []
    for accession, filed, form, name, report in rows:
        if (isinstance(accession, str) and ACCESSION.match(accession)
                and isinstance(form, str) and FORM.match(form)
                and _date(filed) is not None and isinstance(name, str)):
            listed.append(Listed(Filing(filed, accession, form, cik), name, str(report)))
    return sorted(listed, key=lambda item: item.filing)


def fetch_filing(cik: int, accession: str, destination: Path, agent: str,
                 listed: Sequence[Listed] | None = None) -> tuple[Filing, str]:
    """Download one filing's primary document (found in the submissions list) to
    ``destination``; returns the filing as cited and the URL fetched."""
    if not ACCESSION.match(accession):
        raise UsageError(f"--fetch {accession!r}: expected an accession number like "
                         "0001045810-25-000209")
    if listed is None:
        listed = fetch_submissions(cik, destination.with_suffix(".submissions.json"), agent)
    found = next((item for item in listed if item.filing.accession == accession), None)
    if found is None:
        raise UsageError(f"--fetch {accession}: not among CIK {cik}'s recent filings on SEC")
    if not SAFE_NAME.match(found.primary_document):
        raise SecDocumentError([Problem(
            "SEC submissions", f"{accession}: primary document {found.primary_document!r} is "
                               "not an inline XBRL .htm reportgen can read")])
    _, archives = sec_urls()
    url = archives + DOCUMENT_PATH.format(cik=cik, accession=accession.replace("-", ""),
                                          name=found.primary_document)
    fetch(cik, destination, agent, url=url)
    return found.filing, url


def _count(figures: tuple[Figure, ...], status: str) -> int:
    return sum(1 for figure in figures if figure.status == status)
