"""The task catalogue (rules/data/tasks.yaml): every kind loads, every form accepts a proper form and
refuses a bad one with a message naming the field, and a malformed catalogue is a start-up error."""

from __future__ import annotations

import copy
import itertools
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from rules.data_files import load_yaml
from rules.deadline_table import load_timer_table
from rules.errors import FormInvalid, OutcomeNotAllowed, RuleDataError, RuleError, UnknownTaskKind
from rules.task_catalogue import STAGES, TASK_ROLES, TaskKind, load_task_catalogue, parse_task_catalogue
from rules.task_forms import FORMAT_CHECKER, is_date, is_date_time

RAW: dict[str, Any] = load_yaml("tasks.yaml")
CATALOGUE = load_task_catalogue()

# ----------------------------------------------------------------------------- sample forms

DT = "2026-11-03T09:30:00+08:00"
LATER = "2026-11-20T14:00:00+08:00"
OFFICERS = [
    {"user_id": "u-officer-1", "name": "张三", "certificate_no": "31010001"},
    {"user_id": "u-officer-2", "certificate_no": "31010002"},
]
PERSON = {"type": "person", "name": "李四", "id_number": "310101199001011234"}
INSPECTION = {"inspected_at": DT, "place": "长宁区某路12号门前", "officers": OFFICERS, "party_present": True}
FACTS = {"first_offence": True, "area_m2": 3.5, "district": "核心区"}
FINE = {"kinds": ["罚款"], "fine_yuan": "500"}
EDUCATION = {"educated_at": DT, "content": "当场宣讲相关规定", "party_signed": True}
ITEMS = (
    "subject_and_qualification",
    "procedure",
    "facts_and_evidence",
    "law_and_benchmark",
    "within_powers",
    "documents",
    "crime_transfer",
    "other",
)
CHECKLIST = {item: {"passed": True} for item in ITEMS}
SERVED = {"method": "direct", "served_at": DT, "recipient": "李四"}
DISCUSSION = {
    "held_at": DT,
    "presided_by": "u-head-1",
    "attendees": ["u-head-1", "u-head-2", "u-head-3"],
    "summary": "案情复杂，集体讨论",
    "decision_text": "同意",
}
REPORT = {
    "officers": OFFICERS,
    "party": PERSON,
    "course": "巡查发现，现场检查、询问",
    "facts_found": "占道经营约3平方米",
    "evidence_ids": ["ev-1", "ev-2"],
    "proposal": "penalty",
    "proposed_penalty": FINE,
    "legal_basis": "《北京市市容环境卫生条例》第七十一条",
    "facts": FACTS,
    "benchmark_tier": "ordinary",
    "benchmark_reasoning": "初次被查处，适用一般阶次",
    "major": False,
}

