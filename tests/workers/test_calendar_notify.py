"""`zhifa calendar load` tells running cases: visibility finds them on a real dev server."""

import asyncio
import datetime as dt
import uuid

from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from rules.calendar import SHANGHAI, CalendarOverride
from workers.calendar_notify import notify_running
from workflows.deadline_watch import DeadlineWatchWorkflow, WatchInput
from workflows.sandbox import WORKFLOW_RUNNER
from workflows.statutory_clock import ClockSpec


async def _wait_visible(client: Client, ids: set[str]) -> None:
    query = "ExecutionStatus = 'Running' AND WorkflowType = 'DeadlineWatchWorkflow'"
    for _ in range(100):  # visibility is eventually consistent; bounded wait
        seen = {w.id async for w in client.list_workflows(query)}
        if ids <= seen:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"workflows {ids - seen} never became visible")


async def test_every_running_watch_recomputes_after_a_schedule_is_published(
    dev_server_env: WorkflowEnvironment,
) -> None:
    client = dev_server_env.client
    queue = f"notify-{uuid.uuid4()}"
    start = dt.datetime(2026, 12, 28, 10, tzinfo=SHANGHAI)
    async with Worker(client, task_queue=queue, workflows=[DeadlineWatchWorkflow], workflow_runner=WORKFLOW_RUNNER):
        handles = [
            await client.start_workflow(
                DeadlineWatchWorkflow.run,
                WatchInput(subject=f"case {n}", clock=ClockSpec(code="T07", start=start)),
                id=f"watch-{uuid.uuid4()}",
                task_queue=queue,
            )
            for n in range(2)
        ]
        await _wait_visible(client, {h.id for h in handles})
        schedule = CalendarOverride(year=2027, source="test", holidays=(dt.date(2027, 1, 1), dt.date(2027, 1, 4)))
        told = await notify_running(client, [schedule])
        assert told >= 2
        for handle in handles:
            state = await handle.query(DeadlineWatchWorkflow.state)
            assert (state.deadline.last_day, state.deadline.provisional) == (dt.date(2027, 1, 6), False)
            await handle.terminate("test over")
