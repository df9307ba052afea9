"""The signed messages of the Gateway protocol, built as the fabric-gateway SDKs build them.

Proposal (fabric-gateway proposalbuilder.go): nonce 24 random bytes; transaction id hex(SHA-256(nonce ‖
creator)); a ChannelHeader of type ENDORSER_TRANSACTION naming channel, transaction id, time and — in its
extension — the chaincode; a SignatureHeader with creator and nonce; a ChaincodeProposalPayload wrapping a
ChaincodeInvocationSpec whose input args are [function, *args] (chaincode type left unset, as the SDKs do). The
client signs the serialised Proposal. The endorsed transaction comes back as an unsigned common.Envelope: the
client signs its payload. Commit status is asked with a signed CommitStatusRequest.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from google.protobuf import timestamp_pb2

from ledger.fabric import protos
from ledger.fabric.identity import Identity
from ledger.heads import AnchorError

NONCE_BYTES = 24


@dataclass(frozen=True)
class SignedProposal:
    tx_id: str
    message: Any  # protos.SignedProposal
    header: bytes  # the serialised common.Header inside it
    payload: bytes  # the serialised ChaincodeProposalPayload inside it


def transaction_id(nonce: bytes, creator: bytes) -> str:
    return hashlib.sha256(nonce + creator).hexdigest()


def new_signed_proposal(
    identity: Identity, *, channel: str, chaincode: str, function: str, args: Sequence[str]
) -> SignedProposal:
    creator = identity.creator()
    nonce = os.urandom(NONCE_BYTES)
    tx_id = transaction_id(nonce, creator)
    timestamp = timestamp_pb2.Timestamp()
    timestamp.GetCurrentTime()
    extension = protos.proposal.ChaincodeHeaderExtension(chaincode_id=protos.chaincode.ChaincodeID(name=chaincode))
    channel_header = protos.common.ChannelHeader(
        type=protos.common.ENDORSER_TRANSACTION,
        channel_id=channel,
        tx_id=tx_id,
        timestamp=timestamp,
        epoch=0,
        extension=extension.SerializeToString(),
    )
    header = protos.common.Header(
        channel_header=channel_header.SerializeToString(),
        signature_header=protos.common.SignatureHeader(creator=creator, nonce=nonce).SerializeToString(),
    )
    invocation = protos.chaincode.ChaincodeInvocationSpec(
        chaincode_spec=protos.chaincode.ChaincodeSpec(
            chaincode_id=protos.chaincode.ChaincodeID(name=chaincode),
            input=protos.chaincode.ChaincodeInput(args=[a.encode("utf-8") for a in (function, *args)]),
        )
    )
    payload = protos.proposal.ChaincodeProposalPayload(input=invocation.SerializeToString())
    header_bytes, payload_bytes = header.SerializeToString(), payload.SerializeToString()
    proposal_bytes = protos.proposal.Proposal(header=header_bytes, payload=payload_bytes).SerializeToString()
    signed = protos.proposal.SignedProposal(proposal_bytes=proposal_bytes, signature=identity.sign(proposal_bytes))
    return SignedProposal(tx_id=tx_id, message=signed, header=header_bytes, payload=payload_bytes)


def check_prepared(envelope: Any, proposal: SignedProposal) -> None:
    """Refuse to sign a transaction other than the one proposed: the client signs whatever the gateway returns, so
    its header (transaction id, creator, nonce) and every action's invocation must be the proposal's own bytes
    (Fabric copies them, dropping only transient data, which these proposals never carry)."""
    payload = protos.common.Payload.FromString(envelope.payload)
    ours = protos.common.Header.FromString(proposal.header)
    same_header = (
        payload.header.channel_header == ours.channel_header
        and payload.header.signature_header == ours.signature_header
    )
    actions = protos.transaction.Transaction.FromString(payload.data).actions
    same_invocation = len(actions) > 0 and all(
        protos.transaction.ChaincodeActionPayload.FromString(action.payload).chaincode_proposal_payload
        == proposal.payload
        for action in actions
    )
    if not (same_header and same_invocation):
        raise AnchorError(f"the gateway returned a transaction other than the proposed {proposal.tx_id}; not signed")


def sign_envelope(identity: Identity, envelope: Any) -> Any:
    """The prepared transaction with the client's signature over its payload (a copy; the argument is untouched)."""
    return protos.common.Envelope(payload=envelope.payload, signature=identity.sign(envelope.payload))


def envelope_result(envelope: Any) -> bytes:
    """The chaincode's return value inside an endorsed transaction, read as fabric-gateway's Transaction.Result does."""
    payload = protos.common.Payload.FromString(envelope.payload)
    for action in protos.transaction.Transaction.FromString(payload.data).actions:
        action_payload = protos.transaction.ChaincodeActionPayload.FromString(action.payload)
        response_payload = protos.proposal_response.ProposalResponsePayload.FromString(
            action_payload.action.proposal_response_payload
        )
        chaincode_action = protos.proposal.ChaincodeAction.FromString(response_payload.extension)
        if chaincode_action.HasField("response"):
            return bytes(chaincode_action.response.payload)
    return b""


def signed_commit_status_request(identity: Identity, *, channel: str, tx_id: str) -> Any:
    request = protos.gateway.CommitStatusRequest(
        transaction_id=tx_id, channel_id=channel, identity=identity.creator()
    ).SerializeToString()
    return protos.gateway.SignedCommitStatusRequest(request=request, signature=identity.sign(request))
