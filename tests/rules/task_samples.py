"""Sample forms for the task catalogue (rules/data/tasks.yaml): for every (kind, outcome) a form that must pass
(VALID), and the parts they are built from. Shared by the catalogue tests and the case workflow tests
(tests/workflows/case/flows.py); the forms that must fail are tests/rules/task_samples_invalid.py."""

from __future__ import annotations

from typing import Any

# ----------------------------------------------------------------------------- sample forms

DT = "2026-11-03T09:30:00+08:00"
LATER = "2026-11-20T14:00:00+08:00"
OFFICERS = [
    {"user_id": "u-officer-1", "name": "张三", "certificate_no": "31010001"},
    {"user_id": "u-officer-2", "certificate_no": "31010002"},
]
PERSON = {"type": "person", "name": "李四", "id_number": "310101199001011234", "address": "长宁区某路8号"}
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
    "place": "三楼会议室",
    "presided_by": "u-head-1",
    "attendees": ["u-head-1", "u-head-2", "u-head-3"],
    "recorder": "u-officer-1",
    "summary": "案情复杂，集体讨论",
    "opinions": [
        {"speaker": "u-head-2", "opinion": "事实清楚，同意承办机构意见"},
        {"speaker": "u-head-1", "opinion": "同意"},
    ],
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
        "officers": OFFICERS,
        "reason": "经营工具可能被转移，证据可能灭失",
        "approved_by": "u-head-1",
        "approved_at": DT,
        "approval_ref": "BC-1",
        "preserved_at": DT,
        "items": [
            {"name": "三轮车", "quantity": "1辆", "specification": "蓝色", "model": "无", "storage_place": "中队仓库"}
        ],
        "party_signed": True,
    },
    ("decide_preserved_evidence", "secured"): {"decided_at": DT, "decision_text": "处理决定"},
    ("decide_preserved_evidence", "sent_for_appraisal"): {"decided_at": DT, "decision_text": "处理决定"},
    ("decide_preserved_evidence", "compulsory_measure"): {"decided_at": DT, "decision_text": "处理决定"},
    ("decide_preserved_evidence", "confiscation_procedure"): {"decided_at": DT, "decision_text": "处理决定"},
    ("decide_preserved_evidence", "released"): {"decided_at": DT, "decision_text": "处理决定"},
    ("investigate", "seize"): {
        "measure": "seize",
        "officers": OFFICERS,
        "approved_by": "u-head-1",
        "approval_ref": "KY-SP-1",
        "document_no": "沪长城管扣〔2026〕1号",
        "seized_at": DT,
        "reason": "无照经营的经营工具",
        "legal_basis": "《无证无照经营查处办法》第十一条",
        "items": [{"name": "三轮车", "quantity": "1辆", "custody_place": "中队暂扣物品仓库"}],
        "party_signed": False,
        "refusal_note": "当事人拒绝签名，已录像",
        "witness": "王五（居委会工作人员）",
    },
    ("decide_seized_items", "release"): {
        "decided_at": DT,
        "ground": "decided",
        "decision_text": "已作出处罚决定，解除扣押",
        "document_no": "解扣〔2026〕1号",
    },
    ("decide_seized_items", "confiscate"): {
        "decided_at": DT,
        "decision_text": "没收三轮车一辆",
        "penalty_document_no": "沪长城管罚〔2026〕12号",
    },
    ("decide_seized_items", "destroy"): {
        "decided_at": DT,
        "decision_text": "销毁假冒商品",
        "legal_basis": "《产品质量法》第四十九条",
        "document_no": "处〔2026〕1号",
    },
    ("decide_seized_items", "transfer"): {
        "decided_at": DT,
        "receiving_authority": "区公安分局",
        "decision_text": "涉嫌犯罪，扣押物品随案移送",
        "document_no": "移〔2026〕1号",
        "party_notified_at": LATER,
    },
    ("release_seized_items", "released"): {
        "released_at": LATER,
        "document_no": "解扣〔2026〕2号",
        "returned_to": "李四",
        "party_signed": True,
    },
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
    ("supply_document_data", "supplied"): {"values": {"party.address": "示范市清河区江滨路18号"}, "note": "补查住址"},
}
