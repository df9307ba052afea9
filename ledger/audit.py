"""`audit`: recompute the whole log from storage and check everything stored against it.

It trusts nothing the log kept about itself: every leaf is re-hashed from its stored JSON (which
must be canonical), the tree is rebuilt leaf by leaf (`merkle.CompactRange`), every stored subtree
hash is compared with the rebuilt one, every signed tree head is checked against the rebuilt root at
its size and against the public key, and every pair of consecutive anchors is checked for
consistency (RFC 9162 §2.1.4) with a proof read from storage — the proof a third party would get.
Given the chain's records (`ledger.chain_audit.read_chain`), the anchors are checked against the
chain too. One pass, memory bounded by the chunk size.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlmodel import Session

from ledger import merkle
from ledger.canonical import canonical_json
from ledger.chain_audit import ChainView, check_chain
from ledger.service import head_of
from ledger.signing import verify_head
from ledger.store import STRIDE, LedgerStore
from ledger.tables import LedgerTreeHead

CHUNK = 50_000
MAX_PROBLEMS = 100  # beyond this, count only: a wholesale rewrite need not print a million lines


@dataclass
class AuditReport:
    tree_size: int = 0
    leaves_checked: int = 0
    nodes_checked: int = 0
    heads_checked: int = 0
    anchors_checked: int = 0
    consistency_checked: int = 0
    chain_checked: int = 0  # anchors read back from the chain and compared
    problems: list[str] = field(default_factory=list)
    problem_count: int = 0

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def problem(self, text: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(text)


def audit(
    session: Session,
    store: LedgerStore,
    public_key: Ed25519PublicKey,
    progress: Callable[[int], None] | None = None,
    chunk: int = CHUNK,
    chain: ChainView | None = None,
) -> AuditReport:
    report = AuditReport(tree_size=store.size(session))
    heads = {row.tree_size: row for row in store.heads(session)}
    wanted = set(heads) | (chain.sizes() if chain is not None else set())  # the sizes whose roots are compared
    edge = merkle.CompactRange.empty()
    rebuilt: dict[merkle.Node, bytes] = {}
    roots: dict[int, bytes] = {}

    def completed(level: int, index: int, digest: bytes) -> None:
        if level % STRIDE == 0:
            rebuilt[(level, index)] = digest

    for start in range(0, report.tree_size, chunk):
        stop = min(start + chunk, report.tree_size)
        for index, text, stored_hash in store.leaves(session, start, stop):
            if index != edge.size:
                report.problem(f"leaf {edge.size} is missing (next stored leaf is {index})")
                return report  # the tree cannot be rebuilt past a hole
            _check_leaf(report, index, text, stored_hash)
            edge.append(merkle.leaf_hash(text.encode("utf-8")), completed)
            report.leaves_checked += 1
            if edge.size in wanted:
                roots[edge.size] = edge.root()
        if edge.size != stop:
            report.problem(f"leaves {edge.size}..{stop - 1} are missing")
            return report
        _check_nodes(report, session, store, rebuilt)
        rebuilt.clear()
        if progress is not None:
            progress(stop - start)
    _check_heads(report, heads, roots, public_key)
    _check_anchors(report, session, store, heads)
    if chain is not None:
        report.chain_checked = check_chain(report, chain, heads, roots, report.tree_size, public_key)
    return report


def _check_leaf(report: AuditReport, index: int, text: str, stored_hash: bytes) -> None:
    data = text.encode("utf-8")
    if merkle.leaf_hash(data) != stored_hash:
        report.problem(f"leaf {index}: stored leaf hash does not match its JSON")
    try:
        canonical = canonical_json(json.loads(text)) == data
    except ValueError:
        canonical = False
    if not canonical:
        report.problem(f"leaf {index}: stored JSON is not canonical")


def _check_nodes(report: AuditReport, session: Session, store: LedgerStore, rebuilt: dict[merkle.Node, bytes]) -> None:
    by_level: dict[int, list[int]] = {}
    for level, index in rebuilt:
        by_level.setdefault(level, []).append(index)
    for level, indexes in by_level.items():
        stored = store.stored_nodes(session, level, min(indexes), max(indexes) + 1)
        for index in indexes:
            report.nodes_checked += 1
            if stored.get(index) != rebuilt[(level, index)]:
                what = "missing" if index not in stored else "wrong"
                report.problem(f"stored subtree (level {level}, index {index}) is {what}")


def _check_heads(
    report: AuditReport, heads: dict[int, LedgerTreeHead], roots: dict[int, bytes], public_key: Ed25519PublicKey
) -> None:
    for size, row in sorted(heads.items()):
        report.heads_checked += 1
        if size > report.tree_size:
            report.problem(f"tree head {size} is larger than the log ({report.tree_size} leaves)")
            continue
        if roots.get(size, b"").hex() != row.root_hash:
            report.problem(f"tree head {size}: its root is not the root of the first {size} leaves")
        if not verify_head(head_of(row), public_key):
            report.problem(f"tree head {size}: the signature does not verify with the public key")


def _check_anchors(report: AuditReport, session: Session, store: LedgerStore, heads: dict[int, LedgerTreeHead]) -> None:
    sizes = sorted({anchor.tree_size for anchor in store.anchors(session)})
    report.anchors_checked = len(sizes)
    previous: LedgerTreeHead | None = None
    for size in sizes:
        head = heads.get(size)
        if head is None or size > report.tree_size:
            report.problem(f"anchor of tree size {size} has no tree head in the log")
            continue
        if previous is not None:
            proof = store.consistency_proof(session, previous.tree_size, size)
            old, new = bytes.fromhex(previous.root_hash), bytes.fromhex(head.root_hash)
            report.consistency_checked += 1
            if not merkle.verify_consistency(previous.tree_size, size, old, new, proof):
                report.problem(f"anchors {previous.tree_size} → {size}: the later tree does not extend the earlier")
        previous = head
