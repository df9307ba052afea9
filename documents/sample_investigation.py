"""Demo render contexts (documents/samples.py) for filing and investigation: from the case source register
to the investigation report.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from documents.sample_case import BENCHMARK, CASE, EVIDENCE, FACTS, LEGAL_BASIS, OFFICERS, PARTY, at


def investigation_contexts() -> dict[str, dict[str, Any]]:
    """A fresh, complete context for each filing and investigation document kind (callers may mutate them)."""
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
    }
