"""Persisted state of one (device, rule): the runs that measure durations, and the active alarm.

Serialisable to a JSON-compatible dict so the worker can keep it in SQL; after a restart a 10-minute
duration continues where it was instead of starting again at 0 (PEERS §G, "persist state of alarm rules").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from rules.alarm_terms import Severity

FORMAT = 1  # bump when the JSON shape changes


@dataclass(frozen=True)
class Run:
    """An unbroken run of readings that met a condition: when it started and how many readings."""

    since: datetime
    count: int

    def extend(self) -> Run:
        return Run(self.since, self.count + 1)


def extend(run: Run | None, ts: datetime) -> Run:
    return Run(ts, 1) if run is None else run.extend()


@dataclass(frozen=True)
class RuleState:
    """above[k]  run of readings that met severity level k (so every level below it too)
    below[k]  run of readings under level k (k ≥ 1): how long the alarm has been below its severity
    clearing  run of readings that met the clear condition while the alarm was active
    active    the severity of the active alarm, None when there is none; raised_at when it was raised
    last_ts   the ts of the last reading this rule judged (stale detection and silence)"""

    device_id: str
    rule: str
    last_ts: datetime | None = None
    above: tuple[Run | None, ...] = ()
    below: tuple[Run | None, ...] = ()
    clearing: Run | None = None
    active: Severity | None = None
    raised_at: datetime | None = None

    def fitted(self, levels: int) -> RuleState:
        """Pad or cut the runs to the rule's level count (the rule file may have changed since); the
        same state when they fit already."""
        if len(self.above) == levels and len(self.below) == levels:
            return self

        def fit(runs: tuple[Run | None, ...]) -> tuple[Run | None, ...]:
            return (runs + (None,) * levels)[:levels]

        return replace(self, above=fit(self.above), below=fit(self.below))

    def reset_runs(self) -> RuleState:
        """No runs; the same state when it has none."""
        if self.clearing is None and not any(self.above) and not any(self.below):
            return self
        return RuleState(
            device_id=self.device_id,
            rule=self.rule,
            last_ts=self.last_ts,
            above=(None,) * len(self.above),
            below=(None,) * len(self.below),
            clearing=None,
            active=self.active,
            raised_at=self.raised_at,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "device_id": self.device_id,
            "rule": self.rule,
            "last_ts": _ts(self.last_ts),
            "above": [_run(r) for r in self.above],
            "below": [_run(r) for r in self.below],
            "clearing": _run(self.clearing),
            "active": None if self.active is None else self.active.value,
            "raised_at": _ts(self.raised_at),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RuleState:
        if data.get("format") != FORMAT:
            raise ValueError(f"rule state format {data.get('format')!r} is not {FORMAT}")
        return cls(
            device_id=str(data["device_id"]),
            rule=str(data["rule"]),
            last_ts=_parse_ts(data["last_ts"]),
            above=tuple(_parse_run(r) for r in data["above"]),
            below=tuple(_parse_run(r) for r in data["below"]),
            clearing=_parse_run(data["clearing"]),
            active=None if data["active"] is None else Severity(data["active"]),
            raised_at=_parse_ts(data["raised_at"]),
        )


def _ts(ts: datetime | None) -> str | None:
    return None if ts is None else ts.isoformat()


def _parse_ts(text: Any) -> datetime | None:
    if text is None:
        return None
    ts = datetime.fromisoformat(str(text))
    if ts.tzinfo is None:
        raise ValueError(f"rule state time {text!r} has no offset")
    return ts


def _run(run: Run | None) -> dict[str, Any] | None:
    return None if run is None else {"since": run.since.isoformat(), "count": run.count}


def _parse_run(data: Any) -> Run | None:
    if data is None:
        return None
    since = _parse_ts(data["since"])
    if since is None:
        raise ValueError("a run needs its start time")
    return Run(since, int(data["count"]))
