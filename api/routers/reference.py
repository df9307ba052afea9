"""Reference data every client needs: the jurisdiction tree and the violation catalogue."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel
from sqlmodel import col, select

from api.deps import PrincipalDep, SessionDep
from api.problems import problem_responses
from core.models import Jurisdiction, JurisdictionLevel
from rules.catalogue import Violation, load_catalogue

router = APIRouter(prefix="/api/v1", tags=["reference data"])


class LabelPoint(BaseModel):
    lon: float
    lat: float


class JurisdictionNode(BaseModel):
    code: str
    name: str
    level: JurisdictionLevel
    path: str
    abbreviation: str
    boundary: dict[str, Any]  # GeoJSON Polygon, WGS84
    label_point: LabelPoint  # inside the boundary, for a map label
    children: list[JurisdictionNode] = []


class ViolationCatalogue(BaseModel):
    version: str
    violations: list[Violation]


@router.get(
    "/jurisdictions",
    summary="The jurisdiction tree (city → district → street) with WGS84 boundaries",
    responses=problem_responses(401),
)
def jurisdictions(session: SessionDep, _: PrincipalDep) -> list[JurisdictionNode]:
    rows = session.exec(select(Jurisdiction).order_by(col(Jurisdiction.path))).all()
    nodes: dict[str, JurisdictionNode] = {}
    roots: list[JurisdictionNode] = []
    for row in rows:  # path order: parents before children
        node = JurisdictionNode(
            code=row.code,
            name=row.name,
            level=row.level,
            path=row.path,
            abbreviation=row.abbreviation,
            boundary=row.boundary,
            label_point=LabelPoint(lon=row.label_lon, lat=row.label_lat),
        )
        nodes[row.code] = node
        parent = nodes.get(row.parent_code) if row.parent_code else None
        (parent.children if parent is not None else roots).append(node)
    return roots


@router.get(
    "/violations",
    summary="The violation catalogue: legal basis, party types, statutory ranges, benchmark tiers",
    responses=problem_responses(401),
)
def violations(_: PrincipalDep) -> ViolationCatalogue:
    catalogue = load_catalogue()
    return ViolationCatalogue(version=catalogue.version, violations=list(catalogue.violations))
