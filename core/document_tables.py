"""The statutory documents (执法文书) issued in cases, and their number sequences (文号).

``case_document`` is the metadata row of one issued document; its bytes live in the document store
(``core.docstore``), addressed by ``sha256``. A row is written once, in the same transaction that
takes its number, and never changed afterwards. ``issue_key`` (unique) is the idempotency record of
the issuing activity (``{workflow_id}/{step}``): a retried activity finds the row and returns it.
``verify_code`` (unique) is the short code printed beside the QR code; the public verification
endpoint looks documents up by it.

``document_sequence`` holds the last number given per (agency, type code, year). It is advanced by
one row-locking upsert in the issuing transaction (``core.numbering.next_number``), so numbers are
gap-free: a failed issuance rolls its number back with everything else.
"""

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

ID_LENGTH = 128
VERIFY_CODE_LENGTH = 10


class CaseDocument(SQLModel, table=True):
    """One issued document of a case (its metadata; the bytes are in the document store)."""

    __tablename__ = "case_document"
    __table_args__ = (
        sa.UniqueConstraint("issue_key", name="uq_case_document_issue_key"),
        sa.UniqueConstraint("verify_code", name="uq_case_document_verify_code"),
        # Belt and braces for the sequence: one document per number, whatever the code above does.
        sa.UniqueConstraint("agency_code", "type_code", "year", "seq", name="uq_case_document_number"),
        sa.CheckConstraint("(seq IS NULL) = (number IS NULL)", name="ck_case_document_numbered"),
    )

    doc_id: str = Field(primary_key=True, max_length=36)
    case_id: str = Field(max_length=ID_LENGTH, index=True, description="no foreign key: the projection may lag")
    kind: str = Field(max_length=64, description="document kind, e.g. penalty_decision")
    title: str = Field(max_length=255, description="e.g. 行政处罚决定书")
    number: str | None = Field(default=None, max_length=64, description="文号; None for unnumbered forms")
    agency_code: str = Field(foreign_key="jurisdiction.code", ondelete="RESTRICT", max_length=12)
    agency_name: str = Field(max_length=64, description="the issuing unit's name when issued")
    type_code: str | None = Field(default=None, max_length=16, description="文书类型代字, e.g. 罚决")
    year: int = Field(description="year of issuance in Beijing time (the 〔year〕 of the number)")
    seq: int | None = Field(default=None, description="the n of 第n号")
    sha256: str = Field(max_length=64, index=True, description="of the stored bytes; the store's address")
    size: int = Field(sa_type=sa.BigInteger)
    media_type: str = Field(default="application/pdf", max_length=64)
    template_version: str = Field(max_length=64)
    pages: int | None = None
    verify_code: str = Field(max_length=16, description="Crockford base32, printed with the QR code")
    issue_key: str = Field(max_length=255, description="idempotency key of the issuing step")
    created_at: dt.datetime = Field(description="issued at")


class DocumentSequence(SQLModel, table=True):
    """The last number issued per (agency, type code, year)."""

    __tablename__ = "document_sequence"

    agency_code: str = Field(primary_key=True, max_length=12)
    type_code: str = Field(primary_key=True, max_length=16)
    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    last_n: int
