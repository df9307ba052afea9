"""The zhifa HTTP API: `create_app()` builds it; `app` is what uvicorn serves (`api.main:app`).

One router per audience lives in `api.routers`; every error is problem+json (`api.problems`).
`GET /healthz` is liveness (the process answers); `GET /readyz` reports whether the database and
Temporal answer: 200 when both do, 503 otherwise.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version
from typing import Literal

import sqlalchemy as sa
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.engine import make_url
from starlette.concurrency import run_in_threadpool
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest

from api.deps import temporal_client
from api.metrics import install_metrics
from api.problems import install_problem_handlers
from api.routers import (
    alarms,
    audit,
    auth,
    cases,
    deadlines,
    devices,
    documents,
    events,
    evidence,
    intake,
    ledger,
    ledger_tiles,
    open311,
    reference,
    tasks,
)
from core import db
from core.settings import Settings, get_settings
from rules.startup import load_rules

# Every router the app serves, in the order they appear in the docs. Add new ones here.
ROUTERS: list[APIRouter] = [
    auth.router,
    intake.router,
    cases.router,
    events.router,
    tasks.router,
    audit.router,
    open311.router,
    reference.router,
    deadlines.router,
    documents.router,
    evidence.router,
    ledger.router,
    ledger_tiles.router,
    devices.router,
    alarms.router,
]

HEALTH_CHECK_TIMEOUT_SECONDS = 5.0

DESCRIPTION = """\
城市管理综合执法监管平台 — the urban-management administrative-enforcement platform.

Every enforcement case and supervision loop is a durable Temporal workflow whose legal deadlines are
durable timers. Officers work from a task inbox, legal reviewers approve by sending updates to the
workflows, auditors replay histories, integrators start cases through this API.

Errors are RFC 9457 problem details (`application/problem+json`).
"""


def _version() -> str:
    try:
        return version("zhifa")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
        return "0.0.0"


class Check(BaseModel):
    ok: bool
    detail: str


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    database: Check
    temporal: Check


health_router = APIRouter(tags=["health"])


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:300]


def _select_one(url: str) -> None:
    with db.get_engine(url).connect() as connection:
        connection.execute(sa.text("select 1"))


async def check_database(settings: Settings) -> Check:
    url = settings.effective_database_url
    backend = make_url(url).get_backend_name()
    try:
        await asyncio.wait_for(run_in_threadpool(_select_one, url), HEALTH_CHECK_TIMEOUT_SECONDS)
    except Exception as exc:
        return Check(ok=False, detail=f"{backend}: {_short(exc)}")
    return Check(ok=True, detail=backend)


async def check_temporal(app: FastAPI, settings: Settings) -> Check:
    where = f"{settings.temporal_address} namespace {settings.temporal_namespace}"
    try:
        client = await asyncio.wait_for(temporal_client(app), HEALTH_CHECK_TIMEOUT_SECONDS)
        request = DescribeNamespaceRequest(namespace=settings.temporal_namespace)
        await asyncio.wait_for(client.workflow_service.describe_namespace(request), HEALTH_CHECK_TIMEOUT_SECONDS)
    except Exception as exc:
        return Check(ok=False, detail=f"{where}: {_short(exc)}")
    return Check(ok=True, detail=where)


class Alive(BaseModel):
    status: Literal["ok"] = "ok"
    version: str


@health_router.get("/healthz", summary="Liveness: the process answers")
async def healthz() -> Alive:
    return Alive(version=_version())


@health_router.get(
    "/readyz",
    summary="Readiness: database and Temporal reachable",
    response_model=Health,
    responses={503: {"model": Health, "description": "the database or Temporal does not answer"}},
)
async def readyz(request: Request) -> JSONResponse:
    settings: Settings = request.app.state.settings
    database, temporal = await asyncio.gather(check_database(settings), check_temporal(request.app, settings))
    ok = database.ok and temporal.ok
    health = Health(status="ok" if ok else "unavailable", database=database, temporal=temporal)
    return JSONResponse(health.model_dump(), status_code=200 if ok else 503)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    db.dispose_engines()


def create_app(settings: Settings | None = None) -> FastAPI:
    """The API with every router, problem+json errors and the health check."""
    load_rules()  # a malformed rules data file stops start-up with a clear message
    app = FastAPI(
        title="zhifa — 城市管理综合执法监管平台",
        description=DESCRIPTION,
        version=_version(),
        lifespan=_lifespan,
    )
    app.state.settings = settings or get_settings()
    app.state.temporal_client = None
    install_problem_handlers(app)
    install_metrics(app, app.state.settings)
    app.include_router(health_router)
    for router in ROUTERS:
        app.include_router(router)
    return app


app = create_app()
