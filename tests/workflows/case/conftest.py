"""A time-skipping Temporal server per test, a worker hosting the case workflow with the real
projection and document activities, and the real PostgreSQL (a fresh schema, with the demo
jurisdictions the documents are issued by) behind it; issued documents go to a LocalDirStore in a
temporary folder. The document activity renders with `case_renderer`: the quick renderer here, the
real one where a module overrides the fixture (test_documents.py)."""

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from activities.documents import RenderDocument
from core.db import dispose_engines, get_engine, migrate
from core.seed import seed_jurisdictions
from core.settings import get_settings
from rules.startup import load_rules
from tests.workflows.case.documents_support import activities_with, quick_render
from tests.workflows.case.driver import CaseDriver
from tests.workflows.worker_env import time_skipping_worker
from workflows.case.model import CaseInput
from workflows.case.workflow import EnforcementCaseWorkflow

TASK_QUEUE = "test-cases"


@pytest.fixture
def case_renderer() -> RenderDocument:
    return quick_render


@pytest.fixture
def case_db(pg_schema_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """The activities write to a fresh, migrated PostgreSQL schema and a document store in tmp_path."""
    migrate(pg_schema_url)
    seed_jurisdictions(get_engine(pg_schema_url))
    monkeypatch.setenv("ZHIFA_DATABASE_URL", pg_schema_url)
    monkeypatch.setenv("ZHIFA_DOCUMENT_DIR", str(tmp_path / "documents"))
    monkeypatch.setenv("ZHIFA_VAR_DIR", str(tmp_path / "var"))  # the ledger key of these cases alone
    get_settings.cache_clear()
    load_rules()  # as the worker does at start-up: nothing is read from disk inside a workflow
    try:
        yield pg_schema_url
    finally:
        dispose_engines()
        get_settings.cache_clear()


@pytest.fixture
async def case_env(case_db: str, case_renderer: RenderDocument) -> AsyncIterator[tuple[WorkflowEnvironment, Client]]:
    async with time_skipping_worker(TASK_QUEUE, [EnforcementCaseWorkflow], activities_with(case_renderer)) as env:
        yield env


@pytest.fixture
def start_case(case_env: tuple[WorkflowEnvironment, Client]) -> Any:
    env, client = case_env

    async def start(case: CaseInput) -> CaseDriver:
        handle = await client.start_workflow(
            EnforcementCaseWorkflow.run, case, id=f"{case.case_id}-{uuid.uuid4().hex[:4]}", task_queue=TASK_QUEUE
        )
        return CaseDriver(env, handle)

    return start
