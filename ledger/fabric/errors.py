"""What goes wrong talking to a Fabric Gateway, as AnchorError subclasses with the peer's reasons decoded.

A gateway puts its per-peer reasons (gateway.ErrorDetail: peer address, MSP id, message — the chaincode's error
text arrives here) into the gRPC status details: a google.rpc.Status in the `grpc-status-details-bin` trailer.
googleapis-common-protos is not a dependency, so that three-field message is declared here, in a private
descriptor pool (no clash should the real one be installed later).
"""

from __future__ import annotations

import re
from typing import Any

import grpc
from google.protobuf import any_pb2, descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.message import DecodeError

from ledger.fabric import protos
from ledger.heads import AnchorError

_STATUS_TRAILER = "grpc-status-details-bin"
_ERROR_DETAIL_TYPE = "type.googleapis.com/gateway.ErrorDetail"


def _status_class() -> Any:
    pool = descriptor_pool.DescriptorPool()
    pool.AddSerializedFile(any_pb2.DESCRIPTOR.serialized_pb)
    file = descriptor_pb2.FileDescriptorProto(
        name="google/rpc/status.proto", package="google.rpc", syntax="proto3", dependency=["google/protobuf/any.proto"]
    )
    status = file.message_type.add(name="Status")
    field = descriptor_pb2.FieldDescriptorProto
    status.field.add(name="code", number=1, type=field.TYPE_INT32, label=field.LABEL_OPTIONAL)
    status.field.add(name="message", number=2, type=field.TYPE_STRING, label=field.LABEL_OPTIONAL)
    status.field.add(
        name="details", number=3, type=field.TYPE_MESSAGE, label=field.LABEL_REPEATED, type_name=".google.protobuf.Any"
    )
    pool.Add(file)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("google.rpc.Status"))


_Status = _status_class()


class GatewayError(AnchorError):
    """A Gateway call failed: gRPC status code name, its details text and each peer's ErrorDetail message."""

    def __init__(self, operation: str, code: str, details: str, peer_messages: tuple[str, ...] = ()) -> None:
        self.operation = operation
        self.code = code
        self.details = details
        self.peer_messages = peer_messages
        reasons = f" [{'; '.join(peer_messages)}]" if peer_messages else ""
        super().__init__(f"Fabric gateway {operation} failed: {code}: {details}{reasons}")

    def mentions(self, marker: str) -> bool:
        """Whether the chaincode's (or peer's) text carries ``marker`` as a word, e.g. ANCHOR_EXISTS."""
        pattern = re.compile(rf"\b{re.escape(marker)}\b")
        return any(pattern.search(text) for text in (self.details, *self.peer_messages))


class CommitError(AnchorError):
    """The transaction was ordered but the peers marked it invalid (MVCC_READ_CONFLICT, ENDORSEMENT_POLICY_FAILURE…)."""

    def __init__(self, tx_id: str, status: str, block: int) -> None:
        self.tx_id = tx_id
        self.status = status
        self.block = block
        super().__init__(f"Fabric transaction {tx_id} committed as invalid in block {block}: {status}")


def peer_messages(error: grpc.RpcError) -> tuple[str, ...]:
    """The ErrorDetail entries of a failed call, as "address (msp): message"; () when there are none."""
    trailers: Any = error.trailing_metadata() if hasattr(error, "trailing_metadata") else None
    raw = next((value for key, value in trailers or () if key == _STATUS_TRAILER), None)
    if not isinstance(raw, bytes):
        return ()
    found = []
    try:
        for detail in _Status.FromString(raw).details:
            if detail.type_url == _ERROR_DETAIL_TYPE:
                entry = protos.gateway.ErrorDetail.FromString(detail.value)
                where = f"{entry.address} ({entry.msp_id})" if entry.msp_id else entry.address
                found.append(f"{where}: {entry.message}" if where else entry.message)
    except DecodeError:  # a malformed trailer must not hide the call's own error
        pass
    return tuple(found)


def gateway_error(operation: str, error: grpc.RpcError) -> GatewayError:
    code: Any = error.code() if hasattr(error, "code") else None
    details: Any = error.details() if hasattr(error, "details") else None
    name = code.name if isinstance(code, grpc.StatusCode) else "UNKNOWN"
    return GatewayError(operation, name, str(details or error), peer_messages(error))
