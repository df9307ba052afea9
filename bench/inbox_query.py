"""The task inbox with 100k open tasks in PostgreSQL: GET /api/v1/tasks (uvicorn on 127.0.0.1) and
core.inbox's statement run directly, p50/p99 over many calls, with the plans PostgreSQL chose.

A fresh demo-seeded schema is filled by COPY with BENCH_INBOX_TASKS open tasks (one per case, in
the stage its kind belongs to) and BENCH_INBOX_COMPLETED completed ones on the same cases, spread
over the two demo districts (escalations and supervision alerts at the city), with the kinds'
candidate roles in case_task_role, due dates from a few days overdue to a month ahead, a third of
them assigned, and each row's real form JSON Schema from the task catalogue, as the projection
writes it. Then ANALYZE, EXPLAIN (ANALYZE, BUFFERS) of each statement, and sequential calls.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import httpx
from sqlmodel import Session, SQLModel, col, select
from sqlmodel.sql.expression import SelectOfScalar

from bench.cases import _pct
from bench.stack import (
    UNREACHABLE_TEMPORAL,
    SignedIn,
    api_server,
    load_average,
    scratch,
    seeded_schema,
    stack_environment,
)

OPEN_TASKS = int(os.environ.get("BENCH_INBOX_TASKS", "100000"))
COMPLETED_TASKS = int(os.environ.get("BENCH_INBOX_COMPLETED", "50000"))
CALLS = int(os.environ.get("BENCH_INBOX_CALLS", "100"))
USERS = os.environ.get("BENCH_INBOX_USERS", "officer1,head1,auditor1").split(",")
DIAGNOSE = os.environ.get("BENCH_INBOX_DIAGNOSE", "1") == "1"
TARGET_P99_MS = 50.0

# Open tasks by kind, roughly as a city's inbox holds them (most cases wait on investigation,
# verification or payment); kinds not named here are rare and left out.
KIND_WEIGHTS = {
    "verify_lead": 18,
    "approve_filing": 5,
    "investigate": 22,
    "record_appraisal": 1,
    "decide_seized_items": 1,
    "legal_review": 4,
    "serve_prior_notice": 6,
    "review_statement": 2,
    "schedule_hearing": 1,
    "record_hearing": 1,
    "collective_discussion": 1,
    "decide": 5,
    "serve_decision": 6,
    "confirm_payment": 12,
    "approve_deferral": 1,
    "serve_reminder": 3,
    "apply_court_enforcement": 1,
    "approve_closing": 5,
    "escalation": 3,
    "supervision_alert": 1,
}
WALK = ("verify_lead", "approve_filing", "investigate", "serve_prior_notice", "decide", "serve_decision")
ASSIGNEES = ("officer1", "officer2", "officer3", "leader1", "head1")


def _paths(session: Session) -> tuple[str, list[str]]:
    from core.models import Jurisdiction, JurisdictionLevel

    places = session.exec(select(Jurisdiction)).all()
    city = next(p.path for p in places if p.level is JurisdictionLevel.CITY)
    return city, sorted(p.path for p in places if p.level is JurisdictionLevel.DISTRICT)


def _rows(city: str, districts: list[str]) -> Iterator[tuple[str, dict[str, Any], list[dict[str, Any]]]]:
    """(table, row) pairs: every case, then its tasks (open and completed) and their role rows."""
    from rules.catalogue import load_catalogue
    from rules.task_catalogue import JurisdictionScope, load_task_catalogue

    rng = random.Random(20261126)
    tasks = load_task_catalogue()
    schema = {kind.kind: json.dumps(kind.completion_schema(), ensure_ascii=False) for kind in tasks}
    violations = [v.code for v in load_catalogue().violations]
    kinds, weights = zip(*KIND_WEIGHTS.items(), strict=True)
    now = dt.datetime.now(dt.UTC)
    completed_per_case = COMPLETED_TASKS / OPEN_TASKS if OPEN_TASKS else 0.0
    for n in range(OPEN_TASKS):
        kind = tasks.get(rng.choices(kinds, weights)[0])
        district = districts[n % len(districts)]
        opened = now - dt.timedelta(days=rng.uniform(0, 60))
        case_id = f"{district.rstrip('/').rsplit('/', 1)[-1]}-{opened:%Y%m%d}-{n:06X}"
        case = {
            "case_id": case_id,
            "violation_code": rng.choice(violations),
            "source": rng.choice(("hotline", "patrol", "alarm", "referral", "public")),
            "jurisdiction_path": district,
            "stage": kind.stage,
            "party_name": "张三",
            "opened_at": opened,
            "filed_at": opened + dt.timedelta(days=2) if kind.stage not in ("verification", "filing") else None,
            "closed_at": None,
            "result": None,
            "overdue": False,
            "last_seq": 10,
            "updated_at": opened,
        }
        case_tasks = []
        done = int(completed_per_case) + (rng.random() < completed_per_case % 1)
        for seq, earlier in enumerate(WALK[:done], 1):
            case_tasks.append(_task(tasks.get(earlier), case_id, seq, district, opened, schema, rng, completed=True))
        path = district if kind.jurisdiction_scope is JurisdictionScope.CASE else city
        created = min(now, opened + dt.timedelta(days=rng.uniform(0, (now - opened).days + 0.5)))
        case_tasks.append(_task(kind, case_id, done + 1, path, created, schema, rng, completed=False))
        yield case_id, case, case_tasks


def _task(
    kind: Any,
    case_id: str,
    seq: int,
    path: str,
    created: dt.datetime,
    schema: dict[str, str],
    rng: random.Random,
    *,
    completed: bool,
) -> dict[str, Any]:
    now = dt.datetime.now(dt.UTC)
    due = created + dt.timedelta(days=rng.uniform(3, 40)) if kind.deadline_code else None
    return {
        "task_id": f"{case_id}/{seq}-{kind.kind}",
        "case_id": case_id,
        "kind": kind.kind,
        "stage": kind.stage,
        "candidate_roles": json.dumps(list(kind.candidate_roles)),
        "jurisdiction_path": path,
        "assignee": rng.choice(ASSIGNEES) if rng.random() < 0.33 else None,
        "status": "completed" if completed else "open",
        "overdue": due is not None and due < now and not completed,
        "created_at": created,
        "due_at": due,
        "completed_at": created + dt.timedelta(hours=5) if completed else None,
        "completed_by": "officer1" if completed else None,
        "outcome": kind.allowed_outcomes[0] if completed else None,
        "allowed_outcomes": json.dumps(list(kind.allowed_outcomes)),
        "form_schema": schema[kind.kind],
        "deadline_code": kind.deadline_code,
        "legal_basis": kind.legal_basis,
        "escalation_of": None,
        "last_seq": seq,
    }


def fill(url: str) -> dict[str, int]:
    """COPY the cases, tasks and role rows in; ANALYZE. Returns row counts."""
    from core.db import get_engine

    engine = get_engine(url)
    with Session(engine) as session:
        city, districts = _paths(session)
    counts: Counter[str] = Counter()
    raw = engine.raw_connection()
    try:
        conn = raw.driver_connection
        assert conn is not None
        with conn.cursor() as cur:
            cases, tasks, roles = _copy(cur, "case_record"), _copy(cur, "case_task"), _copy(cur, "case_task_role")
            batch: dict[str, list[dict[str, Any]]] = {"case_record": [], "case_task": [], "case_task_role": []}
            for _, case, case_tasks in _rows(city, districts):
                batch["case_record"].append(case)
                for task in case_tasks:
                    batch["case_task"].append(task)
                    for role in json.loads(task["candidate_roles"]):
                        batch["case_task_role"].append({"task_id": task["task_id"], "role": role})
                if len(batch["case_record"]) >= 5000:
                    _flush(batch, (cases, tasks, roles), counts)
            _flush(batch, (cases, tasks, roles), counts)
        conn.commit()
        conn.autocommit = True
        with conn.cursor() as cur:
            for table in ("case_record", "case_task", "case_task_role"):
                cur.execute(f"ANALYZE {table}")
        conn.autocommit = False
    finally:
        raw.close()
    return dict(counts)


def _copy(cur: Any, table: str) -> Callable[[list[dict[str, Any]]], None]:
    from core.case_tables import CaseRecord, CaseTask, CaseTaskRole, table_of

    models: dict[str, type[SQLModel]] = {
        "case_record": CaseRecord,
        "case_task": CaseTask,
        "case_task_role": CaseTaskRole,
    }
    model = models[table]
    columns = [c.name for c in table_of(model).columns]

    def write(rows: list[dict[str, Any]]) -> None:
        with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(tuple(row[c] for c in columns))

    return write


def _flush(
    batch: dict[str, list[dict[str, Any]]],
    writers: tuple[Callable[[list[dict[str, Any]]], None], ...],
    counts: Counter[str],
) -> None:
    for (table, rows), write in zip(batch.items(), writers, strict=True):
        write(rows)
        counts[table] += len(rows)
        rows.clear()


def _sql(session: Session, stmt: Any) -> str:
    return str(stmt.compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}))


def explain(session: Session, title: str, stmt: Any) -> list[str]:
    plan = session.connection().exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + _sql(session, stmt)).scalars().all()
    uses = "ix_case_task_inbox" in "\n".join(plan)
    return [f"-- {title}: {'uses' if uses else 'does NOT use'} ix_case_task_inbox", *(f"   {line}" for line in plan)]


def _timed(calls: int, one: Callable[[], object]) -> list[float]:
    for _ in range(min(10, calls)):
        one()
    latencies = []
    for _ in range(calls):
        begin = time.perf_counter()
        one()
        latencies.append(time.perf_counter() - begin)
    return latencies


def _api_statements(principal: Any) -> tuple[SelectOfScalar[Any], SelectOfScalar[Any]]:
    """The two statements GET /api/v1/tasks runs with its defaults (open, sort by due, 50 rows):
    the page, read without the stored form schemas, and the count that stops COUNT_PAGES_AHEAD pages past it."""
    from sqlalchemy.orm import defer
    from sqlmodel import func

    from api.routers.tasks import visible_tasks
    from core.case_tables import CaseTask
    from core.inbox import COUNT_PAGES_AHEAD

    stmt = visible_tasks(principal, None).where(CaseTask.status == "open")
    count = select(func.count()).select_from(stmt.limit(50 * (1 + COUNT_PAGES_AHEAD) + 1).subquery())
    page = stmt.order_by(col(CaseTask.due_at).asc().nulls_last(), col(CaseTask.task_id)).limit(50).offset(0)
    return count, page.options(defer(CaseTask.form_schema, raiseload=True))  # type: ignore[arg-type]


def _line(what: str, latencies: list[float], extra: str = "") -> str:
    return f"{what:<58}{len(latencies):>6}{_pct(latencies, 50):>9.2f}{_pct(latencies, 99):>9.2f}{extra}"


async def _api_calls(base: str, who: list[str]) -> dict[str, tuple[list[float], int, int]]:
    """Sequential GET /api/v1/tasks per user: latencies, the page's `total`, response bytes."""
    results = {}
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        signed = SignedIn(http)
        for username in who:
            headers = await signed(username)
            for _ in range(min(10, CALLS)):
                (await http.get("/api/v1/tasks", headers=headers)).raise_for_status()
            latencies = []
            for _ in range(CALLS):
                begin = time.perf_counter()
                answer = await http.get("/api/v1/tasks", headers=headers)
                latencies.append(time.perf_counter() - begin)
                answer.raise_for_status()
            results[username] = (latencies, answer.json()["total"], len(answer.content))
    return results


