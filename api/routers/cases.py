"""GET /api/v1/cases and /api/v1/cases/{case_id}: the case list from the SQL projection, scoped to
the principal's subtree (integrators: only the cases they opened), and one case in full."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar
from starlette.concurrency import run_in_threadpool

from api.auth import Principal
from api.deps import GatewayDep, PrincipalDep, SessionDep, ensure_sees, release
from api.problems import ProblemError, problem_responses
from api.views import MAX_OFFSET, CaseOut, DeadlineOut, Page, TaskOut, case_out, deadline_out, task_out
from core.case_gateway import CaseRefused
from core.case_tables import CaseDeadline, CaseRecord, CaseTask
from core.documents import case_documents
from core.inbox import page_total
from core.intake_tables import CaseIntake
from core.jurisdiction import in_subtree
from core.models import Jurisdiction, Role

router = APIRouter(prefix="/api/v1", tags=["cases"])


class Intake(BaseModel):
    lon: float
    lat: float
    cgcs2000_lon: float
    cgcs2000_lat: float
    address: str
    description: str
    party: dict[str, Any] | None
    external_ref: str | None
    received_at: dt.datetime
    opened_by: str


class CaseDocumentLink(BaseModel):
    """One issued document of the case, as the detail lists it (the full record: /api/v1/documents/{doc_id})."""

    doc_id: str
    kind: str
    title: str
    number: str | None = Field(description="文号; null for unnumbered forms")
    created_at: dt.datetime = Field(description="issued at")
    sha256: str
    pdf_url: str


class CaseDetail(CaseOut):
    intake: Intake | None
    open_tasks: list[TaskOut]
    deadlines: list[DeadlineOut]
    decision: dict[str, Any] | None
    documents: list[CaseDocumentLink] = Field(default_factory=list, description="issued documents, in issue order")
    evidence: list[dict[str, Any]] = Field(default_factory=list, description="with the evidence issue")


def visible_cases(principal: Principal) -> SelectOfScalar[CaseRecord]:
    """Cases in the principal's subtree; for an integrator, only the ones it opened."""
    stmt = select(CaseRecord).where(in_subtree(col(CaseRecord.jurisdiction_path), principal.jurisdiction_path))
    if principal.roles == [Role.INTEGRATOR]:
        mine = select(CaseIntake.case_id).where(CaseIntake.principal_id == principal.id)
        stmt = stmt.where(col(CaseRecord.case_id).in_(mine))
    return stmt


def _list(
    session: Session, stmt: SelectOfScalar[CaseRecord], district: str | None, limit: int, offset: int
) -> tuple[list[CaseRecord], int, bool]:
    if district is not None:
        place = session.get(Jurisdiction, district)
        if place is None:
            raise ProblemError(
                422, "Unknown jurisdiction", f"district: no jurisdiction {district!r}", slug="validation"
            )
        stmt = stmt.where(in_subtree(col(CaseRecord.jurisdiction_path), place.path))
    newest_first = (col(CaseRecord.opened_at).desc(), col(CaseRecord.case_id))
    rows = list(session.exec(stmt.order_by(*newest_first).limit(limit).offset(offset)).all())
    return rows, *page_total(session, stmt, shown=len(rows), limit=limit, offset=offset)


@router.get("/cases", summary="Cases visible to the caller, newest first", responses=problem_responses(401, 422))
async def list_cases(
    principal: PrincipalDep,
    session: SessionDep,
    stage: str | None = None,
    district: str | None = None,
    violation_code: str | None = None,
    overdue: bool | None = None,
    created_from: dt.datetime | None = None,
    created_to: dt.datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> Page[CaseOut]:
    stmt = visible_cases(principal)
    if stage is not None:
        stmt = stmt.where(CaseRecord.stage == stage)
    if violation_code is not None:
        stmt = stmt.where(CaseRecord.violation_code == violation_code)
    if overdue is not None:
        stmt = stmt.where(CaseRecord.overdue == overdue)
    if created_from is not None:
        stmt = stmt.where(col(CaseRecord.opened_at) >= created_from)
    if created_to is not None:
        stmt = stmt.where(col(CaseRecord.opened_at) < created_to)
    rows, total, exact = await run_in_threadpool(_list, session, stmt, district, limit, offset)
    return Page(items=[case_out(r) for r in rows], total=total, total_exact=exact, limit=limit, offset=offset)


def visible_case_path(session: Session, principal: Principal, case_id: str) -> str:
    """The case's jurisdiction path if the principal may see it, else 404. Reads the projection,
    or the intake row for a case opened a moment ago and not yet projected."""
    record = session.exec(visible_cases(principal).where(CaseRecord.case_id == case_id)).first()
    if record is not None:
        return record.jurisdiction_path
    intake = session.get(CaseIntake, case_id)
    own = intake is not None and (principal.roles != [Role.INTEGRATOR] or intake.principal_id == principal.id)
    if intake is not None and own and principal.sees(intake.jurisdiction_path):
        return intake.jurisdiction_path
    raise ProblemError(404, "Not found", f"no case {case_id} visible to {principal.username}", slug="not-found")


def _case_rows(
    session: Session, principal: Principal, case_id: str
) -> tuple[CaseRecord, CaseIntake | None, list[CaseTask], list[CaseDeadline]]:
    record = session.exec(visible_cases(principal).where(CaseRecord.case_id == case_id)).first()
    if record is None:
        raise ProblemError(404, "Not found", f"no case {case_id} visible to {principal.username}", slug="not-found")
    intake = session.get(CaseIntake, case_id)
    tasks = session.exec(
        select(CaseTask).where(CaseTask.case_id == case_id, CaseTask.status == "open").order_by(col(CaseTask.task_id))
    ).all()
    deadlines = session.exec(
        select(CaseDeadline).where(CaseDeadline.case_id == case_id).order_by(col(CaseDeadline.start))
    ).all()
    return record, intake, list(tasks), list(deadlines)


@router.get(
    "/cases/{case_id}",
    summary="One case: stage, party, deadlines, open tasks, decision, issued documents",
    responses=problem_responses(401, 404),
)
async def get_case(case_id: str, principal: PrincipalDep, session: SessionDep, gateway: GatewayDep) -> CaseDetail:
    record, intake, tasks, deadlines = await run_in_threadpool(_case_rows, session, principal, case_id)
    documents = await run_in_threadpool(case_documents, session, case_id)
    await release(session)
    ensure_sees(principal, record.jurisdiction_path, f"case {case_id}")
    try:  # the decision record is the workflow's; the rest is the projection
        decision = (await gateway.state(case_id)).decision
    except CaseRefused:
        decision = None
    now = dt.datetime.now(dt.UTC)
    return CaseDetail(
        **case_out(record).model_dump(),
        intake=Intake(
            lon=intake.lon,
            lat=intake.lat,
            cgcs2000_lon=intake.cgcs2000_lon,
            cgcs2000_lat=intake.cgcs2000_lat,
            address=intake.address,
            description=intake.description,
            party=intake.party,
            external_ref=intake.external_ref,
            received_at=intake.received_at,
            opened_by=intake.principal_name,
        )
        if intake is not None
        else None,
        open_tasks=[task_out(t) for t in tasks],
        deadlines=[deadline_out(d, now) for d in deadlines],
        decision=decision,
        documents=[
            CaseDocumentLink(
                doc_id=d.doc_id,
                kind=d.kind,
                title=d.title,
                number=d.number,
                created_at=d.created_at,
                sha256=d.sha256,
                pdf_url=f"/api/v1/documents/{d.doc_id}/pdf",
            )
            for d in documents
        ],
    )
