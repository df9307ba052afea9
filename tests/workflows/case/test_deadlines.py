"""Every statutory clock of the enforcement case fires at the instant the law gives it, across the
Spring Festival and the 调休 weekend days of a 2027 holiday schedule (REFERENCE §1.1 C1–C12, §1.3).

The official holiday data ends with 2026, so each case is given TEST_2027 through
`CaseInput.calendar`: an invented but plausible schedule, NOT the State Council's notice for 2027.
The time-skipping server starts at today (late Nov 2026); each test moves its clock to a chosen
start before the case begins, so the hand-counted dates below are fixed.

For every timer the due instant is counted by hand in a comment, checked against
`compute_deadline(..., calendar=LegalCalendar([TEST_2027]))`, and then the case is driven to the
point where the clock runs: one minute before the due instant the effect has not happened; just
after `expires_at` it has (polled, bounded: the workflow reacts to the timer asynchronously).

T03 (先行登记保存, 7 WD) is covered too: the workflow gained evidence preservation meanwhile.

Working days of TEST_2027 around the Spring Festival (W = working, - = rest, 调 = make-up workday):

    Jan 25 Mon W | 26 W | 27 W | 28 W | 29 Fri W | 30 Sat - | 31 Sun 调
    Feb  1 Mon W |  2 W |  3 W |  4 Thu - ... 11 Thu -  (春节, Sat 6 / Sun 7 inside)
    Feb 12 Fri W | 13 Sat - | 14 Sun - | 15 Mon W ... 19 Fri W | 20 Sat 调 | 21 Sun -
    Feb 22 Mon W ... 26 Fri W | Mar 1 Mon W ... 5 Fri W
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from rules.calendar import SHANGHAI, CalendarOverride, LegalCalendar
from rules.deadlines import Deadline, compute_deadline
from tests.workflows.case import forms
from tests.workflows.case.driver import (
    CITY,
    DISTRICT_A,
    HEAD1,
    OFFICER1,
    OFFICER2,
    CaseDriver,
    case_input,
)
from workflows.case.events import PartyEvent, Payment, Remedy
from workflows.case.extensions import ExtensionRequest
from workflows.case.model import (
    CaseEvent,
    CaseInput,
    DeadlineStatus,
    DeadlineView,
    Stage,
    TaskCompletion,
    TaskView,
)
from workflows.case.workflow import CaseState, EnforcementCaseWorkflow

StartCase = Callable[[CaseInput], Awaitable[CaseDriver]]
CaseEnv = tuple[WorkflowEnvironment, Client]

MINUTE = dt.timedelta(minutes=1)
SECOND = dt.timedelta(seconds=1)
POLL_INTERVAL_S = 0.05
POLLS = 200  # 10 s of real time at most
VIOLATION = "street_vending_jiaxing"
FINE = Decimal("300")


# ------------------------------------------------------------------------------------------------
# The test schedule for 2027 (invented for these tests; clearly not an official notice)


def _span(first: dt.date, last: dt.date) -> tuple[dt.date, ...]:
    return tuple(first + dt.timedelta(days=n) for n in range((last - first).days + 1))


D = dt.date
TEST_2027 = CalendarOverride(
    year=2027,
    source="TEST SCHEDULE — invented for tests/workflows/case/test_deadlines.py, not the State Council notice",
    holidays=(
        *_span(D(2027, 1, 1), D(2027, 1, 3)),  # 元旦: Fri 1 – Sun 3 Jan
        *_span(D(2027, 2, 4), D(2027, 2, 11)),  # 春节: Thu 4 – Thu 11 Feb
        *_span(D(2027, 4, 3), D(2027, 4, 5)),  # 清明: Sat 3 – Mon 5 Apr
        *_span(D(2027, 5, 1), D(2027, 5, 5)),  # 劳动节: Sat 1 – Wed 5 May
        D(2027, 6, 9),  # 端午: Wed 9 Jun
        D(2027, 9, 15),  # 中秋: Wed 15 Sep
        *_span(D(2027, 10, 1), D(2027, 10, 7)),  # 国庆: Fri 1 – Thu 7 Oct
    ),
    workdays=(
        D(2027, 1, 31),  # Sun, for the Spring Festival
        D(2027, 2, 20),  # Sat, for the Spring Festival
        D(2027, 4, 25),  # Sun, for Labour Day
        D(2027, 5, 8),  # Sat, for Labour Day
        D(2027, 9, 26),  # Sun, for National Day
        D(2027, 10, 9),  # Sat, for National Day
    ),
)
CALENDAR = LegalCalendar([TEST_2027])


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> dt.datetime:
    """An instant in Asia/Shanghai, where legal days are counted."""
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


def end_of(year: int, month: int, day: int) -> dt.datetime:
    """The due instant of a limit period whose last day is this one (民法典 Art. 203)."""
    return at(year, month, day, 23, 59, 59)


def deadline(code: str, start: dt.datetime, hand_counted: dt.datetime, **kwargs: Any) -> Deadline:
    """The rule's deadline on the test calendar; it must equal the instant counted by hand."""
    computed = compute_deadline(code, start, calendar=CALENDAR, **kwargs)
    assert computed.due_at == hand_counted, f"{code}: compute_deadline gives {computed.due_at}, by hand {hand_counted}"
    assert not computed.provisional, f"{code} relied on a year without a schedule"
    return computed


