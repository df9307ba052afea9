"""Checkpoints: the log's tree head as a C2SP signed note (c2sp.org/tlog-checkpoint, c2sp.org/signed-note).

This is the form transparency logs exchange today — Go's checksum database, Sigstore Rekor, Trillian and
Tessera logs — and the one witnesses cosign. Publishing it (``GET /api/v1/ledger/checkpoint``) lets an
outside witness or monitor built for those logs watch this one with no zhifa code: it fetches checkpoints,
checks the log's signature with the note verifier key (``GET /api/v1/ledger/public-key``), and asks for
consistency proofs between the sizes it saw.

A checkpoint's text is three lines — origin, tree size in decimal, base64 of the RFC 9162 root hash — and
the note's signature line is ``— <key name> base64(key hash ‖ Ed25519 signature of the text)``, the key hash
being the first four bytes of SHA-256(name ‖ "\\n" ‖ 0x01 ‖ public key). The same Ed25519 key signs the log's
JSON tree heads; a note's signature covers other bytes, so neither can be replayed as the other.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ED25519 = 0x01  # the signed-note signature type of Ed25519
DASH = "\u2014"  # signature lines start with an em dash and a space


class CheckpointError(ValueError):
    """A note or checkpoint that is malformed, or whose signature does not verify."""


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    tree_size: int
    root_hash: bytes

    def text(self) -> str:
        """The note text that is signed: origin, size and base64 root, each line ending in a newline."""
        return f"{self.origin}\n{self.tree_size}\n{base64.b64encode(self.root_hash).decode('ascii')}\n"


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _check_name(name: str) -> str:
    if not name or any(c.isspace() for c in name) or "+" in name:
        raise CheckpointError(f"key name {name!r} must be non-empty, without spaces or '+'")
    return name


def key_hash(name: str, public_key: Ed25519PublicKey) -> bytes:
    return hashlib.sha256(_check_name(name).encode("utf-8") + b"\n" + bytes([ED25519]) + _raw(public_key)).digest()[:4]


def verifier_key(name: str, public_key: Ed25519PublicKey) -> str:
    """The note verifier key (``name+hash+base64(0x01 ‖ key)``) that witnesses and note tools are configured with."""
    encoded = base64.b64encode(bytes([ED25519]) + _raw(public_key)).decode("ascii")
    return f"{name}+{key_hash(name, public_key).hex()}+{encoded}"


def parse_verifier_key(vkey: str) -> tuple[str, Ed25519PublicKey]:
    name, _, rest = vkey.partition("+")
    hash_hex, _, encoded = rest.partition("+")
    try:
        data = base64.b64decode(encoded, validate=True)
        expected = bytes.fromhex(hash_hex)
    except (binascii.Error, ValueError) as exc:
        raise CheckpointError(f"not a note verifier key: {vkey!r}") from exc
    if len(data) != 33 or data[0] != ED25519:
        raise CheckpointError("the verifier key is not an Ed25519 key (type 0x01, 32 bytes)")
    public_key = Ed25519PublicKey.from_public_bytes(data[1:])
    if key_hash(name, public_key) != expected:
        raise CheckpointError("the verifier key's hash does not match its name and key")
    return name, public_key


def sign_note(text: str, name: str, private_key: Ed25519PrivateKey) -> str:
    """``text`` (ending in a newline) followed by a blank line and this key's signature line."""
    if not text.endswith("\n"):
        raise CheckpointError("a note's text ends with a newline")
    signature = key_hash(name, private_key.public_key()) + private_key.sign(text.encode("utf-8"))
    return f"{text}\n{DASH} {name} {base64.b64encode(signature).decode('ascii')}\n"


def open_note(note: str, name: str, public_key: Ed25519PublicKey) -> str:
    """The text of ``note`` once a signature line of ``name`` verifies with ``public_key``; other signatures
    (a witness's cosignatures) are allowed and ignored. CheckpointError otherwise."""
    text, separator, signatures = note.rpartition("\n\n")
    if not separator or not signatures.endswith("\n"):
        raise CheckpointError("not a signed note: no blank line before newline-terminated signature lines")
    text += "\n"
    wanted = key_hash(name, public_key)
    for line in signatures[:-1].split("\n"):
        dash, _, rest = line.partition(" ")
        signer, _, encoded = rest.partition(" ")
        if dash != DASH or not signer or not encoded:
            raise CheckpointError(f"malformed signature line {line!r}")
        if signer != name:
            continue
        try:
            blob = base64.b64decode(encoded, validate=True)
        except binascii.Error as exc:
            raise CheckpointError(f"signature of {name} is not base64") from exc
        if blob[:4] != wanted:
            continue  # another key under the same name
        try:
            public_key.verify(blob[4:], text.encode("utf-8"))
        except InvalidSignature as exc:
            raise CheckpointError(f"the signature of {name} does not verify") from exc
        return text
    raise CheckpointError(f"the note carries no signature of {name} with this key")


def parse_checkpoint(text: str) -> Checkpoint:
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise CheckpointError("a checkpoint has an origin, a size and a root hash line, each ending in a newline")
    origin, size, root = lines[0], lines[1], lines[2]
    if not size.isascii() or not size.isdigit() or (size != "0" and size.startswith("0")):
        raise CheckpointError(f"tree size {size!r} is not a decimal number")
    try:
        root_hash = base64.b64decode(root, validate=True)
    except binascii.Error as exc:
        raise CheckpointError("the root hash is not base64") from exc
    if not origin or len(root_hash) != 32:
        raise CheckpointError("an empty origin, or a root hash that is not 32 bytes")
    return Checkpoint(origin, int(size), root_hash)


def sign_checkpoint(checkpoint: Checkpoint, private_key: Ed25519PrivateKey) -> str:
    """The checkpoint as a note signed by the log, its origin being the key name (the usual convention)."""
    return sign_note(checkpoint.text(), checkpoint.origin, private_key)


def verify_checkpoint(note: str, vkey: str) -> Checkpoint:
    """The checkpoint in ``note`` once the log's signature on it verifies with the verifier key ``vkey``."""
    name, public_key = parse_verifier_key(vkey)
    checkpoint = parse_checkpoint(open_note(note, name, public_key))
    if checkpoint.origin != name:
        raise CheckpointError(f"the checkpoint's origin {checkpoint.origin!r} is not the key's name {name!r}")
    return checkpoint
