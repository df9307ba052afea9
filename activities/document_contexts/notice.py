"""The documents of the prior notice: 行政处罚事先告知书, 听证告知书, 听证通知书 and the 陈述申辩笔录 with
its written 复核意见 (处罚法 Arts. 44, 45, 63, 64; 住建 Arts. 21, 22, 33, 34)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from activities.document_facts import (
    Person,
    case_of,
    contact_of,
    form_of,
    name_of,
    officers_of,
    party_of,
    penalty_text,
    person_named,
    step_of,
    violation_of,
)
from core.agencies import AgencyProfile
from rules.document_terms import load_document_terms
from workflows.case.document_model import DocumentRequest


def _notice(r: DocumentRequest, agency: AgencyProfile) -> dict[str, Any]:
    violation = violation_of(r)
    violated = violation.legal_basis.illegal_clause.cite() if violation else None
    reasoning = str(r.proposal.get("benchmark_reasoning", "")).rstrip("。")
    reasons = None
    if violated:
        reasons = f"你（单位）的上述行为违反了{violated}的规定" + (f"，{reasoning}" if reasoning else "")
    return {
        "facts": str(r.proposal.get("facts_found", "")).rstrip("。") or None,
        "reasons": reasons,
        "legal_basis": r.proposal.get("legal_basis"),
        "proposed_penalty": penalty_text(r.proposal.get("proposed_penalty")),
        "hearing_right": r.detail.get("hearing_right"),
        "contact": contact_of(agency),
    }


def prior_notice(r: DocumentRequest, agency: AgencyProfile, people: Mapping[str, Person]) -> dict[str, Any]:
    return {"case": case_of(r), "party": party_of(r), "notice": _notice(r, agency)}


def hearing_rights_notice(r: DocumentRequest, agency: AgencyProfile, people: Mapping[str, Person]) -> dict[str, Any]:
    notice = _notice(r, agency)
    del notice["reasons"], notice["hearing_right"]  # the 听证告知书 states the proposal, not the reasons
    return {"case": case_of(r), "party": party_of(r), "notice": notice}


def hearing_notice(r: DocumentRequest, agency: AgencyProfile, people: Mapping[str, Person]) -> dict[str, Any]:
    """From the schedule_hearing step: time, place, chair, public or not (处罚法 Art. 64 (2)–(4))."""
    form = form_of(r, "schedule_hearing")
    return {
        "case": case_of(r),
        "party": party_of(r),
        "hearing": {
            "at": form.get("hearing_at"),
            "place": form.get("place"),
            "chair": person_named(form.get("chair"), people),
            "clerk": person_named(form.get("recorder"), people),
            "public": form.get("public"),
            "contact": contact_of(agency),
        },
    }


def statement_record(r: DocumentRequest, agency: AgencyProfile, people: Mapping[str, Person]) -> dict[str, Any]:
    """The party's statement as the review_statement step summed it up, and the written review of it
    (处罚法 Art. 45; 住建 Art. 22). The officers are the case's investigating officers; where the statement
    was made is not on the form (an officer supplies it)."""
    review = step_of(r, "review_statement")
    form = review.form if review is not None else {}
    wording = load_document_terms().statement_reviews.get(review.outcome) if review is not None else None
    revised = penalty_text(form.get("revised_penalty"))
    finding = None
    if wording is not None:
        finding = wording.finding + (f"，拟作出的行政处罚调整为{revised}" if revised else "")
    return {
        "case": case_of(r),
        "party": party_of(r),
        "officers": officers_of(r, people),
        "statement": {
            "at": form.get("statement_received_at") or r.detail.get("statement_at"),
            "content": form.get("statement_summary") or r.detail.get("statement_text"),
        },
        "review": {
            "facts_reviewed": finding,
            "result": wording.result if wording is not None else None,
            "reasons": form.get("review_opinion"),
            "reviewer": name_of(review.actor) if review is not None else None,
            "reviewed_on": review.completed_at if review is not None else None,
        },
    }
