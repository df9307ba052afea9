"""Alarms (告警): list and read them, acknowledge and clear them, and take them from outside analysis
boxes (Frigate-style review events, vendor cameras) that post with an API key.

Everything is scoped by jurisdiction: an alarm belongs to its source's district. Acknowledging and
clearing are for officers, squad leaders, agency heads and admins inside the subtree; auditors read.
``GET /api/v1/alarms/stats`` counts raised, deduplicated (readings folded into an open alarm),
confirmed and false alarms from the table itself, so it holds across every worker process.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlmodel import Session, col, func, select
from starlette.concurrency import run_in_threadpool

from api.auth import Principal
from api.deps import PrincipalDep, SessionDep, ensure_sees, require_role, temporal_client
from api.problems import ProblemError, problem_responses
from core.alarm_triage import start_triage, tell_cleared
from core.alarms import AlarmSignal, AlarmStateError, acknowledge, apply_signal, clear, set_triage, transitions
from core.case_tables import CaseTask
from core.db import get_engine
from core.devices import UnknownDistrict, district_path
from core.models import Role
from core.perception_tables import Alarm

router = APIRouter(prefix="/api/v1/alarms", tags=["perception"])
log = logging.getLogger("zhifa.api")

HANDLERS = (Role.OFFICER, Role.SQUAD_LEADER, Role.AGENCY_HEAD, Role.ADMIN)
HandlerDep = Annotated[Principal, Depends(require_role(*HANDLERS))]
ReporterDep = Annotated[Principal, Depends(require_role(Role.INTEGRATOR))]
PAGE_MAX = 200


class AlarmOut(BaseModel):
    alarm_id: str
    source: str
    source_ref: str
    rule_code: str
    violation_code: str | None
    kind: str
    district_code: str
    severity: str
    state: str
    message: str
    values: dict[str, Any]
    readings: int
    location: dict[str, Any] | None
    evidence_sha256: str | None
    raised_at: dt.datetime
    updated_at: dt.datetime
    acknowledged_at: dt.datetime | None
    acknowledged_by: str | None
    cleared_at: dt.datetime | None
    cleared_by: str | None
    triage_workflow_id: str | None
    outcome: str | None
    case_id: str | None


class TransitionOut(BaseModel):
    kind: str
    severity: str | None
    actor: str | None
    at: dt.datetime
    detail: dict[str, Any]


class AlarmDetail(AlarmOut):
    transitions: list[TransitionOut]


def alarm_out(row: Alarm) -> AlarmOut:
    return AlarmOut.model_validate(row.model_dump())


@router.get("", summary="Alarms in the caller's subtree, newest first", responses=problem_responses(401, 422))
async def list_alarms(
    principal: PrincipalDep,
    session: SessionDep,
    state: Annotated[Literal["active", "acknowledged", "cleared", "open"] | None, Query()] = None,
    kind: Annotated[str | None, Query(max_length=32)] = None,
    district: Annotated[str | None, Query(pattern=r"^\d{6,12}$")] = None,
    device: Annotated[str | None, Query(max_length=128, description="source_ref: device or camera id")] = None,
    since: Annotated[AwareDatetime | None, Query()] = None,
    until: Annotated[AwareDatetime | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=PAGE_MAX)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[AlarmOut]:
    stmt = select(Alarm).where(col(Alarm.jurisdiction_path).startswith(principal.jurisdiction_path))
    if state == "open":
        stmt = stmt.where(col(Alarm.state).in_(("active", "acknowledged")))
    elif state is not None:
        stmt = stmt.where(Alarm.state == state)
    for column, value in ((Alarm.kind, kind), (Alarm.district_code, district), (Alarm.source_ref, device)):
        if value is not None:
            stmt = stmt.where(column == value)
    if since is not None:
        stmt = stmt.where(col(Alarm.raised_at) >= since)
    if until is not None:
        stmt = stmt.where(col(Alarm.raised_at) < until)
    stmt = stmt.order_by(col(Alarm.raised_at).desc(), col(Alarm.alarm_id)).offset(offset).limit(limit)
    rows = await run_in_threadpool(lambda: list(session.exec(stmt)))
    return [alarm_out(row) for row in rows]


CONFIRMING = ("established", "minor_no_penalty", "on_the_spot")  # verify_lead outcomes that confirm the alarm


class AlarmStats(BaseModel):
    raised: int = Field(description="alarms raised")
    deduplicated: int = Field(description="readings or frames folded into an alarm already open")
    open: int
    cases_opened: int = Field(description="alarms whose triage opened a case (at 初查核实)")
    confirmed: int = Field(description="… whose verify_lead found the violation (established, 首违不罚, 简易程序)")
    false_alarms: int = Field(description="… whose verify_lead found no violation (not_established)")
    corrected: int = Field(description="cleared by the party within the correction window (非接触执法)")


@router.get("/stats", summary="Alarm counts in the caller's subtree", responses=problem_responses(401))
async def alarm_stats(principal: PrincipalDep, session: SessionDep) -> AlarmStats:
    def count() -> AlarmStats:
        scope = col(Alarm.jurisdiction_path).startswith(principal.jurisdiction_path)

        def n(*where: Any) -> int:
            return int(session.exec(select(func.count()).select_from(Alarm).where(scope, *where)).one())

        folded = session.exec(select(func.coalesce(func.sum(Alarm.readings - 1), 0)).where(scope)).one()

        def verified(outcomes: tuple[str, ...]) -> int:
            """Alarms whose case's verification (the projection of verify_lead) ended with one of ``outcomes``."""
            checked = select(CaseTask.case_id).where(
                CaseTask.kind == "verify_lead", CaseTask.status == "completed", col(CaseTask.outcome).in_(outcomes)
            )
            return n(col(Alarm.case_id).in_(checked))

        return AlarmStats(
            raised=n(),
            deduplicated=int(folded),
            open=n(col(Alarm.state).in_(("active", "acknowledged"))),
            cases_opened=n(Alarm.outcome == "case_opened"),
            confirmed=verified(CONFIRMING),
            false_alarms=verified(("not_established",)),
            corrected=n(Alarm.outcome == "corrected"),
        )

    return await run_in_threadpool(count)


