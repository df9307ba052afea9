"""案件来源登记表 and 立案审批表: the lead as registered and the head's filing decision (住建 Arts. 15, 40 (1))."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from activities.document_facts import (
    Person,
    case_of,
    form_of,
    labelled,
    name_of,
    outcome_name,
    party_of,
    step_of,
)
from core.agencies import AgencyProfile
from rules.document_terms import load_document_terms
from workflows.case.document_model import DocumentRequest


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
