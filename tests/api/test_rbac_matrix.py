"""Every role × every endpoint × inside/outside the jurisdiction → the expected status.

The principals: the demo users (officer1/officer2/leader1/reviewer1/head1 in 清河区 990102,
officer3 in 明湖区 990103, auditor1/admin1/cityhead1 city-wide), the demo integrator key (city-wide,
reads only the cases it opened) and nobody. The case under test is in 清河区 and was opened by
officer1, so "outside" is officer3 and, for reading, the integrator. Mutating endpoints get a
fresh case per allowed principal, so one row never changes what the next one sees."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from tests.api.conftest import INTEGRATOR, sign_in
from tests.api.live_cases import FORMS, case_body, now, officers, open_case, with_officers

PRINCIPALS = (
    "officer1",
    "officer2",
    "officer3",
    "leader1",
    "reviewer1",
    "head1",
    "auditor1",
    "admin1",
    "cityhead1",
    "integrator",
    "nobody",
)


async def headers_of(live: httpx.AsyncClient, who: str) -> dict[str, str]:
    if who == "integrator":
        return dict(INTEGRATOR)
    if who == "nobody":
        return {}
    return await sign_in(live, who)


Call = Callable[[httpx.AsyncClient, dict[str, str], dict[str, Any]], Awaitable[httpx.Response]]


async def _get(live: httpx.AsyncClient, path: str, headers: dict[str, str]) -> httpx.Response:
    return await live.get(path, headers=headers)


READS: dict[str, tuple[str, dict[str, int]]] = {
    # endpoint: (path template, status per principal; others 200)
    "me": ("/api/v1/me", {"nobody": 401}),
    "jurisdictions": ("/api/v1/jurisdictions", {"nobody": 401}),
    "violations": ("/api/v1/violations", {"nobody": 401}),
    "case list": ("/api/v1/cases", {"nobody": 401}),
    "case detail": ("/api/v1/cases/{case_id}", {"officer3": 404, "integrator": 404, "nobody": 401}),
    "task list": ("/api/v1/tasks", {"nobody": 401}),
    "task detail": ("/api/v1/tasks/{task_id}", {"officer3": 404, "integrator": 404, "nobody": 401}),
    "timeline": ("/api/v1/cases/{case_id}/timeline", {"officer3": 404, "integrator": 404, "nobody": 401}),
    "evidence list": ("/api/v1/cases/{case_id}/evidence", {"officer3": 404, "integrator": 404, "nobody": 401}),
    "history": (
        "/api/v1/cases/{case_id}/history",
        # the role is checked first: without it, every case id is 403 (nothing about existence leaks)
        {
            **{who: 403 for who in ("officer1", "officer2", "officer3", "leader1", "reviewer1", "integrator")},
            "nobody": 401,
        },
    ),
}


@pytest.fixture(scope="module")
async def case_a(live: httpx.AsyncClient) -> dict[str, Any]:
    case = await open_case(live, await sign_in(live, "officer1"))
    head = await sign_in(live, "head1")
    for _ in range(100):  # the projection: the case and its task are readable
        if (await live.get(f"/api/v1/tasks/{case['tasks'][0]['task_id']}", headers=head)).status_code == 200:
            break
    return case


@pytest.mark.parametrize("endpoint", list(READS))
async def test_reads(live: httpx.AsyncClient, case_a: dict[str, Any], endpoint: str) -> None:
    template, expected = READS[endpoint]
    path = template.format(case_id=case_a["case_id"], task_id=case_a["tasks"][0]["task_id"])
    got = {who: (await _get(live, path, await headers_of(live, who))).status_code for who in PRINCIPALS}
    assert got == {who: expected.get(who, 200) for who in PRINCIPALS}


async def _open(live: httpx.AsyncClient, who: str, **changes: Any) -> int:
    headers = {**(await headers_of(live, who)), "Idempotency-Key": uuid.uuid4().hex}
    return (await live.post("/api/v1/cases", json=case_body(**changes), headers=headers)).status_code


async def test_who_opens_a_case_in_qinghe(live: httpx.AsyncClient) -> None:
    got = {who: await _open(live, who) for who in PRINCIPALS}
    refused = {"officer3": 403, "reviewer1": 403, "auditor1": 403, "nobody": 401}
    assert got == {who: refused.get(who, 201) for who in PRINCIPALS}


async def test_who_completes_claims_and_records_on_a_qinghe_task(live: httpx.AsyncClient) -> None:
    team = await officers(live)
    form = {"outcome": "established", "form": with_officers(FORMS.established(now()), team)}
    event = {"type": "hearing_requested", "occurred_at": now().isoformat()}  # never fits a new case: 409 if allowed
    complete, claim, record = {}, {}, {}
    for who in PRINCIPALS:
        case = await open_case(live, await sign_in(live, "officer1"))  # a fresh case for every row
        task = f"/api/v1/tasks/{case['tasks'][0]['task_id']}"
        headers = await headers_of(live, who)
        record[who] = (
            await live.post(f"/api/v1/cases/{case['case_id']}/events", json=event, headers=headers)
        ).status_code
        claim[who] = (await live.post(f"{task}/claim", headers=headers)).status_code
        if claim[who] == 200:  # give it back so that the completion row tests the completion alone
            assert (await live.post(f"{task}/unclaim", headers=headers)).status_code == 200
        complete[who] = (await live.post(f"{task}/complete", json=form, headers=headers)).status_code

    outside = {"officer3": 404, "integrator": 404, "nobody": 401}
    not_a_candidate = {who: 403 for who in ("leader1", "reviewer1", "head1", "auditor1", "admin1", "cityhead1")}
    assert complete == {who: {**outside, **not_a_candidate}.get(who, 200) for who in PRINCIPALS}
    assert claim == {who: {**outside, **not_a_candidate}.get(who, 200) for who in PRINCIPALS}
    no_recording = {"reviewer1": 403, "auditor1": 403}
    assert record == {who: {**outside, **no_recording}.get(who, 409) for who in PRINCIPALS}


async def test_who_adds_evidence_to_a_qinghe_case_and_the_case_hears_of_it(
    live: httpx.AsyncClient, case_a: dict[str, Any]
) -> None:
    got = {}
    for who in PRINCIPALS:
        photo = b"\xff\xd8\xff\xe0" + f"evidence of {who}".encode()  # other bytes each: never the same evidence
        response = await live.post(
            f"/api/v1/cases/{case_a['case_id']}/evidence",
            files={"file": (f"{who}.jpg", photo, "image/jpeg")},
            data={"metadata": '{"kind": "photo"}'},
            headers=await headers_of(live, who),
        )
        got[who] = response.status_code
    refused = {"officer3": 404, "integrator": 404, "reviewer1": 403, "auditor1": 403, "admin1": 403, "nobody": 401}
    assert got == {who: refused.get(who, 201) for who in PRINCIPALS}
    head = await sign_in(live, "head1")
    for _ in range(100):  # the workflow records each upload in the case's history (and so its timeline)
        steps = (await live.get(f"/api/v1/cases/{case_a['case_id']}/timeline", headers=head)).json()["steps"]
        recorded = [step["actor"]["username"] for step in steps if step["kind"] == "evidence_recorded"]
        if len(recorded) == 5:
            break
        await asyncio.sleep(0.1)
    assert sorted(recorded) == ["cityhead1", "head1", "leader1", "officer1", "officer2"]
