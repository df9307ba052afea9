"""FabricAnchorBackend: signed tree heads anchored by the EvidenceAnchorContract chaincode on a Fabric channel.

Anchoring is idempotent across retries and processes: when the chaincode answers ANCHOR_EXISTS (or our commit
lost an MVCC race to another writer of the same key) the stored head is read back; the same head answers the
record of the transaction that stored it, a different one raises AnchorConflict.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from google.protobuf import timestamp_pb2

from ledger.chain_audit import ChainRecord
from ledger.fabric.errors import CommitError, GatewayError
from ledger.fabric.gateway import GatewayClient
from ledger.heads import AnchorConflict, AnchorError, AnchorRecord, SignedTreeHead

log = logging.getLogger(__name__)

EXISTS = "ANCHOR_EXISTS"
NOT_FOUND = "ANCHOR_NOT_FOUND"


def _utc(rfc3339: str) -> dt.datetime:
    timestamp = timestamp_pb2.Timestamp()
    timestamp.FromJsonString(rfc3339)
    return timestamp.ToDatetime(tzinfo=dt.UTC)


class FabricAnchorBackend:
    name = "fabric"

    def __init__(self, gateway: GatewayClient) -> None:
        self.gateway = gateway

    def close(self) -> None:
        self.gateway.close()

    def anchor(self, head: SignedTreeHead) -> AnchorRecord:
        args = anchor_args(head)
        try:
            committed = self.gateway.submit("anchor", args)
        except GatewayError as exc:
            if not exc.mentions(EXISTS):
                raise
            stored = self.get_anchor(head.log_id, head.tree_size)
            if stored is None:  # e.g. evaluated on a peer that has not yet committed the block
                raise AnchorError(f"chaincode says {EXISTS} but get_anchor finds nothing: {exc}") from exc
            return self._existing(head, stored)
        except CommitError as exc:
            # Someone committed a read key first; if it was this very head, the anchor is done.
            if exc.status != "MVCC_READ_CONFLICT":
                raise
            stored = self.get_anchor(head.log_id, head.tree_size)
            if stored is None:
                raise
            return self._existing(head, stored)
        return AnchorRecord(
            backend=self.name, tx_id=committed.tx_id, block=committed.block, anchored_at=dt.datetime.now(dt.UTC)
        )

    def _existing(self, head: SignedTreeHead, stored: dict[str, Any]) -> AnchorRecord:
        if stored["root_hash"] != head.root_hash:
            raise AnchorConflict(
                f"log {head.log_id!r} tree_size {head.tree_size} is anchored with root_hash {stored['root_hash']} "
                f"(tx {stored['tx_id']}), not {head.root_hash}: two different trees of one size"
            )
        if stored["signature"] != head.signature:
            raise AnchorConflict(
                f"log {head.log_id!r} tree_size {head.tree_size} is anchored (tx {stored['tx_id']}) with the same "
                "root_hash but another signature: a head re-signed at another time, or by another key"
            )
        tx_id = str(stored["tx_id"])
        try:
            status, block = self.gateway.commit_status(tx_id)
            found: int | None = block if status == "VALID" else None
        except GatewayError as exc:  # the record stands without its block number
            log.warning("block number of anchoring transaction %s unavailable: %s", tx_id, exc)
            found = None
        return AnchorRecord(backend=self.name, tx_id=tx_id, block=found, anchored_at=_utc(stored["tx_timestamp"]))

    def _read(self, function: str, args: list[str]) -> dict[str, Any] | None:
        try:
            record: dict[str, Any] = json.loads(self.gateway.evaluate(function, args))
        except GatewayError as exc:
            if exc.mentions(NOT_FOUND):
                return None
            raise
        return record

    def get_anchor(self, log_id: str, tree_size: int) -> dict[str, Any] | None:
        """The stored record (log_id, tree_size, root_hash, signature, tx_id, tx_timestamp), None when absent."""
        return self._read("get_anchor", [log_id, str(tree_size)])

    def latest(self, log_id: str) -> dict[str, Any] | None:
        """The record of the log's highest anchored tree size, None when the log has none."""
        return self._read("latest", [log_id])

    def chain_record(self, log_id: str, tree_size: int) -> ChainRecord | None:
        return _chain_record(self.get_anchor(log_id, tree_size))

    def latest_record(self, log_id: str) -> ChainRecord | None:
        return _chain_record(self.latest(log_id))


def anchor_args(head: SignedTreeHead) -> list[str]:
    """The chaincode's `anchor` arguments: everything the head's signature covers, so the chain's record of it
    verifies on its own."""
    return [head.log_id, str(head.tree_size), head.root_hash, head.signature, str(head.timestamp)]


def _chain_record(stored: dict[str, Any] | None) -> ChainRecord | None:
    if stored is None:
        return None
    return ChainRecord(
        tree_size=int(stored["tree_size"]),
        root_hash=str(stored["root_hash"]),
        signature=str(stored["signature"]),
        tx_id=str(stored["tx_id"]),
        head_timestamp=int(stored["head_timestamp"]) if "head_timestamp" in stored else None,
    )
