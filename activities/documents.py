"""The document activity: issue one statutory document (执法文书) of a case, once.

`issue_case_document(request)` builds the render context of the kind from what the workflow hands it
(activities/document_contexts/), then calls `core.documents.issue_document` with the real renderer:
the 文号 is taken gap-free under a row lock, the PDF rendered and stored by its SHA-256, the
`case_document` row inserted. Idempotent by `issue_key` = `{workflow_id}/{step}`: a retried (or a
concurrent) attempt returns the document already issued — same number, same hash — without rendering.

A document that cannot be issued as asked — a value the law requires is missing (MissingDocumentField,
naming the field and its article), a value is invalid, the agency is unknown — fails the activity with
a non-retryable ApplicationError whose details are a `DocumentProblem`: no retry can help, the data
must change, and the workflow asks an officer. Database and store errors are retried.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from sqlmodel import Session, col, select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.document_contexts import build_context
from activities.document_facts import Person, referenced_user_ids
from core.agencies import agency_profile
from core.db import get_engine
from core.docstore import DocumentStore, make_store
from core.document_tables import CaseDocument
from core.documents import find_issued, issue_document, verify_url
from core.ledger_schedule import trigger_if_due
from core.models import User
from core.numbering import UnknownAgency, display_verify_code
from core.settings import Settings, get_settings
from documents.errors import InvalidDocumentField, MissingDocumentField
from documents.fields import check_context
from documents.render import Rendered, render_document
from ledger.service import get_ledger
from rules.document_kinds import load_document_kinds
from rules.errors import RuleError
from workflows.case.document_model import (
    INVALID_FIELD,
    MISSING_FIELD,
    NOT_ISSUABLE,
    DocumentProblem,
    DocumentRequest,
    IssuedDocument,
)

ISSUE_ACTIVITY = "issue_case_document"


class RenderDocument(Protocol):
    """`documents.render.render_document`'s signature (tests may host a faster stand-in)."""

    def __call__(
        self,
        kind: str,
        context: Mapping[str, Any],
        *,
        number: str | None,
        verify_code: str,
        verify_url: str,
        issued_at: Any,
        agency: str,
    ) -> Rendered: ...


_stores: dict[tuple[str, ...], DocumentStore] = {}


def document_store(settings: Settings) -> DocumentStore:
    """The configured store, made once per configuration (an S3 client is not cheap)."""
    key = (
        settings.document_store,
        str(settings.effective_document_dir),
        settings.document_s3_bucket,
        settings.document_s3_prefix,
        settings.document_s3_endpoint_url,
    )
    if key not in _stores:
        _stores[key] = make_store(settings)
    return _stores[key]


def issued(row: CaseDocument, step: str) -> IssuedDocument:
    return IssuedDocument(
        doc_id=row.doc_id,
        step=step,
        kind=row.kind,
        title=row.title,
        number=row.number,
        sha256=row.sha256,
        verify_code=display_verify_code(row.verify_code),
        issued_at=row.created_at,
    )


def people_named(session: Session, user_ids: Iterable[str]) -> dict[str, Person]:
    """Names and certificate numbers of the platform's users among `user_ids` (others are not users)."""
    ids = {}
    for text in user_ids:
        try:
            ids[uuid.UUID(text)] = text
        except ValueError:
            continue
    if not ids:
        return {}
    users = session.exec(select(User).where(col(User.id).in_(list(ids)))).all()
    return {ids[u.id]: Person(u.display_name or u.username, u.certificate_no) for u in users}


class DocumentIssuer:
    """Hosts the activity with a renderer (the real one by default)."""

    def __init__(self, render: RenderDocument = render_document) -> None:
        self._render = render

    @activity.defn(name=ISSUE_ACTIVITY)
    async def issue_case_document(self, request: DocumentRequest) -> IssuedDocument:
        """Temporal activity: the document of `request.issue_key`, issued now or before.

        Runs in a worker thread that a cancellation never interrupts mid-transaction (see
        activities/projections.py), and a cancelled attempt returns only once that thread is done (a
        worker shutting down leaves no transaction behind); a late first attempt and its retry meet in
        `issue_document`.
        """
        work = asyncio.ensure_future(asyncio.to_thread(self.issue, request))
        try:
            document = await asyncio.shield(work)
        except asyncio.CancelledError:  # let the transaction end (commit or roll back) before giving up
            await asyncio.wait({work})
            raise
        except MissingDocumentField as exc:
            raise _refusal(MISSING_FIELD, request, exc, exc.key, exc.label, exc.legal_basis) from exc
        except InvalidDocumentField as exc:
            raise _refusal(INVALID_FIELD, request, exc, exc.key, exc.label, None) from exc
        except (RuleError, UnknownAgency, KeyError) as exc:
            raise _refusal(NOT_ISSUABLE, request, exc, None, None, None) from exc
        await anchor_if_due(get_settings())
        return document

    def issue(self, request: DocumentRequest) -> IssuedDocument:
        settings, store = get_settings(), document_store(get_settings())
        doc = load_document_kinds().get(request.kind)
        with Session(get_engine()) as session:
            held = find_issued(session, request.issue_key)
            if held is not None:  # a retry: never rebuilt, never renumbered
                session.commit()
                return issued(held, request.step)
            agency = agency_profile(session, request.agency_code, settings)
            people = people_named(session, referenced_user_ids(request))
            session.commit()
            context = build_context(request, agency, people)
            check_context(doc, context)  # before a number is taken: a refusal spends none
            base = settings.effective_verify_base_url

            def render(number: str | None, code: str, issued_at: Any) -> Rendered:
                return self._render(
                    request.kind,
                    context,
                    number=number,
                    verify_code=code,
                    verify_url=verify_url(base, code),
                    issued_at=issued_at,
                    agency=agency.name,
                )

            row = issue_document(
                session,
                store,
                issue_key=request.issue_key,
                case_id=request.case.case_id,
                kind=request.kind,
                type_code=doc.type_code,
                agency_code=agency.code,
                title=doc.title,
                render=render,
                now=request.issued_at,
                abbreviations=settings.document_abbreviations,
                ledger=get_ledger(settings),
            )
        return issued(row, request.step)


async def anchor_if_due(settings: Settings) -> None:
    """Start an anchoring round now if a full batch of leaves waits (the document's leaf among them)."""
    try:
        client = activity.client()
    except RuntimeError:  # not run by a worker (a test's ActivityEnvironment): the schedule anchors
        return
    try:
        pending = await asyncio.to_thread(pending_leaves, settings)
        await trigger_if_due(client, settings, pending)
    except Exception as exc:  # the document is issued and recorded; anchoring follows on its schedule
        activity.logger.warning("could not check whether to anchor now: %s", exc)


def pending_leaves(settings: Settings) -> int:
    with Session(get_engine()) as session:
        return get_ledger(settings).pending_leaves(session)


def _refusal(
    kind: str, request: DocumentRequest, exc: Exception, key: str | None, label: str | None, basis: str | None
) -> ApplicationError:
    problem = DocumentProblem(kind=request.kind, key=key, label=label, legal_basis=basis, message=str(exc))
    return ApplicationError(str(exc), problem.model_dump(), type=kind, non_retryable=True)


issue_case_document = DocumentIssuer().issue_case_document
