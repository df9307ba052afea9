"""The log's anchors checked against the chain itself (`zhifa ledger audit --chain`).

The tree audit (ledger/audit.py) proves the database agrees with itself. Someone who holds the
database and the log's signing key can still rebuild the whole log — new leaves, new subtrees,
re-signed heads, anchor rows copied over — and that audit would pass. What they cannot rewrite is
the chain. So this part reads back, from the chain, the record of every anchor the log says it made
and the chain's latest record for the log, and checks each against the tree rebuilt from the
database's leaves:

- every anchor row's transaction is on the chain, for that tree size;
- the chain's root at that size is the root of the first ``tree_size`` leaves as they are now (else
  the leaves were changed after anchoring), and its signature is the log's head signature;
- the chain knows no later anchor than the log's (else anchor rows, or whole leaves, were removed);
- a chain record is a whole signed tree head (size, root, timestamp, signature): it must verify with the
  log's public key on its own, so the chain proves what the log signed even where the log lost the head.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger.heads import SignedTreeHead
from ledger.signing import key_id, verify_head
from ledger.tables import LedgerAnchor, LedgerTreeHead


@dataclass(frozen=True)
class ChainRecord:
    """What the chain holds for one anchored head."""

    tree_size: int
    root_hash: str
    signature: str
    tx_id: str
    head_timestamp: int | None = None  # ms, as signed; None in records of chaincode before it kept it


@runtime_checkable
class ChainReader(Protocol):
    """A backend whose anchors can be read back (Fabric); the embedded backend has nothing outside the log."""

    name: str

    def chain_record(self, log_id: str, tree_size: int) -> ChainRecord | None: ...

    def latest_record(self, log_id: str) -> ChainRecord | None: ...


@dataclass
class ChainView:
    """The chain's records for a log's anchors, read before the tree is rebuilt (the sizes whose roots it needs)."""

    backend: str
    anchors: list[LedgerAnchor]  # the log's anchor rows on this backend
    log_id: str = ""
    records: dict[int, ChainRecord | None] = field(default_factory=dict)  # tree size -> the chain's record
    latest: ChainRecord | None = None

    def sizes(self) -> set[int]:
        sizes = {record.tree_size for record in self.records.values() if record is not None}
        return sizes | ({self.latest.tree_size} if self.latest is not None else set())


def read_chain(reader: ChainReader, log_id: str, anchors: list[LedgerAnchor]) -> ChainView:
    mine = [anchor for anchor in anchors if anchor.backend == reader.name]
    view = ChainView(backend=reader.name, anchors=mine, log_id=log_id)
    for size in sorted({anchor.tree_size for anchor in mine}):
        view.records[size] = reader.chain_record(log_id, size)
    view.latest = reader.latest_record(log_id)
    return view


class Problems(Protocol):
    def problem(self, text: str) -> None: ...


def check_chain(
    report: Problems,
    view: ChainView,
    heads: dict[int, LedgerTreeHead],
    roots: dict[int, bytes],
    tree_size: int,
    public_key: Ed25519PublicKey | None = None,
) -> int:
    """Report every disagreement between the chain and the log; returns how many chain records were checked."""
    checked = 0
    for anchor in view.anchors:
        size, where = anchor.tree_size, f"anchor of tree size {anchor.tree_size} (tx {anchor.tx_id})"
        record = view.records.get(size)
        if record is None:
            report.problem(f"{where}: the {view.backend} chain has no anchor at this size")
            continue
        checked += 1
        if record.tx_id != anchor.tx_id:
            report.problem(f"{where}: the chain's anchor at this size is transaction {record.tx_id}")
        _check_record(report, where, record, heads, roots, tree_size)
        _check_signed(report, where, record, public_key, view.log_id)
    latest = view.latest
    anchored = max((anchor.tree_size for anchor in view.anchors), default=0)
    if latest is not None and latest.tree_size > anchored:
        report.problem(
            f"the {view.backend} chain's latest anchor is tree size {latest.tree_size} (tx {latest.tx_id}), "
            f"later than any anchor the log records ({anchored}): anchor rows or leaves were removed"
        )
        where = f"chain anchor of tree size {latest.tree_size}"
        _check_record(report, where, latest, heads, roots, tree_size)
        _check_signed(report, where, latest, public_key, view.log_id)
        checked += 1
    return checked


def _check_record(
    report: Problems,
    where: str,
    record: ChainRecord,
    heads: dict[int, LedgerTreeHead],
    roots: dict[int, bytes],
    tree_size: int,
) -> None:
    if record.tree_size > tree_size:
        report.problem(f"{where}: the chain anchored {record.tree_size} leaves; the log holds {tree_size}")
        return
    if record.root_hash != roots.get(record.tree_size, b"").hex():
        report.problem(
            f"{where}: the chain's root {record.root_hash} is not the root of the log's first "
            f"{record.tree_size} leaves: they were changed after anchoring"
        )
    head = heads.get(record.tree_size)
    if head is None:
        report.problem(f"{where}: the log keeps no signed tree head of this size")
    elif head.signature != record.signature:
        report.problem(f"{where}: the chain holds another signature than the log's tree head of this size")


def _check_signed(
    report: Problems, where: str, record: ChainRecord, public_key: Ed25519PublicKey | None, log_id: str
) -> None:
    if record.head_timestamp is None or public_key is None:
        return  # an older record holds no timestamp: its signature is checked through the log's head above
    head = SignedTreeHead(
        log_id, record.tree_size, record.root_hash, record.head_timestamp, record.signature, key_id(public_key)
    )
    if not verify_head(head, public_key):
        report.problem(f"{where}: the head the chain holds is not signed by the log's key")
