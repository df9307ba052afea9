"""EnforcementCaseWorkflow: one 执法办案 case as a durable workflow.

Officers and reviewers act through the `complete_task` Update (validated before it enters
history); outside events arrive as Signals; `state` answers what the case looks like now.
"""

from __future__ import annotations

import asyncio
import datetime as dt

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from rules.calendar import CalendarOverride
    from workflows.case import outside
    from workflows.case.context import CaseContext
    from workflows.case.events import EvidenceRecorded, PartyEvent, Payment, Remedy
    from workflows.case.extensions import ExtensionRequest, open_request, validate_request
    from workflows.case.model import (
        CaseInput,
        CaseProgress,
        CaseSummary,
        ClaimRequest,
        TaskCompleted,
        TaskCompletion,
        TaskView,
    )
    from workflows.case.process import enforcement_case
    from workflows.case.stages import deferral
    from workflows.case.state import CaseState
    from workflows.statutory_clock import CALENDAR_UPDATED_SIGNAL


# Patch: complete_task answers once the case has moved on (its new stage and open tasks).
ANSWER_NEXT_STEPS = "complete-answers-next-steps"


@workflow.defn
class EnforcementCaseWorkflow:
    @workflow.init
    def __init__(self, case: CaseInput) -> None:
        self.ctx = CaseContext(case)
        self._running = False

    @workflow.run
    async def run(self, case: CaseInput) -> CaseSummary:
        self._running = True
        projector = asyncio.create_task(self.ctx.project_forever())
        self.ctx.record("case_opened", detail={"source": case.source, "violation_code": case.violation_code})
        await enforcement_case(self.ctx)
        await self.ctx.drain()
        await workflow.wait_condition(workflow.all_handlers_finished)  # the last Update gets its answer
        projector.cancel()
        return self.ctx.summary()

    # --- officers and reviewers ---------------------------------------------------------------

    @workflow.update
    async def complete_task(self, completion: TaskCompletion) -> TaskCompleted:
        view = self.ctx.complete(completion)
        if workflow.patched(ANSWER_NEXT_STEPS):
            await self._settle()
        return TaskCompleted(task=view, stage=self.ctx.stage, open_tasks=self.ctx.tasks.open_tasks())

    @complete_task.validator
    def _check_completion(self, completion: TaskCompletion) -> None:
        self.ctx.tasks.validate(completion)

    @workflow.update
    async def claim_task(self, request: ClaimRequest) -> TaskView:
        """Take a task (认领) or give it back; only the holder then completes it."""
        view = self.ctx.tasks.claim(request)
        self.ctx.record(
            "task_released" if request.release else "task_claimed", actor=request.actor.username, task_id=view.task_id
        )
        return view

    @claim_task.validator
    def _check_claim(self, request: ClaimRequest) -> None:
        self.ctx.tasks.validate_claim(request)

    @workflow.update
    async def request_extension(self, request: ExtensionRequest) -> TaskView:
        """Ask for a statutory extension (T01, T04, T06); opens an approve_extension task."""
        validate_request(self.ctx, request)
        return open_request(self.ctx, request)

    @request_extension.validator
    def _check_extension(self, request: ExtensionRequest) -> None:
        validate_request(self.ctx, request)

    @workflow.update
    async def request_deferral(self, request: deferral.DeferralRequest) -> TaskView:
        """Register the party's application to defer or pay in instalments (处罚法 Art. 66 para 2);
        opens an approve_deferral task for the head."""
        deferral.validate_request(self.ctx, request)
        return deferral.open_request(self.ctx, request)

    @request_deferral.validator
    def _check_deferral(self, request: deferral.DeferralRequest) -> None:
        deferral.validate_request(self.ctx, request)

    @workflow.update
    async def progress(self) -> CaseProgress:
        """Where the case stands once the process has settled. Sent with the start (Update-with-
        start), it answers the intake with the case's first tasks in the same round trip; it
        changes nothing, so a repeat on a running case just reads it again.

        The SDK may run an Update that came with the start before the workflow function itself
        (updates are applied before the start in its legacy job order): wait for the run first."""
        await workflow.wait_condition(lambda: self._running)
        await self._settle()
        return CaseProgress(stage=self.ctx.stage, open_tasks=self.ctx.tasks.open_tasks())

    # --- outside events -----------------------------------------------------------------------

    @workflow.signal
    def party_event(self, event: PartyEvent) -> None:
        """A statement, a hearing request, or an express waiver, as received by the agency."""
        outside.receive_party_event(self.ctx, event)

    @workflow.signal
    def payment_confirmed(self, payment: Payment) -> None:
        outside.receive_payment(self.ctx, payment)

    @workflow.signal
    def remedy(self, remedy: Remedy) -> None:
        """复议/诉讼 filed or ended: the surcharge does not run meanwhile (处罚法 Art. 73 para 3)."""
        outside.receive_remedy(self.ctx, remedy)

    @workflow.update
    async def record_event(self, event: outside.OutsideEvent) -> CaseSummary:
        """The same events, recorded by a person or an integrator who wants to know they fit the case."""
        outside.apply_event(self.ctx, event)
        return self.ctx.summary()

    @record_event.validator
    def _check_event(self, event: outside.OutsideEvent) -> None:
        outside.check_event(self.ctx, event)

    @workflow.signal
    def evidence_recorded(self, evidence: EvidenceRecorded) -> None:
        """Evidence entered the case (区块链存证: its hash is already a leaf of the ledger; anchoring
        follows on its own schedule, and the case waits for nothing)."""
        detail = evidence.model_dump(mode="json", exclude={"recorded_by", "recorded_at"})
        self.ctx.record("evidence_recorded", actor=evidence.recorded_by, detail=detail)

    @workflow.signal(name=CALENDAR_UPDATED_SIGNAL)
    def calendar_updated(self, overrides: list[CalendarOverride]) -> None:
        self.ctx.clocks.apply_calendar(overrides)
        self.ctx.record("calendar_updated", detail={"years": [o.year for o in overrides]})

    # --- what the case looks like ---------------------------------------------------------------

    async def _settle(self) -> None:
        """Let the process take every step this act allows before answering.

        The event loop checks wait conditions only once nothing else is ready: the first wait ends
        in the pass that also wakes the process (its task's completion is a condition too), the
        second once the process and everything it woke have run until they block on a person, a
        timer or an activity. No command is written, so history is unchanged by the wait itself.
        """
        await workflow.wait_condition(lambda: True)
        await workflow.wait_condition(lambda: True)

    @workflow.query
    def state(self) -> CaseState:
        return CaseState(
            summary=self.ctx.summary(),
            open_tasks=self.ctx.tasks.open_tasks(),
            deadlines=self.ctx.deadlines(),
            decision=self.ctx.decision,
            events=self.ctx.events,
            documents=self.ctx.papers.documents,
            documents_in_flight=self.ctx.papers.in_flight,
        )

    @workflow.query
    def open_tasks(self) -> list[TaskView]:
        """Only the open tasks: what an officer's "what next?" needs, without the event log."""
        return self.ctx.tasks.open_tasks()

    @workflow.query
    def now(self) -> dt.datetime:
        return workflow.now()
