"""The simulated officers of bench/api_load.py: Poisson arrivals of completions against one backend, fed
with tasks from new cases, measured in windows.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections import Counter, deque
from collections.abc import Awaitable

from bench import cpu
from bench.api_load_backends import ApiBackend, Backend, Task, short_error
from bench.api_load_config import OPENERS, TASK_AGE_S
from bench.api_load_windows import Sample, Window, histogram_delta, server_side_lines


class Simulation:
    """Poisson arrivals at `rate`, at most `officers` at once, tasks oldest first, fed by new cases.

    Runs only while `active` is set, so two simulations on one server take turns."""

    def __init__(self, backend: Backend, officers: int, rate: float, seed: int) -> None:
        self.backend = backend
        self.rate = rate
        self.active = asyncio.Event()
        self.samples: list[Sample] = []
        self.errors: Counter[str] = Counter()
        self.waited = 0
        self.arrived = 0
        self._officers = asyncio.Semaphore(officers)
        self._pool: deque[Task] = deque()
        self._opening = 0
        self._in_flight = 0
        self._hungry = 0
        self._rng = random.Random(seed)
        self._background: set[asyncio.Task[None]] = set()

    def _spawn(self, coroutine: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def start(self) -> None:
        self._spawn(self._arrivals())
        self._spawn(self._feed())

    async def stop(self) -> None:
        self.active.clear()
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)

    def _target(self) -> int:
        """Tasks to hold: enough that the oldest has always aged, however fast they are taken."""
        return math.ceil(self.rate * (TASK_AGE_S + 2)) + OPENERS

    async def _arrivals(self) -> None:
        """The Poisson clock: never waits for the system, so a backlog shows as arrivals not done."""
        while True:
            await asyncio.sleep(self._rng.expovariate(self.rate))
            if not self.active.is_set():
                await self.active.wait()
                continue
            self.arrived += 1
            self._in_flight += 1
            self._spawn(self._act())

    async def _act(self) -> None:
        try:
            async with self._officers:  # every officer busy: the arrival waits for one
                if not self.active.is_set():
                    return  # paused while waiting: dropped (counted as arrived, not done)
                task = await self._take()
                sent = time.perf_counter()
                act, round_trip, opened = await self.backend.complete(task)
                self.samples.append(Sample(sent, act, round_trip, task.kind))
                ready = time.perf_counter() + TASK_AGE_S
                for new in opened:
                    new.ready_at = ready
                    self._pool.append(new)
        except Exception as exc:
            self.errors[short_error(exc)] += 1
        finally:
            self._in_flight -= 1

    async def _take(self) -> Task:
        waited = False
        self._hungry += 1
        try:
            while not (self._pool and self._pool[0].ready_at <= time.perf_counter()):
                waited = True
                await asyncio.sleep(0.01)
            return self._pool.popleft()
        finally:
            self._hungry -= 1
            self.waited += waited

    async def _feed(self) -> None:
        while True:
            if self.active.is_set() or self._hungry:
                short = self._target() - len(self._pool) - self._opening
                while short > 0 and self._opening < max(OPENERS, math.ceil(self.rate / 2)):
                    self._opening += 1
                    short -= 1
                    self._spawn(self._open())
            await asyncio.sleep(0.05)

    async def _open(self) -> None:
        try:
            opened = await self.backend.open_case()
            ready = time.perf_counter() + TASK_AGE_S
            for task in opened:
                task.ready_at = ready
                self._pool.append(task)
        except Exception as exc:
            self.errors["open: " + short_error(exc)] += 1
        finally:
            self._opening -= 1

    async def window(self, settle_s: float, duration_s: float) -> Window:
        """Run `settle_s`, then measure `duration_s`; completions sent in the window count, and the
        window closes only when they have finished. Leaves the simulation paused."""
        self.active.set()
        await asyncio.sleep(settle_s)
        errors, waited, cpu_before = self.errors.copy(), self.waited, cpu.snapshot()
        histogram = await self.backend.histogram() if isinstance(self.backend, ApiBackend) else None
        begin, arrived = time.perf_counter(), self.arrived
        await asyncio.sleep(duration_s)
        end, arrived = time.perf_counter(), self.arrived - arrived
        if histogram is not None and isinstance(self.backend, ApiBackend):
            histogram = histogram_delta(await self.backend.histogram(), histogram)
        self.active.clear()
        while self._in_flight or self._opening:
            await asyncio.sleep(0.01)
        used = cpu.spent(cpu_before, cpu.snapshot())
        samples = [s for s in self.samples if begin <= s.sent < end]
        window = Window(
            self.backend.name,
            self.rate,
            end - begin,
            arrived,
            samples,
            self.errors - errors,
            self.waited - waited,
            used,
        )
        window.server_side = server_side_lines(histogram, samples) if histogram else []
        return window
