"""Case intake: the reporter's contact (举报人信息) in its own column, out of the description that
the workflow's history carries.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("case_intake", sa.Column("reporter", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("case_intake", "reporter")
