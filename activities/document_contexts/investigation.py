"""The documents of the investigation and the legal review: 证据先行登记保存通知书 with its 清单, 案件调查终结报告
and 法制审核意见书 (处罚法 Arts. 56, 58; 住建 Arts. 19, 20, 24, 25). Each records one completed step: the
workflow hands the case as it stood when that step was completed (`step_of(r, kind)` is that step)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from activities.document_facts import (
    Person,
    case_of,
    evidence_of,
    form_of,
    name_of,
    officers_in,
    party_of,
    penalty_text,
    person_named,
    step_of,
    tier_of,
)
from core.agencies import AgencyProfile
from rules.document_terms import load_document_terms
from workflows.case.document_model import DocumentRequest

# tasks.yaml `review_checklist` item → the 法制审核意见书's field for it (住建 Art. 24 (1)–(8))
CHECK_FIELDS = {
    "subject_and_qualification": "subject",
    "procedure": "procedure",
    "facts_and_evidence": "facts_evidence",
    "law_and_benchmark": "law_benchmark",
    "within_powers": "powers",
    "documents": "documents",
    "crime_transfer": "crime",
    "other": "other",
}


def evidence_preservation_notice(
    r: DocumentRequest, agency: AgencyProfile, people: Mapping[str, Person]
) -> dict[str, Any]:
    """From the investigate step's preserve_evidence registration (处罚法 Art. 56; 住建 Art. 19 para 2)."""
    form = form_of(r, "investigate")
    items = [i for i in form.get("items", []) if isinstance(i, dict)]
    keys = ("name", "quantity", "specification", "model", "storage_place")
    return {
        "case": case_of(r),
        "party": party_of(r),
        "officers": officers_in(form.get("officers"), people),
        "preservation": {
            "reason": form.get("reason"),
            "approver": person_named(form.get("approved_by"), people),
            "approved_on": form.get("approved_at"),
            "started_at": form.get("preserved_at"),
            "inventory": [{k: item.get(k) for k in keys} for item in items],
            "refusal_note": None if form.get("party_signed") else form.get("refusal_note"),
        },
    }


def investigation_report(r: DocumentRequest, agency: AgencyProfile, people: Mapping[str, Person]) -> dict[str, Any]:
    """From the investigate step's report (住建 Art. 20 para 2)."""
    form = form_of(r, "investigate")
    terms = load_document_terms()
    proposal = terms.report_proposals.get(str(form.get("proposal")))
    proposed = penalty_text(form.get("proposed_penalty"))
    return {
        "case": case_of(r),
        "party": party_of(r, form),
        "officers": officers_in(form.get("officers"), people),
        "report": {
            "source": terms.sources.get(r.case.source),
            "course": form.get("course"),
            "facts": str(form.get("facts_found", "")).rstrip("。") or None,
            "evidence": evidence_of(form.get("evidence_ids", [])),
            "proposal": f"{proposal}：{proposed}" if proposal and proposed else proposal,
            "proposed_penalty": proposed,
            "legal_basis": str(form.get("legal_basis", "")).rstrip("。") or None,
            "benchmark": {
                "tier": tier_of(r, form.get("benchmark_tier")),
                "reasoning": str(form.get("benchmark_reasoning", "")).rstrip("。") or None,
            },
            "major": form.get("major"),
        },
    }


def _check(item: str, entry: object) -> str | None:
    """What the opinion says of one review item: passed or not, and the reviewer's note."""
    wording = load_document_terms().legal_review_checks.get(item)
    if wording is None or not isinstance(entry, Mapping) or not isinstance(entry.get("passed"), bool):
        return None
    said = wording.passed if entry["passed"] else wording.failed
    note = str(entry.get("note", "")).rstrip("。")
    return f"{said}（{note}）" if note else said


def _clause(text: object) -> str:
    return str(text or "").rstrip("。")


def _opinion(outcome: str, form: Mapping[str, Any]) -> str | None:
    """The reviewer's opinion with what the outcome asks for (住建 Art. 25 para 1 (2)–(4))."""
    parts = [_clause(form.get("opinion"))]
    requests = [_clause(x) for x in form.get("supplement_requests", [])]
    if outcome == "supplement" and requests:
        parts.append("需补充调查的事项：" + "；".join(requests))
    corrections = [c for c in form.get("corrections", []) if isinstance(c, Mapping)]
    if outcome == "correct" and corrections:
        fixes = [f"{_clause(c.get('issue'))}，{_clause(c.get('correction'))}" for c in corrections]
        parts.append("改正意见：" + "；".join(fixes))
    if outcome == "transfer" and form.get("receiving_authority"):
        parts.append(f"建议移送{form['receiving_authority']}，理由：{_clause(form.get('reason'))}")
    text = "。".join(p for p in parts if p)
    return f"{text}。" if text else None


def legal_review_opinion(r: DocumentRequest, agency: AgencyProfile, people: Mapping[str, Person]) -> dict[str, Any]:
    """From the legal_review step (处罚法 Art. 58; 住建 Arts. 24, 25); the materials arrived when the step
    opened (`detail.received_at`, the start of T10)."""
    review = step_of(r, "legal_review")
    form = review.form if review is not None else {}
    outcome = review.outcome if review is not None else ""
    checklist = form.get("checklist") or {}
    return {
        "case": case_of(r),
        "party": party_of(r),
        "review": {
            "received_on": r.detail.get("received_at"),
            "checks": {field: _check(item, checklist.get(item)) for item, field in CHECK_FIELDS.items()},
            "conclusion": load_document_terms().legal_review_conclusions.get(outcome),
            "opinion": _opinion(outcome, form),
            "reviewers": [name_of(review.actor)] if review is not None else [],
            "reviewed_on": review.completed_at if review is not None else None,
        },
    }
