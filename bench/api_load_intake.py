"""Part 3 of bench/api_load.py, the intake burst: cases opened through POST /api/v1/cases, a fixed number at
once, against bare workflow starts that, like the API, wait until the new workflow answers.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from temporalio.client import Client, WithStartWorkflowOperation, WorkflowQueryFailedError
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.service import RPCError, RPCStatusCode

from bench import cpu
from bench.api_load_backends import ApiBackend, Refused, short_error
from bench.api_load_config import INTAKE_CASES, INTAKE_CONCURRENCY, INTAKE_ROUNDS, TARGET_INTAKE_RATIO
from bench.bare_workflow import BareUpdatesWorkflow
from bench.cases import _pct
from bench.stack import QUEUE


async def _burst(one: Callable[[], Awaitable[None]]) -> tuple[float, list[float], Counter[str]]:
    gate = asyncio.Semaphore(INTAKE_CONCURRENCY)
    latencies: list[float] = []
    errors: Counter[str] = Counter()

    async def timed() -> None:
        async with gate:
            begin = time.perf_counter()
            try:
                await one()
            except Exception as exc:
                errors[short_error(exc)] += 1
                return
            latencies.append(time.perf_counter() - begin)

    begin = time.perf_counter()
    await asyncio.gather(*(timed() for _ in range(INTAKE_CASES)))
    return time.perf_counter() - begin, latencies, errors


START_ATTEMPTS, START_POLL_SECONDS = 100, 0.05


async def _bare_start(client: Client) -> None:
    """A bare workflow start and the first query it answers (the intake's calls until it moved to
    Update-with-start): polled every START_POLL_SECONDS while the first workflow task has not run."""
    handle = await client.start_workflow(BareUpdatesWorkflow.run, 1, id=f"bare-{uuid.uuid4()}", task_queue=QUEUE)
    for _ in range(START_ATTEMPTS):
        try:
            await handle.query(BareUpdatesWorkflow.progress)
            return
        except RPCError as exc:
            if exc.status != RPCStatusCode.FAILED_PRECONDITION:
                raise
        except WorkflowQueryFailedError:
            pass
        await asyncio.sleep(START_POLL_SECONDS)
    raise Refused("the bare workflow never answered its first query")


async def _bare_update_with_start(client: Client) -> None:
    """A bare workflow started with its first Update in one call: what the intake's gateway now asks."""
    start = WithStartWorkflowOperation(
        BareUpdatesWorkflow.run,
        1,
        id=f"bare-{uuid.uuid4()}",
        task_queue=QUEUE,
        id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
    )
    await client.execute_update_with_start_workflow(BareUpdatesWorkflow.step, 0, start_workflow_operation=start)


async def run_intake(client: Client, api: ApiBackend) -> dict[str, float]:
    print(
        f"\n3. intake burst: {INTAKE_CASES} cases, {INTAKE_CONCURRENCY} at once, {INTAKE_ROUNDS} rounds; "
        "floors: bare workflow start + first query; bare Update-with-start (what the API now sends)"
    )
    print(f"{'round':<7}{'variant':<36}{'wall s':>8}{'starts/s':>9}{'p50 ms':>8}{'p99 ms':>8}{'ratio':>8}")
    variants: list[tuple[str, Callable[[], Awaitable[Any]]]] = [
        ("bare workflow start (floor)", lambda: _bare_start(client)),
        ("bare Update-with-start (floor 2)", lambda: _bare_update_with_start(client)),
        ("POST /api/v1/cases", api.open_case),
    ]
    totals: dict[str, tuple[float, int]] = {}
    for n in range(1, INTAKE_ROUNDS + 1):
        rates = []
        for name, one in variants:
            before = cpu.snapshot()
            wall, latencies, errors = await _burst(one)
            used = cpu.spent(before, cpu.snapshot())
            rates.append(len(latencies) / wall)
            shown = f"{rates[-1] / max(rates[:-1]):>7.2f}x" if len(rates) == len(variants) else ""
            print(
                f"{n:<7}{name:<36}{wall:>8.2f}{rates[-1]:>9.2f}{_pct(latencies, 50):>8.1f}"
                f"{_pct(latencies, 99):>8.1f}{shown}"
            )
            print("        " + cpu.describe(used, wall, len(latencies)))
            if errors:
                print("        errors: " + "; ".join(f"{k} x {e}" for e, k in errors.most_common(4)))
            wall_sum, done = totals.get(name, (0.0, 0))
            totals[name] = (wall_sum + wall, done + len(latencies))
    floor_rate, floor2_rate, api_rate = (totals[name][1] / totals[name][0] for name, _ in variants)
    intake_ratio = api_rate / max(floor_rate, floor2_rate)  # against the faster floor
    print(
        f"all rounds: floors {floor_rate:.2f} (start + query) and {floor2_rate:.2f} (Update-with-start) "
        f"starts/s, API {api_rate:.2f} cases/s; ratio to the faster floor {intake_ratio:.2f}x; "
        f"target >= {TARGET_INTAKE_RATIO}x: {'met' if intake_ratio >= TARGET_INTAKE_RATIO else 'NOT met'}"
    )
    return {"ratio": intake_ratio}
