"""The idempotency record of case intake: claim a (principal, Idempotency-Key) pair once.

`claim` inserts the intake row with ``ON CONFLICT DO NOTHING`` on the unique pair, so of any number
of concurrent identical requests exactly one inserts; the others wait for its commit (PostgreSQL's
unique-index semantics), find its row, and compare body digests: the same body gets the same case,
a different body is an `IdempotencyConflict`. The case's workflow is then started from the *stored*
row (not from each request), so every racer starts exactly the same input under the same id.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from pyproj import Transformer
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from core.intake_tables import CaseIntake

# WGS84 → CGCS2000 (EPSG:4490). The two datums agree to a few centimetres, and PROJ knows no grid
# between them (a "ballpark" transformation); the column exists because integrators of 数字城管
# systems exchange CGCS2000 and say so, not because the numbers differ.
_TO_CGCS2000 = Transformer.from_crs("EPSG:4326", "EPSG:4490", always_xy=True)


def to_cgcs2000(lon: float, lat: float) -> tuple[float, float]:
    x, y = _TO_CGCS2000.transform(lon, lat)
    return float(x), float(y)


def body_digest(body: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a request body (sorted keys, no spaces, UTF-8)."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class IdempotencyConflict(Exception):
    def __init__(self, key: str, case_id: str) -> None:
        super().__init__(f"Idempotency-Key {key!r} was already used with a different body (for case {case_id})")
        self.case_id = case_id


@dataclass(frozen=True)
class Claim:
    intake: CaseIntake
    created: bool  # this request inserted the row (201); False: a repeat of an earlier one (200)


def claim(session: Session, row: CaseIntake) -> Claim:
    """Insert `row` unless its (principal, key) pair exists; return the row that holds the pair."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    values = row.model_dump()
    stmt = (
        dialect.insert(CaseIntake.__table__)  # type: ignore[attr-defined]
        .values(**values)
        .on_conflict_do_nothing(index_elements=["principal_id", "idempotency_key"])
        .returning(CaseIntake.__table__.c.case_id)  # type: ignore[attr-defined]
    )
    inserted = session.execute(stmt).first() is not None  # a row comes back only when this insert won
    session.commit()
    if inserted:
        return Claim(intake=row, created=True)
    held = session.exec(
        select(CaseIntake).where(
            CaseIntake.principal_id == row.principal_id, CaseIntake.idempotency_key == row.idempotency_key
        )
    ).one()
    if held.body_sha256 != row.body_sha256:
        raise IdempotencyConflict(row.idempotency_key, held.case_id)
    return Claim(intake=held, created=False)
