"""The case archive (案卷): one case's documents bound into one PDF, as 住建 Art. 40 files a case.

Pure (no database): `build_archive_pdf(cover, entries)` takes the cover data and the documents (each with its
Art. 40 category 1-8, title, 文号 or None, issue time and PDF bytes) and gives one PDF:

1. 案卷封面 — agency, case number, title (party + violation), opened / filed / closed dates, the retention
   period only when the caller has one (none is invented), the number of documents and pages, blank lines for
   立卷人 and 审核人; a draft says 草稿·未结案.
2. 卷内目录 — 序号, 文号, 题名, 日期, 页号, 备注, grouped under the eight categories of Art. 40.
3. The documents: by category in the article's order, inside a category by issue time (ties keep the order
   given), each page stamped 卷内第N页 in its top-right corner (草稿 on a draft).
4. 卷内备考表 — 本卷共x件y页, 立卷人, 检查人, 立卷时间 (blank: filled in by hand).

Page numbers (页号) follow archival practice: only the documents' pages are numbered, 1 being the first page of
the first document; the cover, the table of contents and the 备考表 are not [I: the usual rule for a 文书档案
案卷, not in REFERENCE]. The TOC's 页号 of a document is the stamp on its first page, and the PDF's page labels
say the same, so a viewer's "page 7" is the archive's 第7页 (the unnumbered sheets are labelled 封面, 目录1…,
备考表). `Archive.physical_page` maps an archive page number to the index in the file. The outline (bookmarks)
has the cover, the TOC, each category with its documents, and the 备考表.

Cover, TOC, stamps and 备考表 are one weasyprint render (documents/templates/archive/, over the shared
style.css), cut at its anchors; pypdf binds them with the documents' own pages (documents/archive_pdf.py): a
stamp is a Form XObject drawn after the page's own content, which stays byte for byte as issued. Same input →
same bytes: the dates in the metadata come from the cover (closing time, or the newest document for a draft),
the file identifier is a hash of the inputs, nothing reads the clock.

PDF/A — what holds and what does not. Each issued document is PDF/A-2u (documents/render.py), and so is the
render of the archive's own sheets. The bound file keeps what pypdf copies page by page: every font stays
embedded (subsets, each under a tag of its own) with its ToUnicode map, so the text extracts as Unicode; the
sRGB output intent of the sheets is copied into the catalogue; the Info dictionary and the XMP metadata are
written here from the same values, and the trailer has a file identifier. It is NOT declared PDF/A: the XMP
carries no pdfaid identification, because nothing here validates the bound file against ISO 19005-2 (pages
from several files, the stamp forms, stored documents that need not be PDF/A themselves; no validator is
installed). An archival copy that must be PDF/A needs a validating converter (e.g. veraPDF) as a further step.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pypdf import PdfReader, PdfWriter
from pypdf.constants import PageLabelStyle
from pypdf.errors import PdfReadError

from documents.archive_pdf import Metadata, Stamper, distinct_subset_tags, write_metadata
from documents.errors import DocumentError
from documents.formatting import cn_numeral
from documents.render import environment, write_pdf
from rules.calendar import SHANGHAI
from rules.document_kinds import ARCHIVE_CATEGORY_COUNT, load_document_kinds

TEMPLATE = "archive/archive.html"
_ANCHORS = ("cover", "toc", "backnote")


class ArchiveError(DocumentError):
    """The archive cannot be bound from what was given (a bad category, an unreadable PDF, a naive time)."""


@dataclass(frozen=True)
class ArchiveCover:
    """What the cover says. `retention` (保管期限) is printed only when given."""

    agency: str
    case_id: str
    title: str  # 案卷题名: party + violation, e.g. 张三擅自占用城市道路摆摊设点案
    opened_at: dt.datetime | None
    closed_at: dt.datetime | None
    party: str | None = None
    case_number: str | None = None  # a 立案 number, where the case has one besides its id
    filed_at: dt.datetime | None = None
    retention: str | None = None
    draft: bool = False


@dataclass(frozen=True)
class ArchiveEntry:
    """One document to bind: its Art. 40 category (1-8), title, 文号 (None for forms), issue time, bytes."""

    category: int
    title: str
    number: str | None
    issued_at: dt.datetime
    pdf: bytes
    note: str | None = None


@dataclass(frozen=True)
class TocRow:
    """A line of the 卷内目录; pages are archive page numbers (the stamps), 1-based."""

    seq: int
    category: int
    title: str
    number: str | None
    issued_at: dt.datetime
    first_page: int
    last_page: int
    note: str | None

    @property
    def on(self) -> dt.date:
        return self.issued_at.astimezone(SHANGHAI).date()


@dataclass(frozen=True, eq=False)
class ArchivePlan:
    """The documents in archive order with their page numbers, and their parsed PDFs (same order)."""

    cover: ArchiveCover
    rows: tuple[TocRow, ...]
    readers: tuple[PdfReader, ...]
    identity: bytes  # a hash of every input: the file identifier

    @property
    def pages(self) -> int:
        return self.rows[-1].last_page if self.rows else 0


@dataclass(frozen=True, eq=False)
class ArchiveSheets:
    """The rendered cover, TOC, stamps and 备考表, and where each lies in that render (page indices)."""

    reader: PdfReader
    cover: range
    toc: range
    stamps: range
    back: range


@dataclass(frozen=True)
class Archive:
    pdf: bytes
    rows: tuple[TocRow, ...]
    front_pages: int  # cover + TOC, before the first numbered page
    document_pages: int
    page_count: int
    sha256: str

    def physical_page(self, archive_page: int) -> int:
        """The 0-based index in the file of the archive's page ``archive_page`` (卷内第N页)."""
        if not 1 <= archive_page <= self.document_pages:
            raise ValueError(f"the archive numbers pages 1..{self.document_pages}, not {archive_page}")
        return self.front_pages + archive_page - 1


