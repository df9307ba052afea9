"""`zhifa worker`: SIGTERM lets in-flight activities finish, then the process exits 0.

The worker runs as a real process against a real dev server. It hosts a tiny workflow defined here:
this module doubles as the worker's entry point (`python -m tests.workers.test_worker`).
"""

import asyncio
import os
import signal
import sys
import time
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio import activity, workflow
from temporalio.api.enums.v1 import EventType, TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from core.process_exit import run_and_leave
from core.settings import Settings, get_settings
from tests.workers.conftest import BIN, Running, clean_env, wait_until
from workers.worker import NothingRegistered, needs_thread_pool, run_worker_process, serve

pytestmark = pytest.mark.temporal

MARKER_DIR_ENV = "ZHIFA_TEST_MARKER_DIR"
ACTIVITY_SECONDS = 2.0


@activity.defn
def slow_step(seconds: float) -> str:
    """A synchronous activity (so the worker needs its thread pool) that leaves marker files."""
    markers = Path(os.environ[MARKER_DIR_ENV])
    (markers / "started").touch()
    time.sleep(seconds)
    (markers / "finished").touch()
    return "done"


@workflow.defn(name="SlowWorkflow", sandboxed=False)
class SlowWorkflow:
    @workflow.run
    async def run(self, seconds: float) -> str:
        return await workflow.execute_activity(slow_step, seconds, start_to_close_timeout=timedelta(seconds=60))


@pytest.fixture(scope="module")
async def dev_server() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(BIN / "temporal"), dev_server_log_level="error"
    )
    try:
        yield env
    finally:
        await env.shutdown()


async def test_sigterm_lets_the_in_flight_activity_finish(
    dev_server: WorkflowEnvironment, tmp_path: Path, running: list[Running]
) -> None:
    task_queue = f"test-worker-{uuid.uuid4().hex[:8]}"
    env = clean_env(
        ZHIFA_TEMPORAL_ADDRESS=dev_server.client.service_client.config.target_host,
        ZHIFA_TEMPORAL_NAMESPACE=dev_server.client.namespace,
        ZHIFA_TASK_QUEUE=task_queue,
        ZHIFA_WORKER_GRACEFUL_SHUTDOWN_SECONDS="30",
        ZHIFA_VAR_DIR=str(tmp_path),
        **{MARKER_DIR_ENV: str(tmp_path)},
    )
    worker = Running([sys.executable, "-m", "tests.workers.test_worker"], env)
    running.append(worker)
    worker.wait_for_line("worker polling task queue", timeout=45)

    handle = await dev_server.client.start_workflow(
        "SlowWorkflow", ACTIVITY_SECONDS, id=f"slow-{uuid.uuid4().hex}", task_queue=task_queue
    )
    await asyncio.to_thread(wait_until, lambda: (tmp_path / "started").exists(), 30, "the activity to start")
    worker.popen.send_signal(signal.SIGTERM)

    code = await asyncio.to_thread(worker.wait_exit, 45)
    assert code == 0, worker.output
    assert (tmp_path / "finished").exists(), "the worker exited before its activity finished"
    assert "stop requested" in worker.output and "worker stopped" in worker.output
    history = await handle.fetch_history()
    kinds = [event.event_type for event in history.events]
    assert EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED in kinds, "the result was not reported"


async def test_nothing_registered_is_a_clear_error() -> None:
    with pytest.raises(NothingRegistered, match=r"WORKFLOWS and activities\.registry\.ACTIVITIES are empty"):
        await serve(get_settings(), workflows=[], activities=[])


async def test_nothing_registered_can_idle_until_stopped() -> None:
    stop = asyncio.Event()
    serving = asyncio.create_task(serve(get_settings(), workflows=[], activities=[], stop=stop, idle_if_empty=True))
    await asyncio.sleep(0)
    assert not serving.done()
    stop.set()
    await asyncio.wait_for(serving, 10)


def test_thread_pool_only_for_sync_activities() -> None:
    async def async_step() -> None:
        return None

    assert needs_thread_pool([slow_step])
    assert not needs_thread_pool([async_step])
    assert needs_thread_pool([async_step, slow_step])


if __name__ == "__main__":
    # As `zhifa worker` does: no interpreter finalisation for Temporal's Rust threads to abort.
    run_and_leave(lambda: run_worker_process(Settings(), workflows=[SlowWorkflow], activities=[slow_step]))


async def _activity_pollers(client: Client, queue: str, *, at_least: int = 1, seconds: float = 20) -> int:
    """Activity pollers on ``queue``, once there are ``at_least`` of them or ``seconds`` have passed."""
    request = DescribeTaskQueueRequest(
        namespace=client.namespace,
        task_queue=TaskQueue(name=queue),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    )
    deadline = time.monotonic() + seconds
    while True:
        pollers = len((await client.workflow_service.describe_task_queue(request)).pollers)
        if pollers >= at_least or time.monotonic() > deadline:
            return pollers
        await asyncio.sleep(0.2)


@pytest.mark.parametrize("renders", [1, 0])
async def test_documents_render_on_their_own_queue(dev_server: WorkflowEnvironment, renders: int) -> None:
    """`zhifa worker` serves the documents queue with its own bounded pool (so PDFs never starve the
    case workflows), unless this process is told not to render."""
    from activities.registry import ACTIVITIES

    cases, documents = f"test-cases-{uuid.uuid4().hex[:8]}", f"test-documents-{uuid.uuid4().hex[:8]}"
    settings = get_settings().model_copy(
        update={
            "temporal_address": dev_server.client.service_client.config.target_host,
            "temporal_namespace": dev_server.client.namespace,
            "task_queue": cases,
            "documents_task_queue": documents,
            "document_render_concurrency": renders,
        }
    )
    stop = asyncio.Event()
    serving = asyncio.create_task(serve(settings, workflows=[], activities=ACTIVITIES, stop=stop))
    try:
        assert await _activity_pollers(dev_server.client, cases) >= 1
        if renders:
            assert await _activity_pollers(dev_server.client, documents) >= 1
        else:
            assert await _activity_pollers(dev_server.client, documents, seconds=2) == 0
    finally:
        stop.set()
        await asyncio.wait_for(serving, 30)
