"""Downloading a companyfacts document from SEC (optional: ``import-sec --fetch``, ``update``)."""

from __future__ import annotations

import logging
import os
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from reportgen.errors import ReportgenError, UsageError
from reportgen.files import atomic_write
from reportgen.sec.document import MAX_JSON_BYTES, _short

log = logging.getLogger(__name__)

COMPANYFACTS_URL = "https://data.sec.gov/api/xbrl/companyfacts/CIK{cik:010d}.json"
USER_AGENT_ENV = "REPORTGEN_SEC_USER_AGENT"


def user_agent(configured: str | None) -> str:
    """The User-Agent SEC requires (a name and an e-mail address): the environment variable
    wins, else ``sec_user_agent`` from reportgen.yaml."""
    value = os.environ.get(USER_AGENT_ENV, "").strip() or (configured or "").strip()
    if not value or "@" not in value:
        raise UsageError(f"--fetch needs the User-Agent SEC requires, naming you and an e-mail "
                         f"address: set sec_user_agent in reportgen.yaml or "
                         f"{USER_AGENT_ENV}='Your Name you@example.com'")
    return value


def fetch(cik: int, destination: Path, agent: str, *, url: str | None = None,
          timeout: float = 30.0) -> Path:
    """Download the companyfacts document for ``cik`` to ``destination`` (atomically)."""
    address = url or COMPANYFACTS_URL.format(cik=cik)
    request = urllib.request.Request(address, headers={"User-Agent": agent,
                                                       "Accept": "application/json"})
    log.info("fetching %s", address)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            declared = response.headers.get("Content-Length", "").strip()
            if declared.isascii() and declared.isdigit() and (
                    len(declared) > 12 or int(declared) > MAX_JSON_BYTES):
                raise ReportgenError(f"{address}: SEC offers {_short(declared)} bytes, more "
                                     f"than the {MAX_JSON_BYTES:,} reportgen reads; nothing "
                                     "was saved")
            data = _read_bounded(response, address, time.monotonic() + FETCH_SECONDS)
    except urllib.error.HTTPError as error:
        raise ReportgenError(f"{address}: SEC answered {error.code} {error.reason}") from error
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise ReportgenError(f"{address}: could not download ({reason})") from error
    if len(data) > MAX_JSON_BYTES:
        raise ReportgenError(f"{address}: the download passed {MAX_JSON_BYTES:,} bytes, more "
                             "than reportgen reads; nothing was saved")
    atomic_write(destination, data)
    return destination


FETCH_SECONDS = 300
"""A download taking longer than this in all (a server trickling bytes) is abandoned."""


def _read_bounded(response: Any, address: str, deadline: float) -> bytes:
    """At most ``MAX_JSON_BYTES + 1`` bytes (never more, whatever the header said), read in
    chunks so a server trickling bytes cannot hold the command past ``deadline``."""
    chunks: list[bytes] = []
    size = 0
    while size <= MAX_JSON_BYTES:
        if time.monotonic() > deadline:
            raise ReportgenError(f"{address}: the download took more than {FETCH_SECONDS} s; "
                                 "nothing was saved")
        chunk = response.read(min(1 << 20, MAX_JSON_BYTES + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)
