"""One `zhifa dev` stack as real processes on free ports with a temporary var folder (shared by
the dev-stack tests and the API's schemathesis run)."""

import re
from pathlib import Path

import httpx

from tests.workers.conftest import BIN, Running, clean_env, free_port

START_TIMEOUT = 60.0
STOP_TIMEOUT = 45.0
BANNER = "zhifa dev stack is up"


class Stack:
    """Ports, var folder and environment of one test's `zhifa dev`."""

    def __init__(self, var_dir: Path, **extra_env: str) -> None:
        self.temporal_port = free_port()
        self.api_port = free_port()
        self.var_dir = var_dir
        self.env = clean_env(
            ZHIFA_VAR_DIR=str(var_dir),
            ZHIFA_TEMPORAL_ADDRESS=f"127.0.0.1:{self.temporal_port}",
            ZHIFA_TEMPORAL_UI_PORT=str(free_port()),
            ZHIFA_API_PORT=str(self.api_port),
            ZHIFA_WORKER_GRACEFUL_SHUTDOWN_SECONDS="5",
            **extra_env,
        )

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.temporal_port}"

    def start(self, running: list[Running]) -> Running:
        process = Running([str(BIN / "zhifa"), "dev"], self.env)
        running.append(process)
        return process

    def start_and_wait(self, running: list[Running]) -> tuple[Running, dict[str, int]]:
        process = self.start(running)
        process.wait_for_line(BANNER, START_TIMEOUT)
        pids_line = process.wait_for_line("Processes", 10)
        pids = {name: int(pid) for name, pid in re.findall(r"(\w+) (\d+)", pids_line.split("Processes", 1)[1])}
        assert (
            {"temporal", "worker", "api", "perception"}
            <= set(pids)
            <= {"temporal", "worker", "api", "perception", "broker"}
        ), pids_line
        return process, pids

    def healthz(self) -> httpx.Response:
        return httpx.get(f"http://127.0.0.1:{self.api_port}/readyz", timeout=10)
