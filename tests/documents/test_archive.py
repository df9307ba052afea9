"""The case archive (案卷, 住建 Art. 40) bound from real rendered documents and read back with pypdf: the order
of the eight categories, the table of contents against the pages it points to, the cover and the 备考表, a draft,
the metadata — and what it does not claim (PDF/A)."""

from __future__ import annotations

import dataclasses
import io
import random
import re

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, Destination

from documents.archive import Archive, ArchiveEntry, ArchiveError, build_archive_pdf
from documents.errors import MissingGlyph
from documents.formatting import cn_date, cn_numeral
from documents.sample_case import AGENCY, at
from rules.data_files import load_yaml
from rules.document_kinds import load_document_kinds, parse_document_kinds
from rules.errors import RuleDataError
from tests.documents.archive_support import (
    ARCHIVE_ORDER,
    CASE_ID,
    TIMELINE,
    TITLE,
    cover,
    entry,
    marked_pdf,
    page_texts,
    printed_toc,
    sample_entries,
    squash,
    stamped_pages,
    word_boxes,
)
from tests.documents.helpers import pdf_fonts, rendered


@pytest.fixture(scope="module")
def archive() -> Archive:
    return build_archive_pdf(cover(), sample_entries())


@pytest.fixture(scope="module")
def texts(archive: Archive) -> list[str]:
    return page_texts(archive.pdf)


def pages_of(kind: str) -> int:
    return len(PdfReader(io.BytesIO(rendered(kind).pdf)).pages)


# --- order -------------------------------------------------------------------------------------------------------


def test_documents_are_filed_by_category_then_time(archive: Archive) -> None:
    titles = {kind: load_document_kinds().get(kind).title for kind, _ in TIMELINE}
    assert [row.title for row in archive.rows] == [titles[kind] for kind in ARCHIVE_ORDER]
    assert [row.seq for row in archive.rows] == list(range(1, len(TIMELINE) + 1))


def test_the_order_given_does_not_matter(archive: Archive) -> None:
    shuffled = sample_entries()
    random.Random(5).shuffle(shuffled)
    assert build_archive_pdf(cover(), shuffled).pdf == archive.pdf


def test_documents_of_one_category_and_instant_keep_the_order_given() -> None:
    same = at(11, 20, 9, 0)
    entries = [ArchiveEntry(8, f"材料{n}", None, same, marked_pdf(f"DOC{n}", 1)) for n in (3, 1, 2)]
    entries.insert(1, ArchiveEntry(2, "决定", None, at(12, 1), marked_pdf("DECISION", 1)))
    result = build_archive_pdf(cover(), entries)
    assert [row.title for row in result.rows] == ["决定", "材料3", "材料1", "材料2"]


# --- the table of contents against the pages -------------------------------------------------------------------


def test_the_toc_gives_each_document_the_page_it_starts_on(archive: Archive, texts: list[str]) -> None:
    printed, stamps = printed_toc(texts), stamped_pages(texts)
    assert len(printed) == len(ARCHIVE_ORDER)
    assert sorted(stamps) == list(range(1, sum(pages_of(kind) for kind in ARCHIVE_ORDER) + 1))
    expected_start = 1
    for row, kind in zip(printed, ARCHIVE_ORDER, strict=True):
        doc, code, pages = load_document_kinds().get(kind), rendered(kind).verify_code, pages_of(kind)
        assert (row.title, row.number) == (doc.title, rendered(kind).number)
        assert row.on == cn_date(dict(TIMELINE)[kind])
        assert row.page == expected_start, f"{doc.title}: the TOC says page {row.page}"
        holding = [n for n, index in stamps.items() if code in texts[index]]  # the pages that carry its code
        assert holding == list(range(row.page, row.page + pages)), doc.title
        expected_start += pages


def test_the_page_labels_and_the_outline_say_the_same(archive: Archive, texts: list[str]) -> None:
    reader = PdfReader(io.BytesIO(archive.pdf))
    labels = reader.page_labels
    for number, index in stamped_pages(texts).items():
        assert labels[index] == str(number)
        assert archive.physical_page(number) == index
    assert labels[0] == "封面" and labels[-1] == "备考表" and labels[1] == "目录1"
    outline = reader.outline
    headings = [item.title for item in outline if isinstance(item, Destination)]
    used = sorted({load_document_kinds().get(kind).archive_category for kind in ARCHIVE_ORDER})
    names = [f"{cn_numeral(n)}、{load_document_kinds().archive_category(n).name}" for n in used]
    assert headings == ["案卷封面", "卷内目录", *names, "卷内备考表"]
    children = [item for group in outline if isinstance(group, list) for item in group]
    decision = next(item for item in children if isinstance(item, Destination) and "行政处罚决定书" in str(item.title))
    row = next(r for r in archive.rows if r.title == "行政处罚决定书")
    assert reader.get_destination_page_number(decision) == archive.physical_page(row.first_page)


