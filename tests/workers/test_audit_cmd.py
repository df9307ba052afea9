"""`zhifa audit replay`, driven through the Typer app against a real Temporal dev server: a case
workflow run by a real worker (projections into a fresh PostgreSQL schema) replays OK; a history
written by other code under the case workflow's name fails; an unknown id is reported.

The command runs `asyncio.run` itself, so each invocation runs in a thread of its own, away from
the test's event loop (which hosts the workers).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from temporalio import workflow
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from activities.registry import ACTIVITIES
from core.db import dispose_engines, migrate
from core.settings import get_settings
from rules.startup import load_rules
from tests.workers.conftest import free_port
from tests.workers.test_history_cmd import output_of, zhifa
from tests.workflows.case import forms
from tests.workflows.case.driver import OFFICER1, CaseDriver, case_input
from workflows.case.model import CaseInput
from workflows.case.workflow import EnforcementCaseWorkflow
from workflows.registry import WORKFLOWS
from workflows.sandbox import WORKFLOW_RUNNER

Point = Callable[[str, str], None]


@workflow.defn(name="EnforcementCaseWorkflow", sandboxed=False)
class RewrittenCaseWorkflow:
    """Other code under the case workflow's name: it ends at once, where the real one opens a task."""

    @workflow.run
    async def run(self, case: CaseInput) -> None:
        workflow.logger.info("case %s: nothing to do", case.case_id)


@pytest.fixture
def temporal_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[Point]:
    """Point the configured Temporal address and namespace somewhere for this test."""

    def point(address: str, namespace: str) -> None:
        monkeypatch.setenv("ZHIFA_TEMPORAL_ADDRESS", address)
        monkeypatch.setenv("ZHIFA_TEMPORAL_NAMESPACE", namespace)
        get_settings.cache_clear()

    yield point
    get_settings.cache_clear()


def _target(env: WorkflowEnvironment) -> str:
    return env.client.service_client.config.target_host


