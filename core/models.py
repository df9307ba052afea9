"""Reference-data tables shared by api/ and activities/: jurisdictions, people, API keys, violation types.

Style of full-stack-fastapi-template: ``XBase`` holds the shared fields, ``X`` is the table,
``XCreate`` what a caller sends, ``XPublic`` what the API returns (never a secret or a hash).
Every table here is created by the alembic revisions in ``core/migrations``; a new table needs a
new revision (the metadata-vs-migrations test fails otherwise).
"""

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from pydantic import field_validator
from sqlmodel import Field, SQLModel

from core.types import EnumList, PathString, StringList, enum_column_type

PATH_SEPARATOR = "/"


def utcnow() -> datetime:
    """The current time, timezone-aware (SQLModel refuses naive datetimes)."""
    return datetime.now(UTC)


class Role(StrEnum):
    OFFICER = "officer"
    SQUAD_LEADER = "squad_leader"
    LEGAL_REVIEWER = "legal_reviewer"
    AGENCY_HEAD = "agency_head"
    AUDITOR = "auditor"
    INTEGRATOR = "integrator"
    ADMIN = "admin"


class JurisdictionLevel(StrEnum):
    CITY = "city"
    DISTRICT = "district"
    STREET = "street"


# --- Jurisdiction -------------------------------------------------------------------------------


def check_polygon(geojson: dict[str, Any]) -> dict[str, Any]:
    """Structural check of a GeoJSON Polygon in WGS84 (closed rings of >= 4 lon/lat positions).

    Topology (self-intersection, containment in the parent) is checked with shapely where
    boundaries are edited; this only keeps garbage out of the column.
    """
    if geojson.get("type") != "Polygon":
        raise ValueError("boundary must be a GeoJSON Polygon")
    rings = geojson.get("coordinates")
    if not isinstance(rings, list) or not rings:
        raise ValueError("boundary Polygon needs at least one linear ring")
    for ring in rings:
        if not isinstance(ring, list) or len(ring) < 4:
            raise ValueError("each linear ring needs at least 4 positions")
        for pos in ring:
            if not isinstance(pos, list | tuple) or len(pos) < 2:
                raise ValueError("each position is [lon, lat]")
            lon, lat = pos[0], pos[1]
            if not (-180.0 <= float(lon) <= 180.0 and -90.0 <= float(lat) <= 90.0):
                raise ValueError(f"position {pos!r} is outside WGS84 lon/lat range")
        if list(ring[0]) != list(ring[-1]):
            raise ValueError("each linear ring must be closed (first position == last)")
    return geojson


class JurisdictionBase(SQLModel):
    code: str = Field(primary_key=True, max_length=12, description="administrative division style code")
    name: str = Field(max_length=64, description="Chinese name, e.g. 清河区")
    level: JurisdictionLevel = Field(sa_type=enum_column_type(JurisdictionLevel, "jurisdiction_level"))
    parent_code: str | None = Field(
        default=None, foreign_key="jurisdiction.code", ondelete="RESTRICT", index=True, max_length=12
    )
    boundary: dict[str, Any] = Field(sa_type=sa.JSON, description="GeoJSON Polygon, WGS84 lon/lat")
    label_lon: float = Field(ge=-180, le=180, description="a point inside the boundary (map label)")
    label_lat: float = Field(ge=-90, le=90)
    abbreviation: str = Field(max_length=32, description="document numbering abbreviation, e.g. 示范城管")

    @field_validator("boundary")
    @classmethod
    def _boundary_is_polygon(cls, value: dict[str, Any]) -> dict[str, Any]:
        return check_polygon(value)


class Jurisdiction(JurisdictionBase, table=True):
    """A node of the tree city (市) → district (区/县) → street (街道).

    ``path`` is the materialised path of codes, each followed by ``/``:
    ``"990100/990102/990102001/"``. X is in Y's subtree iff ``X.path`` starts with ``Y.path``;
    the column is byte-wise collated and indexed, so a subtree is one index range scan.
    """

    __table_args__ = (sa.CheckConstraint("level IN ('city', 'district', 'street')", name="ck_jurisdiction_level"),)

    path: str = Field(sa_type=PathString, index=True, unique=True)

    def contains(self, other: "Jurisdiction") -> bool:
        """Whether ``other`` is this node or one of its descendants (no database round trip)."""
        return other.path.startswith(self.path)


class JurisdictionPublic(JurisdictionBase):
    path: str


def jurisdiction_path(code: str, parent: Jurisdiction | None) -> str:
    """The ``path`` of a node with ``code`` under ``parent`` (None for the root)."""
    if PATH_SEPARATOR in code or not code:
        raise ValueError(f"invalid jurisdiction code {code!r}")
    return (parent.path if parent is not None else "") + code + PATH_SEPARATOR


# --- People -------------------------------------------------------------------------------------


class UserBase(SQLModel):
    username: str = Field(unique=True, index=True, min_length=1, max_length=64)
    display_name: str = Field(max_length=64)
    roles: list[Role] = Field(default_factory=list, sa_type=EnumList(Role))
    jurisdiction_code: str = Field(foreign_key="jurisdiction.code", ondelete="RESTRICT", index=True, max_length=12)
    certificate_no: str | None = Field(default=None, max_length=32, description="执法证号 (officers)")
    active: bool = True


class User(UserBase, table=True):
    """A person who signs in (OAuth2 password flow). Table ``app_user``: ``user`` is reserved in SQL."""

    __tablename__ = "app_user"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    password_hash: str = Field(max_length=255)
    created_at: datetime = Field(default_factory=utcnow)


class UserCreate(UserBase):
    password: str = Field(min_length=1, max_length=128)


class UserPublic(UserBase):
    id: uuid.UUID
    created_at: datetime


# --- API keys (integrators, perception workers) ---------------------------------------------------


class ApiKeyBase(SQLModel):
    name: str = Field(max_length=64, description="who holds the key, e.g. 12345热线")
    roles: list[Role] = Field(default_factory=list, sa_type=EnumList(Role))
    jurisdiction_code: str = Field(foreign_key="jurisdiction.code", ondelete="RESTRICT", index=True, max_length=12)
    allowed_types: list[str] = Field(
        default_factory=list,
        sa_type=StringList,
        description="violation/case type codes this key may start; empty means all",
    )
    active: bool = True


class ApiKey(ApiKeyBase, table=True):
    __tablename__ = "api_key"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    prefix: str = Field(max_length=16, index=True, description="first characters, shown to admins")
    key_hash: str = Field(
        max_length=128, unique=True, index=True, description="SHA-256 hex of the key; never plaintext"
    )
    created_at: datetime = Field(default_factory=utcnow)

    def allows_type(self, code: str) -> bool:
        return not self.allowed_types or code in self.allowed_types


class ApiKeyCreate(ApiKeyBase):
    pass


class ApiKeyPublic(ApiKeyBase):
    id: uuid.UUID
    prefix: str
    created_at: datetime


class ApiKeyCreated(ApiKeyPublic):
    """Returned once, at creation: the only time the plaintext key is shown."""

    key: str


# --- Violation catalogue ------------------------------------------------------------------------


class ViolationTypeBase(SQLModel):
    code: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=255)
    catalogue_version: str = Field(max_length=64)
    definition: dict[str, Any] = Field(sa_type=sa.JSON, description="the whole catalogue entry")


class ViolationType(ViolationTypeBase, table=True):
    __tablename__ = "violation_type"

    updated_at: datetime = Field(default_factory=utcnow)


class ViolationTypePublic(ViolationTypeBase):
    updated_at: datetime
