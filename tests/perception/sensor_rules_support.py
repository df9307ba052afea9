"""Helpers shared by the sensor-rule tests (tests/perception/test_sensor_rules_*.py).

The rules, thresholds and durations come from the shipped rules (rules/data/alarm_rules.yaml), not from
the tests, so the tests follow the data file; the readings, devices and `feed` drive the pure evaluator
(perception/sensors/).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from perception.sensors import AlarmTransition, DeviceProfile, Reading, RuleState, TransitionKind, evaluate
from rules.alarm_rules import AlarmRuleSet, load_alarm_rules, parse_alarm_rules
from rules.alarm_terms import Severity, Sourced
from rules.data_files import load_yaml

SH = ZoneInfo("Asia/Shanghai")
RULES = load_alarm_rules()
K = TransitionKind

FUME = RULES.get("fume_concentration")
PURIFIER = RULES.get("purifier_off_while_cooking")
TURBIDITY = RULES.get("water_turbidity")
PH = RULES.get("water_ph_out_of_range")
DUST = RULES.get("dust_pm10")
NOISE = RULES.get("noise_zone_limit")


def number(value: Sourced | None) -> float:
    assert value is not None
    return value.value


LIMIT = number(FUME.create.threshold)  # 2.0 mg/m³
DURATION = timedelta(seconds=number(FUME.create.for_seconds))
CLEAR_AT = LIMIT * number(FUME.clear.factor)
CLEAR_DURATION = timedelta(seconds=number(FUME.clear.for_seconds))
SILENT = timedelta(seconds=number(FUME.clear_if_silent_seconds))
MAJOR_AT = LIMIT * number(FUME.levels[1].factor)
CRITICAL_AT = LIMIT * number(FUME.levels[2].factor)
STEP = timedelta(seconds=30)

# A weekday inside cooking hours (10:00–14:00 in the shipped schedule).
NOON = datetime(2026, 3, 2, 12, 0, tzinfo=SH)

FUME_DEVICE = DeviceProfile("fume-1", "fume", "dongcheng")


def fume(ts: datetime, value: float, *, purifier: float = 1, fan: float = 1) -> Reading:
    return Reading("fume-1", "fume", "dongcheng", ts, {"fume_mg_m3": value, "purifier_on": purifier, "fan_on": fan})


def feed(
    profile: DeviceProfile,
    readings: Iterable[Reading],
    states: Mapping[str, RuleState] | None = None,
    rules: AlarmRuleSet = RULES,
) -> tuple[dict[str, RuleState], list[AlarmTransition]]:
    current = dict(states or {})
    found: list[AlarmTransition] = []
    for reading in readings:
        result = evaluate(profile, reading, current, rules)
        current = dict(result.states)
        found += result.transitions
    return current, found


def series(start: datetime, end: datetime, step: timedelta = STEP) -> list[datetime]:
    """start, start+step, … up to and including end."""
    out = []
    while start <= end:
        out.append(start)
        start += step
    return out


def of(transitions: list[AlarmTransition], rule: str, *, quiet: bool = True) -> list[tuple[K, Severity]]:
    """(kind, severity) of one rule's transitions; `updated` left out when quiet."""
    return [(t.kind, t.severity) for t in transitions if t.rule == rule and not (quiet and t.kind is K.UPDATED)]


def raised_fume_states(value: float = LIMIT * 1.2) -> tuple[dict[str, RuleState], datetime]:
    end = NOON + DURATION
    states, found = feed(FUME_DEVICE, [fume(ts, value) for ts in series(NOON, end)])
    assert of(found, FUME.code)[0][0] is K.RAISED
    return states, end


def variant(code: str, **changes: object) -> AlarmRuleSet:
    """The shipped rules with one rule's fields replaced (None removes a field)."""
    raw = copy.deepcopy(load_yaml("alarm_rules.yaml"))
    rule = next(r for r in raw["rules"] if r["code"] == code)
    for key, value in changes.items():
        if value is None:
            rule.pop(key, None)
        else:
            rule[key] = value
    return parse_alarm_rules(raw)


NOISE_DEVICE = DeviceProfile("noise-1", "noise", "chaoyang", attributes={"zone_class": "2"})


def noise(ts: datetime, leq: float) -> Reading:
    return Reading("noise-1", "noise", "chaoyang", ts, {"leq_db": leq})


def dust(ts: datetime, pm10: float) -> Reading:
    return Reading("dust-1", "dust", "fengtai", ts, {"pm10_ug_m3": pm10})
