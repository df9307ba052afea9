"""The legal calendar: official data from chinesecalendar, admin overrides, provisional years."""

import datetime as dt

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from rules.calendar import CalendarOverride, LegalCalendar

CAL = LegalCalendar()
official_days = st.dates(min_value=dt.date(2010, 1, 1), max_value=dt.date(2026, 12, 31))


@given(official_days)
def test_official_years_agree_with_the_library(day: dt.date) -> None:
    info = CAL.day(day)
    assert info.official
    assert info.working == chinese_calendar.is_workday(day)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (dt.date(2026, 2, 14), True),  # Saturday, 调休 workday before Spring Festival
        (dt.date(2026, 2, 16), False),  # Monday, Spring Festival
        (dt.date(2026, 2, 23), False),  # Monday, last day of the Spring Festival break
        (dt.date(2026, 2, 28), True),  # Saturday, 调休 workday after Spring Festival
        (dt.date(2026, 9, 20), True),  # Sunday, 调休 workday before National Day
        (dt.date(2026, 10, 7), False),  # Wednesday, National Day break
        (dt.date(2026, 10, 10), True),  # Saturday, 调休 workday
        (dt.date(2026, 10, 11), False),  # ordinary Sunday
    ],
)
def test_2026_holidays_and_make_up_workdays(day: dt.date, working: bool) -> None:
    assert CAL.is_working_day(day) is working


def test_a_year_without_official_data_is_provisional_with_fixed_holidays_and_no_tiaoxiu() -> None:
    assert not CAL.is_official(2027)
    new_year = CAL.day(dt.date(2027, 1, 1))
    assert (new_year.working, new_year.official) == (False, False)
    # 全国年节及纪念日放假办法 (2024): Spring Festival is New Year's Eve plus three days.
    spring = [CAL.is_working_day(dt.date(2027, 2, d)) for d in range(5, 9)]
    assert spring == [False, False, False, False]
    assert CAL.is_working_day(dt.date(2027, 2, 9))  # no observed/调休 days are invented
    assert not CAL.is_working_day(dt.date(2027, 2, 13))  # an ordinary Saturday stays a rest day


def _override_2027() -> CalendarOverride:
    return CalendarOverride(
        year=2027,
        source="test schedule",
        holidays=tuple(dt.date(2027, 2, d) for d in range(5, 13)),
        workdays=(dt.date(2027, 2, 20),),
    )


def test_an_override_makes_the_year_official_and_replaces_the_provisional_days() -> None:
    cal = CAL.with_overrides([_override_2027()])
    assert cal.is_official(2027)
    assert not cal.is_working_day(dt.date(2027, 2, 9))
    assert cal.is_working_day(dt.date(2027, 2, 20))  # Saturday made a workday
    assert cal.day(dt.date(2027, 3, 1)).official
    assert not CAL.is_official(2027)  # the original calendar is untouched


def test_an_override_can_correct_a_year_the_library_already_has() -> None:
    fix = CalendarOverride(year=2026, source="correction", holidays=(dt.date(2026, 3, 2),))
    cal = CAL.with_overrides([fix])
    assert not cal.is_working_day(dt.date(2026, 3, 2))
    assert not cal.is_working_day(dt.date(2026, 3, 1))  # Sunday stays a rest day


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"holidays": (dt.date(2028, 1, 1),)}, "not in year 2027"),
        (
            {"holidays": (dt.date(2027, 2, 20),), "workdays": (dt.date(2027, 2, 20),)},
            "both holiday and workday",
        ),
        ({"workdays": (dt.date(2027, 2, 22),)}, "must fall on a weekend"),
        ({"source": ""}, "source"),
    ],
)
def test_a_bad_override_is_refused_with_a_clear_reason(kwargs: dict[str, object], message: str) -> None:
    fields: dict[str, object] = {"year": 2027, "source": "x", "holidays": ()}
    fields.update(kwargs)
    with pytest.raises(ValidationError, match=message):
        CalendarOverride.model_validate(fields)
