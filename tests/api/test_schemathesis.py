"""Schemathesis against the API as `make run` serves it (`zhifa dev`: Temporal dev server, worker,
uvicorn, on free ports): property-based requests generated from /openapi.json for every operation,
signed in as an officer and as the integrator key. Whatever they send, the API must never answer
5xx: bad input is a 4xx problem, not a crash."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings

from api.main import create_app
from core.seed import DEMO_INTEGRATOR_KEY
from tests.workers.conftest import Running
from tests.workers.stack import Stack

pytestmark = pytest.mark.temporal

EXAMPLES = 25  # per operation and principal: enough to reach every validator, small enough for CI


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack = Stack(Path(tmp_path_factory.mktemp("schemathesis")) / "var")
    started: list[Running] = []
    try:
        stack.start_and_wait(started)
        yield stack
    finally:
        for process in started:
            process.stop()


@pytest.fixture(scope="module")
def principals(served: Stack) -> list[dict[str, str]]:
    """An officer's bearer token and the integrator key: each generated request is sent as both."""
    answer = httpx.post(
        f"http://127.0.0.1:{served.api_port}/api/v1/auth/token",
        data={"username": "officer1", "password": "demo"},
        timeout=30,
    )
    answer.raise_for_status()
    return [{"Authorization": f"Bearer {answer.json()['access_token']}"}, {"X-API-Key": DEMO_INTEGRATOR_KEY}]


# The operations come from the app's own OpenAPI document (built without any server); the requests
# go to the served stack over HTTP.
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app())


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_makes_the_api_fail(case: Any, served: Stack, principals: list[dict[str, str]]) -> None:
    base_url = f"http://127.0.0.1:{served.api_port}"
    for credentials in principals:
        request = case.as_transport_kwargs(base_url=base_url, headers={**(case.headers or {}), **credentials})
        response = requests.request(**request, timeout=60)
        where = f"{case.method} {case.formatted_path}"
        assert response.status_code < 500, f"{where}: {response.status_code} {response.text}\n{case.as_curl_command()}"
