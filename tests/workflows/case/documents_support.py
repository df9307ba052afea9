"""The document activity as the case tests host it: the real activity (context, numbering, store,
`case_document` row) with a renderer that checks the context against the real templates and the
catalogue's required fields but skips the PDF layout (weasyprint takes a third of a second a
document; the branch tests issue a dozen per case). tests/workflows/case/test_documents.py hosts the
real renderer."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
from collections.abc import Callable, Mapping
from typing import Any

from activities.documents import DocumentIssuer, RenderDocument, document_store, issue_case_document
from activities.registry import ACTIVITIES
from core.settings import get_settings
from documents.render import Rendered, render_html, template_version
from tests.workflows.case.driver import CaseDriver
from workflows.case.document_model import IssuedDocument
from workflows.case.model import CaseEvent
from workflows.case.state import CaseState


def quick_render(
    kind: str,
    context: Mapping[str, Any],
    *,
    number: str | None,
    verify_code: str,
    verify_url: str,
    issued_at: dt.datetime,
    agency: str,
) -> Rendered:
    """The checked HTML of the document as its bytes (no PDF layout)."""
    html = render_html(
        kind, context, number=number, verify_code=verify_code, verify_url=verify_url, issued_at=issued_at, agency=agency
    )
    data = html.encode("utf-8")
    return Rendered(
        kind=kind,
        pdf=data,
        html=html,
        template_version=template_version(kind),
        page_count=1,
        sha256=hashlib.sha256(data).hexdigest(),
        number=number,
        verify_code=verify_code,
    )


def activities_with(render: RenderDocument) -> list[Callable[..., Any]]:
    """The worker's activities, the document activity hosting `render`."""
    return [a for a in ACTIVITIES if a is not issue_case_document] + [DocumentIssuer(render).issue_case_document]


async def with_documents(case: CaseDriver, *kinds: str, each: int = 1) -> CaseState:
    """The state once `each` documents of every one of `kinds` are issued and none is on its way (bounded
    in real time)."""
    for _ in range(400):
        state = await case.state()
        if all(len(of(state, kind)) >= each for kind in kinds) and not state.documents_in_flight:
            return state
        await asyncio.sleep(0.05)
    raise AssertionError(f"not issued {each} of each of {kinds}: {[d.kind for d in (await case.state()).documents]}")


async def blocked(case: CaseDriver, kind: str) -> CaseEvent:
    """The `document_blocked` event of `kind` (bounded in real time)."""
    for _ in range(400):
        found = [e for e in (await case.state()).events if e.kind == "document_blocked" and e.detail["kind"] == kind]
        if found:
            return found[-1]
        await asyncio.sleep(0.05)
    raise AssertionError(f"{kind} was not blocked")


def of(state: CaseState, kind: str) -> list[IssuedDocument]:
    return [d for d in state.documents if d.kind == kind]


def stored_html(doc: IssuedDocument) -> str:
    """What the quick renderer stored for `doc`: its checked HTML."""
    return document_store(get_settings()).get(doc.sha256).decode("utf-8")
