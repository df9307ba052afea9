"""The simulator's readings: the kitchen's day, exceedances that last, faults, all deterministic by seed."""

from __future__ import annotations

import datetime as dt
import json
import random
from itertools import islice

from perception.sensors.model import Reading
from perception.simulator import cooking_load, device_ids, messages

NOON = dt.datetime(2026, 11, 26, 4, 0, tzinfo=dt.UTC)  # 12:00 in Beijing


def test_the_kitchen_is_busy_at_lunch_and_dinner_and_quiet_at_night() -> None:
    assert cooking_load(NOON) > 0.95
    assert cooking_load(NOON + dt.timedelta(hours=6, minutes=30)) > 0.95  # 18:30
    assert cooking_load(NOON + dt.timedelta(hours=15)) < 0.01  # 03:00


def test_readings_parse_exceed_for_a_while_and_carry_faults() -> None:
    sims = device_ids(20, "990102")
    stream = list(islice(messages(sims, NOON, dt.timedelta(minutes=1), random.Random(3), 0.05, 0.01), 20 * 120))
    parsed, faults = [], 0
    for topic, payload in stream:
        try:
            parsed.append(Reading.from_message(topic, json.loads(payload)))
        except ValueError:
            faults += 1
    assert faults > 0 and len(parsed) > len(stream) * 0.95
    high = [r for r in parsed if r.values["fume_mg_m3"] > 2.0]
    assert high and len(high) < len(parsed) / 2
    by_device: dict[str, int] = {}
    for r in high:
        by_device[r.device_id] = by_device.get(r.device_id, 0) + 1
    assert max(by_device.values()) >= 10  # an exceedance lasts long enough to raise an alarm (10 min)
    again = list(
        islice(messages(device_ids(20, "990102"), NOON, dt.timedelta(minutes=1), random.Random(3), 0.05, 0.01), 50)
    )
    assert again == stream[:50]
