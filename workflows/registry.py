"""Every workflow class the worker hosts."""

from workflows.case.workflow import EnforcementCaseWorkflow
from workflows.deadline_watch import DeadlineWatchWorkflow

WORKFLOWS: list[type] = [EnforcementCaseWorkflow, DeadlineWatchWorkflow]
