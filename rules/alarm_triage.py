"""The triage policy of alarms (rules/data/alarm_triage.yaml): verify by an officer, or the non-contact path."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from rules.data_files import load_yaml, validate_data

DATA_FILE = "alarm_triage.yaml"


class TriagePolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    match: str = Field(min_length=1, description="a rule code, a violation code, or default")
    path: Literal["verify", "non_contact"]
    correction_window_minutes: int | None = Field(default=None, gt=0)
    window_hours: int = Field(gt=0, le=24 * 7)
    confidence: Literal["V", "V2", "M", "I"]

    @model_validator(mode="after")
    def _window_for_non_contact(self) -> TriagePolicy:
        if (self.path == "non_contact") != (self.correction_window_minutes is not None):
            raise ValueError("correction_window_minutes is set exactly for the non_contact path")
        return self


class TriagePolicies(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    policies: tuple[TriagePolicy, ...]

    @model_validator(mode="after")
    def _one_default(self) -> TriagePolicies:
        matches = [p.match for p in self.policies]
        if matches.count("default") != 1 or len(set(matches)) != len(matches):
            raise ValueError("exactly one `default` policy, and each match once")
        return self

    def for_alarm(self, rule_code: str, violation_code: str | None) -> TriagePolicy:
        """The rule's own policy, else its violation type's, else the default."""
        by_match = {p.match: p for p in self.policies}
        return by_match.get(rule_code) or by_match.get(violation_code or "") or by_match["default"]


@lru_cache(maxsize=1)
def load_triage_policies() -> TriagePolicies:
    return validate_data(TriagePolicies, load_yaml(DATA_FILE), "policies", DATA_FILE)
