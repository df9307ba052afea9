"""The documents the stages' inner steps produce, each issued when its step is completed, from that step's
form (the quick renderer: real templates and required-field checks, the HTML stored):

* 案件调查终结报告 when the officers report (住建 Art. 20), one per report;
* 证据先行登记保存通知书 + 清单 when evidence is registered for preservation (处罚法 Art. 56; 住建 Art. 19);
* 法制审核意见书 after each legal review (处罚法 Art. 58; 住建 Arts. 24, 25), as the case stood then;
* 集体讨论记录 after the collective discussion (处罚法 Art. 57 para 2; 住建 Art. 26);
* 听证通知书 when the hearing is scheduled (处罚法 Art. 64 (2); 住建 Art. 34), with no 送达回证 (no service step);
* 陈述申辩笔录及复核意见 after the review of a statement (处罚法 Art. 45; 住建 Art. 22), once an officer has
  said where the statement was made (the form does not carry it);
* 不予行政处罚决定书 for facts not established (处罚法 Art. 57 para 1 (3)), served with its 送达回证."""

from __future__ import annotations

import datetime as dt

from rules.deadlines import compute_deadline
from tests.workflows.case import forms
from tests.workflows.case.documents_support import blocked, of, stored_html, with_documents
from tests.workflows.case.driver import HEAD1, OFFICER1, OFFICER2, REVIEWER1, CaseDriver
from tests.workflows.case.flows import StartCase, events, filed, now, reported, start, valid, waive_statement
from workflows.case.events import PartyEvent
from workflows.case.state import CaseState
from workflows.case.workflow import EnforcementCaseWorkflow


def issued_at_step(state: CaseState, kind: str) -> list[str]:
    return [d.step for d in of(state, kind)]


def basis_of(state: CaseState, kind: str) -> str:
    issued = [e for e in events(state, "document_issued") if e.detail["kind"] == kind]
    assert issued and issued[-1].legal_basis is not None
    return issued[-1].legal_basis


async def test_the_report_comes_with_the_investigation_report(start_case: StartCase) -> None:
    case = await start(start_case)
    await filed(case)
    assert not of(await with_documents(case, "filing_approval"), "investigation_report")
    await case.complete("investigate", OFFICER1, "report", forms.report("300"))
    state = await with_documents(case, "investigation_report")
    assert issued_at_step(state, "investigation_report") == ["investigation/investigation_report"]
    assert "第二十条" in basis_of(state, "investigation_report")
    html = stored_html(of(state, "investigation_report")[0])
    assert forms.report()["facts_found"] in html and "轻微" in html  # the facts, and the benchmark tier applied


async def test_a_report_issued_late_states_that_report_not_a_later_one(start_case: StartCase) -> None:
    """A report without the party's address waits for an officer; meanwhile the legal review sends the case
    back and the officers report again. The first report's document, issued once the address is given,
    states the first report (the case as it stood then), and the second report has its own."""
    case = await start(start_case)
    await filed(case)
    no_address = {"type": "person", "name": "张三"}
    first = {**forms.major_report("300"), "party": no_address, "facts_found": "第一次调查认定的事实"}
    await case.complete("investigate", OFFICER1, "report", first)
    assert (await blocked(case, "investigation_report")).detail["field"] == "party.address"
    await case.complete("legal_review", REVIEWER1, "supplement", valid("legal_review", "supplement"))
    second = {**forms.major_report("300"), "facts_found": "补充调查后认定的事实"}
    await case.complete("investigate", OFFICER1, "report", second)
    await case.task("legal_review")

    await case.complete("supply_document_data", OFFICER1, "supplied", {"values": {"party.address": "江滨路18号"}})
    state = await with_documents(case, "investigation_report", each=2)
    by_step = {d.step: stored_html(d) for d in of(state, "investigation_report")}
    assert set(by_step) == {"investigation/investigation_report", "investigation-2/investigation_report"}
    assert "第一次调查认定的事实" in by_step["investigation/investigation_report"]
    assert "补充调查后" not in by_step["investigation/investigation_report"]
    assert "补充调查后认定的事实" in by_step["investigation-2/investigation_report"]


async def test_each_preservation_comes_with_its_notice_and_list(start_case: StartCase) -> None:
    case = await start(start_case)
    at = await filed(case)
    await case.complete("investigate", OFFICER1, "preserve_evidence", forms.preservation(at))
    state = await with_documents(case, "evidence_preservation_notice")
    [notice] = of(state, "evidence_preservation_notice")
    assert notice.step == "preservation/evidence_preservation_notice" and notice.number is not None  # 登保 文号
    assert "第五十六条" in basis_of(state, "evidence_preservation_notice")
    assert "金彭JP-150" in stored_html(notice)  # the item's model, as listed (住建 Art. 19 para 2)

    second = {**forms.preservation(await now(case)), "items": [{**forms.preservation(at)["items"][0], "name": "台秤"}]}
    await case.complete("investigate", OFFICER1, "preserve_evidence", second)
    state = await with_documents(case, "evidence_preservation_notice", each=2)
    later = [d for d in of(state, "evidence_preservation_notice") if d.step.startswith("preservation-2/")]
    assert len(later) == 1 and "台秤" in stored_html(later[0]) and later[0].number != notice.number


