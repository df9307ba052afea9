"""Fixtures of the ledger tests: a migrated database (SQLite file, or a fresh PostgreSQL schema)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from core.db import make_engine, migrate
from tests.ledger.fabric_network import FabricNetwork, fabric_network


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def ledger_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database on each back end."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'ledger.db'}"
    else:
        url = request.getfixturevalue("pg_schema_url")
    migrate(url)
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def pg_ledger_db(pg_schema_url: str) -> Iterator[Engine]:
    """A migrated, empty PostgreSQL schema (for what only PostgreSQL does: advisory locks, TRUNCATE)."""
    migrate(pg_schema_url)
    engine = make_engine(pg_schema_url)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def fabric(tmp_path: Path) -> Iterator[FabricNetwork]:
    """An in-process Fabric gateway (plain gRPC) running the anchoring chaincode, and a client's settings for it."""
    with fabric_network(tmp_path, tls=False) as network:
        yield network


@pytest.fixture
def fabric_tls(tmp_path: Path) -> Iterator[FabricNetwork]:
    """The same behind TLS with a self-signed server certificate for peer0.org1.example.com."""
    with fabric_network(tmp_path, tls=True) as network:
        yield network


@pytest.fixture
def fabric_mtls(tmp_path: Path) -> Iterator[FabricNetwork]:
    """Behind TLS with client authentication required: the client presents a certificate of the peer's TLS CA."""
    with fabric_network(tmp_path, tls=True, mutual_tls=True) as network:
        yield network
