"""Sensor alarm rules (rules/data/alarm_rules.yaml): create and clear conditions, severities, schedules.

Loaded and validated once by `load_alarm_rules()`; a malformed rule is a `RuleDataError` naming the
rule code and the field. The numbers live in the YAML with their source and confidence; the pure
evaluator that applies them to readings is perception/sensors/.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from rules.catalogue import Confidence, load_catalogue
from rules.data_files import load_yaml, validate_data
from rules.errors import RuleDataError

SNAKE = r"^[a-z][a-z0-9_]*$"
CLOCK = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")
MINUTES_PER_DAY = 24 * 60


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


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Sourced(_Frozen):
    """A number with its source and confidence tag."""

    value: float
    unit: str | None = None
    source: str = Field(min_length=1)
    confidence: Confidence


@lru_cache(maxsize=1024)
def clock_minutes(text: str) -> int:
    """ "HH:MM" as minutes after midnight; "24:00" is the end of the day (parsed once per text)."""
    match = CLOCK.match(text)
    if match is None or (match.group(1) == "24" and match.group(2) != "00"):
        raise ValueError(f"{text!r} is not a time of day HH:MM (00:00–24:00)")
    return int(match.group(1)) * 60 + int(match.group(2))


class Span(_Frozen):
    """Local wall-clock minutes [start, end); end before start crosses midnight."""

    start: str
    end: str

    @field_validator("start", "end")
    @classmethod
    def _clock(cls, text: str) -> str:
        clock_minutes(text)
        return text

    @model_validator(mode="after")
    def _not_empty(self) -> Span:
        if self.start_minute == MINUTES_PER_DAY:
            raise ValueError("a span starts at 00:00 at the latest, not 24:00")
        if self.start_minute == self.end_minute:
            raise ValueError(f"start and end are the same time ({self.start}): give a real span")
        return self

    @property
    def start_minute(self) -> int:
        return clock_minutes(self.start)

    @property
    def end_minute(self) -> int:
        return clock_minutes(self.end)

    def contains(self, minute: int) -> bool:
        start, end = self.start_minute, self.end_minute
        return start <= minute < end if start < end else minute >= start or minute < end


class Window(Span):
    """A weekly window: on each listed day (the day it starts), from start to end."""

    days: tuple[Weekday, ...] = Field(min_length=1)


class Schedule(_Frozen):
    name: str = Field(min_length=1)
    source: str = Field(min_length=1)
    confidence: Confidence
    windows: tuple[Window, ...] = Field(min_length=1)


class DayPartSet(_Frozen):
    """Named parts of the day (day / night) that together cover every minute exactly once."""

    source: str = Field(min_length=1)
    confidence: Confidence
    note: str | None = None
    parts: dict[str, Span] = Field(min_length=1)

    @model_validator(mode="after")
    def _cover_the_day(self) -> DayPartSet:
        for minute in range(MINUTES_PER_DAY):
            found = [name for name, span in self.parts.items() if span.contains(minute)]
            if len(found) != 1:
                where = f"{minute // 60:02d}:{minute % 60:02d}"
                raise ValueError(f"parts must cover each minute exactly once; at {where} they give {found}")
        return self

    def part_at(self, minute: int) -> str:
        return next(name for name, span in self.parts.items() if span.contains(minute))


class SettingTable(_Frozen):
    """Rows chosen by a device attribute (or the single row `all`), columns by a day part (or `all`)."""

    by_attribute: str | None = None
    by_day_part: str | None = None
    source: str = Field(min_length=1)
    confidence: Confidence
    rows: dict[str, dict[str, float]] = Field(min_length=1)


class Setting(_Frozen):
    """A number a city (this file) or a single device (its profile) may set."""

    name: str = Field(min_length=1)
    unit: str = Field(min_length=1)
    default: Sourced | None = None
    table: SettingTable | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Setting:
        if (self.default is None) == (self.table is None):
            raise ValueError("give exactly one of default or table")
        return self


class Comparison(_Frozen):
    """metric OP number. The number is a threshold, a named setting, or (in a clear condition) relative
    to the create threshold: factor × it or offset + it. outside / between take low and high."""

    metric: str = Field(pattern=SNAKE)
    op: Op
    threshold: Sourced | None = None
    setting: str | None = None
    factor: Sourced | None = None
    offset: Sourced | None = None
    low: Sourced | None = None
    high: Sourced | None = None

    @model_validator(mode="after")
    def _operands(self) -> Comparison:
        given = [n for n in ("threshold", "setting", "factor", "offset") if getattr(self, n) is not None]
        if self.op.is_range:
            if given or self.low is None or self.high is None:
                raise ValueError(f"op {self.op} takes low and high only")
            if self.low.value > self.high.value:
                raise ValueError(f"low {self.low.value} is above high {self.high.value}")
        elif len(given) != 1 or self.low is not None or self.high is not None:
            raise ValueError(f"op {self.op} takes exactly one of threshold, setting, factor, offset")
        return self

    @property
    def relative(self) -> bool:
        return self.factor is not None or self.offset is not None


class Condition(Comparison):
    also: tuple[Comparison, ...] = ()
    combine: Literal["all", "any"] = "all"
    for_seconds: Sourced | None = None
    consecutive: Sourced | None = None

    @model_validator(mode="after")
    def _duration(self) -> Condition:
        if self.for_seconds is not None and self.consecutive is not None:
            raise ValueError("give at most one of for_seconds and consecutive")
        for name in ("for_seconds", "consecutive"):
            number: Sourced | None = getattr(self, name)
            if number is not None and (number.value < 1 or number.value != int(number.value)):
                raise ValueError(f"{name} must be a whole number ≥ 1, got {number.value}")
        if any(c.relative for c in self.also):
            raise ValueError("only the main comparison may use factor or offset, not `also`")
        return self

    @property
    def metrics(self) -> tuple[str, ...]:
        return (self.metric, *(c.metric for c in self.also))


class Level(_Frozen):
    severity: Severity
    factor: Sourced | None = None
    offset: Sourced | None = None


class AlarmRule(_Frozen):
    code: str = Field(pattern=SNAKE)
    name: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    kind: SensorKind
    violation: str | None
    default_enabled: bool = True
    note: str | None = None
    create: Condition
    clear: Condition
    levels: tuple[Level, ...] = Field(min_length=1)
    schedule: str | None = None
    outside_schedule: OutsideSchedule = OutsideSchedule.KEEP
    clear_if_silent_seconds: Sourced | None = None

    @model_validator(mode="after")
    def _consistent(self) -> AlarmRule:
        if self.create.relative or self.create.combine != "all":
            raise ValueError("create: use a threshold or a setting (not factor/offset) and combine: all")
        if self.clear.relative and self.create.op.is_range:
            raise ValueError("clear: factor/offset need a create threshold, not a range")
        if self.clear_if_silent_seconds is not None and self.clear_if_silent_seconds.value <= 0:
            raise ValueError("clear_if_silent_seconds must be positive")
        self._check_levels()
        self._check_hysteresis()
        return self

    def _check_levels(self) -> None:
        first, *rest = self.levels
        if first.factor is not None or first.offset is not None:
            raise ValueError("levels: the first level is the create threshold itself (no factor/offset)")
        if rest and self.create.op.direction == 0:
            raise ValueError(f"levels: op {self.create.op} allows one level only")
        for before, level in zip(self.levels, rest, strict=False):
            if level.severity.rank <= before.severity.rank:
                raise ValueError(f"levels: {level.severity} must be more severe than {before.severity}")
        if any((level.factor is None) == (level.offset is None) for level in rest):
            raise ValueError("levels: every level after the first needs exactly one of factor or offset")
        if len({level.factor is None for level in rest}) > 1:
            raise ValueError("levels: use factor on every level or offset on every level")
        # Each level is stricter than the one before: larger for gt/gte, smaller for lt/lte.
        previous = 1.0 if rest and rest[0].factor is not None else 0.0
        for level in rest:
            number = level.factor or level.offset
            assert number is not None
            if level.factor is not None and number.value <= 0:
                raise ValueError(f"levels: {level.severity}: factor must be positive")
            if (number.value - previous) * self.create.op.direction <= 0:
                raise ValueError(f"levels: {level.severity} must be stricter than the level before it")
            previous = number.value

    def _check_hysteresis(self) -> None:
        """A value that meets the clear condition must not meet the create one (where numbers allow a check)."""
        create, clear = self.create, self.clear
        if clear.metric != create.metric or clear.combine != "all":
            return
        problem = False
        if create.op is Op.OUTSIDE and clear.op is Op.BETWEEN:
            assert create.low and create.high and clear.low and clear.high
            problem = clear.low.value < create.low.value or clear.high.value > create.high.value
        elif create.op.direction and clear.op.direction == -create.op.direction:
            factor = clear.factor.value if clear.factor else None
            offset = clear.offset.value if clear.offset else None
            if factor is not None:
                problem = (factor - 1) * create.op.direction > 0
            elif offset is not None:
                problem = offset * create.op.direction > 0
            elif create.threshold is not None and clear.threshold is not None:
                problem = (clear.threshold.value - create.threshold.value) * create.op.direction > 0
        elif create.op.direction and clear.op.direction == create.op.direction:
            problem = True
        if problem:
            raise ValueError("clear: the clear condition overlaps the create condition (no hysteresis)")

    @property
    def metrics(self) -> tuple[str, ...]:
        """Every metric a reading must carry for this rule to judge it."""
        return tuple(dict.fromkeys((*self.create.metrics, *self.clear.metrics)))

    def comparisons(self) -> tuple[Comparison, ...]:
        return (self.create, *self.create.also, self.clear, *self.clear.also)


class AlarmRuleSet(_Frozen):
    version: str = Field(min_length=1)
    timezone: str
    day_parts: dict[str, DayPartSet] = Field(default_factory=dict)
    schedules: dict[str, Schedule] = Field(default_factory=dict)
    settings: dict[str, Setting] = Field(default_factory=dict)
    fragments: dict[str, Any] = Field(default_factory=dict, description="YAML anchors only; not read")
    rules: tuple[AlarmRule, ...] = Field(min_length=1)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {name!r}") from exc
        return name

    @model_validator(mode="after")
    def _references(self) -> AlarmRuleSet:
        codes = [r.code for r in self.rules]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ValueError(f"duplicate rule codes: {duplicates}")
        for name, setting in self.settings.items():
            if setting.table is not None:
                self._check_table(name, setting.table)
        for rule in self.rules:
            if rule.schedule is not None and rule.schedule not in self.schedules:
                raise ValueError(f"{rule.code}.schedule: unknown schedule {rule.schedule!r}")
            for comparison in rule.comparisons():
                if comparison.setting is not None and comparison.setting not in self.settings:
                    raise ValueError(f"{rule.code}: unknown setting {comparison.setting!r} ({comparison.metric})")
        return self

    def _check_table(self, name: str, table: SettingTable) -> None:
        rows = set(table.rows)
        if table.by_attribute is None and rows != {"all"}:
            raise ValueError(f"settings.{name}.table: without by_attribute give the single row `all`")
        columns = {"all"}
        if table.by_day_part is not None:
            parts = self.day_parts.get(table.by_day_part)
            if parts is None:
                raise ValueError(f"settings.{name}.table.by_day_part: unknown day-part set {table.by_day_part!r}")
            columns = set(parts.parts)
        for row, values in table.rows.items():
            if set(values) != columns:
                raise ValueError(f"settings.{name}.table.rows.{row}: give exactly the columns {sorted(columns)}")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def codes(self) -> list[str]:
        return [r.code for r in self.rules]

    def get(self, code: str) -> AlarmRule:
        for rule in self.rules:
            if rule.code == code:
                return rule
        raise KeyError(f"unknown alarm rule {code!r}; known: {', '.join(self.codes)}")

    def for_kind(self, kind: str) -> tuple[AlarmRule, ...]:
        return tuple(r for r in self.rules if r.kind == kind)


def parse_alarm_rules(raw: Any, source: str = "alarm_rules.yaml") -> AlarmRuleSet:
    """Validate raw rule data; every error names the rule code and the field. A violation code must exist
    in the violation catalogue (violations.yaml)."""
    rules = validate_data(AlarmRuleSet, raw, "rules", source)
    known = set(load_catalogue().codes)
    for rule in rules.rules:
        if rule.violation is not None and rule.violation not in known:
            raise RuleDataError(
                f"{source} is invalid: {rule.code}.violation: unknown violation code {rule.violation!r}"
            )
    return rules


@lru_cache(maxsize=1)
def load_alarm_rules() -> AlarmRuleSet:
    """The shipped rules, loaded and validated once (call it at start-up)."""
    return parse_alarm_rules(load_yaml("alarm_rules.yaml"))
