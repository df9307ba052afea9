"""The inbox's two orders as indexes: (status, due_at, task_id) and (status, created_at, task_id).

An inbox page is "open tasks I may act on, earliest due first, 50 of them". With 100k open tasks a
principal commonly sees a third of them, so PostgreSQL walks the order's index and stops after the
page, testing jurisdiction and role per row (bench/inbox_query.py: 0.4 ms for the page against
80 ms for the sort of every visible row). The unique tie-breaker keeps pages stable and lets the
index serve the ORDER BY whole. ``ix_case_task_inbox`` still serves narrow subtrees.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_case_task_status_due", "case_task", ["status", "due_at", "task_id"])
    op.create_index("ix_case_task_status_created", "case_task", ["status", "created_at", "task_id"])


def downgrade() -> None:
    op.drop_index("ix_case_task_status_created", table_name="case_task")
    op.drop_index("ix_case_task_status_due", table_name="case_task")
