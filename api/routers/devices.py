"""The device registry: sensors and cameras, scoped like everything else by jurisdiction.

Registering or changing a device is for admins and agency heads inside their subtree; anyone signed
in reads the devices of their subtree. ``POST`` registers (201); the same registration again is 200
and changes nothing; a different one for an existing id is 409 (change it with ``PUT``).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.auth import Principal
from api.deps import PrincipalDep, SessionDep, ensure_sees, require_role
from api.problems import ProblemError, problem_responses
from core.devices import DeviceIn, DeviceKind, UnknownDistrict, device_row, devices_in, district_path, same_device
from core.models import Role
from core.perception_tables import Device

router = APIRouter(prefix="/api/v1/devices", tags=["perception"])

ManagerDep = Annotated[Principal, Depends(require_role(Role.ADMIN, Role.AGENCY_HEAD))]


class DeviceOut(BaseModel):
    device_id: str
    kind: str
    district_code: str
    jurisdiction_path: str
    name: str
    location: dict[str, Any] | None
    site: str | None
    responsible_party: dict[str, Any] | None
    overrides: dict[str, Any]
    active: bool
    created_at: dt.datetime
    updated_at: dt.datetime


def device_out(row: Device) -> DeviceOut:
    return DeviceOut.model_validate(row.model_dump())


def _path_for(session: Session, principal: Principal, spec: DeviceIn) -> str:
    try:
        path = district_path(session, spec.district_code)
    except UnknownDistrict as exc:
        raise ProblemError(422, "Unknown district", str(exc)) from exc
    if not principal.sees(path):
        raise ProblemError(403, "Forbidden", f"{principal.username} cannot register devices in {spec.district_code}")
    return path


def _register(session: Session, principal: Principal, spec: DeviceIn) -> tuple[Device, bool]:
    path = _path_for(session, principal, spec)
    existing = session.get(Device, spec.device_id)
    if existing is not None:
        ensure_sees(principal, existing.jurisdiction_path, f"device {spec.device_id}")
        if same_device(existing, spec):
            return existing, False
        raise ProblemError(
            409, "Device exists", f"device {spec.device_id} is registered with other details; change it with PUT"
        )
    row = device_row(spec, path, dt.datetime.now(dt.UTC))
    session.add(row)
    session.commit()
    session.refresh(row)
    return row, True


@router.post(
    "", status_code=201, summary="Register a sensor or camera", responses=problem_responses(401, 403, 409, 422)
)
async def register_device(spec: DeviceIn, principal: ManagerDep, session: SessionDep, response: Response) -> DeviceOut:
    row, new = await run_in_threadpool(_register, session, principal, spec)
    if not new:
        response.status_code = 200
    return device_out(row)


def _replace(session: Session, principal: Principal, device_id: str, spec: DeviceIn) -> Device:
    if spec.device_id != device_id:
        raise ProblemError(422, "Id mismatch", f"the body names device {spec.device_id}, the path {device_id}")
    existing = session.get(Device, device_id)
    if existing is None:
        raise ProblemError(404, "Not found", f"no device {device_id} visible to {principal.username}")
    ensure_sees(principal, existing.jurisdiction_path, f"device {device_id}")
    path = _path_for(session, principal, spec)
    row = device_row(spec, path, dt.datetime.now(dt.UTC), existing.created_at)
    for field, value in row.model_dump().items():
        setattr(existing, field, value)
    session.commit()
    session.refresh(existing)
    return existing


@router.put("/{device_id}", summary="Change a device's registration", responses=problem_responses(401, 403, 404, 422))
async def replace_device(device_id: str, spec: DeviceIn, principal: ManagerDep, session: SessionDep) -> DeviceOut:
    return device_out(await run_in_threadpool(_replace, session, principal, device_id, spec))


@router.get("", summary="The devices of the caller's subtree", responses=problem_responses(401))
async def list_devices(
    principal: PrincipalDep, session: SessionDep, kind: Annotated[DeviceKind | None, Query()] = None
) -> list[DeviceOut]:
    rows = await run_in_threadpool(devices_in, session, principal.jurisdiction_path, kind)
    return [device_out(row) for row in rows]


@router.get("/{device_id}", summary="One device", responses=problem_responses(401, 404))
async def get_device(device_id: str, principal: PrincipalDep, session: SessionDep) -> DeviceOut:
    row = await run_in_threadpool(session.get, Device, device_id)
    if row is None:
        raise ProblemError(404, "Not found", f"no device {device_id} visible to {principal.username}")
    ensure_sees(principal, row.jurisdiction_path, f"device {device_id}")
    return device_out(row)
