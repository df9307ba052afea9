"""The short bilingual message of an alarm transition, for notifications and the case file."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from rules.alarm_rules import AlarmRule
from rules.alarm_terms import Severity

from .model import ClearCause, TransitionKind
from .thresholds import Bound

_VERB = {
    TransitionKind.RAISED: "告警产生",
    TransitionKind.UPDATED: "告警持续",
    TransitionKind.ESCALATED: "告警升级",
    TransitionKind.DEESCALATED: "告警降级",
    TransitionKind.CLEARED: "告警解除",
}
_CAUSE = {
    ClearCause.CONDITION: "解除条件满足 / clear condition held",
    ClearCause.SILENCE: "设备无数据 / no reading",
    ClearCause.SCHEDULE_END: "时段结束 / schedule window ended",
}


def describe(
    rule: AlarmRule,
    kind: TransitionKind,
    severity: Severity,
    *,
    values: Mapping[str, float] | None = None,
    bounds: tuple[Bound, ...] = (),
    any_of: bool = False,
    since: datetime | None = None,
    cause: ClearCause | None = None,
) -> str:
    """E.g. "餐饮油烟排放浓度超标 告警产生 MAJOR: fume_mg_m3=4.5 (fume_mg_m3 > 4), 自 12:00:00+08:00 起 —
    cooking-fume concentration above the emission limit: raised MAJOR"."""
    details = []
    if values and bounds:
        shown = ", ".join(f"{b.metric}={values[b.metric]:g}" for b in bounds)
        joiner = " 或 " if any_of else " 且 "
        details.append(f"{shown} ({joiner.join(b.text() for b in bounds)})")
    if cause is not None and cause is not ClearCause.CONDITION:
        details.append(_CAUSE[cause])
    if since is not None:
        details.append(f"自 {since.isoformat()} 起")
    text = f"{rule.name} {_VERB[kind]} {severity.value}" + (": " + ", ".join(details) if details else "")
    return f"{text} — {rule.name_en}: {kind.value} {severity.value}"
