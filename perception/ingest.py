"""From one MQTT message to alarms: validate, know the device, evaluate its rules, save their state,
record the alarm transitions. Transport-free (the MQTT worker feeds it), so it is tested on its own.

A message that cannot be used is never an exception out of `handle`: it comes back as a dead letter
with its reason (oversized, malformed, from the future or too old, unknown or inactive device, a
device that is not what the topic says), which the worker counts and republishes. Good messages are
unaffected by bad ones around them.

The rules' state is saved per (device, rule) in ``sensor_rule_state`` before the alarm transitions are
recorded, and a message is acknowledged to the broker only after both: a worker that dies mid-way
gets the message again (QoS 1), and the evaluator ignores a reading it has judged (ts not newer), so
a redelivery neither loses nor duplicates an alarm.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from core.alarms import AlarmSignal, apply_signals
from core.perception_tables import Alarm, Device, SensorRuleState
from perception.sensors.evaluator import evaluate, tick
from perception.sensors.model import AlarmTransition, DeviceProfile, Evaluation, ProfileError, Reading
from perception.sensors.state import RuleState
from rules.alarm_rules import AlarmRuleSet

DeadReason = Literal[
    "oversized", "malformed", "future", "too_old", "unknown_device", "inactive", "mismatch", "misconfigured"
]
MAX_PAYLOAD_BYTES = 16 * 1024
FUTURE_TOLERANCE = dt.timedelta(minutes=5)  # device clocks drift; further ahead is a broken clock
MAX_AGE = dt.timedelta(hours=24)  # older readings (a device's backlog) are history, not alarms
DEVICE_CACHE_SECONDS = 30.0


@dataclass
class Outcome:
    dead: DeadReason | None = None
    detail: str = ""
    transitions: list[AlarmTransition] = field(default_factory=list)
    new_alarms: list[Alarm] = field(default_factory=list)
    cleared_alarms: list[Alarm] = field(default_factory=list)
    deduplicated: int = 0


def profile_of(device: Device) -> DeviceProfile:
    """The evaluator's view of a registered device: numeric overrides are settings, text ones attributes."""
    overrides = device.overrides or {}
    settings = {k: float(v) for k, v in overrides.items() if isinstance(v, int | float) and not isinstance(v, bool)}
    attributes = {k: str(v) for k, v in overrides.items() if isinstance(v, str)}
    return DeviceProfile(
        device_id=device.device_id, kind=device.kind, district=device.district_code, settings=settings,
        attributes=attributes,
    )  # fmt: skip


