"""The log in the real database: appends, proofs from storage, append-only enforcement, receipts, anchors."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError
from sqlmodel import Session

from ledger import merkle
from ledger.embedded import EmbeddedAnchorBackend
from ledger.heads import AnchorError, AnchorRecord, SignedTreeHead
from ledger.leaves import Leaf
from ledger.receipts import verify_receipt
from ledger.service import Ledger, anchor_once, head_of
from ledger.signing import LogSigner, verify_head
from ledger.store import Entry, LedgerStore, retrying
from ledger.tables import APPEND_ONLY_TABLES

T0 = dt.datetime(2026, 11, 26, 8, 0, tzinfo=dt.UTC)


def entry(n: int, case_id: str = "C-1") -> Entry:
    data = b"evidence %d" % n
    leaf = Leaf("photo", hashlib.sha256(data).hexdigest(), len(data), case_id, T0, T0 + dt.timedelta(seconds=n))
    return Entry(f"evidence/{n}", leaf)


def append(engine: Engine, store: LedgerStore, entries: list[Entry]) -> None:
    with Session(engine) as session:
        store.append(session, entries)
        session.commit()


def test_appends_give_the_same_tree_as_memory_and_proofs_verify(ledger_db: Engine) -> None:
    store = LedgerStore()
    entries = [entry(n) for n in range(300)]
    for start in range(0, 300, 37):  # uneven batches cross every stored level's boundaries
        append(ledger_db, store, entries[start : start + 37])
    hashes = [e.leaf.hash() for e in entries]
    with Session(ledger_db) as session:
        assert store.size(session) == 300
        for size in (1, 2, 16, 17, 255, 256, 257, 300):
            root = store.root(session, size)
            assert root == merkle.root_of(hashes[:size])
            for index in {0, size // 2, size - 1}:
                proof = store.inclusion_proof(session, index, size)
                assert merkle.verify_inclusion(index, size, hashes[index], proof, root)
        for first, second in ((1, 300), (16, 256), (100, 257), (255, 300), (300, 300)):
            proof = store.consistency_proof(session, first, second)
            assert merkle.verify_consistency(
                first, second, store.root(session, first), store.root(session, second), proof
            )


def test_the_same_entry_twice_is_one_leaf(ledger_db: Engine) -> None:
    store = LedgerStore()
    with Session(ledger_db) as session:
        first = store.append(session, [entry(1), entry(2)])
        session.commit()
        again = store.append(session, [entry(2), entry(3), entry(3)])
        session.commit()
        assert [a.new for a in first] == [True, True]
        assert [(a.leaf_index, a.new) for a in again] == [(1, False), (2, True), (2, True)]
        assert store.size(session) == 3


def test_a_rolled_back_append_leaves_no_trace_and_the_next_one_fits(ledger_db: Engine) -> None:
    store = LedgerStore()
    append(ledger_db, store, [entry(n) for n in range(20)])
    with Session(ledger_db) as session:
        store.append(session, [entry(n) for n in range(20, 40)])
        session.rollback()  # the cached right edge now runs ahead of the database
    other = LedgerStore()  # another process appends meanwhile
    append(ledger_db, other, [entry(n) for n in range(100, 103)])
    append(ledger_db, store, [entry(n) for n in range(40, 45)])
    expected = [entry(n).leaf.hash() for n in [*range(20), 100, 101, 102, *range(40, 45)]]
    with Session(ledger_db) as session:
        assert store.size(session) == len(expected)
        assert store.root(session, len(expected)) == merkle.root_of(expected)


@pytest.mark.parametrize("table", APPEND_ONLY_TABLES)
def test_the_database_refuses_to_change_or_delete_a_log_row(ledger_db: Engine, table: str) -> None:
    store = LedgerStore()
    signer = LogSigner.generate()
    ledger = Ledger(store, signer, "test-log")
    append(ledger_db, store, [entry(n) for n in range(16)])  # 16 leaves: one stored level-4 node
    assert anchor_once(ledger_db, ledger, EmbeddedAnchorBackend()) is not None
    column = {"ledger_leaf": "kind", "ledger_node": "hash", "ledger_tree_head": "root_hash", "ledger_anchor": "tx_id"}
    value = b"x" if table == "ledger_node" else "x"
    with ledger_db.connect() as conn:
        assert conn.execute(sa.text(f"select count(*) from {table}")).scalar_one() >= 1
        with pytest.raises(DatabaseError, match="append-only"):
            conn.execute(sa.text(f"update {table} set {column[table]} = :v"), {"v": value})
        conn.rollback()
        with pytest.raises(DatabaseError, match="append-only"):
            conn.execute(sa.text(f"delete from {table}"))
        conn.rollback()
        if ledger_db.dialect.name == "postgresql":
            with pytest.raises(DatabaseError, match="append-only"):
                conn.execute(sa.text(f"truncate {table} cascade"))
            conn.rollback()
    with Session(ledger_db) as session:
        assert store.size(session) == 16
        assert store.root(session, 16) == merkle.root_of([entry(n).leaf.hash() for n in range(16)])


def test_concurrent_appends_never_collide(pg_ledger_db: Engine) -> None:
    stores = [LedgerStore() for _ in range(4)]
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for batch in range(10):
                batch_entries = [entry(worker * 1000 + batch * 10 + i) for i in range(10)]
                retrying(functools.partial(append, pg_ledger_db, stores[worker], batch_entries))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with Session(pg_ledger_db) as session:
        rows = session.execute(sa.text("select leaf_index, leaf_hash from ledger_leaf order by leaf_index")).all()
        assert [r[0] for r in rows] == list(range(400))
        assert LedgerStore().root(session, 400) == merkle.root_of([r[1] for r in rows])


def test_receipt_verifies_offline_and_upgrades_to_anchored(ledger_db: Engine, tmp_path: Path) -> None:
    store, signer = LedgerStore(), LogSigner.generate()
    ledger = Ledger(store, signer, "test-log")
    data = b"\xff\xd8\xff photo bytes"
    leaf = Leaf("photo", hashlib.sha256(data).hexdigest(), len(data), "C-9", T0, T0)
    append(ledger_db, store, [entry(n) for n in range(5)])
    with Session(ledger_db) as session:
        store.append(session, [Entry("evidence/photo", leaf)])
        session.commit()
        row = store.leaf_by_key(session, "evidence/photo")
        assert row is not None
        pending = ledger.receipt(session, row)
        session.commit()
    assert pending["anchor"] is None and pending["tree_size"] == 6
    file = tmp_path / "photo.jpg"
    file.write_bytes(data)
    assert verify_receipt(pending, signer.public_key, file).ok
    append(ledger_db, store, [entry(n) for n in range(10, 20)])
    outcome = anchor_once(ledger_db, ledger, EmbeddedAnchorBackend())
    assert outcome is not None and outcome.tree_size == 16
    with Session(ledger_db) as session:
        row = store.leaf_by_key(session, "evidence/photo")
        assert row is not None
        anchored = ledger.receipt(session, row)
    assert anchored["anchor"]["backend"] == "embedded" and anchored["tree_size"] == 16
    result = verify_receipt(anchored, signer.public_key, file)
    assert result.ok and result.anchored
    assert any(check.name == "tlog_proof" and check.ok for check in result.checks)  # the C2SP form agrees
    legacy = {name: value for name, value in anchored.items() if name != "tlog_proof"}
    assert verify_receipt(legacy, signer.public_key, file).ok  # receipts issued before it still verify
    # tampering: the file, the leaf, the path, the root, the signature, the key
    file.write_bytes(data + b"!")
    assert not verify_receipt(anchored, signer.public_key, file).ok
    mutations: list[Callable[[dict[str, Any]], object]] = [
        lambda r: r["leaf"].__setitem__("case_id", "C-10"),
        lambda r: r["audit_path"].__setitem__(0, "00" * 32),
        lambda r: r.__setitem__("root_hash", "11" * 32),
        lambda r: r["signed_tree_head"].__setitem__("timestamp", r["signed_tree_head"]["timestamp"] + 1),
        lambda r: r.__setitem__("leaf_index", r["leaf_index"] + 1),
        lambda r: r.__setitem__("tlog_proof", r["tlog_proof"].replace("index ", "index 1")),  # another entry
        lambda r: r.__setitem__("tlog_proof", pending["tlog_proof"]),  # verifies, but of the tree of 6
        lambda r: r.__setitem__("tlog_proof", 42),
    ]
    for mutate in mutations:
        broken = json.loads(json.dumps(anchored))
        mutate(broken)
        assert not verify_receipt(broken, signer.public_key).ok
    assert not verify_receipt(anchored, LogSigner.generate().public_key).ok
    assert not verify_receipt({"format": "other"}, signer.public_key).ok


def test_anchor_once_anchors_only_what_is_new_and_heads_are_signed(ledger_db: Engine) -> None:
    store, signer = LedgerStore(), LogSigner.generate()
    ledger = Ledger(store, signer, "test-log")
    backend = EmbeddedAnchorBackend()
    assert anchor_once(ledger_db, ledger, backend) is None  # an empty log
    append(ledger_db, store, [entry(n) for n in range(3)])
    first = anchor_once(ledger_db, ledger, backend)
    assert first is not None and (first.tree_size, first.new_leaves) == (3, 3)
    assert anchor_once(ledger_db, ledger, backend) is None  # nothing new
    append(ledger_db, store, [entry(n) for n in range(3, 8)])
    second = anchor_once(ledger_db, ledger, backend)
    assert second is not None and (second.tree_size, second.new_leaves) == (8, 5)
    with Session(ledger_db) as session:
        heads = store.heads(session)
        assert [h.tree_size for h in heads] == [3, 8]
        assert all(verify_head(head_of(h), signer.public_key) for h in heads)
        assert [a.tree_size for a in store.anchors(session)] == [3, 8]


class FlakyBackend:
    name = "flaky"

    def __init__(self) -> None:
        self.calls = 0

    def anchor(self, head: SignedTreeHead) -> AnchorRecord:
        self.calls += 1
        if self.calls == 1:
            raise AnchorError("peer unavailable")
        return AnchorRecord(self.name, f"tx-{head.tree_size}", 7, dt.datetime.now(dt.UTC))


def test_a_failed_anchor_leaves_a_signed_head_that_the_retry_anchors(ledger_db: Engine) -> None:
    store = LedgerStore()
    ledger = Ledger(store, LogSigner.generate(), "test-log")
    backend = FlakyBackend()
    append(ledger_db, store, [entry(n) for n in range(4)])
    with pytest.raises(AnchorError):
        anchor_once(ledger_db, ledger, backend)
    with Session(ledger_db) as session:
        assert [h.tree_size for h in store.heads(session)] == [4] and store.anchors(session) == []
    outcome = anchor_once(ledger_db, ledger, backend)
    assert outcome is not None and (outcome.tx_id, outcome.block) == ("tx-4", 7)
    with Session(ledger_db) as session:
        assert [h.tree_size for h in store.heads(session)] == [4]


def test_any_characters_survive_the_copy_stream(ledger_db: Engine) -> None:
    store = LedgerStore()
    odd = ["tab\there", "back\\slash", "new\nline", "cr\rlf", "清河-\\N", "\\x00ff", 'quote"s', "null"]
    entries = [
        Entry(f"evidence/odd-{n}\t\\{text}", Leaf(text, "ab" * 32, n, text, T0, T0), case_id=None)
        for n, text in enumerate(odd)
    ]
    entries += [entry(n) for n in range(100, 200)]  # a batch large enough for the COPY path
    append(ledger_db, store, entries)
    with Session(ledger_db) as session:
        for n, text in enumerate(odd):
            row = store.leaf_by_key(session, f"evidence/odd-{n}\t\\{text}")
            assert row is not None and row.case_id == text and row.kind == text
            assert row.leaf.encode() == entries[n].leaf.canonical() and row.leaf_hash == entries[n].leaf.hash()
        assert store.root(session, len(entries)) == merkle.root_of([e.leaf.hash() for e in entries])


def test_a_large_batch_with_entries_already_logged_is_appended_without_them(ledger_db: Engine) -> None:
    store = LedgerStore()
    append(ledger_db, store, [entry(n) for n in range(0, 300, 3)])  # every third leaf is logged already
    with Session(ledger_db) as session:
        appended = store.append(session, [entry(n) for n in range(300)])  # the optimistic path fails, then not
        session.commit()
        assert [a.new for a in appended] == [n % 3 != 0 for n in range(300)]
        assert store.size(session) == 300
        expected = [entry(n).leaf.hash() for n in [*range(0, 300, 3), *(n for n in range(300) if n % 3)]]
        assert store.root(session, 300) == merkle.root_of(expected)
