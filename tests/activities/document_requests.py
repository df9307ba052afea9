"""Document requests as the case workflow builds them: a 300-yuan 占道经营 case of 清河区 (990102) whose
steps were completed with the forms of tests/workflows/case/forms.py, up to the step a kind is issued at."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.workflows.case import forms
from tests.workflows.case.driver import DISTRICT_A, HEAD1, OFFICER1, OFFICER2, REVIEWER1, case_input
from workflows.case.document_model import DocumentRequest, IssuedDocument, StepRecord
from workflows.case.model import Actor

LEAD = dt.datetime(2026, 11, 3, 14, 20, tzinfo=dt.timezone(dt.timedelta(hours=8)))
VIOLATION = "street_vending_jiaxing"


def _at(days: int, hours: int = 0) -> dt.datetime:
    return LEAD + dt.timedelta(days=days, hours=hours)


def _step(kind: str, outcome: str, form: dict[str, Any], actor: Actor, days: int) -> StepRecord:
    return StepRecord(kind=kind, outcome=outcome, form=form, actor=actor, completed_at=_at(days))


def steps() -> dict[str, StepRecord]:
    """Every step of the ordinary procedure, completed (a kind's builder reads only what it needs)."""
    report = forms.report("300")
    return {
        "verify_lead": _step("verify_lead", "established", forms.established(LEAD), OFFICER1, 1),
        "approve_filing": _step("approve_filing", "approve", forms.FILING, HEAD1, 2),
        "investigate": _step("investigate", "report", report, OFFICER1, 5),
        "serve_prior_notice": _step("serve_prior_notice", "served", forms.prior_notice(_at(6)), OFFICER2, 6),
        "decide": _step("decide", "penalty", forms.decision("300"), HEAD1, 14),
        "serve_decision": _step("serve_decision", "served", forms.served(_at(15)), OFFICER1, 15),
        "approve_closing": _step("approve_closing", "approve", forms.CLOSING, HEAD1, 30),
    }


# The steps a kind records, beside (or instead of) the ordinary procedure's: the branch it is issued in.
BRANCH_STEPS: dict[str, dict[str, StepRecord]] = {
    "evidence_preservation_notice": {
        "investigate": _step("investigate", "preserve_evidence", forms.preservation(_at(3)), OFFICER1, 3),
    },
    "legal_review_opinion": {"legal_review": _step("legal_review", "agree", forms.legal_review_agreed(), REVIEWER1, 6)},
    "statement_record": {
        "review_statement": _step("review_statement", "rejected", forms.statement_reviewed(_at(8)), OFFICER2, 9),
    },
    "hearing_notice": {
        "schedule_hearing": _step("schedule_hearing", "scheduled", forms.hearing_notice(_at(9), _at(21)), OFFICER2, 9),
    },
    "collective_discussion": {
        "collective_discussion": _step("collective_discussion", "penalty", forms.discussion(_at(13)), HEAD1, 13),
    },
}


def decision_document() -> IssuedDocument:
    return IssuedDocument(
        doc_id="00000000-0000-0000-0000-000000000001",
        step="decision/penalty_decision",
        kind="penalty_decision",
        title="行政处罚决定书",
        number="清河城管罚〔2026〕第1号",
        sha256="0" * 64,
        verify_code="7KQ3M-ZX2AB",
        issued_at=_at(14),
    )


DETAIL: dict[str, dict[str, Any]] = {
    "prior_notice": {"hearing_right": False},
    "penalty_decision": {"party_events": ["waive_statement"]},
    "service_receipt": {"task_kind": "serve_decision", "documents": ["decision/penalty_decision"]},
    "reminder": {
        "fine_yuan": "300",
        "surcharge_yuan": "45",
        "amount_yuan": "345",
        "comply_by": _at(40).isoformat(),
    },
    "closing_approval": {"event_at": _at(29).isoformat()},
    "legal_review_opinion": {"received_at": _at(5).isoformat()},
    "statement_record": {"statement_at": _at(8).isoformat(), "statement_text": "摊位面积不足三平方米"},
}


def request(kind: str, *, workflow_id: str = "case-docs-1", step: str | None = None, **changes: Any) -> DocumentRequest:
    """The request for `kind` late in the case (every step done, the decision issued)."""
    case = case_input(LEAD, violation_code=VIOLATION).model_copy(update={"case_id": workflow_id})
    assert case.jurisdiction_path == DISTRICT_A
    fields: dict[str, Any] = {
        "workflow_id": workflow_id,
        "step": step or f"test/{kind}",
        "kind": kind,
        "agency_code": "990102",
        "issued_at": _at(20),
        "case": case,
        "opened_at": LEAD,
        "filed_at": _at(2),
        "decided_at": _at(14),
        "steps": steps() | BRANCH_STEPS.get(kind, {}),
        "proposal": forms.report("300"),
        "decision": {"outcome": "penalty", **forms.decision("300")},
        "documents": [decision_document()],
        "detail": DETAIL.get(kind, {}),
    }
    return DocumentRequest(**(fields | changes))
