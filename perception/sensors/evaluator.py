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
from datetime import UTC, date, datetime, timedelta

from rules.alarm_rules import AlarmRule, AlarmRuleSet
from rules.alarm_terms import Severity

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
from .plan import RulePlan, plans
from .state import RuleState, Run, extend
from .thresholds import Resolved, resolve

Kind = TransitionKind


def enabled_rules(profile: DeviceProfile, rules: AlarmRuleSet) -> tuple[AlarmRule, ...]:
    """The rules of the device's kind that are on: default_enabled or enabled, and not disabled."""
    return tuple(p.rule for p in plans(rules).enabled(profile))


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
    plan = plans(rules)
    ts, values = reading.ts, reading.values
    utc = _utc(ts)  # for comparisons with schedule windows
    out = dict(states)
    transitions: list[AlarmTransition] = []
    ignored: dict[str, IgnoreReason] = {}
    today = date.min  # the reading's local date and minute, worked out once for all its rules
    minute: int | None = None
    for rule in plan.enabled(profile):
        state = _state(states, profile, rule)
        if not values.keys() >= rule.needs:
            ignored[rule.code] = IgnoreReason.MISSING_METRICS
            continue
        if state.last_ts is not None and ts <= state.last_ts:
            ignored[rule.code] = IgnoreReason.STALE
            continue
        state, expired = _expire(profile, rule, state, ts, utc)
        if rule.wall_clock and minute is None:
            wall = ts.astimezone(plan.zone)
            today, minute = wall.date(), wall.hour * 60 + wall.minute
        resolved = rule.constant or rule.thresholds(rules, profile, ts, minute)
        scheduled = rule.calendar is None or rule.calendar.containing(ts, utc, today) is not None
        state, judged = _judge(profile, rule, resolved, state, reading, scheduled)
        out[rule.code] = state
        if expired:
            transitions += expired
        if judged:
            transitions += judged
    return Evaluation(out, tuple(transitions), ignored)


def tick(profile: DeviceProfile, states: Mapping[str, RuleState], now: datetime, rules: AlarmRuleSet) -> Evaluation:
    """Time-only effects up to `now`: silence (clear_if_silent_seconds) and schedule ends."""
    out = dict(states)
    transitions: list[AlarmTransition] = []
    for rule in plans(rules).enabled(profile):
        if rule.code in states:
            state = _state(states, profile, rule)
            out[rule.code], expired = _expire(profile, rule, state, now, _utc(now))
            transitions += expired
    return Evaluation(out, tuple(transitions))


# ----------------------------------------------------------------------------- one rule

_NONE: list[AlarmTransition] = []  # returned for "no transition"; never appended to


def _utc(ts: datetime) -> datetime:
    """ts in UTC (itself when it is already); a naive ts stays naive, so comparing it fails as before."""
    return ts if ts.tzinfo is UTC or ts.utcoffset() is None else ts.astimezone(UTC)


def _state(states: Mapping[str, RuleState], profile: DeviceProfile, rule: RulePlan) -> RuleState:
    state = states.get(rule.code)
    if state is None:
        return RuleState(profile.device_id, rule.code, above=rule.none, below=rule.none)
    if state.device_id != profile.device_id or state.rule != rule.code:
        raise ValueError(f"state of {state.device_id}/{state.rule} given for {profile.device_id}/{rule.code}")
    n = rule.levels
    return state if len(state.above) == n and len(state.below) == n else state.fitted(n)


def _sustained(run: Run | None, seconds: float | None, count: float | None, ts: datetime) -> bool:
    """Has the run held for the condition's duration (for_seconds, else consecutive, else one reading)?"""
    if run is None:
        return False
    if seconds is not None:
        return (ts - run.since).total_seconds() >= seconds
    if count is not None:
        return run.count >= count
    return True


