"""POST /api/v1/cases on the live stack: idempotency, concurrency, and every bad input."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import sqlalchemy as sa
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from core.db import get_engine
from tests.api.conftest import INTEGRATOR, sign_in
from tests.api.live_cases import INSIDE_MINGHU, case_body
from workflows.case.model import CaseSummary, Stage
from workflows.case.workflow import EnforcementCaseWorkflow


async def _post(api: httpx.AsyncClient, headers: dict[str, str], body: dict[str, object], key: str) -> httpx.Response:
    return await api.post("/api/v1/cases", json=body, headers={**headers, "Idempotency-Key": key})


async def test_a_case_opens_with_its_first_task_and_a_repeat_gets_the_same_case(live: httpx.AsyncClient) -> None:
    officer = await sign_in(live, "officer1")
    body, key = case_body(), uuid.uuid4().hex
    first = await _post(live, officer, body, key)
    assert first.status_code == 201, first.text
    created = first.json()
    assert created["case_id"].startswith("990102-")
    assert created["stage"] == "verification"
    [task] = created["tasks"]
    assert (task["kind"], task["status"]) == ("verify_lead", "open")
    assert task["name"].startswith("线索核查")
    assert task["deadline_code"] == "T01" and task["due_at"] is not None
    assert set(task["outcomes"]) >= {"established", "not_established"}
    assert task["form_schema"]["required"] == ["outcome", "form"]

    again = await _post(live, officer, body, key)
    assert again.status_code == 200
    assert again.json()["case_id"] == created["case_id"]


async def test_the_same_key_with_another_body_is_409_and_opens_nothing(live: httpx.AsyncClient) -> None:
    officer, key = await sign_in(live, "officer1"), uuid.uuid4().hex
    assert (await _post(live, officer, case_body(), key)).status_code == 201
    other = await _post(live, officer, case_body(description="另一起案件"), key)
    assert other.status_code == 409
    assert other.json()["type"] == "urn:zhifa:problem:idempotency-conflict"
    assert _intake_rows(key) == 1


def _intake_rows(key: str) -> int:
    with get_engine().connect() as conn:
        query = sa.text("select count(*) from case_intake where idempotency_key = :key")
        return int(conn.execute(query, {"key": key}).scalar_one())


async def test_twenty_concurrent_identical_requests_open_one_case(live: httpx.AsyncClient) -> None:
    integrator, body, key = INTEGRATOR, case_body(source="hotline"), uuid.uuid4().hex
    answers = await asyncio.gather(*(_post(live, integrator, body, key) for _ in range(20)))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] * 19 + [201], [a.text for a in answers if a.status_code not in (200, 201)]
    assert len({a.json()["case_id"] for a in answers}) == 1
    assert _intake_rows(key) == 1


async def test_the_idempotency_key_is_required(live: httpx.AsyncClient) -> None:
    response = await live.post("/api/v1/cases", json=case_body(), headers=await sign_in(live, "officer1"))
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["detail"]


async def _refused(
    live: httpx.AsyncClient, who: dict[str, str], body: dict[str, object], status: int, words: str
) -> None:
    key = uuid.uuid4().hex
    response = await _post(live, who, body, key)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert words in response.json()["detail"], response.json()
    assert _intake_rows(key) == 0


async def test_bad_intake_is_refused_by_name_and_opens_nothing(live: httpx.AsyncClient) -> None:
    officer = await sign_in(live, "officer1")
    await _refused(live, officer, case_body(violation_code="no_such_thing"), 422, "violation_code")
    await _refused(live, officer, case_body(location=INSIDE_MINGHU), 422, "lies outside 清河区")
    await _refused(live, officer, case_body(district="990100"), 422, "not a district or street")
    await _refused(live, officer, case_body(district="999999"), 422, "not a district or street")
    await _refused(live, officer, case_body(source="rumour"), 422, "source")
    await _refused(
        live, officer, case_body(party={"type": "person", "name": "张三", "id_number": "123"}), 422, "id_number"
    )
    await _refused(live, officer, case_body(district="990103", location=INSIDE_MINGHU), 403, "not in 明湖区")
    await _refused(live, officer, case_body(extra="field"), 422, "extra")


async def test_who_may_open_a_case(live: httpx.AsyncClient) -> None:
    for username in ("auditor1", "reviewer1"):
        await _refused(live, await sign_in(live, username), case_body(), 403, "roles")
    # a street's location opens the case in its district
    street = await _post(
        live,
        await sign_in(live, "officer1"),
        case_body(district="990102002", location={"lon": 120.13, "lat": 30.24}),
        uuid.uuid4().hex,
    )
    assert street.status_code == 201, street.text
    assert street.json()["case_id"].startswith("990102-")
    # the city-wide integrator opens cases in any district
    minghu = await _post(live, INTEGRATOR, case_body(district="990103", location=INSIDE_MINGHU), uuid.uuid4().hex)
    assert minghu.status_code == 201 and minghu.json()["case_id"].startswith("990103-")


async def test_a_repeat_after_the_case_closed_reads_the_closed_case(
    live: httpx.AsyncClient, dev_server_env: WorkflowEnvironment
) -> None:
    """The case id is never reused: repeating the request of a closed case answers with the closed
    case (200, no tasks), it does not open the case again."""
    officer, body, key = await sign_in(live, "officer1"), case_body(), uuid.uuid4().hex
    created = (await _post(live, officer, body, key)).json()
    [lead] = created["tasks"]
    closing = {"outcome": "not_established", "form": {"findings": "到场未见摊贩", "reason": "违法事实不存在"}}
    done = await live.post(f"/api/v1/tasks/{lead['task_id']}/complete", headers=officer, json=closing)
    assert done.status_code == 200, done.text
    assert (done.json()["stage"], done.json()["open_tasks"]) == ("closed", [])

    handle: WorkflowHandle[EnforcementCaseWorkflow, CaseSummary] = dev_server_env.client.get_workflow_handle_for(
        EnforcementCaseWorkflow.run, created["case_id"]
    )
    assert (await handle.result()).stage is Stage.CLOSED  # the workflow has ended

    again = await _post(live, officer, body, key)
    assert again.status_code == 200, again.text
    assert again.json()["stage"] == "closed"
    assert (again.json()["case_id"], again.json()["tasks"]) == (created["case_id"], [])
    assert _intake_rows(key) == 1
