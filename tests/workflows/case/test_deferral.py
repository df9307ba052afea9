"""延期、分期缴纳罚款 (处罚法 Art. 66 para 2): the party applies while the payment period T15 runs, an
officer registers the application (`request_deferral`), the agency head decides (`approve_deferral`).
An approved deferral moves the end of T15, so no surcharge (T16) accrues in the deferred period; an
instalment plan gives each instalment its due date and ends T15 with the last one; the court window
T20 then counts from the end of the deferral (处罚法 Art. 72 para 2), never from before the litigation
period T18 has run. A refusal leaves everything as it was.

Every case runs on the TEST_2027 schedule (calendar_2027.py). The decision is served Fri 22 Jan 2027:
T15 ends Fri 12 Feb 2027 23:59:59 (15 CD end on Sat 6 Feb, inside 春节, rolled over); T18 ends
Thu 22 Jul 2027 23:59:59."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from tests.workflows.case import forms
from tests.workflows.case.calendar_2027 import at, deadline, end_of
from tests.workflows.case.clocks import (
    MINUTE,
    SECOND,
    CaseEnv,
    assert_fired_on_time,
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
from tests.workflows.case.flows import StartCase, assert_closed, finished
from tests.workflows.case.flows import deadline as clock_of
from tests.workflows.case.refusing import Attempt, completing_kind, refused_without_change
from workflows.case.events import PartyEvent, Payment
from workflows.case.model import Actor, DeadlineStatus, TaskStatus, TaskView
from workflows.case.stages.deferral import DeferralRequest
from workflows.case.state import CaseState
from workflows.case.workflow import EnforcementCaseWorkflow

SERVED = at(2027, 1, 22, 9)
T15_DUE = end_of(2027, 2, 12)
T18_DUE = end_of(2027, 7, 22)


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


Arrangement = Literal["deferral", "instalment"]


async def apply(case: CaseDriver, who: Actor = OFFICER1, arrangement: Arrangement = "deferral") -> TaskView:
    """An officer registers the party's written application; returns the head's approval task."""
    request = DeferralRequest(
        actor=who,
        arrangement=arrangement,
        reason="经营困难，无力一次缴纳",
        applied_at=await now_of(case),
        application_ref="延申〔2027〕1号",
    )
    return await case.handle.execute_update(EnforcementCaseWorkflow.request_deferral, request)


def applying(case: CaseDriver, who: Actor = OFFICER1) -> Attempt:
    async def attempt() -> TaskView:
        return await apply(case, who)

    return attempt


def deferred_to(new_due_at: dt.datetime) -> dict[str, Any]:
    return {"arrangement": "deferral", "reason": "当事人确有经济困难", "new_due_at": forms.iso(new_due_at)}


def instalments(*plan: tuple[dt.datetime, str]) -> dict[str, Any]:
    items = [{"due_at": forms.iso(due), "amount_yuan": amount} for due, amount in plan]
    return {"arrangement": "instalment", "reason": "当事人确有经济困难", "instalments": items}


async def pay(case: CaseDriver, amount: str) -> CaseState:
    before = len(events(await case.state(), "payment_received"))
    payment = Payment(amount_yuan=Decimal(amount), paid_at=await now_of(case), reference=f"bank-{before + 1}")
    await case.handle.signal(EnforcementCaseWorkflow.payment_confirmed, payment)
    return await eventually(case, f"payment of {amount}", lambda s: len(events(s, "payment_received")) > before)


async def close_as_paid(case: CaseDriver) -> CaseState:
    """The fine is settled: closing opens; the paid event says no surcharge was owed; the case closes."""
    state = await eventually(case, "settled", lambda s: bool(open_of(s, "approve_closing")))
    [paid] = events(state, "paid")
    assert paid.detail["fine_yuan"] == "300"
    assert Decimal(paid.detail["surcharge_yuan"]) == 0
    await case.complete("approve_closing", HEAD1, "approve", forms.CLOSING)
    assert_closed(await finished(case), "paid")
    return state


async def test_an_approved_deferral_moves_the_payment_deadline_and_no_surcharge_accrues(
    case_env: CaseEnv, start_case: StartCase
) -> None:
    case = await open_case(case_env, start_case, SERVED)
    served_at = await reach_execution(case)
    t15 = deadline("T15", served_at, T15_DUE)

    await sleep_to(case, at(2027, 2, 1, 10))
    approval = await apply(case)
    assert (approval.kind, approval.candidate_roles, approval.due_at) == ("approve_deferral", ("agency_head",), T15_DUE)
    await case.complete("approve_deferral", HEAD1, "approve", deferred_to(at(2027, 3, 15, 17)))

    state = await case.state()
    moved = clock(state, "T15")
    assert (moved.due_at, moved.last_day, moved.start) == (end_of(2027, 3, 15), dt.date(2027, 3, 15), t15.start)
    assert (await case.task("confirm_payment")).due_at == end_of(2027, 3, 15)  # the payment task follows
    [deferred] = events(state, "payment_deferred")
    assert (deferred.actor, deferred.detail["due_at"]) == ("head1", end_of(2027, 3, 15).isoformat())
    await refused_without_change(case, applying(case), "LegalRule", "already in force")

    await sleep_to(case, t15.expires_at + MINUTE)  # the original end passes: no surcharge, no reminder
    quiet = await settled_state(case)
    assert not events(quiet, "payment_overdue") and not open_of(quiet, "serve_reminder")
    assert "T16" not in {d.code for d in quiet.deadlines}
    assert clock(quiet, "T15").status is DeadlineStatus.RUNNING

    await sleep_to(case, at(2027, 3, 1, 10))  # day 17 of the surcharge had the deadline stood: 51 %
    await pay(case, "300")  # the fine alone settles it
    await close_as_paid(case)


async def test_an_instalment_plan_sets_each_instalments_due_date(case_env: CaseEnv, start_case: StartCase) -> None:
    case = await open_case(case_env, start_case, SERVED)
    await reach_execution(case)
    case_id = (await case.state()).summary.case_id
    await sleep_to(case, at(2027, 2, 1, 10))
    await apply(case, arrangement="instalment")
    plan = [(at(2027, 3, 1, 12), "100"), (at(2027, 3, 15, 12), "100"), (at(2027, 4, 1, 12), "100")]

    short = await completing_kind(
        case, "approve_deferral", HEAD1, "approve", instalments(*plan[:2], (plan[2][0], "50"))
    )
    await refused_without_change(case, short, "LegalRule", "add up to the fine", "300")
    earlier = await completing_kind(case, "approve_deferral", HEAD1, "approve", deferred_to(at(2027, 2, 10, 12)))
    await refused_without_change(case, earlier, "LegalRule", "2027-02-10", "after the current one", "2027-02-12")
    await case.complete("approve_deferral", HEAD1, "approve", instalments(*plan))

    state = await case.state()
    assert clock_of(state, "T15", subject=case_id).due_at == end_of(2027, 4, 1)  # T15 ends with the last one
    first, second = (clock_of(state, "T15", subject=f"{case_id}/instalment-{n}") for n in (1, 2))
    assert (first.due_at, second.due_at) == (end_of(2027, 3, 1), end_of(2027, 3, 15))
    [deferred] = events(state, "payment_deferred")
    assert [i["due_on"] for i in deferred.detail["instalments"]] == ["2027-03-01", "2027-03-15", "2027-04-01"]

    await sleep_to(case, at(2027, 2, 26, 10))
    await pay(case, "100")  # the first instalment, in time
    paid_first = await eventually(
        case,
        "instalment 1 met",
        lambda s: clock_of(s, "T15", subject=f"{case_id}/instalment-1").status is DeadlineStatus.MET,
    )
    assert not open_of(paid_first, "approve_closing")

    second_due = second.due_at
    await sleep_to(case, second_due - MINUTE)
    assert not events(await settled_state(case), "instalment_missed")
    await sleep_to(case, second_due + SECOND * 2)  # the second instalment is missed
    missed_state = await eventually(case, "instalment missed", lambda s: bool(events(s, "instalment_missed")))
    [missed] = events(missed_state, "instalment_missed")
    assert (missed.detail["instalment"], missed.detail["due_by_then_yuan"], missed.detail["paid_yuan"]) == (
        2,
        "200",
        "100",
    )
    assert second_due <= missed.at <= second_due + MINUTE
    assert not events(missed_state, "payment_overdue")  # the plan's last day still governs the surcharge

    await sleep_to(case, at(2027, 3, 25, 10))
    await pay(case, "200")
    await close_as_paid(case)


async def test_a_refused_deferral_leaves_everything_as_it_was(case_env: CaseEnv, start_case: StartCase) -> None:
    case = await open_case(case_env, start_case, SERVED)
    served_at = await reach_execution(case)
    t15 = deadline("T15", served_at, T15_DUE)
    t16 = deadline("T16", t15.due_at, end_of(2027, 3, 18))
    await sleep_to(case, at(2027, 2, 1, 10))
    await apply(case)
    await case.complete("approve_deferral", HEAD1, "reject", {"reason": "未提供经济困难的证明"})

    state = await eventually(case, "refusal recorded", lambda s: bool(events(s, "deferral_refused")))
    assert (clock(state, "T15").due_at, clock(state, "T15").last_day) == (t15.due_at, t15.last_day)
    assert (await case.task("confirm_payment")).due_at == t15.due_at
    assert not events(state, "payment_deferred")

    await sleep_to(case, t15.expires_at + SECOND)
    overdue = await eventually(case, "T15 expiry", lambda s: bool(open_of(s, "serve_reminder")))
    assert_fired_on_time(events(overdue, "payment_overdue")[0], t15)
    assert (clock(overdue, "T16").status, clock(overdue, "T16").due_at) == (DeadlineStatus.RUNNING, t16.due_at)
    await refused_without_change(case, applying(case), "LegalRule", "T15 is not running")


async def test_an_application_is_registered_only_while_t15_runs_and_lapses_with_it(
    case_env: CaseEnv, start_case: StartCase
) -> None:
    case = await open_case(case_env, start_case, SERVED)
    await reach_prior_notice(case)
    await refused_without_change(case, applying(case), "LegalRule", "T15 is not running")  # nothing to pay yet
    await case.complete("serve_prior_notice", OFFICER2, "served", prior_notice(await now_of(case), False))
    await case.handle.signal(
        EnforcementCaseWorkflow.party_event, PartyEvent(kind="waive_statement", at=await now_of(case))
    )
    await case.complete("decide", HEAD1, "penalty", forms.decision("300"))
    served_at = await now_of(case)
    await case.complete("serve_decision", OFFICER1, "served", forms.served(served_at, document_no="罚〔2027〕1号"))
    t15 = deadline("T15", served_at, T15_DUE)

    await refused_without_change(case, applying(case, who=HEAD1), "RoleNotAllowed", "head1")
    approval = await apply(case)
    await refused_without_change(case, applying(case), "LegalRule", "already waiting")

    await sleep_to(case, t15.expires_at + SECOND)  # the head never decided
    lapsed = await eventually(case, "application lapsed", lambda s: bool(events(s, "deferral_lapsed")))
    assert approval.task_id not in {t.task_id for t in lapsed.open_tasks}  # cancelled, not left waiting
    assert events(lapsed, "deferral_lapsed")[0].task_id == approval.task_id
    assert events(lapsed, "payment_overdue") and clock(lapsed, "T16").status is DeadlineStatus.RUNNING
    assert clock(lapsed, "T15").due_at == t15.due_at


async def test_a_deferral_past_the_litigation_period_moves_the_court_window(
    case_env: CaseEnv, start_case: StartCase
) -> None:
    # Deferred to Mon 30 Aug 2027, after T18 (Thu 22 Jul). T20 counts from the end of the deferral:
    # 3 months → Tue 30 Nov 2027 23:59:59 (from T18 it would have ended Fri 22 Oct). The reminder, served
    # Tue 31 Aug, needs 10 WD: Sep 1–3, 6–10, 13, 14 (中秋 Wed 15 Sep off) — the court may be asked from
    # Wed 15 Sep 2027 00:00.
    case = await open_case(case_env, start_case, SERVED)
    served_at = await reach_execution(case)
    deadline("T18", served_at, T18_DUE)
    unmoved = deadline("T20", T18_DUE, end_of(2027, 10, 22))
    await sleep_to(case, at(2027, 2, 1, 10))
    await apply(case)
    await case.complete("approve_deferral", HEAD1, "approve", deferred_to(at(2027, 8, 30, 9)))
    deferral_end = end_of(2027, 8, 30)
    t20 = deadline("T20", deferral_end, end_of(2027, 11, 30))

    await sleep_to(case, T18_DUE + MINUTE)
    assert not open_of(await settled_state(case), "apply_court_enforcement")  # still within the deferral
    await sleep_to(case, deferral_end + SECOND)
    await eventually(case, "deferral over", lambda s: bool(open_of(s, "serve_reminder")))
    reminded_at = await sleep_to(case, at(2027, 8, 31, 10))
    await case.complete("serve_reminder", OFFICER1, "served", reminder(reminded_at))
    t19 = deadline("T19", reminded_at, at(2027, 9, 15))

    await sleep_to(case, t19.expires_at + SECOND)
    await eventually(case, "court application", lambda s: bool(open_of(s, "apply_court_enforcement")))
    application = await case.task("apply_court_enforcement")
    assert (application.deadline_code, application.due_at) == ("T20", t20.due_at)
    assert application.due_at != unmoved.due_at
    assert clock(await case.state(), "T20").start == deferral_end
    assert application.status is TaskStatus.OPEN
