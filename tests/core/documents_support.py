"""Helpers for the document tests: a stand-in renderer (the real one is documents/render.py) that
records its calls, and a one-call issuance with test defaults."""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from core.case_tables import CaseRecord
from core.docstore import DocumentStore
from core.document_tables import CaseDocument
from core.documents import issue_document
from core.intake_tables import CaseIntake
from ledger.service import Ledger

ISSUED_AT = dt.datetime(2026, 11, 27, 9, 30, tzinfo=dt.UTC)


@dataclass(frozen=True)
class FakeRendered:
    pdf: bytes
    template_version: str = "test-template-1"
    pages: int = 1


@dataclass
class FakeRenderer:
    """Renders a tiny fake PDF that embeds the number and code; counts its calls; can fail or dawdle."""

    fail: bool = False
    pause: float = 0.0
    calls: list[tuple[str | None, str, dt.datetime]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, number: str | None, verify_code: str, issued_at: dt.datetime) -> FakeRendered:
        with self.lock:
            self.calls.append((number, verify_code, issued_at))
        if self.pause:
            time.sleep(self.pause)  # widens the window in which racers meet
        if self.fail:
            raise RuntimeError("the template blew up")
        body = f"%PDF-1.7\n% {number or 'unnumbered'} {verify_code} {issued_at.isoformat()}\n%%EOF\n"
        return FakeRendered(pdf=body.encode("utf-8"))


def issue(
    engine: Engine,
    store: DocumentStore,
    key: str,
    *,
    render: Any = None,
    case_id: str = "990102-20261127-AAAAAA",
    kind: str = "penalty_decision",
    type_code: str | None = "罚决",
    agency_code: str = "990102",
    title: str = "行政处罚决定书",
    now: dt.datetime = ISSUED_AT,
    abbreviations: dict[str, str] | None = None,
    ledger: Ledger | None = None,
) -> CaseDocument:
    """One issuance on a session of its own (as one activity attempt would)."""
    with Session(engine) as session:
        return issue_document(
            session,
            store,
            issue_key=key,
            case_id=case_id,
            kind=kind,
            type_code=type_code,
            agency_code=agency_code,
            title=title,
            render=render if render is not None else FakeRenderer(),
            now=now,
            abbreviations=abbreviations,
            ledger=ledger,
        )


QINGHE = "990100/990102/"
VIOLATION = "street_vending_jiaxing"


def intake_row(
    case_id: str, *, principal_id: str, principal_name: str, party: str, description: str, received_at: dt.datetime
) -> CaseIntake:
    """A 清河区 street-vending case as the API's intake stores it (written directly by archive tests)."""
    return CaseIntake(
        case_id=case_id,
        principal_id=principal_id,
        principal_name=principal_name,
        idempotency_key=case_id,
        body_sha256="0" * 64,
        violation_code=VIOLATION,
        source="patrol",
        district_code="990102",
        jurisdiction_path=QINGHE,
        lon=120.132,
        lat=30.278,
        cgcs2000_lon=120.132,
        cgcs2000_lat=30.278,
        address="示范市清河区望江路1号门前",
        description=description,
        party={"type": "person", "name": party},
        received_at=received_at,
    )


def record_row(
    case_id: str,
    *,
    stage: str,
    opened_at: dt.datetime,
    updated_at: dt.datetime,
    closed_at: dt.datetime | None,
    filed_at: dt.datetime | None = None,
) -> CaseRecord:
    """Its projection row, as the case workflow writes it (closed: result `executed`)."""
    return CaseRecord(
        case_id=case_id,
        violation_code=VIOLATION,
        source="patrol",
        jurisdiction_path=QINGHE,
        stage=stage,
        party_name="张三",
        opened_at=opened_at,
        filed_at=filed_at,
        closed_at=closed_at,
        result="executed" if closed_at is not None else None,
        last_seq=1,
        updated_at=updated_at,
    )
