"""The pure alarm evaluator: readings and time in, rule states and alarm transitions out.

No I/O and no wall clock: time comes only from reading timestamps and tick()'s explicit `now`, so the
same inputs always give the same outputs, and a state restored from JSON continues exactly.

Semantics (per device and rule; the numbers are in rules/data/alarm_rules.yaml)
- A duration (for_seconds) is measured between reading timestamps, from the first reading of an
  unbroken run of readings meeting the condition: a reading that does not meet it ends the run.
  consecutive N counts readings in such a run; neither means one reading is enough.
- One active alarm per (device, rule). Raised when the create condition has held for its duration, at
  the highest severity level that has held that long. While active, a newer reading meeting the create
  condition gives `updated` (or `escalated` when a higher level has now held for the duration);
  `deescalated` when the readings have stayed under the current level for the duration (to the highest
  level that has held, at least the first). Never a second `raised` before a `cleared`.
- Cleared only by the separate clear condition held for its own duration (a value between the clear and
  create thresholds neither raises nor clears: hysteresis), by silence (clear_if_silent_seconds, which
  also restarts every run), or by the end of a schedule window when outside_schedule is `clear`.
  A reading that meets the create condition never counts towards clearing.
- Outside its schedule a rule neither raises, escalates nor accumulates duration, and a run never spans
  two windows; an active alarm is kept (`keep`) and its clear condition is still judged, or cleared
  at the window's end (`clear`).
- A reading missing a metric of the rule, or not newer than the last one the rule judged (out of order,
  or a duplicate delivery), changes nothing and is listed in Evaluation.ignored.
- Silence and schedule ends are applied before each reading as well as by tick(), at the instant they
  happened, so the result does not depend on how often tick() runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from rules.alarm_rules import AlarmRule, AlarmRuleSet, Condition, OutsideSchedule, Severity

from .messages import describe
from .model import (
    AlarmTransition,
    ClearCause,
    DeviceProfile,
    Evaluation,
    IgnoreReason,
    ProfileError,
    Reading,
    TransitionKind,
)
from .state import RuleState, Run, extend
from .thresholds import Resolved, resolve
from .windows import in_schedule, window_end

Kind = TransitionKind


def enabled_rules(profile: DeviceProfile, rules: AlarmRuleSet) -> tuple[AlarmRule, ...]:
    """The rules of the device's kind that are on: default_enabled or enabled, and not disabled."""
    return tuple(
        r
        for r in rules.for_kind(profile.kind)
        if (r.default_enabled or r.code in profile.enabled) and r.code not in profile.disabled
    )


def check_profile(profile: DeviceProfile, rules: AlarmRuleSet) -> None:
    """Raise ProfileError unless every enabled rule can be evaluated for this device in every day part."""
    unknown = sorted((profile.enabled | profile.disabled) - set(rules.codes))
    if unknown:
        raise ProfileError(f"device {profile.device_id}: unknown rule code(s) {', '.join(unknown)}")
    wrong_kind = sorted(c for c in profile.enabled if rules.get(c).kind != profile.kind)
    if wrong_kind:
        raise ProfileError(f"device {profile.device_id} ({profile.kind}): rule(s) of another kind {wrong_kind}")
    unknown = sorted(set(profile.settings) - set(rules.settings))
    if unknown:
        raise ProfileError(f"device {profile.device_id}: unknown setting(s) {', '.join(unknown)}")
    # One instant in each day part of each day-part set, on a fixed local day.
    day = datetime(2026, 1, 5, tzinfo=rules.zone)
    instants = [day] + [
        day + timedelta(minutes=span.start_minute)
        for parts in rules.day_parts.values()
        for span in parts.parts.values()
    ]
    for rule in enabled_rules(profile, rules):
        for instant in instants:
            resolve(rule, rules, profile, instant)


