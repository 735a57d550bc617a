"""E-mailing the built briefings: ``reportgen send`` and ``reportgen status``.

:mod:`~reportgen.mail.recipients` who receives what (``inputs/stakeholders.yaml``);
:mod:`~reportgen.mail.compose` one message per recipient and period; :mod:`~reportgen.mail.smtp`
the SMTP session; :mod:`~reportgen.mail.ledger` the SQLite delivery ledger;
:mod:`~reportgen.mail.deliver` ``send`` itself. The package may use the core; the core never
imports it, and it never imports :mod:`reportgen.sec` or :mod:`reportgen.filing`
(``tests/test_architecture.py``).
"""
