"""A small process supervisor: children in one process group, stopped in order, no orphans.

Every child joins one process group of its own (the first child leads it), so the terminal's Ctrl-C
reaches only the supervisor, which then stops the children in the order it chooses. On Linux each
child also gets SIGTERM from the kernel if the supervisor itself dies (PR_SET_PDEATHSIG), so even a
SIGKILLed supervisor leaves nothing behind.
"""

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO, Any

_PR_SET_PDEATHSIG = 1
_LIBC: Any = ctypes.CDLL(None, use_errno=True) if sys.platform == "linux" else None
POLL_SECONDS = 0.1


def _die_with_parent(parent_pid: int) -> Callable[[], None]:
    """A preexec_fn asking the kernel to SIGTERM the child when the supervisor dies."""

    def preexec() -> None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        if os.getppid() != parent_pid:  # the supervisor died before prctl took effect
            os._exit(1)

    return preexec


@dataclass
class Child:
    """One supervised process."""

    name: str
    popen: subprocess.Popen[bytes]

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def returncode(self) -> int | None:
        return self.popen.poll()

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None

    def signal(self, signum: signal.Signals) -> None:
        if self.alive:
            with contextlib.suppress(ProcessLookupError):
                self.popen.send_signal(signum)


@dataclass
class Supervisor:
    """Starts children in one process group, notices deaths and signals, stops in stages."""

    children: list[Child] = field(default_factory=list)
    stop_signal: str | None = None
    _pgid: int | None = None
    _signals_seen: int = 0
    _previous_handlers: dict[int, Any] = field(default_factory=dict)

    # --- signals -------------------------------------------------------------------------------

    def install_signal_handlers(self) -> None:
        """SIGINT/SIGTERM request a clean stop; a second one kills every child at once."""
        for signum in (signal.SIGINT, signal.SIGTERM):
            self._previous_handlers[signum] = signal.signal(signum, self._on_signal)

    def restore_signal_handlers(self) -> None:
        for signum, handler in self._previous_handlers.items():
            signal.signal(signum, handler)
        self._previous_handlers.clear()

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        self._signals_seen += 1
        if self.stop_signal is None:
            self.stop_signal = signal.Signals(signum).name
        if self._signals_seen > 1:
            self.kill_all()

    @property
    def stop_requested(self) -> bool:
        return self.stop_signal is not None

    # --- children ------------------------------------------------------------------------------

    def spawn(
        self,
        name: str,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        output: IO[Any] | None = None,
    ) -> Child:
        """Start ``argv`` in the supervised group; ``output`` takes stdout+stderr (default: ours)."""
        popen = subprocess.Popen(
            list(argv),
            env=dict(env) if env is not None else None,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT if output is not None else None,
            process_group=self._pgid if self._pgid is not None else 0,
            preexec_fn=_die_with_parent(os.getpid()) if _LIBC is not None else None,
        )
        if self._pgid is None:
            self._pgid = popen.pid
        child = Child(name, popen)
        self.children.append(child)
        return child

    def first_dead(self) -> Child | None:
        """A child that has exited, if any."""
        return next((child for child in self.children if not child.alive), None)

    def watch(self) -> Child | None:
        """Block until a child exits (returned) or a stop signal arrives (None)."""
        while not self.stop_requested:
            dead = self.first_dead()
            if dead is not None:
                return dead
            time.sleep(POLL_SECONDS)
        return None

    # --- stopping ------------------------------------------------------------------------------

    def stop(self, stages: Iterable[tuple[Sequence[Child], float]], report: Callable[[str], None]) -> None:
        """SIGTERM each stage's children and wait up to its timeout; SIGKILL whatever is left."""
        for group, timeout in stages:
            alive = [child for child in group if child.alive]
            for child in alive:
                child.signal(signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while any(child.alive for child in alive) and time.monotonic() < deadline:
                time.sleep(POLL_SECONDS)
            for child in alive:
                if child.alive:
                    report(f"{child.name} (pid {child.pid}) did not stop within {timeout:g}s: killing it")
                elif child.returncode not in (0, -signal.SIGTERM):
                    report(f"{child.name} (pid {child.pid}) exited with code {child.returncode} while stopping")
        self.kill_all()

    def kill_all(self) -> None:
        """SIGKILL every child and anything else left in the group, then reap the children."""
        for child in self.children:
            child.signal(signal.SIGKILL)
        if self._pgid is not None:
            # The group outlives its leader while any member lives; an empty group is ESRCH.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self._pgid, signal.SIGKILL)
        for child in self.children:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.popen.wait(timeout=5)