# (kind, outcome) -> a form that must pass
VALID: dict[tuple[str, str], dict[str, Any]] = {
    ("verify_lead", "established"): {"findings": "现场占道经营", "inspection": INSPECTION, "facts": FACTS},
    ("verify_lead", "not_established"): {"findings": "现场无违法行为", "reason": "举报不实"},
    ("verify_lead", "transfer"): {"findings": "属市场监管事项", "receiving_agency": "区市场监管局", "reason": "职权"},
    ("verify_lead", "minor_no_penalty"): {
        "findings": "初次占道，当场改正",
        "inspection": INSPECTION,
        "party": PERSON,
        "facts": FACTS,
        "first_violation": True,
        "harm_minor": True,
        "corrected_in_time": True,
        "education_record": EDUCATION,
    },
    ("verify_lead", "on_the_spot"): {
        "findings": "乱堆物料",
        "inspection": INSPECTION,
        "party": PERSON,
        "facts_certain": True,
        "legal_basis": "《城市市容和环境卫生管理条例》第三十六条",
        "penalty": {"kinds": ["警告", "罚款"], "fine_yuan": "50"},
        "decision_no": "沪长城管当罚〔2026〕第0001号",
        "collected_on_the_spot": True,
        "receipt_no": "NO.00012345",
    },
    ("approve_filing", "approve"): {
        "conditions": {"evidence": True, "jurisdiction": True, "within_limitation": True},
        "assigned_officers": ["u-officer-1", "u-officer-2"],
        "opinion": "同意立案",
    },
    ("approve_filing", "reject"): {"reason": "已过处罚时效", "conditions": {"within_limitation": False}},
    ("investigate", "report"): REPORT,
    ("investigate", "not_established"): {"officers": OFFICERS, "findings": "无证据", "reason": "事实不清"},
    ("investigate", "commission_appraisal"): {
        "appraisal_kind": "testing",
        "body": "某检测公司",
        "subject": "油烟浓度检测",
        "commissioned_at": DT,
    },
    ("investigate", "request_suspension"): {"ground": "party_missing", "reason": "当事人下落不明"},
    ("investigate", "preserve_evidence"): {
        "approved_by": "u-head-1",
        "approval_ref": "BC-1",
        "preserved_at": DT,
        "items": [{"name": "三轮车", "quantity": "1辆", "storage_place": "中队仓库"}],
        "party_signed": True,
    },
    ("decide_preserved_evidence", "secured"): {"decided_at": DT, "decision_text": "处理决定"},
    ("decide_preserved_evidence", "sent_for_appraisal"): {"decided_at": DT, "decision_text": "处理决定"},
    ("decide_preserved_evidence", "compulsory_measure"): {"decided_at": DT, "decision_text": "处理决定"},
    ("decide_preserved_evidence", "confiscation_procedure"): {"decided_at": DT, "decision_text": "处理决定"},
    ("decide_preserved_evidence", "released"): {"decided_at": DT, "decision_text": "处理决定"},
    ("record_appraisal", "result_notified"): {
        "completed_at": DT,
        "result_summary": "超标",
        "report_ref": "JC-2026-001",
        "notified_at": LATER,
    },
    ("record_appraisal", "withdrawn"): {"ended_at": DT, "reason": "受托机构无法检测"},
    ("approve_suspension", "approve"): {
        "ground": "party_missing",
        "reason": "当事人下落不明",
        "suspended_from": DT,
        "opinion": "同意",
    },
    ("approve_suspension", "reject"): {"reason": "可公告送达"},
    ("resume_investigation", "approve"): {"resumed_at": LATER, "reason": "已找到当事人"},
    ("legal_review", "agree"): {"checklist": CHECKLIST, "opinion": "同意"},
    ("legal_review", "supplement"): {
        "checklist": {**CHECKLIST, "facts_and_evidence": {"passed": False, "note": "证据不足"}},
        "opinion": "建议补充调查",
        "supplement_requests": ["补充询问笔录"],
    },
    ("legal_review", "correct"): {
        "checklist": {**CHECKLIST, "law_and_benchmark": {"passed": False}},
        "opinion": "建议改正",
        "corrections": [{"item": "law_and_benchmark", "issue": "阶次不当", "correction": "适用较轻阶次"}],
    },
    ("legal_review", "transfer"): {
        "checklist": {**CHECKLIST, "within_powers": {"passed": False}},
        "opinion": "建议移送",
        "receiving_authority": "区生态环境局",
        "reason": "超出法定权限",
    },
    ("serve_prior_notice", "served"): {**SERVED, "document_no": "沪长城管告〔2026〕12号", "hearing_right": False},
    ("review_statement", "adopted"): {
        "statement_summary": "已改正",
        "review_opinion": "采纳",
        "revised_penalty": {"kinds": ["警告"]},
    },
    ("review_statement", "partly_adopted"): {"statement_summary": "经济困难", "review_opinion": "部分采纳"},
    ("review_statement", "rejected"): {"statement_summary": "否认", "review_opinion": "证据充分，不予采纳"},
    ("schedule_hearing", "scheduled"): {
        "hearing_at": LATER,
        "place": "第一听证室",
        "chair": "u-legal-1",
        "notice_served_at": DT,
        "public": True,
    },
    ("record_hearing", "held"): {
        "held_at": LATER,
        "ended_at": "2026-11-20T16:00:00+08:00",
        "record_summary": "质证",
        "hearing_report": "建议维持",
        "party_signed": True,
    },
    ("record_hearing", "party_absent"): {"scheduled_at": LATER, "absence_note": "未到场", "without_good_reason": True},
    ("collective_discussion", "penalty"): {**DISCUSSION, "penalty": FINE},
    ("collective_discussion", "no_penalty"): DISCUSSION,
    ("collective_discussion", "not_established"): DISCUSSION,
    ("collective_discussion", "transfer_judiciary"): {**DISCUSSION, "receiving_authority": "区公安分局"},
    ("approve_extension", "approve"): {
        "days": 30,
        "reason": "案情复杂",
        "approval": "agency_head",
        "record_ref": "YQ-1",
    },
    ("approve_extension", "reject"): {"reason": "无正当理由"},
    ("decide", "penalty"): {
        "penalty": {"kinds": ["没收违法所得", "罚款"], "fine_yuan": "1500.50", "confiscated_income_yuan": "300"},
        "legal_basis": "依据",
        "benchmark_tier": "ordinary",
        "reasoning": "适用一般阶次",
        "deviation": {"approval": "collective_discussion", "record_ref": "JT-1", "reason": "显失公平"},
    },
    ("decide", "no_penalty"): {"ground": "first_minor_corrected", "reasoning": "首违", "education_record": EDUCATION},
    ("decide", "not_established"): {"reasoning": "证据不足"},
    ("decide", "transfer_judiciary"): {"receiving_authority": "区公安分局", "reasoning": "涉嫌犯罪"},
    ("file_on_the_spot_decision", "filed"): {"decision_no": "0001", "document_id": "doc-1", "party_signed": True},
    ("serve_decision", "served"): {
        "document_no": "沪长城管罚〔2026〕12号",
        "method": "electronic",
        "served_at": "2026-11-03T01:30:00Z",
        "recipient": "李四",
        "electronic_consent": True,
        "electronic_address": "lisi@example.cn",
    },
    ("confirm_payment", "paid"): {"amount_yuan": "500", "paid_at": DT, "receipt_no": "R-1", "channel": "bank"},
    ("approve_deferral", "approve"): {
        "arrangement": "instalment",
        "reason": "经济困难",
        "instalments": [{"due_at": DT, "amount_yuan": "250"}, {"due_at": LATER, "amount_yuan": "250"}],
    },
    ("approve_deferral", "reject"): {"reason": "理由不充分"},
    ("serve_reminder", "served"): {
        "document_no": "催〔2026〕1号",
        "method": "postal",
        "served_at": DT,
        "recipient": "李四",
        "tracking_no": "EMS123",
        "amount_due_yuan": "1000",
        "comply_by": LATER,
    },
    ("apply_court_enforcement", "applied"): {
        "applied_at": DT,
        "court": "长宁区人民法院",
        "materials": ["application", "decision_with_facts_and_basis", "party_opinions_and_reminder", "subject_matter"],
    },
    ("apply_court_enforcement", "not_applied"): {"reason": "已缴纳"},
    ("approve_closing", "approve"): {
        "ground": "executed",
        "execution_result": "已缴纳罚款",
        "archive": {"source_and_filing": ["doc-1"], "evidence": ["ev-1"]},
    },
    ("escalation", "acknowledged"): {"instruction": "三日内办结"},
    ("supervision_alert", "acknowledged"): {"instruction": "说明超期原因", "note": "已约谈"},
}

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
        {**VALID[("investigate", "preserve_evidence")], "items": []},
        "form.items: ",
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
}

