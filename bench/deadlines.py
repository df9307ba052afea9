"""How long a deadline computation takes: workflows recompute clocks on every replay and every
calendar signal, so this must stay cheap. Prints per-timer medians over repeated runs."""

import datetime as dt
import statistics
import time
from collections.abc import Callable

import chinese_calendar

from rules.calendar import SHANGHAI, LegalCalendar
from rules.deadline_table import load_timer_table
from rules.deadlines import compute_deadline

ROUNDS = 7
CALLS_PER_ROUND = 200


def _median_us(code: str, start: dt.datetime, calendar: LegalCalendar) -> float:
    rounds = []
    for _ in range(ROUNDS):
        begin = time.perf_counter()
        for _ in range(CALLS_PER_ROUND):
            compute_deadline(code, start, calendar=calendar)
        rounds.append((time.perf_counter() - begin) / CALLS_PER_ROUND * 1e6)
    return statistics.median(rounds)


def _median_call_us(call: Callable[[], object]) -> float:
    rounds = []
    for _ in range(ROUNDS):
        begin = time.perf_counter()
        for _ in range(CALLS_PER_ROUND):
            call()
        rounds.append((time.perf_counter() - begin) / CALLS_PER_ROUND * 1e6)
    return statistics.median(rounds)


def _count_with(is_workday: Callable[[dt.date], bool], start: dt.date, n: int) -> dt.date:
    day, counted = start, 0
    while counted < n:
        day += dt.timedelta(days=1)
        counted += is_workday(day)
    return day


def compare_lookups() -> None:
    """15 working days across Spring Festival 2026: the library's is_workday vs LegalCalendar."""
    calendar, start = LegalCalendar(), dt.date(2026, 2, 10)
    assert _count_with(chinese_calendar.is_workday, start, 15) == _count_with(calendar.is_working_day, start, 15)
    library = _median_call_us(lambda: _count_with(chinese_calendar.is_workday, start, 15))
    ours = _median_call_us(lambda: _count_with(calendar.is_working_day, start, 15))
    print(
        f"15 WD count: chinese_calendar.is_workday {library:.1f} us, LegalCalendar {ours:.1f} us, "
        f"ratio {library / ours:.1f}x"
    )


def main() -> None:
    calendar = LegalCalendar()
    table = load_timer_table()
    official = dt.datetime(2026, 2, 10, 10, tzinfo=SHANGHAI)  # crosses Spring Festival 2026
    provisional = dt.datetime(2026, 12, 20, 10, tzinfo=SHANGHAI)  # runs into 2027 (no official data)
    print(f"compute_deadline, median of {ROUNDS} rounds x {CALLS_PER_ROUND} calls (microseconds per call)")
    print(f"{'code':<5} {'unit':<4} {'official':>10} {'provisional':>12}")
    results = []
    for rule in table.timers:
        a, b = _median_us(rule.code, official, calendar), _median_us(rule.code, provisional, calendar)
        results.append(a)
        print(f"{rule.code:<5} {rule.unit.value:<4} {a:>10.1f} {b:>12.1f}")
    print(f"median over all timers (official start): {statistics.median(results):.1f} us")
    compare_lookups()
