"""The state of one enforcement case inside its workflow, and the moves every stage makes:
enter a stage, open a human step and wait for it, record what happened, project it to SQL.

Projections go through one coroutine that sends batches to the `project_case` activity in order,
so SQL never sees a later state before an earlier one. A change is sent at once when the case has
been quiet; changes that follow within PROJECTION_BURST_WINDOW of the last batch are collected and
sent together at the window's end, so a burst (an import, a bulk reassignment, a fast officer) costs
one activity instead of one per change, and the Updates of the burst do not queue behind them.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import Coroutine
from decimal import Decimal
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflows.case.clocks import Clock, Clocks
    from workflows.case.documents import Paperwork
    from workflows.case.events import Inbox, excluded_days
    from workflows.case.model import (
        CaseEvent,
        CaseInput,
        CaseSummary,
        DeadlineStatus,
        DeadlineView,
        ProjectionBatch,
        Stage,
        TaskCompletion,
        TaskView,
    )
    from workflows.case.surcharge import surcharge_owed
    from workflows.case.tasks import StageCheck, TaskBook
    from workflows.statutory_clock import ClockSpec

CASE_CLOCK = "T06"  # 办案期限: decide within 90 CD of filing (处罚法 Art. 60; 住建 Art. 29)
PROJECT_ACTIVITY = "project_case"  # activities/projections.py; named, so workflows never import activities
PROJECT_TIMEOUT = dt.timedelta(seconds=30)
PROJECT_RETRY = RetryPolicy(initial_interval=dt.timedelta(seconds=1), maximum_interval=dt.timedelta(minutes=1))
PROJECTION_BURST_WINDOW = dt.timedelta(seconds=1)  # a technical setting, not a legal period
WINDOW_SUMMARY = "projection burst window"  # shown on the timer in the Temporal UI
PROJECTION_COALESCING_PATCH = "projection-coalescing"  # histories before it sent one batch per change
# Histories before it cancelled the burst window's timer when the case began to drain.
WINDOW_LEFT_TO_RUN_PATCH = "projection-window-left-to-run"
# A compulsory measure whose period ran out undecided is released by law; the items go back at once
# (强制法 Art. 28 para 1 (4), para 2): the step that does it.
RELEASE_STEP = "release_seized_items"


def parent_path(path: str) -> str:
    """One level up the jurisdiction tree ("990100/990102/" → "990100/"); the root stays itself."""
    parts = [p for p in path.split("/") if p]
    return "/".join(parts[:-1]) + "/" if len(parts) > 1 else path


def root_path(path: str) -> str:
    """The city node of a path: where supervision (督察) alerts go."""
    return path.split("/", 1)[0] + "/"


class CaseContext:
    def __init__(self, case: CaseInput) -> None:
        self.case = case
        self.stage = Stage.SOURCE
        self.opened_at = workflow.now()
        self.filed_at: dt.datetime | None = None
        self.closed_at: dt.datetime | None = None
        self.result: str | None = None
        self.overdue = False
        self.events: list[CaseEvent] = []
        self.tasks = TaskBook(case.case_id, self._task_changed)
        self.clocks = Clocks(case.calendar, self._clock_changed)
        self._pending_tasks: dict[str, TaskView] = {}
        self._pending_deadlines: dict[str, DeadlineView] = {}
        self._pending_events: list[CaseEvent] = []
        self._dirty = False
        self._projecting = False
        self._flushing = False
        self.inbox = Inbox()
        self.proposal: dict[str, Any] = {}  # the investigation report's proposed penalty and facts
        self.notice_served_at: dt.datetime | None = None
        self.decided_at: dt.datetime | None = None
        self.decision: dict[str, Any] | None = None
        self.enforcement_result: str | None = None
        self.deferred_until: dt.datetime | None = None  # end of an approved deferral/instalment plan (T15)
        self.papers = Paperwork()  # the case's statutory documents (workflows/case/documents.py)
        self._background: list[asyncio.Task[None]] = []

    # --- what happened -------------------------------------------------------------------------

    def record(
        self,
        kind: str,
        *,
        actor: str | None = None,
        task_id: str | None = None,
        detail: dict[str, Any] | None = None,
        legal_basis: str | None = None,
    ) -> CaseEvent:
        event = CaseEvent(
            seq=len(self.events) + 1,
            at=workflow.now(),
            kind=kind,
            actor=actor,
            task_id=task_id,
            detail=detail or {},
            legal_basis=legal_basis,
        )
        self.events.append(event)
        self._pending_events.append(event)
        self._dirty = True
        return event

    def enter(self, stage: Stage) -> None:
        self.stage = stage
        self.record("stage_entered", detail={"stage": stage.value})

    def close(self, result: str, legal_basis: str | None = None) -> None:
        """The case ends: open tasks are cancelled, running clocks stop."""
        for task in self.tasks.open_tasks():
            self.tasks.cancel(task.task_id)
        for clock in self.clocks.all():
            self.clocks.met(clock.key)
        self.result, self.closed_at, self.stage = result, workflow.now(), Stage.CLOSED
        self.record("case_closed", detail={"result": result}, legal_basis=legal_basis)

    @property
    def is_closed(self) -> bool:
        return self.stage is Stage.CLOSED

    # --- human steps ---------------------------------------------------------------------------

    def open_step(
        self,
        kind: str,
        *,
        clock: ClockSpec | None = None,
        check: StageCheck | None = None,
        path: str | None = None,
    ) -> TaskView:
        """Open a task; with `clock`, its deadline runs from `clock.start` (default: now)."""
        task = self.tasks.open_task(kind, path or self.case.jurisdiction_path, check=check)
        self.record("task_opened", task_id=task.task_id, detail={"kind": kind}, legal_basis=task.legal_basis)
        if clock is not None:
            running = self.clocks.start(self.step_clock_key(task), clock, task.task_id, self._task_overdue)
            task = self.tasks.update(task.task_id, due_at=running.clock.deadline.due_at)
        elif task.deadline_code and self.running(task.deadline_code):
            # a step under a case-level clock (T06 case clock, T15 payment) carries its due date
            task = self.tasks.update(task.task_id, due_at=self.clocks[task.deadline_code].clock.deadline.due_at)
        return task

    async def finish_step(self, task: TaskView) -> TaskCompletion:
        completion = await self.tasks.wait(task.task_id)
        self.clocks.met(self.step_clock_key(task))
        for escalation in self.tasks.open_tasks():  # the 督办 on this step is moot now
            if escalation.escalation_of == task.task_id:
                self.tasks.cancel(escalation.task_id)
        return completion

    async def side_step(self, task: TaskView) -> None:
        """A step beside the main line (T13 filing, T03 preservation): done, or lapsed and cancelled."""
        if await self.tasks.wait_closed(task.task_id) is not None:
            self.clocks.met(self.step_clock_key(task))

    async def step(
        self, kind: str, *, clock: ClockSpec | None = None, check: StageCheck | None = None
    ) -> TaskCompletion:
        return await self.finish_step(self.open_step(kind, clock=clock, check=check))

    def complete(self, completion: TaskCompletion) -> TaskView:
        """The complete_task Update handler's act."""
        view = self.tasks.complete(completion)
        self.record(
            "task_completed",
            actor=completion.actor.username,
            task_id=view.task_id,
            detail={"kind": view.kind, "outcome": completion.outcome, "form": completion.form},
            legal_basis=view.legal_basis,
        )
        return view

    @staticmethod
    def step_clock_key(task: TaskView) -> str:
        return f"{task.deadline_code}:{task.task_id}"

    def _task_overdue(self, clock: Clock) -> None:
        """A step's deadline passed with the step open: mark it, and 督办 one level up — unless the
        law says the measure simply lapses (T03: 先行登记保存措施自动解除) or is released (T04: 查封、
        扣押 with no decision in time is released, and the items are returned at once)."""
        task = self.tasks.get(clock.subject)
        deadline = clock.clock.deadline
        if deadline.expiry_action == "lapse":
            self.tasks.cancel(task.task_id)
            self.record(
                "measure_lapsed", task_id=task.task_id, detail={"code": deadline.code}, legal_basis=deadline.legal_basis
            )
            return
        if deadline.expiry_action == "release":
            self.tasks.cancel(task.task_id)
            self.record(
                "measure_released",
                task_id=task.task_id,
                detail={"code": deadline.code, "due_at": deadline.due_at.isoformat()},
                legal_basis=deadline.legal_basis,
            )
            self.open_step(RELEASE_STEP, path=task.jurisdiction_path)
            return
        self.tasks.update(task.task_id, overdue=True)
        self.overdue = True
        deadline = clock.clock.deadline
        self.record(
            "deadline_expired",
            task_id=task.task_id,
            detail={"code": deadline.code, "due_at": deadline.due_at.isoformat(), "action": deadline.expiry_action},
            legal_basis=deadline.legal_basis,
        )
        self.escalate(task.task_id, parent_path(task.jurisdiction_path))

    def escalate(self, task_id: str, path: str, kind: str = "escalation") -> TaskView:
        escalation = self.tasks.open_task(kind, path, escalation_of=task_id)
        self.record("escalated", task_id=escalation.task_id, detail={"overdue_task": task_id, "to": path})
        return escalation

    def supervision_alert(self, clock: Clock) -> None:
        """T06 ran out: the case is overdue as a whole; the city supervises (督察)."""
        self.overdue = True
        deadline = clock.clock.deadline
        self.record(
            "deadline_expired",
            detail={"code": deadline.code, "due_at": deadline.due_at.isoformat(), "action": deadline.expiry_action},
            legal_basis=deadline.legal_basis,
        )
        for task in self.tasks.open_tasks():
            if task.deadline_code == CASE_CLOCK:
                self.tasks.update(task.task_id, overdue=True)
        self.escalate(self.case.case_id, root_path(self.case.jurisdiction_path), kind="supervision_alert")

    def exclude_from_case_clock(self, reason: str, began: dt.datetime, ended: dt.datetime) -> None:
        """Time the law excludes from T06 (住建 Arts. 29 para 2, 30) ends: move the deadline."""
        days = excluded_days(began, ended)
        self.clocks.release(CASE_CLOCK, days)
        self.record(
            "case_clock_resumed",
            detail={"reason": reason, "from": began.isoformat(), "to": ended.isoformat(), "days": days},
            legal_basis="住房和城乡建设行政处罚程序规定 第二十九条第二款、第三十条",
        )

    def hold_case_clock(self, reason: str, since: dt.datetime) -> None:
        self.clocks.hold(CASE_CLOCK)
        self.record(
            "case_clock_paused",
            detail={"reason": reason, "from": since.isoformat()},
            legal_basis="住房和城乡建设行政处罚程序规定 第二十九条第二款、第三十条",
        )

    # --- projections ---------------------------------------------------------------------------

    def summary(self) -> CaseSummary:
        return CaseSummary(
            case_id=self.case.case_id,
            violation_code=self.case.violation_code,
            source=self.case.source,
            jurisdiction_path=self.case.jurisdiction_path,
            stage=self.stage,
            party_name=self.case.party.name if self.case.party else None,
            opened_at=self.opened_at,
            filed_at=self.filed_at,
            closed_at=self.closed_at,
            result=self.result,
            overdue=self.overdue,
        )

    def _task_changed(self, view: TaskView) -> None:
        self._pending_tasks[view.task_id] = view
        self._dirty = True

    def _clock_changed(self, clock: Clock) -> None:
        self._pending_deadlines[clock.key] = clock.view().model_copy(update={"remaining_seconds": None})
        self._dirty = True
        due = clock.clock.deadline.due_at
        for task in self.tasks.open_tasks():  # tasks carry their clock's (moved) due date
            governed = task.task_id == clock.subject or (task.deadline_code == clock.key)
            if governed and task.due_at != due:
                self.tasks.update(task.task_id, due_at=due)

    def _take_batch(self) -> ProjectionBatch:
        batch = ProjectionBatch(
            case=self.summary(),
            tasks=list(self._pending_tasks.values()),
            deadlines=list(self._pending_deadlines.values()),
            events=list(self._pending_events),
        )
        self._pending_tasks, self._pending_deadlines, self._pending_events = {}, {}, []
        self._dirty = False
        return batch

    async def project_forever(self) -> None:
        """Send every change to SQL, in order; changes made while a batch is on its way, or within
        the burst window after it, go together in the next one."""
        coalescing = workflow.patched(PROJECTION_COALESCING_PATCH)
        last_sent: dt.datetime | None = None
        while True:
            await workflow.wait_condition(lambda: self._dirty)
            if coalescing and last_sent is not None:
                await self._rest_of_window(last_sent + PROJECTION_BURST_WINDOW)
            self._projecting = True
            await workflow.execute_activity(
                PROJECT_ACTIVITY,
                self._take_batch(),
                start_to_close_timeout=PROJECT_TIMEOUT,
                retry_policy=PROJECT_RETRY,
            )
            self._projecting = False
            last_sent = workflow.now()

    async def _rest_of_window(self, window_ends: dt.datetime) -> None:
        """Wait for the burst window to end, or for the case to finish (`drain`)."""
        rest = window_ends - workflow.now()
        if rest <= dt.timedelta(0) or self._flushing:
            return
        if workflow.patched(WINDOW_LEFT_TO_RUN_PATCH):
            # Draining stops waiting for the window but never cancels its timer: the timer fires
            # unheeded (a one-second timer costs nothing). A cancel that crosses the timer firing is
            # refused by the time-skipping test server ("invalid history builder state for action",
            # temporalio/sdk-java#3088), which then strands the run; a real server accepts either.
            window = asyncio.ensure_future(workflow.sleep(rest, summary=WINDOW_SUMMARY))
            await workflow.wait_condition(lambda: self._flushing or window.done())
            return
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(lambda: self._flushing, timeout=rest, timeout_summary=WINDOW_SUMMARY)

    async def drain(self) -> None:
        """Before the workflow returns: issue the documents still on their way (the 结案审批表), then
        send what is pending now, without waiting out the window."""
        if self.papers.unsettled:
            await workflow.wait_condition(lambda: not self.papers.unsettled)
        self._flushing = True
        await workflow.wait_condition(lambda: not self._dirty and not self._projecting)

    def deadlines(self) -> list[DeadlineView]:
        return [c.view() for c in self.clocks.all()]

    def running(self, key: str) -> bool:
        """Still counting or paused: not yet met or expired."""
        return key in self.clocks and self.clocks[key].status in (DeadlineStatus.RUNNING, DeadlineStatus.PAUSED)

    # --- what the stages share ------------------------------------------------------------------

    def spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        """Run a side branch of the process (a reminder, the court window) beside the main line."""
        self._background.append(asyncio.create_task(coroutine))

    def proposed_amount(self) -> Decimal | None:
        """The fine the investigation proposed (the ceiling after a statement, 处罚法 Art. 45)."""
        penalty = self.proposal.get("proposed_penalty") or {}
        amount = penalty.get("fine_yuan") if isinstance(penalty, dict) else None
        return Decimal(str(amount)) if amount is not None else None

    def benchmark_facts(self) -> dict[str, Any]:
        facts = self.proposal.get("facts") or {}
        return dict(facts) if isinstance(facts, dict) else {}

    def investigators(self) -> set[str]:
        officers = self.proposal.get("officers") or []
        return {str(o.get("user_id")) for o in officers if isinstance(o, dict)}

    def fine_yuan(self) -> Decimal:
        penalty = (self.decision or {}).get("penalty") or {}
        return Decimal(str(penalty.get("fine_yuan", "0"))) if isinstance(penalty, dict) else Decimal(0)

    def surcharge_due(self, at: dt.datetime | None = None) -> Decimal:
        """加处罚款 owed at `at` (default now): see workflows/case/surcharge.py."""
        if "T15" not in self.clocks or "T16" not in self.clocks:
            return Decimal(0)
        deadline = self.clocks["T15"].clock.deadline.due_at
        return surcharge_owed(self.fine_yuan(), deadline, self.inbox.remedies, at or workflow.now())
