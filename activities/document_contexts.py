"""The render context of a case document, built from what the workflow hands the issuing activity.

Pure: a `DocumentRequest` (the case, its completed steps, the decision record, the documents issued
before), the issuing unit's profile and the names of the people it mentions go in; a dict the
template of the kind reads comes out (the keys of rules/data/documents.yaml). Nothing is invented:
a value the case does not hold is left out, and the renderer then refuses the document naming the
field (MissingDocumentField) — the workflow asks an officer, whose answer comes back as
`request.supplement` and is applied last. The wording of the platform's codes comes from
rules/data/document_terms.yaml.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from activities.document_facts import (
    Person,
    case_of,
    contact_of,
    evidence_of,
    fine_of,
    form_of,
    issued_of,
    labelled,
    name_of,
    officers_of,
    outcome_name,
    party_of,
    payment_of,
    penalty_text,
    pruned,
    remedy_of,
    step_of,
    supplemented,
    tier_of,
    violation_of,
)
from core.agencies import AgencyProfile
from rules.document_terms import load_document_terms
from workflows.case.document_model import DocumentRequest

__all__ = ["BUILDERS", "Person", "build_context", "penalty_text"]

Builder = Callable[[DocumentRequest, AgencyProfile, Mapping[str, Person]], dict[str, Any]]


# --- one builder per document kind ------------------------------------------------------------------------


def case_source_register(r: DocumentRequest, agency: AgencyProfile, people: Mapping[str, Person]) -> dict[str, Any]:
    verify, filing = step_of(r, "verify_lead"), step_of(r, "approve_filing")
    party = party_of(r)
    return {
        "case": case_of(r),
        "party": party if party.get("name") else None,
        "source": {
            "type": load_document_terms().sources.get(r.case.source),
            "found_at": r.case.lead_received_at,
            "place": r.case.address,
            "facts": r.case.description or form_of(r, "verify_lead").get("findings"),
            "registrar": name_of(verify.actor) if verify else None,
            "registered_at": r.opened_at,
            "opinion": outcome_name(verify),
            "approval_opinion": form_of(r, "approve_filing").get("opinion") or outcome_name(filing),
            "approver": name_of(filing.actor) if filing else None,
            "approved_on": filing.completed_at if filing else None,
        },
    }


def filing_approval(r: DocumentRequest, agency: AgencyProfile, people: Mapping[str, Person]) -> dict[str, Any]:
    filing = step_of(r, "approve_filing")
    form = form_of(r, "approve_filing")
    assigned = []
    for user_id in form.get("assigned_officers", []):
        known = people.get(str(user_id))
        officer = {"name": known.name if known else user_id, "certificate_no": known.certificate_no if known else None}
        assigned.append(labelled(officer))
    return {
        "case": case_of(r),
        "party": party_of(r),
        "source": {"type": load_document_terms().sources.get(r.case.source)},
        "filing": {
            "facts": form_of(r, "verify_lead").get("findings"),
            "conditions": form.get("conditions"),
            "officers": assigned,
            "unit_opinion": outcome_name(step_of(r, "verify_lead")),
            "head_opinion": form.get("opinion"),
            "approver": name_of(filing.actor) if filing else None,
            "approved_on": r.filed_at,
            "attachments": ["案件来源登记表", "现场检查（勘验）笔录"],
        },
    }


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
    else:
        form = dict(r.decision or {})
        ground, facts = str(form.get("ground", "")), r.proposal.get("facts_found")
        evidence = evidence_of(r.proposal.get("evidence_ids", []))
    known = load_document_terms().no_penalty_grounds.get(ground)
    return {
        "case": case_of(r),
        "party": party_of(r),
        "no_penalty": {
            "facts": facts,
            "evidence": evidence,
            "reason": known.reason if known else form.get("reasoning"),
            "legal_basis": known.basis.cite() if known else None,
            "education": (form.get("education_record") or {}).get("content"),
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


def reminder(r: DocumentRequest, agency: AgencyProfile, people: Mapping[str, Person]) -> dict[str, Any]:
    decision = issued_of(r, "penalty_decision")
    surcharge = Decimal(str(r.detail.get("surcharge_yuan", "0")))
    pay = payment_of(agency)
    channel = None
    if all(pay.values()):
        account = f"（户名：{pay['account_name']}；账号：{pay['account']}）"
        channel = f"缴至{pay['bank']}{account}，或者通过{pay['electronic']}缴纳"
    return {
        "party": party_of(r),
        "reminder": {
            "decision_number": decision.get("number"),
            "decision_date": r.decided_at,
            "obligation": "缴纳罚款及加处罚款" if surcharge > 0 else "缴纳罚款",
            "deadline": r.detail.get("comply_by"),
            "method": load_document_terms().payment_methods["bank"],
            "fine": r.detail.get("fine_yuan"),
            "surcharge": str(surcharge),
            "surcharge_note": r.detail.get("surcharge_note"),
            "amount": r.detail.get("amount_yuan"),
            "payment_method": channel,
            "contact": contact_of(agency),
        },
    }


def service_receipt(r: DocumentRequest, agency: AgencyProfile, people: Mapping[str, Person]) -> dict[str, Any]:
    serve = step_of(r, str(r.detail.get("task_kind")))
    form = serve.form if serve is not None else {}
    served = [d for d in r.documents if d.step in set(r.detail.get("documents", []))]
    consent = "当事人已签订电子送达确认书" if form.get("electronic_consent") else None
    return {
        "case": case_of(r),
        "service": {
            "documents": [{"title": d.title, "number": d.number} for d in served],
            "recipient": form.get("recipient"),
            "method": load_document_terms().service_methods.get(str(form.get("method"))),
            "place": form.get("place") or party_of(r).get("address"),
            "received_at": form.get("served_at"),
            "servers": [name_of(serve.actor)] if serve is not None else [],
            "refusal_reason": form.get("refusal_note"),
            "witness_or_record": form.get("refusal_note"),
            "tracking_number": form.get("tracking_no"),
            "electronic_address": form.get("electronic_address"),
            "consent_reference": consent,
        },
    }


def _decision_summary(r: DocumentRequest) -> str | None:
    for kind in ("penalty_decision", "on_the_spot_decision", "no_penalty_decision"):
        issued = issued_of(r, kind)
        if issued:
            what = penalty_text((r.decision or {}).get("penalty")) if kind != "no_penalty_decision" else "不予行政处罚"
            return f"{what}（{issued['title']}{issued['number'] or ''}）"
    return outcome_name(step_of(r, "decide")) or outcome_name(step_of(r, "investigate"))


def closing_approval(r: DocumentRequest, agency: AgencyProfile, people: Mapping[str, Person]) -> dict[str, Any]:
    closing = step_of(r, "approve_closing")
    form = form_of(r, "approve_closing")
    return {
        "case": case_of(r),
        "party": party_of(r),
        "closing": {
            "ground": load_document_terms().closing_grounds.get(str(form.get("ground"))),
            "decision_summary": _decision_summary(r),
            "execution_result": form.get("execution_result"),
            "event_on": r.detail.get("event_at"),
            "officers": [o["name"] for o in officers_of(r, people)],
            "head_opinion": form.get("opinion") or outcome_name(closing),
            "approver": name_of(closing.actor) if closing else None,
            "approved_on": closing.completed_at if closing else None,
        },
    }


BUILDERS: dict[str, Builder] = {
    "case_source_register": case_source_register,
    "filing_approval": filing_approval,
    "prior_notice": prior_notice,
    "hearing_rights_notice": hearing_rights_notice,
    "penalty_decision": penalty_decision,
    "payment_notice": payment_notice,
    "no_penalty_decision": no_penalty_decision,
    "on_the_spot_decision": on_the_spot_decision,
    "reminder": reminder,
    "service_receipt": service_receipt,
    "closing_approval": closing_approval,
}


def build_context(request: DocumentRequest, agency: AgencyProfile, people: Mapping[str, Person]) -> dict[str, Any]:
    """The render context of `request.kind` (KeyError for a kind the case workflow never issues)."""
    context = pruned(BUILDERS[request.kind](request, agency, people))
    return supplemented(context, request.supplement)
