"""Document numbers (文号) and verification codes.

A number reads ``{agency abbreviation}{type code}〔{year}〕第{n}号``, e.g. ``清河城管罚决〔2026〕第12号``:
the abbreviation is the issuing unit's (``jurisdiction.abbreviation``, editable in the database,
overridable per code by ``Settings.document_abbreviations``), the year is the year of issuance in
Beijing time, and ``n`` counts per (agency, type code, year) from 1, without gaps.

Gap-free under concurrency: ``next_number`` advances the counter with one row-locking upsert,

    INSERT INTO document_sequence (agency_code, type_code, year, last_n) VALUES (:a, :t, :y, 1)
    ON CONFLICT (agency_code, type_code, year) DO UPDATE SET last_n = document_sequence.last_n + 1
    RETURNING last_n

inside the transaction that inserts the document row. On PostgreSQL the updated (or freshly inserted)
row stays locked until that transaction ends, so concurrent issuers of the same sequence queue behind
it and each reads the committed value; if the transaction rolls back, so does its number. On SQLite
the statement takes the database's single write lock, which serialises issuers the same way.
(A database SEQUENCE would be concurrency-safe too, but not gap-free: nextval is never rolled back.)

Verification codes are 10 characters of Crockford base32 (50 random bits): no I, L, O or U, so a
code read aloud or typed from paper is unambiguous; input is normalised (case, hyphens, I/L→1, O→0).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from core.document_tables import VERIFY_CODE_LENGTH, DocumentSequence
from core.models import Jurisdiction

BEIJING = ZoneInfo("Asia/Shanghai")
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CODE = re.compile(f"^[{CROCKFORD}]{{{VERIFY_CODE_LENGTH}}}$")
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})


class UnknownAgency(LookupError):
    def __init__(self, code: str) -> None:
        super().__init__(f"no jurisdiction {code!r} to issue documents as")
        self.code = code


@dataclass(frozen=True)
class Agency:
    """The issuing unit as the number and the document show it."""

    code: str
    name: str
    abbreviation: str


def load_agency(session: Session, code: str, overrides: Mapping[str, str] | None = None) -> Agency:
    """The agency ``code`` with its numbering abbreviation (the override map wins over the row)."""
    place = session.get(Jurisdiction, code)
    if place is None:
        raise UnknownAgency(code)
    abbreviation = (overrides or {}).get(code) or place.abbreviation
    return Agency(code=place.code, name=place.name, abbreviation=abbreviation)


def issuance_year(at: dt.datetime) -> int:
    """The year of ``at`` in Beijing time (a document issued at 2026-12-31T17:00Z is of 2027)."""
    if at.tzinfo is None:
        raise ValueError("issuance time must be timezone-aware")
    return at.astimezone(BEIJING).year


def format_number(abbreviation: str, type_code: str, year: int, n: int) -> str:
    """``清河城管`` + ``罚决`` + ``〔2026〕`` + ``第12号``."""
    if n < 1:
        raise ValueError(f"document numbers start at 1, not {n}")
    return f"{abbreviation}{type_code}〔{year}〕第{n}号"


def next_number(session: Session, agency_code: str, type_code: str, year: int) -> int:
    """Advance the (agency, type, year) sequence by one in the session's transaction; the new n.

    The caller commits (the number is then spent) or rolls back (the number is given back).
    """
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    table = DocumentSequence.__table__  # type: ignore[attr-defined]
    stmt = (
        dialect.insert(table)
        .values(agency_code=agency_code, type_code=type_code, year=year, last_n=1)
        .on_conflict_do_update(index_elements=["agency_code", "type_code", "year"], set_={"last_n": table.c.last_n + 1})
        .returning(table.c.last_n)
    )
    return int(session.execute(stmt).scalar_one())


def new_verify_code() -> str:
    """10 random Crockford base32 characters (50 bits)."""
    return "".join(secrets.choice(CROCKFORD) for _ in range(VERIFY_CODE_LENGTH))


def normalize_verify_code(text: str) -> str | None:
    """The canonical form of a code as typed (``abcde-fghjk``, I/L for 1, O for 0); None if invalid."""
    code = re.sub(r"[\s-]", "", text).upper().translate(_READ_AS)
    return code if _CODE.match(code) else None


def display_verify_code(code: str) -> str:
    """``ABCDE-FGHJK``: how the code is printed."""
    half = VERIFY_CODE_LENGTH // 2
    return f"{code[:half]}-{code[half:]}"
