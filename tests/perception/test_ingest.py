"""From MQTT messages to alarms without a broker: validation and dead letters, the device registry, one
alarm however many readings, clearing, and rule state that survives a restart mid-duration."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from core.perception_tables import Alarm, Device
from perception.ingest import MAX_PAYLOAD_BYTES, SensorIngest
from rules.alarm_rules import load_alarm_rules

T0 = dt.datetime(2026, 11, 26, 4, 0, tzinfo=dt.UTC)  # 12:00 in Beijing


@pytest.fixture
def engine(perception_db: Engine) -> Engine:
    return perception_db


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> dt.datetime:
        return self.now


def register(engine: Engine, kind: str = "fume", **overrides: object) -> Device:
    device = Device(
        device_id=f"{kind.upper()}-{uuid.uuid4().hex[:6]}",
        kind=kind,
        district_code="990102",
        jurisdiction_path="990100/990102/",
        name="望江路1号",
        location={"lng": 120.132, "lat": 30.278},
        overrides=dict(overrides),
        created_at=T0,
        updated_at=T0,
    )
    with Session(engine, expire_on_commit=False) as session:
        session.add(device)
        session.commit()
    return device


def message(device: Device, at: dt.datetime, **values: float) -> tuple[str, bytes]:
    topic = f"zhifa/{device.district_code}/sensors/{device.kind}/{device.device_id}"
    return topic, json.dumps({"ts": at.isoformat(), "values": values}).encode()


def alarms(engine: Engine, device: Device) -> list[Alarm]:
    with Session(engine) as session:
        return list(session.exec(select(Alarm).where(Alarm.source_ref == device.device_id)))


def test_a_fume_alarm_is_raised_after_ten_minutes_once_and_cleared_with_hysteresis(engine: Engine) -> None:
    clock = Clock()
    ingest = SensorIngest(engine, load_alarm_rules(), clock)
    fume = register(engine)
    outcomes = []
    for minute in range(0, 16):  # a reading a minute at 2.6 mg/m³
        clock.now = T0 + dt.timedelta(minutes=minute)
        outcomes.append(ingest.handle(*message(fume, clock.now, fume_mg_m3=2.6)))
    raised = [n for n, o in enumerate(outcomes) if o.new_alarms]
    assert raised == [10]  # at ten minutes of exceeding, not before, and only once
    assert sum(o.deduplicated for o in outcomes[11:]) == 5
    [alarm] = alarms(engine, fume)
    assert (alarm.state, alarm.rule_code, alarm.violation_code, alarm.readings) == (
        "active", "fume_concentration", "restaurant_fumes", 6,
    )  # fmt: skip
    for minute in range(16, 30):  # 1.8: under the limit, above the clear threshold (80 % of 2.0): no clear
        clock.now = T0 + dt.timedelta(minutes=minute)
        assert not ingest.handle(*message(fume, clock.now, fume_mg_m3=1.8)).cleared_alarms
    cleared = []
    for minute in range(30, 40):  # 1.2 for five minutes: cleared
        clock.now = T0 + dt.timedelta(minutes=minute)
        cleared += ingest.handle(*message(fume, clock.now, fume_mg_m3=1.2)).cleared_alarms
    assert len(cleared) == 1 and alarms(engine, fume)[0].state == "cleared"


def test_a_restart_mid_duration_continues_where_it_was(engine: Engine) -> None:
    clock = Clock()
    fume = register(engine)
    first = SensorIngest(engine, load_alarm_rules(), clock)
    for minute in range(0, 6):
        clock.now = T0 + dt.timedelta(minutes=minute)
        assert not first.handle(*message(fume, clock.now, fume_mg_m3=2.6)).new_alarms
    restarted = SensorIngest(engine, load_alarm_rules(), clock)  # a new process: state comes from the table
    results = []
    for minute in range(6, 12):
        clock.now = T0 + dt.timedelta(minutes=minute)
        results.append(bool(restarted.handle(*message(fume, clock.now, fume_mg_m3=2.6)).new_alarms))
    assert results == [False, False, False, False, True, False]  # raised at minute 10, as without the restart


def test_a_redelivered_message_changes_nothing(engine: Engine) -> None:
    clock = Clock()
    ingest = SensorIngest(engine, load_alarm_rules(), clock)
    fume = register(engine)
    for minute in range(0, 11):
        clock.now = T0 + dt.timedelta(minutes=minute)
        ingest.handle(*message(fume, clock.now, fume_mg_m3=2.6))
    [before] = alarms(engine, fume)
    again = SensorIngest(engine, load_alarm_rules(), clock).handle(*message(fume, clock.now, fume_mg_m3=2.6))
    assert not again.new_alarms and not again.transitions
    [after] = alarms(engine, fume)
    assert after.readings == before.readings


@pytest.mark.parametrize(
    ("build", "reason"),
    [
        (lambda d: (f"zhifa/990102/sensors/fume/{d.device_id}", b"{not json"), "malformed"),
        (
            lambda d: (f"zhifa/990102/sensors/fume/{d.device_id}", b'{"ts": "2026-11-26T12:00:00", "values": {}}'),
            "malformed",
        ),
        (
            lambda d: (
                f"zhifa/990102/sensors/fume/{d.device_id}",
                b'{"ts": "2026-11-26T04:00:00Z", "values": {"x": "a"}}',
            ),
            "malformed",
        ),
        (lambda d: ("zhifa/990102/other/fume/x", b"{}"), "malformed"),
        (lambda d: (f"zhifa/990102/sensors/fume/{d.device_id}", b" " * (MAX_PAYLOAD_BYTES + 1)), "oversized"),
        (lambda d: message(d, T0 + dt.timedelta(hours=1), fume_mg_m3=1.0), "future"),
        (lambda d: message(d, T0 - dt.timedelta(days=2), fume_mg_m3=1.0), "too_old"),
        (lambda d: ("zhifa/990102/sensors/fume/NOBODY", message(d, T0, fume_mg_m3=1.0)[1]), "unknown_device"),
        (lambda d: (f"zhifa/990103/sensors/fume/{d.device_id}", message(d, T0, fume_mg_m3=1.0)[1]), "mismatch"),
    ],
)
def test_bad_messages_are_dead_letters_and_the_good_ones_go_on(engine: Engine, build: object, reason: str) -> None:
    clock = Clock()
    ingest = SensorIngest(engine, load_alarm_rules(), clock)
    fume = register(engine)
    outcome = ingest.handle(*build(fume))  # type: ignore[operator]
    assert outcome.dead == reason and outcome.detail
    assert ingest.handle(*message(fume, T0, fume_mg_m3=1.0)).dead is None


def test_a_device_switched_off_is_a_dead_letter(engine: Engine) -> None:
    device = register(engine)
    with Session(engine) as session:
        row = session.get(Device, device.device_id)
        assert row is not None
        row.active = False
        session.commit()
    assert (
        SensorIngest(engine, load_alarm_rules(), Clock()).handle(*message(device, T0, fume_mg_m3=9.0)).dead
        == "inactive"
    )
