"""What the alarm triage workflow and its activities exchange."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel

from workflows.case.model import Party

TRIAGE_WORKFLOW = "AlarmTriage"
ALARM_SIGNAL = "alarm"
CLEARED_SIGNAL = "alarm_cleared"


class AlarmNotice(BaseModel):
    """An alarm raised (or raised again in the same window) by a sensor, a camera or an outside box."""

    alarm_id: str
    source: str
    source_ref: str
    rule_code: str
    violation_code: str | None
    district_code: str
    jurisdiction_path: str
    severity: str
    raised_at: dt.datetime
    message: str = ""
    values: dict[str, Any] = {}
    location: dict[str, Any] | None = None
    evidence_sha256: str | None = None


class TriageInput(BaseModel):
    """How this triage goes (rules/data/alarm_triage.yaml) and what a case opened from it needs."""

    path: Literal["verify", "non_contact"]
    correction_window_minutes: int | None = None
    party: Party | None = None  # the device's responsible party: who a non-contact notice goes to
    site: str | None = None
    documents_task_queue: str | None = None


class TriageResult(BaseModel):
    outcome: Literal["case_opened", "corrected", "notified_only"]
    alarm_ids: list[str]
    case_id: str | None = None
    notified_at: dt.datetime | None = None
    notice_failure: str | None = None  # why the non-contact notice was not delivered (the case opened instead)


class OpenCaseRequest(BaseModel):
    case_id: str
    notice: AlarmNotice
    party: Party | None
    lead_received_at: dt.datetime
