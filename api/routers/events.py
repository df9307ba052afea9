"""POST /api/v1/cases/{case_id}/events: what the party, the bank, the reconsideration body or the
court did, recorded by officers and integrators. The workflow's `record_event` Update decides
whether the event fits the case now: one that cannot (a payment before any decision, a statement
after its period) is 409 and changes nothing."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from api.auth import Principal
from api.deps import GatewayDep, SessionDep, release, require_role
from api.problems import problem_responses
from api.routers.cases import visible_case_path
from api.routers.tasks import refusal_problem
from api.views import TaskOut, task_out
from core.case_gateway import CaseRefused
from core.models import Role
from workflows.case.outside import OutsideEvent, OutsideKind

router = APIRouter(prefix="/api/v1", tags=["cases"])

RECORDERS = (Role.OFFICER, Role.SQUAD_LEADER, Role.AGENCY_HEAD, Role.INTEGRATOR, Role.ADMIN)


class EventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: OutsideKind
    occurred_at: AwareDatetime = Field(description="when it happened (e.g. the bank's payment time), with offset")
    data: dict[str, Any] = Field(
        default_factory=dict,
        description='payment_confirmed: {"amount": "300", "reference": "…"}; statement_received: {"text": "…"}',
    )


class EventRecorded(BaseModel):
    case_id: str
    stage: str
    open_tasks: list[TaskOut]


@router.post(
    "/cases/{case_id}/events",
    summary="Record an outside event: payment, statement, hearing request, waiver, 复议/诉讼",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def record_event(
    case_id: str,
    body: EventIn,
    principal: Annotated[Principal, Depends(require_role(*RECORDERS))],
    session: SessionDep,
    gateway: GatewayDep,
) -> EventRecorded:
    await run_in_threadpool(visible_case_path, session, principal, case_id)
    await release(session)
    event = OutsideEvent(kind=body.type, occurred_at=body.occurred_at, actor=principal.actor(), data=body.data)
    try:
        await gateway.record_event(case_id, event)
        state = await gateway.state(case_id)
    except CaseRefused as exc:
        raise refusal_problem(exc) from exc
    return EventRecorded(
        case_id=case_id, stage=state.summary.stage.value, open_tasks=[task_out(t) for t in state.open_tasks]
    )
