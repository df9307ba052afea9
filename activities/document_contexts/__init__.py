"""The render context of a case document, built from what the workflow hands the issuing activity.

Pure: a `DocumentRequest` (the case, its completed steps, the decision record, the documents issued
before), the issuing unit's profile and the names of the people it mentions go in; a dict the
template of the kind reads comes out (the keys of rules/data/documents.yaml). Nothing is invented:
a value the case does not hold is left out, and the renderer then refuses the document naming the
field (MissingDocumentField) — the workflow asks an officer, whose answer comes back as
`request.supplement` and is applied last. The wording of the platform's codes comes from
rules/data/document_terms.yaml. One module per stage: filing, investigation (and legal review),
notice, decision, execution (with service and closing).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from activities.document_contexts import decision, execution, filing, investigation, notice
from activities.document_facts import Person, penalty_text, pruned, supplemented
from core.agencies import AgencyProfile
from workflows.case.document_model import DocumentRequest

__all__ = ["BUILDERS", "Person", "build_context", "penalty_text"]

Builder = Callable[[DocumentRequest, AgencyProfile, Mapping[str, Person]], dict[str, Any]]

BUILDERS: dict[str, Builder] = {
    "case_source_register": filing.case_source_register,
    "filing_approval": filing.filing_approval,
    "evidence_preservation_notice": investigation.evidence_preservation_notice,
    "investigation_report": investigation.investigation_report,
    "legal_review_opinion": investigation.legal_review_opinion,
    "prior_notice": notice.prior_notice,
    "hearing_rights_notice": notice.hearing_rights_notice,
    "hearing_notice": notice.hearing_notice,
    "statement_record": notice.statement_record,
    "collective_discussion": decision.collective_discussion,
    "penalty_decision": decision.penalty_decision,
    "payment_notice": decision.payment_notice,
    "no_penalty_decision": decision.no_penalty_decision,
    "on_the_spot_decision": decision.on_the_spot_decision,
    "reminder": execution.reminder,
    "service_receipt": execution.service_receipt,
    "closing_approval": execution.closing_approval,
}


def build_context(request: DocumentRequest, agency: AgencyProfile, people: Mapping[str, Person]) -> dict[str, Any]:
    """The render context of `request.kind` (KeyError for a kind the case workflow never issues)."""
    context = pruned(BUILDERS[request.kind](request, agency, people))
    return supplemented(context, request.supplement)
