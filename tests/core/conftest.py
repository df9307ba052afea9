"""Fixtures for core/: each database test runs on a SQLite file and on the real PostgreSQL; the upload tests
get a staging folder and a client of the upload test app (tests/core/uploads_support.py)."""

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.engine import Engine

from core.db import make_engine, migrate
from core.seed import SeedReport, seed_demo
from core.settings import get_settings
from tests.core.uploads_support import make_app


class FakeViolation(BaseModel):
    """Stands in for ``rules.catalogue.Violation`` (same interface the seed relies on)."""

    code: str
    name: str
    legal_basis: str
    fine_max_yuan: int


class FakeCatalogue(BaseModel):
    version: str
    violations: list[FakeViolation]


def fake_catalogue(version: str = "2026.1", *, renamed: bool = False) -> FakeCatalogue:
    return FakeCatalogue(
        version=version,
        violations=[
            FakeViolation(
                code="SR-001",
                name="占道经营（更名）" if renamed else "占道经营",
                legal_basis="《城市市容和环境卫生管理条例》第十七条",
                fine_max_yuan=200,
            ),
            FakeViolation(
                code="HB-002",
                name="露天烧烤油烟污染",
                legal_basis="《大气污染防治法》第一百一十八条",
                fine_max_yuan=20000,
            ),
        ],
    )


def _sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'nested' / 'zhifa.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database, unmigrated: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        return _sqlite_url(tmp_path)
    url: str = request.getfixturevalue("pg_schema_url")
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """A migrated, empty database."""
    migrate(db_url)
    eng = make_engine(db_url)
    try:
        yield eng
    finally:
        eng.dispose()


@dataclass
class SeededDb:
    url: str
    engine: Engine
    report: SeedReport
    backend: str


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def seeded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeededDb]:
    """A database migrated and seeded once per module (read-only tests share it)."""
    admin: Engine | None = None
    schema = ""
    if request.param == "sqlite":
        url = _sqlite_url(tmp_path_factory.mktemp("seeded"))
    else:
        admin_url: str = request.getfixturevalue("pg_admin_url")
        schema = f"t_{uuid.uuid4().hex[:12]}"
        admin = sa.create_engine(admin_url)
        with admin.begin() as conn:
            conn.execute(sa.text(f'create schema "{schema}"'))
        sep = "&" if "?" in admin_url else "?"
        url = f"{admin_url}{sep}options=-csearch_path%3D{schema}"
    migrate(url)
    eng = make_engine(url)
    try:
        yield SeededDb(url, eng, seed_demo(eng, fake_catalogue()), request.param)
    finally:
        eng.dispose()
        if admin is not None:
            with admin.begin() as conn:
                conn.execute(sa.text(f'drop schema "{schema}" cascade'))
            admin.dispose()


@pytest.fixture
def clean_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """Settings read afresh from an environment with no database configured; var_dir = tmp."""
    for name in ("DATABASE_URL", "ZHIFA_DATABASE_URL", "ZHIFA_SEED_DEMO"):
        monkeypatch.delenv(name, raising=False)
    var_dir = tmp_path / "var"
    monkeypatch.setenv("ZHIFA_VAR_DIR", str(var_dir))
    get_settings.cache_clear()
    try:
        yield var_dir
    finally:
        get_settings.cache_clear()


def table_rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, sorted: a snapshot to compare before and after."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for name in sa.inspect(conn).get_table_names():
            rows = conn.execute(sa.text(f'select * from "{name}"')).all()
            out[name] = sorted((tuple(r) for r in rows), key=repr)
    return out


@pytest.fixture
def staging(tmp_path: Path) -> Path:
    """The upload tests' staging folder (not created: receive_upload makes it)."""
    return tmp_path / "var" / "staging"


@pytest.fixture
async def upload_client(staging: Path) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client of the upload test app, in process, staging into ``staging``."""
    transport = httpx.ASGITransport(app=make_app(staging))
    async with httpx.AsyncClient(transport=transport, base_url="http://zhifa.test") as http:
        yield http
