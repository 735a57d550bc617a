"""Jinja2 to self-contained HTML, and WeasyPrint to PDF, fetching nothing but project files.

The HTML is the single source of both outputs: the PDF is WeasyPrint's rendering of the very
HTML file written beside it. Charts are embedded as ``data:`` SVG images so the HTML opens
offline, and the URL fetcher refuses anything that is not ``data:`` or a file under the
template folders (the theme's, the project's ``templates/``, the built-in templates shipped in
the package) or the project's ``assets/``, so data or a template cannot make a build read
other files or reach the network.

Templates are not trusted (a theme's folder comes from elsewhere): every template, built-in,
the theme's override or an e-mail template, is rendered in Jinja2's immutable sandbox (no
``__class__``/``__globals__`` walks, no calls that change a list or dict), and is loaded only
if it is a regular file that resolves inside the folder it was found in (see
:class:`TemplateFolderLoader`). Whatever a template is refused for becomes a one-line
:class:`RenderError` naming the template, its file and line.
"""

from __future__ import annotations

import base64
import logging
import os
import stat
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from reportgen.errors import RenderError, TemplateRefused
from reportgen.formatting import Formatter
from reportgen.vocabulary import STATUS_MARKS

log = logging.getLogger(__name__)
MAX_RESOURCE_BYTES = 10_000_000
"""A template's image or font larger than this is refused: it would only slow every build."""
MAX_TEMPLATE_BYTES = 1_000_000
"""A template file larger than this is refused (the largest built-in one is under 10 kB)."""


