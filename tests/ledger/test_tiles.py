"""c2sp.org/tlog-tiles from the stored log: paths, widths, and hashes that rebuild the tree.

A log of 70,000 entries is the spec's own example: 273 full level-0 tiles and a partial one of width 112, one
full level-1 tile and a partial one of width 17, a partial level-2 tile of width 1. The tiles are checked the
way a client uses them: each hash of a level-n tile is the Merkle tree hash of a full tile below, and the
level-0 tiles together give the log's root.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from core.db import make_engine, migrate
from ledger import merkle
from ledger.store import LedgerStore
from ledger.tiles import WIDTH, TileNotFound, TileRef, encode_index, parse_tile_path, read_entries, read_tile
from tests.conftest import temporary_schema
from tests.ledger.test_store import append, entry

SIZE = 70_000
pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def log(pg_admin_url: str) -> Iterator[tuple[Engine, LedgerStore]]:
    """70,000 entries in a PostgreSQL schema of their own, shared by this module's tests (reads only)."""
    with temporary_schema(pg_admin_url) as url:
        migrate(url)
        engine = make_engine(url)
        store = LedgerStore()
        for start in range(0, SIZE, 10_000):
            append(engine, store, [entry(n) for n in range(start, start + 10_000)])
        try:
            yield engine, store
        finally:
            engine.dispose()


def hashes(data: bytes) -> list[bytes]:
    assert len(data) % 32 == 0
    return [data[i : i + 32] for i in range(0, len(data), 32)]


@pytest.mark.parametrize(("index", "path"), [(0, "000"), (67, "067"), (1000, "x001/000"), (1234067, "x001/x234/067")])
def test_indexes_are_spelled_in_three_digit_elements(index: int, path: str) -> None:
    assert encode_index(index) == path
    assert parse_tile_path(f"2/{path}") == TileRef(2, index, WIDTH)
    assert parse_tile_path(f"entries/{path}.p/9") == TileRef(None, index, 9)


@pytest.mark.parametrize(
    "path",
    ["0", "0/67", "0/x1/067", "0/x000/067", "0/1234", "01/000", "64/000", "a/000", "0/000.p/0", "0/000.p/256",
     "0/000.p/01", "0/000.p", "entries", "0/x001"],
)  # fmt: skip
def test_malformed_paths_are_not_tiles(path: str) -> None:
    with pytest.raises(TileNotFound):
        parse_tile_path(path)


def test_the_specs_example_of_seventy_thousand_entries(log: tuple[Engine, LedgerStore]) -> None:
    engine, store = log
    with Session(engine) as session:
        assert store.size(session) == SIZE

        def tile(path: str) -> list[bytes]:
            return hashes(read_tile(session, store, parse_tile_path(path), SIZE))

        level0 = [tile(f"0/{encode_index(n)}") for n in range(273)] + [tile("0/273.p/112")]
        level1 = tile("1/000")
        assert [len(t) for t in level0] == [WIDTH] * 273 + [112] and len(level1) == WIDTH
        leaves = [digest for t in level0 for digest in t]
        assert merkle.root_of(leaves) == store.root(session, SIZE)  # the level-0 tiles are the whole tree
        assert leaves[:3] == [row[2] for row in store.leaves(session, 0, 3)]
        for n in range(WIDTH):  # a level-1 hash is the tree hash of a full level-0 tile
            assert level1[n] == merkle.root_of(level0[n])
        assert tile("1/000.p/17") == level1[:17]  # a partial read of a full tile: its first hashes
        partial1 = tile("1/001.p/17")
        assert partial1 == [merkle.root_of(level0[n]) for n in range(256, 273)]
        assert tile("2/000.p/1") == [merkle.root_of(level1)]


@pytest.mark.parametrize("path", ["0/273", "0/273.p/113", "1/001", "2/000", "3/000.p/1"])
def test_tiles_the_tree_does_not_have_yet_are_not_found(log: tuple[Engine, LedgerStore], path: str) -> None:
    engine, store = log
    with Session(engine) as session, pytest.raises(TileNotFound, match="needs a tree of"):
        read_tile(session, store, parse_tile_path(path), SIZE)


def test_an_entry_bundle_holds_the_leaves_that_hash_to_its_tile(log: tuple[Engine, LedgerStore]) -> None:
    engine, store = log
    with Session(engine) as session:
        for path in ("entries/005", "entries/273.p/112"):
            ref = parse_tile_path(path)
            bundle = read_entries(session, store, ref, SIZE)
            level0 = hashes(read_tile(session, store, TileRef(0, ref.index, ref.width), SIZE))
            entries, offset = [], 0
            while offset < len(bundle):
                (length,) = struct.unpack_from(">H", bundle, offset)
                entries.append(bundle[offset + 2 : offset + 2 + length])
                offset += 2 + length
            assert len(entries) == ref.width
            assert [merkle.leaf_hash(data) for data in entries] == level0