def category_name(number: int) -> str:
    return load_document_kinds().archive_category(number).name


def _reader(entry: ArchiveEntry) -> PdfReader:
    try:
        reader = PdfReader(io.BytesIO(entry.pdf))
        if reader.is_encrypted:
            raise ArchiveError(f"{entry.title}: an encrypted PDF cannot be bound into the archive")
        if not reader.pages:
            raise ArchiveError(f"{entry.title}: the PDF has no pages")
    except (PdfReadError, ValueError, KeyError) as exc:
        raise ArchiveError(f"{entry.title}: not a readable PDF ({exc})") from exc
    return reader


def plan_archive(cover: ArchiveCover, entries: Sequence[ArchiveEntry]) -> ArchivePlan:
    """Order the documents (category, then issue time, ties as given), parse them and number their pages."""
    for entry in entries:
        if not 1 <= entry.category <= ARCHIVE_CATEGORY_COUNT:
            raise ArchiveError(f"{entry.title}: archive category {entry.category} is not one of 1..8 (住建 Art. 40)")
        if entry.issued_at.tzinfo is None or entry.issued_at.utcoffset() is None:
            raise ArchiveError(f"{entry.title}: issued_at {entry.issued_at.isoformat()} has no time zone")
    for name, value in (("opened_at", cover.opened_at), ("closed_at", cover.closed_at), ("filed_at", cover.filed_at)):
        if value is not None and value.utcoffset() is None:
            raise ArchiveError(f"cover {name} {value.isoformat()} has no time zone")
    ordered = sorted(enumerate(entries), key=lambda item: (item[1].category, item[1].issued_at, item[0]))
    rows, readers, page = [], [], 1
    identity = hashlib.sha256(repr(cover).encode("utf-8"))
    for seq, (_, entry) in enumerate(ordered, start=1):
        reader = _reader(entry)
        count = len(reader.pages)
        rows.append(
            TocRow(seq, entry.category, entry.title, entry.number, entry.issued_at, page, page + count - 1, entry.note)
        )
        readers.append(reader)
        page += count
        identity.update(repr(rows[-1]).encode("utf-8") + hashlib.sha256(entry.pdf).digest())
    return ArchivePlan(cover, tuple(rows), tuple(readers), identity.digest()[:16])


@dataclass(frozen=True)
class _Group:
    number: int
    name: str
    rows: tuple[TocRow, ...]


def render_html(plan: ArchivePlan) -> str:
    groups = [
        _Group(n, category_name(n), rows)
        for n in range(1, ARCHIVE_CATEGORY_COUNT + 1)
        if (rows := tuple(r for r in plan.rows if r.category == n))
    ]
    template = environment().get_template(TEMPLATE)
    return template.render(cover=plan.cover, groups=groups, documents=len(plan.rows), pages=plan.pages)


def _anchor_pages(reader: PdfReader) -> dict[str, int]:
    """The page index of each anchor weasyprint wrote as a named destination (an element's id)."""
    pages: dict[str, int] = {}
    for name, destination in reader.named_destinations.items():
        page = reader.get_destination_page_number(destination)
        if page is not None:
            pages[str(name)] = page
    return pages


