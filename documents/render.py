"""Render a statutory document (执法文书) to PDF: jinja2 template + the shared stylesheet → weasyprint.

`render_document` checks the context against the kind's required fields first (documents.yaml), so a
value the law requires is never printed as a blank; then it renders the template (StrictUndefined,
autoescape), embeds a QR code of the verification address and the short code, and lays the document out
on A4 with weasyprint. Same input → same PDF bytes: the PDF's dates come from `issued_at`, its file
identifier is a hash of its content, and nothing reads the clock — a retried activity is idempotent.

Archived output is PDF/A-2u (ISO 19005-2, level U: every glyph maps to Unicode, which the text-extraction
tests rely on); weasyprint writes the XMP metadata, the sRGB output intent and embeds every font subset.
Fonts come from fontconfig: Noto Serif CJK SC, regular and bold (the 宋体 of printed documents; package
fonts-noto-cjk; without libharfbuzz-subset0 a render takes seconds, not a tenth of one). A character no
installed font has would print as a box (.notdef): weasyprint logs a warning for it, which the renderer turns
into MissingGlyph — so leave the "weasyprint" logger at WARNING or below.

Rendering is CPU-bound (~0.15 s a document): call it from a thread or process pool, not an event loop.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import segno
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup
from weasyprint import CSS, HTML  # type: ignore[import-untyped]
from weasyprint import __version__ as WEASYPRINT_VERSION
from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]

from documents.errors import DocumentError, MissingGlyph
from documents.fields import check_context
from documents.formatting import Period, as_datetime, cn_date, cn_datetime, cn_numeral, money, money_upper, period
from rules.deadline_table import load_timer_table
from rules.document_kinds import DocumentKind, load_document_kinds

TEMPLATES = Path(__file__).parent / "templates"
STYLESHEET = TEMPLATES / "style.css"
ARCHIVAL_VARIANT = "pdf/a-2u"
RESERVED_KEYS = frozenset({"doc", "periods"})  # names the renderer itself puts into the template


@dataclass(frozen=True)
class Rendered:
    kind: str
    pdf: bytes
    html: str
    template_version: str  # SHA-256 of templates + stylesheet + kinds entry + periods + weasyprint version
    page_count: int
    sha256: str  # of the PDF bytes: what the ledger anchors
    number: str | None
    verify_code: str


@dataclass(frozen=True)
class DocHeader:
    """What the base template prints on every document (REFERENCE §2 common header fields)."""

    kind: str
    title: str
    agency: str
    number: str | None
    issued_at: dt.datetime
    verify_code: str
    verify_url: str
    qr_svg: Markup


def _checkbox(value: object) -> str:
    # ■/□ as on printed Chinese forms; ☑/☐ are not in Noto CJK and would pull in a fallback font.
    return "■" if value else "□"


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        keep_trailing_newline=False,
    )
    env.filters.update(
        cn_date=cn_date,
        cn_datetime=cn_datetime,
        money=money,
        money_upper=money_upper,
        cn_numeral=cn_numeral,
        checkbox=_checkbox,
    )
    return env


@cache
def stylesheet() -> Any:
    """The shared stylesheet, parsed once; weasyprint reuses a CSS object across documents."""
    return CSS(filename=str(STYLESHEET))


@cache
def _url_fetcher() -> Any:
    # Documents load nothing from outside: the QR code is inline SVG. Refuse file and network URLs.
    return URLFetcher(allowed_protocols={"data"})


def _shared_files() -> list[Path]:
    return [*sorted(TEMPLATES.glob("_*.html")), STYLESHEET]


@lru_cache(maxsize=64)
def template_version(kind: str) -> str:
    """SHA-256 over everything that shapes the kind's output except the case data itself: the template, the
    shared templates and stylesheet, the kind's catalogue entry, the periods it states, the weasyprint version."""
    doc = load_document_kinds().get(kind)
    digest = hashlib.sha256(f"weasyprint {WEASYPRINT_VERSION}\0".encode())
    for path in [TEMPLATES / doc.template, *_shared_files()]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(doc.model_dump_json(exclude={"archive_category"}).encode())  # where it is filed is not its look
    table = load_timer_table()
    digest.update(json.dumps([table.get(c).model_dump(mode="json") for c in doc.periods], sort_keys=True).encode())
    return digest.hexdigest()


