"""The documents of service, execution and closing: 催告书, 送达回证 and 结案审批表 (强制法 Arts. 35, 54;
民诉法 Art. 87; 住建 Arts. 31, 35–37)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from activities.document_facts import (
    Person,
    case_of,
    contact_of,
    form_of,
    issued_of,
    name_of,
    officers_of,
    outcome_name,
    party_of,
    payment_of,
    penalty_text,
    step_of,
)
from core.agencies import AgencyProfile
from rules.document_terms import load_document_terms
from workflows.case.document_model import DocumentRequest


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
