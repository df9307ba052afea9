"""Drive an enforcement case the way officers do: find the open task, complete it by Update."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from rules.calendar import SHANGHAI, CalendarOverride
from workflows.case.model import Actor, CaseInput, Party, TaskCompleted, TaskCompletion, TaskView
from workflows.case.state import CaseState
from workflows.case.workflow import EnforcementCaseWorkflow

CITY, DISTRICT_A, DISTRICT_B = "990100/", "990100/990102/", "990100/990103/"


def actor(username: str, role: str, path: str = DISTRICT_A, certificate: str | None = None) -> Actor:
    return Actor(
        user_id=f"u-{username}",
        username=username,
        roles=(role,),
        jurisdiction_path=path,
        certificate_no=certificate,
    )


OFFICER1 = actor("officer1", "officer", certificate="ZF-0001")
OFFICER2 = actor("officer2", "officer", certificate="ZF-0002")
OFFICER3 = actor("officer3", "officer", DISTRICT_B, certificate="ZF-0003")
LEADER1 = actor("leader1", "squad_leader")
REVIEWER1 = actor("reviewer1", "legal_reviewer")
HEAD1 = actor("head1", "agency_head")
CITYHEAD1 = actor("cityhead1", "agency_head", CITY)


def case_input(
    lead_received_at: dt.datetime,
    *,
    violation_code: str = "street_vending_bj",
    party_type: str = "person",
    calendar: list[CalendarOverride] | None = None,
    **extra: Any,
) -> CaseInput:
    return CaseInput(
        case_id=f"case-{uuid.uuid4().hex[:10]}",
        violation_code=violation_code,
        source="patrol",
        jurisdiction_path=DISTRICT_A,
        lon=120.13,
        lat=30.25,
        address="示范市清河区望江路1号",
        description="占道经营",
        party=Party(type=party_type, name="张三", id_number="110101199001011234"),
        lead_received_at=lead_received_at,
        calendar=calendar or [],
        **extra,
    )


class CaseDriver:
    def __init__(self, env: WorkflowEnvironment, handle: WorkflowHandle[EnforcementCaseWorkflow, Any]) -> None:
        self.env = env
        self.handle = handle

    async def state(self) -> CaseState:
        return await self.handle.query(EnforcementCaseWorkflow.state)

    async def task(self, kind: str, attempts: int = 200) -> TaskView:
        """The open task of `kind`, waiting (bounded) for the workflow to open it."""
        for _ in range(attempts):
            for task in (await self.state()).open_tasks:
                if task.kind == kind:
                    return task
            await asyncio.sleep(0.05)
        state = await self.state()
        raise AssertionError(f"no open {kind} task; open: {[t.kind for t in state.open_tasks]}")

    async def complete(self, kind: str, who: Actor, outcome: str, form: dict[str, Any] | None = None) -> TaskCompleted:
        task = await self.task(kind)
        completion = TaskCompletion(task_id=task.task_id, actor=who, outcome=outcome, form=form or {})
        try:
            return await self.handle.execute_update(EnforcementCaseWorkflow.complete_task, completion)
        except WorkflowUpdateFailedError as exc:  # say why, so a failing test reads like a refusal
            raise AssertionError(f"{kind}/{outcome} by {who.username} refused: {exc.cause}") from exc

    async def refused(
        self, kind: str, who: Actor, outcome: str, form: dict[str, Any] | None = None
    ) -> ApplicationError:
        """Complete and expect a refusal; returns the validator's ApplicationError."""
        task = await self.task(kind)
        completion = TaskCompletion(task_id=task.task_id, actor=who, outcome=outcome, form=form or {})
        try:
            await self.handle.execute_update(EnforcementCaseWorkflow.complete_task, completion)
        except WorkflowUpdateFailedError as exc:
            assert isinstance(exc.cause, ApplicationError), exc.cause
            return exc.cause
        raise AssertionError(f"{kind} by {who.username} ({outcome}) was accepted")

    async def sleep_until(self, instant: dt.datetime) -> None:
        now = await self.env.get_current_time()
        if instant > now:
            await self.env.sleep(instant - now)


def shanghai(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)
