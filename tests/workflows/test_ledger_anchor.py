"""The anchoring round as Temporal runs it: LedgerAnchorWorkflow + the real activity against the real
PostgreSQL log, anchoring on the Fabric backend through the in-process Gateway (real protocol, real
chaincode), retries while the chain is down, and the Schedule on a real dev server."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlmodel import Session
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.ledger import anchor_tree_head
from core.db import make_engine, migrate
from core.ledger_schedule import SCHEDULE_ID, ensure_anchor_schedule, trigger_if_due
from core.settings import Settings
from ledger.fabric import fabric_backend
from ledger.leaves import Leaf
from ledger.service import get_ledger
from ledger.store import Entry
from tests.ledger.fabric_network import FabricNetwork, fabric_network
from workflows.ledger_anchor import LedgerAnchorWorkflow
from workflows.ledger_model import AnchorSummary
from workflows.sandbox import WORKFLOW_RUNNER

T0 = dt.datetime(2026, 11, 26, 8, tzinfo=dt.UTC)


@pytest.fixture
def network(tmp_path: Path) -> Iterator[FabricNetwork]:
    with fabric_network(tmp_path, tls=False) as running:
        yield running


@pytest.fixture
def settings(pg_schema_url: str, tmp_path: Path, network: FabricNetwork, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The worker's configuration: the fresh schema, a key of its own, the Fabric backend."""
    migrate(pg_schema_url)
    configured = network.settings.model_copy(update={"database_url": pg_schema_url, "var_dir": tmp_path / "var"})
    monkeypatch.setattr("activities.ledger.get_settings", lambda: configured)
    monkeypatch.setattr("activities.ledger.get_engine", lambda: make_engine(pg_schema_url))
    return configured


def record(settings: Settings, count: int, start: int = 0) -> None:
    engine = make_engine(settings.effective_database_url)
    entries = []
    for n in range(start, start + count):
        digest = hashlib.sha256(b"%d" % n).hexdigest()
        entries.append(Entry(f"evidence/{n}", Leaf("photo", digest, n, "C-1", T0, T0)))
    with Session(engine) as session:
        get_ledger(settings).record(session, entries)
        session.commit()
    engine.dispose()


@pytest.fixture
async def client(time_skipping_env: WorkflowEnvironment) -> AsyncIterator[Client]:
    config = time_skipping_env.client.config()
    config["data_converter"] = pydantic_data_converter
    yield Client(**config)


@asynccontextmanager
async def anchoring_worker(client: Client) -> AsyncIterator[str]:
    """A worker of the anchoring workflow and activity on a queue of its own (its name)."""
    queue = f"anchor-{uuid.uuid4().hex[:8]}"
    async with Worker(
        client, task_queue=queue, workflows=[LedgerAnchorWorkflow], activities=[anchor_tree_head],
        workflow_runner=WORKFLOW_RUNNER,
    ):  # fmt: skip
        yield queue


async def test_a_round_anchors_the_current_head_on_fabric(client: Client, settings: Settings) -> None:
    record(settings, 37)
    async with anchoring_worker(client) as queue:
        summary = await client.execute_workflow(LedgerAnchorWorkflow.run, id=f"anchor-{uuid.uuid4()}", task_queue=queue)
        assert isinstance(summary, AnchorSummary)
        assert (summary.backend, summary.tree_size, summary.new_leaves) == ("fabric", 37, 37)
        assert summary.block is not None and summary.tx_id
        on_chain = fabric_backend(settings).get_anchor(settings.ledger_log_id, 37)
        assert (
            on_chain is not None and on_chain["root_hash"] == summary.root_hash and on_chain["tx_id"] == summary.tx_id
        )
        nothing = await client.execute_workflow(LedgerAnchorWorkflow.run, id=f"anchor-{uuid.uuid4()}", task_queue=queue)
        assert nothing is None  # nothing recorded since: no transaction


async def test_a_chain_that_is_down_is_retried_and_intake_goes_on(
    client: Client, settings: Settings, network: FabricNetwork, time_skipping_env: WorkflowEnvironment
) -> None:
    record(settings, 5)
    network.gateway.stop()
    async with anchoring_worker(client) as queue:
        handle = await client.start_workflow(LedgerAnchorWorkflow.run, id=f"anchor-{uuid.uuid4()}", task_queue=queue)
        for _ in range(100):
            pending = (await handle.describe()).raw_description.pending_activities
            if pending and pending[0].attempt >= 2:
                break
            await time_skipping_env.sleep(dt.timedelta(seconds=5))
        else:
            pytest.fail("the anchoring activity was not retried")
        assert "anchor" in pending[0].last_failure.message.lower()
        record(settings, 3, start=5)  # recording never waits for the chain
        assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING
        await handle.terminate("test over")


async def test_the_schedule_is_created_once_and_follows_the_settings(dev_server_env: WorkflowEnvironment) -> None:
    client = dev_server_env.client
    queue = f"zhifa-{uuid.uuid4().hex[:8]}"
    first = Settings(task_queue=queue, ledger_anchor_every_seconds=300, ledger_anchor_every_leaves=10)
    try:
        await ensure_anchor_schedule(client, first)
        await ensure_anchor_schedule(client, first)  # a second worker starting: no error, no change
        handle = client.get_schedule_handle(SCHEDULE_ID)
        described = await handle.describe()
        assert described.schedule.spec.intervals[0].every == dt.timedelta(seconds=300)
        await ensure_anchor_schedule(client, first.model_copy(update={"ledger_anchor_every_seconds": 60}))
        described = await handle.describe()
        assert described.schedule.spec.intervals[0].every == dt.timedelta(seconds=60)
        assert not await trigger_if_due(client, first, pending_leaves=9)
        before = described.info.num_actions
        assert await trigger_if_due(client, first, pending_leaves=10)
        for _ in range(50):  # the trigger starts a round now (no worker here: it waits on the queue)
            if (await handle.describe()).info.num_actions > before:
                break
            await asyncio.sleep(0.1)
        else:
            pytest.fail("the trigger started no round")
    finally:
        await client.get_schedule_handle(SCHEDULE_ID).delete()
