"""Receipts: the proof, in one JSON document, that a file was recorded in the log — and its offline check.

A receipt (``"format": "zhifa-receipt/1"``)::

    {
      "format": "zhifa-receipt/1",
      "log_id": "zhifa-evidence",
      "leaf": {"captured_at": …, "case_id": …, "kind": …, "recorded_at": …, "sha256": …, "size": …},
      "leaf_index": 41,
      "leaf_hash": "<hex SHA-256(0x00 ‖ canonical JSON of leaf)>",
      "tree_size": 1024,
      "audit_path": ["<hex>", …],            // RFC 9162 §2.1.3 inclusion proof, leaf side first
      "root_hash": "<hex>",
      "signed_tree_head": {"log_id", "tree_size", "root_hash", "timestamp" (ms), "signature" (base64 Ed25519),
                           "key_id" (hex SHA-256 of the public key's DER SPKI)},
      "anchor": {"backend", "tx_id", "block", "anchored_at"} | null,  // null: signed, anchoring pending
      "tlog_proof": "c2sp.org/tlog-proof@v1\nextra …\nindex 41\n…"  // optional: the same proof for C2SP tools
    }

``tlog_proof`` (ledger/tlog_proof.py) repeats the inclusion in the text format of c2sp.org/tlog-proof, with
the leaf's canonical JSON as its extra data and the tree head as a C2SP checkpoint signed by the same key, so
that transparency-log tooling that knows nothing of zhifa (and witnesses that cosign checkpoints) can check
it. Receipts issued before it existed lack it and verify without it.

`verify_receipt` needs only the receipt, the log's public key and (optionally) the file: it checks
the file against the leaf, the leaf against its hash, the audit path against the root, and the
signature of the tree head. It never talks to a server or a database.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger import merkle
from ledger.canonical import canonical_json
from ledger.checkpoint import CheckpointError, verifier_key
from ledger.heads import SignedTreeHead
from ledger.leaves import LEAF_FIELDS
from ledger.signing import verify_head
from ledger.tlog_proof import HEADER, TlogProofError, parse_tlog_proof, verify_tlog_proof

FORMAT = "zhifa-receipt/1"
CHUNK = 1024 * 1024


@dataclass
class Check:
    name: str
    ok: bool
    message: str


@dataclass
class Verification:
    checks: list[Check] = field(default_factory=list)
    anchored: bool = False

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(check.ok for check in self.checks)

    def add(self, name: str, ok: bool, message: str) -> bool:
        self.checks.append(Check(name, ok, message))
        return ok


class MalformedReceipt(ValueError):
    """The document is not a receipt of this format."""


def _hex(value: Any, what: str) -> bytes:
    if not isinstance(value, str) or len(value) != 64:
        raise MalformedReceipt(f"{what} must be 64 hex digits")
    try:
        return bytes.fromhex(value)
    except ValueError as exc:
        raise MalformedReceipt(f"{what} must be 64 hex digits") from exc


def _int(value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise MalformedReceipt(f"{what} must be a non-negative integer")
    return value


@dataclass(frozen=True)
class ParsedReceipt:
    leaf: dict[str, Any]
    leaf_index: int
    leaf_hash: bytes
    tree_size: int
    audit_path: list[bytes]
    root_hash: bytes
    head: SignedTreeHead
    anchor: dict[str, Any] | None
    tlog_proof: str | None = None


def parse_receipt(document: Any) -> ParsedReceipt:
    if not isinstance(document, dict):
        raise MalformedReceipt("a receipt is a JSON object")
    if document.get("format") != FORMAT:
        raise MalformedReceipt(f"unknown receipt format {document.get('format')!r} (expected {FORMAT})")
    leaf = document.get("leaf")
    if not isinstance(leaf, dict) or set(leaf) != set(LEAF_FIELDS):
        raise MalformedReceipt(f"leaf must have exactly the fields {', '.join(LEAF_FIELDS)}")
    path = document.get("audit_path")
    if not isinstance(path, list):
        raise MalformedReceipt("audit_path must be a list of hex hashes")
    sth = document.get("signed_tree_head")
    if not isinstance(sth, dict):
        raise MalformedReceipt("signed_tree_head is missing")
    anchor = document.get("anchor")
    if anchor is not None and not isinstance(anchor, dict):
        raise MalformedReceipt("anchor must be an object or null")
    tlog_proof = document.get("tlog_proof")
    if tlog_proof is not None and not isinstance(tlog_proof, str):
        raise MalformedReceipt("tlog_proof must be a string (a c2sp.org/tlog-proof) or absent")
    for name in ("signature", "key_id", "log_id"):
        if not isinstance(sth.get(name), str):
            raise MalformedReceipt(f"signed_tree_head.{name} must be a string")
    head = SignedTreeHead(
        log_id=sth["log_id"],
        tree_size=_int(sth.get("tree_size"), "signed_tree_head.tree_size"),
        root_hash=_hex(sth.get("root_hash"), "signed_tree_head.root_hash").hex(),
        timestamp=_int(sth.get("timestamp"), "signed_tree_head.timestamp"),
        signature=sth["signature"],
        key_id=sth["key_id"],
    )
    return ParsedReceipt(
        leaf=leaf,
        leaf_index=_int(document.get("leaf_index"), "leaf_index"),
        leaf_hash=_hex(document.get("leaf_hash"), "leaf_hash"),
        tree_size=_int(document.get("tree_size"), "tree_size"),
        audit_path=[_hex(item, "audit_path[]") for item in path],
        root_hash=_hex(document.get("root_hash"), "root_hash"),
        head=head,
        anchor=anchor,
        tlog_proof=tlog_proof,
    )


def file_digest(handle: BinaryIO) -> tuple[str, int]:
    """SHA-256 (hex) and size of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    for chunk in _chunks(handle):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _chunks(handle: BinaryIO) -> Iterator[bytes]:
    while chunk := handle.read(CHUNK):
        yield chunk


