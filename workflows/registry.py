"""Every workflow class the worker hosts."""

from workflows.alarm_triage import AlarmTriageWorkflow
from workflows.case.workflow import EnforcementCaseWorkflow
from workflows.deadline_watch import DeadlineWatchWorkflow
from workflows.ledger_anchor import LedgerAnchorWorkflow

WORKFLOWS: list[type] = [EnforcementCaseWorkflow, DeadlineWatchWorkflow, LedgerAnchorWorkflow, AlarmTriageWorkflow]
