"""EvidenceAnchorContract: the chaincode that keeps signed tree heads on a Fabric channel.

Deployed on its own (chaincode-as-a-service), so it imports nothing from zhifa. Each head lives under the
composite key ("anchor", log_id, tree_size zero-padded to 20 digits): zero padding makes a partial-key range
scan return a log's heads in tree-size order. A key is written once and never overwritten; a second key per log
("anchor-latest", log_id) holds a copy of the highest head anchored so far.

Values are canonical JSON (sorted keys, UTF-8, no whitespace) so every endorsing peer produces the same bytes —
endorsements only match when the write sets do. For the same reason the time stored is the transaction
timestamp from the proposal header, never a peer's clock.

Errors start with a code the client matches on: INVALID_ARGUMENT, ANCHOR_EXISTS, ANCHOR_NOT_FOUND.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from fabric_chaincode_python.fabric_contract_api.contractapi import Contract, TransactionContext

ANCHOR_TYPE = "anchor"
LATEST_TYPE = "anchor-latest"
TREE_SIZE_DIGITS = 20
MAX_LOG_ID_CHARS = 256
MAX_SIGNATURE_CHARS = 1024

_TREE_SIZE = re.compile(r"0|[1-9][0-9]{0,19}")  # canonical decimal: no sign, no leading zeros, ASCII only
_ROOT_HASH = re.compile(r"[0-9a-f]{64}")


class AnchorContractError(Exception):
    """A refused transaction; the message (first word a code) reaches the client as the chaincode response."""


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _log_id(value: str) -> str:
    if not value:
        raise AnchorContractError("INVALID_ARGUMENT: log_id is empty")
    if len(value) > MAX_LOG_ID_CHARS:
        raise AnchorContractError(f"INVALID_ARGUMENT: log_id is longer than {MAX_LOG_ID_CHARS} characters")
    # U+0000 separates composite-key parts and U+10FFFF ends range scans: either would alias another key.
    if "\x00" in value or "\U0010ffff" in value:
        raise AnchorContractError("INVALID_ARGUMENT: log_id contains U+0000 or U+10FFFF")
    return value


def _tree_size(value: str) -> int:
    if not _TREE_SIZE.fullmatch(value):
        raise AnchorContractError(f"INVALID_ARGUMENT: tree_size {value!r} is not a non-negative decimal integer")
    return int(value)


def _timestamp(value: str) -> int:
    if not _TREE_SIZE.fullmatch(value):  # the same canonical decimal: milliseconds since the epoch
        raise AnchorContractError(f"INVALID_ARGUMENT: timestamp {value!r} is not a non-negative decimal integer")
    return int(value)


def _root_hash(value: str) -> str:
    if not _ROOT_HASH.fullmatch(value):
        raise AnchorContractError("INVALID_ARGUMENT: root_hash is not 64 lowercase hex digits")
    return value


def _signature(value: str) -> str:
    if len(value) > MAX_SIGNATURE_CHARS:
        raise AnchorContractError(f"INVALID_ARGUMENT: signature is longer than {MAX_SIGNATURE_CHARS} characters")
    try:
        decoded = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise AnchorContractError("INVALID_ARGUMENT: signature is not base64") from exc
    if not decoded:
        raise AnchorContractError("INVALID_ARGUMENT: signature is empty")
    return value


def _anchor_key(stub: Any, log_id: str, tree_size: int) -> str:
    return str(stub.create_composite_key(ANCHOR_TYPE, [log_id, f"{tree_size:0{TREE_SIZE_DIGITS}d}"]))


def _latest_key(stub: Any, log_id: str) -> str:
    return str(stub.create_composite_key(LATEST_TYPE, [log_id]))


class EvidenceAnchorContract(Contract):  # type: ignore[misc]  # the package ships no type hints
    """Transactions are the public methods; helpers stay module-level so they are not exposed."""

    Name = "EvidenceAnchorContract"

    def get_evaluate_transactions(self) -> list[str]:
        return ["get_anchor", "latest"]

    async def anchor(
        self, ctx: TransactionContext, log_id: str, tree_size: str, root_hash: str, signature: str, head_timestamp: str
    ) -> str:
        """Keep the signed tree head (size, root, the log's signature and the head's own timestamp in ms: all
        that signature covers, so the record verifies on its own with the log's public key)."""
        log_id, size = _log_id(log_id), _tree_size(tree_size)
        record = {
            "log_id": log_id,
            "tree_size": size,
            "root_hash": _root_hash(root_hash),
            "signature": _signature(signature),
            "head_timestamp": _timestamp(head_timestamp),
        }
        stub = ctx.get_stub()
        key = _anchor_key(stub, log_id, size)
        existing = await stub.get_state(key)
        if existing:
            stored = json.loads(existing)
            raise AnchorContractError(
                f"ANCHOR_EXISTS: log {log_id!r} tree_size {size} is already anchored "
                f"(root_hash {stored['root_hash']}, tx {stored['tx_id']})"
            )
        timestamp = stub.get_tx_timestamp()
        if timestamp is None:
            raise AnchorContractError("INVALID_ARGUMENT: the proposal carries no transaction timestamp")
        record["tx_id"] = stub.get_txid()
        record["tx_timestamp"] = timestamp.ToJsonString()
        value = canonical_json(record)
        await stub.put_state(key, value.encode("utf-8"))

        # Fabric's GetState does not see this transaction's own writes, so this reads the committed pointer.
        latest_key = _latest_key(stub, log_id)
        current = await stub.get_state(latest_key)
        if not current or json.loads(current)["tree_size"] < size:
            await stub.put_state(latest_key, value.encode("utf-8"))
        return value

    async def get_anchor(self, ctx: TransactionContext, log_id: str, tree_size: str) -> str:
        log_id, size = _log_id(log_id), _tree_size(tree_size)
        stored = await ctx.get_stub().get_state(_anchor_key(ctx.get_stub(), log_id, size))
        if not stored:
            raise AnchorContractError(f"ANCHOR_NOT_FOUND: log {log_id!r} has no anchor at tree_size {size}")
        return bytes(stored).decode("utf-8")

    async def latest(self, ctx: TransactionContext, log_id: str) -> str:
        log_id = _log_id(log_id)
        stored = await ctx.get_stub().get_state(_latest_key(ctx.get_stub(), log_id))
        if not stored:
            raise AnchorContractError(f"ANCHOR_NOT_FOUND: log {log_id!r} has no anchors")
        return bytes(stored).decode("utf-8")
