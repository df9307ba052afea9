"""``project_case`` inside a real Temporal worker (time-skipping server), against the configured database."""

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio.client import Client, WorkflowFailureError
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.registry import ACTIVITIES
from core.case_tables import CaseRecord, CaseTask
from core.db import dispose_engines
from core.settings import get_settings
from tests.activities.conftest import snapshot
from tests.activities.factories import filed, opened, summary, task, verified
from tests.activities.projection_workflow import ProjectBatchesWorkflow
from workflows.case.model import ProjectionBatch
from workflows.sandbox import WORKFLOW_RUNNER

pytestmark = pytest.mark.temporal
TASK_QUEUE = "test-projections"


@pytest.fixture
def configured_db(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Point the process's settings (what ``get_engine()`` reads) at the test database."""
    monkeypatch.setenv("ZHIFA_DATABASE_URL", db_url)
    get_settings.cache_clear()
    try:
        yield db_url
    finally:
        dispose_engines()
        get_settings.cache_clear()


async def _run(env: WorkflowEnvironment, batches: list[ProjectionBatch]) -> int:
    config = env.client.config()
    config["data_converter"] = pydantic_data_converter
    client = Client(**config)
    with ThreadPoolExecutor(4) as executor:
        async with Worker(
            client,
            task_queue=TASK_QUEUE,
            workflows=[ProjectBatchesWorkflow],
            activities=ACTIVITIES,
            activity_executor=executor,
            workflow_runner=WORKFLOW_RUNNER,
        ):
            result: int = await client.execute_workflow(
                ProjectBatchesWorkflow.run, batches, id=f"project-{uuid.uuid4()}", task_queue=TASK_QUEUE
            )
            return result


async def test_the_activity_projects_through_a_worker(
    time_skipping_env: WorkflowEnvironment, configured_db: str, engine: Engine
) -> None:
    # In order, then a stale retry and a duplicate: the rows equal a single in-order application.
    assert await _run(time_skipping_env, [opened(), verified(), filed(), verified(), filed()]) == 5
    with Session(engine) as session:
        case = session.get(CaseRecord, "C-1")
        assert case is not None and (case.stage, case.last_seq) == ("investigation", 4)
        statuses = {t.task_id: t.status for t in session.exec(select(CaseTask)).all()}
        assert statuses == {"C-1/verify": "completed", "C-1/filing": "completed"}
    before = snapshot(engine)
    await _run(time_skipping_env, [opened(), filed()])
    assert snapshot(engine) == before


async def test_a_malformed_batch_fails_without_retrying(
    time_skipping_env: WorkflowEnvironment, configured_db: str, engine: Engine
) -> None:
    stray = ProjectionBatch(case=summary(), tasks=[task("C-9/verify", case_id="C-9")])
    with pytest.raises(WorkflowFailureError) as failure:
        await _run(time_skipping_env, [stray])
    activity_error = failure.value.cause
    assert isinstance(activity_error, ActivityError)
    cause = activity_error.cause
    assert isinstance(cause, ApplicationError)
    assert (cause.type, cause.non_retryable) == ("MalformedProjectionBatch", True)
    assert all(rows == [] for rows in snapshot(engine).values())
