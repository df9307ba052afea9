"""Reference data: jurisdictions, people, API keys, violation types.

Revision ID: 0001
Revises:
Create Date: 2026-11-20
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Byte-wise collation on PostgreSQL so a path prefix is one contiguous index range.
PATH_TYPE = sa.String(255).with_variant(sa.String(255, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "jurisdiction",
        sa.Column("code", sa.String(12), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("parent_code", sa.String(12), nullable=True),
        sa.Column("boundary", sa.JSON(), nullable=False),
        sa.Column("label_lon", sa.Float(), nullable=False),
        sa.Column("label_lat", sa.Float(), nullable=False),
        sa.Column("abbreviation", sa.String(32), nullable=False),
        sa.Column("path", PATH_TYPE, nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_jurisdiction"),
        sa.ForeignKeyConstraint(
            ["parent_code"],
            ["jurisdiction.code"],
            name="fk_jurisdiction_parent_code_jurisdiction",
            ondelete="RESTRICT",
        ),
        sa.CheckConstraint("level IN ('city', 'district', 'street')", name="ck_jurisdiction_level"),
    )
    op.create_index("ix_jurisdiction_parent_code", "jurisdiction", ["parent_code"])
    op.create_index("ix_jurisdiction_path", "jurisdiction", ["path"], unique=True)

    op.create_table(
        "app_user",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(64), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("jurisdiction_code", sa.String(12), nullable=False),
        sa.Column("certificate_no", sa.String(32), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_app_user"),
        sa.ForeignKeyConstraint(
            ["jurisdiction_code"],
            ["jurisdiction.code"],
            name="fk_app_user_jurisdiction_code_jurisdiction",
            ondelete="RESTRICT",
        ),
    )
    op.create_index("ix_app_user_username", "app_user", ["username"], unique=True)
    op.create_index("ix_app_user_jurisdiction_code", "app_user", ["jurisdiction_code"])

    op.create_table(
        "api_key",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("key_hash", sa.String(128), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("jurisdiction_code", sa.String(12), nullable=False),
        sa.Column("allowed_types", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_api_key"),
        sa.ForeignKeyConstraint(
            ["jurisdiction_code"],
            ["jurisdiction.code"],
            name="fk_api_key_jurisdiction_code_jurisdiction",
            ondelete="RESTRICT",
        ),
    )
    op.create_index("ix_api_key_prefix", "api_key", ["prefix"])
    op.create_index("ix_api_key_key_hash", "api_key", ["key_hash"], unique=True)
    op.create_index("ix_api_key_jurisdiction_code", "api_key", ["jurisdiction_code"])

    op.create_table(
        "violation_type",
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("catalogue_version", sa.String(64), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_violation_type"),
    )


def downgrade() -> None:
    op.drop_table("violation_type")
    op.drop_index("ix_api_key_jurisdiction_code", table_name="api_key")
    op.drop_index("ix_api_key_key_hash", table_name="api_key")
    op.drop_index("ix_api_key_prefix", table_name="api_key")
    op.drop_table("api_key")
    op.drop_index("ix_app_user_jurisdiction_code", table_name="app_user")
    op.drop_index("ix_app_user_username", table_name="app_user")
    op.drop_table("app_user")
    op.drop_index("ix_jurisdiction_path", table_name="jurisdiction")
    op.drop_index("ix_jurisdiction_parent_code", table_name="jurisdiction")
    op.drop_table("jurisdiction")
