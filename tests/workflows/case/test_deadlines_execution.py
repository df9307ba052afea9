"""The clocks of the execution fire at the instant the law gives them on a 2027 holiday schedule
(REFERENCE §1.1 C1–C12, §1.3): T15 payment period, T16 surcharge (3 %/day up to the fine, not counted
during 复议/诉讼), T18 litigation period, T19 wait after the reminder (催告), T20 court application.

Each case is given the invented TEST_2027 schedule (calendar_2027.py) through `CaseInput.calendar`.
The time-skipping server starts at today (late Nov 2026); each test moves its clock to a chosen start
before the case begins, so the hand-counted dates below are fixed. For every timer the due instant is
counted by hand in a comment, checked against `compute_deadline(..., calendar=LegalCalendar([TEST_2027]))`,
and then the case is driven to the point where the clock runs: one minute before the due instant the
effect has not happened; just after `expires_at` it has (polled, bounded: the workflow reacts to the
timer asynchronously)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.workflows.case import forms
from tests.workflows.case.calendar_2027 import D, at, deadline, end_of
from tests.workflows.case.clocks import (
    MINUTE,
    SECOND,
    CaseEnv,
    assert_fired_on_time,
    check_step_clock,
    clock,
    events,
    eventually,
    now_of,
    open_case,
    open_of,
    prior_notice,
    reach_prior_notice,
    reminder,
    settled_state,
    sleep_to,
)
from tests.workflows.case.driver import HEAD1, OFFICER1, OFFICER2, CaseDriver
from tests.workflows.case.flows import StartCase
from workflows.case.events import PartyEvent, Payment, Remedy
from workflows.case.model import DeadlineStatus, Stage
from workflows.case.state import CaseState
from workflows.case.workflow import EnforcementCaseWorkflow

FINE = Decimal("300")


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
