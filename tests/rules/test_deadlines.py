"""One hand-computed case per timer code around Spring Festival and National Day 2026.

2026 schedule (国办发明电〔2025〕号 as carried by chinesecalendar): Spring Festival off 15–23 Feb,
调休 workdays Sat 14 Feb and Sat 28 Feb; Mid-Autumn off Fri 25 Sep; National Day off 1–7 Oct,
调休 workdays Sun 20 Sep and Sat 10 Oct. Each expected date was counted by hand on that calendar.
"""

import datetime as dt
from decimal import Decimal

import pytest

from rules.calendar import SHANGHAI, CalendarOverride, LegalCalendar
from rules.deadline_table import REQUIRED_CODES, load_timer_table
from rules.deadlines import compute_deadline, surcharge_percent, surcharge_yuan
from rules.errors import NaiveDatetimeError, RuleError, UnknownTimerCode


def at(day: str, time: str = "10:00") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=SHANGHAI)


CASES = [
    # code, start, options, expected last day, rolled over from
    ("T01", at("2026-02-10"), {}, "2026-03-09", None),
    ("T01", at("2026-02-10"), {"extensions": 1}, "2026-03-23", None),
    ("T02", at("2024-02-29"), {}, "2026-02-28", None),  # Feb 28 2026 is a 调休 Saturday
    ("T02", at("2021-10-01"), {"variant": "life_health_finance"}, "2026-10-08", "2026-10-01"),
    ("T03", at("2026-09-29", "15:00"), {}, "2026-10-14", None),
    ("T04", at("2026-09-01"), {}, "2026-10-08", "2026-10-01"),
    ("T04", at("2026-09-01"), {"extensions": 1}, "2026-11-02", "2026-10-31"),
    ("T06", at("2026-07-03"), {}, "2026-10-08", "2026-10-01"),
    ("T06", at("2026-07-03"), {"extensions": 1}, "2026-11-02", "2026-10-31"),
    ("T06", at("2026-07-03"), {"extensions": 2}, "2026-12-30", None),
    ("T06", at("2026-07-03"), {"paused_days": 12}, "2026-10-13", None),
    ("T07", at("2026-02-12", "16:00"), {}, "2026-02-26", None),
    ("T08", at("2026-02-12", "16:00"), {}, "2026-02-26", None),
    ("T09", at("2026-09-24"), {}, "2026-10-12", None),
    ("T10", at("2026-02-09"), {}, "2026-02-28", None),  # ends on a 调休 Saturday
    ("T11", at("2026-09-30"), {}, "2026-10-15", None),
    ("T12", at("2026-01-15"), {}, "2026-02-14", None),
    ("T12", at("2026-01-15"), {"variant": "shanghai"}, "2026-03-16", None),
    ("T13", at("2026-02-13"), {}, "2026-02-25", None),
    ("T14", at("2026-09-30"), {}, "2026-10-09", None),
    ("T15", at("2026-02-01"), {}, "2026-02-24", "2026-02-16"),
    ("T16", at("2026-02-24", "23:59"), {}, "2026-03-30", None),
    ("T16", at("2026-02-24", "23:59"), {"paused_days": 10}, "2026-04-09", None),
    ("T17", at("2026-08-07"), {}, "2026-10-08", "2026-10-06"),
    ("T18", at("2026-04-01"), {}, "2026-10-08", "2026-10-01"),
    ("T19", at("2026-09-22"), {}, "2026-10-13", None),
    ("T20", at("2026-07-01"), {}, "2026-10-08", "2026-10-01"),
    ("T21", at("2026-02-12"), {}, "2026-02-24", None),
    ("T23", at("2026-09-21"), {}, "2026-10-19", None),
    ("T24", at("2026-02-11"), {}, "2026-02-27", None),
    ("T24", at("2026-02-11"), {"variant": "withdrawal"}, "2026-02-14", None),
    ("T25", at("2026-10-09"), {}, "2026-10-15", None),
    ("T26", at("2026-02-13"), {}, "2026-03-02", None),
]


@pytest.mark.parametrize(("code", "start", "options", "last_day", "rolled"), CASES)
def test_hand_computed_deadline(
    code: str, start: dt.datetime, options: dict[str, object], last_day: str, rolled: str | None
) -> None:
    deadline = compute_deadline(code, start, **options)  # type: ignore[arg-type]
    assert deadline.last_day == dt.date.fromisoformat(last_day)
    assert deadline.rolled_over_from == (dt.date.fromisoformat(rolled) if rolled else None)
    assert not deadline.provisional
    assert deadline.legal_basis


