"""The branches of the stage table (DESIGN "Process model: the enforcement case") that end before an
investigation: a lead not established or transferred, a minor first violation, an on-the-spot fine,
a filing rejected, a time-barred violation. Each runs to its end: the case closes with the result the
branch stands for, and the state on the way shows the step the law puts there."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from rules.deadlines import compute_deadline
from tests.workflows.case import forms
from tests.workflows.case.driver import HEAD1, OFFICER1, case_input
from tests.workflows.case.flows import (
    VIOLATION,
    StartCase,
    assert_closed,
    completion_of,
    deadline,
    events,
    finished,
    now,
    open_kinds,
    opened_kinds,
    pay,
    stages_entered,
    start,
    valid,
)
from workflows.case.model import DeadlineStatus, Stage

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
