"""A time-skipping Temporal server and one worker on it, as the workflow tests start them: the pydantic data
converter, the production sandbox, activities on a small thread pool."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from tests.conftest import BIN
from workflows.sandbox import WORKFLOW_RUNNER


@asynccontextmanager
async def time_skipping_worker(
    task_queue: str, workflows: Sequence[type], activities: Sequence[Callable[..., Any]]
) -> AsyncIterator[tuple[WorkflowEnvironment, Client]]:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(Path(BIN) / "temporal-test-server")
    )
    config = env.client.config()
    config["data_converter"] = pydantic_data_converter
    client = Client(**config)
    try:
        with ThreadPoolExecutor(4) as executor:
            async with Worker(
                client,
                task_queue=task_queue,
                workflows=workflows,
                activities=activities,
                activity_executor=executor,
                workflow_runner=WORKFLOW_RUNNER,
            ):
                yield env, client
    finally:
        await env.shutdown()
