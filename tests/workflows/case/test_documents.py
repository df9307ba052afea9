"""The statutory documents a case issues, at the moments the law puts them, with the real renderer (PDF/A
through weasyprint), the real document activity, PostgreSQL and a LocalDirStore in a temporary folder:
the ordinary procedure, 首违不罚 and 简易程序. The numbers are the first of their sequences in a fresh
schema; two cases of one district take consecutive numbers."""

from __future__ import annotations

import asyncio
import re

import pytest
from sqlmodel import Session

from activities.documents import RenderDocument, document_store
from core.db import get_engine
from core.documents import case_documents
from core.numbering import BEIJING
from core.settings import get_settings
from documents.render import render_document
from rules.document_kinds import load_document_kinds
from tests.documents.helpers import pdf_text, squash
from tests.workflows.case import forms
from tests.workflows.case.driver import HEAD1, OFFICER1, OFFICER2, CaseDriver
from tests.workflows.case.flows import StartCase, events, finished, now, pay, start, valid, waive_statement
from workflows.case.document_model import IssuedDocument
from workflows.case.state import CaseState

ABBREVIATION = "清河城管"  # 清河区 (990102) in core/seed.py: the cases' handling unit
POLLS, POLL = 600, 0.05


@pytest.fixture
def case_renderer() -> RenderDocument:
    return render_document


async def settled(case: CaseDriver) -> CaseState:
    """The state once no document is on its way."""
    for _ in range(POLLS):
        state = await case.state()
        if not state.documents_in_flight:
            return state
        await asyncio.sleep(POLL)
    raise AssertionError(f"documents still being issued: {(await case.state()).documents_in_flight}")


def kinds(state: CaseState) -> list[str]:
    return sorted(d.kind for d in state.documents)


def expected_number(doc: IssuedDocument, n: int) -> str:
    type_code = load_document_kinds().get(doc.kind).type_code
    return f"{ABBREVIATION}{type_code}〔{doc.issued_at.astimezone(BEIJING).year}〕第{n}号"


def one(state: CaseState, kind: str) -> IssuedDocument:
    found = [d for d in state.documents if d.kind == kind]
    assert len(found) == 1, f"{kind}: {found}"
    return found[0]


def stored_text(doc: IssuedDocument) -> str:
    pdf = document_store(get_settings()).get(doc.sha256)  # verified against its SHA-256
    assert pdf.startswith(b"%PDF")
    return squash(pdf_text(pdf))


