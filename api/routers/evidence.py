"""Evidence (证据): upload into a case, list, read, download, and its ledger receipt.

``POST /api/v1/cases/{case_id}/evidence`` takes multipart/form-data: a ``file`` part and a
``metadata`` part (JSON: kind, captured_at, captured_by, device_id, location, description). The
body is streamed: hashed (SHA-256) and written to the staging folder as it arrives, never held in
memory, refused as soon as it passes ``ZHIFA_EVIDENCE_MAX_BYTES`` (413) or when its media type is not
allowed or contradicts its bytes (415). The file then moves into the content-addressed store, its
row, ledger leaf and "uploaded" custody event commit together (core/evidence.py), the case workflow
hears of it (`evidence_recorded`), and the answer is 201 with the evidence (200 when the same bytes
were already evidence of this case).

Reading follows the case's visibility (404 for anything not visible, never 403). Downloading the
bytes records a custody event: "viewed" (inline) or "exported" (``?download=true``).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field, ValidationError
from sqlmodel import Session
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from api.auth import Principal
from api.deps import PrincipalDep, SessionDep, SettingsDep, release, require_role, temporal_client
from api.problems import ProblemError, problem_responses
from api.receipts import Receipt, receipt_model
from api.routers.cases import visible_case_path
from api.routers.documents import document_store
from core import db
from core.case_gateway import CaseGateway
from core.case_tables import CaseRecord
from core.docstore import DocumentStore, DocumentStoreError, LocalDirStore
from core.evidence import (
    CustodyAction,
    EvidenceMetadata,
    StoredFile,
    case_evidence,
    custody_events,
    location_of,
    record_custody,
    record_evidence,
    recorded_signal,
)
from core.evidence_tables import Evidence
from core.ledger_schedule import trigger_if_due
from core.models import Role
from core.settings import Settings
from core.uploads import UploadError, receive_upload
from ledger.service import get_ledger

log = logging.getLogger("zhifa.api")

router = APIRouter(prefix="/api/v1", tags=["evidence"])

UPLOADERS = (Role.OFFICER, Role.SQUAD_LEADER, Role.AGENCY_HEAD, Role.INTEGRATOR)
UploaderDep = Annotated[Principal, Depends(require_role(*UPLOADERS))]


class CustodyEventOut(BaseModel):
    action: str = Field(description="uploaded | viewed | exported")
    actor: str
    at: dt.datetime
    detail: str | None


class EvidenceOut(BaseModel):
    evidence_id: str
    case_id: str
    kind: str
    sha256: str
    size: int
    media_type: str
    filename: str | None
    captured_at: dt.datetime | None
    captured_by: str | None
    device_id: str | None
    location: dict[str, Any] | None
    description: str | None
    source: str
    uploaded_by: str
    uploaded_at: dt.datetime
    leaf_index: int = Field(description="its leaf in the evidence ledger")
    content_url: str
    receipt_url: str


class EvidenceDetail(EvidenceOut):
    custody: list[CustodyEventOut]


def evidence_out(row: Evidence) -> EvidenceOut:
    return EvidenceOut(
        **row.model_dump(exclude={"location"}),
        location=location_of(row),
        content_url=f"/api/v1/evidence/{row.evidence_id}/content",
        receipt_url=f"/api/v1/evidence/{row.evidence_id}/receipt",
    )


def staging_dir(store: DocumentStore, settings: Settings) -> Path:
    """Beside the store's files where it is local (the move into place is then a rename)."""
    if isinstance(store, LocalDirStore):
        return store.root / ".staging"
    return Path(settings.var_dir) / "staging"


def _writable_case(session: Session, principal: Principal, case_id: str) -> None:
    visible_case_path(session, principal, case_id)  # 404 when not visible
    record = session.get(CaseRecord, case_id)
    if record is not None and record.closed_at is not None:
        raise ProblemError(409, "Case closed", f"case {case_id} is closed (结案); its file takes no new evidence")


def _metadata(fields: dict[str, str]) -> EvidenceMetadata:
    raw = fields.get("metadata")
    if raw is None:
        raise ProblemError(422, "Metadata missing", "the upload needs a 'metadata' part (JSON) beside 'file'")
    try:
        return EvidenceMetadata.model_validate(json.loads(raw))
    except (ValueError, ValidationError) as exc:
        raise ProblemError(422, "Invalid metadata", f"the 'metadata' part is not valid: {exc}") from exc


@router.post(
    "/cases/{case_id}/evidence",
    status_code=201,
    summary="Upload evidence into a case (multipart: file + metadata JSON); its hash goes to the ledger",
    responses=problem_responses(400, 401, 403, 404, 409, 413, 415, 422),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file", "metadata"],
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            "metadata": {"type": "string", "description": "EvidenceMetadata as JSON"},
                        },
                    }
                }
            },
        }
    },
)
async def upload_evidence(
    case_id: str,
    request: Request,
    response: Response,
    principal: UploaderDep,
    session: SessionDep,
    settings: SettingsDep,
) -> EvidenceOut:
    await run_in_threadpool(_writable_case, session, principal, case_id)
    await release(session)  # the upload may take minutes: hold no connection meanwhile
    store = document_store(request)
    try:
        staged = await receive_upload(
            request,
            max_bytes=settings.evidence_max_bytes,
            allowed_media_types=settings.evidence_media_types,
            staging_dir=staging_dir(store, settings),
        )
    except UploadError as exc:
        raise ProblemError(exc.status, "Upload refused", exc.detail, slug="upload-refused") from exc
    with staged:
        metadata = _metadata(staged.fields)
        await run_in_threadpool(store.put_file, staged.path, staged.sha256)
        staged.claim()
    ledger = get_ledger(settings)
    stored = StoredFile(staged.sha256, staged.size, staged.media_type, staged.filename)
    engine = db.get_engine(settings.effective_database_url)
    row, new = await run_in_threadpool(
        lambda: record_evidence(
            engine, ledger, case_id=case_id, metadata=metadata, stored=stored, actor=principal.username
        )
    )
    if new:
        await _tell_the_case(request, engine, settings, row)
    else:
        response.status_code = 200
    response.headers["Location"] = f"/api/v1/evidence/{row.evidence_id}"
    return evidence_out(row)


