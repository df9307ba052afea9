"""EvidenceAnchorContract, driven as a peer drives it: function name and string args → the package's
ContractChaincode.invoke → the package's ChaincodeStub → the contract, with state in memory (memory_stub.py)."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import queue
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import grpc
import pytest
from fabric_protos.peer import chaincode_shim_pb2_grpc as _shim_grpc
from google.protobuf import timestamp_pb2

from ledger.chaincode import canonical_json, new_chaincode
from tests.ledger.memory_stub import (
    MemoryLedger,
    Simulation,
    chaincode_pb2,
    proposal_response_pb2,
    shim_pb2,
    unsigned_proposal,
)

shim_grpc: Any = _shim_grpc

ROOT_A = "a1" * 32
ROOT_B = "b2" * 32
SIG = base64.b64encode(bytes(range(64))).decode()
TS = "1795680000000"  # the head's own timestamp, ms: what its signature covers beside size and root
LOG = "zhifa-evidence"


@pytest.fixture
def ledger() -> MemoryLedger:
    return MemoryLedger(new_chaincode())


def test_anchor_stores_canonical_record_and_reads_back(ledger: MemoryLedger) -> None:
    outcome = ledger.invoke("anchor", LOG, "10", ROOT_A, SIG, TS, tx_id="tx-1", seconds=1_700_000_000)
    assert outcome.ok, outcome.text
    record = json.loads(outcome.text)
    assert record == {
        "log_id": LOG,
        "tree_size": 10,
        "root_hash": ROOT_A,
        "signature": SIG,
        "head_timestamp": int(TS),
        "tx_id": "tx-1",
        "tx_timestamp": "2023-11-14T22:13:20.123Z",  # the proposal's timestamp, not a clock on the peer
    }
    assert outcome.text == canonical_json(record)
    key = f"\x00anchor\x00{LOG}\x00{10:020d}\x00"
    assert ledger.state.snapshot()[key] == outcome.text.encode()

    assert ledger.simulate("get_anchor", LOG, "10").text == outcome.text
    assert ledger.simulate("latest", LOG).text == outcome.text


@pytest.mark.parametrize("root", [ROOT_A, ROOT_B], ids=["same-root", "different-root"])
def test_an_anchor_is_never_overwritten(ledger: MemoryLedger, root: str) -> None:
    first = ledger.invoke("anchor", LOG, "10", ROOT_A, SIG, TS, tx_id="tx-1")
    before = ledger.state.snapshot()

    again = ledger.invoke("anchor", LOG, "10", root, SIG, TS, tx_id="tx-2")

    assert not again.ok
    assert again.text.startswith("ANCHOR_EXISTS"), again.text
    assert again.simulation.writes == {}
    assert ledger.state.snapshot() == before
    assert ledger.simulate("get_anchor", LOG, "10").text == first.text


def test_concurrent_anchors_of_one_size_conflict_at_commit(ledger: MemoryLedger) -> None:
    # Both simulate before either commits, so neither sees the other; the contract's read of the key is what makes
    # the second one invalid instead of a silent overwrite.
    first = ledger.simulate("anchor", LOG, "10", ROOT_A, SIG, TS)
    second = ledger.simulate("anchor", LOG, "10", ROOT_B, SIG, TS)
    assert first.ok and second.ok
    ledger.commit(first.simulation)
    with pytest.raises(RuntimeError, match="MVCC_READ_CONFLICT"):
        ledger.commit(second.simulation)
    assert json.loads(ledger.simulate("get_anchor", LOG, "10").text)["root_hash"] == ROOT_A


def test_latest_only_moves_forward(ledger: MemoryLedger) -> None:
    assert ledger.invoke("anchor", LOG, "10", ROOT_A, SIG, TS).ok
    assert ledger.invoke("anchor", LOG, "5", ROOT_B, SIG, TS).ok  # a lower size anchored later

    assert json.loads(ledger.simulate("latest", LOG).text)["tree_size"] == 10
    assert json.loads(ledger.simulate("get_anchor", LOG, "5").text)["root_hash"] == ROOT_B

    assert ledger.invoke("anchor", LOG, "11", ROOT_B, SIG, TS).ok
    assert json.loads(ledger.simulate("latest", LOG).text)["tree_size"] == 11
    assert ledger.simulate("latest", "another-log").text.startswith("ANCHOR_NOT_FOUND")


def test_missing_anchor_is_not_found(ledger: MemoryLedger) -> None:
    assert ledger.invoke("anchor", LOG, "10", ROOT_A, SIG, TS).ok
    for args in (["get_anchor", LOG, "11"], ["get_anchor", "other", "10"], ["latest", "other"]):
        outcome = ledger.simulate(*args)
        assert not outcome.ok
        assert outcome.text.startswith("ANCHOR_NOT_FOUND"), outcome.text


def test_zero_padding_keeps_a_log_in_tree_size_order(ledger: MemoryLedger) -> None:
    for size in ("100", "9", "10", "0", "2"):
        assert ledger.invoke("anchor", LOG, size, ROOT_A, SIG, TS).ok
    assert ledger.invoke("anchor", LOG + "-2", "1", ROOT_A, SIG, TS).ok  # a log whose name extends LOG's

    async def scan() -> list[int]:
        stub = _stub(ledger)
        iterator = await stub.get_state_by_partial_composite_key("anchor", [LOG])
        return [json.loads(kv.value)["tree_size"] async for kv in iterator]

    assert asyncio.run(scan()) == [0, 2, 9, 10, 100]


def _stub(ledger: MemoryLedger) -> Any:
    from fabric_chaincode_python.fabric_shim.stub import ChaincodeStub

    return ChaincodeStub(Simulation(ledger.state), ledger.channel_id, "tx-scan", chaincode_pb2.ChaincodeInput(), None)


@pytest.mark.parametrize(
    ("log_id", "tree_size", "root", "signature"),
    [
        ("", "1", ROOT_A, SIG),
        ("a\x00b", "1", ROOT_A, SIG),
        ("a\U0010ffff", "1", ROOT_A, SIG),
        ("x" * 257, "1", ROOT_A, SIG),
        (LOG, "-1", ROOT_A, SIG),
        (LOG, "01", ROOT_A, SIG),
        (LOG, "+1", ROOT_A, SIG),
        (LOG, " 1", ROOT_A, SIG),
        (LOG, "1.0", ROOT_A, SIG),
        (LOG, "1_0", ROOT_A, SIG),
        (LOG, "１", ROOT_A, SIG),  # a full-width digit: int() would take it
        (LOG, "1" * 21, ROOT_A, SIG),
        (LOG, "", ROOT_A, SIG),
        (LOG, "1", ROOT_A.upper(), SIG),
        (LOG, "1", ROOT_A[:-1], SIG),
        (LOG, "1", ROOT_A + "0", SIG),
        (LOG, "1", "g" * 64, SIG),
        (LOG, "1", ROOT_A, ""),
        (LOG, "1", ROOT_A, "not base64!"),
        (LOG, "1", ROOT_A, SIG + "\n"),
        (LOG, "1", ROOT_A, "QUJD"[:3]),
        (LOG, "1", ROOT_A, "A" * 1028),
    ],
)
def test_invalid_input_is_refused_and_writes_nothing(
    ledger: MemoryLedger, log_id: str, tree_size: str, root: str, signature: str
) -> None:
    outcome = ledger.invoke("anchor", log_id, tree_size, root, signature, TS)
    assert not outcome.ok
    assert outcome.text.startswith("INVALID_ARGUMENT"), outcome.text
    assert outcome.simulation.writes == {}
    assert ledger.state.snapshot() == {}


@pytest.mark.parametrize("timestamp", ["", "-1", "01", "1.5", "1e3", "１", "1" * 21])
def test_a_head_timestamp_that_is_not_a_canonical_decimal_is_refused(ledger: MemoryLedger, timestamp: str) -> None:
    outcome = ledger.invoke("anchor", LOG, "1", ROOT_A, SIG, timestamp)
    assert not outcome.ok and outcome.text.startswith("INVALID_ARGUMENT: timestamp"), outcome.text
    assert ledger.state.snapshot() == {}


def test_missing_arguments_are_refused_by_the_dispatcher(ledger: MemoryLedger) -> None:
    outcome = ledger.invoke("anchor", LOG, "1", ROOT_A, SIG)  # a client from before the head's timestamp
    assert not outcome.ok
    assert "incorrect number of params" in outcome.text
    assert ledger.state.snapshot() == {}


def test_only_the_three_transactions_are_exposed(ledger: MemoryLedger) -> None:
    metadata = json.loads(ledger.simulate("org.hyperledger.fabric:get_metadata").text)
    transactions = {t["name"]: t["tag"] for t in metadata["contracts"]["EvidenceAnchorContract"]["transactions"]}
    assert set(transactions) == {"anchor", "get_anchor", "latest"}
    assert "SUBMIT" in transactions["anchor"]
    assert "EVALUATE" in transactions["get_anchor"] and "EVALUATE" in transactions["latest"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_the_chaincode_service_serves_a_peer() -> None:
    """`python -m ledger.chaincode` as deployed (chaincode-as-a-service): a peer dials it, registers it and runs an
    anchor transaction over the shim protocol, answering its GET_STATE/PUT_STATE requests from a dict."""
    port = _free_port()
    env = {**os.environ, "CHAINCODE_SERVER_ADDRESS": f"127.0.0.1:{port}", "CHAINCODE_ID": "evidence-anchor:0f1e"}
    service = subprocess.Popen(
        [sys.executable, "-m", "ledger.chaincode"],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    message = shim_pb2.ChaincodeMessage
    outbox: queue.Queue[Any] = queue.Queue()
    try:
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        grpc.channel_ready_future(channel).result(timeout=30)
        stream = shim_grpc.ChaincodeStub(channel).Connect(iter(outbox.get, None), timeout=30)
        register = next(stream)
        assert register.type == message.REGISTER
        assert chaincode_pb2.ChaincodeID.FromString(register.payload).name == "evidence-anchor:0f1e"
        outbox.put(message(type=message.REGISTERED))
        outbox.put(message(type=message.READY))

        args = ["anchor", LOG, "7", ROOT_A, SIG, TS]
        proposal = unsigned_proposal(
            args,
            tx_id="tx-ccaas",
            channel_id="zhifa",
            chaincode="evidence-anchor",
            timestamp=timestamp_pb2.Timestamp(seconds=1_700_000_000),
            creator=b"",
        )
        cc_input = chaincode_pb2.ChaincodeInput(args=[a.encode() for a in args])
        outbox.put(
            message(
                type=message.TRANSACTION,
                txid="tx-ccaas",
                channel_id="zhifa",
                payload=cc_input.SerializeToString(),
                proposal=proposal,
            )
        )
        state: dict[str, bytes] = {}
        for request in stream:
            reply = message(type=message.RESPONSE, txid=request.txid, channel_id=request.channel_id)
            if request.type == message.GET_STATE:
                reply.payload = state.get(shim_pb2.GetState.FromString(request.payload).key, b"")
            elif request.type == message.PUT_STATE:
                put = shim_pb2.PutState.FromString(request.payload)
                state[put.key] = put.value
            else:
                assert request.type == message.COMPLETED, request
                response = proposal_response_pb2.Response.FromString(request.payload)
                break
            outbox.put(reply)
        outbox.put(None)
        channel.close()
    finally:
        service.terminate()
        service.wait(timeout=10)

    assert response.status == 200, response.message
    record = json.loads(response.payload)
    assert (record["tree_size"], record["tx_id"], record["tx_timestamp"]) == (7, "tx-ccaas", "2023-11-14T22:13:20Z")
    assert state[f"\x00anchor\x00{LOG}\x00{7:020d}\x00"] == response.payload
