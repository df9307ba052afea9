"""The device registry and the alarms API on the real PostgreSQL: registering devices, one open alarm
per source and rule however often it is reported, acknowledge and clear, outside analysis boxes
posting with an API key, the counts — every rule from both sides."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import Session

from api.main import create_app
from core.alarms import AlarmSignal, apply_signal
from core.db import get_engine
from core.settings import Settings
from tests.api.conftest import INTEGRATOR, offline_world, sign_in

QINGHE_PATH = "990100/990102/"
AT = dt.datetime(2026, 11, 26, 12, tzinfo=dt.UTC)


@dataclass(frozen=True)
class World:
    url: str
    settings: Settings


@pytest.fixture(scope="module")
def world(pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with offline_world(pg_admin_url, Path(tmp_path_factory.mktemp("perception-var"))) as (url, settings):
        yield World(url, settings)


@pytest.fixture(scope="module")
async def api(world: World) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(world.settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://zhifa.test") as client:
        yield client


def device(device_id: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "device_id": device_id,
        "kind": "fume",
        "district_code": "990102",
        "name": "望江路1号 油烟在线监测",
        "location": {"lng": 120.132, "lat": 30.278, "address": "望江路1号"},
        "site": "老王烧烤",
        "responsible_party": {"type": "organisation", "name": "清河区老王烧烤店", "credit_code": "92330000MA0000000X"},
        "overrides": {"fume_limit_mg_m3": 2.0},
    }
    return body | changes


def signal(world: World, ref: str, transition: str = "raised", severity: str = "WARNING", **kw: Any) -> AlarmSignal:
    fields: dict[str, Any] = {
        "source": "sensor",
        "source_ref": ref,
        "rule_code": "fume_over_limit",
        "kind": "fume",
        "district_code": "990102",
        "jurisdiction_path": QINGHE_PATH,
        "transition": transition,
        "severity": severity,
        "at": AT,
        "violation_code": "restaurant_fumes",
        "values": {"fume_mg_m3": 2.6},
    }
    return AlarmSignal(**(fields | kw))


async def test_a_head_registers_a_device_and_a_repeat_is_no_change(api: httpx.AsyncClient) -> None:
    head = await sign_in(api, "head1")
    ident = f"FUME-{uuid.uuid4().hex[:6]}"
    first = await api.post("/api/v1/devices", json=device(ident), headers=head)
    assert first.status_code == 201, first.text
    assert first.json()["jurisdiction_path"] == QINGHE_PATH
    again = await api.post("/api/v1/devices", json=device(ident), headers=head)
    assert again.status_code == 200 and again.json()["created_at"] == first.json()["created_at"]
    other = await api.post("/api/v1/devices", json=device(ident, name="另一台"), headers=head)
    assert other.status_code == 409
    changed = await api.put(f"/api/v1/devices/{ident}", json=device(ident, name="另一台"), headers=head)
    assert changed.status_code == 200 and changed.json()["name"] == "另一台"
    listed = await api.get("/api/v1/devices", params={"kind": "fume"}, headers=await sign_in(api, "officer1"))
    assert ident in [d["device_id"] for d in listed.json()]


@pytest.mark.parametrize(
    ("who", "district", "status"),
    [
        ("head1", "990102", 201),
        ("admin1", "990103", 201),
        ("head1", "990103", 403),  # 清河区's head registers nothing in 明湖区
        ("officer1", "990102", 403),
        ("auditor1", "990102", 403),
        ("integrator", "990102", 403),
        ("nobody", "990102", 401),
        ("admin1", "999999", 422),
    ],
)
async def test_who_registers_devices_where(api: httpx.AsyncClient, who: str, district: str, status: int) -> None:
    headers = INTEGRATOR if who == "integrator" else {} if who == "nobody" else await sign_in(api, who)
    body = device(f"D-{uuid.uuid4().hex[:8]}", district_code=district)
    response = await api.post("/api/v1/devices", json=body, headers=headers)
    assert response.status_code == status, response.text


@pytest.mark.parametrize(
    "bad",
    [
        {"device_id": "a/b"},  # would be two MQTT topic levels
        {"device_id": "#"},
        {"kind": "radar"},
        {"district_code": "x"},
        {"responsible_party": {"type": "robot", "name": "x"}},
        {"location": {"lng": 200, "lat": 0}},
        {"unknown": 1},
    ],
)
async def test_a_malformed_device_is_422(api: httpx.AsyncClient, bad: dict[str, Any]) -> None:
    response = await api.post("/api/v1/devices", json=device("OK-1") | bad, headers=await sign_in(api, "head1"))
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"


async def test_a_device_outside_the_subtree_is_404(api: httpx.AsyncClient) -> None:
    ident = f"M-{uuid.uuid4().hex[:6]}"
    created = await api.post(
        "/api/v1/devices", json=device(ident, district_code="990103"), headers=await sign_in(api, "admin1")
    )
    assert created.status_code == 201
    assert (await api.get(f"/api/v1/devices/{ident}", headers=await sign_in(api, "officer1"))).status_code == 404
    assert (await api.get(f"/api/v1/devices/{ident}", headers=await sign_in(api, "officer3"))).status_code == 200


def test_a_storm_of_readings_is_one_alarm_until_it_clears(world: World) -> None:
    ref = f"FUME-{uuid.uuid4().hex[:6]}"
    with Session(get_engine(world.url)) as session:
        first, outcome = apply_signal(session, signal(world, ref))
        assert outcome == "new" and first is not None
        for n in range(20):
            again, outcome = apply_signal(session, signal(world, ref, "updated", values={"fume_mg_m3": 2.0 + n / 10}))
            assert outcome == "updated" and again is not None and again.alarm_id == first.alarm_id
        escalated, _ = apply_signal(session, signal(world, ref, "escalated", "MAJOR"))
        assert escalated is not None and escalated.severity == "MAJOR" and escalated.readings == 22
        cleared, outcome = apply_signal(session, signal(world, ref, "cleared"))
        assert outcome == "cleared" and cleared is not None and cleared.cleared_by == "rule"
        assert apply_signal(session, signal(world, ref, "cleared"))[1] == "ignored"
        fresh, outcome = apply_signal(session, signal(world, ref))  # after clearing, a new alarm
        assert outcome == "new" and fresh is not None and fresh.alarm_id != first.alarm_id


async def test_alarms_are_listed_acknowledged_and_cleared_by_those_allowed(
    api: httpx.AsyncClient, world: World
) -> None:
    ref = f"FUME-{uuid.uuid4().hex[:6]}"
    with Session(get_engine(world.url)) as session:
        alarm, _ = apply_signal(session, signal(world, ref))
        assert alarm is not None
        alarm_id = alarm.alarm_id
    officer, officer3, auditor = [await sign_in(api, u) for u in ("officer1", "officer3", "auditor1")]
    listed = await api.get("/api/v1/alarms", params={"state": "active", "device": ref}, headers=officer)
    assert [a["alarm_id"] for a in listed.json()] == [alarm_id]
    assert (await api.get("/api/v1/alarms", params={"device": ref}, headers=officer3)).json() == []
    assert (await api.get(f"/api/v1/alarms/{alarm_id}", headers=officer3)).status_code == 404
    assert (await api.post(f"/api/v1/alarms/{alarm_id}/acknowledge", headers=auditor)).status_code == 403
    assert (await api.post(f"/api/v1/alarms/{alarm_id}/acknowledge", headers=officer3)).status_code == 404
    acked = await api.post(f"/api/v1/alarms/{alarm_id}/acknowledge", headers=officer)
    assert acked.status_code == 200 and acked.json()["state"] == "acknowledged"
    assert (await api.post(f"/api/v1/alarms/{alarm_id}/acknowledge", headers=officer)).status_code == 409
    cleared = await api.post(f"/api/v1/alarms/{alarm_id}/clear", json={"reason": "设备检修"}, headers=officer)
    assert cleared.status_code == 200 and cleared.json()["state"] == "cleared"
    assert (await api.post(f"/api/v1/alarms/{alarm_id}/clear", headers=officer)).status_code == 409
    detail = (await api.get(f"/api/v1/alarms/{alarm_id}", headers=auditor)).json()
    assert [t["kind"] for t in detail["transitions"]] == ["raised", "acknowledged", "cleared"]
    assert detail["transitions"][1]["actor"] == "officer1"


async def test_an_outside_box_reports_with_its_key_and_repeats_fold_into_one_alarm(api: httpx.AsyncClient) -> None:
    body = {
        "source_ref": f"frigate-{uuid.uuid4().hex[:6]}",
        "rule_code": "vehicle_illegal_parking",
        "district_code": "990102",
        "occurred_at": AT.isoformat(),
        "severity": "MINOR",
        "message": "机动车乱停放",
        "location": {"lng": 120.13, "lat": 30.27},
    }
    first = await api.post("/api/v1/alarms", json=body, headers=INTEGRATOR)
    assert first.status_code == 201, first.text
    again = await api.post("/api/v1/alarms", json=body, headers=INTEGRATOR)
    assert again.status_code == 200 and again.json()["alarm_id"] == first.json()["alarm_id"]
    assert again.json()["readings"] == 2
    cleared = await api.post("/api/v1/alarms", json=body | {"state": "cleared"}, headers=INTEGRATOR)
    assert cleared.status_code == 200 and cleared.json()["state"] == "cleared"
    officer = await sign_in(api, "officer1")
    assert (await api.post("/api/v1/alarms", json=body, headers=officer)).status_code == 403  # only integrators
    assert (await api.post("/api/v1/alarms", json=body)).status_code == 401
    for bad in ({"occurred_at": "2026-11-26T12:00:00"}, {"rule_code": "Bad Code"}, {"district_code": "999999"}):
        response = await api.post("/api/v1/alarms", json=body | bad, headers=INTEGRATOR)
        assert response.status_code == 422, response.text


async def test_the_counts_follow_the_table(api: httpx.AsyncClient, world: World) -> None:
    before = (await api.get("/api/v1/alarms/stats", headers=await sign_in(api, "auditor1"))).json()
    ref = f"FUME-{uuid.uuid4().hex[:6]}"
    with Session(get_engine(world.url)) as session:
        apply_signal(session, signal(world, ref))
        for _ in range(4):
            apply_signal(session, signal(world, ref, "updated"))
    after = (await api.get("/api/v1/alarms/stats", headers=await sign_in(api, "auditor1"))).json()
    assert after["raised"] == before["raised"] + 1
    assert after["deduplicated"] == before["deduplicated"] + 4
    assert after["open"] == before["open"] + 1
    assert (await api.get("/api/v1/alarms/stats")).status_code == 401


async def test_alarm_counts_are_prometheus_metrics(api: httpx.AsyncClient, world: World) -> None:
    ref = f"FUME-{uuid.uuid4().hex[:6]}"
    with Session(get_engine(world.url)) as session:
        apply_signal(session, signal(world, ref))
        apply_signal(session, signal(world, ref, "updated"))
    text = (await api.get("/metrics")).text
    raised = [
        line for line in text.splitlines() if line.startswith('zhifa_alarms_raised{district="990102",kind="fume"}')
    ]
    assert raised and float(raised[0].split()[-1]) >= 1
    assert 'zhifa_alarms_deduplicated{district="990102",kind="fume"}' in text
    assert "# TYPE zhifa_alarms_false gauge" in text and "# TYPE zhifa_alarms_confirmed gauge" in text