def _check_file(result: Verification, file: Path, leaf: dict[str, Any]) -> None:
    with file.open("rb") as handle:
        sha256, size = file_digest(handle)
    expected = (leaf.get("sha256"), leaf.get("size"))
    result.add(
        "file",
        (sha256, size) == expected,
        f"{file.name}: SHA-256 {sha256}, {size} bytes"
        + ("" if (sha256, size) == expected else f"; the receipt records {expected[0]}, {expected[1]} bytes"),
    )


def verify_receipt(document: Any, public_key: Ed25519PublicKey, file: Path | None = None) -> Verification:
    """Every check a receipt allows; ``Verification.ok`` only when all pass."""
    result = Verification()
    try:
        receipt = parse_receipt(document)
    except MalformedReceipt as exc:
        result.add("format", False, str(exc))
        return result
    result.add("format", True, FORMAT)
    if file is not None:
        _check_file(result, file, receipt.leaf)
    computed = merkle.leaf_hash(canonical_json(receipt.leaf))
    result.add(
        "leaf",
        computed == receipt.leaf_hash,
        "leaf hash matches the leaf" if computed == receipt.leaf_hash else "the leaf does not hash to leaf_hash",
    )
    included = merkle.verify_inclusion(
        receipt.leaf_index, receipt.tree_size, receipt.leaf_hash, receipt.audit_path, receipt.root_hash
    )
    result.add(
        "inclusion",
        included,
        f"leaf {receipt.leaf_index} is in the tree of {receipt.tree_size} leaves ({len(receipt.audit_path)} hashes)"
        if included
        else "the audit path does not lead from the leaf to root_hash",
    )
    head = receipt.head
    same_tree = head.tree_size == receipt.tree_size and head.root_hash == receipt.root_hash.hex()
    result.add(
        "tree_head",
        same_tree,
        "the signed tree head is the proof's tree" if same_tree else "the signed tree head is of another tree",
    )
    signed = verify_head(head, public_key)
    result.add(
        "signature",
        signed,
        f"tree head signed by key {head.key_id[:16]}… of log {head.log_id}"
        if signed
        else "the tree head's signature does not verify with this public key",
    )
    if receipt.tlog_proof is not None:
        _check_tlog_proof(result, receipt, public_key)
    if receipt.anchor is not None:
        result.anchored = True
        anchor = receipt.anchor
        result.checks.append(
            Check(
                "anchor",
                True,
                f"anchored on {anchor.get('backend')}: transaction {anchor.get('tx_id')}, "
                f"block {anchor.get('block')}, {anchor.get('anchored_at')} (check it on that ledger)",
            )
        )
    return result


