"""Period arithmetic (REFERENCE §1.1 C1–C12) as properties over the real 2010–2026 calendars."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.calendar import LegalCalendar
from rules.errors import NaiveDatetimeError, RuleError
from rules.periods import (
    add_calendar_days,
    add_month_period,
    add_months,
    add_working_days,
    count_working_days,
    local_day,
)

CAL = LegalCalendar()
starts = st.dates(min_value=dt.date(2010, 1, 1), max_value=dt.date(2026, 6, 30))
counts = st.integers(min_value=0, max_value=60)


@given(starts, st.integers(min_value=1, max_value=60))
def test_adding_working_days_never_lands_on_a_rest_day(start: dt.date, n: int) -> None:
    assert CAL.is_working_day(add_working_days(CAL, start, n).last_day)


@given(starts, counts, counts)
def test_adding_working_days_is_monotonic(start: dt.date, a: int, b: int) -> None:
    if a == b:
        return
    lo, hi = sorted((a, b))
    assert add_working_days(CAL, start, lo).last_day < add_working_days(CAL, start, hi).last_day


@given(starts, counts)
def test_working_days_counted_back_give_n(start: dt.date, n: int) -> None:
    end = add_working_days(CAL, start, n).last_day
    assert count_working_days(CAL, start, end) == n


@given(starts, st.integers(min_value=1, max_value=400))
def test_calendar_day_periods_end_on_the_first_working_day_on_or_after_start_plus_n(start: dt.date, n: int) -> None:
    result = add_calendar_days(CAL, start, n)
    plain = start + dt.timedelta(days=n)
    assert result.last_day >= plain
    assert CAL.is_working_day(result.last_day)
    day = plain
    while day < result.last_day:  # every skipped day was a rest day
        assert not CAL.is_working_day(day)
        day += dt.timedelta(days=1)
    assert (result.rolled_over_from is not None) == (result.last_day != plain)


def test_a_spring_festival_crossing_counts_the_tiaoxiu_saturdays() -> None:
    # From Thu 2026-02-12: Fri 13, Sat 14 (调休), then the break to Mon 23, Tue 24 …
    assert add_working_days(CAL, dt.date(2026, 2, 12), 3).last_day == dt.date(2026, 2, 24)
    # … and Sat 28 Feb is a workday too.
    assert add_working_days(CAL, dt.date(2026, 2, 24), 4).last_day == dt.date(2026, 2, 28)


def test_a_calendar_period_ending_on_a_tiaoxiu_saturday_does_not_roll() -> None:
    result = add_calendar_days(CAL, dt.date(2026, 1, 15), 30)
    assert (result.last_day, result.rolled_over_from) == (dt.date(2026, 2, 14), None)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),  # no Feb 31 → month's last day (C8)
        (dt.date(2024, 1, 31), 1, dt.date(2024, 2, 29)),  # leap year
        (dt.date(2026, 8, 31), 6, dt.date(2027, 2, 28)),
        (dt.date(2026, 3, 31), 1, dt.date(2026, 4, 30)),
        (dt.date(2026, 11, 30), 3, dt.date(2027, 2, 28)),
        (dt.date(2024, 2, 29), 24, dt.date(2026, 2, 28)),  # years: no Feb 29 in 2026
        (dt.date(2026, 12, 15), 1, dt.date(2027, 1, 15)),
    ],
)
def test_month_arithmetic_at_month_ends(start: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(start, months) == expected


@given(starts, st.integers(min_value=0, max_value=120))
def test_month_arithmetic_keeps_the_day_or_clamps_to_month_end(start: dt.date, n: int) -> None:
    end = add_months(start, n)
    assert (end.year * 12 + end.month) - (start.year * 12 + start.month) == n
    assert end.day == start.day or (end.day < start.day and (end + dt.timedelta(days=1)).day == 1)


def test_month_period_rolls_over_a_holiday() -> None:
    assert add_month_period(CAL, dt.date(2026, 4, 1), 6).last_day == dt.date(2026, 10, 8)


def test_provisional_only_when_the_period_reaches_a_year_without_official_data() -> None:
    assert not add_working_days(CAL, dt.date(2026, 12, 1), 20).provisional
    assert add_working_days(CAL, dt.date(2026, 12, 20), 20).provisional
    assert add_calendar_days(CAL, dt.date(2026, 12, 20), 15).provisional


def test_negative_counts_and_naive_instants_are_refused() -> None:
    with pytest.raises(RuleError, match="must not be negative"):
        add_working_days(CAL, dt.date(2026, 1, 5), -1)
    with pytest.raises(RuleError, match="must not be negative"):
        add_calendar_days(CAL, dt.date(2026, 1, 5), -3)
    with pytest.raises(NaiveDatetimeError, match="no time zone"):
        local_day(dt.datetime(2026, 1, 5, 9, 0))


def test_legal_days_are_counted_in_asia_shanghai() -> None:
    late_utc = dt.datetime(2026, 2, 12, 20, 0, tzinfo=dt.UTC)  # 04:00 on 13 Feb in Beijing
    assert local_day(late_utc) == dt.date(2026, 2, 13)
