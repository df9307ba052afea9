"""The step clocks of the enforcement case fire at the instant the law gives them, across the Spring
Festival and the 调休 weekend days of a 2027 holiday schedule (REFERENCE §1.1 C1–C12, §1.3): T01
verification (with its extension), T10 legal review, T11 service of the decision, T23 closing; a step
that runs out is overdue and escalated (督办) one level up.

Each case is given the invented TEST_2027 schedule (calendar_2027.py) through `CaseInput.calendar`.
The time-skipping server starts at today (late Nov 2026); each test moves its clock to a chosen start
before the case begins, so the hand-counted dates below are fixed. For every timer the due instant is
counted by hand in a comment, checked against `compute_deadline(..., calendar=LegalCalendar([TEST_2027]))`,
and then the case is driven to the point where the clock runs: one minute before the due instant the
effect has not happened; just after `expires_at` it has (polled, bounded: the workflow reacts to the
timer asynchronously)."""

from __future__ import annotations

from rules.calendar import SHANGHAI
from tests.workflows.case import forms
from tests.workflows.case.calendar_2027 import CALENDAR, D, _span, at, deadline, end_of
from tests.workflows.case.clocks import (
    FAILED,
    MINUTE,
    SECOND,
    CaseEnv,
    assert_fired_on_time,
    check_step_clock,
    clock,
    events,
    eventually,
    extension,
    file_case,
    major_report,
    now_of,
    open_case,
    open_of,
    prior_notice,
    reach_prior_notice,
    settled_state,
    sleep_to,
)
from tests.workflows.case.driver import CITY, HEAD1, OFFICER1, OFFICER2
from tests.workflows.case.flows import StartCase
from workflows.case.events import PartyEvent
from workflows.case.extensions import ExtensionRequest
from workflows.case.model import DeadlineStatus, Stage
from workflows.case.workflow import EnforcementCaseWorkflow


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
