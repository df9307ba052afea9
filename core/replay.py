"""Replaying workflow histories against the current workflow code: the one implementation behind
`zhifa history replay` (saved files), `zhifa audit replay` and `POST /api/v1/audit/replay` (cases
fetched from the configured Temporal server).

A replay runs the history through the worker's own registry (`workflows.registry.WORKFLOWS`),
sandbox (`workflows.sandbox.WORKFLOW_RUNNER`) and the pydantic data converter: OK means this code
reproduces every decision the history records; a failure (a nondeterminism error, typically) means
a change to running workflow logic that needs `workflow.patched`.

Cases are replayed off the caller's event loop: each history is fetched on the caller's loop (the
client belongs to it) and replayed in a worker thread with a loop of its own, a few at a time, so
an API process keeps answering other requests while an auditor's batch runs.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from temporalio.client import Client, WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.runtime import Runtime, TelemetryConfig
from temporalio.service import RPCError, RPCStatusCode
from temporalio.worker import Replayer

from rules.startup import load_rules
from workflows.registry import WORKFLOWS
from workflows.sandbox import WORKFLOW_RUNNER

CASE_WORKFLOW_TYPE = "EnforcementCaseWorkflow"
ALL_CASES_QUERY = f"WorkflowType = '{CASE_WORKFLOW_TYPE}'"
REPLAY_CONCURRENCY = 4  # histories replayed at once (each in a thread of its own)

# The SDK logs every failed workflow task it meets while replaying (Python loggers and, through
# the Rust core, the console); the replay result carries the same failure, which the callers
# report once per history, so replays run quietly.
SDK_WORKER_LOGGERS = ("temporalio.worker._workflow", "temporalio.worker._workflow_instance")
# What a failed workflow task says, inside the core's `Failure { … message: "…" … }` rendering.
_CORE_MESSAGE = re.compile(r'message: "((?:[^"\\]|\\.)*)"')

_runtime_lock = threading.Lock()
_quiet_runtime: Runtime | None = None
_quiet_lock = threading.Lock()
_quiet_depth = 0
_quiet_saved: list[int] = []


def quiet_runtime() -> Runtime:
    """A Temporal runtime whose core does not log to the console (made once per process)."""
    global _quiet_runtime
    with _runtime_lock:
        if _quiet_runtime is None:
            _quiet_runtime = Runtime(telemetry=TelemetryConfig(logging=None))
        return _quiet_runtime


def make_replayer(runtime: Runtime | None = None) -> Replayer:
    """The worker's registry, sandbox and data converter: a replay sees exactly what a worker runs."""
    return Replayer(
        workflows=WORKFLOWS, data_converter=pydantic_data_converter, workflow_runner=WORKFLOW_RUNNER, runtime=runtime
    )


@contextmanager
def quiet_sdk_logs() -> Iterator[None]:
    """Silence the SDK's workflow-task loggers while any replay runs (replays may overlap, in
    several threads: the first one in saves the levels, the last one out restores them)."""
    global _quiet_depth
    loggers = [logging.getLogger(name) for name in SDK_WORKER_LOGGERS]
    with _quiet_lock:
        if _quiet_depth == 0:
            _quiet_saved[:] = [logger.level for logger in loggers]
            for logger in loggers:
                logger.setLevel(logging.CRITICAL)
        _quiet_depth += 1
    try:
        yield
    finally:
        with _quiet_lock:
            _quiet_depth -= 1
            if _quiet_depth == 0:
                for logger, level in zip(loggers, _quiet_saved, strict=True):
                    logger.setLevel(level)


def describe_failure(exc: BaseException) -> str:
    """One line: the exception type and what the failed workflow task said."""
    text = str(exc).strip()
    found = _CORE_MESSAGE.search(text)
    if found:  # the core's rendering of a failed activation: keep its message, not the stack trace
        try:
            text = json.loads(f'"{found.group(1)}"')  # Rust's string escapes, close enough to JSON's
        except json.JSONDecodeError:
            text = found.group(1)
    return f"{type(exc).__name__}: {text or '(no message)'}"


