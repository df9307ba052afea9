"""Sensor alarm rules (rules/data/alarm_rules.yaml): a rule's create and clear conditions, levels and schedule,
and the rule set that ties rules to the schedules, day parts and settings they name.

Loaded and validated once by `load_alarm_rules()`; a malformed rule is a `RuleDataError` naming the
rule code and the field. The numbers live in the YAML with their source and confidence; the pure
evaluator that applies them to readings is perception/sensors/. The terms rules are written in are
rules/alarm_terms.py, times of day rules/alarm_schedules.py, conditions rules/alarm_conditions.py.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from rules.alarm_conditions import Comparison, Condition, Level, Setting, SettingTable
from rules.alarm_schedules import DayPartSet, Schedule
from rules.alarm_terms import SNAKE, FrozenModel, Op, OutsideSchedule, SensorKind, Sourced
from rules.catalogue import load_catalogue
from rules.data_files import load_yaml, validate_data
from rules.errors import RuleDataError


class AlarmRule(FrozenModel):
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


class AlarmRuleSet(FrozenModel):
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
