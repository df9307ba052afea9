"""GET /api/v1/deadlines: the same answers as `zhifa deadline`, and clear problems for bad input."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.problems import PROBLEM_MEDIA_TYPE
from core.settings import get_settings


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("ZHIFA_VAR_DIR", str(tmp_path))
    get_settings.cache_clear()
    with TestClient(create_app()) as test_client:
        yield test_client
    get_settings.cache_clear()


def test_case_clock_with_pause_and_extension(client: TestClient) -> None:
    response = client.get(
        "/api/v1/deadlines/T06",
        params={"from": "2026-07-03T09:00:00+08:00", "paused_days": 12, "extensions": 1},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["due_at"] == "2026-11-12T23:59:59+08:00"
    assert body["provisional"] is False
    assert "第六十条" in body["legal_basis"]


def test_a_deadline_into_an_unpublished_year_is_provisional(client: TestClient) -> None:
    body = client.get("/api/v1/deadlines/T07", params={"from": "2026-12-28T10:00:00+08:00"}).json()
    assert (body["last_day"], body["provisional"]) == ("2027-01-05", True)


def test_the_timer_table_lists_all_26_codes(client: TestClient) -> None:
    codes = [t["code"] for t in client.get("/api/v1/deadlines").json()]
    assert codes == [f"T{n:02d}" for n in range(1, 27)]


@pytest.mark.parametrize(
    ("path", "params", "status", "detail"),
    [
        ("T99", {"from": "2026-01-05T10:00:00+08:00"}, 404, "unknown timer code"),
        ("T07", {"from": "2026-01-05T10:00:00"}, 422, "no time zone"),
        ("T07", {"from": "not-a-date"}, 422, "from"),
        ("T06", {"from": "2026-01-05T10:00:00+08:00", "paused_days": -1}, 422, "paused_days"),
        ("T07", {"from": "2026-01-05T10:00:00+08:00", "paused_days": 2}, 422, "cannot be paused"),
        ("T06", {"from": "2026-01-05T10:00:00+08:00", "extensions": 3}, 422, "at most 2"),
        ("T07", {}, 422, "from"),
    ],
)
def test_bad_input_is_a_problem(
    client: TestClient, path: str, params: dict[str, object], status: int, detail: str
) -> None:
    response = client.get(f"/api/v1/deadlines/{path}", params=params)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert detail in response.text


def test_absurd_pauses_and_starts_are_422_not_a_crash() -> None:
    from fastapi.testclient import TestClient

    from api.main import create_app

    with TestClient(create_app()) as client:
        pauses = client.get("/api/v1/deadlines/T06", params={"from": "2026-01-05T10:00:00+08:00", "paused_days": 2**63})
        assert pauses.status_code == 422 and "paused_days" in pauses.json()["detail"]
        late = client.get("/api/v1/deadlines/T06", params={"from": "9999-12-20T10:00:00+08:00"})
        assert late.status_code == 422 and "9999-12-31" in late.json()["detail"], late.text
