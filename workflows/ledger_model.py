"""What the anchoring workflow and its activity exchange."""

from __future__ import annotations

from pydantic import BaseModel

ANCHOR_ACTIVITY = "anchor_tree_head"
ANCHOR_CONFLICT = "AnchorConflict"
ANCHOR_WORKFLOW = "LedgerAnchor"


class AnchorSummary(BaseModel):
    tree_size: int
    root_hash: str
    backend: str
    tx_id: str
    block: int | None
    new_leaves: int
    swept_documents: int = 0
