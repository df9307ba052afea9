"""Demo render contexts (documents/samples.py) for service, enforcement and closing: from the service receipt
to the closing approval.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from documents.sample_case import CASE, CONTACT, FACTS, LEGAL_BASIS, PARTY, PAYMENT, at


def enforcement_contexts() -> dict[str, dict[str, Any]]:
    """A fresh, complete context for each service, enforcement and closing document kind (callers may mutate
    them)."""
    return {
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
