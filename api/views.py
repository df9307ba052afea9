"""What the API returns for tasks, deadlines and cases, built from SQL projections or from the
workflow's own views (the same shape either way)."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field

from core.case_tables import CaseDeadline, CaseRecord, CaseTask
from rules.task_catalogue import load_task_catalogue
from workflows.case.model import TaskView

T = TypeVar("T")

# Pages go this deep at most: beyond it a client narrows its filters. It also keeps an offset
# inside the database's 64-bit integer (schemathesis sent 2**63 and got a 500 before).
MAX_OFFSET = 100_000


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(description="rows matching the filters; a lower bound when total_exact is false")
    total_exact: bool = Field(
        default=True,
        description="false when the list was counted only a few pages ahead: there are more than `total`",
    )
    limit: int
    offset: int


class TaskOut(BaseModel):
    task_id: str
    case_id: str
    kind: str
    name: str  # the task's Chinese name, e.g. 立案审批
    stage: str
    status: str
    candidate_roles: list[str]
    jurisdiction: str  # code of the unit the task belongs to
    jurisdiction_path: str
    assignee: str | None
    created_at: dt.datetime
    due_at: dt.datetime | None
    overdue: bool
    deadline_code: str | None
    legal_basis: str | None
    outcomes: list[str]
    form_schema: dict[str, Any]
    completed_at: dt.datetime | None = None
    completed_by: str | None = None
    outcome: str | None = None
    escalation_of: str | None = None


def _code(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


@functools.cache
def catalogue_schema(kind: str) -> dict[str, Any]:
    """The kind's completion schema from the task catalogue, built once and shared (read-only) by
    every answer: an open task takes the form the running workflow code validates against."""
    return load_task_catalogue().get(kind).completion_schema()


def task_out(task: TaskView | CaseTask, *, stored_schema: bool = True) -> TaskOut:
    """The API's task; ``stored_schema=False`` when the row was read without its form_schema column."""
    kind = load_task_catalogue().get(task.kind)
    stage = task.stage if isinstance(task.stage, str) else task.stage.value
    status = task.status if isinstance(task.status, str) else task.status.value
    schema = (task.form_schema if stored_schema else None) or catalogue_schema(task.kind)
    return TaskOut(
        task_id=task.task_id,
        case_id=task.case_id,
        kind=task.kind,
        name=kind.name,
        stage=stage,
        status=status,
        candidate_roles=list(task.candidate_roles),
        jurisdiction=_code(task.jurisdiction_path),
        jurisdiction_path=task.jurisdiction_path,
        assignee=task.assignee,
        created_at=task.created_at,
        due_at=task.due_at,
        overdue=task.overdue,
        deadline_code=task.deadline_code,
        legal_basis=task.legal_basis,
        outcomes=list(task.allowed_outcomes),
        form_schema=schema,
        completed_at=task.completed_at,
        completed_by=task.completed_by,
        outcome=task.outcome,
        escalation_of=task.escalation_of,
    )


class DeadlineOut(BaseModel):
    code: str
    name: str
    subject: str
    start: dt.datetime
    due_at: dt.datetime
    last_day: dt.date | None
    provisional: bool
    status: str
    paused_days: int
    extensions: list[int]
    legal_basis: str
    remaining_seconds: float | None  # while running; negative once passed


def deadline_out(row: CaseDeadline, now: dt.datetime) -> DeadlineOut:
    remaining = (row.due_at - now).total_seconds() if row.status == "running" else None
    return DeadlineOut(
        code=row.code,
        name=row.name,
        subject=row.subject,
        start=row.start,
        due_at=row.due_at,
        last_day=row.last_day,
        provisional=row.provisional,
        status=row.status,
        paused_days=row.paused_days,
        extensions=list(row.extensions),
        legal_basis=row.legal_basis,
        remaining_seconds=remaining,
    )


class CaseOut(BaseModel):
    case_id: str
    violation_code: str
    source: str
    district: str
    jurisdiction_path: str
    stage: str
    party_name: str | None
    opened_at: dt.datetime
    filed_at: dt.datetime | None
    closed_at: dt.datetime | None
    result: str | None
    overdue: bool
    updated_at: dt.datetime


def case_out(row: CaseRecord) -> CaseOut:
    return CaseOut(
        case_id=row.case_id,
        violation_code=row.violation_code,
        source=row.source,
        district=_code(row.jurisdiction_path),
        jurisdiction_path=row.jurisdiction_path,
        stage=row.stage,
        party_name=row.party_name,
        opened_at=row.opened_at,
        filed_at=row.filed_at,
        closed_at=row.closed_at,
        result=row.result,
        overdue=row.overdue,
        updated_at=row.updated_at,
    )
