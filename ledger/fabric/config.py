"""The Fabric backend as ZHIFA_LEDGER_FABRIC_* configure it: the identity, the peer, TLS (and mutual TLS).

Every problem is a ValueError naming the variable, raised when the backend is made, not at the first anchor.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ledger.fabric.backend import FabricAnchorBackend
from ledger.fabric.gateway import GatewayClient
from ledger.fabric.identity import load_identity

if TYPE_CHECKING:
    from core.settings import Settings


def _file(variable: str, path: Path) -> Path:
    if not path.is_file():
        raise ValueError(f"{variable}={path}: no such file")
    return path


def _given(path: Path | None) -> bool:
    return path is not None and str(path) not in ("", ".")  # an empty variable arrives as Path(".")


def _tls_client(settings: Settings) -> tuple[bytes, bytes] | None:
    """(certificate chain, key) PEM for mutual TLS, checked to be a pair; None when neither is configured."""
    cert_path, key_path = settings.ledger_fabric_tls_client_cert, settings.ledger_fabric_tls_client_key
    if not _given(cert_path) and not _given(key_path):
        return None
    if cert_path is None or key_path is None or not _given(cert_path) or not _given(key_path):
        raise ValueError("ZHIFA_LEDGER_FABRIC_TLS_CLIENT_CERT and ZHIFA_LEDGER_FABRIC_TLS_CLIENT_KEY go together")
    chain = _file("ZHIFA_LEDGER_FABRIC_TLS_CLIENT_CERT", cert_path).read_bytes()
    key = _file("ZHIFA_LEDGER_FABRIC_TLS_CLIENT_KEY", key_path).read_bytes()
    try:
        leaf = x509.load_pem_x509_certificates(chain)[0]
        private = serialization.load_pem_private_key(key, password=None)
    except ValueError as exc:
        raise ValueError(f"the client TLS certificate or key is not PEM ({exc})") from exc
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    if private.public_key().public_bytes(serialization.Encoding.DER, public) != leaf.public_key().public_bytes(
        serialization.Encoding.DER, public
    ):
        raise ValueError(f"ZHIFA_LEDGER_FABRIC_TLS_CLIENT_KEY={key_path} is not the key of the certificate {cert_path}")
    return chain, key


def fabric_backend(settings: Settings) -> FabricAnchorBackend:
    """The backend configured by ZHIFA_LEDGER_FABRIC_*; ValueError naming what is missing or unreadable."""
    required = {
        "ZHIFA_LEDGER_FABRIC_PEER_ENDPOINT": settings.ledger_fabric_peer_endpoint,
        "ZHIFA_LEDGER_FABRIC_MSP_ID": settings.ledger_fabric_msp_id,
        "ZHIFA_LEDGER_FABRIC_CERT": settings.ledger_fabric_cert,
        "ZHIFA_LEDGER_FABRIC_KEY": settings.ledger_fabric_key,
        "ZHIFA_LEDGER_FABRIC_CHANNEL": settings.ledger_fabric_channel,
        "ZHIFA_LEDGER_FABRIC_CHAINCODE": settings.ledger_fabric_chaincode,
    }
    missing = [name for name, value in required.items() if value is None or str(value) in ("", ".")]
    if missing:
        raise ValueError(f"the fabric anchor backend needs {', '.join(missing)}")
    assert settings.ledger_fabric_cert is not None and settings.ledger_fabric_key is not None  # checked just above
    identity = load_identity(
        settings.ledger_fabric_msp_id,
        _file("ZHIFA_LEDGER_FABRIC_CERT", settings.ledger_fabric_cert),
        _file("ZHIFA_LEDGER_FABRIC_KEY", settings.ledger_fabric_key),
    )
    tls_root: bytes | None = None
    tls_path = settings.ledger_fabric_tls_root_cert
    if tls_path is not None and _given(tls_path):
        tls_root = _file("ZHIFA_LEDGER_FABRIC_TLS_ROOT_CERT", tls_path).read_bytes()
        try:
            x509.load_pem_x509_certificates(tls_root)
        except ValueError as exc:
            raise ValueError(f"ZHIFA_LEDGER_FABRIC_TLS_ROOT_CERT={tls_path}: not PEM certificates ({exc})") from exc
    tls_client = _tls_client(settings) if tls_root is not None else None
    if tls_root is None and _given(settings.ledger_fabric_tls_client_cert):
        raise ValueError("ZHIFA_LEDGER_FABRIC_TLS_CLIENT_CERT needs ZHIFA_LEDGER_FABRIC_TLS_ROOT_CERT (TLS is off)")
    gateway = GatewayClient(
        identity,
        endpoint=settings.ledger_fabric_peer_endpoint,
        channel=settings.ledger_fabric_channel,
        chaincode=settings.ledger_fabric_chaincode,
        timeout_seconds=settings.ledger_fabric_timeout_seconds,
        tls_root_cert=tls_root,
        tls_client=tls_client,
        host_alias=settings.ledger_fabric_peer_host_alias,
    )
    return FabricAnchorBackend(gateway)
