"""`zhifa perception mqtt`: sensor readings from the broker → rules → alarms → triage.

paho-mqtt 2.x, MQTT 3.1.1 with a persistent session (clean_session False, a stable client id) and a
QoS 1 subscription to ``zhifa/+/sensors/+/+``: while the worker is away the broker keeps its messages.
Acknowledgements are manual and sent only after a message is processed (rule state saved, alarm
recorded), so a worker killed mid-message gets it again; the evaluator ignores a reading it already
judged, so nothing is counted twice. Reconnects back off from 1 s to 30 s.

Messages that cannot be used go, with the reason, to ``zhifa/deadletter/{reason}`` and are counted;
they never stop the worker. New alarms are handed to their triage workflow (best effort: a Temporal
outage is logged, the alarm stays recorded). Every minute the worker also runs the rules' time-only
effects (an alarm whose sensor went silent clears).
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import logging
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.client import Client

from core.alarm_triage import start_triage, tell_cleared
from core.alarms import set_triage
from core.perception_tables import Alarm, Device
from core.settings import Settings
from perception.ingest import Outcome, SensorIngest
from rules.alarm_rules import AlarmRuleSet

log = logging.getLogger("zhifa.perception")
SUBSCRIPTION = "zhifa/+/sensors/+/+"
DEAD_LETTER_TOPIC = "zhifa/deadletter/{reason}"
DEAD_LETTER_PAYLOAD_CHARS = 4096
TICK_SECONDS = 60.0
BATCH = 500  # messages judged and recorded in one transaction
BATCH_WAIT_SECONDS = 0.02  # how long a batch waits to fill: a lone reading is recorded within 20 ms


@dataclass
class Stats:
    """What the worker has done since it started (logged, and read by tests and the benchmark)."""

    readings: int = 0
    alarms_raised: int = 0
    alarms_cleared: int = 0
    deduplicated: int = 0
    dead_letters: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)


def dead_letter(topic: str, payload: bytes, outcome: Outcome) -> bytes:
    try:
        text: str | None = payload.decode("utf-8")[:DEAD_LETTER_PAYLOAD_CHARS]
    except UnicodeDecodeError:
        text = None
    body = {
        "reason": outcome.dead,
        "detail": outcome.detail,
        "topic": topic,
        "payload": text,
        "payload_base64": None if text is not None else base64.b64encode(payload[:DEAD_LETTER_PAYLOAD_CHARS]).decode(),
        "received_at": dt.datetime.now(dt.UTC).isoformat(),
    }
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


class MqttWorker:
    """One subscriber; `on_message` runs on paho's network thread and processes messages in order."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        rules: AlarmRuleSet,
        temporal: Client | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.ingest = SensorIngest(engine, rules)
        self.temporal = temporal
        self.loop = loop
        self.stats = Stats()
        self.connected = threading.Event()
        self._ingesting = threading.Lock()  # the processor and the minute tick share one SensorIngest
        self._inbox: queue.Queue[mqtt.MQTTMessage | None] = queue.Queue()
        self._processor = threading.Thread(target=self._process, name="perception-ingest", daemon=True)
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=settings.mqtt_client_id,
            clean_session=False,  # the broker keeps our subscription and queues QoS 1 messages while we are away
            protocol=mqtt.MQTTv311,
        )
        if settings.mqtt_username:
            self.client.username_pw_set(settings.mqtt_username, settings.mqtt_password.get_secret_value() or None)
        self.client.manual_ack_set(True)
        self.client.reconnect_delay_set(min_delay=1, max_delay=30)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message

    def start(self) -> None:
        self._processor.start()
        self.client.connect_async(self.settings.mqtt_host, self.settings.mqtt_port, keepalive=30)
        self.client.loop_start()

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
        self._inbox.put(None)
        self._processor.join(timeout=10)

    def _on_connect(self, client: mqtt.Client, _userdata: Any, _flags: Any, reason: Any, _props: Any) -> None:
        if reason.is_failure:
            log.warning("MQTT connect refused: %s", reason)
            return
        client.subscribe(SUBSCRIPTION, qos=1)
        self.connected.set()
        log.info("subscribed to %s on %s:%d", SUBSCRIPTION, self.settings.mqtt_host, self.settings.mqtt_port)

    def _on_disconnect(self, _client: mqtt.Client, _userdata: Any, _flags: Any, reason: Any, _props: Any) -> None:
        self.connected.clear()
        log.warning("MQTT disconnected (%s); reconnecting with backoff", reason)

    def _on_message(self, _client: mqtt.Client, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        self._inbox.put(message)  # paho's network thread only queues: judging runs in batches on our own

    def _process(self) -> None:
        """Take up to BATCH messages (waiting at most BATCH_WAIT for more), judge and record them in one
        transaction, then acknowledge them: a crash before the commit leaves them unacknowledged."""
        while True:
            first = self._inbox.get()
            if first is None:
                return
            batch = [first]
            deadline = time.monotonic() + BATCH_WAIT_SECONDS
            while len(batch) < BATCH:
                try:
                    item = self._inbox.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if item is None:
                    self._inbox.put(None)
                    break
                batch.append(item)
            self._judge(batch)

    def _judge(self, batch: list[mqtt.MQTTMessage]) -> None:
        payloads = [(m.topic, bytes(m.payload)) for m in batch]
        try:
            with self._ingesting:
                outcomes = self.ingest.handle_batch(payloads)
        except Exception:  # the database is down: no ack, so the broker delivers the messages again
            log.exception("%d readings not processed; they will be redelivered", len(batch))
            return
        for message, (topic, payload), outcome in zip(batch, payloads, outcomes, strict=True):
            self._count(outcome)
            if outcome.dead is not None:
                dead_topic = DEAD_LETTER_TOPIC.format(reason=outcome.dead)
                self.client.publish(dead_topic, dead_letter(topic, payload, outcome), qos=1)
            self.client.ack(message.mid, message.qos)
            self._triage(outcome)

    def _count(self, outcome: Outcome) -> None:
        with self.stats.lock:
            if outcome.dead is not None:
                self.stats.dead_letters[outcome.dead] += 1
                return
            self.stats.readings += 1
            self.stats.alarms_raised += len(outcome.new_alarms)
            self.stats.alarms_cleared += len(outcome.cleared_alarms)
            self.stats.deduplicated += outcome.deduplicated

    def tick(self) -> None:
        with self._ingesting:
            outcome = self.ingest.tick()
        self._count(outcome)
        self._triage(outcome)

    def _triage(self, outcome: Outcome) -> None:
        if self.temporal is None or self.loop is None:
            return
        for alarm in outcome.new_alarms:
            self._submit(self._start(alarm))
        for alarm in outcome.cleared_alarms:
            self._submit(tell_cleared(self.temporal, alarm))

    async def _start(self, alarm: Alarm) -> None:
        assert self.temporal is not None
        with Session(self.engine) as session:
            device = session.get(Device, alarm.source_ref)
            workflow_id, _ = await start_triage(self.temporal, self.settings, alarm, device)
            set_triage(session, alarm.alarm_id, workflow_id)

    def _submit(self, work: Coroutine[Any, Any, None]) -> None:
        assert self.loop is not None
        future = asyncio.run_coroutine_threadsafe(work, self.loop)
        future.add_done_callback(_log_failure)


def _log_failure(future: Any) -> None:
    if future.exception() is not None:
        log.warning("triage not started: %s", future.exception())


async def run(
    settings: Settings,
    engine: Engine,
    rules: AlarmRuleSet,
    stop: asyncio.Event,
    connect: Callable[[Settings], Coroutine[Any, Any, Client]] | None = None,
) -> MqttWorker:
    """Run the worker until ``stop`` is set; Temporal is optional (without it alarms wait for a person)."""
    temporal = None
    if connect is not None:
        try:
            temporal = await connect(settings)
        except Exception as exc:
            log.warning("Temporal unreachable (%s): alarms are recorded, triage waits", exc)
    worker = MqttWorker(settings, engine, rules, temporal, asyncio.get_running_loop())
    worker.start()
    try:
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), timeout=TICK_SECONDS)
            except TimeoutError:
                await asyncio.to_thread(worker.tick)
    finally:
        worker.stop()
    return worker
