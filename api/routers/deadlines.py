"""GET /api/v1/deadlines/{code}: the same answer as `zhifa deadline`, for integrations and the UI."""

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.problems import ProblemError
from core.settings import get_settings
from rules.calendar import LegalCalendar
from rules.calendar_files import load_calendar
from rules.deadline_table import TimerRule, load_timer_table
from rules.deadlines import Deadline, compute_deadline

router = APIRouter(prefix="/api/v1/deadlines", tags=["deadlines"])

MAX_PAUSED_DAYS = 3650  # ten years of pauses: far beyond any case, and inside the date range


def get_calendar() -> LegalCalendar:
    return load_calendar(get_settings().effective_calendar_dir)


CalendarDep = Annotated[LegalCalendar, Depends(get_calendar)]


@router.get("", summary="The statutory timer table T01–T26")
def list_timers() -> list[TimerRule]:
    return list(load_timer_table().timers)


@router.get("/{code}", summary="Compute a statutory deadline")
def get_deadline(
    code: str,
    calendar: CalendarDep,
    start: Annotated[
        dt.datetime,
        Query(alias="from", description="ISO 8601 instant with offset, e.g. 2026-09-28T10:00:00+08:00"),
    ],
    paused_days: Annotated[
        int, Query(ge=0, le=MAX_PAUSED_DAYS, description="calendar days excluded from the period")
    ] = 0,
    extensions: Annotated[int, Query(ge=0, description="approved extensions, each at its maximum")] = 0,
    variant: Annotated[str | None, Query(description="another length the law gives")] = None,
) -> Deadline:
    try:
        return compute_deadline(
            code, start, paused_days=paused_days, extensions=extensions, variant=variant, calendar=calendar
        )
    except OverflowError as exc:  # e.g. a start in the year 9999: the last day has no date
        raise ProblemError(
            422, "Deadline out of range", f"{code} from {start.isoformat()} ends past 9999-12-31"
        ) from exc
