"""Every document kind renders with realistic data; the PDF's text carries every legally required value,
the common header (agency, title, 文号 or case number, date), 第x页 共y页 on every page and the
verification code; the text is real text in the embedded Noto CJK font (no missing glyphs)."""

import pytest

from documents.errors import MissingGlyph
from documents.formatting import cn_date
from documents.sample_case import AGENCY
from documents.samples import contexts
from rules.document_kinds import load_document_kinds
from tests.documents.helpers import (
    ISSUED_AT,
    call_kwargs,
    expected_values,
    glyph_problems,
    pdf_fonts,
    pdf_pages,
    pdf_text,
    render,
    rendered,
    squash,
)

KINDS = load_document_kinds().kinds


@pytest.mark.parametrize("kind", KINDS)
def test_every_required_value_is_printed(kind: str) -> None:
    body = squash(pdf_text(rendered(kind).pdf, body_only=True))
    expected = expected_values(kind, contexts()[kind])
    assert expected, "the sample must exercise the kind's required fields"
    missing = [(path, value) for path, value in expected if squash(value) not in body]
    assert not missing, f"{kind}: required values not found in the PDF text: {missing}"


@pytest.mark.parametrize("kind", KINDS)
def test_the_common_header_and_footer(kind: str) -> None:
    doc = load_document_kinds().get(kind)
    result = rendered(kind)
    text = squash(pdf_text(result.pdf))
    assert squash(AGENCY) in text
    assert squash(doc.title) in text
    if doc.numbered:
        assert result.number is not None and result.number in text
        assert f"{doc.type_code}〔2026〕第12号" in result.number
    else:
        assert result.number is None
        assert squash(contexts()[kind]["case"]["number"]) in text
    pages = pdf_pages(result.pdf)
    assert len(pages) == result.page_count >= 1
    for n, page in enumerate(pages, start=1):
        assert f"第{n}页共{result.page_count}页" in squash(page), f"page {n} of {kind} lacks its page number"
        assert f"验证码{result.verify_code}" in squash(page), f"page {n} of {kind} lacks the verification code"
    assert call_kwargs(kind)["verify_url"] in text


@pytest.mark.parametrize("kind", [d.kind for d in load_document_kinds().documents if d.numbered])
def test_issued_documents_carry_the_seal_block_and_the_chinese_date(kind: str) -> None:
    text = squash(pdf_text(rendered(kind).pdf))
    assert "（印章）" in text
    assert cn_date(ISSUED_AT) == "2026年11月26日"
    assert "2026年11月26日" in text


@pytest.mark.parametrize("kind", KINDS)
def test_only_the_embedded_noto_cjk_font_is_used(kind: str) -> None:
    """A character outside the CJK font would pull in a fallback font (or print a box): neither may happen."""
    fonts = pdf_fonts(rendered(kind).pdf)
    assert fonts, "no fonts listed: the text is not text"
    for font in fonts:
        assert "Noto-Serif-CJK-SC" in font["name"], f"{kind} uses a font other than Noto Serif CJK SC: {font}"
        assert font["emb"] == "yes" and font["uni"] == "yes", font


@pytest.mark.parametrize("kind", KINDS)
def test_every_character_is_printed_as_itself(kind: str) -> None:
    """No glyph boxes: every character of the HTML comes back from the PDF's text, and nothing else does."""
    result = rendered(kind)
    lost, stand_ins = glyph_problems(result.html, result.pdf)
    assert not lost and not stand_ins, f"{kind}: lost {sorted(lost)}, stand-ins {sorted(stand_ins)}"
    assert "\ufffd" not in pdf_text(result.pdf)


def test_a_character_missing_from_the_font_stops_the_render() -> None:
    """A Tangut character is in no installed font: weasyprint would draw a box, so the render refuses."""
    context = contexts()["prior_notice"]
    context["party"]["name"] = "张\U00017000"
    with pytest.raises(MissingGlyph, match="U\\+17000"):
        render("prior_notice", context)


def test_records_carry_a_signature_line_on_every_page() -> None:
    """住建 Art. 16: the person questioned signs every page of the 询问笔录."""
    result = rendered("inquiry_record")
    assert result.page_count >= 2, "the sample should span pages to show the per-page signature line"
    for page in pdf_pages(result.pdf):
        assert "被询问人签名" in squash(page)


def test_the_preservation_notice_lists_every_item_with_its_storage_place() -> None:
    text = squash(pdf_text(rendered("evidence_preservation_notice").pdf, body_only=True))
    assert "证据先行登记保存清单" in text
    for item in contexts()["evidence_preservation_notice"]["preservation"]["inventory"]:
        for value in item.values():
            assert squash(value) in text


def test_values_are_escaped_not_interpreted_as_html() -> None:
    context = contexts()["prior_notice"]
    context["party"]["name"] = '张三<b onclick="x">&amp;'
    result = render("prior_notice", context)
    assert "&lt;b onclick=&#34;x&#34;&gt;&amp;amp;" in result.html
    assert '张三<bonclick="x">&amp;' in squash(pdf_text(result.pdf))
