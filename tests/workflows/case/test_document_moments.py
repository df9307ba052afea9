"""The documents of the branches the happy path does not take: a proposal in the hearing scope comes with
its 听证告知书, and a fine unpaid when T15 ends brings the 催告书 (quoting the decision's 文号) before the
reminder is served, then its 送达回证. The quick renderer (real templates and required-field checks)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from rules.deadlines import compute_deadline
from tests.workflows.case import forms
from tests.workflows.case.documents_support import of, with_documents
from tests.workflows.case.driver import HEAD1, OFFICER1, OFFICER2
from tests.workflows.case.flows import StartCase, deadline, events, filed, now, start, waive_statement


async def test_a_proposal_in_the_hearing_scope_comes_with_the_hearing_notice(start_case: StartCase) -> None:
    """6,000 yuan for a person is at least the 较大数额 of procedure.yaml: 处罚法 Art. 63, 64 (1)."""
    case = await start(start_case)
    await filed(case)
    await case.complete("investigate", OFFICER1, "report", forms.report("6000"))
    state = await with_documents(case, "prior_notice", "hearing_rights_notice")
    assert "serve_prior_notice" in {t.kind for t in state.open_tasks}
    notice = [e for e in events(state, "document_issued") if e.detail["kind"] == "hearing_rights_notice"]
    assert notice and notice[0].legal_basis is not None and "第六十三条" in notice[0].legal_basis
    await case.complete(
        "serve_prior_notice", OFFICER2, "served", forms.prior_notice(await now(case), hearing_right=True)
    )
    state = await with_documents(case, "service_receipt")
    assert len(of(state, "service_receipt")) == 1  # one 送达回证 for the two documents served together


async def test_an_unpaid_fine_brings_the_reminder_before_it_is_served(start_case: StartCase) -> None:
    case = await start(start_case)
    at = await filed(case)
    await case.complete("investigate", OFFICER1, "report", forms.report("300"))
    await case.complete("serve_prior_notice", OFFICER2, "served", forms.prior_notice(at))
    await waive_statement(case)
    await case.complete("decide", HEAD1, "penalty", forms.decision("300"))
    decision = of(await with_documents(case, "penalty_decision", "payment_notice"), "penalty_decision")[0]
    await case.complete(
        "serve_decision", OFFICER1, "served", forms.served(await now(case), document_no=decision.number)
    )
    await case.task("confirm_payment")
    t15 = deadline(await case.state(), "T15")
    assert not of(await case.state(), "reminder")
    await case.sleep_until(t15.due_at + dt.timedelta(seconds=1))

    await case.task("serve_reminder")
    state = await with_documents(case, "reminder")
    [reminder] = of(state, "reminder")
    assert reminder.number is not None and reminder.number != decision.number
    assert state.documents.index(reminder) > state.documents.index(decision)
    reminded_at = await now(case)
    form = {
        **forms.served(reminded_at, document_no=reminder.number),
        "amount_due_yuan": str(Decimal("300")),
        "comply_by": compute_deadline("T19", reminded_at).due_at.isoformat(),
    }
    await case.complete("serve_reminder", OFFICER1, "served", form)
    state = await with_documents(case, "service_receipt")
    assert len(of(state, "service_receipt")) == 3  # the notice's, the decision's, the reminder's
