"""The task mechanism: every human step is a task the workflow opens and an Update completes.

Validation happens twice, by design: the Update validator refuses bad completions before they
enter history, and the handler checks again before acting, because two completions of one task
can both pass their validators; the second then finds the task closed (409).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from rules.errors import FormInvalid, OutcomeNotAllowed, RuleError
    from rules.task_catalogue import load_task_catalogue
    from workflows.case.errors import refuse
    from workflows.case.model import Actor, ClaimRequest, Stage, TaskCompletion, TaskStatus, TaskView

CLAIM_SUPERVISORS = ("squad_leader", "agency_head")  # may release a colleague's claim to reassign it


def _check_not_claimed_by_another(view: TaskView, actor: Actor) -> None:
    if view.assignee is not None and view.assignee != actor.username:
        raise refuse("ClaimedByOther", f"task {view.task_id} is claimed by {view.assignee}; they complete it")


# A stage's own legal check on a completion (two distinct officers, hearing notice, …): raises
# `refuse("LegalRule", …)` to refuse. Must not change state: it also runs in the validator.
StageCheck = Callable[[TaskCompletion], None]


@dataclass
class _Task:
    view: TaskView
    check: StageCheck | None = None
    completion: TaskCompletion | None = None


class TaskBook:
    def __init__(self, case_id: str, on_change: Callable[[TaskView], None]) -> None:
        self._case_id = case_id
        self._tasks: dict[str, _Task] = {}
        self._seq = 0
        self._on_change = on_change

    def open_task(
        self,
        kind: str,
        jurisdiction_path: str,
        *,
        check: StageCheck | None = None,
        escalation_of: str | None = None,
    ) -> TaskView:
        spec = load_task_catalogue().get(kind)
        self._seq += 1
        view = TaskView(
            task_id=f"{self._case_id}/{self._seq:03d}-{kind}",
            case_id=self._case_id,
            kind=kind,
            stage=Stage(spec.stage),
            candidate_roles=spec.candidate_roles,
            jurisdiction_path=jurisdiction_path,
            created_at=workflow.now(),
            allowed_outcomes=spec.allowed_outcomes,
            deadline_code=spec.deadline_code,
            legal_basis=spec.legal_basis,
            escalation_of=escalation_of,
        )
        self._tasks[view.task_id] = _Task(view=view, check=check)
        self._on_change(view)
        return view

    def get(self, task_id: str) -> TaskView:
        return self._tasks[task_id].view

    def open_tasks(self) -> list[TaskView]:
        return [t.view for t in self._tasks.values() if t.view.status is TaskStatus.OPEN]

    def all(self) -> list[TaskView]:
        return [t.view for t in self._tasks.values()]

    def update(self, task_id: str, **changes: object) -> TaskView:
        task = self._tasks[task_id]
        task.view = task.view.model_copy(update=changes)
        self._on_change(task.view)
        return task.view

    def validate(self, completion: TaskCompletion) -> None:
        """Refuse a completion that must not enter history. Reads state only."""
        task = self._open_task(completion)
        view, actor = task.view, completion.actor
        self._check_candidate(view, actor)
        _check_not_claimed_by_another(view, actor)
        try:
            load_task_catalogue().get(view.kind).validate(completion.outcome, completion.form)
        except OutcomeNotAllowed as exc:
            raise refuse("OutcomeNotAllowed", str(exc)) from exc
        except FormInvalid as exc:
            raise refuse("FormInvalid", str(exc)) from exc
        except RuleError as exc:
            raise refuse("LegalRule", str(exc)) from exc
        if task.check is not None:
            task.check(completion)

    @staticmethod
    def _check_candidate(view: TaskView, actor: Actor) -> None:
        if not set(actor.roles) & set(view.candidate_roles):
            raise refuse(
                "RoleNotAllowed",
                f"{actor.username} ({', '.join(actor.roles)}) may not complete {view.kind}; "
                f"it needs one of: {', '.join(view.candidate_roles)}",
            )
        if not actor.within(view.jurisdiction_path):
            raise refuse(
                "OutsideJurisdiction",
                f"{actor.username} acts in {actor.jurisdiction_path}; "
                f"task {view.task_id} is in {view.jurisdiction_path}",
            )

    def _open_task(self, completion: TaskCompletion | ClaimRequest) -> _Task:
        task = self._tasks.get(completion.task_id)
        if task is None:
            raise refuse("TaskNotFound", f"case {self._case_id} has no task {completion.task_id}")
        view = task.view
        if view.status is not TaskStatus.OPEN:
            raise refuse("TaskClosed", f"task {view.task_id} ({view.kind}) is already {view.status.value}")
        return task

    def complete(self, completion: TaskCompletion) -> TaskView:
        """The Update handler's act: check again what may have changed since the validator ran
        (the task's state, the stage's legal check), then record the completion. Role,
        jurisdiction and form are facts of the completion and the task, settled by the validator."""
        task = self._open_task(completion)
        _check_not_claimed_by_another(task.view, completion.actor)  # a claim may have landed meanwhile
        if task.check is not None:
            task.check(completion)
        task.completion = completion
        return self.update(
            completion.task_id,
            status=TaskStatus.COMPLETED,
            completed_at=workflow.now(),
            completed_by=completion.actor.username,
            outcome=completion.outcome,
        )

    # --- claims (认领): one officer takes a task so that colleagues do not work on it twice ------------

    def validate_claim(self, request: ClaimRequest) -> None:
        """Claim: a candidate, in the task's subtree, of a task nobody else holds. Release: the
        holder, or a squad leader or head above it (to reassign work). Reads state only."""
        view, actor = self._open_task(request).view, request.actor
        if request.release:
            if view.assignee is None:
                raise refuse("TaskClosed", f"task {view.task_id} is not claimed by anyone")
            supervisor = bool(set(actor.roles) & set(CLAIM_SUPERVISORS)) and actor.within(view.jurisdiction_path)
            if view.assignee != actor.username and not supervisor:
                raise refuse(
                    "ClaimedByOther", f"task {view.task_id} is claimed by {view.assignee}, not by {actor.username}"
                )
            return
        self._check_candidate(view, actor)
        if view.assignee is not None and view.assignee != actor.username:
            raise refuse("TaskClaimed", f"task {view.task_id} is already claimed by {view.assignee}")

    def claim(self, request: ClaimRequest) -> TaskView:
        """The claim Update handler's act: check again, then set or clear the assignee."""
        self.validate_claim(request)
        return self.update(request.task_id, assignee=None if request.release else request.actor.username)

    def cancel(self, task_id: str) -> None:
        if self._tasks[task_id].view.status is TaskStatus.OPEN:
            self.update(task_id, status=TaskStatus.CANCELLED)

    def completion(self, task_id: str) -> TaskCompletion | None:
        return self._tasks[task_id].completion

    async def wait_closed(self, task_id: str) -> TaskCompletion | None:
        """Until the task is completed (its completion) or cancelled (None)."""
        task = self._tasks[task_id]
        await workflow.wait_condition(lambda: task.completion is not None or task.view.status is TaskStatus.CANCELLED)
        return task.completion

    async def wait(self, task_id: str) -> TaskCompletion:
        """Until the task is completed (deadlines are watched by the clocks, not here)."""
        task = self._tasks[task_id]
        await workflow.wait_condition(lambda: task.completion is not None)
        assert task.completion is not None
        return task.completion
