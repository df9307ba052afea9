"""Every workflow class the worker hosts."""

from workflows.deadline_watch import DeadlineWatchWorkflow

WORKFLOWS: list[type] = [DeadlineWatchWorkflow]
