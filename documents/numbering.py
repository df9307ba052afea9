"""Document numbers (文号) and verification codes as the renderer prints them: one scheme, core.numbering's.

文号: `{abbreviation}{type_code}〔{year}〕第{sequence}号`, e.g. 清河城管罚〔2026〕第12号 — formatted by
`core.numbering.format_number` (the pattern of REFERENCE §2, I); the type code is the kind's configurable
default in rules/data/documents.yaml, the sequence is taken gap-free at issuance (core.numbering).

Verification codes are drawn at issuance (`core.numbering.new_verify_code`: 10 random Crockford base-32
characters, 50 bits, stored in `case_document.verify_code`), printed as `ABCDE-FGHJK`
(`display_verify_code`) beside the QR code of `verify_url`, and read back by the public endpoint through
`normalize_verify_code`. Idempotency does not rest on the code: a retried issuing activity finds the row
by its issue key and never renders again. This module only re-exports those helpers for the renderer's
callers and adds the kind-aware `document_number`.
"""

from __future__ import annotations

import re

from core.document_tables import VERIFY_CODE_LENGTH
from core.documents import VERIFY_PATH, verify_url
from core.numbering import CROCKFORD, display_verify_code, new_verify_code, normalize_verify_code
from core.numbering import format_number as core_format_number
from documents.errors import DocumentError
from rules.document_kinds import load_document_kinds

__all__ = [
    "NUMBER_RE",
    "VERIFY_CODE_RE",
    "VERIFY_PATH",
    "display_verify_code",
    "document_number",
    "format_number",
    "normalize_verify_code",
    "preview_verify_code",
    "verify_url",
]

NUMBER_RE = re.compile(
    r"^(?P<abbreviation>.+?)(?P<type_code>[\u4e00-\u9fff]{1,4})〔(?P<year>\d{4})〕第(?P<sequence>\d+)号$"
)
_HALF = VERIFY_CODE_LENGTH // 2
VERIFY_CODE_RE = re.compile(f"^[{CROCKFORD}]{{{_HALF}}}-[{CROCKFORD}]{{{VERIFY_CODE_LENGTH - _HALF}}}$")


def format_number(abbreviation: str, type_code: str, year: int, sequence: int) -> str:
    """The renderer's checks, then the one 文号 format the issuing code also uses (core.numbering)."""
    if not abbreviation.strip() or sequence < 1 or not 1900 <= year <= 9999:
        raise DocumentError(f"cannot number a document with {abbreviation!r}, year {year}, sequence {sequence}")
    return core_format_number(abbreviation, type_code, year, sequence)


def document_number(kind: str, abbreviation: str, year: int, sequence: int) -> str:
    """The 文号 of a numbered document kind; DocumentError for a kind that carries none (笔录, 审批表)."""
    doc = load_document_kinds().get(kind)
    if not doc.numbered or doc.type_code is None:
        raise DocumentError(f"{doc.title} ({kind}) carries no 文号; identify it by the case number")
    return format_number(abbreviation, doc.type_code, year, sequence)


def preview_verify_code() -> str:
    """A code of the one scheme, as printed, for a render outside issuance (a preview, a benchmark):
    drawn like an issued document's (`new_verify_code`), never stored."""
    return display_verify_code(new_verify_code())
