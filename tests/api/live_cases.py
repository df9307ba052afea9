"""Helpers for API tests on the live stack: a valid case body, opening a case, waiting for the
projection, and the completion forms with the demo officers' real user ids."""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import uuid
from typing import Any

import httpx

from tests.api.conftest import sign_in
from tests.workflows.case import forms

INSIDE_QINGHE = {"lon": 120.132, "lat": 30.278}  # 清河区 (990102) label point
INSIDE_MINGHU = {"lon": 120.272, "lat": 30.283}  # 明湖区 (990103)


def case_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "violation_code": "street_vending_jiaxing",
        "source": "patrol",
        "location": INSIDE_QINGHE,
        "address": "示范市清河区望江路1号门前",
        "district": "990102",
        "description": "流动摊贩占道经营约3.5平方米",
        "party": {"type": "person", "name": "张三", "id_number": "110101199001011234"},
        "external_ref": "patrol-" + uuid.uuid4().hex[:8],
    }
    body.update(changes)
    return body


async def open_case(api: httpx.AsyncClient, headers: dict[str, str], **changes: Any) -> dict[str, Any]:
    response = await api.post(
        "/api/v1/cases", json=case_body(**changes), headers={**headers, "Idempotency-Key": uuid.uuid4().hex}
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def until(check: Any, what: str, attempts: int = 100, pause: float = 0.1) -> Any:
    """Poll an async `check` until it returns something truthy (the projection is asynchronous)."""
    for _ in range(attempts):
        result = await check()
        if result:
            return result
        await asyncio.sleep(pause)
    raise AssertionError(f"timed out waiting for {what}")


async def projected_task(api: httpx.AsyncClient, headers: dict[str, str], case_id: str, kind: str) -> dict[str, Any]:
    """The open task of `kind` in the caller's inbox, once the projection shows it."""

    async def find() -> dict[str, Any] | None:
        page = (await api.get("/api/v1/tasks", params={"case_id": case_id, "kind": kind}, headers=headers)).json()
        return next(iter(page["items"]), None)

    task: dict[str, Any] = await until(find, f"{kind} of {case_id} in the inbox")
    return task


async def officers(api: httpx.AsyncClient) -> list[dict[str, Any]]:
    """The two investigating officers as the forms name them: real user ids and certificates."""
    team = []
    for username in ("officer1", "officer2"):
        me = (await api.get("/api/v1/me", headers=await sign_in(api, username))).json()
        team.append({"user_id": me["id"], "name": me["display_name"], "certificate_no": me["certificate_no"]})
    return team


def with_officers(form: dict[str, Any], team: list[dict[str, Any]]) -> dict[str, Any]:
    """A form from tests/workflows/case/forms.py with the driver's placeholder officers replaced."""
    form = copy.deepcopy(form)
    if "officers" in form:
        form["officers"] = team
    if "inspection" in form:
        form["inspection"]["officers"] = team
    if "assigned_officers" in form:
        form["assigned_officers"] = [o["user_id"] for o in team]
    return form


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


FORMS = forms
