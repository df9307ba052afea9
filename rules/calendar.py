"""The PRC legal calendar: which days are working days (工作日), and how sure we are.

REFERENCE §1.1 C11: a working day is Monday–Friday, minus the statutory holidays of the State
Council's annual 放假安排, plus the weekend days it designates as make-up workdays (调休).

Sources, in order of precedence, per year:
1. an official schedule loaded by an administrator (`CalendarOverride`, e.g. the State Council
   notice for next year, published late in the year before);
2. the `chinesecalendar` library's data (transcribed official notices; raises for years it lacks);
3. otherwise *provisional*: weekends plus the fixed statutory holidays of
   全国年节及纪念日放假办法 (as computed by the `holidays` library with observed=False),
   and no 调休. Every answer drawn from a provisional year says so.

The class is pure once built: no I/O, so workflow code may call it. Overrides travel as data
(e.g. in a Signal payload), so a replay sees exactly the calendar the workflow saw.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

import chinese_calendar.constants
from holidays.countries.china import China
from pydantic import BaseModel, ConfigDict, Field, model_validator

from rules.errors import RuleError

SHANGHAI = ZoneInfo("Asia/Shanghai")


class CalendarOverride(BaseModel):
    """One year's official holiday schedule (国务院办公厅关于YYYY年部分节假日安排的通知)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    year: int = Field(ge=2000, le=2200)
    source: str = Field(min_length=1, description="the notice's title and number, e.g. 国办发明电〔…〕…号")
    holidays: tuple[dt.date, ...] = Field(description="days off, including those falling on weekends")
    workdays: tuple[dt.date, ...] = Field(default=(), description="weekend days designated as 调休 workdays")

    @model_validator(mode="after")
    def _consistent(self) -> CalendarOverride:
        for day in (*self.holidays, *self.workdays):
            if day.year != self.year:
                raise ValueError(f"{day.isoformat()} is not in year {self.year}")
        both = set(self.holidays) & set(self.workdays)
        if both:
            raise ValueError(f"days listed as both holiday and workday: {sorted(d.isoformat() for d in both)}")
        weekdays_as_workdays = [d for d in self.workdays if d.weekday() < 5]
        if weekdays_as_workdays:
            raise ValueError(
                f"make-up workdays must fall on a weekend: {[d.isoformat() for d in weekdays_as_workdays]}"
            )
        return self


class DayInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    day: dt.date
    working: bool
    official: bool
    name: str | None = None


# The library's transcribed notices, read as data: its helper functions re-derive the covered
# year range on every call, which made working-day counting a thousand times slower.
_LIBRARY_HOLIDAYS: dict[dt.date, str] = {d: str(n) for d, n in chinese_calendar.constants.holidays.items()}
_LIBRARY_WORKDAYS: dict[dt.date, str] = {d: str(n) for d, n in chinese_calendar.constants.workdays.items()}


def _library_years() -> range:
    years = [d.year for d in _LIBRARY_HOLIDAYS]
    return range(min(years), max(years) + 1)


LIBRARY_YEARS = _library_years()
SUPPORTED_YEARS = range(2000, 2101)


def _fixed_statutory_holidays() -> dict[dt.date, str]:
    """全国年节及纪念日放假办法 days for every supported year without an official schedule (no 调休).

    Computed once at import: the holidays library localises names through gettext, which a
    workflow sandbox refuses, so nothing of it may run at call time.
    """
    years = [y for y in SUPPORTED_YEARS if y not in LIBRARY_YEARS]
    days = China(years=years, observed=False)  # type: ignore[no-untyped-call]
    return {d: str(n) for d, n in days.items() if not str(n).startswith("Day off")}


_FIXED_HOLIDAYS = _fixed_statutory_holidays()


class LegalCalendar:
    """Working-day calendar with explicit provenance for every answer."""

    def __init__(self, overrides: Iterable[CalendarOverride] = ()) -> None:
        self._overrides: dict[int, CalendarOverride] = {}
        for override in overrides:
            self._overrides[override.year] = override
        self._override_holidays = {d for o in self._overrides.values() for d in o.holidays}
        self._override_workdays = {d for o in self._overrides.values() for d in o.workdays}

    @property
    def overrides(self) -> tuple[CalendarOverride, ...]:
        return tuple(self._overrides[y] for y in sorted(self._overrides))

    def with_overrides(self, overrides: Iterable[CalendarOverride]) -> LegalCalendar:
        """A new calendar where the given years replace what this one knew."""
        merged = dict(self._overrides)
        merged.update({o.year: o for o in overrides})
        return LegalCalendar(merged.values())

    def is_official(self, year: int) -> bool:
        """True when the year's schedule comes from an official notice (loaded or in the library)."""
        return year in self._overrides or year in LIBRARY_YEARS

    def day(self, day: dt.date) -> DayInfo:
        year = day.year
        if year in self._overrides:
            if day in self._override_holidays:
                return DayInfo(day=day, working=False, official=True, name="holiday")
            if day in self._override_workdays:
                return DayInfo(day=day, working=True, official=True, name="调休 workday")
            return DayInfo(day=day, working=day.weekday() < 5, official=True)
        if year in LIBRARY_YEARS:
            if day in _LIBRARY_HOLIDAYS:
                return DayInfo(day=day, working=False, official=True, name=_LIBRARY_HOLIDAYS[day])
            if day in _LIBRARY_WORKDAYS:
                return DayInfo(day=day, working=True, official=True, name="调休 workday")
            return DayInfo(day=day, working=day.weekday() < 5, official=True)
        if year not in SUPPORTED_YEARS:
            raise RuleError(f"{day.isoformat()} is outside the supported calendar years 2000–2100")
        fixed = _FIXED_HOLIDAYS.get(day)
        if fixed is not None:
            return DayInfo(day=day, working=False, official=False, name=fixed)
        return DayInfo(day=day, working=day.weekday() < 5, official=False)

    def is_working_day(self, day: dt.date) -> bool:
        return self.day(day).working