async def test_an_ordinary_case_issues_each_document_at_its_moment(start_case: StartCase) -> None:
    case = await start(start_case)
    at = await now(case)
    await case.complete("verify_lead", OFFICER1, "established", forms.established(at))
    assert (await settled(case)).documents == []  # a lead is only a lead until the head decides on it

    await case.complete("approve_filing", HEAD1, "approve", forms.FILING)  # 住建 Arts. 15, 40 (1)
    assert kinds(await settled(case)) == ["case_source_register", "filing_approval"]

    await case.complete("investigate", OFFICER1, "report", forms.report("300"))
    state = await settled(case)  # the notice exists while serve_prior_notice is open (处罚法 Art. 44)
    assert "serve_prior_notice" in {t.kind for t in state.open_tasks}
    notice = one(state, "prior_notice")
    assert "hearing_rights_notice" not in kinds(state)  # 300 yuan for a person: no hearing right (Art. 63)
    report = one(state, "investigation_report")  # 案件调查终结报告, when the officers report (住建 Art. 20)
    assert report.number is None and forms.report()["facts_found"] in stored_text(report)

    await case.complete("serve_prior_notice", OFFICER2, "served", forms.prior_notice(at))
    await waive_statement(case)
    await case.complete("decide", HEAD1, "penalty", forms.decision("300"))
    state = await settled(case)
    decision, payment = one(state, "penalty_decision"), one(state, "payment_notice")
    await case.complete(
        "serve_decision", OFFICER1, "served", forms.served(await now(case), document_no=decision.number)
    )
    await pay(case, "300")
    await case.complete("approve_closing", HEAD1, "approve", forms.CLOSING)
    await finished(case)

    state = await case.state()
    assert kinds(state) == sorted(
        [
            "case_source_register",
            "filing_approval",
            "investigation_report",
            "prior_notice",
            "service_receipt",
            "penalty_decision",
            "payment_notice",
            "service_receipt",
            "closing_approval",
        ]
    )
    assert state.documents[-1].kind == "closing_approval"  # after every other one (住建 Art. 31)
    for doc in (notice, decision, payment):
        assert doc.number == expected_number(doc, 1)  # the first of each type of 清河区 this year
    assert all(d.number is None for d in state.documents if not load_document_kinds().get(d.kind).numbered)

    issued_events = events(state, "document_issued")
    assert [e.detail["doc_id"] for e in issued_events] == [d.doc_id for d in state.documents]
    assert all(e.legal_basis for e in issued_events)
    with Session(get_engine()) as session:
        rows = case_documents(session, state.summary.case_id)
    assert {r.doc_id: r.sha256 for r in rows} == {d.doc_id: d.sha256 for d in state.documents}

    decision_text = stored_text(decision)
    assert forms.PERSON["address"] in decision_text and "罚款人民币300" in decision_text
    receipts = [d for d in state.documents if d.kind == "service_receipt"]
    served = [stored_text(r) for r in receipts]
    assert decision.number and payment.number and notice.number
    assert any(decision.number in t and payment.number in t for t in served)  # served together, one receipt
    assert any(notice.number in t for t in served)


async def test_first_violations_not_punished_take_consecutive_numbers(start_case: StartCase) -> None:
    """首违不罚 (处罚法 Art. 33 para 1): the 不予行政处罚决定书 is issued when the lead is verified."""
    cases = [await start(start_case) for _ in range(2)]
    for case in cases:
        form = valid("verify_lead", "minor_no_penalty", education_record=forms.education(await now(case)))
        await case.complete("verify_lead", OFFICER1, "minor_no_penalty", form)
    states = []
    for case in cases:
        await finished(case)
        states.append(await case.state())
    assert [kinds(s) for s in states] == [["no_penalty_decision"], ["no_penalty_decision"]]
    docs = sorted((one(s, "no_penalty_decision") for s in states), key=lambda d: d.number or "")
    assert {d.number for d in docs} == {expected_number(docs[0], 1), expected_number(docs[0], 2)}
    text = stored_text(docs[0])
    assert "不予行政处罚" in text and "第三十三条" in text


async def test_an_on_the_spot_decision_is_issued_filed_and_closed(start_case: StartCase) -> None:
    """简易程序 (处罚法 Arts. 51, 52): the numbered 当场行政处罚决定书, then the 结案审批表."""
    case = await start(start_case)
    form = valid("verify_lead", "on_the_spot", penalty={"kinds": ["罚款"], "fine_yuan": "100"},
                 collected_on_the_spot=False, receipt_no=None)  # fmt: skip
    await case.complete("verify_lead", OFFICER1, "on_the_spot", form)
    decision = one(await settled(case), "on_the_spot_decision")
    assert decision.number == expected_number(decision, 1)
    filed = {"decision_no": decision.number, "document_id": decision.doc_id, "party_signed": True}
    await case.complete("file_on_the_spot_decision", OFFICER1, "filed", filed)
    await pay(case, "100")
    await case.complete("approve_closing", HEAD1, "approve", forms.CLOSING)
    await finished(case)
    state = await case.state()
    assert [d.kind for d in state.documents] == ["on_the_spot_decision", "closing_approval"]
    text = stored_text(decision)
    assert re.search(r"罚款人民币100(\.00)?元", text) and "复议" in text  # 复议前置 (复议法 Art. 23)