def _direct(session: Session, principal: Any) -> Iterator[str]:
    """The API's two statements and core.inbox's one, run directly on one session; and, to show
    what the cap saves, the exact count(*) the API ran before."""
    from sqlmodel import func

    from core.inbox import inbox

    count, page = _api_statements(principal)
    roles = [r.value for r in principal.roles]
    exact = select(func.count()).select_from(page.limit(None).order_by(None).options().subquery())

    def run_count() -> object:
        return session.exec(count).one()

    def run_exact() -> object:
        return session.exec(exact).one()

    def run_page() -> object:
        return session.exec(page).all()

    def run_inbox() -> object:
        return inbox(session, jurisdiction_path=principal.jurisdiction_path, roles=roles)

    yield _line("  its page statement, direct", _timed(CALLS, run_page))
    yield _line("  its count, capped, direct (run when the page is full)", _timed(CALLS, run_count))
    if principal.roles and not any(r.value in ("auditor", "admin") for r in principal.roles):
        yield _line("  core.inbox.inbox (one statement, no count), direct", _timed(CALLS, run_inbox))
    yield _line("  an exact count(*) instead (as before 0006), direct", _timed(CALLS, run_exact))


async def _phase(base: str, session: Session, principals: dict[str, Any], users: list[str]) -> float:
    """GET /api/v1/tasks per user, then the statements directly, then the plans; the API p99 of
    the first user."""
    from core.inbox import inbox_statement

    api = await _api_calls(base, users)
    print(f"{'':<58}{'calls':>6}{'p50 ms':>9}{'p99 ms':>9}")
    for username in users:
        principal = principals[username]
        latencies, total, size = api[username]
        roles = ", ".join(r.value for r in principal.roles)
        print(
            _line(f"GET /api/v1/tasks as {username} ({roles})", latencies)
            + f"   {total} visible, {size / 1024:.0f} KiB per page"
        )
        for line in _direct(session, principal):
            print(line)
    officer = principals[users[0]]
    stmt = inbox_statement(jurisdiction_path=officer.jurisdiction_path, roles=[r.value for r in officer.roles])
    count, page = _api_statements(officer)
    print(f"plans for {users[0]} (EXPLAIN ANALYZE, BUFFERS; the API's two shortened to their scans):")
    for title, statement, full in (
        ("core.inbox.inbox_statement", stmt, True),
        ("API capped count", count, False),
        ("API page", page, False),
    ):
        plan = explain(session, title, statement)
        for line in plan if full else [plan[0], *(x for x in plan[1:] if "Scan" in x or "Execution" in x)]:
            print(line)
    return _pct(api[users[0]][0], 99)


