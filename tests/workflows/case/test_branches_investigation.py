"""The branches of the stage table (DESIGN "Process model: the enforcement case") in the
investigation and the legal review of a major case: no violation found, an appraisal or a suspension
that pauses the case clock, a review that sends the case back or transfers it, the collective
discussion. Each runs to its end: the case closes with the result the branch stands for, and the
state on the way shows the step the law puts there (a paused case clock, a task with its statutory
due date)."""

from __future__ import annotations

import datetime as dt

from rules.deadlines import compute_deadline
from tests.workflows.case import forms
from tests.workflows.case.driver import HEAD1, OFFICER1, OFFICER2, REVIEWER1
from tests.workflows.case.flows import (
    DISCUSSION_ATTENDEES,
    StartCase,
    assert_closed,
    deadline,
    events,
    filed,
    finished,
    iso,
    now,
    open_kinds,
    opened_kinds,
    serve_pay_and_close,
    start,
    valid,
    waive_statement,
)
from workflows.case.events import excluded_days
from workflows.case.model import DeadlineStatus, Stage

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
