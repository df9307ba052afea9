"""A whole ordinary-procedure case, lead to closing, driven by Updates and Signals; the SQL
projections follow it."""

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, select

from core.case_tables import CaseEventRow, CaseRecord, CaseTask
from core.db import get_engine
from core.inbox import inbox
from rules.deadlines import compute_deadline
from tests.workflows.case import forms
from tests.workflows.case.driver import HEAD1, OFFICER1, OFFICER2, case_input
from workflows.case.events import PartyEvent, Payment
from workflows.case.model import Stage
from workflows.case.workflow import EnforcementCaseWorkflow


async def test_an_ordinary_case_from_lead_to_closing(start_case, case_db) -> None:  # type: ignore[no-untyped-def]
    case = await start_case(case_input(dt.datetime.now(dt.UTC), violation_code="street_vending_jiaxing"))
    now = await case.env.get_current_time()

    await case.complete("verify_lead", OFFICER1, "established", forms.established(now))
    await case.complete("approve_filing", HEAD1, "approve", forms.FILING)
    state = await case.state()
    assert state.summary.stage is Stage.INVESTIGATION
    assert state.summary.filed_at is not None
    case_clock = next(d for d in state.deadlines if d.code == "T06")
    assert case_clock.status.value == "running"

    await case.complete("investigate", OFFICER1, "report", forms.report("300"))
    await case.complete(
        "serve_prior_notice", OFFICER2, "served", forms.served(now, document_no="告〔2026〕1号", hearing_right=False)
    )
    await case.handle.signal(
        EnforcementCaseWorkflow.party_event, PartyEvent(kind="waive_statement", at=now, text="放弃陈述申辩")
    )
    await case.complete("decide", HEAD1, "penalty", forms.decision("300"))
    await case.complete("serve_decision", OFFICER1, "served", forms.served(now, document_no="罚〔2026〕1号"))
    await case.task("confirm_payment")
    await case.handle.signal(
        EnforcementCaseWorkflow.payment_confirmed, Payment(amount_yuan=Decimal("300"), paid_at=now, reference="bank-1")
    )
    await case.complete("approve_closing", HEAD1, "approve", forms.CLOSING)

    summary = await case.handle.result()
    assert (summary.stage, summary.result) == (Stage.CLOSED, "paid")

    with Session(get_engine()) as session:
        record = session.get(CaseRecord, summary.case_id)
        assert record is not None and (record.stage, record.result) == ("closed", "paid")
        tasks = session.exec(select(CaseTask).where(CaseTask.case_id == summary.case_id)).all()
        assert {t.kind for t in tasks} >= {"verify_lead", "approve_filing", "investigate", "decide", "approve_closing"}
        assert all(t.status != "open" for t in tasks)
        # the inbox row carries the form's JSON Schema (from the catalogue; the workflow keeps only the kind)
        assert all(t.form_schema["required"] == ["outcome", "form"] for t in tasks)
        decide = next(t for t in tasks if t.kind == "decide")
        assert "penalty" in decide.form_schema["properties"]["outcome"]["enum"]
        events = session.exec(select(CaseEventRow).where(CaseEventRow.case_id == summary.case_id)).all()
        assert [e.seq for e in sorted(events, key=lambda e: e.seq)] == list(range(1, len(events) + 1))
        assert inbox(session, jurisdiction_path="990100/990102/", roles=["officer"]) == []
        count = session.execute(sa.text("select count(*) from case_event")).scalar_one()
        assert count == len(events)


async def test_the_case_clock_is_extended_twice_by_the_right_approvers(start_case) -> None:  # type: ignore[no-untyped-def]
    from workflows.case.extensions import ExtensionRequest

    case = await start_case(case_input(dt.datetime.now(dt.UTC), violation_code="street_vending_jiaxing"))
    now = await case.env.get_current_time()
    await case.complete("verify_lead", OFFICER1, "established", forms.established(now))
    await case.complete("approve_filing", HEAD1, "approve", forms.FILING)
    before = next(d for d in (await case.state()).deadlines if d.code == "T06")

    ask = ExtensionRequest(actor=OFFICER1, clock="T06", reason="案情复杂")
    await case.handle.execute_update(EnforcementCaseWorkflow.request_extension, ask)
    first = {"days": 30, "reason": "案情复杂", "approval": "agency_head", "record_ref": "YQ-1"}
    refusal = await case.refused("approve_extension", HEAD1, "approve", {**first, "days": 31})
    assert "at most 30" in str(refusal)
    await case.complete("approve_extension", HEAD1, "approve", first)

    await case.handle.execute_update(EnforcementCaseWorkflow.request_extension, ask)
    second = {"days": 60, "reason": "仍需调查", "approval": "agency_head", "record_ref": "YQ-2"}
    refusal = await case.refused("approve_extension", HEAD1, "approve", second)
    assert "collective_discussion" in str(refusal)
    attendees = ["u-head1", "u-head2", "u-head3"]
    await case.complete(
        "approve_extension", HEAD1, "approve", {**second, "approval": "collective_discussion", "attendees": attendees}
    )

    after = next(d for d in (await case.state()).deadlines if d.code == "T06")
    assert after.extensions == (30, 60)
    assert after.due_at == compute_deadline("T06", before.start, extensions=[30, 60]).due_at
    assert after.due_at > before.due_at
    investigate = await case.task("investigate")
    assert investigate.due_at == after.due_at  # the step under the case clock carries its new due date
