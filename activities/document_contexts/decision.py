"""The documents of the decision: 集体讨论记录, 行政处罚决定书, 罚没款缴款通知书, 不予行政处罚决定书 and
当场行政处罚决定书 (处罚法 Arts. 33, 52, 57, 59, 67; 住建 Arts. 26, 27)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from activities.document_facts import (
    Person,
    case_of,
    evidence_of,
    fine_of,
    form_of,
    issued_of,
    name_of,
    officers_of,
    outcome_name,
    party_of,
    payment_of,
    penalty_text,
    person_named,
    remedy_of,
    step_of,
    tier_of,
    violation_of,
)
from core.agencies import AgencyProfile
from rules.document_terms import load_document_terms
from workflows.case.document_model import DocumentRequest

NOT_ESTABLISHED = "not_established"  # decide outcome and no-penalty ground: 违法事实不能成立


def _statement_summary(r: DocumentRequest) -> str | None:
    """What the decision says of the party's statement (处罚法 Arts. 44, 45)."""
    review = step_of(r, "review_statement")
    if review is not None:
        opinion = review.form.get("review_opinion", "")
        return f"当事人提出了陈述、申辩，本机关依法进行了复核，复核意见：{opinion}".rstrip("：")
    events = set(r.detail.get("party_events", []))
    if "waive_statement" in events:
        return "当事人明确表示放弃陈述、申辩的权利。"
    return "当事人在规定期限内未提出陈述、申辩。" if step_of(r, "serve_prior_notice") is not None else None


def penalty_decision(r: DocumentRequest, agency: AgencyProfile, people: Mapping[str, Person]) -> dict[str, Any]:
    form = dict(r.decision or form_of(r, "decide"))
    violation = violation_of(r)
    fine = fine_of(form.get("penalty"))
    return {
        "case": case_of(r),
        "party": party_of(r),
        "decision": {
            "violated_rule": violation.legal_basis.illegal_clause.cite() if violation else None,
            "facts": r.proposal.get("facts_found"),
            "evidence": evidence_of(r.proposal.get("evidence_ids", [])),
            "statement_summary": _statement_summary(r),
            "penalty": penalty_text(form.get("penalty")),
            "fine": fine,
            "legal_basis": form.get("legal_basis"),
            "benchmark": {"tier": tier_of(r, form.get("benchmark_tier")), "reasoning": form.get("reasoning")},
        },
        "payment": payment_of(agency) if fine else None,
        "remedy": remedy_of(agency),
    }


def payment_notice(r: DocumentRequest, agency: AgencyProfile, people: Mapping[str, Person]) -> dict[str, Any]:
    decision = issued_of(r, "penalty_decision")
    fine = fine_of((r.decision or {}).get("penalty"))
    return {
        "party": party_of(r),
        "payment": {
            **payment_of(agency),
            "decision_number": decision.get("number"),
            "decision_date": r.decided_at,
            "amount": fine,
        },
    }


def no_penalty_decision(r: DocumentRequest, agency: AgencyProfile, people: Mapping[str, Person]) -> dict[str, Any]:
    verify = step_of(r, "verify_lead")
    if r.decision is None and verify is not None and verify.outcome == "minor_no_penalty":  # 首违不罚 at the lead
        form, ground, facts = verify.form, "first_minor_corrected", verify.form.get("findings")
        evidence = evidence_of(form.get("evidence_ids", [])) or ["现场检查（勘验）笔录"]
    elif (r.decision or {}).get("outcome") == NOT_ESTABLISHED:  # 处罚法 Art. 57 para 1 (3): the head's reasons
        form, ground = dict(r.decision or {}), NOT_ESTABLISHED
        facts, evidence = form.get("reasoning"), evidence_of(r.proposal.get("evidence_ids", []))
    else:
        form = dict(r.decision or {})
        ground, facts = str(form.get("ground", "")), r.proposal.get("facts_found")
        evidence = evidence_of(r.proposal.get("evidence_ids", []))
    known = load_document_terms().no_penalty_grounds.get(ground)
    established = ground != NOT_ESTABLISHED  # no violation, no education (处罚法 Art. 33 para 3)
    return {
        "case": case_of(r),
        "party": party_of(r),
        "no_penalty": {
            "facts": facts,
            "evidence": evidence,
            "reason": known.reason if known else form.get("reasoning"),
            "legal_basis": known.basis.cite() if known else None,
            "violation_established": established,
            "education": (form.get("education_record") or {}).get("content") if established else None,
        },
        "remedy": remedy_of(agency),
    }


def on_the_spot_decision(r: DocumentRequest, agency: AgencyProfile, people: Mapping[str, Person]) -> dict[str, Any]:
    verify = step_of(r, "verify_lead")
    form = verify.form if verify is not None else {}
    penalty = form.get("penalty") or {}
    kinds = penalty.get("kinds", [])
    methods = load_document_terms().payment_methods
    officers = officers_of(r, people)
    if not officers and verify is not None:  # the deciding officer signs (处罚法 Art. 52 para 2)
        officers = [{"name": name_of(verify.actor), "certificate_no": verify.actor.certificate_no}]
    return {
        "party": party_of(r),
        "officers": officers,
        "spot": {
            "violation": form.get("findings"),
            "penalty_kind": "罚款" if "罚款" in kinds else (kinds[0] if kinds else None),
            "legal_basis": form.get("legal_basis"),
            "fine": fine_of(penalty),
            "payment_method": methods["on_the_spot"] if form.get("collected_on_the_spot") else methods["bank"],
            "at": r.decided_at or (verify.completed_at if verify else None),
            "place": (form.get("inspection") or {}).get("place") or r.case.address,
        },
        "payment": payment_of(agency),
        "remedy": remedy_of(agency),
    }


def collective_discussion(r: DocumentRequest, agency: AgencyProfile, people: Mapping[str, Person]) -> dict[str, Any]:
    """From the collective_discussion step: who met, where and when, each opinion, the decision reached
    (处罚法 Art. 57 para 2; 住建 Art. 26 para 2)."""
    step = step_of(r, "collective_discussion")
    form = step.form if step is not None else {}
    reached = [outcome_name(step), penalty_text(form.get("penalty")), form.get("receiving_authority")]
    decided = "，".join(str(part) for part in reached if part)
    text = str(form.get("decision_text", "")).rstrip("。")
    opinions = [
        {"speaker": person_named(o.get("speaker"), people), "opinion": o.get("opinion")}
        for o in form.get("opinions", [])
        if isinstance(o, dict)
    ]
    return {
        "case": case_of(r),
        "discussion": {
            "at": form.get("held_at"),
            "place": form.get("place"),
            "chair": person_named(form.get("presided_by"), people),
            "attendees": [person_named(u, people) for u in form.get("attendees", [])],
            "recorder": person_named(form.get("recorder"), people),
            "topic": load_document_terms().discussion_topic,
            "summary": form.get("summary"),
            "opinions": opinions,
            "decision": "。".join(part for part in (decided, text) if part) or None,
        },
    }
