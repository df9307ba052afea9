"""Transparency log proofs (c2sp.org/tlog-proof): a receipt in the form other logs' tools check.

A tlog-proof is plain text — ``c2sp.org/tlog-proof@v1``, an optional ``extra <base64>`` line, ``index N``,
the RFC 9162 inclusion proof one base64 hash a line (the leaf's sibling first), a blank line, and the log's
checkpoint verbatim (a C2SP signed note, ledger/checkpoint.py), to which witnesses may add cosignatures.
It is offline-verifiable with the log's origin and note verifier key alone: Sigstore and Go's transparency
tooling call these "spicy signatures".

Here ``extra`` carries the leaf's canonical JSON (ledger/leaves.py): the data whose RFC 9162 leaf hash is
in the log. A generic verifier hashes it, walks the proof to the checkpoint's root and checks the log's
signature; zhifa's own verifier also compares the JSON with the file (its SHA-256 and size are in it).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from ledger import merkle
from ledger.checkpoint import Checkpoint, CheckpointError, verify_checkpoint

HEADER = "c2sp.org/tlog-proof@v1"


class TlogProofError(ValueError):
    """A tlog-proof that is malformed or does not verify."""


@dataclass(frozen=True)
class TlogProof:
    index: int
    audit_path: list[bytes]
    checkpoint: str  # the signed note, verbatim
    extra: bytes | None = None

    def text(self) -> str:
        lines = [HEADER]
        if self.extra is not None:
            lines.append(f"extra {_b64(self.extra)}")
        lines.append(f"index {self.index}")
        lines += [_b64(node) for node in self.audit_path]
        return "\n".join(lines) + "\n\n" + self.checkpoint


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise TlogProofError(f"{what} is not base64") from exc


def _index(line: str) -> int:
    keyword, _, number = line.partition(" ")
    if keyword != "index" or not number.isascii() or not number.isdigit() or (number != "0" and number[0] == "0"):
        raise TlogProofError(f"expected 'index N' (a decimal without leading zeros), got {line!r}")
    return int(number)


def parse_tlog_proof(text: str) -> TlogProof:
    head, separator, checkpoint = text.partition("\n\n")
    if not separator or not checkpoint:
        raise TlogProofError("no blank line between the proof and the checkpoint")
    lines = head.split("\n")
    if lines[0] != HEADER:
        raise TlogProofError(f"the first line must be {HEADER!r}")
    rest = lines[1:]
    extra = None
    if rest and rest[0].startswith("extra "):
        extra = _unb64(rest[0].removeprefix("extra "), "the extra data")
        rest = rest[1:]
    if not rest:
        raise TlogProofError("the 'index' line is missing")
    index = _index(rest[0])
    path = [_unb64(line, "an inclusion proof hash") for line in rest[1:]]
    if any(len(node) != 32 for node in path):
        raise TlogProofError("every inclusion proof line must be one SHA-256 hash (32 bytes)")
    return TlogProof(index, path, checkpoint, extra)


def verify_tlog_proof(text: str, vkey: str, record: bytes | None = None) -> tuple[TlogProof, Checkpoint]:
    """The proof and its checkpoint once the log's signature (note verifier key ``vkey``) verifies and the
    leaf hash of ``record`` (default: the extra data) is included at the proof's index. TlogProofError
    otherwise; cosignatures of witnesses in the checkpoint are allowed and not checked here."""
    proof = parse_tlog_proof(text)
    try:
        checkpoint = verify_checkpoint(proof.checkpoint, vkey)
    except CheckpointError as exc:
        raise TlogProofError(f"checkpoint: {exc}") from exc
    data = record if record is not None else proof.extra
    if data is None:
        raise TlogProofError("no record to check: the proof carries no extra data and none was given")
    leaf = merkle.leaf_hash(data)
    if not merkle.verify_inclusion(proof.index, checkpoint.tree_size, leaf, proof.audit_path, checkpoint.root_hash):
        raise TlogProofError(
            f"entry {proof.index} is not included in {checkpoint.origin}'s tree of {checkpoint.tree_size}"
        )
    return proof, checkpoint
