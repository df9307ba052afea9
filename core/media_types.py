"""Media types of evidence: normalising a declared type and telling whether a file's first bytes
contradict it (a PDF declared ``image/jpeg``; a "JPEG" without the JPEG signature)."""

from __future__ import annotations

SNIFF_BYTES = 1024  # every signature below fits; Acrobat accepts "%PDF-" anywhere in the first KiB


_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
_AVIF_BRANDS = {b"avif", b"avis"}

# Which declared types each sniffed signature is consistent with.
_FAMILIES = {
    name: frozenset(types.split())
    for name, types in {
        "jpeg": "image/jpeg image/jpg image/pjpeg",
        "png": "image/png",
        "pdf": "application/pdf application/x-pdf",
        "wav": "audio/wav audio/x-wav audio/wave audio/vnd.wave",
        "webp": "image/webp",
        "heif": "image/heic image/heif image/heic-sequence image/heif-sequence",
        "avif": "image/avif",
        "iso-bmff": "video/mp4 video/quicktime video/3gpp video/3gpp2 video/x-m4v"
        " audio/mp4 audio/m4a audio/x-m4a audio/3gpp",
        "amr": "audio/amr audio/amr-wb",
        "mpeg-audio": "audio/mpeg audio/mp3 audio/mpeg3 audio/x-mpeg-3 audio/aac audio/x-aac",
    }.items()
}
# Formats that cannot start any other way (old QuickTime files need no ftyp; MP3s may start with junk).
_MANDATORY = frozenset({"jpeg", "png", "pdf", "wav", "webp", "heif", "avif", "amr"})
_GENERIC = frozenset({"application/octet-stream"})  # claims nothing, so nothing contradicts it


def normalise_media_type(value: str) -> str:
    """``Image/JPEG; charset=x`` → ``image/jpeg``."""
    return value.split(";", 1)[0].strip().lower()


def sniff(head: bytes) -> str | None:
    """The family (a key of ``_FAMILIES``) whose signature ``head`` starts with; None when none does."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head[:4] == b"RIFF" and head[8:12] in (b"WAVE", b"WEBP"):
        return "wav" if head[8:12] == b"WAVE" else "webp"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        return "heif" if brand in _HEIF_BRANDS else "avif" if brand in _AVIF_BRANDS else "iso-bmff"
    if head.startswith((b"#!AMR\n", b"#!AMR-WB\n")):
        return "amr"
    id3 = head[:3] == b"ID3" and head[3:4] in (b"\x02", b"\x03", b"\x04")
    frame_sync = len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0  # MPEG audio, AAC ADTS
    return "mpeg-audio" if id3 or frame_sync else None


def contradiction(declared: str, head: bytes) -> str | None:
    """Why the first bytes contradict the declared (normalised) type; None when they do not."""
    families = {name for name, types in _FAMILIES.items() if declared in types}
    found = sniff(head)
    if found is not None and found not in families and declared not in _GENERIC:
        return f"the file is declared {declared} but its content is {found.upper()}"
    if found is None and families and families <= _MANDATORY:
        if families == {"pdf"} and b"%PDF-" in head[:SNIFF_BYTES]:
            return None
        return f"the file is declared {declared} but its content is not of that type"
    return None


def is_json(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")
