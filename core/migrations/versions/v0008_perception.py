"""Perception: the device registry, alarms (one open per source and rule) with their history, sensor rule state.

``alarm_transition`` is append-only (a trigger refuses UPDATE and DELETE, as for the ledger).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "device",
        sa.Column("device_id", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("district_code", sa.String(12), nullable=False),
        sa.Column("jurisdiction_path", sa.String(255), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("location", sa.JSON(), nullable=True),
        sa.Column("site", sa.String(255), nullable=True),
        sa.Column("responsible_party", sa.JSON(), nullable=True),
        sa.Column("overrides", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("device_id", name="pk_device"),
        sa.ForeignKeyConstraint(
            ["district_code"], ["jurisdiction.code"], name="fk_device_district_code_jurisdiction", ondelete="RESTRICT"
        ),
    )
    op.create_index("ix_device_district_code", "device", ["district_code"])
    op.create_index("ix_device_jurisdiction_path", "device", ["jurisdiction_path"])
    op.create_table(
        "alarm",
        sa.Column("alarm_id", sa.String(36), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("source_ref", sa.String(128), nullable=False),
        sa.Column("rule_code", sa.String(64), nullable=False),
        sa.Column("violation_code", sa.String(64), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("district_code", sa.String(12), nullable=False),
        sa.Column("jurisdiction_path", sa.String(255), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("message", sa.String(500), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("readings", sa.Integer(), nullable=False),
        sa.Column("location", sa.JSON(), nullable=True),
        sa.Column("evidence_sha256", sa.String(64), nullable=True),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(64), nullable=True),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cleared_by", sa.String(64), nullable=True),
        sa.Column("triage_workflow_id", sa.String(255), nullable=True),
        sa.Column("outcome", sa.String(32), nullable=True),
        sa.Column("case_id", sa.String(128), nullable=True),
        sa.PrimaryKeyConstraint("alarm_id", name="pk_alarm"),
        sa.CheckConstraint("state IN ('active', 'acknowledged', 'cleared')", name="ck_alarm_state"),
    )
    op.create_index(
        "uq_alarm_open_per_source_rule",
        "alarm",
        ["source_ref", "rule_code"],
        unique=True,
        postgresql_where=sa.text("state <> 'cleared'"),
        sqlite_where=sa.text("state <> 'cleared'"),
    )
    op.create_index("ix_alarm_state_raised", "alarm", ["state", "raised_at"])
    op.create_index("ix_alarm_jurisdiction_path", "alarm", ["jurisdiction_path"])
    op.create_table(
        "alarm_transition",
        sa.Column("transition_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("alarm_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("severity", sa.String(16), nullable=True),
        sa.Column("actor", sa.String(64), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("transition_id", name="pk_alarm_transition"),
        sa.ForeignKeyConstraint(["alarm_id"], ["alarm.alarm_id"], name="fk_alarm_transition_alarm_id_alarm"),
    )
    op.create_index("ix_alarm_transition_alarm_id", "alarm_transition", ["alarm_id"])
    op.create_table(
        "sensor_rule_state",
        sa.Column("device_id", sa.String(128), nullable=False),
        sa.Column("rule_code", sa.String(64), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("device_id", "rule_code", name="pk_sensor_rule_state"),
    )
    if op.get_bind().dialect.name == "postgresql":  # zhifa_refuse_change() is migration 0007's
        op.execute(
            "CREATE TRIGGER alarm_transition_append_only BEFORE UPDATE OR DELETE ON alarm_transition "
            "FOR EACH ROW EXECUTE FUNCTION zhifa_refuse_change()"
        )
    else:
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER alarm_transition_no_{operation.lower()} BEFORE {operation} ON alarm_transition "
                f"BEGIN SELECT RAISE(ABORT, 'append-only table: {operation} on alarm_transition refused'); END"
            )


def downgrade() -> None:
    for table in ("sensor_rule_state", "alarm_transition", "alarm", "device"):
        op.drop_table(table)