def evaluate(
    profile: DeviceProfile, reading: Reading, states: Mapping[str, RuleState], rules: AlarmRuleSet
) -> Evaluation:
    """Judge one reading against every enabled rule of the device. `states` maps rule code → state (a
    missing entry is a fresh state); the result holds every state, changed or not."""
    if (reading.device_id, reading.kind) != (profile.device_id, profile.kind):
        raise ValueError(
            f"reading of {reading.device_id} ({reading.kind}) given with the profile of {profile.device_id}"
        )
    out = dict(states)
    transitions: list[AlarmTransition] = []
    ignored: dict[str, IgnoreReason] = {}
    for rule in enabled_rules(profile, rules):
        state = _state(states, profile, rule)
        if any(metric not in reading.values for metric in rule.metrics):
            ignored[rule.code] = IgnoreReason.MISSING_METRICS
            continue
        if state.last_ts is not None and reading.ts <= state.last_ts:
            ignored[rule.code] = IgnoreReason.STALE
            continue
        state, expired = _expire(profile, rule, rules, state, reading.ts)
        resolved = resolve(rule, rules, profile, reading.ts)
        scheduled = rule.schedule is None or in_schedule(rules.schedules[rule.schedule], reading.ts, rules.zone)
        state, judged = _judge(profile, rule, resolved, state, reading, scheduled)
        out[rule.code] = state
        transitions += expired + judged
    return Evaluation(out, tuple(transitions), ignored)


def tick(profile: DeviceProfile, states: Mapping[str, RuleState], now: datetime, rules: AlarmRuleSet) -> Evaluation:
    """Time-only effects up to `now`: silence (clear_if_silent_seconds) and schedule ends."""
    out = dict(states)
    transitions: list[AlarmTransition] = []
    for rule in enabled_rules(profile, rules):
        if rule.code in states:
            out[rule.code], expired = _expire(profile, rule, rules, _state(states, profile, rule), now)
            transitions += expired
    return Evaluation(out, tuple(transitions))


# ----------------------------------------------------------------------------- one rule


def _state(states: Mapping[str, RuleState], profile: DeviceProfile, rule: AlarmRule) -> RuleState:
    state = states.get(rule.code) or RuleState(profile.device_id, rule.code)
    if (state.device_id, state.rule) != (profile.device_id, rule.code):
        raise ValueError(f"state of {state.device_id}/{state.rule} given for {profile.device_id}/{rule.code}")
    return state.fitted(len(rule.levels))


def _sustained(run: Run | None, condition: Condition, ts: datetime) -> bool:
    if run is None:
        return False
    if condition.for_seconds is not None:
        return (ts - run.since).total_seconds() >= condition.for_seconds.value
    if condition.consecutive is not None:
        return run.count >= condition.consecutive.value
    return True


def _index(rule: AlarmRule, severity: Severity) -> int:
    """The level of an active severity (the highest level not above it, if the rule file changed)."""
    fitting = [k for k, level in enumerate(rule.levels) if level.severity.rank <= severity.rank]
    return fitting[-1] if fitting else 0


def _expire(
    profile: DeviceProfile, rule: AlarmRule, rules: AlarmRuleSet, state: RuleState, upto: datetime
) -> tuple[RuleState, list[AlarmTransition]]:
    if state.last_ts is None:
        return state, []
    silent_at = None
    if rule.clear_if_silent_seconds is not None:
        silent_at = state.last_ts + timedelta(seconds=rule.clear_if_silent_seconds.value)
    window_ended = None
    if rule.schedule is not None:
        window_ended = window_end(rules.schedules[rule.schedule], state.last_ts, rules.zone)
    ends: list[tuple[datetime, ClearCause]] = []
    if silent_at is not None and silent_at <= upto:
        ends.append((silent_at, ClearCause.SILENCE))
        state = state.reset_runs()
    if window_ended is not None and window_ended <= upto:
        if rule.outside_schedule is OutsideSchedule.CLEAR:
            ends.append((window_ended, ClearCause.SCHEDULE_END))
        # A run never spans two windows; the clear condition is judged at all times, so clearing stays.
        state = replace(state.reset_runs(), clearing=state.clearing)
    if state.active is None or not ends:
        return state, []
    at, cause = min(ends)
    cleared = replace(state.reset_runs(), active=None, raised_at=None)
    since = state.last_ts if cause is ClearCause.SILENCE else None
    text = describe(rule, Kind.CLEARED, state.active, since=since, cause=cause)
    transition = _transition(profile, rule, Kind.CLEARED, state.active, state.active, at, since, {}, {}, cause, text)
    return cleared, [transition]


