"""The Fabric anchor backend against the in-process gateway (fabric_gateway_server.py): real Gateway protocol
messages on a real gRPC connection, signatures checked by the server, the real chaincode behind it."""

from __future__ import annotations

import base64
import hashlib
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from hypothesis import given, settings
from hypothesis import strategies as st

from core.settings import Settings
from ledger.fabric import CommitError, FabricAnchorBackend, GatewayClient, GatewayError, Identity, fabric_backend
from ledger.fabric.backend import anchor_args
from ledger.fabric.identity import P256_ORDER, to_low_s
from ledger.heads import AnchorConflict, AnchorError, SignedTreeHead, TreeHead
from tests.ledger.fabric_gateway_server import VALID
from tests.ledger.fabric_network import FabricNetwork
from tests.ledger.pki import issue

LOG_KEY = Ed25519PrivateKey.generate()


def signed_head(tree_size: int = 42, root_hash: str = "5e" * 32, key: Ed25519PrivateKey = LOG_KEY) -> SignedTreeHead:
    head = TreeHead("zhifa-evidence", tree_size, root_hash, 1_764_000_000_000)
    public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return SignedTreeHead(
        head.log_id,
        head.tree_size,
        head.root_hash,
        head.timestamp,
        signature=base64.b64encode(key.sign(head.signed_bytes())).decode(),
        key_id=hashlib.sha256(public).hexdigest(),
    )


@pytest.fixture
def backend(fabric: FabricNetwork) -> Iterator[FabricAnchorBackend]:
    backend = fabric_backend(fabric.settings)
    yield backend
    backend.close()


def test_anchor_then_read_back(fabric: FabricNetwork, backend: FabricAnchorBackend) -> None:
    head = signed_head()
    record = backend.anchor(head)

    assert record.backend == "fabric"
    assert record.block == 1
    assert record.anchored_at.tzinfo is not None
    assert fabric.fabric.statuses[record.tx_id] == (VALID, 1)

    stored = backend.get_anchor(head.log_id, head.tree_size)
    assert stored is not None
    assert (stored["log_id"], stored["tree_size"], stored["root_hash"]) == (head.log_id, 42, head.root_hash)
    assert stored["tx_id"] == record.tx_id
    # What the chain holds verifies against the head: the log's signature over its canonical bytes.
    LOG_KEY.public_key().verify(base64.b64decode(stored["signature"]), head.head().signed_bytes())
    assert backend.latest(head.log_id) == stored
    assert backend.get_anchor(head.log_id, 41) is None
    assert backend.latest("no-such-log") is None


def test_anchoring_the_same_head_again_answers_the_first_record(
    fabric: FabricNetwork, backend: FabricAnchorBackend
) -> None:
    head = signed_head()
    first = backend.anchor(head)
    height = fabric.fabric.height

    again = backend.anchor(head)

    assert (again.tx_id, again.block) == (first.tx_id, first.block)
    assert fabric.fabric.height == height  # refused at endorsement: nothing more was ordered


def test_a_different_root_at_an_anchored_size_is_a_conflict(backend: FabricAnchorBackend) -> None:
    head = signed_head()
    backend.anchor(head)
    with pytest.raises(AnchorConflict, match="two different trees"):
        backend.anchor(signed_head(root_hash="77" * 32))
    other_key = signed_head(key=Ed25519PrivateKey.generate())  # same tree, signed by another key
    with pytest.raises(AnchorConflict, match="another signature"):
        backend.anchor(other_key)
    stored = backend.get_anchor(head.log_id, head.tree_size)
    assert stored is not None and stored["root_hash"] == head.root_hash and stored["signature"] == head.signature


def test_latest_does_not_move_back(backend: FabricAnchorBackend) -> None:
    backend.anchor(signed_head(10, "0a" * 32))
    backend.anchor(signed_head(5, "05" * 32))
    latest = backend.latest("zhifa-evidence")
    assert latest is not None and latest["tree_size"] == 10


