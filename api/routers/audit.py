"""The read-only audit API (DESIGN "How data flows", step 6):

- ``GET /api/v1/cases/{case_id}/history``: the case workflow's Temporal event history, in the JSON
  the Temporal UI and CLI export (``WorkflowHistory.to_json()``; ``WorkflowHistory.from_json`` and
  ``zhifa history replay`` load it).
- ``GET /api/v1/cases/{case_id}/timeline``: who did what, when, in which stage, on which legal
  basis, and whether each step kept its deadline, from the SQL projections (``core.timeline``).
- ``POST /api/v1/audit/replay``: fetch histories and replay them against the current workflow code
  (``core.replay``, the same code as ``zhifa audit replay``); one result per case and a summary.

Who may: history and replay, auditors, admins and agency heads (403 for any other role); the
timeline, anyone who may see the case (integrators only the cases they opened, without the
completion forms). A case outside the caller's subtree is 404, as everywhere in the API; in a replay
batch it is reported like an unknown id, so a batch discloses nothing a single request would not.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from sqlmodel import Session, col
from starlette.concurrency import run_in_threadpool
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from api.auth import Principal
from api.deps import ClientDep, PrincipalDep, SessionDep, require_role
from api.problems import ProblemError, problem_responses
from api.routers.cases import visible_case_path, visible_cases
from core.case_tables import ID_LENGTH, CaseRecord
from core.models import Role
from core.replay import CaseReplay, TooManyMatches, case_query, not_found, query_case_ids, replay_cases
from core.timeline import Timeline, build_timeline

router = APIRouter(prefix="/api/v1", tags=["audit"])

AUDIT_ROLES = (Role.AUDITOR, Role.ADMIN, Role.AGENCY_HEAD)
MAX_REPLAY_CASES = 200
MAX_QUERY_LENGTH = 2000

HISTORY_SCHEMA = {"type": "object", "properties": {"events": {"type": "array", "items": {"type": "object"}}}}

AuditorDep = Annotated[Principal, Depends(require_role(*AUDIT_ROLES))]
CaseId = Annotated[str, StringConstraints(min_length=1, max_length=ID_LENGTH)]


class ReplayRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    case_ids: list[CaseId] | None = Field(
        default=None, min_length=1, max_length=MAX_REPLAY_CASES, description="the cases to replay"
    )
    query: str | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_QUERY_LENGTH,
        description="a Temporal visibility query, e.g. ExecutionStatus = 'Running'; it narrows the case "
        f"workflows, of which at most {MAX_REPLAY_CASES} may match",
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> ReplayRequest:
        if (self.case_ids is None) == (self.query is None):
            raise ValueError("send exactly one of case_ids and query")
        return self


class ReplayedCase(BaseModel):
    case_id: str
    ok: bool
    error: str | None = Field(description="why the history does not replay, or why there is none to replay")
    run_id: str | None
    events: int = Field(description="events in the history replayed")


class ReplaySummary(BaseModel):
    requested: int
    ok: int
    failed: int = Field(description="every case not OK, those not found included")
    not_found: int


class ReplayReport(BaseModel):
    query: str | None = Field(description="the visibility query run, when the request sent one")
    summary: ReplaySummary
    results: list[ReplayedCase]


def _temporal_problem(exc: RPCError) -> ProblemError:
    return ProblemError(503, "Temporal unavailable", f"Temporal did not answer: {exc}", slug="temporal-unavailable")


@router.get(
    "/cases/{case_id}/history",
    summary="The case workflow's event history (Temporal JSON, as the UI and CLI export it)",
    response_class=Response,
    responses={
        200: {
            "description": "the history: WorkflowHistory.from_json loads it",
            "content": {"application/json": {"schema": HISTORY_SCHEMA}},
        },
        **problem_responses(401, 403, 404, 503),
    },
)
async def case_history(case_id: str, principal: AuditorDep, session: SessionDep, client: ClientDep) -> Response:
    await run_in_threadpool(visible_case_path, session, principal, case_id)
    try:
        history = await client.get_workflow_handle(case_id).fetch_history()
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise ProblemError(
                404,
                "Not found",
                f"Temporal holds no history for case {case_id} (not started yet, or past the namespace's retention)",
                slug="not-found",
            ) from exc
        raise _temporal_problem(exc) from exc
    return Response(history.to_json(), media_type="application/json")


def _timeline(session: Session, principal: Principal, case_id: str) -> Timeline:
    visible_case_path(session, principal, case_id)
    return build_timeline(session, case_id, include_forms=bool(set(principal.roles) - {Role.INTEGRATOR}))


@router.get(
    "/cases/{case_id}/timeline",
    summary="Who did what, when, on which legal basis, and whether each step kept its deadline",
    responses=problem_responses(401, 404),
)
async def case_timeline(case_id: str, principal: PrincipalDep, session: SessionDep) -> Timeline:
    return await run_in_threadpool(_timeline, session, principal, case_id)


def _visible(session: Session, principal: Principal, case_ids: list[str]) -> set[str]:
    """The ids among `case_ids` the principal may see (one query; cases not yet projected, rare,
    one or two more each)."""
    if not case_ids:
        return set()
    rows = session.exec(visible_cases(principal).where(col(CaseRecord.case_id).in_(case_ids))).all()
    seen = {row.case_id for row in rows}
    for case_id in case_ids:
        if case_id not in seen:
            try:
                visible_case_path(session, principal, case_id)
            except ProblemError:
                continue
            seen.add(case_id)
    return seen


async def _selected(
    body: ReplayRequest, principal: Principal, session: Session, client: Client
) -> tuple[list[str], set[str]]:
    """The cases to report on (the ids sent, each once; or the visible cases the query matches)
    and those of them the principal may see."""
    if body.case_ids is not None:
        case_ids = list(dict.fromkeys(body.case_ids))
        return case_ids, await run_in_threadpool(_visible, session, principal, case_ids)
    assert body.query is not None
    query = case_query(body.query)
    try:
        matched = await query_case_ids(client, query, limit=MAX_REPLAY_CASES)
    except TooManyMatches as exc:
        raise ProblemError(
            422,
            "Too many cases",
            f"the query matches more than {MAX_REPLAY_CASES} cases; narrow it (e.g. AND WorkflowId STARTS_WITH "
            "'<district code>-'), or use `zhifa audit replay --query`, which has no limit",
            slug="too-many-cases",
            limit=MAX_REPLAY_CASES,
        ) from exc
    except RPCError as exc:
        if exc.status == RPCStatusCode.INVALID_ARGUMENT:
            raise ProblemError(
                422, "Invalid visibility query", f"Temporal refused {query!r}: {exc.message}", slug="invalid-query"
            ) from exc
        raise _temporal_problem(exc) from exc
    visible = await run_in_threadpool(_visible, session, principal, matched)
    return [case_id for case_id in matched if case_id in visible], visible  # the others are not disclosed


@router.post(
    "/audit/replay",
    summary="Replay case histories against the current workflow code",
    responses=problem_responses(401, 403, 422, 503),
)
async def replay(body: ReplayRequest, principal: AuditorDep, session: SessionDep, client: ClientDep) -> ReplayReport:
    case_ids, visible = await _selected(body, principal, session, client)
    try:
        replayed = {r.case_id: r for r in await replay_cases(client, [c for c in case_ids if c in visible])}
    except RPCError as exc:
        raise _temporal_problem(exc) from exc
    results = [replayed.get(c) or not_found(c, f"no case {c} visible to {principal.username}") for c in case_ids]
    return ReplayReport(
        query=case_query(body.query) if body.query is not None else None,
        summary=_summary(results),
        results=[_out(r) for r in results],
    )


def _summary(results: list[CaseReplay]) -> ReplaySummary:
    ok = sum(r.ok for r in results)
    return ReplaySummary(
        requested=len(results), ok=ok, failed=len(results) - ok, not_found=sum(not r.found for r in results)
    )


def _out(result: CaseReplay) -> ReplayedCase:
    return ReplayedCase(
        case_id=result.case_id, ok=result.ok, error=result.error, run_id=result.run_id, events=result.events
    )
