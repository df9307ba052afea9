"""A statutory deadline held by a workflow: recomputed, never guessed.

The clock keeps what the law counts from (start, pauses, approved extensions, variant) and the
holiday schedules the workflow has been told about. Schedules arrive as data in a Signal, so a
replay sees the same calendar the workflow saw; the due instant is always derived, never stored.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from rules.calendar import CalendarOverride, LegalCalendar
from rules.deadlines import Deadline, compute_deadline
from rules.periods import end_of_day

CALENDAR_UPDATED_SIGNAL = "calendar_updated"


class ClockSpec(BaseModel):
    """What a deadline counts from. The timer code names the rule in rules/data/deadlines.yaml."""

    model_config = ConfigDict(frozen=True)

    code: str
    start: dt.datetime
    paused_days: int = Field(default=0, ge=0)
    extensions: tuple[int, ...] = ()
    variant: str | None = None
    fixed_last_day: dt.date | None = Field(
        default=None,
        description="a last day fixed by an approved decision instead of counted from the start: the end of a "
        "deferred or instalment payment period (T15, 处罚法 Art. 66 para 2); the period ends at 24:00 Asia/Shanghai",
    )


class StatutoryClock:
    def __init__(self, spec: ClockSpec, overrides: list[CalendarOverride] | None = None) -> None:
        self.spec = spec
        self._calendar = LegalCalendar(overrides or [])
        self.deadline = self._compute()

    def _compute(self) -> Deadline:
        deadline = compute_deadline(
            self.spec.code,
            self.spec.start,
            paused_days=self.spec.paused_days,
            extensions=self.spec.extensions,
            variant=self.spec.variant,
            calendar=self._calendar,
        )
        day = self.spec.fixed_last_day
        if day is None:
            return deadline
        # A day the agency fixed is not a count of days: no holiday roll-over, nothing provisional.
        update = {"last_day": day, "due_at": end_of_day(day), "rolled_over_from": None, "provisional": False}
        return deadline.model_copy(update=update)

    @property
    def overrides(self) -> tuple[CalendarOverride, ...]:
        return self._calendar.overrides

    def apply_calendar(self, overrides: list[CalendarOverride]) -> bool:
        """Take newly published schedules; True when the due instant or provisional flag changed."""
        self._calendar = self._calendar.with_overrides(overrides)
        before, self.deadline = self.deadline, self._compute()
        return (before.due_at, before.provisional) != (self.deadline.due_at, self.deadline.provisional)

    def extend(self, days: int) -> None:
        self.spec = self.spec.model_copy(update={"extensions": (*self.spec.extensions, days)})
        self.deadline = self._compute()

    def fix_last_day(self, day: dt.date) -> None:
        self.spec = self.spec.model_copy(update={"fixed_last_day": day})
        self.deadline = self._compute()

    def pause(self, days: int) -> None:
        self.spec = self.spec.model_copy(update={"paused_days": self.spec.paused_days + days})
        self.deadline = self._compute()
