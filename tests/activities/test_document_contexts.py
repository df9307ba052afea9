"""The render context of each document the case workflow issues, built from what the workflow hands the
activity: complete for a complete case (every required field of rules/data/documents.yaml), honest for an
incomplete one (the renderer's check names the missing field, nothing is guessed), and completed by an
officer's supplement."""

from __future__ import annotations

from typing import Any

import pytest

from activities.document_contexts import BUILDERS, Person, build_context, penalty_text
from core.agencies import DEMO_PARTICULARS, AgencyProfile
from core.documents import verify_url
from documents.errors import MissingDocumentField
from documents.fields import check_context, value_at
from documents.render import render_html
from rules.document_kinds import load_document_kinds
from rules.document_terms import load_document_terms
from tests.activities.document_requests import LEAD, request, steps
from tests.workflows.case import forms
from workflows.case.document_model import DocumentRequest, StepRecord
from workflows.case.model import Party

CATALOGUE = load_document_kinds()
DEMO = DEMO_PARTICULARS["990102"].model_dump(exclude={"name", "review_body", "court"})
AGENCY = AgencyProfile(
    code="990102",
    name="示范市清河区城市管理局",
    review_body="示范市清河区人民政府",
    court="示范市清河区人民法院",
    **DEMO,
)
CODE = "7KQ3M-ZX2AB"
NO_PAYMENT = AgencyProfile(code="990102", name="示范市清河区城市管理局", review_body="示范市清河区人民政府")


# statement_record: where the party made its statement is on no form (an officer supplies it, below)
BY_OTHER_TESTS = ("no_penalty_decision", "on_the_spot_decision", "statement_record")


@pytest.mark.parametrize("kind", [k for k in BUILDERS if k not in BY_OTHER_TESTS])
def test_a_complete_case_gives_every_required_field(kind: str) -> None:
    check_context(CATALOGUE.get(kind), build_context(request(kind), AGENCY, {}))


STAGE_KINDS = [
    "investigation_report",
    "evidence_preservation_notice",
    "legal_review_opinion",
    "hearing_notice",
    "collective_discussion",
]


@pytest.mark.parametrize("kind", STAGE_KINDS)
def test_the_documents_of_the_stages_render_with_every_required_field(kind: str) -> None:
    """The template renders the context (StrictUndefined) after the required-field check (render_html)."""
    html = render(kind, build_context(request(kind), AGENCY, {}))
    assert CATALOGUE.get(kind).title in html


def render(kind: str, context: dict[str, Any]) -> str:
    number = "清河城管登保〔2026〕第1号" if CATALOGUE.get(kind).numbered else None
    return render_html(
        kind,
        context,
        number=number,
        verify_code=CODE,
        verify_url=verify_url("https://verify.example.cn", CODE),
        issued_at=request(kind).issued_at,
        agency=AGENCY.name,
    )


def test_the_investigation_report_states_the_report() -> None:
    context = build_context(request("investigation_report"), AGENCY, {})
    report = forms.report("300")
    assert value_at(context, "report.facts") == report["facts_found"]
    assert value_at(context, "report.source") == load_document_terms().sources["patrol"]
    assert value_at(context, "report.proposal") == f"给予行政处罚：{penalty_text(report['proposed_penalty'])}"
    assert value_at(context, "report.benchmark.tier") == "轻微"
    assert [o["certificate_no"] for o in value_at(context, "officers")] == ["ZF-0001", "ZF-0002"]


def test_a_report_proposing_no_penalty_needs_no_tier_but_a_penalty_does() -> None:
    base = request("investigation_report")
    report = {**forms.report("300"), "proposal": "transfer_judiciary", "benchmark_tier": None}
    del report["proposed_penalty"], report["benchmark_tier"]
    transfer = base.model_copy(update={"steps": base.steps | {"investigate": record(base, "investigate", report)}})
    context = build_context(transfer, AGENCY, {})
    check_context(CATALOGUE.get("investigation_report"), context)
    assert value_at(context, "report.proposal") == load_document_terms().report_proposals["transfer_judiciary"]
    untiered = {k: v for k, v in forms.report("300").items() if k != "benchmark_tier"}
    penalty = base.model_copy(update={"steps": base.steps | {"investigate": record(base, "investigate", untiered)}})
    with pytest.raises(MissingDocumentField) as missing:
        check_context(CATALOGUE.get("investigation_report"), build_context(penalty, AGENCY, {}))
    assert missing.value.key == "report.benchmark.tier"


def test_the_preservation_notice_lists_each_item_and_names_the_approver() -> None:
    people = {"u-head1": Person("赵敏")}
    context = build_context(request("evidence_preservation_notice"), AGENCY, people)
    form = forms.preservation(steps()["verify_lead"].completed_at)
    assert value_at(context, "preservation.inventory") == form["items"]
    assert value_at(context, "preservation.approver") == "赵敏"
    assert value_at(context, "preservation.reason") == form["reason"]
    assert "电动三轮车" in render("evidence_preservation_notice", context)


