"""Recording evidence (证据登记): the metadata row, its ledger leaf and its first custody event, at once.

`record_evidence` is called once the file's bytes are in the content-addressed store. One
transaction writes the `evidence` row, appends its leaf to the ledger and records the "uploaded"
custody event, so there is never evidence without a leaf or a leaf without its evidence. The same
bytes entered into the same case again are the same evidence: the first row comes back (``new`` is
False) and nothing is written — a phone that retries an upload on a bad network creates nothing.

Perception workers (snapshots of alarms) call the same function with ``source="perception"``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from core.evidence_tables import Evidence, EvidenceCustody
from ledger.leaves import Leaf
from ledger.service import Ledger, evidence_entry
from ledger.store import retrying
from workflows.case.events import EvidenceRecorded

EvidenceKind = Literal["photo", "video", "audio", "document", "sensor_reading", "other"]
CustodyAction = Literal["uploaded", "viewed", "exported"]


class Location(BaseModel):
    """Where the evidence was captured: longitude/latitude (CGCS2000 by default, as the map uses)."""

    model_config = ConfigDict(extra="forbid")

    lng: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    crs: Literal["EPSG:4490", "EPSG:4326"] = "EPSG:4490"
    address: str | None = Field(default=None, max_length=255)


class EvidenceMetadata(BaseModel):
    """The ``metadata`` part of an upload (JSON)."""

    model_config = ConfigDict(extra="forbid")

    kind: EvidenceKind
    captured_at: AwareDatetime | None = Field(default=None, description="when it was captured (with a UTC offset)")
    captured_by: str | None = Field(default=None, max_length=128, description="the officer or device operator")
    device_id: str | None = Field(default=None, max_length=128, description="执法记录仪, camera or sensor id")
    location: Location | None = None
    description: str | None = Field(default=None, max_length=1000)


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    media_type: str
    filename: str | None


def record_evidence(
    engine: Engine,
    ledger: Ledger,
    *,
    case_id: str,
    metadata: EvidenceMetadata,
    stored: StoredFile,
    actor: str,
    source: str = "upload",
    now: dt.datetime | None = None,
) -> tuple[Evidence, bool]:
    """The evidence row for ``stored`` in ``case_id`` and whether it is new (see the module doc)."""

    def work() -> tuple[Evidence, bool]:
        moment = now or dt.datetime.now(dt.UTC)
        with Session(engine, expire_on_commit=False) as session:
            existing = find_in_case(session, case_id, stored.sha256)
            if existing is not None:
                return existing, False
            evidence_id = str(uuid.uuid4())
            leaf = Leaf(metadata.kind, stored.sha256, stored.size, case_id, metadata.captured_at, moment)
            [appended] = ledger.record(session, [evidence_entry(evidence_id, leaf)])
            row = Evidence(
                evidence_id=evidence_id,
                case_id=case_id,
                kind=metadata.kind,
                sha256=stored.sha256,
                size=stored.size,
                media_type=stored.media_type,
                filename=stored.filename,
                captured_at=metadata.captured_at,
                captured_by=metadata.captured_by,
                device_id=metadata.device_id,
                location=metadata.location.model_dump() if metadata.location else None,
                description=metadata.description,
                source=source,
                uploaded_by=actor,
                uploaded_at=moment,
                leaf_index=appended.leaf_index,
            )
            session.add(row)
            session.flush()  # the custody event refers to the row
            session.add(EvidenceCustody(evidence_id=evidence_id, action="uploaded", actor=actor, at=moment))
            try:
                session.commit()
            except IntegrityError as exc:
                if "uq_evidence_case_sha256" not in str(exc) and "evidence.case_id" not in str(exc):
                    raise
                session.rollback()  # the same bytes, uploaded twice at once: the other upload won
                winner = find_in_case(session, case_id, stored.sha256)
                if winner is None:  # pragma: no cover - the conflict means a committed row exists
                    raise
                return winner, False
            return row, True

    return retrying(work)


def find_in_case(session: Session, case_id: str, sha256: str) -> Evidence | None:
    return session.exec(select(Evidence).where(Evidence.case_id == case_id, Evidence.sha256 == sha256)).first()


def case_evidence(session: Session, case_id: str) -> list[Evidence]:
    stmt = select(Evidence).where(Evidence.case_id == case_id).order_by(col(Evidence.uploaded_at))
    return list(session.exec(stmt))


def custody_events(session: Session, evidence_id: str) -> list[EvidenceCustody]:
    stmt = select(EvidenceCustody).where(EvidenceCustody.evidence_id == evidence_id)
    return list(session.exec(stmt.order_by(col(EvidenceCustody.event_id))))


def record_custody(
    session: Session, evidence_id: str, action: CustodyAction, actor: str, detail: str | None = None
) -> None:
    """Add one custody event and commit it (who looked at or took the evidence, and when)."""
    at = dt.datetime.now(dt.UTC)
    session.add(EvidenceCustody(evidence_id=evidence_id, action=action, actor=actor, at=at, detail=detail))
    session.commit()


def recorded_signal(row: Evidence) -> EvidenceRecorded:
    """What the case workflow hears of a piece of evidence (its `evidence_recorded` signal)."""
    return EvidenceRecorded(
        evidence_id=row.evidence_id,
        kind=row.kind,
        sha256=row.sha256,
        size=row.size,
        leaf_index=row.leaf_index,
        recorded_by=row.uploaded_by,
        recorded_at=row.uploaded_at,
        source=row.source,
    )


def location_of(row: Evidence) -> dict[str, Any] | None:
    return dict(row.location) if row.location else None
