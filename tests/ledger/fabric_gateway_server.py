"""An in-process Fabric Gateway for tests: one peer of one org, one channel, the real anchoring chaincode
(served by tests/ledger/fabric_network.py).

It plays the parts a client cannot tell apart from a real network — the gateway, its endorsing peer, the orderer
and the committing peer — and checks what they check: the proposal's signature with the key of the creator's
certificate, the creator's MSP (certificate issued by the org's CA, in its validity period, the expected MSP id),
low-S signatures, the transaction id derivation, duplicates; at commit the envelope's signature, the endorsement's
signature and MVCC versions of the read set carried in the envelope. The chaincode is ledger/chaincode run by the
package's dispatcher on the package's stub (tests/ledger/memory_stub.py). Errors come back as a Fabric 2.5
gateway sends them: a gRPC status with gateway.ErrorDetail entries in google.rpc.Status details.

Written independently of ledger/fabric (its own decoding, verification and status encoding), so that a mistake
in the client is not mirrored here.
"""

from __future__ import annotations

import collections
import datetime as dt
import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import grpc
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from fabric_protos.gateway import gateway_pb2 as _gateway_pb2
from fabric_protos.gateway import gateway_pb2_grpc as _gateway_pb2_grpc
from fabric_protos.ledger.rwset import rwset_pb2 as _rwset_pb2
from fabric_protos.ledger.rwset.kvrwset import kv_rwset_pb2 as _kv_rwset_pb2
from fabric_protos.peer import transaction_pb2 as _transaction_pb2
from google.protobuf import any_pb2

from ledger.chaincode import new_chaincode
from tests.ledger.memory_stub import (
    Simulation,
    WorldState,
    chaincode_pb2,
    common_pb2,
    identities_pb2,
    proposal_pb2,
    proposal_response_pb2,
    run_chaincode,
)
from tests.ledger.pki import Credential

gateway_pb2: Any = _gateway_pb2
gateway_grpc: Any = _gateway_pb2_grpc
rwset_pb2: Any = _rwset_pb2
kv_rwset_pb2: Any = _kv_rwset_pb2
transaction_pb2: Any = _transaction_pb2

P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
PEER_ADDRESS = "peer0.org1.example.com:7051"
VALID = transaction_pb2.TxValidationCode.Value("VALID")


# --- Fabric-style failures ---------------------------------------------------------------------------------------


