"""The alarm triage tests' world: a fresh PostgreSQL schema with the demo jurisdictions, a time-skipping server
with a worker hosting the case and triage workflows and their real activities, registered devices, alarms raised
and cleared as the perception workers raise and clear them."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import pytest
from sqlmodel import Session
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from core.alarms import AlarmSignal, apply_signal
from core.db import dispose_engines, get_engine, migrate
from core.perception_tables import Alarm, Device
from core.seed import seed_jurisdictions
from core.settings import get_settings
from rules.startup import load_rules
from tests.workflows.case.documents_support import activities_with, quick_render
from tests.workflows.worker_env import time_skipping_worker
from workflows.alarm_model import TriageResult
from workflows.alarm_triage import AlarmTriageWorkflow
from workflows.case.workflow import EnforcementCaseWorkflow


@contextmanager
def triage_database(pg_schema_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    migrate(pg_schema_url)
    seed_jurisdictions(get_engine(pg_schema_url))
    monkeypatch.setenv("ZHIFA_DATABASE_URL", pg_schema_url)
    monkeypatch.setenv("ZHIFA_DOCUMENT_DIR", str(tmp_path / "documents"))
    monkeypatch.setenv("ZHIFA_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("ZHIFA_DOCUMENTS_TASK_QUEUE", "")  # documents render on the case queue here
    monkeypatch.setenv("ZHIFA_TASK_QUEUE", QUEUE)
    get_settings.cache_clear()
    load_rules()
    try:
        yield pg_schema_url
    finally:
        dispose_engines()
        get_settings.cache_clear()


@asynccontextmanager
async def triage_worker() -> AsyncIterator[tuple[WorkflowEnvironment, Client]]:
    workflows = [EnforcementCaseWorkflow, AlarmTriageWorkflow]
    async with time_skipping_worker(QUEUE, workflows, activities_with(quick_render)) as running:  # triage's too
        yield running


QUEUE = "test-triage"
QINGHE = "990100/990102/"
PARTY = {"type": "organisation", "name": "清河区老王烧烤店", "credit_code": "92330000MA0000000X"}


def device(db: str, kind: str = "fume", party: bool = True) -> Device:
    now = dt.datetime.now(dt.UTC)
    row = Device(
        device_id=f"{kind.upper()}-{uuid.uuid4().hex[:6]}",
        kind=kind,
        district_code="990102",
        jurisdiction_path=QINGHE,
        name="望江路1号",
        location={"lng": 120.132, "lat": 30.278, "address": "示范市清河区望江路1号"},
        site="老王烧烤",
        responsible_party=PARTY if party else None,
        overrides={},
        created_at=now,
        updated_at=now,
    )
    with Session(get_engine(db), expire_on_commit=False) as session:
        session.add(row)
        session.commit()
    return row


def raise_alarm(db: str, dev: Device, rule: str, violation: str | None, at: dt.datetime, **kw: object) -> Alarm:
    signal = AlarmSignal(
        source="video" if dev.kind == "camera" else "sensor",
        source_ref=dev.device_id,
        rule_code=rule,
        kind=dev.kind,
        district_code="990102",
        jurisdiction_path=QINGHE,
        transition="raised",
        severity="WARNING",
        at=at,
        violation_code=violation,
        message="油烟浓度超标" if dev.kind == "fume" else "机动车乱停放",
        values={"fume_mg_m3": 2.7},
        location=dev.location,
        **kw,  # type: ignore[arg-type]
    )
    with Session(get_engine(db), expire_on_commit=False) as session:
        alarm, outcome = apply_signal(session, signal)
    assert alarm is not None and outcome == "new"
    return alarm


def clear_alarm(db: str, alarm: Alarm, at: dt.datetime) -> Alarm:
    signal = AlarmSignal(
        source="sensor",
        source_ref=alarm.source_ref,
        rule_code=alarm.rule_code,
        kind=alarm.kind,
        district_code="990102",
        jurisdiction_path=QINGHE,
        transition="cleared",
        severity="WARNING",
        at=at,
    )
    with Session(get_engine(db), expire_on_commit=False) as session:
        cleared, outcome = apply_signal(session, signal)
    assert cleared is not None and outcome == "cleared"
    return cleared


def alarm_row(db: str, alarm_id: str) -> Alarm:
    with Session(get_engine(db)) as session:
        row = session.get(Alarm, alarm_id)
        assert row is not None
        return row


async def result_of(client: Client, workflow_id: str) -> TriageResult:
    result: TriageResult = await client.get_workflow_handle(workflow_id, result_type=TriageResult).result()
    return result
