"""The demo 占道经营 case behind the sample render contexts (documents/samples.py), made up like core/seed.py.

张三 sells fruit from a tricycle on the pavement in front of 望江路1号 on 2026-11-03; officers 张伟 and 李娜
(seed certificates) inspect, question, preserve the scales, file the case and fine him 300 yuan under the
嘉兴-style benchmark of rules/data/violations.yaml (area ≤ 5 m², tier 轻微). Here: the agency, the people,
the facts and the times that the documents of every stage share.
"""

from __future__ import annotations

import datetime as dt

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