def test_every_page_of_every_document_is_bound_whole(texts: list[str]) -> None:
    stamps = stamped_pages(texts)
    bound = [squash(texts[stamps[n]]) for n in sorted(stamps)]
    originals = [squash(t) for kind in ARCHIVE_ORDER for t in page_texts(rendered(kind).pdf)]
    assert len(bound) == len(originals)
    for number, (page, original) in enumerate(zip(bound, originals, strict=True), start=1):
        assert original in page, f"卷内第{number}页 lost text of its document"


def test_the_documents_drawing_is_kept_as_issued(archive: Archive, texts: list[str]) -> None:
    """The stamp is drawn by a stream of its own: each page's content streams are the issued ones, unchanged."""
    reader, stamps = PdfReader(io.BytesIO(archive.pdf)), stamped_pages(texts)
    issued = [page for kind in ARCHIVE_ORDER for page in PdfReader(io.BytesIO(rendered(kind).pdf)).pages]
    for number, page in enumerate(issued, start=1):
        bound = reader.pages[stamps[number]]["/Contents"].get_object()
        assert isinstance(bound, ArrayObject) and len(bound) >= 3
        contents = page.get_contents()
        assert contents is not None
        kept = b"".join(stream.get_object().get_data() for stream in bound[1:-1])
        assert kept == contents.get_data(), f"卷内第{number}页"


# --- cover, 备考表, draft ---------------------------------------------------------------------------------------


def test_the_cover_states_the_case(archive: Archive, texts: list[str]) -> None:
    page = squash(texts[0])
    pages = sum(pages_of(kind) for kind in ARCHIVE_ORDER)
    for text in (
        AGENCY,
        "行政处罚案卷",
        TITLE,
        CASE_ID,
        "当事人张三",
        f"共{len(ARCHIVE_ORDER)}件{pages}页",
        "立卷人",
        "审核人",
    ):
        assert text in page, text
    for label, day in (("案件来源日期", at(11, 3)), ("立案日期", at(11, 6)), ("结案日期", at(12, 22))):
        assert f"{label}{cn_date(day)}" in page
    assert "保管期限" not in page and "草稿" not in page  # none given: none invented
    assert (archive.front_pages, archive.document_pages) == (2, pages)
    assert archive.page_count == len(texts) == 2 + pages + 1


def test_a_retention_period_is_printed_when_given() -> None:
    result = build_archive_pdf(cover(retention="永久"), [])
    assert "保管期限永久" in squash(page_texts(result.pdf)[0])


def test_the_backnote_closes_the_archive(texts: list[str]) -> None:
    last = squash(texts[-1])
    pages = sum(pages_of(kind) for kind in ARCHIVE_ORDER)
    assert "卷内备考表" in last and f"本卷共{len(ARCHIVE_ORDER)}件{pages}页" in last
    assert all(label in last for label in ("立卷人", "检查人", "立卷时间"))
    assert "卷内第" not in last and "卷内第" not in squash(texts[0]) + squash(texts[1])  # sheets are not numbered


def test_a_draft_says_so_on_the_cover_every_page_and_the_backnote() -> None:
    entries = sample_entries()[:3]
    result = build_archive_pdf(cover(draft=True, closed_at=None), entries)
    texts = page_texts(result.pdf)
    assert "草稿·未结案" in squash(texts[0]) and "结案日期未结案" in squash(texts[0])
    stamps = stamped_pages(texts, "草稿卷内第{n}页")
    assert sorted(stamps) == list(range(1, result.document_pages + 1))
    assert "本卷为草稿" in squash(texts[-1])
    assert PdfReader(io.BytesIO(result.pdf)).metadata.title == f"{TITLE}（案卷·草稿）"  # type: ignore[union-attr]


def test_an_archive_without_documents_has_its_sheets() -> None:
    result = build_archive_pdf(cover(draft=True, closed_at=None), [])
    texts = page_texts(result.pdf)
    assert len(texts) == result.page_count == 3 and result.document_pages == 0
    assert "（无卷内文件）" in texts[1] and "本卷共0件0页" in squash(texts[2])


# --- the stamp ---------------------------------------------------------------------------------------------------


def _rotated(pdf: bytes, degrees: int) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    for page in writer.pages:
        page.rotate(degrees)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(("size", "rotate"), [("A4", 0), ("A5 landscape", 0), ("letter", 0), ("A4", 90)])
