"""Every error the API returns is RFC 9457 problem+json: HTTP errors, validation, rule errors."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy.exc import TimeoutError as PoolTimeout

from api.problems import PROBLEM_MEDIA_TYPE, ProblemError, install_problem_handlers, problem_type
from rules.errors import (
    NaiveDatetimeError,
    RuleDataError,
    RuleError,
    UnknownTimerCode,
    UnknownViolationCode,
)


class Report(BaseModel):
    name: str
    count: int


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/forbidden")
    def forbidden() -> None:
        raise HTTPException(403, "only auditors may export histories", headers={"WWW-Authenticate": "Bearer"})

    @app.get("/plain-404")
    def plain_404() -> None:
        raise HTTPException(404)

    @app.post("/reports")
    def create_report(report: Report, limit: int = 10) -> Report:
        return report

    @app.get("/rules/{kind}")
    def rule_error(kind: str) -> None:
        errors: dict[str, RuleError] = {
            "timer": UnknownTimerCode("T99", ["T01", "T02"]),
            "violation": UnknownViolationCode("V-404"),
            "naive": NaiveDatetimeError("the start instant"),
            "data": RuleDataError("deadlines.yaml: T05 has no legal basis"),
            "rule": RuleError("a fine on the spot may not exceed 200 yuan"),
        }
        raise errors[kind]

    @app.get("/conflict")
    def conflict() -> None:
        raise ProblemError(
            409, "Task already completed", "officer2 completed it first", slug="task-completed", task_id="t-1"
        )

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    @app.get("/pool")
    def pool_exhausted() -> None:
        raise PoolTimeout("QueuePool limit of size 10 overflow 20 reached, connection timed out, timeout 5.00")

    return app


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(_app(), raise_server_exceptions=False) as test_client:
        yield test_client


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert {"type", "title", "status", "instance"} <= body.keys()
    return body


def test_unknown_route_is_a_plain_404_problem(client: TestClient) -> None:
    body = _problem(client.get("/no/such/path"), 404)
    assert body == {"type": "about:blank", "title": "Not Found", "status": 404, "instance": "/no/such/path"}


def test_http_exception_keeps_detail_and_headers(client: TestClient) -> None:
    response = client.get("/forbidden")
    body = _problem(response, 403)
    assert body["title"] == "Forbidden"
    assert body["detail"] == "only auditors may export histories"
    assert response.headers["www-authenticate"] == "Bearer"


def test_http_exception_without_detail_has_no_detail_member(client: TestClient) -> None:
    body = _problem(client.get("/plain-404"), 404)
    assert "detail" not in body


def test_method_not_allowed_keeps_allow_header(client: TestClient) -> None:
    response = client.delete("/forbidden")
    _problem(response, 405)
    assert response.headers["allow"] == "GET"


def test_validation_error_lists_every_field(client: TestClient) -> None:
    response = client.post("/reports", params={"limit": "many"}, json={"count": "x"})
    body = _problem(response, 422)
    assert body["type"] == problem_type("validation")
    assert body["instance"] == "/reports"
    fields = {error["field"]: error for error in body["errors"]}
    assert set(fields) == {"query.limit", "body.name", "body.count"}
    assert fields["body.name"]["type"] == "missing"
    assert fields["body.name"]["loc"] == ["body", "name"]
    assert "3 fields failed validation" in body["detail"]
    assert "body.name: Field required" in body["detail"]


def test_malformed_json_body_is_a_validation_problem(client: TestClient) -> None:
    response = client.post("/reports", content=b"{not json", headers={"content-type": "application/json"})
    body = _problem(response, 422)
    assert body["errors"][0]["type"] == "json_invalid"


@pytest.mark.parametrize(
    ("kind", "status", "slug", "code"),
    [
        ("timer", 404, "unknown-timer-code", "T99"),
        ("violation", 404, "unknown-violation-code", "V-404"),
        ("naive", 422, "naive-datetime", None),
        ("rule", 422, "rule-violation", None),
        ("data", 500, "rule-data-error", None),
    ],
)
def test_rule_errors_map_to_statuses(client: TestClient, kind: str, status: int, slug: str, code: str | None) -> None:
    body = _problem(client.get(f"/rules/{kind}"), status)
    assert body["type"] == problem_type(slug)
    assert body["instance"] == f"/rules/{kind}"
    assert body["detail"]
    assert body.get("code") == code


def test_problem_error_carries_type_and_extensions(client: TestClient) -> None:
    body = _problem(client.get("/conflict"), 409)
    assert body == {
        "type": "urn:zhifa:problem:task-completed",
        "title": "Task already completed",
        "status": 409,
        "detail": "officer2 completed it first",
        "instance": "/conflict",
        "task_id": "t-1",
    }


def test_unhandled_error_is_a_500_problem_without_internals(client: TestClient) -> None:
    body = _problem(client.get("/boom"), 500)
    assert body["title"] == "Internal Server Error"
    assert "secret" not in str(body)


def test_an_exhausted_database_pool_is_a_503_to_retry(client: TestClient) -> None:
    response = client.get("/pool")
    body = _problem(response, 503)
    assert body["type"] == problem_type("busy") and "retry" in body["detail"]
    assert response.headers["retry-after"] == "2"
    assert "QueuePool" not in str(body)
