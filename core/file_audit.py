"""Every stored file against the ledger: what `zhifa ledger audit --files` adds to the tree audit.

For each piece of evidence and each issued document: its leaf must exist and record the same SHA-256
and size as its row, and the bytes in the store must still hash to it (read in chunks, never whole).
A file changed on disk, a row changed behind the triggers' back, or a file lost is named.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlmodel import Session, col, select

from core.docstore import DocumentStore, DocumentStoreError
from core.document_tables import CaseDocument
from core.evidence_tables import Evidence
from ledger.tables import LedgerLeaf


@dataclass(frozen=True)
class StoredItem:
    what: str  # "evidence <id>" / "document <id>"
    entry_key: str
    sha256: str
    size: int


def stored_items(session: Session) -> Iterator[StoredItem]:
    for evidence in session.exec(select(Evidence).order_by(col(Evidence.uploaded_at))):
        yield StoredItem(
            f"evidence {evidence.evidence_id}", f"evidence/{evidence.evidence_id}", evidence.sha256, evidence.size
        )
    for document in session.exec(select(CaseDocument).order_by(col(CaseDocument.created_at))):
        yield StoredItem(f"document {document.doc_id}", f"document/{document.doc_id}", document.sha256, document.size)


def count_items(session: Session) -> int:
    evidence = len(session.exec(select(Evidence.evidence_id)).all())
    return evidence + len(session.exec(select(CaseDocument.doc_id)).all())


def audit_files(
    session: Session, store: DocumentStore, progress: Callable[[int], None] | None = None
) -> tuple[int, list[str]]:
    """(items checked, problems)."""
    problems: list[str] = []
    checked = 0
    for item in list(stored_items(session)):
        checked += 1
        leaf = session.exec(select(LedgerLeaf.leaf).where(LedgerLeaf.entry_key == item.entry_key)).first()
        if leaf is None:
            problems.append(f"{item.what}: not in the ledger (an anchoring round records documents issued before it)")
        else:
            recorded = json.loads(leaf)
            if (recorded["sha256"], recorded["size"]) != (item.sha256, item.size):
                problems.append(f"{item.what}: its row says {item.sha256}, its leaf {recorded['sha256']}")
        try:
            size = sum(len(chunk) for chunk in store.stream(item.sha256))  # raises when the bytes do not verify
        except DocumentStoreError as exc:
            problems.append(f"{item.what}: {exc}")
        else:
            if size != item.size:
                problems.append(f"{item.what}: {size} bytes in the store, {item.size} recorded")
        if progress is not None:
            progress(1)
    return checked, problems
