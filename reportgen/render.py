"""Jinja2 to self-contained HTML, and WeasyPrint to PDF, fetching nothing but project files.

The HTML is the single source of both outputs: the PDF is WeasyPrint's rendering of the very
HTML file written beside it. Charts are embedded as ``data:`` SVG images so the HTML opens
offline, and the URL fetcher refuses anything that is not ``data:`` or a file under the
project's templates or assets folders, so data or a template cannot make a build read other
files or reach the network.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import jinja2

from reportgen import formatting
from reportgen.errors import RenderError
from reportgen.vocabulary import STATUS_MARKS

log = logging.getLogger(__name__)
MAX_RESOURCE_BYTES = 10_000_000
"""A template's image or font larger than this is refused: it would only slow every build."""


def environment(template_dirs: Path | tuple[Path, ...]) -> jinja2.Environment:
    """Templates from ``template_dirs`` in order: a user's folder can override any single
    template or partial, the rest come from the built-in folder."""
    dirs = (template_dirs,) if isinstance(template_dirs, Path) else template_dirs
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(list(dirs)),
        # HTML-escape everything but plain-text templates (.txt), whose output is no markup.
        autoescape=jinja2.select_autoescape(disabled_extensions=("txt",), default=True,
                                            default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        money=formatting.money, pct=formatting.pct, delta=formatting.delta,
        number=formatting.number, usd=formatting.usd, multiple=formatting.multiple,
        points=formatting.points, mark=lambda status: STATUS_MARKS.get(status, ""),
        svg_data_uri=svg_data_uri,
    )
    return env


def svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def html(env: jinja2.Environment, template: str, context: dict[str, Any]) -> str:
    try:
        return env.get_template(template).render(**context)
    except jinja2.TemplateError as error:
        where = f"{error.filename}:{error.lineno}" if isinstance(
            error, jinja2.TemplateSyntaxError) else template
        raise RenderError(f"templates/{where}: {error}") from error


@dataclass(frozen=True)
class Pdf:
    data: bytes
    pages: int


@dataclass(frozen=True)
class DataFile:
    """A file embedded in the PDF as the data behind it (PDF/A-3 associated file)."""

    name: str
    data: bytes
    description: str


PDF_VARIANTS = {
    # config value: (WeasyPrint variant, tagged structure)
    "pdf/a-3u": ("pdf/a-3u", True),
    "pdf/ua-1": ("pdf/ua-1", True),
    "plain": (None, False),
}


def pdf(html_text: str, allowed_roots: tuple[Path, ...], created: datetime,
        base_dir: Path, font_config: Any = None, variant: str = "pdf/a-3u",
        data_files: tuple[DataFile, ...] = ()) -> Pdf:
    """Render to PDF bytes; a refused or failed fetch stops the build with its URL named.

    By default the PDF is archival (PDF/A-3u) and tagged, with ``data_files`` embedded as
    its data. ``font_config`` lets one worker reuse WeasyPrint's font setup.
    """
    from io import BytesIO

    from weasyprint import HTML, Attachment
    from weasyprint.urls import FatalURLFetchingError

    fetcher = _project_fetcher(allowed_roots)
    try:
        document = HTML(string=html_text, base_url=str(base_dir) + "/",
                        url_fetcher=fetcher).render(font_config=font_config)
    except FatalURLFetchingError as error:
        cause = error.__cause__ or error
        raise RenderError(f"the briefing refers to a resource it may not load: {cause}") from None
    stamp = created.strftime("%Y-%m-%dT%H:%M:%SZ")
    document.metadata.created = stamp
    document.metadata.modified = stamp
    weasy_variant, tagged = PDF_VARIANTS[variant]
    attachments = [
        Attachment(file_obj=BytesIO(item.data), name=item.name, description=item.description,
                   created=created, modified=created, relationship="Data")
        for item in data_files]
    data = document.write_pdf(pdf_variant=weasy_variant, pdf_tags=tagged,
                              attachments=attachments or None,
                              pdf_identifier=_identifier(html_text, data_files))
    return Pdf(data, len(document.pages))


def _identifier(html_text: str, data_files: tuple[DataFile, ...]) -> bytes:
    """A PDF /ID from the content, so the same briefing gives the same bytes."""
    import hashlib

    digest = hashlib.md5(html_text.encode("utf-8"), usedforsecurity=False)
    for item in data_files:
        digest.update(item.name.encode() + item.data)
    return digest.hexdigest().encode("ascii")


def _project_fetcher(allowed_roots: tuple[Path, ...]) -> Any:
    from weasyprint.urls import URLFetcher

    roots = tuple(root.resolve() for root in allowed_roots)

    class ProjectFetcher(URLFetcher):
        """Allows ``data:`` URLs and files under the allowed roots; refuses everything else."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            parts = urlsplit(url)
            if parts.scheme == "data":
                return super().fetch(url, headers)
            if parts.scheme == "file":
                path = Path(unquote(parts.path)).resolve()
                if any(path.is_relative_to(root) for root in roots):
                    size = path.stat().st_size if path.is_file() else 0
                    if size > MAX_RESOURCE_BYTES:
                        raise ValueError(f"refused {url!r}: {size:,} bytes is more than the "
                                         f"{MAX_RESOURCE_BYTES:,} a briefing may load")
                    return super().fetch(url, headers)
                raise ValueError(f"refused {url!r}: only files under "
                                 f"{', '.join(str(r) for r in roots)} may be loaded")
            raise ValueError(f"refused {url!r}: briefings may not fetch from the network")

    return ProjectFetcher(fail_on_errors=True, allowed_protocols=("data", "file"))


def logo_data_uri(path: Path | None) -> str:
    """The configured logo as a data: URI, so the HTML stays self-contained."""
    if path is None:
        return ""
    mime = "image/svg+xml" if path.suffix.lower() == ".svg" else "image/png"
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")
