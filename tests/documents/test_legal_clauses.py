"""The clauses the law puts into the decisions and notices, with their periods read from the timer table:
复议 60 days to the named government and 诉讼 6 months to the named court, the 3 %/day surcharge, 复议前置 on
the on-the-spot decision, the statement and hearing windows of the prior notice."""

from pathlib import Path

import pytest

import documents.render as render_module
from documents.formatting import period
from documents.render import STYLESHEET, TEMPLATES
from documents.sample_case import REMEDY
from documents.samples import contexts
from rules.deadline_table import load_timer_table
from tests.documents.helpers import pdf_text, render, rendered, squash

TABLE = load_timer_table()


def body(kind: str) -> str:
    return squash(pdf_text(rendered(kind).pdf, body_only=True))


def test_the_periods_read_from_the_table_are_the_statutory_ones() -> None:
    """REFERENCE §1.3: T15 15 CD, T16 3 %/day capped at the fine, T17 60 CD, T18 6 M, T07/T08 5 WD."""
    assert period(TABLE.get("T15")).text == "十五日"
    assert period(TABLE.get("T17")).text == "六十日"
    assert period(TABLE.get("T18")).text == "六个月"
    assert period(TABLE.get("T07")).text == "五个工作日"
    assert period(TABLE.get("T19")).text == "十个工作日"
    surcharge = period(TABLE.get("T16"))
    assert (surcharge.rate, surcharge.cap) == ("百分之三", "罚款的数额")


def test_the_penalty_decision_states_payment_surcharge_and_remedies() -> None:
    text = body("penalty_decision")
    t15, t16, t17, t18 = (period(TABLE.get(c)) for c in ("T15", "T16", "T17", "T18"))
    # (4) how and by when to pay, and the surcharge rate the party must be told (强制法 Art. 45 para 1)
    assert f"自收到本决定书之日起{t15.text}内" in text
    assert "示范市农村商业银行各营业网点" in text and "罚款人民币300.00元（大写：叁佰元整）" in text
    assert f"每日按罚款数额的{t16.rate}加处罚款，加处罚款的数额不得超出{t16.cap}" in text
    # (5) 复议 within 60 days to the same-level government, 诉讼 within 6 months to the named court
    assert f"{t17.text}内向{REMEDY['review_body']}申请行政复议" in text
    assert f"{t18.text}内依法向{REMEDY['court']}提起行政诉讼" in text
    # 国办发〔2022〕27号 (12): how the discretion benchmark was applied
    assert "适用“轻微”裁量阶次" in text and "占用面积五平方米以下" in text
    assert "本决定不停止执行" in text


def test_the_on_the_spot_decision_says_reconsideration_comes_first() -> None:
    """复议法(2023) Art. 23(1) and para 2: tell the party to apply for 复议 before going to court."""
    text = body("on_the_spot_decision")
    t17 = period(TABLE.get("T17"))
    assert "应当先依法申请行政复议" in text
    assert f"{t17.text}内向{REMEDY['review_body']}申请行政复议" in text
    assert "对行政复议决定不服的，可以再依法向人民法院提起行政诉讼" in text
    assert period(TABLE.get("T18")).text not in text  # no direct litigation period on a 复议前置 decision
    assert "罚款人民币50.00元（大写：伍拾元整）" in text
    assert "2026年11月12日16时40分" in text and "示范市清河区文华路12号门前" in text


def test_an_on_the_spot_fine_paid_at_the_bank_carries_the_payment_period_and_surcharge() -> None:
    context = contexts()["on_the_spot_decision"]
    context["spot"]["payment_method"] = "到指定银行或者通过电子支付系统缴纳"
    text = squash(pdf_text(render("on_the_spot_decision", context).pdf, body_only=True))
    assert f"自收到本决定书之日起{period(TABLE.get('T15')).text}内" in text
    assert f"每日按罚款数额的{period(TABLE.get('T16')).rate}加处罚款" in text


def test_the_no_penalty_decision_records_the_education_and_the_remedies() -> None:
    text = body("no_penalty_decision")
    assert "不予行政处罚" in text and "本机关已对当事人进行了教育" in text
    assert f"{period(TABLE.get('T17')).text}内向{REMEDY['review_body']}申请行政复议" in text


@pytest.mark.parametrize("hearing_right", [False, True])
def test_the_prior_notice_states_the_statement_window_and_the_hearing_right_when_in_scope(hearing_right: bool) -> None:
    context = contexts()["prior_notice"]
    context["notice"]["hearing_right"] = hearing_right
    text = squash(pdf_text(render("prior_notice", context).pdf, body_only=True))
    assert f"自收到本告知书之日起{period(TABLE.get('T07')).text}内向本机关提出" in text
    assert "不因你（单位）的陈述、申辩而给予更重的处罚" in text
    assert ("有要求举行听证的权利" in text) is hearing_right


def test_the_hearing_notices_state_the_request_window_and_the_hearing_rights() -> None:
    assert f"自收到本告知书之日起{period(TABLE.get('T08')).text}内" in body("hearing_rights_notice")
    text = body("hearing_notice")
    assert "2026年12月8日14时30分" in text and "听证主持人陈静" in text and "公开举行" in text
    assert "委托一至二人代理" in text and "申请回避" in text and "视为放弃听证权利" in text


def test_the_reminder_and_the_court_application_carry_what_the_compulsory_enforcement_law_requires() -> None:
    text = body("reminder")
    assert "2027年1月20日前" in text and "人民币600.00元（大写：陆佰元整）" in text
    assert "有权进行陈述和申辩" in text
    assert f"本催告书送达{period(TABLE.get('T19')).text}后" in text
    application = body("enforcement_application")
    assert "示范市清河区人民法院：" in application
    assert "负责人（签名）" in application and "被申请人" in application
    assert "在法定期限内未申请行政复议，也未提起行政诉讼" in application


def test_the_preservation_notice_states_the_decision_period() -> None:
    text = body("evidence_preservation_notice")
    assert f"本机关将在{period(TABLE.get('T03')).text}内依法作出处理决定" in text
    assert "不得销毁或者转移" in text


def test_no_template_or_renderer_module_writes_a_statutory_period_itself() -> None:
    """The numbers come from rules/data/deadlines.yaml only (periods.T17 etc.), never from a template."""
    demo_data = ("samples.py", "sample_")  # documents/samples.py and its sample_*.py modules
    modules = [p for p in Path(render_module.__file__).parent.glob("*.py") if not p.name.startswith(demo_data)]
    sources = [*TEMPLATES.glob("*.html"), STYLESHEET, *modules]
    arabic = {"CD": "{n}日", "WD": "{n}个工作日", "M": "{n}个月"}
    forbidden = set()
    for code in ("T03", "T07", "T08", "T15", "T16", "T17", "T18", "T19"):
        timer, stated = TABLE.get(code), period(TABLE.get(code))
        forbidden.add(stated.text)
        if timer.unit.value in arabic and timer.rate_percent_per_day is None:
            forbidden.add(arabic[timer.unit.value].format(n=timer.length))
        if stated.rate:
            forbidden |= {stated.rate, f"{timer.rate_percent_per_day}%", f"{timer.rate_percent_per_day} %"}
    for path in sources:
        text = path.read_text(encoding="utf-8")
        found = sorted(f for f in forbidden if f in text)
        assert not found, f"{path.name} states {found} itself; read it from the timer table"
