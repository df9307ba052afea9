"""Fill in a rule's numbers for one device at one instant: settings (city default, device override,
zone-class and day/night tables), severity levels and the relative clear threshold."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise

from rules.alarm_conditions import Comparison
from rules.alarm_rules import AlarmRule, AlarmRuleSet
from rules.alarm_terms import Op, Severity

from .model import DeviceProfile, ProfileError
from .windows import local_minute

_SYMBOL = {Op.GT: ">", Op.GTE: "≥", Op.LT: "<", Op.LTE: "≤", Op.EQ: "=", Op.NE: "≠"}
# x OP number; chosen once per bound (a dict of every comparison per reading cost more than the rest).
_COMPARE: dict[Op, Callable[[float, float], bool]] = {
    Op.GT: operator.gt,
    Op.GTE: operator.ge,
    Op.LT: operator.lt,
    Op.LTE: operator.le,
    Op.EQ: operator.eq,
    Op.NE: operator.ne,
}


@dataclass(frozen=True)
class Bound:
    """A comparison with its numbers filled in."""

    metric: str
    op: Op
    value: float | None = None
    low: float | None = None
    high: float | None = None
    compare: Callable[[float, float], bool] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "compare", _COMPARE.get(self.op))

    def holds(self, values: Mapping[str, float]) -> bool:
        x = values[self.metric]
        if self.compare is not None:
            assert self.value is not None
            return self.compare(x, self.value)
        assert self.low is not None and self.high is not None
        inside = self.low <= x <= self.high
        return inside if self.op is Op.BETWEEN else not inside

    def numbers(self, key: str) -> dict[str, float]:
        if self.value is not None:
            return {key: self.value}
        assert self.low is not None and self.high is not None
        return {f"{key}.low": self.low, f"{key}.high": self.high}

    def text(self) -> str:
        if self.op.is_range:
            return f"{self.metric} {self.op.value} [{self.low:g}, {self.high:g}]"
        return f"{self.metric} {_SYMBOL[self.op]} {self.value:g}"


@dataclass(frozen=True)
class Resolved:
    """A rule's conditions for one device at one instant."""

    severities: tuple[Severity, ...]
    levels: tuple[Bound, ...]  # the main create comparison at each severity level, mildest first
    create_also: tuple[Bound, ...]
    clear: tuple[Bound, ...]  # the main clear comparison first
    clear_any: bool

    def level(self, values: Mapping[str, float]) -> int:
        """The highest severity level this reading meets (levels nest), or -1 when it meets none."""
        for bound in self.create_also:
            if not bound.holds(values):
                return -1
        met = -1
        for bound in self.levels:
            if not bound.holds(values):
                break
            met += 1
        return met

    def clears(self, values: Mapping[str, float]) -> bool:
        if self.clear_any:
            return any(b.holds(values) for b in self.clear)
        return all(b.holds(values) for b in self.clear)

    def thresholds(self) -> dict[str, float]:
        numbers: dict[str, float] = {}
        for severity, bound in zip(self.severities, self.levels, strict=True):
            numbers |= bound.numbers(f"create.{severity.value}")
        for bound in self.create_also:
            numbers |= bound.numbers(f"create.{bound.metric}")
        numbers |= self.clear[0].numbers("clear")
        for bound in self.clear[1:]:
            numbers |= bound.numbers(f"clear.{bound.metric}")
        return numbers


def setting_value(
    rules: AlarmRuleSet, name: str, profile: DeviceProfile, ts: datetime, minute: int | None = None
) -> float:
    """The device's override, else the city default, else the table cell for the device attribute and
    the day part at ts (local time; `minute` is ts's local minute of the day when the caller has it)."""
    if name in profile.settings:
        return float(profile.settings[name])
    setting = rules.settings[name]
    if setting.default is not None:
        return setting.default.value
    table = setting.table
    assert table is not None
    row = "all"
    if table.by_attribute is not None:
        known = ", ".join(table.rows)
        found = profile.attributes.get(table.by_attribute)
        if found is None:
            raise ProfileError(
                f"device {profile.device_id}: setting {name} needs the attribute {table.by_attribute} "
                f"(one of {known}) or an override of {name}"
            )
        if found not in table.rows:
            raise ProfileError(f"device {profile.device_id}: {table.by_attribute}={found!r} is not one of {known}")
        row = found
    column = "all"
    if table.by_day_part is not None:
        column = rules.day_parts[table.by_day_part].part_at(local_minute(ts, rules.zone) if minute is None else minute)
    return table.rows[row][column]


def _bound(c: Comparison, base: float | None, rules: AlarmRuleSet, profile: DeviceProfile, ts: datetime) -> Bound:
    if c.op.is_range:
        assert c.low is not None and c.high is not None
        return Bound(c.metric, c.op, low=c.low.value, high=c.high.value)
    if c.threshold is not None:
        return Bound(c.metric, c.op, c.threshold.value)
    if c.setting is not None:
        return Bound(c.metric, c.op, setting_value(rules, c.setting, profile, ts))
    assert base is not None
    if c.factor is not None:
        return Bound(c.metric, c.op, base * c.factor.value)
    assert c.offset is not None
    return Bound(c.metric, c.op, base + c.offset.value)


def resolve(rule: AlarmRule, rules: AlarmRuleSet, profile: DeviceProfile, ts: datetime) -> Resolved:
    """Raise ProfileError when the device lacks what the rule needs, or its numbers break the level order."""
    main = _bound(rule.create, None, rules, profile, ts)
    levels = [main]
    for level in rule.levels[1:]:
        assert main.value is not None
        if level.factor is not None:
            levels.append(Bound(main.metric, main.op, main.value * level.factor.value))
        else:
            assert level.offset is not None
            levels.append(Bound(main.metric, main.op, main.value + level.offset.value))
    for before, after in pairwise(levels):
        assert before.value is not None and after.value is not None
        if (after.value - before.value) * rule.create.op.direction <= 0:
            raise ProfileError(
                f"device {profile.device_id}, rule {rule.code}: threshold {main.value:g} gives severity levels "
                "that are not stricter one after another (a factor needs a positive threshold)"
            )
    create_also = tuple(_bound(c, None, rules, profile, ts) for c in rule.create.also)
    clear = (
        _bound(rule.clear, main.value, rules, profile, ts),
        *(_bound(c, None, rules, profile, ts) for c in rule.clear.also),
    )
    return Resolved(
        severities=tuple(level.severity for level in rule.levels),
        levels=tuple(levels),
        create_also=create_also,
        clear=clear,
        clear_any=rule.clear.combine == "any",
    )
