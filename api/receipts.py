"""The receipt format (ledger/receipts.py) as API models, so the OpenAPI document describes it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ReceiptLeaf(BaseModel):
    captured_at: str | None
    case_id: str | None
    kind: str
    recorded_at: str
    sha256: str
    size: int


class ReceiptTreeHead(BaseModel):
    log_id: str
    tree_size: int
    root_hash: str
    timestamp: int = Field(description="milliseconds since the Unix epoch, as signed")
    signature: str = Field(
        description="base64 Ed25519 over the canonical JSON of log_id, root_hash, timestamp, tree_size"
    )
    key_id: str = Field(description="hex SHA-256 of the log's public key (DER SubjectPublicKeyInfo)")


class ReceiptAnchor(BaseModel):
    backend: str = Field(description="embedded | fabric")
    tx_id: str
    block: int | None
    anchored_at: str


class Receipt(BaseModel):
    """Proof that a file was recorded in the log (RFC 9162 inclusion proof + signed tree head + anchor).
    Check it offline with `zhifa verify RECEIPT.json FILE --public-key KEY`."""

    format: str = Field(description="zhifa-receipt/1")
    log_id: str
    leaf: ReceiptLeaf
    leaf_index: int
    leaf_hash: str
    tree_size: int
    audit_path: list[str]
    root_hash: str
    signed_tree_head: ReceiptTreeHead
    anchor: ReceiptAnchor | None = Field(description="null while anchoring is pending")
    tlog_proof: str | None = Field(
        default=None,
        description="the same inclusion as a c2sp.org/tlog-proof (text): the leaf's canonical JSON as extra data, "
        "the tree head as a C2SP checkpoint signed by the log's key (verifier key: GET /api/v1/ledger/public-key)",
    )


def receipt_model(document: dict[str, Any]) -> Receipt:
    return Receipt.model_validate(document)
