"""The floor for bench/cases.py: a workflow that does nothing but take N updates; and the floor
with one deadline timer per step, to show what the statutory clocks themselves cost."""

import contextlib
import datetime as dt

from temporalio import workflow

STEP_DEADLINE = dt.timedelta(days=15)  # any long timer: it is always cancelled before it fires


class _TakesUpdates:
    """The Update, its validator and the query both floors share."""

    def __init__(self) -> None:
        self.done = 0

    @workflow.update
    async def step(self, n: int) -> int:
        self.done += 1
        return self.done

    @step.validator
    def _check(self, n: int) -> None:
        if n < 0:
            raise ValueError("negative")

    @workflow.query
    def progress(self) -> int:
        return self.done


@workflow.defn
class BareUpdatesWorkflow(_TakesUpdates):
    @workflow.run
    async def run(self, updates: int) -> int:
        await workflow.wait_condition(lambda: self.done >= updates)
        return self.done


@workflow.defn
class TimedUpdatesWorkflow(_TakesUpdates):
    """The floor plus what every statutory step has: a deadline timer started when the step opens
    and cancelled when its Update arrives. Separates the cost of the law's clocks from the rest."""

    @workflow.run
    async def run(self, updates: int) -> int:
        for step in range(updates):
            await self._next_update(step)
        return self.done

    async def _next_update(self, step: int) -> None:
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(lambda: self.done > step, timeout=STEP_DEADLINE)