@lru_cache(maxsize=64)
def periods_of(kind: str) -> Mapping[str, Period]:
    table = load_timer_table()
    return {code: period(table.get(code)) for code in load_document_kinds().get(kind).periods}


def qr_svg(url: str) -> Markup:
    """The verification address as an inline SVG QR code (error correction M, 4-module quiet zone)."""
    code = segno.make(url, error="m", micro=False)
    return Markup(code.svg_inline(scale=1, border=4, omitsize=True, svgclass="qr", lineclass=None))


def _check_call(doc: DocumentKind, number: str | None, verify_code: str, verify_url: str, agency: str) -> None:
    if doc.numbered and (number is None or not number.strip()):
        raise DocumentError(f"{doc.title} ({doc.kind}) is a numbered document: give its 文号 (number=...)")
    if not doc.numbered and number is not None:
        raise DocumentError(f"{doc.title} ({doc.kind}) carries no 文号; it is identified by the case number")
    if not agency.strip():
        raise DocumentError("the issuing agency's name is required on every document")
    if not verify_code.strip() or verify_code not in verify_url:
        raise DocumentError("verify_url must be the verification address of verify_code")


def render_html(
    kind: str,
    context: Mapping[str, Any],
    *,
    number: str | None,
    verify_code: str,
    verify_url: str,
    issued_at: dt.datetime,
    agency: str,
) -> str:
    """Check the context and render the kind's template to HTML (the first half of render_document)."""
    doc = load_document_kinds().get(kind)
    _check_call(doc, number, verify_code, verify_url, agency)
    try:
        issued = as_datetime(issued_at)
    except ValueError as exc:
        raise DocumentError(f"issued_at: {exc}") from None
    clash = RESERVED_KEYS & set(context)
    if clash:
        raise DocumentError(f"context keys {sorted(clash)} are reserved for the renderer")
    check_context(doc, context)
    header = DocHeader(kind, doc.title, agency, number, issued, verify_code, verify_url, qr_svg(verify_url))
    template = environment().get_template(doc.template)
    return template.render(**context, doc=header, periods=periods_of(kind))


class _GlyphWatch(logging.Handler):
    """Collects weasyprint's ".notdef glyph rendered" warnings raised by this thread's render."""

    _CHAR = re.compile(r'unsupported by fonts: "(.*)" \(U\+')

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.missing: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread and (found := self._CHAR.search(record.getMessage())):
            self.missing.extend(c for c in found.group(1) if c not in self.missing)


@contextmanager
def _no_glyph_boxes() -> Iterator[None]:
    watch, logger = _GlyphWatch(), logging.getLogger("weasyprint")
    logger.addHandler(watch)
    try:
        yield
    finally:
        logger.removeHandler(watch)
    if watch.missing:
        raise MissingGlyph(watch.missing)


def write_pdf(html: str, *, pdf_variant: str | None = ARCHIVAL_VARIANT) -> tuple[bytes, int]:
    """Lay out HTML with the shared stylesheet; the PDF bytes and the page count. MissingGlyph if a
    character has no glyph in the installed fonts (weasyprint would draw .notdef, a box)."""
    with _no_glyph_boxes():
        document = HTML(string=html, base_url=str(TEMPLATES), url_fetcher=_url_fetcher()).render(
            stylesheets=[stylesheet()]
        )
        pdf = document.write_pdf(pdf_variant=pdf_variant)
    return pdf, len(document.pages)


def render_document(
    kind: str,
    context: Mapping[str, Any],
    *,
    number: str | None,
    verify_code: str,
    verify_url: str,
    issued_at: dt.datetime,
    agency: str,
    pdf_variant: str | None = ARCHIVAL_VARIANT,
) -> Rendered:
    """Render one document. Raises UnknownDocumentKind, MissingDocumentField (a value the law requires is
    missing or blank, naming the field and its article), InvalidDocumentField, MissingGlyph or DocumentError."""
    html = render_html(
        kind,
        context,
        number=number,
        verify_code=verify_code,
        verify_url=verify_url,
        issued_at=issued_at,
        agency=agency,
    )
    pdf, pages = write_pdf(html, pdf_variant=pdf_variant)
    return Rendered(
        kind=kind,
        pdf=pdf,
        html=html,
        template_version=template_version(kind),
        page_count=pages,
        sha256=hashlib.sha256(pdf).hexdigest(),
        number=number,
        verify_code=verify_code,
    )