def render_sheets(plan: ArchivePlan) -> ArchiveSheets:
    """Render cover, TOC, one stamp page per numbered page and the 备考表 (PDF/A-2u, glyph-checked)."""
    pdf, count = write_pdf(render_html(plan))
    reader = PdfReader(io.BytesIO(pdf))
    at = _anchor_pages(reader)
    missing = [a for a in (*_ANCHORS, *(f"stamp-{n}" for n in range(1, plan.pages + 1))) if a not in at]
    if missing:
        raise ArchiveError(f"the archive sheets lack the anchors {missing[:5]}")
    first_stamp = at["stamp-1"] if plan.pages else at["backnote"]
    stamps = range(first_stamp, first_stamp + plan.pages)
    if any(at[f"stamp-{n}"] != stamps[n - 1] for n in range(1, plan.pages + 1)) or stamps.stop != at["backnote"]:
        raise ArchiveError("the page-number stamps did not lay out one per page")  # pragma: no cover - layout bug
    return ArchiveSheets(reader, range(at["cover"], at["toc"]), range(at["toc"], first_stamp), stamps,
                         range(at["backnote"], count))  # fmt: skip


def _as_of(plan: ArchivePlan) -> dt.datetime | None:
    """The archive's date: the closing time, or for a draft the newest thing it shows."""
    cover = plan.cover
    if cover.closed_at is not None and not cover.draft:
        return cover.closed_at
    times = [t for t in (cover.opened_at, cover.filed_at, cover.closed_at, *(r.issued_at for r in plan.rows)) if t]
    return max(times) if times else None


def _metadata(plan: ArchivePlan) -> Metadata:
    cover = plan.cover
    return Metadata(
        title=f"{cover.title}（案卷{'·草稿' if cover.draft else ''}）",
        author=cover.agency,
        subject=f"案件编号 {cover.case_id}；卷内文件{len(plan.rows)}件{plan.pages}页",
        as_of=_as_of(plan),
        identity=plan.identity,
    )


def _labels(writer: PdfWriter, sheets: ArchiveSheets, pages: int) -> None:
    """Page labels: 封面, 目录1…, the archive's numbers 1…N, 备考表."""
    front = len(sheets.cover) + len(sheets.toc)
    writer.set_page_label(0, len(sheets.cover) - 1, prefix="封面")
    writer.set_page_label(len(sheets.cover), front - 1, style=PageLabelStyle.DECIMAL, prefix="目录", start=1)
    if pages:
        writer.set_page_label(front, front + pages - 1, style=PageLabelStyle.DECIMAL, start=1)
    writer.set_page_label(front + pages, front + pages + len(sheets.back) - 1, prefix="备考表")


def _outline(writer: PdfWriter, plan: ArchivePlan, sheets: ArchiveSheets) -> None:
    front = len(sheets.cover) + len(sheets.toc)
    writer.add_outline_item(title="案卷封面", page_number=0)
    writer.add_outline_item(title="卷内目录", page_number=len(sheets.cover))
    for number in sorted({r.category for r in plan.rows}):
        rows = [r for r in plan.rows if r.category == number]
        heading = f"{cn_numeral(number)}、{category_name(number)}"
        parent = writer.add_outline_item(title=heading, page_number=front + rows[0].first_page - 1)
        for row in rows:
            title = f"{row.title}（{row.number}）" if row.number else row.title
            writer.add_outline_item(title=title, page_number=front + row.first_page - 1, parent=parent)
    writer.add_outline_item(title="卷内备考表", page_number=front + plan.pages)


def assemble(plan: ArchivePlan, sheets: ArchiveSheets) -> Archive:
    """Bind: the cover and TOC, every document page with its stamp, the 备考表; labels, outline, metadata."""
    writer = PdfWriter()
    writer.pdf_header = b"%PDF-1.7"
    for index in (*sheets.cover, *sheets.toc):
        writer.add_page(sheets.reader.pages[index])
    stamper, number = Stamper(writer), 0
    for reader in plan.readers:
        for page in reader.pages:
            number += 1
            stamper.stamp(writer.add_page(page), sheets.reader.pages[sheets.stamps[number - 1]])
    for index in sheets.back:
        writer.add_page(sheets.reader.pages[index])
    distinct_subset_tags(writer)
    _labels(writer, sheets, plan.pages)
    _outline(writer, plan, sheets)
    write_metadata(writer, _metadata(plan), sheets.reader)
    out = io.BytesIO()
    writer.write(out)
    pdf = out.getvalue()
    front = len(sheets.cover) + len(sheets.toc)
    return Archive(pdf, plan.rows, front, plan.pages, front + plan.pages + len(sheets.back),
                   hashlib.sha256(pdf).hexdigest())  # fmt: skip


def build_archive_pdf(cover: ArchiveCover, entries: Iterable[ArchiveEntry]) -> Archive:
    """The archive of one case as one PDF (see the module doc). Raises ArchiveError, or MissingGlyph when
    a character of the cover or TOC has no glyph in the installed fonts. CPU-bound: call it from a thread."""
    plan = plan_archive(cover, list(entries))
    return assemble(plan, render_sheets(plan))
