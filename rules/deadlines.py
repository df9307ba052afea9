"""Compute a statutory deadline from the timer table: the one function legal staff use every day.

`compute_deadline("T06", filed_at, paused_days=12, extensions=1)` → a `Deadline` with the due
instant in Asia/Shanghai, whether it is provisional (it relied on a year without an official
holiday schedule), and the legal basis. Pure: safe to call from workflow code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel, ConfigDict

from rules.calendar import SHANGHAI, LegalCalendar
from rules.deadline_table import Kind, TimerRule, TimerTable, load_timer_table
from rules.errors import NaiveDatetimeError, RuleError
from rules.periods import (
    DayCount,
    Unit,
    add_calendar_days,
    add_month_period,
    add_working_days,
    end_of_day,
    local_day,
    start_of_day,
)

_DEFAULT_CALENDAR = LegalCalendar()


class Deadline(BaseModel):
    """One computed deadline. For `min_wait`/`min_notice` timers `due_at` is the earliest moment
    the act (filing, hearing, execution) is allowed; for `accrual` it is the end of the day the
    cap is reached; for `limit` it is the last moment the act is in time."""

    model_config = ConfigDict(frozen=True)

    code: str
    name: str
    kind: Kind
    start: dt.datetime
    length: int
    unit: Unit
    paused_days: int
    extensions: tuple[int, ...]
    variant: str | None
    last_day: dt.date | None
    due_at: dt.datetime
    provisional: bool
    rolled_over_from: dt.date | None
    expiry_action: str
    legal_basis: str
    confidence: str

    @property
    def expires_at(self) -> dt.datetime:
        """When a timer for this deadline fires: the first moment after `due_at`."""
        return self.due_at + dt.timedelta(seconds=1)

    def remaining(self, now: dt.datetime) -> dt.timedelta:
        if now.tzinfo is None:
            raise NaiveDatetimeError("now")
        return self.expires_at - now


def _granted_extensions(rule: TimerRule, extensions: int | Sequence[int]) -> tuple[int, ...]:
    if isinstance(extensions, int):
        if extensions < 0:
            raise RuleError(f"the number of extensions must not be negative (got {extensions})")
        if extensions > rule.max_extensions:
            raise RuleError(f"{rule.code} allows at most {rule.max_extensions} extension(s); {extensions} requested")
        return tuple(e.length for e in rule.extensions[:extensions])
    granted = tuple(extensions)
    if len(granted) > rule.max_extensions:
        raise RuleError(f"{rule.code} allows at most {rule.max_extensions} extension(s); {len(granted)} given")
    for days, allowed in zip(granted, rule.extensions, strict=False):
        if not 0 < days <= allowed.length:
            raise RuleError(
                f"{rule.code} extension by {allowed.approver} may be 1–{allowed.length} {rule.unit.value}; got {days}"
            )
    return granted


def compute_deadline(
    code: str,
    start: dt.datetime,
    *,
    paused_days: int = 0,
    extensions: int | Sequence[int] = 0,
    variant: str | None = None,
    calendar: LegalCalendar | None = None,
    table: TimerTable | None = None,
) -> Deadline:
    """The deadline of timer `code` started at the aware instant `start`.

    paused_days: whole calendar days excluded from the period (e.g. hearing, appraisal for T06).
    extensions: how many approved extensions apply at their maximum, or the granted lengths.
    variant: another length the law gives for the same timer (e.g. T17 "rights_not_told").
    """
    table = table or load_timer_table()
    calendar = calendar or _DEFAULT_CALENDAR
    rule = table.get(code)
    start_day = local_day(start)
    if paused_days < 0:
        raise RuleError(f"paused days must not be negative (got {paused_days})")
    if paused_days and not rule.pause_events:
        raise RuleError(f"{rule.code} ({rule.name}) cannot be paused; the law excludes no time from it")
    granted = _granted_extensions(rule, extensions)

    length, unit, basis = rule.length, rule.unit, rule.legal_basis
    if variant is not None:
        if variant not in rule.variants:
            known = ", ".join(rule.variants) or "none"
            raise RuleError(f"{rule.code} has no variant {variant!r}; variants: {known}")
        chosen = rule.variants[variant]
        length, unit, basis = chosen.length, chosen.unit, chosen.legal_basis
    total = length + sum(granted)

    count: DayCount | None
    if unit is Unit.H:
        count, due_at = None, start.astimezone(SHANGHAI) + dt.timedelta(hours=total)
    elif rule.kind is Kind.ACCRUAL:
        # Accrual days are plain calendar days; there is nothing to roll over.
        last = start_day + dt.timedelta(days=total + paused_days)
        official = all(calendar.is_official(y) for y in range(start_day.year, last.year + 1))
        count = DayCount(last_day=last, provisional=not official)
        due_at = end_of_day(last)
    else:
        if unit is Unit.WD:
            count = add_working_days(calendar, start_day, total)
        elif unit is Unit.CD:
            count = add_calendar_days(calendar, start_day, total + paused_days)
        else:
            count = add_month_period(calendar, start_day, total * (12 if unit is Unit.Y else 1))
        if rule.kind is Kind.LIMIT:
            due_at = end_of_day(count.last_day)
        else:  # min_wait / min_notice: allowed from the day after the period has run
            due_at = start_of_day(count.last_day + dt.timedelta(days=1))

    return Deadline(
        code=rule.code,
        name=rule.name,
        kind=rule.kind,
        start=start,
        length=total,
        unit=unit,
        paused_days=paused_days,
        extensions=granted,
        variant=variant,
        last_day=count.last_day if count else None,
        due_at=due_at,
        provisional=count.provisional if count else False,
        rolled_over_from=count.rolled_over_from if count else None,
        expiry_action=rule.expiry_action.value,
        legal_basis=basis,
        confidence=rule.confidence.value,
    )


def surcharge_percent(days_overdue: int, paused_days: int = 0, table: TimerTable | None = None) -> int:
    """加处罚款 as a percentage of the fine after `days_overdue` calendar days past the payment
    deadline, of which `paused_days` fell while 复议 or 诉讼 was pending (T16)."""
    rule = (table or load_timer_table()).get("T16")
    if days_overdue < 0 or paused_days < 0:
        raise RuleError("days overdue and paused days must not be negative")
    if paused_days > days_overdue:
        raise RuleError("paused days cannot exceed the days overdue")
    rate, cap = rule.rate_percent_per_day or 0, rule.cap_percent or 0
    return min((days_overdue - paused_days) * rate, cap)


def surcharge_yuan(fine_yuan: Decimal, days_overdue: int, paused_days: int = 0) -> Decimal:
    """The surcharge in yuan, rounded to the fen; never more than the fine itself."""
    if fine_yuan < 0:
        raise RuleError("the fine must not be negative")
    percent = surcharge_percent(days_overdue, paused_days)
    return (fine_yuan * percent / Decimal(100)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
