"""The log's tables. Every one is append-only: the database itself refuses UPDATE and DELETE (and
TRUNCATE on PostgreSQL) with a trigger (migration 0007), so not even the application can rewrite
history; a correction is a new leaf.

- ``ledger_leaf``: leaf ``leaf_index`` is the canonical JSON ``leaf`` (kept as the exact text that was
  hashed) and its RFC 9162 leaf hash. ``entry_key`` (unique) names what the leaf records
  (``evidence/<id>``, ``document/<id>``): appending the same thing twice returns the first leaf.
- ``ledger_node``: hashes of perfect subtrees at every fourth level (``level`` 4, 8, 12 …). Lower
  levels are recomputed from at most 8 stored hashes when a proof needs them: 1.07 rows per leaf
  instead of 2, and proofs still read O(log n) rows.
- ``ledger_tree_head``: each signed tree head (Ed25519 over `ledger.heads.TreeHead.signed_bytes`).
- ``ledger_anchor``: where a signed head was anchored (backend, transaction id, block, time).
"""

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

APPEND_ONLY_TABLES = ("ledger_leaf", "ledger_node", "ledger_tree_head", "ledger_anchor")


class LedgerLeaf(SQLModel, table=True):
    __tablename__ = "ledger_leaf"
    __table_args__ = (sa.UniqueConstraint("entry_key", name="uq_ledger_leaf_entry_key"),)

    leaf_index: int = Field(sa_column=sa.Column(sa.BigInteger, primary_key=True, autoincrement=False))
    entry_key: str = Field(max_length=255, description="what the leaf records, e.g. evidence/<id>")
    leaf: str = Field(sa_type=sa.Text, description="the canonical JSON that was hashed, verbatim")
    leaf_hash: bytes = Field(sa_type=sa.LargeBinary, description="SHA-256(0x00 ‖ leaf)")
    kind: str = Field(max_length=32)
    sha256: str = Field(max_length=64, index=True, description="of the recorded file")
    case_id: str | None = Field(default=None, max_length=128, description="not indexed: evidence rows index cases")
    recorded_at: dt.datetime = Field(sa_type=sa.DateTime(timezone=True))


class LedgerNode(SQLModel, table=True):
    __tablename__ = "ledger_node"

    level: int = Field(sa_column=sa.Column(sa.SmallInteger, primary_key=True, autoincrement=False))
    node_index: int = Field(sa_column=sa.Column(sa.BigInteger, primary_key=True, autoincrement=False))
    hash: bytes = Field(sa_type=sa.LargeBinary)


class LedgerTreeHead(SQLModel, table=True):
    __tablename__ = "ledger_tree_head"

    tree_size: int = Field(sa_column=sa.Column(sa.BigInteger, primary_key=True, autoincrement=False))
    log_id: str = Field(max_length=128)
    root_hash: str = Field(max_length=64)
    timestamp: int = Field(sa_type=sa.BigInteger, description="ms since the epoch, as signed")
    signature: str = Field(max_length=128, description="base64 Ed25519")
    key_id: str = Field(max_length=64)


class LedgerAnchor(SQLModel, table=True):
    __tablename__ = "ledger_anchor"
    __table_args__ = (sa.UniqueConstraint("tree_size", "backend", name="uq_ledger_anchor_head_backend"),)

    anchor_id: int | None = Field(default=None, primary_key=True)
    tree_size: int = Field(sa_type=sa.BigInteger, foreign_key="ledger_tree_head.tree_size", index=True)
    backend: str = Field(max_length=32)
    tx_id: str = Field(max_length=128)
    block: int | None = Field(default=None, sa_type=sa.BigInteger)
    anchored_at: dt.datetime = Field(sa_type=sa.DateTime(timezone=True))
