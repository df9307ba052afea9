"""DeadlineWatchWorkflow: one statutory deadline as a durable timer.

It waits for the act (a `met` signal) or the deadline, whichever comes first, and recomputes the
deadline whenever a newly published holiday schedule arrives (`calendar_updated`), so a deadline
computed provisionally (REFERENCE §1.1 C11) becomes final without a restart. The case workflow
holds its clocks the same way; this workflow also serves stand-alone reminders and demos.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel
from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from rules.calendar import CalendarOverride
    from rules.deadlines import Deadline
    from workflows.statutory_clock import CALENDAR_UPDATED_SIGNAL, ClockSpec, StatutoryClock


class WatchInput(BaseModel):
    subject: str
    clock: ClockSpec
    calendar: list[CalendarOverride] = []


class Recomputation(BaseModel):
    at: dt.datetime
    reason: str
    due_at: dt.datetime
    provisional: bool


class WatchState(BaseModel):
    subject: str
    deadline: Deadline
    outcome: str | None = None  # "met", or the table's expiry action
    history: list[Recomputation] = []


@workflow.defn
class DeadlineWatchWorkflow:
    @workflow.init
    def __init__(self, request: WatchInput) -> None:
        # Built in __init__ so that a signal delivered with the first task already finds the clock.
        self._clock = StatutoryClock(request.clock, request.calendar)
        self._state = WatchState(subject=request.subject, deadline=self._clock.deadline)
        self._changed = False
        self._met = False
        self._record("started")

    @workflow.run
    async def run(self, request: WatchInput) -> WatchState:
        while not self._met:
            self._changed = False
            remaining = (self._clock.deadline.expires_at - workflow.now()).total_seconds()
            if remaining <= 0:
                self._state.outcome = self._clock.deadline.expiry_action
                return self._state
            try:
                await workflow.wait_condition(lambda: self._changed or self._met, timeout=remaining)
            except TimeoutError:
                self._state.outcome = self._clock.deadline.expiry_action
                return self._state
        self._state.outcome = "met"
        return self._state

    @workflow.signal(name=CALENDAR_UPDATED_SIGNAL)
    def calendar_updated(self, overrides: list[CalendarOverride]) -> None:
        if self._clock.apply_calendar(overrides):
            self._state.deadline = self._clock.deadline
            self._record("calendar " + ", ".join(str(o.year) for o in overrides))
            self._changed = True

    @workflow.signal
    def met(self) -> None:
        self._met = True

    @workflow.query
    def state(self) -> WatchState:
        return self._state

    def _record(self, reason: str) -> None:
        deadline = self._state.deadline
        self._state.history.append(
            Recomputation(at=workflow.now(), reason=reason, due_at=deadline.due_at, provisional=deadline.provisional)
        )
