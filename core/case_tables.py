"""SQL projections of the enforcement cases: case list, task inbox, deadlines, timeline.

Temporal is the source of truth; these rows are written only by ``activities.projections`` and can be
rebuilt from workflow histories. Each row remembers ``last_seq``, the highest case event seq whose
state it shows, so that a retried or replayed older batch never moves a row back (see
``activities.projections`` for the ordering rules).

Role filtering uses the narrow table ``case_task_role(task_id, role)`` rather than the JSON list
``case_task.candidate_roles``: JSON containment (``?|`` on jsonb) has no portable, indexable form on
SQLite, and a ``LIKE '%|officer|%'`` text column cannot use an index at all. The inbox is one query:
an index range over ``ix_case_task_inbox (status, jurisdiction_path, due_at)`` with an ``EXISTS``
probe into the role table's primary key ``(task_id, role)``. The JSON list stays on the task row for
readers; the role rows are derived from it whenever the task row is written.
"""

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from core.types import PathString, StringList

ID_LENGTH = 128
TASK_STATUSES = ("open", "completed", "cancelled")
DEADLINE_STATUSES = ("running", "met", "expired")


class CaseRecord(SQLModel, table=True):
    """One row per case: the case list and dashboards read this, never the workflow."""

    __tablename__ = "case_record"

    case_id: str = Field(primary_key=True, max_length=ID_LENGTH)
    violation_code: str = Field(max_length=64)
    source: str = Field(max_length=32)
    jurisdiction_path: str = Field(sa_type=PathString, index=True)
    stage: str = Field(max_length=32)
    party_name: str | None = Field(default=None, max_length=255)
    opened_at: dt.datetime
    filed_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    result: str | None = Field(default=None, max_length=64)
    overdue: bool = False
    last_seq: int = Field(sa_type=sa.BigInteger, description="highest event seq whose state this row shows")
    updated_at: dt.datetime = Field(description="time of that event (deterministic, so rebuilds match)")


class CaseTask(SQLModel, table=True):
    """One human step (DESIGN "Process model": every task row carries these fields)."""

    __tablename__ = "case_task"
    __table_args__ = (
        sa.Index("ix_case_task_inbox", "status", "jurisdiction_path", "due_at"),
        # the inbox's two sort orders, walked until a page is full (migration 0006)
        sa.Index("ix_case_task_status_due", "status", "due_at", "task_id"),
        sa.Index("ix_case_task_status_created", "status", "created_at", "task_id"),
        sa.CheckConstraint("status IN ('open', 'completed', 'cancelled')", name="ck_case_task_status"),
    )

    task_id: str = Field(primary_key=True, max_length=ID_LENGTH)
    case_id: str = Field(foreign_key="case_record.case_id", ondelete="CASCADE", index=True, max_length=ID_LENGTH)
    kind: str = Field(max_length=64)
    stage: str = Field(max_length=32)
    candidate_roles: list[str] = Field(default_factory=list, sa_type=StringList)
    jurisdiction_path: str = Field(sa_type=PathString)
    assignee: str | None = Field(default=None, max_length=64)
    status: str = Field(default="open", max_length=16)
    overdue: bool = False
    created_at: dt.datetime
    due_at: dt.datetime | None = None
    completed_at: dt.datetime | None = None
    completed_by: str | None = Field(default=None, max_length=64)
    outcome: str | None = Field(default=None, max_length=64)
    allowed_outcomes: list[str] = Field(default_factory=list, sa_type=StringList)
    form_schema: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    deadline_code: str | None = Field(default=None, max_length=16)
    legal_basis: str | None = Field(default=None, sa_type=sa.Text)
    escalation_of: str | None = Field(default=None, max_length=ID_LENGTH)
    last_seq: int = Field(sa_type=sa.BigInteger)


class CaseTaskRole(SQLModel, table=True):
    """One row per (task, candidate role): the indexable form of ``CaseTask.candidate_roles``."""

    __tablename__ = "case_task_role"

    task_id: str = Field(primary_key=True, foreign_key="case_task.task_id", ondelete="CASCADE", max_length=ID_LENGTH)
    role: str = Field(primary_key=True, max_length=32)


class CaseDeadline(SQLModel, table=True):
    """A statutory clock of a case; ``subject`` is a task id or the case (the case clock T06)."""

    __tablename__ = "case_deadline"
    __table_args__ = (
        sa.CheckConstraint("status IN ('running', 'paused', 'met', 'expired')", name="ck_case_deadline_status"),
    )

    case_id: str = Field(primary_key=True, foreign_key="case_record.case_id", ondelete="CASCADE", max_length=ID_LENGTH)
    code: str = Field(primary_key=True, max_length=16)
    subject: str = Field(primary_key=True, max_length=ID_LENGTH)
    name: str = Field(max_length=255)
    start: dt.datetime
    due_at: dt.datetime
    last_day: dt.date | None = None
    provisional: bool = False
    status: str = Field(max_length=16)
    paused_days: int = 0
    extensions: list[int] = Field(default_factory=list, sa_type=sa.JSON)
    legal_basis: str = Field(sa_type=sa.Text)
    last_seq: int = Field(sa_type=sa.BigInteger)
    updated_at: dt.datetime


class CaseEventRow(SQLModel, table=True):
    """One line of the human timeline. Append-only: a row, once written, is never changed."""

    __tablename__ = "case_event"

    case_id: str = Field(primary_key=True, foreign_key="case_record.case_id", ondelete="CASCADE", max_length=ID_LENGTH)
    seq: int = Field(primary_key=True, sa_type=sa.BigInteger, sa_column_kwargs={"autoincrement": False})
    at: dt.datetime
    kind: str = Field(max_length=64)
    actor: str | None = Field(default=None, max_length=64)
    task_id: str | None = Field(default=None, max_length=ID_LENGTH)
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    legal_basis: str | None = Field(default=None, sa_type=sa.Text)


def table_of(model: type[SQLModel]) -> sa.Table:
    """The Core ``Table`` of a table model (for insert … on conflict statements)."""
    table = SQLModel.metadata.tables[str(model.__tablename__)]
    return table
