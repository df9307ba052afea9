"""When the sensor-alarm evaluator (perception/sensors/) raises, changes and clears an alarm.

Against the shipped rules (rules/data/alarm_rules.yaml): a create condition held for its duration or met by N
consecutive readings, the clear condition with its own duration and the dead band between the two (hysteresis),
and the severity levels, escalated and de-escalated only after the duration. Numbers come from the loaded rules
(tests/perception/sensor_rules_support.py), not from this file, so the tests follow the data file.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from perception.sensors import ClearCause, DeviceProfile, Reading
from rules.alarm_terms import Severity
from tests.perception.sensor_rules_support import (
    CLEAR_AT,
    CLEAR_DURATION,
    CRITICAL_AT,
    DURATION,
    DUST,
    FUME,
    FUME_DEVICE,
    LIMIT,
    MAJOR_AT,
    NOON,
    PH,
    RULES,
    STEP,
    TURBIDITY,
    K,
    dust,
    feed,
    fume,
    number,
    of,
    raised_fume_states,
    series,
    variant,
)

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
