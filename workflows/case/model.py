"""Payload types of the enforcement case: what goes into the workflow, out of its queries, and
into the SQL projections. Pydantic models, carried by the pydantic data converter."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from rules.calendar import CalendarOverride


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Stage(StrEnum):
    """DESIGN "Process model": the eight stages of 执法办案, plus the end state."""

    SOURCE = "source"  # 案件来源
    VERIFICATION = "verification"  # 初查核实
    FILING = "filing"  # 立案审批
    INVESTIGATION = "investigation"  # 调查取证
    LEGAL_REVIEW = "legal_review"  # 法制审核
    PRIOR_NOTICE = "prior_notice"  # 事先告知
    DECISION = "decision"  # 决定
    SERVICE = "service"  # 送达
    EXECUTION = "execution"  # 执行
    CLOSING = "closing"  # 结案
    CLOSED = "closed"


class Actor(_Frozen):
    """Who acts, as authenticated by the API. The workflow re-checks role and jurisdiction."""

    user_id: str
    username: str
    display_name: str = ""
    roles: tuple[str, ...]
    jurisdiction_path: str = Field(description='materialised path, e.g. "990100/990102/"')
    certificate_no: str | None = Field(default=None, description="执法证号, required for officers' acts")

    def within(self, path: str) -> bool:
        """True when `path` lies in this actor's subtree (the actor may act there)."""
        return path.startswith(self.jurisdiction_path)


class Party(_Frozen):
    type: Literal["person", "organisation"]
    name: str
    id_number: str | None = None
    credit_code: str | None = None
    phone: str | None = None
    address: str | None = None


class CaseInput(_Frozen):
    case_id: str
    violation_code: str
    source: Literal["hotline", "patrol", "alarm", "referral", "public", "inspection"]
    jurisdiction_path: str = Field(description="the handling unit's path; tasks open here")
    lon: float
    lat: float
    address: str = ""
    description: str = ""
    party: Party | None = None
    lead_received_at: dt.datetime = Field(description="T01 starts here (lead found or materials received)")
    violation_at: dt.datetime | None = Field(default=None, description="T02 limitation starts here")
    harm_to_life_health_finance: bool = Field(default=False, description="T02 5-year variant (处罚法 Art. 36)")
    calendar: list[CalendarOverride] = []
    documents_task_queue: str | None = Field(
        default=None,
        description="where this case's documents are rendered (a queue of document workers, so PDF rendering "
        "never holds up the case's own workflow tasks); None: the case's own queue",
    )


class TaskStatus(StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class TaskView(_Frozen):
    """One human step; the SQL inbox row is a projection of this."""

    task_id: str
    case_id: str
    kind: str
    stage: Stage
    candidate_roles: tuple[str, ...]
    jurisdiction_path: str
    assignee: str | None = None
    status: TaskStatus = TaskStatus.OPEN
    overdue: bool = False
    created_at: dt.datetime
    due_at: dt.datetime | None = None
    completed_at: dt.datetime | None = None
    completed_by: str | None = None
    outcome: str | None = None
    allowed_outcomes: tuple[str, ...]
    form_schema: dict[str, Any] | None = Field(
        default=None,
        description="JSON Schema of the completion body; the workflow keeps only the kind (history stays small) "
        "and the projection fills it in from rules/data/tasks.yaml",
    )
    deadline_code: str | None = None
    legal_basis: str | None = None
    escalation_of: str | None = Field(default=None, description="the overdue task this one supervises")


class ClaimRequest(_Frozen):
    """The body of the `claim_task` Update: take the task (release=False) or give it back."""

    task_id: str
    actor: Actor
    release: bool = False


class TaskCompletion(_Frozen):
    """The body of the `complete_task` Update."""

    task_id: str
    actor: Actor
    outcome: str
    form: dict[str, Any] = {}


class CaseProgress(_Frozen):
    """Where a case stands once its process has taken every step it can: its stage and open tasks.
    The answer of the `progress` Update (the intake's Update-with-start)."""

    stage: Stage
    open_tasks: list[TaskView]


class TaskCompleted(CaseProgress):
    """The answer of the `complete_task` Update: the completed task, and where the case went next
    (the caller needs no second round trip, and does not wait for the SQL projection)."""

    task: TaskView


class DeadlineStatus(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"  # time excluded by law (hearing, appraisal, suspension) is running
    MET = "met"
    EXPIRED = "expired"


class DeadlineView(_Frozen):
    code: str
    name: str
    subject: str = Field(description="what the clock is for: a task id or the case")
    start: dt.datetime
    due_at: dt.datetime
    last_day: dt.date | None
    provisional: bool
    status: DeadlineStatus
    paused_days: int = 0
    extensions: tuple[int, ...] = ()
    legal_basis: str
    remaining_seconds: float | None = None


class CaseEvent(_Frozen):
    """One line of the human timeline: who did what, when, on which legal basis."""

    seq: int
    at: dt.datetime
    kind: str
    actor: str | None = None
    task_id: str | None = None
    detail: dict[str, Any] = {}
    legal_basis: str | None = None


class CaseSummary(_Frozen):
    case_id: str
    violation_code: str
    source: str
    jurisdiction_path: str
    stage: Stage
    party_name: str | None = None
    opened_at: dt.datetime
    filed_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    result: str | None = Field(default=None, description="how the case ended, e.g. paid, not_established")
    overdue: bool = False


class ProjectionBatch(_Frozen):
    """Everything one state change writes to SQL; idempotent by (case_id, event seq) and task id."""

    case: CaseSummary
    tasks: list[TaskView] = []
    deadlines: list[DeadlineView] = []
    events: list[CaseEvent] = []
