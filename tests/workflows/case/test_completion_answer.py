"""The `complete_task` Update answers with where the case went next: its stage and open tasks once
the process has moved on, the same as a `state` query right after — so a client needs one round
trip, not two, and never reads a stage the process is about to leave."""

from __future__ import annotations

from decimal import Decimal

from tests.workflows.case import forms
from tests.workflows.case.driver import HEAD1, OFFICER1, OFFICER2, CaseDriver
from tests.workflows.case.flows import StartCase, now, start
from workflows.case.events import PartyEvent, Payment
from workflows.case.model import Stage, TaskCompleted, TaskStatus
from workflows.case.workflow import EnforcementCaseWorkflow


async def _agrees_with_state(case: CaseDriver, done: TaskCompleted) -> None:
    state = await case.state()
    assert done.stage is state.summary.stage
    assert [t.task_id for t in done.open_tasks] == [t.task_id for t in state.open_tasks]
    assert done.task.task_id not in {t.task_id for t in done.open_tasks}
    assert done.task.status is TaskStatus.COMPLETED


async def test_each_answer_names_the_next_stage_and_tasks(start_case: StartCase) -> None:
    case = await start(start_case)
    at = await now(case)

    done = await case.complete("verify_lead", OFFICER1, "established", forms.established(at))
    assert (done.stage, [t.kind for t in done.open_tasks]) == (Stage.FILING, ["approve_filing"])
    await _agrees_with_state(case, done)

    done = await case.complete("approve_filing", HEAD1, "approve", forms.FILING)
    assert (done.stage, [t.kind for t in done.open_tasks]) == (Stage.INVESTIGATION, ["investigate"])
    await _agrees_with_state(case, done)

    done = await case.complete("investigate", OFFICER1, "report", forms.report("300"))
    assert done.stage is Stage.PRIOR_NOTICE and "serve_prior_notice" in [t.kind for t in done.open_tasks]
    await _agrees_with_state(case, done)


async def test_the_last_completion_answers_with_the_closed_case(start_case: StartCase) -> None:
    """The Update that ends the case still gets its answer: the workflow waits for its handlers."""
    case = await start(start_case)
    at = await now(case)
    await case.complete("verify_lead", OFFICER1, "established", forms.established(at))
    await case.complete("approve_filing", HEAD1, "approve", forms.FILING)
    await case.complete("investigate", OFFICER1, "report", forms.report("300"))
    await case.complete(
        "serve_prior_notice", OFFICER2, "served", forms.served(at, document_no="告〔2026〕1号", hearing_right=False)
    )
    await case.handle.signal(
        EnforcementCaseWorkflow.party_event, PartyEvent(kind="waive_statement", at=at, text="放弃陈述申辩")
    )
    await case.complete("decide", HEAD1, "penalty", forms.decision("300"))
    await case.complete("serve_decision", OFFICER1, "served", forms.served(at, document_no="罚〔2026〕1号"))
    await case.task("confirm_payment")
    await case.handle.signal(
        EnforcementCaseWorkflow.payment_confirmed,
        Payment(amount_yuan=Decimal("300"), paid_at=at, reference="bank-1"),
    )

    done = await case.complete("approve_closing", HEAD1, "approve", forms.CLOSING)

    assert (done.stage, done.open_tasks) == (Stage.CLOSED, [])
    summary = await case.handle.result()
    assert (summary.stage, summary.result) == (Stage.CLOSED, "paid")