def _judge(
    profile: DeviceProfile,
    rule: AlarmRule,
    resolved: Resolved,
    state: RuleState,
    reading: Reading,
    scheduled: bool,
) -> tuple[RuleState, list[AlarmTransition]]:
    ts, values, n = reading.ts, reading.values, len(rule.levels)
    met = resolved.level(values)
    level = met if scheduled else -1
    none: tuple[Run | None, ...] = (None,) * n
    above = tuple(extend(state.above[k], ts) if k <= level else None for k in range(n)) if scheduled else none
    below = tuple(extend(state.below[k], ts) if level < k else None for k in range(n)) if scheduled else none
    clearing = extend(state.clearing, ts) if state.active and met < 0 and resolved.clears(values) else None
    top = max((k for k in range(n) if _sustained(above[k], rule.create, ts)), default=-1)
    new = replace(state, last_ts=ts, above=above, below=below, clearing=clearing)
    thresholds = resolved.thresholds()

    def emit(kind: Kind, k: int, previous: Severity | None, since: datetime | None) -> AlarmTransition:
        severity = rule.levels[k].severity if k >= 0 else previous
        assert severity is not None
        bounds = (resolved.levels[k],) if k >= 0 else resolved.clear
        text = describe(rule, kind, severity, values=values, bounds=bounds, any_of=resolved.clear_any, since=since)
        cause = ClearCause.CONDITION if kind is Kind.CLEARED else None
        return _transition(profile, rule, kind, severity, previous, ts, since, values, thresholds, cause, text)

    if state.active is None:
        if top < 0:
            return new, []
        severity = rule.levels[top].severity
        return replace(new, active=severity, raised_at=ts), [emit(Kind.RAISED, top, None, _since(above[top]))]
    current = _index(rule, state.active)
    if clearing is not None and _sustained(clearing, rule.clear, ts):
        cleared = replace(new.reset_runs(), active=None, raised_at=None)
        return cleared, [emit(Kind.CLEARED, -1, state.active, clearing.since)]
    if top > current:
        severity = rule.levels[top].severity
        return replace(new, active=severity), [emit(Kind.ESCALATED, top, state.active, _since(above[top]))]
    if current > 0 and _sustained(below[current], rule.create, ts):
        target = max(top, 0)
        severity = rule.levels[target].severity
        return replace(new, active=severity), [emit(Kind.DEESCALATED, target, state.active, _since(below[current]))]
    if level >= 0:
        return new, [emit(Kind.UPDATED, current, None, None)]
    return new, []


def _since(run: Run | None) -> datetime | None:
    return None if run is None else run.since


def _transition(
    profile: DeviceProfile,
    rule: AlarmRule,
    kind: Kind,
    severity: Severity,
    previous: Severity | None,
    at: datetime,
    since: datetime | None,
    values: Mapping[str, float],
    thresholds: Mapping[str, float],
    cause: ClearCause | None,
    message: str,
) -> AlarmTransition:
    return AlarmTransition(
        device_id=profile.device_id,
        district=profile.district,
        rule=rule.code,
        violation=rule.violation,
        kind=kind,
        severity=severity,
        previous=previous,
        at=at,
        since=since,
        values=dict(values),
        thresholds=dict(thresholds),
        cause=cause,
        message=message,
    )
