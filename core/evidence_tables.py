"""Evidence (证据) recorded in cases, and its chain of custody (保管链).

``evidence`` is one file's metadata; its bytes are in the content-addressed store (``core.docstore``,
the same store as documents) at ``sha256``, and its hash is leaf ``leaf_index`` of the ledger. A row
is written once: the same bytes uploaded to the same case again are the same evidence (the
``(case_id, sha256)`` key), so a retried upload from a phone on a bad network creates nothing new.

``evidence_custody`` is every hand the evidence passed through: uploaded, viewed, exported, with
actor and time. Both tables are append-only, enforced by the database (migration 0007).
"""

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

EVIDENCE_KINDS = ("photo", "video", "audio", "document", "sensor_reading", "other")
CUSTODY_ACTIONS = ("uploaded", "viewed", "exported")


class Evidence(SQLModel, table=True):
    __tablename__ = "evidence"
    __table_args__ = (sa.UniqueConstraint("case_id", "sha256", name="uq_evidence_case_sha256"),)

    evidence_id: str = Field(primary_key=True, max_length=36)
    case_id: str = Field(max_length=128, index=True, description="no foreign key: the projection may lag")
    kind: str = Field(max_length=32, description="photo | video | audio | document | sensor_reading | other")
    sha256: str = Field(max_length=64, index=True)
    size: int = Field(sa_type=sa.BigInteger)
    media_type: str = Field(max_length=128)
    filename: str | None = Field(default=None, max_length=255)
    captured_at: dt.datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    captured_by: str | None = Field(default=None, max_length=128)
    device_id: str | None = Field(default=None, max_length=128)
    location: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    description: str | None = Field(default=None, max_length=1000)
    source: str = Field(default="upload", max_length=32, description="upload | perception | document")
    uploaded_by: str = Field(max_length=64)
    uploaded_at: dt.datetime = Field(sa_type=sa.DateTime(timezone=True))
    leaf_index: int = Field(sa_type=sa.BigInteger, description="its leaf in the ledger")


class EvidenceCustody(SQLModel, table=True):
    __tablename__ = "evidence_custody"

    event_id: int | None = Field(default=None, primary_key=True)
    evidence_id: str = Field(foreign_key="evidence.evidence_id", max_length=36, index=True)
    action: str = Field(max_length=16, description="uploaded | viewed | exported")
    actor: str = Field(max_length=64)
    at: dt.datetime = Field(sa_type=sa.DateTime(timezone=True))
    detail: str | None = Field(default=None, max_length=500)
