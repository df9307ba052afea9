"""Local wall-clock questions: is an instant inside a weekly schedule, when does its window end,
which day part (day / night) is it. Instants are aware datetimes in any zone; the rule file's zone
(Asia/Shanghai) decides the wall clock, so a reading sent in UTC is judged by Beijing time.

The evaluator asks these for every reading, so a schedule is compiled once per zone (`calendar`):
window minutes and weekdays read once, each local day's occurrences and each window end's joined end
worked out once and kept.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from rules.alarm_schedules import DayPartSet, Schedule

# Consecutive windows may join (e.g. 22:00–24:00 then 00:00–06:00): follow at most a week of them.
_MAX_JOINED = 8
_MAX_CACHED = 4096  # days or ends kept per calendar (a few years of a schedule), then started afresh
_ONE_DAY = timedelta(days=1)


def local_minute(ts: datetime, zone: ZoneInfo) -> int:
    wall = ts.astimezone(zone)
    return wall.hour * 60 + wall.minute


def day_part(parts: DayPartSet, ts: datetime, zone: ZoneInfo) -> str:
    return parts.part_at(local_minute(ts, zone))


def _at(day: date, minute: int, zone: ZoneInfo) -> datetime:
    # Wall-clock arithmetic; Asia/Shanghai has had no daylight saving since 1991.
    return datetime.combine(day, time(0), tzinfo=zone) + timedelta(minutes=minute)


class Occurrence(NamedTuple):
    """One occurrence of a window: its bounds in the zone (what the evaluator reports) and in UTC (what
    an instant of another zone is compared with, without a time-zone lookup per comparison)."""

    start: datetime
    stop: datetime
    start_utc: datetime
    stop_utc: datetime

    def ended(self, ts: datetime, utc: datetime) -> bool:
        """stop <= ts, as Python compares them: wall clocks when ts is in the same zone object, instants
        otherwise (`utc` is ts in UTC)."""
        return self.stop <= ts if ts.tzinfo is self.stop.tzinfo else self.stop_utc <= utc


class Calendar:
    """One schedule in one zone. Pure: its caches hold only what the schedule and zone determine."""

    def __init__(self, schedule: Schedule, zone: ZoneInfo) -> None:
        self.zone = zone
        # (ISO weekdays, start minute, end minute) of each window, in the file's order.
        self._windows = tuple(
            (frozenset(d.iso for d in w.days), w.start_minute, w.end_minute) for w in schedule.windows
        )
        self._days: dict[date, tuple[Occurrence, ...]] = {}
        self._joined: dict[datetime, Occurrence | None] = {}

    def occurrences(self, today: date) -> tuple[Occurrence, ...]:
        """The windows' occurrences that start on `today` or the day before (a window may cross midnight)."""
        found = self._days.get(today)
        if found is None:
            zone, out = self.zone, []
            for days, start, end in self._windows:
                for day in (today - _ONE_DAY, today):
                    if day.weekday() in days:
                        end_day = day if end > start else day + _ONE_DAY
                        begins, ends = _at(day, start, zone), _at(end_day, end, zone)
                        out.append(Occurrence(begins, ends, begins.astimezone(UTC), ends.astimezone(UTC)))
            if len(self._days) >= _MAX_CACHED:
                self._days.clear()
            found = self._days[today] = tuple(out)
        return found

    def containing(self, ts: datetime, utc: datetime, today: date) -> Occurrence | None:
        """The occurrence holding ts that ends last; `utc` is ts in UTC, `today` its local date."""
        found, last = None, None
        same_zone = ts.tzinfo is self.zone  # Python compares wall clocks then, instants (here: UTC) otherwise
        for occurrence in self.occurrences(today):
            start, stop, start_utc, stop_utc = occurrence
            holds = (start <= ts < stop) if same_zone else (start_utc <= utc < stop_utc)
            if holds and (last is None or stop > last):
                found, last = occurrence, stop
        return found

    def span(self, ts: datetime) -> Occurrence | None:
        """The last occurrence of the span of touching windows that holds ts; None when ts is outside
        the schedule, or when the span never ends (every minute of the week)."""
        found = self.containing(ts, ts.astimezone(UTC), ts.astimezone(self.zone).date())
        return None if found is None else self._joined_end(found)

    def _joined_end(self, first: Occurrence) -> Occurrence | None:
        """Follow windows that touch from `first`'s end on (kept per end)."""
        if first.stop in self._joined:
            return self._joined[first.stop]
        found = None
        current = first
        for _ in range(_MAX_JOINED):
            following = self.containing(current.stop, current.stop_utc, current.stop.date())
            if following is None:
                found = current
                break
            current = following
        if len(self._joined) >= _MAX_CACHED:
            self._joined.clear()
        self._joined[first.stop] = found
        return found


_CALENDARS: dict[tuple[int, ZoneInfo], tuple[Schedule, Calendar]] = {}


def calendar(schedule: Schedule, zone: ZoneInfo) -> Calendar:
    """The compiled schedule, kept per (schedule object, zone); the entry holds the schedule, so its id
    is not reused while the entry lives."""
    key = (id(schedule), zone)
    entry = _CALENDARS.get(key)
    if entry is None or entry[0] is not schedule:
        if len(_CALENDARS) >= 256:
            _CALENDARS.clear()
        entry = _CALENDARS[key] = (schedule, Calendar(schedule, zone))
    return entry[1]


def in_schedule(schedule: Schedule, ts: datetime, zone: ZoneInfo) -> bool:
    return calendar(schedule, zone).containing(ts, ts.astimezone(UTC), ts.astimezone(zone).date()) is not None


def window_end(schedule: Schedule, ts: datetime, zone: ZoneInfo) -> datetime | None:
    """When the schedule stops holding, for an instant inside it (windows that touch are one span);
    None when ts is outside it, or when the schedule never ends (every minute of the week)."""
    span = calendar(schedule, zone).span(ts)
    return None if span is None else span.stop
