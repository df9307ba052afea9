"""The terms alarm rules are written in (rules/data/alarm_rules.yaml): severities, sensor kinds, comparison
operators, weekdays, and a number with its source and confidence.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from rules.catalogue import Confidence

SNAKE = r"^[a-z][a-z0-9_]*$"


class Severity(StrEnum):
    """ThingsBoard's severities without INDETERMINATE, mildest first (the order is the rank)."""

    WARNING = "WARNING"
    MINOR = "MINOR"
    MAJOR = "MAJOR"
    CRITICAL = "CRITICAL"

    @property
    def rank(self) -> int:
        return _RANK[self._value_]


class SensorKind(StrEnum):
    """The {kind} segment of the MQTT topic zhifa/{district}/sensors/{kind}/{device_id}."""

    FUME = "fume"  # 餐饮油烟
    WATER = "water"  # 二次供水
    DUST = "dust"  # 施工扬尘
    NOISE = "noise"  # 噪声


class Op(StrEnum):
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"
    EQ = "eq"
    NE = "ne"
    OUTSIDE = "outside"  # value < low or value > high
    BETWEEN = "between"  # low <= value <= high

    @property
    def is_range(self) -> bool:
        return self in (Op.OUTSIDE, Op.BETWEEN)

    @property
    def direction(self) -> int:
        """+1 when a larger value is worse (gt/gte), -1 when a smaller one is (lt/lte), 0 otherwise."""
        return _DIRECTION.get(self._value_, 0)


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"

    @property
    def iso(self) -> int:
        """datetime.weekday(): Monday is 0."""
        return _ISO[self._value_]


# Looked up by the plain string value: hashing an Enum member runs Python code, a str's hash is cached.
_RANK = {s.value: k for k, s in enumerate(Severity)}
_DIRECTION = {Op.GT.value: 1, Op.GTE.value: 1, Op.LT.value: -1, Op.LTE.value: -1}
_ISO = {d.value: k for k, d in enumerate(Weekday)}


class OutsideSchedule(StrEnum):
    KEEP = "keep"  # an active alarm stays until its clear condition (or silence) clears it
    CLEAR = "clear"  # an active alarm clears when its schedule window ends


class FrozenModel(BaseModel):
    """The base of the alarm rule models: immutable, and an unknown field is an error."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Sourced(FrozenModel):
    """A number with its source and confidence tag."""

    value: float
    unit: str | None = None
    source: str = Field(min_length=1)
    confidence: Confidence
