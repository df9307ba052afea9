"""What the sensor-alarm evaluator (perception/sensors/) is given besides the rules, and what it keeps.

Device profiles (a stricter per-device limit, rules switched on or off per device, profiles refused for what
their rules need), readings (stale, missing a rule's metrics, parsed from an MQTT message), silence cleared by
`tick`, and the rule state stored as JSON across worker restarts, with a property test that restarts and ticks
never change the transitions and that each rule keeps at most one alarm.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

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
    check_profile,
    evaluate,
    tick,
)
from rules.alarm_terms import Severity
from rules.errors import NaiveDatetimeError
from tests.perception.sensor_rules_support import (
    CLEAR_AT,
    CRITICAL_AT,
    DURATION,
    DUST,
    FUME,
    FUME_DEVICE,
    LIMIT,
    MAJOR_AT,
    NOISE,
    NOISE_DEVICE,
    NOON,
    PURIFIER,
    RULES,
    SH,
    SILENT,
    STEP,
    K,
    dust,
    feed,
    fume,
    noise,
    number,
    of,
    raised_fume_states,
    series,
)

# ----------------------------------------------------------------------------- per-device configuration


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


def test_a_stored_state_of_another_format_or_device_is_refused() -> None:
    states, _ = feed(FUME_DEVICE, [fume(NOON, 1.0)])
    data = states[FUME.code].to_json()
    with pytest.raises(ValueError, match="format"):
        RuleState.from_json({**data, "format": 0})
    other = {FUME.code: RuleState.from_json({**data, "device_id": "fume-2"})}
    with pytest.raises(ValueError, match="fume-2"):
        evaluate(FUME_DEVICE, fume(NOON + STEP, 1.0), other, RULES)


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
