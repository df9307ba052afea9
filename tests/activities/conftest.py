"""Fixtures for activities/: each database test runs on a SQLite file and on the real PostgreSQL."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core.db import make_engine, migrate

PROJECTION_TABLES = ("case_record", "case_task", "case_task_role", "case_deadline", "case_event")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated database: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'zhifa.db'}"
    else:
        url = request.getfixturevalue("pg_schema_url")
    migrate(url)
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    try:
        yield eng
    finally:
        eng.dispose()


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every projection table, sorted: compare before and after."""
    with engine.connect() as conn:
        return {
            name: sorted((tuple(row) for row in conn.execute(sa.text(f"select * from {name}"))), key=repr)
            for name in PROJECTION_TABLES
        }


def wipe(engine: Engine) -> None:
    """Empty the projections (as before a rebuild from histories)."""
    with engine.begin() as conn:
        for name in reversed(PROJECTION_TABLES):
            conn.execute(sa.text(f"delete from {name}"))
