"""Legal period arithmetic (期间计算), REFERENCE §1.1 C1–C12. Pure functions over a LegalCalendar.

- C5  the start day is not counted (民法典 Art. 201; 住建 Art. 45 para 1);
- C6  a last day that is not a working day rolls to the next working day (民法典 Art. 203;
      住建 Art. 45); C12: weekends count as rest days for this purpose;
- C8  months and years end on the corresponding day, or the month's last day (民法典 Art. 202);
- C9  hours run from the triggering moment (民法典 Art. 201 para 2);
- working-day periods (C1–C4) count only working days, so their last day is always one.
Every result records whether it relied on a year without an official holiday schedule.
"""

from __future__ import annotations

import calendar as _gregorian
import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from rules.calendar import SHANGHAI, LegalCalendar
from rules.errors import NaiveDatetimeError, RuleError


class Unit(StrEnum):
    WD = "WD"  # working days 工作日
    CD = "CD"  # calendar days 自然日
    M = "M"  # months 月
    Y = "Y"  # years 年
    H = "H"  # hours 小时


@dataclass(frozen=True)
class DayCount:
    """The last day of a period and how it was reached."""

    last_day: dt.date
    provisional: bool
    rolled_over_from: dt.date | None = None


def local_day(instant: dt.datetime, what: str = "the start instant") -> dt.date:
    """The Asia/Shanghai calendar day of an aware instant; legal days are counted there."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise NaiveDatetimeError(what)
    return instant.astimezone(SHANGHAI).date()


def end_of_day(day: dt.date) -> dt.datetime:
    """The last second of a day in Asia/Shanghai: the period's final moment (民法典 Art. 203)."""
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=SHANGHAI)


def start_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=SHANGHAI)


def _require_non_negative(n: int, what: str) -> None:
    if n < 0:
        raise RuleError(f"{what} must not be negative (got {n})")


def add_working_days(cal: LegalCalendar, start: dt.date, n: int) -> DayCount:
    """The n-th working day after `start` (start excluded). n = 0 returns `start` itself."""
    _require_non_negative(n, "a number of working days")
    day, provisional, counted = start, False, 0
    while counted < n:
        day += dt.timedelta(days=1)
        info = cal.day(day)
        provisional = provisional or not info.official
        if info.working:
            counted += 1
    return DayCount(last_day=day, provisional=provisional)


def roll_forward(cal: LegalCalendar, day: dt.date) -> DayCount:
    """C6/C12: a last day that is a rest day moves to the next working day."""
    original, provisional = day, False
    while True:
        info = cal.day(day)
        provisional = provisional or not info.official
        if info.working:
            break
        day += dt.timedelta(days=1)
    return DayCount(last_day=day, provisional=provisional, rolled_over_from=original if day != original else None)


def add_calendar_days(cal: LegalCalendar, start: dt.date, n: int) -> DayCount:
    """n calendar days after `start` (start excluded), then rolled past rest days (C6)."""
    _require_non_negative(n, "a number of calendar days")
    return roll_forward(cal, start + dt.timedelta(days=n))


def add_months(start: dt.date, n: int) -> dt.date:
    """C8: the corresponding day n months later, or that month's last day if it has none."""
    _require_non_negative(n, "a number of months")
    month_index = start.month - 1 + n
    year, month = start.year + month_index // 12, month_index % 12 + 1
    last = _gregorian.monthrange(year, month)[1]
    return dt.date(year, month, min(start.day, last))


def add_month_period(cal: LegalCalendar, start: dt.date, months: int) -> DayCount:
    """A month/year period: the corresponding day (C8), rolled past rest days (C6)."""
    return roll_forward(cal, add_months(start, months))


def count_working_days(cal: LegalCalendar, after: dt.date, through: dt.date) -> int:
    """Working days in (after, through]: how many days of a WD period have run."""
    count, day = 0, after
    while day < through:
        day += dt.timedelta(days=1)
        if cal.is_working_day(day):
            count += 1
    return count
