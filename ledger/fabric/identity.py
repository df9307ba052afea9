"""The client's Fabric identity: MSP id, X.509 certificate, ECDSA P-256 key; and Fabric-compatible signing.

Fabric accepts only low-S ECDSA signatures (s <= n/2; bccsp rejects the other, equally valid, half to rule out
signature malleability), and OpenSSL returns either, so every signature is normalised here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from ledger.fabric import protos

# Order of the P-256 base point (SEC 2, secp256r1 "n").
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def to_low_s(der_signature: bytes, order: int = P256_ORDER) -> bytes:
    r, s = decode_dss_signature(der_signature)
    return der_signature if s <= order // 2 else encode_dss_signature(r, order - s)


@dataclass(frozen=True)
class Identity:
    msp_id: str
    cert_pem: bytes
    private_key: ec.EllipticCurvePrivateKey

    def creator(self) -> bytes:
        """msp.SerializedIdentity: what proposals, envelopes and commit-status requests name as their signer."""
        serialized: bytes = protos.identities.SerializedIdentity(
            mspid=self.msp_id, id_bytes=self.cert_pem
        ).SerializeToString()
        return serialized

    def sign(self, message: bytes) -> bytes:
        """DER ECDSA-SHA256 signature of ``message``, low-S."""
        return to_low_s(self.private_key.sign(message, ec.ECDSA(hashes.SHA256())))


def load_identity(msp_id: str, cert_path: Path, key_path: Path) -> Identity:
    """Read and check the PEM files; a mismatched pair would only show up as the peer's signature rejection."""
    cert_pem = cert_path.read_bytes()
    try:
        cert = x509.load_pem_x509_certificate(cert_pem)
    except ValueError as exc:
        raise ValueError(f"{cert_path}: not a PEM X.509 certificate ({exc})") from exc
    try:
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{key_path}: not an unencrypted PEM private key ({exc})") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ValueError(f"{key_path}: Fabric identities need an ECDSA P-256 key")
    if cert.public_key() != key.public_key():
        raise ValueError(f"{key_path} is not the private key of the certificate {cert_path}")
    return Identity(msp_id=msp_id, cert_pem=cert_pem, private_key=key)