class TemplateFolderLoader(jinja2.FileSystemLoader):
    """Templates from folders searched in order, each loaded only if it is safe to read.

    The first folder holding an entry under the template's name (a file, a link, even a broken
    link or a FIFO) decides: the entry is read if it is a regular file that resolves inside that
    folder, and otherwise the render stops with a :class:`TemplateRefused` naming the template
    and why. It never falls back to the next folder, so a refused override is not silently replaced
    by the built-in template.

    Refused: a name that climbs out with ``..``; a symbolic link (of the file or of a folder on
    its way) that resolves outside the folder, such as a partial linked to ``/etc/passwd`` or to
    the built-in templates; a broken or looping link; anything not a regular file (a FIFO, a
    device, a folder); a file over :data:`MAX_TEMPLATE_BYTES` or not UTF-8.

    Allowed: a symbolic link that resolves to a regular file inside the same folder (a theme
    may link one partial under two names). The folder itself may be a link: it is resolved
    once, as the operator's config chose it, and the file is then opened by its resolved path
    without following links, and checked again once open, so it cannot be swapped for a link
    or a FIFO between the check and the read.
    """

    def get_source(self, environment: jinja2.Environment, template: str
                   ) -> tuple[str, str, Callable[[], bool]]:
        pieces = [piece for piece in template.split("/") if piece not in ("", ".")]
        for piece in pieces:
            if piece == os.pardir or os.sep in piece or (os.altsep and os.altsep in piece):
                raise TemplateRefused(_clean(
                    f"template {template!r} refused: its name leaves the template folder "
                    "(a '..' or a path separator)"))
        if not pieces:
            raise jinja2.TemplateNotFound(template)
        for folder in self.searchpath:
            candidate = Path(folder, *pieces)
            if os.path.lexists(candidate):
                return self._read(template, Path(folder), candidate)
        raise jinja2.TemplateNotFound(
            template, f"template {template!r} not found in "
                      f"{', '.join(str(folder) for folder in self.searchpath)}")

    @staticmethod
    def _read(template: str, folder: Path, candidate: Path
              ) -> tuple[str, str, Callable[[], bool]]:
        def refused(why: str) -> TemplateRefused:
            return TemplateRefused(_clean(f"template {template!r} refused: {candidate} {why}"))

        root = folder.resolve()
        try:
            real = candidate.resolve(strict=True)
        except (OSError, RuntimeError) as error:
            reason = getattr(error, "strerror", None) or error
            raise refused(f"is a link that leads nowhere ({reason})") from None
        if not real.is_relative_to(root):
            raise refused(f"resolves to {real}, outside its folder {root}")
        try:
            before = os.stat(real, follow_symlinks=False)
            if not stat.S_ISREG(before.st_mode):
                raise refused(f"is not a regular file ({_kind(before.st_mode)})")
            handle = os.open(real, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError as error:
            raise refused(f"cannot be read ({error.strerror or error})") from None
        try:
            opened = os.fstat(handle)
            if (opened.st_dev, opened.st_ino) != (before.st_dev, before.st_ino) or \
                    not stat.S_ISREG(opened.st_mode):
                raise refused("changed while it was being read")
            if opened.st_size > MAX_TEMPLATE_BYTES:
                raise refused(f"is {opened.st_size:,} bytes, more than the "
                              f"{MAX_TEMPLATE_BYTES:,} a template may have")
            data = b""
            while len(data) <= MAX_TEMPLATE_BYTES:
                chunk = os.read(handle, MAX_TEMPLATE_BYTES + 1 - len(data))
                if not chunk:
                    break
                data += chunk
        finally:
            os.close(handle)
        if len(data) > MAX_TEMPLATE_BYTES:
            raise refused(f"is more than the {MAX_TEMPLATE_BYTES:,} bytes a template may have")
        try:
            source = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise refused(f"is not UTF-8 text (byte {error.start})") from None

        def uptodate() -> bool:
            """Unchanged: the same name leads to the same file, not modified since."""
            try:
                now = os.stat(real, follow_symlinks=False)
                same = candidate.resolve(strict=True) == real
            except (OSError, RuntimeError):
                return False
            return same and (now.st_ino, now.st_mtime_ns) == (opened.st_ino, opened.st_mtime_ns)

        return source, str(candidate), uptodate


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a file"


def _clean(message: str) -> str:
    """One line, no control characters: a message a terminal prints as it reads."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in message)


class _Sandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, whose template errors leave as one-line :class:`RenderError`."""

    def handle_exception(self, source: str | None = None) -> Any:
        error, trace = sys.exc_info()[1:]
        if isinstance(error, TemplateRefused) and not error.placed:
            name, filename, line = _innermost_template(trace)
            if filename:
                error = TemplateRefused(_clean(f"{error} (asked for by {name!r} at "
                                               f"{filename}:{line})"))
            error.placed = True
            raise error.with_traceback(None) from None
        if isinstance(error, jinja2.TemplateError):
            raise RenderError(_template_error(error, trace)) from None
        return super().handle_exception(source)


def _innermost_template(trace: Any) -> tuple[str | None, str | None, int]:
    """The name, file and line of the innermost template frame in ``trace``."""
    found: tuple[str | None, str | None, int] = (None, None, 0)
    while trace is not None:
        template = trace.tb_frame.f_globals.get("__jinja_template__")
        if template is not None:
            found = (template.name, template.filename,
                     template.get_corresponding_lineno(trace.tb_lineno))
        trace = trace.tb_next
    return found


def _template_error(error: jinja2.TemplateError, trace: Any) -> str:
    """Which template (its name, file and line) failed, and how."""
    if isinstance(error, jinja2.TemplateSyntaxError):
        name, filename, line = error.name, error.filename, error.lineno
        what = f"syntax error: {error.message}"
    else:
        name, filename, line = _innermost_template(trace)
        what = str(error.message if error.message is not None else error)
        if isinstance(error, SecurityError):
            what = f"refused by the template sandbox: {what}"
    where = f"template {name!r}" if name else "a template"
    if filename:
        where += f" ({filename}:{line})" if line else f" ({filename})"
    return _clean(f"{where}: {what}")


def environment(template_dirs: Path | tuple[Path, ...], fmt: Formatter) -> jinja2.Environment:
    """Templates from ``template_dirs`` in order (:attr:`reportgen.config.Config.template_dirs`:
    the theme's folder, the project's ``templates/``, the built-in templates): a folder can
    override any single template or partial, the rest come from the next. Every template runs
    in the immutable sandbox and is loaded by :class:`TemplateFolderLoader`. The number filters
    (``money``, ``pct``, ...) word numbers in ``fmt``'s style."""
    dirs = (template_dirs,) if isinstance(template_dirs, Path) else template_dirs
    env = _Sandbox(
        loader=TemplateFolderLoader(list(dirs)),
        # HTML-escape everything but plain-text templates (.txt), whose output is no markup.
        autoescape=jinja2.select_autoescape(disabled_extensions=("txt",), default=True,
                                            default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        money=fmt.money, pct=fmt.pct, delta=fmt.delta,
        number=fmt.number, usd=fmt.usd,
        points=fmt.points, mark=lambda status: STATUS_MARKS.get(status, ""),
        svg_data_uri=svg_data_uri,
    )
    return env


def svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def html(env: jinja2.Environment, template: str, context: dict[str, Any]) -> str:
    try:
        return env.get_template(template).render(**context)
    except RenderError:
        raise
    except jinja2.TemplateError as error:  # the template itself not found
        raise RenderError(_clean(f"template {template!r}: {error}")) from None


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