ALL_OUTCOMES = [(k.kind, o) for k in CATALOGUE for o in k.allowed_outcomes]


def completion_validator(kind: TaskKind) -> Draft202012Validator:
    return Draft202012Validator(kind.completion_schema(), format_checker=FORMAT_CHECKER)


def accepted(kind: TaskKind, outcome: str, form: Any) -> bool:
    try:
        kind.validate(outcome, form)
    except RuleError:
        return False
    return True


# ----------------------------------------------------------------------------- the shipped catalogue


def test_the_shipped_catalogue_loads_once_with_every_kind_of_the_process_model() -> None:
    assert load_task_catalogue() is CATALOGUE
    expected = {
        "verify_lead", "approve_filing", "investigate", "approve_suspension", "legal_review", "serve_prior_notice",
        "review_statement", "schedule_hearing", "record_hearing", "collective_discussion", "approve_extension",
        "decide", "serve_decision", "confirm_payment", "serve_reminder", "apply_court_enforcement",
        "approve_closing", "escalation", "supervision_alert",
    }  # fmt: skip
    assert expected <= set(CATALOGUE.kinds)
    assert len(CATALOGUE) == len(CATALOGUE.kinds) == len(RAW["kinds"])
    assert "verify_lead" in CATALOGUE and "no_such_kind" not in CATALOGUE


