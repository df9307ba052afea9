"""The log as tiles (c2sp.org/tlog-tiles): what Go's checksum database, Sigstore's and Tessera's logs serve.

A tile at level L, index N is 256 consecutive Merkle tree hashes at tree height 8·L (level 0: leaf hashes),
32 bytes each; the rightmost tiles of a tree are partial (``.p/W``: its first W hashes). An entry bundle is
the leaves of a level-0 tile, each a big-endian uint16 length and the leaf's bytes (its canonical JSON).
With the checkpoint, a client builds any inclusion or consistency proof itself, so monitors and witnesses
written for those logs watch this one unchanged.

The store already keeps what tiles need: leaf hashes, and the hash of every complete subtree at a level
divisible by 4 (ledger/store.py's STRIDE), so heights 8, 16, … are read, never recomputed. A tile only covers
complete subtrees, so its bytes never change once served: full and partial tiles alike are immutable.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

from sqlmodel import Session

from ledger.store import STRIDE, LedgerStore

HEIGHT = 8
WIDTH = 1 << HEIGHT
MAX_LEVEL = 63

assert HEIGHT % STRIDE == 0  # the tiles' levels are stored levels

_ELEMENT = re.compile(r"x\d{3}")
_LAST = re.compile(r"\d{3}")
_DECIMAL = re.compile(r"0|[1-9]\d*")


class TileNotFound(LookupError):
    """A malformed tile path, or a tile the tree does not have (yet)."""


@dataclass(frozen=True)
class TileRef:
    level: int | None  # None: an entry bundle (whose hashes are the level-0 tile's)
    index: int
    width: int  # WIDTH for a full tile, 1..255 for a partial one

    @property
    def height(self) -> int:
        return HEIGHT * (self.level or 0)

    def needs(self) -> int:
        """The smallest tree size that has every hash of this tile."""
        return (self.index * WIDTH + self.width) << self.height

    def path(self) -> str:
        level = "entries" if self.level is None else str(self.level)
        return f"tile/{level}/{encode_index(self.index)}" + ("" if self.width == WIDTH else f".p/{self.width}")


def encode_index(index: int) -> str:
    """1234067 → x001/x234/067: zero-padded 3-digit elements, all but the last prefixed with x."""
    digits = f"{index:d}"
    digits = digits.zfill(-(-len(digits) // 3) * 3)
    elements = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    return "/".join([*(f"x{e}" for e in elements[:-1]), elements[-1]])


def parse_tile_path(path: str) -> TileRef:
    """``<L>/<N>[.p/<W>]`` or ``entries/<N>[.p/<W>]`` (what follows ``<prefix>/tile/``)."""
    parts = path.split("/")
    if len(parts) < 2:
        raise TileNotFound(f"not a tile path: {path!r}")
    level: int | None
    if parts[0] == "entries":
        level = None
    elif _DECIMAL.fullmatch(parts[0]) and int(parts[0]) <= MAX_LEVEL:
        level = int(parts[0])
    else:
        raise TileNotFound(f"tile level {parts[0]!r} is not 0..{MAX_LEVEL} or 'entries'")
    rest, width = parts[1:], WIDTH
    if len(rest) >= 2 and rest[-2].endswith(".p"):
        if not _DECIMAL.fullmatch(rest[-1]) or not 1 <= int(rest[-1]) < WIDTH:
            raise TileNotFound(f"partial tile width {rest[-1]!r} is not 1..{WIDTH - 1}")
        width = int(rest[-1])
        rest = [*rest[:-2], rest[-2].removesuffix(".p")]
    *leading, last = rest
    if not all(_ELEMENT.fullmatch(e) for e in leading) or not _LAST.fullmatch(last):
        raise TileNotFound(f"tile index {'/'.join(rest)!r} is not x-prefixed 3-digit elements")
    index = int("".join(e[1:] for e in leading) + last)
    if encode_index(index) != "/".join(rest):  # the one spelling: no extra leading elements
        raise TileNotFound(f"tile index {'/'.join(rest)!r} is not in its canonical form {encode_index(index)!r}")
    return TileRef(level, index, width)


def _require(ref: TileRef, tree_size: int) -> None:
    if ref.needs() > tree_size:
        raise TileNotFound(f"{ref.path()} needs a tree of {ref.needs()} entries; this one has {tree_size}")


def read_tile(session: Session, store: LedgerStore, ref: TileRef, tree_size: int) -> bytes:
    """The tile's hashes, concatenated; TileNotFound when the tree of ``tree_size`` does not have them all."""
    _require(ref, tree_size)
    start, stop = ref.index * WIDTH, ref.index * WIDTH + ref.width
    if ref.height == 0:
        hashes = {index: digest for index, _, digest in store.leaves(session, start, stop)}
    else:
        hashes = store.stored_nodes(session, ref.height, start, stop)
    if len(hashes) != ref.width:  # pragma: no cover - the store keeps every complete subtree at these levels
        raise RuntimeError(f"{ref.path()}: the store holds {len(hashes)} of its {ref.width} hashes")
    return b"".join(bytes(hashes[index]) for index in range(start, stop))


def read_entries(session: Session, store: LedgerStore, ref: TileRef, tree_size: int) -> bytes:
    """The entry bundle: each leaf of the level-0 tile as a big-endian uint16 length and its canonical JSON."""
    _require(ref, tree_size)
    start = ref.index * WIDTH
    out = bytearray()
    for _, text, _ in store.leaves(session, start, start + ref.width):
        data = text.encode("utf-8")
        out += struct.pack(">H", len(data)) + data
    return bytes(out)
