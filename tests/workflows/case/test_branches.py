"""Every branch of the stage table (DESIGN "Process model: the enforcement case") runs to its end: the
case closes with the result the branch stands for, and the state on the way shows the step the law
puts there (a paused case clock, a window that ran out, a task with its statutory due date)."""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest

from rules.deadlines import compute_deadline
from tests.rules.test_task_catalogue import VALID
from tests.workflows.case import forms
from tests.workflows.case.driver import HEAD1, OFFICER1, OFFICER2, REVIEWER1, CaseDriver, case_input
from workflows.case.events import PartyEvent, Payment, excluded_days
from workflows.case.model import CaseEvent, CaseInput, CaseSummary, DeadlineStatus, DeadlineView, Stage
from workflows.case.workflow import CaseState, EnforcementCaseWorkflow

StartCase = Callable[[CaseInput], Awaitable[CaseDriver]]

VIOLATION = "street_vending_jiaxing"  # person, 3.5 m² (forms.FACTS): benchmark tier 200–500 yuan
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
    """The workflow's result (time skips while we wait), bounded in real time."""
    summary: CaseSummary = await asyncio.wait_for(case.handle.result(), RESULT_TIMEOUT)
    return summary


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


# ------------------------------------------------------------------------------- 初查核实 verification


@pytest.mark.parametrize(
    ("outcome", "result"),
    [
        ("not_established", "lead_not_established"),
        ("transfer", "transferred"),
    ],
)
async def test_a_lead_that_ends_at_verification(start_case: StartCase, outcome: str, result: str) -> None:
    case = await start(start_case)
    await case.complete("verify_lead", OFFICER1, outcome, valid("verify_lead", outcome))

    summary = await finished(case)
    assert_closed(summary, result)
    assert summary.filed_at is None
    state = await case.state()
    assert opened_kinds(state) == ["verify_lead"]  # no filing, no closing approval
    closed = events(state, "case_closed")
    assert [e.detail["result"] for e in closed] == [result]
    assert closed[0].legal_basis
    assert deadline(state, "T01").status is DeadlineStatus.MET


async def test_a_minor_first_violation_ends_with_education_and_no_penalty(start_case: StartCase) -> None:
    case = await start(start_case)
    at = await now(case)
    form = valid("verify_lead", "minor_no_penalty", education_record=forms.education(at))
    await case.complete("verify_lead", OFFICER1, "minor_no_penalty", form)

    summary = await finished(case)
    assert_closed(summary, "no_penalty_first_violation")
    state = await case.state()
    completed = completion_of(state, "verify_lead")
    assert completed.detail["outcome"] == "minor_no_penalty"
    assert completed.detail["form"]["education_record"] == forms.education(at)
    assert events(state, "case_closed")[0].legal_basis == "行政处罚法 第三十三条"
    assert state.decision is None


async def test_an_on_the_spot_fine_is_filed_paid_and_closed(start_case: StartCase) -> None:
    case = await start(start_case)
    form = valid(
        "verify_lead",
        "on_the_spot",
        penalty={"kinds": ["罚款"], "fine_yuan": "100"},
        collected_on_the_spot=False,
        receipt_no=None,
    )
    await case.complete("verify_lead", OFFICER1, "on_the_spot", form)

    # The filing (T13, 3 WD from the decision) opens beside the payment.
    filing = await case.task("file_on_the_spot_decision")
    await case.task("confirm_payment")
    state = await case.state()
    assert state.summary.stage is Stage.EXECUTION
    assert {"file_on_the_spot_decision", "confirm_payment"} <= open_kinds(state)
    decided_at = events(state, "on_the_spot_decision")[0].at
    assert state.decision == {"outcome": "penalty", "penalty": {"kinds": ["罚款"], "fine_yuan": "100"}}
    assert filing.deadline_code == "T13"
    assert filing.due_at == compute_deadline("T13", decided_at).due_at
    assert deadline(state, "T15").start == decided_at

    await case.complete("file_on_the_spot_decision", OFFICER1, "filed", valid("file_on_the_spot_decision", "filed"))
    await pay(case, "100")
    await case.complete("approve_closing", HEAD1, "approve", forms.CLOSING)

    summary = await finished(case)
    assert_closed(summary, "paid")
    state = await case.state()
    assert deadline(state, "T13").status is DeadlineStatus.MET
    assert events(state, "paid")[0].detail["fine_yuan"] == "100"
    assert "approve_filing" not in opened_kinds(state)  # 简易程序: no filing, no investigation


