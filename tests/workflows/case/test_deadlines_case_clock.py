"""The case clock T06 (办案期限) fires at the instant the law gives it on a 2027 holiday schedule
(REFERENCE §1.1 C1–C12, §1.3): 90 calendar days rolled past a holiday, extended twice, held while an
appraisal runs; when it runs out a city-level supervision alert (督察) opens.

Each case is given the invented TEST_2027 schedule (calendar_2027.py) through `CaseInput.calendar`.
The time-skipping server starts at today (late Nov 2026); each test moves its clock to a chosen start
before the case begins, so the hand-counted dates below are fixed. For every timer the due instant is
counted by hand in a comment, checked against `compute_deadline(..., calendar=LegalCalendar([TEST_2027]))`,
and then the case is driven to the point where the clock runs: one minute before the due instant the
effect has not happened; just after `expires_at` it has (polled, bounded: the workflow reacts to the
timer asynchronously)."""

from __future__ import annotations

from rules.deadlines import Deadline
from tests.workflows.case.calendar_2027 import D, at, deadline, end_of
from tests.workflows.case.clocks import (
    MINUTE,
    SECOND,
    CaseEnv,
    appraisal_notified,
    assert_fired_on_time,
    clock,
    commission,
    events,
    eventually,
    extension,
    file_case,
    open_case,
    open_of,
    settled_state,
    sleep_to,
)
from tests.workflows.case.driver import CITY, HEAD1, OFFICER1, CaseDriver
from tests.workflows.case.flows import StartCase
from workflows.case.extensions import ExtensionRequest
from workflows.case.model import DeadlineStatus
from workflows.case.workflow import EnforcementCaseWorkflow

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
