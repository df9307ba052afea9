"""DATABASE_URL switches the whole application database from SQLite to PostgreSQL."""

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from core.db import current_revision, dispose_engines, get_engine, head_revision
from core.settings import get_settings
from workers.cli import app


def test_default_is_a_sqlite_file_under_var_dir(clean_settings: Path) -> None:
    settings = get_settings()
    assert settings.effective_database_url == f"sqlite:///{clean_settings / 'zhifa.db'}"
    try:
        engine = get_engine()
        assert engine.dialect.name == "sqlite"
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        assert (clean_settings / "zhifa.db").exists()
    finally:
        dispose_engines()


@pytest.mark.postgres
@pytest.mark.parametrize("variable", ["DATABASE_URL", "ZHIFA_DATABASE_URL"])
def test_database_url_switches_the_engine_to_postgresql(
    clean_settings: Path, monkeypatch: pytest.MonkeyPatch, pg_schema_url: str, variable: str
) -> None:
    plain = pg_schema_url.replace("postgresql+psycopg://", "postgresql://")  # as operators write it
    monkeypatch.setenv(variable, plain)
    get_settings.cache_clear()
    assert get_settings().effective_database_url == plain
    try:
        engine = get_engine()
        assert engine.dialect.name == "postgresql"
        assert engine.dialect.driver == "psycopg"
        with engine.connect() as conn:
            assert conn.execute(sa.text("select current_schema()")).scalar() == (
                make_url(pg_schema_url).query["options"].removeprefix("-csearch_path=")  # type: ignore[union-attr]
            )
    finally:
        dispose_engines()

    result = CliRunner().invoke(app, ["db", "seed"])
    assert result.exit_code == 0, result.output
    assert current_revision(pg_schema_url) == head_revision()
    check = sa.create_engine(pg_schema_url)
    with check.connect() as conn:
        assert conn.execute(sa.text("select count(*) from jurisdiction")).scalar() == 7
    check.dispose()
    assert not (clean_settings / "zhifa.db").exists()  # SQLite was never touched
