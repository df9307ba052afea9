"""The Fabric protobuf modules the client uses, typed as Any.

hyperledger-fabric-protos ships py.typed but no stubs, so mypy sees none of the generated classes; aliasing the
modules once here keeps `# type: ignore` out of the protocol code.
"""

from typing import Any

from fabric_protos.common import common_pb2 as _common_pb2
from fabric_protos.gateway import gateway_pb2 as _gateway_pb2
from fabric_protos.gateway import gateway_pb2_grpc as _gateway_pb2_grpc
from fabric_protos.msp import identities_pb2 as _identities_pb2
from fabric_protos.peer import chaincode_pb2 as _chaincode_pb2
from fabric_protos.peer import proposal_pb2 as _proposal_pb2
from fabric_protos.peer import proposal_response_pb2 as _proposal_response_pb2
from fabric_protos.peer import transaction_pb2 as _transaction_pb2

common: Any = _common_pb2
gateway: Any = _gateway_pb2
gateway_grpc: Any = _gateway_pb2_grpc
identities: Any = _identities_pb2
chaincode: Any = _chaincode_pb2
proposal: Any = _proposal_pb2
proposal_response: Any = _proposal_response_pb2
transaction: Any = _transaction_pb2
