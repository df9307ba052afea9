"""The API against the real PostgreSQL: one migrated, demo-seeded schema per test session for the
read-mostly tests (`seeded_url`), the app built on it, and signed-in clients per demo user."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.registry import ACTIVITIES, DOCUMENT_ACTIVITIES
from api.main import create_app
from core.db import dispose_engines, get_engine, migrate
from core.seed import DEMO_INTEGRATOR_KEY, DEMO_PASSWORD, seed_demo
from core.settings import Settings, get_settings
from tests.conftest import temporary_schema
from workflows.registry import WORKFLOWS
from workflows.sandbox import WORKFLOW_RUNNER

TEST_SECRET = "test-signing-secret-not-for-production"


@contextmanager
def offline_world(pg_admin_url: str, var_dir: Path, **settings: Any) -> Iterator[tuple[str, Settings]]:
    """A fresh migrated, demo-seeded schema and the settings of an app on it with no Temporal reachable
    (for modules that write their cases as rows); dropped afterwards."""
    with temporary_schema(pg_admin_url) as url:
        migrate(url)
        seed_demo(get_engine(url))
        yield (
            url,
            Settings(
                database_url=url, var_dir=var_dir, auth_secret=TEST_SECRET, temporal_address="127.0.0.1:1", **settings
            ),
        )


@pytest.fixture(scope="session")
def seeded_url(pg_admin_url: str) -> Iterator[str]:
    with temporary_schema(pg_admin_url) as url:
        migrate(url)
        seed_demo(get_engine(url))
        try:
            yield url
        finally:
            dispose_engines()


@pytest.fixture(scope="session")
def api_settings(seeded_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    var = Path(tmp_path_factory.mktemp("var"))
    return Settings(database_url=seeded_url, var_dir=var, auth_secret=TEST_SECRET, temporal_address="127.0.0.1:1")


@asynccontextmanager
async def asgi_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app built on ``settings`` over ASGI (no network), not signed in."""
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://zhifa.test") as client:
        yield client


@pytest.fixture(scope="session")
async def api(api_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app over ASGI (no network), not signed in."""
    async with asgi_client(api_settings) as client:
        yield client


_tokens: dict[tuple[int, str], str] = {}


async def sign_in(api: httpx.AsyncClient, username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    """Authorization headers for a demo user (tokens cached per session: argon2 is slow on purpose)."""
    key = (id(api), username)
    if key not in _tokens:
        response = await api.post("/api/v1/auth/token", data={"username": username, "password": password})
        assert response.status_code == 200, response.text
        _tokens[key] = response.json()["access_token"]
    return {"Authorization": f"Bearer {_tokens[key]}"}


INTEGRATOR = {"X-API-Key": DEMO_INTEGRATOR_KEY}


LIVE_QUEUE = "api-tests"
LIVE_DOCUMENTS_QUEUE = "api-tests-documents"  # rendered apart from the cases, as `zhifa worker` does


@pytest.fixture(scope="session")
async def live(
    seeded_url: str, dev_server_env: WorkflowEnvironment, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[httpx.AsyncClient]:
    """The app on a real Temporal dev server with a real worker (case workflow + projections into
    the seeded PostgreSQL schema) and a document worker on its own queue: what `make run` serves,
    over ASGI."""
    settings = Settings(
        database_url=seeded_url,
        var_dir=Path(tmp_path_factory.mktemp("live-var")),
        auth_secret=TEST_SECRET,
        task_queue=LIVE_QUEUE,
        documents_task_queue=LIVE_DOCUMENTS_QUEUE,
        temporal_namespace="zhifa-test",
    )
    app = create_app(settings)
    app.state.temporal_client = dev_server_env.client
    with pytest.MonkeyPatch.context() as patch, ThreadPoolExecutor(4) as executor, ThreadPoolExecutor(1) as render:
        patch.setenv("ZHIFA_DATABASE_URL", seeded_url)  # the projection activity's database
        patch.setenv("ZHIFA_DOCUMENT_DIR", str(settings.effective_document_dir))  # the document activity's store
        patch.setenv("ZHIFA_VAR_DIR", str(settings.var_dir))  # one ledger key for the API and the worker
        get_settings.cache_clear()
        async with (
            Worker(
                dev_server_env.client,
                task_queue=LIVE_QUEUE,
                workflows=WORKFLOWS,
                activities=ACTIVITIES,
                activity_executor=executor,
                workflow_runner=WORKFLOW_RUNNER,
            ),
            Worker(
                dev_server_env.client,
                task_queue=LIVE_DOCUMENTS_QUEUE,
                activities=DOCUMENT_ACTIVITIES,
                activity_executor=render,
                max_concurrent_activities=1,
            ),
        ):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://zhifa.test") as client:
                yield client
    get_settings.cache_clear()
