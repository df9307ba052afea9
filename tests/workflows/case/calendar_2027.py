"""TEST_2027: the 2027 holiday schedule the deadline tests (test_deadlines_*.py) give each case
through `CaseInput.calendar`, invented but plausible, NOT the State Council's notice for 2027 (the
official holiday data ends with 2026); and the instants and hand-counted deadlines on it.

Working days of TEST_2027 around the Spring Festival (W = working, - = rest, 调 = make-up workday):

    Jan 25 Mon W | 26 W | 27 W | 28 W | 29 Fri W | 30 Sat - | 31 Sun 调
    Feb  1 Mon W |  2 W |  3 W |  4 Thu - ... 11 Thu -  (春节, Sat 6 / Sun 7 inside)
    Feb 12 Fri W | 13 Sat - | 14 Sun - | 15 Mon W ... 19 Fri W | 20 Sat 调 | 21 Sun -
    Feb 22 Mon W ... 26 Fri W | Mar 1 Mon W ... 5 Fri W
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from rules.calendar import SHANGHAI, CalendarOverride, LegalCalendar
from rules.deadlines import Deadline, compute_deadline


def _span(first: dt.date, last: dt.date) -> tuple[dt.date, ...]:
    return tuple(first + dt.timedelta(days=n) for n in range((last - first).days + 1))


D = dt.date
TEST_2027 = CalendarOverride(
    year=2027,
    source="TEST SCHEDULE — invented for tests/workflows/case/calendar_2027.py, not the State Council notice",
    holidays=(
        *_span(D(2027, 1, 1), D(2027, 1, 3)),  # 元旦: Fri 1 – Sun 3 Jan
        *_span(D(2027, 2, 4), D(2027, 2, 11)),  # 春节: Thu 4 – Thu 11 Feb
        *_span(D(2027, 4, 3), D(2027, 4, 5)),  # 清明: Sat 3 – Mon 5 Apr
        *_span(D(2027, 5, 1), D(2027, 5, 5)),  # 劳动节: Sat 1 – Wed 5 May
        D(2027, 6, 9),  # 端午: Wed 9 Jun
        D(2027, 9, 15),  # 中秋: Wed 15 Sep
        *_span(D(2027, 10, 1), D(2027, 10, 7)),  # 国庆: Fri 1 – Thu 7 Oct
    ),
    workdays=(
        D(2027, 1, 31),  # Sun, for the Spring Festival
        D(2027, 2, 20),  # Sat, for the Spring Festival
        D(2027, 4, 25),  # Sun, for Labour Day
        D(2027, 5, 8),  # Sat, for Labour Day
        D(2027, 9, 26),  # Sun, for National Day
        D(2027, 10, 9),  # Sat, for National Day
    ),
)
CALENDAR = LegalCalendar([TEST_2027])


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> dt.datetime:
    """An instant in Asia/Shanghai, where legal days are counted."""
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


def end_of(year: int, month: int, day: int) -> dt.datetime:
    """The due instant of a limit period whose last day is this one (民法典 Art. 203)."""
    return at(year, month, day, 23, 59, 59)


def deadline(code: str, start: dt.datetime, hand_counted: dt.datetime, **kwargs: Any) -> Deadline:
    """The rule's deadline on the test calendar; it must equal the instant counted by hand."""
    computed = compute_deadline(code, start, calendar=CALENDAR, **kwargs)
    assert computed.due_at == hand_counted, f"{code}: compute_deadline gives {computed.due_at}, by hand {hand_counted}"
    assert not computed.provisional, f"{code} relied on a year without a schedule"
    return computed
