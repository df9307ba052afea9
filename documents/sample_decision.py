"""Demo render contexts (documents/samples.py) for notice, hearing, review and decision: from the prior notice
to the penalty, on-the-spot and no-penalty decisions (the last two are small cases of 李四 and 王五).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from documents.sample_case import (
    BENCHMARK,
    CASE,
    CONTACT,
    EVIDENCE,
    FACTS,
    LEGAL_BASIS,
    OFFICERS,
    PARTY,
    PAYMENT,
    REMEDY,
    at,
)


def decision_contexts() -> dict[str, dict[str, Any]]:
    """A fresh, complete context for each notice, hearing, review and decision document kind (callers may
    mutate them)."""
    return {
        "prior_notice": {
            "party": dict(PARTY),
            "notice": {
                "facts": "于2026年11月3日在示范市清河区望江路1号门前人行道上擅自摆摊设点销售水果，"
                "占用城市道路面积约3.5平方米",
                "reasons": "你的行为违反了" + LEGAL_BASIS + "的规定，占用面积五平方米以下，系初次违法",
                "legal_basis": LEGAL_BASIS,
                "proposed_penalty": "罚款人民币300元",
                "hearing_right": False,
                "contact": dict(CONTACT),
            },
        },
        "hearing_rights_notice": {
            "party": {
                **PARTY,
                "name": "示范市清河区鲜果汇商贸有限公司",
                "kind": "organisation",
                "id_number": "91330102MA2XXXXX0Q",
                "legal_representative": "钱六",
            },
            "notice": {
                "facts": "于2026年10月至11月间多次在示范市清河区望江路商铺外擅自堆放货物经营，"
                "占用城市道路面积约12平方米",
                "legal_basis": LEGAL_BASIS,
                "proposed_penalty": "罚款人民币2500元",
                "contact": dict(CONTACT),
            },
        },
        "hearing_notice": {
            "case": {
                "number": "清河城管立〔2026〕第0091号",
                "cause": "示范市清河区鲜果汇商贸有限公司擅自占用城市道路堆物经营案",
            },
            "party": {
                **PARTY,
                "name": "示范市清河区鲜果汇商贸有限公司",
                "kind": "organisation",
                "id_number": "91330102MA2XXXXX0Q",
            },
            "hearing": {
                "at": at(12, 8, 14, 30),
                "place": "示范市清河区望江路88号清河区城市管理局第一听证室",
                "chair": "陈静",
                "clerk": "周敏",
                "public": True,
                "contact": {"phone": "0573-82000001"},
            },
        },
        "statement_record": {
            "case": dict(CASE),
            "party": dict(PARTY),
            "officers": [dict(o) for o in OFFICERS],
            "statement": {
                "at": at(11, 16, 10, 0),
                "place": "示范市清河区城市管理局望江中队",
                "form": "口头陈述、申辩",
                "content": "当事人称其系初次摆摊，家庭经济困难，现已改正，请求从轻处罚。",
            },
            "review": {
                "facts_reviewed": "经复核，当事人所称初次违法、已当场改正属实，有现场检查笔录及询问笔录印证；"
                "家庭经济困难未提供证据。",
                "result": "部分采纳",
                "reasons": "初次违法情节已在拟处罚意见中考虑，拟处罚款已处于“轻微”阶次较低幅度，维持拟处罚意见",
                "reviewer": "刘洋",
                "reviewed_on": dt.date(2026, 11, 17),
            },
        },
        "legal_review_opinion": {
            "case": dict(CASE),
            "party": dict(PARTY),
            "review": {
                "received_on": dt.date(2026, 11, 13),
                "submitted_by": "望江中队",
                "checks": {
                    "subject": "本机关依法享有相对集中行政处罚权，执法人员张伟、李娜均持有有效执法证件",
                    "procedure": "立案、调查、告知程序合法",
                    "facts_evidence": "当事人身份清楚，违法事实清楚，证据合法充分",
                    "law_benchmark": "适用法律准确，适用“占用面积五平方米以下”裁量阶次适当",
                    "powers": "未超越本机关法定权限",
                    "documents": "执法文书完备、规范",
                    "crime": "不涉嫌犯罪，无需移送",
                    "other": "无",
                },
                "conclusion": "同意处罚意见",
                "opinion": "事实清楚，证据合法充分，适用依据准确，处罚适当，程序合法，同意承办机构的处罚意见。",
                "reviewers": ["陈静（法律职业资格证书号A20191100001）", "孙丽"],
                "reviewed_on": dt.date(2026, 11, 18),
            },
        },
        "collective_discussion": {
            "case": dict(CASE),
            "discussion": {
                "at": at(11, 20, 15, 0),
                "place": "示范市清河区城市管理局三楼会议室",
                "chair": "赵敏",
                "attendees": ["赵敏（局长）", "吴刚（副局长）", "刘洋（执法大队大队长）"],
                "observers": ["陈静（法制科）", "张伟（承办人）"],
                "recorder": "李娜",
                "topic": "讨论张三擅自占用城市道路摆摊设点案的处理决定",
                "summary": FACTS + "。承办机构建议罚款人民币300元，法制审核同意。",
                "opinions": [
                    {"speaker": "吴刚", "opinion": "事实清楚，同意承办机构意见。"},
                    {"speaker": "刘洋", "opinion": "当事人初次违法，同意在轻微阶次内处罚。"},
                    {"speaker": "赵敏", "opinion": "同意。"},
                ],
                "decision": "对当事人张三处以罚款人民币300元",
            },
        },
        "penalty_decision": {
            "case": dict(CASE),
            "party": dict(PARTY),
            "decision": {
                "violated_rule": LEGAL_BASIS,
                "facts": FACTS,
                "evidence": list(EVIDENCE),
                "statement_summary": "当事人在规定期限内进行了陈述、申辩，经复核，部分采纳。",
                "penalty": "罚款人民币300元",
                "fine": Decimal("300"),
                "legal_basis": LEGAL_BASIS,
                "benchmark": dict(BENCHMARK),
            },
            "payment": dict(PAYMENT),
            "remedy": dict(REMEDY),
        },
        "on_the_spot_decision": {
            "party": {
                "name": "李四",
                "kind": "person",
                "id_number": "330402198505052345",
                "address": "示范市清河区文华街道文华路5号",
            },
            "officers": [dict(o) for o in OFFICERS],
            "spot": {
                "violation": "在文华路12号门前人行道上擅自摆摊销售小商品，占用城市道路约1平方米，经劝导后仍未改正",
                "penalty_kind": "罚款",
                "fine": "50",
                "payment_method": "当场收缴",
                "legal_basis": LEGAL_BASIS,
                "at": at(11, 12, 16, 40),
                "place": "示范市清河区文华路12号门前",
            },
            "remedy": dict(REMEDY),
        },
        "no_penalty_decision": {
            "case": {"number": "清河城管立〔2026〕第0090号", "cause": "王五擅自占用城市道路摆摊设点案"},
            "party": {
                "name": "王五",
                "kind": "person",
                "id_number": "330402197707073456",
                "address": "示范市清河区望江街道滨河路3号",
            },
            "no_penalty": {
                "facts": "2026年11月10日9时，当事人在示范市清河区滨河路3号门前人行道上摆放蔬菜摊点，"
                "占用城市道路约0.8平方米，"
                "经执法人员指出后当场撤除",
                "evidence": ["现场检查（勘验）笔录1份", "询问笔录1份", "现场照片2张"],
                "reason": "当事人系初次违法，危害后果轻微并及时改正",
                "legal_basis": "《中华人民共和国行政处罚法》第三十三条第一款",
                "violation_established": True,
                "education": "执法人员当场向当事人宣讲"
                + LEGAL_BASIS
                + "相关规定，当事人表示今后不再占道经营，并签收教育告知书",
            },
            "remedy": dict(REMEDY),
        },
    }
