"""The pure sensor-alarm evaluator (perception/sensors/) against the shipped rules (rules/data/alarm_rules.yaml).

Numbers come from the loaded rules, not from this file, so the tests follow the data file.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from perception.sensors import (
    AlarmTransition,
    ClearCause,
    DeviceProfile,
    IgnoreReason,
    ProfileError,
    Reading,
    RuleState,
    TransitionKind,
    check_profile,
    evaluate,
    tick,
)
from perception.sensors.thresholds import setting_value
from perception.sensors.windows import in_schedule, window_end
from rules.alarm_rules import AlarmRuleSet, load_alarm_rules, parse_alarm_rules
from rules.alarm_schedules import Schedule
from rules.alarm_terms import Severity, Sourced, Weekday
from rules.data_files import load_yaml
from rules.errors import NaiveDatetimeError

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


# ----------------------------------------------------------------------------- duration


def test_just_under_the_duration_raises_nothing_and_at_it_raises() -> None:
    readings = [fume(ts, LIMIT * 1.2) for ts in series(NOON, NOON + DURATION - timedelta(seconds=1))]
    states, found = feed(FUME_DEVICE, readings)
    assert of(found, FUME.code) == []
    assert states[FUME.code].active is None
    _, found = feed(FUME_DEVICE, [fume(NOON + DURATION, LIMIT * 1.2)], states)
    assert of(found, FUME.code) == [(K.RAISED, Severity.WARNING)]
    raised = found[0]
    assert raised.at == NOON + DURATION and raised.since == NOON
    assert raised.violation == "restaurant_fumes" and raised.values["fume_mg_m3"] == LIMIT * 1.2
    assert raised.thresholds["create.WARNING"] == LIMIT and raised.thresholds["clear"] == pytest.approx(CLEAR_AT)
    assert raised.district == "dongcheng" and FUME.name in raised.message


def test_a_dip_restarts_the_duration() -> None:
    half = NOON + DURATION / 2
    readings = [fume(ts, LIMIT * 1.2) for ts in series(NOON, half)]
    readings.append(fume(half + STEP, LIMIT))  # at the limit is not above it (gt)
    restart = half + 2 * STEP
    readings += [fume(ts, LIMIT * 1.2) for ts in series(restart, restart + DURATION)]
    _, found = feed(FUME_DEVICE, readings)
    assert of(found, FUME.code) == [(K.RAISED, Severity.WARNING)]
    assert found[0].at == restart + DURATION and found[0].since == restart


def test_repeated_exceeding_readings_update_the_one_active_alarm() -> None:
    readings = [fume(ts, LIMIT * 1.2) for ts in series(NOON, NOON + 3 * DURATION)]
    _, found = feed(FUME_DEVICE, readings)
    kinds = [t.kind for t in found if t.rule == FUME.code]
    assert kinds.count(K.RAISED) == 1
    assert kinds[0] is K.RAISED and set(kinds[1:]) == {K.UPDATED}
    assert len(kinds) == len(readings) - (DURATION // STEP)


# ----------------------------------------------------------------------------- consecutive N


WATER = DeviceProfile("water-1", "water", "xicheng")


def water(ts: datetime, turbidity: float = 0.2, chlorine: float = 0.3, ph: float = 7.2) -> Reading:
    values = {"turbidity_ntu": turbidity, "free_chlorine_mg_l": chlorine, "ph": ph}
    return Reading("water-1", "water", "xicheng", ts, values)


def test_consecutive_readings_raise_at_the_nth_and_a_normal_one_resets_the_count() -> None:
    n = int(number(TURBIDITY.create.consecutive))
    high = number(TURBIDITY.create.threshold) * 1.5
    times = series(NOON, NOON + timedelta(minutes=5) * (2 * n + 1), timedelta(minutes=5))
    readings = [water(ts, turbidity=high) for ts in times[: n - 1]]
    readings.append(water(times[n - 1], turbidity=0.2))  # count back to 0
    readings += [water(ts, turbidity=high) for ts in times[n : 2 * n]]
    states, found = feed(WATER, readings[:-1])
    assert of(found, TURBIDITY.code) == []
    _, found = feed(WATER, readings[-1:], states)
    assert of(found, TURBIDITY.code) == [(K.RAISED, Severity.WARNING)]
    assert found[0].at == times[2 * n - 1] and found[0].violation is None


def test_ph_outside_the_range_on_either_side_counts_and_clears_inside_the_narrower_range() -> None:
    n = int(number(PH.create.consecutive))
    low, high = number(PH.create.low), number(PH.create.high)
    times = series(NOON, NOON + timedelta(minutes=5) * (4 * n), timedelta(minutes=5))
    sides = [low - 0.5 if i % 2 else high + 0.5 for i in range(n)]
    readings = [water(ts, ph=v) for ts, v in zip(times, sides, strict=False)]
    # Inside the allowed range but outside the clear range: hysteresis holds the alarm.
    readings += [water(ts, ph=low + 0.05) for ts in times[n : 2 * n]]
    readings += [water(ts, ph=(low + high) / 2) for ts in times[2 * n : 3 * n]]
    _, found = feed(WATER, readings)
    assert of(found, PH.code) == [(K.RAISED, Severity.WARNING), (K.CLEARED, Severity.WARNING)]
    assert [t.at for t in found if t.rule == PH.code] == [times[n - 1], times[3 * n - 1]]


# ----------------------------------------------------------------------------- clear and hysteresis


def raised_fume_states(value: float = LIMIT * 1.2) -> tuple[dict[str, RuleState], datetime]:
    end = NOON + DURATION
    states, found = feed(FUME_DEVICE, [fume(ts, value) for ts in series(NOON, end)])
    assert of(found, FUME.code)[0][0] is K.RAISED
    return states, end


def test_a_value_between_the_clear_and_create_thresholds_neither_raises_nor_clears() -> None:
    between = (CLEAR_AT + LIMIT) / 2
    states, end = raised_fume_states()
    later = [fume(ts, between) for ts in series(end + STEP, end + 10 * DURATION)]
    states, found = feed(FUME_DEVICE, later, states)
    assert of(found, FUME.code, quiet=False) == []
    assert states[FUME.code].active is Severity.WARNING
    # And from no alarm, the same value never raises one.
    _, found = feed(FUME_DEVICE, [fume(ts, between) for ts in series(NOON, NOON + 10 * DURATION)])
    assert of(found, FUME.code, quiet=False) == []


def test_clear_needs_its_own_duration_and_a_higher_reading_restarts_it() -> None:
    states, end = raised_fume_states()
    low = CLEAR_AT * 0.5
    first = end + STEP
    readings = [fume(ts, low) for ts in series(first, first + CLEAR_DURATION - STEP)]
    readings.append(fume(first + CLEAR_DURATION, (CLEAR_AT + LIMIT) / 2))  # dead band: the clear run ends
    restart = first + CLEAR_DURATION + STEP
    readings += [fume(ts, low) for ts in series(restart, restart + CLEAR_DURATION)]
    states, found = feed(FUME_DEVICE, readings, states)
    assert of(found, FUME.code) == [(K.CLEARED, Severity.WARNING)]
    cleared = found[-1]
    assert cleared.at == restart + CLEAR_DURATION and cleared.since == restart
    assert cleared.cause is ClearCause.CONDITION and cleared.previous is Severity.WARNING
    assert states[FUME.code].active is None


def test_an_exceeding_reading_while_clearing_updates_and_restarts_the_clear_run() -> None:
    states, end = raised_fume_states()
    readings = [fume(end + STEP, CLEAR_AT / 2), fume(end + 2 * STEP, LIMIT * 1.5)]
    readings += [fume(ts, CLEAR_AT / 2) for ts in series(end + 3 * STEP, end + 3 * STEP + CLEAR_DURATION)]
    _, found = feed(FUME_DEVICE, readings, states)
    assert of(found, FUME.code, quiet=False) == [(K.UPDATED, Severity.WARNING), (K.CLEARED, Severity.WARNING)]
    assert found[-1].at == end + 3 * STEP + CLEAR_DURATION


# ----------------------------------------------------------------------------- severities


def test_escalation_and_deescalation_each_need_the_duration() -> None:
    t = NOON
    readings = [fume(ts, MAJOR_AT * 1.1) for ts in series(t, t + DURATION)]  # raised straight at MAJOR
    t += DURATION + STEP
    readings += [fume(ts, CRITICAL_AT * 1.1) for ts in series(t, t + DURATION)]  # CRITICAL after the duration
    t += DURATION + STEP
    readings += [fume(ts, MAJOR_AT * 1.1) for ts in series(t, t + DURATION)]  # back to MAJOR after the duration
    t += DURATION + STEP
    readings += [fume(ts, LIMIT * 1.1) for ts in series(t, t + DURATION)]  # WARNING
    _, found = feed(FUME_DEVICE, readings)
    changes = [(t.kind, t.severity, t.previous) for t in found if t.rule == FUME.code and t.kind is not K.UPDATED]
    assert changes == [
        (K.RAISED, Severity.MAJOR, None),
        (K.ESCALATED, Severity.CRITICAL, Severity.MAJOR),
        (K.DEESCALATED, Severity.MAJOR, Severity.CRITICAL),
        (K.DEESCALATED, Severity.WARNING, Severity.MAJOR),
    ]
    at = [t.at for t in found if t.rule == FUME.code and t.kind is not K.UPDATED]
    assert at == [
        NOON + DURATION,
        NOON + 2 * DURATION + STEP,
        NOON + 3 * DURATION + 2 * STEP,
        NOON + 4 * DURATION + 3 * STEP,
    ]
    # Just before the duration, the severity had not changed yet.
    critical_start = NOON + DURATION + STEP
    before = [t for t in found if critical_start <= t.at < critical_start + DURATION]
    assert {(t.kind, t.severity) for t in before} == {(K.UPDATED, Severity.MAJOR)}


def test_raised_at_the_level_held_for_the_whole_duration_not_at_a_last_spike() -> None:
    readings = [fume(ts, LIMIT * 1.1) for ts in series(NOON, NOON + DURATION - STEP)]
    readings.append(fume(NOON + DURATION, CRITICAL_AT * 2))
    _, found = feed(FUME_DEVICE, readings)
    assert of(found, FUME.code) == [(K.RAISED, Severity.WARNING)]


def test_the_dead_band_held_for_the_duration_deescalates_to_the_first_level_but_does_not_clear() -> None:
    states, end = raised_fume_states(MAJOR_AT * 1.1)
    assert states[FUME.code].active is Severity.MAJOR
    between = (CLEAR_AT + LIMIT) / 2
    _, found = feed(FUME_DEVICE, [fume(ts, between) for ts in series(end + STEP, end + STEP + DURATION)], states)
    assert of(found, FUME.code) == [(K.DEESCALATED, Severity.WARNING)]


# ----------------------------------------------------------------------------- schedules and time zones


def test_outside_cooking_hours_the_purifier_rule_does_nothing() -> None:
    afternoon = datetime(2026, 3, 2, 15, 0, tzinfo=SH)
    off = [fume(ts, 0.5, purifier=0, fan=1) for ts in series(afternoon, afternoon + timedelta(hours=1))]
    states, found = feed(FUME_DEVICE, off)
    assert of(found, PURIFIER.code, quiet=False) == []
    assert states[PURIFIER.code].above == (None,)
    duration = timedelta(seconds=number(PURIFIER.create.for_seconds))
    morning = datetime(2026, 3, 2, 11, 0, tzinfo=SH)
    _, found = feed(FUME_DEVICE, [fume(ts, 0.5, purifier=0, fan=1) for ts in series(morning, morning + duration)])
    assert of(found, PURIFIER.code) == [(K.RAISED, Severity.MAJOR)]
    assert found[0].at == morning + duration


def test_a_duration_run_never_spans_two_schedule_windows() -> None:
    duration = timedelta(seconds=number(PURIFIER.create.for_seconds))
    end_of_lunch = datetime(2026, 3, 2, 14, 0, tzinfo=SH)
    readings = [fume(ts, 0.5, purifier=0, fan=1) for ts in series(end_of_lunch - duration / 2, end_of_lunch - STEP)]
    dinner = datetime(2026, 3, 2, 16, 30, tzinfo=SH)  # no reading in between
    readings += [fume(ts, 0.5, purifier=0, fan=1) for ts in series(dinner, dinner + duration)]
    _, found = feed(FUME_DEVICE, readings)
    assert of(found, PURIFIER.code) == [(K.RAISED, Severity.MAJOR)]
    assert found[0].at == dinner + duration and found[0].since == dinner


def test_an_active_alarm_is_kept_after_the_window_and_cleared_only_by_its_clear_condition() -> None:
    duration = timedelta(seconds=number(PURIFIER.create.for_seconds))
    start = datetime(2026, 3, 2, 13, 50, tzinfo=SH)
    states, found = feed(FUME_DEVICE, [fume(ts, 0.5, purifier=0, fan=1) for ts in series(start, start + duration)])
    assert of(found, PURIFIER.code) == [(K.RAISED, Severity.MAJOR)]
    after = datetime(2026, 3, 2, 14, 0, tzinfo=SH)
    states, found = feed(
        FUME_DEVICE, [fume(ts, 0.5, purifier=0, fan=1) for ts in series(after, after + duration)], states
    )
    assert of(found, PURIFIER.code, quiet=False) == []  # kept, not updated outside the schedule
    assert states[PURIFIER.code].active is Severity.MAJOR
    fan_off = after + duration + STEP
    clear_duration = timedelta(seconds=number(PURIFIER.clear.for_seconds))
    readings = [fume(ts, 0.5, purifier=0, fan=0) for ts in series(fan_off, fan_off + clear_duration)]
    _, found = feed(FUME_DEVICE, readings, states)
    assert of(found, PURIFIER.code) == [(K.CLEARED, Severity.MAJOR)]
    assert found[0].at == fan_off + clear_duration


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


def test_a_run_is_cut_at_the_window_end_even_without_silence_or_a_reading_in_between() -> None:
    rules = variant(PURIFIER.code, clear_if_silent_seconds=None)
    duration = timedelta(seconds=number(PURIFIER.create.for_seconds))
    end_of_lunch = datetime(2026, 3, 2, 14, 0, tzinfo=SH)
    readings = [fume(ts, 0.5, purifier=0, fan=1) for ts in series(end_of_lunch - duration / 2, end_of_lunch - STEP)]
    dinner = datetime(2026, 3, 2, 16, 30, tzinfo=SH)
    readings += [fume(ts, 0.5, purifier=0, fan=1) for ts in series(dinner, dinner + duration)]
    _, found = feed(FUME_DEVICE, readings, rules=rules)
    assert next((t.kind, t.at) for t in found if t.rule == PURIFIER.code) == (K.RAISED, dinner + duration)


def test_a_reading_that_meets_the_create_condition_never_counts_towards_clearing() -> None:
    # A clear threshold above a per-device limit cannot be checked at load time: the two overlap here.
    default = number(RULES.settings["pm10_limit_ug_m3"].default)
    clear = {
        "metric": "pm10_ug_m3",
        "op": "lte",
        "threshold": {"value": default * 3, "source": "test", "confidence": "I"},
    }
    rules = variant(DUST.code, clear=clear)
    duration = timedelta(seconds=number(DUST.create.for_seconds))
    readings = [dust(ts, default * 2.5) for ts in series(NOON, NOON + 4 * duration)]  # meets both
    _, found = feed(DeviceProfile("dust-1", "dust", "fengtai"), readings, rules=rules)
    assert of(found, DUST.code) == [(K.RAISED, Severity.MAJOR)]


def clear_at_schedule_end() -> AlarmRuleSet:
    return variant(PURIFIER.code, outside_schedule="clear")


def test_outside_schedule_clear_clears_at_the_window_end_whether_by_tick_or_by_a_later_reading() -> None:
    rules = clear_at_schedule_end()
    duration = timedelta(seconds=number(PURIFIER.create.for_seconds))
    start = datetime(2026, 3, 2, 13, 50, tzinfo=SH)
    states, _ = feed(
        FUME_DEVICE, [fume(ts, 0.5, purifier=0, fan=1) for ts in series(start, start + duration)], rules=rules
    )
    assert states[PURIFIER.code].active is Severity.MAJOR
    window_end = datetime(2026, 3, 2, 14, 0, tzinfo=SH)
    assert tick(FUME_DEVICE, states, window_end - timedelta(seconds=1), rules).transitions == ()
    assert [t.at for t in tick(FUME_DEVICE, states, window_end, rules).transitions] == [window_end]
    ticked = tick(FUME_DEVICE, states, window_end + timedelta(minutes=5), rules)
    assert [(t.kind, t.at, t.cause) for t in ticked.transitions] == [(K.CLEARED, window_end, ClearCause.SCHEDULE_END)]
    assert tick(FUME_DEVICE, ticked.states, window_end + timedelta(minutes=6), rules).transitions == ()
    _, found = feed(FUME_DEVICE, [fume(window_end + timedelta(hours=3), 0.5, purifier=0, fan=1)], states, rules)
    assert [(t.kind, t.at, t.cause) for t in found] == [(K.CLEARED, window_end, ClearCause.SCHEDULE_END)]


NOISE_DEVICE = DeviceProfile("noise-1", "noise", "chaoyang", attributes={"zone_class": "2"})


def noise(ts: datetime, leq: float) -> Reading:
    return Reading("noise-1", "noise", "chaoyang", ts, {"leq_db": leq})


def zone_limits(zone: str) -> tuple[float, float]:
    setting = RULES.settings["social_noise_limit_db"]
    assert setting.table is not None
    row = setting.table.rows[zone]
    return row["day"], row["night"]


def test_the_night_noise_limit_applies_at_23_beijing_and_the_day_limit_at_10_for_readings_sent_in_utc() -> None:
    day_limit, night_limit = zone_limits("2")
    assert night_limit < day_limit
    level = (day_limit + night_limit) / 2  # over the night limit, under the day limit
    duration = timedelta(seconds=number(NOISE.create.for_seconds))
    eleven_pm = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 23:00 in Beijing
    _, found = feed(NOISE_DEVICE, [noise(ts, level) for ts in series(eleven_pm, eleven_pm + duration)])
    assert of(found, NOISE.code) == [(K.RAISED, Severity.WARNING)]
    assert found[0].thresholds["create.WARNING"] == night_limit
    ten_am = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)  # 10:00 in Beijing
    _, found = feed(NOISE_DEVICE, [noise(ts, level) for ts in series(ten_am, ten_am + 4 * duration)])
    assert of(found, NOISE.code, quiet=False) == []
    _, found = feed(NOISE_DEVICE, [noise(ts, day_limit + 1) for ts in series(ten_am, ten_am + duration)])
    assert [(t.kind, t.thresholds["create.WARNING"]) for t in found] == [(K.RAISED, day_limit)]


@pytest.mark.parametrize(
    ("local", "part"),
    [("21:59", "day"), ("22:00", "night"), ("02:00", "night"), ("05:59", "night"), ("06:00", "day")],
)
def test_day_and_night_boundaries_are_those_of_the_noise_law(local: str, part: str) -> None:
    hour, minute = map(int, local.split(":"))
    ts = datetime(2026, 3, 2, hour, minute, tzinfo=SH).astimezone(UTC)
    day_limit, night_limit = zone_limits("2")
    expected = day_limit if part == "day" else night_limit
    assert setting_value(RULES, "social_noise_limit_db", NOISE_DEVICE, ts) == expected


# ----------------------------------------------------------------------------- per-device configuration


def dust(ts: datetime, pm10: float) -> Reading:
    return Reading("dust-1", "dust", "fengtai", ts, {"pm10_ug_m3": pm10})


def test_a_stricter_device_pm10_limit_raises_where_the_city_default_does_not() -> None:
    default = number(RULES.settings["pm10_limit_ug_m3"].default)
    strict = default / 2
    duration = timedelta(seconds=number(DUST.create.for_seconds))
    readings = [dust(ts, (strict + default) / 2) for ts in series(NOON, NOON + duration)]
    city = DeviceProfile("dust-1", "dust", "fengtai")
    _, found = feed(city, readings)
    assert of(found, DUST.code) == []
    device = DeviceProfile("dust-1", "dust", "fengtai", settings={"pm10_limit_ug_m3": strict})
    check_profile(device, RULES)
    _, found = feed(device, readings)
    assert [(t.kind, t.violation, t.thresholds["create.WARNING"]) for t in found] == [
        (K.RAISED, "construction_dust", strict)
    ]


def test_rules_can_be_switched_on_and_off_per_device() -> None:
    no_purifier = DeviceProfile("fume-1", "fume", "dongcheng", disabled=frozenset({PURIFIER.code}))
    states, _ = feed(no_purifier, [fume(NOON, 0.5, purifier=0, fan=1)])
    assert set(states) == {FUME.code}
    site = DeviceProfile(
        "noise-1", "noise", "chaoyang", attributes={"zone_class": "2"}, enabled=frozenset({"construction_noise_limit"})
    )
    check_profile(site, RULES)
    construction = RULES.get("construction_noise_limit")
    assert not construction.default_enabled
    states, _ = feed(NOISE_DEVICE, [noise(NOON, 40)])
    assert set(states) == {NOISE.code}
    states, _ = feed(site, [noise(NOON, 40)])
    assert set(states) == {NOISE.code, construction.code}


def test_a_profile_without_what_its_rules_need_is_refused() -> None:
    no_zone = DeviceProfile("noise-1", "noise", "chaoyang")
    with pytest.raises(ProfileError, match="zone_class"):
        check_profile(no_zone, RULES)
    with pytest.raises(ProfileError, match="zone_class"):
        evaluate(no_zone, noise(NOON, 40), {}, RULES)
    with pytest.raises(ProfileError, match="'5' is not one of"):
        check_profile(DeviceProfile("noise-1", "noise", "chaoyang", attributes={"zone_class": "5"}), RULES)
    with pytest.raises(ProfileError, match="unknown setting"):
        check_profile(DeviceProfile("dust-1", "dust", "fengtai", settings={"pm10_limit": 80}), RULES)
    with pytest.raises(ProfileError, match="unknown rule"):
        check_profile(DeviceProfile("dust-1", "dust", "fengtai", enabled=frozenset({"dust_pm25"})), RULES)
    with pytest.raises(ProfileError, match="not stricter"):
        evaluate(
            DeviceProfile("dust-1", "dust", "fengtai", settings={"pm10_limit_ug_m3": -5}), dust(NOON, 1), {}, RULES
        )


# ----------------------------------------------------------------------------- silence, staleness, restarts


def test_clear_if_silent_clears_at_the_instant_the_silence_began_to_count_and_only_once() -> None:
    states, end = raised_fume_states()
    assert tick(FUME_DEVICE, states, end + SILENT - timedelta(seconds=1), RULES).transitions == ()
    assert [t.at for t in tick(FUME_DEVICE, states, end + SILENT, RULES).transitions] == [end + SILENT]
    ticked = tick(FUME_DEVICE, states, end + SILENT + timedelta(hours=2), RULES)
    cleared = [(t.rule, t.kind, t.at, t.cause) for t in ticked.transitions]
    assert cleared == [(FUME.code, K.CLEARED, end + SILENT, ClearCause.SILENCE)]
    assert tick(FUME_DEVICE, ticked.states, end + SILENT + timedelta(hours=3), RULES).transitions == ()


def test_a_reading_after_a_long_silence_clears_first_and_restarts_the_duration() -> None:
    states, end = raised_fume_states()
    back = end + SILENT + timedelta(minutes=1)
    _, by_reading = feed(FUME_DEVICE, [fume(ts, LIMIT * 1.2) for ts in series(back, back + DURATION)], states)
    ticked = tick(FUME_DEVICE, states, back - timedelta(seconds=1), RULES)
    _, after_tick = feed(FUME_DEVICE, [fume(ts, LIMIT * 1.2) for ts in series(back, back + DURATION)], ticked.states)
    assert of(by_reading, FUME.code) == [(K.CLEARED, Severity.WARNING), (K.RAISED, Severity.WARNING)]
    assert [(t.kind, t.at) for t in by_reading if t.kind is not K.UPDATED] == [
        (K.CLEARED, end + SILENT),
        (K.RAISED, back + DURATION),
    ]
    assert list(ticked.transitions) + after_tick == by_reading


def test_out_of_order_and_duplicate_readings_are_ignored_as_stale() -> None:
    states, _ = feed(FUME_DEVICE, [fume(NOON, 1.0), fume(NOON + STEP, 1.0)])
    for ts in (NOON, NOON + STEP):
        result = evaluate(FUME_DEVICE, fume(ts, LIMIT * 9), states, RULES)
        assert result.transitions == ()
        assert result.states == states
        assert result.ignored == {FUME.code: IgnoreReason.STALE, PURIFIER.code: IgnoreReason.STALE}


def test_a_reading_without_a_rules_metrics_is_ignored_by_that_rule_only() -> None:
    reading = Reading("fume-1", "fume", "dongcheng", NOON, {"fume_mg_m3": 1.0})
    result = evaluate(FUME_DEVICE, reading, {}, RULES)
    assert result.ignored == {PURIFIER.code: IgnoreReason.MISSING_METRICS}
    assert set(result.states) == {FUME.code}


def test_state_survives_a_json_round_trip_in_the_middle_of_a_duration() -> None:
    readings = [fume(ts, LIMIT * 1.2) for ts in series(NOON, NOON + DURATION + 2 * STEP)]
    half = len(readings) // 2
    states, first = feed(FUME_DEVICE, readings[:half])
    assert first == []
    stored = json.dumps({code: state.to_json() for code, state in states.items()})
    restored = {code: RuleState.from_json(data) for code, data in json.loads(stored).items()}
    assert restored == states
    _, rest = feed(FUME_DEVICE, readings[half:], restored)
    assert (rest[0].kind, rest[0].at) == (K.RAISED, NOON + DURATION)
    # Without the stored state the restart would have begun the duration at 0.
    _, forgotten = feed(FUME_DEVICE, readings[half:])
    assert of(forgotten, FUME.code) == []


def test_reading_from_an_mqtt_message() -> None:
    payload = {"ts": "2026-03-02T04:00:00Z", "values": {"fume_mg_m3": 2.4, "purifier_on": True, "fan_on": False}}
    reading = Reading.from_message("zhifa/dongcheng/sensors/fume/fume-1", payload)
    assert (reading.district, reading.kind, reading.device_id) == ("dongcheng", "fume", "fume-1")
    assert reading.ts == NOON and reading.values == {"fume_mg_m3": 2.4, "purifier_on": 1.0, "fan_on": 0.0}
    with pytest.raises(ValueError, match="topic"):
        Reading.from_message("zhifa/dongcheng/fume/fume-1", payload)
    with pytest.raises(NaiveDatetimeError):
        Reading.from_message("zhifa/dongcheng/sensors/fume/fume-1", {**payload, "ts": "2026-03-02T12:00:00"})
    with pytest.raises(ValueError, match="finite"):
        Reading("fume-1", "fume", "dongcheng", NOON, {"fume_mg_m3": float("nan")})


# ----------------------------------------------------------------------------- properties

# Runs of readings at values around every fume threshold (dead band, each level), flags on or off, gaps
# up to past the silence limit, some out of order; times start at 13:40 and cross the end of lunch (14:00).
_values = st.sampled_from(
    [0.0, CLEAR_AT * 0.5, (CLEAR_AT + LIMIT) / 2, LIMIT, LIMIT * 1.2, MAJOR_AT * 1.1, CRITICAL_AT * 2]
)
_gaps = st.sampled_from([-60, 0, 1, 30, 60, 120, 300, int(SILENT.total_seconds()) + 60])
_segments = st.tuples(_values, st.sampled_from([0, 1]), st.sampled_from([0, 1]), st.integers(1, 40), _gaps)


def _readings(segments: list[tuple[float, int, int, int, int]]) -> list[Reading]:
    """Each segment: `count` readings of one value a STEP apart, after a gap (negative: out of order)."""
    ts = datetime(2026, 3, 2, 13, 40, tzinfo=SH)
    out = []
    for value, purifier, fan, count, gap in segments:
        ts += timedelta(seconds=gap)
        for _ in range(count):
            out.append(fume(ts, value, purifier=purifier, fan=fan))
            ts += STEP
    return out


def _check_lifecycle(transitions: list[AlarmTransition]) -> None:
    active: dict[str, Severity | None] = {}
    for t in transitions:
        current = active.get(t.rule)
        if t.kind is K.RAISED:
            assert current is None, f"second raised for {t.rule} at {t.at}"
            active[t.rule] = t.severity
            continue
        assert current is not None, f"{t.kind} for {t.rule} without an active alarm"
        if t.kind is K.CLEARED:
            assert t.previous == current
            active[t.rule] = None
        elif t.kind is K.UPDATED:
            assert t.severity == current
        else:
            assert t.previous == current
            assert (t.severity.rank > current.rank) == (t.kind is K.ESCALATED)
            assert t.severity != current
            active[t.rule] = t.severity


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_segments, max_size=12), st.lists(st.booleans(), max_size=200))
def test_any_sequence_keeps_one_alarm_per_rule_and_does_not_depend_on_restarts_or_ticks(
    segments: list[tuple[float, int, int, int, int]], restarts: list[bool]
) -> None:
    readings = _readings(segments)
    _, plain = feed(FUME_DEVICE, readings)
    _check_lifecycle(plain)
    for t in plain:
        event(f"{t.rule} {t.kind.value}")

    # The same readings with the state stored as JSON and ticks between readings (a worker restart and
    # its timer): the same transitions, in the same order.
    states: dict[str, RuleState] = {}
    found: list[AlarmTransition] = []
    for i, reading in enumerate(readings):
        if i < len(restarts) and restarts[i]:
            states = {c: RuleState.from_json(json.loads(json.dumps(s.to_json()))) for c, s in states.items()}
            last = max((s.last_ts for s in states.values() if s.last_ts), default=None)
            if last is not None and reading.ts > last:
                ticked = tick(FUME_DEVICE, states, reading.ts - timedelta(seconds=1), RULES)
                states, found = dict(ticked.states), found + list(ticked.transitions)
        result = evaluate(FUME_DEVICE, reading, states, RULES)
        states, found = dict(result.states), found + list(result.transitions)
    assert found == plain


def test_schedule_windows_cross_midnight_and_touching_windows_are_one_span() -> None:
    def window(days: list[str], start: str, end: str) -> dict[str, object]:
        return {"days": days, "start": start, "end": end}

    night = Schedule.model_validate(
        {
            "name": "夜间",
            "source": "test",
            "confidence": "I",
            "windows": [
                window(["mon"], "22:00", "24:00"),
                window(["tue"], "00:00", "06:00"),
                window(["sun"], "23:00", "01:00"),
            ],
        }
    )
    monday = datetime(2026, 3, 2, 23, 0, tzinfo=SH)  # a Monday
    assert monday.weekday() == 0
    assert in_schedule(night, monday, SH) and in_schedule(night, monday + timedelta(hours=6, minutes=59), SH)
    assert not in_schedule(night, monday + timedelta(hours=7), SH)
    assert window_end(night, monday, SH) == datetime(2026, 3, 3, 6, 0, tzinfo=SH)
    sunday = datetime(2026, 3, 1, 23, 30, tzinfo=SH)
    assert window_end(night, sunday, SH) == datetime(2026, 3, 2, 1, 0, tzinfo=SH)
    assert in_schedule(night, sunday.astimezone(UTC), SH)
    assert window_end(night, datetime(2026, 3, 2, 12, 0, tzinfo=SH), SH) is None
    always = Schedule.model_validate(
        {"name": "全天", "source": "test", "confidence": "I", "windows": [window(list(Weekday), "00:00", "24:00")]}
    )
    assert in_schedule(always, monday, SH) and window_end(always, monday, SH) is None


def test_a_stored_state_of_another_format_or_device_is_refused() -> None:
    states, _ = feed(FUME_DEVICE, [fume(NOON, 1.0)])
    data = states[FUME.code].to_json()
    with pytest.raises(ValueError, match="format"):
        RuleState.from_json({**data, "format": 0})
    other = {FUME.code: RuleState.from_json({**data, "device_id": "fume-2"})}
    with pytest.raises(ValueError, match="fume-2"):
        evaluate(FUME_DEVICE, fume(NOON + STEP, 1.0), other, RULES)
