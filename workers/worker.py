"""`zhifa worker`: hosts every registered workflow and activity on one task queue.

Workflows come from `workflows.registry.WORKFLOWS`, activities from `activities.registry.ACTIVITIES`.
Synchronous activities run on a thread pool as large as the activity concurrency. SIGINT or SIGTERM
stops polling at once and gives in-flight activities `worker_graceful_shutdown_seconds` to finish
before they are cancelled; the process then exits 0.
"""

import asyncio
import contextlib
import inspect
import logging
import signal
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Annotated, Any

import typer
from temporalio.client import Client
from temporalio.service import RPCError
from temporalio.worker import Worker

from core.ledger_schedule import ensure_anchor_schedule
from core.process_exit import run_and_leave
from core.settings import Settings, get_settings
from core.temporal import connect as temporal_connect
from rules.errors import RuleDataError
from rules.startup import load_rules
from workflows.ledger_anchor import LedgerAnchorWorkflow
from workflows.sandbox import WORKFLOW_RUNNER

log = logging.getLogger("zhifa.worker")

EXIT_NOTHING_REGISTERED = 2
EXIT_FAILED = 1


class NothingRegistered(RuntimeError):
    def __init__(self) -> None:
        super().__init__(
            "no workflows and no activities are registered (workflows.registry.WORKFLOWS and "
            "activities.registry.ACTIVITIES are empty); a Temporal worker needs at least one"
        )


class TemporalUnreachable(RuntimeError):
    pass


def needs_thread_pool(activities: Sequence[Callable[..., Any]]) -> bool:
    """True when any activity is a plain (synchronous) function or method."""

    def is_async(activity: object) -> bool:
        # A callable object with an async __call__ counts as async.
        call = type(activity).__call__ if not inspect.isroutine(activity) else None
        return inspect.iscoroutinefunction(activity) or inspect.iscoroutinefunction(call)

    return not all(is_async(activity) for activity in activities)


@contextlib.contextmanager
def stop_on_signals(stop: asyncio.Event) -> Iterator[None]:
    """SIGINT and SIGTERM set ``stop`` while the block runs; the old handlers come back after."""
    loop = asyncio.get_running_loop()
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in previous:
        loop.add_signal_handler(sig, stop.set)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            loop.remove_signal_handler(sig)
            signal.signal(sig, handler)


async def connect(settings: Settings) -> Client:
    try:
        return await temporal_connect(settings)
    except Exception as exc:
        raise TemporalUnreachable(
            f"cannot reach Temporal at {settings.temporal_address} (namespace {settings.temporal_namespace}): {exc}"
        ) from exc


async def serve(
    settings: Settings,
    *,
    workflows: Sequence[type],
    activities: Sequence[Callable[..., Any]],
    stop: asyncio.Event | None = None,
    idle_if_empty: bool = False,
) -> None:
    """Run a worker until ``stop`` is set (SIGINT/SIGTERM set it) or the worker fails."""
    stop = stop or asyncio.Event()
    with stop_on_signals(stop):
        if not workflows and not activities:
            if not idle_if_empty:
                raise NothingRegistered
            log.warning("%s; idling until stopped", NothingRegistered())
            await stop.wait()
            return
        client = await connect(settings)
        if stop.is_set():
            return
        if LedgerAnchorWorkflow in workflows:  # the worker that anchors keeps the anchoring schedule
            try:
                await ensure_anchor_schedule(client, settings)
            except RPCError as exc:  # cases must run even so; anchoring waits for an operator
                log.error("cannot create or update the ledger anchoring schedule: %s", exc)
        pool_size = settings.worker_max_concurrent_activities
        executor = ThreadPoolExecutor(pool_size, "activity") if needs_thread_pool(activities) else None
        renderers = _document_worker(client, settings, activities)
        try:
            worker = Worker(
                client,
                task_queue=settings.task_queue,
                workflows=list(workflows),
                activities=list(activities),
                activity_executor=executor,
                workflow_runner=WORKFLOW_RUNNER,
                max_concurrent_activities=pool_size,
                max_concurrent_workflow_tasks=settings.worker_max_concurrent_workflow_tasks,
                graceful_shutdown_timeout=timedelta(seconds=settings.worker_graceful_shutdown_seconds),
            )
            log.info(
                "worker polling task queue %r on %s (namespace %s): %d workflows, %d activities",
                settings.task_queue,
                settings.temporal_address,
                settings.temporal_namespace,
                len(workflows),
                len(activities),
            )
            workers = [worker] if renderers is None else [worker, renderers[0]]
            await _run_until_stopped(workers, stop, settings)
        finally:
            for pool in (executor, renderers[1] if renderers else None):
                if pool is not None:
                    pool.shutdown(wait=False, cancel_futures=True)