def test_a_legal_review_sending_the_case_back_says_what_to_supplement() -> None:
    base = request("legal_review_opinion")
    checklist = {
        **forms.legal_review_agreed()["checklist"],
        "facts_and_evidence": {"passed": False, "note": "证据不足"},
    }
    form = {"checklist": checklist, "opinion": "建议补充调查", "supplement_requests": ["补充询问笔录"]}
    review = record(base, "legal_review", form, outcome="supplement")
    context = build_context(base.model_copy(update={"steps": base.steps | {"legal_review": review}}), AGENCY, {})
    check_context(CATALOGUE.get("legal_review_opinion"), context)
    terms = load_document_terms()
    assert value_at(context, "review.conclusion") == terms.legal_review_conclusions["supplement"] == "建议补充调查"
    assert (
        value_at(context, "review.checks.facts_evidence")
        == terms.legal_review_checks["facts_and_evidence"].failed + "（证据不足）"
    )
    assert "补充询问笔录" in value_at(context, "review.opinion")
    assert value_at(context, "review.reviewers") == ["reviewer1"]


def test_the_hearing_notice_names_the_chair_and_the_discussion_its_speakers() -> None:
    people = {"u-legal1": Person("陈静"), "u-head1": Person("赵敏"), "u-head2": Person("吴刚")}
    hearing = build_context(request("hearing_notice"), AGENCY, people)
    assert value_at(hearing, "hearing.chair") == "陈静"
    assert value_at(hearing, "hearing.contact.phone") == AGENCY.contact_phone
    discussion = build_context(request("collective_discussion"), AGENCY, people)
    assert [o["speaker"] for o in value_at(discussion, "discussion.opinions")] == ["吴刚", "赵敏"]
    assert value_at(discussion, "discussion.attendees") == ["赵敏", "吴刚", "u-head3"]  # an unknown id as given
    assert "罚款人民币300" in value_at(discussion, "discussion.decision")


def test_the_statement_record_asks_where_the_statement_was_made() -> None:
    """The review_statement form carries the statement and the review, not where the party made it."""
    base = request("statement_record")
    with pytest.raises(MissingDocumentField) as missing:
        check_context(CATALOGUE.get("statement_record"), build_context(base, AGENCY, {}))
    assert missing.value.key == "statement.place"
    context = build_context(base.model_copy(update={"supplement": {"statement.place": "望江中队询问室"}}), AGENCY, {})
    render("statement_record", context)
    review = load_document_terms().statement_reviews["rejected"]
    assert (value_at(context, "review.result"), value_at(context, "review.facts_reviewed")) == (
        review.result,
        review.finding,
    )
    assert value_at(context, "statement.content") == forms.statement_reviewed(LEAD)["statement_summary"]


def test_facts_not_established_need_no_education_but_a_violation_not_punished_does() -> None:
    """处罚法 Art. 33 para 3 educates about a violation; Art. 57 para 1 (3) finds none."""
    decision = {"outcome": "not_established", "reasoning": "现有证据不能证明当事人占道经营"}
    context = build_context(request("no_penalty_decision", decision=decision), AGENCY, {})
    render("no_penalty_decision", context)
    ground = load_document_terms().no_penalty_grounds["not_established"]
    assert value_at(context, "no_penalty.legal_basis") == ground.basis.cite()
    assert value_at(context, "no_penalty.violation_established") is False
    assert value_at(context, "no_penalty.facts") == decision["reasoning"]
    minor = {"outcome": "no_penalty", "ground": "minor_corrected_no_harm", "reasoning": "轻微"}
    context = build_context(request("no_penalty_decision", decision=minor), AGENCY, {})
    with pytest.raises(MissingDocumentField) as missing:
        check_context(CATALOGUE.get("no_penalty_decision"), context)
    assert missing.value.key == "no_penalty.education"


def record(base: DocumentRequest, kind: str, form: dict[str, Any], outcome: str | None = None) -> StepRecord:
    step = base.steps[kind]
    return step.model_copy(update={"form": form, "outcome": outcome or step.outcome})


def test_the_decision_states_the_case_facts_penalty_and_remedies() -> None:
    context = build_context(request("penalty_decision"), AGENCY, {})
    assert value_at(context, "party.address") == forms.PERSON["address"]
    assert value_at(context, "decision.facts") == forms.report()["facts_found"]
    assert value_at(context, "decision.benchmark.tier") == "轻微"  # the tier's level in the violation catalogue
    assert value_at(context, "decision.fine") == "300"
    assert value_at(context, "payment.account") == AGENCY.payment_account
    assert value_at(context, "remedy.review_body") == AGENCY.review_body
    assert "放弃" in value_at(context, "decision.statement_summary")  # the party waived its statement


def test_the_payment_notice_and_the_reminder_quote_the_decision_number() -> None:
    decision = request("payment_notice").documents[0]
    assert value_at(build_context(request("payment_notice"), AGENCY, {}), "payment.decision_number") == decision.number
    reminder = build_context(request("reminder"), AGENCY, {})
    assert value_at(reminder, "reminder.decision_number") == decision.number
    assert (value_at(reminder, "reminder.amount"), value_at(reminder, "reminder.surcharge")) == ("345", "45")


