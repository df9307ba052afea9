"""The device registry (物联网设备台账): what a sensor or camera is, where, and whom it concerns.

The MQTT worker knows a reading's device from here (an unknown device's readings go to the
dead-letter topic), the rules take their per-device settings from ``overrides``, and a non-contact
notice (非接触执法) goes to the ``responsible_party``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, col, select

from core.evidence import Location
from core.models import Jurisdiction
from core.perception_tables import Device
from workflows.case.model import Party

DeviceKind = Literal["fume", "water", "dust", "noise", "camera"]
DEVICE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"  # one MQTT topic level: no '/', '+', '#'


class DeviceIn(BaseModel):
    """A device as registered (POST /api/v1/devices, PUT /api/v1/devices/{id})."""

    model_config = ConfigDict(extra="forbid")

    device_id: str = Field(pattern=DEVICE_ID_PATTERN)
    kind: DeviceKind
    district_code: str = Field(pattern=r"^\d{6,12}$")
    name: str = Field(min_length=1, max_length=128)
    location: Location | None = None
    site: str | None = Field(default=None, max_length=255, description="the shop or site it watches")
    responsible_party: Party | None = Field(default=None, description="who a non-contact notice goes to")
    overrides: dict[str, float | int | str | bool] = Field(
        default_factory=dict, description="rule settings for this device, e.g. pm10_limit_ug_m3, zone_class"
    )
    active: bool = True


class UnknownDistrict(ValueError):
    pass


def district_path(session: Session, code: str) -> str:
    row = session.get(Jurisdiction, code)
    if row is None:
        raise UnknownDistrict(f"no jurisdiction {code}")
    return row.path


def device_row(spec: DeviceIn, path: str, now: dt.datetime, created_at: dt.datetime | None = None) -> Device:
    return Device(
        device_id=spec.device_id,
        kind=spec.kind,
        district_code=spec.district_code,
        jurisdiction_path=path,
        name=spec.name,
        location=spec.location.model_dump() if spec.location else None,
        site=spec.site,
        responsible_party=spec.responsible_party.model_dump() if spec.responsible_party else None,
        overrides=dict(spec.overrides),
        active=spec.active,
        created_at=created_at or now,
        updated_at=now,
    )


def same_device(row: Device, spec: DeviceIn) -> bool:
    """Does the stored row say what ``spec`` says (a repeated registration is then no change)?"""
    mine = device_row(spec, row.jurisdiction_path, row.updated_at, row.created_at)
    fields = ("kind", "district_code", "name", "location", "site", "responsible_party", "overrides", "active")
    return all(getattr(mine, f) == getattr(row, f) for f in fields)


def devices_in(session: Session, path_prefix: str, kind: str | None = None) -> list[Device]:
    stmt = select(Device).where(col(Device.jurisdiction_path).startswith(path_prefix))
    if kind is not None:
        stmt = stmt.where(Device.kind == kind)
    return list(session.exec(stmt.order_by(col(Device.device_id))))


def profile_settings(row: Device) -> dict[str, Any]:
    return dict(row.overrides or {})