def verify_text(text: str, public_key: Ed25519PublicKey, file: Path | None = None) -> Verification:
    """A receipt's JSON, or a bare tlog-proof (told apart by the proof's first line)."""
    if text.startswith(HEADER):
        return verify_tlog_proof_text(text, public_key, file)
    try:
        document = json.loads(text)
    except ValueError as exc:
        result = Verification()
        result.add("format", False, f"neither a receipt's JSON nor a c2sp.org/tlog-proof: {exc}")
        return result
    return verify_receipt(document, public_key, file)


def verify_tlog_proof_text(text: str, public_key: Ed25519PublicKey, file: Path | None = None) -> Verification:
    """A bare c2sp.org/tlog-proof (a receipt's ``tlog_proof`` saved as a .tlog-proof file): the log's signature
    on its checkpoint (the key named by the checkpoint's origin), the inclusion of its extra data, that data
    being a zhifa leaf, and the file against the leaf. It carries no anchor."""
    result = Verification()
    result.add("format", True, HEADER)
    try:
        origin = parse_tlog_proof(text).checkpoint.split("\n", 1)[0]  # the key's name is the checkpoint's origin
        proof, checkpoint = verify_tlog_proof(text, verifier_key(origin, public_key))
    except (TlogProofError, CheckpointError) as exc:
        result.add("tlog_proof", False, f"the c2sp.org/tlog-proof does not verify: {exc}")
        return result
    result.add(
        "tlog_proof",
        True,
        f"entry {proof.index} is in {checkpoint.origin}'s tree of {checkpoint.tree_size}, signed by this key",
    )
    try:
        leaf = json.loads(proof.extra or b"")
    except ValueError:
        leaf = None
    if not isinstance(leaf, dict) or set(leaf) != set(LEAF_FIELDS) or canonical_json(leaf) != proof.extra:
        result.add("leaf", False, "the proof's extra data is not a zhifa leaf in canonical JSON")
        return result
    result.add("leaf", True, f"a {leaf['kind']} of {leaf['size']} bytes, recorded {leaf['recorded_at']}")
    if file is not None:
        _check_file(result, file, leaf)
    return result


def _check_tlog_proof(result: Verification, receipt: ParsedReceipt, public_key: Ed25519PublicKey) -> None:
    """The C2SP proof must verify on its own and say what the receipt says: same entry, tree and leaf."""
    try:
        proof, checkpoint = verify_tlog_proof(receipt.tlog_proof or "", verifier_key(receipt.head.log_id, public_key))
    except (TlogProofError, CheckpointError) as exc:
        result.add("tlog_proof", False, f"the c2sp.org/tlog-proof does not verify: {exc}")
        return
    same = (
        proof.index == receipt.leaf_index
        and proof.extra == canonical_json(receipt.leaf)
        and (checkpoint.tree_size, checkpoint.root_hash) == (receipt.tree_size, receipt.root_hash)
        and checkpoint.origin == receipt.head.log_id
    )
    result.add(
        "tlog_proof",
        same,
        f"the c2sp.org/tlog-proof verifies (checkpoint of {checkpoint.origin}, {checkpoint.tree_size} entries)"
        if same
        else "the c2sp.org/tlog-proof verifies but proves another entry, leaf or tree than the receipt",
    )