async def replay_history(replayer: Replayer, history: WorkflowHistory) -> str | None:
    """Replay one history; None when it replays, else the one-line reason it does not."""
    try:
        with quiet_sdk_logs():
            result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    except Exception as exc:  # a history the SDK cannot even feed to a worker
        return describe_failure(exc)
    return describe_failure(result.replay_failure) if result.replay_failure is not None else None


def replay_history_blocking(history: WorkflowHistory) -> str | None:
    """`replay_history` on an event loop of its own: for a worker thread."""
    return asyncio.run(replay_history(make_replayer(quiet_runtime()), history))


@dataclass(frozen=True)
class CaseReplay:
    """The replay of one case's history as fetched from Temporal."""

    case_id: str
    error: str | None = None
    found: bool = True  # False: no history to replay (unknown case, not visible, or past retention)
    run_id: str | None = None
    workflow_type: str | None = None
    events: int = 0

    @property
    def ok(self) -> bool:
        return self.error is None


def not_found(case_id: str, why: str) -> CaseReplay:
    return CaseReplay(case_id, error=why, found=False)


def case_query(query: str | None) -> str:
    """The visibility query for case workflows, narrowed by `query` when one is given."""
    return ALL_CASES_QUERY if query is None else f"{ALL_CASES_QUERY} AND ({query})"


class TooManyMatches(Exception):
    """A visibility query matched more workflows than the caller may replay at once."""

    def __init__(self, query: str, limit: int) -> None:
        super().__init__(f"the query matches more than {limit} cases: {query}")
        self.query = query
        self.limit = limit


async def query_case_ids(client: Client, query: str, *, limit: int | None = None) -> list[str]:
    """Workflow ids matching the visibility `query`, each once, in the order listed.

    Raises `TooManyMatches` above `limit`; an invalid query raises Temporal's `RPCError`
    (status INVALID_ARGUMENT)."""
    ids: dict[str, None] = {}
    async for execution in client.list_workflows(query, limit=None if limit is None else limit + 1):
        ids.setdefault(execution.id, None)
        if limit is not None and len(ids) > limit:
            raise TooManyMatches(query, limit)
    return list(ids)


async def fetch_case_history(client: Client, case_id: str) -> WorkflowHistory | None:
    """The case's history (its latest run), or None when Temporal holds none. Other RPC errors
    (Temporal unreachable, refused) propagate: they are not a fact about the case."""
    try:
        return await client.get_workflow_handle(case_id).fetch_history()
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            return None
        raise


async def replay_cases(
    client: Client,
    case_ids: Sequence[str],
    *,
    on_result: Callable[[CaseReplay], None] | None = None,
    concurrency: int = REPLAY_CONCURRENCY,
) -> list[CaseReplay]:
    """Fetch each case's history and replay it against the current code; one result per id, in
    order. `on_result` is called (on the caller's loop) as each one finishes, in any order."""
    load_rules()  # as the worker does at start-up: workflow code reads no files
    gate = asyncio.Semaphore(concurrency)

    async def one(case_id: str) -> CaseReplay:
        async with gate:
            history = await fetch_case_history(client, case_id)
            if history is None or not history.events:
                result = not_found(case_id, f"Temporal holds no history for case {case_id}")
            else:
                started = history.events[0].workflow_execution_started_event_attributes
                error = await asyncio.to_thread(replay_history_blocking, history)
                kind = started.workflow_type.name
                result = CaseReplay(case_id, error, True, history.run_id, kind, len(history.events))
        if on_result is not None:
            on_result(result)
        return result

    tasks = [asyncio.ensure_future(one(case_id)) for case_id in case_ids]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:  # Temporal failed us (or the caller was cancelled): stop the rest
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
