"""The ledger's face: what a third party needs to watch the log, and a search by hash.

Public (a receipt is only worth something if anyone can check it without credentials; a log is only
append-only if outsiders can watch it grow — Certificate Transparency's monitors and witnesses):
the public key, the status, the latest signed tree head — as JSON, and as a C2SP checkpoint (a signed
note, the form Go's sumdb, Rekor and Tessera logs publish and witnesses cosign: ledger/checkpoint.py) —
and consistency proofs between two sizes (RFC 9162 §2.1.4: the older tree is a prefix of the newer). A
monitor that keeps the heads it saw and checks each new one against the last with a consistency proof
would notice any rewrite.

``GET /api/v1/ledger/entries?sha256=`` (signed in) answers "was this file recorded, and when?" — the
question people ask a transparency log most (rekor#498) — with a receipt per leaf, for the leaves of
cases the principal may see.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.auth import Principal
from api.deps import PrincipalDep, SessionDep, SettingsDep
from api.problems import ProblemError, problem_responses
from api.receipts import Receipt, ReceiptTreeHead, receipt_model
from api.routers.cases import visible_case_path
from core.settings import Settings
from ledger.checkpoint import Checkpoint, sign_checkpoint, verifier_key
from ledger.service import Ledger, anchor_json, get_ledger, head_of
from ledger.signing import public_pem

router = APIRouter(prefix="/api/v1/ledger", tags=["ledger"])


def ledger_of(settings: SettingsDep) -> Ledger:
    return get_ledger(settings)


LedgerDep = Annotated[Ledger, Depends(ledger_of)]


class PublicKey(BaseModel):
    log_id: str
    algorithm: str = "Ed25519"
    key_id: str = Field(description="hex SHA-256 of the DER SubjectPublicKeyInfo (RFC 9162 §4.4)")
    public_key_pem: str
    note_verifier_key: str = Field(description="the same key as a C2SP signed-note verifier key, for checkpoints")


class LedgerStatus(BaseModel):
    log_id: str
    tree_size: int
    signed_tree_size: int | None
    anchored_tree_size: int | None
    pending_leaves: int = Field(description="recorded since the latest anchor")
    anchor_backend: str
    latest_anchor: dict[str, object] | None


@router.get("/public-key", summary="The log's public key (public: no credentials)")
async def public_key(ledger: LedgerDep) -> PublicKey:
    key = ledger.signer.public_key
    return PublicKey(
        log_id=ledger.log_id,
        key_id=ledger.signer.key_id,
        public_key_pem=public_pem(key),
        note_verifier_key=verifier_key(ledger.log_id, key),
    )


def _status(session: Session, ledger: Ledger, settings: Settings) -> LedgerStatus:
    head = ledger.store.latest_head(session)
    anchor = ledger.store.latest_anchor(session)
    size = ledger.store.size(session)
    return LedgerStatus(
        log_id=ledger.log_id,
        tree_size=size,
        signed_tree_size=head.tree_size if head else None,
        anchored_tree_size=anchor.tree_size if anchor else None,
        pending_leaves=size - (anchor.tree_size if anchor else 0),
        anchor_backend=settings.ledger_anchor_backend,
        latest_anchor=anchor_json(anchor),
    )


@router.get("/status", summary="How far the log is signed and anchored (public: no credentials)")
async def status(session: SessionDep, ledger: LedgerDep, settings: SettingsDep) -> LedgerStatus:
    return await run_in_threadpool(_status, session, ledger, settings)


@router.get(
    "/tree-head",
    summary="The latest signed tree head (public): keep it, and check the next one against it",
    responses=problem_responses(404),
)
async def tree_head(session: SessionDep, ledger: LedgerDep) -> ReceiptTreeHead:
    row = await run_in_threadpool(ledger.store.latest_head, session)
    if row is None:
        raise ProblemError(404, "No tree head yet", "nothing has been recorded and signed in the log yet")
    return ReceiptTreeHead.model_validate(asdict(head_of(row)))


@router.get(
    "/checkpoint",
    summary="The latest signed tree head as a C2SP checkpoint (public; text/plain signed note)",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {}}}, **problem_responses(404)},
)
async def checkpoint(session: SessionDep, ledger: LedgerDep) -> PlainTextResponse:
    row = await run_in_threadpool(ledger.store.latest_head, session)
    if row is None:
        raise ProblemError(404, "No tree head yet", "nothing has been recorded and signed in the log yet")
    note = sign_checkpoint(
        Checkpoint(ledger.log_id, row.tree_size, bytes.fromhex(row.root_hash)), ledger.signer.private_key
    )
    return PlainTextResponse(note, media_type="text/plain; charset=utf-8")


class ConsistencyProof(BaseModel):
    first: int
    second: int
    first_root: str = Field(description="the root of the first `first` leaves")
    second_root: str
    proof: list[str] = Field(description="RFC 9162 §2.1.4 consistency proof, hex")


def _consistency(session: Session, ledger: Ledger, first: int, second: int) -> ConsistencyProof:
    size = ledger.store.size(session)
    if not 0 <= first <= second <= size:
        raise ProblemError(
            422, "Sizes out of range", f"need 0 <= first <= second <= {size} (the log's size); got {first}, {second}"
        )
    proof = ledger.store.consistency_proof(session, first, second)
    roots = (ledger.store.root(session, first), ledger.store.root(session, second))
    return ConsistencyProof(
        first=first,
        second=second,
        first_root=roots[0].hex(),
        second_root=roots[1].hex(),
        proof=[p.hex() for p in proof],
    )


@router.get(
    "/consistency",
    summary="A consistency proof between two tree sizes (public): the older tree is a prefix of the newer",
    responses=problem_responses(422),
)
async def consistency(
    session: SessionDep, ledger: LedgerDep, first: Annotated[int, Query(ge=0)], second: Annotated[int, Query(ge=0)]
) -> ConsistencyProof:
    return await run_in_threadpool(_consistency, session, ledger, first, second)


class LedgerEntry(BaseModel):
    entry: str = Field(description="what the leaf records: evidence/<id> or document/<id>")
    case_id: str | None
    receipt: Receipt


def _entries(session: Session, ledger: Ledger, principal: Principal, sha256: str) -> list[LedgerEntry]:
    found = []
    for leaf in ledger.store.leaves_with_hash(session, sha256):
        if leaf.case_id is None:
            continue  # a leaf of no case (none are recorded today) is nobody's to see
        try:
            visible_case_path(session, principal, leaf.case_id)
        except ProblemError:
            continue
        receipt = receipt_model(ledger.receipt(session, leaf))
        found.append(LedgerEntry(entry=leaf.entry_key, case_id=leaf.case_id, receipt=receipt))
    session.commit()  # a tree head signed for these receipts is kept
    return found


@router.get(
    "/entries",
    summary="The log's entries for a file's SHA-256, with receipts (the cases the principal may see)",
    responses=problem_responses(401, 422),
)
async def entries(
    session: SessionDep,
    ledger: LedgerDep,
    principal: PrincipalDep,
    sha256: Annotated[str, Query(pattern="^[0-9a-f]{64}$", description="lowercase hex")],
) -> list[LedgerEntry]:
    return await run_in_threadpool(_entries, session, ledger, principal, sha256)