def test_chaincode_errors_arrive_in_the_error_details(fabric: FabricNetwork, backend: FabricAnchorBackend) -> None:
    head = signed_head()
    backend.anchor(head)
    with pytest.raises(GatewayError) as caught:
        backend.gateway.endorse("anchor", anchor_args(head))
    error = caught.value
    assert error.code == "ABORTED"
    assert "ANCHOR_EXISTS" not in error.details  # only the decoded ErrorDetail carries the chaincode's reason
    peer, reason = error.peer_messages[0].split(": ", 1)
    assert peer == "peer0.org1.example.com:7051 (Org1MSP)"
    assert reason.startswith("chaincode response 500, ANCHOR_EXISTS")


def test_a_stale_endorsement_fails_validation(fabric: FabricNetwork, backend: FabricAnchorBackend) -> None:
    gateway = backend.gateway
    first = gateway.endorse("anchor", anchor_args(signed_head()))
    second = gateway.endorse("anchor", anchor_args(signed_head(root_hash="77" * 32)))
    gateway.submit_prepared(first)
    with pytest.raises(CommitError) as caught:
        gateway.submit_prepared(second)
    assert isinstance(caught.value, AnchorError)
    assert caught.value.status == "MVCC_READ_CONFLICT"
    assert caught.value.block == 2


def test_a_transaction_the_peers_invalidate_is_an_anchor_error(
    fabric: FabricNetwork, backend: FabricAnchorBackend
) -> None:
    fabric.fabric.forge_endorsements = True
    with pytest.raises(CommitError) as caught:
        backend.anchor(signed_head())
    assert isinstance(caught.value, AnchorError)
    assert caught.value.status == "ENDORSEMENT_POLICY_FAILURE"
    assert fabric.fabric.height == 1 and fabric.fabric.state.snapshot() == {}  # in a block, but without effect
    assert backend.get_anchor("zhifa-evidence", 42) is None


def test_losing_a_race_to_the_same_head_is_success(fabric: FabricNetwork, backend: FabricAnchorBackend) -> None:
    head = signed_head()
    rival = fabric_backend(fabric.settings)
    won: list[str] = []

    def rival_first(tx_id: str) -> None:
        fabric.fabric.before_submit = None  # once
        won.append(rival.anchor(head).tx_id)

    fabric.fabric.before_submit = rival_first
    record = backend.anchor(head)
    rival.close()

    assert record.tx_id == won[0]
    lost = [tx for tx, (code, _) in fabric.fabric.statuses.items() if code != VALID]
    assert len(lost) == 1 and lost[0] != record.tx_id


def test_a_key_that_is_not_the_certificates_is_rejected_by_the_peer(fabric: FabricNetwork) -> None:
    wrong = _with_another_key(fabric)
    backend = FabricAnchorBackend(_gateway(fabric.settings, wrong))
    with pytest.raises(AnchorError, match="access denied") as caught:
        backend.anchor(signed_head())
    assert isinstance(caught.value, GatewayError) and caught.value.code == "ABORTED"
    with pytest.raises(AnchorError, match="access denied"):
        backend.latest("zhifa-evidence")
    backend.close()
    assert fabric.fabric.height == 0 and fabric.fabric.state.snapshot() == {}


def test_an_identity_outside_the_msp_is_rejected(fabric: FabricNetwork) -> None:
    stranger = issue("someone@elsewhere", issue("ca.elsewhere", ca=True))
    for identity in (
        Identity(fabric.settings.ledger_fabric_msp_id, stranger.cert_pem, stranger.key),  # another CA
        Identity("Org2MSP", fabric.client.cert_pem, fabric.client.key),  # another MSP id
    ):
        with _gateway(fabric.settings, identity) as gateway, pytest.raises(GatewayError, match="access denied"):
            gateway.evaluate("latest", ["zhifa-evidence"])


def test_the_client_does_not_sign_a_transaction_it_did_not_propose(
    fabric: FabricNetwork, backend: FabricAnchorBackend
) -> None:
    fabric.fabric.tamper_endorsements = True
    with pytest.raises(AnchorError, match="other than the proposed"):
        backend.anchor(signed_head())
    assert fabric.fabric.height == 0


def test_commit_status_needs_a_valid_signature(fabric: FabricNetwork, backend: FabricAnchorBackend) -> None:
    record = backend.anchor(signed_head())
    wrong = _with_another_key(fabric)
    with _gateway(fabric.settings, wrong) as gateway, pytest.raises(GatewayError) as caught:
        gateway.commit_status(record.tx_id)
    assert caught.value.code == "PERMISSION_DENIED"
    assert backend.gateway.commit_status(record.tx_id) == ("VALID", record.block)


