"""The rules as the evaluator reads them on every reading, worked out once per rule set.

A `RulePlan` holds what a rule's evaluation needs without walking the pydantic models again: its
metrics, level count and severities, durations as plain numbers, its schedule compiled for the rules'
zone, and the rule's resolved thresholds kept per set of setting values (so a device's numbers are
filled in once per day part, not per reading). All of it is derived from the rule set alone, so the
evaluator stays pure; `plans(rules)` keeps one `RuleSetPlan` per rule set object.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from rules.alarm_conditions import Condition
from rules.alarm_rules import AlarmRule, AlarmRuleSet
from rules.alarm_terms import OutsideSchedule, Severity

from .model import DeviceProfile, ProfileError
from .thresholds import Resolved, resolve, setting_value
from .windows import Calendar, calendar

_MAX_RESOLVED = 1024  # entries kept per cache (sets of setting values, of switches), then started afresh


class RulePlan:
    __slots__ = (
        "calendar",
        "clear_at_end",
        "clear_count",
        "clear_seconds",
        "code",
        "constant",
        "create_count",
        "create_seconds",
        "levels",
        "needs",
        "none",
        "resolved",
        "rule",
        "settings",
        "severities",
        "silent",
        "wall_clock",
    )

    def __init__(self, rule: AlarmRule, rules: AlarmRuleSet) -> None:
        self.rule = rule
        self.code = rule.code
        self.needs = frozenset(rule.metrics)  # a reading without one of them is ignored by the rule
        self.severities = tuple(level.severity for level in rule.levels)
        self.levels = len(rule.levels)
        self.none: tuple[None, ...] = (None,) * self.levels
        self.create_seconds, self.create_count = _duration(rule.create)
        self.clear_seconds, self.clear_count = _duration(rule.clear)
        silent = rule.clear_if_silent_seconds
        self.silent = None if silent is None else timedelta(seconds=silent.value)
        self.calendar: Calendar | None = None
        if rule.schedule is not None:
            self.calendar = calendar(rules.schedules[rule.schedule], rules.zone)
        self.clear_at_end = rule.outside_schedule is OutsideSchedule.CLEAR
        # The settings resolve() reads, in its order; their values (and the rule) decide the thresholds.
        self.settings = tuple(c.setting for c in rule.comparisons() if c.setting is not None)
        by_day_part = any(
            (table := rules.settings[name].table) is not None and table.by_day_part is not None
            for name in self.settings
        )
        self.wall_clock = self.calendar is not None or by_day_part  # needs the reading's local time
        self.resolved: dict[tuple[float, ...], Resolved] = {}
        self.constant: Resolved | None = None  # the thresholds of a rule without settings, once resolved

    def level_of(self, severity: Severity) -> int:
        """The level of an active severity (the highest level not above it, if the rule file changed)."""
        if severity in self.severities:
            return self.severities.index(severity)
        fitting = [k for k, level in enumerate(self.severities) if level.rank <= severity.rank]
        return fitting[-1] if fitting else 0

    def thresholds(self, rules: AlarmRuleSet, profile: DeviceProfile, ts: datetime, minute: int | None) -> Resolved:
        """resolve(rule, rules, profile, ts), kept per set of setting values. Only successes are kept, so
        a profile that cannot be used raises ProfileError every time, with resolve()'s message."""
        try:
            key = tuple([setting_value(rules, name, profile, ts, minute) for name in self.settings])
        except ProfileError:
            return resolve(self.rule, rules, profile, ts)  # raises in resolve()'s own order
        found = self.resolved.get(key)
        if found is None:
            found = resolve(self.rule, rules, profile, ts)
            if all(key):  # 0.0 == -0.0 as keys, but they print differently in messages: not kept
                if len(self.resolved) >= _MAX_RESOLVED:
                    self.resolved.clear()
                self.resolved[key] = found
                if not key:
                    self.constant = found
        return found


def _duration(condition: Condition) -> tuple[float | None, float | None]:
    """(for_seconds, consecutive) as plain numbers."""
    seconds = None if condition.for_seconds is None else condition.for_seconds.value
    return seconds, None if condition.consecutive is None else condition.consecutive.value


class RuleSetPlan:
    def __init__(self, rules: AlarmRuleSet) -> None:
        self.rules = rules
        self.zone = rules.zone
        self.plans = tuple(RulePlan(rule, rules) for rule in rules.rules)
        self._enabled: dict[tuple[str, frozenset[str], frozenset[str]], tuple[RulePlan, ...]] = {}

    def enabled(self, profile: DeviceProfile) -> tuple[RulePlan, ...]:
        """The plans of the rules of the device's kind that are on: default_enabled or enabled, and not
        disabled (kept per kind and switch sets)."""
        key = (profile.kind, profile.enabled, profile.disabled)
        try:
            return self._enabled[key]
        except KeyError:
            pass
        except TypeError:  # switch sets that are not frozensets: not kept
            return self._select(profile)
        if len(self._enabled) >= _MAX_RESOLVED:
            self._enabled.clear()
        found = self._enabled[key] = self._select(profile)
        return found

    def _select(self, profile: DeviceProfile) -> tuple[RulePlan, ...]:
        return tuple(
            p
            for p in self.plans
            if p.rule.kind == profile.kind
            and (p.rule.default_enabled or p.code in profile.enabled)
            and p.code not in profile.disabled
        )


_PLANS: dict[int, RuleSetPlan] = {}


def plans(rules: AlarmRuleSet) -> RuleSetPlan:
    """The plan of a rule set object; the entry holds the rule set, so its id is not reused meanwhile."""
    found = _PLANS.get(id(rules))
    if found is None or found.rules is not rules:
        if len(_PLANS) >= 64:
            _PLANS.clear()
        found = _PLANS[id(rules)] = RuleSetPlan(rules)
    return found