def test_a_receipt_lists_what_was_served_and_how() -> None:
    context = build_context(request("service_receipt"), AGENCY, {})
    decision = request("service_receipt").documents[0]
    assert value_at(context, "service.documents") == [{"title": decision.title, "number": decision.number}]
    assert value_at(context, "service.method") == load_document_terms().service_methods["direct"]
    assert value_at(context, "service.place") == forms.PERSON["address"]  # none in the form: the party's address


def test_names_of_assigned_officers_come_from_the_users_table() -> None:
    people = {"u-officer1": Person("张伟", "99010200001")}
    officers = value_at(build_context(request("filing_approval"), AGENCY, people), "filing.officers")
    assert officers == ["张伟（执法证号99010200001）", "u-officer2"]  # an unknown id is printed as given


def test_a_first_violation_not_punished_at_the_lead() -> None:
    at = steps()["verify_lead"].completed_at
    form = {
        "findings": "当事人在人行道上摆放蔬菜摊点约0.8平方米，经指出后当场撤除",
        "inspection": forms.inspection(at),
        "party": forms.PERSON,
        "facts": forms.FACTS,
        "first_violation": True,
        "harm_minor": True,
        "corrected_in_time": True,
        "education_record": forms.education(at),
    }
    lead = StepRecord(kind="verify_lead", outcome="minor_no_penalty", form=form, actor=steps()["verify_lead"].actor,
                      completed_at=at)  # fmt: skip
    req = request("no_penalty_decision", steps={"verify_lead": lead}, decision=None, proposal={}, documents=[])
    context = build_context(req, AGENCY, {})
    check_context(CATALOGUE.get("no_penalty_decision"), context)
    ground = load_document_terms().no_penalty_grounds["first_minor_corrected"]
    assert value_at(context, "no_penalty.legal_basis") == ground.basis.cite()
    assert value_at(context, "no_penalty.education") == forms.EDUCATION_CONTENT


def test_an_on_the_spot_decision() -> None:
    at = steps()["verify_lead"].completed_at
    form = {
        "findings": "在文华路12号门前人行道上摆摊销售小商品",
        "inspection": forms.inspection(at),
        "party": forms.PERSON,
        "facts_certain": True,
        "legal_basis": "《浙江省城市市容和环境卫生管理条例》第十三条",
        "penalty": {"kinds": ["罚款"], "fine_yuan": "50"},
        "decision_no": "当罚-0001",
        "collected_on_the_spot": True,
        "receipt_no": "PJ-1",
    }
    lead = StepRecord(kind="verify_lead", outcome="on_the_spot", form=form, actor=steps()["verify_lead"].actor,
                      completed_at=at)  # fmt: skip
    req = request("on_the_spot_decision", steps={"verify_lead": lead}, decision=None, proposal={}, documents=[])
    context = build_context(req, AGENCY, {})
    check_context(CATALOGUE.get("on_the_spot_decision"), context)
    assert value_at(context, "spot.payment_method") == load_document_terms().payment_methods["on_the_spot"]
    assert [o["name"] for o in value_at(context, "officers")] == ["张伟", "李娜"]


def test_nothing_is_guessed_the_check_names_the_missing_field_and_a_supplement_fills_it() -> None:
    base = request("penalty_decision")
    incomplete = base.model_copy(
        update={
            "case": base.case.model_copy(update={"party": Party(type="person", name="张三")}),
            "proposal": {**base.proposal, "party": {"type": "person", "name": "张三"}},
            "steps": {k: v for k, v in base.steps.items() if k != "verify_lead"},
        }
    )
    with pytest.raises(MissingDocumentField) as missing:
        check_context(CATALOGUE.get("penalty_decision"), build_context(incomplete, AGENCY, {}))
    assert missing.value.key == "party.address"
    supplied = incomplete.model_copy(update={"supplement": {"party.address": "示范市清河区滨河路3号"}})
    context = build_context(supplied, AGENCY, {})
    check_context(CATALOGUE.get("penalty_decision"), context)
    assert value_at(context, "party.address") == "示范市清河区滨河路3号"


def test_an_agency_without_a_bank_account_cannot_issue_a_fine() -> None:
    with pytest.raises(MissingDocumentField) as missing:
        check_context(CATALOGUE.get("penalty_decision"), build_context(request("penalty_decision"), NO_PAYMENT, {}))
    assert missing.value.key.startswith("payment.")


def test_penalty_text() -> None:
    assert penalty_text({"kinds": ["警告"]}) == "警告"
    text = penalty_text({"kinds": ["罚款", "没收违法所得"], "fine_yuan": "300", "confiscated_income_yuan": "20"})
    assert text is not None and "罚款人民币300" in text and "没收违法所得人民币20" in text
    assert penalty_text(None) is None
