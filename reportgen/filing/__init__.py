"""Figures from a filing's inline XBRL: ``reportgen import-filing`` and ``reportgen update``.

:mod:`~reportgen.filing.document` reads a filing's facts offline with arelle;
:mod:`~reportgen.filing.importer` applies the miner's ``filing_map`` (its rules are the core's
:mod:`reportgen.filing_map`, checked with the inputs) and merges through :mod:`reportgen.sec`;
:mod:`~reportgen.filing.update` refreshes every miner from SEC (companyfacts, then filings).
It builds on :mod:`reportgen.sec` (never the other way round) and the core; the core never
imports it (``tests/test_architecture.py``).
"""