def test_stages_match_the_workflow_payload_types() -> None:
    from workflows.case.model import Stage

    assert tuple(s.value for s in Stage) == STAGES
    assert all(k.stage in STAGES for k in CATALOGUE)


def test_the_interface_the_workflow_reads() -> None:
    verify = CATALOGUE.get("verify_lead")
    assert verify.name.startswith("线索核查")
    assert verify.stage == "verification"
    assert verify.candidate_roles == ("officer",)
    assert verify.deadline_code == "T01"
    assert "第十五条" in verify.legal_basis
    assert verify.allowed_outcomes == ("established", "not_established", "transfer", "minor_no_penalty", "on_the_spot")
    assert CATALOGUE.get("legal_review").deadline_code == "T10"
    assert CATALOGUE.get("serve_decision").deadline_code == "T11"
    assert CATALOGUE.get("approve_closing").deadline_code == "T23"
    assert CATALOGUE.get("review_statement").candidate_roles == ("officer", "legal_reviewer")
    assert CATALOGUE.get("escalation").jurisdiction_scope == "parent"
    assert CATALOGUE.get("supervision_alert").jurisdiction_scope == "city"
    assert CATALOGUE.get("approve_extension").follows_case_stage


def test_roles_and_deadline_codes_are_known() -> None:
    codes = set(load_timer_table().codes)
    for kind in CATALOGUE:
        assert set(kind.candidate_roles) <= set(TASK_ROLES)
        assert kind.deadline_code is None or kind.deadline_code in codes


def test_case_clock_pauses_are_paired_with_resumes() -> None:
    paused = {(k.kind, o) for k in CATALOGUE for o in k.allowed_outcomes if k.outcome(o).pauses}
    resumed = {(k.kind, o) for k in CATALOGUE for o in k.allowed_outcomes if k.outcome(o).resumes}
    assert paused == {("investigate", "commission_appraisal"), ("approve_suspension", "approve")}
    assert {("record_appraisal", "result_notified"), ("record_appraisal", "withdrawn")} <= resumed
    assert {
        ("resume_investigation", "approve"),
        ("record_hearing", "held"),
        ("record_hearing", "party_absent"),
    } <= resumed
    assert CATALOGUE.get("investigate").outcome("commission_appraisal").pauses == ("T06",)


@pytest.mark.parametrize("kind", CATALOGUE.kinds)
def test_every_schema_is_valid_json_schema(kind: str) -> None:
    task = CATALOGUE.get(kind)
    Draft202012Validator.check_schema(task.completion_schema())
    for outcome in task.allowed_outcomes:
        schema = task.form_schema(outcome)
        Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["additionalProperties"] is False


def test_every_outcome_has_samples() -> None:
    assert set(VALID) == set(ALL_OUTCOMES)
    assert set(INVALID) == set(ALL_OUTCOMES)


@pytest.mark.parametrize(("kind", "outcome"), sorted(VALID))
def test_a_proper_form_passes(kind: str, outcome: str) -> None:
    CATALOGUE.get(kind).validate(outcome, VALID[(kind, outcome)])


@pytest.mark.parametrize(("kind", "outcome"), sorted(INVALID))
def test_a_bad_form_fails_naming_the_field(kind: str, outcome: str) -> None:
    form, expected = INVALID[(kind, outcome)]
    with pytest.raises(FormInvalid) as info:
        CATALOGUE.get(kind).validate(outcome, form)
    assert expected in str(info.value)
    assert info.value.kind == kind and info.value.outcome == outcome
    assert all(p.startswith("form") for p in info.value.problems)


@pytest.mark.parametrize("kind", CATALOGUE.kinds)
def test_the_completion_schema_agrees_with_validate(kind: str) -> None:
    """Every sample form under every outcome of its kind: the stored schema and validate() agree."""
    task = CATALOGUE.get(kind)
    validator = completion_validator(task)
    forms = [VALID[(kind, o)] for o in task.allowed_outcomes] + [INVALID[(kind, o)][0] for o in task.allowed_outcomes]
    for form, outcome in itertools.product(forms, task.allowed_outcomes):
        assert validator.is_valid({"outcome": outcome, "form": form}) == accepted(task, outcome, form), (outcome, form)
    assert not validator.is_valid({"outcome": "bogus", "form": {}})
    assert not validator.is_valid({"outcome": task.allowed_outcomes[0]})
    assert not validator.is_valid({"outcome": task.allowed_outcomes[0], "form": {}, "extra": 1})


