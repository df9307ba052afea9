"""The ledger's public face: its public key (to check receipts and tree heads offline) and its state.

Both are public: a receipt is only worth something if anyone can check it without credentials.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.deps import SessionDep, SettingsDep
from core.settings import Settings
from ledger.service import Ledger, anchor_json, get_ledger
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
    return PublicKey(
        log_id=ledger.log_id, key_id=ledger.signer.key_id, public_key_pem=public_pem(ledger.signer.public_key)
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
