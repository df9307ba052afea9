"""GET /api/v1/jurisdictions and /api/v1/violations."""

from __future__ import annotations

import httpx
from shapely.geometry import Point, shape

from rules.catalogue import load_catalogue
from tests.api.conftest import INTEGRATOR, sign_in


async def test_the_jurisdiction_tree_has_boundaries_and_label_points_inside_them(api: httpx.AsyncClient) -> None:
    response = await api.get("/api/v1/jurisdictions", headers=await sign_in(api, "officer1"))
    assert response.status_code == 200
    [city] = response.json()
    assert (city["code"], city["name"], city["level"]) == ("990100", "示范市", "city")
    assert [d["code"] for d in city["children"]] == ["990102", "990103"]
    assert all(len(d["children"]) == 2 for d in city["children"])
    nodes = [city, *city["children"], *(s for d in city["children"] for s in d["children"])]
    for node in nodes:
        polygon = shape(node["boundary"])
        assert polygon.is_valid, node["code"]
        assert polygon.contains(Point(node["label_point"]["lon"], node["label_point"]["lat"])), node["code"]
    street = city["children"][0]["children"][0]
    assert street["path"] == "990100/990102/990102001/" and street["level"] == "street"


async def test_the_violation_catalogue_carries_basis_ranges_and_tiers(api: httpx.AsyncClient) -> None:
    response = await api.get("/api/v1/violations", headers=INTEGRATOR)
    assert response.status_code == 200
    body = response.json()
    catalogue = load_catalogue()
    assert body["version"] == catalogue.version
    assert [v["code"] for v in body["violations"]] == [v.code for v in catalogue.violations]
    first = body["violations"][0]
    assert first["legal_basis"]["penalty_clause"]["article"]
    assert first["party_types"] and first["statutory"]["base"]["ranges"]
    assert first["benchmark"]["tiers"]


async def test_reference_data_needs_a_principal(api: httpx.AsyncClient) -> None:
    for path in ("/api/v1/jurisdictions", "/api/v1/violations"):
        assert (await api.get(path)).status_code == 401
