"""RFC 9162 hashing and proofs: the Certificate Transparency test vectors, then properties (hypothesis)
against a reference written straight from the RFC's recursive definitions."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import merkle

# certificate-transparency merkle_tree_test.cc: kInputs, kSHA256Roots (root of the first i+1 inputs),
# kSHA256Paths ({1-based leaf, tree size, path}), kSHA256Proofs ({size1, size2, proof}).
INPUTS = [bytes.fromhex(h) for h in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                     "606162636465666768696a6b6c6d6e6f"]]  # fmt: skip
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
PATHS = [
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (3, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (2, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]  # fmt: skip
PROOFS = [
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]  # fmt: skip


# --- the reference: RFC 9162 §2.1.1, §2.1.3.1, §2.1.4.1 as written --------------------------------------


def ref_mth(leaves: list[bytes]) -> bytes:
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = merkle.split_point(len(leaves))
    return hashlib.sha256(b"\x01" + ref_mth(leaves[:k]) + ref_mth(leaves[k:])).digest()


def ref_path(m: int, leaves: list[bytes]) -> list[bytes]:
    if len(leaves) == 1:
        return []
    k = merkle.split_point(len(leaves))
    if m < k:
        return [*ref_path(m, leaves[:k]), ref_mth(leaves[k:])]
    return [*ref_path(m - k, leaves[k:]), ref_mth(leaves[:k])]


def ref_subproof(m: int, leaves: list[bytes], whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [ref_mth(leaves)]
    k = merkle.split_point(n)
    if m <= k:
        return [*ref_subproof(m, leaves[:k], whole), ref_mth(leaves[k:])]
    return [*ref_subproof(m - k, leaves[k:], False), ref_mth(leaves[:k])]


class Tree:
    """Every perfect subtree of a list of leaves, held in memory: the node source of these tests."""

    def __init__(self, leaves: list[bytes]) -> None:
        self.levels = [[merkle.leaf_hash(leaf) for leaf in leaves]]
        while len(self.levels[-1]) > 1:
            below = self.levels[-1]
            self.levels.append([merkle.node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)])

    def perfect(self, nodes: set[merkle.Node]) -> dict[merkle.Node, bytes]:
        return {(level, index): self.levels[level][index] for level, index in nodes}

    def inclusion(self, index: int, size: int) -> list[bytes]:
        plan = merkle.inclusion_plan(index, size)
        return merkle.build_proof(plan, self.perfect(merkle.nodes_for(plan)))

    def consistency(self, first: int, second: int) -> list[bytes]:
        plan = merkle.consistency_plan(first, second)
        return merkle.build_proof(plan, self.perfect(merkle.nodes_for(plan)))


def flip(data: bytes, position: int) -> bytes:
    at = position % len(data)
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


# --- vectors -----------------------------------------------------------------------------------------------


def test_hasher_vectors() -> None:
    # transparency-dev/merkle rfc6962_test.go
    assert merkle.EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert merkle.leaf_hash(b"L123456").hex() == "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"
    node = merkle.node_hash(b"N123", b"N456")
    assert node.hex() == "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"


@pytest.mark.parametrize("size", range(1, 9))
def test_root_vectors(size: int) -> None:
    leaves = [merkle.leaf_hash(data) for data in INPUTS[:size]]
    assert merkle.root_of(leaves).hex() == ROOTS[size - 1]


@pytest.mark.parametrize(("leaf", "size", "path"), PATHS)
def test_inclusion_vectors(leaf: int, size: int, path: list[str]) -> None:
    tree = Tree(INPUTS[:size])
    assert [h.hex() for h in tree.inclusion(leaf - 1, size)] == path
    root = bytes.fromhex(ROOTS[size - 1])
    proof = [bytes.fromhex(h) for h in path]
    assert merkle.verify_inclusion(leaf - 1, size, merkle.leaf_hash(INPUTS[leaf - 1]), proof, root)
    # the verifier's negative cases (MerkleVerifierTest): wrong index, size, leaf, root, path
    leaf_h = merkle.leaf_hash(INPUTS[leaf - 1])
    assert not merkle.verify_inclusion(leaf, size, leaf_h, proof, root)
    assert not merkle.verify_inclusion(leaf - 1, size * 2, leaf_h, proof, root)
    assert not merkle.verify_inclusion(leaf - 1, size, merkle.leaf_hash(b"WrongLeaf"), proof, root)
    assert not merkle.verify_inclusion(leaf - 1, size, leaf_h, proof, merkle.EMPTY_ROOT)
    assert not merkle.verify_inclusion(leaf - 1, size, leaf_h, [*proof, root], root)


@pytest.mark.parametrize(("first", "second", "proof"), PROOFS)
def test_consistency_vectors(first: int, second: int, proof: list[str]) -> None:
    tree = Tree(INPUTS[:second])
    assert [h.hex() for h in tree.consistency(first, second)] == proof
    hashes = [bytes.fromhex(h) for h in proof]
    r1, r2 = bytes.fromhex(ROOTS[first - 1]), bytes.fromhex(ROOTS[second - 1])
    assert merkle.verify_consistency(first, second, r1, r2, hashes)
    if first != second:
        assert not merkle.verify_consistency(first, second, r2, r1, hashes)
        assert not merkle.verify_consistency(first, second, r1, r2, hashes[:-1])


# --- properties ------------------------------------------------------------------------------------------


def leaves_of(size: int, salt: int) -> list[bytes]:
    return [b"leaf %d/%d" % (salt, i) for i in range(size)]


@pytest.mark.parametrize("size", range(1, 66))
def test_every_leaf_of_every_small_tree_matches_the_reference_and_verifies(size: int) -> None:
    leaves = leaves_of(size, size)
    tree = Tree(leaves)
    root = ref_mth(leaves)
    assert merkle.root_of([merkle.leaf_hash(leaf) for leaf in leaves]) == root
    for index in range(size):
        proof = tree.inclusion(index, size)
        assert proof == ref_path(index, leaves)
        assert merkle.verify_inclusion(index, size, merkle.leaf_hash(leaves[index]), proof, root)


@pytest.mark.parametrize("second", range(1, 40))
def test_consistency_between_any_two_small_sizes(second: int) -> None:
    leaves = leaves_of(second, 7)
    tree = Tree(leaves)
    second_root = ref_mth(leaves)
    for first in range(0, second + 1):
        proof = tree.consistency(first, second)
        if 0 < first < second:
            assert proof == ref_subproof(first, leaves, True)
        assert merkle.verify_consistency(first, second, ref_mth(leaves[:first]), second_root, proof)


@settings(max_examples=150, deadline=None)
@given(size=st.integers(1, 3000), data=st.data())
def test_inclusion_in_larger_trees_and_any_flipped_byte_fails(size: int, data: st.DataObject) -> None:
    leaves = leaves_of(size, 3)
    tree = Tree(leaves)
    root = tree_root(tree, size)
    index = data.draw(st.integers(0, size - 1))
    leaf = merkle.leaf_hash(leaves[index])
    proof = tree.inclusion(index, size)
    assert merkle.verify_inclusion(index, size, leaf, proof, root)
    position = data.draw(st.integers(0, 10_000))
    assert not merkle.verify_inclusion(index, size, flip(leaf, position), proof, root)
    assert not merkle.verify_inclusion(index, size, leaf, proof, flip(root, position))
    if proof:
        at = data.draw(st.integers(0, len(proof) - 1))
        broken = [*proof[:at], flip(proof[at], position), *proof[at + 1 :]]
        assert not merkle.verify_inclusion(index, size, leaf, broken, root)
    # the leaf's data too: a changed byte of what was logged changes its leaf hash
    assert not merkle.verify_inclusion(index, size, merkle.leaf_hash(flip(leaves[index], position)), proof, root)


@settings(max_examples=150, deadline=None)
@given(second=st.integers(2, 3000), data=st.data())
def test_consistency_in_larger_trees_and_any_flipped_byte_fails(second: int, data: st.DataObject) -> None:
    leaves = leaves_of(second, 5)
    tree = Tree(leaves)
    first = data.draw(st.integers(1, second - 1))
    r1, r2 = tree_root(tree, first), tree_root(tree, second)
    proof = tree.consistency(first, second)
    assert merkle.verify_consistency(first, second, r1, r2, proof)
    assert len(proof) <= 2 * second.bit_length()
    position = data.draw(st.integers(0, 10_000))
    at = data.draw(st.integers(0, len(proof) - 1))
    broken = [*proof[:at], flip(proof[at], position), *proof[at + 1 :]]
    assert not merkle.verify_consistency(first, second, r1, r2, broken)
    assert not merkle.verify_consistency(first, second, flip(r1, position), r2, proof)
    assert not merkle.verify_consistency(first, second, r1, flip(r2, position), proof)


def tree_root(tree: Tree, size: int) -> bytes:
    span = (0, size)
    return merkle.span_hash(span, tree.perfect(merkle.nodes_for([span])))


@settings(max_examples=100, deadline=None)
@given(size=st.integers(0, 5000))
def test_compact_range_reports_every_perfect_subtree_and_the_root(size: int) -> None:
    leaves = [merkle.leaf_hash(leaf) for leaf in leaves_of(size, 11)]
    tree = Tree(leaves_of(size, 11))
    compact = merkle.CompactRange.empty()
    seen: dict[merkle.Node, bytes] = {}
    for leaf in leaves:
        compact.append(leaf, lambda level, index, h: seen.__setitem__((level, index), h))
    expected = {(lv, i): h for lv, hashes in enumerate(tree.levels) if lv > 0 for i, h in enumerate(hashes)}
    assert seen == expected
    assert compact.root() == (tree_root(tree, size) if size else merkle.EMPTY_ROOT)
    assert compact.nodes() == merkle.perfect_cover((0, size)) if size else compact.nodes() == []


def test_proof_size_grows_with_log2() -> None:
    for size in (2**10, 2**20 + 1, 2**30 + 12345):
        assert len(merkle.inclusion_plan(size - 1, size)) <= size.bit_length()
        assert len(merkle.inclusion_plan(0, size)) == (size - 1).bit_length()


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError):
        merkle.inclusion_plan(5, 5)
    with pytest.raises(ValueError):
        merkle.consistency_plan(6, 5)
    assert not merkle.verify_inclusion(5, 5, merkle.EMPTY_ROOT, [], merkle.EMPTY_ROOT)
    assert not merkle.verify_consistency(6, 5, merkle.EMPTY_ROOT, merkle.EMPTY_ROOT, [])
    assert not merkle.verify_consistency(3, 5, merkle.EMPTY_ROOT, merkle.EMPTY_ROOT, [])
