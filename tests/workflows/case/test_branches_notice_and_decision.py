"""The branches of the stage table (DESIGN "Process model: the enforcement case") after the prior
notice: a statement reviewed, a hearing that pauses the case clock, both windows running out, and a
decision without a fine. Each runs to its end: the case closes with the result the branch stands
for, and the state on the way shows the step the law puts there (a paused case clock, a window that
ran out)."""

from __future__ import annotations

import datetime as dt

import pytest

from rules.deadlines import compute_deadline
from tests.workflows.case import forms
from tests.workflows.case.driver import HEAD1, OFFICER1, OFFICER2
from tests.workflows.case.flows import (
    StartCase,
    assert_closed,
    deadline,
    events,
    filed,
    finished,
    now,
    open_kinds,
    opened_kinds,
    reported,
    serve_pay_and_close,
    stages_entered,
    start,
    valid,
    waive_statement,
)
from workflows.case.events import PartyEvent, excluded_days
from workflows.case.model import DeadlineStatus
from workflows.case.workflow import EnforcementCaseWorkflow

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
