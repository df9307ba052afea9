"""DeadlineWatchWorkflow on the time-skipping server: the timer fires at the statutory instant,
a published holiday schedule recomputes a provisional deadline, and the history replays."""

import datetime as dt
import uuid
from collections.abc import AsyncIterator

import pytest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

from rules.calendar import SHANGHAI, CalendarOverride
from tests.conftest import BIN
from workflows.deadline_watch import DeadlineWatchWorkflow, WatchInput, WatchState
from workflows.sandbox import WORKFLOW_RUNNER
from workflows.statutory_clock import CALENDAR_UPDATED_SIGNAL, ClockSpec

TASK_QUEUE = "test-deadline-watch"


@pytest.fixture
async def own_env() -> AsyncIterator[WorkflowEnvironment]:
    """A server of this test's own: its clock starts at today, whatever other tests skipped to."""
    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=str(BIN / "temporal-test-server"))
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture
async def client(own_env: WorkflowEnvironment) -> AsyncIterator[Client]:
    config = own_env.client.config()
    config["data_converter"] = pydantic_data_converter
    client = Client(**config)
    async with Worker(
        client, task_queue=TASK_QUEUE, workflows=[DeadlineWatchWorkflow], workflow_runner=WORKFLOW_RUNNER
    ):
        yield client


def watch(code: str, start: dt.datetime, **clock: object) -> WatchInput:
    return WatchInput(subject="test", clock=ClockSpec(code=code, start=start, **clock))


async def test_a_provisional_deadline_is_recomputed_when_the_schedule_is_published(client: Client) -> None:
    # Served 28 Dec 2026: the 5 WD statement period (T07) runs into 2027, which has no official data.
    start = dt.datetime(2026, 12, 28, 10, tzinfo=SHANGHAI)
    handle = await client.start_workflow(
        DeadlineWatchWorkflow.run, watch("T07", start), id=f"watch-{uuid.uuid4()}", task_queue=TASK_QUEUE
    )
    before = await handle.query(DeadlineWatchWorkflow.state)
    assert before.deadline.provisional
    assert before.deadline.last_day == dt.date(2027, 1, 5)

    schedule = CalendarOverride(year=2027, source="test schedule", holidays=(dt.date(2027, 1, 1), dt.date(2027, 1, 4)))
    await handle.signal(CALENDAR_UPDATED_SIGNAL, [schedule])
    after = await handle.query(DeadlineWatchWorkflow.state)
    assert (after.deadline.last_day, after.deadline.provisional) == (dt.date(2027, 1, 6), False)
    assert [h.reason for h in after.history] == ["started", "calendar 2027"]

    result: WatchState = await handle.result()  # the server skips time to the deadline
    assert result.outcome == "deemed_waived"

    history = await handle.fetch_history()
    await Replayer(workflows=[DeadlineWatchWorkflow], data_converter=pydantic_data_converter).replay_workflow(history)


async def test_the_timer_fires_at_the_statutory_instant(client: Client, own_env: WorkflowEnvironment) -> None:
    start = await own_env.get_current_time()
    handle = await client.start_workflow(
        DeadlineWatchWorkflow.run, watch("T05", start), id=f"watch-{uuid.uuid4()}", task_queue=TASK_QUEUE
    )
    result = await handle.result()
    assert result.outcome == "release"  # T05: not approved within 24 h → release
    assert await own_env.get_current_time() >= start + dt.timedelta(hours=24)


async def test_the_act_done_in_time_stops_the_clock(client: Client) -> None:
    start = dt.datetime.now(SHANGHAI)
    handle = await client.start_workflow(
        DeadlineWatchWorkflow.run, watch("T06", start), id=f"watch-{uuid.uuid4()}", task_queue=TASK_QUEUE
    )
    await handle.signal(DeadlineWatchWorkflow.met)
    assert (await handle.result()).outcome == "met"


async def test_a_deadline_already_past_expires_at_once(client: Client) -> None:
    handle = await client.start_workflow(
        DeadlineWatchWorkflow.run,
        watch("T07", dt.datetime(2026, 1, 5, 9, tzinfo=SHANGHAI)),
        id=f"watch-{uuid.uuid4()}",
        task_queue=TASK_QUEUE,
    )
    assert (await handle.result()).outcome == "deemed_waived"
