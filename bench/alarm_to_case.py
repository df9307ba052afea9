"""Alarm-to-case latency: from the MQTT reading that raises an alarm to its case's workflow running.

A fresh schema, a Temporal dev server (SQLite file, as bench/cases.py), the product's worker, the MQTT
worker in this process on the machine's Mosquitto. BENCH_A2C_DEVICES fume monitors with no responsible
party (so triage takes the verification path: the case opens at once) each send ten readings above the
limit (their timestamps a minute apart, already in the past), then — one device every
BENCH_A2C_GAP_S seconds of wall time — the eleventh, which completes the 10-minute duration and raises
the alarm. Latency = the case workflow's start time (the server's clock) − the wall time that eleventh
reading was published: the MQTT hop, the batch (≤ 20 ms), the rule state and alarm commit, the triage's
signal-with-start, its workflow task, the case start in its activity.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import math
import os
import time
import uuid

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio.client import Client

from bench.cases import start_dev_server
from bench.stack import load_average, scratch, seeded_schema, stack_environment, temporal_address, worker
from core.db import make_engine
from core.perception_tables import Alarm, Device
from core.settings import Settings
from perception.mqtt_worker import MqttWorker
from rules.alarm_rules import load_alarm_rules

DEVICES = int(os.environ.get("BENCH_A2C_DEVICES", "40"))
GAP_S = float(os.environ.get("BENCH_A2C_GAP_S", "0.5"))


def rank(sorted_values: list[float], q: float) -> float:
    """The nearest-rank percentile (never beyond the largest value measured)."""
    return sorted_values[max(0, math.ceil(q / 100 * len(sorted_values)) - 1)]


def register(url: str) -> list[str]:
    engine = make_engine(url)
    now = dt.datetime.now(dt.UTC)
    ids = [f"A2C-{uuid.uuid4().hex[:8]}" for _ in range(DEVICES)]
    with Session(engine) as session:
        for device_id in ids:
            session.add(
                Device(device_id=device_id, kind="fume", district_code="990102", jurisdiction_path="990100/990102/",
                       name=device_id, overrides={}, created_at=now, updated_at=now)
            )  # fmt: skip
        session.commit()
    engine.dispose()
    return ids


def publish(client: mqtt.Client, device_id: str, at: dt.datetime) -> None:
    body = {"ts": at.isoformat(), "values": {"fume_mg_m3": 3.0}}
    client.publish(f"zhifa/990102/sensors/fume/{device_id}", json.dumps(body), qos=1).wait_for_publish(10)


async def main() -> None:
    print(f"load average {load_average()}; {DEVICES} alarms, one every {GAP_S} s")
    with seeded_schema() as url, scratch("zhifa-a2c-") as folder:
        server = await start_dev_server(folder)
        env = stack_environment(url, temporal_address(server.client), folder / "var")
        os.environ.update(env | {"ZHIFA_DOCUMENTS_TASK_QUEUE": ""})
        settings = Settings()
        try:
            async with worker(server.client, env | {"ZHIFA_DOCUMENTS_TASK_QUEUE": ""}, folder):
                ids = register(url)
                engine = make_engine(url)
                settings = settings.model_copy(update={"mqtt_client_id": f"zhifa-a2c-{uuid.uuid4().hex[:6]}"})
                mqtt_worker = MqttWorker(
                    settings, engine, load_alarm_rules(), server.client, asyncio.get_running_loop()
                )
                mqtt_worker.start()
                assert await asyncio.to_thread(mqtt_worker.connected.wait, 10)
                sensor = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"a2c-{uuid.uuid4().hex[:6]}")
                sensor.connect("127.0.0.1", settings.mqtt_port)
                sensor.loop_start()
                base = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=11)
                for device_id in ids:  # ten minutes of exceeding readings: no alarm yet
                    for minute in range(10):
                        await asyncio.to_thread(publish, sensor, device_id, base + dt.timedelta(minutes=minute))
                await asyncio.sleep(2)
                sent: dict[str, float] = {}
                for device_id in ids:
                    sent[device_id] = time.time()
                    await asyncio.to_thread(publish, sensor, device_id, base + dt.timedelta(minutes=10))
                    await asyncio.sleep(GAP_S)
                latencies = await collect(server.client, engine, sent)
                sensor.loop_stop()
                sensor.disconnect()
                mqtt_worker.stop()
                engine.dispose()
        finally:
            await server.shutdown()
    print(
        f"alarm → case: {len(latencies)} of {DEVICES} cases; p50 {rank(latencies, 50) * 1e3:.0f} ms, "
        f"p99 {rank(latencies, 99) * 1e3:.0f} ms (nearest rank), max {max(latencies) * 1e3:.0f} ms"
    )
    print(f"load average {load_average()}")


async def collect(client: Client, engine: Engine, sent: dict[str, float]) -> list[float]:
    deadline = time.monotonic() + 120
    cases: dict[str, str] = {}
    while len(cases) < len(sent) and time.monotonic() < deadline:
        with Session(engine) as session:
            rows = session.exec(select(Alarm).where(col(Alarm.case_id).is_not(None))).all()
        cases = {row.source_ref: row.case_id for row in rows if row.source_ref in sent and row.case_id}
        await asyncio.sleep(0.5)
    latencies = []
    for device_id, case_id in cases.items():
        described = await client.get_workflow_handle(case_id).describe()
        latencies.append(described.start_time.timestamp() - sent[device_id])
    return sorted(latencies)


if __name__ == "__main__":
    asyncio.run(main())