def test_every_timer_code_has_a_hand_computed_case_or_an_hour_case() -> None:
    covered = {c[0] for c in CASES} | {"T05", "T22"}
    assert covered == set(REQUIRED_CODES)


def test_limit_due_instant_is_the_last_second_of_the_last_day_in_shanghai() -> None:
    deadline = compute_deadline("T07", at("2026-02-12", "16:00"))
    assert deadline.due_at.isoformat() == "2026-02-26T23:59:59+08:00"
    assert deadline.expires_at.isoformat() == "2026-02-27T00:00:00+08:00"


def test_min_notice_and_min_wait_give_the_earliest_allowed_moment() -> None:
    hearing = compute_deadline("T09", at("2026-09-24"))
    assert hearing.due_at.isoformat() == "2026-10-13T00:00:00+08:00"
    court = compute_deadline("T19", at("2026-09-22"))
    assert court.due_at.isoformat() == "2026-10-14T00:00:00+08:00"


def test_hours_run_from_the_moment_and_never_roll_over() -> None:
    deadline = compute_deadline("T05", at("2026-10-01", "20:30"))
    assert deadline.due_at == at("2026-10-02", "20:30")
    assert (deadline.last_day, deadline.provisional) == (None, False)


def test_a_deadline_in_a_year_without_official_data_is_provisional() -> None:
    deadline = compute_deadline("T22", at("2026-02-20"))
    assert deadline.last_day == dt.date(2029, 2, 20)
    assert deadline.provisional
    late = compute_deadline("T07", at("2026-12-28"))
    assert late.provisional
    assert late.last_day == dt.date(2027, 1, 5)  # 29, 30, 31 Dec, (1 Jan holiday), 4 and 5 Jan


def test_loading_the_official_schedule_recomputes_and_clears_provisional() -> None:
    start = at("2026-12-28")
    override = CalendarOverride(
        year=2027, source="test", holidays=(dt.date(2027, 1, 1), dt.date(2027, 1, 4)), workdays=()
    )
    deadline = compute_deadline("T07", start, calendar=LegalCalendar([override]))
    assert (deadline.last_day, deadline.provisional) == (dt.date(2027, 1, 6), False)


def test_the_surcharge_reaches_the_cap_on_day_34_and_stops_while_review_is_pending() -> None:
    assert surcharge_percent(33) == 99
    assert surcharge_percent(34) == 100
    assert surcharge_percent(80) == 100
    assert surcharge_percent(40, paused_days=10) == 90
    assert surcharge_yuan(Decimal("1000"), 1) == Decimal("30.00")
    assert surcharge_yuan(Decimal("1000"), 34) == Decimal("1000.00")


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: compute_deadline("T99", at("2026-01-05")), UnknownTimerCode, "unknown timer code 'T99'"),
        (lambda: compute_deadline("T07", dt.datetime(2026, 1, 5, 9)), NaiveDatetimeError, "no time zone"),
        (
            lambda: compute_deadline("T06", at("2026-01-05"), paused_days=-1),
            RuleError,
            "must not be negative",
        ),
        (lambda: compute_deadline("T07", at("2026-01-05"), paused_days=3), RuleError, "cannot be paused"),
        (lambda: compute_deadline("T06", at("2026-01-05"), extensions=3), RuleError, "at most 2"),
        (lambda: compute_deadline("T06", at("2026-01-05"), extensions=[30, 61]), RuleError, "1–60"),
        (lambda: compute_deadline("T07", at("2026-01-05"), variant="nope"), RuleError, "no variant 'nope'"),
        (lambda: surcharge_percent(5, paused_days=6), RuleError, "cannot exceed"),
        (lambda: surcharge_yuan(Decimal("-1"), 3), RuleError, "must not be negative"),
    ],
)
def test_bad_input_is_a_clear_error(call: object, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        call()  # type: ignore[operator]


def test_granted_extension_lengths_below_the_maximum() -> None:
    deadline = compute_deadline("T06", at("2026-07-03"), extensions=[30, 20])
    assert deadline.extensions == (30, 20)
    assert deadline.length == 140


def test_lowercase_codes_are_accepted() -> None:
    assert compute_deadline("t07", at("2026-02-12")).code == "T07"


def test_the_table_is_complete() -> None:
    assert load_timer_table().codes == list(REQUIRED_CODES)
