"""Demo render contexts, made up like core/seed.py: a 占道经营 case in 示范市清河区, one per document kind.
Used by the tests (tests/documents), the benchmark (bench/documents.py) and for previews.

张三 sells fruit from a tricycle on the pavement in front of 望江路1号 on 2026-11-03; officers 张伟 and 李娜
(seed certificates) inspect, question, preserve the scales, file the case and fine him 300 yuan under the
嘉兴-style benchmark of rules/data/violations.yaml (area ≤ 5 m², tier 轻微). The on-the-spot and no-penalty
decisions are two other small cases (李四, 王五) of the same patrol.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

CST = dt.timezone(dt.timedelta(hours=8))
AGENCY = "示范市清河区城市管理局"
ABBREVIATION = "清河城管"  # core/seed.py, district 990102
VERIFY_BASE = "https://zhifa.example.gov.cn"


def at(month: int, day: int, hour: int = 9, minute: int = 0, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=CST)


OFFICERS = [
    {"name": "张伟", "certificate_no": "99010200001"},
    {"name": "李娜", "certificate_no": "99010200002"},
]
PARTY = {
    "name": "张三",
    "kind": "person",
    "id_number": "330402199001011234",
    "address": "示范市清河区望江街道江滨路18号3幢201室",
    "phone": "13905730001",
}
CASE = {"number": "清河城管立〔2026〕第0087号", "cause": "张三擅自占用城市道路摆摊设点案"}
REMEDY = {"review_body": "示范市清河区人民政府", "court": "示范市清河区人民法院"}
LEGAL_BASIS = "《浙江省城市市容和环境卫生管理条例》第十三条"
FACTS = (
    "2026年11月3日14时20分，当事人张三在示范市清河区望江路1号门前人行道上，未经批准擅自利用三轮车摆摊设点销售水果，"
    "占用城市道路面积约3.5平方米，影响行人通行"
)
EVIDENCE = ["现场检查（勘验）笔录1份", "询问笔录1份", "现场照片4张", "执法记录仪视频1段", "当事人身份证复印件1份"]
BENCHMARK = {
    "tier": "轻微",
    "reasoning": "当事人占用城市道路面积约3.5平方米，属于“占用面积五平方米以下”情形，对个人处二百元以上五百元以下罚款；"
    "当事人系初次违法，配合调查，酌情处三百元罚款",
}
PAYMENT = {
    "bank": "示范市农村商业银行各营业网点",
    "account_name": "示范市清河区财政局非税收入汇缴结算户",
    "account": "201000123456789",
    "electronic": "示范市政务服务网“非税支付”栏目（缴款识别码3301022026008712）",
}
CONTACT = {"address": "示范市清河区望江路88号清河区城市管理局法制科", "person": "刘洋", "phone": "0573-82000001"}


def contexts() -> dict[str, dict[str, Any]]:
    """A fresh, complete context for each document kind (callers may mutate what they get)."""
    return {
        "case_source_register": {
            "case": dict(CASE),
            "party": dict(PARTY),
            "source": {
                "type": "巡查发现",
                "found_at": at(11, 3, 14, 20),
                "place": "示范市清河区望江路1号门前人行道",
                "facts": "巡查中发现一男子利用三轮车在人行道上摆摊销售水果，占道约3.5平方米",
                "registrar": "张伟",
                "registered_at": at(11, 3, 15, 10),
                "opinion": "建议予以核查",
                "approver": "刘洋",
                "approved_on": dt.date(2026, 11, 4),
            },
        },
        "inspection_record": {
            "case": dict(CASE),
            "party": dict(PARTY),
            "officers": [dict(o) for o in OFFICERS],
            "inspection": {
                "started_at": at(11, 3, 14, 25),
                "ended_at": at(11, 3, 14, 50),
                "place": "示范市清河区望江路1号门前人行道",
                "subject": "巡查发现涉嫌擅自占用城市道路摆摊设点",
                "present": {"name": "张三", "role": "当事人"},
                "findings": "现场有一辆蓝色三轮车停放于人行道上，车上摆放苹果、橙子等水果约80公斤及电子秤一台，"
                "当事人张三正在销售。经测量，占用人行道长约2.5米、宽约1.4米，面积约3.5平方米。",
                "media": ["现场照片4张（编号P1至P4）", "现场示意图1份", "执法记录仪视频1段（时长25分钟）"],
                "party_signs": True,
            },
        },
        "inquiry_record": {
            "case": dict(CASE),
            "officers": [dict(o) for o in OFFICERS],
            "inquiry": {
                "started_at": at(11, 5, 9, 30),
                "ended_at": at(11, 5, 10, 10),
                "place": "示范市清河区城市管理局望江中队询问室",
                "recorder": "李娜",
                "person": {
                    "name": "张三",
                    "id_number": "330402199001011234",
                    "relation": "当事人",
                    "address": "示范市清河区望江街道江滨路18号3幢201室",
                    "phone": "13905730001",
                },
                "qa": [
                    {"q": "2026年11月3日下午你在望江路1号门前做什么？", "a": "我骑三轮车在人行道上卖水果。"},
                    {"q": "你摆摊是否经过有关部门批准？", "a": "没有批准。"},
                    {"q": "你在那里摆摊多长时间了？", "a": "那天是第一次，大概下午两点开始摆的。"},
                    {"q": "你还有什么要补充的吗？", "a": "我知道错了，以后不在那里摆了。"},
                ],
            },
        },
        "rectification_order": {
            "party": dict(PARTY),
            "order": {
                "facts": "于2026年11月3日在示范市清河区望江路1号门前人行道上擅自摆摊设点销售水果，"
                "占用城市道路约3.5平方米",
                "violated_rule": LEGAL_BASIS,
                "legal_basis": "《中华人民共和国行政处罚法》第二十八条第一款、" + LEGAL_BASIS,
                "content": "立即停止占道经营行为，撤离三轮车及摊点物品，恢复人行道通行",
                "deadline": dt.date(2026, 11, 4),
                "consequence": "逾期不改正的，本机关将依法予以行政处罚；造成损失的，依法承担赔偿责任。",
            },
        },
        "filing_approval": {
            "case": dict(CASE),
            "party": dict(PARTY),
            "source": {"type": "巡查发现"},
            "filing": {
                "facts": FACTS + "。经核查，违法事实基本清楚。",
                "conditions": {"evidence": True, "jurisdiction": True, "within_limitation": True},
                "officers": ["张伟（执法证号99010200001）", "李娜（执法证号99010200002）"],
                "unit_opinion": "符合立案条件，建议立案调查",
                "head_opinion": "同意立案",
                "approver": "赵敏",
                "approved_on": dt.date(2026, 11, 5),
                "attachments": ["案件来源登记表", "现场检查（勘验）笔录", "现场照片"],
            },
        },
        "evidence_preservation_notice": {
            "case": dict(CASE),
            "party": dict(PARTY),
            "officers": [dict(o) for o in OFFICERS],
            "preservation": {
                "reason": "当事人的经营工具及物品可能被转移，证据可能灭失或者以后难以取得",
                "approver": "赵敏",
                "approved_on": dt.date(2026, 11, 3),
                "started_at": at(11, 3, 15, 0),
                "inventory": [
                    {
                        "name": "电动三轮车",
                        "quantity": "1辆",
                        "specification": "蓝色，车厢长1.6米",
                        "model": "金彭JP-150",
                        "storage_place": "清河区城市管理局望江中队暂扣物品仓库",
                    },
                    {
                        "name": "电子台秤",
                        "quantity": "1台",
                        "specification": "最大称量30千克",
                        "model": "永衡TCS-30",
                        "storage_place": "清河区城市管理局望江中队暂扣物品仓库",
                    },
                ],
            },
        },
        "investigation_report": {
            "case": dict(CASE),
            "party": dict(PARTY),
            "officers": [dict(o) for o in OFFICERS],
            "report": {
                "source": "巡查发现",
                "course": "2026年11月3日执法人员巡查发现后进行现场检查，拍照取证并制作现场检查（勘验）笔录；"
                "11月5日经批准立案，"
                "同日对当事人进行询问并制作询问笔录。",
                "facts": FACTS,
                "evidence": list(EVIDENCE),
                "proposal": "建议对当事人处以罚款人民币300元",
                "proposed_penalty": "罚款人民币300元",
                "legal_basis": LEGAL_BASIS,
                "benchmark": dict(BENCHMARK),
                "major": False,
            },
        },
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
        "service_receipt": {
            "case": dict(CASE),
            "service": {
                "documents": [
                    {"title": "行政处罚决定书", "number": "清河城管罚〔2026〕第12号"},
                    {"title": "罚没款缴款通知书", "number": "清河城管缴〔2026〕第12号"},
                ],
                "recipient": "张三",
                "method": "直接送达",
                "place": "示范市清河区望江街道江滨路18号3幢201室",
                "received_at": at(11, 26, 15, 30),
                "servers": ["张伟", "李娜"],
            },
        },
        "payment_notice": {
            "party": dict(PARTY),
            "payment": {
                **PAYMENT,
                "decision_number": "清河城管罚〔2026〕第12号",
                "decision_date": dt.date(2026, 11, 26),
                "amount": Decimal("300.00"),
            },
        },
        "reminder": {
            "party": dict(PARTY),
            "reminder": {
                "decision_number": "清河城管罚〔2026〕第12号",
                "decision_date": dt.date(2026, 11, 26),
                "obligation": "缴纳罚款",
                "deadline": dt.date(2027, 1, 20),
                "method": "到指定银行或者通过电子支付系统缴纳罚款及加处罚款",
                "fine": Decimal("300"),
                "surcharge": Decimal("300"),
                "surcharge_note": "自2026年12月12日起计算，已达加处罚款上限",
                "amount": Decimal("600"),
                "payment_method": "缴至"
                + PAYMENT["bank"]
                + "（户名："
                + PAYMENT["account_name"]
                + "；账号："
                + PAYMENT["account"]
                + "），或者通过"
                + PAYMENT["electronic"]
                + "缴纳",
                "contact": dict(CONTACT),
            },
        },
        "enforcement_application": {
            "party": dict(PARTY),
            "enforcement": {
                "court": "示范市清河区人民法院",
                "agency_address": "示范市清河区望江路88号",
                "head": "赵敏",
                "decision_number": "清河城管罚〔2026〕第12号",
                "decision_date": dt.date(2026, 11, 26),
                "served_on": dt.date(2026, 11, 26),
                "facts": FACTS + "。",
                "reasons": "被申请人的行为违反了" + LEGAL_BASIS + "的规定",
                "legal_basis": LEGAL_BASIS,
                "party_opinion": "被申请人在催告期间未提出陈述、申辩",
                "reminder": "本机关于2027年1月6日向被申请人送达《催告书》（清河城管催〔2027〕第3号），"
                "催告书送达十个工作日后被申请人仍未履行",
                "subject": "罚款人民币300元及加处罚款人民币300元",
                "amount": Decimal("600"),
                "attachments": [
                    "行政处罚决定书及送达回证",
                    "催告书及送达回证",
                    "当事人的意见及催告情况",
                    "案件证据材料复印件",
                ],
            },
        },
        "closing_approval": {
            "case": {**CASE, "filed_on": dt.date(2026, 11, 5)},
            "party": dict(PARTY),
            "closing": {
                "ground": "行政处罚决定执行完毕",
                "decision_summary": "罚款人民币300元（清河城管罚〔2026〕第12号）",
                "execution_result": "当事人已于2026年12月5日缴纳罚款人民币300元",
                "event_on": dt.date(2026, 12, 5),
                "officers": ["张伟", "李娜"],
                "unit_opinion": "案件已执行完毕，建议结案",
                "head_opinion": "同意结案",
                "approver": "赵敏",
                "approved_on": dt.date(2026, 12, 10),
            },
        },
    }
