"""The task mechanism refuses what is not the actor's to do or not there to be done (a role, a
jurisdiction, an unknown or closed task, an outcome or form the task does not take, a second
completion racing the first, an update on a closed case): with a typed error and a message naming
the problem, and changing nothing: the case's state and the SQL projection rows are the same before
and after the refusal. The refused act is then done right, to show the refusal was about the fault."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError

from core.case_gateway import CaseGateway, CaseRefused
from tests.workflows.case import forms
from tests.workflows.case.driver import (
    CITYHEAD1,
    DISTRICT_A,
    DISTRICT_B,
    HEAD1,
    OFFICER1,
    OFFICER2,
    OFFICER3,
    CaseDriver,
    case_input,
)
from tests.workflows.case.flows import (
    StartCase,
    events,
    finished,
    now,
    start,
    valid,
)
from tests.workflows.case.refusing import (
    asking,
    completing,
    completing_kind,
    completion,
    observed,
    projection,
    quiet,
    refused_without_change,
)
from workflows.case.events import Payment
from workflows.case.extensions import ExtensionRequest
from workflows.case.model import Actor, TaskCompleted, TaskStatus, TaskView
from workflows.case.workflow import EnforcementCaseWorkflow

# ------------------------------------------------------------------------------- the task mechanism


async def test_an_officer_may_not_approve_filing(start_case: StartCase) -> None:
    case = await start(start_case)
    await case.complete("verify_lead", OFFICER1, "established", forms.established(await now(case)))
    attempt = await completing_kind(case, "approve_filing", OFFICER1, "approve", forms.FILING)
    await refused_without_change(case, attempt, "RoleNotAllowed", "officer1", "approve_filing", "agency_head")
    await case.complete("approve_filing", HEAD1, "approve", forms.FILING)


async def test_an_officer_of_another_district_may_not_act(start_case: StartCase) -> None:
    case = await start(start_case)
    form = forms.established(await now(case))
    attempt = await completing_kind(case, "verify_lead", OFFICER3, "established", form)
    await refused_without_change(case, attempt, "OutsideJurisdiction", "officer3", DISTRICT_B, DISTRICT_A)
    await case.complete("verify_lead", OFFICER1, "established", form)


async def test_a_city_head_may_act_in_a_district(start_case: StartCase) -> None:
    """The jurisdiction check is a subtree check, not equality: the counterpart of the refusal above."""
    case = await start(start_case)
    await case.complete("verify_lead", OFFICER1, "established", forms.established(await now(case)))
    done = await case.complete("approve_filing", CITYHEAD1, "approve", forms.FILING)
    assert done.task.completed_by == "cityhead1"


async def test_an_unknown_task_is_not_found(start_case: StartCase) -> None:
    case = await start(start_case)
    await case.task("verify_lead")
    task_id = f"{(await case.state()).summary.case_id}/999-verify_lead"
    attempt = completing(case, task_id, OFFICER1, "established", forms.established(await now(case)))
    await refused_without_change(case, attempt, "TaskNotFound", task_id)


async def test_an_outcome_the_task_does_not_have_is_refused(start_case: StartCase) -> None:
    case = await start(start_case)
    attempt = await completing_kind(case, "verify_lead", OFFICER1, "approve", forms.established(await now(case)))
    await refused_without_change(case, attempt, "OutcomeNotAllowed", "verify_lead", "'approve'", "established")


async def test_a_form_that_fails_its_schema_is_refused(start_case: StartCase) -> None:
    case = await start(start_case)
    form = forms.established(await now(case))
    del form["inspection"]
    attempt = await completing_kind(case, "verify_lead", OFFICER1, "established", form)
    await refused_without_change(case, attempt, "FormInvalid", "verify_lead", "form.inspection")
    bad_facts = {**forms.established(await now(case)), "facts": "not an object"}
    attempt = await completing_kind(case, "verify_lead", OFFICER1, "established", bad_facts)
    await refused_without_change(case, attempt, "FormInvalid", "form.facts")


async def test_a_completed_or_cancelled_task_is_closed(start_case: StartCase) -> None:
    case = await start(start_case)
    lead = await case.task("verify_lead")
    on_the_spot = valid(
        "verify_lead", "on_the_spot", penalty={"kinds": ["罚款"], "fine_yuan": "100"}, collected_on_the_spot=False
    )
    on_the_spot.pop("receipt_no")
    await case.complete("verify_lead", OFFICER1, "on_the_spot", on_the_spot)
    attempt = completing(case, lead.task_id, OFFICER1, "on_the_spot", on_the_spot)
    await refused_without_change(case, attempt, "TaskClosed", lead.task_id, "completed")

    confirm = await case.task("confirm_payment")
    payment = Payment(amount_yuan=Decimal("100"), paid_at=await now(case), reference="bank-1")
    await case.handle.signal(EnforcementCaseWorkflow.payment_confirmed, payment)
    await case.complete("file_on_the_spot_decision", OFFICER1, "filed", valid("file_on_the_spot_decision", "filed"))
    await case.task("approve_closing")
    paid = {"amount_yuan": "100", "paid_at": forms.iso(await now(case)), "receipt_no": "R-1", "channel": "bank"}
    attempt = completing(case, confirm.task_id, OFFICER1, "paid", paid)
    await refused_without_change(case, attempt, "TaskClosed", confirm.task_id, "cancelled")


async def _race(case: CaseDriver, kind: str, attempts: list[tuple[Actor, str, dict[str, Any]]]) -> TaskView:
    """Send the completions of one task at once: exactly one wins, the others find it closed."""
    task = await case.task(kind)
    results = await asyncio.gather(
        *(completing(case, task.task_id, who, outcome, form)() for who, outcome, form in attempts),
        return_exceptions=True,
    )
    wins = [r.task for r in results if isinstance(r, TaskCompleted)]
    losses = [r for r in results if isinstance(r, WorkflowUpdateFailedError)]
    assert (len(wins), len(losses)) == (1, len(attempts) - 1), results
    for loss in losses:
        assert isinstance(loss.cause, ApplicationError)
        assert loss.cause.type == "TaskClosed", loss.cause
        assert task.task_id in loss.cause.message
    state = await case.state()
    done = [e for e in events(state, "task_completed") if e.task_id == task.task_id]
    assert len(done) == 1, done
    assert done[0].actor == wins[0].completed_by
    assert wins[0].status is TaskStatus.COMPLETED
    return wins[0]


async def test_a_double_completion_has_exactly_one_winner(start_case: StartCase) -> None:
    case = await start(start_case)
    at = await now(case)
    lead = forms.established(at)
    await _race(case, "verify_lead", [(OFFICER1, "established", lead), (OFFICER2, "established", lead)])
    await _race(case, "approve_filing", [(HEAD1, "approve", forms.FILING), (CITYHEAD1, "approve", forms.FILING)])
    report = forms.report("300")
    await _race(case, "investigate", [(OFFICER1, "report", report), (OFFICER2, "report", report)])
    notice = forms.prior_notice(at)
    await _race(case, "serve_prior_notice", [(OFFICER1, "served", notice), (OFFICER2, "served", notice)])

    await quiet(case)  # the documents the steps issued have their events
    state = await case.state()
    kinds = [e.detail["kind"] for e in events(state, "task_opened")]
    assert kinds.count("investigate") == kinds.count("serve_prior_notice") == 1  # one winner, one step on
    await projection(case, len(state.events))


# -------------------------------------------------------------------------------------- a closed case


async def _closed(start_case: StartCase) -> tuple[CaseDriver, TaskView]:
    case = await start(start_case)
    lead = await case.task("verify_lead")
    await case.complete("verify_lead", OFFICER1, "not_established", valid("verify_lead", "not_established"))
    await finished(case)
    return case, lead


async def test_an_update_on_a_closed_case_changes_nothing(start_case: StartCase) -> None:
    case, lead = await _closed(start_case)
    before = await observed(case)
    attempts = [
        completing(case, lead.task_id, OFFICER1, "not_established", valid("verify_lead", "not_established")),
        asking(case, OFFICER1, "T01"),
    ]
    for attempt in attempts:
        with pytest.raises((WorkflowUpdateFailedError, RPCError)):
            await attempt()
    assert await observed(case) == before


async def test_an_update_on_a_closed_case_is_refused_as_case_closed(start_case: StartCase, case_env: Any) -> None:
    """Temporal answers an Update to a completed workflow with NOT_FOUND before any validator runs;
    the gateway every client uses turns that into the typed CaseClosed refusal (409)."""
    case, lead = await _closed(start_case)
    gateway = CaseGateway(case_env[1])
    case_id = case.handle.id
    before = await observed(case)
    attempts = [
        gateway.complete_task(case_id, completion(lead.task_id, OFFICER1, "not_established", {})),
        gateway.request_extension(case_id, ExtensionRequest(actor=OFFICER1, clock="T01", reason="案情复杂")),
    ]
    for attempt in attempts:
        with pytest.raises(CaseRefused) as refused:
            await attempt
        assert (refused.value.kind, refused.value.status) == ("CaseClosed", 409)
        assert f"case {case_id} was closed at " in refused.value.detail
    assert await observed(case) == before


async def test_an_update_on_an_unknown_case_is_refused_as_not_found(case_env: Any) -> None:
    gateway = CaseGateway(case_env[1])
    with pytest.raises(CaseRefused) as refused:
        await gateway.complete_task("case-does-not-exist", completion("case-does-not-exist/001", OFFICER1, "x", {}))
    assert (refused.value.kind, refused.value.status) == ("CaseNotFound", 404)


async def test_the_gateway_passes_a_validator_refusal_on_with_its_type(start_case: StartCase, case_env: Any) -> None:
    case = await start_case(case_input(dt.datetime.now(dt.UTC)))
    lead = await case.task("verify_lead")
    gateway = CaseGateway(case_env[1])
    with pytest.raises(CaseRefused) as refused:
        await gateway.complete_task(case.handle.id, completion(lead.task_id, HEAD1, "established", {}))
    assert (refused.value.kind, refused.value.status) == ("RoleNotAllowed", 403)
    assert "head1" in refused.value.detail
