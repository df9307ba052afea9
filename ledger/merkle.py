"""RFC 9162 Merkle trees (Certificate Transparency 2.0 §2.1): hashing, proofs and their verification.

Hashing keeps RFC 6962's domain separation, so a leaf can never pass for an interior node:
``leaf = SHA-256(0x00 ‖ data)``, ``node = SHA-256(0x01 ‖ left ‖ right)``, and the tree of n leaves
splits at k, the largest power of two below n (§2.1.1).

Proofs are built in two steps so that a store can serve them with one query: a *plan* lists the
subtrees (leaf ranges) whose hashes the proof carries, in order (`inclusion_plan`,
`consistency_plan`); each range is the union of a few *perfect* subtrees (`perfect_cover`), and
only perfect subtree hashes are ever stored or fetched. `build_proof` folds fetched perfect hashes
into the proof. The verifiers (`verify_inclusion`, `verify_consistency`) are §2.1.3.2 and §2.1.4.2
word for word and need nothing but hashes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()  # MTH({}) (§2.1.1)

Node = tuple[int, int]  # a perfect subtree: (level, index) covers leaves [index·2^level, (index+1)·2^level)
Span = tuple[int, int]  # a leaf range [start, end)


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def split_point(n: int) -> int:
    """k: the largest power of two smaller than n (n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH of a whole list of leaf hashes (§2.1.1), bottom-up."""
    if not leaf_hashes:
        return EMPTY_ROOT
    return CompactRange.of(leaf_hashes).root()


# --- plans: which subtrees a proof carries ----------------------------------------------------------


def inclusion_plan(index: int, size: int) -> list[Span]:
    """The ranges whose hashes form PATH(index, D[size]) (§2.1.3.1), leaf side first."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of size {size}")
    path: list[Span] = []
    start, end = 0, size
    while end - start > 1:
        k = split_point(end - start)
        if index - start < k:
            path.append((start + k, end))
            end = start + k
        else:
            path.append((start, start + k))
            start += k
    path.reverse()
    return path


def consistency_plan(first: int, second: int) -> list[Span]:
    """The ranges whose hashes form PROOF(first, D[second]) (§2.1.4.1)."""
    if not 0 <= first <= second:
        raise ValueError(f"no consistency proof from size {first} to size {second}")
    if first in (0, second):
        return []
    proof: list[Span] = []
    start, end, whole = 0, second, True  # ``whole``: SUBPROOF's b (the old tree is the whole subtree)
    m = first
    while m != end - start:
        k = split_point(end - start)
        if m <= k:
            proof.append((start + k, end))
            end = start + k
        else:
            proof.append((start, start + k))
            m -= k
            start += k
            whole = False
    if not whole:
        proof.append((start, end))
    proof.reverse()
    return proof


def perfect_cover(span: Span) -> list[Node]:
    """The perfect subtrees that make up a range of the RFC's recursion, left to right.

    Every range a plan yields starts at a multiple of its left part's size, so greedy largest-first
    decomposition gives exactly the subtrees of the RFC's split."""
    start, end = span
    if not 0 <= start < end:
        raise ValueError(f"empty or negative range {span}")
    nodes: list[Node] = []
    while start < end:
        level = min((start & -start).bit_length() - 1 if start else 63, (end - start).bit_length() - 1)
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def span_hash(span: Span, perfect: Mapping[Node, bytes]) -> bytes:
    """MTH of a range from its perfect subtrees (the right edge of a range is folded right to left)."""
    hashes = [perfect[node] for node in perfect_cover(span)]
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def nodes_for(plan: Iterable[Span]) -> set[Node]:
    """Every perfect subtree a plan needs: what a store fetches in one query."""
    return {node for span in plan for node in perfect_cover(span)}


def build_proof(plan: Sequence[Span], perfect: Mapping[Node, bytes]) -> list[bytes]:
    return [span_hash(span, perfect) for span in plan]


# --- verification (§2.1.3.2, §2.1.4.2) -------------------------------------------------------------


def root_from_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes]) -> bytes | None:
    """The root an inclusion proof leads to; None when the proof has the wrong shape."""
    if not 0 <= index < size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def verify_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes], root: bytes) -> bool:
    """Does ``path`` prove that ``leaf`` (a leaf *hash*) is leaf ``index`` of the tree ``root`` of ``size``?"""
    return root_from_inclusion(index, size, leaf, path) == root


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]) -> bool:
    """Does ``proof`` show that the tree of ``first`` leaves is a prefix of the tree of ``second``?"""
    if not 0 <= first <= second:
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof  # the empty tree is a prefix of every tree
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:  # an exact power of two: the old root is itself a node of the new tree
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0


# --- the right edge of a growing tree ---------------------------------------------------------------


@dataclass
class CompactRange:
    """The perfect subtrees along the right edge of a tree of ``size`` leaves (one per set bit of size).

    Appending a leaf completes some perfect subtrees; `append` reports each one, so a store can keep
    the subtrees it wants (every level, or every few levels) without ever reading the tree back."""

    size: int
    hashes: list[bytes]  # largest subtree first
    last_leaf: bytes | None = None  # the newest leaf hash: lets a store check the range is still its own

    @classmethod
    def empty(cls) -> CompactRange:
        return cls(0, [])

    @classmethod
    def of(cls, leaf_hashes: Iterable[bytes]) -> CompactRange:
        compact = cls.empty()
        for leaf in leaf_hashes:
            compact.append(leaf)
        return compact

    def nodes(self) -> list[Node]:
        """The (level, index) of each hash in ``hashes``."""
        nodes: list[Node] = []
        start = 0
        for level in range(self.size.bit_length() - 1, -1, -1):
            if self.size >> level & 1:
                nodes.append((level, start >> level))
                start += 1 << level
        return nodes

    def append(self, leaf: bytes, completed: Callable[[int, int, bytes], None] | None = None) -> None:
        """Add a leaf hash; ``completed(level, index, hash)`` hears of every perfect subtree it closes."""
        index = self.size
        self.last_leaf = leaf
        self.hashes.append(leaf)
        self.size += 1
        level = 0
        while index & 1:  # each trailing 1 bit of the old size is a subtree the new leaf completes
            right = self.hashes.pop()
            left = self.hashes.pop()
            self.hashes.append(node_hash(left, right))
            index >>= 1
            level += 1
            if completed is not None:
                completed(level, index, self.hashes[-1])

    def root(self) -> bytes:
        if not self.hashes:
            return EMPTY_ROOT
        result = self.hashes[-1]
        for left in reversed(self.hashes[:-1]):
            result = node_hash(left, result)
        return result
