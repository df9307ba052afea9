"""Forms officers fill in, valid against rules/data/tasks.yaml; the officers are the driver's."""

import datetime as dt
from typing import Any

OFFICERS = [
    {"user_id": "u-officer1", "name": "张伟", "certificate_no": "ZF-0001"},
    {"user_id": "u-officer2", "name": "李娜", "certificate_no": "ZF-0002"},
]
PERSON = {"type": "person", "name": "张三", "id_number": "110101199001011234", "address": "示范市清河区江滨路18号"}
FACTS = {
    "minor_violation": False,
    "first_offence": True,
    "area_m2": 3.5,
    "corrected_promptly": False,
    "harmful_result": False,
    "harm_minor": False,
}


def iso(instant: dt.datetime) -> str:
    return instant.isoformat()


def inspection(at: dt.datetime) -> dict[str, Any]:
    return {"inspected_at": iso(at), "place": "望江路1号门前", "officers": OFFICERS, "party_present": True}


def established(at: dt.datetime) -> dict[str, Any]:
    return {"findings": "现场占道经营约3.5平方米", "inspection": inspection(at), "facts": FACTS}


FILING = {
    "conditions": {"evidence": True, "jurisdiction": True, "within_limitation": True},
    "assigned_officers": ["u-officer1", "u-officer2"],
    "opinion": "同意立案",
}


def report(fine_yuan: str = "300", major: bool = False) -> dict[str, Any]:
    return {
        "officers": OFFICERS,
        "party": PERSON,
        "course": "巡查发现，现场检查、询问",
        "facts_found": "占道经营约3.5平方米",
        "evidence_ids": ["ev-1", "ev-2"],
        "proposal": "penalty",
        "proposed_penalty": {"kinds": ["罚款"], "fine_yuan": fine_yuan},
        "legal_basis": "《浙江省城市市容和环境卫生管理条例》第十三条",
        "facts": FACTS,
        "benchmark_tier": "area_up_to_5",
        "benchmark_reasoning": "占用面积五平方米以下，适用轻微阶次",
        "major": major,
    }


def served(at: dt.datetime, **extra: Any) -> dict[str, Any]:
    return {"method": "direct", "served_at": iso(at), "recipient": "张三", **extra}


def decision(fine_yuan: str = "300", **extra: Any) -> dict[str, Any]:
    return {
        "penalty": {"kinds": ["罚款"], "fine_yuan": fine_yuan},
        "legal_basis": "《浙江省城市市容和环境卫生管理条例》第十三条",
        "benchmark_tier": "area_up_to_5",
        "reasoning": "占用面积五平方米以下，适用轻微阶次",
        **extra,
    }


CLOSING = {"ground": "executed", "execution_result": "已缴纳罚款", "archive": {"source_and_filing": ["doc-1"]}}


# ---- forms of the branch and refusal tests (test_branches_*.py, test_refusals_*.py) ---------------------------

LEGAL1 = "u-legal1"  # a hearing chair who did not investigate
EDUCATION_CONTENT = "当场宣讲《浙江省城市市容和环境卫生管理条例》相关规定"


def education(at: dt.datetime) -> dict[str, Any]:
    return {"educated_at": iso(at), "content": EDUCATION_CONTENT, "party_signed": True}


def major_report(fine_yuan: str = "300") -> dict[str, Any]:
    return {**report(fine_yuan, major=True), "major_grounds": ["complex"]}


def investigation_failed() -> dict[str, Any]:
    return {"officers": OFFICERS, "findings": "现场无法认定占道经营", "reason": "证据不足，违法事实不能成立"}


def prior_notice(at: dt.datetime, *, hearing_right: bool = False) -> dict[str, Any]:
    return served(at, document_no="告〔2026〕1号", hearing_right=hearing_right)


def hearing_notice(notice_served_at: dt.datetime, hearing_at: dt.datetime, chair: str = LEGAL1) -> dict[str, Any]:
    return {
        "hearing_at": iso(hearing_at),
        "place": "第一听证室",
        "chair": chair,
        "notice_served_at": iso(notice_served_at),
        "public": True,
    }


def hearing_held(held_at: dt.datetime, ended_at: dt.datetime) -> dict[str, Any]:
    return {
        "held_at": iso(held_at),
        "ended_at": iso(ended_at),
        "record_summary": "当事人陈述申辩，质证",
        "hearing_report": "建议维持拟处罚意见",
        "party_signed": True,
    }


def decision_published(at: dt.datetime) -> dict[str, Any]:
    return {
        "document_no": "罚〔2026〕1号",
        "method": "public_notice",
        "published_at": iso(at),
        "notice_channel": "示范市城市管理局网站",
    }


def closing(ground: str, execution_result: str, **extra: Any) -> dict[str, Any]:
    archive = {"source_and_filing": ["doc-1"]}
    return {"ground": ground, "execution_result": execution_result, "archive": archive, **extra}


# ---- forms of the steps whose documents record them (test_stage_documents.py, tests/activities) ---------------

REVIEW_ITEMS = (
    "subject_and_qualification",
    "procedure",
    "facts_and_evidence",
    "law_and_benchmark",
    "within_powers",
    "documents",
    "crime_transfer",
    "other",
)
HEADS = ["u-head1", "u-head2", "u-head3"]


def legal_review_agreed() -> dict[str, Any]:
    return {"checklist": {item: {"passed": True} for item in REVIEW_ITEMS}, "opinion": "事实清楚，证据合法充分，同意"}


def statement_reviewed(at: dt.datetime) -> dict[str, Any]:
    return {
        "statement_received_at": iso(at),
        "statement_summary": "摊位面积不足三平方米，请求从轻处罚",
        "review_opinion": "经现场测量，占用面积为3.5平方米，当事人所述与事实不符",
    }


def discussion(at: dt.datetime, fine_yuan: str = "300") -> dict[str, Any]:
    return {
        "held_at": iso(at),
        "place": "三楼会议室",
        "presided_by": "u-head1",
        "attendees": HEADS,
        "recorder": "u-officer2",
        "summary": "当事人占道经营约3.5平方米，承办机构建议罚款",
        "opinions": [
            {"speaker": "u-head2", "opinion": "事实清楚，同意承办机构意见"},
            {"speaker": "u-head1", "opinion": "同意"},
        ],
        "decision_text": "对当事人处以罚款",
        "penalty": {"kinds": ["罚款"], "fine_yuan": fine_yuan},
    }


def preservation(at: dt.datetime) -> dict[str, Any]:
    item = {"name": "电动三轮车", "quantity": "1辆", "specification": "蓝色", "model": "金彭JP-150"}
    return {
        "officers": OFFICERS,
        "reason": "当事人的经营工具可能被转移，证据可能灭失",
        "approved_by": "u-head1",
        "approved_at": iso(at),
        "approval_ref": "BC-1",
        "preserved_at": iso(at),
        "items": [{**item, "storage_place": "望江中队暂扣物品仓库"}],
        "party_signed": True,
    }