def _document_worker(
    client: Client, settings: Settings, activities: Sequence[Callable[..., Any]]
) -> tuple[Worker, ThreadPoolExecutor] | None:
    """The worker of the documents queue: the document activities, `document_render_concurrency` at a
    time on their own threads. A render is 0.15–0.35 s of CPU (bench/documents.py); on the case queue a
    burst of them starved the case workflows' tasks (bench/api_load.py: the API's round trip went from
    ~0.1 s to minutes). None when this process does not render, or cases render on their own queue."""
    from activities.registry import DOCUMENT_ACTIVITIES

    renders = [a for a in activities if a in DOCUMENT_ACTIVITIES]
    queue, slots = settings.documents_task_queue, settings.document_render_concurrency
    if not renders or not queue or queue == settings.task_queue or slots == 0:
        return None
    pool = ThreadPoolExecutor(slots, "render")
    worker = Worker(
        client,
        task_queue=queue,
        activities=renders,
        activity_executor=pool,
        max_concurrent_activities=slots,
        graceful_shutdown_timeout=timedelta(seconds=settings.worker_graceful_shutdown_seconds),
    )
    log.info("document worker polling task queue %r: %d render(s) at a time", queue, slots)
    return worker, pool


async def _run_until_stopped(workers: Sequence[Worker], stop: asyncio.Event, settings: Settings) -> None:
    running = [asyncio.create_task(w.run()) for w in workers]
    stopping = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait({*running, stopping}, return_when=asyncio.FIRST_COMPLETED)
    failed = [task for task in running if task in done]
    if failed:
        stopping.cancel()
        for worker, task in zip(workers, running, strict=True):
            if task not in done:
                await worker.shutdown()
        failed[0].result()  # a worker failed: re-raise its error
        return
    log.info("stop requested: finishing in-flight work (up to %gs)", settings.worker_graceful_shutdown_seconds)
    await asyncio.gather(*(w.shutdown() for w in workers))
    await asyncio.gather(*running)
    log.info("worker stopped")


def worker(
    task_queue: Annotated[
        str | None, typer.Option("--task-queue", help="Task queue to poll (default: ZHIFA_TASK_QUEUE).")
    ] = None,
    max_concurrent_activities: Annotated[
        int | None,
        typer.Option(min=1, help="Activity slots (default: ZHIFA_WORKER_MAX_CONCURRENT_ACTIVITIES)."),
    ] = None,
    max_concurrent_workflow_tasks: Annotated[
        int | None,
        typer.Option(min=1, help="Workflow task slots (default: ZHIFA_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS)."),
    ] = None,
    idle_if_empty: Annotated[
        bool, typer.Option(hidden=True, help="With nothing registered, wait for a signal instead of failing.")
    ] = False,
) -> None:
    """Run the Temporal worker that hosts every zhifa workflow and activity until SIGINT/SIGTERM."""
    from activities.registry import ACTIVITIES
    from workflows.registry import WORKFLOWS

    overrides: dict[str, Any] = {
        "task_queue": task_queue,
        "worker_max_concurrent_activities": max_concurrent_activities,
        "worker_max_concurrent_workflow_tasks": max_concurrent_workflow_tasks,
    }
    settings = get_settings().model_copy(update={k: v for k, v in overrides.items() if v is not None})
    run_worker_process(settings, workflows=WORKFLOWS, activities=ACTIVITIES, idle_if_empty=idle_if_empty)


def run_worker_process(
    settings: Settings,
    *,
    workflows: Sequence[type],
    activities: Sequence[Callable[..., Any]],
    idle_if_empty: bool = False,
) -> None:
    """The process body of `zhifa worker`: logging, the event loop, exit codes."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        log.info("rules loaded: %s", load_rules())  # a malformed rules file stops the worker here
    except RuleDataError as exc:
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        raise typer.Exit(code=2) from exc
    try:
        asyncio.run(serve(settings, workflows=workflows, activities=activities, idle_if_empty=idle_if_empty))
    except NothingRegistered as exc:
        typer.secho(f"zhifa worker: {exc}", err=True, fg=typer.colors.RED)
        raise typer.Exit(EXIT_NOTHING_REGISTERED) from None
    except TemporalUnreachable as exc:
        typer.secho(f"zhifa worker: {exc}", err=True, fg=typer.colors.RED)
        raise typer.Exit(EXIT_FAILED) from None


if __name__ == "__main__":
    run_and_leave(lambda: typer.run(worker))  # `zhifa dev` runs the worker as `python -m workers.worker`
