"""Demo reference data for the embedded default (``zhifa db seed``, ``zhifa dev``).

Everything here is made up and named as such: 示范市 (code 990100, no real division uses 99),
two districts with two streets each, boundaries drawn around lon 120.04–120.36, lat 30.18–30.38
(WGS84, exterior rings counter-clockwise per RFC 7946), demo people who all sign in with the
password ``demo``, and one integrator key. Seeding is idempotent: rows found by their natural key
are left exactly as they are; violation types are upserted from the catalogue, so a new
catalogue version updates them.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import BaseModel, Field
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from core.models import (
    ApiKey,
    Jurisdiction,
    JurisdictionLevel,
    Role,
    User,
    ViolationType,
    jurisdiction_path,
    utcnow,
)
from core.security import api_key_prefix, hash_api_key, hash_password
from rules.catalogue import load_catalogue

log = logging.getLogger(__name__)

DEMO_PASSWORD = "demo"
DEMO_INTEGRATOR_KEY = "demo-integrator-key"

CITY = "990100"
DISTRICT_A = "990102"
DISTRICT_B = "990103"

Ring = list[tuple[float, float]]


@dataclass(frozen=True)
class _Node:
    code: str
    name: str
    level: JurisdictionLevel
    parent: str | None
    abbreviation: str
    ring: Ring  # open ring; closed when stored
    label: tuple[float, float]


# Parents first: each node's parent is inserted before it.
DEMO_JURISDICTIONS: tuple[_Node, ...] = (
    _Node(
        CITY, "示范市", JurisdictionLevel.CITY, None, "示范城管",
        [(120.05, 30.20), (120.20, 30.18), (120.35, 30.21), (120.36, 30.30),
         (120.33, 30.37), (120.18, 30.38), (120.06, 30.35), (120.04, 30.27)],
        (120.200, 30.280),
    ),
    _Node(
        DISTRICT_A, "清河区", JurisdictionLevel.DISTRICT, CITY, "清河城管",
        [(120.07, 30.21), (120.19, 30.195), (120.195, 30.28), (120.19, 30.365),
         (120.08, 30.345), (120.06, 30.28)],
        (120.132, 30.278),
    ),
    _Node(
        DISTRICT_B, "明湖区", JurisdictionLevel.DISTRICT, CITY, "明湖城管",
        [(120.205, 30.195), (120.34, 30.22), (120.35, 30.30), (120.32, 30.36),
         (120.205, 30.365), (120.21, 30.28)],
        (120.272, 30.283),
    ),
    _Node(
        "990102001", "文华街道", JurisdictionLevel.STREET, DISTRICT_A, "清河文华城管",
        [(120.07, 30.29), (120.185, 30.29), (120.183, 30.355), (120.085, 30.338)],
        (120.134, 30.318),
    ),
    _Node(
        "990102002", "望江街道", JurisdictionLevel.STREET, DISTRICT_A, "清河望江城管",
        [(120.075, 30.215), (120.188, 30.20), (120.19, 30.275), (120.068, 30.275)],
        (120.132, 30.242),
    ),
    _Node(
        "990103001", "湖滨街道", JurisdictionLevel.STREET, DISTRICT_B, "明湖湖滨城管",
        [(120.215, 30.29), (120.342, 30.29), (120.318, 30.352), (120.212, 30.358)],
        (120.271, 30.321),
    ),
    _Node(
        "990103002", "长桥街道", JurisdictionLevel.STREET, DISTRICT_B, "明湖长桥城管",
        [(120.21, 30.205), (120.335, 30.227), (120.343, 30.28), (120.214, 30.28)],
        (120.272, 30.248),
    ),
)  # fmt: skip


@dataclass(frozen=True)
class _Person:
    username: str
    display_name: str
    roles: tuple[Role, ...]
    jurisdiction: str
    certificate_no: str | None = None


DEMO_USERS: tuple[_Person, ...] = (
    _Person("officer1", "张伟", (Role.OFFICER,), DISTRICT_A, "99010200001"),
    _Person("officer2", "李娜", (Role.OFFICER,), DISTRICT_A, "99010200002"),
    _Person("officer3", "王强", (Role.OFFICER,), DISTRICT_B, "99010300001"),
    _Person("leader1", "刘洋", (Role.SQUAD_LEADER,), DISTRICT_A),
    _Person("reviewer1", "陈静", (Role.LEGAL_REVIEWER,), DISTRICT_A),
    _Person("head1", "赵敏", (Role.AGENCY_HEAD,), DISTRICT_A),
    _Person("auditor1", "孙丽", (Role.AUDITOR,), CITY),
    _Person("admin1", "周杰", (Role.ADMIN,), CITY),
    _Person("cityhead1", "吴刚", (Role.AGENCY_HEAD,), CITY),
)

DEMO_INTEGRATOR_NAME = "示范12345热线（演示）"


class DemoCredential(BaseModel):
    username: str
    password: str
    display_name: str
    roles: list[Role]
    jurisdiction_code: str
    jurisdiction_name: str


class DemoApiKey(BaseModel):
    name: str
    key: str
    roles: list[Role]
    jurisdiction_code: str
    allowed_types: list[str]


class SeedReport(BaseModel):
    """What ``seed_demo`` did, table by table (keys of the rows), plus the demo sign-ins."""

    created: dict[str, list[str]] = Field(default_factory=dict)
    updated: dict[str, list[str]] = Field(default_factory=dict)
    found: dict[str, list[str]] = Field(default_factory=dict)
    catalogue_version: str | None = None
    credentials: list[DemoCredential] = Field(default_factory=list)
    api_keys: list[DemoApiKey] = Field(default_factory=list)

    @property
    def created_count(self) -> int:
        return sum(len(keys) for keys in self.created.values())

    @property
    def updated_count(self) -> int:
        return sum(len(keys) for keys in self.updated.values())

    @property
    def changed(self) -> bool:
        return bool(self.created_count or self.updated_count)

    def _note(self, bucket: dict[str, list[str]], table: str, key: str) -> None:
        bucket.setdefault(table, []).append(key)


class ViolationLike(Protocol):
    """What the seed needs of ``rules.catalogue.Violation``."""

    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    def model_dump(self, *, mode: str = ...) -> dict[str, Any]: ...


class CatalogueLike(Protocol):
    """What the seed needs of ``rules.catalogue.Catalogue``."""

    @property
    def version(self) -> str: ...
    @property
    def violations(self) -> Sequence[ViolationLike]: ...


def load_default_catalogue() -> CatalogueLike:
    """The violation catalogue shipped in ``rules/data`` (validated at load)."""
    return load_catalogue()


def seed_demo(engine: Engine, catalogue: CatalogueLike | None = None) -> SeedReport:
    """Insert the demo data that is missing, upsert the violation catalogue, report what happened.

    ``catalogue`` defaults to ``rules.catalogue.load_catalogue()``. The schema must be migrated.
    Safe to run concurrently: a run that loses an insert race starts over and finds the rows.
    """
    if catalogue is None:
        catalogue = load_default_catalogue()
    try:
        return _seed_once(engine, catalogue)
    except IntegrityError:
        log.info("demo seed raced another seeder; retrying")
        return _seed_once(engine, catalogue)


def seed_jurisdictions(engine: Engine) -> SeedReport:
    """Only the demo jurisdiction tree (what issuing documents needs), for tests and tools; idempotent."""
    report = SeedReport()
    with Session(engine) as session:
        _seed_jurisdictions(session, report)
        session.commit()
    return report


def _seed_once(engine: Engine, catalogue: CatalogueLike) -> SeedReport:
    report = SeedReport()
    with Session(engine) as session:
        names = _seed_jurisdictions(session, report)
        _seed_users(session, report, names)
        _seed_api_keys(session, report)
        _seed_violation_types(session, report, catalogue)
        session.commit()
    return report


def _seed_jurisdictions(session: Session, report: SeedReport) -> dict[str, str]:
    names: dict[str, str] = {}
    for node in DEMO_JURISDICTIONS:
        names[node.code] = node.name
        if session.get(Jurisdiction, node.code) is not None:
            report._note(report.found, "jurisdiction", node.code)
            continue
        parent = session.get(Jurisdiction, node.parent) if node.parent else None
        ring = [[lon, lat] for lon, lat in node.ring]
        session.add(
            Jurisdiction(
                code=node.code,
                name=node.name,
                level=node.level,
                parent_code=node.parent,
                boundary={"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
                label_lon=node.label[0],
                label_lat=node.label[1],
                abbreviation=node.abbreviation,
                path=jurisdiction_path(node.code, parent),
            )
        )
        session.flush()
        report._note(report.created, "jurisdiction", node.code)
    return names


def _seed_users(session: Session, report: SeedReport, names: dict[str, str]) -> None:
    for person in DEMO_USERS:
        existing = session.exec(select(User).where(User.username == person.username)).first()
        if existing is not None:
            report._note(report.found, "user", person.username)
        else:
            session.add(
                User(
                    username=person.username,
                    display_name=person.display_name,
                    roles=list(person.roles),
                    jurisdiction_code=person.jurisdiction,
                    certificate_no=person.certificate_no,
                    password_hash=hash_password(DEMO_PASSWORD),
                )
            )
            report._note(report.created, "user", person.username)
        report.credentials.append(
            DemoCredential(
                username=person.username,
                password=DEMO_PASSWORD,
                display_name=person.display_name,
                roles=list(person.roles),
                jurisdiction_code=person.jurisdiction,
                jurisdiction_name=names[person.jurisdiction],
            )
        )
    session.flush()


def _seed_api_keys(session: Session, report: SeedReport) -> None:
    key_hash = hash_api_key(DEMO_INTEGRATOR_KEY)
    prefix = api_key_prefix(DEMO_INTEGRATOR_KEY)
    if session.exec(select(ApiKey).where(ApiKey.key_hash == key_hash)).first() is not None:
        report._note(report.found, "api_key", prefix)
    else:
        session.add(
            ApiKey(
                name=DEMO_INTEGRATOR_NAME,
                prefix=prefix,
                key_hash=key_hash,
                roles=[Role.INTEGRATOR],
                jurisdiction_code=CITY,
                allowed_types=[],
            )
        )
        session.flush()
        report._note(report.created, "api_key", prefix)
    report.api_keys.append(
        DemoApiKey(
            name=DEMO_INTEGRATOR_NAME,
            key=DEMO_INTEGRATOR_KEY,
            roles=[Role.INTEGRATOR],
            jurisdiction_code=CITY,
            allowed_types=[],
        )
    )


def _seed_violation_types(session: Session, report: SeedReport, catalogue: CatalogueLike) -> None:
    report.catalogue_version = catalogue.version
    for violation in catalogue.violations:
        definition = violation.model_dump(mode="json")
        row = session.get(ViolationType, violation.code)
        if row is None:
            session.add(
                ViolationType(
                    code=violation.code,
                    name=violation.name,
                    catalogue_version=catalogue.version,
                    definition=definition,
                )
            )
            report._note(report.created, "violation_type", violation.code)
        elif (row.name, row.catalogue_version, row.definition) != (
            violation.name,
            catalogue.version,
            definition,
        ):
            row.name = violation.name
            row.catalogue_version = catalogue.version
            row.definition = definition
            row.updated_at = utcnow()
            session.add(row)
            report._note(report.updated, "violation_type", violation.code)
        else:
            report._note(report.found, "violation_type", violation.code)
    session.flush()
