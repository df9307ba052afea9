"""Whole cases driven only through the HTTP API, by the people whose job each step is: the
ordinary procedure from lead to closing, a 首违不罚 case, and a 简易程序 (on-the-spot) case.
README's curl walkthrough follows the first one step by step."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.conftest import INTEGRATOR, sign_in
from tests.api.live_cases import FORMS, now, officers, open_case, until, with_officers
from tests.workflows.case.flows import valid


class Desk:
    """One case on the API: complete its open tasks as named people, record outside events."""

    def __init__(self, live: httpx.AsyncClient, case: dict[str, Any]) -> None:
        self.live, self.case_id, self.open = live, case["case_id"], case["tasks"]

    def task(self, kind: str) -> str:
        found = [t["task_id"] for t in self.open if t["kind"] == kind]
        assert found, f"no open {kind}; open: {[t['kind'] for t in self.open]}"
        return str(found[0])

    async def complete(self, who: str, kind: str, outcome: str, form: dict[str, Any]) -> dict[str, Any]:
        response = await self.live.post(
            f"/api/v1/tasks/{self.task(kind)}/complete",
            json={"outcome": outcome, "form": form},
            headers=await sign_in(self.live, who),
        )
        assert response.status_code == 200, f"{kind}/{outcome} by {who}: {response.text}"
        body: dict[str, Any] = response.json()
        self.open = body["open_tasks"]
        return body

    async def event(self, headers: dict[str, str], type_: str, **data: Any) -> dict[str, Any]:
        body = {"type": type_, "occurred_at": now().isoformat(), "data": data}
        response = await self.live.post(f"/api/v1/cases/{self.case_id}/events", json=body, headers=headers)
        assert response.status_code == 200, f"{type_}: {response.text}"
        answer: dict[str, Any] = response.json()
        self.open = answer["open_tasks"]
        return answer

    async def closed_with(self, result: str) -> dict[str, Any]:
        auditor = await sign_in(self.live, "auditor1")

        async def closed() -> dict[str, Any] | None:
            detail = (await self.live.get(f"/api/v1/cases/{self.case_id}", headers=auditor)).json()
            return detail if detail.get("stage") == "closed" else None

        detail: dict[str, Any] = await until(closed, f"{self.case_id} closed in the projection", attempts=200)
        assert detail["result"] == result
        return detail


async def test_an_ordinary_case_from_hotline_to_closing(live: httpx.AsyncClient) -> None:
    team, at = await officers(live), now()
    desk = Desk(live, await open_case(live, INTEGRATOR, source="hotline"))  # 12345 hands the lead over
    assert (await desk.complete("officer1", "verify_lead", "established", with_officers(FORMS.established(at), team)))[
        "stage"
    ] == "filing"
    assert (await desk.complete("head1", "approve_filing", "approve", with_officers(FORMS.FILING, team)))[
        "stage"
    ] == "investigation"
    await desk.complete("officer1", "investigate", "report", with_officers(FORMS.report("300"), team))
    notice = FORMS.served(at, document_no="清河城管告〔2026〕1号", hearing_right=False)
    assert (await desk.complete("officer2", "serve_prior_notice", "served", notice))["stage"] == "prior_notice"
    # no decision while the statement period T07 runs (处罚法 Art. 62) … unless the party waives it
    assert "decide" not in [t["kind"] for t in desk.open]
    waived = await desk.event(await sign_in(live, "officer2"), "rights_waived", text="当事人书面放弃陈述、申辩")
    assert [t["kind"] for t in waived["open_tasks"]] == ["decide"]
    assert (await desk.complete("head1", "decide", "penalty", FORMS.decision("300")))["stage"] == "service"
    await desk.complete("officer1", "serve_decision", "served", FORMS.served(at, document_no="清河城管罚〔2026〕1号"))
    paid = await desk.event(INTEGRATOR, "payment_confirmed", amount="300", reference="bank-20261126-1")
    assert [t["kind"] for t in paid["open_tasks"]] == ["approve_closing"]
    await desk.complete("head1", "approve_closing", "approve", FORMS.CLOSING)
    detail = await desk.closed_with("paid")
    assert detail["decision"]["penalty"]["fine_yuan"] == "300"


async def test_a_first_minor_violation_closes_with_education_and_no_penalty(live: httpx.AsyncClient) -> None:
    desk = Desk(live, await open_case(live, await sign_in(live, "officer1")))
    form = with_officers(
        valid("verify_lead", "minor_no_penalty", education_record=FORMS.education(now())), await officers(live)
    )
    done = await desk.complete("officer1", "verify_lead", "minor_no_penalty", form)
    assert (done["stage"], done["open_tasks"]) == ("closed", [])
    await desk.closed_with("no_penalty_first_violation")


async def test_an_on_the_spot_fine_is_filed_paid_and_closed(live: httpx.AsyncClient) -> None:
    desk = Desk(live, await open_case(live, await sign_in(live, "officer1")))
    form = valid(
        "verify_lead",
        "on_the_spot",
        penalty={"kinds": ["罚款"], "fine_yuan": "100"},
        collected_on_the_spot=False,
        receipt_no=None,
    )
    done = await desk.complete("officer1", "verify_lead", "on_the_spot", with_officers(form, await officers(live)))
    assert done["stage"] == "execution"
    assert {t["kind"] for t in done["open_tasks"]} == {"file_on_the_spot_decision", "confirm_payment"}
    await desk.complete("officer1", "file_on_the_spot_decision", "filed", valid("file_on_the_spot_decision", "filed"))
    await desk.event(await sign_in(live, "officer1"), "payment_confirmed", amount="100", reference="bank-spot-1")
    await desk.complete("head1", "approve_closing", "approve", FORMS.CLOSING)
    await desk.closed_with("paid")
