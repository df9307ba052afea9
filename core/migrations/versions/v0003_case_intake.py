"""Case intake: what opened each case, and the idempotency record of POST /api/v1/cases.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PATH_TYPE = sa.String(255).with_variant(sa.String(255, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "case_intake",
        sa.Column("case_id", sa.String(128), nullable=False),
        sa.Column("principal_id", sa.String(64), nullable=False),
        sa.Column("principal_name", sa.String(64), nullable=False),
        sa.Column("idempotency_key", sa.String(255), nullable=False),
        sa.Column("body_sha256", sa.String(64), nullable=False),
        sa.Column("violation_code", sa.String(64), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("district_code", sa.String(12), nullable=False),
        sa.Column("jurisdiction_path", PATH_TYPE, nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("cgcs2000_lon", sa.Float(), nullable=False),
        sa.Column("cgcs2000_lat", sa.Float(), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("party", sa.JSON(), nullable=True),
        sa.Column("external_ref", sa.String(255), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("case_id", name="pk_case_intake"),
        sa.UniqueConstraint("principal_id", "idempotency_key", name="uq_case_intake_idempotency"),
    )
    op.create_index("ix_case_intake_principal_id", "case_intake", ["principal_id"])
    op.create_index("ix_case_intake_jurisdiction_path", "case_intake", ["jurisdiction_path"])
    op.create_index("ix_case_intake_external_ref", "case_intake", ["external_ref"])


def downgrade() -> None:
    op.drop_table("case_intake")
