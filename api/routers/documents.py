"""Issued documents (执法文书): a case's list, one document's metadata, its PDF, the case's archive (案卷) and
the public check.

The first four follow the case's visibility (`visible_case_path`: the principal's subtree;
integrators only the cases they opened); anything not visible is 404, never 403, so its existence is
not disclosed. ``GET /api/v1/documents/verify/{code}`` is public — whoever holds the paper scans the
QR code or types the code — and answers only what authenticates the document (kind, title, number,
issuing agency, date, SHA-256, size), never the case or its party.

``GET /api/v1/cases/{case_id}/archive.pdf`` binds the case's documents into one PDF (core/archive.py): 409
while the case is not closed, unless ``?draft=true`` (then every page says 草稿). It is built on request, in a
worker thread after the database connection is handed back; the same case state gives the same bytes (ETag).
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Header, Query, Request, Response
from pydantic import BaseModel, Field
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.auth import Principal
from api.deps import PrincipalDep, SessionDep, SettingsDep, release
from api.problems import ProblemError, problem_responses
from api.receipts import Receipt, receipt_model
from api.routers.cases import visible_case_path
from core.archive import ArchiveInputs, ArchiveRefused, CaseNotClosed, CaseNotFound, archive_inputs, bind
from core.docstore import DocumentStore, DocumentStoreError, make_store
from core.document_tables import CaseDocument
from core.documents import case_documents, find_by_verify_code, verify_url
from core.numbering import BEIJING, display_verify_code, normalize_verify_code
from core.settings import Settings
from documents.errors import DocumentError
from ledger.service import get_ledger

log = logging.getLogger("zhifa.api")

router = APIRouter(prefix="/api/v1", tags=["documents"])


class DocumentOut(BaseModel):
    doc_id: str
    case_id: str
    kind: str
    title: str
    number: str | None = Field(description="文号; null for unnumbered forms")
    agency_code: str
    agency_name: str
    type_code: str | None
    year: int
    seq: int | None
    sha256: str
    size: int
    media_type: str
    template_version: str
    pages: int | None
    verify_code: str = Field(description="as printed, e.g. 7KQ3M-ZX2AB")
    verify_url: str
    pdf_url: str
    issued_at: dt.datetime


class DocumentList(BaseModel):
    case_id: str
    items: list[DocumentOut]
    total: int


class DocumentVerification(BaseModel):
    """What the public verification answers: enough to tell a genuine document, nothing more — and the
    ledger receipt that proves these bytes were recorded when it was issued (check it offline with
    `zhifa verify`)."""

    valid: bool = Field(default=True, description="a document with this code was issued by the platform")
    kind: str
    title: str
    number: str | None
    agency: str
    issued_on: dt.date = Field(description="date of issuance, Beijing time")
    sha256: str = Field(description="SHA-256 of the issued file: compare with the file you hold")
    size: int
    media_type: str
    receipt: Receipt | None = Field(
        default=None, description="the ledger receipt of these bytes (zhifa-receipt/1); null if not yet recorded"
    )


def document_out(row: CaseDocument, settings: Settings) -> DocumentOut:
    return DocumentOut(
        doc_id=row.doc_id,
        case_id=row.case_id,
        kind=row.kind,
        title=row.title,
        number=row.number,
        agency_code=row.agency_code,
        agency_name=row.agency_name,
        type_code=row.type_code,
        year=row.year,
        seq=row.seq,
        sha256=row.sha256,
        size=row.size,
        media_type=row.media_type,
        template_version=row.template_version,
        pages=row.pages,
        verify_code=display_verify_code(row.verify_code),
        verify_url=verify_url(settings.effective_verify_base_url, row.verify_code),
        pdf_url=f"/api/v1/documents/{row.doc_id}/pdf",
        issued_at=row.created_at,
    )


def document_store(request: Request) -> DocumentStore:
    """The app's document store, made from its settings on first use and kept (an S3 client is not cheap)."""
    store: DocumentStore | None = getattr(request.app.state, "document_store", None)
    if store is None:
        store = make_store(request.app.state.settings)
        request.app.state.document_store = store
    return store


def _not_found(what: str, principal: Principal | None) -> ProblemError:
    to = f" visible to {principal.username}" if principal is not None else ""
    return ProblemError(404, "Not found", f"no {what}{to}", slug="not-found")


def _case_documents(session: Session, principal: Principal, case_id: str) -> list[CaseDocument]:
    visible_case_path(session, principal, case_id)
    return case_documents(session, case_id)


def _visible_document(session: Session, principal: Principal, doc_id: str) -> CaseDocument:
    row = session.get(CaseDocument, doc_id)
    if row is None:
        raise _not_found(f"document {doc_id}", principal)
    try:
        visible_case_path(session, principal, row.case_id)
    except ProblemError as exc:  # say "document", not which case it belongs to
        raise _not_found(f"document {doc_id}", principal) from exc
    return row


@router.get(
    "/documents/verify/{code}",
    summary="Verify a document by the code printed with its QR code (public: no credentials)",
    responses=problem_responses(404),
)
async def verify_document(
    code: str, session: SessionDep, settings: SettingsDep, response: Response
) -> DocumentVerification:
    canonical = normalize_verify_code(code)
    row = await run_in_threadpool(find_by_verify_code, session, canonical) if canonical else None
    if row is None:
        raise _not_found(f"document with verification code {code!r}", None)
    receipt = await run_in_threadpool(_document_receipt, session, settings, row)
    response.headers["Cache-Control"] = "no-store"
    return DocumentVerification(
        kind=row.kind,
        title=row.title,
        number=row.number,
        agency=row.agency_name,
        issued_on=row.created_at.astimezone(BEIJING).date(),
        sha256=row.sha256,
        size=row.size,
        media_type=row.media_type,
        receipt=receipt_model(receipt) if receipt else None,
    )