def test_the_test_schedule_is_what_the_comments_say() -> None:
    assert [d for d in _span(D(2027, 1, 25), D(2027, 2, 22)) if CALENDAR.is_working_day(d)] == [
        D(2027, 1, 25),
        D(2027, 1, 26),
        D(2027, 1, 27),
        D(2027, 1, 28),
        D(2027, 1, 29),
        D(2027, 1, 31),
        D(2027, 2, 1),
        D(2027, 2, 2),
        D(2027, 2, 3),
        D(2027, 2, 12),
        D(2027, 2, 15),
        D(2027, 2, 16),
        D(2027, 2, 17),
        D(2027, 2, 18),
        D(2027, 2, 19),
        D(2027, 2, 20),
        D(2027, 2, 22),
    ]


# ------------------------------------------------------------------------------------------------
# Driving and observing the case


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


async def reach_execution(case: CaseDriver) -> dt.datetime:
    """Everything up to a served 300-yuan decision, now; returns the service instant."""
    await reach_prior_notice(case)
    now = await now_of(case)
    await case.complete("serve_prior_notice", OFFICER2, "served", prior_notice(now, hearing_right=False))
    await case.handle.signal(EnforcementCaseWorkflow.party_event, PartyEvent(kind="waive_statement", at=now))
    await case.complete("decide", HEAD1, "penalty", forms.decision("300"))
    served_at = await now_of(case)
    await case.complete("serve_decision", OFFICER1, "served", forms.served(served_at, document_no="罚〔2027〕1号"))
    await case.task("confirm_payment")
    return served_at


async def pay(case: CaseDriver, amount: str) -> CaseState:
    """The bank confirms a payment; returns the state once the workflow has taken it in."""
    before = len(events(await case.state(), "payment_received"))
    paid_at = await now_of(case)
    await case.handle.signal(
        EnforcementCaseWorkflow.payment_confirmed,
        Payment(amount_yuan=Decimal(amount), paid_at=paid_at, reference=f"bank-{before + 1}"),
    )
    return await eventually(case, f"payment of {amount}", lambda s: len(events(s, "payment_received")) > before)


def in_execution(state: CaseState) -> bool:
    return state.summary.stage is Stage.EXECUTION and bool(open_of(state, "confirm_payment"))


# ------------------------------------------------------------------------------------------------
# T01 线索核查: 15 WD (+10 WD with the head's approval), 住建 Art. 15


async def test_t01_verification_runs_15_working_days_across_the_spring_festival(
    case_env: CaseEnv, start_case: StartCase
) -> None:
    # Lead received Mon 25 Jan 2027. Working days after it: Jan 26, 27, 28, 29 (1–4), Sun 31 Jan 调 (5),
    # Feb 1, 2, 3 (6–8), [4–11 Feb 春节], Feb 12 (9), 15, 16, 17, 18, 19 (10–14), Sat 20 Feb 调 (15).
    # Due Sat 20 Feb 2027 23:59:59 (both make-up days count; counting plain weekends would give 15 Feb).
    case = await open_case(case_env, start_case, at(2027, 1, 25, 10))
    running = clock(await case.state(), "T01")
    assert running.start.astimezone(SHANGHAI).date() == D(2027, 1, 25)  # the lead's arrival
    t01 = deadline("T01", running.start, end_of(2027, 2, 20))
    assert running.due_at == t01.due_at

    await check_step_clock(case, "verify_lead", t01)
    assert clock(await case.state(), "T01").status is DeadlineStatus.EXPIRED


async def test_t01_extension_adds_10_working_days(case_env: CaseEnv, start_case: StartCase) -> None:
    # Lead Mon 25 Jan 2027: 15 WD end Sat 20 Feb (above). +10 WD: Feb 22, 23, 24, 25, 26 (16–20),
    # Mar 1, 2, 3, 4, 5 (21–25). Due Fri 5 Mar 2027 23:59:59.
    case = await open_case(case_env, start_case, at(2027, 1, 25, 10))
    received = await now_of(case)
    original = deadline("T01", received, end_of(2027, 2, 20))
    extended = deadline("T01", received, end_of(2027, 3, 5), extensions=1)

    await sleep_to(case, at(2027, 2, 15, 10))  # the officer asks in time, the head approves
    ask = ExtensionRequest(actor=OFFICER1, clock="T01", reason="涉及多处占道，需进一步核查")
    await case.handle.execute_update(EnforcementCaseWorkflow.request_extension, ask)
    await case.complete("approve_extension", HEAD1, "approve", extension(10))
    state = await case.state()
    assert (clock(state, "T01").due_at, clock(state, "T01").extensions) == (extended.due_at, (10,))
    assert events(state, "deadline_extended")

    await sleep_to(case, original.expires_at + MINUTE)  # the original instant passes quietly
    quiet = await settled_state(case)
    assert not events(quiet, "deadline_expired", "T01")
    assert not open_of(quiet, "escalation")
    assert not open_of(quiet, "verify_lead")[0].overdue

    await sleep_to(case, extended.due_at - MINUTE)
    before = await settled_state(case)
    assert not events(before, "deadline_expired", "T01")
    await sleep_to(case, extended.expires_at + SECOND)
    after = await eventually(case, "T01 overdue after the extension", lambda s: bool(open_of(s, "escalation")))
    [task] = open_of(after, "verify_lead")
    assert task.overdue
    [escalation] = open_of(after, "escalation")
    assert (escalation.jurisdiction_path, escalation.escalation_of) == (CITY, task.task_id)
    [expired] = events(after, "deadline_expired", "T01")
    assert_fired_on_time(expired, extended)


