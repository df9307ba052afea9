"""A case archive bound from the rendered sample documents (tests/documents/helpers.py), and ways to read it
back page by page with pypdf."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader

from documents.archive import ArchiveCover, ArchiveEntry
from documents.numbering import verify_url
from documents.render import Rendered, render_document, write_pdf
from documents.sample_case import AGENCY, VERIFY_BASE, at
from documents.samples import contexts
from rules.document_kinds import load_document_kinds
from tests.documents.helpers import rendered

# The 占道经营 case of documents/samples.py as it happened, one document a step; given in this (issue) order.
TIMELINE: tuple[tuple[str, dt.datetime], ...] = (
    ("case_source_register", at(11, 3, 15, 10)),
    ("inquiry_record", at(11, 5, 10, 10)),
    ("filing_approval", at(11, 6, 9, 0)),
    ("prior_notice", at(11, 10, 9, 0)),
    ("statement_record", at(11, 12, 10, 0)),
    ("legal_review_opinion", at(11, 14, 16, 0)),
    ("penalty_decision", at(11, 16, 9, 0)),
    ("service_receipt", at(11, 16, 15, 0)),
    ("reminder", at(12, 5, 9, 0)),
    ("closing_approval", at(12, 20, 9, 0)),
)
# Where 住建 Art. 40 files them: (1) source and filing, (2) notices, decisions, returns of service, (3) evidence,
# (4) statements, (6) review records, (7) execution, (8) other — in time order inside each.
ARCHIVE_ORDER = (
    "case_source_register",
    "filing_approval",
    "prior_notice",
    "penalty_decision",
    "service_receipt",
    "inquiry_record",
    "statement_record",
    "legal_review_opinion",
    "reminder",
    "closing_approval",
)
CASE_ID = "990102-20261103-A1B2C3"
TITLE = "张三擅自占用城市道路摆摊设点案"


def real_render(kind: str) -> Callable[[str | None, str, dt.datetime], Rendered]:
    """What `core.documents.issue_document` calls: the kind's sample context through the real renderer."""

    def render(number: str | None, code: str, issued_at: dt.datetime) -> Rendered:
        url = verify_url(VERIFY_BASE, code)
        context = contexts()[kind]
        return render_document(
            kind, context, number=number, verify_code=code, verify_url=url, issued_at=issued_at, agency=AGENCY
        )

    return render


def entry(kind: str, issued_at: dt.datetime) -> ArchiveEntry:
    doc, result = load_document_kinds().get(kind), rendered(kind)
    return ArchiveEntry(doc.archive_category, doc.title, result.number, issued_at, result.pdf)


def sample_entries() -> list[ArchiveEntry]:
    return [entry(kind, issued_at) for kind, issued_at in TIMELINE]


def cover(**changes: object) -> ArchiveCover:
    base = ArchiveCover(
        agency=AGENCY,
        case_id=CASE_ID,
        title=TITLE,
        party="张三",
        opened_at=at(11, 3, 15, 10),
        filed_at=at(11, 6, 9, 0),
        closed_at=at(12, 22, 10, 0),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def marked_pdf(marker: str, pages: int, *, size: str = "A4") -> bytes:
    """A small PDF of ``pages`` pages, each saying '{marker} p{n}' (weasyprint, the shared stylesheet)."""
    body = "".join(f'<p style="break-before: page">{marker} p{n}</p>' for n in range(1, pages + 1))
    pdf, count = write_pdf(f"<html><head><style>@page {{ size: {size} }}</style></head><body>{body}</body></html>")
    assert count == pages
    return pdf


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@dataclass(frozen=True)
class PrintedRow:
    """A line of the 卷内目录 as printed: 序号 [文号] 题名 日期 页号."""

    seq: int
    number: str | None
    title: str
    on: str
    page: int


TOC_LINE = re.compile(r"^(\d+) (?:(\S+〔\d{4}〕第\d+号) )?(\S+) (\d{4}年\d{1,2}月\d{1,2}日) (\d+)$")


def printed_toc(texts: list[str]) -> list[PrintedRow]:
    """The rows of the table of contents, read from the pages that carry it."""
    rows = []
    for text in texts:
        if "卷内目录" not in squash(text):
            continue
        for line in text.splitlines():
            if found := TOC_LINE.match(line.strip()):
                seq, number, title, on, page = found.groups()
                rows.append(PrintedRow(int(seq), number, title, on, int(page)))
    return rows


def stamped_pages(texts: list[str], stamp: str = "卷内第{n}页") -> dict[int, int]:
    """Archive page number → index in the file, from the stamps printed on the pages."""
    found: dict[int, int] = {}
    for index, text in enumerate(texts):
        for match in re.finditer(stamp.format(n=r"(\d+)"), squash(text)):
            number = int(match.group(1))
            assert number not in found, f"卷内第{number}页 is stamped twice"
            found[number] = index
    return found


def word_boxes(pdf: bytes, index: int) -> list[tuple[str, float, float, float, float]]:
    """(word, x_min, y_min, x_max, y_max) on page ``index`` (0-based), y from the top, as poppler lays it out."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "archive.pdf"
        path.write_bytes(pdf)
        page = str(index + 1)
        html = subprocess.run(["pdftotext", "-bbox", "-f", page, "-l", page, str(path), "-"],
                              capture_output=True, text=True, check=True, timeout=60).stdout  # fmt: skip
    words = re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html)
    return [(m.group(5), float(m.group(1)), float(m.group(2)), float(m.group(3)), float(m.group(4))) for m in words]
