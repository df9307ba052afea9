"""The embedded anchor: the signed tree head is its own record (no chain).

What it proves is what the signature proves — the log's key vouched for this tree at this time —
and nothing against the key's holder. It is the default so that a laptop needs no blockchain; the
``fabric`` backend puts the same head where the log's operator cannot rewrite it.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from ledger.heads import AnchorRecord, SignedTreeHead


class EmbeddedAnchorBackend:
    name = "embedded"

    def anchor(self, head: SignedTreeHead) -> AnchorRecord:
        # The "transaction id" names the signed head itself: SHA-256 of its signed bytes and signature.
        tx_id = hashlib.sha256(head.head().signed_bytes() + head.signature.encode("ascii")).hexdigest()
        return AnchorRecord(self.name, tx_id, None, dt.datetime.now(dt.UTC))
