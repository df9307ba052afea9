"""The anchoring activity: record what the log still lacks, sign the current head, anchor it.

Documents issued before the ledger held documents (or by an older worker) are swept into the log
first, so every issued document ends up with a receipt. Backend failures (`AnchorError`) are
retried by the workflow with backoff; a conflicting head already on the chain (`AnchorConflict`)
is not — it means two logs claim one name, or someone rewrote history, and a person must look.
"""

from __future__ import annotations

import asyncio
import logging

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from core.db import get_engine
from core.document_tables import CaseDocument
from core.settings import get_settings
from ledger.backends import make_backend
from ledger.heads import AnchorConflict, AnchorError
from ledger.service import Ledger, anchor_once, document_entry, get_ledger
from ledger.tables import LedgerLeaf
from workflows.ledger_model import ANCHOR_ACTIVITY, ANCHOR_CONFLICT, AnchorSummary

log = logging.getLogger("zhifa.ledger")
SWEEP_LIMIT = 10_000


def sweep_documents(engine: Engine, ledger: Ledger, limit: int = SWEEP_LIMIT) -> int:
    """Record issued documents that have no leaf yet (oldest first); how many were recorded."""
    key = sa.literal("document/") + col(CaseDocument.doc_id)
    with Session(engine) as session:
        missing = session.exec(
            select(CaseDocument)
            .outerjoin(LedgerLeaf, col(LedgerLeaf.entry_key) == key)
            .where(col(LedgerLeaf.leaf_index).is_(None))
            .order_by(col(CaseDocument.created_at))
            .limit(limit)
        ).all()
        if not missing:
            return 0
        entries = [document_entry(d.doc_id, d.sha256, d.size, d.case_id, d.created_at) for d in missing]
        ledger.record(session, entries)
        session.commit()
    return len(entries)


def anchor_round() -> AnchorSummary | None:
    settings = get_settings()
    engine, ledger = get_engine(), get_ledger(settings)
    swept = sweep_documents(engine, ledger)
    backend = make_backend(settings)
    try:
        outcome = anchor_once(engine, ledger, backend)
    finally:
        close = getattr(backend, "close", None)
        if close is not None:  # the Fabric backend's gRPC channel
            close()
    if outcome is None:
        return None
    log.info("anchored tree size %d on %s (tx %s)", outcome.tree_size, outcome.backend, outcome.tx_id)
    return AnchorSummary(
        tree_size=outcome.tree_size,
        root_hash=outcome.root_hash,
        backend=outcome.backend,
        tx_id=outcome.tx_id,
        block=outcome.block,
        new_leaves=outcome.new_leaves,
        swept_documents=swept,
    )


@activity.defn(name=ANCHOR_ACTIVITY)
async def anchor_tree_head() -> AnchorSummary | None:
    """Temporal activity: one anchoring round (None when nothing was recorded since the last)."""
    try:
        return await asyncio.to_thread(anchor_round)
    except AnchorConflict as exc:
        raise ApplicationError(str(exc), type=ANCHOR_CONFLICT, non_retryable=True) from exc
    except AnchorError as exc:
        raise ApplicationError(f"anchoring failed, will retry: {exc}", type="AnchorError") from exc
