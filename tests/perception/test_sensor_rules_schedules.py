"""The sensor-alarm evaluator (perception/sensors/) and the time of day.

Against the shipped rules (rules/data/alarm_rules.yaml): a rule that runs only inside its schedule (cooking
hours), duration runs cut at a window's end, an active alarm kept after its window or cleared there
(`outside_schedule: clear`) by a tick or a later reading, schedule windows that cross midnight, and the noise
law's day and night limits, with readings sent in UTC and schedules in Beijing time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from perception.sensors import ClearCause, tick
from perception.sensors.thresholds import setting_value
from perception.sensors.windows import in_schedule, window_end
from rules.alarm_rules import AlarmRuleSet
from rules.alarm_schedules import Schedule
from rules.alarm_terms import Severity, Weekday
from tests.perception.sensor_rules_support import (
    FUME_DEVICE,
    NOISE,
    NOISE_DEVICE,
    PURIFIER,
    RULES,
    SH,
    STEP,
    K,
    feed,
    fume,
    noise,
    number,
    of,
    series,
    variant,
)

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


def test_a_run_is_cut_at_the_window_end_even_without_silence_or_a_reading_in_between() -> None:
    rules = variant(PURIFIER.code, clear_if_silent_seconds=None)
    duration = timedelta(seconds=number(PURIFIER.create.for_seconds))
    end_of_lunch = datetime(2026, 3, 2, 14, 0, tzinfo=SH)
    readings = [fume(ts, 0.5, purifier=0, fan=1) for ts in series(end_of_lunch - duration / 2, end_of_lunch - STEP)]
    dinner = datetime(2026, 3, 2, 16, 30, tzinfo=SH)
    readings += [fume(ts, 0.5, purifier=0, fan=1) for ts in series(dinner, dinner + duration)]
    _, found = feed(FUME_DEVICE, readings, rules=rules)
    assert next((t.kind, t.at) for t in found if t.rule == PURIFIER.code) == (K.RAISED, dinner + duration)


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


# ----------------------------------------------------------------------------- day and night


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
