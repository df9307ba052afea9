"""A client of one peer's Fabric Gateway service (gateway.Gateway over gRPC), for one channel and chaincode.

The same four calls the official fabric-gateway SDKs make: Evaluate (run a proposal on a peer, nothing
recorded), Endorse (collect endorsements; returns the unsigned transaction envelope), Submit (the signed envelope
goes to ordering), CommitStatus (wait for the block that validates it). Every call has the configured deadline,
and every gRPC failure becomes a GatewayError (an AnchorError: retryable) carrying the peers' reasons.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import grpc
from google.protobuf.message import DecodeError

from ledger.fabric import protos
from ledger.fabric.errors import CommitError, GatewayError, gateway_error
from ledger.fabric.identity import Identity
from ledger.fabric.proposals import (
    SignedProposal,
    check_prepared,
    envelope_result,
    new_signed_proposal,
    sign_envelope,
    signed_commit_status_request,
)
from ledger.heads import AnchorError


@dataclass(frozen=True)
class PreparedTransaction:
    """An endorsed, not yet signed or submitted, transaction."""

    tx_id: str
    envelope: Any  # common.Envelope, unsigned
    result: bytes  # the chaincode's return value as endorsed


@dataclass(frozen=True)
class Committed:
    tx_id: str
    block: int
    result: bytes


class GatewayClient:
    def __init__(
        self,
        identity: Identity,
        *,
        endpoint: str,
        channel: str,
        chaincode: str,
        timeout_seconds: float,
        tls_root_cert: bytes | None = None,
        tls_client: tuple[bytes, bytes] | None = None,
        host_alias: str = "",
    ) -> None:
        """`tls_client`: (certificate chain, private key) PEM, for a peer that requires mutual TLS."""
        self.identity = identity
        self.endpoint = endpoint
        self.channel = channel
        self.chaincode = chaincode
        self.timeout_seconds = timeout_seconds
        if tls_root_cert is None:
            self._channel = grpc.insecure_channel(endpoint)
        else:
            # The peer's certificate names its host, which need not be how this process reaches it.
            options = [("grpc.ssl_target_name_override", host_alias)] if host_alias else []
            chain, key = tls_client if tls_client is not None else (None, None)
            credentials = grpc.ssl_channel_credentials(
                root_certificates=tls_root_cert, private_key=key, certificate_chain=chain
            )
            self._channel = grpc.secure_channel(endpoint, credentials, options=options)
        self._stub = protos.gateway_grpc.GatewayStub(self._channel)

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> GatewayClient:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def _call(self, operation: str, method: Callable[..., Any], request: Any) -> Any:
        try:
            return method(request, timeout=self.timeout_seconds)
        except grpc.RpcError as exc:
            raise gateway_error(operation, exc) from exc

    def _proposal(self, function: str, args: Sequence[str]) -> SignedProposal:
        return new_signed_proposal(
            self.identity, channel=self.channel, chaincode=self.chaincode, function=function, args=args
        )

    def evaluate(self, function: str, args: Sequence[str]) -> bytes:
        """Run ``function`` on the peer without recording anything; its return value."""
        proposal = self._proposal(function, args)
        request = protos.gateway.EvaluateRequest(
            transaction_id=proposal.tx_id, channel_id=self.channel, proposed_transaction=proposal.message
        )
        response = self._call("Evaluate", self._stub.Evaluate, request)
        if not 200 <= response.result.status < 400:  # a gateway reports these as errors; be safe if one does not
            raise GatewayError(
                "Evaluate", "OK", f"chaincode response {response.result.status}, {response.result.message}"
            )
        return bytes(response.result.payload)

    def endorse(self, function: str, args: Sequence[str]) -> PreparedTransaction:
        proposal = self._proposal(function, args)
        request = protos.gateway.EndorseRequest(
            transaction_id=proposal.tx_id, channel_id=self.channel, proposed_transaction=proposal.message
        )
        envelope = self._call("Endorse", self._stub.Endorse, request).prepared_transaction
        try:
            check_prepared(envelope, proposal)
            result = envelope_result(envelope)
        except DecodeError as exc:
            raise AnchorError(f"the gateway returned an undecodable transaction for {proposal.tx_id}: {exc}") from exc
        return PreparedTransaction(tx_id=proposal.tx_id, envelope=envelope, result=result)

    def submit_prepared(self, prepared: PreparedTransaction) -> Committed:
        """Sign and submit; return once a block has validated it. A transaction marked invalid raises CommitError."""
        request = protos.gateway.SubmitRequest(
            transaction_id=prepared.tx_id,
            channel_id=self.channel,
            prepared_transaction=sign_envelope(self.identity, prepared.envelope),
        )
        self._call("Submit", self._stub.Submit, request)
        status, block = self.commit_status(prepared.tx_id)
        if status != "VALID":
            raise CommitError(prepared.tx_id, status, block)
        return Committed(tx_id=prepared.tx_id, block=block, result=prepared.result)

    def submit(self, function: str, args: Sequence[str]) -> Committed:
        return self.submit_prepared(self.endorse(function, args))

    def commit_status(self, tx_id: str) -> tuple[str, int]:
        """(TxValidationCode name, block number) of a transaction, waiting for its block if it is still to come."""
        request = signed_commit_status_request(self.identity, channel=self.channel, tx_id=tx_id)
        response = self._call("CommitStatus", self._stub.CommitStatus, request)
        return str(protos.transaction.TxValidationCode.Name(response.result)), int(response.block_number)
