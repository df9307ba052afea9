"""What an alarm rule compares a reading with: comparisons and conditions (a threshold, a named setting, or a
number relative to the create threshold), the settings a city or device may set, and severity levels.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from rules.alarm_terms import SNAKE, FrozenModel, Op, Severity, Sourced
from rules.catalogue import Confidence


class SettingTable(FrozenModel):
    """Rows chosen by a device attribute (or the single row `all`), columns by a day part (or `all`)."""

    by_attribute: str | None = None
    by_day_part: str | None = None
    source: str = Field(min_length=1)
    confidence: Confidence
    rows: dict[str, dict[str, float]] = Field(min_length=1)


class Setting(FrozenModel):
    """A number a city (this file) or a single device (its profile) may set."""

    name: str = Field(min_length=1)
    unit: str = Field(min_length=1)
    default: Sourced | None = None
    table: SettingTable | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Setting:
        if (self.default is None) == (self.table is None):
            raise ValueError("give exactly one of default or table")
        return self


class Comparison(FrozenModel):
    """metric OP number. The number is a threshold, a named setting, or (in a clear condition) relative
    to the create threshold: factor × it or offset + it. outside / between take low and high."""

    metric: str = Field(pattern=SNAKE)
    op: Op
    threshold: Sourced | None = None
    setting: str | None = None
    factor: Sourced | None = None
    offset: Sourced | None = None
    low: Sourced | None = None
    high: Sourced | None = None

    @model_validator(mode="after")
    def _operands(self) -> Comparison:
        given = [n for n in ("threshold", "setting", "factor", "offset") if getattr(self, n) is not None]
        if self.op.is_range:
            if given or self.low is None or self.high is None:
                raise ValueError(f"op {self.op} takes low and high only")
            if self.low.value > self.high.value:
                raise ValueError(f"low {self.low.value} is above high {self.high.value}")
        elif len(given) != 1 or self.low is not None or self.high is not None:
            raise ValueError(f"op {self.op} takes exactly one of threshold, setting, factor, offset")
        return self

    @property
    def relative(self) -> bool:
        return self.factor is not None or self.offset is not None


class Condition(Comparison):
    also: tuple[Comparison, ...] = ()
    combine: Literal["all", "any"] = "all"
    for_seconds: Sourced | None = None
    consecutive: Sourced | None = None

    @model_validator(mode="after")
    def _duration(self) -> Condition:
        if self.for_seconds is not None and self.consecutive is not None:
            raise ValueError("give at most one of for_seconds and consecutive")
        for name in ("for_seconds", "consecutive"):
            number: Sourced | None = getattr(self, name)
            if number is not None and (number.value < 1 or number.value != int(number.value)):
                raise ValueError(f"{name} must be a whole number ≥ 1, got {number.value}")
        if any(c.relative for c in self.also):
            raise ValueError("only the main comparison may use factor or offset, not `also`")
        return self

    @property
    def metrics(self) -> tuple[str, ...]:
        return (self.metric, *(c.metric for c in self.also))


class Level(FrozenModel):
    severity: Severity
    factor: Sourced | None = None
    offset: Sourced | None = None