def test_the_completion_schema_is_a_copy() -> None:
    task = CATALOGUE.get("decide")
    task.completion_schema()["properties"].clear()
    task.form_schema("penalty")["required"].clear()
    assert task.completion_schema()["properties"]
    assert task.form_schema("penalty")["required"]


# ----------------------------------------------------------------------------- errors


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(UnknownTaskKind, match="unknown task kind 'verify'; known kinds: verify_lead"):
        CATALOGUE.get("verify")


def test_an_outcome_not_allowed_is_refused_listing_the_allowed_ones() -> None:
    with pytest.raises(OutcomeNotAllowed, match="outcome 'approve' is not allowed; allowed outcomes: agree, supple"):
        CATALOGUE.get("legal_review").validate("approve", {})
    with pytest.raises(OutcomeNotAllowed):
        CATALOGUE.get("legal_review").form_schema("approve")


def test_every_problem_is_listed_with_its_path_and_title() -> None:
    form = {**REPORT, "officers": [OFFICERS[0]], "party": {"type": "x", "name": "李四"}, "surprise": 1}
    with pytest.raises(FormInvalid) as info:
        CATALOGUE.get("investigate").validate("report", form)
    assert info.value.problems == [
        "form.officers: expected 2 distinct items, got 1 (调查人员)",
        'form.party.type: must be one of "person", "organisation"; got "x" (当事人类型)',
        "form.surprise: unknown field, not allowed here",
    ]
    assert "the form has 3 problems" in str(info.value)


def test_conditional_rules_explain_themselves() -> None:
    form = {**REPORT, "proposal": "no_penalty", "major": True}
    with pytest.raises(FormInvalid) as info:
        CATALOGUE.get("investigate").validate("report", form)
    text = str(info.value)
    assert "form.major_grounds: this field is required (法制审核情形) — 重大执法决定须注明法制审核情形" in text
    assert "form.proposed_penalty: must be left out here (拟处罚内容) — 只有处理意见为给予行政处罚时" in text


def test_a_penalty_amount_goes_with_its_kind() -> None:
    decide = CATALOGUE.get("decide")
    form = dict(VALID[("decide", "penalty")])
    with pytest.raises(FormInvalid, match=r"form\.penalty\.fine_yuan: must be left out here"):
        decide.validate("penalty", {**form, "penalty": {"kinds": ["警告"], "fine_yuan": "100"}})
    with pytest.raises(FormInvalid, match=r"form\.penalty\.confiscated_property_value_yuan: this field is required"):
        decide.validate("penalty", {**form, "penalty": {"kinds": ["没收非法财物"]}})
    with pytest.raises(FormInvalid, match=r"form\.penalty\.kinds\[0\]: must be one of"):
        decide.validate("penalty", {**form, "penalty": {"kinds": ["fine"]}})


def test_an_absent_party_needs_a_video_record() -> None:
    form = {**VALID[("verify_lead", "established")], "inspection": {**INSPECTION, "party_present": False}}
    with pytest.raises(FormInvalid) as info:
        CATALOGUE.get("verify_lead").validate("established", form)
    assert [p.split(":")[0] for p in info.value.problems] == [
        "form.inspection.absence_note",
        "form.inspection.media_ids",
    ]


def test_a_form_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(FormInvalid, match="form: expected an object, got list"):
        CATALOGUE.get("escalation").validate("acknowledged", [])  # type: ignore[arg-type]


