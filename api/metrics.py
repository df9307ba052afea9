"""GET /metrics in the Prometheus text format: request counts and latencies per route template and
status (a middleware), the inbox's open and overdue task counts per district, and the alarms raised,
deduplicated, open, confirmed and false per district and kind, read from the tables at scrape time (so
they are never stale and cost nothing between scrapes).

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


ALARM_COUNTS = sa.text(
    """
    select district_code, kind, count(*) as raised, coalesce(sum(readings - 1), 0) as folded,
           count(*) filter (where state <> 'cleared') as open,
           count(*) filter (where outcome = 'case_opened') as cases,
           count(*) filter (where outcome = 'corrected') as corrected
    from alarm group by 1, 2
    """
)
ALARM_VERIFIED = sa.text(
    """
    select a.district_code, a.kind,
           count(*) filter (where t.outcome in ('established', 'minor_no_penalty', 'on_the_spot')) as confirmed,
           count(*) filter (where t.outcome = 'not_established') as false_alarms
    from alarm a join case_task t on t.case_id = a.case_id and t.kind = 'verify_lead' and t.status = 'completed'
    group by 1, 2
    """
)


class AlarmCollector(Collector):
    """zhifa_alarms_* per district and kind, counted from the alarm table when Prometheus scrapes (every
    perception process writes there, so one scrape of the API sees them all)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def collect(self) -> Iterator[GaugeMetricFamily]:
        labels = ["district", "kind"]
        families = {
            "raised": GaugeMetricFamily("zhifa_alarms_raised", "alarms raised", labels=labels),
            "folded": GaugeMetricFamily(
                "zhifa_alarms_deduplicated", "readings or frames folded into an open alarm", labels=labels
            ),
            "open": GaugeMetricFamily("zhifa_alarms_open", "alarms active or acknowledged", labels=labels),
            "cases": GaugeMetricFamily("zhifa_alarms_cases_opened", "alarms whose triage opened a case", labels=labels),
            "corrected": GaugeMetricFamily(
                "zhifa_alarms_corrected", "alarms corrected in the non-contact window", labels=labels
            ),
            "confirmed": GaugeMetricFamily("zhifa_alarms_confirmed", "alarms the officer confirmed", labels=labels),
            "false_alarms": GaugeMetricFamily("zhifa_alarms_false", "alarms the officer found false", labels=labels),
        }
        url = self._settings.effective_database_url
        if db.get_engine(url).dialect.name == "postgresql":
            with db.get_engine(url).connect() as conn:
                for row in conn.execute(ALARM_COUNTS).mappings():
                    for name in ("raised", "folded", "open", "cases", "corrected"):
                        families[name].add_metric([row["district_code"], row["kind"]], row[name])
                for row in conn.execute(ALARM_VERIFIED).mappings():
                    for name in ("confirmed", "false_alarms"):
                        families[name].add_metric([row["district_code"], row["kind"]], row[name])
        yield from families.values()


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
    registry.register(AlarmCollector(settings))

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
