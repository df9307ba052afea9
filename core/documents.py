"""Issuing a statutory document: number it, render it, store its bytes, record its metadata — once.

``issue_document`` is what the document activity calls (``issue_key`` = ``{workflow_id}/{step}``).
It is idempotent: a retried activity gets the same row (same number, same hash) back, and any
number of concurrent calls with one key leave exactly one document.

1. A row with ``issue_key`` exists → return it; nothing is rendered or numbered again.
2. Otherwise, in one transaction: advance the sequence (``core.numbering.next_number``; the row lock
   is held from here to the commit), look for ``issue_key`` again (a racer that held the lock first
   has committed by now: return its row, rolling our number back), draw the verification code,
   render with the number, put the bytes in the store, insert the row with
   ``ON CONFLICT (issue_key) DO NOTHING RETURNING``, commit.
3. The insert returned nothing → another call with the same key won (possible for unnumbered forms,
   which take no lock): roll back and return the winner's row.

Anything that fails (the render, the store, the insert) rolls the transaction back, and with it the
number: numbers are gap-free. Bytes stored for a rolled-back issuance stay in the store unreferenced
(content addressed, harmless; a sweep can collect them). The bytes are stored before the row commits,
so a committed row never points at missing bytes.

The render runs while the sequence row is locked: issuers of the same (agency, type, year) queue for
the length of a render. That is the price of gap-free numbers, and it is per sequence only.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from typing import Protocol

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from core.docstore import DocumentStore
from core.document_tables import CaseDocument
from core.numbering import (
    display_verify_code,
    format_number,
    issuance_year,
    load_agency,
    new_verify_code,
    next_number,
)
from ledger.service import Ledger, document_entry

VERIFY_PATH = "/api/v1/documents/verify/"
PDF = "application/pdf"


class RenderedLike(Protocol):
    """What a render returns (``documents.render.Rendered`` fits): the bytes and the template version."""

    @property
    def pdf(self) -> bytes: ...

    @property
    def template_version(self) -> str: ...


# render(number or None for unnumbered forms, verify code as printed (ABCDE-FGHJK), issued at) → the document
Render = Callable[[str | None, str, dt.datetime], RenderedLike]


def verify_url(base_url: str, verify_code: str) -> str:
    """Where the QR code leads: the public verification endpoint for ``verify_code``."""
    return base_url.rstrip("/") + VERIFY_PATH + verify_code


def issue_key(workflow_id: str, step: str) -> str:
    """The idempotency key of one issuing step of one workflow."""
    return f"{workflow_id}/{step}"


def find_issued(session: Session, key: str) -> CaseDocument | None:
    return session.exec(select(CaseDocument).where(CaseDocument.issue_key == key)).first()


def find_by_verify_code(session: Session, code: str) -> CaseDocument | None:
    return session.exec(select(CaseDocument).where(CaseDocument.verify_code == code)).first()


def case_documents(session: Session, case_id: str) -> list[CaseDocument]:
    """A case's documents in the order they were issued."""
    stmt = (
        select(CaseDocument)
        .where(CaseDocument.case_id == case_id)
        .order_by(col(CaseDocument.created_at), col(CaseDocument.doc_id))
    )
    return list(session.exec(stmt).all())


def issue_document(
    session: Session,
    store: DocumentStore,
    *,
    issue_key: str,
    case_id: str,
    kind: str,
    type_code: str | None,
    agency_code: str,
    title: str,
    render: Render,
    now: dt.datetime,
    abbreviations: Mapping[str, str] | None = None,
    media_type: str = PDF,
    ledger: Ledger | None = None,
) -> CaseDocument:
    """The document issued under ``issue_key``: the existing one, or a new one (see the module doc).

    ``type_code`` None issues an unnumbered form. The session should have nothing pending: this
    function owns its transactions (it commits or rolls back). The returned row is detached from the
    session, fully loaded. With a ``ledger``, the document's hash becomes a leaf of the log in the same
    transaction (区块链存证: what the QR code's verification shows was recorded when it was issued).
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    held = find_issued(session, issue_key)
    if held is not None:
        return _detached(session, held)
    agency = load_agency(session, agency_code, abbreviations)
    year = issuance_year(now)
    session.commit()  # end the reads: the issuing transaction starts with its first write
    try:
        seq: int | None = None
        number: str | None = None
        if type_code is not None:
            seq = next_number(session, agency.code, type_code, year)
            held = find_issued(session, issue_key)  # a racer that held the sequence first has committed
            if held is not None:
                winner_id = held.doc_id
                session.rollback()  # gives our number back
                return _loaded(session, winner_id)
            number = format_number(agency.abbreviation, type_code, year, seq)
        verify_code = new_verify_code()
        rendered = render(number, display_verify_code(verify_code), now)
        pdf = bytes(rendered.pdf)
        sha256 = store.put(pdf)
        row = CaseDocument(
            doc_id=str(uuid.uuid4()),
            case_id=case_id,
            kind=kind,
            title=title,
            number=number,
            agency_code=agency.code,
            agency_name=agency.name,
            type_code=type_code,
            year=year,
            seq=seq,
            sha256=sha256,
            size=len(pdf),
            media_type=media_type,
            template_version=rendered.template_version,
            pages=_pages(rendered),
            verify_code=verify_code,
            issue_key=issue_key,
            created_at=now,
        )
        if not _insert(session, row):
            session.rollback()
            winner = find_issued(session, issue_key)
            if winner is None:  # pragma: no cover - the conflict means a committed row holds the key
                raise RuntimeError(f"issue key {issue_key!r} conflicted but no document holds it")
            return _loaded(session, winner.doc_id)
        if ledger is not None:
            ledger.record(session, [document_entry(row.doc_id, sha256, len(pdf), case_id, now)])
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return _loaded(session, row.doc_id)


def _pages(rendered: RenderedLike) -> int | None:
    """The page count, where the render tells it (``pages`` or ``page_count``)."""
    for name in ("pages", "page_count"):
        pages = getattr(rendered, name, None)
        if isinstance(pages, int):
            return pages
    return None


def _insert(session: Session, row: CaseDocument) -> bool:
    """Insert ``row`` unless its issue key is taken; whether it was inserted."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    table = CaseDocument.__table__  # type: ignore[attr-defined]
    stmt = (
        dialect.insert(table)
        .values(**row.model_dump())
        .on_conflict_do_nothing(index_elements=["issue_key"])
        .returning(table.c.doc_id)
    )
    return session.execute(stmt).first() is not None


def _loaded(session: Session, doc_id: str) -> CaseDocument:
    row = session.get(CaseDocument, doc_id, populate_existing=True)
    if row is None:  # pragma: no cover - called only with a committed row's id
        raise LookupError(f"document {doc_id} vanished")
    return _detached(session, row)


def _detached(session: Session, row: CaseDocument) -> CaseDocument:
    """``row`` as loaded, out of the session, with the read transaction ended (no idle transaction)."""
    session.expunge(row)
    session.commit()
    return row