@pytest.fixture
async def verified_case(
    dev_server_env: WorkflowEnvironment, pg_schema_url: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[str]:
    """A case on the dev server whose lead officer1 verified: the worker and its projections stay up."""
    migrate(pg_schema_url)
    monkeypatch.setenv("ZHIFA_DATABASE_URL", pg_schema_url)
    get_settings.cache_clear()
    load_rules()
    client, queue = dev_server_env.client, f"audit-{uuid.uuid4().hex[:8]}"
    case = case_input(dt.datetime.now(dt.UTC))
    try:
        with ThreadPoolExecutor(4) as executor:
            async with Worker(
                client,
                task_queue=queue,
                workflows=WORKFLOWS,
                activities=ACTIVITIES,
                activity_executor=executor,
                workflow_runner=WORKFLOW_RUNNER,
            ):
                handle = await client.start_workflow(
                    EnforcementCaseWorkflow.run, case, id=case.case_id, task_queue=queue
                )
                driver = CaseDriver(dev_server_env, handle)
                await driver.complete("verify_lead", OFFICER1, "established", forms.established(case.lead_received_at))
                await driver.task("approve_filing")
                yield case.case_id
    finally:
        dispose_engines()
        get_settings.cache_clear()


async def _listed(client: Client, query: str, case_id: str) -> None:
    """Wait until Temporal's visibility store lists the case (it is updated asynchronously)."""
    for _ in range(100):
        if [w async for w in client.list_workflows(query) if w.id == case_id]:
            return
        await asyncio.sleep(0.1)
    pytest.fail(f"{case_id} never matched {query}")


async def test_named_cases_replay_and_an_unknown_one_fails(
    dev_server_env: WorkflowEnvironment, verified_case: str, temporal_settings: Point
) -> None:
    temporal_settings(_target(dev_server_env), dev_server_env.client.namespace)

    result = await zhifa("audit", "replay", verified_case)
    assert result.exit_code == 0, output_of(result)
    assert f"OK      {verified_case}  EnforcementCaseWorkflow run " in result.stdout
    assert "1 of 1 replayed OK" in result.stdout
    assert "replaying" in result.stderr and "1/1" in result.stderr  # the progress bar

    unknown = await zhifa("audit", "replay", verified_case, "no-such-case")
    assert unknown.exit_code == 1, output_of(unknown)
    assert "FAILED  no-such-case  Temporal holds no history for case no-such-case" in unknown.stdout
    assert "1 of 2 replayed OK" in unknown.stdout


async def test_all_and_query_select_the_case_workflows(
    dev_server_env: WorkflowEnvironment, verified_case: str, temporal_settings: Point
) -> None:
    temporal_settings(_target(dev_server_env), dev_server_env.client.namespace)
    query = f"WorkflowId = '{verified_case}'"
    await _listed(dev_server_env.client, query, verified_case)

    narrowed = await zhifa("audit", "replay", "--query", query)
    assert narrowed.exit_code == 0, output_of(narrowed)
    assert [line.split()[1] for line in narrowed.stdout.splitlines() if line.startswith("OK")] == [verified_case]
    assert "1 of 1 replayed OK" in narrowed.stdout

    everything = await zhifa("audit", "replay", "--all")  # every case of the test session: all replay
    assert everything.exit_code == 0, output_of(everything)
    assert f"OK      {verified_case}  " in everything.stdout
    assert "FAILED" not in everything.stdout


async def test_a_history_the_current_code_does_not_reproduce_fails(
    dev_server_env: WorkflowEnvironment, temporal_settings: Point
) -> None:
    # Another namespace, so that `--all` in the session's own namespace meets only good histories.
    config = dev_server_env.client.config()
    config["namespace"] = "default"
    client = Client(**config)
    queue, case = f"rewritten-{uuid.uuid4().hex[:8]}", case_input(dt.datetime.now(dt.UTC))
    async with Worker(
        client, task_queue=queue, workflows=[RewrittenCaseWorkflow], workflow_runner=UnsandboxedWorkflowRunner()
    ):
        await client.execute_workflow(RewrittenCaseWorkflow.run, case, id=case.case_id, task_queue=queue)
    temporal_settings(_target(dev_server_env), "default")

    result = await zhifa("audit", "replay", case.case_id)

    assert result.exit_code == 1, output_of(result)
    [failed] = [line for line in result.stdout.splitlines() if line.startswith("FAILED")]
    assert failed.startswith(f"FAILED  {case.case_id}  ") and "Nondeterminism" in failed, failed
    assert "0 of 1 replayed OK" in result.stdout


@pytest.mark.parametrize(
    "args",
    [[], ["case-1", "--all"], ["--all", "--query", "WorkflowId = 'x'"], ["case-1", "--query", "WorkflowId = 'x'"]],
    ids=["none", "ids-and-all", "all-and-query", "ids-and-query"],
)
async def test_exactly_one_selection_is_required(args: list[str]) -> None:
    result = await zhifa("audit", "replay", *args)
    assert result.exit_code == 2, output_of(result)
    assert "exactly one of them" in result.output


async def test_an_invalid_query_is_refused(dev_server_env: WorkflowEnvironment, temporal_settings: Point) -> None:
    temporal_settings(_target(dev_server_env), dev_server_env.client.namespace)
    result = await zhifa("audit", "replay", "--query", "WorkflowId ===")
    assert result.exit_code == 2, output_of(result)
    assert "Temporal refused the query" in result.output


async def test_without_temporal_it_fails(temporal_settings: Point) -> None:
    address = f"127.0.0.1:{free_port()}"
    temporal_settings(address, "zhifa")
    result = await zhifa("audit", "replay", "case-1")
    assert result.exit_code == 1, output_of(result)
    assert f"cannot reach Temporal (namespace zhifa at {address})" in result.output
