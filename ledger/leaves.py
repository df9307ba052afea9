"""What one leaf of the log says: a file's hash and size, what it is, which case, when captured and
when recorded. The leaf's bytes are the canonical JSON of exactly these six fields (`Leaf.canonical`),
so anyone holding a receipt can rebuild the leaf hash from the receipt and the file alone.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

from ledger.canonical import canonical_json
from ledger.merkle import leaf_hash

_string = json.encoder.encode_basestring  # the C encoder (ensure_ascii=False)

LEAF_FIELDS = ("captured_at", "case_id", "kind", "recorded_at", "sha256", "size")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def timestamp(moment: dt.datetime) -> str:
    """RFC 3339 in UTC with milliseconds and a ``Z``: the one spelling of a time inside a leaf."""
    offset = moment.utcoffset()
    if offset is None:
        raise ValueError("leaf times must be timezone-aware")
    utc = moment - offset  # aware arithmetic keeps tzinfo; the fields are now UTC's
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}."
        f"{utc.microsecond // 1000:03d}Z"
    )


def parse_timestamp(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass(frozen=True)
class Leaf:
    kind: str  # an evidence kind (photo, video …) or issued_document
    sha256: str  # hex SHA-256 of the file
    size: int
    case_id: str | None
    captured_at: dt.datetime | None
    recorded_at: dt.datetime

    def __post_init__(self) -> None:
        if not _HEX64.match(self.sha256):
            raise ValueError(f"not a SHA-256 hex digest: {self.sha256!r}")
        if self.size < 0:
            raise ValueError("size must not be negative")
        if not self.kind:
            raise ValueError("a leaf needs a kind")

    def as_json(self) -> dict[str, Any]:
        return {
            "captured_at": timestamp(self.captured_at) if self.captured_at else None,
            "case_id": self.case_id,
            "kind": self.kind,
            "recorded_at": timestamp(self.recorded_at),
            "sha256": self.sha256,
            "size": self.size,
        }

    def canonical(self) -> bytes:
        """canonical_json(self.as_json()), spelled out: appends hash 100k leaves a second, and the generic
        sort-and-encode was a third of their time. tests/ledger/test_leaves.py holds the two equal."""
        captured = _string(timestamp(self.captured_at)) if self.captured_at else "null"
        case_id = _string(self.case_id) if self.case_id is not None else "null"
        return (
            f'{{"captured_at":{captured},"case_id":{case_id},"kind":{_string(self.kind)},'
            f'"recorded_at":"{timestamp(self.recorded_at)}","sha256":"{self.sha256}","size":{self.size}}}'
        ).encode()

    def generic_canonical(self) -> bytes:
        return canonical_json(self.as_json())

    def hash(self) -> bytes:
        return leaf_hash(self.canonical())

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Leaf:
        if set(value) != set(LEAF_FIELDS):
            raise ValueError(f"a leaf has exactly the fields {', '.join(LEAF_FIELDS)}")
        captured = value["captured_at"]
        return cls(
            kind=str(value["kind"]),
            sha256=str(value["sha256"]),
            size=int(value["size"]),
            case_id=value["case_id"],
            captured_at=parse_timestamp(captured) if captured else None,
            recorded_at=parse_timestamp(value["recorded_at"]),
        )

    @classmethod
    def parse(cls, text: str) -> Leaf:
        return cls.from_json(json.loads(text))