async def test_t01_extension_moves_the_verification_tasks_due_date(case_env: CaseEnv, start_case: StartCase) -> None:
    """The inbox shows the extended due date, not the original one (the task carries its clock)."""
    case = await open_case(case_env, start_case, at(2027, 1, 25, 10))
    extended = deadline("T01", await now_of(case), end_of(2027, 3, 5), extensions=1)
    ask = ExtensionRequest(actor=OFFICER1, clock="T01", reason="涉及多处占道，需进一步核查")
    await case.handle.execute_update(EnforcementCaseWorkflow.request_extension, ask)
    await case.complete("approve_extension", HEAD1, "approve", extension(10))
    assert clock(await case.state(), "T01").due_at == extended.due_at
    task = await case.task("verify_lead")
    assert task.due_at == extended.due_at  # the inbox shows the officer the extended due date


# ------------------------------------------------------------------------------------------------
# T06 办案期限: 90 CD from filing (+30 head, +≤60 collective), appraisal time excluded; 住建 Arts. 29–30


async def check_supervision_alert(case: CaseDriver, due: Deadline) -> None:
    """T06 ran out: a city-level 督察 alert, and the step under the case clock is overdue."""
    await sleep_to(case, due.due_at - MINUTE)
    before = await settled_state(case)
    assert not open_of(before, "supervision_alert")
    assert not events(before, "deadline_expired", "T06")
    assert not open_of(before, "investigate")[0].overdue

    await sleep_to(case, due.expires_at + SECOND)
    after = await eventually(case, "T06 supervision alert", lambda s: bool(open_of(s, "supervision_alert")))
    [alert] = open_of(after, "supervision_alert")
    assert (alert.jurisdiction_path, alert.escalation_of) == (CITY, after.summary.case_id)
    [investigate] = open_of(after, "investigate")
    assert investigate.overdue and investigate.due_at == due.due_at
    [expired] = events(after, "deadline_expired", "T06")
    assert_fired_on_time(expired, due)
    assert after.summary.overdue
    assert clock(after, "T06").status is DeadlineStatus.EXPIRED


async def test_t06_case_clock_runs_90_calendar_days_and_rolls_past_qingming(
    case_env: CaseEnv, start_case: StartCase
) -> None:
    # Filed Mon 4 Jan 2027. 90 CD: Jan 5–31 (27), Feb (28) → 55, Mar (31) → 86, Apr 1–4 → 90: Sun 4 Apr,
    # a 清明 holiday; rolled past Sun 4 and Mon 5 Apr (C6, C12) to Tue 6 Apr 2027 23:59:59.
    case = await open_case(case_env, start_case, at(2027, 1, 4, 9))
    filed_at = await file_case(case)
    t06 = deadline("T06", filed_at, end_of(2027, 4, 6))
    assert t06.rolled_over_from == D(2027, 4, 4)
    assert clock(await case.state(), "T06").due_at == t06.due_at
    assert (await case.task("investigate")).due_at == t06.due_at

    await check_supervision_alert(case, t06)


async def test_t06_case_clock_with_both_extensions(case_env: CaseEnv, start_case: StartCase) -> None:
    # Filed Mon 4 Jan 2027; 90 + 30 + 60 = 180 CD: Jan 4 + 90 = Apr 4, + 30 = May 4, + 60 = Sat 3 Jul;
    # a Saturday rolls to Mon 5 Jul 2027 23:59:59.
    case = await open_case(case_env, start_case, at(2027, 1, 4, 9))
    filed_at = await file_case(case)
    plain = deadline("T06", filed_at, end_of(2027, 4, 6))
    extended = deadline("T06", filed_at, end_of(2027, 7, 5), extensions=2)

    ask = ExtensionRequest(actor=OFFICER1, clock="T06", reason="案情复杂")
    await sleep_to(case, at(2027, 3, 29, 10))  # first extension: the head, +30 CD
    await case.handle.execute_update(EnforcementCaseWorkflow.request_extension, ask)
    await case.complete("approve_extension", HEAD1, "approve", extension(30))
    await sleep_to(case, at(2027, 4, 6, 10))  # second: collective discussion, +60 CD
    await case.handle.execute_update(EnforcementCaseWorkflow.request_extension, ask)
    await case.complete("approve_extension", HEAD1, "approve", extension(60, "collective_discussion"))
    state = await case.state()
    assert (clock(state, "T06").due_at, clock(state, "T06").extensions) == (extended.due_at, (30, 60))

    await sleep_to(case, plain.expires_at + MINUTE)
    assert not open_of(await settled_state(case), "supervision_alert")
    await check_supervision_alert(case, extended)


