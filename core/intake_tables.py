"""What integrators and officers sent to open a case (案件来源登记), kept as received.

One row per case, written by the API before the workflow starts. The pair (principal_id,
idempotency_key) is unique: it is the idempotency record of `POST /api/v1/cases` — a repeated
request finds the row, compares the body's SHA-256 and answers with the same case (or 409 when the
body differs). It also tells which cases an integrator started (integrators read only those).
"""

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from core.types import PathString

ID_LENGTH = 128


class CaseIntake(SQLModel, table=True):
    __tablename__ = "case_intake"
    __table_args__ = (sa.UniqueConstraint("principal_id", "idempotency_key", name="uq_case_intake_idempotency"),)

    case_id: str = Field(primary_key=True, max_length=ID_LENGTH)
    principal_id: str = Field(max_length=64, index=True, description="user id or key:<api key id>")
    principal_name: str = Field(max_length=64)
    idempotency_key: str = Field(max_length=255)
    body_sha256: str = Field(max_length=64, description="of the canonical JSON of the request body")
    violation_code: str = Field(max_length=64)
    source: str = Field(max_length=32)
    district_code: str = Field(max_length=12)
    jurisdiction_path: str = Field(sa_type=PathString, index=True)
    lon: float = Field(description="WGS84, as received")
    lat: float
    cgcs2000_lon: float = Field(description="the same point in CGCS2000 (EPSG:4490)")
    cgcs2000_lat: float
    address: str = Field(sa_type=sa.Text)
    description: str = Field(sa_type=sa.Text)
    party: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    reporter: dict[str, Any] | None = Field(
        default=None, sa_type=sa.JSON, description="举报人 contact (public reports); never sent to the workflow"
    )
    external_ref: str | None = Field(default=None, max_length=255, index=True)
    received_at: dt.datetime
