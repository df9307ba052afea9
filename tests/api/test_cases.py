"""GET /api/v1/cases and /api/v1/cases/{id} on the live stack: scope by subtree, integrators see
only their own cases, filters, and the detail's deadlines, tasks and issued documents."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx

from tests.api.conftest import INTEGRATOR, sign_in
from tests.api.live_cases import FORMS, INSIDE_MINGHU, now, officers, open_case, until, with_officers


async def _listed(live: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> list[str]:
    page = (await live.get("/api/v1/cases", params={"limit": 500, **params}, headers=headers)).json()
    return [c["case_id"] for c in page["items"]]


async def test_each_principal_sees_its_own_subtree(live: httpx.AsyncClient) -> None:
    officer1, officer3 = await sign_in(live, "officer1"), await sign_in(live, "officer3")
    qinghe = (await open_case(live, officer1))["case_id"]
    minghu = (await open_case(live, officer3, district="990103", location=INSIDE_MINGHU))["case_id"]

    async def both_projected() -> bool:
        return {qinghe, minghu} <= set(await _listed(live, await sign_in(live, "auditor1")))

    await until(both_projected, "both cases in the city-wide list")
    assert qinghe in await _listed(live, officer1) and minghu not in await _listed(live, officer1)
    assert minghu in await _listed(live, officer3) and qinghe not in await _listed(live, officer3)
    assert (await live.get(f"/api/v1/cases/{minghu}", headers=officer1)).status_code == 404
    assert qinghe in await _listed(live, officer1, district="990102", stage="verification")
    assert qinghe not in await _listed(live, officer1, stage="closed")
    assert qinghe not in await _listed(live, officer1, violation_code="restaurant_fumes")
    bad = await live.get("/api/v1/cases", params={"district": "nowhere"}, headers=officer1)
    assert bad.status_code == 422


async def test_an_integrator_sees_only_the_cases_it_opened(live: httpx.AsyncClient) -> None:
    mine = (await open_case(live, INTEGRATOR, source="hotline"))["case_id"]
    theirs = (await open_case(live, await sign_in(live, "officer1")))["case_id"]

    async def projected() -> bool:
        return {mine, theirs} <= set(await _listed(live, await sign_in(live, "auditor1")))

    await until(projected, "both cases projected")
    listed = await _listed(live, INTEGRATOR)
    assert mine in listed and theirs not in listed
    assert (await live.get(f"/api/v1/cases/{theirs}", headers=INTEGRATOR)).status_code == 404
    assert (await live.get(f"/api/v1/cases/{mine}", headers=INTEGRATOR)).status_code == 200


async def test_the_detail_shows_intake_deadlines_and_open_tasks(live: httpx.AsyncClient) -> None:
    officer1 = await sign_in(live, "officer1")
    case_id = (await open_case(live, officer1, external_ref="WG-2026-001"))["case_id"]

    async def detail() -> dict[str, Any] | None:
        response = await live.get(f"/api/v1/cases/{case_id}", headers=officer1)
        return response.json() if response.status_code == 200 else None

    body = await until(detail, "the case detail")
    assert (body["stage"], body["district"], body["violation_code"]) == (
        "verification",
        "990102",
        "street_vending_jiaxing",
    )
    assert body["intake"]["external_ref"] == "WG-2026-001" and body["intake"]["opened_by"] == "officer1"
    assert abs(body["intake"]["cgcs2000_lon"] - body["intake"]["lon"]) < 1e-6  # CGCS2000 ≈ WGS84 (cm level)
    assert [t["kind"] for t in body["open_tasks"]] == ["verify_lead"]
    [t01] = [d for d in body["deadlines"] if d["code"] == "T01"]
    assert t01["status"] == "running" and 0 < t01["remaining_seconds"] <= 25 * 86400
    assert "第十五条" in t01["legal_basis"]
    assert body["decision"] is None and body["documents"] == [] and body["evidence"] == []


async def test_an_absurd_page_offset_is_a_422_not_a_crash(live: httpx.AsyncClient) -> None:
    officer = await sign_in(live, "officer1")
    for path in ("/api/v1/cases", "/api/v1/tasks"):
        response = await live.get(path, params={"offset": 2**63}, headers=officer)
        assert response.status_code == 422 and "offset" in response.json()["detail"], (path, response.text)


async def test_the_detail_lists_the_documents_issued_with_links_to_their_files(live: httpx.AsyncClient) -> None:
    """Once the head decides on filing, the 案件来源登记表 and the 立案审批表 exist (住建 Arts. 15, 40 (1))."""
    officer1, head1 = await sign_in(live, "officer1"), await sign_in(live, "head1")
    team = await officers(live)
    case = await open_case(live, officer1)
    steps = [
        (officer1, "verify_lead", "established", with_officers(FORMS.established(now()), team)),
        (head1, "approve_filing", "approve", with_officers(FORMS.FILING, team)),
    ]
    open_tasks = case["tasks"]
    for who, kind, outcome, form in steps:
        [task_id] = [t["task_id"] for t in open_tasks if t["kind"] == kind]
        done = await live.post(
            f"/api/v1/tasks/{task_id}/complete", json={"outcome": outcome, "form": form}, headers=who
        )
        assert done.status_code == 200, done.text
        open_tasks = done.json()["open_tasks"]

    async def documents() -> list[dict[str, Any]] | None:
        body = (await live.get(f"/api/v1/cases/{case['case_id']}", headers=auditor_headers)).json()
        return body["documents"] if len(body.get("documents", [])) == 2 else None

    auditor_headers = await sign_in(live, "auditor1")
    listed = await until(documents, "the filing documents in the case detail", attempts=200)
    assert sorted(d["kind"] for d in listed) == ["case_source_register", "filing_approval"]
    for doc in listed:
        assert doc["number"] is None  # internal forms carry no 文号
        assert doc["pdf_url"] == f"/api/v1/documents/{doc['doc_id']}/pdf"
        pdf = await live.get(doc["pdf_url"], headers=auditor_headers)
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert hashlib.sha256(pdf.content).hexdigest() == doc["sha256"]
