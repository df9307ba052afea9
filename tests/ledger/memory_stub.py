"""The peer side of the chaincode shim, in memory: what the contract talks to in tests.

The package ships no test stub, and its real `ChaincodeStub` already separates the API a contract sees from the
transport: every state call goes to its `client` (in production `fabric_shim.handler.Handler`, which relays
GET_STATE/PUT_STATE/... over the chaincode stream to the peer). So the contract runs against the real stub
(composite keys, argument decoding, creator and timestamp decoded from the proposal are the package's own code)
and only the peer is replaced: a `Simulation` answers those calls from a versioned `WorldState` and records a
read set and a write set, as a peer's transaction simulator does.

Fabric semantics kept: GetState reads committed state only (not the transaction's own writes); writes reach the
state only when the transaction commits; a commit whose read versions have changed meanwhile is an MVCC conflict.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fabric_protos.common import common_pb2 as _common_pb2
from fabric_protos.ledger.queryresult import kv_query_result_pb2 as _kv_pb2
from fabric_protos.msp import identities_pb2 as _identities_pb2
from fabric_protos.peer import chaincode_pb2 as _chaincode_pb2
from fabric_protos.peer import chaincode_shim_pb2 as _shim_pb2
from fabric_protos.peer import proposal_pb2 as _proposal_pb2
from fabric_protos.peer import proposal_response_pb2 as _proposal_response_pb2
from google.protobuf import timestamp_pb2

# The generated modules ship py.typed but no stubs; mypy cannot see their classes, so use them as Any.
common_pb2: Any = _common_pb2
kv_pb2: Any = _kv_pb2
identities_pb2: Any = _identities_pb2
chaincode_pb2: Any = _chaincode_pb2
shim_pb2: Any = _shim_pb2
proposal_pb2: Any = _proposal_pb2
proposal_response_pb2: Any = _proposal_response_pb2

Version = tuple[int, int]  # (block number, transaction number in the block), as kvrwset.Version


class WorldState:
    """Committed key -> (value, version); shared by every transaction, safe across threads."""

    def __init__(self) -> None:
        self._data: dict[str, tuple[bytes, Version]] = {}
        self._lock = threading.Lock()

    def read(self, key: str) -> tuple[bytes, Version] | None:
        with self._lock:
            return self._data.get(key)

    def scan(self, start: str, end: str) -> list[tuple[str, bytes]]:
        """Keys in [start, end) in order (UTF-8 byte order is code point order, so str order is Fabric's)."""
        with self._lock:
            return [(k, v) for k, (v, _) in sorted(self._data.items()) if start <= k and (not end or k < end)]

    def conflicts(self, reads: Mapping[str, Version | None]) -> list[str]:
        """Keys whose committed version is no longer the one the transaction read (None: it did not exist)."""
        with self._lock:
            return [k for k, seen in reads.items() if (self._data[k][1] if k in self._data else None) != seen]

    def apply(self, writes: Mapping[str, bytes | None], version: Version) -> None:
        with self._lock:
            for key, value in writes.items():
                if value is None:
                    self._data.pop(key, None)
                else:
                    self._data[key] = (value, version)

    def snapshot(self) -> dict[str, bytes]:
        with self._lock:
            return {k: v for k, (v, _) in self._data.items()}


@dataclass
class Simulation:
    """One transaction's peer side: answers the stub's `client` calls, buffering writes until commit."""

    state: WorldState
    reads: dict[str, Version | None] = field(default_factory=dict)
    writes: dict[str, bytes | None] = field(default_factory=dict)

    @staticmethod
    def _public_only(collection: str) -> None:
        if collection:
            raise NotImplementedError("private data collections are not simulated")

    async def handle_get_state(self, collection: str, key: str, channel_id: str, tx_id: str) -> bytes:
        self._public_only(collection)
        entry = self.state.read(key)
        self.reads.setdefault(key, entry[1] if entry else None)  # the first read's version is what is validated
        return entry[0] if entry else b""

    async def handle_put_state(self, collection: str, key: str, value: bytes, channel_id: str, tx_id: str) -> None:
        self._public_only(collection)
        if not key:
            raise ValueError("empty key")  # the peer refuses these too
        self.writes[key] = bytes(value)

    async def handle_delete_state(self, collection: str, key: str, channel_id: str, tx_id: str) -> None:
        self._public_only(collection)
        self.writes[key] = None

    async def handle_get_state_by_range(
        self, collection: str, start_key: str, end_key: str, channel_id: str, tx_id: str, metadata: Any = None
    ) -> Any:
        self._public_only(collection)
        response = shim_pb2.QueryResponse(has_more=False, id="range-0")
        for key, value in self.state.scan(start_key, end_key):
            kv = kv_pb2.KV(namespace="", key=key, value=value)
            response.results.add(resultBytes=kv.SerializeToString())
        return shim_pb2.ChaincodeMessage(type=shim_pb2.ChaincodeMessage.RESPONSE, payload=response.SerializeToString())

    async def handle_query_state_next(self, query_id: str, channel_id: str, tx_id: str) -> Any:
        raise NotImplementedError("every range is answered in one page")

    async def handle_query_state_close(self, query_id: str, channel_id: str, tx_id: str) -> Any:
        return shim_pb2.ChaincodeMessage(type=shim_pb2.ChaincodeMessage.RESPONSE)


def unsigned_proposal(
    args: Sequence[str],
    *,
    tx_id: str,
    channel_id: str,
    chaincode: str,
    timestamp: timestamp_pb2.Timestamp,
    creator: bytes,
) -> Any:
    """A SignedProposal whose signature is empty: what the stub decodes (creator, timestamp) without a gateway."""
    channel_header = common_pb2.ChannelHeader(
        type=common_pb2.ENDORSER_TRANSACTION, channel_id=channel_id, tx_id=tx_id, timestamp=timestamp
    )
    header = common_pb2.Header(
        channel_header=channel_header.SerializeToString(),
        signature_header=common_pb2.SignatureHeader(creator=creator, nonce=os.urandom(24)).SerializeToString(),
    )
    spec = chaincode_pb2.ChaincodeInvocationSpec(
        chaincode_spec=chaincode_pb2.ChaincodeSpec(
            chaincode_id=chaincode_pb2.ChaincodeID(name=chaincode),
            input=chaincode_pb2.ChaincodeInput(args=[a.encode("utf-8") for a in args]),
        )
    )
    payload = proposal_pb2.ChaincodeProposalPayload(input=spec.SerializeToString())
    proposal = proposal_pb2.Proposal(header=header.SerializeToString(), payload=payload.SerializeToString())
    return proposal_pb2.SignedProposal(proposal_bytes=proposal.SerializeToString())


def run_chaincode(
    chaincode: Any, simulation: Simulation, *, channel_id: str, tx_id: str, cc_input: Any, proposal: Any
) -> Any:
    """Invoke the chaincode as the shim's handler does for a TRANSACTION message; returns its protos.Response."""
    # Imported here, after ledger.chaincode (which made ``chaincode``) has imported the package without letting it
    # reconfigure the root logger.
    from fabric_chaincode_python.fabric_shim.stub import ChaincodeStub

    stub = ChaincodeStub(simulation, channel_id, tx_id, cc_input, proposal)
    return asyncio.run(chaincode.invoke(stub))


@dataclass(frozen=True)
class Outcome:
    response: Any  # protos.Response: status, message, payload
    simulation: Simulation

    @property
    def ok(self) -> bool:
        return 200 <= int(self.response.status) < 400  # the endorser's threshold

    @property
    def text(self) -> str:
        return bytes(self.response.payload).decode("utf-8") if self.ok else str(self.response.message)


class MemoryLedger:
    """A channel with one chaincode: transactions commit one per block when the chaincode succeeds, else vanish."""

    def __init__(self, chaincode: Any, *, channel_id: str = "zhifa", chaincode_name: str = "evidence-anchor") -> None:
        self.chaincode = chaincode
        self.channel_id = channel_id
        self.chaincode_name = chaincode_name
        self.state = WorldState()
        self.height = 0
        self.creator = identities_pb2.SerializedIdentity(mspid="Org1MSP", id_bytes=b"test").SerializeToString()

    def simulate(self, function: str, *args: str, tx_id: str | None = None, seconds: int = 1_700_000_000) -> Outcome:
        tx_id = tx_id or os.urandom(32).hex()
        every = [function, *args]
        proposal = unsigned_proposal(
            every,
            tx_id=tx_id,
            channel_id=self.channel_id,
            chaincode=self.chaincode_name,
            timestamp=timestamp_pb2.Timestamp(seconds=seconds, nanos=123_000_000),
            creator=self.creator,
        )
        simulation = Simulation(self.state)
        cc_input = chaincode_pb2.ChaincodeInput(args=[a.encode("utf-8") for a in every])
        response = run_chaincode(
            self.chaincode, simulation, channel_id=self.channel_id, tx_id=tx_id, cc_input=cc_input, proposal=proposal
        )
        return Outcome(response, simulation)

    def commit(self, simulation: Simulation) -> int:
        """Validate and apply; raises on an MVCC conflict (the transaction would be marked invalid)."""
        stale = self.state.conflicts(simulation.reads)
        if stale:
            raise RuntimeError(f"MVCC_READ_CONFLICT on {stale}")
        self.height += 1
        self.state.apply(simulation.writes, (self.height, 0))
        return self.height

    def invoke(self, function: str, *args: str, tx_id: str | None = None, seconds: int = 1_700_000_000) -> Outcome:
        """Submit: simulate, then commit when the chaincode succeeded; a failed transaction's writes are dropped."""
        outcome = self.simulate(function, *args, tx_id=tx_id, seconds=seconds)
        if outcome.ok:
            self.commit(outcome.simulation)
        return outcome
