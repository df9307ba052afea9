"""A test-local workflow that calls ``project_case`` the way the case workflow will.

Kept in its own module with few imports: the sandbox re-imports a workflow's module per run. The
activity and payload modules are passed through (they are not workflow code).
"""

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.projections import project_case
    from workflows.case.model import ProjectionBatch


@workflow.defn
class ProjectBatchesWorkflow:
    """Projects each batch in order, as a case workflow does after each state change."""

    @workflow.run
    async def run(self, batches: list[ProjectionBatch]) -> int:
        for batch in batches:
            await workflow.execute_activity(project_case, batch, start_to_close_timeout=timedelta(seconds=30))
        return len(batches)
