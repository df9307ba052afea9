"""Sensor readings evaluated per second per core (target ≥ 20,000): `python -m bench.perception`.

The stream is perception/simulator.py's: BENCH_DEVICES fume monitors (default 200), one reading a minute
each over BENCH_MINUTES simulated minutes (default a day, from 00:00 Beijing), with its faults (garbled
payloads, clocks that run ahead) and exceedances, as (topic, payload bytes) pairs in memory.

In memory, on one core, alternating BENCH_ROUNDS times (default 3; medians reported):
  (a) the decode floor: json.loads + Reading.from_message of every message;
  (b) what SensorIngest.handle does before the database: size check, decode, the future / too-old check
      against the simulated clock, the registered device, profile_of, evaluate, per-device states in a dict.
Then one more pass of (b) timing each evaluate() call alone, for its p50 / p99.

Against the Mosquitto at 127.0.0.1:1883 (skipped when it does not answer): BENCH_MQTT_N messages
(default 50,000, from 10:00 Beijing: the lunch service, when most alarms happen) published with QoS 1
by one paho client in another process (at most BENCH_MQTT_INFLIGHT unacknowledged, default paho's 20),
drained by (i) a subscriber that only counts (the floor) and (ii) one whose on_message runs (b), its
simulated clock taken from the message's place in the stream. Both: paho 2.x,
CallbackAPIVersion.VERSION2, QoS 1, clean session; the rate is measured from the first to the last
message received. The broker queues at most 1000 messages per subscriber (mosquitto's
max_queued_messages) and drops QoS 1 beyond that, so the publisher keeps at most MQTT_WINDOW messages
ahead of what the subscriber has received: when the publisher is the slower side, the floor is its
rate, so the publisher's rate and the subscriber's messages per CPU second are printed too. Topics carry
a bench/<random>/ prefix so that no MQTT worker on the shared broker picks the readings up; the
subscriber strips it before parsing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import multiprocessing as mp
import os
import random
import socket
import statistics
import threading
import time
import uuid
from collections.abc import Sequence
from itertools import islice
from multiprocessing.sharedctypes import Synchronized
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from sqlmodel import Session, select

from core.models import Jurisdiction
from core.perception_tables import Device
from perception.ingest import FUTURE_TOLERANCE, MAX_AGE, MAX_PAYLOAD_BYTES, profile_of
from perception.sensors import RuleState, evaluate
from perception.sensors.model import Reading
from perception.simulator import device_ids, messages
from rules.alarm_rules import AlarmRuleSet, load_alarm_rules

DEVICES = int(os.environ.get("BENCH_DEVICES", "200"))
MINUTES = int(os.environ.get("BENCH_MINUTES", "1440"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
MQTT_N = int(os.environ.get("BENCH_MQTT_N", "50000"))
MQTT_HOST, MQTT_PORT = "127.0.0.1", 1883
MQTT_INFLIGHT = int(os.environ.get("BENCH_MQTT_INFLIGHT", "20"))  # the publisher's unacknowledged QoS 1 messages
MQTT_WINDOW = 500  # messages the publisher may be ahead of the subscriber (the broker queues 1000 at most)
DB_MESSAGES = int(os.environ.get("BENCH_DB_N", "100000"))  # (c): messages through SensorIngest and PostgreSQL
MQTT_FROM_MINUTE = 10 * 60  # the MQTT slice starts at 10:00 Beijing
DISTRICT = "990102"
START = dt.datetime(2026, 11, 25, 16, 0, tzinfo=dt.UTC)  # 00:00 Beijing, Thursday 26 November
STEP = dt.timedelta(minutes=1)

Message = tuple[str, bytes]


def stream() -> tuple[list[Message], list[dt.datetime]]:
    """The messages in order, and the simulated clock when each arrives (its round's time)."""
    sims = device_ids(DEVICES, DISTRICT)
    pairs = list(islice(messages(sims, START, STEP, random.Random(7)), DEVICES * MINUTES))
    clock = [START + STEP * (i // DEVICES) for i in range(len(pairs))]
    return pairs, clock


def registry() -> dict[str, Device]:
    now = dt.datetime.now(dt.UTC)
    return {
        sim.device_id: Device(
            device_id=sim.device_id,
            kind="fume",
            district_code=DISTRICT,
            jurisdiction_path=DISTRICT,
            name=sim.device_id,
            created_at=now,
            updated_at=now,
        )
        for sim in device_ids(DEVICES, DISTRICT)
    }


class Pipeline:
    """SensorIngest.handle without the database: the device registry and the rule states in memory."""

    def __init__(self, rules: AlarmRuleSet, devices: dict[str, Device]) -> None:
        self.rules = rules
        self.devices = devices
        self.states: dict[str, dict[str, RuleState]] = {}
        self.dead = 0
        self.transitions = 0

    def handle(self, topic: str, payload: bytes, now: dt.datetime) -> None:
        reading = self.parse(topic, payload, now)
        if reading is not None:
            device = self.devices[reading.device_id]
            states = self.states.get(device.device_id, {})
            self.judge(device, reading, states)

    def parse(self, topic: str, payload: bytes, now: dt.datetime) -> Reading | None:
        if len(payload) > MAX_PAYLOAD_BYTES:
            self.dead += 1
            return None
        try:
            reading = Reading.from_message(topic, json.loads(payload))
        except (ValueError, TypeError, AttributeError):
            self.dead += 1
            return None
        device = self.devices.get(reading.device_id)
        if (
            reading.ts > now + FUTURE_TOLERANCE
            or reading.ts < now - MAX_AGE
            or device is None
            or not device.active
            or (device.kind, device.district_code) != (reading.kind, reading.district)
        ):
            self.dead += 1
            return None
        return reading

    def judge(self, device: Device, reading: Reading, states: dict[str, RuleState]) -> None:
        evaluation = evaluate(profile_of(device), reading, states, self.rules)
        self.states[device.device_id] = dict(evaluation.states)
        self.transitions += len(evaluation.transitions)


def decode_floor(pairs: Sequence[Message]) -> float:
    """(a): seconds to decode every message; the faulty ones fail as they would in the worker."""
    begin = time.perf_counter()
    for topic, payload in pairs:
        with contextlib.suppress(ValueError, TypeError, AttributeError):
            Reading.from_message(topic, json.loads(payload))
    return time.perf_counter() - begin


def parse_and_evaluate(pairs: Sequence[Message], clock: Sequence[dt.datetime], pipeline: Pipeline) -> float:
    """(b): seconds to run every message through the pipeline."""
    handle = pipeline.handle
    begin = time.perf_counter()
    for (topic, payload), now in zip(pairs, clock, strict=True):
        handle(topic, payload, now)
    return time.perf_counter() - begin


def evaluate_times(pairs: Sequence[Message], clock: Sequence[dt.datetime], pipeline: Pipeline) -> list[float]:
    """Seconds of each evaluate() call (with profile_of and the state update), the parse left out."""
    times = []
    for (topic, payload), now in zip(pairs, clock, strict=True):
        reading = pipeline.parse(topic, payload, now)
        if reading is None:
            continue
        device = pipeline.devices[reading.device_id]
        states = pipeline.states.get(device.device_id, {})
        begin = time.perf_counter()
        pipeline.judge(device, reading, states)
        times.append(time.perf_counter() - begin)
    return times


def load() -> str:
    return "load average " + " ".join(f"{v:.2f}" for v in os.getloadavg())


def in_memory(pairs: list[Message], clock: list[dt.datetime], rules: AlarmRuleSet, devices: dict[str, Device]) -> None:
    n = len(pairs)
    print(f"in memory, one core: {n} messages ({DEVICES} devices x {MINUTES} min), {ROUNDS} rounds; {load()}")
    floor, full = [], []
    pipeline = Pipeline(rules, devices)
    for k in range(1, ROUNDS + 1):
        floor.append(n / decode_floor(pairs))
        pipeline = Pipeline(rules, devices)
        full.append(n / parse_and_evaluate(pairs, clock, pipeline))
        print(f"  round {k}: (a) decode floor {floor[-1]:>9,.0f} msg/s   (b) parse + evaluate {full[-1]:>9,.0f} msg/s")
    a, b = statistics.median(floor), statistics.median(full)
    dead, transitions = pipeline.dead, pipeline.transitions
    print(f"  median: (a) {a:,.0f} msg/s, (b) {b:,.0f} msg/s; ratio (b)/(a) {b / a:.2f}")
    print(f"  per round: {n - dead} readings evaluated, {dead} dead letters, {transitions} alarm transitions")
    times = evaluate_times(pairs, clock, Pipeline(rules, devices))
    cuts = statistics.quantiles(times, n=100)
    print(
        f"  evaluate per reading (with profile_of, state update): p50 {statistics.median(times) * 1e6:.1f} us, "
        f"p99 {cuts[98] * 1e6:.1f} us, "
        f"mean {statistics.fmean(times) * 1e6:.1f} us; {load()}"
    )


# ----------------------------------------------------------------------------- MQTT


def reachable() -> bool:
    with socket.socket() as sock:
        sock.settimeout(1.0)
        return sock.connect_ex((MQTT_HOST, MQTT_PORT)) == 0


def publish(
    prefix: str, pairs: list[Message], received: Synchronized[int], ready: Any, spent: Synchronized[float]
) -> None:
    """The publisher process: every message with QoS 1, at most MQTT_WINDOW ahead of the subscriber;
    `spent` gets the seconds from the first publish to the last PUBACK."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-pub-{uuid.uuid4().hex[:8]}")
    client.max_inflight_messages_set(MQTT_INFLIGHT)
    client.connect(MQTT_HOST, MQTT_PORT, keepalive=60)
    client.loop_start()
    ready.wait(30)
    begin = time.perf_counter()
    info = None
    for sent, (topic, payload) in enumerate(pairs):
        while sent - received.value >= MQTT_WINDOW:
            time.sleep(0.0002)
        info = client.publish(prefix + topic, payload, qos=1)
    if info is not None:
        info.wait_for_publish(60)
    spent.value = time.perf_counter() - begin
    client.disconnect()
    client.loop_stop()


class Drain:
    """A subscriber: counts messages (the floor), or runs each through a Pipeline as well."""

    def __init__(self, prefix: str, n: int, pipeline: Pipeline | None, clock: list[dt.datetime]) -> None:
        self.prefix, self.n, self.pipeline, self.clock = prefix, n, pipeline, clock
        self.count = 0
        self.first = self.last = 0.0
        self.cpu_first = self.cpu_last = 0.0
        self.handling = 0.0  # seconds inside pipeline.handle
        context = mp.get_context("spawn")
        self.received: Synchronized[int] = context.Value("q", 0, lock=False)
        self.published: Synchronized[float] = context.Value("d", 0.0, lock=False)
        self.done = threading.Event()
        self.subscribed = threading.Event()

    def on_subscribe(self, _c: mqtt.Client, _u: Any, _mid: int, _codes: Any, _p: Any) -> None:
        self.subscribed.set()

    def on_message(self, _c: mqtt.Client, _u: Any, message: mqtt.MQTTMessage) -> None:
        if self.count == 0:
            self.first, self.cpu_first = time.perf_counter(), time.process_time()
        if self.pipeline is not None:
            begin = time.perf_counter()
            payload = bytes(message.payload)  # as the MQTT worker does
            self.pipeline.handle(message.topic[len(self.prefix) :], payload, self.clock[self.count])
            self.handling += time.perf_counter() - begin
        self.count += 1
        self.received.value = self.count
        if self.count == self.n:
            self.last, self.cpu_last = time.perf_counter(), time.process_time()
            self.done.set()

    def run(self, pairs: list[Message]) -> tuple[float, float, float]:
        """Messages per second from the first to the last received, per CPU second of this process, and
        the publisher's rate (first publish to last PUBACK)."""
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=f"bench-sub-{uuid.uuid4().hex[:8]}", clean_session=True
        )
        client.on_subscribe = self.on_subscribe
        client.on_message = self.on_message
        client.connect(MQTT_HOST, MQTT_PORT, keepalive=60)
        client.subscribe(self.prefix + "#", qos=1)
        client.loop_start()
        context = mp.get_context("spawn")
        ready = context.Event()
        publisher = context.Process(target=publish, args=(self.prefix, pairs, self.received, ready, self.published))
        publisher.start()
        if not self.subscribed.wait(10):
            raise RuntimeError("no SUBACK from the broker")
        ready.set()
        finished = self.done.wait(300)
        publisher.join(60)
        client.disconnect()
        client.loop_stop()
        if not finished:
            raise RuntimeError(f"only {self.count} of {self.n} messages arrived (dropped by the broker?)")
        span = self.last - self.first
        sent = self.n / self.published.value if self.published.value else float("nan")
        return (self.n - 1) / span, (self.n - 1) / (self.cpu_last - self.cpu_first), sent


def over_mqtt(pairs: list[Message], clock: list[dt.datetime], rules: AlarmRuleSet, devices: dict[str, Device]) -> None:
    if not reachable():
        print(f"MQTT: skipped, no broker answers at {MQTT_HOST}:{MQTT_PORT}")
        return
    start = min(MQTT_FROM_MINUTE * DEVICES, max(0, len(pairs) - MQTT_N))
    chunk, times = pairs[start : start + MQTT_N], clock[start : start + MQTT_N]
    n = len(chunk)
    first = times[0].astimezone(dt.timezone(dt.timedelta(hours=8)))
    print(
        f"MQTT {MQTT_HOST}:{MQTT_PORT}: {n} messages (readings from {first:%H:%M} Beijing, {n // DEVICES} min), "
        f"QoS 1, one publisher process, publisher at most {MQTT_WINDOW} ahead; {load()}"
    )
    floor, floor_cpu, sent = Drain(f"bench/{uuid.uuid4().hex[:8]}/", n, None, times).run(chunk)
    print(
        f"  (i)  bare subscriber (counts):       {floor:>9,.0f} msg/s   ({floor_cpu:>9,.0f} msg per CPU-s of the "
        f"subscriber; publisher {sent:,.0f} msg/s)"
    )
    pipeline = Pipeline(rules, devices)
    drain = Drain(f"bench/{uuid.uuid4().hex[:8]}/", n, pipeline, times)
    full, full_cpu, sent = drain.run(chunk)
    print(
        f"  (ii) subscriber + parse + evaluate: {full:>9,.0f} msg/s   ({full_cpu:>9,.0f} msg per CPU-s of the "
        f"subscriber; publisher {sent:,.0f} msg/s); parse + evaluate {drain.handling / n * 1e6:.1f} us a message"
    )
    print(
        f"  ratio (ii)/(i) {full / floor:.2f}; {pipeline.transitions} alarm transitions, {pipeline.dead} dead "
        f"letters; {load()}"
    )


def with_database(pairs: list[Message], clock: list[dt.datetime], rules: AlarmRuleSet) -> None:
    """(c) The worker's own path: SensorIngest.handle_batch, 500 messages a batch, rule states and alarm
    transitions committed to PostgreSQL per batch (what is acknowledged to the broker after each)."""
    from bench.stack import seeded_schema
    from core.db import make_engine
    from perception.ingest import SensorIngest

    first = MQTT_FROM_MINUTE * DEVICES  # from 10:00 Beijing, as the MQTT slice: the lunch service raises alarms
    pairs, clock = pairs[first:], clock[first:]
    count = min(len(pairs), DB_MESSAGES)
    with seeded_schema() as url:
        engine = make_engine(url)
        with Session(engine) as session:
            path = session.exec(select(Jurisdiction.path).where(Jurisdiction.code == DISTRICT)).one()
            for device in registry().values():
                session.add(device.model_copy(update={"jurisdiction_path": path}))
            session.commit()
        ingest = SensorIngest(engine, rules, clock=lambda: clock[count - 1])
        began = time.perf_counter()
        transitions = 0
        for start in range(0, count, 500):
            transitions += sum(len(o.transitions) for o in ingest.handle_batch(pairs[start : start + 500]))
        took = time.perf_counter() - began
        engine.dispose()
    print(
        f"(c) SensorIngest.handle_batch into PostgreSQL, 500 a batch: {count / took:,.0f} msg/s "
        f"({count} messages from 10:00 Beijing, {transitions} alarm transitions recorded); {load()}"
    )


def main() -> None:
    rules = load_alarm_rules()
    devices = registry()
    pairs, clock = stream()
    in_memory(pairs, clock, rules, devices)
    with_database(pairs, clock, rules)
    over_mqtt(pairs, clock, rules, devices)


if __name__ == "__main__":
    main()