async def test_t06_appraisal_time_is_excluded_from_the_case_clock(case_env: CaseEnv, start_case: StartCase) -> None:
    # Filed Mon 4 Jan 2027: due Tue 6 Apr without pauses (above). Testing commissioned Thu 25 Mar 2027,
    # result issued and told to the party Fri 9 Apr 2027: 15 days excluded (Mar 26 … Apr 9); the clock is held
    # past 6 Apr and the period ends Jan 4 + 90 + 15 = Mon 19 Apr 2027 23:59:59 (a working day).
    case = await open_case(case_env, start_case, at(2027, 1, 4, 9))
    filed_at = await file_case(case)
    plain = deadline("T06", filed_at, end_of(2027, 4, 6))
    paused = deadline("T06", filed_at, end_of(2027, 4, 19), paused_days=15)

    commissioned_at = await sleep_to(case, at(2027, 3, 25, 10))
    await case.complete("investigate", OFFICER1, "commission_appraisal", commission(commissioned_at))
    await case.task("record_appraisal")
    assert clock(await case.state(), "T06").status is DeadlineStatus.PAUSED

    await sleep_to(case, plain.expires_at + MINUTE)  # held: the original instant passes quietly
    held = await settled_state(case)
    assert not open_of(held, "supervision_alert")
    assert not events(held, "deadline_expired", "T06")
    assert clock(held, "T06").status is DeadlineStatus.PAUSED

    notified_at = await sleep_to(case, at(2027, 4, 9, 10))
    await case.complete("record_appraisal", OFFICER1, "result_notified", appraisal_notified(notified_at))
    investigate = await case.task("investigate")
    state = await case.state()
    assert (clock(state, "T06").due_at, clock(state, "T06").paused_days) == (paused.due_at, 15)
    assert clock(state, "T06").status is DeadlineStatus.RUNNING
    assert investigate.due_at == paused.due_at
    [resumed] = events(state, "case_clock_resumed")
    assert resumed.detail["days"] == 15

    await check_supervision_alert(case, paused)


# ------------------------------------------------------------------------------------------------
# T03 先行登记保存: a decision within 7 WD, or the measure lapses by itself; 处罚法 Art. 56, 住建 Art. 19


def preservation(at_: dt.datetime) -> dict[str, Any]:
    return {
        "approved_by": "u-head1",
        "approval_ref": "BC-2027-1",
        "preserved_at": forms.iso(at_),
        "items": [{"name": "三轮车", "quantity": "1辆", "storage_place": "中队仓库"}],
        "party_signed": True,
    }


async def test_t03_undecided_preservation_lapses_after_7_working_days(case_env: CaseEnv, start_case: StartCase) -> None:
    # Evidence registered Wed 3 Feb 2027. Working days after it: [4–11 Feb 春节], Feb 12 (1), Feb 15–19 (2–6),
    # Sat 20 Feb 调 (7). Without a decision the measure lapses after Sat 20 Feb 2027 23:59:59.
    case = await open_case(case_env, start_case, at(2027, 1, 25, 9))
    await file_case(case)
    preserved_at = await sleep_to(case, at(2027, 2, 3, 10))
    await case.complete("investigate", OFFICER1, "preserve_evidence", preservation(preserved_at))
    t03 = deadline("T03", preserved_at, end_of(2027, 2, 20))
    task = await case.task("decide_preserved_evidence")
    assert task.due_at == t03.due_at
    assert clock(await case.state(), "T03").due_at == t03.due_at

    await sleep_to(case, t03.due_at - MINUTE)
    before = await settled_state(case)
    assert not events(before, "measure_lapsed")
    assert open_of(before, "decide_preserved_evidence")

    await sleep_to(case, t03.expires_at + SECOND)
    after = await eventually(case, "T03 lapse", lambda s: bool(events(s, "measure_lapsed")))
    [lapsed] = events(after, "measure_lapsed", "T03")
    assert lapsed.task_id == task.task_id
    assert_fired_on_time(lapsed, t03)
    assert not open_of(after, "decide_preserved_evidence")  # nothing left to decide
    assert not open_of(after, "escalation") and not after.summary.overdue  # the law lets it lapse: no 督办
    assert open_of(after, "investigate")  # the investigation goes on


# ------------------------------------------------------------------------------------------------
# T07 / T08 陈述申辩 and 听证申请: 5 WD after the prior notice is served; T09 hearing notice ≥ 7 WD


