"""Alembic environment, configured in code by ``core.db.alembic_config``.

``core.db.migrate`` hands over an open connection (``config.attributes["connection"]``); the
plain ``alembic`` command line works too, with ``sqlalchemy.url`` set in the config.
"""

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

# Imported for their tables: each registers its tables on SQLModel.metadata (autogenerate compares them).
import core.case_tables
import core.document_tables
import core.evidence_tables
import core.intake_tables
import core.models
import core.perception_tables  # noqa: F401
import ledger.tables  # noqa: F401
from core.db import make_engine

config = context.config
target_metadata = SQLModel.metadata


def _configure_and_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things: later revisions use batch mode there.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure_and_run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("alembic: no connection and no sqlalchemy.url configured")
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            _configure_and_run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
