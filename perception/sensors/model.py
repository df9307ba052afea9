"""What the sensor evaluator reads and returns: readings, device profiles, alarm transitions.

Plain frozen dataclasses; the evaluator (perception/sensors/evaluator.py) is pure over them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from rules.alarm_terms import Severity
from rules.errors import NaiveDatetimeError

from .state import RuleState

TOPIC = re.compile(r"^zhifa/(?P<district>[^/]+)/sensors/(?P<kind>[^/]+)/(?P<device_id>[^/]+)$")


class ProfileError(ValueError):
    """A device profile cannot be used with a rule (a setting or attribute is missing or unknown)."""


def _aware(ts: datetime, what: str) -> None:
    if ts.tzinfo is None or ts.utcoffset() is None:
        raise NaiveDatetimeError(what)


@dataclass(frozen=True)
class Reading:
    """One message: topic zhifa/{district}/sensors/{kind}/{device_id}, payload {ts, values}."""

    device_id: str
    kind: str
    district: str
    ts: datetime
    values: Mapping[str, float]

    def __post_init__(self) -> None:
        _aware(self.ts, f"reading ts of {self.device_id}")
        for name, value in self.values.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"reading of {self.device_id}: value {name}={value!r} is not a finite number")

    @classmethod
    def from_message(cls, topic: str, payload: Mapping[str, Any]) -> Reading:
        """Parse an MQTT message; ts is ISO 8601 with an offset, flags may be true/false (→ 1/0)."""
        match = TOPIC.match(topic)
        if match is None:
            raise ValueError(f"topic {topic!r} is not zhifa/{{district}}/sensors/{{kind}}/{{device_id}}")
        ts, values = payload.get("ts"), payload.get("values")
        if not isinstance(ts, str) or not isinstance(values, Mapping):
            raise ValueError("payload must be {ts: ISO 8601 string, values: {metric: number}}")
        numbers = {str(k): float(v) if isinstance(v, bool) else v for k, v in values.items()}
        return cls(
            device_id=match["device_id"],
            kind=match["kind"],
            district=match["district"],
            ts=datetime.fromisoformat(ts),
            values=numbers,
        )


@dataclass(frozen=True)
class DeviceProfile:
    """A device and its local configuration.

    settings   overrides of named settings (alarm_rules.yaml `settings`), e.g. a stricter pm10_limit_ug_m3
    attributes values that select setting table rows, e.g. zone_class "2" for social_noise_limit_db
    enabled / disabled  rule codes switched on (default_enabled: false) or off for this device
    """

    device_id: str
    kind: str
    district: str
    settings: Mapping[str, float] = field(default_factory=dict)
    attributes: Mapping[str, str] = field(default_factory=dict)
    enabled: frozenset[str] = frozenset()
    disabled: frozenset[str] = frozenset()


class TransitionKind(StrEnum):
    RAISED = "raised"
    UPDATED = "updated"  # active, same severity, a newer reading that meets the create condition
    ESCALATED = "escalated"
    DEESCALATED = "deescalated"
    CLEARED = "cleared"


class ClearCause(StrEnum):
    CONDITION = "condition"  # the clear condition held for its duration
    SILENCE = "silence"  # no reading for clear_if_silent_seconds
    SCHEDULE_END = "schedule_end"  # the schedule window ended (outside_schedule: clear)


class IgnoreReason(StrEnum):
    STALE = "stale"  # ts not newer than the last reading this rule judged (out of order or a duplicate)
    MISSING_METRICS = "missing_metrics"  # the reading lacks a metric the rule needs


@dataclass(frozen=True)
class AlarmTransition:
    """A change of one (device, rule) alarm. `at` is a reading's ts (or, for silence and schedule end,
    the instant the silence or window ended); `since` is when the deciding condition started to hold."""

    device_id: str
    district: str
    rule: str
    violation: str | None
    kind: TransitionKind
    severity: Severity  # the new severity; for `cleared`, the severity the alarm had
    previous: Severity | None  # the severity before escalated / deescalated / cleared
    at: datetime
    since: datetime | None
    values: Mapping[str, float]  # the deciding reading's values (empty for silence / schedule end)
    thresholds: Mapping[str, float]  # the numbers that applied, e.g. {"create.WARNING": 2.0, "clear": 1.6}
    cause: ClearCause | None
    message: str


@dataclass(frozen=True)
class Evaluation:
    """The result of evaluate() / tick(): every rule state of the device (changed or not), the
    transitions in order, and the rules that ignored the reading with why."""

    states: Mapping[str, RuleState]
    transitions: tuple[AlarmTransition, ...]
    ignored: Mapping[str, IgnoreReason] = field(default_factory=dict)