# ------------------------------------------------------------------------------------ 立案审批 filing


async def test_a_filing_rejected_ends_not_filed(start_case: StartCase) -> None:
    case = await start(start_case)
    await case.complete("verify_lead", OFFICER1, "established", forms.established(await now(case)))
    await case.complete("approve_filing", HEAD1, "reject", valid("approve_filing", "reject"))

    summary = await finished(case)
    assert_closed(summary, "not_filed")
    assert summary.filed_at is None
    state = await case.state()
    assert completion_of(state, "approve_filing").detail["outcome"] == "reject"
    assert not any(d.code == "T06" for d in state.deadlines)  # the case clock never started


async def test_a_time_barred_violation_is_not_filed_without_asking_the_head(start_case: StartCase) -> None:
    lead_at = dt.datetime.now(dt.UTC)
    violation_at = lead_at - dt.timedelta(days=2 * 365 + 30)  # more than 2 years before the lead
    case = await start(start_case, violation_at=violation_at)
    await case.complete("verify_lead", OFFICER1, "established", forms.established(await now(case)))

    summary = await finished(case)
    assert_closed(summary, "not_filed")
    state = await case.state()
    barred = events(state, "time_barred")
    assert len(barred) == 1
    assert barred[0].legal_basis == "行政处罚法 第三十六条"
    assert "approve_filing" not in opened_kinds(state)
    assert stages_entered(state)[-1] == "filing"
    assert [e.kind for e in state.events].index("time_barred") < [e.kind for e in state.events].index("case_closed")


async def test_a_violation_discovered_within_two_years_may_still_be_filed(start_case: StartCase) -> None:
    lead_at = dt.datetime.now(dt.UTC)
    violation_at = lead_at - dt.timedelta(days=730) + dt.timedelta(days=3)
    limitation = compute_deadline("T02", violation_at).due_at
    assert lead_at < limitation < lead_at + dt.timedelta(days=6)  # discovered 2 years less a few days after
    case = await start_case(case_input(lead_at, violation_code=VIOLATION, violation_at=violation_at))
    await case.sleep_until(limitation + dt.timedelta(days=2))  # verification takes a few days (T01: 15 WD)
    await case.complete("verify_lead", OFFICER1, "established", forms.established(await now(case)))

    for _ in range(200):  # until the filing step opens or the case ends
        state = await case.state()
        if "approve_filing" in open_kinds(state) or state.summary.stage is Stage.CLOSED:
            break
        await asyncio.sleep(0.05)
    assert not events(state, "time_barred"), "discovered within 2 years, yet treated as time-barred"
    assert "approve_filing" in open_kinds(state)


# ------------------------------------------------------------------------------- 调查取证 investigation


async def test_an_investigation_that_finds_no_violation_is_closed(start_case: StartCase) -> None:
    case = await start(start_case)
    await filed(case)
    await case.complete("investigate", OFFICER1, "not_established", forms.investigation_failed())
    closing = await case.task("approve_closing")
    assert closing.deadline_code == "T23"
    state = await case.state()
    assert deadline(state, "T06").status is DeadlineStatus.MET
    assert "serve_prior_notice" not in opened_kinds(state)
    await case.complete(
        "approve_closing", HEAD1, "approve", forms.closing("investigation_terminated", "违法事实不能成立")
    )

    summary = await finished(case)
    assert_closed(summary, "not_established")
    assert summary.filed_at is not None


