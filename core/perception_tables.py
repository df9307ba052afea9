"""Perception (感知): the device registry, alarms with their history, and the sensor rules' saved state.

- ``device``: a sensor or camera the platform knows — its kind, district, where it is, the shop or site
  it watches and the party responsible for it (who a non-contact notice goes to), per-device overrides
  of rule settings (a stricter local PM10 limit, a noise zone class). Managed through the API.
- ``alarm``: one per (source, rule) while it is not cleared — a partial unique index holds that, so
  repeated readings update the alarm instead of adding one (ThingsBoard's "unique per originator and
  type"). Lifecycle active → acknowledged → cleared; ``triage_workflow_id`` is the AlarmTriageWorkflow
  deciding what it becomes.
- ``alarm_transition``: every change of an alarm (raised, updated, escalated, de-escalated,
  acknowledged, cleared), append-only: the alarm's history for auditors and the metrics.
- ``sensor_rule_state``: the evaluator's state per (device, rule), so a worker restart continues a
  10-minute duration where it was instead of from 0.
"""

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

ALARM_STATES = ("active", "acknowledged", "cleared")


class Device(SQLModel, table=True):
    __tablename__ = "device"

    device_id: str = Field(primary_key=True, max_length=128)
    kind: str = Field(max_length=32, description="fume | water | dust | noise | camera …")
    district_code: str = Field(foreign_key="jurisdiction.code", ondelete="RESTRICT", max_length=12, index=True)
    jurisdiction_path: str = Field(max_length=255, index=True, description="the district's path, for scoping")
    name: str = Field(max_length=128)
    location: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON, description="{lng, lat, address}")
    site: str | None = Field(default=None, max_length=255, description="the shop or site it watches")
    responsible_party: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON, description="a case Party")
    overrides: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON, description="rule settings")
    active: bool = True
    created_at: dt.datetime = Field(sa_type=sa.DateTime(timezone=True))
    updated_at: dt.datetime = Field(sa_type=sa.DateTime(timezone=True))


class Alarm(SQLModel, table=True):
    __tablename__ = "alarm"
    __table_args__ = (
        sa.Index(
            "uq_alarm_open_per_source_rule",
            "source_ref",
            "rule_code",
            unique=True,
            postgresql_where=sa.text("state <> 'cleared'"),
            sqlite_where=sa.text("state <> 'cleared'"),
        ),
        sa.Index("ix_alarm_state_raised", "state", "raised_at"),
        sa.CheckConstraint("state IN ('active', 'acknowledged', 'cleared')", name="ck_alarm_state"),
    )

    alarm_id: str = Field(primary_key=True, max_length=36)
    source: str = Field(max_length=16, description="sensor | video | external")
    source_ref: str = Field(max_length=128, description="device id, camera id, or the external system's id")
    rule_code: str = Field(max_length=64)
    violation_code: str | None = Field(default=None, max_length=64)
    kind: str = Field(max_length=32)
    district_code: str = Field(max_length=12)
    jurisdiction_path: str = Field(max_length=255, index=True)
    severity: str = Field(max_length=16)
    state: str = Field(default="active", max_length=16)
    message: str = Field(default="", max_length=500)
    values: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON, description="what decided it, latest")
    readings: int = Field(default=1, description="how many readings or frames updated it")
    location: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    evidence_sha256: str | None = Field(default=None, max_length=64, description="snapshot or readings file")
    raised_at: dt.datetime = Field(sa_type=sa.DateTime(timezone=True))
    updated_at: dt.datetime = Field(sa_type=sa.DateTime(timezone=True))
    acknowledged_at: dt.datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    acknowledged_by: str | None = Field(default=None, max_length=64)
    cleared_at: dt.datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    cleared_by: str | None = Field(default=None, max_length=64, description="a user, or rule (its clear condition)")
    triage_workflow_id: str | None = Field(default=None, max_length=255)
    outcome: str | None = Field(default=None, max_length=32, description="confirmed | false_alarm | corrected …")
    case_id: str | None = Field(default=None, max_length=128)


class AlarmTransition(SQLModel, table=True):
    __tablename__ = "alarm_transition"

    transition_id: int | None = Field(default=None, primary_key=True)
    alarm_id: str = Field(foreign_key="alarm.alarm_id", max_length=36, index=True)
    kind: str = Field(
        max_length=16,
        description="raised | updated | escalated | deescalated | acknowledged | cleared | notified | notice_failed",
    )
    severity: str | None = Field(default=None, max_length=16)
    actor: str | None = Field(default=None, max_length=64)
    at: dt.datetime = Field(sa_type=sa.DateTime(timezone=True))
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)


class SensorRuleState(SQLModel, table=True):
    __tablename__ = "sensor_rule_state"

    device_id: str = Field(primary_key=True, max_length=128)
    rule_code: str = Field(primary_key=True, max_length=64)
    state: dict[str, Any] = Field(sa_type=sa.JSON)
    updated_at: dt.datetime = Field(sa_type=sa.DateTime(timezone=True))
