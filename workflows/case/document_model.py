"""Payload types of document issuance: what the case workflow hands the `issue_case_document`
activity, and what comes back. Pydantic models, carried by the pydantic data converter; pure, so
workflow code imports them (through `imports_passed_through`) and so does the activity."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from workflows.case.model import Actor, CaseInput

# ApplicationError types the activity raises for a document that cannot be issued as asked: no retry
# can help (the data must change), so they are non-retryable and the workflow asks a person.
MISSING_FIELD = "MissingDocumentField"
INVALID_FIELD = "InvalidDocumentField"
NOT_ISSUABLE = "DocumentNotIssuable"  # any other DocumentError, or the agency is unknown
NON_RETRYABLE = (MISSING_FIELD, INVALID_FIELD, NOT_ISSUABLE)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class StepRecord(_Frozen):
    """A completed human step as a document needs it: what was decided, by whom, when."""

    kind: str
    outcome: str
    form: dict[str, Any] = {}
    actor: Actor
    completed_at: dt.datetime


class IssuedDocument(_Frozen):
    """One document issued in a case (the `case_document` row, as the workflow keeps it)."""

    doc_id: str
    step: str = Field(description="the issuing step, e.g. decision/penalty_decision")
    kind: str
    title: str
    number: str | None = Field(default=None, description="文号; None for unnumbered forms")
    sha256: str
    verify_code: str = Field(description="as printed, e.g. 7KQ3M-ZX2AB")
    issued_at: dt.datetime


class DocumentRequest(_Frozen):
    """Everything the activity needs to build the document's render context and issue it once.

    `issue_key` = `{workflow_id}/{step}` makes a retried activity return the same document.
    `steps` holds the latest completion of each task kind so far; `detail` what the issuing moment
    adds (the service being recorded, the amounts of a reminder); `supplement` the values an
    officer supplied after the document could not be issued (dotted field keys of documents.yaml).
    """

    workflow_id: str
    step: str
    kind: str
    agency_code: str = Field(description="the issuing unit's jurisdiction code (the case's handling unit)")
    issued_at: dt.datetime
    case: CaseInput
    opened_at: dt.datetime
    filed_at: dt.datetime | None = None
    decided_at: dt.datetime | None = None
    steps: dict[str, StepRecord] = {}
    proposal: dict[str, Any] = {}
    decision: dict[str, Any] | None = None
    documents: list[IssuedDocument] = []
    detail: dict[str, Any] = {}
    supplement: dict[str, Any] = {}

    @property
    def issue_key(self) -> str:
        return f"{self.workflow_id}/{self.step}"


class DocumentProblem(_Frozen):
    """Why a document could not be issued (the details of the activity's ApplicationError)."""

    kind: str
    key: str | None = Field(default=None, description="the documents.yaml field key, e.g. party.address")
    label: str | None = None
    legal_basis: str | None = None
    message: str
