"""Sample forms for the task catalogue (rules/data/tasks.yaml) that must fail: for every (kind, outcome) a form
and the text its message must contain (INVALID), most of them a form of tests/rules/task_samples.py's VALID
with one thing wrong. Used by the catalogue tests (tests/rules/test_task_forms.py)."""

from __future__ import annotations

from typing import Any

from tests.rules.task_samples import CHECKLIST, DISCUSSION, DT, FINE, INSPECTION, LATER, OFFICERS, REPORT, VALID

# (kind, outcome) -> (a form that must fail, text the message must contain)
INVALID: dict[tuple[str, str], tuple[dict[str, Any], str]] = {
    ("verify_lead", "established"): (
        {"findings": "x", "inspection": {**INSPECTION, "inspected_at": "2026-11-03T09:30:00"}, "facts": {}},
        "form.inspection.inspected_at: ",
    ),
    ("verify_lead", "not_established"): ({"findings": "x"}, "form.reason: this field is required"),
    ("verify_lead", "transfer"): ({"findings": "x", "reason": "y"}, "form.receiving_agency: this field is required"),
    ("verify_lead", "minor_no_penalty"): (
        {**VALID[("verify_lead", "minor_no_penalty")], "first_violation": False},
        "form.first_violation: must be true, got false (初次违法)",
    ),
    ("verify_lead", "on_the_spot"): (
        {**VALID[("verify_lead", "on_the_spot")], "penalty": {"kinds": ["没收违法所得"]}},
        "form.penalty.kinds[0]: must be one of",
    ),
    ("approve_filing", "approve"): (
        {**VALID[("approve_filing", "approve")], "assigned_officers": ["u-officer-1"]},
        "form.assigned_officers: expected at least 2 distinct item(s), got 1",
    ),
    ("approve_filing", "reject"): ({"opinion": "不同意"}, "form.reason: this field is required"),
    ("investigate", "report"): (
        {**REPORT, "officers": OFFICERS[:1]},
        "form.officers: expected 2 distinct items, got 1",
    ),
    ("investigate", "not_established"): (
        {"officers": [OFFICERS[0], OFFICERS[0]], "findings": "x", "reason": "y"},
        "form.officers: items must be distinct",
    ),
    ("investigate", "commission_appraisal"): (
        {**VALID[("investigate", "commission_appraisal")], "appraisal_kind": "检测"},
        "form.appraisal_kind: must be one of",
    ),
    ("investigate", "request_suspension"): ({"ground": "party_missing"}, "form.reason: this field is required"),
    ("investigate", "preserve_evidence"): (
        {**VALID[("investigate", "preserve_evidence")], "items": [{"name": "三轮车", "quantity": "1辆"}]},
        "form.items[0].specification: this field is required",
    ),
    ("decide_preserved_evidence", "secured"): ({"decided_at": DT}, "form.decision_text: this field is required"),
    ("decide_preserved_evidence", "sent_for_appraisal"): (
        {"decided_at": DT},
        "form.decision_text: this field is required",
    ),
    ("decide_preserved_evidence", "compulsory_measure"): (
        {"decided_at": DT},
        "form.decision_text: this field is required",
    ),
    ("decide_preserved_evidence", "confiscation_procedure"): (
        {"decided_at": DT},
        "form.decision_text: this field is required",
    ),
    ("decide_preserved_evidence", "released"): ({"decided_at": DT}, "form.decision_text: this field is required"),
    ("investigate", "seize"): (
        {k: v for k, v in VALID[("investigate", "seize")].items() if k != "witness"},
        "form.witness: this field is required",
    ),
    ("decide_seized_items", "release"): (
        {**VALID[("decide_seized_items", "release")], "ground": "period_expired"},
        "form.ground: must be one of",
    ),
    ("decide_seized_items", "confiscate"): (
        {"decided_at": DT, "decision_text": "没收"},
        "form.penalty_document_no: this field is required",
    ),
    ("decide_seized_items", "destroy"): (
        {**VALID[("decide_seized_items", "destroy")], "legal_basis": ""},
        "form.legal_basis: must not be empty",
    ),
    ("decide_seized_items", "transfer"): (
        {k: v for k, v in VALID[("decide_seized_items", "transfer")].items() if k != "party_notified_at"},
        "form.party_notified_at: this field is required",
    ),
    ("release_seized_items", "released"): (
        {**VALID[("release_seized_items", "released")], "party_signed": False},
        "form.refusal_note: this field is required",
    ),
    ("record_appraisal", "result_notified"): (
        {**VALID[("record_appraisal", "result_notified")], "notified_at": "2026-11-03"},
        "form.notified_at: ",
    ),
    ("record_appraisal", "withdrawn"): ({"ended_at": DT, "reason": ""}, "form.reason: must not be empty"),
    ("approve_suspension", "approve"): (
        {**VALID[("approve_suspension", "approve")], "ground": "holiday"},
        "form.ground: must be one of",
    ),
    ("approve_suspension", "reject"): ({}, "form.reason: this field is required"),
    ("resume_investigation", "approve"): ({"reason": "x"}, "form.resumed_at: this field is required"),
    ("legal_review", "agree"): (
        {"checklist": {**CHECKLIST, "procedure": {"passed": False}}, "opinion": "同意"},
        "form.checklist.procedure.passed: must be true",
    ),
    ("legal_review", "supplement"): (
        {"checklist": CHECKLIST, "opinion": "x", "supplement_requests": []},
        "form.supplement_requests: expected at least 1 item(s), got 0",
    ),
    ("legal_review", "correct"): (
        {"checklist": CHECKLIST, "opinion": "x", "corrections": [{"item": "procedure", "issue": "x"}]},
        "form.corrections[0].correction: this field is required",
    ),
    ("legal_review", "transfer"): (
        {
            "checklist": {k: v for k, v in CHECKLIST.items() if k != "other"},
            "opinion": "x",
            "receiving_authority": "y",
            "reason": "z",
        },
        "form.checklist.other: this field is required",
    ),
    ("serve_prior_notice", "served"): (
        {"document_no": "1", "method": "public_notice", "hearing_right": True},
        "form.published_at: this field is required",
    ),
    ("review_statement", "adopted"): (
        {"statement_summary": "x", "review_opinion": "y", "revised_penalty": {"kinds": ["罚款"]}},
        "form.revised_penalty.fine_yuan: this field is required",
    ),
    ("review_statement", "partly_adopted"): ({"statement_summary": "x"}, "form.review_opinion: this field is required"),
    ("review_statement", "rejected"): (
        {"statement_summary": "x", "review_opinion": "y", "revised_penalty": FINE},
        "form.revised_penalty: unknown field",
    ),
    ("schedule_hearing", "scheduled"): (
        {**VALID[("schedule_hearing", "scheduled")], "public": False},
        "form.non_public_reason: this field is required",
    ),
    ("record_hearing", "held"): (
        {**VALID[("record_hearing", "held")], "party_signed": False},
        "form.refusal_note: this field is required",
    ),
    ("record_hearing", "party_absent"): (
        {"scheduled_at": LATER, "absence_note": "x", "without_good_reason": False},
        "form.without_good_reason: must be true",
    ),
    ("collective_discussion", "penalty"): (
        {**DISCUSSION, "attendees": ["u-head-1", "u-head-2"], "penalty": FINE},
        "form.attendees: expected at least 3 distinct item(s), got 2",
    ),
    ("collective_discussion", "no_penalty"): ({**DISCUSSION, "held_at": "昨天"}, "form.held_at: "),
    ("collective_discussion", "not_established"): ({**DISCUSSION, "summary": 1}, "form.summary: expected text"),
    ("collective_discussion", "transfer_judiciary"): (DISCUSSION, "form.receiving_authority: this field is required"),
    ("approve_extension", "approve"): (
        {**VALID[("approve_extension", "approve")], "approval": "collective_discussion"},
        "form.attendees: this field is required",
    ),
    ("approve_extension", "reject"): ({"reason": "x", "days": 3}, "form.days: unknown field"),
    ("decide", "penalty"): (
        {**VALID[("decide", "penalty")], "penalty": {"kinds": ["罚款"], "fine_yuan": 200}},
        "form.penalty.fine_yuan: expected text, got a number",
    ),
    ("decide", "no_penalty"): ({"ground": "first_minor_corrected", "reasoning": "x"}, "form.education_record: "),
    ("decide", "not_established"): ({}, "form.reasoning: this field is required"),
    ("decide", "transfer_judiciary"): ({"reasoning": "x"}, "form.receiving_authority: this field is required"),
    ("file_on_the_spot_decision", "filed"): (
        {"decision_no": "1", "document_id": "d", "party_signed": False},
        "form.refusal_note: this field is required",
    ),
    ("serve_decision", "served"): (
        {**VALID[("serve_decision", "served")], "electronic_consent": False},
        "form.electronic_consent: must be true",
    ),
    ("confirm_payment", "paid"): (
        {**VALID[("confirm_payment", "paid")], "amount_yuan": "12.345"},
        'form.amount_yuan: "12.345" is not in the expected form',
    ),
    ("approve_deferral", "approve"): (
        {"arrangement": "deferral", "reason": "x", "new_due_at": DT, "instalments": []},
        "form.instalments: must be left out here",
    ),
    ("approve_deferral", "reject"): ({"reason": ["x"]}, "form.reason: expected text, got a list"),
    ("serve_reminder", "served"): (
        {**VALID[("serve_reminder", "served")], "tracking_no": None},
        "form.tracking_no: expected text, got null",
    ),
    ("apply_court_enforcement", "applied"): (
        {"applied_at": DT, "court": "x", "materials": ["application"]},
        'form.materials: must include "subject_matter"',
    ),
    ("apply_court_enforcement", "not_applied"): ({"reason": "x", "extra": 1}, "form.extra: unknown field"),
    ("approve_closing", "approve"): (
        {"ground": "other", "execution_result": "x", "archive": {"source_and_filing": ["d"]}},
        "form.ground_note: this field is required",
    ),
    ("escalation", "acknowledged"): ({"note": "x"}, "form.instruction: this field is required"),
    ("supervision_alert", "acknowledged"): ({"instruction": ""}, "form.instruction: must not be empty"),
    ("supply_document_data", "supplied"): ({"values": {"Party Address": "x"}}, "is not allowed"),
}
