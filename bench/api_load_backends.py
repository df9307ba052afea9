"""Where bench/api_load.py's simulated officers send their completions: the bare-workflow floor, the case's
Update sent directly (diagnostic), and the HTTP API; each opens cases and completes their tasks.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from temporalio.client import Client, WorkflowHandle

from bench.api_load_config import POLL_S, STEPS_PER_CASE, VISIBLE_TIMEOUT_S
from bench.bare_workflow import BareUpdatesWorkflow
from bench.stack import QUEUE, SignedIn

HISTOGRAM = "zhifa_http_request_seconds"


class Refused(Exception):
    """An answer that is not the success the simulation expects (counted, never timed)."""


@dataclass
class Task:
    ref: str  # API: the task id; floor: the workflow id
    kind: str
    step: int
    ready_at: float = 0.0


class Backend(Protocol):
    name: str

    async def open_case(self) -> list[Task]: ...

    async def complete(self, task: Task) -> tuple[float, float, list[Task]]: ...


class BareBackend:
    """The floor: one Update per completion on a bare workflow; its answer is the new state."""

    name = "bare workflow Update (floor)"

    def __init__(self, client: Client) -> None:
        self._client = client

    async def open_case(self) -> list[Task]:
        workflow_id = f"bare-{uuid.uuid4()}"
        await self._client.start_workflow(BareUpdatesWorkflow.run, STEPS_PER_CASE, id=workflow_id, task_queue=QUEUE)
        return [Task(workflow_id, "bare", 0)]

    async def complete(self, task: Task) -> tuple[float, float, list[Task]]:
        handle: WorkflowHandle[BareUpdatesWorkflow, int] = self._client.get_workflow_handle_for(
            BareUpdatesWorkflow.run, task.ref
        )
        begin = time.perf_counter()
        await handle.execute_update(BareUpdatesWorkflow.step, task.step)
        took = time.perf_counter() - begin
        return took, took, [Task(task.ref, "bare", task.step + 1)] if task.step + 1 < STEPS_PER_CASE else []


class GatewayBackend:
    """Diagnostic: what the API's completion handler asks of Temporal (`CaseGateway.complete_task`,
    whose answer lists the next tasks), sent directly, on cases started as bench/cases.py starts
    them: no HTTP, no sign-in, no SQL. "act" and the round trip are the same Update."""

    name = "case Update, direct"

    def __init__(self, client: Client) -> None:
        from core.case_gateway import CaseGateway

        self._client = client
        self._gateway = CaseGateway(client)

    async def open_case(self) -> list[Task]:
        from core.settings import get_settings
        from tests.workflows.case.driver import case_input

        # documents on their queue, as the API's intake starts cases (the worker renders them there)
        queue = get_settings().documents_task_queue or None
        case = case_input(dt.datetime.now(dt.UTC), violation_code="street_vending_jiaxing", documents_task_queue=queue)
        progress = await self._gateway.open_case(case, QUEUE)  # as the API's intake starts a case
        return [Task(t.task_id, t.kind, 0) for t in progress.open_tasks if t.kind in ACTOR_OF_KIND]

    async def complete(self, task: Task) -> tuple[float, float, list[Task]]:
        from core.case_gateway import case_id_of
        from tests.workflows.case import forms
        from tests.workflows.case.driver import HEAD1, OFFICER1
        from workflows.case.model import TaskCompletion

        now = dt.datetime.now(dt.UTC)
        actor, outcome, form = {
            "verify_lead": (OFFICER1, "established", forms.established(now)),
            "approve_filing": (HEAD1, "approve", forms.FILING),
            "investigate": (OFFICER1, "report", forms.report("300")),
        }[task.kind]
        case_id = case_id_of(task.ref)
        completion = TaskCompletion(task_id=task.ref, actor=actor, outcome=outcome, form=form)
        begin = time.perf_counter()
        done = await self._gateway.complete_task(case_id, completion)
        took = time.perf_counter() - begin
        opened = [t for t in done.open_tasks if t.task_id != task.ref and t.kind in ACTOR_OF_KIND]
        return took, took, [Task(t.task_id, t.kind, task.step + 1) for t in opened]


ACTOR_OF_KIND = {"verify_lead": "officer1", "approve_filing": "head1", "investigate": "officer1"}
READER_OF_ROLE = {
    "officer": "officer1",
    "agency_head": "head1",
    "squad_leader": "leader1",
    "legal_reviewer": "reviewer1",
}


class ApiBackend:
    """Officers and the agency head through the HTTP API, cases opened by the demo integrator."""

    name = "API complete -> next task in inbox"

    def __init__(self, http: httpx.AsyncClient, signed: SignedIn, team: list[dict[str, Any]]) -> None:
        self._http = http
        self._signed = signed
        self._team = team

    async def open_case(self) -> list[Task]:
        from core.seed import DEMO_INTEGRATOR_KEY
        from tests.api.live_cases import case_body

        headers = {"X-API-Key": DEMO_INTEGRATOR_KEY, "Idempotency-Key": uuid.uuid4().hex}
        answer = await self._http.post("/api/v1/cases", json=case_body(source="hotline"), headers=headers)
        if answer.status_code != 201:
            raise Refused(f"intake {answer.status_code}: {answer.text[:200]}")
        return [Task(t["task_id"], t["kind"], 0) for t in answer.json()["tasks"] if t["kind"] in ACTOR_OF_KIND]

    def _form(self, kind: str) -> tuple[str, dict[str, Any]]:
        from tests.api.live_cases import FORMS, with_officers

        now = dt.datetime.now(dt.UTC)
        outcome, form = {
            "verify_lead": ("established", FORMS.established(now)),
            "approve_filing": ("approve", FORMS.FILING),
            "investigate": ("report", FORMS.report("300")),
        }[kind]
        return outcome, with_officers(form, self._team)

    async def complete(self, task: Task) -> tuple[float, float, list[Task]]:
        outcome, form = self._form(task.kind)
        headers = await self._signed(ACTOR_OF_KIND[task.kind])
        body = {"outcome": outcome, "form": form}
        begin = time.perf_counter()
        answer = await self._http.post(f"/api/v1/tasks/{task.ref}/complete", json=body, headers=headers)
        act = time.perf_counter() - begin
        if answer.status_code != 200:
            raise Refused(f"{task.kind} {answer.status_code}: {answer.text[:200]}")
        done = answer.json()
        opened = [t for t in done["open_tasks"] if t["task_id"] != task.ref]
        await self._until_listed(done["case_id"], opened)
        round_trip = time.perf_counter() - begin
        walked = [Task(t["task_id"], t["kind"], task.step + 1) for t in opened if t["kind"] in ACTOR_OF_KIND]
        return act, round_trip, walked

    async def histogram(self) -> dict[tuple[str, str, str], float]:
        """The API's `zhifa_http_request_seconds` buckets by (method, route, le), from /metrics."""
        text = (await self._http.get("/metrics")).text
        buckets: dict[tuple[str, str, str], float] = {}
        for line in text.splitlines():
            if not line.startswith(f"{HISTOGRAM}_bucket{{"):
                continue
            labels, value = line[len(HISTOGRAM) + 8 :].rsplit("} ", 1)
            fields = dict(part.split("=", 1) for part in labels.split('",'))
            key = tuple(fields.get(k, "").strip('"') for k in ("method", "route", "le"))
            buckets[(key[0], key[1], key[2])] = float(value)
        return buckets

    async def _until_listed(self, case_id: str, opened: list[dict[str, Any]]) -> None:
        """Poll the inbox of whoever acts next until it lists every task the completion opened."""
        waiting: dict[str, set[str]] = {}
        for t in opened:
            waiting.setdefault(READER_OF_ROLE[t["candidate_roles"][0]], set()).add(t["task_id"])
        give_up = time.perf_counter() + VISIBLE_TIMEOUT_S
        while waiting:
            for reader, ids in list(waiting.items()):
                page = await self._http.get(
                    "/api/v1/tasks", params={"case_id": case_id}, headers=await self._signed(reader)
                )
                if page.status_code != 200:
                    raise Refused(f"inbox {page.status_code}: {page.text[:200]}")
                ids -= {t["task_id"] for t in page.json()["items"]}
                if not ids:
                    del waiting[reader]
            if waiting:
                if time.perf_counter() > give_up:
                    raise Refused(f"not in the inbox after {VISIBLE_TIMEOUT_S:.0f} s")
                await asyncio.sleep(POLL_S)


def short_error(exc: BaseException) -> str:
    """An exception as one counted line: its type and the first line of its message, at most 160 characters."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:160]
