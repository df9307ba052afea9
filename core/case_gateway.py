"""How every client (the API, command-line tools) speaks to a case workflow: Updates, queries, and
one typed refusal, `CaseRefused`, whichever layer refused — the Update validator, the handler's
re-check, or Temporal itself, which answers an Update to a completed workflow with NOT_FOUND before
any validator can run (a closed case: 409 CaseClosed) and one to an unknown id the same way
(404 CaseNotFound). The workflow id of a case is its case_id.
"""

from __future__ import annotations

from typing import Any, TypeVar

from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowUpdateFailedError,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode
from temporalio.workflow import UpdateMethodMultiParam

from workflows.case.errors import REFUSALS
from workflows.case.events import EvidenceRecorded
from workflows.case.extensions import ExtensionRequest
from workflows.case.model import (
    CaseInput,
    CaseProgress,
    CaseSummary,
    ClaimRequest,
    TaskCompleted,
    TaskCompletion,
    TaskView,
)
from workflows.case.outside import OutsideEvent
from workflows.case.state import CaseState
from workflows.case.workflow import EnforcementCaseWorkflow

P = TypeVar("P")
R = TypeVar("R")


def case_id_of(task_id: str) -> str:
    """The case a task belongs to: task ids are ``{case_id}/{seq}-{kind}`` (workflows/case/tasks.py)."""
    return task_id.split("/", 1)[0]


class CaseRefused(Exception):
    """An act on a case was refused; `kind` is a key of REFUSALS, `status` its HTTP status."""

    def __init__(self, kind: str, detail: str) -> None:
        assert kind in REFUSALS, kind
        super().__init__(detail)
        self.kind = kind
        self.detail = detail

    @property
    def status(self) -> int:
        return REFUSALS[self.kind]


class CaseGateway:
    def __init__(self, client: Client) -> None:
        self._client = client

    @property
    def client(self) -> Client:
        return self._client

    async def evidence_recorded(self, case_id: str, evidence: EvidenceRecorded) -> None:
        """Tell the case that evidence entered it (a signal: the case answers nothing and waits for nothing)."""
        await self.handle(case_id).signal(EnforcementCaseWorkflow.evidence_recorded, evidence)

    def handle(self, case_id: str) -> WorkflowHandle[EnforcementCaseWorkflow, Any]:
        return self._client.get_workflow_handle_for(EnforcementCaseWorkflow.run, case_id)

    async def open_case(self, case: CaseInput, task_queue: str) -> CaseProgress:
        """Start the case and read its first tasks in one round trip (Update-with-start of `progress`).

        Idempotent by case id: a start racing another, or repeating it, joins the running workflow
        (USE_EXISTING) and reads it; once the case has closed, its id is not reused
        (REJECT_DUPLICATE): the repeat reads the closed case instead of opening it again."""
        start = WithStartWorkflowOperation(
            EnforcementCaseWorkflow.run,
            case,
            id=case.case_id,
            task_queue=task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )
        try:
            return await self._client.execute_update_with_start_workflow(
                EnforcementCaseWorkflow.progress, start_workflow_operation=start
            )
        except WorkflowAlreadyStartedError:
            state = await self.state(case.case_id)
            return CaseProgress(stage=state.summary.stage, open_tasks=state.open_tasks)

    async def complete_task(self, case_id: str, completion: TaskCompletion) -> TaskCompleted:
        """Complete a task (the `complete_task` Update): the task, the case's new stage and open
        tasks, in one round trip; raises CaseRefused."""
        return await self._update(case_id, EnforcementCaseWorkflow.complete_task, completion)

    async def claim_task(self, case_id: str, request: ClaimRequest) -> TaskView:
        """Claim or release a task (the `claim_task` Update); raises CaseRefused."""
        return await self._update(case_id, EnforcementCaseWorkflow.claim_task, request)

    async def request_extension(self, case_id: str, request: ExtensionRequest) -> TaskView:
        """Ask for a statutory extension (the `request_extension` Update); raises CaseRefused."""
        return await self._update(case_id, EnforcementCaseWorkflow.request_extension, request)

    async def record_event(self, case_id: str, event: OutsideEvent) -> CaseSummary:
        """Record an outside event (the `record_event` Update); raises CaseRefused."""
        return await self._update(case_id, EnforcementCaseWorkflow.record_event, event)

    async def _update(self, case_id: str, update: UpdateMethodMultiParam[[EnforcementCaseWorkflow, P], R], arg: P) -> R:
        try:
            return await self.handle(case_id).execute_update(update, arg)
        except (WorkflowUpdateFailedError, RPCError) as exc:
            raise await self._refusal(case_id, exc) from exc

    async def state(self, case_id: str) -> CaseState:
        """The case as its workflow sees it now (closed cases too, within the namespace's retention).
        Right after a start, use `open_case`'s answer instead: a query waits for the first workflow task."""
        try:
            return await self.handle(case_id).query(EnforcementCaseWorkflow.state)
        except RPCError as exc:
            raise await self._refusal(case_id, exc) from exc

    async def _refusal(self, case_id: str, exc: WorkflowUpdateFailedError | RPCError) -> Exception:
        """The CaseRefused that `exc` means, or `exc` itself when it is not a refusal (a server fault)."""
        if isinstance(exc, WorkflowUpdateFailedError):
            cause = exc.cause
            if isinstance(cause, ApplicationError) and cause.type in REFUSALS:
                return CaseRefused(cause.type, cause.message)
            return exc
        if exc.status != RPCStatusCode.NOT_FOUND:
            return exc
        try:
            described = await self.handle(case_id).describe()
        except RPCError as lookup:
            if lookup.status == RPCStatusCode.NOT_FOUND:
                return CaseRefused("CaseNotFound", f"there is no case {case_id}")
            return lookup
        if described.status is None or described.status is WorkflowExecutionStatus.RUNNING:
            return exc  # not found while running: not a refusal we can name
        when = f" at {described.close_time.isoformat()}" if described.close_time else ""
        return CaseRefused(
            "CaseClosed", f"case {case_id} was closed{when} ({described.status.name.lower()}); it takes no more acts"
        )
