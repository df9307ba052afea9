"""Case projections: case list, task inbox (with its role table), deadlines, timeline.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Byte-wise collation on PostgreSQL so a path prefix is one contiguous index range.
PATH_TYPE = sa.String(255).with_variant(sa.String(255, collation="C"), "postgresql")
ID = sa.String(128)


def upgrade() -> None:
    op.create_table(
        "case_record",
        sa.Column("case_id", ID, nullable=False),
        sa.Column("violation_code", sa.String(64), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("jurisdiction_path", PATH_TYPE, nullable=False),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("party_name", sa.String(255), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", sa.String(64), nullable=True),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("case_id", name="pk_case_record"),
    )
    op.create_index("ix_case_record_jurisdiction_path", "case_record", ["jurisdiction_path"])

    op.create_table(
        "case_task",
        sa.Column("task_id", ID, nullable=False),
        sa.Column("case_id", ID, nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("candidate_roles", sa.JSON(), nullable=False),
        sa.Column("jurisdiction_path", PATH_TYPE, nullable=False),
        sa.Column("assignee", sa.String(64), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_by", sa.String(64), nullable=True),
        sa.Column("outcome", sa.String(64), nullable=True),
        sa.Column("allowed_outcomes", sa.JSON(), nullable=False),
        sa.Column("form_schema", sa.JSON(), nullable=False),
        sa.Column("deadline_code", sa.String(16), nullable=True),
        sa.Column("legal_basis", sa.Text(), nullable=True),
        sa.Column("escalation_of", ID, nullable=True),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("task_id", name="pk_case_task"),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_record.case_id"], name="fk_case_task_case_id_case_record", ondelete="CASCADE"
        ),
        sa.CheckConstraint("status IN ('open', 'completed', 'cancelled')", name="ck_case_task_status"),
    )
    op.create_index("ix_case_task_case_id", "case_task", ["case_id"])
    # The inbox: status = open, path in a subtree (range), ordered by due date.
    op.create_index("ix_case_task_inbox", "case_task", ["status", "jurisdiction_path", "due_at"])

    op.create_table(
        "case_task_role",
        sa.Column("task_id", ID, nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("task_id", "role", name="pk_case_task_role"),
        sa.ForeignKeyConstraint(
            ["task_id"], ["case_task.task_id"], name="fk_case_task_role_task_id_case_task", ondelete="CASCADE"
        ),
    )

    op.create_table(
        "case_deadline",
        sa.Column("case_id", ID, nullable=False),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("subject", ID, nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=True),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("paused_days", sa.Integer(), nullable=False),
        sa.Column("extensions", sa.JSON(), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "code", "subject", name="pk_case_deadline"),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_record.case_id"], name="fk_case_deadline_case_id_case_record", ondelete="CASCADE"
        ),
        sa.CheckConstraint("status IN ('running', 'paused', 'met', 'expired')", name="ck_case_deadline_status"),
    )

    op.create_table(
        "case_event",
        sa.Column("case_id", ID, nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(64), nullable=True),
        sa.Column("task_id", ID, nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("case_id", "seq", name="pk_case_event"),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_record.case_id"], name="fk_case_event_case_id_case_record", ondelete="CASCADE"
        ),
    )


def downgrade() -> None:
    op.drop_table("case_event")
    op.drop_table("case_deadline")
    op.drop_table("case_task_role")
    op.drop_index("ix_case_task_inbox", table_name="case_task")
    op.drop_index("ix_case_task_case_id", table_name="case_task")
    op.drop_table("case_task")
    op.drop_index("ix_case_record_jurisdiction_path", table_name="case_record")
    op.drop_table("case_record")