class SensorIngest:
    """Not thread-safe: one processing thread calls `handle` (the MQTT worker's)."""

    def __init__(self, engine: Engine, rules: AlarmRuleSet, clock: Callable[[], dt.datetime] | None = None) -> None:
        self.engine = engine
        self.rules = rules
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._devices: dict[str, tuple[float, Device | None]] = {}
        self._states: dict[str, dict[str, RuleState]] = {}
        self._profiles: dict[str, tuple[Device, DeviceProfile]] = {}  # the row it was made from, and it

    def handle(self, topic: str, payload: bytes) -> Outcome:
        return self.handle_batch([(topic, payload)])[0]

    def handle_batch(self, messages: Sequence[tuple[str, bytes]]) -> list[Outcome]:
        """Judge a batch of messages in order, then write what changed in one transaction: the rules' new
        states (one statement) and the alarm transitions. If the write fails, the in-memory states go back
        to where they were, so the redelivered batch is judged again (nothing is lost)."""
        snapshot: dict[str, dict[str, RuleState]] = {}
        pending: list[tuple[Outcome, Device, Evaluation]] = []
        outcomes = []
        for topic, payload in messages:
            outcome, device, reading = self._check(topic, payload)
            if device is None or reading is None:
                outcomes.append(outcome)
                continue
            states = self._load_states(device.device_id)
            snapshot.setdefault(device.device_id, states)
            try:
                evaluation = evaluate(self._profile(device), reading, states, self.rules)
            except ProfileError as exc:  # e.g. a noise sensor registered without its zone class
                outcomes.append(Outcome(dead="misconfigured", detail=str(exc)[:300]))
                continue
            self._states[device.device_id] = dict(evaluation.states)
            outcome.transitions = list(evaluation.transitions)
            pending.append((outcome, device, evaluation))
            outcomes.append(outcome)
        try:
            self._write(snapshot, pending)
        except BaseException:
            self._states.update(snapshot)
            raise
        return outcomes

    def _check(self, topic: str, payload: bytes) -> tuple[Outcome, Device | None, Reading | None]:
        """The reading and its device, or a dead letter saying why not."""
        if len(payload) > MAX_PAYLOAD_BYTES:
            return Outcome(dead="oversized", detail=f"{len(payload)} bytes > {MAX_PAYLOAD_BYTES}"), None, None
        try:
            reading = Reading.from_message(topic, json.loads(payload))
        except (ValueError, TypeError, AttributeError) as exc:  # JSON, shape, numbers, time zone
            return Outcome(dead="malformed", detail=str(exc)[:300]), None, None
        now = self.clock()
        if reading.ts > now + FUTURE_TOLERANCE:
            detail = f"ts {reading.ts.isoformat()} is ahead of {now.isoformat()}"
            return Outcome(dead="future", detail=detail), None, None
        if reading.ts < now - MAX_AGE:
            return Outcome(dead="too_old", detail=f"ts {reading.ts.isoformat()} is older than {MAX_AGE}"), None, None
        device = self._device(reading.device_id)
        if device is None:
            return Outcome(dead="unknown_device", detail=f"device {reading.device_id} is not registered"), None, None
        if not device.active:
            detail = f"device {reading.device_id} is switched off in the registry"
            return Outcome(dead="inactive", detail=detail), None, None
        if (device.kind, device.district_code) != (reading.kind, reading.district):
            detail = f"device {device.device_id} is {device.kind} in {device.district_code}, not as the topic says"
            return Outcome(dead="mismatch", detail=detail), None, None
        return Outcome(), device, reading

    def tick(self) -> Outcome:
        """Time-only effects for the devices this process has seen (an alarm cleared by silence)."""
        total = Outcome()
        snapshot: dict[str, dict[str, RuleState]] = {}
        pending: list[tuple[Outcome, Device, Evaluation]] = []
        for device_id, states in list(self._states.items()):
            device = self._device(device_id)
            if device is None or not any(state.active is not None for state in states.values()):
                continue
            evaluation = tick(self._profile(device), states, self.clock(), self.rules)
            if evaluation.transitions:
                snapshot[device_id] = states
                self._states[device_id] = dict(evaluation.states)
                pending.append((total, device, evaluation))
                total.transitions += evaluation.transitions
        try:
            self._write(snapshot, pending)
        except BaseException:
            self._states.update(snapshot)
            raise
        return total

    def _write(
        self, before: dict[str, dict[str, RuleState]], pending: list[tuple[Outcome, Device, Evaluation]]
    ) -> None:
        changed = [
            (device_id, code, state)
            for device_id, old in before.items()
            for code, state in self._states[device_id].items()
            if old.get(code) != state
        ]
        if not changed and not any(evaluation.transitions for _, _, evaluation in pending):
            return
        with Session(self.engine, expire_on_commit=False) as session:
            _save_states(session, changed)
            session.commit()
            routed = [
                (outcome, signal_of(device, transition))
                for outcome, device, evaluation in pending
                for transition in evaluation.transitions
            ]
            recorded = apply_signals(session, [signal for _, signal in routed])
            for (outcome, _), (alarm, what) in zip(routed, recorded, strict=True):
                if what == "new" and alarm is not None:
                    outcome.new_alarms.append(alarm)
                elif what == "updated":
                    outcome.deduplicated += 1
                elif what == "cleared" and alarm is not None:
                    outcome.cleared_alarms.append(alarm)

    def _profile(self, device: Device) -> DeviceProfile:
        """The evaluator's profile of a cached device row, made once per cache load (reading the row's
        SQLAlchemy attributes for every message cost ~3 µs)."""
        cached = self._profiles.get(device.device_id)
        if cached is None or cached[0] is not device:
            cached = self._profiles[device.device_id] = (device, profile_of(device))
        return cached[1]

    def _device(self, device_id: str) -> Device | None:
        cached = self._devices.get(device_id)
        if cached is not None and time.monotonic() - cached[0] < DEVICE_CACHE_SECONDS:
            return cached[1]
        with Session(self.engine, expire_on_commit=False) as session:
            device = session.get(Device, device_id)
            if device is not None:
                session.expunge(device)
        self._devices[device_id] = (time.monotonic(), device)
        return device

    def _load_states(self, device_id: str) -> dict[str, RuleState]:
        if device_id not in self._states:
            with Session(self.engine) as session:
                rows = session.exec(select(SensorRuleState).where(SensorRuleState.device_id == device_id)).all()
                self._states[device_id] = {row.rule_code: RuleState.from_json(row.state) for row in rows}
        return self._states[device_id]


def signal_of(device: Device, transition: AlarmTransition) -> AlarmSignal:
    values: dict[str, Any] = {**transition.values, "thresholds": dict(transition.thresholds)}
    if transition.since is not None:
        values["since"] = transition.since.isoformat()
    if transition.cause is not None:
        values["cause"] = transition.cause.value
    return AlarmSignal(
        source="sensor",
        source_ref=device.device_id,
        rule_code=transition.rule,
        kind=device.kind,
        district_code=device.district_code,
        jurisdiction_path=device.jurisdiction_path,
        transition=transition.kind.value,
        severity=transition.severity.value,
        at=transition.at,
        violation_code=transition.violation,
        message=transition.message,
        values=values,
        location=dict(device.location) if device.location else None,
    )


def _save_states(session: Session, states: list[tuple[str, str, RuleState]]) -> None:
    if not states:
        return
    now = dt.datetime.now(dt.UTC)
    rows = [
        {"device_id": device_id, "rule_code": code, "state": state.to_json(), "updated_at": now}
        for device_id, code, state in states
    ]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(SensorRuleState)
    stmt = stmt.on_conflict_do_update(
        index_elements=["device_id", "rule_code"],
        set_={"state": stmt.excluded.state, "updated_at": stmt.excluded.updated_at},
    )
    # The rows as parameters, not in the statement: one cached statement sent in batches (insertmanyvalues);
    # a VALUES list of a new length every batch was compiled anew each time.
    session.execute(stmt, rows)
