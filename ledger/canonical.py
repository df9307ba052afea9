"""Canonical JSON: the one byte form of every object the ledger hashes or signs.

Sorted keys, UTF-8 (CJK stays as itself, not ``\\u`` escapes), no insignificant whitespace. Two
machines that agree on the values agree on the bytes, so a receipt verifies anywhere.
"""

from __future__ import annotations

import json
from typing import Any


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