async def test_an_appraisal_pauses_the_case_clock_until_the_result_is_in(start_case: StartCase) -> None:
    case = await start(start_case)
    await filed(case)
    before = deadline(await case.state(), "T06")
    commissioned_at = await now(case)
    commission = valid("investigate", "commission_appraisal", commissioned_at=iso(commissioned_at))
    await case.complete("investigate", OFFICER1, "commission_appraisal", commission)

    await case.task("record_appraisal")
    state = await case.state()
    assert deadline(state, "T06").status is DeadlineStatus.PAUSED
    assert events(state, "case_clock_paused")[-1].detail["reason"] == "appraisal"
    assert "investigate" not in open_kinds(state)

    await case.env.sleep(dt.timedelta(days=4))
    notified_at = await now(case)
    result = valid("record_appraisal", "result_notified", completed_at=iso(notified_at), notified_at=iso(notified_at))
    await case.complete("record_appraisal", OFFICER1, "result_notified", result)

    await case.task("investigate")  # the investigation goes on
    state = await case.state()
    case_clock = deadline(state, "T06")
    paused = excluded_days(commissioned_at, notified_at)
    assert paused >= 4
    assert case_clock.status is DeadlineStatus.RUNNING
    assert case_clock.paused_days == paused
    assert case_clock.due_at == compute_deadline("T06", before.start, paused_days=paused).due_at
    assert case_clock.due_at > before.due_at
    assert events(state, "case_clock_resumed")[-1].detail["days"] == paused

    await case.complete("investigate", OFFICER1, "not_established", forms.investigation_failed())
    await case.complete("approve_closing", HEAD1, "approve", forms.closing("investigation_terminated", "证据不足"))
    assert_closed(await finished(case), "not_established")


async def test_an_approved_suspension_pauses_the_case_clock_until_resumed(start_case: StartCase) -> None:
    case = await start(start_case)
    await filed(case)
    before = deadline(await case.state(), "T06")
    await case.complete("investigate", OFFICER1, "request_suspension", valid("investigate", "request_suspension"))
    suspended_from = await now(case)
    approval = valid("approve_suspension", "approve", suspended_from=iso(suspended_from))
    await case.complete("approve_suspension", HEAD1, "approve", approval)

    await case.task("resume_investigation")
    state = await case.state()
    assert deadline(state, "T06").status is DeadlineStatus.PAUSED
    assert "investigate" not in open_kinds(state)

    await case.env.sleep(dt.timedelta(days=3))
    resumed_at = await now(case)
    resume = valid("resume_investigation", "approve", resumed_at=iso(resumed_at))
    await case.complete("resume_investigation", HEAD1, "approve", resume)

    await case.task("investigate")
    case_clock = deadline(await case.state(), "T06")
    paused = excluded_days(suspended_from, resumed_at)
    assert paused >= 3
    assert (case_clock.status, case_clock.paused_days) == (DeadlineStatus.RUNNING, paused)
    assert case_clock.due_at == compute_deadline("T06", before.start, paused_days=paused).due_at

    await case.complete("investigate", OFFICER1, "not_established", forms.investigation_failed())
    await case.complete("approve_closing", HEAD1, "approve", forms.closing("investigation_terminated", "证据不足"))
    assert_closed(await finished(case), "not_established")


async def test_a_rejected_suspension_sends_the_officers_back_with_the_clock_running(start_case: StartCase) -> None:
    case = await start(start_case)
    await filed(case)
    before = deadline(await case.state(), "T06")
    await case.complete("investigate", OFFICER1, "request_suspension", valid("investigate", "request_suspension"))
    await case.complete("approve_suspension", HEAD1, "reject", valid("approve_suspension", "reject"))

    reopened = await case.task("investigate")
    state = await case.state()
    assert reopened.due_at == before.due_at  # the step under the case clock, unmoved
    case_clock = deadline(state, "T06")
    assert (case_clock.status, case_clock.paused_days, case_clock.due_at) == (
        DeadlineStatus.RUNNING,
        0,
        before.due_at,
    )
    assert not events(state, "case_clock_paused")
    assert opened_kinds(state).count("investigate") == 2

    await case.complete("investigate", OFFICER1, "report", forms.report("300"))
    await case.complete("serve_prior_notice", OFFICER2, "served", forms.prior_notice(await now(case)))
    await waive_statement(case)
    await case.complete("decide", HEAD1, "penalty", forms.decision("300"))
    assert_closed(await serve_pay_and_close(case, "300"), "paid")


# ------------------------------------------------------------------------- 法制审核 legal review (major)


