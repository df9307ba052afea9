"""The anchoring chaincode (Hyperledger Fabric contract API for Python); see contract.py."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def _root_logger_kept() -> Iterator[None]:
    """fabric_shim.logging calls logging.basicConfig(level=DEBUG) on import; the importer's root logger stays."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    try:
        yield
    finally:
        root.setLevel(level)
        for handler in [h for h in root.handlers if h not in handlers]:
            root.removeHandler(handler)


with _root_logger_kept():
    from fabric_chaincode_python.fabric_contract_api.contractapi import ContractChaincode

    from ledger.chaincode.contract import AnchorContractError, EvidenceAnchorContract, canonical_json

__all__ = ["AnchorContractError", "EvidenceAnchorContract", "canonical_json", "new_chaincode"]


def new_chaincode() -> Any:
    """The chaincode a peer talks to: the package's contract dispatcher around EvidenceAnchorContract."""
    return ContractChaincode.new_chaincode(EvidenceAnchorContract())
