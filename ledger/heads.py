"""Tree heads, signed tree heads and anchors: what leaves the log and what comes back from a chain.

A `TreeHead` says "the log ``log_id`` held ``tree_size`` leaves whose Merkle root (RFC 9162 §2.1.1)
is ``root_hash`` at ``timestamp``". Its signature (Ed25519, ``ledger.signing``) covers the canonical
JSON of exactly those four fields (`TreeHead.signed_bytes`), so anyone with the public key can check
a head without the server. An anchor backend (`AnchorBackend`) records a signed head somewhere the
log's operator cannot rewrite — a Hyperledger Fabric channel in production — and answers where
(`AnchorRecord`: backend, transaction id, block number, time).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from ledger.canonical import canonical_json


@dataclass(frozen=True)
class TreeHead:
    log_id: str
    tree_size: int
    root_hash: str  # hex, 64 lowercase digits
    timestamp: int  # milliseconds since the Unix epoch (RFC 9162 §4.10 uses ms too)

    def signed_bytes(self) -> bytes:
        """The bytes the log's key signs."""
        fields = {"log_id": self.log_id, "root_hash": self.root_hash, "timestamp": self.timestamp}
        return canonical_json({**fields, "tree_size": self.tree_size})


@dataclass(frozen=True)
class SignedTreeHead(TreeHead):
    signature: str  # base64 (standard alphabet) of the 64-byte Ed25519 signature over signed_bytes()
    key_id: str  # hex SHA-256 of the public key's DER SubjectPublicKeyInfo (the RFC 9162 §4.4 log ID)

    def head(self) -> TreeHead:
        return TreeHead(self.log_id, self.tree_size, self.root_hash, self.timestamp)


@dataclass(frozen=True)
class AnchorRecord:
    backend: str  # "embedded", "fabric"
    tx_id: str
    block: int | None  # None where the backend has no blocks (embedded)
    anchored_at: dt.datetime  # timezone-aware


class AnchorError(Exception):
    """Anchoring failed in a way a later retry may fix (network, endorsement, commit timeout)."""


class AnchorConflict(Exception):
    """The backend already holds a different head for this (log_id, tree_size): never retried, an alarm."""


class AnchorBackend(Protocol):
    name: str

    def anchor(self, head: SignedTreeHead) -> AnchorRecord:
        """Record ``head``; idempotent (anchoring the same head again answers its first record)."""
        ...