async def test_a_major_case_has_its_reviews_and_its_discussion_on_record(start_case: StartCase) -> None:
    """A review that sends the case back and the one after the supplement each have their opinion, each as
    the case stood when it was given; the leaders' discussion has its record before the decision."""
    case = await start(start_case)
    await filed(case)
    await case.complete("investigate", OFFICER1, "report", forms.major_report("300"))
    await case.complete("legal_review", REVIEWER1, "supplement", valid("legal_review", "supplement"))
    await case.complete("investigate", OFFICER1, "report", forms.major_report("300"))
    await case.complete("legal_review", REVIEWER1, "agree", forms.legal_review_agreed())
    await case.task("serve_prior_notice")
    state = await with_documents(case, "legal_review_opinion", "investigation_report", each=2)
    by_step = {d.step: d for d in of(state, "legal_review_opinion")}
    assert set(by_step) == {"legal_review/legal_review_opinion", "legal_review-2/legal_review_opinion"}
    first, second = by_step["legal_review/legal_review_opinion"], by_step["legal_review-2/legal_review_opinion"]
    assert "建议补充调查" in stored_html(first) and "补充询问笔录" in stored_html(first)
    assert "同意处罚意见" in stored_html(second)
    assert "第五十八条" in basis_of(state, "legal_review_opinion")

    await case.complete("serve_prior_notice", OFFICER2, "served", forms.prior_notice(await now(case)))
    await waive_statement(case)
    await case.task("collective_discussion")
    assert not of(await case.state(), "collective_discussion")
    await case.complete("collective_discussion", HEAD1, "penalty", forms.discussion(await now(case)))
    state = await with_documents(case, "collective_discussion")
    assert issued_at_step(state, "collective_discussion") == ["discussion/collective_discussion"]
    assert "第五十七条" in basis_of(state, "collective_discussion")
    assert "事实清楚，同意承办机构意见" in stored_html(of(state, "collective_discussion")[0])  # each opinion
    await case.complete("decide", HEAD1, "penalty", forms.decision("300"))
    await with_documents(case, "penalty_decision")


async def _hearing_requested(case: CaseDriver) -> None:
    await filed(case)
    await case.complete("investigate", OFFICER1, "report", forms.report("300"))
    await case.complete(
        "serve_prior_notice", OFFICER2, "served", forms.prior_notice(await now(case), hearing_right=True)
    )
    request = PartyEvent(kind="hearing_request", at=await now(case), text="要求听证")
    await case.handle.signal(EnforcementCaseWorkflow.party_event, request)


async def test_scheduling_the_hearing_issues_the_hearing_notice(start_case: StartCase) -> None:
    case = await start(start_case)
    await _hearing_requested(case)
    await case.task("schedule_hearing")
    assert not of(await with_documents(case, "service_receipt"), "hearing_notice")
    notice_at = await now(case)
    hearing_at = compute_deadline("T09", notice_at).due_at + dt.timedelta(hours=9)
    await case.complete("schedule_hearing", OFFICER2, "scheduled", forms.hearing_notice(notice_at, hearing_at))

    state = await with_documents(case, "hearing_notice")
    [notice] = of(state, "hearing_notice")
    assert notice.step == "hearing/hearing_notice" and notice.number is not None
    assert "第六十四条" in basis_of(state, "hearing_notice")
    assert "第一听证室" in stored_html(notice)
    assert len(of(state, "service_receipt")) == 1  # the prior notice's; the hearing notice has no service step
    await case.task("record_hearing")


async def test_a_reviewed_statement_is_recorded_once_an_officer_says_where_it_was_made(start_case: StartCase) -> None:
    case = await start(start_case)
    await reported(case)
    statement = PartyEvent(kind="statement", at=await now(case), text="摊位面积不足三平方米")
    await case.handle.signal(EnforcementCaseWorkflow.party_event, statement)
    await case.complete("review_statement", OFFICER2, "rejected", forms.statement_reviewed(await now(case)))

    stop = await blocked(case, "statement_record")
    assert stop.detail["field"] == "statement.place"  # on no form: asked, never guessed
    assert {"decide", "supply_document_data"} <= {t.kind for t in (await case.state()).open_tasks}
    values = {"values": {"statement.place": "望江中队询问室"}}
    await case.complete("supply_document_data", OFFICER1, "supplied", values)
    state = await with_documents(case, "statement_record")
    [record] = of(state, "statement_record")
    assert record.step == "statement/statement_record" and record.number is None  # a record, not a served notice
    assert "望江中队询问室" in stored_html(record) and "不予采纳" in stored_html(record)
    assert "第四十五条" in basis_of(state, "statement_record")


async def test_facts_not_established_are_decided_by_a_no_penalty_decision(start_case: StartCase) -> None:
    case = await start(start_case)
    await reported(case)
    await waive_statement(case)
    decided = {"reasoning": "现有证据不能证明当事人占道经营"}
    await case.complete("decide", HEAD1, "not_established", decided)
    state = await with_documents(case, "no_penalty_decision")
    [decision] = of(state, "no_penalty_decision")
    assert decision.step == "decision/no_penalty_decision" and decision.number is not None
    html = stored_html(decision)
    assert "违法事实不能成立" in html and "第五十七条第一款第（三）项" in html and "教育" not in html

    served = forms.served(await now(case), document_no=decision.number)
    await case.complete("serve_decision", OFFICER1, "served", served)
    state = await with_documents(case, "service_receipt", each=2)
    assert len(of(state, "service_receipt")) == 2  # the prior notice's and the decision's
