"""Driving an enforcement case on the TEST_2027 calendar (calendar_2027.py) and observing its clocks,
for the deadline tests (test_deadlines_*.py): a case opened at a chosen instant, the server clock
skipped to an instant, the state polled (bounded) until the workflow has reacted to a timer, and a
step clock checked from one minute before its due instant to just after it."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from rules.calendar import SHANGHAI
from rules.deadlines import Deadline
from tests.workflows.case import forms
from tests.workflows.case.calendar_2027 import TEST_2027
from tests.workflows.case.driver import CITY, DISTRICT_A, HEAD1, OFFICER1, CaseDriver, case_input
from tests.workflows.case.flows import VIOLATION, StartCase
from workflows.case.model import CaseEvent, DeadlineView, TaskView
from workflows.case.state import CaseState

CaseEnv = tuple[WorkflowEnvironment, Client]

MINUTE = dt.timedelta(minutes=1)
SECOND = dt.timedelta(seconds=1)
POLL_INTERVAL_S = 0.05
POLLS = 200  # 10 s of real time at most


async def open_case(case_env: CaseEnv, start_case: StartCase, when: dt.datetime) -> CaseDriver:
    """Move the server clock to `when`, then start a district-A case whose lead arrives right then."""
    env, _ = case_env
    now = await env.get_current_time()
    if now >= when:
        pytest.skip(f"the server clock ({now.isoformat()}) is past this scenario's start ({when.isoformat()})")
    await env.sleep(when - now)
    received = await env.get_current_time()
    assert received.astimezone(SHANGHAI).date() == when.date()
    return await start_case(case_input(received, violation_code=VIOLATION, calendar=[TEST_2027]))


async def now_of(case: CaseDriver) -> dt.datetime:
    return await case.env.get_current_time()


async def sleep_to(case: CaseDriver, instant: dt.datetime) -> dt.datetime:
    """Skip the server clock to `instant` (it must lie ahead) and return the server's time."""
    now = await now_of(case)
    assert instant > now, f"the scenario is out of order: {instant.isoformat()} is not after {now.isoformat()}"
    await case.sleep_until(instant)
    return await now_of(case)


async def settled_state(case: CaseDriver) -> CaseState:
    """The state after giving the workflow a moment to react to whatever the clock just did."""
    await asyncio.sleep(0.3)
    return await case.state()


async def eventually(case: CaseDriver, what: str, predicate: Callable[[CaseState], bool]) -> CaseState:
    state = await case.state()
    for _ in range(POLLS):
        if predicate(state):
            return state
        await asyncio.sleep(POLL_INTERVAL_S)
        state = await case.state()
    kinds = [e.kind for e in state.events]
    raise AssertionError(f"{what}: not seen within {POLLS * POLL_INTERVAL_S:.0f} s; events {kinds}")


def events(state: CaseState, kind: str, code: str | None = None) -> list[CaseEvent]:
    return [e for e in state.events if e.kind == kind and (code is None or e.detail.get("code") == code)]


def open_of(state: CaseState, kind: str) -> list[TaskView]:
    return [t for t in state.open_tasks if t.kind == kind]


def clock(state: CaseState, code: str) -> DeadlineView:
    found = [d for d in state.deadlines if d.code == code]
    assert len(found) == 1, f"expected one {code} clock, found {found}"
    assert not found[0].provisional, f"{code} is provisional: the case's 2027 schedule was not used"
    return found[0]


def assert_fired_on_time(event: CaseEvent, due: Deadline) -> None:
    """The timer fired at its statutory instant (allowing a little real time for the reaction)."""
    assert due.due_at <= event.at <= due.expires_at + MINUTE, (event.at, due.due_at)


async def check_step_clock(case: CaseDriver, kind: str, due: Deadline) -> TaskView:
    """A step clock: before the due instant nothing; just after it the task is overdue, an
    escalation (督办) is open one level up, and a `deadline_expired` event names the code."""
    task = await case.task(kind)
    assert (task.jurisdiction_path, task.due_at) == (DISTRICT_A, due.due_at)
    assert clock(await case.state(), due.code).due_at == due.due_at

    await sleep_to(case, due.due_at - MINUTE)
    before = await settled_state(case)
    [still] = [t for t in before.open_tasks if t.task_id == task.task_id]
    assert not still.overdue
    assert not open_of(before, "escalation")
    assert not events(before, "deadline_expired", due.code)
    assert not before.summary.overdue

    await sleep_to(case, due.expires_at + SECOND)
    after = await eventually(
        case, f"{kind} overdue and escalated", lambda s: bool(open_of(s, "escalation")) and s.summary.overdue
    )
    [overdue] = [t for t in after.open_tasks if t.task_id == task.task_id]
    assert overdue.overdue
    [escalation] = open_of(after, "escalation")
    assert (escalation.jurisdiction_path, escalation.escalation_of) == (CITY, task.task_id)  # one level up
    [expired] = events(after, "deadline_expired", due.code)
    assert expired.task_id == task.task_id
    assert_fired_on_time(expired, due)
    return overdue


# ---- forms not in forms.py (kept here so concurrent edits of forms.py cannot break these tests) ----


def extension(days: int, approval: str = "agency_head") -> dict[str, Any]:
    form: dict[str, Any] = {"days": days, "reason": "案情复杂", "approval": approval, "record_ref": f"YQ-{days}"}
    if approval == "collective_discussion":
        form["attendees"] = ["u-head1", "u-head2", "u-head3"]
    return form


def commission(at_: dt.datetime) -> dict[str, Any]:
    return {
        "appraisal_kind": "testing",
        "body": "示范市计量检测院",
        "subject": "占道面积测量",
        "commissioned_at": forms.iso(at_),
    }


def appraisal_notified(at_: dt.datetime) -> dict[str, Any]:
    return {
        "completed_at": forms.iso(at_),
        "result_summary": "占道面积3.5平方米",
        "report_ref": "JC-2027-001",
        "notified_at": forms.iso(at_),
    }


def major_report() -> dict[str, Any]:
    return {**forms.report("300", major=True), "major_grounds": ["complex"]}


def prior_notice(at_: dt.datetime, hearing_right: bool) -> dict[str, Any]:
    return forms.served(at_, document_no="告〔2027〕1号", hearing_right=hearing_right)


def hearing(notice_served_at: dt.datetime, hearing_at: dt.datetime) -> dict[str, Any]:
    return {
        "hearing_at": forms.iso(hearing_at),
        "place": "第一听证室",
        "chair": "u-legal1",
        "notice_served_at": forms.iso(notice_served_at),
        "public": True,
    }


def reminder(at_: dt.datetime) -> dict[str, Any]:
    return {
        **forms.served(at_, document_no="催〔2027〕1号"),
        "amount_due_yuan": "300",
        "comply_by": forms.iso(at_ + dt.timedelta(days=10)),
    }


FAILED = {"officers": forms.OFFICERS, "findings": "现场无法认定占道经营", "reason": "证据不足，违法事实不能成立"}


async def file_case(case: CaseDriver) -> dt.datetime:
    """Verify the lead and file the case now; returns the filing instant (T06 starts)."""
    now = await now_of(case)
    await case.complete("verify_lead", OFFICER1, "established", forms.established(now))
    await case.complete("approve_filing", HEAD1, "approve", forms.FILING)
    state = await case.state()
    assert state.summary.filed_at is not None
    return state.summary.filed_at


async def reach_prior_notice(case: CaseDriver) -> None:
    await file_case(case)
    await case.complete("investigate", OFFICER1, "report", forms.report("300"))
    await case.task("serve_prior_notice")
