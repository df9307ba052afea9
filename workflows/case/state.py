"""The answer of the case workflow's `state` query.

Kept out of workflows/case/workflow.py, which the sandbox re-imports for every new case: a pydantic
model class built there would be built again each time.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from workflows.case.document_model import IssuedDocument
from workflows.case.model import CaseEvent, CaseSummary, DeadlineView, TaskView


class CaseState(BaseModel):
    summary: CaseSummary
    open_tasks: list[TaskView]
    deadlines: list[DeadlineView]
    decision: dict[str, Any] | None
    events: list[CaseEvent]
    documents: list[IssuedDocument] = []  # the statutory documents issued so far, in issue order
    documents_in_flight: list[str] = []  # steps of documents being issued right now
