"""A document the law would print with a blank is not issued, and the case does not fail: the workflow
records which field is missing and why it is required, asks an officer for it (`supply_document_data`),
refuses to let the document be served meanwhile, and issues it with the value given."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.workflows.case import forms
from tests.workflows.case.driver import HEAD1, OFFICER1, OFFICER2, CaseDriver
from tests.workflows.case.flows import StartCase, events, now, start, waive_statement
from tests.workflows.case.refusing import completing_kind, refused_without_change

NO_ADDRESS = {k: v for k, v in forms.PERSON.items() if k != "address"}
ADDRESS = "示范市清河区滨河路3号"


async def blocked(case: CaseDriver, kind: str) -> dict[str, Any]:
    for _ in range(400):
        found = [e.detail for e in events(await case.state(), "document_blocked") if e.detail["kind"] == kind]
        if found:
            return found[-1]
        await asyncio.sleep(0.05)
    raise AssertionError(f"no document_blocked for {kind}")


async def issued(case: CaseDriver, kind: str) -> None:
    for _ in range(400):
        if kind in {d.kind for d in (await case.state()).documents}:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{kind} was not issued")


async def test_a_decision_without_the_partys_address_waits_for_an_officer(start_case: StartCase) -> None:
    case = await start(start_case)  # the intake (driver.case_input) knows the party's name, not their address
    at = await now(case)
    await case.complete("verify_lead", OFFICER1, "established", forms.established(at))
    await case.complete("approve_filing", HEAD1, "approve", forms.FILING)
    await case.complete("investigate", OFFICER1, "report", {**forms.report("300"), "party": NO_ADDRESS})
    report = await blocked(case, "investigation_report")  # 住建 Art. 20 para 2: the party's particulars
    assert report["field"] == "party.address"
    await case.complete("supply_document_data", OFFICER1, "supplied", {"values": {"party.address": ADDRESS}})
    await issued(case, "investigation_report")  # what an officer gives one document is not another's
    notice = forms.prior_notice(at) | {"place": "示范市清河区望江路1号门前"}
    await case.complete("serve_prior_notice", OFFICER2, "served", notice)
    await waive_statement(case)
    await case.complete("decide", HEAD1, "penalty", forms.decision("300"))

    problem = await blocked(case, "penalty_decision")  # 处罚法 Art. 59 para 1 (1): name and address
    assert (problem["field"], problem["label"]) == ("party.address", "当事人地址")
    event = next(e for e in events(await case.state(), "document_blocked") if e.detail["kind"] == "penalty_decision")
    assert event.legal_basis is not None and "第五十九条" in event.legal_basis
    assert "supply_document_data" in {t.kind for t in (await case.state()).open_tasks}
    assert "penalty_decision" not in {d.kind for d in (await case.state()).documents}

    served = forms.served(await now(case), document_no="罚〔2026〕1号") | {"place": ADDRESS}
    serving = await completing_kind(case, "serve_decision", OFFICER1, "served", served)
    await refused_without_change(case, serving, "LegalRule", "must exist before it is served", "supply_document_data")
    other_field = {"values": {"decision.facts": "x"}}
    wrong = await completing_kind(case, "supply_document_data", OFFICER1, "supplied", other_field)
    await refused_without_change(case, wrong, "FormInvalid", "party.address")
    elsewhere = {"values": {"party.address": ADDRESS, "decision.nothing": "x"}}
    stray = await completing_kind(case, "supply_document_data", OFFICER1, "supplied", elsewhere)
    await refused_without_change(case, stray, "FormInvalid", "decision.nothing")

    await case.complete("supply_document_data", OFFICER1, "supplied", {"values": {"party.address": ADDRESS}})
    await issued(case, "penalty_decision")
    await issued(case, "payment_notice")  # it waited for the decision's number
    await case.complete("serve_decision", OFFICER1, "served", served)
    await issued(case, "service_receipt")
    state = await case.state()
    assert [e.detail["kind"] for e in events(state, "document_blocked")] == ["investigation_report", "penalty_decision"]
    assert "supply_document_data" not in {t.kind for t in state.open_tasks}
