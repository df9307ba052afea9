"""The MQTT worker against real Mosquitto brokers: readings become exactly one alarm, a storm of bad
payloads goes to the dead-letter topic while the good readings are processed, and a broker restart in
the middle of a QoS 1 stream loses no reading and counts none twice."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from core.perception_tables import Alarm, Device
from core.settings import Settings
from perception.mqtt_worker import MqttWorker
from rules.alarm_rules import load_alarm_rules
from tests.perception.brokers import PrivateBroker


def register(engine: Engine) -> Device:
    now = dt.datetime.now(dt.UTC)
    device = Device(
        device_id=f"FUME-{uuid.uuid4().hex[:6]}", kind="fume", district_code="990102",
        jurisdiction_path="990100/990102/", name="望江路1号", overrides={}, created_at=now, updated_at=now,
    )  # fmt: skip
    with Session(engine, expire_on_commit=False) as session:
        session.add(device)
        session.commit()
    return device


def publisher(port: int, client_id: str | None = None) -> mqtt.Client:
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2, client_id=client_id or f"test-{uuid.uuid4().hex[:6]}", clean_session=False
    )
    client.reconnect_delay_set(min_delay=1, max_delay=2)
    client.max_inflight_messages_set(1000)
    client.connect("127.0.0.1", port)
    client.loop_start()
    return client


@pytest.fixture
def worker_for(perception_db: Engine) -> Iterator[Callable[[int], MqttWorker]]:
    started: list[MqttWorker] = []

    def start(port: int) -> MqttWorker:
        settings = Settings(mqtt_port=port, mqtt_client_id=f"zhifa-test-{uuid.uuid4().hex[:6]}")
        worker = MqttWorker(settings, perception_db, load_alarm_rules())
        worker.start()
        assert worker.connected.wait(10), "the worker did not connect"
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def reading(device: Device, at: dt.datetime, value: float) -> tuple[str, bytes]:
    topic = f"zhifa/990102/sensors/fume/{device.device_id}"
    return topic, json.dumps({"ts": at.isoformat(), "values": {"fume_mg_m3": value}}).encode()


def wait_until(check: Callable[[], bool], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def alarms_of(engine: Engine, device: Device) -> list[Alarm]:
    with Session(engine) as session:
        return list(session.exec(select(Alarm).where(Alarm.source_ref == device.device_id)))


def test_readings_raise_one_alarm_and_a_storm_of_garbage_is_dead_lettered(
    perception_db: Engine, shared_broker: int, worker_for: Callable[[int], MqttWorker]
) -> None:
    device = register(perception_db)
    worker = worker_for(shared_broker)
    dead: list[str] = []
    watcher = publisher(shared_broker)
    got_dead = threading.Event()

    def on_dead(_c: mqtt.Client, _u: object, message: mqtt.MQTTMessage) -> None:
        dead.append(json.loads(message.payload)["reason"])
        if len(dead) >= 60:
            got_dead.set()

    watcher.on_message = on_dead
    watcher.subscribe("zhifa/deadletter/#", qos=1)
    time.sleep(0.3)
    client = publisher(shared_broker)
    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=15)
    garbage = [b"{not json", b"\xff\xfe", b'{"ts": 1}', b"x" * 20_000]
    for minute in range(15):
        client.publish(*reading(device, start + dt.timedelta(minutes=minute), 2.6), qos=1)
        for n in range(4):  # four bad messages after every good one
            client.publish(f"zhifa/990102/sensors/fume/{device.device_id}", garbage[n], qos=1)
    wait_until(lambda: worker.stats.readings >= 15 and sum(worker.stats.dead_letters.values()) >= 60)
    [alarm] = alarms_of(perception_db, device)
    assert (alarm.state, alarm.rule_code, alarm.readings) == ("active", "fume_concentration", 5)
    assert worker.stats.alarms_raised == 1 and worker.stats.deduplicated == 4
    assert worker.stats.dead_letters == {"malformed": 45, "oversized": 15}
    assert got_dead.wait(10) and sorted(set(dead)) == ["malformed", "oversized"]
    for c in (client, watcher):
        c.loop_stop()
        c.disconnect()


def test_a_broker_restart_mid_stream_loses_nothing_and_counts_nothing_twice(
    perception_db: Engine, private_broker: PrivateBroker, worker_for: Callable[[int], MqttWorker]
) -> None:
    device = register(perception_db)
    worker = worker_for(private_broker.port)
    client = publisher(private_broker.port, client_id=f"sensor-gateway-{uuid.uuid4().hex[:6]}")
    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=40)
    for minute in range(8):
        client.publish(*reading(device, start + dt.timedelta(minutes=minute), 2.6), qos=1).wait_for_publish(5)
    wait_until(lambda: worker.stats.readings >= 8)
    private_broker.stop()  # the broker goes down with the worker's session saved
    for minute in range(8, 20):  # published while the broker is down: paho queues QoS 1 and sends on reconnect
        client.publish(*reading(device, start + dt.timedelta(minutes=minute), 2.6), qos=1)
    time.sleep(1.5)
    private_broker.start()
    try:
        wait_until(
            lambda: alarms_of(perception_db, device) != [] and alarms_of(perception_db, device)[0].readings >= 10, 40
        )
    except AssertionError:
        raise AssertionError(f"after the restart: {worker.stats}, alarms {alarms_of(perception_db, device)}") from None
    time.sleep(1.0)  # let any duplicate arrive: there must be none
    [alarm] = alarms_of(perception_db, device)
    assert alarm.readings == 10  # minutes 10..19 exceeding after the alarm: every reading once
    assert worker.stats.alarms_raised == 1
    client.loop_stop()
    client.disconnect()
