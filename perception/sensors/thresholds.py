"""Fill in a rule's numbers for one device at one instant: settings (city default, device override,
zone-class and day/night tables), severity levels and the relative clear threshold."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise

from rules.alarm_rules import AlarmRule, AlarmRuleSet, Comparison, Op, Severity

from .model import DeviceProfile, ProfileError
from .windows import day_part

_SYMBOL = {Op.GT: ">", Op.GTE: "≥", Op.LT: "<", Op.LTE: "≤", Op.EQ: "=", Op.NE: "≠"}


@dataclass(frozen=True)
class Bound:
    """A comparison with its numbers filled in."""

    metric: str
    op: Op
    value: float | None = None
    low: float | None = None
    high: float | None = None

    def holds(self, values: Mapping[str, float]) -> bool:
        x = values[self.metric]
        if self.op.is_range:
            assert self.low is not None and self.high is not None
            inside = self.low <= x <= self.high
            return inside if self.op is Op.BETWEEN else not inside
        assert self.value is not None
        return {
            Op.GT: x > self.value,
            Op.GTE: x >= self.value,
            Op.LT: x < self.value,
            Op.LTE: x <= self.value,
            Op.EQ: x == self.value,
            Op.NE: x != self.value,
        }[self.op]

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
        if not all(b.holds(values) for b in self.create_also):
            return -1
        met = -1
        for k, bound in enumerate(self.levels):
            if not bound.holds(values):
                break
            met = k
        return met

    def clears(self, values: Mapping[str, float]) -> bool:
        results = [b.holds(values) for b in self.clear]
        return any(results) if self.clear_any else all(results)

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


def setting_value(rules: AlarmRuleSet, name: str, profile: DeviceProfile, ts: datetime) -> float:
    """The device's override, else the city default, else the table cell for the device attribute and
    the day part at ts (local time)."""
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
    column = "all" if table.by_day_part is None else day_part(rules.day_parts[table.by_day_part], ts, rules.zone)
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
