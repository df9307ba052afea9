"""Local wall-clock questions: is an instant inside a weekly schedule, when does its window end,
which day part (day / night) is it. Instants are aware datetimes in any zone; the rule file's zone
(Asia/Shanghai) decides the wall clock, so a reading sent in UTC is judged by Beijing time."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from rules.alarm_rules import DayPartSet, Schedule, Window

# Consecutive windows may join (e.g. 22:00–24:00 then 00:00–06:00): follow at most a week of them.
_MAX_JOINED = 8


def local_minute(ts: datetime, zone: ZoneInfo) -> int:
    wall = ts.astimezone(zone)
    return wall.hour * 60 + wall.minute


def day_part(parts: DayPartSet, ts: datetime, zone: ZoneInfo) -> str:
    return parts.part_at(local_minute(ts, zone))


def _occurrences(window: Window, ts: datetime, zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """The window's occurrences that start on ts's local day or the day before (a window may cross midnight)."""
    today = ts.astimezone(zone).date()
    found = []
    for day in (today - timedelta(days=1), today):
        if day.weekday() in {d.iso for d in window.days}:
            start = _at(day, window.start_minute, zone)
            end_day = day if window.end_minute > window.start_minute else day + timedelta(days=1)
            found.append((start, _at(end_day, window.end_minute, zone)))
    return found


def _at(day: date, minute: int, zone: ZoneInfo) -> datetime:
    # Wall-clock arithmetic; Asia/Shanghai has had no daylight saving since 1991.
    return datetime.combine(day, time(0), tzinfo=zone) + timedelta(minutes=minute)


def _containing_end(schedule: Schedule, ts: datetime, zone: ZoneInfo) -> datetime | None:
    ends = [end for w in schedule.windows for start, end in _occurrences(w, ts, zone) if start <= ts < end]
    return max(ends) if ends else None


def in_schedule(schedule: Schedule, ts: datetime, zone: ZoneInfo) -> bool:
    return _containing_end(schedule, ts, zone) is not None


def window_end(schedule: Schedule, ts: datetime, zone: ZoneInfo) -> datetime | None:
    """When the schedule stops holding, for an instant inside it (windows that touch are one span);
    None when ts is outside it, or when the schedule never ends (every minute of the week)."""
    end = _containing_end(schedule, ts, zone)
    for _ in range(_MAX_JOINED):
        if end is None:
            return None
        following = _containing_end(schedule, end, zone)
        if following is None:
            return end
        end = following
    return None
