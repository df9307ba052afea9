"""The PDF-level steps of binding a case archive (documents/archive.py): the page-number stamps, the metadata,
and one tag per embedded font subset. See documents/archive.py for what holds of PDF/A in the bound file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from importlib.metadata import version
from xml.sax.saxutils import escape

from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    PdfObject,
)
from weasyprint import __version__ as WEASYPRINT_VERSION  # type: ignore[import-untyped]

from rules.calendar import SHANGHAI

PRODUCER = f"zhifa 案卷 (WeasyPrint {WEASYPRINT_VERSION}, pypdf {version('pypdf')})"
_SUBSET = re.compile(r"/([A-Z]{6})\+(.+)")
STAMP = NameObject("/ZhifaArchiveStamp")


@dataclass(frozen=True)
class Metadata:
    """What the Info dictionary and the XMP packet both say (PDF/A asks them to agree; so do we)."""

    title: str
    author: str
    subject: str
    as_of: dt.datetime | None  # creation and modification date; None: no dates
    identity: bytes  # 16 bytes: the file identifier (a hash of the inputs, not random)


class Stamper:
    """Lays a stamp page (A4, from the archive's own render) over a bound page, top-right corners together.

    The stamp becomes a Form XObject, drawn by a content stream appended to the page's: the document's own
    content streams stay byte for byte as issued (wrapped in q … Q, added as separate streams), nothing is
    parsed or re-encoded, and the page gets a resources dictionary of its own (a copy: weasyprint shares one
    among a document's pages). pypdf has no public call that adds an indirect object: `_add_object` it is.
    """

    def __init__(self, writer: PdfWriter) -> None:
        self.writer = writer
        self.save = writer._add_object(_stream(b"q\n"))

    def form(self, overlay: PageObject) -> IndirectObject:
        contents = overlay.get_contents()
        form = _stream(contents.get_data() if contents is not None else b"")
        form[NameObject("/Type")] = NameObject("/XObject")
        form[NameObject("/Subtype")] = NameObject("/Form")
        form[NameObject("/BBox")] = ArrayObject(FloatObject(float(v)) for v in overlay.mediabox)
        form[NameObject("/Resources")] = overlay["/Resources"].clone(self.writer)
        return self.writer._add_object(form.flate_encode())

    def stamp(self, page: PageObject, overlay: PageObject) -> None:
        if page.rotation % 360:
            page.transfer_rotation_to_content()  # so "top right" is where a reader sees it
        box, frame = page.cropbox, overlay.mediabox
        dx, dy = float(box.right) - float(frame.right), float(box.top) - float(frame.top)
        resources = DictionaryObject(page.get("/Resources", DictionaryObject()).get_object())
        xobjects = DictionaryObject(resources.get("/XObject", DictionaryObject()).get_object())
        xobjects[STAMP] = self.form(overlay)
        resources[NameObject("/XObject")] = xobjects
        page[NameObject("/Resources")] = resources
        draw = self.writer._add_object(_stream(f"Q\nq 1 0 0 1 {dx:.4f} {dy:.4f} cm {STAMP} Do Q\n".encode()))
        original = page.get("/Contents")
        target = original.get_object() if original is not None else None
        streams = list(target) if isinstance(target, ArrayObject) else [original] if original is not None else []
        page[NameObject("/Contents")] = ArrayObject([self.save, *streams, draw])


def _stream(data: bytes) -> DecodedStreamObject:
    stream = DecodedStreamObject()
    stream.set_data(data)
    return stream


def pdf_date(at: dt.datetime) -> str:
    local = at.astimezone(SHANGHAI)
    offset = local.strftime("%z")
    return local.strftime("D:%Y%m%d%H%M%S") + f"{offset[:3]}'{offset[3:]}'"


def xmp(meta: Metadata) -> bytes:
    """XMP with the same values as the Info dictionary, and no PDF/A identification (see documents/archive.py)."""
    dates = ""
    if meta.as_of is not None:
        at = meta.as_of.astimezone(SHANGHAI).isoformat(timespec="seconds")
        dates = f"<xmp:CreateDate>{at}</xmp:CreateDate><xmp:ModifyDate>{at}</xmp:ModifyDate>"
        dates += f"<xmp:MetadataDate>{at}</xmp:MetadataDate>"
    body = (
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">'
        f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(meta.title)}</rdf:li></rdf:Alt></dc:title>'
        f"<dc:creator><rdf:Seq><rdf:li>{escape(meta.author)}</rdf:li></rdf:Seq></dc:creator>"
        '<dc:description><rdf:Alt><rdf:li xml:lang="x-default">'
        f"{escape(meta.subject)}</rdf:li></rdf:Alt></dc:description>"
        "<dc:language><rdf:Bag><rdf:li>zh-CN</rdf:li></rdf:Bag></dc:language>"
        f"<pdf:Producer>{escape(PRODUCER)}</pdf:Producer><xmp:CreatorTool>zhifa</xmp:CreatorTool>{dates}"
        "</rdf:Description>"
    )
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        f'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">{body}</rdf:RDF>'
        '</x:xmpmeta>\n<?xpacket end="r"?>'
    ).encode()


def write_metadata(writer: PdfWriter, meta: Metadata, source: PdfReader) -> None:
    """Info, XMP, file identifier; the output intent and language of ``source`` (the archive's own sheets)."""
    info = {"/Title": meta.title, "/Author": meta.author, "/Subject": meta.subject, "/Creator": "zhifa",
            "/Producer": PRODUCER}  # fmt: skip
    if meta.as_of is not None:
        info |= {"/CreationDate": pdf_date(meta.as_of), "/ModDate": pdf_date(meta.as_of)}
    writer.add_metadata(info)
    writer.xmp_metadata = xmp(meta)
    stream = writer.root_object["/Metadata"].get_object()
    assert isinstance(stream, DictionaryObject)  # the setter above made it a stream
    stream[NameObject("/Type")] = NameObject("/Metadata")
    stream[NameObject("/Subtype")] = NameObject("/XML")
    for key in ("/OutputIntents", "/Lang"):
        if key in source.root_object:
            value: PdfObject = source.root_object[key]
            writer.root_object[NameObject(key)] = value.clone(writer)
    writer._ID = ArrayObject([ByteStringObject(meta.identity), ByteStringObject(meta.identity)])


def distinct_subset_tags(writer: PdfWriter) -> None:
    """Give every embedded font subset its own tag. weasyprint tags a subset by the font, not by its glyphs,
    so two documents carry different subsets as, say, LWGGBP+Noto-Serif-CJK-SC; one file must not (ISO 32000-1
    §9.6.4: different subsets in the same file shall have different tags), or a viewer that caches fonts by name
    may draw one document's text with another's glyphs. The first keeps its tag; the others get one derived
    from the original name and their order (same input, same tags)."""
    seen: set[int] = set()
    taken: set[str] = set()
    for page in writer.pages:
        resources = page.get("/Resources")
        fonts = resources.get_object().get("/Font") if resources is not None else None
        for reference in (fonts.get_object() if fonts is not None else {}).values():
            if isinstance(reference, IndirectObject):
                if reference.idnum in seen:
                    continue
                seen.add(reference.idnum)
            font = reference.get_object()
            match = _SUBSET.fullmatch(str(font.get("/BaseFont", "")))
            if match is None:
                continue
            name = match.group(2)
            tag, n = match.group(1), 0
            while f"{tag}+{name}" in taken:
                n += 1
                digest = hashlib.sha256(f"{match.group(0)}#{n}".encode()).digest()
                tag = "".join(chr(ord("A") + b % 26) for b in digest[:6])
            taken.add(f"{tag}+{name}")
            if tag != match.group(1):
                _retag(font, match.group(1), tag)


def _retag(font: DictionaryObject, old: str, new: str) -> None:
    """Rename a font subset everywhere its name is written: the font, its descendants, their descriptors."""
    for item in [font, *(d.get_object() for d in font.get("/DescendantFonts", ArrayObject()))]:
        for owner, key in ((item, "/BaseFont"), (item.get("/FontDescriptor"), "/FontName")):
            target = owner.get_object() if owner is not None else None
            if target is not None and str(target.get(key, "")).startswith(f"/{old}+"):
                target[NameObject(key)] = NameObject(f"/{new}+" + str(target[key])[len(old) + 2 :])
