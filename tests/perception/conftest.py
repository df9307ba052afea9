"""Fixtures of the perception tests: a migrated schema with the demo jurisdictions, and brokers."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from core.db import make_engine, migrate
from core.seed import seed_jurisdictions
from tests.perception.brokers import PrivateBroker, accepting

SHARED_BROKER_PORT = 1883


@pytest.fixture
def perception_db(pg_schema_url: str) -> Iterator[Engine]:
    migrate(pg_schema_url)
    engine = make_engine(pg_schema_url)
    seed_jurisdictions(engine)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def shared_broker() -> int:
    """The machine's Mosquitto (127.0.0.1:1883, started by .ci/services.sh): its port."""
    if not accepting(SHARED_BROKER_PORT):
        pytest.fail("Mosquitto is not running on 127.0.0.1:1883 (.ci/services.sh starts it)")
    return SHARED_BROKER_PORT


@pytest.fixture
def private_broker() -> Iterator[PrivateBroker]:
    # Not under tmp_path: pytest makes its folders 0700, and mosquitto, started as root, drops to its own
    # user, which must reach the folder to save its persistence (sessions, queued messages) on the way down.
    folder = Path(tempfile.mkdtemp(prefix="zhifa-mosquitto-"))
    broker = PrivateBroker(folder)
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()
        shutil.rmtree(folder, ignore_errors=True)
