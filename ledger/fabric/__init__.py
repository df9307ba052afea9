"""Anchoring signed tree heads on Hyperledger Fabric through a peer's Gateway service (no fabric SDK needed).

identity.py (MSP identity, low-S ECDSA), proposals.py (the signed protocol messages), gateway.py (the gRPC
client), errors.py (failures with the peers' reasons), backend.py (the AnchorBackend), config.py (its factory
from the settings).
"""

from ledger.fabric.backend import FabricAnchorBackend
from ledger.fabric.config import fabric_backend
from ledger.fabric.errors import CommitError, GatewayError
from ledger.fabric.gateway import Committed, GatewayClient, PreparedTransaction
from ledger.fabric.identity import Identity, load_identity

__all__ = [
    "CommitError",
    "Committed",
    "FabricAnchorBackend",
    "GatewayClient",
    "GatewayError",
    "Identity",
    "PreparedTransaction",
    "fabric_backend",
    "load_identity",
]
