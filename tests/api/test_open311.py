"""Open311 GeoReport v2 on the live stack: services, reports that open cases in the district under
their point, idempotent retries, the key's own requests, and every bad input refused unchanged."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

import httpx
import sqlalchemy as sa
from sqlmodel import Session

from api.open311_reports import MEDIA, ReportForm, compose_description, description_block, split_description
from api.open311_services import attribute_specs
from core.db import get_engine
from core.models import ApiKey, Role
from core.security import api_key_prefix, generate_api_key, hash_api_key
from core.seed import CITY, DEMO_INTEGRATOR_KEY
from rules.catalogue import load_catalogue
from tests.api.conftest import sign_in
from tests.api.live_cases import INSIDE_MINGHU, INSIDE_QINGHE, projected_task, until

V2 = "/open311/v2"
PROBLEM = "application/problem+json"


def report(**changes: str | None) -> dict[str, str]:
    """A valid report form for 清河区; a change of None leaves the field out."""
    tag = uuid.uuid4().hex[:8]
    form: dict[str, str | None] = {
        "api_key": DEMO_INTEGRATOR_KEY,
        "service_code": "street_vending_jiaxing",
        "lat": str(INSIDE_QINGHE["lat"]),
        "long": str(INSIDE_QINGHE["lon"]),
        "address_string": "示范市清河区望江路1号门前",
        "address_id": f"ADDR-{tag}",
        "description": f"路口有流动摊贩占道卖水果（{tag}）",
        "media_url": f"https://img.example.test/reports/{tag}.jpg",
        "device_id": f"device-{tag}",
        "last_name": "王",
        "first_name": "小明",
        "phone": "13800000000",
        "attribute[party_type]": "person",
        "attribute[party_name]": "水果摊摊主",
        "attribute[party_present]": "true",
        "attribute[area_m2]": "3.5",
    }
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


async def _post(live: httpx.AsyncClient, form: dict[str, str]) -> httpx.Response:
    return await live.post(f"{V2}/requests.json", data=form)


async def _opened(live: httpx.AsyncClient, form: dict[str, str]) -> str:
    response = await _post(live, form)
    assert response.status_code == 201, response.text
    [created] = response.json()
    return str(created["service_request_id"])


async def _one(live: httpx.AsyncClient, request_id: str, key: str = DEMO_INTEGRATOR_KEY) -> httpx.Response:
    return await live.get(f"{V2}/requests/{request_id}.json", params={"api_key": key})


async def _listed(live: httpx.AsyncClient, key: str = DEMO_INTEGRATOR_KEY, **params: str) -> list[str]:
    response = await live.get(f"{V2}/requests.json", params={"api_key": key, **params})
    assert response.status_code == 200, response.text
    return [r["service_request_id"] for r in response.json()]


def _intakes() -> int:
    with get_engine().connect() as conn:
        return int(conn.execute(sa.text("select count(*) from case_intake")).scalar_one())


def _api_key(roles: list[Role], jurisdiction: str = CITY, allowed_types: list[str] | None = None) -> str:
    key = generate_api_key()
    with Session(get_engine()) as session:
        session.add(
            ApiKey(
                name=f"测试密钥-{uuid.uuid4().hex[:6]}",
                prefix=api_key_prefix(key),
                key_hash=hash_api_key(key),
                roles=roles,
                jurisdiction_code=jurisdiction,
                allowed_types=allowed_types or [],
            )
        )
        session.commit()
    return key


async def test_the_services_are_the_violation_catalogue(live: httpx.AsyncClient) -> None:
    response = await live.get(f"{V2}/services.json")
    assert response.status_code == 200
    services = response.json()
    assert [s["service_code"] for s in services] == load_catalogue().codes
    [vending] = [s for s in services if s["service_code"] == "street_vending_jiaxing"]
    assert vending["service_name"] == "擅自占用城市道路、公共场所摆摊设点、堆放物品（占道经营）"
    assert (vending["group"], vending["type"], vending["metadata"]) == ("市容环境卫生", "realtime", True)
    assert vending["keywords"] == "市容环境卫生,浙江省嘉兴市"
    assert "违法依据：《浙江省城市市容和环境卫生管理条例》第十三条" in vending["description"]
    xml = await live.get(f"{V2}/services.xml")
    assert xml.status_code == 406 and "services.json" in xml.json()["detail"]


async def test_a_service_definition_asks_only_what_a_passer_by_can_tell(live: httpx.AsyncClient) -> None:
    vending = (await live.get(f"{V2}/services/street_vending_jiaxing.json")).json()
    assert vending["service_code"] == "street_vending_jiaxing"
    attributes = vending["attributes"]
    assert [a["code"] for a in attributes] == ["party_type", "party_name", "party_present", "area_m2"]
    assert [a["order"] for a in attributes] == [1, 2, 3, 4]
    assert all(a["variable"] and not a["required"] and a["description"] for a in attributes)
    party_type, _, _, area = attributes
    assert party_type["datatype"] == "singlevaluelist"
    assert [v["key"] for v in party_type["values"]] == ["person", "organisation"]
    assert area["datatype"] == "number" and "values" not in area and "m²" in area["description"]

    dust = (await live.get(f"{V2}/services/construction_dust.json")).json()["attributes"]
    assert [v["key"] for v in dust[0]["values"]] == ["organisation"]  # the law names only organisations
    assert [a["code"] for a in dust] == ["party_type", "party_name", "party_present"]
    advert = (await live.get(f"{V2}/services/outdoor_ad_bj.json")).json()["attributes"]
    assert "ad_area_m2" in [a["code"] for a in advert]

    unknown = await live.get(f"{V2}/services/no_such_service.json")
    assert unknown.status_code == 404 and unknown.headers["content-type"] == PROBLEM
    assert unknown.json()["type"] == "urn:zhifa:problem:unknown-service-code"
    assert "no_such_service" in unknown.json()["detail"]


async def test_a_report_opens_a_public_case_in_the_district_under_its_point(live: httpx.AsyncClient) -> None:
    form = report()
    response = await _post(live, form)
    assert response.status_code == 201, response.text
    [created] = response.json()
    qinghe = created["service_request_id"]
    assert qinghe.startswith("990102-") and created["account_id"] is None
    assert "示范市清河区综合行政执法局" in created["service_notice"]
    minghu_form = report(lat=str(INSIDE_MINGHU["lat"]), long=str(INSIDE_MINGHU["lon"]), address_string=None)
    minghu = await _opened(live, minghu_form)
    assert minghu.startswith("990103-")
    assert (await _opened(live, report(lat="30.24", long="120.13"))).startswith("990102-")  # 望江街道

    auditor = await sign_in(live, "auditor1")

    async def detail() -> dict[str, Any] | None:
        answer = await live.get(f"/api/v1/cases/{qinghe}", headers=auditor)
        return answer.json() if answer.status_code == 200 else None

    case = await until(detail, "the Open311 case in the auditor's view")
    assert (case["source"], case["district"], case["violation_code"]) == ("public", "990102", "street_vending_jiaxing")
    intake = case["intake"]
    assert (intake["lon"], intake["lat"]) == (INSIDE_QINGHE["lon"], INSIDE_QINGHE["lat"])
    assert intake["party"]["type"] == "person" and intake["party"]["name"] == "水果摊摊主"
    assert intake["description"].startswith(form["description"])
    for recorded in (
        form["media_url"],
        "占用面积（举报人估计，m²）：3.5",
        "当事人是否在现场（举报时）：是",
    ):
        assert recorded in intake["description"], recorded
    # 举报人信息 stays in the intake row: never in the description the workflow's history carries
    assert "13800000000" not in intake["description"] and "小明" not in intake["description"]
    with get_engine().connect() as conn:
        reporter = conn.execute(sa.text("select reporter from case_intake where case_id = :c"), {"c": qinghe}).scalar()
    assert reporter is not None and (reporter["phone"], reporter["first_name"]) == ("13800000000", "小明")

    assert {qinghe, minghu} <= set(await _listed(live))
    one = await _one(live, qinghe)
    assert one.status_code == 200
    [request] = one.json()
    assert request["service_request_id"] == qinghe and request["status"] == "open"
    assert request["description"] == form["description"] and request["media_url"] == form["media_url"]
    assert (request["address"], request["address_id"]) == (form["address_string"], form["address_id"])
    assert (request["lat"], request["long"], request["zipcode"]) == (INSIDE_QINGHE["lat"], INSIDE_QINGHE["lon"], None)
    assert request["service_name"] == "擅自占用城市道路、公共场所摆摊设点、堆放物品（占道经营）"
    assert request["agency_responsible"] == "示范市清河区综合行政执法局"
    assert request["service_notice"] == created["service_notice"]
    assert dt.datetime.fromisoformat(request["requested_datetime"]).utcoffset() == dt.timedelta(hours=8)
    [other] = (await _one(live, minghu)).json()
    assert other["agency_responsible"] == "示范市明湖区综合行政执法局"
    assert other["address"].startswith("示范市明湖区") and other["address_id"] == minghu_form["address_id"]


async def test_a_retried_report_is_the_same_request_and_opens_nothing_new(live: httpx.AsyncClient) -> None:
    form, before = report(), _intakes()
    first = await _post(live, form)
    assert first.status_code == 201, first.text
    retries = await asyncio.gather(*(_post(live, form) for _ in range(5)))
    assert [r.status_code for r in retries] == [200] * 5
    ids = {first.json()[0]["service_request_id"], *(r.json()[0]["service_request_id"] for r in retries)}
    assert len(ids) == 1 and _intakes() == before + 1
    # the key is the content: the same fields written differently are the same report ...
    same = await _post(live, {**form, "lat": form["lat"] + "0", "description": f"  {form['description']} "})
    assert same.status_code == 200 and same.json()[0]["service_request_id"] in ids
    # ... and another description is another report
    assert await _opened(live, {**form, "description": "另一处摊贩"}) not in ids
    assert _intakes() == before + 2


async def _refused(live: httpx.AsyncClient, form: dict[str, str], status: int, words: str) -> None:
    before = _intakes()
    response = await _post(live, form)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    assert words in response.json()["detail"], response.json()
    assert _intakes() == before


async def test_bad_reports_are_refused_by_name_and_open_nothing(live: httpx.AsyncClient) -> None:
    await _refused(live, report(service_code="no_such_service"), 422, "service_code: no service 'no_such_service'")
    await _refused(live, report(lat=None, long=None, address_string=None), 422, "lat and long: required")
    await _refused(live, report(lat=None, long=None), 422, "no geocoder")
    await _refused(live, report(long=None), 422, "long: required")
    await _refused(live, report(lat="31.5", long="121.0"), 422, "outside every district and street of 示范市")
    await _refused(live, report(lat="30.28", long="120.2"), 422, "outside every district")  # between the districts
    await _refused(live, report(lat="north"), 422, "lat")
    await _refused(live, report(lat="95"), 422, "lat")
    await _refused(live, report(jurisdiction_id="990103"), 422, "outside 明湖区")
    await _refused(live, report(media_url="ftp://files.example.test/a.jpg"), 422, "media_url")
    await _refused(live, report(title="标题"), 422, "title")
    await _refused(live, report(**{"attribute[colour]": "red"}), 422, "attribute[colour]")
    await _refused(live, report(**{"attribute[area_m2]": "lots"}), 422, "attribute[area_m2]: must be a number")
    await _refused(live, report(**{"attribute[party_type]": None}), 422, "attribute[party_type]: required")
    dust = {"service_code": "construction_dust", "attribute[area_m2]": None}
    await _refused(live, report(**dust), 422, "attribute[party_type]: must be one of organisation")
    await _refused(live, report(api_key="not-a-key"), 401, "unknown or revoked API key")
    await _refused(live, report(api_key=None), 401, "api_key")
    before = _intakes()
    as_json = await live.post(f"{V2}/requests.json", json=report())
    assert as_json.status_code == 415 and as_json.headers["content-type"] == PROBLEM
    assert _intakes() == before


async def test_keys_act_within_their_rights_and_read_only_their_own_requests(live: httpx.AsyncClient) -> None:
    await _refused(live, report(api_key=_api_key([Role.AUDITOR])), 403, "may not open cases")
    qinghe_only = _api_key([Role.INTEGRATOR], jurisdiction="990102")
    minghu = report(api_key=qinghe_only, lat=str(INSIDE_MINGHU["lat"]), long=str(INSIDE_MINGHU["lon"]))
    await _refused(live, minghu, 403, "not in 明湖区")
    fumes_only = _api_key([Role.INTEGRATOR], allowed_types=["restaurant_fumes"])
    await _refused(live, report(api_key=fumes_only), 403, "may not open street_vending_jiaxing")

    mine = await _opened(live, report())
    other_key = _api_key([Role.INTEGRATOR])
    theirs = await _opened(live, report(api_key=other_key))
    assert (await _one(live, mine, other_key)).status_code == 404
    missing = await _one(live, theirs)
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM
    assert mine not in await _listed(live, other_key) and theirs in await _listed(live, other_key)
    assert mine in await _listed(live) and theirs not in await _listed(live)
    for params in ({"api_key": "not-a-key"}, {}):
        for path in ("requests.json", f"requests/{mine}.json"):
            refused = await live.get(f"{V2}/{path}", params=params)
            assert refused.status_code == 401 and refused.headers["content-type"] == PROBLEM, path


async def test_expected_datetime_is_the_t01_deadline_of_a_new_case(live: httpx.AsyncClient) -> None:
    request_id = await _opened(live, report())
    auditor = await sign_in(live, "auditor1")

    async def t01() -> str | None:
        answer = await live.get(f"/api/v1/cases/{request_id}", headers=auditor)
        deadlines = answer.json()["deadlines"] if answer.status_code == 200 else []
        return next((d["due_at"] for d in deadlines if d["code"] == "T01"), None)

    due = dt.datetime.fromisoformat(await until(t01, "the T01 deadline"))

    async def expected() -> dict[str, Any] | None:
        [request] = (await _one(live, request_id)).json()
        return request if request["expected_datetime"] else None

    request = await until(expected, "expected_datetime")
    assert dt.datetime.fromisoformat(request["expected_datetime"]) == due
    assert dt.timedelta(days=14) < due - dt.datetime.now(dt.UTC) < dt.timedelta(days=30)  # 15 working days
    assert request["status_notes"] == "办理中，当前阶段：初查核实"


async def test_a_closed_lead_reads_closed_with_its_result_and_the_filters_work(live: httpx.AsyncClient) -> None:
    closing, staying = await _opened(live, report()), await _opened(live, report())
    fumes = await _opened(live, report(service_code="restaurant_fumes", **{"attribute[area_m2]": None}))
    officer = await sign_in(live, "officer1")
    task = await projected_task(live, officer, closing, "verify_lead")
    done = await live.post(
        f"/api/v1/tasks/{task['task_id']}/complete",
        json={"outcome": "not_established", "form": {"findings": "到场未见摊贩", "reason": "违法事实不存在"}},
        headers=officer,
    )
    assert done.status_code == 200, done.text

    async def closed() -> dict[str, Any] | None:
        [request] = (await _one(live, closing)).json()
        return request if request["status"] == "closed" else None

    request = await until(closed, "the closed request")
    assert request["status_notes"] == "已办结：经核查，违法事实不成立，不予立案"
    assert request["expected_datetime"] is None
    assert closing in await _listed(live, status="closed") and closing not in await _listed(live, status="open")
    assert staying in await _listed(live, status="open") and staying not in await _listed(live, status="closed")
    assert {closing, staying} <= set(await _listed(live, status="open,closed"))
    assert sorted(await _listed(live, service_request_id=f"{fumes},{staying}")) == sorted([fumes, staying])
    by_code = await _listed(live, service_code="restaurant_fumes")
    assert fumes in by_code and staying not in by_code
    tomorrow = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()
    assert await _listed(live, start_date=tomorrow) == []
    assert staying in await _listed(live, end_date=tomorrow)
    for params in (
        {"status": "pending"},
        {"start_date": "2026-01-01T00:00:00"},
        {"start_date": tomorrow, "end_date": tomorrow},
    ):
        bad = await live.get(f"{V2}/requests.json", params={"api_key": DEMO_INTEGRATOR_KEY, **params})
        assert bad.status_code == 422 and bad.headers["content-type"] == PROBLEM, params


def test_the_description_block_fits_a_case_and_gives_its_values_back() -> None:
    violation = load_catalogue().get("street_vending_jiaxing")
    longest = ReportForm(
        service_code=violation.code,
        lat=30.278,
        long=120.132,
        address_id="A" * 100,
        email=("e" * 240) + "@example.test",
        device_id="D" * 100,
        account_id="C" * 100,
        first_name="名" * 50,
        last_name="姓" * 50,
        phone="1" * 32,
        description="述\n" * 900,
        media_url="https://img.example.test/" + "p" * 975,
    )
    answers = {"party_type": "organisation", "party_name": "店" * 100, "party_present": "false", "area_m2": "12.5"}
    lines = description_block(longest, attribute_specs(violation), answers, "示" * 64)
    stored = compose_description(str(longest.description), lines)
    assert len(stored) <= 4000  # CaseCreate.description's limit
    text, values = split_description(stored)
    assert text == longest.description and values[MEDIA] == longest.media_url
    # a reporter's text that imitates the block does not move the values
    tricky = compose_description(stored, [(MEDIA, "https://real.example.test/1.jpg")])
    assert split_description(tricky) == (stored, {MEDIA: "https://real.example.test/1.jpg"})
