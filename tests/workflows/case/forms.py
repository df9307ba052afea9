"""Forms officers fill in, valid against rules/data/tasks.yaml; the officers are the driver's."""

import datetime as dt
from typing import Any

OFFICERS = [
    {"user_id": "u-officer1", "name": "张伟", "certificate_no": "ZF-0001"},
    {"user_id": "u-officer2", "name": "李娜", "certificate_no": "ZF-0002"},
]
PERSON = {"type": "person", "name": "张三", "id_number": "110101199001011234"}
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
