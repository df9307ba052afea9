"""Engine set-up and alembic migrations on SQLite and PostgreSQL."""

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError, StatementError
from sqlmodel import Session, SQLModel, select

import core.document_tables
import core.evidence_tables
import core.intake_tables
import core.perception_tables  # noqa: F401
import ledger.tables  # noqa: F401
from core.db import (
    current_revision,
    dispose_engines,
    downgrade,
    get_engine,
    head_revision,
    make_engine,
    migrate,
    normalize_url,
    session_scope,
)
from core.models import Jurisdiction, JurisdictionLevel, Role, User, jurisdiction_path

APP_TABLES = {
    "jurisdiction",
    "app_user",
    "api_key",
    "violation_type",
    "case_record",
    "case_task",
    "case_task_role",
    "case_deadline",
    "case_event",
    "case_intake",
    "case_document",
    "document_sequence",
    "evidence",
    "evidence_custody",
    "ledger_leaf",
    "ledger_node",
    "ledger_tree_head",
    "ledger_anchor",
    "device",
    "alarm",
    "alarm_transition",
    "sensor_rule_state",
}
SQUARE = {"type": "Polygon", "coordinates": [[[120.0, 30.0], [120.1, 30.0], [120.1, 30.1], [120.0, 30.0]]]}


def _tables(url: str) -> set[str]:
    eng = make_engine(url)
    try:
        return set(sa.inspect(eng).get_table_names())
    finally:
        eng.dispose()


def _city(code: str = "990100") -> Jurisdiction:
    return Jurisdiction(
        code=code,
        name="示范市",
        level=JurisdictionLevel.CITY,
        boundary=SQUARE,
        label_lon=120.05,
        label_lat=30.03,
        abbreviation="示范城管",
        path=jurisdiction_path(code, None),
    )


def test_normalize_url_pins_psycopg_and_keeps_the_rest() -> None:
    assert normalize_url("postgresql://u:pw@h:5432/db") == "postgresql+psycopg://u:pw@h:5432/db"
    assert normalize_url("postgres://u@h/db").startswith("postgresql+psycopg://u@h/db")
    url = "postgresql+psycopg://root@127.0.0.1:5432/test?options=-csearch_path%3Dabc"
    assert make_url(normalize_url(url)).query == {"options": "-csearch_path=abc"}
    assert normalize_url("sqlite:///var/zhifa.db") == "sqlite:///var/zhifa.db"


