"""The document activity as the case tests host it: the real activity (context, numbering, store,
`case_document` row) with a renderer that checks the context against the real templates and the
catalogue's required fields but skips the PDF layout (weasyprint takes a third of a second a
document; the branch tests issue a dozen per case). tests/workflows/case/test_documents.py hosts the
real renderer."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping
from typing import Any

from activities.documents import DocumentIssuer, RenderDocument, issue_case_document
from activities.registry import ACTIVITIES
from documents.render import Rendered, render_html, template_version


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
