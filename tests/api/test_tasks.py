"""The task inbox and completion by Update, on the live stack: the right people act, everyone else
is refused by name, and a refusal changes nothing."""

from __future__ import annotations

import asyncio

import httpx
import pytest

import core.inbox
from tests.api.conftest import INTEGRATOR, sign_in
from tests.api.live_cases import FORMS, now, officers, open_case, projected_task, with_officers


async def _complete(
    live: httpx.AsyncClient, who: str, task_id: str, outcome: str, form: dict[str, object]
) -> httpx.Response:
    return await live.post(
        f"/api/v1/tasks/{task_id}/complete", json={"outcome": outcome, "form": form}, headers=await sign_in(live, who)
    )


async def test_the_inbox_shows_a_new_case_to_its_officers_and_not_to_others(live: httpx.AsyncClient) -> None:
    officer1 = await sign_in(live, "officer1")
    case = await open_case(live, officer1)
    task = await projected_task(live, officer1, case["case_id"], "verify_lead")
    assert task["task_id"] == case["tasks"][0]["task_id"]
    assert task["form_schema"]["required"] == ["outcome", "form"]
    assert (await live.get(f"/api/v1/tasks/{task['task_id']}", headers=officer1)).json()["kind"] == "verify_lead"
    # the other district's officer and the head (wrong role) do not have it in their inbox
    for username in ("officer3", "head1"):
        page = (
            await live.get("/api/v1/tasks", params={"case_id": case["case_id"]}, headers=await sign_in(live, username))
        ).json()
        assert page["items"] == [], username
    # an auditor oversees every task of the city, read-only
    seen = (
        await live.get("/api/v1/tasks", params={"case_id": case["case_id"]}, headers=await sign_in(live, "auditor1"))
    ).json()
    assert [t["kind"] for t in seen["items"]] == ["verify_lead"]
    assert (
        await live.get(f"/api/v1/tasks/{task['task_id']}", headers=await sign_in(live, "officer3"))
    ).status_code == 404


async def test_completing_returns_the_new_stage_and_tasks_and_refusals_name_the_reason(live: httpx.AsyncClient) -> None:
    team = await officers(live)
    case = await open_case(live, await sign_in(live, "officer1"))
    verify = case["tasks"][0]["task_id"]
    established = with_officers(FORMS.established(now()), team)

    wrong_role = await _complete(live, "head1", verify, "established", established)
    assert wrong_role.status_code == 403 and wrong_role.json()["type"] == "urn:zhifa:problem:role-not-allowed"
    invalid = await _complete(live, "officer1", verify, "established", {**established, "findings": ""})
    assert invalid.status_code == 422 and "form.findings" in invalid.json()["detail"]
    not_allowed = await _complete(live, "officer1", verify, "penalty", established)
    assert not_allowed.status_code == 422 and not_allowed.json()["type"] == "urn:zhifa:problem:outcome-not-allowed"
    auditor = await _complete(live, "auditor1", verify, "established", established)
    assert auditor.status_code == 403
    outside = await _complete(live, "officer3", verify, "established", established)
    assert outside.status_code == 404

    done = await _complete(live, "officer1", verify, "established", established)
    assert done.status_code == 200, done.text
    body = done.json()
    assert (body["task"]["status"], body["task"]["outcome"], body["stage"]) == ("completed", "established", "filing")
    assert [t["kind"] for t in body["open_tasks"]] == ["approve_filing"]

    again = await _complete(live, "officer1", verify, "established", established)
    assert again.status_code == 409 and again.json()["type"] == "urn:zhifa:problem:task-closed"

    filing = body["open_tasks"][0]["task_id"]
    approved = await _complete(live, "head1", filing, "approve", with_officers(FORMS.FILING, team))
    assert approved.status_code == 200, approved.text
    assert approved.json()["stage"] == "investigation"


async def test_two_officers_completing_one_task_at_once_one_wins(live: httpx.AsyncClient) -> None:
    team = await officers(live)
    case = await open_case(live, INTEGRATOR, source="hotline")
    verify = case["tasks"][0]["task_id"]
    form = with_officers(FORMS.established(now()), team)
    answers = await asyncio.gather(
        _complete(live, "officer1", verify, "established", form),
        _complete(live, "officer2", verify, "established", form),
    )
    assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
    loser = next(a for a in answers if a.status_code == 409)
    assert loser.json()["type"] == "urn:zhifa:problem:task-closed"


async def test_a_long_inbox_is_counted_up_to_a_cap_and_says_so(
    live: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """COUNT_PAGES_AHEAD pages past this one, `total` is a lower bound and `total_exact` is false."""
    officer1 = await sign_in(live, "officer1")
    cases = [await open_case(live, officer1) for _ in range(3)]
    for case in cases:
        await projected_task(live, officer1, case["case_id"], "verify_lead")
    monkeypatch.setattr(core.inbox, "COUNT_PAGES_AHEAD", 1)

    page = (await live.get("/api/v1/tasks", params={"limit": 1}, headers=officer1)).json()
    assert (len(page["items"]), page["total"], page["total_exact"]) == (1, 2, False)
    one_case = {"case_id": cases[0]["case_id"], "limit": 1}
    page = (await live.get("/api/v1/tasks", params=one_case, headers=officer1)).json()
    assert (len(page["items"]), page["total"], page["total_exact"]) == (1, 1, True)
    page = (await live.get("/api/v1/cases", params={"limit": 1}, headers=officer1)).json()
    assert (len(page["items"]), page["total"], page["total_exact"]) == (1, 2, False)
