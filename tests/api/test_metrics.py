"""GET /metrics: request counters by route template, and inbox gauges from the projection."""

from __future__ import annotations

import re

import httpx

from tests.api.conftest import sign_in
from tests.api.live_cases import open_case, until


def _value(text: str, name: str, **labels: str) -> float | None:
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    match = re.search(rf"^{name}\{{{re.escape(wanted)}\}} (\S+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else None


async def test_metrics_count_requests_by_route_and_open_tasks_by_district(live: httpx.AsyncClient) -> None:
    officer = await sign_in(live, "officer1")
    before = (await live.get("/metrics")).text
    opened = _value(before, "zhifa_open_tasks", district="990102") or 0.0
    case_id = (await open_case(live, officer))["case_id"]
    assert (await live.get(f"/api/v1/cases/{case_id}", headers=officer)).status_code in (200, 404)

    async def counted() -> str | None:
        text = (await live.get("/metrics")).text
        now_open = _value(text, "zhifa_open_tasks", district="990102") or 0.0
        return text if now_open >= opened + 1 else None

    text = await until(counted, "the new case's task in zhifa_open_tasks")
    assert text.startswith("# HELP") and "zhifa_overdue_tasks" in text
    posts = _value(text, "zhifa_http_requests_total", method="POST", route="/api/v1/cases", status="201")
    assert posts is not None and posts >= 1, [line for line in text.splitlines() if "requests_total" in line]
    # a route template, not the concrete path: one series for every case
    assert f"/api/v1/cases/{case_id}" not in text
    assert 'route="/api/v1/cases/{case_id}"' in text
