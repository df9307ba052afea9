"""Reading a document request: the facts of the case as the documents state them.

Shared by the builders of activities/document_contexts/: the party as last established, the case's
number and cause (案由), the officers with their certificates, the issuing unit's particulars, the penalty
in words, and the earlier documents' numbers. A value the request does not hold is None, never a guess;
`pruned` then leaves it out of the context, and `supplemented` applies what an officer supplied.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from core.agencies import AgencyProfile
from documents.formatting import money
from rules.catalogue import Violation, load_catalogue
from rules.errors import UnknownViolationCode
from rules.task_catalogue import load_task_catalogue
from workflows.case.document_model import DocumentRequest, StepRecord
from workflows.case.model import Actor


@dataclass(frozen=True)
class Person:
    name: str
    certificate_no: str | None = None


def step_of(r: DocumentRequest, kind: str) -> StepRecord | None:
    return r.steps.get(kind)


def form_of(r: DocumentRequest, kind: str) -> dict[str, Any]:
    step = step_of(r, kind)
    return dict(step.form) if step is not None else {}


def name_of(actor: Actor | None) -> str | None:
    return (actor.display_name or actor.username) if actor is not None else None


def outcome_name(step: StepRecord | None) -> str | None:
    if step is None:
        return None
    return load_task_catalogue().get(step.kind).outcome(step.outcome).name


def violation_of(r: DocumentRequest) -> Violation | None:
    code = form_of(r, "verify_lead").get("violation_code") or r.case.violation_code
    try:
        return load_catalogue().get(str(code))
    except UnknownViolationCode:
        return None


def referenced_user_ids(r: DocumentRequest) -> set[str]:
    """Every user id the request names without a name beside it: the activity looks them up."""
    ids = {str(u) for u in form_of(r, "approve_filing").get("assigned_officers", [])}
    investigation = form_of(r, "investigate")  # a report's officers, a preservation's officers and approver
    for entry in [*officer_entries(r), *_entries(investigation.get("officers"))]:
        if entry.get("user_id") and not entry.get("name"):
            ids.add(str(entry["user_id"]))
    hearing, discussion = form_of(r, "schedule_hearing"), form_of(r, "collective_discussion")
    named = [investigation.get("approved_by"), hearing.get("chair"), hearing.get("recorder")]
    named += [discussion.get("presided_by"), discussion.get("recorder"), *discussion.get("attendees", [])]
    named += [o.get("speaker") for o in _entries(discussion.get("opinions"))]
    return ids | {str(u) for u in named if u}


def _entries(value: object) -> list[dict[str, Any]]:
    return [o for o in value if isinstance(o, dict)] if isinstance(value, list) else []


def officer_entries(r: DocumentRequest) -> list[dict[str, Any]]:
    """The investigating officers: the report's, else the verifying inspection's."""
    officers = r.proposal.get("officers") or form_of(r, "verify_lead").get("inspection", {}).get("officers") or []
    return _entries(officers)


def officers_in(entries: object, people: Mapping[str, Person]) -> list[dict[str, Any]]:
    """Officer entries of a form ({user_id, name?, certificate_no}) with the users table's names."""
    out = []
    for entry in _entries(entries):
        known = people.get(str(entry.get("user_id")))
        name = entry.get("name") or (known.name if known else None) or entry.get("user_id")
        certificate = entry.get("certificate_no") or (known.certificate_no if known else None)
        out.append({"name": name, "certificate_no": certificate})
    return out


def officers_of(r: DocumentRequest, people: Mapping[str, Person]) -> list[dict[str, Any]]:
    return officers_in(officer_entries(r), people)


def person_named(user_id: object, people: Mapping[str, Person]) -> str | None:
    """A user's name for a user id a form gives; an id that is no user of the platform is printed as given."""
    if not user_id:
        return None
    known = people.get(str(user_id))
    return known.name if known else str(user_id)


def labelled(officer: Mapping[str, Any]) -> str:
    cert = officer.get("certificate_no")
    return f"{officer['name']}（执法证号{cert}）" if cert else str(officer["name"])


