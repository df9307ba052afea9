"""Tell running workflows that a holiday schedule was published (REFERENCE §1.1 C11).

Every workflow type that holds statutory clocks handles the `calendar_updated` signal; this finds
the running ones through Temporal visibility and signals each, so provisional deadlines become
final without a restart.
"""

from temporalio.client import Client

from rules.calendar import CalendarOverride
from workflows.statutory_clock import CALENDAR_UPDATED_SIGNAL

CALENDAR_AWARE_WORKFLOWS = ("EnforcementCaseWorkflow", "DeadlineWatchWorkflow")


async def notify_running(client: Client, overrides: list[CalendarOverride]) -> int:
    """Signal every running calendar-aware workflow; returns how many were told."""
    types = ", ".join(f"'{name}'" for name in CALENDAR_AWARE_WORKFLOWS)
    query = f"ExecutionStatus = 'Running' AND WorkflowType IN ({types})"
    told = 0
    async for execution in client.list_workflows(query):
        handle = client.get_workflow_handle(execution.id, run_id=execution.run_id)
        await handle.signal(CALENDAR_UPDATED_SIGNAL, overrides)
        told += 1
    return told