async def test_t07_t08_statement_and_hearing_windows_close_after_5_working_days(
    case_env: CaseEnv, start_case: StartCase
) -> None:
    # Prior notice served Wed 3 Feb 2027 (the eve of the 春节 holiday). Working days after it:
    # [4–11 Feb off], Feb 12 (1), Feb 15, 16, 17, 18 (2–5). Both windows close Thu 18 Feb 2027 23:59:59.
    case = await open_case(case_env, start_case, at(2027, 1, 25, 9))
    await reach_prior_notice(case)
    served_at = await sleep_to(case, at(2027, 2, 3, 10))
    await case.complete("serve_prior_notice", OFFICER2, "served", prior_notice(served_at, hearing_right=True))
    t07 = deadline("T07", served_at, end_of(2027, 2, 18))
    t08 = deadline("T08", served_at, end_of(2027, 2, 18))
    state = await case.state()
    assert (clock(state, "T07").due_at, clock(state, "T08").due_at) == (t07.due_at, t08.due_at)

    await sleep_to(case, t07.due_at - MINUTE)
    before = await settled_state(case)
    assert not events(before, "window_closed")
    assert before.summary.stage is Stage.PRIOR_NOTICE
    # No decision while the windows run: the workflow has not opened the decide step, so a completion
    # aimed at the task it will open is refused (not found).
    assert not open_of(before, "decide")
    decide_id = f"{before.summary.case_id}/{len(events(before, 'task_opened')) + 1:03d}-decide"
    early = TaskCompletion(task_id=decide_id, actor=HEAD1, outcome="penalty", form=forms.decision("300"))
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await case.handle.execute_update(EnforcementCaseWorkflow.complete_task, early)
    assert isinstance(refused.value.cause, ApplicationError) and refused.value.cause.type == "TaskNotFound"

    await sleep_to(case, t07.expires_at + SECOND)
    after = await eventually(case, "both windows closed", lambda s: len(events(s, "window_closed")) == 2)
    for code, due in (("T07", t07), ("T08", t08)):
        [closed] = events(after, "window_closed", code)
        assert_fired_on_time(closed, due)
        assert clock(after, code).status is DeadlineStatus.EXPIRED

    late = await now_of(case)  # the hearing right has lapsed: a late request is only recorded
    await case.handle.signal(EnforcementCaseWorkflow.party_event, PartyEvent(kind="hearing_request", at=late))
    await eventually(case, "late request recorded", lambda s: bool(events(s, "party_event_outside_window")))
    assert (await case.task("decide")).task_id == decide_id
    await case.complete("decide", HEAD1, "penalty", forms.decision("300"))  # now allowed
    assert (await case.state()).summary.stage is Stage.SERVICE
    assert not open_of(await case.state(), "schedule_hearing")


async def test_t09_hearing_needs_7_working_days_notice(case_env: CaseEnv, start_case: StartCase) -> None:
    # Hearing notice served Wed 3 Feb 2027. 7 WD after it: Feb 12 (1), Feb 15–19 (2–6), Sat 20 Feb 调 (7);
    # the hearing may be held from Sun 21 Feb 2027 00:00 (the hearing day is not one of the seven).
    # One day earlier (Sat 20 Feb 00:00) is refused, and so is the last second before the earliest instant.
    case = await open_case(case_env, start_case, at(2027, 1, 25, 9))
    await reach_prior_notice(case)
    served_at = await sleep_to(case, at(2027, 2, 1, 10))
    await case.complete("serve_prior_notice", OFFICER2, "served", prior_notice(served_at, hearing_right=True))
    requested_at = await sleep_to(case, at(2027, 2, 2, 10))
    await case.handle.signal(
        EnforcementCaseWorkflow.party_event, PartyEvent(kind="hearing_request", at=requested_at, text="申请听证")
    )
    notice_at = await sleep_to(case, at(2027, 2, 3, 15))
    await case.task("schedule_hearing")
    earliest = deadline("T09", notice_at, at(2027, 2, 21))

    for too_early in (earliest.due_at - dt.timedelta(days=1), earliest.due_at - SECOND):
        refusal = await case.refused("schedule_hearing", OFFICER1, "scheduled", hearing(notice_at, too_early))
        assert refusal.type == "LegalRule", refusal
        assert "2027-02-21" in str(refusal)
    await case.complete("schedule_hearing", OFFICER1, "scheduled", hearing(notice_at, earliest.due_at))
    await case.task("record_hearing")


# ------------------------------------------------------------------------------------------------
# T10 法制审核: 10 WD from receipt of the materials (major cases), 住建 Art. 25


async def test_t10_legal_review_of_a_major_case(case_env: CaseEnv, start_case: StartCase) -> None:
    # Materials received Mon 1 Feb 2027. Working days after it: Feb 2, 3 (1–2), [春节], Feb 12 (3),
    # Feb 15–19 (4–8), Sat 20 Feb 调 (9), Mon 22 Feb (10). Due Mon 22 Feb 2027 23:59:59.
    case = await open_case(case_env, start_case, at(2027, 1, 25, 9))
    await file_case(case)
    received = await sleep_to(case, at(2027, 2, 1, 10))
    await case.complete("investigate", OFFICER1, "report", major_report())
    t10 = deadline("T10", received, end_of(2027, 2, 22))

    await check_step_clock(case, "legal_review", t10)


# ------------------------------------------------------------------------------------------------
# T11 决定书送达: 7 WD after the decision, 处罚法 Art. 61


async def test_t11_service_of_the_decision(case_env: CaseEnv, start_case: StartCase) -> None:
    # Decided Fri 29 Jan 2027. Working days after it: Sun 31 Jan 调 (1), Feb 1, 2, 3 (2–4), [春节],
    # Feb 12 (5), Feb 15, 16 (6–7). Due Tue 16 Feb 2027 23:59:59.
    case = await open_case(case_env, start_case, at(2027, 1, 25, 9))
    await reach_prior_notice(case)
    now = await now_of(case)
    await case.complete("serve_prior_notice", OFFICER2, "served", prior_notice(now, hearing_right=False))
    await case.handle.signal(EnforcementCaseWorkflow.party_event, PartyEvent(kind="waive_statement", at=now))
    await case.task("decide")
    decided_at = await sleep_to(case, at(2027, 1, 29, 10))
    await case.complete("decide", HEAD1, "penalty", forms.decision("300"))
    t11 = deadline("T11", decided_at, end_of(2027, 2, 16))

    await check_step_clock(case, "serve_decision", t11)


# ------------------------------------------------------------------------------------------------
# T15 缴款期限 15 CD and T16 加处罚款 3 %/day capped at the fine, not counted during 复议/诉讼


