"""Sensor readings → alarm → triage → case, end to end: the machine's Mosquitto, the MQTT worker, a real
Temporal dev server with a worker hosting the triage and case workflows and their real activities,
and the real PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.registry import ACTIVITIES
from core.db import dispose_engines
from core.evidence_tables import Evidence
from core.perception_tables import Alarm, Device
from core.settings import Settings, get_settings
from perception.mqtt_worker import MqttWorker
from rules.alarm_rules import load_alarm_rules
from rules.startup import load_rules
from workflows.case.workflow import EnforcementCaseWorkflow
from workflows.registry import WORKFLOWS
from workflows.sandbox import WORKFLOW_RUNNER

QUEUE = f"e2e-perception-{uuid.uuid4().hex[:6]}"


@pytest.fixture
def configured(perception_db: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Settings]:
    url = perception_db.url.render_as_string(hide_password=False)
    for name, value in {
        "ZHIFA_DATABASE_URL": url,
        "ZHIFA_DOCUMENT_DIR": str(tmp_path / "documents"),
        "ZHIFA_VAR_DIR": str(tmp_path / "var"),
        "ZHIFA_DOCUMENTS_TASK_QUEUE": "",
        "ZHIFA_TASK_QUEUE": QUEUE,
        "ZHIFA_TEMPORAL_NAMESPACE": "zhifa-test",
        "ZHIFA_MQTT_CLIENT_ID": f"zhifa-e2e-{uuid.uuid4().hex[:6]}",
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    load_rules()
    try:
        yield get_settings()
    finally:
        dispose_engines()
        get_settings.cache_clear()


async def test_readings_become_an_alarm_a_triage_and_a_case_with_the_readings_as_evidence(
    perception_db: Engine, shared_broker: int, dev_server_env: WorkflowEnvironment, configured: Settings
) -> None:
    now = dt.datetime.now(dt.UTC)
    device = Device(  # no responsible party registered: nobody to notify, so an officer verifies (a case now)
        device_id=f"FUME-{uuid.uuid4().hex[:6]}", kind="fume", district_code="990102",
        jurisdiction_path="990100/990102/", name="望江路1号", location={"lng": 120.132, "lat": 30.278},
        overrides={}, created_at=now, updated_at=now,
    )  # fmt: skip
    with Session(perception_db, expire_on_commit=False) as session:
        session.add(device)
        session.commit()
    client = dev_server_env.client
    with ThreadPoolExecutor(4) as executor:
        async with Worker(
            client, task_queue=QUEUE, workflows=WORKFLOWS, activities=ACTIVITIES, activity_executor=executor,
            workflow_runner=WORKFLOW_RUNNER,
        ):  # fmt: skip
            worker = MqttWorker(configured, perception_db, load_alarm_rules(), client, asyncio.get_running_loop())
            worker.start()
            try:
                assert await asyncio.to_thread(worker.connected.wait, 10)
                sensor = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"sensor-{uuid.uuid4().hex[:6]}")
                sensor.connect("127.0.0.1", shared_broker)
                sensor.loop_start()
                topic = f"zhifa/990102/sensors/fume/{device.device_id}"
                for minute in range(12):
                    at = now - dt.timedelta(minutes=12 - minute)
                    body = {"ts": at.isoformat(), "values": {"fume_mg_m3": 3.1}}
                    sensor.publish(topic, json.dumps(body), qos=1)
                case_id = None
                for _ in range(200):
                    with Session(perception_db) as session:
                        alarm = session.exec(select(Alarm).where(Alarm.source_ref == device.device_id)).first()
                    if alarm is not None and alarm.case_id is not None:
                        case_id = alarm.case_id
                        break
                    await asyncio.sleep(0.1)
                sensor.loop_stop()
                sensor.disconnect()
            finally:
                worker.stop()
            assert alarm is not None and case_id is not None, "no case opened from the alarm"
            assert (alarm.outcome, alarm.violation_code) == ("case_opened", "restaurant_fumes")
            assert alarm.triage_workflow_id and alarm.triage_workflow_id.startswith(f"triage/{device.device_id}/")
            state = await client.get_workflow_handle(case_id).query(EnforcementCaseWorkflow.state)
            assert state.summary.source == "alarm" and [t.kind for t in state.open_tasks] == ["verify_lead"]
            with Session(perception_db) as session:
                [evidence] = session.exec(select(Evidence).where(Evidence.case_id == case_id)).all()
            assert (evidence.kind, evidence.source) == ("sensor_reading", "perception")
