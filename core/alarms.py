"""Alarms (告警): what the sensor rules, the video pipeline and outside analysis boxes report, kept as
one open alarm per (source, rule) with its history.

`apply_signal` is the one way in. A ``raised`` signal for a source and rule that already has an open
alarm updates that alarm (its readings count, latest values, severity) instead of adding one — a storm
of readings is one alarm (ThingsBoard: "unique per originator and type"). ``updated`` /
``escalated`` / ``deescalated`` update the open alarm (and raise one if none is open, so a worker
that restarted mid-alarm loses nothing); ``cleared`` closes it. Every change is an append-only
``alarm_transition``. People acknowledge and clear alarms too (`acknowledge`, `clear`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from core.perception_tables import Alarm, AlarmTransition

SignalKind = Literal["raised", "updated", "escalated", "deescalated", "cleared"]
Outcome = Literal["new", "updated", "cleared", "ignored"]
OPEN_STATES = ("active", "acknowledged")


@dataclass(frozen=True)
class AlarmSignal:
    """One report of a source about one of its rules."""

    source: Literal["sensor", "video", "external"]
    source_ref: str  # device id, camera id, the outside system's id
    rule_code: str
    kind: str
    district_code: str
    jurisdiction_path: str
    transition: SignalKind
    severity: str
    at: dt.datetime
    violation_code: str | None = None
    message: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    location: dict[str, Any] | None = None
    evidence_sha256: str | None = None


class AlarmStateError(ValueError):
    """The alarm is not in a state that allows this (acknowledging a cleared alarm)."""


def open_alarm(session: Session, source_ref: str, rule_code: str) -> Alarm | None:
    stmt = select(Alarm).where(
        Alarm.source_ref == source_ref, Alarm.rule_code == rule_code, col(Alarm.state).in_(OPEN_STATES)
    )
    return session.exec(stmt).first()


def _transition(session: Session, alarm: Alarm, kind: str, at: dt.datetime, **detail: Any) -> None:
    actor = detail.pop("actor", None)
    severity = detail.pop("severity", alarm.severity)
    session.add(
        AlarmTransition(alarm_id=alarm.alarm_id, kind=kind, severity=severity, actor=actor, at=at, detail=detail)
    )


def apply_signal(session: Session, signal: AlarmSignal) -> tuple[Alarm | None, Outcome]:
    """Record ``signal``; commits. The alarm it touched and what happened to it."""
    for _ in range(3):  # two workers raising the same alarm at once: the unique index picks one, we update it
        try:
            alarm, outcome = _apply(session, signal)
            session.commit()
            if alarm is not None:
                session.refresh(alarm)  # loaded again: the caller reads it after the commit
            return alarm, outcome
        except IntegrityError as exc:
            session.rollback()
            if not _open_alarm_conflict(exc):
                raise
    raise RuntimeError(f"alarm {signal.source_ref}/{signal.rule_code}: no stable state after 3 attempts")


def _open_alarm_conflict(exc: IntegrityError) -> bool:
    """Did a concurrent writer open the same (source, rule) alarm first (PostgreSQL's index name, SQLite's columns)?"""
    return "uq_alarm_open_per_source_rule" in str(exc) or "alarm.source_ref" in str(exc)


def apply_signals(session: Session, signals: list[AlarmSignal]) -> list[tuple[Alarm | None, Outcome]]:
    """Record many signals in one transaction (a storm of readings: one commit, not one per reading). If
    a concurrent writer makes it conflict, they are recorded one by one instead (`apply_signal`)."""
    if not signals:
        return []
    try:
        opened = _open_alarms(session, signals)
        with session.no_autoflush:  # the open alarms are known: rows go down in one flush, batched
            results = [_apply(session, signal, opened) for signal in signals]
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        if not _open_alarm_conflict(exc):
            raise
        return [apply_signal(session, signal) for signal in signals]
    if session.expire_on_commit:  # else the rows kept what was written: nothing to load again
        for alarm, _ in results:
            if alarm is not None:
                session.refresh(alarm)
    return results


def _open_alarms(session: Session, signals: list[AlarmSignal]) -> dict[tuple[str, str], Alarm]:
    """The open alarms the signals may touch, in one query (one per signal was most of a storm's time)."""
    refs = {signal.source_ref for signal in signals}
    codes = {signal.rule_code for signal in signals}
    stmt = select(Alarm).where(
        col(Alarm.source_ref).in_(refs), col(Alarm.rule_code).in_(codes), col(Alarm.state).in_(OPEN_STATES)
    )
    return {(alarm.source_ref, alarm.rule_code): alarm for alarm in session.exec(stmt)}


def _apply(
    session: Session, signal: AlarmSignal, opened: dict[tuple[str, str], Alarm] | None = None
) -> tuple[Alarm | None, Outcome]:
    """One signal; ``opened`` (from `_open_alarms`) stands for the open-alarm query and is kept up to date."""
    key = (signal.source_ref, signal.rule_code)
    alarm = opened.get(key) if opened is not None else open_alarm(session, *key)
    if signal.transition == "cleared":
        if alarm is None:
            return None, "ignored"  # nothing open: a clear after a manual clear, or a repeat
        _close(session, alarm, signal.at, "rule", signal.values)
        if opened is not None:
            del opened[key]
        return alarm, "cleared"
    if alarm is None:
        alarm = Alarm(
            alarm_id=str(uuid.uuid4()),
            source=signal.source,
            source_ref=signal.source_ref,
            rule_code=signal.rule_code,
            violation_code=signal.violation_code,
            kind=signal.kind,
            district_code=signal.district_code,
            jurisdiction_path=signal.jurisdiction_path,
            severity=signal.severity,
            message=signal.message,
            values=signal.values,
            location=signal.location,
            evidence_sha256=signal.evidence_sha256,
            raised_at=signal.at,
            updated_at=signal.at,
        )
        session.add(alarm)
        if opened is None:
            session.flush()
        else:
            opened[key] = alarm
        _transition(session, alarm, "raised", signal.at, values=signal.values)
        return alarm, "new"
    changed = signal.severity != alarm.severity
    alarm.readings += 1
    alarm.values = signal.values
    alarm.updated_at = max(alarm.updated_at, signal.at)
    alarm.severity = signal.severity
    if signal.message:
        alarm.message = signal.message
    if signal.evidence_sha256 and alarm.evidence_sha256 is None:
        alarm.evidence_sha256 = signal.evidence_sha256
    if changed or signal.transition in ("escalated", "deescalated"):
        kind = signal.transition if signal.transition in ("escalated", "deescalated") else "updated"
        _transition(session, alarm, kind, signal.at, values=signal.values)
    return alarm, "updated"


def _close(session: Session, alarm: Alarm, at: dt.datetime, by: str, values: dict[str, Any] | None = None) -> None:
    alarm.state = "cleared"
    alarm.cleared_at = at
    alarm.cleared_by = by
    alarm.updated_at = max(alarm.updated_at, at)
    _transition(session, alarm, "cleared", at, actor=by, values=values or {})


def acknowledge(session: Session, alarm: Alarm, actor: str, at: dt.datetime) -> Alarm:
    if alarm.state != "active":
        raise AlarmStateError(f"alarm {alarm.alarm_id} is {alarm.state}; only an active alarm is acknowledged")
    alarm.state = "acknowledged"
    alarm.acknowledged_at = at
    alarm.acknowledged_by = actor
    _transition(session, alarm, "acknowledged", at, actor=actor)
    session.commit()
    session.refresh(alarm)
    return alarm


def clear(session: Session, alarm: Alarm, actor: str, at: dt.datetime, reason: str = "") -> Alarm:
    if alarm.state == "cleared":
        raise AlarmStateError(f"alarm {alarm.alarm_id} is cleared already")
    _close(session, alarm, at, actor)
    if reason:
        alarm.message = (alarm.message + f"（清除：{reason}）")[:500]
    session.commit()
    session.refresh(alarm)
    return alarm


def record_outcome(session: Session, alarm_id: str, outcome: str, case_id: str | None, workflow_id: str) -> None:
    """What triage decided (confirmed, false_alarm, corrected …) and the case it opened, if any."""
    alarm = session.get(Alarm, alarm_id)
    if alarm is None:
        return
    alarm.outcome = outcome
    alarm.case_id = case_id or alarm.case_id
    alarm.triage_workflow_id = workflow_id
    session.commit()


def transitions(session: Session, alarm_id: str) -> list[AlarmTransition]:
    stmt = select(AlarmTransition).where(AlarmTransition.alarm_id == alarm_id)
    return list(session.exec(stmt.order_by(col(AlarmTransition.transition_id))))


def set_triage(session: Session, alarm_id: str, workflow_id: str) -> None:
    """The triage that took the alarm (set when it is handed over; the outcome comes later)."""
    alarm = session.get(Alarm, alarm_id)
    if alarm is not None and alarm.triage_workflow_id is None:
        alarm.triage_workflow_id = workflow_id
        session.commit()
