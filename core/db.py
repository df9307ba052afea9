"""Database engine, sessions and schema migrations (alembic, driven from code).

One code path for both back ends: the embedded default is a SQLite file under ``var/`` (WAL,
foreign keys on); production gives a PostgreSQL URL (psycopg 3). A URL may carry
``?options=-csearch_path%3D<schema>`` to put every table, alembic's included, in that schema.
"""

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session

from core.settings import get_settings

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 5000
POOL_SIZE, POOL_OVERFLOW = 10, 20  # connections kept, and opened beyond them under a burst
POOL_TIMEOUT_SECONDS = 5.0  # then the API answers 503 Busy (api/problems.py), not a 500 after 30 s


def normalize_url(url: str) -> str:
    """Pin PostgreSQL URLs to the psycopg 3 driver (``postgres://``, ``postgresql://`` too)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _sqlite_on_connect(dbapi_conn: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_conn.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def _postgres_on_connect(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:
    """Plan every statement for its own values. psycopg prepares a statement run five times, and
    PostgreSQL then may settle on one generic plan for all values; for the inbox that plan cannot
    know whether a jurisdiction range holds 1 % or 40 % of the tasks, and picks the path index and a
    sort of every visible row (bench/inbox_query.py: 229 ms against 5 ms for the custom plan)."""
    with dbapi_conn.cursor() as cursor:
        cursor.execute("SET plan_cache_mode = force_custom_plan")
    dbapi_conn.commit()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``: SQLite (parent folder created, WAL, foreign keys) or PostgreSQL."""
    parsed = make_url(normalize_url(url))
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        in_memory = not database or database == ":memory:" or database.startswith("file::memory:")
        if not in_memory and database is not None:
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        connect_args = {"check_same_thread": False, **kwargs.pop("connect_args", {})}
        engine = sa.create_engine(parsed, connect_args=connect_args, **kwargs)
        sa.event.listen(engine, "connect", _sqlite_on_connect)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    if "poolclass" not in kwargs:  # the API's thread pool runs up to 40 requests: a queue of 30 s helps no one
        kwargs.setdefault("pool_size", POOL_SIZE)
        kwargs.setdefault("max_overflow", POOL_OVERFLOW)
        kwargs.setdefault("pool_timeout", POOL_TIMEOUT_SECONDS)
    engine = sa.create_engine(parsed, **kwargs)
    sa.event.listen(engine, "connect", _postgres_on_connect)
    return engine


_ENGINES: dict[str, Engine] = {}
_ENGINES_LOCK = threading.Lock()


def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for ``url`` (default: the configured database), created once."""
    key = url or get_settings().effective_database_url
    with _ENGINES_LOCK:
        engine = _ENGINES.get(key)
        if engine is None:
            engine = _ENGINES[key] = make_engine(key)
        return engine


def dispose_engines() -> None:
    """Close and forget the engines made by ``get_engine`` (shutdown, tests)."""
    with _ENGINES_LOCK:
        for engine in _ENGINES.values():
            engine.dispose()
        _ENGINES.clear()


@contextmanager
def session_scope(engine: Engine | None = None, *, expire_on_commit: bool = True) -> Iterator[Session]:
    """A unit of work: commits when the block ends, rolls back when it raises."""
    with Session(engine or get_engine(), expire_on_commit=expire_on_commit) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def get_session() -> Iterator[Session]:
    """FastAPI dependency: a session on the configured database, closed after the request."""
    with Session(get_engine()) as session:
        yield session


# --- migrations ---------------------------------------------------------------------------------


def alembic_config(url: str) -> Config:
    """The alembic configuration, built in code so it works from an installed package."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolation would choke on the %-escapes of a URL (…search_path%3D…).
    cfg.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    return cfg


def _run(url: str, action: str, revision: str) -> None:
    engine = make_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as connection:
            cfg = alembic_config(url)
            cfg.attributes["connection"] = connection
            if action == "upgrade":
                command.upgrade(cfg, revision)
            else:
                command.downgrade(cfg, revision)
    finally:
        engine.dispose()


def migrate(url: str, revision: str = "head") -> None:
    """Bring the schema at ``url`` up to ``revision`` (alembic upgrade; idempotent)."""
    _run(url, "upgrade", revision)


def downgrade(url: str, revision: str = "base") -> None:
    """Take the schema at ``url`` down to ``revision`` (``base`` drops every table)."""
    _run(url, "downgrade", revision)


def current_revision(url: str) -> str | None:
    """The revision the database at ``url`` is at; None for an unmigrated database."""
    engine = make_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def head_revision() -> str:
    """The newest revision shipped with the code."""
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    if head is None:  # pragma: no cover - the package always ships a revision
        raise RuntimeError("no alembic revision found")
    return head