# Decision served Fri 22 Jan 2027. T15: Jan 22 + 15 CD = Sat 6 Feb, inside 春节 (4–11 Feb); rolled to
# Fri 12 Feb 2027 23:59:59. The surcharge runs from Sat 13 Feb (day 1); day n is Feb 12 + n:
# day 33 = Wed 17 Mar (99 %), day 34 = Thu 18 Mar (102 % → capped at 100 %: twice the fine in total).
SERVED_T15 = at(2027, 1, 22, 9)
T15_DUE = end_of(2027, 2, 12)
T16_CAP = end_of(2027, 3, 18)


def surcharge_day(n: int, hour: int = 10) -> dt.datetime:
    return at(2027, 2, 12, hour) + dt.timedelta(days=n)


async def test_t15_payment_period_starts_the_surcharge_and_the_reminder(
    case_env: CaseEnv, start_case: StartCase
) -> None:
    case = await open_case(case_env, start_case, SERVED_T15)
    served_at = await reach_execution(case)
    t15 = deadline("T15", served_at, T15_DUE)
    assert t15.rolled_over_from == D(2027, 2, 6)
    t16 = deadline("T16", t15.due_at, T16_CAP)
    assert clock(await case.state(), "T15").due_at == t15.due_at

    await sleep_to(case, t15.due_at - MINUTE)
    before = await settled_state(case)
    assert not events(before, "payment_overdue")
    assert "T16" not in {d.code for d in before.deadlines}
    assert not open_of(before, "serve_reminder")

    await sleep_to(case, t15.expires_at + SECOND)
    after = await eventually(case, "T15 expiry", lambda s: bool(open_of(s, "serve_reminder")))
    [overdue] = events(after, "payment_overdue")
    assert_fired_on_time(overdue, t15)
    assert clock(after, "T15").status is DeadlineStatus.EXPIRED
    surcharge = clock(after, "T16")
    assert (surcharge.status, surcharge.due_at) == (DeadlineStatus.RUNNING, t16.due_at)

    await sleep_to(case, surcharge_day(1))  # paying only the fine after the deadline is not enough
    assert in_execution(await pay(case, "300"))
    assert in_execution(await settled_state(case))

    await sleep_to(case, t16.due_at - MINUTE)  # the accrual "period" ends on the day the cap is reached
    assert not events(await settled_state(case), "period_ended", "T16")
    await sleep_to(case, t16.expires_at + SECOND)
    ended = await eventually(case, "T16 cap day", lambda s: bool(events(s, "period_ended", "T16")))
    assert_fired_on_time(events(ended, "period_ended", "T16")[0], t16)


@pytest.mark.parametrize(
    ("day", "total_due"),
    [
        (1, "309.00"),  # 3 %
        (33, "597.00"),  # 99 %
        (34, "600.00"),  # 102 % → the cap: twice the fine
        (60, "600.00"),  # the cap holds
    ],
)
async def test_t16_the_amount_due_grows_3_percent_a_day_up_to_twice_the_fine(
    case_env: CaseEnv, start_case: StartCase, day: int, total_due: str
) -> None:
    """On surcharge day `day` the amount due is pinned: one fen less leaves the case in execution,
    the exact total settles it and the case moves to closing."""
    case = await open_case(case_env, start_case, SERVED_T15)
    served_at = await reach_execution(case)
    deadline("T15", served_at, T15_DUE)

    await sleep_to(case, surcharge_day(day))
    assert in_execution(await pay(case, "300"))  # the fine alone
    short = Decimal(total_due) - FINE - Decimal("0.01")
    if short > 0:
        assert in_execution(await pay(case, str(short)))
    await pay(case, "0.01")
    state = await eventually(case, "settled", lambda s: bool(open_of(s, "approve_closing")))
    assert state.summary.stage is Stage.CLOSING
    [paid] = events(state, "paid")
    assert Decimal(paid.detail["surcharge_yuan"]) == Decimal(total_due) - FINE


async def test_t16_days_of_a_review_do_not_count(case_env: CaseEnv, start_case: StartCase) -> None:
    # Review (复议) filed Wed 17 Feb 2027 (day 5), ended Mon 1 Mar 2027 (day 17): 12 days excluded
    # (Feb 18 … Mar 1). The cap moves from day 34 to day 46 = Tue 30 Mar 2027 23:59:59; on day 45
    # (Mon 29 Mar) 45 − 12 = 33 days count: 99 %, 597 yuan in all.
    case = await open_case(case_env, start_case, SERVED_T15)
    served_at = await reach_execution(case)
    t15 = deadline("T15", served_at, T15_DUE)
    capped = deadline("T16", t15.due_at, end_of(2027, 3, 30), paused_days=12)

    filed = await sleep_to(case, surcharge_day(5))
    await case.handle.signal(EnforcementCaseWorkflow.remedy, Remedy(kind="review", state="filed", at=filed))
    ended = await sleep_to(case, surcharge_day(17))
    await case.handle.signal(EnforcementCaseWorkflow.remedy, Remedy(kind="review", state="ended", at=ended))
    state = await eventually(case, "review ended", lambda s: bool(events(s, "review_ended")))
    assert (clock(state, "T16").due_at, clock(state, "T16").paused_days) == (capped.due_at, 12)

    await sleep_to(case, T16_CAP + MINUTE)  # the unpaused cap day passes quietly
    assert not events(await settled_state(case), "period_ended", "T16")

    await sleep_to(case, surcharge_day(45))
    assert in_execution(await pay(case, "300"))
    assert in_execution(await pay(case, "296.99"))
    await pay(case, "0.01")
    state = await eventually(case, "settled", lambda s: bool(open_of(s, "approve_closing")))
    assert state.summary.stage is Stage.CLOSING
    assert Decimal(events(state, "paid")[0].detail["surcharge_yuan"]) == Decimal("297.00")