async def test_a_major_case_goes_through_legal_review_and_collective_discussion(start_case: StartCase) -> None:
    case = await start(start_case)
    await filed(case)
    await case.complete("investigate", OFFICER1, "report", forms.major_report("300"))

    review = await case.task("legal_review")
    assert review.due_at == compute_deadline("T10", review.created_at).due_at
    assert (await case.state()).summary.stage is Stage.LEGAL_REVIEW
    await case.complete("legal_review", REVIEWER1, "agree", valid("legal_review", "agree"))
    await case.complete("serve_prior_notice", OFFICER2, "served", forms.prior_notice(await now(case)))
    await waive_statement(case)

    await case.task("collective_discussion")
    state = await case.state()
    assert state.summary.stage is Stage.DECISION
    assert "decide" not in open_kinds(state)  # the head decides only after the leaders discussed it
    at = await now(case)
    discussion = valid(
        "collective_discussion",
        "penalty",
        held_at=iso(at),
        presided_by="u-head1",
        attendees=DISCUSSION_ATTENDEES,
        penalty={"kinds": ["罚款"], "fine_yuan": "300"},
    )
    await case.complete("collective_discussion", HEAD1, "penalty", discussion)
    await case.complete("decide", HEAD1, "penalty", forms.decision("300"))

    state = await case.state()
    kinds = opened_kinds(state)
    assert kinds.index("legal_review") < kinds.index("serve_prior_notice") < kinds.index("collective_discussion")
    assert kinds.index("collective_discussion") < kinds.index("decide")
    assert state.decision is not None and state.decision["penalty"]["fine_yuan"] == "300"
    assert_closed(await serve_pay_and_close(case, "300"), "paid")


async def test_legal_review_sends_a_major_case_back_for_supplement(start_case: StartCase) -> None:
    case = await start(start_case)
    await filed(case)
    await case.complete("investigate", OFFICER1, "report", forms.major_report("300"))
    await case.complete("legal_review", REVIEWER1, "supplement", valid("legal_review", "supplement"))

    await case.task("investigate")
    state = await case.state()
    assert state.summary.stage is Stage.INVESTIGATION
    sent_back = events(state, "sent_back_for_supplement")
    assert len(sent_back) == 1 and sent_back[0].actor == "reviewer1"
    assert opened_kinds(state).count("investigate") == 2
    assert "serve_prior_notice" not in opened_kinds(state)

    await case.complete("investigate", OFFICER1, "report", forms.major_report("300"))
    await case.task("legal_review")  # the supplemented report is reviewed again
    await case.complete("legal_review", REVIEWER1, "agree", valid("legal_review", "agree"))
    await case.task("serve_prior_notice")
    assert opened_kinds(await case.state()).count("legal_review") == 2


async def test_legal_review_transfers_a_major_case(start_case: StartCase) -> None:
    case = await start(start_case)
    await filed(case)
    await case.complete("investigate", OFFICER1, "report", forms.major_report("300"))
    await case.complete("legal_review", REVIEWER1, "transfer", valid("legal_review", "transfer"))

    await case.task("approve_closing")
    state = await case.state()
    assert deadline(state, "T06").status is DeadlineStatus.MET
    assert "serve_prior_notice" not in opened_kinds(state)
    await case.complete(
        "approve_closing", HEAD1, "approve", forms.closing("other", "已移送", ground_note="移送区生态环境局")
    )
    assert_closed(await finished(case), "transferred")


# ---------------------------------------------------------------------------------- 事先告知 prior notice


async def test_a_statement_is_reviewed_before_the_decision(start_case: StartCase) -> None:
    case = await start(start_case)
    await reported(case)
    assert "decide" not in open_kinds(await case.state())
    statement = PartyEvent(kind="statement", at=await now(case), text="摊位面积不足三平方米")
    await case.handle.signal(EnforcementCaseWorkflow.party_event, statement)

    review = await case.task("review_statement")
    state = await case.state()
    assert deadline(state, "T07").status is DeadlineStatus.MET
    assert events(state, "party_statement")[0].detail["text"] == "摊位面积不足三平方米"
    assert review.due_at == deadline(state, "T06").due_at  # under the case clock
    assert "decide" not in open_kinds(state)
    await case.complete("review_statement", OFFICER2, "rejected", valid("review_statement", "rejected"))

    await case.complete("decide", HEAD1, "penalty", forms.decision("300"))
    assert_closed(await serve_pay_and_close(case, "300"), "paid")