def test_the_stamp_sits_in_the_top_right_corner_of_any_page(size: str, rotate: int) -> None:
    pdf = _rotated(marked_pdf("PHOTO", 1, size=size), rotate)
    result = build_archive_pdf(cover(), [ArchiveEntry(3, "现场照片", None, at(11, 3), pdf)])
    reader = PdfReader(io.BytesIO(result.pdf))
    page = reader.pages[result.physical_page(1)]
    assert page.rotation % 360 == 0  # a rotated page is turned in its content, so "top right" is as seen
    assert (float(page.mediabox.width) > float(page.mediabox.height)) == (rotate == 90 or "landscape" in size)
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    found = [box for box in word_boxes(result.pdf, result.physical_page(1)) if box[0].startswith("卷内第")]
    assert len(found) == 1
    _, x_min, y_min, x_max, _ = found[0]
    assert width * 0.6 < x_min and x_max < width and 0 < y_min < height * 0.1, (size, rotate, found, width, height)


# --- fonts, metadata, PDF/A ---------------------------------------------------------------------------------------


def test_chinese_text_extracts_without_glyph_boxes(archive: Archive, texts: list[str]) -> None:
    assert "卷内目录" in squash(texts[1]) and "一、案件来源材料、立案审批表" in squash(texts[1])
    fonts = pdf_fonts(archive.pdf)
    assert fonts and all(f["emb"] == "yes" and f["uni"] == "yes" for f in fonts)  # embedded, with ToUnicode
    assert len({f["name"] for f in fonts}) == len(fonts), "two subsets share a name"
    with pytest.raises(MissingGlyph):  # a character no installed font has stops the binding
        build_archive_pdf(cover(party="\U0003134a"), [])


def test_the_metadata_agrees_and_pdf_a_is_not_claimed(archive: Archive) -> None:
    reader = PdfReader(io.BytesIO(archive.pdf))
    info, xmp = reader.metadata, reader.xmp_metadata
    assert info is not None and xmp is not None
    assert (info.title, info.author) == (f"{TITLE}（案卷）", AGENCY)
    assert xmp.dc_title == {"x-default": info.title} and xmp.dc_creator == [AGENCY]
    assert xmp.pdf_producer == info.producer
    assert str(info["/CreationDate"]).startswith("D:20261222100000+08'00")
    assert xmp.pdfaid_part is None and b"pdfaid" not in xmp.stream.get_data()  # not validated: not claimed
    intents = reader.root_object["/OutputIntents"].get_object()
    assert isinstance(intents, ArrayObject) and len(intents) == 1
    assert intents[0].get_object()["/S"] == "/GTS_PDFA1"  # the sRGB output intent of the sheets is kept
    identifier = reader.trailer["/ID"].get_object()
    assert isinstance(identifier, ArrayObject) and len(identifier[0]) == 16


def test_the_same_input_gives_the_same_bytes(archive: Archive) -> None:
    again = build_archive_pdf(cover(), sample_entries())
    assert again.pdf == archive.pdf and again.sha256 == archive.sha256
    later = build_archive_pdf(cover(closed_at=at(12, 23)), sample_entries())
    assert later.pdf != archive.pdf


# --- refusals and the catalogue -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"category": 0}, "archive category 0"),
        ({"category": 9}, "archive category 9"),
        ({"issued_at": at(11, 3).replace(tzinfo=None)}, "no time zone"),
        ({"pdf": b"%PDF-1.7 not really"}, "not a readable PDF"),
    ],
)
def test_what_cannot_be_bound_is_refused(change: dict[str, object], message: str) -> None:
    bad = dataclasses.replace(entry("penalty_decision", at(11, 16)), **change)  # type: ignore[arg-type]
    with pytest.raises(ArchiveError, match=re.escape(message)) as raised:
        build_archive_pdf(cover(), [bad])
    assert "行政处罚决定书" in str(raised.value)


def test_every_document_kind_is_filed_in_an_article_40_category() -> None:
    catalogue = load_document_kinds()
    assert [c.number for c in catalogue.archive_categories] == list(range(1, 9))
    by_kind = {d.kind: d.archive_category for d in catalogue.documents}
    assert set(by_kind.values()) <= set(range(1, 9))
    assert by_kind["case_source_register"] == by_kind["filing_approval"] == 1
    assert {by_kind[k] for k in ("penalty_decision", "prior_notice", "service_receipt", "no_penalty_decision")} == {2}
    assert by_kind["statement_record"] == 4
    assert by_kind["legal_review_opinion"] == by_kind["collective_discussion"] == 6
    assert by_kind["enforcement_application"] == by_kind["reminder"] == 7


def test_a_catalogue_with_a_bad_archive_category_is_refused_at_start_up() -> None:
    raw = load_yaml("documents.yaml")
    raw["documents"][0]["archive_category"] = 9
    with pytest.raises(RuleDataError, match=r"case_source_register\.archive_category"):
        parse_document_kinds(raw)
    del raw["documents"][0]["archive_category"]
    with pytest.raises(RuleDataError, match=r"case_source_register\.archive_category: Field required"):
        parse_document_kinds(raw)
    raw = load_yaml("documents.yaml")
    raw["archive_categories"] = raw["archive_categories"][::-1]
    with pytest.raises(RuleDataError, match=r"archive_categories: .*1\.\.8 in order"):
        parse_document_kinds(raw)
