"""Render the sample documents once per test session and read them back with poppler (pdftotext, pdffonts)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import subprocess
import tempfile
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from core.numbering import CROCKFORD, display_verify_code
from documents.fields import holds, leaves
from documents.formatting import cn_date, cn_datetime, money
from documents.numbering import document_number, verify_url
from documents.render import Rendered, render_document
from documents.sample_case import ABBREVIATION, AGENCY, VERIFY_BASE, at
from documents.samples import contexts
from rules.document_kinds import FieldType, RequiredField, load_document_kinds

ISSUED_AT = at(11, 26, 10, 0)
# The body of an A4 page in PDF points (pdftotext -r 72): below the running header, above the footer
# (margins 25 mm top, 24 mm bottom), so a page break inside a paragraph does not interleave the footer.
_BODY_CROP = ["-x", "0", "-y", "62", "-W", "596", "-H", "714"]


def sample_code(label: str) -> str:
    """A fixed code of the one scheme (Crockford base 32, as printed) per label: issuance draws codes at
    random (core.numbering), a test that renders twice needs the same one twice."""
    digest = hashlib.sha256(label.encode("utf-8")).digest()
    return display_verify_code("".join(CROCKFORD[b % len(CROCKFORD)] for b in digest[:10]))


def call_kwargs(kind: str, sequence: int = 12) -> dict[str, Any]:
    doc = load_document_kinds().get(kind)
    code = sample_code(f"case-0087/{kind}/{sequence}")
    return {
        "number": document_number(kind, ABBREVIATION, ISSUED_AT.year, sequence) if doc.numbered else None,
        "verify_code": code,
        "verify_url": verify_url(VERIFY_BASE, code),
        "issued_at": ISSUED_AT,
        "agency": AGENCY,
    }


def render(kind: str, context: dict[str, Any] | None = None, **overrides: Any) -> Rendered:
    kwargs = {**call_kwargs(kind), **overrides}
    return render_document(kind, contexts()[kind] if context is None else context, **kwargs)


@cache
def rendered(kind: str) -> Rendered:
    """The sample document of a kind, rendered once per session."""
    return render(kind)


def _poppler(tool: str, pdf: bytes, *args: str) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.pdf"
        path.write_bytes(pdf)
        result = subprocess.run([tool, *args, str(path), *([] if tool == "pdffonts" else ["-"])],
                                capture_output=True, text=True, check=True, timeout=60)  # fmt: skip
        return result.stdout


def pdf_text(pdf: bytes, *, body_only: bool = False) -> str:
    """The PDF's text in content-stream order (pdftotext -raw keeps a wrapped table cell whole), optionally
    without the running header and footer."""
    return _poppler("pdftotext", pdf, "-raw", "-enc", "UTF-8", *(_BODY_CROP if body_only else []))


def pdf_pages(pdf: bytes) -> list[str]:
    return pdf_text(pdf).split("\f")[:-1]


def squash(text: str) -> str:
    """Whitespace-free text: CJK lines wrap anywhere, so compare without line breaks and spaces."""
    return re.sub(r"\s+", "", text)


def pdf_fonts(pdf: bytes) -> list[dict[str, str]]:
    """pdffonts rows: name, type, emb (yes/no)."""
    rows = []
    for line in _poppler("pdffonts", pdf).splitlines()[2:]:
        parts = line.split()
        # name, type (may contain spaces), encoding, emb, sub, uni, object, id
        rows.append({"name": parts[0], "emb": parts[-5], "uni": parts[-3]})
    return rows


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._skip += tag in {"head", "style", "svg"}

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in {"head", "style", "svg"}

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


# Text the stylesheet itself prints (page numbers, per-page signature line) and list numbers.
GENERATED_TEXT = "第页共验证码签名：＿问答0123456789."


def html_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return "".join(parser.parts)


def glyph_problems(html: str, pdf: bytes) -> tuple[set[str], set[str]]:
    """(characters of the HTML missing from the PDF's text, characters in the PDF's text not in the HTML).
    A glyph missing from the font is drawn as .notdef, which text extraction maps to some other character:
    the first set catches the lost character, the second the stand-in."""
    printed_chars = set(squash(pdf_text(pdf)))
    source_chars = set(squash(html_text(html)))
    return source_chars - printed_chars, printed_chars - source_chars - set(GENERATED_TEXT)


def printed(spec: RequiredField, value: Any) -> str | None:
    """How the templates print a required value; None for booleans (printed as ■/□ or as a clause)."""
    if spec.type is FieldType.BOOL:
        return None
    if spec.type is FieldType.DATE:
        return cn_date(value)
    if spec.type is FieldType.DATETIME:
        return cn_datetime(value)
    if spec.type is FieldType.MONEY:
        return money(value)
    return str(value)


def expected_values(kind: str, context: dict[str, Any]) -> list[tuple[str, str]]:
    """(path, printed value) of every required field that applies to the context."""
    out = []
    for spec in load_document_kinds().get(kind).required:
        if spec.when is not None and not holds(context, spec.when):
            continue
        for path, value in leaves(context, spec.key):
            text = printed(spec, value)
            if text is not None:
                out.append((path, text))
    return out


def day(value: dt.date) -> str:
    return cn_date(value)
