"""`zhifa dev` (what `make run` calls): the whole embedded stack in one supervised process group.

Order of start: the Temporal dev server from temporal-dev.yaml (its SQLite file under var/); while it
boots, the application database is migrated and seeded; once Temporal answers, the worker
(`python -m workers.worker`) and the API (uvicorn) start; once /readyz says 200 the banner tells
where everything is. If any child dies the others are stopped and the exit code is 1. Ctrl-C or
SIGTERM stops API and worker first, then Temporal, each with a bounded wait, SIGKILLs stragglers and
exits 0. State is kept in var/, so the next `zhifa dev` carries on where this one stopped.
"""

import asyncio
import contextlib
import errno
import fcntl
import hashlib
import json
import os
import socket
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Annotated, Any

import typer
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client

from core import db
from core.seed import seed_demo
from core.settings import Settings, get_settings
from workers.devbanner import Row, banner, sign_in_rows
from workers.devconfig import DevConfigError, DevServer, resolve_dev_server
from workers.supervisor import Child, Supervisor

API_READY_TIMEOUT_SECONDS = 90.0
TEMPORAL_STOP_TIMEOUT_SECONDS = 15.0
EXIT_CONFIG = 2
EXIT_FAILED = 1


class StackError(Exception):
    """The stack could not start or keep running; the message says which part and why."""


class StartupAborted(Exception):
    """A stop signal arrived while the stack was still starting."""


def say(message: str) -> None:
    print(f"zhifa dev: {message}", flush=True)


def warn(message: str) -> None:
    print(f"zhifa dev: {message}", file=sys.stderr, flush=True)


# --- before anything starts ----------------------------------------------------------------------


