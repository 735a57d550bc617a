"""``reportgen update``: every miner with a CIK refreshed from SEC in one run, written all or none.

For each miner: its companyfacts (totals, :mod:`reportgen.sec`) and, when it has a
``filing_map``, its latest periodic filing's segment facts (:mod:`reportgen.filing.importer`;
after a 10-K the 10-Q before it too, so Q4 = FY − 9M can be worked out). The merges are planned
one after the other on the same texts, so the same filing's figure from both importers lands
once; then the whole result is validated, and with ``--write`` written only if it all passes.
This is what a quarterly cron runs before ``build`` and ``send``.

Downloads are kept under ``filings/CIK##########/`` so a run without ``--fetch`` works offline
from the last downloads.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportgen.errors import Problem, ReportgenError, SecDocumentError, UsageError
from reportgen.filing import importer as filing_import
from reportgen.filing.document import read_filing
from reportgen.inputs import read_raw
from reportgen.sec import merge as sec_merge
from reportgen.sec.document import read_document
from reportgen.sec.fetch import fetch, user_agent
from reportgen.sec.periods import Extraction, extract
from reportgen.sec.tags import load_tag_map

COMPANYFACTS_PATH = "/api/xbrl/companyfacts/CIK{cik:010d}.json"


@dataclass(frozen=True)
class UpdateOptions:
    downloads: Path
    """Where downloads are kept (``filings/`` in the project)."""
    fetch: bool = False
    write: bool = False
    user_agent: str | None = None


@dataclass(frozen=True)
class UpdateReport:
    miners: tuple[tuple[str, tuple[str, ...]], ...]
    """Per miner, what its run printed."""
    problems: tuple[str, ...]
    """Validation problems of the merged inputs and per-miner failures; any → nothing written."""
    written: bool
    added: int
    replaced: int

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        out = [line for _, lines in self.miners for line in lines]
        if self.problems:
            out.append(f"{len(self.problems)} problem(s); nothing written:")
            out += [f"  {problem}" for problem in self.problems]
        elif self.written:
            out.append(f"inputs validated and written: {self.added} rows added, "
                       f"{self.replaced} replaced")
        else:
            out.append(f"inputs would validate; nothing written: add --write to merge "
                       f"{self.added} new and {self.replaced} changed rows")
        return out


@dataclass
class _Texts:
    """facts.csv and sources.yaml as merged so far, and the merges that made them."""

    facts: str
    sources: str
    merges: list[sec_merge.Merge]

    def apply(self, merge: sec_merge.Merge) -> sec_merge.Merge:
        self.facts, self.sources = merge.facts_text, merge.sources_text
        self.merges.append(merge)
        return merge


def update(inputs_dir: Path, options: UpdateOptions) -> UpdateReport:
    """Import every miner with a CIK, validate the result, and write it only if it passes."""
    raw = read_raw(inputs_dir, display_root=inputs_dir.parent)
    entries = [e for e in (raw.companies or {}).get("companies") or []
               if isinstance(e, dict) and isinstance(e.get("cik"), int)]
    if not entries:
        raise UsageError(f"no miner in {raw.companies_file} has a cik: nothing to update")
    agent = user_agent(options.user_agent) if options.fetch else ""
    texts = _Texts((inputs_dir / "facts.csv").read_bytes().decode("utf-8"),
                   (inputs_dir / "sources.yaml").read_bytes().decode("utf-8"), [])
    miners, failures = [], []
    for entry in entries:
        ticker = str(entry.get("ticker"))
        try:
            lines = _miner(raw, ticker, options, agent, texts)
        except ReportgenError as error:
            lines = [f"{ticker}: failed: {error}"]
            failures.append(f"{ticker}: {error}")
        miners.append((ticker, tuple(lines)))
    combined = _combined(texts)
    problems = [*failures, *(str(p) for p in sec_merge.merged_problems(inputs_dir, combined))]
    written = False
    if options.write and not problems:
        sec_merge.write(inputs_dir, combined)
        written = True
    return UpdateReport(tuple(miners), tuple(problems), written, len(combined.added),
                        len(combined.replaced))


def _miner(raw: Any, ticker: str, options: UpdateOptions, agent: str,
           texts: _Texts) -> list[str]:
    company = filing_import.company_of(raw.companies, raw.companies_file, ticker)
    folder = options.downloads / f"CIK{company.cik:010d}"
    lines = [f"{ticker} (CIK {company.cik}):"]
    companyfacts = folder / "companyfacts.json"
    if options.fetch:
        data_url, _ = filing_import.sec_urls()
        fetch(company.cik, companyfacts, agent,
              url=data_url + COMPANYFACTS_PATH.format(cik=company.cik))
    if companyfacts.exists():
        tag_map = load_tag_map()
        document = read_document(companyfacts, tag_map.tags())
        if document.cik != company.cik:
            raise SecDocumentError([Problem(str(companyfacts), f"CIK {document.cik}, not "
                                                               f"{ticker}'s {company.cik}")])
        extraction = extract(document, tag_map,
                             fiscal_year_end_month=company.fiscal_year_end_month)
        merge = texts.apply(_plan(raw, texts, ticker, extraction))
        lines.append(f"  companyfacts: {_summary(merge)}")
        lines += [f"    {line}" for line in sec_merge.changed_lines(extraction)]
        lines += [f"    {conflict}" for conflict in merge.conflicts]
    else:
        lines.append(f"  companyfacts: none in {folder} (run with --fetch)")
    if company.entries:
        lines += _filings(raw, company, folder, options, agent, texts)
    else:
        lines.append("  filings: no filing_map in companies.yaml, so revenue lines are not "
                     "read from filings")
    lines.append(f"  not in the filings (add by hand): "
                 f"{', '.join(filing_import.not_given(company))}")
    return lines


def _filings(raw: Any, company: filing_import.Company, folder: Path, options: UpdateOptions,
             agent: str, texts: _Texts) -> list[str]:
    submissions = folder / "submissions.json"
    if options.fetch:
        listed = filing_import.fetch_submissions(company.cik, submissions, agent)
    elif submissions.exists():
        listed = filing_import.read_submissions(submissions, company.cik)
    else:
        return [f"  filings: no list of filings in {folder} (run with --fetch)"]
    chosen = latest_periodic(listed)
    if not chosen:
        return ["  filings: no 10-Q, 10-K, 20-F or 40-F among the recent filings"]
    sources = []
    for item in chosen:
        path = folder / item.filing.accession / item.primary_document
        if options.fetch and not path.exists():
            filing_import.fetch_filing(company.cik, item.filing.accession, path, agent, listed)
        if not path.exists():
            return [f"  filings: {path} not downloaded yet (run with --fetch)"]
        sources.append(filing_import.Source(read_filing(path), item.filing))
    extraction = filing_import.extract(sources, company)
    merge = texts.apply(_plan(raw, texts, company.ticker, extraction))
    names = ", ".join(f"{s.filing.form} {s.filing.accession}" for s in sources)
    return [f"  filings ({names}): {_summary(merge)}",
            *(f"    skipped {reason}" for reason in extraction.skipped),
            *(f"    {line}" for line in sec_merge.changed_lines(extraction)),
            *(f"    {conflict}" for conflict in merge.conflicts)]


def latest_periodic(listed: list[filing_import.Listed]) -> list[filing_import.Listed]:
    """The latest periodic filing; after a 10-K, also the latest 10-Q before it (Q3's 9 months)."""
    periodic = [item for item in listed if item.filing.form in filing_import.PERIODIC_FORMS]
    if not periodic:
        return []
    latest = periodic[-1]
    if latest.filing.form.startswith("10-K"):
        earlier = [item for item in periodic[:-1] if item.filing.form.startswith("10-Q")]
        return [*earlier[-1:], latest]
    return [latest]


def _plan(raw: Any, texts: _Texts, ticker: str, extraction: Extraction) -> sec_merge.Merge:
    return sec_merge.plan(texts.facts, texts.sources, raw.facts.file, raw.sources_file, ticker,
                          extraction)


def _summary(merge: sec_merge.Merge) -> str:
    return (f"{len(merge.added)} new, {len(merge.replaced)} changed, "
            f"{len(merge.unchanged)} already there, {len(merge.conflicts)} disagree")


def _combined(texts: _Texts) -> sec_merge.Merge:
    merges = texts.merges
    return sec_merge.Merge(
        texts.facts, texts.sources,
        added=tuple(f for m in merges for f in m.added),
        replaced=tuple(f for m in merges for f in m.replaced),
        unchanged=tuple(f for m in merges for f in m.unchanged),
        new_sources=tuple(f for m in merges for f in m.new_sources),
        conflicts=tuple(c for m in merges for c in m.conflicts))

