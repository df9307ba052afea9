"""POST /api/v1/cases: integrators (12345 hotline, 数字城管, public apps) and officers open a case.

Idempotent by the `Idempotency-Key` header, per principal (core/intake.py): the same key and body
answer with the same case (200), the same key with another body is 409, and any number of
concurrent identical requests open exactly one case.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Response
from pydantic import BaseModel, ConfigDict, Field
from shapely.geometry import Point, shape
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.auth import Principal
from api.deps import GatewayDep, SessionDep, SettingsDep, forbidden, release, require_role
from api.problems import ProblemError, problem_responses
from api.views import TaskOut, task_out
from core.intake import IdempotencyConflict, body_digest, claim, to_cgcs2000
from core.intake_tables import CaseIntake
from core.models import Jurisdiction, JurisdictionLevel, Role
from core.settings import Settings
from rules.calendar import CalendarOverride
from rules.calendar_files import load_overrides
from rules.catalogue import load_catalogue
from workflows.case.model import CaseInput, Party

router = APIRouter(prefix="/api/v1", tags=["cases"])

STARTERS = (Role.OFFICER, Role.SQUAD_LEADER, Role.AGENCY_HEAD, Role.INTEGRATOR, Role.ADMIN)
Source = Literal["hotline", "patrol", "alarm", "referral", "public", "inspection"]


class Location(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lon: float = Field(ge=-180, le=180, description="WGS84 longitude")
    lat: float = Field(ge=-90, le=90, description="WGS84 latitude")


class PartyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["person", "organisation"]
    name: str = Field(min_length=1, max_length=255)
    id_number: str | None = Field(default=None, pattern=r"^\d{17}[\dX]$", description="居民身份证号码")
    credit_code: str | None = Field(
        default=None, pattern=r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$", description="统一社会信用代码"
    )
    phone: str | None = Field(default=None, max_length=32)
    address: str | None = Field(default=None, max_length=500)


class CaseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    violation_code: str = Field(min_length=1, max_length=64)
    source: Source
    location: Location
    address: str = Field(min_length=1, max_length=500)
    district: str = Field(min_length=1, max_length=12, description="jurisdiction code of a district or street")
    description: str = Field(min_length=1, max_length=4000)
    party: PartyIn | None = None
    external_ref: str | None = Field(default=None, max_length=255, description="the caller's own ticket number")


class CaseCreated(BaseModel):
    case_id: str
    stage: str
    tasks: list[TaskOut]


def _invalid(field: str, message: str) -> ProblemError:
    return ProblemError(
        422,
        "Request validation failed",
        f"{field}: {message}",
        slug="validation",
        errors=[{"field": field, "loc": ["body", *field.split(".")], "message": message, "type": "value_error"}],
    )


def handling_unit(session: Session, principal: Principal, body: CaseCreate) -> Jurisdiction:
    """The district that handles the case, after every check the law and the caller's rights ask."""
    violation = next((v for v in load_catalogue().violations if v.code == body.violation_code), None)
    if violation is None:
        raise _invalid(
            "violation_code", f"no violation {body.violation_code!r} in the catalogue (GET /api/v1/violations)"
        )
    if principal.allowed_types and body.violation_code not in principal.allowed_types:
        raise forbidden(f"{principal.display_name} may not open {body.violation_code} cases")
    if body.party is not None and body.party.type not in {p.value for p in violation.party_types}:
        raise _invalid(
            "party.type", f"{violation.name} applies to {', '.join(violation.party_types)}, not {body.party.type}"
        )
    place = session.get(Jurisdiction, body.district)
    if place is None or place.level is JurisdictionLevel.CITY:
        raise _invalid("district", f"{body.district!r} is not a district or street code (GET /api/v1/jurisdictions)")
    if not principal.sees(place.path):
        raise forbidden(f"{principal.username} acts in {principal.jurisdiction_name}, not in {place.name}")
    if not shape(place.boundary).covers(Point(body.location.lon, body.location.lat)):
        raise _invalid("location", f"({body.location.lon}, {body.location.lat}) lies outside {place.name}")
    if place.level is JurisdictionLevel.STREET:
        district = session.get(Jurisdiction, place.parent_code) if place.parent_code else None
        assert district is not None, place.code
        return district
    return place


def new_case_id(district: str, at: dt.datetime) -> str:
    """e.g. 990102-20261126-7KQ3MZ: district, day received (Beijing time), 30 random bits."""
    day = at.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y%m%d")
    return f"{district}-{day}-{secrets.token_hex(3).upper()}"


def case_input(intake: CaseIntake, calendar: list[CalendarOverride], settings: Settings) -> CaseInput:
    return CaseInput(
        case_id=intake.case_id,
        violation_code=intake.violation_code,
        source=intake.source,
        jurisdiction_path=intake.jurisdiction_path,
        lon=intake.lon,
        lat=intake.lat,
        address=intake.address,
        description=intake.description,
        party=Party(**intake.party) if intake.party else None,
        lead_received_at=intake.received_at,
        calendar=calendar,
        documents_task_queue=settings.documents_task_queue or None,
    )


@router.post(
    "/cases",
    status_code=201,
    summary="Open a case (idempotent by the Idempotency-Key header)",
    responses={
        200: {"model": CaseCreated, "description": "a repeat of an earlier request: the same case"},
        **problem_responses(401, 403, 409, 422),
    },
)
async def open_case(
    body: CaseCreate,
    response: Response,
    principal: Annotated[Principal, Depends(require_role(*STARTERS))],
    idempotency_key: Annotated[str, Header(alias="Idempotency-Key", min_length=1, max_length=255)],
    session: SessionDep,
    settings: SettingsDep,
    gateway: GatewayDep,
) -> CaseCreated:
    district = await run_in_threadpool(handling_unit, session, principal, body)
    received = dt.datetime.now(dt.UTC)
    lon, lat = to_cgcs2000(body.location.lon, body.location.lat)
    row = CaseIntake(
        case_id=new_case_id(district.code, received),
        principal_id=principal.id,
        principal_name=principal.username,
        idempotency_key=idempotency_key,
        body_sha256=body_digest(body.model_dump(mode="json")),
        violation_code=body.violation_code,
        source=body.source,
        district_code=district.code,
        jurisdiction_path=district.path,
        lon=body.location.lon,
        lat=body.location.lat,
        cgcs2000_lon=lon,
        cgcs2000_lat=lat,
        address=body.address,
        description=body.description,
        party=body.party.model_dump(mode="json") if body.party else None,
        external_ref=body.external_ref,
        received_at=received,
    )
    try:
        claimed = await run_in_threadpool(claim, session, row)
    except IdempotencyConflict as exc:
        raise ProblemError(409, "Idempotency-Key reused", str(exc), slug="idempotency-conflict") from exc
    intake = claimed.intake
    calendar = await run_in_threadpool(load_overrides, settings.effective_calendar_dir)
    await release(session)
    # Racers start the same input under the same id: Temporal keeps one, and each reads it.
    progress = await gateway.open_case(case_input(intake, list(calendar), settings), settings.task_queue)
    response.status_code = 201 if claimed.created else 200
    return CaseCreated(
        case_id=intake.case_id, stage=progress.stage.value, tasks=[task_out(t) for t in progress.open_tasks]
    )
