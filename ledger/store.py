"""The log in the application database: append leaves, read proofs, keep signed heads and anchors.

One writer at a time: on PostgreSQL an append takes a transaction-scoped advisory lock, so the
leaf indexes of concurrent appends never collide and the tree only grows at its end. SQLite (the
embedded default) serialises writers itself; a loser of that race gets an IntegrityError on the leaf
index and `retrying` runs its unit of work again.

Appends read nothing back: each process keeps the tree's right edge (`merkle.CompactRange`) and
checks it against the newest stored leaf (size and hash) before trusting it, so a rolled-back or a
foreign append simply makes it reload. Proofs read the perfect subtrees they need in one query per
stored level (`perfect_hashes`).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ledger import merkle
from ledger.heads import AnchorRecord, SignedTreeHead
from ledger.leaves import Leaf
from ledger.tables import LedgerAnchor, LedgerLeaf, LedgerNode, LedgerTreeHead

STRIDE = 4  # ledger_node keeps levels 4, 8, 12 …; a proof recomputes at most 2^3 hashes per subtree
APPEND_LOCK = 0x7A68_6966_614C_4F47 & 0x7FFF_FFFF_FFFF_FFFF  # "zhifaLOG": the advisory lock of appends
INSERT_CHUNK = 5_000
COPY_LINES = 1000  # rows per write down the COPY stream
OPTIMISTIC_BATCH = 256  # entries; smaller appends look their keys up first (one cheap query)
LEAF_TABLE, NODE_TABLE = "ledger_leaf", "ledger_node"
LEAF_COLUMNS = ("leaf_index", "entry_key", "leaf", "leaf_hash", "kind", "sha256", "case_id", "recorded_at")
NODE_COLUMNS = ("level", "node_index", "hash")

T = TypeVar("T")


@dataclass(frozen=True)
class Entry:
    key: str  # what the leaf records: evidence/<id>, document/<id> …; unique in the log
    leaf: Leaf
    case_id: str | None = None  # the case to index the leaf under, when the leaf itself does not name it


class Appended(NamedTuple):  # a tuple: made once per leaf on the append path, where a dataclass costs 1 µs
    key: str
    leaf_index: int
    leaf_hash: bytes
    new: bool  # False: the key was in the log already (its first leaf is returned)


def retrying(work: Callable[[], T], attempts: int = 5) -> T:
    """Run a unit of work again when a concurrent append took the same leaf index (SQLite)."""
    for attempt in range(attempts):
        try:
            return work()
        except IntegrityError as exc:
            collided = "leaf_index" in str(exc) or "pk_ledger_leaf" in str(exc)
            if not collided or attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


class LedgerStore:
    """The log's reads and writes, inside the caller's session (its transaction is the caller's)."""

    def __init__(self) -> None:
        self._edge: merkle.CompactRange | None = None
        self._lock = threading.Lock()

    # --- writing ------------------------------------------------------------------------------------

    def append(self, session: Session, entries: Sequence[Entry]) -> list[Appended]:
        """Add the entries not yet in the log at its end; the caller commits. Same order as given."""
        if not entries:
            return []
        _lock_appends(session)
        if _postgres(session) and len(entries) >= OPTIMISTIC_BATCH:
            # Large batches are new leaves as a rule: append them without looking their keys up (a quarter
            # of the time at 10k per batch) and let the unique key say otherwise; then do it with the lookup.
            try:
                with session.begin_nested():
                    return self._append(session, entries, {})
            except Exception as exc:  # psycopg's UniqueViolation from the raw COPY, or SQLAlchemy's IntegrityError
                if "uq_ledger_leaf_entry_key" not in str(exc):
                    raise
        known = {
            key: Appended(key, index, digest, new=False)
            for key, index, digest in _existing(session, sorted({entry.key for entry in entries}))
        }
        return self._append(session, entries, known)

    def _append(self, session: Session, entries: Sequence[Entry], known: dict[str, Appended]) -> list[Appended]:
        edge = self._right_edge(session)
        node_rows: list[tuple[object, ...]] = []
        results: list[Appended] = []

        def keep(level: int, index: int, digest: bytes) -> None:
            if level % STRIDE == 0:
                node_rows.append((level, index, digest))

        def leaf_rows() -> Iterator[tuple[object, ...]]:
            # A generator: on PostgreSQL each row goes down the COPY stream as soon as it is hashed, so the
            # server files one row while Python hashes the next (two cores, both busy).
            for entry in entries:
                if entry.key in known:
                    results.append(known[entry.key])
                    continue
                text = entry.leaf.canonical()
                digest = merkle.leaf_hash(text)
                index = edge.size
                edge.append(digest, keep)
                known[entry.key] = Appended(entry.key, index, digest, new=True)
                results.append(known[entry.key])
                leaf = entry.leaf
                case_id = leaf.case_id or entry.case_id
                yield (index, entry.key, text.decode(), digest, leaf.kind, leaf.sha256, case_id, leaf.recorded_at)

        _insert(session, LEAF_TABLE, LEAF_COLUMNS, leaf_rows())
        _insert(session, NODE_TABLE, NODE_COLUMNS, node_rows)
        with self._lock:
            self._edge = edge
        return results

    def _right_edge(self, session: Session) -> merkle.CompactRange:
        """The right edge of the stored tree: the cached one when it still matches the newest leaf."""
        newest = session.exec(
            select(LedgerLeaf.leaf_index, LedgerLeaf.leaf_hash).order_by(col(LedgerLeaf.leaf_index).desc()).limit(1)
        ).first()
        size = 0 if newest is None else newest[0] + 1
        with self._lock:
            cached = self._edge
        if cached is not None and cached.size == size and (newest is None or cached.last_leaf == newest[1]):
            return merkle.CompactRange(cached.size, list(cached.hashes), cached.last_leaf)
        nodes = merkle.perfect_cover((0, size)) if size else []
        hashes = self.perfect_hashes(session, set(nodes))
        return merkle.CompactRange(size, [hashes[node] for node in nodes], newest[1] if newest else None)

    # --- reading -----------------------------------------------------------------------------------

    def size(self, session: Session) -> int:
        newest = session.exec(select(sa.func.max(LedgerLeaf.leaf_index))).one()
        return 0 if newest is None else int(newest) + 1

    def leaf(self, session: Session, index: int) -> LedgerLeaf | None:
        return session.get(LedgerLeaf, index)

    def leaves_with_hash(self, session: Session, sha256: str) -> list[LedgerLeaf]:
        """Every leaf recording a file of this SHA-256, oldest first."""
        stmt = select(LedgerLeaf).where(LedgerLeaf.sha256 == sha256).order_by(col(LedgerLeaf.leaf_index))
        return list(session.exec(stmt))

    def leaf_by_key(self, session: Session, key: str) -> LedgerLeaf | None:
        return session.exec(select(LedgerLeaf).where(LedgerLeaf.entry_key == key)).first()

    def perfect_hashes(self, session: Session, nodes: set[merkle.Node]) -> dict[merkle.Node, bytes]:
        """The hash of each perfect subtree, from the stored level at or below it."""
        wanted: dict[merkle.Node, tuple[int, int, int]] = {}
        by_level: dict[int, set[int]] = {}
        for level, index in nodes:
            base = level - level % STRIDE
            count = 1 << (level - base)
            first = index << (level - base)
            wanted[(level, index)] = (base, first, count)
            by_level.setdefault(base, set()).update(range(first, first + count))
        found = _stored_hashes(session, by_level)
        result: dict[merkle.Node, bytes] = {}
        for node, (base, first, count) in wanted.items():
            try:
                layer = [found[(base, i)] for i in range(first, first + count)]
            except KeyError as exc:
                raise LookupError(f"subtree {node} is not in the log (level {base}, index {exc})") from exc
            while len(layer) > 1:
                layer = [merkle.node_hash(layer[i], layer[i + 1]) for i in range(0, len(layer), 2)]
            result[node] = layer[0]
        return result

    def root(self, session: Session, size: int) -> bytes:
        if size == 0:
            return merkle.EMPTY_ROOT
        span = (0, size)
        return merkle.span_hash(span, self.perfect_hashes(session, merkle.nodes_for([span])))

    def inclusion_proof(self, session: Session, index: int, size: int) -> list[bytes]:
        plan = merkle.inclusion_plan(index, size)
        return merkle.build_proof(plan, self.perfect_hashes(session, merkle.nodes_for(plan)))

    def consistency_proof(self, session: Session, first: int, second: int) -> list[bytes]:
        plan = merkle.consistency_plan(first, second)
        return merkle.build_proof(plan, self.perfect_hashes(session, merkle.nodes_for(plan)))

    # --- tree heads and anchors ----------------------------------------------------------------------

    def add_head(self, session: Session, head: SignedTreeHead) -> LedgerTreeHead:
        existing = session.get(LedgerTreeHead, head.tree_size)
        if existing is not None:
            return existing  # one head per size: the first signed one stands
        row = LedgerTreeHead(
            tree_size=head.tree_size,
            log_id=head.log_id,
            root_hash=head.root_hash,
            timestamp=head.timestamp,
            signature=head.signature,
            key_id=head.key_id,
        )
        session.add(row)
        session.flush()
        return row

    def latest_head(self, session: Session) -> LedgerTreeHead | None:
        return session.exec(select(LedgerTreeHead).order_by(col(LedgerTreeHead.tree_size).desc()).limit(1)).first()

    def heads(self, session: Session) -> list[LedgerTreeHead]:
        return list(session.exec(select(LedgerTreeHead).order_by(col(LedgerTreeHead.tree_size))))

    def add_anchor(self, session: Session, tree_size: int, record: AnchorRecord) -> LedgerAnchor:
        existing = session.exec(
            select(LedgerAnchor).where(LedgerAnchor.tree_size == tree_size, LedgerAnchor.backend == record.backend)
        ).first()
        if existing is not None:
            return existing
        row = LedgerAnchor(
            tree_size=tree_size,
            backend=record.backend,
            tx_id=record.tx_id,
            block=record.block,
            anchored_at=record.anchored_at,
        )
        session.add(row)
        session.flush()
        return row

    def anchors(self, session: Session) -> list[LedgerAnchor]:
        return list(session.exec(select(LedgerAnchor).order_by(col(LedgerAnchor.tree_size))))

    def latest_anchor(self, session: Session) -> LedgerAnchor | None:
        return session.exec(select(LedgerAnchor).order_by(col(LedgerAnchor.tree_size).desc()).limit(1)).first()

    def first_anchor_covering(self, session: Session, leaf_index: int) -> LedgerAnchor | None:
        """The earliest anchor whose tree holds the leaf: the oldest proof that it existed."""
        return session.exec(
            select(LedgerAnchor)
            .where(LedgerAnchor.tree_size > leaf_index)
            .order_by(col(LedgerAnchor.tree_size), col(LedgerAnchor.anchor_id))
            .limit(1)
        ).first()

    def head(self, session: Session, tree_size: int) -> LedgerTreeHead | None:
        return session.get(LedgerTreeHead, tree_size)

    def leaves(self, session: Session, start: int, stop: int) -> Iterable[tuple[int, str, bytes]]:
        """(index, leaf JSON, leaf hash) for leaves [start, stop), in order: what an audit rereads."""
        return session.exec(
            select(LedgerLeaf.leaf_index, LedgerLeaf.leaf, LedgerLeaf.leaf_hash)
            .where(LedgerLeaf.leaf_index >= start, LedgerLeaf.leaf_index < stop)
            .order_by(col(LedgerLeaf.leaf_index))
        )

    def stored_nodes(self, session: Session, level: int, start: int, stop: int) -> dict[int, bytes]:
        rows = session.exec(
            select(LedgerNode.node_index, LedgerNode.hash).where(
                LedgerNode.level == level, LedgerNode.node_index >= start, LedgerNode.node_index < stop
            )
        )
        return dict(rows.all())


def _stored_hashes(session: Session, by_level: dict[int, set[int]]) -> dict[merkle.Node, bytes]:
    """Stored hashes by (level, index): level 0 from the leaves, the others from ledger_node."""
    leaves = sorted(by_level.get(0, ()))
    nodes = [(level, index) for level, indexes in by_level.items() if level for index in indexes]
    if _postgres(session):  # one round trip for the whole proof
        query = sa.text(
            "SELECT 0, leaf_index, leaf_hash FROM ledger_leaf WHERE leaf_index = ANY(:leaves) UNION ALL "
            "SELECT n.level, n.node_index, n.hash FROM ledger_node n "
            "JOIN unnest(CAST(:levels AS smallint[]), CAST(:indexes AS bigint[])) AS w(level, node_index) "
            "ON n.level = w.level AND n.node_index = w.node_index"
        )
        params = {"leaves": leaves, "levels": [lv for lv, _ in nodes], "indexes": [i for _, i in nodes]}
        return {(row[0], row[1]): row[2] for row in session.execute(query, params)}
    found: dict[merkle.Node, bytes] = {}
    for chunk in _chunks(leaves, 500):
        rows = session.execute(
            sa.select(col(LedgerLeaf.leaf_index), col(LedgerLeaf.leaf_hash)).where(
                col(LedgerLeaf.leaf_index).in_(chunk)
            )
        )
        found.update(((0, index), digest) for index, digest in rows)
    for level, indexes in by_level.items():
        for chunk in _chunks(sorted(indexes), 500) if level else ():
            rows = session.execute(
                sa.select(col(LedgerNode.node_index), col(LedgerNode.hash)).where(
                    col(LedgerNode.level) == level, col(LedgerNode.node_index).in_(chunk)
                )
            )
            found.update(((level, index), digest) for index, digest in rows)
    return found


def _existing(session: Session, keys: Sequence[str]) -> list[tuple[str, int, bytes]]:
    """(entry key, leaf index, leaf hash) of the keys already in the log."""
    columns = "SELECT entry_key, leaf_index, leaf_hash FROM ledger_leaf WHERE "
    if _postgres(session):  # one array parameter: 10k keys cost one index probe each, not 10k bind values
        rows = session.execute(sa.text(columns + "entry_key = ANY(:keys)"), {"keys": list(keys)})
        return [(row[0], row[1], row[2]) for row in rows]
    found: list[tuple[str, int, bytes]] = []
    for chunk in _chunks(keys, 500):
        query = sa.text(columns + "entry_key IN :keys").bindparams(sa.bindparam("keys", expanding=True))
        found.extend((row[0], row[1], row[2]) for row in session.execute(query, {"keys": list(chunk)}))
    return found


def _insert(session: Session, table: str, columns: Sequence[str], rows: Iterable[tuple[object, ...]]) -> None:
    """Insert rows: COPY on PostgreSQL (streamed as the rows are made), an executemany elsewhere."""
    if _postgres(session):
        raw: Any = session.connection().connection.driver_connection  # psycopg's, in this transaction
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            lines: list[str] = []
            for row in rows:
                lines.append("\t".join([_copy_text(value) for value in row]))
                if len(lines) == COPY_LINES:
                    copy.write("\n".join(lines) + "\n")
                    lines.clear()
            if lines:
                copy.write("\n".join(lines) + "\n")
        return
    statement = sa.table(table, *(sa.column(c) for c in columns)).insert()
    batch = [dict(zip(columns, row, strict=True)) for row in rows]
    for chunk in _chunks(batch, INSERT_CHUNK):
        session.execute(statement, chunk)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: object) -> str:
    """One field in COPY's text format (psycopg's write_row does the same in 1.5× the time)."""
    if isinstance(value, str):
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.translate(_COPY_ESCAPES)
        return value
    if isinstance(value, bytes):
        return "\\\\x" + value.hex()  # bytea's hex input, its backslash escaped for COPY
    if value is None:
        return "\\N"
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError("ledger times must be timezone-aware")
        return value.isoformat()
    return str(value)


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _lock_appends(session: Session) -> None:
    if _postgres(session):
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": APPEND_LOCK})


def _chunks(items: Sequence[T], size: int) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
