"""The task inbox (Camunda Tasklist is the bar): list and read tasks from the SQL projection, and
complete one by sending the workflow's `complete_task` Update, whose validator decides (role,
jurisdiction, task still open, outcome allowed, form valid, the stage's legal checks). The answer
carries the case's new stage and open tasks from the workflow itself, so the caller never waits
for the projection to catch up.

Task ids contain a slash (``{case_id}/{seq}-{kind}``), hence the ``:path`` converters.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar
from starlette.concurrency import run_in_threadpool

from api.auth import Principal
from api.deps import GatewayDep, PrincipalDep, SessionDep, release
from api.problems import ProblemError, problem_responses
from api.routers.cases import visible_case_path
from api.views import MAX_OFFSET, Page, TaskOut, task_out
from core.case_gateway import CaseGateway, CaseRefused, case_id_of
from core.case_tables import CaseTask, CaseTaskRole
from core.inbox import page_total
from core.jurisdiction import in_subtree
from core.models import Role
from workflows.case.model import ClaimRequest, TaskCompletion

router = APIRouter(prefix="/api/v1/tasks", tags=["tasks"])

OVERSEERS = (Role.AUDITOR, Role.ADMIN)  # see every task in their subtree, whatever its roles


class Completion(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: str = Field(min_length=1, max_length=64)
    form: dict[str, Any] = Field(default_factory=dict, description="must satisfy the task's form_schema")


class Completed(BaseModel):
    task: TaskOut
    case_id: str
    stage: str
    open_tasks: list[TaskOut]


def refusal_problem(exc: CaseRefused) -> ProblemError:
    """The workflow's refusal as problem+json: type urn:zhifa:problem:<kind>, its HTTP status."""
    slug = "".join(f"-{c.lower()}" if c.isupper() else c for c in exc.kind).lstrip("-")
    return ProblemError(exc.status, exc.kind, exc.detail, slug=slug)


def visible_tasks(principal: Principal, candidate_role: str | None) -> SelectOfScalar[CaseTask]:
    """Tasks in the principal's subtree that one of its roles may act on (overseers: all)."""
    stmt = select(CaseTask).where(in_subtree(col(CaseTask.jurisdiction_path), principal.jurisdiction_path))
    roles = {r.value for r in principal.roles} if not principal.has_role(*OVERSEERS) else None
    if candidate_role is not None:
        roles = {candidate_role} & roles if roles is not None else {candidate_role}
    if roles is not None:
        has_role = (
            select(CaseTaskRole.task_id)
            .where(col(CaseTaskRole.task_id) == col(CaseTask.task_id), col(CaseTaskRole.role).in_(sorted(roles)))
            .exists()
        )
        stmt = stmt.where(has_role)
    return stmt


def _page(
    session: Session, stmt: SelectOfScalar[CaseTask], sort: str, open_only: bool, limit: int, offset: int
) -> tuple[list[CaseTask], int, bool]:
    """One page in the order of an index (migration 0006), then a count COUNT_PAGES_AHEAD pages past it
    — skipped when the first page is not full. Open tasks are read without their stored form
    schema: the catalogue's, shared, is the one the workflow validates against (and 8–12 KB a row
    of JSON left undecoded)."""
    key = col(CaseTask.due_at).asc().nulls_last() if sort == "due" else col(CaseTask.created_at).asc()
    page = stmt.order_by(key, col(CaseTask.task_id)).limit(limit).offset(offset)
    if open_only:
        page = page.options(defer(CaseTask.form_schema, raiseload=True))  # type: ignore[arg-type]
    rows = list(session.exec(page).all())
    return rows, *page_total(session, stmt, shown=len(rows), limit=limit, offset=offset)


