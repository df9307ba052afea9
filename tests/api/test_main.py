"""The app factory: metadata, routers, problem+json on the real routes, /healthz and /readyz."""

import socket
from pathlib import Path

from fastapi.testclient import TestClient
from temporalio.testing import WorkflowEnvironment

from api.main import create_app
from api.problems import PROBLEM_MEDIA_TYPE
from core.settings import Settings


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_openapi_has_title_health_and_deadlines() -> None:
    with TestClient(create_app()) as client:
        spec = client.get("/openapi.json").json()
    assert spec["info"]["title"].startswith("zhifa")
    assert spec["info"]["version"]
    assert "/healthz" in spec["paths"] and "/readyz" in spec["paths"]
    assert "/api/v1/deadlines/{code}" in spec["paths"]


def test_real_router_errors_are_problems() -> None:
    with TestClient(create_app()) as client:
        response = client.get("/api/v1/deadlines/T99", params={"from": "2026-01-05T10:00:00+08:00"})
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.json()["code"] == "T99"


def test_readyz_503_when_temporal_is_unreachable(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path, database_url="", temporal_address=f"127.0.0.1:{_closed_port()}")
    with TestClient(create_app(settings)) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"] == {"ok": True, "detail": "sqlite"}
    assert body["temporal"]["ok"] is False


def test_readyz_503_when_database_is_unreachable(tmp_path: Path) -> None:
    settings = Settings(
        var_dir=tmp_path,
        database_url=f"postgresql+psycopg://nobody@127.0.0.1:{_closed_port()}/none",
        temporal_address=f"127.0.0.1:{_closed_port()}",
    )
    with TestClient(create_app(settings)) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"]["ok"] is False
    assert body["database"]["detail"].startswith("postgresql")


async def test_readyz_200_with_database_and_temporal(tmp_path: Path, time_skipping_env: WorkflowEnvironment) -> None:
    target = time_skipping_env.client.service_client.config.target_host
    settings = Settings(var_dir=tmp_path, temporal_address=target, temporal_namespace="default")
    with TestClient(create_app(settings)) as client:
        response = client.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "ok"


def test_healthz_is_liveness_and_needs_nothing(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path, database_url="", temporal_address=f"127.0.0.1:{_closed_port()}")
    with TestClient(create_app(settings)) as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok" and response.json()["version"]