def party_of(r: DocumentRequest, report: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The party as last established: intake, then the verification's, then the report's (`report`, by
    default the case's proposal)."""
    merged: dict[str, Any] = r.case.party.model_dump(exclude_none=True) if r.case.party else {}
    latest = (report if report is not None else r.proposal).get("party")
    for found in (form_of(r, "verify_lead").get("party"), latest):
        if isinstance(found, dict):
            merged |= {k: v for k, v in found.items() if v not in (None, "")}
    party_type = merged.pop("type", None)
    credit = merged.pop("credit_code", None)
    if party_type is not None:
        merged["kind"] = party_type
    if credit and party_type == "organisation":
        merged["id_number"] = credit
    return merged


def case_of(r: DocumentRequest) -> dict[str, Any]:
    cause = form_of(r, "approve_filing").get("case_title")
    if not cause:
        violation, party = violation_of(r), party_of(r).get("name")
        cause = f"{party}{violation.name}案" if violation is not None and party else None
    return {"number": r.case.case_id, "cause": cause, "filed_on": r.filed_at}


def remedy_of(agency: AgencyProfile) -> dict[str, Any]:
    return {"review_body": agency.review_body, "court": agency.court}


def payment_of(agency: AgencyProfile) -> dict[str, Any]:
    return {
        "bank": agency.payment_bank,
        "account_name": agency.payment_account_name,
        "account": agency.payment_account,
        "electronic": agency.payment_electronic,
    }


def contact_of(agency: AgencyProfile) -> dict[str, Any]:
    return {"address": agency.address, "person": agency.contact_person, "phone": agency.contact_phone}


def penalty_text(penalty: Mapping[str, Any] | None) -> str | None:
    """ "罚款人民币300元" and the like, from a task form's penalty object (处罚法 Art. 9 kinds)."""
    if not penalty:
        return None
    amounts = {
        "罚款": ("罚款人民币{}", penalty.get("fine_yuan")),
        "没收违法所得": ("没收违法所得人民币{}", penalty.get("confiscated_income_yuan")),
        "没收非法财物": ("没收非法财物（价值人民币{}）", penalty.get("confiscated_property_value_yuan")),
    }
    parts = []
    for kind in penalty.get("kinds", []):
        pattern, amount = amounts.get(kind, ("", None))
        parts.append(pattern.format(money(str(amount))) if amount is not None else kind)
    text = "；".join(parts)
    details = penalty.get("details")
    return f"{text}（{details}）" if details else text


def fine_of(penalty: Mapping[str, Any] | None) -> str | None:
    if not penalty or "罚款" not in penalty.get("kinds", []):
        return None
    amount = penalty.get("fine_yuan")
    return str(amount) if amount is not None else None


def evidence_of(ids: Iterable[Any]) -> list[str]:
    return [f"证据材料（编号{e}）" for e in ids]


def tier_of(r: DocumentRequest, tier_id: object) -> str | None:
    violation = violation_of(r)
    for tier in violation.benchmark.tiers if violation is not None else ():
        if tier.id == tier_id:
            return tier.level.value
    return str(tier_id) if tier_id else None


def issued_of(r: DocumentRequest, kind: str) -> dict[str, Any]:
    """The latest issued document of `kind`: its title and number."""
    found = [d for d in r.documents if d.kind == kind]
    return {"title": found[-1].title, "number": found[-1].number} if found else {}


def pruned(value: Any) -> Any:
    """Without None and blank strings (a template's `is defined` must not see a value that is not there)."""
    if isinstance(value, Mapping):
        out = {k: pruned(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v is not None and v != "" and v != {}}
    if isinstance(value, list):
        return [pruned(v) for v in value if v is not None and v != ""]
    return value


def supplemented(context: dict[str, Any], supplement: Mapping[str, Any]) -> dict[str, Any]:
    """Apply an officer's values, keyed by the documents.yaml field key (`party.address`, `x.items[]`)."""
    for key, value in supplement.items():
        path = key.split(".")
        if any("[]" in p for p in path[:-1]):
            continue  # a field inside each element of a list cannot be given as one value
        here = context
        for name in path[:-1]:
            here = here.setdefault(name, {})
        last = path[-1]
        here[last.removesuffix("[]")] = [value] if last.endswith("[]") and not isinstance(value, list) else value
    return context
