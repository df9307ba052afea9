"""The case's statutory clocks and their durable timers.

Each clock is a StatutoryClock (rules/ deadline + the calendar the case has been told about) with
a watcher coroutine: it sleeps until the clock expires, wakes early when the clock changes (an
extension, a pause, a newly published holiday schedule) and re-arms, and calls the expiry action
once. A clock that is met (its act was done) stops its watcher.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from rules.calendar import CalendarOverride, LegalCalendar
    from workflows.case.model import DeadlineStatus, DeadlineView
    from workflows.statutory_clock import ClockSpec, StatutoryClock


@dataclass
class Clock:
    key: str
    subject: str
    clock: StatutoryClock
    on_expiry: Callable[[Clock], None]
    status: DeadlineStatus = DeadlineStatus.RUNNING
    changed: bool = False
    task: asyncio.Task[None] | None = field(default=None, repr=False)

    def view(self) -> DeadlineView:
        deadline = self.clock.deadline
        remaining = None
        if self.status is DeadlineStatus.RUNNING:
            remaining = (deadline.expires_at - workflow.now()).total_seconds()
        return DeadlineView(
            code=deadline.code,
            name=deadline.name,
            subject=self.subject,
            start=deadline.start,
            due_at=deadline.due_at,
            last_day=deadline.last_day,
            provisional=deadline.provisional,
            status=self.status,
            paused_days=deadline.paused_days,
            extensions=deadline.extensions,
            legal_basis=deadline.legal_basis,
            remaining_seconds=remaining,
        )


class Clocks:
    """All running and finished clocks of one case, keyed e.g. "T06" or "T07" or "T01:<task id>"."""

    def __init__(self, calendar: list[CalendarOverride], on_change: Callable[[Clock], None]) -> None:
        self._calendar = LegalCalendar(calendar)
        self._clocks: dict[str, Clock] = {}
        self._on_change = on_change

    def __contains__(self, key: str) -> bool:
        return key in self._clocks

    def __getitem__(self, key: str) -> Clock:
        return self._clocks[key]

    def all(self) -> list[Clock]:
        return list(self._clocks.values())

    def start(self, key: str, spec: ClockSpec, subject: str, on_expiry: Callable[[Clock], None]) -> Clock:
        if key in self._clocks and self._clocks[key].status is DeadlineStatus.RUNNING:
            raise RuntimeError(f"clock {key} is already running")
        clock = Clock(key=key, subject=subject, clock=StatutoryClock(spec, self.calendar), on_expiry=on_expiry)
        self._clocks[key] = clock
        clock.task = asyncio.create_task(self._watch(clock))
        self._on_change(clock)
        return clock

    def met(self, key: str) -> None:
        clock = self._clocks.get(key)
        if clock is not None and clock.status in (DeadlineStatus.RUNNING, DeadlineStatus.PAUSED):
            clock.status = DeadlineStatus.MET
            self._on_change(clock)

    def extend(self, key: str, days: int) -> None:
        clock = self._clocks[key]
        clock.clock.extend(days)
        self._changed(clock)

    def fix_last_day(self, key: str, day: dt.date) -> None:
        """An approved decision fixes the clock's last day (a deferred payment period, T15)."""
        clock = self._clocks[key]
        clock.clock.fix_last_day(day)
        self._changed(clock)

    def pause(self, key: str, days: int) -> None:
        """Exclude `days` whole calendar days from a running clock (e.g. a remedy that ended)."""
        clock = self._clocks[key]
        clock.clock.pause(days)
        self._changed(clock)

    def hold(self, key: str) -> None:
        """Excluded time begins: the clock cannot expire until it is released."""
        clock = self._clocks[key]
        if clock.status is DeadlineStatus.RUNNING:
            clock.status = DeadlineStatus.PAUSED
            self._changed(clock)

    def release(self, key: str, days: int) -> None:
        """Excluded time ends after `days` calendar days: the deadline moves by that much."""
        clock = self._clocks[key]
        if clock.status is DeadlineStatus.PAUSED:
            clock.status = DeadlineStatus.RUNNING
            clock.clock.pause(days)
            self._changed(clock)

    def apply_calendar(self, overrides: list[CalendarOverride]) -> None:
        self._calendar = self._calendar.with_overrides(overrides)
        for clock in self._clocks.values():
            if clock.clock.apply_calendar(overrides) and clock.status in (
                DeadlineStatus.RUNNING,
                DeadlineStatus.PAUSED,
            ):
                self._changed(clock)

    @property
    def legal_calendar(self) -> LegalCalendar:
        """The calendar every clock of this case counts on."""
        return self._calendar

    @property
    def calendar(self) -> list[CalendarOverride]:
        return list(self._calendar.overrides)

    def _changed(self, clock: Clock) -> None:
        clock.changed = True
        self._on_change(clock)

    async def _watch(self, clock: Clock) -> None:
        while clock.status in (DeadlineStatus.RUNNING, DeadlineStatus.PAUSED):
            clock.changed = False
            if clock.status is DeadlineStatus.PAUSED:
                await workflow.wait_condition(lambda: clock.status is not DeadlineStatus.PAUSED)
                continue
            remaining = (clock.clock.deadline.expires_at - workflow.now()).total_seconds()
            if remaining > 0:
                try:
                    await workflow.wait_condition(
                        lambda: clock.changed or clock.status is not DeadlineStatus.RUNNING, timeout=remaining
                    )
                    continue
                except TimeoutError:
                    pass
            if clock.status is DeadlineStatus.RUNNING:
                clock.status = DeadlineStatus.EXPIRED
                self._on_change(clock)
                clock.on_expiry(clock)
