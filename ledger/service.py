"""The ledger as the rest of the product uses it: record hashes, sign heads, anchor them, give receipts.

Recording waits for nothing: `Ledger.record` appends leaves inside the caller's transaction (the
evidence row and its leaf commit together). Anchoring is separate and batched (`anchor_once`, run by
the LedgerAnchor workflow on a Schedule): one signed head — and on Fabric one transaction — covers
every leaf recorded since the last anchor. A receipt is built when asked for, from the earliest
anchor that covers the leaf, so it upgrades from pending (anchor null) to anchored by itself.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from core.settings import Settings
from ledger.checkpoint import Checkpoint, sign_checkpoint
from ledger.heads import AnchorBackend, AnchorRecord, SignedTreeHead, TreeHead
from ledger.leaves import Leaf
from ledger.receipts import FORMAT
from ledger.signing import LogSigner, load_signer
from ledger.store import Appended, Entry, LedgerStore
from ledger.tables import LedgerAnchor, LedgerLeaf, LedgerTreeHead
from ledger.tlog_proof import TlogProof

ISSUED_DOCUMENT = "issued_document"


def document_entry(doc_id: str, sha256: str, size: int, case_id: str, issued_at: dt.datetime) -> Entry:
    """The leaf of an issued document (执法文书): its PDF's hash, recorded when issued.

    The leaf names no case: its receipt is public (the QR code's verification page, 一码验真), and the
    public check discloses nothing of the case; the PDF itself says which case it belongs to. The case
    id indexes the leaf in the table only."""
    leaf = Leaf(ISSUED_DOCUMENT, sha256, size, None, captured_at=issued_at, recorded_at=dt.datetime.now(dt.UTC))
    return Entry(f"document/{doc_id}", leaf, case_id=case_id)


def evidence_entry(evidence_id: str, leaf: Leaf) -> Entry:
    return Entry(f"evidence/{evidence_id}", leaf)


def head_of(row: LedgerTreeHead) -> SignedTreeHead:
    return SignedTreeHead(row.log_id, row.tree_size, row.root_hash, row.timestamp, row.signature, row.key_id)


def anchor_json(row: LedgerAnchor | None) -> dict[str, Any] | None:
    if row is None:
        return None
    anchored_at = row.anchored_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    return {"backend": row.backend, "tx_id": row.tx_id, "block": row.block, "anchored_at": anchored_at}


@dataclass
class Ledger:
    store: LedgerStore
    signer: LogSigner
    log_id: str

    def record(self, session: Session, entries: Sequence[Entry]) -> list[Appended]:
        return self.store.append(session, entries)

    def sign_current(self, session: Session, now: dt.datetime | None = None) -> LedgerTreeHead | None:
        """A signed head of the tree as it is (the stored one when this size was signed already)."""
        size = self.store.size(session)
        if size == 0:
            return None
        existing = self.store.head(session, size)
        if existing is not None:
            return existing
        moment = now or dt.datetime.now(dt.UTC)
        head = TreeHead(self.log_id, size, self.store.root(session, size).hex(), int(moment.timestamp() * 1000))
        return self.store.add_head(session, self.signer.sign(head))

    def receipt(self, session: Session, leaf: LedgerLeaf) -> dict[str, Any]:
        """The receipt of one leaf (format in ledger/receipts.py); signs a head when none covers it yet."""
        anchor = self.store.first_anchor_covering(session, leaf.leaf_index)
        head = self.store.head(session, anchor.tree_size) if anchor is not None else None
        if head is None:
            latest = self.store.latest_head(session)
            head = latest if latest is not None and latest.tree_size > leaf.leaf_index else self.sign_current(session)
        if head is None:  # pragma: no cover - the leaf itself makes the tree non-empty
            raise LookupError("the log is empty")
        path = self.store.inclusion_proof(session, leaf.leaf_index, head.tree_size)
        signed = head_of(head)
        return {
            "format": FORMAT,
            "log_id": signed.log_id,
            "leaf": Leaf.parse(leaf.leaf).as_json(),
            "leaf_index": leaf.leaf_index,
            "leaf_hash": leaf.leaf_hash.hex(),
            "tree_size": head.tree_size,
            "audit_path": [node.hex() for node in path],
            "root_hash": head.root_hash,
            "signed_tree_head": {
                "log_id": signed.log_id,
                "tree_size": signed.tree_size,
                "root_hash": signed.root_hash,
                "timestamp": signed.timestamp,
                "signature": signed.signature,
                "key_id": signed.key_id,
            },
            "anchor": anchor_json(anchor),
            "tlog_proof": self.tlog_proof(leaf, head.tree_size, head.root_hash, path, signed.log_id),
        }

    def tlog_proof(self, leaf: LedgerLeaf, size: int, root_hash: str, path: Sequence[bytes], origin: str) -> str:
        """The same inclusion as a c2sp.org/tlog-proof (ledger/tlog_proof.py), the leaf's JSON as its extra data
        and the tree head as a checkpoint signed by the log's key (Ed25519 is deterministic: the same text)."""
        note = sign_checkpoint(Checkpoint(origin, size, bytes.fromhex(root_hash)), self.signer.private_key)
        return TlogProof(leaf.leaf_index, list(path), note, extra=leaf.leaf.encode("utf-8")).text()

    def pending_leaves(self, session: Session) -> int:
        """Leaves recorded since the latest anchor."""
        latest = self.store.latest_anchor(session)
        return self.store.size(session) - (latest.tree_size if latest else 0)


@dataclass(frozen=True)
class AnchorOutcome:
    tree_size: int
    root_hash: str
    backend: str
    tx_id: str
    block: int | None
    new_leaves: int


def anchor_once(engine: Engine, ledger: Ledger, backend: AnchorBackend) -> AnchorOutcome | None:
    """Sign the current head and anchor it; None when nothing was recorded since the last anchor.

    The head is committed before the backend is called, and the anchor after: a failed or retried
    backend call leaves a signed, unanchored head, which the next attempt anchors (backends are
    idempotent per head)."""
    with Session(engine) as session:
        latest = session.exec(
            select(LedgerAnchor)
            .where(LedgerAnchor.backend == backend.name)
            .order_by(col(LedgerAnchor.tree_size).desc())
            .limit(1)
        ).first()
        size = ledger.store.size(session)
        anchored = latest.tree_size if latest is not None else 0
        if size == anchored:
            return None
        head_row = ledger.sign_current(session)
        session.commit()
        assert head_row is not None
        head = head_of(head_row)
    record: AnchorRecord = backend.anchor(head)
    with Session(engine) as session:
        ledger.store.add_anchor(session, head.tree_size, record)
        session.commit()
    return AnchorOutcome(head.tree_size, head.root_hash, record.backend, record.tx_id, record.block, size - anchored)


_ledgers: dict[tuple[str, str, str], Ledger] = {}
_ledgers_lock = threading.Lock()


def get_ledger(settings: Settings) -> Ledger:
    """The process's ledger for these settings: one store (its right-edge cache) and one signer."""
    secret = settings.ledger_signing_key.get_secret_value()
    key = (settings.ledger_log_id, str(settings.var_dir), secret)
    with _ledgers_lock:
        if key not in _ledgers:
            _ledgers[key] = Ledger(LedgerStore(), load_signer(secret, settings.var_dir), settings.ledger_log_id)
        return _ledgers[key]
