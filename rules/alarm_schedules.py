"""Times of day in alarm rules: "HH:MM" clock times, spans of the day, weekly schedules, and the day parts
(day / night) that setting tables are read by.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pydantic import Field, field_validator, model_validator

from rules.alarm_terms import FrozenModel, Weekday
from rules.catalogue import Confidence

CLOCK = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")
MINUTES_PER_DAY = 24 * 60


@lru_cache(maxsize=1024)
def clock_minutes(text: str) -> int:
    """ "HH:MM" as minutes after midnight; "24:00" is the end of the day (parsed once per text)."""
    match = CLOCK.match(text)
    if match is None or (match.group(1) == "24" and match.group(2) != "00"):
        raise ValueError(f"{text!r} is not a time of day HH:MM (00:00–24:00)")
    return int(match.group(1)) * 60 + int(match.group(2))


class Span(FrozenModel):
    """Local wall-clock minutes [start, end); end before start crosses midnight."""

    start: str
    end: str

    @field_validator("start", "end")
    @classmethod
    def _clock(cls, text: str) -> str:
        clock_minutes(text)
        return text

    @model_validator(mode="after")
    def _not_empty(self) -> Span:
        if self.start_minute == MINUTES_PER_DAY:
            raise ValueError("a span starts at 00:00 at the latest, not 24:00")
        if self.start_minute == self.end_minute:
            raise ValueError(f"start and end are the same time ({self.start}): give a real span")
        return self

    @property
    def start_minute(self) -> int:
        return clock_minutes(self.start)

    @property
    def end_minute(self) -> int:
        return clock_minutes(self.end)

    def contains(self, minute: int) -> bool:
        start, end = self.start_minute, self.end_minute
        return start <= minute < end if start < end else minute >= start or minute < end


class Window(Span):
    """A weekly window: on each listed day (the day it starts), from start to end."""

    days: tuple[Weekday, ...] = Field(min_length=1)


class Schedule(FrozenModel):
    name: str = Field(min_length=1)
    source: str = Field(min_length=1)
    confidence: Confidence
    windows: tuple[Window, ...] = Field(min_length=1)


class DayPartSet(FrozenModel):
    """Named parts of the day (day / night) that together cover every minute exactly once."""

    source: str = Field(min_length=1)
    confidence: Confidence
    note: str | None = None
    parts: dict[str, Span] = Field(min_length=1)

    @model_validator(mode="after")
    def _cover_the_day(self) -> DayPartSet:
        for minute in range(MINUTES_PER_DAY):
            found = [name for name, span in self.parts.items() if span.contains(minute)]
            if len(found) != 1:
                where = f"{minute // 60:02d}:{minute % 60:02d}"
                raise ValueError(f"parts must cover each minute exactly once; at {where} they give {found}")
        return self

    def part_at(self, minute: int) -> str:
        return next(name for name, span in self.parts.items() if span.contains(minute))
