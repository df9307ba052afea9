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

from core.docstore import DocumentStore
from core.document_tables import CaseDocument
from core.documents import issue_document

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
        )