def _document_receipt(session: Session, settings: Settings, row: CaseDocument) -> dict[str, Any] | None:
    """The ledger receipt of an issued document (一码验真): None for one issued before the ledger held
    documents, until the anchoring run records it."""
    ledger = get_ledger(settings)
    leaf = ledger.store.leaf_by_key(session, f"document/{row.doc_id}")
    if leaf is None:
        return None
    receipt = ledger.receipt(session, leaf)
    session.commit()  # a tree head signed for this receipt is kept
    return receipt


@router.get(
    "/cases/{case_id}/documents",
    summary="The documents issued in a case, in the order they were issued",
    responses=problem_responses(401, 404),
)
async def list_case_documents(
    case_id: str, principal: PrincipalDep, session: SessionDep, settings: SettingsDep
) -> DocumentList:
    rows = await run_in_threadpool(_case_documents, session, principal, case_id)
    return DocumentList(case_id=case_id, items=[document_out(r, settings) for r in rows], total=len(rows))


@router.get(
    "/documents/{doc_id}",
    summary="One document's metadata: number, SHA-256, verification code",
    responses=problem_responses(401, 404),
)
async def get_document(doc_id: str, principal: PrincipalDep, session: SessionDep, settings: SettingsDep) -> DocumentOut:
    row = await run_in_threadpool(_visible_document, session, principal, doc_id)
    return document_out(row, settings)


def content_disposition(row: CaseDocument) -> str:
    """``inline`` with an ASCII fallback name and the UTF-8 title (RFC 6266 / RFC 8187)."""
    name = f"{row.title}（{row.number}）.pdf" if row.number else f"{row.title}.pdf"
    return f"inline; filename=\"{row.doc_id}.pdf\"; filename*=UTF-8''{quote(name, safe='')}"


@router.get(
    "/documents/{doc_id}/pdf",
    summary="The document's file, as issued (ETag: its SHA-256)",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}, "description": "the file"},
        304: {"description": "If-None-Match matched: the file has not changed (it never does)"},
        **problem_responses(401, 404, 500),
    },
)
async def get_document_pdf(
    doc_id: str,
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    row = await run_in_threadpool(_visible_document, session, principal, doc_id)
    etag = f'"{row.sha256}"'
    headers = {"ETag": etag, "Cache-Control": "private, max-age=31536000, immutable"}
    if if_none_match is not None and etag in {tag.strip() for tag in if_none_match.split(",")}:
        return Response(status_code=304, headers=headers)
    store = document_store(request)
    try:
        data = await run_in_threadpool(store.get, row.sha256)  # verified against the hash
    except DocumentStoreError as exc:
        log.error("document %s: %s", doc_id, exc)
        raise ProblemError(
            500,
            "Document file unavailable",
            f"the file of document {doc_id} cannot be served intact; the operators have been told",
            slug="document-unavailable",
        ) from exc
    digest = base64.b64encode(bytes.fromhex(row.sha256)).decode("ascii")
    headers |= {"Content-Disposition": content_disposition(row), "Repr-Digest": f"sha-256=:{digest}:"}
    return Response(content=data, media_type=row.media_type, headers=headers)


# --- GET /api/v1/cases/{case_id}/archive.pdf -------------------------------------------------------------


def _archive_unavailable(case_id: str, exc: Exception) -> ProblemError:
    log.error("archive of case %s: %s", case_id, exc)
    return ProblemError(
        500,
        "Archive unavailable",
        f"the archive of case {case_id} cannot be bound from its documents; the operators have been told",
        slug="archive-unavailable",
    )


def _archive_inputs(
    session: Session, principal: Principal, store: DocumentStore, case_id: str, draft: bool
) -> ArchiveInputs:
    visible_case_path(session, principal, case_id)
    try:
        return archive_inputs(session, store, case_id, draft=draft)
    except CaseNotClosed as exc:
        raise ProblemError(
            409,
            "Case not closed",
            f"case {case_id} is not closed: only a closed case is archived (住建 Art. 40); "
            "ask for ?draft=true to see the documents bound so far",
            slug="case-not-closed",
            stage=exc.stage,
        ) from exc
    except CaseNotFound as exc:
        raise _not_found(f"case {case_id}", principal) from exc
    except (ArchiveRefused, DocumentStoreError) as exc:
        raise _archive_unavailable(case_id, exc) from exc


@router.get(
    "/cases/{case_id}/archive.pdf",
    summary="The case's archive (案卷): cover, 卷内目录, the documents in the 8 categories of 住建 Art. 40, 备考表",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}, "description": "the archive, one PDF"},
        **problem_responses(401, 404, 409, 500),
    },
)
async def get_case_archive(
    case_id: str,
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
    draft: Annotated[bool, Query(description="bind a case that is not closed yet, marked 草稿")] = False,
) -> Response:
    store = document_store(request)
    inputs = await run_in_threadpool(_archive_inputs, session, principal, store, case_id, draft)
    await release(session)
    try:
        archive = await run_in_threadpool(bind, inputs)
    except DocumentError as exc:  # an unreadable stored PDF, a character no font has
        raise _archive_unavailable(case_id, exc) from exc
    name = f"{inputs.cover.title}（案卷{'·草稿' if inputs.cover.draft else ''}）.pdf"
    headers = {
        "Content-Disposition": f'inline; filename="archive-{quote(case_id, safe="-_.")}.pdf"; '
        f"filename*=UTF-8''{quote(name, safe='')}",
        "ETag": f'"{archive.sha256}"',
        "Cache-Control": "private, no-cache",
    }
    return Response(content=archive.pdf, media_type="application/pdf", headers=headers)