class _Status(collections.namedtuple("_Status", ("code", "details", "trailing_metadata")), grpc.Status):  # type: ignore[misc]
    pass


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        out.append(low | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _length_delimited(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


class Denied(Exception):
    """An identity or signature check failed; each RPC reports it the way its Fabric component does."""


class Refusal(Exception):
    """A failed RPC: status code, top-level message, and per-peer ErrorDetail messages."""

    def __init__(self, code: grpc.StatusCode, message: str, *peer_messages: str) -> None:
        super().__init__(message)
        self.code, self.message, self.peer_messages = code, message, peer_messages

    def status(self) -> grpc.Status:
        # google.rpc.Status {code = 1; message = 2; repeated Any details = 3}, encoded by hand.
        body = _varint(1 << 3) + _varint(self.code.value[0]) + _length_delimited(2, self.message.encode())
        for text in self.peer_messages:
            detail = any_pb2.Any()
            detail.Pack(gateway_pb2.ErrorDetail(address=PEER_ADDRESS, msp_id="Org1MSP", message=text))
            body += _length_delimited(3, detail.SerializeToString())
        return _Status(self.code, self.message, (("grpc-status-details-bin", body),))


# --- the network -------------------------------------------------------------------------------------------------


@dataclass
class Proposal:
    tx_id: str
    header: Any  # common.Header
    payload_bytes: bytes  # ChaincodeProposalPayload
    args: list[bytes]


@dataclass
class FakeFabric(gateway_grpc.GatewayServicer):  # type: ignore[misc]
    ca: Credential  # the client org's CA
    peer: Credential  # the endorsing peer's identity (issued by the same CA)
    msp_id: str = "Org1MSP"
    channel: str = "zhifa"
    chaincode_name: str = "evidence-anchor"
    state: WorldState = field(default_factory=WorldState)
    statuses: dict[str, tuple[int, int]] = field(default_factory=dict)  # tx_id -> (TxValidationCode, block)
    height: int = 0
    before_submit: Callable[[str], None] | None = None  # runs as Submit starts: lets a test race another writer
    tamper_endorsements: bool = False  # return a transaction for other arguments than proposed
    forge_endorsements: bool = False  # endorse with a key that is not the peer's: fails validation at commit
    _chaincode: Any = field(default_factory=new_chaincode)
    _committed: threading.Condition = field(default_factory=threading.Condition)

    # identities and signatures

    def _verify(self, creator: bytes, data: bytes, signature: bytes) -> None:
        """Denied unless ``signature`` is a low-S ECDSA-SHA256 signature by a valid member of our MSP."""
        denied = f"access denied: channel [{self.channel}] creator org"
        try:
            identity = identities_pb2.SerializedIdentity.FromString(creator)
            cert = x509.load_pem_x509_certificate(identity.id_bytes)
        except ValueError as exc:
            raise Denied(f"{denied} unknown, creator is malformed ({exc})") from exc
        try:
            if identity.mspid != self.msp_id:
                raise ValueError(f"MSP {identity.mspid!r} is not {self.msp_id!r}")
            cert.verify_directly_issued_by(self.ca.cert)
            now = dt.datetime.now(dt.UTC)
            if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
                raise ValueError("certificate expired or not yet valid")
            if decode_dss_signature(signature)[1] > P256_N // 2:
                raise ValueError("Invalid S. Must be smaller than half the order")
            public_key = cert.public_key()
            assert isinstance(public_key, ec.EllipticCurvePublicKey)
            public_key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        except (ValueError, TypeError, InvalidSignature) as exc:
            raise Denied(f"{denied} [{identity.mspid}]: {exc or 'the signature is not valid'}") from exc

    def _proposal(self, request: Any) -> Proposal:
        signed = request.proposed_transaction
        proposal = proposal_pb2.Proposal.FromString(signed.proposal_bytes)
        header = common_pb2.Header.FromString(proposal.header)
        channel_header = common_pb2.ChannelHeader.FromString(header.channel_header)
        signature_header = common_pb2.SignatureHeader.FromString(header.signature_header)
        payload = proposal_pb2.ChaincodeProposalPayload.FromString(proposal.payload)
        spec = chaincode_pb2.ChaincodeInvocationSpec.FromString(payload.input).chaincode_spec
        extension = proposal_pb2.ChaincodeHeaderExtension.FromString(channel_header.extension)
        if channel_header.channel_id != self.channel or request.channel_id != self.channel:
            raise Refusal(grpc.StatusCode.NOT_FOUND, f"channel '{channel_header.channel_id}' not found")
        if extension.chaincode_id.name != self.chaincode_name or spec.chaincode_id.name != self.chaincode_name:
            raise Refusal(grpc.StatusCode.NOT_FOUND, f"chaincode '{spec.chaincode_id.name}' not found")
        if channel_header.type != common_pb2.ENDORSER_TRANSACTION:
            raise Refusal(grpc.StatusCode.INVALID_ARGUMENT, f"invalid header type {channel_header.type}")
        try:
            self._verify(signature_header.creator, signed.proposal_bytes, signed.signature)
        except Denied as exc:
            raise Denied(f"error validating proposal: {exc}") from exc
        expected = hashlib.sha256(signature_header.nonce + signature_header.creator).hexdigest()
        if channel_header.tx_id != expected or request.transaction_id != expected:
            raise Denied(f"error validating proposal: invalid txID. got [{channel_header.tx_id}]")
        if expected in self.statuses:
            raise Denied(f"duplicate transaction found [{expected}]")
        return Proposal(expected, header, proposal.payload, list(spec.input.args))

    def _simulate(self, proposal: Proposal, signed: Any) -> tuple[Any, Simulation]:
        simulation = Simulation(self.state)
        cc_input = chaincode_pb2.ChaincodeInput(args=proposal.args)
        response = run_chaincode(
            self._chaincode,
            simulation,
            channel_id=self.channel,
            tx_id=proposal.tx_id,
            cc_input=cc_input,
            proposal=signed,
        )
        return response, simulation

    # the four RPCs

    def Evaluate(self, request: Any, context: grpc.ServicerContext) -> Any:
        try:
            try:
                proposal = self._proposal(request)
            except Denied as exc:
                raise Refusal(
                    grpc.StatusCode.ABORTED, f"evaluate call to endorser returned error: {exc}", str(exc)
                ) from exc
            response, _ = self._simulate(proposal, request.proposed_transaction)  # writes are dropped
            if response.status >= 400:
                message = f"chaincode response {response.status}, {response.message}"
                raise Refusal(grpc.StatusCode.UNKNOWN, f"evaluate call to endorser returned error: {message}", message)
        except Refusal as refusal:
            context.abort_with_status(refusal.status())
        return gateway_pb2.EvaluateResponse(result=response)

    def Endorse(self, request: Any, context: grpc.ServicerContext) -> Any:
        failed = "failed to endorse transaction, see attached details for more info"
        try:
            try:
                proposal = self._proposal(request)
            except Denied as exc:
                raise Refusal(grpc.StatusCode.ABORTED, failed, str(exc)) from exc
            response, simulation = self._simulate(proposal, request.proposed_transaction)
            if response.status >= 400:
                raise Refusal(
                    grpc.StatusCode.ABORTED, failed, f"chaincode response {response.status}, {response.message}"
                )
        except Refusal as refusal:
            context.abort_with_status(refusal.status())
        return gateway_pb2.EndorseResponse(prepared_transaction=self._envelope(proposal, response, simulation))

    def _envelope(self, proposal: Proposal, response: Any, simulation: Simulation) -> Any:
        """The unsigned transaction a gateway assembles from the proposal and the endorsement (protoutil.CreateTx)."""
        kv = kv_rwset_pb2.KVRWSet()
        for key, version in sorted(simulation.reads.items()):
            read = kv.reads.add(key=key)
            if version is not None:
                read.version.block_num, read.version.tx_num = version
        for key, value in sorted(simulation.writes.items()):
            kv.writes.add(key=key, is_delete=value is None, value=value or b"")
        results = rwset_pb2.TxReadWriteSet(data_model=rwset_pb2.TxReadWriteSet.KV)
        results.ns_rwset.add(namespace=self.chaincode_name, rwset=kv.SerializeToString())
        action = proposal_pb2.ChaincodeAction(
            results=results.SerializeToString(),
            response=response,
            chaincode_id=chaincode_pb2.ChaincodeID(name=self.chaincode_name, version="1"),
        )
        transient_free = proposal_pb2.ChaincodeProposalPayload.FromString(proposal.payload_bytes)
        transient_free.ClearField("TransientMap")
        payload_bytes = transient_free.SerializeToString()
        if self.tamper_endorsements:
            spec = chaincode_pb2.ChaincodeInvocationSpec.FromString(transient_free.input)
            spec.chaincode_spec.input.args[-1] = b"tampered"
            payload_bytes = proposal_pb2.ChaincodeProposalPayload(input=spec.SerializeToString()).SerializeToString()
        proposal_hash = hashlib.sha256(
            proposal.header.channel_header + proposal.header.signature_header + payload_bytes
        ).digest()
        response_payload = proposal_response_pb2.ProposalResponsePayload(
            proposal_hash=proposal_hash, extension=action.SerializeToString()
        ).SerializeToString()
        endorser = identities_pb2.SerializedIdentity(mspid=self.msp_id, id_bytes=self.peer.cert_pem).SerializeToString()
        signer = ec.generate_private_key(ec.SECP256R1()) if self.forge_endorsements else self.peer.key
        endorsement = proposal_response_pb2.Endorsement(
            endorser=endorser, signature=signer.sign(response_payload + endorser, ec.ECDSA(hashes.SHA256()))
        )
        action_payload = transaction_pb2.ChaincodeActionPayload(
            chaincode_proposal_payload=payload_bytes,
            action=transaction_pb2.ChaincodeEndorsedAction(
                proposal_response_payload=response_payload, endorsements=[endorsement]
            ),
        )
        tx = transaction_pb2.Transaction(
            actions=[
                transaction_pb2.TransactionAction(
                    header=proposal.header.signature_header, payload=action_payload.SerializeToString()
                )
            ]
        )
        payload = common_pb2.Payload(header=proposal.header, data=tx.SerializeToString())
        return common_pb2.Envelope(payload=payload.SerializeToString())

    def Submit(self, request: Any, context: grpc.ServicerContext) -> Any:
        if self.before_submit is not None:
            self.before_submit(request.transaction_id)
        envelope = request.prepared_transaction
        try:
            if not envelope.signature:
                raise Refusal(grpc.StatusCode.INVALID_ARGUMENT, "prepared transaction must be signed")
            payload = common_pb2.Payload.FromString(envelope.payload)
            creator = common_pb2.SignatureHeader.FromString(payload.header.signature_header).creator
            tx_id = common_pb2.ChannelHeader.FromString(payload.header.channel_header).tx_id
            try:  # the orderer's Writers policy check
                self._verify(creator, envelope.payload, envelope.signature)
            except Denied as exc:
                raise Refusal(
                    grpc.StatusCode.ABORTED,
                    "insufficient number of orderers could successfully process transaction",
                    f"received unsuccessful response from orderer: status=FORBIDDEN, info={exc}",
                ) from exc
            if tx_id != request.transaction_id:
                raise Refusal(grpc.StatusCode.INVALID_ARGUMENT, "transaction id does not match the envelope")
        except Refusal as refusal:
            context.abort_with_status(refusal.status())
        self._commit(tx_id, payload)
        return gateway_pb2.SubmitResponse()

    def _commit(self, tx_id: str, payload: Any) -> None:
        """Validate as a committing peer does and cut a one-transaction block; invalid ones get a block too."""
        with self._committed:
            self.height += 1
            block = self.height
            code, writes = self._validate(tx_id, payload)
            if code == VALID:
                self.state.apply(writes, (block, 0))
            self.statuses[tx_id] = (code, block)
            self._committed.notify_all()

    def _validate(self, tx_id: str, payload: Any) -> tuple[int, dict[str, bytes | None]]:
        code = transaction_pb2.TxValidationCode.Value
        if tx_id in self.statuses:
            return code("DUPLICATE_TXID"), {}
        action = transaction_pb2.Transaction.FromString(payload.data).actions[0]
        endorsed = transaction_pb2.ChaincodeActionPayload.FromString(action.payload).action
        for endorsement in endorsed.endorsements:
            identity = identities_pb2.SerializedIdentity.FromString(endorsement.endorser)
            try:
                if identity.id_bytes != self.peer.cert_pem:
                    raise InvalidSignature("not our peer")
                self.peer.key.public_key().verify(
                    endorsement.signature,
                    endorsed.proposal_response_payload + endorsement.endorser,
                    ec.ECDSA(hashes.SHA256()),
                )
            except InvalidSignature:
                return code("ENDORSEMENT_POLICY_FAILURE"), {}
        if not endorsed.endorsements:
            return code("ENDORSEMENT_POLICY_FAILURE"), {}
        response_payload = proposal_response_pb2.ProposalResponsePayload.FromString(endorsed.proposal_response_payload)
        results = proposal_pb2.ChaincodeAction.FromString(response_payload.extension).results
        reads: dict[str, tuple[int, int] | None] = {}
        writes: dict[str, bytes | None] = {}
        for ns in rwset_pb2.TxReadWriteSet.FromString(results).ns_rwset:
            kv = kv_rwset_pb2.KVRWSet.FromString(ns.rwset)
            for read in kv.reads:
                has = read.HasField("version")
                reads[read.key] = (read.version.block_num, read.version.tx_num) if has else None
            for write in kv.writes:
                writes[write.key] = None if write.is_delete else bytes(write.value)
        if self.state.conflicts(reads):
            return code("MVCC_READ_CONFLICT"), {}
        return VALID, writes

    def CommitStatus(self, request: Any, context: grpc.ServicerContext) -> Any:
        try:
            inner = gateway_pb2.CommitStatusRequest.FromString(request.request)
            try:
                self._verify(inner.identity, request.request, request.signature)
            except Denied as exc:
                raise Refusal(grpc.StatusCode.PERMISSION_DENIED, str(exc)) from exc
            if inner.channel_id != self.channel:
                raise Refusal(grpc.StatusCode.NOT_FOUND, f"channel '{inner.channel_id}' not found")
            remaining = context.time_remaining()
            with self._committed:  # a real gateway waits for the block that holds the transaction
                found = self._committed.wait_for(
                    lambda: inner.transaction_id in self.statuses, timeout=min(remaining or 30.0, 30.0)
                )
                if not found:
                    raise Refusal(grpc.StatusCode.DEADLINE_EXCEEDED, "context deadline exceeded")
                code, block = self.statuses[inner.transaction_id]
        except Refusal as refusal:
            context.abort_with_status(refusal.status())
        return gateway_pb2.CommitStatusResponse(result=code, block_number=block)