async def test_t16_the_amount_is_frozen_while_a_review_is_pending(case_env: CaseEnv, start_case: StartCase) -> None:
    # Review filed Wed 17 Feb 2027 (day 5) and still pending on Mon 22 Feb (day 10): only days 1–5 count
    # (处罚法 Art. 73 para 3), 15 %: 345 yuan in all; a party paying that during the review has paid in full.
    case = await open_case(case_env, start_case, SERVED_T15)
    await reach_execution(case)
    filed = await sleep_to(case, surcharge_day(5))
    await case.handle.signal(EnforcementCaseWorkflow.remedy, Remedy(kind="review", state="filed", at=filed))
    pending = await eventually(case, "review filed", lambda s: bool(events(s, "review_filed")))
    assert clock(pending, "T16").status is DeadlineStatus.PAUSED
    await sleep_to(case, surcharge_day(10))
    assert in_execution(await pay(case, "344.99"))
    await pay(case, "0.01")
    state = await eventually(case, "settled during the review", lambda s: bool(open_of(s, "approve_closing")))
    assert Decimal(events(state, "paid")[0].detail["surcharge_yuan"]) == Decimal("45.00")


async def test_t16_a_review_filed_before_the_payment_deadline_excludes_only_surcharge_days(
    case_env: CaseEnv, start_case: StartCase
) -> None:
    # Review filed Mon 1 Feb 2027 (before T15 ends on Fri 12 Feb), ended Mon 1 Mar 2027 (day 17). The
    # surcharge would have run on days 1–17 (13 Feb … 1 Mar): those 17 days are excluded, not the 28 days
    # of the whole review. The cap moves to day 34 + 17 = 51 = Sun 4 Apr 2027 23:59:59 (an accrual does
    # not roll over). On day 30 (Sun 14 Mar) 13 days count: 39 %, 417 yuan in all.
    case = await open_case(case_env, start_case, SERVED_T15)
    served_at = await reach_execution(case)
    t15 = deadline("T15", served_at, T15_DUE)
    capped = deadline("T16", t15.due_at, end_of(2027, 4, 4), paused_days=17)

    filed = await sleep_to(case, at(2027, 2, 1, 10))
    await case.handle.signal(EnforcementCaseWorkflow.remedy, Remedy(kind="review", state="filed", at=filed))
    ended = await sleep_to(case, surcharge_day(17))
    await case.handle.signal(EnforcementCaseWorkflow.remedy, Remedy(kind="review", state="ended", at=ended))
    state = await eventually(case, "review ended", lambda s: bool(events(s, "review_ended")))
    assert (clock(state, "T16").paused_days, clock(state, "T16").due_at) == (17, capped.due_at)
    await sleep_to(case, surcharge_day(30))
    assert in_execution(await pay(case, "416.99"))
    await pay(case, "0.01")
    state = await eventually(case, "settled", lambda s: bool(open_of(s, "approve_closing")))
    assert Decimal(events(state, "paid")[0].detail["surcharge_yuan"]) == Decimal("117.00")


async def test_t15_a_payment_made_in_time_but_confirmed_later_owes_no_surcharge(
    case_env: CaseEnv, start_case: StartCase
) -> None:
    # Paid Fri 12 Feb 2027 16:00, the last day of T15; the bank's confirmation arrives Mon 15 Feb 10:00.
    case = await open_case(case_env, start_case, SERVED_T15)
    served_at = await reach_execution(case)
    t15 = deadline("T15", served_at, T15_DUE)
    paid_at = at(2027, 2, 12, 16)
    assert paid_at < t15.due_at
    await sleep_to(case, at(2027, 2, 15, 10))
    await case.handle.signal(
        EnforcementCaseWorkflow.payment_confirmed, Payment(amount_yuan=FINE, paid_at=paid_at, reference="bank-1")
    )
    state = await eventually(case, "settled", lambda s: bool(open_of(s, "approve_closing")))
    assert Decimal(events(state, "paid")[0].detail["surcharge_yuan"]) == 0


async def test_t15_the_payment_task_carries_the_payment_deadline(case_env: CaseEnv, start_case: StartCase) -> None:
    case = await open_case(case_env, start_case, SERVED_T15)
    served_at = await reach_execution(case)
    t15 = deadline("T15", served_at, T15_DUE)
    assert (await case.task("confirm_payment")).due_at == t15.due_at


# ------------------------------------------------------------------------------------------------
# T18 起诉期限 6 M, T19 催告 ≥ 10 WD, T20 申请法院强制执行 3 M; 强制法 Arts. 53, 54


# Decision served Tue 5 Jan 2027. T15: Jan 5 + 15 = Wed 20 Jan 2027 23:59:59.
# T18: 6 months → Mon 5 Jul 2027 23:59:59. T20 from the end of T18: 3 months → Tue 5 Oct, inside 国庆
# (1–7 Oct); rolled to Fri 8 Oct 2027 23:59:59.
SERVED_T18 = at(2027, 1, 5, 9)


