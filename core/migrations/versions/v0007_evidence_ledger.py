"""Evidence, its chain of custody, and the ledger (an RFC 9162 Merkle log with signed tree heads and anchors).

Every table here is append-only, and the database enforces it: a trigger refuses UPDATE and DELETE
(PostgreSQL: TRUNCATE too) on each, whoever asks. Only a schema owner dropping the trigger could
rewrite a row, and even then ``zhifa ledger audit`` and every receipt already given out would show it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = ("ledger_leaf", "ledger_node", "ledger_tree_head", "ledger_anchor", "evidence", "evidence_custody")

PG_FUNCTION = """
CREATE FUNCTION zhifa_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'append-only table: % on % refused', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege', HINT = 'record a new entry instead';
END
$$
"""


def _tables() -> None:
    op.create_table(
        "ledger_leaf",
        sa.Column("leaf_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("entry_key", sa.String(255), nullable=False),
        sa.Column("leaf", sa.Text(), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("case_id", sa.String(128), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("leaf_index", name="pk_ledger_leaf"),
        sa.UniqueConstraint("entry_key", name="uq_ledger_leaf_entry_key"),
        sa.CheckConstraint("leaf_index >= 0", name="ck_ledger_leaf_index"),
    )
    op.create_index("ix_ledger_leaf_sha256", "ledger_leaf", ["sha256"])
    op.create_table(
        "ledger_node",
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("node_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("level", "node_index", name="pk_ledger_node"),
    )
    op.create_table(
        "ledger_tree_head",
        sa.Column("tree_size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("log_id", sa.String(128), nullable=False),
        sa.Column("root_hash", sa.String(64), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("tree_size", name="pk_ledger_tree_head"),
    )
    op.create_table(
        "ledger_anchor",
        sa.Column("anchor_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("backend", sa.String(32), nullable=False),
        sa.Column("tx_id", sa.String(128), nullable=False),
        sa.Column("block", sa.BigInteger(), nullable=True),
        sa.Column("anchored_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("anchor_id", name="pk_ledger_anchor"),
        sa.ForeignKeyConstraint(
            ["tree_size"], ["ledger_tree_head.tree_size"], name="fk_ledger_anchor_tree_size_ledger_tree_head"
        ),
        sa.UniqueConstraint("tree_size", "backend", name="uq_ledger_anchor_head_backend"),
    )
    op.create_index("ix_ledger_anchor_tree_size", "ledger_anchor", ["tree_size"])
    op.create_table(
        "evidence",
        sa.Column("evidence_id", sa.String(36), nullable=False),
        sa.Column("case_id", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.String(128), nullable=False),
        sa.Column("filename", sa.String(255), nullable=True),
        sa.Column("captured_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("captured_by", sa.String(128), nullable=True),
        sa.Column("device_id", sa.String(128), nullable=True),
        sa.Column("location", sa.JSON(), nullable=True),
        sa.Column("description", sa.String(1000), nullable=True),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("uploaded_by", sa.String(64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("leaf_index", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("evidence_id", name="pk_evidence"),
        sa.UniqueConstraint("case_id", "sha256", name="uq_evidence_case_sha256"),
    )
    op.create_index("ix_evidence_case_id", "evidence", ["case_id"])
    op.create_index("ix_evidence_sha256", "evidence", ["sha256"])
    op.create_table(
        "evidence_custody",
        sa.Column("event_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("evidence_id", sa.String(36), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("detail", sa.String(500), nullable=True),
        sa.PrimaryKeyConstraint("event_id", name="pk_evidence_custody"),
        sa.ForeignKeyConstraint(
            ["evidence_id"], ["evidence.evidence_id"], name="fk_evidence_custody_evidence_id_evidence"
        ),
    )
    op.create_index("ix_evidence_custody_evidence_id", "evidence_custody", ["evidence_id"])


def upgrade() -> None:
    _tables()
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION zhifa_refuse_change()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION zhifa_refuse_change()"
            )
    else:  # SQLite (the embedded default)
        for table in APPEND_ONLY:
            for operation in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'append-only table: {operation} on {table} refused'); END"
                )


def downgrade() -> None:
    for table in reversed(APPEND_ONLY):
        op.drop_table(table)  # its triggers go with it
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION zhifa_refuse_change()")