def test_sqlite_engine_creates_folder_and_sets_pragmas(tmp_path: Path) -> None:
    db_file = tmp_path / "a" / "b" / "zhifa.db"
    eng = make_engine(f"sqlite:///{db_file}")
    try:
        with eng.connect() as conn:
            assert conn.exec_driver_sql("pragma journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("pragma foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("pragma busy_timeout").scalar() == 5000
        assert db_file.exists()
    finally:
        eng.dispose()


def test_in_memory_sqlite_needs_no_folder() -> None:
    eng = make_engine("sqlite://")
    with eng.connect() as conn:
        assert conn.exec_driver_sql("pragma foreign_keys").scalar() == 1
    eng.dispose()


def test_migrate_creates_every_table_at_head(db_url: str) -> None:
    assert current_revision(db_url) is None
    migrate(db_url)
    assert current_revision(db_url) == head_revision()
    assert _tables(db_url) == APP_TABLES | {"alembic_version"}
    migrate(db_url)  # idempotent
    assert current_revision(db_url) == head_revision()


@pytest.mark.postgres
def test_migrate_honours_search_path_schema(pg_schema_url: str, pg_admin_url: str) -> None:
    schema = make_url(pg_schema_url).query["options"]
    assert isinstance(schema, str)
    schema = schema.removeprefix("-csearch_path=")
    migrate(pg_schema_url)
    admin = sa.create_engine(pg_admin_url)
    try:
        with admin.connect() as conn:
            in_schema = set(sa.inspect(conn).get_table_names(schema=schema))
            path_collation = conn.execute(
                sa.text(
                    "select collation_name from information_schema.columns "
                    "where table_schema = :s and table_name = 'jurisdiction' and column_name = 'path'"
                ),
                {"s": schema},
            ).scalar()
    finally:
        admin.dispose()
    assert in_schema == APP_TABLES | {"alembic_version"}
    assert path_collation == "C"


@pytest.mark.postgres
def test_postgres_connections_plan_each_statement_for_its_values(pg_schema_url: str) -> None:
    """No generic plan for the inbox (core/db.py), and the URL's own options (search_path) kept."""
    engine = make_engine(pg_schema_url)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("show plan_cache_mode").scalar() == "force_custom_plan"
            schema = str(make_url(pg_schema_url).query["options"]).removeprefix("-csearch_path=")
            assert conn.exec_driver_sql("show search_path").scalar() == schema
    finally:
        engine.dispose()


def test_downgrade_then_upgrade_round_trips(db_url: str) -> None:
    migrate(db_url)
    downgrade(db_url, "base")
    assert current_revision(db_url) is None
    assert _tables(db_url) <= {"alembic_version"}
    migrate(db_url)
    assert _tables(db_url) == APP_TABLES | {"alembic_version"}
    eng = make_engine(db_url)
    try:
        with session_scope(eng) as session:
            session.add(_city())
        with Session(eng) as session:
            assert session.get(Jurisdiction, "990100") is not None
    finally:
        eng.dispose()


def test_models_match_the_migrations(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def test_datetimes_are_stored_and_returned_timezone_aware(engine: Engine) -> None:
    shanghai = timezone(timedelta(hours=8))
    created = datetime(2026, 11, 20, 9, 30, tzinfo=shanghai)
    with session_scope(engine) as session:
        session.add(_city())
        session.add(
            User(
                username="u1",
                display_name="测试",
                roles=[Role.OFFICER],
                jurisdiction_code="990100",
                password_hash="x",
                created_at=created,
            )
        )
    with Session(engine) as session:
        user = session.exec(select(User).where(User.username == "u1")).one()
        assert user.created_at.tzinfo is not None
        assert user.created_at == created
        assert user.created_at.utcoffset() == timedelta(0)
        assert user.roles == [Role.OFFICER]
        assert isinstance(user.roles[0], Role)


def test_naive_datetimes_are_refused(engine: Engine) -> None:
    with session_scope(engine) as session:
        session.add(_city())
    with pytest.raises(StatementError, match="timezone"), session_scope(engine) as session:
        session.add(
            User(
                username="naive",
                display_name="x",
                jurisdiction_code="990100",
                password_hash="x",
                created_at=datetime(2026, 1, 1),
            )
        )


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        session.add(User(username="ghost", display_name="x", jurisdiction_code="000000", password_hash="x"))
    with Session(engine) as session:
        assert session.exec(select(User)).all() == []


def test_level_is_constrained(engine: Engine) -> None:
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(
            sa.text(
                "insert into jurisdiction (code, name, level, boundary, label_lon, label_lat, "
                "abbreviation, path) values ('1', 'x', 'province', '{}', 0, 0, 'x', '1/')"
            )
        )


def test_session_scope_rolls_back_on_error(engine: Engine) -> None:
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        session.add(_city())
        session.flush()
        raise RuntimeError("boom")
    with Session(engine) as session:
        assert session.get(Jurisdiction, "990100") is None


def test_get_engine_is_cached_per_url(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cached.db'}"
    try:
        assert get_engine(url) is get_engine(url)
        assert get_engine(url) is not get_engine(f"sqlite:///{tmp_path / 'other.db'}")
    finally:
        dispose_engines()


def test_utcnow_defaults_are_aware(engine: Engine) -> None:
    before = datetime.now(UTC)
    with session_scope(engine, expire_on_commit=False) as session:
        session.add(_city())
        user = User(username="d", display_name="d", jurisdiction_code="990100", password_hash="x")
        session.add(user)
    assert before <= user.created_at <= datetime.now(UTC)
