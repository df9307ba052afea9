"""GET /metrics in the Prometheus text format: request counts and latencies per route template and
status (a middleware), and the inbox's open and overdue task counts per district, read from the
projection at scrape time (so they are never stale and cost nothing between scrapes).

Each app gets its own registry: several apps in one process (tests) never share counters.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator

import sqlalchemy as sa
from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.concurrency import run_in_threadpool

from core import db
from core.settings import Settings

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0)
TASK_COUNTS = sa.text(
    """
    select split_part(jurisdiction_path, '/', 2) as district, count(*) as open,
           count(*) filter (where overdue) as overdue
    from case_task where status = 'open' group by 1
    """
)


class InboxCollector(Collector):
    """zhifa_open_tasks / zhifa_overdue_tasks per district, counted when Prometheus scrapes."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def collect(self) -> Iterator[GaugeMetricFamily]:
        open_tasks = GaugeMetricFamily("zhifa_open_tasks", "open tasks in the inbox", labels=["district"])
        overdue = GaugeMetricFamily("zhifa_overdue_tasks", "open tasks past their legal deadline", labels=["district"])
        url = self._settings.effective_database_url
        if db.get_engine(url).dialect.name == "postgresql":  # split_part/filter: PostgreSQL, as in production
            with db.get_engine(url).connect() as conn:
                for district, count, late in conn.execute(TASK_COUNTS):
                    open_tasks.add_metric([district or "-"], count)
                    overdue.add_metric([district or "-"], late)
        yield open_tasks
        yield overdue


def _route_of(request: Request) -> str:
    """The matched route's template (``/api/v1/cases/{case_id}``), so label values stay few."""
    route = request.scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    return str(path) if path else "unmatched"


def install_metrics(app: FastAPI, settings: Settings) -> None:
    registry = CollectorRegistry()
    requests = Counter("zhifa_http_requests", "HTTP requests", ["method", "route", "status"], registry=registry)
    latency = Histogram(
        "zhifa_http_request_seconds",
        "HTTP request latency",
        ["method", "route"],
        buckets=LATENCY_BUCKETS,
        registry=registry,
    )
    registry.register(InboxCollector(settings))

    @app.middleware("http")
    async def measure(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        began = time.perf_counter()
        response = await call_next(request)
        route = _route_of(request)
        latency.labels(request.method, route).observe(time.perf_counter() - began)
        requests.labels(request.method, route, str(response.status_code)).inc()
        return response

    router = APIRouter(tags=["operations"])

    @router.get("/metrics", summary="Prometheus metrics", response_class=Response)
    async def metrics() -> Response:
        body = await run_in_threadpool(generate_latest, registry)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    app.include_router(router)