def _pending(engine: Any, settings: Settings) -> int:
    with Session(engine) as session:
        return get_ledger(settings).pending_leaves(session)


async def _tell_the_case(request: Request, engine: Any, settings: Settings, row: Evidence) -> None:
    """Signal the case workflow, and start an anchoring round if a full batch waits. Best effort: the
    evidence, its leaf and its custody are committed, and intake never waits for Temporal or a chain
    (a closed case, Temporal down: logged; the next scheduled round anchors the leaf anyway)."""
    signal = recorded_signal(row)
    try:
        client = await temporal_client(request.app)
        await CaseGateway(client).evidence_recorded(row.case_id, signal)
        await trigger_if_due(client, settings, await run_in_threadpool(_pending, engine, settings))
    except Exception as exc:
        log.warning("evidence %s: case workflow %s not told: %s", row.evidence_id, row.case_id, exc)


@router.get(
    "/cases/{case_id}/evidence",
    summary="The evidence of a case, oldest first",
    responses=problem_responses(401, 404),
)
async def list_evidence(case_id: str, principal: PrincipalDep, session: SessionDep) -> list[EvidenceOut]:
    def read() -> list[Evidence]:
        visible_case_path(session, principal, case_id)
        return case_evidence(session, case_id)

    return [evidence_out(row) for row in await run_in_threadpool(read)]


def _visible_evidence(session: Session, principal: Principal, evidence_id: str) -> Evidence:
    row = session.get(Evidence, evidence_id)
    missing = ProblemError(404, "Not found", f"no evidence {evidence_id} visible to {principal.username}")
    if row is None:
        raise missing
    try:
        visible_case_path(session, principal, row.case_id)
    except ProblemError as exc:  # say "evidence", not which case it belongs to
        raise missing from exc
    return row


@router.get(
    "/evidence/{evidence_id}",
    summary="One piece of evidence with its chain of custody",
    responses=problem_responses(401, 404),
)
async def get_evidence(evidence_id: str, principal: PrincipalDep, session: SessionDep) -> EvidenceDetail:
    def read() -> EvidenceDetail:
        row = _visible_evidence(session, principal, evidence_id)
        custody = [CustodyEventOut(**e.model_dump()) for e in custody_events(session, evidence_id)]
        return EvidenceDetail(**evidence_out(row).model_dump(), custody=custody)

    return await run_in_threadpool(read)


@router.get(
    "/evidence/{evidence_id}/content",
    summary="The evidence file, streamed and verified against its SHA-256 (recorded in the chain of custody)",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/octet-stream": {}}}, **problem_responses(401, 404, 500)},
)
async def get_evidence_content(
    evidence_id: str,
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
    download: Annotated[bool, Query(description="as an attachment (custody: exported)")] = False,
) -> StreamingResponse:
    row = await run_in_threadpool(_visible_evidence, session, principal, evidence_id)
    store = document_store(request)
    chunks = store.stream(row.sha256)
    try:
        first = await run_in_threadpool(next, chunks, b"")  # a missing file fails here, before the 200
    except DocumentStoreError as exc:
        log.error("evidence %s: %s", evidence_id, exc)
        raise ProblemError(
            500, "Evidence file unavailable", f"the file of evidence {evidence_id} cannot be served intact"
        ) from exc
    action: CustodyAction = "exported" if download else "viewed"
    name, media_type = row.filename or row.evidence_id, row.media_type
    digest = base64.b64encode(bytes.fromhex(row.sha256)).decode("ascii")
    disposition = "attachment" if download else "inline"
    headers = {
        "Content-Disposition": f"{disposition}; filename=\"{evidence_id}\"; filename*=UTF-8''{quote(name, safe='')}",
        "Repr-Digest": f"sha-256=:{digest}:",
        "Content-Length": str(row.size),
        "Cache-Control": "private, no-store",
    }
    await run_in_threadpool(record_custody, session, evidence_id, action, principal.username)  # expires row
    await release(session)

    async def body() -> Any:
        yield first
        async for chunk in iterate_in_threadpool(chunks):  # DocumentCorrupt after the last chunk: cut short
            yield chunk

    return StreamingResponse(body(), media_type=media_type, headers=headers)


@router.get(
    "/evidence/{evidence_id}/receipt",
    summary="The ledger receipt of the evidence (zhifa-receipt/1): check it offline with `zhifa verify`",
    responses=problem_responses(401, 404),
)
async def get_evidence_receipt(
    evidence_id: str, principal: PrincipalDep, session: SessionDep, settings: SettingsDep
) -> Receipt:
    def read() -> dict[str, Any]:
        row = _visible_evidence(session, principal, evidence_id)
        ledger = get_ledger(settings)
        leaf = ledger.store.leaf(session, row.leaf_index)
        if leaf is None:  # pragma: no cover - the row and its leaf commit together
            raise ProblemError(500, "Ledger entry missing", f"evidence {evidence_id} has no leaf in the ledger")
        receipt = ledger.receipt(session, leaf)
        session.commit()  # a tree head signed for this receipt is kept
        return receipt

    return receipt_model(await run_in_threadpool(read))