async def test_t19_t20_court_application_after_the_reminder_and_the_litigation_period(
    case_env: CaseEnv, start_case: StartCase
) -> None:
    # Reminder served Fri 29 Jan 2027. 10 WD after it: Sun 31 Jan 调 (1), Feb 1, 2, 3 (2–4), [春节],
    # Feb 12 (5), Feb 15–19 (6–10). The court may be asked from Sat 20 Feb 2027 00:00.
    case = await open_case(case_env, start_case, SERVED_T18)
    served_at = await reach_execution(case)
    t15 = deadline("T15", served_at, end_of(2027, 1, 20))
    t18 = deadline("T18", served_at, end_of(2027, 7, 5))
    t20 = deadline("T20", t18.due_at, end_of(2027, 10, 8))
    assert t20.rolled_over_from == D(2027, 10, 5)
    assert clock(await case.state(), "T18").due_at == t18.due_at

    await sleep_to(case, t15.expires_at + SECOND)
    await case.task("serve_reminder")
    reminded_at = await sleep_to(case, at(2027, 1, 29, 10))
    await case.complete("serve_reminder", OFFICER1, "served", reminder(reminded_at))
    t19 = deadline("T19", reminded_at, at(2027, 2, 20))
    assert clock(await case.state(), "T19").due_at == t19.due_at

    await sleep_to(case, t19.due_at - MINUTE)
    assert not events(await settled_state(case), "period_ended", "T19")
    await sleep_to(case, t19.expires_at + SECOND)
    waited = await eventually(case, "T19 wait over", lambda s: bool(events(s, "period_ended", "T19")))
    assert_fired_on_time(events(waited, "period_ended", "T19")[0], t19)
    assert not open_of(waited, "apply_court_enforcement")  # the litigation period still runs

    await sleep_to(case, t18.due_at - MINUTE)
    assert not open_of(await settled_state(case), "apply_court_enforcement")
    await sleep_to(case, t18.expires_at + SECOND)
    await eventually(case, "court application", lambda s: bool(open_of(s, "apply_court_enforcement")))
    application = await case.task("apply_court_enforcement")
    assert (application.deadline_code, application.due_at) == ("T20", t20.due_at)
    assert clock(await case.state(), "T20").due_at == t20.due_at

    await check_step_clock(case, "apply_court_enforcement", t20)


async def test_t19_still_running_holds_back_the_court_application(case_env: CaseEnv, start_case: StartCase) -> None:
    # Reminder served late, Wed 30 Jun 2027. 10 WD after it: Jul 1, 2 (1–2), Jul 5–9 (3–7), Jul 12, 13, 14
    # (8–10): the court may be asked from Thu 15 Jul 2027 00:00, after T18 ended (Mon 5 Jul). The
    # application then opens with T20's due date, still counted from the end of T18.
    case = await open_case(case_env, start_case, SERVED_T18)
    served_at = await reach_execution(case)
    t18 = deadline("T18", served_at, end_of(2027, 7, 5))
    t20 = deadline("T20", t18.due_at, end_of(2027, 10, 8))

    reminded_at = await sleep_to(case, at(2027, 6, 30, 10))
    await case.complete("serve_reminder", OFFICER1, "served", reminder(reminded_at))
    t19 = deadline("T19", reminded_at, at(2027, 7, 15))

    await sleep_to(case, t18.expires_at + MINUTE)
    assert not open_of(await settled_state(case), "apply_court_enforcement")
    await sleep_to(case, t19.due_at - MINUTE)
    assert not open_of(await settled_state(case), "apply_court_enforcement")
    await sleep_to(case, t19.expires_at + SECOND)
    await eventually(case, "court application", lambda s: bool(open_of(s, "apply_court_enforcement")))
    application = await case.task("apply_court_enforcement")
    assert application.due_at == t20.due_at


# ------------------------------------------------------------------------------------------------
# T23 结案: 15 WD from the closing event, 住建 Art. 31


async def test_t23_closing_approval(case_env: CaseEnv, start_case: StartCase) -> None:
    # Investigation ended (facts not established) Fri 29 Jan 2027: the closing event. Working days after
    # it: Sun 31 Jan 调 (1), Feb 1, 2, 3 (2–4), [春节], Feb 12 (5), Feb 15–19 (6–10), Sat 20 Feb 调 (11),
    # Feb 22, 23, 24, 25 (12–15). Due Thu 25 Feb 2027 23:59:59.
    case = await open_case(case_env, start_case, at(2027, 1, 25, 9))
    await file_case(case)
    closing_event = await sleep_to(case, at(2027, 1, 29, 10))
    await case.complete("investigate", OFFICER1, "not_established", FAILED)
    t23 = deadline("T23", closing_event, end_of(2027, 2, 25))

    await check_step_clock(case, "approve_closing", t23)
    closing = {"ground": "investigation_terminated", "execution_result": "违法事实不能成立，终止调查"}
    await case.complete("approve_closing", HEAD1, "approve", {**closing, "archive": {"source_and_filing": ["doc-1"]}})
    summary = await case.handle.result()
    assert (summary.stage, summary.result, summary.overdue) == (Stage.CLOSED, "not_established", True)
