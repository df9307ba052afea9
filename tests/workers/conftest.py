"""Helpers for tests that run `zhifa dev` and `zhifa worker` as real processes."""

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pid_alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting to be reaped counts as dead)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_until(check: Callable[[], T | None], timeout: float, what: str, interval: float = 0.1) -> T:
    """Poll ``check`` until it returns something truthy; fail naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(interval)


class Running:
    """A child process whose combined output is collected line by line in the background."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path = REPO_ROOT) -> None:
        self.popen = subprocess.Popen(
            argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for raw in self.popen.stdout:
            self.lines.append(raw.decode(errors="replace").rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def line_with(self, text: str) -> str | None:
        return next((line for line in list(self.lines) if text in line), None)

    def wait_for_line(self, text: str, timeout: float) -> str:
        def check() -> str | None:
            found = self.line_with(text)
            if found is None and self.popen.poll() is not None:
                pytest.fail(f"exited with {self.popen.returncode} before printing {text!r}:\n{self.output}")
            return found

        return wait_until(check, timeout, f"{text!r} in the output")

    def wait_exit(self, timeout: float) -> int:
        try:
            code = self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"still running after {timeout:g}s:\n{self.output}")
        self._reader.join(timeout=5)
        return code

    def stop(self) -> None:
        """SIGTERM, a bounded wait, then SIGKILL: what a failed test leaves behind is cleaned up."""
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


def clean_env(**overrides: str) -> dict[str, str]:
    """This environment without any ZHIFA_/DATABASE_URL setting, plus ``overrides``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHIFA_") and k != "DATABASE_URL"}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(overrides)
    return env


@pytest.fixture
def running() -> Iterator[list[Running]]:
    """Collects started processes and stops any still running when the test ends."""
    started: list[Running] = []
    yield started
    for process in started:
        process.stop()