def _expire(
    profile: DeviceProfile, rule: RulePlan, state: RuleState, upto: datetime, upto_utc: datetime
) -> tuple[RuleState, list[AlarmTransition]]:
    last = state.last_ts
    if last is None:
        return state, _NONE
    ends: list[tuple[datetime, ClearCause]] = []
    if rule.silent is not None and last + rule.silent <= upto:
        ends.append((last + rule.silent, ClearCause.SILENCE))
        state = state.reset_runs()
    span = None if rule.calendar is None else rule.calendar.span(last)
    if span is not None and span.ended(upto, upto_utc):
        if rule.clear_at_end:
            ends.append((span.stop, ClearCause.SCHEDULE_END))
        # A run never spans two windows; the clear condition is judged at all times, so clearing stays.
        clearing = state.clearing
        state = state.reset_runs()
        if clearing is not None:
            state = RuleState(
                state.device_id, state.rule, last, state.above, state.below, clearing, state.active, state.raised_at
            )
    if state.active is None or not ends:
        return state, _NONE
    at, cause = min(ends)
    cleared = RuleState(state.device_id, state.rule, last, rule.none, rule.none)
    since = last if cause is ClearCause.SILENCE else None
    text = describe(rule.rule, Kind.CLEARED, state.active, since=since, cause=cause)
    transition = _transition(profile, rule, Kind.CLEARED, state.active, state.active, at, since, {}, {}, cause, text)
    return cleared, [transition]


def _judge(
    profile: DeviceProfile,
    rule: RulePlan,
    resolved: Resolved,
    state: RuleState,
    reading: Reading,
    scheduled: bool,
) -> tuple[RuleState, list[AlarmTransition]]:
    ts, values, n = reading.ts, reading.values, rule.levels
    met = resolved.level(values)
    level = met if scheduled else -1
    # above[k] runs on for the levels met, below[k] for the levels not met; outside the schedule neither.
    above: tuple[Run | None, ...] = rule.none
    below: tuple[Run | None, ...] = rule.none
    if level >= 0:
        above = tuple([extend(run, ts) if k <= level else None for k, run in enumerate(state.above)])
    if scheduled and level < n - 1:
        below = tuple([extend(run, ts) if level < k else None for k, run in enumerate(state.below)])
    active = state.active
    clearing = extend(state.clearing, ts) if active and met < 0 and resolved.clears(values) else None
    top = -1  # the highest level held for the duration; above[k] is a run only for k <= level
    for k in range(level, -1, -1):
        if _sustained(above[k], rule.create_seconds, rule.create_count, ts):
            top = k
            break
    device, code = state.device_id, state.rule
    if active is None:
        if top < 0:
            return RuleState(device, code, ts, above, below, clearing), _NONE
        severity = rule.severities[top]
        raised = _emit(profile, rule, resolved, Kind.RAISED, top, None, _since(above[top]), reading)
        return RuleState(device, code, ts, above, below, clearing, severity, ts), [raised]
    raised_at = state.raised_at
    current = rule.level_of(active)
    if clearing is not None and _sustained(clearing, rule.clear_seconds, rule.clear_count, ts):
        cleared = _emit(profile, rule, resolved, Kind.CLEARED, -1, active, clearing.since, reading)
        return RuleState(device, code, ts, rule.none, rule.none), [cleared]
    if top > current:
        escalated = _emit(profile, rule, resolved, Kind.ESCALATED, top, active, _since(above[top]), reading)
        return RuleState(device, code, ts, above, below, clearing, rule.severities[top], raised_at), [escalated]
    if current > 0 and _sustained(below[current], rule.create_seconds, rule.create_count, ts):
        target = max(top, 0)
        lowered = _emit(profile, rule, resolved, Kind.DEESCALATED, target, active, _since(below[current]), reading)
        return RuleState(device, code, ts, above, below, clearing, rule.severities[target], raised_at), [lowered]
    new = RuleState(device, code, ts, above, below, clearing, active, raised_at)
    if level >= 0:
        return new, [_emit(profile, rule, resolved, Kind.UPDATED, current, None, None, reading)]
    return new, _NONE


def _emit(
    profile: DeviceProfile,
    rule: RulePlan,
    resolved: Resolved,
    kind: Kind,
    k: int,
    previous: Severity | None,
    since: datetime | None,
    reading: Reading,
) -> AlarmTransition:
    """A transition decided by a reading, at severity level k (-1: cleared, at the previous severity)."""
    severity = rule.severities[k] if k >= 0 else previous
    assert severity is not None
    values = reading.values
    bounds = (resolved.levels[k],) if k >= 0 else resolved.clear
    text = describe(rule.rule, kind, severity, values=values, bounds=bounds, any_of=resolved.clear_any, since=since)
    cause = ClearCause.CONDITION if kind is Kind.CLEARED else None
    thresholds = resolved.thresholds()
    return _transition(profile, rule, kind, severity, previous, reading.ts, since, values, thresholds, cause, text)


def _since(run: Run | None) -> datetime | None:
    return None if run is None else run.since


def _transition(
    profile: DeviceProfile,
    rule: RulePlan,
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
        violation=rule.rule.violation,
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