def test_facts_are_an_open_map_of_snake_case_names_to_scalars() -> None:
    verify = CATALOGUE.get("verify_lead")
    base = VALID[("verify_lead", "established")]
    verify.validate("established", {**base, "facts": {"any_name": "文字", "n": 2, "flag": False}})
    with pytest.raises(FormInvalid, match=r'form\.facts: the name "BadName" is not allowed'):
        verify.validate("established", {**base, "facts": {"BadName": True}})
    with pytest.raises(FormInvalid, match=r"form\.facts\.nested: expected true or false or a number or text"):
        verify.validate("established", {**base, "facts": {"nested": {"a": 1}}})


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("200", True),
        ("0", True),
        ("1500.5", True),
        ("1500.50", True),
        ("999999999999.99", True),
        (200, False),
        ("-1", False),
        ("1.234", False),
        ("01", False),
        ("1e3", False),
        ("", False),
    ],
)
def test_money_is_a_decimal_string_of_yuan(value: Any, ok: bool) -> None:
    form = {**VALID[("confirm_payment", "paid")], "amount_yuan": value}
    assert accepted(CATALOGUE.get("confirm_payment"), "paid", form) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("2026-11-03T09:30:00+08:00", True),
        ("2026-11-03T01:30:00Z", True),
        ("2026-11-03T01:30:00.123456789-05:00", True),
        ("2026-11-03t01:30:00z", True),
        ("2026-11-03T09:30:00", False),
        ("2026-11-03 09:30:00+08:00", False),
        ("2026-11-03", False),
        ("2026-13-03T09:30:00+08:00", False),
        ("2026-02-30T09:30:00+08:00", False),
        ("2026-11-03T25:30:00+08:00", False),
        ("tomorrow", False),
    ],
)
def test_date_times_need_an_offset(value: str, ok: bool) -> None:
    assert is_date_time(value) is ok
    assert FORMAT_CHECKER.conforms(value, "date-time") is ok


def test_plain_dates_and_non_strings() -> None:
    assert is_date("2026-11-03") and not is_date("2026-11-31") and not is_date("20261103")
    assert is_date_time(5) and is_date(None)  # format checks apply to strings only


def test_validation_is_pure(monkeypatch: pytest.MonkeyPatch) -> None:
    """Inside a workflow no file may be read: the catalogue is compiled at load time."""
    import builtins

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("I/O during validation")

    monkeypatch.setattr(builtins, "open", refuse)
    monkeypatch.setattr("rules.data_files.load_yaml", refuse)
    for (kind, outcome), form in VALID.items():
        CATALOGUE.get(kind).validate(outcome, form)
        CATALOGUE.get(kind).completion_schema()


# ----------------------------------------------------------------------------- malformed catalogues


def mutated(name: str, **changes: Any) -> dict[str, Any]:
    raw = copy.deepcopy(RAW)
    for entry in raw["kinds"]:
        if entry["kind"] == name:
            for key, value in changes.items():
                if value is None:
                    entry.pop(key, None)
                else:
                    entry[key] = value
    return raw


def with_form(kind: str, outcome: str, form: dict[str, Any]) -> dict[str, Any]:
    raw = copy.deepcopy(RAW)
    for entry in raw["kinds"]:
        if entry["kind"] == kind:
            entry["outcomes"][outcome]["form"] = form
    return raw


def with_definition(name: str, value: Any) -> dict[str, Any]:
    raw = copy.deepcopy(RAW)
    raw["definitions"][name] = value
    return raw


