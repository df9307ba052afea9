"""`zhifa simulate sensors`: realistic readings for demos and benchmarks, published over MQTT.

Restaurant fume monitors follow the kitchen's day (lunch and dinner peaks in Beijing time, a purifier
that is usually on), with noise, the odd fault (a missing value, a garbled payload, a reading from a
clock that runs ahead) and occasional exceedances that last long enough to raise an alarm. Devices
are named SIM-FUME-0001 …; `--register` adds them to the registry so the worker knows them.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass

BEIJING = dt.timezone(dt.timedelta(hours=8))
PEAKS = ((12.0, 1.2), (18.5, 1.6))  # (hour, width in hours): lunch and dinner


@dataclass
class SimDevice:
    device_id: str
    district: str
    exceeding_until: dt.datetime | None = None


def device_ids(count: int, district: str) -> list[SimDevice]:
    return [SimDevice(f"SIM-FUME-{n:04d}", district) for n in range(1, count + 1)]


def cooking_load(at: dt.datetime) -> float:
    """0..1: how busy the kitchen is at this Beijing time."""
    local = at.astimezone(BEIJING)
    hour = local.hour + local.minute / 60
    return max(math.exp(-(((hour - peak) / width) ** 2)) for peak, width in PEAKS)


def reading(device: SimDevice, at: dt.datetime, rng: random.Random, exceed_chance: float) -> dict[str, object]:
    load = cooking_load(at)
    if device.exceeding_until is None and rng.random() < exceed_chance * load:
        device.exceeding_until = at + dt.timedelta(minutes=rng.uniform(12, 40))  # a broken purifier for a while
    exceeding = device.exceeding_until is not None and at < device.exceeding_until
    if device.exceeding_until is not None and not exceeding:
        device.exceeding_until = None
    base = 0.2 + 1.3 * load + (rng.uniform(1.2, 3.5) if exceeding else 0.0)
    fan = 1 if load > 0.15 else 0
    return {
        "ts": at.isoformat(),
        "values": {
            "fume_mg_m3": round(max(0.0, base + rng.gauss(0, 0.12)), 3),
            "fan_on": fan,
            "purifier_on": 0 if exceeding and rng.random() < 0.5 else fan,
        },
    }


def messages(
    devices: list[SimDevice], start: dt.datetime, step: dt.timedelta, rng: random.Random, exceed_chance: float = 0.02,
    fault_chance: float = 0.002,
) -> Iterator[tuple[str, bytes]]:  # fmt: skip
    """Round after round, one reading per device; endless (the caller stops)."""
    at = start
    while True:
        for device in devices:
            topic = f"zhifa/{device.district}/sensors/fume/{device.device_id}"
            body = reading(device, at, rng, exceed_chance)
            roll = rng.random()
            if roll < fault_chance:
                yield topic, b"\x00garbled"
            elif roll < 2 * fault_chance:
                body["ts"] = (at + dt.timedelta(hours=3)).isoformat()  # a clock that runs ahead
                yield topic, json.dumps(body).encode()
            else:
                yield topic, json.dumps(body).encode()
        at += step