async def test_a_hearing_pauses_the_case_clock(start_case: StartCase) -> None:
    case = await start(start_case)
    await filed(case)
    await case.complete("investigate", OFFICER1, "report", forms.report("300"))
    await case.complete(
        "serve_prior_notice", OFFICER2, "served", forms.prior_notice(await now(case), hearing_right=True)
    )
    before = deadline(await case.state(), "T06")
    requested_at = await now(case)
    request = PartyEvent(kind="hearing_request", at=requested_at, text="要求听证")
    await case.handle.signal(EnforcementCaseWorkflow.party_event, request)

    await case.task("schedule_hearing")
    state = await case.state()
    assert deadline(state, "T08").status is DeadlineStatus.MET
    assert deadline(state, "T06").status is DeadlineStatus.PAUSED
    notice_at = await now(case)
    earliest = compute_deadline("T09", notice_at).due_at
    hearing_at = earliest + dt.timedelta(hours=9)  # 09:00 on the first allowed day
    await case.complete("schedule_hearing", OFFICER2, "scheduled", forms.hearing_notice(notice_at, hearing_at))

    ended_at = hearing_at + dt.timedelta(hours=2)
    await case.sleep_until(ended_at)
    await case.complete("record_hearing", OFFICER2, "held", forms.hearing_held(hearing_at, ended_at))

    await case.task("decide")
    state = await case.state()
    case_clock = deadline(state, "T06")
    paused = excluded_days(requested_at, ended_at)
    assert paused >= 9  # at least 7 working days of notice
    assert (case_clock.status, case_clock.paused_days) == (DeadlineStatus.RUNNING, paused)
    assert case_clock.due_at == compute_deadline("T06", before.start, paused_days=paused).due_at
    assert events(state, "case_clock_resumed")[-1].detail["reason"] == "hearing"
    assert {e.detail["code"] for e in events(state, "window_closed")} == {"T07"}  # ran out during the hearing

    await case.complete("decide", HEAD1, "penalty", forms.decision("300"))
    assert_closed(await serve_pay_and_close(case, "300"), "paid")


async def test_without_any_party_event_the_decision_waits_for_both_windows(start_case: StartCase) -> None:
    case = await start(start_case)
    await filed(case)
    await case.complete("investigate", OFFICER1, "report", forms.report("300"))
    await case.complete(
        "serve_prior_notice", OFFICER2, "served", forms.prior_notice(await now(case), hearing_right=True)
    )
    state = await case.state()
    statement, hearing = deadline(state, "T07"), deadline(state, "T08")
    assert statement.status is hearing.status is DeadlineStatus.RUNNING
    assert "decide" not in open_kinds(state)

    await case.sleep_until(min(statement.due_at, hearing.due_at) - dt.timedelta(hours=1))
    assert "decide" not in open_kinds(await case.state())
    await case.sleep_until(max(statement.due_at, hearing.due_at) + dt.timedelta(minutes=1))

    await case.task("decide")
    state = await case.state()
    assert {e.detail["code"] for e in events(state, "window_closed")} == {"T07", "T08"}
    assert deadline(state, "T07").status is deadline(state, "T08").status is DeadlineStatus.EXPIRED
    await case.complete("decide", HEAD1, "penalty", forms.decision("300"))
    assert_closed(await serve_pay_and_close(case, "300"), "paid")


# ------------------------------------------------------------------------------------- 决定 decision


@pytest.mark.parametrize(
    ("outcome", "ground"),
    [
        ("no_penalty", "no_penalty_decision"),
        ("not_established", "investigation_terminated"),
        ("transfer_judiciary", "other"),
    ],
)
async def test_a_decision_without_a_fine_is_served_and_closed(start_case: StartCase, outcome: str, ground: str) -> None:
    case = await start(start_case)
    await reported(case)
    await waive_statement(case)
    form = valid("decide", outcome)
    if outcome == "no_penalty":
        form["education_record"] = forms.education(await now(case))
    await case.complete("decide", HEAD1, outcome, form)
    await case.complete(
        "serve_decision", OFFICER1, "served", forms.served(await now(case), document_no="决〔2026〕1号")
    )

    await case.task("approve_closing")
    state = await case.state()
    assert state.decision is not None and state.decision["outcome"] == outcome
    assert "execution" not in stages_entered(state)
    assert "confirm_payment" not in opened_kinds(state)
    extra = {"ground_note": "移送公安机关"} if ground == "other" else {}
    await case.complete("approve_closing", HEAD1, "approve", forms.closing(ground, "无需执行", **extra))
    assert_closed(await finished(case), outcome)