def obj(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False, "properties": properties}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (mutated("decide", stage="deciding"), r"decide\.stage: unknown stage 'deciding'"),
        (mutated("legal_review", deadline_code="T99"), r"legal_review\.deadline_code: unknown timer code 'T99'"),
        (mutated("approve_filing", outcomes={}), r"approve_filing\.outcomes: a task kind needs at least one outcome"),
        (mutated("escalation", candidate_roles=["auditor"]), r"escalation\.candidate_roles: unknown role\(s\) auditor"),
        (mutated("escalation", candidate_roles=[]), r"escalation\.candidate_roles"),
        (mutated("escalation", legal_basis=None), r"escalation\.legal_basis: Field required"),
        (mutated("escalation", surprise=1), r"escalation\.surprise"),
        (mutated("escalation", kind="Escalation"), r"Escalation\.kind"),
        (
            with_form("decide", "not_established", {"type": "strin"}),
            r"decide\.outcomes\.not_established\.form: not a valid JSON Schema: type: 'strin'",
        ),
        (
            with_form("decide", "not_established", obj(n={"type": "integer", "minimum": "0", "title": "数"})),
            r"decide\.outcomes\.not_established\.form: not a valid JSON Schema: properties\.n\.minimum",
        ),
        (
            with_form("decide", "not_established", obj(n={"type": "string", "pattern": "([", "title": "数"})),
            r"decide\.outcomes\.not_established\.form: not a valid JSON Schema",
        ),
        (
            with_form("decide", "not_established", {"type": "array"}),
            r"decide\.outcomes\.not_established\.form: the form must be a JSON object schema",
        ),
        (
            with_form("decide", "not_established", {"type": "object", "properties": {}}),
            r"decide\.outcomes\.not_established\.form: \(root\): an object needs additionalProperties",
        ),
        (
            with_form("decide", "not_established", obj(reasoning={"type": "string"})),
            r"decide\.outcomes\.not_established\.form: properties\.reasoning: a field needs a Chinese title",
        ),
        (
            with_form("decide", "not_established", {**obj(a={"type": "string", "title": "甲"}), "required": ["b"]}),
            r"decide\.outcomes\.not_established\.form: \(root\): required field 'b' is not declared",
        ),
        (
            with_form(
                "decide",
                "not_established",
                {**obj(a={"type": "string", "title": "甲"}), "allOf": [{"then": {"required": ["c"]}, "if": {}}]},
            ),
            r"required field 'c' is not declared",
        ),
        (
            with_form("decide", "not_established", obj(a={"type": "string", "format": "datetime", "title": "甲"})),
            r"properties\.a\.format: unknown format 'datetime'",
        ),
        (
            with_form("decide", "not_established", obj(a={"$ref": "#/$defs/nowhere", "title": "甲"})),
            r"decide\.outcomes\.not_established\.form: \$ref '#/\$defs/nowhere': no definition named 'nowhere'",
        ),
        (
            with_form("decide", "not_established", obj(a={"$ref": "https://example.com/s.json", "title": "甲"})),
            r"only references to shared definitions",
        ),
        (
            with_form("decide", "not_established", obj(a=False)),
            r"properties\.a: write `not: \{required: \[a\]\}` instead of false",
        ),
        (
            with_definition("money", {"type": "string", "pattern": "(["}),
            r"definitions\.money\.pattern: '\(\[' is not a 'regex'",
        ),
        (with_definition("officer", {"type": "object", "properties": {}}), r"an object needs additionalProperties"),
        (with_definition("money", "text"), r"definitions\.money: Input should be a valid dictionary"),
        (
            with_definition("penalty_kind", {"enum": ["警告", "罚款"]}),
            r"definitions\.penalty_kind\.enum: must list exactly .*procedure\.yaml penalty_kinds",
        ),
        (
            with_definition("review_item_key", {"enum": ["procedure"]}),
            r"definitions\.review_item_key\.enum: must list exactly .*review_checklist",
        ),
        (
            with_definition("extension_approval", {"enum": ["agency_head"]}),
            r"definitions\.extension_approval\.enum: must list exactly",
        ),
    ],
)
def test_a_malformed_catalogue_is_a_clear_start_up_error(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(RuleDataError, match=message):
        parse_task_catalogue(raw)


def test_clock_effects_name_pausable_timers() -> None:
    raw = copy.deepcopy(RAW)
    outcomes = next(k for k in raw["kinds"] if k["kind"] == "investigate")["outcomes"]
    outcomes["commission_appraisal"]["pauses"] = ["T07"]
    with pytest.raises(RuleDataError, match=r"investigate\.outcomes\.commission_appraisal\.pauses: timer T07 has no"):
        parse_task_catalogue(raw)
    outcomes["commission_appraisal"]["pauses"] = ["T77"]
    with pytest.raises(RuleDataError, match=r"commission_appraisal\.pauses: unknown timer code 'T77'"):
        parse_task_catalogue(raw)


def test_duplicate_kinds_and_empty_catalogues_are_refused() -> None:
    raw = copy.deepcopy(RAW)
    raw["kinds"].append(copy.deepcopy(raw["kinds"][0]))
    with pytest.raises(RuleDataError, match="duplicate task kinds: \\['verify_lead'\\]"):
        parse_task_catalogue(raw)
    with pytest.raises(RuleDataError, match="kinds"):
        parse_task_catalogue({**RAW, "kinds": []})
    with pytest.raises(RuleDataError, match="is invalid"):
        parse_task_catalogue(None)


def test_every_problem_of_a_catalogue_is_reported_at_once() -> None:
    raw = with_form("decide", "not_established", {"type": "object", "properties": {"a": {"type": "string"}}})
    with pytest.raises(RuleDataError) as info:
        parse_task_catalogue(raw)
    assert "additionalProperties" in str(info.value) and "Chinese title" in str(info.value)
