"""Builders of ``ProjectionBatch`` payloads for projection and inbox tests."""

import datetime as dt
from typing import Any

from workflows.case.model import (
    CaseEvent,
    CaseSummary,
    DeadlineStatus,
    DeadlineView,
    ProjectionBatch,
    Stage,
    TaskStatus,
    TaskView,
)

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
CITY = "990100/"
DISTRICT_A = "990100/990102/"
STREET_A1 = "990100/990102/990102001/"
STREET_A2 = "990100/990102/990102002/"
DISTRICT_B = "990100/990103/"
STREET_B1 = "990100/990103/990103001/"
PREFIX_TRAP = "990100/9901021/"  # starts with "990100/990102" but is not under "990100/990102/"


def summary(
    case_id: str = "C-1", *, stage: Stage = Stage.VERIFICATION, path: str = STREET_A1, **kw: Any
) -> CaseSummary:
    fields: dict[str, Any] = {"party_name": "张三", "opened_at": T0, **kw}
    return CaseSummary(
        case_id=case_id, violation_code="SR-001", source="hotline", jurisdiction_path=path, stage=stage, **fields
    )


def task(
    task_id: str,
    *,
    case_id: str = "C-1",
    kind: str = "verify_lead",
    stage: Stage = Stage.VERIFICATION,
    roles: tuple[str, ...] = ("officer",),
    path: str = STREET_A1,
    status: TaskStatus = TaskStatus.OPEN,
    due_days: int | None = 15,
    **kw: Any,
) -> TaskView:
    return TaskView(
        task_id=task_id,
        case_id=case_id,
        kind=kind,
        stage=stage,
        candidate_roles=roles,
        jurisdiction_path=path,
        status=status,
        created_at=T0,
        due_at=None if due_days is None else T0 + dt.timedelta(days=due_days),
        allowed_outcomes=("established", "not_established"),
        form_schema={"type": "object", "properties": {"note": {"type": "string"}}},
        deadline_code="T01",
        legal_basis="《行政处罚法》第五十四条",
        **kw,
    )


def deadline(
    code: str = "T01", subject: str = "C-1/verify", *, status: DeadlineStatus = DeadlineStatus.RUNNING, **kw: Any
) -> DeadlineView:
    due = T0 + dt.timedelta(days=21)
    fields: dict[str, Any] = {
        "name": "初查核实期限",
        "start": T0,
        "due_at": due,
        "last_day": due.date(),
        "provisional": False,
        "legal_basis": "《行政处罚法》第五十四条",
        **kw,
    }
    return DeadlineView(code=code, subject=subject, status=status, **fields)


def event(seq: int, kind: str, *, task_id: str | None = None, **detail: Any) -> CaseEvent:
    return CaseEvent(
        seq=seq,
        at=T0 + dt.timedelta(hours=seq),
        kind=kind,
        actor="officer-1" if task_id else None,
        task_id=task_id,
        detail=detail,
        legal_basis="《行政处罚法》第五十四条",
    )


def opened(case_id: str = "C-1") -> ProjectionBatch:
    """seq 1: the case is opened and the verification task with its T01 clock starts."""
    return ProjectionBatch(
        case=summary(case_id),
        tasks=[task(f"{case_id}/verify", case_id=case_id)],
        deadlines=[deadline(subject=f"{case_id}/verify")],
        events=[event(1, "case_opened", source="hotline")],
    )


def verified(case_id: str = "C-1") -> ProjectionBatch:
    """seq 2-3: verification completed (T01 met); filing approval opens for the agency head."""
    done = task(
        f"{case_id}/verify",
        case_id=case_id,
        status=TaskStatus.COMPLETED,
        completed_at=T0 + dt.timedelta(hours=2),
        completed_by="officer-1",
        outcome="established",
    )
    filing = task(
        f"{case_id}/filing", case_id=case_id, kind="approve_filing", stage=Stage.FILING, roles=("agency_head",)
    )
    return ProjectionBatch(
        case=summary(case_id, stage=Stage.FILING),
        tasks=[done, filing],
        deadlines=[deadline(subject=f"{case_id}/verify", status=DeadlineStatus.MET)],
        events=[
            event(2, "task_completed", task_id=f"{case_id}/verify", outcome="established"),
            event(3, "task_opened", task_id=f"{case_id}/filing"),
        ],
    )


def filed(case_id: str = "C-1") -> ProjectionBatch:
    """seq 4: filing approved; the case enters investigation, the filing task is completed."""
    approved = task(
        f"{case_id}/filing",
        case_id=case_id,
        kind="approve_filing",
        stage=Stage.FILING,
        roles=("agency_head",),
        status=TaskStatus.COMPLETED,
        completed_at=T0 + dt.timedelta(hours=4),
        completed_by="head-1",
        outcome="approve",
    )
    return ProjectionBatch(
        case=summary(case_id, stage=Stage.INVESTIGATION, filed_at=T0 + dt.timedelta(hours=4)),
        tasks=[approved],
        deadlines=[deadline("T06", case_id)],
        events=[event(4, "task_completed", task_id=f"{case_id}/filing", outcome="approve")],
    )