def _port_in_use(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return True
            raise StackError(f"cannot bind {host}:{port}: {exc.strerror}") from exc
    return False


def check_ports(server: DevServer, settings: Settings) -> None:
    """Fail before starting anything when a port we need is taken (e.g. another `zhifa dev`)."""
    wanted = {name: (server.config.ip, port) for name, port in server.ports().items()}
    wanted["API"] = (settings.api_host, settings.api_port)
    busy = [f"{name} port {port}" for name, (host, port) in wanted.items() if _port_in_use(host, port)]
    if busy:
        raise StackError(
            f"already in use: {', '.join(busy)}. Is another `zhifa dev` running? "
            "Stop it, or choose other ports with ZHIFA_TEMPORAL_ADDRESS, ZHIFA_TEMPORAL_UI_PORT "
            "and ZHIFA_API_PORT."
        )


@contextlib.contextmanager
def state_lock(server: DevServer) -> Iterator[None]:
    """One `zhifa dev` per var folder: two servers on one SQLite file would corrupt it."""
    server.var_dir.mkdir(parents=True, exist_ok=True)
    path = server.var_dir / "dev.lock"
    with open(path, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise StackError(f"another `zhifa dev` (pid {holder}) is using {server.var_dir}; stop it first") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            handle.truncate(0)


# --- the application database --------------------------------------------------------------------


def migrate_database(settings: Settings) -> None:
    db.migrate(settings.effective_database_url)
    say("application database migrated")


def seed_database(settings: Settings) -> list[Row]:
    """Seed demo data (idempotent); the rows say how to sign in."""
    if not settings.seed_demo:
        return [("Sign in", "no demo data seeded (ZHIFA_SEED_DEMO=false)")]
    engine = db.make_engine(settings.effective_database_url)
    try:
        report = seed_demo(engine)
    finally:
        engine.dispose()
    say(f"demo data seeded ({report.created_count} rows created)")
    return sign_in_rows(report)


# --- waiting for the children --------------------------------------------------------------------


def _log_tail(server: DevServer, lines: int = 15) -> str:
    try:
        text = server.log_path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    tail = "\n".join(text.splitlines()[-lines:])
    return f"\nlast lines of {server.log_path}:\n{tail}" if tail else ""


async def _temporal_problem(server: DevServer) -> str | None:
    """None when Temporal answers and knows our namespace, else what went wrong."""
    try:
        client = await asyncio.wait_for(Client.connect(server.address, namespace=server.namespace), 5)
        await asyncio.wait_for(
            client.workflow_service.describe_namespace(DescribeNamespaceRequest(namespace=server.namespace)),
            5,
        )
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def wait_for_temporal(server: DevServer, child: Child, supervisor: Supervisor) -> None:
    deadline = time.monotonic() + server.config.startup_timeout_seconds

    async def poll() -> None:
        while True:
            if supervisor.stop_requested:
                raise StartupAborted
            if not child.alive:
                raise StackError(f"the Temporal dev server exited with code {child.returncode}{_log_tail(server)}")
            problem = await _temporal_problem(server)
            if problem is None:
                return
            if time.monotonic() > deadline:
                raise StackError(
                    f"Temporal did not answer at {server.address} within "
                    f"{server.config.startup_timeout_seconds:g}s: {problem}{_log_tail(server)}"
                )
            await asyncio.sleep(0.25)

    asyncio.run(poll())


def _local_host(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host


def wait_for_api(base_url: str, supervisor: Supervisor) -> None:
    """Poll /readyz until 200; fail when a child dies, a stop arrives or the deadline passes."""
    deadline = time.monotonic() + API_READY_TIMEOUT_SECONDS
    last = "no answer"
    while True:
        if supervisor.stop_requested:
            raise StartupAborted
        dead = supervisor.first_dead()
        if dead is not None:
            raise StackError(f"{dead.name} (pid {dead.pid}) exited with code {dead.returncode} during start-up")
        try:
            with urllib.request.urlopen(f"{base_url}/readyz", timeout=5) as response:
                if response.status == 200:
                    return
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}: {exc.read().decode(errors='replace')}"
        except (OSError, ValueError) as exc:
            last = str(exc)
        if time.monotonic() > deadline:
            raise StackError(f"the API did not become healthy within {API_READY_TIMEOUT_SECONDS:g}s: {last}")
        time.sleep(0.25)


# --- the stack -----------------------------------------------------------------------------------


@dataclass
class Stack:
    temporal: Child | None = None
    worker: Child | None = None
    api: Child | None = None
    perception: Child | None = None
    broker: Child | None = None

    def stop_stages(self, settings: Settings) -> list[tuple[list[Child], float]]:
        front = [child for child in (self.api, self.worker, self.perception) if child is not None]
        back = [child for child in (self.temporal, self.broker) if child is not None]
        return [
            (front, settings.worker_graceful_shutdown_seconds + 5.0),
            (back, TEMPORAL_STOP_TIMEOUT_SECONDS),
        ]


def child_env(server: DevServer) -> dict[str, str]:
    """The children see the dev server's real address and namespace, whatever the file said."""
    return os.environ | {
        "ZHIFA_TEMPORAL_ADDRESS": server.address,
        "ZHIFA_TEMPORAL_NAMESPACE": server.namespace,
        "ZHIFA_VAR_DIR": str(server.var_dir),
        "PYTHONUNBUFFERED": "1",
    }


def _start(server: DevServer, settings: Settings, supervisor: Supervisor, stack: Stack, log: IO[Any]) -> None:
    """Temporal first; the API (needs the schema) and the seed overlap Temporal's boot; then the worker."""
    server.db_path.parent.mkdir(parents=True, exist_ok=True)
    say(f"starting the Temporal dev server on {server.address} (log: {server.log_path})")
    stack.temporal = supervisor.spawn("temporal", server.argv(), output=log)
    env = child_env(server)
    migrate_database(settings)
    api_argv = [sys.executable, "-m", "uvicorn", "api.main:app", "--host", settings.api_host]
    api_argv += ["--port", str(settings.api_port), "--timeout-graceful-shutdown", "5"]
    stack.api = supervisor.spawn("api", api_argv, env=env)
    auth = seed_database(settings)
    if supervisor.stop_requested:
        raise StartupAborted
    wait_for_temporal(server, stack.temporal, supervisor)
    say(f"Temporal is up (namespace {server.namespace})")
    worker_argv = [sys.executable, "-m", "workers.worker", "--idle-if-empty"]
    stack.worker = supervisor.spawn("worker", worker_argv, env=env)
    _start_perception(server, settings, supervisor, stack, env)
    api_url = f"http://{_local_host(settings.api_host)}:{settings.api_port}"
    wait_for_api(api_url, supervisor)
    children = (stack.temporal, stack.worker, stack.api, stack.perception, stack.broker)
    pids = {child.name: child.pid for child in children if child is not None}
    print(banner(server, settings, api_url, pids, auth), flush=True)


def _broker_answers(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def _start_perception(
    server: DevServer, settings: Settings, supervisor: Supervisor, stack: Stack, env: dict[str, str]
) -> None:
    """The sensor worker, on the configured broker; where none answers, an embedded one (amqtt) first."""
    host = _local_host(settings.mqtt_host)
    if not _broker_answers(host, settings.mqtt_port):
        if not settings.mqtt_embedded_broker:
            warn(f"no MQTT broker at {host}:{settings.mqtt_port}: the sensor worker will keep trying")
        else:
            say(f"no MQTT broker at {host}:{settings.mqtt_port}: starting the embedded one (amqtt)")
            argv = [sys.executable, "-m", "perception.embedded_broker", str(settings.mqtt_port)]
            stack.broker = supervisor.spawn("broker", argv, env=env)
            deadline = time.monotonic() + 15
            while not _broker_answers(host, settings.mqtt_port) and time.monotonic() < deadline:
                time.sleep(0.1)
    # One stable client id per installation: the broker keeps this stack's session and queued readings.
    client_id = "zhifa-perception-" + hashlib.sha256(str(server.var_dir.resolve()).encode()).hexdigest()[:8]
    argv = [sys.executable, "-m", "workers.cli", "perception", "mqtt"]
    stack.perception = supervisor.spawn("perception", argv, env=env | {"ZHIFA_MQTT_CLIENT_ID": client_id})


def run_dev_stack(settings: Settings) -> int:
    """Start, supervise and stop the stack; returns the process exit code."""
    try:
        server = resolve_dev_server(settings)
        check_ports(server, settings)
    except (DevConfigError, StackError) as exc:
        warn(str(exc))
        return EXIT_CONFIG
    supervisor = Supervisor()
    supervisor.install_signal_handlers()
    stack = Stack()
    code = 0
    try:
        with state_lock(server):
            server.log_path.parent.mkdir(parents=True, exist_ok=True)
            with open(server.log_path, "ab") as log:
                try:
                    _start(server, settings, supervisor, stack, log)
                    dead = supervisor.watch()
                    if dead is not None:
                        warn(
                            f"{dead.name} (pid {dead.pid}) exited unexpectedly with code {dead.returncode}; "
                            "stopping the others" + (_log_tail(server) if dead is stack.temporal else "")
                        )
                        code = EXIT_FAILED
                except StartupAborted:
                    pass
                except StackError as exc:
                    warn(str(exc))
                    code = EXIT_FAILED
                except Exception as exc:
                    warn(f"start-up failed: {type(exc).__name__}: {exc}")
                    code = EXIT_FAILED
                finally:
                    if supervisor.stop_requested:
                        say(f"{supervisor.stop_signal} received: stopping API and worker, then Temporal")
                    supervisor.stop(stack.stop_stages(settings), warn)
    except StackError as exc:  # the state lock
        warn(str(exc))
        return EXIT_CONFIG
    finally:
        supervisor.restore_signal_handlers()
    say("stopped" + ("" if code == 0 else " after a failure"))
    return code


def dev(
    print_config: Annotated[
        bool, typer.Option("--print-config", help="Print the resolved dev server command and exit.")
    ] = False,
) -> None:
    """Run the embedded stack (Temporal dev server, worker, API) until Ctrl-C. `make run` calls this."""
    settings = get_settings()
    if print_config:
        try:
            server = resolve_dev_server(settings)
        except DevConfigError as exc:
            warn(str(exc))
            raise typer.Exit(EXIT_CONFIG) from None
        print(json.dumps({"config": str(server.config_path), "argv": server.argv()}, indent=2))
        return
    raise typer.Exit(run_dev_stack(settings))


if __name__ == "__main__":
    typer.run(dev)
