"""The log's Ed25519 key: it signs tree heads; anyone with the public key checks them offline.

The key comes from configuration (``ZHIFA_LEDGER_SIGNING_KEY``, PEM PKCS#8) or, in the embedded
default, from ``var/ledger-key.pem``, generated on first start (created exclusively, mode 0600, so two
processes starting together end up with one key). The key id is the SHA-256 of the public key's DER
SubjectPublicKeyInfo, as RFC 9162 §4.4 derives a log ID.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger.heads import SignedTreeHead, TreeHead

KEY_FILE = "ledger-key.pem"


def key_id(public_key: Ed25519PublicKey) -> str:
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def public_pem(public_key: Ed25519PublicKey) -> str:
    pem = public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return pem.decode("ascii")


def load_public_key(data: bytes | str) -> Ed25519PublicKey:
    """A public key from PEM, or from the base64 of its 32 raw bytes; ValueError otherwise."""
    raw = data.encode("ascii") if isinstance(data, str) else data
    if b"-----BEGIN" in raw:
        key = serialization.load_pem_public_key(raw)
    else:
        try:
            key = Ed25519PublicKey.from_public_bytes(base64.b64decode(raw.strip(), validate=True))
        except (binascii.Error, ValueError) as exc:
            raise ValueError("not an Ed25519 public key (PEM or base64 of 32 bytes)") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("the ledger's key is Ed25519; this PEM holds another kind of key")
    return key


@dataclass(frozen=True)
class LogSigner:
    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    @property
    def key_id(self) -> str:
        return key_id(self.public_key)

    def sign(self, head: TreeHead) -> SignedTreeHead:
        signature = base64.b64encode(self.private_key.sign(head.signed_bytes())).decode("ascii")
        return SignedTreeHead(head.log_id, head.tree_size, head.root_hash, head.timestamp, signature, self.key_id)

    @classmethod
    def from_pem(cls, pem: bytes) -> LogSigner:
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("ZHIFA_LEDGER_SIGNING_KEY must be an Ed25519 private key (PEM, PKCS#8)")
        return cls(key)

    @classmethod
    def generate(cls) -> LogSigner:
        return cls(Ed25519PrivateKey.generate())

    def private_pem(self) -> bytes:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )


def verify_head(head: SignedTreeHead, public_key: Ed25519PublicKey) -> bool:
    """Is ``head`` signed by ``public_key`` (and is its key id that key's)?"""
    if head.key_id != key_id(public_key):
        return False
    try:
        public_key.verify(base64.b64decode(head.signature, validate=True), head.head().signed_bytes())
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


def load_signer(configured_pem: str, var_dir: Path) -> LogSigner:
    """The configured key, or the embedded default's key file (generated on first start)."""
    if configured_pem:
        return LogSigner.from_pem(configured_pem.encode("ascii"))
    path = Path(var_dir) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".ledger-key-")  # mode 0600
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(LogSigner.generate().private_pem())
                handle.flush()
                os.fsync(handle.fileno())
            with contextlib.suppress(FileExistsError):  # another process won the race: its key stands
                os.link(temp, path)  # atomic, and never replaces: readers see no key or a whole one
        finally:
            os.unlink(temp)
    return LogSigner.from_pem(path.read_bytes())