def _with_another_key(fabric: FabricNetwork) -> Identity:
    """The client's certificate with a key that is not its own: signatures that cannot verify."""
    other_key = ec.generate_private_key(ec.SECP256R1())
    return Identity(fabric.settings.ledger_fabric_msp_id, fabric.client.cert_pem, other_key)


def _gateway(settings: Settings, identity: Identity) -> GatewayClient:
    return GatewayClient(
        identity,
        endpoint=settings.ledger_fabric_peer_endpoint,
        channel=settings.ledger_fabric_channel,
        chaincode=settings.ledger_fabric_chaincode,
        timeout_seconds=settings.ledger_fabric_timeout_seconds,
    )


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_a_peer_that_is_down_is_an_anchor_error(fabric: FabricNetwork) -> None:
    settings = fabric.settings.model_copy(update={"ledger_fabric_peer_endpoint": f"127.0.0.1:{_closed_port()}"})
    backend = fabric_backend(settings)
    started = time.monotonic()
    with pytest.raises(AnchorError) as caught:
        backend.anchor(signed_head())
    backend.close()
    assert isinstance(caught.value, GatewayError) and caught.value.code == "UNAVAILABLE"
    assert time.monotonic() - started < settings.ledger_fabric_timeout_seconds


def test_a_peer_that_never_answers_times_out(fabric: FabricNetwork) -> None:
    with socket.socket() as silent:  # accepts TCP connections (the kernel does), never speaks HTTP/2
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        settings = fabric.settings.model_copy(
            update={
                "ledger_fabric_peer_endpoint": f"127.0.0.1:{silent.getsockname()[1]}",
                "ledger_fabric_timeout_seconds": 0.5,
            }
        )
        backend = fabric_backend(settings)
        started = time.monotonic()
        with pytest.raises(AnchorError) as caught:
            backend.anchor(signed_head())
        elapsed = time.monotonic() - started
        backend.close()
    assert isinstance(caught.value, GatewayError) and caught.value.code == "DEADLINE_EXCEEDED"
    assert 0.4 < elapsed < 3


@settings(max_examples=200, deadline=None)
@given(message=st.binary(max_size=256))
def test_signatures_are_low_s_and_verify(message: bytes) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    identity = Identity("Org1MSP", b"", key)
    signature = identity.sign(message)
    assert decode_dss_signature(signature)[1] <= P256_ORDER // 2
    key.public_key().verify(signature, message, ec.ECDSA(hashes.SHA256()))


