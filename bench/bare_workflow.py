"""The floor for bench/cases.py: a workflow that does nothing but take N updates."""

from temporalio import workflow


@workflow.defn
class BareUpdatesWorkflow:
    def __init__(self) -> None:
        self.done = 0

    @workflow.run
    async def run(self, updates: int) -> int:
        await workflow.wait_condition(lambda: self.done >= updates)
        return self.done

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
