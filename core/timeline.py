"""The human timeline of a case (DESIGN "How data flows", step 6): who did what, when, in which
stage, on which legal basis, and whether each step kept its deadline.

Built from the SQL projections, never from the workflow: ``case_event`` (one row per thing that
happened, append-only) with ``case_task`` and ``app_user`` joined in one query, the case's clocks
from ``case_deadline``, and ``case_intake`` for who opened the case. The projection is coalesced,
so the newest steps may show a second or two after the act.

Steps about a task (opened, completed, expired, escalated) carry that task's deadline. It is *met*
when the task was completed by the due time and never marked overdue (a task cancelled as moot:
when its clock stopped in time), *missed* (``met: false``) when the task went overdue or was
completed late, and undecided (``met: null``) while it is still open or has no due time.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from core.case_tables import CaseDeadline, CaseEventRow, CaseRecord, CaseTask
from core.intake_tables import CaseIntake
from core.models import ApiKey, User
from rules.errors import RuleError
from rules.task_catalogue import load_task_catalogue

STAGE_NAMES = {
    "source": "案件来源",
    "verification": "初查核实",
    "filing": "立案审批",
    "investigation": "调查取证",
    "legal_review": "法制审核",
    "prior_notice": "事先告知",
    "decision": "决定",
    "service": "送达",
    "execution": "执行",
    "closing": "结案",
    "closed": "已结案",
}

# What each kind of case event means, for people; an unknown kind is shown by its code.
EVENT_NAMES = {
    "case_opened": "案件来源登记",
    "stage_entered": "进入阶段",
    "task_opened": "任务开启",
    "task_completed": "任务完成",
    "deadline_expired": "期限届满",
    "escalated": "督办",
    "case_filed": "立案",
    "time_barred": "超过追责时效",
    "on_the_spot_decision": "简易程序当场处罚",
    "sent_back_for_supplement": "法制审核退回补充调查",
    "corrected_by_legal_review": "法制审核建议改正",
    "measure_lapsed": "先行登记保存措施自动解除",
    "measure_released": "查封、扣押期满解除",
    "case_clock_paused": "办案期限中止计算",
    "case_clock_resumed": "办案期限恢复计算",
    "period_ended": "期间届满",
    "window_closed": "陈述申辩/听证期间届满",
    "party_statement": "当事人陈述、申辩",
    "party_hearing_request": "当事人申请听证",
    "party_waive_statement": "当事人放弃陈述、申辩",
    "party_waive_hearing": "当事人放弃听证",
    "party_event_outside_window": "当事人意见（期间外收到）",
    "decision_served": "处罚决定书送达",
    "payment_received": "收到缴款",
    "paid": "罚款缴清",
    "payment_overdue": "逾期未缴纳罚款",
    "extension_requested": "申请延长期限",
    "deadline_extended": "期限延长",
    "deferral_requested": "申请暂缓或分期缴纳",
    "deferral_refused": "不同意暂缓或分期缴纳",
    "payment_deferred": "同意暂缓或分期缴纳",
    "deferral_lapsed": "暂缓或分期缴纳期满",
    "instalment_missed": "分期缴纳逾期",
    "review_filed": "当事人申请行政复议",
    "review_ended": "行政复议终结",
    "litigation_filed": "当事人提起行政诉讼",
    "litigation_ended": "行政诉讼终结",
    "calendar_updated": "法定节假日安排更新",
    "evidence_recorded": "证据登记（哈希上链存证）",
    "case_closed": "结案",
}


class TimelineActor(BaseModel):
    username: str
    display_name: str | None = None
    roles: list[str] = Field(default_factory=list)


class StepDeadline(BaseModel):
    code: str | None
    name: str | None = None
    due_at: dt.datetime | None = None
    status: str | None = Field(default=None, description="the clock in case_deadline: running, paused, met, expired")
    met: bool | None = Field(description="true: kept; false: missed; null: still open, or no due time")


class TimelineStep(BaseModel):
    seq: int
    at: dt.datetime
    kind: str
    what: str = Field(description="what happened, for people")
    stage: str
    stage_name: str
    actor: TimelineActor | None = Field(description="null: the workflow itself (a timer, an outside system)")
    task_id: str | None
    task_kind: str | None
    task_name: str | None
    outcome: str | None
    outcome_name: str | None
    deadline: StepDeadline | None
    legal_basis: str | None
    detail: dict[str, Any]


class TimelineClock(BaseModel):
    code: str
    name: str
    subject: str
    start: dt.datetime
    due_at: dt.datetime
    status: str
    met: bool | None
    paused_days: int
    extensions: list[int]
    legal_basis: str


class Timeline(BaseModel):
    case_id: str
    stage: str | None
    opened_at: dt.datetime | None
    closed_at: dt.datetime | None
    result: str | None
    overdue: bool
    steps: list[TimelineStep]
    deadlines: list[TimelineClock]


def build_timeline(session: Session, case_id: str, *, include_forms: bool = True) -> Timeline:
    """The case's timeline, oldest step first. `include_forms=False` leaves the completion forms out
    (for integrators, who follow the case's progress but not the investigation's content)."""
    rows = session.exec(
        select(CaseEventRow, CaseTask, User)
        .join(CaseTask, col(CaseTask.task_id) == col(CaseEventRow.task_id), isouter=True)
        .join(User, col(User.username) == col(CaseEventRow.actor), isouter=True)
        .where(CaseEventRow.case_id == case_id)
        .order_by(col(CaseEventRow.seq))
    ).all()
    clocks = session.exec(
        select(CaseDeadline).where(CaseDeadline.case_id == case_id).order_by(col(CaseDeadline.start))
    ).all()
    record = session.get(CaseRecord, case_id)
    intake = session.get(CaseIntake, case_id)
    by_key = {(c.code, c.subject): c for c in clocks}
    opener = _opener(session, intake) if intake is not None else None

    steps: list[TimelineStep] = []
    stage = "source"
    for event, task, user in rows:
        if event.kind == "stage_entered":
            stage = str(event.detail.get("stage", stage))
        elif event.kind == "case_closed":
            stage = "closed"
        step_stage = task.stage if task is not None else stage
        actor = _actor(event.actor, user) if event.actor else (opener if event.kind == "case_opened" else None)
        steps.append(_step(event, task, actor, step_stage, by_key, case_id, include_forms))
    return Timeline(
        case_id=case_id,
        stage=record.stage if record is not None else None,
        opened_at=record.opened_at if record is not None else None,
        closed_at=record.closed_at if record is not None else None,
        result=record.result if record is not None else None,
        overdue=record.overdue if record is not None else False,
        steps=steps,
        deadlines=[_clock(c) for c in clocks],
    )


def _step(
    event: CaseEventRow,
    task: CaseTask | None,
    actor: TimelineActor | None,
    stage: str,
    clocks: dict[tuple[str, str], CaseDeadline],
    case_id: str,
    include_forms: bool,
) -> TimelineStep:
    detail = dict(event.detail or {})
    task_kind = task.kind if task is not None else _str(detail.get("kind")) if event.task_id else None
    outcome = _str(detail.get("outcome")) if event.kind == "task_completed" else None
    task_name, outcome_name = _names(task_kind, outcome)
    if not include_forms:
        detail.pop("form", None)
    return TimelineStep(
        seq=event.seq,
        at=event.at,
        kind=event.kind,
        what=_what(event.kind, detail, task_name or task_kind, outcome_name or outcome),
        stage=stage,
        stage_name=STAGE_NAMES.get(stage, stage),
        actor=actor,
        task_id=event.task_id,
        task_kind=task_kind,
        task_name=task_name,
        outcome=outcome,
        outcome_name=outcome_name,
        deadline=_step_deadline(event, task, clocks, case_id),
        legal_basis=event.legal_basis or (task.legal_basis if task is not None else None),
        detail=detail,
    )


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _names(kind: str | None, outcome: str | None) -> tuple[str | None, str | None]:
    """The task kind's and the outcome's names from the task catalogue (None when unknown there)."""
    if kind is None:
        return None, None
    try:
        spec = load_task_catalogue().get(kind)
    except RuleError:
        return None, None
    try:
        return spec.name, spec.outcome(outcome).name if outcome is not None else None
    except RuleError:
        return spec.name, None


def _what(kind: str, detail: dict[str, Any], task: str | None, outcome: str | None) -> str:
    name = EVENT_NAMES.get(kind, kind)
    if kind == "stage_entered":
        stage = str(detail.get("stage", ""))
        return f"{name}：{STAGE_NAMES.get(stage, stage)}"
    if kind == "task_opened" and task:
        return f"{name}：{task}"
    if kind == "task_completed" and task:
        return f"{name}：{task}" + (f"，结果：{outcome}" if outcome else "")
    if kind == "deadline_expired" and detail.get("code"):
        return f"{name}：{detail['code']}" + (f"（{task}）" if task else "")
    if kind == "escalated" and task:
        return f"{name}：{task}"
    if kind in ("payment_received", "paid"):
        amount = detail.get("amount_yuan", detail.get("fine_yuan"))
        return f"{name}：{amount} 元" if amount is not None else name
    if kind == "case_closed" and detail.get("result"):
        return f"{name}：{detail['result']}"
    if kind == "case_opened" and detail.get("source"):
        return f"{name}：来源 {detail['source']}，违法行为 {detail.get('violation_code', '')}"
    return name


def _actor(username: str, user: User | None) -> TimelineActor:
    if user is None:  # an API key, or a user since removed: the name recorded is all there is
        return TimelineActor(username=username)
    return TimelineActor(username=username, display_name=user.display_name, roles=[r.value for r in user.roles])


def _opener(session: Session, intake: CaseIntake) -> TimelineActor:
    """Who sent the case in (the intake row knows; the case_opened event carries no actor)."""
    if intake.principal_id.startswith("key:"):
        try:
            key = session.get(ApiKey, uuid.UUID(intake.principal_id.removeprefix("key:")))
        except ValueError:
            key = None
        if key is None:
            return TimelineActor(username=intake.principal_name)
        return TimelineActor(username=intake.principal_name, display_name=key.name, roles=[r.value for r in key.roles])
    user = session.exec(select(User).where(User.username == intake.principal_name)).first()
    return _actor(intake.principal_name, user)


def _clock_met(status: str) -> bool | None:
    return {"met": True, "expired": False}.get(status)


def _step_deadline(
    event: CaseEventRow, task: CaseTask | None, clocks: dict[tuple[str, str], CaseDeadline], case_id: str
) -> StepDeadline | None:
    if event.kind == "deadline_expired":
        code = _str(event.detail.get("code"))
        clock = clocks.get((code or "", event.task_id or case_id))
        due = _str(event.detail.get("due_at"))
        return StepDeadline(
            code=code,
            name=clock.name if clock is not None else None,
            due_at=dt.datetime.fromisoformat(due) if due else None,
            status=clock.status if clock is not None else None,
            met=False,
        )
    if task is None or (task.deadline_code is None and task.due_at is None):
        return None
    code = task.deadline_code or ""
    clock = clocks.get((code, task.task_id)) or clocks.get((code, case_id))
    return StepDeadline(
        code=task.deadline_code,
        name=clock.name if clock is not None else None,
        due_at=task.due_at,
        status=clock.status if clock is not None else None,
        met=_task_met(task, clock),
    )


def _task_met(task: CaseTask, clock: CaseDeadline | None) -> bool | None:
    if task.overdue:
        return False
    if task.status == "cancelled":  # moot (e.g. paid without confirmation): the clock tells
        return _clock_met(clock.status) if clock is not None else None
    if task.completed_at is None or task.due_at is None:
        return None
    return task.completed_at <= task.due_at


def _clock(row: CaseDeadline) -> TimelineClock:
    return TimelineClock(
        code=row.code,
        name=row.name,
        subject=row.subject,
        start=row.start,
        due_at=row.due_at,
        status=row.status,
        met=_clock_met(row.status),
        paused_days=row.paused_days,
        extensions=list(row.extensions),
        legal_basis=row.legal_basis,
    )
