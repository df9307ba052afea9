"""Driving an enforcement case through its branches (DESIGN "Process model: the enforcement case"):
the catalogue's sample forms adapted to the driver's officers, the common runs up to a step (filed,
reported, served, paid and closed), and small readers of the case state (events, tasks, clocks).
Shared by the branch tests (test_branches_*.py), the refusal tests (test_refusals_*.py) and
test_decision_rules.py."""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent

from tests.rules.task_samples import VALID
from tests.workflows.case import forms
from tests.workflows.case.driver import HEAD1, OFFICER1, OFFICER2, CaseDriver, case_input
from workflows.case.events import PartyEvent, Payment
from workflows.case.model import CaseEvent, CaseInput, CaseSummary, DeadlineView, Stage
from workflows.case.state import CaseState
from workflows.case.workflow import EnforcementCaseWorkflow

StartCase = Callable[[CaseInput], Awaitable[CaseDriver]]

VIOLATION = "street_vending_jiaxing"  # person, 3.5 m² (forms.FACTS): benchmark tier 200–500 yuan, statute 200–1000
RESULT_TIMEOUT = 60  # seconds of real time for the workflow to finish once its last step is done
DISCUSSION_ATTENDEES = ["u-head1", "u-head2", "u-head3"]

# The catalogue's sample forms name its own officers; the driver's officers are these.
_CATALOGUE_IDS = {
    "u-officer-1": "u-officer1",
    "u-officer-2": "u-officer2",
    "31010001": "ZF-0001",
    "31010002": "ZF-0002",
}


# ------------------------------------------------------------------------------------------------- helpers


def valid(kind: str, outcome: str, **changes: Any) -> dict[str, Any]:
    """The catalogue's sample form for (kind, outcome) with the driver's officers, and `changes`
    applied (a value of None removes the key)."""

    def adapt(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: adapt(v) for k, v in value.items()}
        if isinstance(value, list):
            return [adapt(v) for v in value]
        return _CATALOGUE_IDS.get(value, value) if isinstance(value, str) else value

    form: dict[str, Any] = adapt(copy.deepcopy(VALID[(kind, outcome)]))
    for key, value in changes.items():
        if value is None:
            form.pop(key, None)
        else:
            form[key] = value
    return form


def iso(instant: dt.datetime) -> str:
    return instant.isoformat()


async def now(case: CaseDriver) -> dt.datetime:
    return await case.env.get_current_time()


async def finished(case: CaseDriver) -> CaseSummary:
    """The workflow's result (time skips while we wait), bounded in real time. A run that does not
    finish fails with the tail of its history, which says where it stopped."""
    try:
        summary: CaseSummary = await asyncio.wait_for(case.handle.result(), RESULT_TIMEOUT)
    except TimeoutError:
        raise AssertionError(f"{case.handle.id} did not finish:\n{await history_tail(case)}") from None
    return summary


async def history_tail(case: CaseDriver, events: int = 30) -> str:
    history = await case.handle.fetch_history()
    timers: dict[str, HistoryEvent] = {}
    for event in history.events:
        if event.HasField("timer_started_event_attributes"):
            timers[event.timer_started_event_attributes.timer_id] = event
        for closed in ("timer_fired_event_attributes", "timer_canceled_event_attributes"):
            if event.HasField(closed):
                timers.pop(getattr(event, closed).timer_id, None)
    open_timers = "\n".join(_brief(e) for e in timers.values())
    return f"timers open:\n{open_timers}\nlast events:\n" + "\n".join(_brief(e) for e in history.events[-events:])


def _brief(event: HistoryEvent) -> str:
    kind = EventType.Name(event.event_type).removeprefix("EVENT_TYPE_")
    attributes = event.WhichOneof("attributes") or ""
    detail = " ".join(str(getattr(event, attributes)).split()) if "timer" in attributes.lower() else ""
    return f"{event.event_id} {event.event_time.ToJsonString()} {kind} {detail}"


def events(state: CaseState, kind: str) -> list[CaseEvent]:
    return [e for e in state.events if e.kind == kind]


def opened_kinds(state: CaseState) -> list[str]:
    return [str(e.detail["kind"]) for e in events(state, "task_opened")]


def completion_of(state: CaseState, kind: str) -> CaseEvent:
    done = [e for e in events(state, "task_completed") if e.detail["kind"] == kind]
    assert done, f"no {kind} was completed; events: {[e.kind for e in state.events]}"
    return done[-1]


def deadline(state: CaseState, code: str, subject: str | None = None) -> DeadlineView:
    found = [d for d in state.deadlines if d.code == code and (subject is None or d.subject == subject)]
    assert found, f"no {code} clock; clocks: {[(d.code, d.subject) for d in state.deadlines]}"
    return found[-1]


def open_kinds(state: CaseState) -> set[str]:
    return {t.kind for t in state.open_tasks}


def stages_entered(state: CaseState) -> list[str]:
    return [str(e.detail["stage"]) for e in events(state, "stage_entered")]


async def start(start_case: StartCase, **extra: Any) -> CaseDriver:
    return await start_case(case_input(dt.datetime.now(dt.UTC), violation_code=VIOLATION, **extra))


async def filed(case: CaseDriver) -> dt.datetime:
    """Verify the lead and file the case; returns when."""
    at = await now(case)
    await case.complete("verify_lead", OFFICER1, "established", forms.established(at))
    await case.complete("approve_filing", HEAD1, "approve", forms.FILING)
    return at


async def reported(case: CaseDriver, fine_yuan: str = "300") -> dt.datetime:
    """Filed, investigated with a proposed fine, prior notice served without a hearing right."""
    at = await filed(case)
    await case.complete("investigate", OFFICER1, "report", forms.report(fine_yuan))
    await case.complete("serve_prior_notice", OFFICER2, "served", forms.prior_notice(at))
    return at


async def waive_statement(case: CaseDriver) -> None:
    event = PartyEvent(kind="waive_statement", at=await now(case), text="放弃陈述申辩")
    await case.handle.signal(EnforcementCaseWorkflow.party_event, event)


async def pay(case: CaseDriver, amount: str) -> None:
    await case.task("confirm_payment")
    payment = Payment(amount_yuan=Decimal(amount), paid_at=await now(case), reference="bank-1")
    await case.handle.signal(EnforcementCaseWorkflow.payment_confirmed, payment)


async def serve_pay_and_close(case: CaseDriver, fine_yuan: str) -> CaseSummary:
    await case.complete(
        "serve_decision", OFFICER1, "served", forms.served(await now(case), document_no="罚〔2026〕1号")
    )
    await pay(case, fine_yuan)
    await case.complete("approve_closing", HEAD1, "approve", forms.CLOSING)
    return await finished(case)


def assert_closed(summary: CaseSummary, result: str) -> None:
    assert (summary.stage, summary.result) == (Stage.CLOSED, result)
    assert summary.closed_at is not None
