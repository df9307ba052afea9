"""The statutory timer table (rules/data/deadlines.yaml) as validated, immutable models.

Loaded once at start-up; a malformed entry is a `RuleDataError` naming the timer and field.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from rules.data_files import load_yaml, validate_data
from rules.errors import UnknownTimerCode
from rules.periods import Unit

REQUIRED_CODES = tuple(f"T{n:02d}" for n in range(1, 27))  # REFERENCE §1.3


class Kind(StrEnum):
    LIMIT = "limit"
    MIN_WAIT = "min_wait"
    MIN_NOTICE = "min_notice"
    ACCRUAL = "accrual"


class ExpiryAction(StrEnum):
    ESCALATE = "escalate"
    SUPERVISION_ALERT = "supervision_alert"
    OVERDUE_FLAG = "overdue_flag"
    BLOCK = "block"
    LAPSE = "lapse"
    RELEASE = "release"
    DEEMED_WAIVED = "deemed_waived"
    DEEMED_SERVED = "deemed_served"
    RIGHT_LAPSES = "right_lapses"
    START_SURCHARGE = "start_surcharge"
    CAP_REACHED = "cap_reached"
    START_ENFORCEMENT_WINDOW = "start_enforcement_window"
    MAY_PROCEED = "may_proceed"
    WINDOW_CLOSES = "window_closes"
    EXECUTION_DROPPED = "execution_dropped"


class Confidence(StrEnum):
    V = "V"
    V2 = "V2"
    M = "M"
    I = "I"  # noqa: E741 - the tag REFERENCE §0.1 uses for inference


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Extension(_Frozen):
    length: int = Field(gt=0, description="the most the approver may grant, in the timer's unit")
    approver: str = Field(min_length=1)
    legal_basis: str = Field(min_length=1)


class Variant(_Frozen):
    length: int = Field(gt=0)
    unit: Unit
    note: str = Field(min_length=1)
    legal_basis: str = Field(min_length=1)


class TimerRule(_Frozen):
    code: str = Field(pattern=r"^T\d{2}$")
    name: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    stage: str = Field(min_length=1)
    kind: Kind
    start_event: str = Field(min_length=1)
    length: int = Field(gt=0)
    unit: Unit
    unit_rule: str = Field(min_length=1)
    pause_events: tuple[str, ...] = ()
    extensions: tuple[Extension, ...] = ()
    variants: dict[str, Variant] = Field(default_factory=dict)
    rate_percent_per_day: int | None = Field(default=None, gt=0)
    cap_percent: int | None = Field(default=None, gt=0)
    expiry_action: ExpiryAction
    expiry_note: str = Field(min_length=1)
    legal_basis: str = Field(min_length=1)
    confidence: Confidence
    local: str | None = None

    @model_validator(mode="after")
    def _coherent(self) -> TimerRule:
        if self.pause_events and not (self.unit is Unit.CD or self.kind is Kind.ACCRUAL):
            raise ValueError("only calendar-day timers and accruals can be paused")
        if self.extensions and self.kind is not Kind.LIMIT:
            raise ValueError("only limit timers can be extended")
        accrual_fields = (self.rate_percent_per_day, self.cap_percent)
        if self.kind is Kind.ACCRUAL:
            if None in accrual_fields:
                raise ValueError("an accrual needs rate_percent_per_day and cap_percent")
            rate, cap = self.rate_percent_per_day or 0, self.cap_percent or 0
            if self.length != -(-cap // rate):
                raise ValueError(f"length must be the day the cap is reached: ceil({cap}/{rate})")
        elif accrual_fields != (None, None):
            raise ValueError("rate_percent_per_day and cap_percent belong to accrual timers only")
        for name in self.variants:
            if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
                raise ValueError(f"variant name {name!r} must be snake_case")
        return self

    @property
    def max_extensions(self) -> int:
        return len(self.extensions)


class TimerTable(_Frozen):
    version: str = Field(min_length=1)
    timers: tuple[TimerRule, ...]

    @model_validator(mode="after")
    def _complete(self) -> TimerTable:
        codes = [t.code for t in self.timers]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ValueError(f"duplicate timer codes: {duplicates}")
        missing = [c for c in REQUIRED_CODES if c not in codes]
        if missing:
            raise ValueError(f"timer codes missing from the table: {missing}")
        return self

    def get(self, code: str) -> TimerRule:
        for timer in self.timers:
            if timer.code == code.upper():
                return timer
        raise UnknownTimerCode(code, [t.code for t in self.timers])

    @property
    def codes(self) -> list[str]:
        return [t.code for t in self.timers]


def parse_timer_table(raw: Any, source: str = "deadlines.yaml") -> TimerTable:
    """Validate raw YAML data; errors name the timer code and the offending field."""
    return validate_data(TimerTable, raw, "timers", source)


@lru_cache(maxsize=1)
def load_timer_table() -> TimerTable:
    """The shipped timer table, loaded and validated once."""
    return parse_timer_table(load_yaml("deadlines.yaml"))
