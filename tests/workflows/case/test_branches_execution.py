"""The branches of the stage table (DESIGN "Process model: the enforcement case") from the service
of the decision on: service by public notice, and an unpaid fine that goes to the court after the
reminder and the litigation period. Each runs to its end: the case closes with the result the branch
stands for, and the state on the way shows the clocks the law runs there."""

from __future__ import annotations

import datetime as dt

from rules.deadlines import compute_deadline
from tests.workflows.case import forms
from tests.workflows.case.driver import HEAD1, OFFICER1
from tests.workflows.case.flows import (
    StartCase,
    assert_closed,
    deadline,
    events,
    finished,
    iso,
    now,
    open_kinds,
    pay,
    reported,
    start,
    valid,
    waive_statement,
)
from workflows.case.model import DeadlineStatus, Stage

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
