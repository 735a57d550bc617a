"""Figures from SEC XBRL companyfacts: ``reportgen import-sec`` (and the period rules the filing
importer shares).

:mod:`~reportgen.sec.tags` which tags feed which metric (``tags.yaml``);
:mod:`~reportgen.sec.document` reading a companyfacts JSON document, strictly;
:mod:`~reportgen.sec.periods` its facts → one figure per metric and quarter;
:mod:`~reportgen.sec.fetch` downloading it from SEC; :mod:`~reportgen.sec.merge` merging the
figures into ``inputs/``. The package may use the core; the core never imports it
(``tests/test_architecture.py``).
"""
