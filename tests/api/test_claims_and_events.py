"""Claims (认领) and outside events through the API: the rules hold from both sides, and a refused
act changes nothing."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.conftest import sign_in
from tests.api.live_cases import FORMS, now, officers, open_case, until, with_officers


async def _post(live: httpx.AsyncClient, who: str, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
    return await live.post(path, json=body or {}, headers=await sign_in(live, who))


async def test_a_claimed_task_is_its_holders_until_released(live: httpx.AsyncClient) -> None:
    case = await open_case(live, await sign_in(live, "officer1"))
    task_id = case["tasks"][0]["task_id"]
    base = f"/api/v1/tasks/{task_id}"

    claimed = await _post(live, "officer1", f"{base}/claim")
    assert claimed.status_code == 200 and claimed.json()["assignee"] == "officer1"
    assert (await _post(live, "officer1", f"{base}/claim")).status_code == 200  # claiming again is harmless
    taken = await _post(live, "officer2", f"{base}/claim")
    assert taken.status_code == 409 and taken.json()["type"] == "urn:zhifa:problem:task-claimed"
    form = {"outcome": "established", "form": with_officers(FORMS.established(now()), await officers(live))}
    not_theirs = await _post(live, "officer2", f"{base}/complete", form)
    assert not_theirs.status_code == 403 and "claimed by officer1" in not_theirs.json()["detail"]
    assert (await _post(live, "officer2", f"{base}/unclaim")).status_code == 403
    assert (await _post(live, "head1", f"{base}/claim")).status_code == 403  # not a candidate role
    assert (await _post(live, "officer3", f"{base}/claim")).status_code == 404  # another district

    async def mine() -> list[dict[str, Any]]:
        page = await live.get(
            "/api/v1/tasks",
            params={"assigned": "me", "case_id": case["case_id"]},
            headers=await sign_in(live, "officer1"),
        )
        items: list[dict[str, Any]] = page.json()["items"]
        return items

    assert [t["task_id"] for t in await until(mine, "the claim in officer1's inbox")] == [task_id]

    released = await _post(live, "leader1", f"{base}/unclaim")  # a squad leader reassigns the work
    assert released.status_code == 200 and released.json()["assignee"] is None
    assert (await _post(live, "officer2", f"{base}/claim")).json()["assignee"] == "officer2"
    done = await _post(live, "officer2", f"{base}/complete", form)
    assert done.status_code == 200 and done.json()["stage"] == "filing"


async def test_an_event_that_does_not_fit_the_case_is_409_and_changes_nothing(live: httpx.AsyncClient) -> None:
    case_id = (await open_case(live, await sign_in(live, "officer1")))["case_id"]
    path = f"/api/v1/cases/{case_id}/events"
    at = now().isoformat()
    timeline = f"/api/v1/cases/{case_id}/timeline"
    head = await sign_in(live, "head1")

    async def projected() -> Any:
        response = await live.get(timeline, headers=head)
        return response.json() if response.status_code == 200 and "task_opened" in response.text else None

    before = await until(projected, "the new case's timeline")
    for kind, data in (
        ("payment_confirmed", {"amount": "300"}),  # nothing decided yet
        ("statement_received", {"text": "我有话说"}),  # no prior notice served
        ("hearing_requested", {}),
        ("rights_waived", {}),
        ("review_filed", {}),  # no decision to contest
        ("litigation_concluded", {}),  # nothing pending
    ):
        refused = await _post(live, "officer1", path, {"type": kind, "occurred_at": at, "data": data})
        assert refused.status_code == 409, (kind, refused.text)
        assert refused.json()["type"] == "urn:zhifa:problem:event-not-expected", kind
    bad_amount = await _post(
        live, "officer1", path, {"type": "payment_confirmed", "occurred_at": at, "data": {"amount": "-5"}}
    )
    assert bad_amount.status_code == 422
    naive = await _post(live, "officer1", path, {"type": "statement_received", "occurred_at": "2026-11-26T10:00:00"})
    assert naive.status_code == 422 and "occurred_at" in naive.json()["detail"]
    unknown = await _post(live, "officer1", path, {"type": "party_moved_abroad", "occurred_at": at})
    assert unknown.status_code == 422
    assert (await _post(live, "auditor1", path, {"type": "hearing_requested", "occurred_at": at})).status_code == 403
    assert (await _post(live, "officer3", path, {"type": "hearing_requested", "occurred_at": at})).status_code == 404
    assert (await live.get(timeline, headers=head)).json() == before
