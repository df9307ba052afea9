"""Document numbers (文号) and verification codes.

文号: `{abbreviation}{type_code}〔{year}〕第{sequence}号`, e.g. 清河城管罚〔2026〕第12号 — the pattern of
REFERENCE §2 (I). The abbreviation is the issuing jurisdiction's (core/seed.py: 清河城管); the type
code is the document kind's configurable default in rules/data/documents.yaml. Allocating the next
sequence number is the caller's job (one counter per agency, type code and year).

Verification code: derived, not drawn — an HMAC of the document's stable id under the deployment's
secret — so a retried render activity prints the same code (and the same PDF bytes), while nobody
without the secret can guess the code of another document. It is short enough to type: ten Crockford
base-32 characters (50 bits) in two groups, e.g. 7KQ2M-XH4PA.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from core.numbering import format_number as core_format_number
from documents.errors import DocumentError
from rules.document_kinds import load_document_kinds

VERIFY_PATH = "/api/v1/documents/verify/"
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
NUMBER_RE = re.compile(
    r"^(?P<abbreviation>.+?)(?P<type_code>[\u4e00-\u9fff]{1,4})〔(?P<year>\d{4})〕第(?P<sequence>\d+)号$"
)
VERIFY_CODE_RE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$")


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


def verify_code(secret: bytes, document_id: str) -> str:
    """The short verification code of a document: HMAC-SHA256(secret, id), 50 bits in Crockford base 32."""
    if len(secret) < 16:
        raise DocumentError("the verification secret must be at least 16 bytes")
    digest = hmac.new(secret, document_id.encode("utf-8"), hashlib.sha256).digest()
    bits = int.from_bytes(digest[:7], "big") >> 6  # the first 50 bits
    chars = "".join(_CROCKFORD[(bits >> shift) & 31] for shift in range(45, -1, -5))
    return f"{chars[:5]}-{chars[5:]}"


def normalise_verify_code(code: str) -> str:
    """What a person typed → the canonical code: case, spaces, I/L → 1 and O → 0 forgiven (Crockford)."""
    cleaned = re.sub(r"[\s-]", "", code).upper().translate(str.maketrans("ILO", "110"))
    return f"{cleaned[:5]}-{cleaned[5:]}" if len(cleaned) == 10 else cleaned


def verify_url(base_url: str, code: str) -> str:
    """The public verification address the QR code carries: {base}/api/v1/documents/verify/{code}."""
    return base_url.rstrip("/") + VERIFY_PATH + code