@router.get("", summary="The inbox: tasks the caller may act on", responses=problem_responses(401, 422))
async def list_tasks(
    principal: PrincipalDep,
    session: SessionDep,
    assigned: Literal["me", "unassigned", "any"] = "any",
    candidate_role: str | None = None,
    kind: str | None = None,
    stage: str | None = None,
    case_id: str | None = None,
    due_before: dt.datetime | None = None,
    overdue: bool | None = None,
    status: Literal["open", "completed"] = "open",
    sort: Literal["due", "created"] = "due",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> Page[TaskOut]:
    stmt = visible_tasks(principal, candidate_role).where(CaseTask.status == status)
    if assigned == "me":
        stmt = stmt.where(CaseTask.assignee == principal.username)
    elif assigned == "unassigned":
        stmt = stmt.where(col(CaseTask.assignee).is_(None))
    for column, value in ((CaseTask.kind, kind), (CaseTask.stage, stage), (CaseTask.case_id, case_id)):
        if value is not None:
            stmt = stmt.where(column == value)
    if due_before is not None:
        stmt = stmt.where(col(CaseTask.due_at) < due_before)
    if overdue is not None:
        stmt = stmt.where(CaseTask.overdue == overdue)
    open_only = status == "open"
    rows, total, exact = await run_in_threadpool(_page, session, stmt, sort, open_only, limit, offset)
    items = [task_out(t, stored_schema=not open_only) for t in rows]
    return Page(items=items, total=total, total_exact=exact, limit=limit, offset=offset)


def _visible_task(session: Session, principal: Principal, task_id: str) -> CaseTask:
    task = session.exec(
        select(CaseTask).where(
            CaseTask.task_id == task_id, in_subtree(col(CaseTask.jurisdiction_path), principal.jurisdiction_path)
        )
    ).first()
    if task is None:
        raise ProblemError(404, "Not found", f"no task {task_id} visible to {principal.username}", slug="not-found")
    visible_case_path(session, principal, task.case_id)  # integrators: only tasks of cases they opened
    return task


@router.post(
    "/{task_id:path}/complete",
    summary="Complete a task: its outcome and form, validated by the case's workflow",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def complete_task(
    task_id: str, body: Completion, principal: PrincipalDep, session: SessionDep, gateway: GatewayDep
) -> Completed:
    if principal.has_role(Role.AUDITOR) and len(principal.roles) == 1:
        raise ProblemError(403, "Forbidden", "auditors read; they do not act on cases", slug="forbidden")
    case_id = case_id_of(task_id)  # not the task row: the projection may not show a new task yet
    await run_in_threadpool(visible_case_path, session, principal, case_id)
    await release(session)
    completion = TaskCompletion(task_id=task_id, actor=principal.actor(), outcome=body.outcome, form=body.form)
    try:
        done = await gateway.complete_task(case_id, completion)
    except CaseRefused as exc:
        raise refusal_problem(exc) from exc
    return Completed(
        task=task_out(done.task),
        case_id=case_id,
        stage=done.stage.value,
        open_tasks=[task_out(t) for t in done.open_tasks],
    )


async def _claim(
    task_id: str, give_back: bool, principal: Principal, session: Session, gateway: CaseGateway
) -> TaskOut:
    case_id = case_id_of(task_id)
    await run_in_threadpool(visible_case_path, session, principal, case_id)
    await release(session)
    request = ClaimRequest(task_id=task_id, actor=principal.actor(), release=give_back)
    try:
        view = await gateway.claim_task(case_id, request)
    except CaseRefused as exc:
        raise refusal_problem(exc) from exc
    return task_out(view)


@router.post(
    "/{task_id:path}/claim",
    summary="Claim a task (认领): colleagues see it taken; only you complete it",
    responses=problem_responses(401, 403, 404, 409),
)
async def claim_task(task_id: str, principal: PrincipalDep, session: SessionDep, gateway: GatewayDep) -> TaskOut:
    return await _claim(task_id, False, principal, session, gateway)


@router.post(
    "/{task_id:path}/unclaim",
    summary="Give a claimed task back (its holder, or a squad leader or head to reassign it)",
    responses=problem_responses(401, 403, 404, 409),
)
async def unclaim_task(task_id: str, principal: PrincipalDep, session: SessionDep, gateway: GatewayDep) -> TaskOut:
    return await _claim(task_id, True, principal, session, gateway)


@router.get("/{task_id:path}", summary="One task, with its form's JSON Schema", responses=problem_responses(401, 404))
async def get_task(task_id: str, principal: PrincipalDep, session: SessionDep) -> TaskOut:
    return task_out(await run_in_threadpool(_visible_task, session, principal, task_id))
