"""Properties of the PDF itself: same input → same bytes (idempotent render activities), PDF/A-2u metadata
with the issue date, the QR code carries the verification address, and a template version that changes only
when what shapes the output changes."""

from __future__ import annotations

import io
import subprocess
import tempfile
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.generic import ArrayObject

from documents.numbering import VERIFY_PATH
from documents.render import ARCHIVAL_VARIANT, qr_svg, template_version
from documents.sample_case import AGENCY, VERIFY_BASE
from tests.documents.helpers import call_kwargs, render, rendered


def test_the_same_input_gives_the_same_pdf_bytes() -> None:
    first, second = rendered("penalty_decision"), render("penalty_decision")
    assert first.pdf == second.pdf and first.sha256 == second.sha256
    later = render("penalty_decision", issued_at=call_kwargs("penalty_decision")["issued_at"].replace(hour=11))
    assert later.pdf != first.pdf  # the issue instant is part of the document (its date and metadata)


def test_archived_output_is_pdf_a_2u_with_the_issue_date_in_its_metadata() -> None:
    assert ARCHIVAL_VARIANT == "pdf/a-2u"
    result = rendered("penalty_decision")
    reader = PdfReader(io.BytesIO(result.pdf))
    xmp = reader.xmp_metadata
    assert xmp is not None
    raw = xmp.stream.get_data().decode("utf-8")
    assert 'pdfaid:part="2"' in raw and 'pdfaid:conformance="U"' in raw
    assert "<xmp:CreateDate>2026-11-26T10:00:00+08:00</xmp:CreateDate>" in raw
    intents = reader.root_object["/OutputIntents"].get_object()
    assert (
        isinstance(intents, ArrayObject) and intents[0].get_object()["/S"] == "/GTS_PDFA1"
    )  # the output-intent subtype PDF/A uses for every part
    info = reader.metadata
    assert info is not None
    assert (info.title, info.author) == ("行政处罚决定书", AGENCY)
    assert str(info["/CreationDate"]).startswith("D:20261126100000+08'00")
    assert len(reader.pages) == result.page_count
    assert all(abs(float(p.mediabox.width) - 595.28) < 1 and abs(float(p.mediabox.height) - 841.89) < 1
               for p in reader.pages), "A4"  # fmt: skip


def test_a_plain_pdf_can_be_asked_for() -> None:
    result = render("payment_notice", pdf_variant=None)
    reader = PdfReader(io.BytesIO(result.pdf))
    assert reader.xmp_metadata is None


def test_the_qr_code_carries_the_verification_address() -> None:
    result = rendered("penalty_decision")
    url = call_kwargs("penalty_decision")["verify_url"]
    assert url == f"{VERIFY_BASE}{VERIFY_PATH}{result.verify_code}"
    assert str(qr_svg(url)) in result.html  # the embedded QR is segno's encoding of exactly this address
    zxingcpp = pytest.importorskip("zxingcpp", reason="no offline QR decoder installed (zxing-cpp)")
    from PIL import Image

    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "doc.pdf"
        pdf.write_bytes(result.pdf)
        subprocess.run(["pdftoppm", "-r", "150", "-f", "1", "-l", "1", "-png", str(pdf), f"{tmp}/page"],
                       check=True, timeout=60)  # fmt: skip
        image = Image.open(next(Path(tmp).glob("page*.png")))
        decoded = [b.text for b in zxingcpp.read_barcodes(image)]
    assert decoded == [url]


def test_the_template_version_is_stable_and_per_kind() -> None:
    version = template_version("penalty_decision")
    assert len(version) == 64 and version == rendered("penalty_decision").template_version
    assert version != template_version("no_penalty_decision")
    assert render("penalty_decision").template_version == version
