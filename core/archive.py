"""A case's archive (案卷, 住建 Art. 40): its issued documents bound into one PDF by documents/archive.py.

``build_archive`` reads the case (the ``case_record`` projection, or the intake row of a case not yet
projected), the case's ``case_document`` rows and each document's bytes from the document store (verified
against their SHA-256), and binds them: a cover from the case, the documents in the eight categories of
Art. 40 (each kind's ``archive_category`` in rules/data/documents.yaml), in issue order inside a category.

A case is archived when it is closed (stage ``closed``): anything else is refused with ``CaseNotClosed``,
unless ``draft=True``, which binds what there is and marks the cover, every page stamp and the 备考表 草稿 /
未结案. The same database state gives the same bytes (nothing reads the clock), so an archive can be rebuilt
and compared at any time.

Reading is quick; binding is CPU-bound (about a weasyprint render plus a pypdf merge, see bench/README.md):
callers on an event loop read with ``archive_inputs`` and bind with ``bind`` in a worker thread, after handing
the database connection back.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlmodel import Session

from core.case_tables import CaseRecord
from core.docstore import DocumentStore
from core.documents import PDF, case_documents
from core.intake_tables import CaseIntake
from core.models import Jurisdiction
from documents.archive import Archive, ArchiveCover, ArchiveEntry, build_archive_pdf
from rules.catalogue import load_catalogue
from rules.document_kinds import ARCHIVE_CATEGORY_COUNT, UnknownDocumentKind, load_document_kinds
from rules.errors import RuleError

log = logging.getLogger("zhifa.archive")

CLOSED = "closed"
OTHER = ARCHIVE_CATEGORY_COUNT  # 住建 Art. 40 (8): other materials


class ArchiveRefused(Exception):
    """The archive of this case cannot be built as asked."""


class CaseNotFound(ArchiveRefused):
    def __init__(self, case_id: str) -> None:
        super().__init__(f"no case {case_id}")
        self.case_id = case_id


class CaseNotClosed(ArchiveRefused):
    """Only a closed case is archived (住建 Art. 40 files the case after 结案); ask for a draft otherwise."""

    def __init__(self, case_id: str, stage: str | None) -> None:
        where = f"in stage {stage}" if stage else "not yet projected"
        super().__init__(f"case {case_id} is not closed ({where}); only a closed case is archived — ask for a draft")
        self.case_id = case_id
        self.stage = stage


class DocumentNotBindable(ArchiveRefused):
    def __init__(self, doc_id: str, media_type: str) -> None:
        super().__init__(f"document {doc_id} is {media_type}, not a PDF: it cannot be bound into the archive")
        self.doc_id = doc_id


@dataclass(frozen=True)
class ArchiveInputs:
    cover: ArchiveCover
    entries: tuple[ArchiveEntry, ...]


def archive_category_of(kind: str) -> int:
    """The Art. 40 category of a document kind; a kind the catalogue does not know files as 'other' (8)."""
    try:
        return load_document_kinds().get(kind).archive_category
    except UnknownDocumentKind:
        log.warning("document kind %r is not in rules/data/documents.yaml: filed under other materials", kind)
        return OTHER


def _violation_name(code: str) -> str:
    try:
        return load_catalogue().get(code).name
    except RuleError:
        return code


def _agency(session: Session, path: str) -> str:
    """The name of the case's handling unit: the last node of its jurisdiction path."""
    code = path.rstrip("/").rsplit("/", 1)[-1]
    place = session.get(Jurisdiction, code)
    return place.name if place is not None else code


def case_title(party: str | None, violation: str) -> str:
    """案卷题名: the party and the violation, e.g. 张三擅自占用城市道路摆摊设点案."""
    return f"{party or ''}{violation}案"


def archive_inputs(
    session: Session,
    store: DocumentStore,
    case_id: str,
    *,
    draft: bool = False,
    agency: str | None = None,
    retention: str | None = None,
) -> ArchiveInputs:
    """The cover and the documents (with their bytes) of the case's archive. Raises CaseNotFound,
    CaseNotClosed (unless ``draft``), DocumentNotBindable, or the store's DocumentStoreError."""
    record = session.get(CaseRecord, case_id)
    intake = session.get(CaseIntake, case_id)
    if record is None and intake is None:
        raise CaseNotFound(case_id)
    closed = record is not None and record.stage == CLOSED
    if not closed and not draft:
        raise CaseNotClosed(case_id, record.stage if record is not None else None)
    if record is not None:
        violation_code, path, opened_at = record.violation_code, record.jurisdiction_path, record.opened_at
    else:
        assert intake is not None
        violation_code, path, opened_at = intake.violation_code, intake.jurisdiction_path, intake.received_at
    party = record.party_name if record is not None else None
    if party is None and intake is not None and isinstance(intake.party, dict):
        party = str(intake.party.get("name") or "") or None
    cover = ArchiveCover(
        agency=agency or _agency(session, path),
        case_id=case_id,
        title=case_title(party, _violation_name(violation_code)),
        party=party,
        opened_at=opened_at,
        filed_at=record.filed_at if record is not None else None,
        closed_at=record.closed_at if closed and record is not None else None,
        retention=retention,
        draft=not closed,
    )
    rows = case_documents(session, case_id)
    session.commit()  # end the read transaction: the store reads below may take a while
    entries = []
    for row in rows:
        if row.media_type != PDF:
            raise DocumentNotBindable(row.doc_id, row.media_type)
        pdf = store.get(row.sha256)  # verified against the hash
        entries.append(ArchiveEntry(archive_category_of(row.kind), row.title, row.number, row.created_at, pdf))
    return ArchiveInputs(cover, tuple(entries))


def bind(inputs: ArchiveInputs) -> Archive:
    """The PDF of the archive (CPU-bound: run it in a worker thread)."""
    return build_archive_pdf(inputs.cover, inputs.entries)


def build_archive(
    session: Session,
    store: DocumentStore,
    case_id: str,
    *,
    draft: bool = False,
    agency: str | None = None,
    retention: str | None = None,
) -> bytes:
    """The case's archive as one PDF (see the module doc). ``draft=True`` also binds a case not yet closed."""
    inputs = archive_inputs(session, store, case_id, draft=draft, agency=agency, retention=retention)
    return bind(inputs).pdf
