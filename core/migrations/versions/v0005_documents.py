"""Documents: the metadata of issued statutory documents (执法文书) and their number sequences (文号).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_document",
        sa.Column("doc_id", sa.String(36), nullable=False),
        sa.Column("case_id", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("number", sa.String(64), nullable=True),
        sa.Column("agency_code", sa.String(12), nullable=False),
        sa.Column("agency_name", sa.String(64), nullable=False),
        sa.Column("type_code", sa.String(16), nullable=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.String(64), nullable=False),
        sa.Column("template_version", sa.String(64), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("verify_code", sa.String(16), nullable=False),
        sa.Column("issue_key", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("doc_id", name="pk_case_document"),
        sa.ForeignKeyConstraint(
            ["agency_code"],
            ["jurisdiction.code"],
            name="fk_case_document_agency_code_jurisdiction",
            ondelete="RESTRICT",
        ),
        sa.UniqueConstraint("issue_key", name="uq_case_document_issue_key"),
        sa.UniqueConstraint("verify_code", name="uq_case_document_verify_code"),
        sa.UniqueConstraint("agency_code", "type_code", "year", "seq", name="uq_case_document_number"),
        sa.CheckConstraint("(seq IS NULL) = (number IS NULL)", name="ck_case_document_numbered"),
    )
    op.create_index("ix_case_document_case_id", "case_document", ["case_id"])
    op.create_index("ix_case_document_sha256", "case_document", ["sha256"])

    op.create_table(
        "document_sequence",
        sa.Column("agency_code", sa.String(12), nullable=False),
        sa.Column("type_code", sa.String(16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("agency_code", "type_code", "year", name="pk_document_sequence"),
    )


def downgrade() -> None:
    op.drop_table("document_sequence")
    op.drop_table("case_document")