async def main() -> None:
    from api.auth import Principal
    from core.db import get_engine

    print(
        f"\n4. inbox with {OPEN_TASKS} open (+{COMPLETED_TASKS} completed) tasks in PostgreSQL; "
        f"{CALLS} sequential calls per line after 10 unmeasured; load average {load_average()}"
    )
    with scratch("zhifa-bench-inbox-") as tmp, seeded_schema() as url:
        begin = time.perf_counter()
        counts = await asyncio.to_thread(fill, url)
        print(f"filled by COPY + ANALYZE in {time.perf_counter() - begin:.1f} s: {counts}")
        env = stack_environment(url, UNREACHABLE_TEMPORAL, tmp / "var")
        async with api_server(env, tmp) as base:
            async with httpx.AsyncClient(base_url=base) as http:
                signed = SignedIn(http)
                principals = {u: Principal.model_validate(await signed.me(u)) for u in USERS}
            with Session(get_engine(url)) as session:
                p99 = await _phase(base, session, principals, USERS)
        if DIAGNOSE:
            await _diagnose(url, principals)
        print(
            f"GET /api/v1/tasks p99 {p99:.1f} ms for {USERS[0]} (schema as migrated); "
            f"target < {TARGET_P99_MS:.0f} ms: {'met' if p99 < TARGET_P99_MS else 'NOT met'}; "
            f"load average {load_average()}"
        )


async def _diagnose(url: str, principals: dict[str, Any]) -> None:
    """What core/db.py's plan_cache_mode = force_custom_plan prevents: the page statement under the
    generic plan that psycopg's automatic prepared statements could otherwise settle on."""
    from core.db import dispose_engines, get_engine

    dispose_engines()
    with Session(get_engine(url)) as session:
        session.connection().exec_driver_sql("SET plan_cache_mode = force_generic_plan")
        _, page = _api_statements(principals[USERS[0]])

        def run_page() -> object:
            return session.exec(page).all()

        print(_line("diagnostic: its page statement under a generic plan, direct", _timed(CALLS, run_page)))
        for line in explain(session, "page statement, generic plan", page)[:4]:
            print(line)
    dispose_engines()


if __name__ == "__main__":
    asyncio.run(main())