def test_high_s_signatures_happen_and_are_normalised() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    raw = [key.sign(b"head %d" % i, ec.ECDSA(hashes.SHA256())) for i in range(64)]
    high = [sig for sig in raw if decode_dss_signature(sig)[1] > P256_ORDER // 2]
    assert high  # about half: without normalising, a peer would refuse about every second request
    for i, sig in enumerate(raw):
        low = to_low_s(sig)
        assert decode_dss_signature(low)[1] <= P256_ORDER // 2
        key.public_key().verify(low, b"head %d" % i, ec.ECDSA(hashes.SHA256()))


def test_tls(fabric_tls: FabricNetwork) -> None:
    backend = fabric_backend(fabric_tls.settings)
    record = backend.anchor(signed_head())
    assert backend.get_anchor("zhifa-evidence", 42) is not None
    backend.close()
    assert record.block == 1

    no_alias = fabric_backend(fabric_tls.settings.model_copy(update={"ledger_fabric_peer_host_alias": ""}))
    with pytest.raises(AnchorError, match="UNAVAILABLE"):  # the certificate does not name 127.0.0.1
        no_alias.latest("zhifa-evidence")
    no_alias.close()


def test_tls_refuses_an_untrusted_peer(fabric_tls: FabricNetwork, tmp_path_factory: pytest.TempPathFactory) -> None:
    other_root = tmp_path_factory.mktemp("other") / "root.pem"
    other_root.write_bytes(issue("peer0.org1.example.com", dns="peer0.org1.example.com").cert_pem)
    backend = fabric_backend(fabric_tls.settings.model_copy(update={"ledger_fabric_tls_root_cert": other_root}))
    with pytest.raises(AnchorError, match="UNAVAILABLE"):
        backend.latest("zhifa-evidence")
    backend.close()


def test_mutual_tls(fabric_mtls: FabricNetwork, tmp_path_factory: pytest.TempPathFactory) -> None:
    """A peer that requires client authentication lets in the configured client certificate, and nobody else."""
    backend = fabric_backend(fabric_mtls.settings)
    assert backend.anchor(signed_head()).block == 1
    backend.close()

    anonymous = fabric_backend(
        fabric_mtls.settings.model_copy(
            update={"ledger_fabric_tls_client_cert": None, "ledger_fabric_tls_client_key": None}
        )
    )
    with pytest.raises(AnchorError, match="UNAVAILABLE"):  # the handshake fails: no client certificate
        anonymous.latest("zhifa-evidence")
    anonymous.close()

    stranger_ca = issue("tlsca.elsewhere.example.com", ca=True)
    stranger = issue("anchor-client.elsewhere.example.com", stranger_ca)
    directory = tmp_path_factory.mktemp("stranger")
    (directory / "cert.pem").write_bytes(stranger.cert_pem)
    (directory / "key.pem").write_bytes(stranger.key_pem)
    outsider = fabric_backend(
        fabric_mtls.settings.model_copy(
            update={
                "ledger_fabric_tls_client_cert": directory / "cert.pem",
                "ledger_fabric_tls_client_key": directory / "key.pem",
            }
        )
    )
    with pytest.raises(AnchorError, match="UNAVAILABLE"):  # a certificate the peer's TLS CA did not issue
        outsider.latest("zhifa-evidence")
    outsider.close()


def test_client_tls_configuration_errors(fabric_mtls: FabricNetwork) -> None:
    settings = fabric_mtls.settings
    with pytest.raises(ValueError, match="TLS_CLIENT_CERT and ZHIFA_LEDGER_FABRIC_TLS_CLIENT_KEY go together"):
        fabric_backend(settings.model_copy(update={"ledger_fabric_tls_client_key": None}))
    mismatched = settings.model_copy(update={"ledger_fabric_tls_client_key": settings.ledger_fabric_key})
    with pytest.raises(ValueError, match=r"TLS_CLIENT_KEY=.* is not the key of the certificate"):
        fabric_backend(mismatched)
    plain = settings.model_copy(update={"ledger_fabric_tls_root_cert": None})  # TLS off, a client certificate set
    with pytest.raises(ValueError, match="needs ZHIFA_LEDGER_FABRIC_TLS_ROOT_CERT"):
        fabric_backend(plain)


def test_configuration_errors_name_the_variable(fabric: FabricNetwork, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="ZHIFA_LEDGER_FABRIC_PEER_ENDPOINT, ZHIFA_LEDGER_FABRIC_MSP_ID") as caught:
        fabric_backend(
            Settings(
                ledger_fabric_peer_endpoint="", ledger_fabric_msp_id="", ledger_fabric_cert=None, ledger_fabric_key=None
            )
        )
    assert "ZHIFA_LEDGER_FABRIC_CERT" in str(caught.value) and "ZHIFA_LEDGER_FABRIC_KEY" in str(caught.value)

    directory = tmp_path
    missing = fabric.settings.model_copy(update={"ledger_fabric_key": directory / "absent.pem"})
    with pytest.raises(ValueError, match=r"ZHIFA_LEDGER_FABRIC_KEY=.*absent\.pem: no such file"):
        fabric_backend(missing)

    stranger = directory / "stranger.pem"
    stranger.write_bytes(issue("someone").key_pem)
    with pytest.raises(ValueError, match="is not the private key of the certificate"):
        fabric_backend(fabric.settings.model_copy(update={"ledger_fabric_key": stranger}))

    not_pem = directory / "root.pem"
    not_pem.write_text("not a certificate")
    with pytest.raises(ValueError, match="ZHIFA_LEDGER_FABRIC_TLS_ROOT_CERT"):
        fabric_backend(fabric.settings.model_copy(update={"ledger_fabric_tls_root_cert": not_pem}))