def _visible(session: Session, principal: Principal, alarm_id: str) -> Alarm:
    row = session.get(Alarm, alarm_id)
    if row is None:
        raise ProblemError(404, "Not found", f"no alarm {alarm_id} visible to {principal.username}")
    ensure_sees(principal, row.jurisdiction_path, f"alarm {alarm_id}")
    return row


@router.get("/{alarm_id}", summary="One alarm with its history", responses=problem_responses(401, 404))
async def get_alarm(alarm_id: str, principal: PrincipalDep, session: SessionDep) -> AlarmDetail:
    def read() -> AlarmDetail:
        row = _visible(session, principal, alarm_id)
        history = [TransitionOut.model_validate(t.model_dump()) for t in transitions(session, alarm_id)]
        return AlarmDetail(**alarm_out(row).model_dump(), transitions=history)

    return await run_in_threadpool(read)


def _act(session: Session, principal: Principal, alarm_id: str, action: str, reason: str) -> Alarm:
    row = _visible(session, principal, alarm_id)
    now = dt.datetime.now(dt.UTC)
    try:
        if action == "acknowledge":
            return acknowledge(session, row, principal.username, now)
        return clear(session, row, principal.username, now, reason)
    except AlarmStateError as exc:
        raise ProblemError(409, "Alarm state", str(exc)) from exc


@router.post(
    "/{alarm_id}/acknowledge",
    summary="Acknowledge an active alarm (确认收到)",
    responses=problem_responses(401, 403, 404, 409),
)
async def acknowledge_alarm(alarm_id: str, principal: HandlerDep, session: SessionDep) -> AlarmOut:
    return alarm_out(await run_in_threadpool(_act, session, principal, alarm_id, "acknowledge", ""))


class ClearBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(default="", max_length=200)


@router.post("/{alarm_id}/clear", summary="Clear an alarm by hand", responses=problem_responses(401, 403, 404, 409))
async def clear_alarm(
    alarm_id: str, principal: HandlerDep, session: SessionDep, body: ClearBody | None = None
) -> AlarmOut:
    reason = body.reason if body else ""
    return alarm_out(await run_in_threadpool(_act, session, principal, alarm_id, "clear", reason))


class ExternalAlarm(BaseModel):
    """An alarm from an outside analysis box (a Frigate review item, a vendor camera's event)."""

    model_config = ConfigDict(extra="forbid")

    source_ref: str = Field(min_length=1, max_length=128, description="the box or camera id at the source")
    rule_code: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$", description="e.g. vehicle_illegal_parking")
    violation_code: str | None = Field(default=None, max_length=64)
    kind: str = Field(default="camera", max_length=32)
    district_code: str = Field(pattern=r"^\d{6,12}$")
    severity: Literal["WARNING", "MINOR", "MAJOR", "CRITICAL"] = "WARNING"
    state: Literal["active", "cleared"] = "active"
    occurred_at: AwareDatetime
    message: str = Field(default="", max_length=500)
    values: dict[str, float | int | str | bool] = Field(default_factory=dict)
    location: dict[str, float | str] | None = None


@router.post(
    "",
    status_code=201,
    summary="Report an alarm from an outside analysis box (API key)",
    responses=problem_responses(401, 403, 422),
)
async def report_alarm(
    body: ExternalAlarm, principal: ReporterDep, session: SessionDep, request: Request, response: Response
) -> AlarmOut:
    def record() -> tuple[Alarm | None, str]:
        try:
            path = district_path(session, body.district_code)
        except UnknownDistrict as exc:
            raise ProblemError(422, "Unknown district", str(exc)) from exc
        if not principal.sees(path):
            raise ProblemError(403, "Forbidden", f"{principal.username} reports no alarms in {body.district_code}")
        signal = AlarmSignal(
            source="external",
            source_ref=f"{principal.id}:{body.source_ref}",  # one outside system never touches another's alarms
            rule_code=body.rule_code,
            kind=body.kind,
            district_code=body.district_code,
            jurisdiction_path=path,
            transition="cleared" if body.state == "cleared" else "raised",
            severity=body.severity,
            at=body.occurred_at,
            violation_code=body.violation_code,
            message=body.message,
            values=dict(body.values),
            location=dict(body.location) if body.location else None,
        )
        return apply_signal(session, signal)

    row, outcome = await run_in_threadpool(record)
    if row is None:
        raise ProblemError(404, "No open alarm", f"no open alarm {body.source_ref}/{body.rule_code} to clear")
    if outcome != "new":
        response.status_code = 200
    if outcome in ("new", "cleared"):
        await _triage(request, row, outcome)
    return alarm_out(row)


async def _triage(request: Request, row: Alarm, outcome: str) -> None:
    """Hand a new alarm to its triage (or tell the triage it cleared). Best effort: the alarm is recorded
    whatever Temporal does, and the operators can triage it by hand."""
    try:
        client = await temporal_client(request.app)
        if outcome == "cleared":
            await tell_cleared(client, row)
            return
        workflow_id, _taken = await start_triage(client, request.app.state.settings, row, None)
    except Exception as exc:
        log.warning("alarm %s: no triage started: %s", row.alarm_id, exc)
        return
    engine = get_engine(request.app.state.settings.effective_database_url)

    def remember() -> None:
        with Session(engine) as session:
            set_triage(session, row.alarm_id, workflow_id)

    await run_in_threadpool(remember)
    row.triage_workflow_id = workflow_id