# ------------------------------------------------------------------------------------- 送达 service


async def test_a_decision_served_by_public_notice_counts_after_30_days(start_case: StartCase) -> None:
    case = await start(start_case)
    await reported(case)
    await waive_statement(case)
    await case.complete("decide", HEAD1, "penalty", forms.decision("300"))
    published_at = await now(case)
    await case.complete("serve_decision", OFFICER1, "served", forms.decision_published(published_at))

    state = await case.state()
    notice = deadline(state, "T12", subject=state.summary.case_id)
    assert notice.due_at == compute_deadline("T12", published_at).due_at
    assert state.summary.stage is Stage.SERVICE
    await case.sleep_until(notice.due_at - dt.timedelta(hours=1))
    state = await case.state()
    assert state.summary.stage is Stage.SERVICE
    assert not events(state, "decision_served")

    await case.sleep_until(notice.due_at + dt.timedelta(minutes=1))
    await case.task("confirm_payment")
    state = await case.state()
    assert state.summary.stage is Stage.EXECUTION
    served_at = dt.datetime.fromisoformat(events(state, "decision_served")[0].detail["served_at"])
    assert served_at > notice.due_at
    assert deadline(state, "T15").start == served_at  # the payment period runs from service

    await pay(case, "300")
    await case.complete("approve_closing", HEAD1, "approve", forms.CLOSING)
    assert_closed(await finished(case), "paid")


# ------------------------------------------------------------------------------------- 执行 execution


async def test_an_unpaid_fine_goes_to_the_court_after_reminder_and_litigation_period(start_case: StartCase) -> None:
    case = await start(start_case)
    await reported(case)
    await waive_statement(case)
    await case.complete("decide", HEAD1, "penalty", forms.decision("300"))
    served_at = await now(case)
    await case.complete("serve_decision", OFFICER1, "served", forms.served(served_at, document_no="罚〔2026〕1号"))
    await case.task("confirm_payment")
    state = await case.state()
    payment, litigation = deadline(state, "T15"), deadline(state, "T18")
    assert payment.due_at == compute_deadline("T15", served_at).due_at
    assert litigation.due_at == compute_deadline("T18", served_at).due_at

    # T15 runs out: the surcharge starts and a reminder (催告书) is to be served.
    await case.sleep_until(payment.due_at + dt.timedelta(minutes=1))
    await case.task("serve_reminder")
    state = await case.state()
    assert len(events(state, "payment_overdue")) == 1
    assert deadline(state, "T16").status is DeadlineStatus.RUNNING
    reminded_at = await now(case)
    reminder = valid(
        "serve_reminder",
        "served",
        served_at=iso(reminded_at),
        amount_due_yuan="345",
        comply_by=iso(reminded_at + dt.timedelta(days=20)),
    )
    await case.complete("serve_reminder", OFFICER1, "served", reminder)
    assert deadline(await case.state(), "T19").start == reminded_at

    # Not before the litigation period (T18, 6 months from service) has run.
    await case.sleep_until(litigation.due_at - dt.timedelta(days=1))
    state = await case.state()
    assert "apply_court_enforcement" not in open_kinds(state)
    assert deadline(state, "T19").status is DeadlineStatus.EXPIRED  # the 10 WD after the reminder ran long ago

    await case.sleep_until(litigation.due_at + dt.timedelta(minutes=1))
    application = await case.task("apply_court_enforcement")
    assert application.deadline_code == "T20"
    assert application.due_at == compute_deadline("T20", litigation.due_at).due_at
    applied = valid("apply_court_enforcement", "applied", applied_at=iso(await now(case)))
    await case.complete("apply_court_enforcement", HEAD1, "applied", applied)

    closing = forms.closing("other", "已申请人民法院强制执行", ground_note="申请法院强制执行")
    await case.complete("approve_closing", HEAD1, "approve", closing)
    summary = await finished(case)
    assert_closed(summary, "enforcement_applied")
    state = await case.state()
    assert not events(state, "paid")
    assert all(t.kind != "confirm_payment" for t in state.open_tasks)
