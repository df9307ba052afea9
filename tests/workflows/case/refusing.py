"""Refusals and how a test sees them: bad input is refused with a typed error and a message naming
the problem, and changes nothing: the case's state (events, open tasks, clocks, decision) and the SQL
projection rows are the same before and after the refusal (`refused_without_change`).
Shared by test_refusals_tasks.py and test_refusals_law.py."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import sqlalchemy as sa
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from core.db import get_engine
from tests.activities.conftest import snapshot
from tests.workflows.case.driver import CaseDriver
from workflows.case.extensions import ExtensionRequest
from workflows.case.model import Actor, TaskCompleted, TaskCompletion, TaskView
from workflows.case.workflow import EnforcementCaseWorkflow

Attempt = Callable[[], Awaitable[object]]

POLL = 0.05
POLLS = 200
LAST_SEQ = sa.text("select last_seq from case_record where case_id = :case_id")
EVENT_COUNT = sa.text("select count(*) from case_event where case_id = :case_id")


def completion(task_id: str, who: Actor, outcome: str, form: dict[str, Any] | None = None) -> TaskCompletion:
    return TaskCompletion(task_id=task_id, actor=who, outcome=outcome, form=form or {})


def completing(case: CaseDriver, task_id: str, who: Actor, outcome: str, form: dict[str, Any] | None = None) -> Attempt:
    async def attempt() -> TaskCompleted:
        return await case.handle.execute_update(
            EnforcementCaseWorkflow.complete_task, completion(task_id, who, outcome, form)
        )

    return attempt


async def completing_kind(
    case: CaseDriver, kind: str, who: Actor, outcome: str, form: dict[str, Any] | None = None
) -> Attempt:
    return completing(case, (await case.task(kind)).task_id, who, outcome, form)


def asking(case: CaseDriver, who: Actor, clock: str, reason: str = "案情复杂") -> Attempt:
    async def attempt() -> TaskView:
        request = ExtensionRequest(actor=who, clock=clock, reason=reason)
        return await case.handle.execute_update(EnforcementCaseWorkflow.request_extension, request)

    return attempt


async def projection(case: CaseDriver, last_seq: int) -> dict[str, list[tuple[Any, ...]]]:
    """The projection rows, once they show the case up to event `last_seq` (bounded wait)."""
    engine = get_engine()
    case_id = (await case.state()).summary.case_id
    for _ in range(POLLS):
        with engine.connect() as conn:
            seq = conn.execute(LAST_SEQ, {"case_id": case_id}).scalar_one_or_none()
            count = conn.execute(EVENT_COUNT, {"case_id": case_id}).scalar_one()
        if seq == count == last_seq:
            return snapshot(engine)
        await asyncio.sleep(POLL)
    raise AssertionError(f"the projection did not reach event {last_seq}")


async def quiet(case: CaseDriver) -> None:
    """Until no document is being issued (their events would change the state meanwhile)."""
    for _ in range(POLLS):
        if not (await case.state()).documents_in_flight:
            return
        await asyncio.sleep(POLL)
    raise AssertionError("documents are still being issued")


async def observed(case: CaseDriver) -> tuple[Any, dict[str, list[tuple[Any, ...]]]]:
    """What a refusal must not change: the workflow's state and the SQL rows."""
    await quiet(case)
    state = await case.state()
    view = (
        state.summary,
        state.open_tasks,
        [d.model_copy(update={"remaining_seconds": None}) for d in state.deadlines],
        state.decision,
        state.events,
    )
    return view, await projection(case, len(state.events))


async def refusal(attempt: Attempt) -> ApplicationError:
    try:
        result = await attempt()
    except WorkflowUpdateFailedError as exc:
        assert isinstance(exc.cause, ApplicationError), exc.cause
        return exc.cause
    raise AssertionError(f"accepted: {result}")


async def refused_without_change(case: CaseDriver, attempt: Attempt, kind: str, *words: str) -> ApplicationError:
    """`attempt` is refused as `kind` with a message containing `words`, and nothing changes."""
    before = await observed(case)
    error = await refusal(attempt)
    assert error.type == kind, f"{error.type}: {error.message}"
    assert error.non_retryable
    for word in words:
        assert word in error.message, f"{word!r} not in {error.message!r}"
    after = await observed(case)
    assert after[0] == before[0], "the workflow state changed"
    assert after[1] == before[1], "the projection changed"
    return error
