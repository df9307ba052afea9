"""The in-process Fabric network the ledger tests anchor on: the gateway (tests/ledger/fabric_gateway_server.py)
served on 127.0.0.1, plain, TLS or mutual TLS, with a client identity and the client's settings for it."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent import futures
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import grpc

from core.settings import Settings
from tests.ledger.fabric_gateway_server import FakeFabric, gateway_grpc
from tests.ledger.pki import Credential, issue


@dataclass
class RunningGateway:
    servicer: FakeFabric
    server: grpc.Server
    port: int

    def stop(self) -> None:
        self.server.stop(grace=None)


def serve(
    servicer: FakeFabric, *, tls: Credential | None = None, client_ca: Credential | None = None
) -> RunningGateway:
    """Listen on 127.0.0.1 (an ephemeral port), plain or with ``tls`` as the server certificate; with
    ``client_ca``, only clients presenting a TLS certificate it issued are let in (mutual TLS)."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    gateway_grpc.add_GatewayServicer_to_server(servicer, server)
    if tls is None:
        port = server.add_insecure_port("127.0.0.1:0")
    else:
        credentials = grpc.ssl_server_credentials(
            [(tls.key_pem, tls.cert_pem)],
            root_certificates=client_ca.cert_pem if client_ca else None,
            require_client_auth=client_ca is not None,
        )
        port = server.add_secure_port("127.0.0.1:0", credentials)
    server.start()
    return RunningGateway(servicer, server, port)


PEER_TLS_NAME = "peer0.org1.example.com"  # the TLS certificate names only this: reaching 127.0.0.1 needs the alias


@dataclass
class FabricNetwork:
    fabric: FakeFabric
    gateway: RunningGateway
    settings: Settings  # a client's: ZHIFA_LEDGER_FABRIC_* pointing at the gateway, files under the test directory
    ca: Credential
    client: Credential
    tls: Credential | None


@contextmanager
def fabric_network(directory: Path, *, tls: bool, mutual_tls: bool = False) -> Iterator[FabricNetwork]:
    """A CA, a client and a peer identity under it, the gateway serving (TLS: a self-signed server certificate;
    mutual TLS: also a TLS CA whose client certificate the peer requires, as Fabric's clientAuthRequired)."""
    ca = issue("ca.org1.example.com", ca=True)
    client = issue("anchor-client@org1.example.com", ca)
    peer = issue(PEER_TLS_NAME, ca)
    server_tls = issue(PEER_TLS_NAME, dns=PEER_TLS_NAME) if tls or mutual_tls else None
    client_tls_ca = issue("tlsca.org1.example.com", ca=True) if mutual_tls else None
    (directory / "client-cert.pem").write_bytes(client.cert_pem)
    (directory / "client-key.pem").write_bytes(client.key_pem)
    if server_tls is not None:
        (directory / "tls-root.pem").write_bytes(server_tls.cert_pem)
    if client_tls_ca is not None:
        client_tls = issue("anchor-client.org1.example.com", client_tls_ca)
        (directory / "client-tls-cert.pem").write_bytes(client_tls.cert_pem)
        (directory / "client-tls-key.pem").write_bytes(client_tls.key_pem)
    fabric = FakeFabric(ca=ca, peer=peer)
    running = serve(fabric, tls=server_tls, client_ca=client_tls_ca)
    settings = Settings(
        ledger_anchor_backend="fabric",
        ledger_fabric_peer_endpoint=f"127.0.0.1:{running.port}",
        ledger_fabric_peer_host_alias=PEER_TLS_NAME if server_tls else "",
        ledger_fabric_tls_root_cert=directory / "tls-root.pem" if server_tls else None,
        ledger_fabric_tls_client_cert=directory / "client-tls-cert.pem" if mutual_tls else None,
        ledger_fabric_tls_client_key=directory / "client-tls-key.pem" if mutual_tls else None,
        ledger_fabric_msp_id=fabric.msp_id,
        ledger_fabric_cert=directory / "client-cert.pem",
        ledger_fabric_key=directory / "client-key.pem",
        ledger_fabric_channel=fabric.channel,
        ledger_fabric_chaincode=fabric.chaincode_name,
        ledger_fabric_timeout_seconds=5.0,
    )
    try:
        yield FabricNetwork(fabric, running, settings, ca, client, server_tls)
    finally:
        running.stop()
